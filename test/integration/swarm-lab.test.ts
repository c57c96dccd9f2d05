// Issue 25 on one machine: a two-node Swarm (this machine's engine as
// manager, a Docker-in-Docker node as worker) and the default lab's topology
// spread over it by a lab file with `hosts:`: iad and gru on the node, the
// rest here, their three links to t-us and eb-br crossing hosts as Swarm
// overlays. (Two nodes there, not more: under the node's vfs storage each
// container is a full copy of the image, and the suite has 30 minutes.)
// Through the CLI, as a user runs it: `lab hosts check`, plan, up, eBGP and
// BFD across an overlay seen from both hosts, the overlay's MTU and round
// trip against a local bridge, who, verify (a freeze of iad on the other
// host, whose client fails over to gru across the overlay), a cut of a link
// that crosses hosts, a kill and restore of a PoP there (recreated with its
// IPv6 on the overlays), down leaving nothing on either engine, and the Swarm
// and its node gone afterwards.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitLabText } from '../../src/bench/split-lab.js';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import { ensureDindImage } from '../../src/runtime/swarm/dind-image.js';
import { type DindNode, formSwarm, SWARM_LABEL, startDindNodes, teardownSwarm } from '../../src/runtime/swarm/dind-swarm.js';
import { waitUntil } from '../../src/util/wait.js';
import { lab, REPO } from './cli.js';

const SWARM = 'swlab';
const LAB = 'split';
const LABEL_LAB = 'anycast-lab.lab';

