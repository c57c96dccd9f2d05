// The CLI leaves with process.exit (dockerode keeps sockets open). Before it
// does, what a pipe has not read yet must be flushed: a `lab exec --json` of
// 1 MB once arrived cut at 64 kB.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/paths.js';

const TSX = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const script = (drain: boolean) => `
import { drained } from './src/cli/program.ts';
process.stdout.write('x'.repeat(1_000_000));
${drain ? 'await drained(process.stdout);' : ''}
setImmediate(() => process.exit());
`;

/** Bytes a slow reader gets from a child that writes 1 MB and exits. */
function bytesThroughPipe(drain: boolean): number {
  const r = spawnSync('sh', ['-c', `"${TSX}" --input-type=module -e "$SCRIPT" | (sleep 1; wc -c)`], {
    cwd: REPO_ROOT,
    env: { ...process.env, SCRIPT: script(drain) },
    encoding: 'utf8',
  });
  return Number(r.stdout.trim());
}

describe('leaving the CLI', () => {
  it('flushes a 1 MB stdout into a slow pipe before process.exit; without the wait it is cut', () => {
    expect(bytesThroughPipe(true)).toBe(1_000_000);
    expect(bytesThroughPipe(false)).toBeLessThan(1_000_000);
  });
});
