// `lab trace`: the path a node's packets take, hop by hop, each hop named
// with its router, role and AS from the lab model (what `mtr --aslookup`
// does with whois), and the AS path they add up to. Pure: the target, the
// script run in the node, reading its output, the report and the table.

import { LabError } from '../errors.js';
import { contains, isIPv4, parseCidr } from '../topology/ipv4.js';
import { type Lab, type NodeRole, sessionsOf } from '../topology/model.js';
import { roleSpec } from '../topology/roles/registry.js';
import { parseShortTxt } from '../util/chaos-dig.js';
import { formatTable } from '../util/format.js';
import { type AddressOwner, addressIndex, firstRouter, targetChoices } from './address-index.js';
import { describeAnnotation, parseTraceroute } from './traceroute-output.js';
import { whoCommands } from './who.js';

/** The default lab's longest path is 4 hops (c-de to iad once fra is gone); 12 leaves room for a bigger lab or a loop mid-convergence. */
export const TRACE_MAX_HOPS = 12;
/** traceroute sends its 12 probes at once (-N 16 by default), so it ends within ~1 s; `timeout` is the backstop. */
const TRACE_DEADLINE_S = 10;
/** Two digs and the traceroute, with room to spare. */
export const TRACE_EXEC_TIMEOUT_MS = 20_000;

export interface TraceTarget {
  address: string;
  /** The node name the user gave, or null for an address. */
  name: string | null;
  /** An anycast address: the PoP that answers is found per trace. */
  anycast: boolean;
}

/**
 * `target` (an IPv4 address or a node name) as an address. Addresses must lie
 * inside the lab (the anycast prefix, a LAN, a link, a router-id), so a trace
 * never leaves it.
 */
export function resolveTraceTarget(lab: Lab, source: string, target?: string): TraceTarget {
  const anycastPrefix = parseCidr(lab.anycast.prefix);
  if (target === undefined) return { address: lab.anycast.dnsAddress, name: null, anycast: true };
  const choices = targetChoices(lab, source);
  const byName = choices.find((c) => c.name === target);
  if (byName) return { address: byName.address, name: byName.name, anycast: false };
  if (isIPv4(target)) {
    const subnets = [lab.anycast.prefix, ...lab.lans.map((l) => l.subnet), ...lab.links.map((l) => l.subnet)];
    const inLab = subnets.some((s) => contains(parseCidr(s), target)) || lab.routers.some((r) => r.routerId === target);
    if (!inLab)
      throw new LabError(
        'USAGE',
        `${target} is not an address of lab ${lab.name} (anycast ${lab.anycast.prefix}, LANs ${lab.lans.map((l) => l.subnet).join(', ')}, links in ${
          lab.links.length ? linkRange(lab) : 'none'
        }); trace stays inside the lab`,
      );
    return { address: target, name: null, anycast: contains(anycastPrefix, target) };
  }
  const isNode = lab.routers.some((r) => r.name === target) || lab.clients.some((c) => c.name === target);
  const why = isNode
    ? target === source
      ? `${target} is the node tracing`
      : `${target} has no address a trace from ${source} reaches: ${unreachableWhy(lab, source)}`
    : `"${target}" is neither an IPv4 address nor a node of lab ${lab.name}`;
  throw new LabError(
    'USAGE',
    `${why}; give an IPv4 address in the lab, or one of: ${choices.map((c) => `${c.name} (${c.address})`).join(', ')}; default: the anycast DNS address ${lab.anycast.dnsAddress}`,
  );
}

function unreachableWhy(lab: Lab, source: string): string {
  const first = firstRouter(lab, source);
  const via = first && first.name !== source ? `the first router on the way, ${first.name},` : source;
  return `${via} routes only ${first?.routes.join(', ') || 'nothing'} beyond its own links (link subnets are not announced, router-ids sit on no interface)`;
}

const linkRange = (lab: Lab): string => {
  const first = lab.links[0].subnet;
  return lab.links.length === 1 ? first : `${first} … ${lab.links[lab.links.length - 1].subnet}`;
};

/**
 * The address a node's probes leave from, so that the answers find their way
 * back. Only LANs and the anycast prefix are routed in the lab (link subnets
 * are not announced; router-ids sit on no interface), and the kernel would
 * pick the outgoing link's address, which only the next hop can reach:
 * - a client: its own address (null: the kernel's choice is right);
 * - a router with a client LAN (an eyeball): its LAN address;
 * - a PoP: the anycast address, the one routed address it has. Each reply
 *   then goes to the replying node's own catchment PoP, so from a PoP a hop
 *   whose catchment is another PoP shows as `*`: the anycast return path,
 *   which is what tracing "from the other end" is there to show;
 * - any router to a neighbour on a shared link: the kernel's choice;
 * - any other router (a transit): the kernel's choice, and only nodes on its
 *   own links can answer.
 */
