// Entry of the probe agent, bundled to /opt/anycast-lab/probe.mjs and run in a
// client container: node probe.mjs '<json config>'. NDJSON samples on stdout,
// the summary last; errors on stderr. Exit 0 after a clean stop, 2 for a bad
// config, 1 for anything else.

import { ProbeConfigError, parseProbeConfig } from '../contract/probe-config.js';
import { runProbeAgent } from './probe/agent.js';

async function main(): Promise<number> {
  const config = parseProbeConfig(process.argv[2] ?? '');
  const stop = new AbortController();
  process.once('SIGTERM', () => stop.abort(new Error('SIGTERM')));
  process.once('SIGINT', () => stop.abort(new Error('SIGINT')));
  // Docker has no API to signal an exec'd process, so closing its stdin is
  // the orchestrator's way to stop an open-ended run. With a fixed duration
  // stdin is ignored: `docker exec` without stdin hands us /dev/null, which
  // would read as an immediate stop.
  if (config.durationMs === 0) {
    process.stdin.on('end', () => stop.abort(new Error('stdin closed')));
    process.stdin.on('error', () => stop.abort(new Error('stdin error')));
    process.stdin.resume();
  }
  // EPIPE on stdout: the reader is gone, nobody will see the summary.
  process.stdout.on('error', () => process.exit(1));
  await runProbeAgent(config, { out: process.stdout, signal: stop.signal });
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`probe: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof ProbeConfigError ? 2 : 1);
  },
);