// The overlays' data plane is VXLAN; tried in a fresh netns, so the host's own links are untouched.
const vxlan = spawnSync('unshare', ['--net', 'ip', 'link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'dev', 'lo'], { encoding: 'utf8' });
const noVxlan = vxlan.status === 0 ? '' : `the kernel cannot create a VXLAN device (${(vxlan.stderr || vxlan.error?.message || '').trim()})`;

/**
 * The split lab (src/bench/split-lab.ts) with iad and gru pinned on the node
 * and the transits here (else placement would balance a transit's group onto
 * the node too), and one verify case: a freeze of iad, on the other host,
 * moves c-us to gru, through t-us here and across the overlay. Bounds as on
 * one host: the overlay adds well under a millisecond per hop (the test below
 * and the swarm bench measure it).
 */
function splitLabFile(nodeSocket: string): string {
  const bounds = { p50: '450ms', max: '700ms', failback: '2s', collateral: 0, flaps: 0, lost: 0 };
  const text = splitLabText(readFileSync(join(REPO, 'labs', 'default.yaml'), 'utf8'), {
    name: LAB,
    nodeEndpoint: `unix://${nodeSocket}`,
    placement: { 't-eu': 'h1', 't-us': 'h1', 't-ap': 'h1', iad: 'h2', gru: 'h2' },
    verify: [{ name: 'freeze-iad-other-host', fault: { pop: 'iad', mode: 'freeze' }, trials: 3, expect: { 'c-us': 'gru' }, bounds }],
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
  let torndown = false;

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

  // The last test tears the Swarm down and checks it; this only cleans up after a failure before it.
  afterAll(async () => {
    if (file) await lab(['down', file]);
    const errors = torndown ? [] : await teardownSwarm(host, SWARM);
    // Whatever down did: the node is gone, so is its record.
    rmSync(join(REPO, 'frr-configs', LAB, 'hosts.json'), { force: true });
    console.log(
      `swarm-lab test: ${JSON.stringify(measured)}; total ${((performance.now() - t0) / 1000).toFixed(1)} s; teardown errors: ${JSON.stringify(errors)}`,
    );
  }, 300_000);

  it('`lab hosts check` passes both engines: reachable, one Swarm, VXLAN, memory, clock', async () => {
    const r = await lab(['hosts', 'check', file, '--json']);
    const checks = (JSON.parse(r.stdout) as { checks: { host: string; check: string; status: string }[] }).checks;
    // Free memory may warn on a busy machine; every other check must pass.
    expect(checks.filter((c) => c.status !== 'ok' && c.check !== 'memory')).toEqual([]);
    expect(checks.map((c) => `${c.host} ${c.check}`)).toContain('h2 clock');
  });

  it('plan prints the placement: fra here, iad on the other host, links crossing as overlays', async () => {
    const r = await lab(['plan', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as { placement: { host: Record<string, string>; crossing: { name: string; kind: string }[] } };
    expect(plan.placement.host).toMatchObject({ fra: 'h1', 't-us': 'h1', 'eb-br': 'h1', 'c-us': 'h1', iad: 'h2', gru: 'h2' });
    expect(plan.placement.crossing.map((c) => c.name).sort()).toEqual(['gru--eb-br', 'gru--t-us', 'iad--t-us']);
  });

  it("runs each node on its own host's engine, the crossing links as overlays", async () => {
    const here = await labelled(host);
    const there = await labelled(node.docker);
    expect(there.containers.sort()).toEqual(['/al-split-gru', '/al-split-iad']);
    expect(here.containers).toContain('/al-split-fra');
    expect(here.containers).not.toContain('/al-split-iad');
    const overlays = (await host.listNetworks({ filters: JSON.stringify({ driver: ['overlay'], label: [`${LABEL_LAB}=${LAB}`] }) })).map((n) => n.Name);
    expect(overlays.sort()).toEqual(['al-split-gru--eb-br', 'al-split-gru--t-us', 'al-split-iad--t-us']);
    // The overlay's MTU inside the router, on the crossing link (VXLAN takes 50 bytes).
    const mtu = await lab([
      'exec',
      '--lab',
      LAB,
      't-us',
      '--',
      'sh',
      '-c',
      "ip -o -4 addr show to 10.57.0.8/29 | awk '{print $2}' | xargs -I{} cat /sys/class/net/{}/mtu",
    ]);
    expect(mtu.stdout.trim()).toBe('1450');
  });

  it('has eBGP with BFD up across the overlay, seen from both hosts (t-us here, iad there)', async () => {
    for (const [me, peer] of [
      ['t-us', '10.57.0.10'],
      ['iad', '10.57.0.11'],
    ]) {
      const bgp = await lab(['vtysh', '--lab', LAB, me, '-c', 'show bgp summary json']);
      expect(JSON.parse(bgp.stdout).ipv4Unicast.peers[peer].state, `${me} → ${peer}`).toBe('Established');
      const bfd = await lab(['vtysh', '--lab', LAB, me, '-c', 'show bfd peers json']);
      expect((JSON.parse(bfd.stdout) as { peer: string; status: string }[]).find((p) => p.peer === peer)?.status, `${me} BFD → ${peer}`).toBe('up');
    }
  });

  it('carries 1422-byte pings across it (MTU 1450: VXLAN takes 50) and refuses 1423 with DF; round trip against a local bridge', async () => {
    const ping = (args: string[]) => lab(['exec', '--lab', LAB, 't-us', '--', 'ping', ...args]);
    expect((await ping(['-c', '3', '-i', '0.2', '-W', '1', '-M', 'do', '-s', '1422', '10.57.0.10'])).code).toBe(0);
    expect((await ping(['-c', '1', '-W', '1', '-M', 'do', '-s', '1423', '10.57.0.10'])).code).not.toBe(0);
    // iad over the overlay, eb-us over a local bridge: 50 pings each, no loss.
    for (const [key, to] of [
      ['overlay', '10.57.0.10'],
      ['bridge', '10.57.0.66'],
    ]) {
      const r = await ping(['-c', '50', '-i', '0.02', '-q', to]);
      const m = /(\d+)% packet loss[\s\S]*= ([\d.]+)\/([\d.]+)\/([\d.]+)\//.exec(r.stdout);
      expect(m, r.stdout).not.toBeNull();
      expect(Number(m?.[1]), `${key} loss`).toBe(0);
      measured[`${key}RttAvgMs`] = Number(m?.[3]);
    }
  });

  it('answers every client from its expected PoP, over both families', async () => {
    const r = await lab(['who', LAB, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('verify: a freeze of a PoP on the other host, its client failing over across the overlay, within the one-host bounds', async () => {
    const t = performance.now();
    const dir = mkdtempSync(join(tmpdir(), 'split-verify-'));
    const r = await lab(['verify', file, '--json', '--out', dir], 900_000);
    measured.verifyS = (performance.now() - t) / 1000;
    expect(r.code, r.stdout.slice(-4000) + r.stderr.slice(-2000)).toBe(0);
  }, 900_000);

  /** gru's IPv6 sessions (to t-us and eb-br, both across overlays): all Established within 90 s. */
  const gruIpv6Established = async (): Promise<[boolean, string]> => {
    const peers = async () => {
      const x = await lab(['vtysh', '--lab', LAB, 'gru', '-c', 'show bgp summary json']);
      return Object.values((JSON.parse(x.stdout || '{}') as { ipv6Unicast?: { peers: Record<string, { state: string }> } }).ipv6Unicast?.peers ?? {});
    };
    const ok = await waitUntil(
      async () => {
        const p = await peers().catch(() => []);
        return p.length >= 2 && p.every((x) => x.state === 'Established');
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    return [ok === true, JSON.stringify(await peers().catch((e) => String(e)))];
  };

  it('detects a cut of the links that cross hosts (gru there, t-us here) with BFD, and restores them, IPv6 too', async () => {
    // t-us's BFD peer on the gru--t-us overlay (10.57.0.24/29; t-us is .27).
    const bfd = async () => {
      const x = await lab(['vtysh', '--lab', LAB, 't-us', '-c', 'show bfd peers json']);
      return (JSON.parse(x.stdout) as { peer: string; status: string }[]).find((p) => /^10\.57\.0\.(2[4-6]|2[89]|30)$/.test(p.peer))?.status;
    };
    expect(await bfd()).toBe('up');
    const t = performance.now();
    const cut = await lab(['break', '--lab', LAB, 'gru', 'cut']);
    try {
      expect(cut.code, cut.stderr.slice(-2000)).toBe(0);
      expect(await waitUntil(async () => (await bfd()) === 'down', { timeoutMs: 5_000, intervalMs: 50 }), 't-us sees BFD to gru down within 5 s').toBe(true);
      measured.crossCutDetectedMs = Math.round(performance.now() - t);
    } finally {
      const restored = await lab(['restore', '--lab', LAB, 'gru', 'cut']);
      expect(restored.code, restored.stderr.slice(-2000)).toBe(0);
    }
    expect(await waitUntil(async () => (await bfd()) === 'up', { timeoutMs: 60_000, intervalMs: 250 }), 'BFD up again within 60 s').toBe(true);
    // `ip link set down` flushes permanent neighbours: without restore setting them again, IPv6 over the overlays stays down.
    const [ok, peers] = await gruIpv6Established();
    expect(ok, `gru's IPv6 sessions after the restore: ${peers}`).toBe(true);
  }, 180_000);

  it('a kill of a PoP on the other host and its restore: recreated there, with its IPv6 on the overlays again', async () => {
    const t = performance.now();
    const broken = await lab(['break', '--lab', LAB, 'gru', 'kill']);
    expect(broken.code, broken.stderr.slice(-2000)).toBe(0);
    const restored = await lab(['restore', '--lab', LAB, 'gru', 'kill']);
    expect(restored.code, restored.stderr.slice(-2000)).toBe(0);
    const nodeEngine = new Docker({ socketPath: node.socketPath });
    expect((await nodeEngine.getContainer(`al-${LAB}-gru`).inspect()).State.Running, 'gru runs on the node again').toBe(true);
    // Swarm gives an overlay end no IPv6 (host-firewall.ts): without the helper run again, gru's IPv6 sessions to t-us and eb-br never come back.
    const [ok, peers] = await gruIpv6Established();
    expect(ok, `gru's IPv6 sessions after the restore: ${peers}`).toBe(true);
    measured.killRestoreS = (performance.now() - t) / 1000;
    const who = await lab(['who', LAB, '--json']);
    expect(who.code, who.stdout + who.stderr).toBe(0);
  }, 180_000);

  it('down removes every container and network of the lab on both engines, and nothing else', async () => {
    const r = await lab(['down', file]);
    expect(r.code, r.stderr).toBe(0);
    file = '';
    expect(await labelled(host)).toEqual({ containers: [], networks: [] });
    expect(await labelled(node.docker)).toEqual({ containers: [], networks: [] });
    // The node itself is the test's, removed in afterAll.
    expect((await host.listContainers({ all: true })).some((c) => c.Names[0] === `/${node.name}`)).toBe(true);
  });

  it('leaves nothing of the Swarm: no labelled containers, networks or volumes, the host out of swarm mode', async () => {
    const errors = await teardownSwarm(host, SWARM);
    torndown = true;
    expect(errors).toEqual([]);
    const filters = JSON.stringify({ label: [`${SWARM_LABEL}=${SWARM}`] });
    expect(await host.listContainers({ all: true, filters })).toEqual([]);
    expect(await host.listNetworks({ filters })).toEqual([]);
    expect((await host.listVolumes({ filters })).Volumes ?? []).toEqual([]);
    expect((await host.info()).Swarm?.LocalNodeState).toBe('inactive');
    expect((await host.listNetworks()).map((n) => n.Name)).not.toContain('docker_gwbridge');
    expect(existsSync(node.socketPath)).toBe(false);
  });
});
