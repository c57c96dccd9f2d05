// Desired state of a lab: which networks and containers exist, with which
// addresses, labels and capabilities. Pure, so `up`, the Compose generator
// and unit tests all read the same plan.
import { createHash } from 'node:crypto';
import { AGENT_DIR, POP_LIVE_DIR } from '../contract/agent.js';
import { containerName, LABEL, labLabels, networkName } from '../runtime/labels.js';
import type { Attachment, ContainerSpec, NetworkSpec } from '../runtime/runtime.js';
import { isDualStack } from '../topology/families.js';
import type { Client, Lab, Router } from '../topology/model.js';
import type { ObserverNode, ObserverSpec } from '../topology/roles/observer-spec.js';
import { observersOf } from '../topology/roles/observers.js';
import { roleSpec } from '../topology/roles/registry.js';
import { nodeFrrHash } from './artifacts.js';

export interface PlanPaths {
  /** Host dir holding <lab>/<node>/frr.conf … */
  configRoot: string;
  /** Host dir with the bundled agents (dist/agent). */
  agentDir: string;
}

export interface PlanImages {
  router: string;
  client: string;
}

export interface NodePlan {
  node: string;
  role: string;
  spec: ContainerSpec;
  /** Client routes are set by a helper sharing its namespace (clients stay unprivileged). */
  routeHelper?: ContainerSpec;
}

export interface LabPlan {
  networks: NetworkSpec[];
  nodes: NodePlan[];
}

/** Routers get exactly what FRR and nftables need; never --privileged. */
export const ROUTER_CAPS = ['NET_ADMIN', 'NET_RAW', 'SYS_ADMIN'];

/** A router with agents (a PoP): their every-second files in memory (POP_LIVE_DIR says why). */
const POP_TMPFS: Record<string, string> = { [POP_LIVE_DIR]: 'size=1m' };
export const ROUTER_SYSCTLS: Record<string, string> = {
  'net.ipv4.ip_forward': '1',
  // Asymmetric paths are normal in BGP; strict reverse-path filtering would drop them.
  'net.ipv4.conf.all.rp_filter': '0',
  'net.ipv4.conf.default.rp_filter': '0',
  'net.ipv6.conf.all.disable_ipv6': '1',
};

/**
 * A dual-stack lab's routers: IPv6 on, and forwarding on for every interface
 * (`default` too: Docker may add an interface after the sysctls are applied).
 * Router advertisements are not accepted: every address and route is static
 * or learned over BGP (a router with forwarding=1 ignores RAs anyway).
 */
export const ROUTER_SYSCTLS_DUAL: Record<string, string> = {
  ...ROUTER_SYSCTLS,
  'net.ipv6.conf.all.disable_ipv6': '0',
  'net.ipv6.conf.default.disable_ipv6': '0',
  'net.ipv6.conf.all.forwarding': '1',
  'net.ipv6.conf.default.forwarding': '1',
  // Linux drops an interface's IPv6 addresses when it goes down; Docker put
  // them there once and never again, so after a `cut` (link down, then up)
  // the IPv6 session would stay Active for good. IPv4 addresses are kept anyway.
  'net.ipv6.conf.all.keep_addr_on_down': '1',
  'net.ipv6.conf.default.keep_addr_on_down': '1',
  // No duplicate address detection on interfaces added later (live-plan.ts); see noDad.
  'net.ipv6.conf.all.accept_dad': '0',
  'net.ipv6.conf.default.accept_dad': '0',
};

/**
 * No duplicate address detection on a dual-stack router's links: every
 * address is the plan's, so there is nothing to detect. Docker adds the
 * global addresses nodad, but the kernel's fe80:: link-local runs DAD (1-2 s
 * tentative) each time a link comes up, and meanwhile bgpd cannot set an IPv6
 * session's link-local next hop: after a restored `cut` it sent a NOTIFICATION
 * ("nexthop_set failed") and held the peer Idle for its 3 s start timer, so
 * IPv6 failed back in ~4.5 s against ~0.3 s for IPv4. `default` is not
 * enough: Docker moves eth0… into the namespace before these sysctls are
 * applied (measured: default 0, eth0 1), so each interface is named; they
 * exist by then (docker-runtime.ts connects every network before start).
 */
const noDad = (interfaces: number): Record<string, string> =>
  Object.fromEntries(Array.from({ length: interfaces }, (_, i) => [`net.ipv6.conf.eth${i}.accept_dad`, '0']));

/** A network's IPv6 half, when the lab has one: absent keeps an [ipv4] lab's spec exactly as it was. */
const v6 = (ipv6: { subnet: string; gateway: string } | undefined): Pick<NetworkSpec, 'ipv6'> =>
  ipv6 ? { ipv6: { subnet: ipv6.subnet, gateway: ipv6.gateway } } : {};

/** An attachment, with its IPv6 address when there is one (no `ipv6` key otherwise). */
const attach = (network: string, ipv4: string, ipv6?: string): Attachment => (ipv6 ? { network, ipv4, ipv6 } : { network, ipv4 });

