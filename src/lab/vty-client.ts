// Talks to one FRR daemon over its vty socket (/run/frr/<daemon>.vty), the
// way vtysh does: each command is sent NUL-terminated, and the daemon answers
// with the command's output followed by three NUL bytes and a status byte.
// Why: a `docker exec … vtysh` costs ~40-60 ms of engine CPU (runc, shim)
// plus ~30 ms for vtysh to build its command tree, and 100-400 ms of latency
// while containers start on 2 cores; a socket query costs the daemon's own
// few milliseconds. `up` polls every router until BGP and BFD are up.
import { connect } from 'node:net';

/** Output of each command, in order; throws when a command is refused (status ≠ 0) or the daemon does not answer in time. */
export async function vtyQuery(socketPath: string, commands: readonly string[], timeoutMs = 3000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    const outputs: string[] = [];
    let buf = Buffer.alloc(0);
    // `enable` first: a vtysh connection starts in view mode, where bfdd
    // knows no `show bfd peers` and no daemon knows `write terminal`.
    const queue = ['enable', ...commands];
    let sent = 0;
    const fail = (err: Error) => {
      clearTimeout(timer);
      sock.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`${socketPath}: no answer within ${timeoutMs} ms`)), timeoutMs);
    const next = () => sock.write(`${queue[sent++]}\0`);
    sock.on('connect', next);
    sock.on('error', fail);
    sock.on('close', () => {
      if (outputs.length < commands.length) fail(new Error(`${socketPath}: closed after ${outputs.length} of ${commands.length} answers`));
    });
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      // Output text never holds a NUL: the first one starts the terminator.
      for (let end = buf.indexOf(0); end >= 0 && buf.length >= end + 4; end = buf.indexOf(0)) {
        const text = buf.subarray(0, end).toString();
        const status = buf[end + 3];
        buf = buf.subarray(end + 4);
        if (status !== 0) return fail(new Error(`${socketPath}: \`${queue[sent - 1]}\` refused (status ${status}): ${text.trim()}`));
        if (sent > 1) outputs.push(text);
        if (sent < queue.length) next();
        else {
          clearTimeout(timer);
          sock.end();
          return resolve(outputs);
        }
      }
    });
  });
}
