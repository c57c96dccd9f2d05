// Issue 21, point 1: an attendee opens a router's CLI and types at it. Every
// session here runs the CLI under a real pseudo-terminal (support/pty-session:
// `script`, and why) or with piped stdin, and what it did is read back
// independently with one-shot `exec --json`.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExecJson, lab, labArgv, labJson, REPO, TEST_LAB, TEST_LAB_FILE, type VtyshBgpSummary, vtyshJson } from './cli.js';

// The suite's lab, by name in every command: a user's default lab may be up beside it.
const L = TEST_LAB.name;

import { PtySession } from './support/pty-session.js';

/** `lab <args>` with `input` piped to its stdin (not a terminal). */
function labPiped(args: string[], input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const [program, ...argv] = labArgv(args);
    const child = spawn(program, argv, { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    // A command that stops reading early closes the pipe under us (EPIPE): that is its business, not a test failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

const runningConfig = async (router: string) => (await labJson<ExecJson>(['exec', '--lab', L, router, '--', 'vtysh', '-c', 'show running-config'])).stdout;

describe('interactive exec, vtysh and shell (default lab)', () => {
  /** fra's session to t-eu, and the description it had before this file typed another. */
  let peer: string;
  let description: string;

  beforeAll(async () => {
    await labJson(['up', TEST_LAB_FILE]);
    const summary = await vtyshJson<VtyshBgpSummary & { ipv4Unicast: { peers: Record<string, { hostname?: string }> } }>('fra', 'show bgp summary');
    const found = Object.entries(summary.ipv4Unicast.peers).find(([, p]) => p.hostname === 't-eu');
    if (!found) throw new Error(`fra has no session to t-eu: ${JSON.stringify(summary)}`);
    peer = found[0];
    const nbr = await vtyshJson<Record<string, { nbrDesc?: string }>>('fra', `show bgp neighbors ${peer}`);
    description = nbr[peer]?.nbrDesc ?? 't-eu';
  });

  afterAll(async () => {
    if (!peer) return;
    // Back to the rendered state: the description, then `up` puts back the frr.conf that `write` replaced.
    await labJson(['exec', '--lab', L, 'fra', '--', 'vtysh', '-c', 'configure', '-c', 'router bgp 64500', '-c', `neighbor ${peer} description ${description}`]);
    await labJson(['up', TEST_LAB_FILE]);
    expect(await runningConfig('fra')).not.toContain('typed-in-a-pty');
  });

  it("typed into `lab vtysh fra` at a terminal, a neighbor line lands in fra's running config and its saved frr.conf", async () => {
    const line = `neighbor ${peer} description typed-in-a-pty`;
    const s = new PtySession(labArgv(['vtysh', '--lab', L, 'fra']));
    try {
      await s.expect(/fra# $/, 60_000);
      s.typeLine('configure');
      await s.expect(/fra\(config\)# $/);
      s.typeLine('router bgp 64500');
      await s.expect(/fra\(config-router\)# $/);
      s.typeLine(line);
      // vtysh answers a refused line with "% …" before the prompt.
      const answer = await s.expect(/\n(.*?)fra\(config-router\)# $/s);
      expect(answer[1]).not.toMatch(/%/);
      s.typeLine('end');
      await s.expect(/fra# $/);
      s.typeLine('write');
      await s.expect(/\[OK\].*fra# $/s);
      s.typeLine('exit');
      expect(await s.end(), s.transcript).toBe(0);
    } finally {
      await s.end();
    }
    expect(await runningConfig('fra')).toContain(line);
    const saved = await labJson<ExecJson>(['exec', '--lab', L, 'fra', '--', 'cat', '/etc/frr/frr.conf']);
    expect(saved.stdout).toContain(line);
  });

  it('piped stdin (not a terminal): vtysh reads the commands and answers on stdout, nothing on stderr', async () => {
    const r = await labPiped(['exec', '--lab', L, 'fra', '--', 'vtysh'], 'show bgp summary json\n');
    expect(r.code, r.stderr).toBe(0);
    // vtysh echoes its prompt and the command before the answer: the JSON document is the rest.
    const json = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'), r.stdout.lastIndexOf('}') + 1)) as VtyshBgpSummary;
    expect(Object.keys(json.ipv4Unicast.peers)).toContain(peer);
    expect(r.stderr).toBe('');
    // A process that stops reading early ends the session with its own status, not an error of ours.
    const early = await labPiped(['exec', '--lab', L, 'fra', '--', 'head', '-c', '10'], 'x'.repeat(4 << 20));
    expect(early).toMatchObject({ code: 0, stdout: 'xxxxxxxxxx', stderr: '' });
  });

  it("the command's exit status is the CLI's, with and without a terminal; stdout and stderr stay apart without one", async () => {
    const r = await lab(['exec', '--lab', L, 'fra', '--', 'sh', '-c', 'echo to-out; echo to-err >&2; exit 7']);
    expect(r).toMatchObject({ code: 7, stdout: 'to-out\n', stderr: 'to-err\n' });
    const s = new PtySession(labArgv(['exec', '--lab', L, 'fra', '--', 'sh', '-c', 'exit 7']));
    expect(await s.end(60_000), s.transcript).toBe(7);
  });

  it('Ctrl-C reaches the process in the node: a sleep ends at once with 130, and nothing is left running', async () => {
    // 31, not 30: a number no other process in the client sleeps for (its image keeps a `sleep` of its own running).
    const s = new PtySession(labArgv(['exec', '--lab', L, 'c-de', '--', 'sh', '-c', 'echo started; exec sleep 31']));
    // Only once the process has printed is our terminal raw: a Ctrl-C before that would stop the CLI itself.
    await s.expect(/started/, 60_000);
    const t0 = performance.now();
    s.press('\x03');
    expect(await s.end(10_000), s.transcript).toBe(130);
    expect(performance.now() - t0).toBeLessThan(3_000);
    const left = await lab(['exec', '--lab', L, 'c-de', '--', 'pgrep', '-fx', 'sleep 31']);
    expect(left.code, left.stdout).toBe(1);
  });

  it('`lab shell c-de`: the window size at start and after a resize (SIGWINCH), and Ctrl-D ends the shell with 0', async () => {
    const s = new PtySession(labArgv(['shell', '--lab', L, 'c-de']), { rows: 33, cols: 101 });
    try {
      await s.expect(/[#$] $/, 60_000);
      s.typeLine('stty size');
      await s.expect(/\n33 101\n/);
      s.resize(50, 90);
      // Resizing is asynchronous (signal, then an API call): ask until the new size shows.
      let seen = false;
      for (let i = 0; i < 20 && !seen; i++) {
        s.typeLine('stty size');
        const m = await s.expect(/\n(\d+ \d+)\n/);
        seen = m[1] === '50 90';
        if (!seen) await new Promise((r) => setTimeout(r, 100));
      }
      expect(seen, s.transcript).toBe(true);
      s.press('\x04');
      expect(await s.end(), s.transcript).toBe(0);
    } finally {
      await s.end();
    }
  });
});
