// Issue 25 on one machine: a two-node Swarm (this host's engine as manager, a
// Docker-in-Docker node as worker), one internal attachable /29 overlay
// between them, the lab's router image on each end (loaded into the node with
// `docker save | docker load`: no registry here), an eBGP session with BFD
// across the overlay, its RTT and MTU measured, `lab hosts check`'s checks
// against both engines, and nothing left afterwards.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostEngine } from '../../src/host/host-engines.js';
import { checkHosts } from '../../src/host/hosts-check.js';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import { imageRefs } from '../../src/runtime/image-store.js';
import { ensureDindImage } from '../../src/runtime/swarm/dind-image.js';
import { createOverlay, type DindNode, formSwarm, SWARM_LABEL, type SwarmLab, startDindNodes, teardownSwarm } from '../../src/runtime/swarm/dind-swarm.js';
import { waitUntil } from '../../src/util/wait.js';

const NAME = 'swtest';
const OVERLAY = `al-${NAME}-r1--r2`;
// 10.59/16: clear of every lab's pools (the suite's own lab, 10.97-10.99, can be
// up when this file runs, and a local bridge may not overlap it).
const SUBNET = '10.59.0.0/29';
// The lab's own link addressing (.2, .3): the overlay keeps Swarm's load-balancer addresses in its upper half.
const R1 = '10.59.0.2';
const R2 = '10.59.0.3';

