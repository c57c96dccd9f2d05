// Issue #23, live edits: `up` on an edited lab file changes only what the
// edit touches, and an edit that cannot converge leaves the lab that worked.
// Driven through the CLI as a user would: up, plan, up <edited file>, who.
// Real Docker, real FRR.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UpResult } from '../../src/lab/up.js';
import type { WhoReport } from '../../src/probe/who.js';
import { withSydUnderTap } from '../fixtures/live-edit.js';
import { lab, labelled, labJson, TEST_LAB, TEST_LAB_FILE, type VtyshBgpSummary, vtyshJson } from './cli.js';

// The suite's lab (default.yaml's topology under its own name), so a user's default lab is left alone.
const LAB = TEST_LAB_FILE;
const L = TEST_LAB.name;
const dir = mkdtempSync(join(tmpdir(), 'live-edit-'));
const WITH_SYD = join(dir, 'lab.yaml');
writeFileSync(WITH_SYD, withSydUnderTap(readFileSync(LAB, 'utf8')));

/** The syd lab plus PoP mel under t-ap that expects t-ap in AS65099: its session never comes up, yet the file is valid. */
const BROKEN = join(dir, 'broken.yaml');
writeFileSync(
  BROKEN,
  readFileSync(WITH_SYD, 'utf8')
    .replace('  - { name: syd,', '  - { name: mel, asn: 64500, location: Melbourne, colo: MEL }\n  - { name: syd,')
    .replace(
      '  - { a: { node: syd, prepend: 1 }, b: t-ap }\n',
      '  - { a: { node: syd, prepend: 1 }, b: t-ap }\n  - { a: { node: mel, remoteAs: 65099 }, b: t-ap }\n',
    ),
);

/** node → container id and creation time: a recreated node gets new ones. */
async function containerIds(): Promise<Record<string, string>> {
  const { containers } = await labelled(L);
  return Object.fromEntries(
    containers.filter((c) => c.Labels['anycast-lab.kind'] !== 'helper').map((c) => [c.Labels['anycast-lab.node'], `${c.Id.slice(0, 12)}@${c.Created}`]),
  );
}

async function everyClientAnsweredAsExpected(): Promise<WhoReport['clients']> {
  const who = await labJson<WhoReport>(['who', L]);
  return who.clients.filter((c) => !c.matches);
}

describe("live edits of the suite's lab", () => {
  let before: Record<string, string>;
  let fullUp: UpResult;

  beforeAll(async () => {
    // The lab as the files before this one left it (test/sequencer.ts: up,
    // after the shared files), put back to the file by `up`; built from
    // nothing when this file runs alone. The edits are planned and applied
    // against whatever `up` leaves: a down and a cold up first (~20 s) only
    // timed a full up for the log.
    fullUp = await labJson<UpResult>(['up', LAB]);
    before = await containerIds();
  }, 300_000);

  afterAll(async () => {
    // Back to the suite's lab as the file has it, for whoever comes next (the global teardown removes it).
    await lab(['up', LAB]);
  }, 300_000);

  it('plans a PoP under t-ap as one node and one link to add and t-ap to reconfigure in place, without changing anything', async () => {
    const plan = await lab(['plan', WITH_SYD]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout.split('\n')[0]).toBe(
      `lab "${L}": 1 to add, 1 to reconfigure in place, 0 to start, 0 to recreate, 0 to remove, 15 unchanged; 1 network change`,
    );
    expect(plan.stdout).toMatch(new RegExp(`^ {4}~ t-ap +transit +link added: al-${L}-syd--t-ap; frr\\.conf changed$`, 'm'));
    expect(await containerIds()).toEqual(before);
  }, 60_000);

  it('adds the PoP: syd is created, t-ap reconfigured in place, no other container recreated, every client still answered', async () => {
    const r = await labJson<UpResult>(['up', WITH_SYD]);
    console.log(`[live-edit] up ${fullUp.wallMs} ms (${fullUp.created.containers.length} containers created); edit-up (add syd under t-ap) ${r.wallMs} ms`);
    expect(r.created.containers).toHaveLength(1);
    expect(r.removed).toEqual([]);
    expect(r.reconfigured).toEqual(['t-ap']);
    const after = await containerIds();
    expect(Object.keys(after).sort()).toEqual([...Object.keys(before), 'syd'].sort());
    for (const [node, id] of Object.entries(before)) expect(after[node], `${node} must not be recreated`).toBe(id);
    // syd's session with t-ap is up, and t-ap hears the anycast prefix from it.
    const tap = await vtyshJson<VtyshBgpSummary>('t-ap', 'show bgp summary');
    const peers = Object.values(tap.ipv4Unicast.peers);
    expect(peers.every((p) => p.state === 'Established')).toBe(true);
    expect(peers).toHaveLength(5);
    expect(await everyClientAnsweredAsExpected()).toEqual([]);
  }, 300_000);

  it('refuses nothing but fails an edit that cannot converge, and brings the previous lab back: every client answered by its PoP', async () => {
    const ids = await containerIds();
    const r = await lab(['up', BROKEN, '--timeout', '20']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/mel/);
    expect(r.stderr).toContain(`The previous lab is back: "${L}" as it converged at `);
    const after = await containerIds();
    expect(Object.keys(after).sort()).toEqual(Object.keys(ids).sort());
    // Only t-ap was touched (reconfigured and reconfigured back); nothing was recreated.
    for (const [node, id] of Object.entries(ids)) expect(after[node], `${node} must not be recreated`).toBe(id);
    expect(await everyClientAnsweredAsExpected()).toEqual([]);
  }, 300_000);
});
