// The route collector's recorder, bundled to /opt/anycast-lab/collector.mjs:
// follows `gobgp monitor adj-in --current -j` on the local gobgpd and appends
// every update, stamped when it arrived, to the collector log (NDJSON), the
// file `lab collector` and the failover report read. The raw lines go to
// collector-raw.log for a human who wants GoBGP's own words.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { COLLECTOR_PATHS } from '../contract/agent.js';
import { parseMonitorLine } from '../contract/collector-update.js';

mkdirSync('/var/log/anycast-lab', { recursive: true });

/** gobgpd's API is up a moment after its start; the monitor is retried, and restarted should it end. */
const RETRY_MS = 250;

function follow(): void {
  const child = spawn('gobgp', ['monitor', 'adj-in', '--current', '-j'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    const stamp = { wallMs: Date.now(), monoMs: Number(process.hrtime.bigint()) / 1e6 };
    const updates = parseMonitorLine(line, stamp);
    if (updates.length) appendFileSync(COLLECTOR_PATHS.log, `${updates.map((u) => JSON.stringify(u)).join('\n')}\n`);
    appendFileSync(COLLECTOR_PATHS.raw, `${stamp.wallMs} ${line}\n`);
  });
  child.stderr.resume();
  child.on('error', () => setTimeout(follow, RETRY_MS));
  child.on('exit', () => setTimeout(follow, RETRY_MS));
}

follow();
