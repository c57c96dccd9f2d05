// A daemon's vty socket for unit tests, speaking FRR's vtysh protocol: each
// command NUL-terminated; its output, three NULs and a status byte back.
import { createServer, type Server } from 'node:net';

/**
 * A daemon's vty socket: answers `enable` and the commands it knows, refuses
 * others with status 2 as FRR does (in view mode bfdd knows no `show bfd
 * peers`, hence the `enable` the client sends first). `chunk` splits every
 * answer into pieces of that many bytes, sent apart.
 */
export function fakeDaemon(path: string, answers: Record<string, string>, opts: { chunk?: number; silent?: boolean } = {}): Promise<Server> {
  const server = createServer((sock) => {
    let enabled = false;
    let buf = '';
    sock.on('data', async (d) => {
      buf += d.toString();
      for (let i = buf.indexOf('\0'); i >= 0; i = buf.indexOf('\0')) {
        const cmd = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (opts.silent) continue;
        const known = cmd === 'enable' || (enabled && cmd in answers);
        if (cmd === 'enable') enabled = true;
        const reply = Buffer.concat([Buffer.from(known ? (answers[cmd] ?? '') : `% Unknown command: ${cmd}\n`), Buffer.from([0, 0, 0, known ? 0 : 2])]);
        const size = opts.chunk ?? reply.length;
        for (let at = 0; at < reply.length; at += size) {
          sock.write(reply.subarray(at, at + size));
          await new Promise((r) => setTimeout(r, 1));
        }
      }
    });
  });
  return new Promise((resolve) => server.listen(path, () => resolve(server)));
}
