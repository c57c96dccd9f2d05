// A Swarm on one machine, for tests and benches of a lab spread over hosts:
// the host engine is the manager, N Docker-in-Docker containers are workers,
// and an internal attachable overlay carries a link between them. Everything
// is labelled (labels.ts), so a crashed run is cleaned up by label.
//
// What works on this machine (2026-12-06): `--privileged` fails (the host
// lacks CAP_SYS_RESOURCE), so a node gets every capability but that one, no
// seccomp/apparmor profile, the host's cgroup tree, its own cgroup parent,
// /run on tmpfs and a volume for /var/lib/docker; dockerd uses vfs, since
// overlayfs on overlayfs is refused.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { LabError } from '../../errors.js';
import { hostAt, tryParseCidr } from '../../topology/ipv4.js';
import { waitUntil } from '../../util/wait.js';
import { LABEL } from '../labels.js';

/** Label that marks every resource of one test swarm; its value is the swarm's name. */
export const SWARM_LABEL = 'anycast-lab.swarm';

/** Where each node's Engine socket appears on the host (bind-mounted), so the host reaches it as unix://. */
const SOCKET_ROOT = '/tmp/anycast-lab-swarm';
const SOCKET_DIR_IN_NODE = '/anycast-lab-engine';

export interface DindNode {
  name: string;
  containerId: string;
  /** Its address on the host's default bridge: what it advertises to the Swarm. */
  address: string;
  /** The node's Engine API, reachable from this host. */
  socketPath: string;
  docker: Docker;
}

export interface SwarmLab {
  name: string;
  manager: Docker;
  managerAddress: string;
  nodes: DindNode[];
}

const labelsOf = (swarm: string, node: string): Record<string, string> => ({
  [LABEL.lab]: swarm,
  [LABEL.node]: node,
  [LABEL.role]: 'swarm-node',
  [LABEL.kind]: 'helper',
  [SWARM_LABEL]: swarm,
});

/** A node's dockerd answers within seconds on an idle host; 60 s covers a loaded 2-core one. */
const NODE_READY_MS = 60_000;

/** Starts `count` DinD nodes from `image` on the host engine, each with its own dockerd, and waits until each answers. */
/**
 * `shared`: host directories each node sees at the same path, as hosts of a
 * real lab share the lab's config directory (a router's /etc/frr is a bind
 * of it, made by the node's own engine).
 */
export async function startDindNodes(host: Docker, swarm: string, image: string, count: number, shared: readonly string[] = []): Promise<DindNode[]> {
  const nodes: DindNode[] = [];
  for (let i = 1; i <= count; i++) {
    const name = `al-${swarm}-node${i}`;
    const sockDir = join(SOCKET_ROOT, name);
    mkdirSync(sockDir, { recursive: true });
    const labels = labelsOf(swarm, `node${i}`);
    await host.createVolume({ Name: `${name}-docker`, Labels: labels });
    const c = await host.createContainer({
      name,
      Image: image,
      Hostname: name,
      Labels: labels,
      Cmd: [
        'dockerd',
        '--storage-driver',
        'vfs',
        '--cgroup-parent',
        name,
        '-H',
        'unix:///var/run/docker.sock',
        '-H',
        `unix://${SOCKET_DIR_IN_NODE}/docker.sock`,
      ],
      HostConfig: {
        CapAdd: ['ALL'],
        CapDrop: ['SYS_RESOURCE'],
        SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
        // `--security-opt systempaths=unconfined` as the API spells it: /proc/sys writable, which
        // the node's dockerd needs to enable IPv6 on its bridges (a dual-stack lab).
        MaskedPaths: [],
        ReadonlyPaths: [],
        Binds: ['/sys/fs/cgroup:/sys/fs/cgroup:rw', `${name}-docker:/var/lib/docker`, `${sockDir}:${SOCKET_DIR_IN_NODE}`, ...shared.map((d) => `${d}:${d}`)],
        Tmpfs: { '/run': '' },
      },
    });
    await c.start();
    const info = await c.inspect();
    const socketPath = join(sockDir, 'docker.sock');
    const docker = new Docker({ socketPath });
    const ready = await waitUntil(
      () =>
        docker.ping().then(
          () => true,
          () => false,
        ),
      { timeoutMs: NODE_READY_MS, intervalMs: 250 },
    );
    if (!ready) throw new LabError('HOST', `DinD node ${name}: dockerd did not answer on ${socketPath} within ${NODE_READY_MS / 1000} s (docker logs ${name})`);
    nodes.push({ name, containerId: c.id, address: info.NetworkSettings.Networks.bridge?.IPAddress ?? '', socketPath, docker });
  }
  return nodes;
}

