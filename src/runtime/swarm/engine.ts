// One Engine API client per host, built from the lab file's endpoint (the
// STYLE "several engines: one client per host"). dockerode speaks unix
// sockets, TLS over tcp and ssh (ssh2, through docker-modem) itself.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Docker from 'dockerode';
import type { Endpoint } from '../../topology/hosts.js';

/** `baseDir`: where relative TLS paths start (the lab file's directory). */
export function dockerFor(engine: Endpoint, baseDir = '.'): Docker {
  if (engine.kind === 'unix') return new Docker({ socketPath: engine.socketPath });
  if (engine.kind === 'ssh')
    return new Docker({ protocol: 'ssh', host: engine.host, port: engine.port, ...(engine.username ? { username: engine.username } : {}) });
  const read = (p: string) => readFileSync(resolve(baseDir, p));
  return new Docker({
    protocol: 'https',
    host: engine.host,
    port: engine.port,
    ca: read(engine.tls.ca),
    cert: read(engine.tls.cert),
    key: read(engine.tls.key),
  });
}
