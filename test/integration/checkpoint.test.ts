// Checkpoints (issue 21, point 4): save the lab as the trainer wants it, let an
// attendee change a policy, type config into vtysh and drain a PoP, restore:
// every change is gone, read back from FRR and from inside the clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestoreResult } from '../../src/exercise/checkpoint.js';
import type { UpResult } from '../../src/lab/up.js';
import type { ChangeReport } from '../../src/policy/catchment.js';
import type { WhoReport } from '../../src/probe/who.js';
import { type ExecJson, lab, labJson, TEST_LAB, TEST_LAB_FILE, type VtyshBgpSummary, vtyshJson } from './cli.js';

// The suite's lab, by name in every command: a user's default lab may be up beside it.
const L = TEST_LAB.name;

const NAME = 'itest-clean';
const answerOf = async (client: string) => (await labJson<WhoReport>(['who', L])).clients.find((c) => c.client === client)?.udp;
const runningConfig = async (node: string) => (await labJson<ExecJson>(['exec', '--lab', L, node, '--', 'vtysh', '-c', 'show running-config'])).stdout;

describe("checkpoint save / restore (the suite's lab)", () => {
  beforeAll(async () => {
    await labJson<UpResult>(['up', TEST_LAB_FILE, '--reset']);
  });

  afterAll(async () => {
    // Whatever failed, the next test file gets the lab file's lab.
    await lab(['announce', '--lab', L, 'nrt']);
    await lab(['policy', '--lab', L, '--reset-all']);
  });

  it('restore undoes a policy change, vtysh-made config and a drain, says what it changed, and converges back', async () => {
    const saved = await lab(['checkpoint', '--lab', L, 'save', NAME]);
    expect(saved.code, saved.stderr).toBe(0);
    console.log(`checkpoint save: ${saved.ms} ms wall`);
    expect(await answerOf('c-us')).toBe('iad');

    // The attendee's changes.
    const policy = await labJson<ChangeReport>(['policy', '--lab', L, 'iad', 't-us', 'prepend', '3']);
    expect(policy.catchment.find((c) => c.client === 'c-us')?.after).toBe('gru');
    const peer = Object.keys((await vtyshJson<VtyshBgpSummary>('fra', 'show bgp summary')).ipv4Unicast.peers)[0];
    const typed = await labJson<ExecJson>([
      'exec',
      '--lab',
      L,
      'fra',
      '--',
      'vtysh',
      '-c',
      'configure terminal',
      '-c',
      'ip prefix-list ATTENDEE seq 5 permit 198.51.100.0/24',
      '-c',
      'router bgp 64500',
      '-c',
      `neighbor ${peer} description typed-by-an-attendee`,
    ]);
    expect(typed.exitCode, typed.stderr).toBe(0);
    expect(await runningConfig('fra')).toContain('typed-by-an-attendee');
    const drain = await labJson<ChangeReport>(['withdraw', '--lab', L, 'nrt']);
    expect(drain.catchment.find((c) => c.client === 'c-jp')?.after).toBe('fra');

    const t0 = performance.now();
    const r = await labJson<RestoreResult>(['checkpoint', '--lab', L, 'restore', NAME], 180_000);
    console.log(`checkpoint restore: ${Math.round(performance.now() - t0)} ms wall, catchment final ${r.shiftMs} ms after the change`);
    expect(r.settled).toBe(true);
    expect(Object.keys(r.changed).sort()).toEqual(['fra', 'iad']);
    expect(r.changed.iad.join('\n')).toMatch(/^- set as-path prepend/m);
    expect(r.changed.fra.join('\n')).toContain('- ip prefix-list ATTENDEE seq 5 permit 198.51.100.0/24');
    expect(r.changed.fra.join('\n')).toContain(`- neighbor ${peer} description typed-by-an-attendee`);
    expect(r.drains).toEqual({ drained: [], announced: ['nrt'] });
    expect(r.catchment.find((c) => c.client === 'c-us')).toMatchObject({ before: 'gru', after: 'iad' });
    expect(r.catchment.find((c) => c.client === 'c-jp')).toMatchObject({ before: 'fra', after: 'nrt' });

    // Read back independently: FRR's config and the clients' own answers.
    const fra = await runningConfig('fra');
    expect(fra).not.toContain('ATTENDEE');
    expect(fra).not.toContain('typed-by-an-attendee');
    expect(await runningConfig('iad')).not.toMatch(/set as-path prepend/);
    expect(await answerOf('c-us')).toBe('iad');
    expect(await answerOf('c-jp')).toBe('nrt');

    // Restoring what is already there changes nothing.
    const again = await labJson<RestoreResult>(['checkpoint', '--lab', L, 'restore', NAME]);
    expect(again.applied).toEqual([]);
  });

  it('names the saved checkpoints when asked for one that does not exist (exit 1)', async () => {
    const r = await lab(['checkpoint', '--lab', L, 'restore', 'no-such-checkpoint']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`saved: `);
    expect(r.stderr).toContain(NAME);
  });
});