export function traceSource(lab: Lab, from: string, target: string): { address: string | null; note?: string } {
  if (lab.clients.some((c) => c.name === from)) return { address: null };
  // Across one of its own links the kernel's choice (its end of that link) is answered by the other end.
  if (sessionsOf(lab, from).some((s) => contains(parseCidr(s.link.subnet), target))) return { address: null };
  const lan = lab.lans.find((l) => l.eyeball === from);
  if (lan) return { address: lan.routerAddress };
  const router = lab.routers.find((r) => r.name === from);
  if (router && roleSpec(router.role).topology.servesAnycast)
    return {
      address: lab.anycast.dnsAddress,
      note: `probes leave ${from} from the anycast address ${lab.anycast.dnsAddress}, so each reply goes to the replying node's own catchment PoP: a hop whose catchment is another PoP shows as *`,
    };
  return {
    address: null,
    note: `${from} has no address routed in the lab (link subnets are not announced), so only nodes on its own links can answer`,
  };
}

/**
 * The one script run in the tracing node. ICMP echo (-I), not UDP: the anycast
 * address answers an echo from the PoP's kernel whatever its responder
 * listens on, and echo replies are not rate-limited the way "port
 * unreachable" is (net.ipv4.icmp_ratemask), so the last hop does not vanish
 * when a room of attendees traces at once. Needs CAP_NET_RAW, which clients
 * (Docker's default set) and routers (ROUTER_CAPS) have, as root.
 *
 * For an anycast target the CHAOS hostname.bind is asked before and after,
 * from the same node: the last hop's address is the anycast address itself,
 * the same on every PoP, and the hop before it is the PoP's upstream, which
 * may feed several PoPs (t-us feeds iad and gru), so neither names the PoP.
 * The PoP's own answer does; asking twice shows a catchment that moved
 * during the trace.
 */
export function traceScript(target: TraceTarget, dnsAddress: string, source: string | null = null): string[] {
  // The same CHAOS query `who` asks (one try, 2 s), from the trace's source address.
  const chaos = whoCommands({ dnsAddress, httpAddress: dnsAddress }, 2, source ?? undefined).udp.join(' ');
  const trace = `timeout ${TRACE_DEADLINE_S} traceroute -I -n -q 1 -w 1 -m ${TRACE_MAX_HOPS}${source ? ` -s ${source}` : ''} ${target.address}`;
  const steps = target.anycast
    ? [`echo ${MARK.before}`, chaos, `echo ${MARK.trace}`, trace, `echo "${MARK.exit} $?"`, `echo ${MARK.after}`, chaos]
    : [`echo ${MARK.trace}`, trace, `echo "${MARK.exit} $?"`];
  // Addresses only (checked IPv4, or from the lab model): nothing else reaches the shell.
  return ['sh', '-c', steps.join('; ')];
}

const MARK = { before: '@@chaos-before', trace: '@@trace', exit: '@@trace-exit', after: '@@chaos-after' } as const;

export interface TraceOutput {
  traceroute: string;
  /** traceroute's exit status: 127 when it is not installed, 124 when `timeout` stopped it. */
  exitCode: number;
  chaosBefore: string | null;
  chaosAfter: string | null;
}

/** The script's stdout, cut at its markers. */
export function splitTraceOutput(stdout: string): TraceOutput {
  const section = (from: string, to?: string): string => {
    const i = stdout.indexOf(`${from}\n`);
    if (i < 0) return '';
    const start = i + from.length + 1;
    const end = to ? stdout.indexOf(to, start) : -1;
    return stdout.slice(start, end < 0 ? undefined : end);
  };
  const exit = new RegExp(`^${MARK.exit} (\\d+)$`, 'm').exec(stdout);
  return {
    traceroute: section(MARK.trace, MARK.exit),
    exitCode: exit ? Number(exit[1]) : -1,
    chaosBefore: stdout.includes(MARK.before) ? parseShortTxt(section(MARK.before, MARK.trace)) : null,
    chaosAfter: stdout.includes(MARK.after) ? parseShortTxt(section(MARK.after)) : null,
  };
}

