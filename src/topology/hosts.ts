// `hosts:` and `placement:` in a lab file: the Docker engines a lab is spread
// over, and which node runs where. Optional: a lab file without `hosts:` is
// one engine, local bridges, no Swarm, exactly as before. Shape here (zod,
// hooked into schema.ts), cross-checks in resolveHosts (names, references),
// automatic placement in placement.ts.
import { z } from 'zod';
import type { FieldPath } from './field-path.js';

const HOST_NAME_RE = /^[a-z][a-z0-9-]{0,23}$/;
const hostName = z.string().regex(HOST_NAME_RE, { error: 'expected a lower-case host name: a letter, then letters, digits or "-", at most 24 characters' });

const ENDPOINT_HINT = 'expected unix:///path/to/docker.sock, tcp://host:2376 (with tls:) or ssh://user@host';

const HostSchema = z.strictObject({
  name: hostName,
  /** The host's Engine API, as DOCKER_HOST spells it. */
  endpoint: z.string({ error: ENDPOINT_HINT }),
  /** Client certificate for a tcp:// endpoint, as DOCKER_CERT_PATH holds it (paths relative to the lab file). */
  tls: z.strictObject({ ca: z.string().min(1), cert: z.string().min(1), key: z.string().min(1) }).optional(),
  /** The Swarm manager that creates the overlays; default: the first host. */
  manager: z.boolean().optional(),
});

export const HostsSchema = z.array(HostSchema).min(1, { error: 'expected at least one host (or leave hosts: out for one local engine)' });

/** `auto` (the default), or node → host for the nodes to pin; the others are placed automatically. */
export const PlacementSchema = z.union([z.literal('auto'), z.record(z.string(), z.string())], {
  error: 'expected auto or a mapping of node name to host name, e.g. { fra: h1 }',
});

export type RawHosts = z.infer<typeof HostsSchema>;
export type RawPlacement = z.infer<typeof PlacementSchema>;

export type Endpoint =
  | { kind: 'unix'; socketPath: string }
  | { kind: 'tcp'; host: string; port: number; tls: { ca: string; cert: string; key: string } }
  | { kind: 'ssh'; host: string; port: number; username?: string };

export interface Host {
  name: string;
  /** As written in the lab file, for messages. */
  endpoint: string;
  engine: Endpoint;
}

export interface LabHosts {
  hosts: Host[];
  /** The Swarm manager's host name. */
  manager: string;
  /** node → host, only where the lab file pins it. */
  pinned: Record<string, string>;
}

/** The raw file as far as hosts need it (structural, so this module needs nothing from schema.ts). */
export interface HostsInput {
  hosts?: RawHosts;
  placement?: RawPlacement;
  routers: readonly { name: string }[];
  clients: readonly { name: string }[];
}

/** Pure: the lab file's hosts and placement, checked; undefined when the file has no `hosts:`. */
export function resolveHosts(raw: HostsInput, issue: (path: FieldPath, message: string) => void): LabHosts | undefined {
  if (!raw.hosts) {
    if (raw.placement !== undefined && raw.placement !== 'auto') issue(['placement'], 'placement needs a hosts: list to place nodes on');
    return undefined;
  }
  const hosts: Host[] = [];
  const seen = new Set<string>();
  raw.hosts.forEach((h, i) => {
    if (seen.has(h.name)) issue(['hosts', i, 'name'], `host "${h.name}" is listed twice`);
    seen.add(h.name);
    const engine = parseEndpoint(h.endpoint, h.tls, (field, message) => issue(['hosts', i, field], message));
    if (engine) hosts.push({ name: h.name, endpoint: h.endpoint, engine });
  });
  const managers = raw.hosts.filter((h) => h.manager);
  if (managers.length > 1)
    issue(['hosts', raw.hosts.indexOf(managers[1]), 'manager'], `only one host can be the Swarm manager (${managers[0].name} already is)`);
  const pinned = resolvePins(raw, seen, issue);
  return { hosts, manager: (managers[0] ?? raw.hosts[0]).name, pinned };
}

function resolvePins(raw: HostsInput, hosts: ReadonlySet<string>, issue: (path: FieldPath, message: string) => void): Record<string, string> {
  if (raw.placement === undefined || raw.placement === 'auto') return {};
  const nodes = new Set([...raw.routers, ...raw.clients].map((n) => n.name));
  const pinned: Record<string, string> = {};
  for (const [node, host] of Object.entries(raw.placement)) {
    if (!nodes.has(node)) issue(['placement', node], `unknown node "${node}" (expected a router or client of this lab)`);
    else if (!hosts.has(host)) issue(['placement', node], `unknown host "${host}" (hosts: ${[...hosts].join(', ')})`);
    else pinned[node] = host;
  }
  return pinned;
}

type Tls = { ca: string; cert: string; key: string } | undefined;

/** DOCKER_HOST syntax; tcp:// only with TLS, since an Engine API without it is root on that host for anyone who can reach it. */
export function parseEndpoint(text: string, tls: Tls, issue: (field: string, message: string) => void): Endpoint | undefined {
  const scheme = /^([a-z]+):\/\//.exec(text)?.[1];
  if (scheme !== 'tcp' && tls) issue('tls', `tls: applies to tcp:// endpoints only, not ${scheme ?? text}`);
  if (scheme === 'unix') {
    const socketPath = text.slice('unix://'.length);
    if (!socketPath.startsWith('/')) return void issue('endpoint', `expected an absolute socket path after unix://, e.g. unix:///var/run/docker.sock`);
    return { kind: 'unix', socketPath };
  }
  if (scheme !== 'tcp' && scheme !== 'ssh') return void issue('endpoint', `unsupported endpoint "${text}": ${ENDPOINT_HINT}`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return void issue('endpoint', `cannot parse "${text}": ${ENDPOINT_HINT}`);
  }
  if (!url.hostname) return void issue('endpoint', `no host in "${text}": ${ENDPOINT_HINT}`);
  if (url.pathname !== '' && url.pathname !== '/') return void issue('endpoint', `unexpected path "${url.pathname}" in "${text}"`);
  if (scheme === 'ssh') return { kind: 'ssh', host: url.hostname, port: Number(url.port || 22), ...(url.username ? { username: url.username } : {}) };
  if (!tls)
    return void issue(
      'tls',
      `tcp:// endpoint "${text}" needs tls: { ca, cert, key } (an Engine API without TLS is root on that host for anyone who reaches it)`,
    );
  return { kind: 'tcp', host: url.hostname, port: Number(url.port || 2376), tls };
}