/** Where a role's agent config files (RoleSpec.container.agentFiles) are mounted, read-only. */
const AGENT_CONFIG_DIR = '/etc/anycast-lab';

/**
 * What a router's container runs at start: router-init.sh, with the role's
 * own steps handed over in the environment (ROLE_SETUP, ROLE_SERVICES) so the
 * script itself names no role, and the environment is part of the config hash.
 */
function routerEnv(lab: Lab, r: Router): Record<string, string> {
  const c = roleSpec(r.role).container;
  const setup = c.setup(lab, r);
  const services = c.services(lab, r);
  return {
    ROLE: r.role,
    NODE: r.name,
    ...c.env(lab, r),
    ...(setup !== null ? { ROLE_SETUP: setup } : {}),
    ...(services !== null ? { ROLE_SERVICES: services } : {}),
  };
}

export function planLab(lab: Lab, images: PlanImages, paths: PlanPaths, configHashes: Record<string, string> = {}): LabPlan {
  const networks: NetworkSpec[] = [
    ...lab.links.map((l) => ({
      name: networkName(lab.name, l.name),
      subnet: l.subnet,
      gateway: l.gateway,
      ...v6(l.ipv6),
      labels: labLabels(lab.name, l.name, 'link', 'link', { [LABEL.file]: lab.file }),
    })),
    ...lab.lans.map((lan) => ({
      name: networkName(lab.name, lan.name),
      subnet: lan.subnet,
      gateway: lan.gateway,
      ...v6(lan.ipv6),
      labels: labLabels(lab.name, lan.name, 'lan', 'lan', { [LABEL.file]: lab.file }),
    })),
    // Each observer's LAN (the collector LAN: one bridge shared by the collector and every transit).
    ...observersOf(lab).map(({ spec, node }) => ({
      name: networkName(lab.name, node.lan.name),
      subnet: node.lan.subnet,
      gateway: node.lan.gateway,
      ...v6(node.lan.ipv6),
      labels: labLabels(lab.name, node.lan.name, spec.name, 'lan', { [LABEL.file]: lab.file }),
    })),
  ];
  const nodes: NodePlan[] = [
    ...lab.routers.map((r) => routerPlan(lab, r, images, paths, configHashes[r.name] ?? '')),
    ...observersOf(lab).map(({ spec, node }) => observerPlan(lab, spec, node, images, paths, configHashes[node.name] ?? '')),
    ...lab.clients.map((c) => clientPlan(lab, c, images, paths)),
  ];
  return { networks, nodes };
}

/**
 * An observer (the route collector): the image and command its spec names, no
 * capabilities, its config directory read-only at the spec's configDir. Its
 * containers carry the `collector` kind, which find-node and `down` look up.
 */
function observerPlan(lab: Lab, o: ObserverSpec, node: ObserverNode, images: PlanImages, paths: PlanPaths, configHash: string): NodePlan {
  const attachments = [attach(networkName(lab.name, node.lan.name), node.address, node.address6)];
  const image = images[o.container.image];
  const spec: ContainerSpec = {
    name: containerName(lab.name, node.name),
    hostname: node.name,
    image,
    labels: labLabels(lab.name, node.name, o.name, 'collector', {
      [LABEL.file]: lab.file,
      [LABEL.configHash]: hashOf([configHash, image, JSON.stringify(attachments)]),
    }),
    cmd: o.container.cmd,
    binds: [`${paths.configRoot}/${lab.name}/${node.name}:${o.container.configDir}:ro`, `${paths.agentDir}:${AGENT_DIR}:ro`],
    networks: attachments,
    init: true,
  };
  return { node: node.name, role: o.name, spec };
}