// The overlay's data plane is VXLAN; in a fresh netns, so the host's own links are untouched.
const vxlan = spawnSync('unshare', ['--net', 'ip', 'link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'dev', 'lo'], { encoding: 'utf8' });
const noVxlan = vxlan.status === 0 ? '' : `the kernel cannot create a VXLAN device (${(vxlan.stderr || vxlan.error?.message || '').trim()})`;

const frrConf = (me: string, asn: number, peer: string, peerAs: number) => `frr defaults traditional
hostname ${me}
bfd
 profile fast
  transmit-interval 100
  receive-interval 100
 exit
!
router bgp ${asn}
 bgp router-id ${me === 'r1' ? '10.255.9.1' : '10.255.9.2'}
 no bgp ebgp-requires-policy
 timers bgp 3 9
 neighbor ${peer} remote-as ${peerAs}
 neighbor ${peer} bfd
 neighbor ${peer} bfd profile fast
exit
`;

const START_FRR =
  'mkdir -p /var/run/frr && chown frr:frr /var/run/frr && for d in zebra bfdd bgpd; do /usr/lib/frr/$d -d -F traditional || exit 1; done && sleep 1 && vtysh -f /tmp/frr.conf';

describe.skipIf(noVxlan !== '')(`two-node Swarm on one machine${noVxlan ? ` (skipped: ${noVxlan})` : ''}`, () => {
  const host = new Docker();
  let swarm: SwarmLab;
  let node: DindNode;
  let r1: { rt: DockerRuntime; id: string };
  let r2: { rt: DockerRuntime; id: string };
  const measured: Record<string, number> = {};
  const t0 = performance.now();

  beforeAll(async () => {
    // A previous run killed mid-way (or `lab down --all` after it, which removes the nodes but not the Swarm): its labels find what it left.
    await teardownSwarm(host, NAME);
    const state = (await host.info()).Swarm?.LocalNodeState;
    if (state !== 'inactive') throw new Error(`the host engine is in a Swarm this test did not make (${state}): refusing to touch it`);
    let t = performance.now();
    const dind = await ensureDindImage(new DockerRuntime(host));
    measured.dindImageS = (performance.now() - t) / 1000;
    const router = (await imageRefs()).router;

    t = performance.now();
    [node] = await startDindNodes(host, NAME, dind, 1);
    swarm = await formSwarm(host, NAME, [node]);
    await createOverlay(swarm, OVERLAY, SUBNET, '10.59.0.1');
    measured.swarmUpS = (performance.now() - t) / 1000;

    // No registry: the image goes over as a tar, engine to engine.
    t = performance.now();
    const tar = await host.getImage(router).get();
    await new Promise<void>((resolve, reject) => {
      node.docker.loadImage(tar, {}, (err, out) => {
        if (err || !out) return reject(err);
        out.resume();
        out.on('end', () => resolve()).on('error', reject);
      });
    });
    measured.imageLoadS = (performance.now() - t) / 1000;

    // Each router is created through its own host's Engine API, as `up` will.
    const start = async (rt: DockerRuntime, me: string, ip: string, conf: string) => {
      const id = await rt.createContainer({
        name: `al-${NAME}-${me}`,
        image: router,
        labels: { [SWARM_LABEL]: NAME, 'anycast-lab.lab': NAME, 'anycast-lab.node': me, 'anycast-lab.kind': 'router' },
        cmd: ['sleep', 'infinity'],
        capAdd: ['NET_ADMIN', 'NET_RAW', 'SYS_ADMIN'],
        networks: [{ network: OVERLAY, ipv4: ip }],
      });
      await rt.startContainer(id);
      const w = await rt.exec(id, ['sh', '-c', `cat > /tmp/frr.conf && ${START_FRR}`], { stdin: conf, timeoutMs: 30_000 });
      expect(w.exitCode, `${me}: ${w.stderr}`).toBe(0);
      return { rt, id };
    };
    t = performance.now();
    r1 = await start(new DockerRuntime(host), 'r1', R1, frrConf('r1', 65001, R2, 65002));
    r2 = await start(new DockerRuntime(node.docker), 'r2', R2, frrConf('r2', 65002, R1, 65001));
    measured.routersUpS = (performance.now() - t) / 1000;
  }, 240_000);

  afterAll(async () => {
    const errors = await teardownSwarm(host, NAME);
    console.log(`swarm test: ${JSON.stringify(measured)}; total ${((performance.now() - t0) / 1000).toFixed(1)} s; teardown errors: ${JSON.stringify(errors)}`);
    expect(errors).toEqual([]);
  }, 120_000);

  it('establishes eBGP with BFD up across the overlay, seen from both hosts', async () => {
    const t = performance.now();
    const up = await waitUntil(
      async () => {
        const [a, b] = await Promise.all([r1, r2].map((r) => r.rt.exec(r.id, ['vtysh', '-c', 'show bfd peers json'])));
        const peers = [a, b].map((x) => (x.exitCode === 0 ? (JSON.parse(x.stdout) as { peer: string; status: string }[]) : []));
        return peers[0].some((p) => p.peer === R2 && p.status === 'up') && peers[1].some((p) => p.peer === R1 && p.status === 'up');
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(up, 'BFD up on both ends within 60 s').toBe(true);
    for (const [r, peer] of [
      [r1, R2],
      [r2, R1],
    ] as const) {
      const s = await r.rt.exec(r.id, ['vtysh', '-c', 'show bgp summary json']);
      expect(JSON.parse(s.stdout).ipv4Unicast.peers[peer].state).toBe('Established');
    }
    measured.bgpBfdUpS = (performance.now() - t) / 1000;
  });

  it('carries 1422-byte pings (MTU 1450: VXLAN takes 50) and refuses 1423 with DF; RTT measured', async () => {
    const mtu = await r1.rt.exec(r1.id, ['cat', '/sys/class/net/eth0/mtu']);
    measured.mtu = Number(mtu.stdout.trim());
    expect(measured.mtu).toBe(1450);
    const fits = await r1.rt.exec(r1.id, ['ping', '-c', '3', '-i', '0.2', '-W', '1', '-M', 'do', '-s', '1422', R2]);
    expect(fits.exitCode, fits.stdout).toBe(0);
    const tooBig = await r1.rt.exec(r1.id, ['ping', '-c', '1', '-W', '1', '-M', 'do', '-s', '1423', R2]);
    expect(tooBig.exitCode).not.toBe(0);
    const rtt = await r1.rt.exec(r1.id, ['ping', '-c', '50', '-i', '0.02', '-q', R2], { timeoutMs: 20_000 });
    const m = /(\d+)% packet loss[\s\S]*= ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms/.exec(rtt.stdout);
    expect(m, rtt.stdout).not.toBeNull();
    Object.assign(measured, { lossPct: Number(m?.[1]), rttMinMs: Number(m?.[2]), rttAvgMs: Number(m?.[3]), rttMaxMs: Number(m?.[4]) });
    expect(measured.lossPct).toBe(0);
  });

  it('costs little over a local bridge: the same ping to a container on this host', async () => {
    const rt = r1.rt;
    const local = `al-${NAME}-local`;
    await rt.createNetwork({ name: local, subnet: '10.59.0.8/29', gateway: '10.59.0.9', labels: { [SWARM_LABEL]: NAME } });
    const id = await rt.createContainer({
      name: `al-${NAME}-r3`,
      image: (await imageRefs()).router,
      labels: { [SWARM_LABEL]: NAME },
      cmd: ['sleep', 'infinity'],
      networks: [{ network: local, ipv4: '10.59.0.11' }],
    });
    await rt.startContainer(id);
    await rt.connectNetwork(r1.id, { network: local, ipv4: '10.59.0.10' });
    const rtt = await rt.exec(r1.id, ['ping', '-c', '50', '-i', '0.02', '-q', '10.59.0.11'], { timeoutMs: 20_000 });
    const m = /= ([\d.]+)\/([\d.]+)\/([\d.]+)\//.exec(rtt.stdout);
    expect(m, rtt.stdout).not.toBeNull();
    Object.assign(measured, { bridgeRttMinMs: Number(m?.[1]), bridgeRttAvgMs: Number(m?.[2]), bridgeRttMaxMs: Number(m?.[3]) });
    await rt.disconnectNetwork(r1.id, local);
    await rt.removeContainer(id);
    await rt.removeNetwork(local);
  });

  it("detects a freeze of the router on the other host with BFD (pause through that host's own engine)", async () => {
    const bfdStatus = async () => {
      const x = await r1.rt.exec(r1.id, ['vtysh', '-c', 'show bfd peers json']);
      return (JSON.parse(x.stdout) as { peer: string; status: string }[]).find((p) => p.peer === R2)?.status;
    };
    const t = performance.now();
    await r2.rt.pauseContainer(r2.id);
    try {
      const down = await waitUntil(async () => (await bfdStatus()) === 'down', { timeoutMs: 5_000, intervalMs: 20 });
      measured.bfdDownAfterPauseMs = Math.round(performance.now() - t);
      expect(down, 'r1 sees BFD down within 5 s of pausing r2').toBe(true);
    } finally {
      await r2.rt.unpauseContainer(r2.id);
    }
    expect(await waitUntil(async () => (await bfdStatus()) === 'up', { timeoutMs: 30_000, intervalMs: 100 })).toBe(true);
  });

  it('`lab hosts check` passes both engines: reachable, one Swarm, VXLAN, memory, clock', async () => {
    const engines = [
      hostEngine({ name: 'h1', endpoint: 'unix:///var/run/docker.sock', engine: { kind: 'unix', socketPath: '/var/run/docker.sock' } }, '/tmp/lab.yaml'),
      hostEngine({ name: 'h2', endpoint: `unix://${node.socketPath}`, engine: { kind: 'unix', socketPath: node.socketPath } }, '/tmp/lab.yaml'),
    ];
    const r = await checkHosts(engines, 'h1');
    expect(r.checks.filter((c) => c.status !== 'ok' && c.check !== 'memory')).toEqual([]);
    expect(r.checks.map((c) => `${c.host} ${c.check}`)).toContain('h2 clock');
    const clock = r.checks.find((c) => c.check === 'clock');
    console.log(`hosts check: ${clock?.detail}`);
  });

  it('leaves nothing behind: no labelled containers, networks or volumes, the host out of swarm mode', async () => {
    const nodeSocket = node.socketPath;
    const errors = await teardownSwarm(host, NAME);
    expect(errors).toEqual([]);
    const filters = JSON.stringify({ label: [`${SWARM_LABEL}=${NAME}`] });
    expect(await host.listContainers({ all: true, filters })).toEqual([]);
    expect(await host.listNetworks({ filters })).toEqual([]);
    expect((await host.listVolumes({ filters })).Volumes ?? []).toEqual([]);
    expect((await host.info()).Swarm?.LocalNodeState).toBe('inactive');
    expect((await host.listNetworks()).map((n) => n.Name)).not.toContain('docker_gwbridge');
    expect(existsSync(nodeSocket)).toBe(false);
  });
});