export interface TraceHop {
  ttl: number;
  /** null: no answer within the wait (`*`). */
  address: string | null;
  node: string | null;
  role: NodeRole | null;
  asn: number | null;
  rttMs: number[];
  /** Probes of this TTL that got no answer. */
  lost: number;
  /** `!H`, `!N`, … */
  annotations: string[];
  /** The anycast hop: the address is every PoP's; `node` is the one that answered. */
  anycast?: boolean;
}

export interface AsPathStep {
  /** null: hops the lab does not know (no answer, or an address outside the model). */
  asn: number | null;
  nodes: string[];
}

export interface TraceReport {
  lab: string;
  from: string;
  fromRole: NodeRole;
  fromAsn: number | null;
  target: string;
  targetName: string | null;
  anycast: boolean;
  /** The PoP that answered an anycast target (CHAOS hostname.bind), null when unknown. */
  answeredBy: string | null;
  /** The last hop is the target. */
  reached: boolean;
  hops: TraceHop[];
  asPath: AsPathStep[];
  /** The same, as `renderTraceTable` prints it: `AS64601 (eb-de) → AS65010 (t-eu) → AS64500 (fra)`. */
  asPathText: string;
  /** Things a reader must know: a catchment that moved, a PoP that did not say who it is. */
  notes: string[];
}

/** Which PoP answered, from the CHAOS answers around the trace, and why it may be unknown. */
export function answeringPop(before: string | null, after: string | null): { pop: string | null; note?: string } {
  const known = [before, after].filter((p): p is string => p !== null);
  if (!known.length) return { pop: null, note: 'no PoP answered CHAOS hostname.bind, so the anycast hop is not named' };
  if (new Set(known).size > 1) return { pop: null, note: `the catchment moved during the trace: ${before} answered before it, ${after} after` };
  return { pop: known[0] };
}

/** traceroute's lines as hops: one per TTL and answering address, each named from the lab model. */
export function annotateHops(lab: Lab, lines: ReturnType<typeof parseTraceroute>, answeredBy: string | null): TraceHop[] {
  const index = addressIndex(lab);
  const pop = answeredBy ? lab.routers.find((r) => r.name === answeredBy) : undefined;
  const hops: TraceHop[] = [];
  for (const line of lines) {
    const lost = line.probes.filter((p) => p.address === null).length;
    const addresses = [...new Set(line.probes.map((p) => p.address).filter((a): a is string => a !== null))];
    if (!addresses.length) {
      hops.push({ ttl: line.ttl, address: null, node: null, role: null, asn: null, rttMs: [], lost, annotations: [] });
      continue;
    }
    addresses.forEach((address, i) => {
      const probes = line.probes.filter((p) => p.address === address);
      const owner: AddressOwner | undefined = index.get(address);
      const anycast = owner?.where === 'anycast';
      hops.push({
        ttl: line.ttl,
        address,
        node: anycast ? (pop?.name ?? null) : (owner?.node ?? null),
        role: anycast && pop ? pop.role : (owner?.role ?? null),
        asn: anycast && pop ? pop.asn : (owner?.asn ?? null),
        rttMs: probes.map((p) => p.rttMs).filter((r): r is number => r !== null),
        lost: i === 0 ? lost : 0,
        annotations: [...new Set(probes.map((p) => p.annotation).filter((a): a is string => a !== undefined))],
        ...(anycast ? { anycast: true } : {}),
      });
    });
  }
  return hops;
}

/** Consecutive hops of one AS as one step; hops the lab cannot name as one unknown step. */
export function asPath(hops: readonly TraceHop[]): AsPathStep[] {
  const steps: AsPathStep[] = [];
  for (const h of hops) {
    const last = steps[steps.length - 1];
    const label = h.node ?? h.address;
    if (last && last.asn === h.asn) {
      if (label !== null && !last.nodes.includes(label)) last.nodes.push(label);
    } else steps.push({ asn: h.asn, nodes: label === null ? [] : [label] });
  }
  return steps;
}

/** `AS64601 (eb-de) → AS65010 (t-eu) → AS64500 (fra)`; unknown hops as `AS? (addr)` or `*`. */
export function formatAsPath(steps: readonly AsPathStep[]): string {
  if (!steps.length) return '(no hops)';
  return steps
    .map((s) => {
      if (s.asn === null && !s.nodes.length) return '*';
      return `AS${s.asn ?? '?'}${s.nodes.length ? ` (${s.nodes.join(', ')})` : ''}`;
    })
    .join(' → ');
}