function routerPlan(lab: Lab, r: Router, images: PlanImages, paths: PlanPaths, configHash: string): NodePlan {
  const attachments = [
    ...lab.links.flatMap((l) => [l.a, l.b].filter((e) => e.node === r.name).map((e) => attach(networkName(lab.name, l.name), e.address, e.ipv6?.address))),
    ...lab.lans.filter((lan) => lan.eyeball === r.name).map((lan) => attach(networkName(lab.name, lan.name), lan.routerAddress, lan.ipv6?.routerAddress)),
    ...observersOf(lab).flatMap(({ node }) =>
      node.peers.filter((p) => p.router === r.name).map((p) => attach(networkName(lab.name, node.lan.name), p.address, p.address6)),
    ),
  ];
  const dual = isDualStack(lab);
  const sysctls = dual ? { ...ROUTER_SYSCTLS_DUAL, ...noDad(attachments.length) } : ROUTER_SYSCTLS;
  const nodeDir = `${paths.configRoot}/${lab.name}/${r.name}`;
  const binds = [`${nodeDir}:/etc/frr`, `${paths.agentDir}:${AGENT_DIR}:ro`];
  const agents = Object.keys(roleSpec(r.role).container.agentFiles(lab, r)).length > 0;
  // A directory, not a file: a rewritten file is a new inode a file bind would not see.
  if (agents) binds.push(`${nodeDir}/agent:${AGENT_CONFIG_DIR}:ro`);
  const tmpfs = agents ? POP_TMPFS : undefined;
  const env = routerEnv(lab, r);
  const spec: ContainerSpec = {
    name: containerName(lab.name, r.name),
    hostname: r.name,
    image: images.router,
    // Addresses and frr.conf are not in the hash: a router's links and its
    // FRR config change in place (live-plan.ts); the frr.conf it was created
    // with is labelled on its own.
    labels: labLabels(lab.name, r.name, r.role, 'router', {
      [LABEL.file]: lab.file,
      // The sysctls join the hash only in a dual-stack lab: an [ipv4] lab's hash stays what it always was.
      // noDad's per-interface lines stay out: they follow the links, which change in place.
      // The tmpfs joins it too: agents write where it is mounted, so a PoP made before it must be made again.
      [LABEL.configHash]: hashOf([
        configHash,
        images.router,
        JSON.stringify(env),
        ...(dual ? [JSON.stringify(ROUTER_SYSCTLS_DUAL)] : []),
        ...(tmpfs ? [JSON.stringify(tmpfs)] : []),
      ]),
      [LABEL.frrHash]: nodeFrrHash(lab, r.name),
    }),
    cmd: ['/bin/bash', `${AGENT_DIR}/router-init.sh`],
    env,
    capAdd: ROUTER_CAPS,
    sysctls,
    binds,
    ...(tmpfs ? { tmpfs } : {}),
    networks: attachments,
    init: true,
  };
  return { node: r.name, role: r.role, spec };
}

/**
 * The order `up` creates nodes in: routers that run only FRR first, then
 * routers that run agents beside it (ROLE_SERVICES: a PoP's health checker
 * and responder), then observers (the route collector: nothing waits for
 * it), then clients, so BGP begins sooner. Agents keep the CPU busy from
 * the moment their container starts (a health check every 200 ms and its
 * answer), while a router without peers yet idles: created last, they run
 * for the shortest part of a large lab's `up`, on the cores the engine is
 * creating the rest with. In a 100-PoP `up` the PoPs took 94 of the
 * machine's 216 CPU-seconds (bench/results/up-2026-12-07T16-07-24Z.json). Within each group, the
 * plan's order (the sort is stable).
 */
export function creationOrder(nodes: readonly NodePlan[]): NodePlan[] {
  const rank = (n: NodePlan) => {
    const kind = n.spec.labels[LABEL.kind];
    if (kind === 'client') return 3;
    if (kind !== 'router') return 2;
    return n.spec.env?.ROLE_SERVICES !== undefined ? 1 : 0;
  };
  return [...nodes].sort((a, b) => rank(a) - rank(b));
}

function clientPlan(lab: Lab, c: Client, images: PlanImages, paths: PlanPaths): NodePlan {
  const lan = lab.lans.find((l) => l.eyeball === c.eyeball)!;
  const name = containerName(lab.name, c.name);
  const attachments = [attach(networkName(lab.name, lan.name), c.address, c.ipv6?.address)];
  const spec: ContainerSpec = {
    name,
    hostname: c.name,
    image: images.client,
    labels: labLabels(lab.name, c.name, 'client', 'client', {
      [LABEL.file]: lab.file,
      [LABEL.configHash]: hashOf([images.client, JSON.stringify(attachments), c.gateway, ...(c.ipv6 ? [c.ipv6.gateway] : [])]),
    }),
    // The probe agent and dig run through `docker exec`; the container itself idles.
    cmd: ['sleep', 'infinity'],
    binds: [`${paths.agentDir}:${AGENT_DIR}:ro`],
    networks: attachments,
    init: true,
  };
  // Docker installs `default via <host bridge>` even on internal networks;
  // replace it so nothing from a client can fall back to the host.
  const routeHelper: ContainerSpec = {
    name: `${name}-routes`,
    image: images.client,
    labels: labLabels(lab.name, c.name, 'client', 'helper'),
    cmd: ['sh', '-c', clientRouteCommands(c)],
    capAdd: ['NET_ADMIN'],
    networkMode: `container:${name}`,
  };
  return { node: c.name, role: 'client', spec, routeHelper };
}

/**
 * A client's default routes via its eyeball: IPv4, and in a dual-stack lab
 * IPv6 too (Docker's IPv6 default points at the host bridge's ::1 as well).
 */
export function clientRouteCommands(c: Pick<Client, 'gateway' | 'ipv6'>): string {
  const v4 = `ip route replace default via ${c.gateway} && ip route show default`;
  return c.ipv6 ? `${v4} && ip -6 route replace default via ${c.ipv6.gateway} && ip -6 route show default` : v4;
}

export const hashOf = (parts: string[]): string => createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 12);
