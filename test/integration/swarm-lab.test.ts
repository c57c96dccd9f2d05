// Issue 25, the lab itself across two hosts: the default lab's topology with
// a `hosts:` list (this machine's engine as Swarm manager, a Docker-in-Docker
// node as the second host) brought up by `lab up`, split by its placement:
// t-us's side (iad, gru, eb-us, c-us) on the node, fra and the rest here,
// four networks crossing hosts as Swarm overlays. Through the CLI, as a user
// runs it: plan, up, who, verify (a freeze of a PoP on the other host, and
// one whose clients fail over across the overlay), a cut of a link that
// crosses hosts, and down leaving nothing on either engine.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitLabText } from '../../src/bench/split-lab.js';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import { ensureDindImage } from '../../src/runtime/swarm/dind-image.js';
import { type DindNode, formSwarm, startDindNodes, teardownSwarm } from '../../src/runtime/swarm/dind-swarm.js';
import { waitUntil } from '../../src/util/wait.js';
import { lab, REPO } from './cli.js';

const SWARM = 'swlab';
const LAB = 'split';
const LABEL_LAB = 'anycast-lab.lab';

// The overlays' data plane is VXLAN; tried in a fresh netns, so the host's own links are untouched.
const vxlan = spawnSync('unshare', ['--net', 'ip', 'link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'dev', 'lo'], { encoding: 'utf8' });
const noVxlan = vxlan.status === 0 ? '' : `the kernel cannot create a VXLAN device (${(vxlan.stderr || vxlan.error?.message || '').trim()})`;

/**
 * The split lab (src/bench/split-lab.ts) with two verify cases: a PoP on the
 * other host (iad), and fra, whose client fails over to iad across the
 * overlay. Bounds as on one host: the overlay adds well under a millisecond
 * per hop (swarm.test.ts and the swarm bench measure it).
 */
function splitLabFile(nodeSocket: string): string {
  const bounds = { p50: '450ms', max: '700ms', failback: '2s', collateral: 0, flaps: 0, lost: 0 };
  const text = splitLabText(readFileSync(join(REPO, 'labs', 'default.yaml'), 'utf8'), {
    name: LAB,
    nodeEndpoint: `unix://${nodeSocket}`,
    verify: [
      { name: 'freeze-iad-other-host', fault: { pop: 'iad', mode: 'freeze' }, trials: 3, expect: { 'c-us': 'gru' }, bounds },
      { name: 'freeze-fra-across', fault: { pop: 'fra', mode: 'freeze' }, trials: 3, expect: { 'c-de': 'iad' }, bounds },
    ],
  });
  const file = join(mkdtempSync(join(tmpdir(), 'split-')), 'split.yaml');
  writeFileSync(file, text);
  return file;
}

const labelled = async (docker: Docker) => ({
  containers: (await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${LABEL_LAB}=${LAB}`] }) })).map((c) => c.Names[0]),
  networks: (await docker.listNetworks({ filters: JSON.stringify({ label: [`${LABEL_LAB}=${LAB}`] }) })).map((n) => n.Name),
});

describe.skipIf(noVxlan !== '')(`the default lab split over a two-node Swarm${noVxlan ? ` (skipped: ${noVxlan})` : ''}`, () => {
  const host = new Docker();
  let node: DindNode;
  let file: string;
  const t0 = performance.now();
  const measured: Record<string, number> = {};

  beforeAll(async () => {
    // A run killed mid-way: its record would send every command to a node that is gone; its containers here go by label.
    rmSync(join(REPO, 'frr-configs', LAB, 'hosts.json'), { force: true });
    for (const c of (await labelled(host)).containers) await host.getContainer(c.slice(1)).remove({ force: true });
    for (const n of (await labelled(host)).networks) await host.getNetwork(n).remove();
    await teardownSwarm(host, SWARM);
    const state = (await host.info()).Swarm?.LocalNodeState;
    if (state !== 'inactive') throw new Error(`the host engine is in a Swarm this test did not make (${state}): refusing to touch it`);
    const dind = await ensureDindImage(new DockerRuntime(host));
    let t = performance.now();
    // The node sees the checkout at the same path, as a real second host shares the lab's config directory.
    [node] = await startDindNodes(host, SWARM, dind, 1, [REPO]);
    await formSwarm(host, SWARM, [node]);
    measured.swarmS = (performance.now() - t) / 1000;
    file = splitLabFile(node.socketPath);
    t = performance.now();
    const up = await lab(['up', file], 600_000);
    measured.upS = (performance.now() - t) / 1000;
    expect(up.code, up.stderr.slice(-3000)).toBe(0);
  }, 900_000);

  afterAll(async () => {
    if (file) await lab(['down', file]);
    const errors = await teardownSwarm(host, SWARM);
    // Whatever down did: the node is gone, so is its record.
    rmSync(join(REPO, 'frr-configs', LAB, 'hosts.json'), { force: true });
    console.log(
      `swarm-lab test: ${JSON.stringify(measured)}; total ${((performance.now() - t0) / 1000).toFixed(1)} s; teardown errors: ${JSON.stringify(errors)}`,
    );
    expect(errors).toEqual([]);
  }, 300_000);

  it('plan prints the placement: fra here, iad on the other host, links crossing as overlays', async () => {
    const r = await lab(['plan', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as { placement: { host: Record<string, string>; crossing: { name: string; kind: string }[] } };
    expect(plan.placement.host).toMatchObject({ fra: 'h1', 'eb-br': 'h1', iad: 'h2', gru: 'h2', 't-us': 'h2', 'c-us': 'h2' });
    expect(plan.placement.crossing.map((c) => c.name).sort()).toEqual(['collector LAN', 'eb-br--t-us', 'gru--eb-br', 't-eu--t-us'].sort());
  });

  it("runs each node on its own host's engine, the crossing links as overlays", async () => {
    const here = await labelled(host);
    const there = await labelled(node.docker);
    expect(there.containers.sort()).toEqual(['/al-split-c-us', '/al-split-eb-us', '/al-split-gru', '/al-split-iad', '/al-split-t-us']);
    expect(here.containers).toContain('/al-split-fra');
    expect(here.containers).not.toContain('/al-split-iad');
    const overlays = (await host.listNetworks({ filters: JSON.stringify({ driver: ['overlay'], label: [`${LABEL_LAB}=${LAB}`] }) })).map((n) => n.Name);
    expect(overlays.sort()).toEqual(['al-split-collector-lan', 'al-split-eb-br--t-us', 'al-split-gru--eb-br', 'al-split-t-eu--t-us'].sort());
    // The overlay's MTU inside the router, on the crossing link (VXLAN takes 50 bytes).
    const mtu = await lab([
      'exec',
      '--lab',
      LAB,
      't-eu',
      '--',
      'sh',
      '-c',
      "ip -o -4 addr show to 10.57.0.40/29 | awk '{print $2}' | xargs -I{} cat /sys/class/net/{}/mtu",
    ]);
    expect(mtu.stdout.trim()).toBe('1450');
  });

  it('answers every client from its expected PoP, over both families', async () => {
    const r = await lab(['who', LAB, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('verify: a freeze of a PoP on the other host, and a failover across the overlay, within the one-host bounds', async () => {
    const t = performance.now();
    const dir = mkdtempSync(join(tmpdir(), 'split-verify-'));
    const r = await lab(['verify', file, '--json', '--out', dir], 900_000);
    measured.verifyS = (performance.now() - t) / 1000;
    expect(r.code, r.stdout.slice(-4000) + r.stderr.slice(-2000)).toBe(0);
  }, 900_000);

  it('detects a cut of a link that crosses hosts (t-eu here, t-us there) with BFD, and recovers', async () => {
    const iface = `ip -o -4 addr show to 10.57.0.40/29 | awk '{print $2}'`;
    const bfd = async () => {
      const x = await lab(['vtysh', '--lab', LAB, 't-us', '-c', 'show bfd peers json']);
      return (JSON.parse(x.stdout) as { peer: string; status: string }[]).find((p) => p.peer === '10.57.0.42')?.status;
    };
    expect(await bfd()).toBe('up');
    const t = performance.now();
    const cut = await lab(['exec', '--lab', LAB, 't-eu', '--', 'sh', '-c', `ip link set dev $(${iface}) down`]);
    expect(cut.code, cut.stderr).toBe(0);
    try {
      expect(await waitUntil(async () => (await bfd()) === 'down', { timeoutMs: 5_000, intervalMs: 50 }), 't-us sees BFD down within 5 s').toBe(true);
      measured.crossCutDetectedMs = Math.round(performance.now() - t);
    } finally {
      await lab(['exec', '--lab', LAB, 't-eu', '--', 'sh', '-c', `ip link set dev $(${iface}) up`]);
    }
    expect(await waitUntil(async () => (await bfd()) === 'up', { timeoutMs: 60_000, intervalMs: 250 }), 'BFD up again within 60 s').toBe(true);
  }, 120_000);

  it('down removes every container and network of the lab on both engines, and nothing else', async () => {
    const r = await lab(['down', file]);
    expect(r.code, r.stderr).toBe(0);
    file = '';
    expect(await labelled(host)).toEqual({ containers: [], networks: [] });
    expect(await labelled(node.docker)).toEqual({ containers: [], networks: [] });
    // The node itself is the test's, removed in afterAll.
    expect((await host.listContainers({ all: true })).some((c) => c.Names[0] === `/${node.name}`)).toBe(true);
  });
});