/** The host engine's address on its default bridge (docker0): the manager's advertise and data-path address. */
export async function bridgeGateway(host: Docker): Promise<string> {
  const net = await host.getNetwork('bridge').inspect();
  const gw = gatewayOf(net.IPAM?.Config?.[0]);
  if (!gw)
    throw new LabError('HOST', `the host engine's "bridge" network has no gateway address to advertise (IPAM ${JSON.stringify(net.IPAM?.Config ?? [])})`);
  return gw;
}

/**
 * The bridge's gateway as IPAM states it or, where it states only the subnet,
 * the subnet's first address, which the engine gives docker0 unless told
 * otherwise (seen here, 2026-12-06: an engine started by scripts/prepare-host.sh
 * listed `{"Subnet":"172.17.0.0/16"}` alone, with docker0 at 172.17.0.1).
 */
export function gatewayOf(config: { Gateway?: string; Subnet?: string } | undefined): string | undefined {
  if (config?.Gateway) return config.Gateway;
  const subnet = config?.Subnet === undefined ? undefined : tryParseCidr(config.Subnet);
  return subnet && subnet.bits < 31 ? hostAt(subnet, 1) : undefined;
}

/**
 * `swarm init` on the host, `swarm join` on every node. Refuses a host already
 * in a Swarm: leaving it afterwards would break someone else's cluster.
 */
export async function formSwarm(host: Docker, name: string, nodes: DindNode[]): Promise<SwarmLab> {
  const state = (await host.info()).Swarm?.LocalNodeState;
  if (state && state !== 'inactive') {
    throw new LabError('HOST', `the host engine is already in a Swarm (state ${state}); this test swarm only forms on an engine outside one`);
  }
  const managerAddress = await bridgeGateway(host);
  // The label marks the Swarm as this test's: teardown leaves only a Swarm that carries it.
  await host.swarmInit({ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: managerAddress, DataPathAddr: managerAddress, Spec: { Labels: { [SWARM_LABEL]: name } } });
  const token = (await host.swarmInspect()).JoinTokens.Worker as string;
  for (const n of nodes) {
    await n.docker.swarmJoin({
      ListenAddr: '0.0.0.0:2377',
      AdvertiseAddr: n.address,
      DataPathAddr: n.address,
      RemoteAddrs: [`${managerAddress}:2377`],
      JoinToken: token,
    });
  }
  // A worker takes a few seconds to report ready; attaching a container before that times out ("context deadline exceeded", moby#38325).
  const ready = await waitUntil(
    async () => {
      const listed = await host.listNodes();
      return listed.length === nodes.length + 1 && listed.every((n) => n.Status?.State === 'ready');
    },
    { timeoutMs: NODE_READY_MS, intervalMs: 250 },
  );
  if (!ready) throw new LabError('HOST', `the Swarm's ${nodes.length} workers did not all report ready within ${NODE_READY_MS / 1000} s (docker node ls)`);
  return { name, manager: host, managerAddress, nodes };
}

/**
 * Removes everything the swarm made, in reverse: the swarm's containers on the
 * host and every container in its nodes, the overlays, the workers' and the host's Swarm membership, the
 * docker_gwbridge `swarm leave` leaves behind, the nodes and their volumes.
 * Best effort per step, so one failure does not strand the rest; the errors
 * are returned for the caller to report.
 */
