// One health check: a real CHAOS TXT hostname.bind query over UDP to our own
// responder, the same path a client's query takes (minus the network), over
// the family of the address it checks.

import { randomInt } from 'node:crypto';
import type { Socket } from 'node:dgram';
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { hostnameBindQuery, readHeader } from './query.js';

export interface ProbeResult {
  ok: boolean;
  rttMs: number | null;
  reason?: string;
}

export interface ChaosProbe {
  check(timeoutMs: number): Promise<ProbeResult>;
  close(): void;
}

/** Checks the reply is ours and says NOERROR with an answer; the PoP id itself is not compared, a renamed PoP is still healthy. */
export function judgeReply(reply: Buffer, id: number): ProbeResult | null {
  if (reply.length < 12) return null;
  const h = readHeader(reply);
  if (h.id !== id || !h.qr) return null;
  if (h.rcode !== 0) return { ok: false, rttMs: null, reason: `rcode ${h.rcode}` };
  if (h.ancount < 1) return { ok: false, rttMs: null, reason: 'no answer' };
  return { ok: true, rttMs: null };
}

export function chaosProbe(address: string, port: number, now: () => number = () => performance.now()): ChaosProbe {
  let socket: Socket | null = null;
  let pending: { id: number; done: (r: ProbeResult) => void } | null = null;

  const open = (): Socket => {
    const s = createSocket(isIPv6(address) ? 'udp6' : 'udp4');
    s.on('message', (msg) => {
      if (!pending) return;
      const verdict = judgeReply(msg, pending.id);
      // A late reply to an earlier, timed-out check has another ID: ignore it.
      if (verdict) pending.done(verdict);
    });
    s.on('error', () => {
      s.close();
      if (socket === s) socket = null;
    });
    s.unref();
    return s;
  };

  return {
    check(timeoutMs) {
      socket ??= open();
      const s = socket;
      const id = randomInt(0x10000);
      const query = hostnameBindQuery(id);
      const t0 = now();
      return new Promise<ProbeResult>((resolve) => {
        const timer = setTimeout(() => finish({ ok: false, rttMs: null, reason: `timeout after ${timeoutMs} ms` }), timeoutMs);
        const finish = (r: ProbeResult) => {
          if (pending?.id !== id) return;
          pending = null;
          clearTimeout(timer);
          resolve({ ...r, rttMs: r.ok ? Math.round((now() - t0) * 1000) / 1000 : null });
        };
        pending = { id, done: finish };
        s.send(query, port, address, (err) => {
          if (err) finish({ ok: false, rttMs: null, reason: `send: ${err.message}` });
        });
      });
    },
    close() {
      socket?.close();
      socket = null;
    },
  };
}