export interface TraceInput {
  lab: Lab;
  from: string;
  target: TraceTarget;
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Everything the exec gave, as the report; throws when traceroute could not run at all. */
export function traceReport(input: TraceInput): TraceReport {
  const { lab, from, target } = input;
  const out = splitTraceOutput(input.stdout);
  const lines = parseTraceroute(out.traceroute);
  if (out.exitCode === 127 || /traceroute: (not found|No such file)/.test(input.stderr))
    throw new LabError(
      'NOT_FOUND',
      `traceroute is not installed in ${from}: its image predates it; \`npm run lab -- up\` rebuilds the images (src/runtime/image-specs.ts lists traceroute)`,
    );
  if (!lines.length) {
    const said = input.stderr.trim().split('\n').pop() || `exit ${out.exitCode}`;
    throw new LabError('EXPERIMENT', `traceroute in ${from} printed no hops: ${said}`);
  }
  const notes: string[] = [];
  const sourceNote = traceSource(lab, from, target.address).note;
  if (sourceNote) notes.push(sourceNote);
  if (out.exitCode === 124) notes.push(`traceroute was stopped after ${TRACE_DEADLINE_S} s`);
  const answer = target.anycast ? answeringPop(out.chaosBefore, out.chaosAfter) : { pop: null };
  if (answer.note) notes.push(answer.note);
  const hops = annotateHops(lab, lines, answer.pop);
  const reached = hops.some((h) => h.address === target.address);
  if (!reached) notes.push(`did not reach ${target.address} within ${TRACE_MAX_HOPS} hops`);
  const before = hops.filter((h) => h.address !== target.address && h.node !== null).pop();
  if (answer.pop && reached && before && !neighbours(lab, before.node as string, answer.pop))
    notes.push(`the hop before the anycast address is ${before.node}, which has no session with ${answer.pop}: the catchment may have moved mid-trace`);
  for (const a of [...new Set(hops.flatMap((h) => h.annotations))]) notes.push(`${a}: ${describeAnnotation(a)}`);
  const steps = asPath(hops);
  const source = lab.clients.find((c) => c.name === from);
  const router = lab.routers.find((r) => r.name === (source ? source.eyeball : from));
  return {
    lab: lab.name,
    from,
    fromRole: source ? 'client' : (router?.role ?? 'client'),
    fromAsn: router?.asn ?? null,
    target: target.address,
    targetName: target.name,
    anycast: target.anycast,
    answeredBy: answer.pop,
    reached,
    hops,
    asPath: steps,
    asPathText: formatAsPath(steps),
    notes,
  };
}

const neighbours = (lab: Lab, x: string, y: string): boolean =>
  lab.links.some((l) => (l.a.node === x && l.b.node === y) || (l.a.node === y && l.b.node === x)) ||
  lab.clients.some((c) => (c.name === x && c.eyeball === y) || (c.name === y && c.eyeball === x));

/** For people: the hop table, the AS path, then the notes. */
export function renderTraceTable(r: TraceReport): string {
  const to = r.targetName ?? (r.anycast ? `${r.target} (anycast)` : r.target);
  const title = `trace from ${r.from} (${r.fromRole}${r.fromAsn !== null ? `, AS${r.fromAsn}` : ''}) to ${to}${
    r.targetName ? ` ${r.target}` : ''
  }${r.anycast ? `: answered by ${r.answeredBy ?? 'an unknown PoP'}` : ''}`;
  const head = ['hop', 'address', 'node', 'role', 'AS', 'rtt ms'];
  // traceroute prints every TTL up to -m; a run of silent TTLs at the end is one row.
  let shown = r.hops.length;
  while (shown > 0 && r.hops[shown - 1].address === null) shown--;
  const silent = r.hops.slice(shown);
  const rows = r.hops
    .slice(0, shown)
    .map((h, i) => [
      i > 0 && r.hops[i - 1].ttl === h.ttl ? '' : String(h.ttl),
      h.address ?? '*',
      h.anycast ? `${h.node ?? '?'} (anycast)` : (h.node ?? '-'),
      h.role ?? '-',
      h.asn !== null ? `AS${h.asn}` : '-',
      [...h.rttMs.map((ms) => ms.toFixed(3)), ...h.annotations, ...Array(h.lost).fill('*')].join(' ') || '*',
    ]);
  if (silent.length === 1) rows.push([String(silent[0].ttl), '*', '-', '-', '-', '*']);
  else if (silent.length > 1) rows.push([`${silent[0].ttl}-${silent[silent.length - 1].ttl}`, '*', '-', '-', '-', 'no answer']);
  const lines = [title, formatTable(head, rows, [], { rule: false }), '', `AS path: ${r.asPathText}`];
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join('\n');
}
