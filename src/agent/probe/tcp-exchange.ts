import net from 'node:net';
import type { Outcome } from '../../contract/sample.js';
import { errorDetail, outcomeOfError } from './outcome.js';

export interface ExchangeResult {
  outcome: Outcome;
  /** When the outcome was known (answer complete, error, or deadline). */
  endMs: number;
  data: Buffer;
  detail?: string;
}

/**
 * One request on a fresh TCP connection: connect, write, read until
 * `isComplete(data)` or the peer closes, all under one deadline. A fresh
 * connection per probe is the point: it shows when new connections land on a
 * new PoP, which is what users see.
 */
export function tcpExchange(opts: {
  address: string;
  port: number;
  request: Buffer;
  timeoutMs: number;
  now: () => number;
  /** True once `data` holds a whole answer; called after every chunk. */
  isComplete: (data: Buffer) => boolean;
  /** Whether `data` is a whole answer when the peer closes (HTTP without Content-Length). Defaults to isComplete. */
  completeAtClose?: (data: Buffer) => boolean;
}): Promise<ExchangeResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let phase: 'connect' | 'answer' = 'connect';
    let done = false;
    const socket = net.connect({ host: opts.address, port: opts.port });
    socket.setNoDelay(true);

    const finish = (outcome: Outcome, detail?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // All data has been read, so destroy() closes with a FIN, not a RST.
      socket.destroy();
      resolve({ outcome, endMs: opts.now(), data: Buffer.concat(chunks), ...(detail ? { detail } : {}) });
    };
    const timer = setTimeout(() => finish('timeout', `no ${phase} within ${opts.timeoutMs} ms`), opts.timeoutMs);

    socket.on('connect', () => {
      phase = 'answer';
      socket.write(opts.request);
    });
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      if (opts.isComplete(Buffer.concat(chunks))) finish('ok');
    });
    socket.on('error', (err) => finish(outcomeOfError(err), `${phase}: ${errorDetail(err)}`));
    socket.on('close', () => {
      const data = Buffer.concat(chunks);
      // Some servers close right after the answer instead of waiting for us.
      if (data.length > 0 && (opts.completeAtClose ?? opts.isComplete)(data)) finish('ok');
      else finish('closed', `peer closed during ${phase}`);
    });
  });
}