export async function teardownSwarm(host: Docker, name: string): Promise<string[]> {
  const errors: string[] = [];
  const attempt = async (what: string, f: () => Promise<unknown>) => {
    try {
      await f();
    } catch (err) {
      errors.push(`${what}: ${(err as Error).message}`);
    }
  };
  const filters = JSON.stringify({ label: [`${SWARM_LABEL}=${name}`] });
  const labelled = await host.listContainers({ all: true, filters });
  const nodes = labelled.filter((c) => c.Labels[LABEL.role] === 'swarm-node');
  const nodeEngine = (c: (typeof nodes)[number]) => new Docker({ socketPath: join(SOCKET_ROOT, c.Names[0].replace(/^\//, ''), 'docker.sock') });
  // Containers first, on every engine: an overlay is "in use by task" while any node still has one attached.
  for (const c of labelled.filter((x) => !nodes.includes(x))) await attempt(`remove ${c.Names[0]}`, () => host.getContainer(c.Id).remove({ force: true }));
  for (const n of nodes.filter((x) => x.State === 'running')) {
    const docker = nodeEngine(n);
    for (const c of await docker.listContainers({ all: true }).catch(() => [])) {
      await attempt(`remove ${c.Names[0]} on ${n.Names[0]}`, () => docker.getContainer(c.Id).remove({ force: true }));
    }
  }
  for (const net of await host.listNetworks({ filters })) await attempt(`remove overlay ${net.Name}`, () => host.getNetwork(net.Id).remove());
  for (const n of nodes.filter((x) => x.State === 'running')) {
    await attempt(`leave swarm on ${n.Names[0]}`, () => nodeEngine(n).swarmLeave({ force: true }).catch(ignoreNotInSwarm));
  }
  if (await isOurSwarm(host, name)) await attempt('leave swarm on the host', () => host.swarmLeave({ force: true }).catch(ignoreNotInSwarm));
  // Only outside swarm mode: another Swarm on this engine still needs its gwbridge.
  if ((await host.info()).Swarm?.LocalNodeState === 'inactive') await attempt('remove docker_gwbridge', () => removeIfUnused(host, 'docker_gwbridge'));
  for (const n of nodes) await attempt(`remove ${n.Names[0]}`, () => host.getContainer(n.Id).remove({ force: true, v: true }));
  for (const v of (await host.listVolumes({ filters })).Volumes ?? []) await attempt(`remove volume ${v.Name}`, () => host.getVolume(v.Name).remove());
  // By name, not by container: `lab down --all` may have removed a crashed run's nodes already.
  const dirs = existsSync(SOCKET_ROOT) ? readdirSync(SOCKET_ROOT) : [];
  for (const dir of dirs.filter((d) => d.startsWith(`al-${name}-`))) rmSync(join(SOCKET_ROOT, dir), { recursive: true, force: true });
  return errors;
}

/** Whether the host manages the Swarm `formSwarm(…, name, …)` made (a crashed run's included), and no other. */
async function isOurSwarm(host: Docker, name: string): Promise<boolean> {
  if ((await host.info()).Swarm?.LocalNodeState === 'inactive') return false;
  const spec = await host.swarmInspect().then(
    (s) => s.Spec as { Labels?: Record<string, string> },
    () => undefined,
  );
  return spec?.Labels?.[SWARM_LABEL] === name;
}

const ignoreNotInSwarm = (err: Error & { statusCode?: number }) => {
  if (err.statusCode !== 503) throw err;
};

/** docker_gwbridge outlives `swarm leave`; removed only when nothing else uses it. */
async function removeIfUnused(host: Docker, name: string): Promise<void> {
  const found = await host.listNetworks({ filters: JSON.stringify({ name: [name] }) });
  for (const n of found.filter((x) => x.Name === name)) {
    const info = await host.getNetwork(n.Id).inspect();
    if (Object.keys(info.Containers ?? {}).length === 0) await host.getNetwork(n.Id).remove();
  }
}
