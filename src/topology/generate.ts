// Lab files for scale tests: N PoPs, M transits, K eyeballs, generated with a
// catchment that is decided by policy alone, and checked by simulating BGP
// best-path selection on what the loader makes of the generated text.
//
// Topology
//   - PoPs p-1..p-N share the operator's AS64500; p-i buys transit from one
//     transit, round robin (p-1 → t-1, p-2 → t-2, …, p-(M+1) → t-1, …).
//   - Transits t-1..t-M (one AS each) form a ring t-1 — t-2 — … — t-M — t-1.
//     A full mesh would be M(M-1)/2 links, each one a Docker network and a BFD
//     session (120 for 16 transits); the ring is M, and with the policy below
//     the extra mesh links would only ever carry backup paths anyway.
//   - Eyeballs eb-1..eb-K (one AS each, one client c-k each) buy transit from
//     one transit, round robin like the PoPs.
//
// Policy (why no tie ever reaches MED, router-id or route age)
//   - A transit ranks its customer PoPs with distinct local-prefs (first 200,
//     next 190, …; 1 apart when a transit has too many for steps of 10), all
//     above any transit peer: it always uses its first live customer PoP.
//   - A transit prefers the *next* transit around the ring (110) over the
//     previous one (100). One without a live customer PoP therefore hands the
//     traffic forward along the ring to the first transit that has one.
//     Because every transit's preference points the same way round the ring,
//     no two transits can each prefer a route through the other (a "dispute
//     wheel", which would give BGP several stable states and make the outcome
//     depend on which session came up first): the transit just before a PoP
//     transit settles first, then the one before it, and so on. Preferring
//     some fixed "best" transit everywhere would not do: the two best would
//     prefer each other.
//   - Every router thus hears at most one route per neighbour, and its
//     neighbours have distinct local-prefs, so best-path selection is always
//     decided by local-pref. Eyeballs have a single uplink.
// The same argument makes the client LANs' routes back deterministic: the
// transit of the LAN's eyeball is the only "customer" for it.

import { LabError } from '../errors.js';
import { parseLab } from './load.js';
import { type Lab, type LinkEnd, type Router, type RouterRole, sessionsOf } from './model.js';
import { roleSpec } from './roles/registry.js';
import { type LabFile, LabFileSchema } from './schema.js';

export interface GenOptions {
  pops: number;
  transits: number;
  eyeballs: number;
  /** Lab name; default scale-<pops>-<transits>-<eyeballs>. */
  name?: string;
}

/**
 * Accepted ranges, per CLI flag. The upper ends hold the scale bench's largest
 * lab (100 PoPs, 25 transits, 25 eyeballs) with room: 240 routers and 40
 * clients fit one 24 GiB machine at the measured ~45 MB per router.
 */
export const GEN_LIMITS = {
  pops: { flag: '--pops', min: 1, max: 160 },
  transits: { flag: '--transits', min: 1, max: 40 },
  eyeballs: { flag: '--eyeballs', min: 1, max: 40 },
} as const;

export const OPERATOR_ASN = 64500;
const TRANSIT_ASN_BASE = 65000; // t-j is AS65000+j
const EYEBALL_ASN_BASE = 64600; // eb-k is AS64600+k
/** Local-pref a transit gives its next / previous transit on the ring; customers are always above. */
export const PEER_LOCAL_PREF = { next: 110, prev: 100 } as const;
const CUSTOMER_TOP = 200;
/** A transit's customer PoPs take local-prefs 200, 199, …: the last must stay above the best peer route (110). */
export const MAX_POPS_PER_TRANSIT = CUSTOMER_TOP - PEER_LOCAL_PREF.next - 1;

/**
 * Pools apart from labs/default.yaml (10.77/16 links, 10.78/16 LANs): Docker
 * refuses overlapping subnets, and a generated lab should run next to the
 * default one. Another generated lab at the same time needs other pools.
 */
export const GEN_ADDRESSING = { links: '10.80.0.0/16', lans: '10.81.0.0/16', routerIds: '10.255.0.0/16' } as const;

/** Above this many PoPs, BFD runs at 300 ms x 3 instead of the lab default 100 ms x 3. */
export const FAST_BFD_MAX_POPS = 8;

export interface GeneratedLab {
  name: string;
  /** The sizes asked for, validated. */
  size: { pops: number; transits: number; eyeballs: number };
  /** The lab file as text: comments, then exactly `file`. */
  yaml: string;
  /** The lab file as data (what the YAML parses to). */
  file: LabFile;
  counts: { routers: number; links: number; lans: number; clients: number };
  /** Per client: the PoP that answers, and the one that answers when that PoP fails (absent with one PoP). */
  expect: Record<string, { pop: string; backup?: string }>;
}

/** The generated lab file's text. */
export function generateLab(opts: GenOptions): string {
  return generate(opts).yaml;
}

/** The generated lab, as text and as data, with its counts and catchment. */
export function generate(opts: GenOptions): GeneratedLab {
  const plan = planTopology(opts);
  // expect.pop/backup come from simulating BGP on the lab as the loader
  // resolves it (defaults applied), not from the plan: if the file said
  // something other than what the plan meant, the simulation would show it.
  const draft = parseLab(renderYaml(plan, buildFile(plan, {}), {}), `${plan.name}.yaml`);
  const simulated = simulateCatchment(draft);
  const designed = designFromPlan(plan);
  const expect: GeneratedLab['expect'] = {};
  for (const [client, d] of Object.entries(designed)) {
    const s = simulated[client];
    // A disagreement is a bug in this module; never write a lab whose expect contradicts its comments.
    if (s?.pop !== d.pop || (s?.backup ?? undefined) !== d.backup) {
      throw new Error(
        `generator bug: ${client} is designed to reach ${d.pop} (backup ${d.backup ?? 'none'}) but BGP simulation gives ${s?.pop ?? 'none'} (backup ${s?.backup ?? 'none'})`,
      );
    }
    expect[client] = { pop: d.pop, ...(d.backup ? { backup: d.backup } : {}) };
  }
  const file = { ...buildFile(plan, expect), ...verifyBlock(plan, expect) };
  const yaml = renderYaml(plan, file, designed);
  parseLab(yaml, `${plan.name}.yaml`); // throws LabFileError: the generator must never emit an invalid lab
  return {
    name: plan.name,
    size: { ...plan.opts },
    yaml,
    file,
    counts: { routers: file.routers.length, links: file.links.length, lans: plan.eyeballs.length, clients: file.clients.length },
    expect,
  };
}

// ---------------------------------------------------------------- arguments

/** A count flag's value as given on the command line (string) or in code (number); USAGE error naming the flag. */
export function parseCount(key: keyof typeof GEN_LIMITS, raw: unknown): number {
  const { flag, min, max } = GEN_LIMITS[key];
  const n = typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    const got = raw === undefined ? 'nothing' : typeof raw === 'string' ? JSON.stringify(raw) : String(raw);
    throw new LabError('USAGE', `${flag} must be a whole number from ${min} to ${max} (got ${got})`);
  }
  return n;
}

function parseName(name: string | undefined, fallback: string): string {
  if (name === undefined) return fallback;
  const r = LabFileSchema.shape.name.safeParse(name);
  if (!r.success) throw new LabError('USAGE', `--name ${JSON.stringify(name)}: ${r.error.issues[0]?.message ?? 'invalid lab name'}`);
  return name;
}

// ---------------------------------------------------------------- the plan

interface PlannedPop {
  name: string;
  transit: number;
  /** 0 = the transit's preferred customer. */
  rank: number;
  localPref: number;
}
interface PlannedTransit {
  name: string;
  asn: number;
  /** Customer PoPs, preferred first. */
  pops: string[];
}
interface PlannedEyeball {
  name: string;
  asn: number;
  transit: number;
  client: string;
}
interface Plan {
  name: string;
  opts: Required<Omit<GenOptions, 'name'>>;
  pops: PlannedPop[];
  transits: PlannedTransit[];
  eyeballs: PlannedEyeball[];
  /** Local-pref step between a transit's customer PoPs. */
  step: number;
  bfdInterval: number;
}

function planTopology(opts: GenOptions): Plan {
  const pops = parseCount('pops', opts.pops);
  const transits = parseCount('transits', opts.transits);
  const eyeballs = parseCount('eyeballs', opts.eyeballs);
  const name = parseName(opts.name, `scale-${pops}-${transits}-${eyeballs}`);
  const perTransit = Math.ceil(pops / transits);
  if (perTransit > MAX_POPS_PER_TRANSIT) {
    const need = Math.ceil(pops / MAX_POPS_PER_TRANSIT);
    throw new LabError(
      'USAGE',
      `--pops ${pops} on --transits ${transits} puts ${perTransit} PoPs on one transit; at most ${MAX_POPS_PER_TRANSIT} fit its local-pref range (200 down to 111): give --transits ${need} or more`,
    );
  }
  // Steps of 10 read well (200, 190, …) but the last customer must stay above
  // the best peer route (110); with more than 9 customers use steps of 1
  // (64 PoPs on one transit: 200..137).
  const step = CUSTOMER_TOP - 10 * (perTransit - 1) > PEER_LOCAL_PREF.next ? 10 : 1;
  const ts: PlannedTransit[] = Array.from({ length: transits }, (_, j) => ({ name: `t-${j + 1}`, asn: TRANSIT_ASN_BASE + j + 1, pops: [] }));
  const ps: PlannedPop[] = Array.from({ length: pops }, (_, i) => {
    const transit = i % transits;
    const rank = Math.floor(i / transits);
    const p = { name: `p-${i + 1}`, transit, rank, localPref: CUSTOMER_TOP - step * rank };
    ts[transit].pops.push(p.name);
    return p;
  });
  const es: PlannedEyeball[] = Array.from({ length: eyeballs }, (_, k) => ({
    name: `eb-${k + 1}`,
    asn: EYEBALL_ASN_BASE + k + 1,
    transit: k % transits,
    client: `c-${k + 1}`,
  }));
  return { name, opts: { pops, transits, eyeballs }, pops: ps, transits: ts, eyeballs: es, step, bfdInterval: pops <= FAST_BFD_MAX_POPS ? 100 : 300 };
}

/** Ring links: t-j -- t-(j+1), and t-M -- t-1 closing it; two transits share one link, one transit has none. */
function ringPairs(m: number): [number, number][] {
  if (m < 2) return [];
  if (m === 2) return [[0, 1]];
  return Array.from({ length: m }, (_, j) => [j, (j + 1) % m] as [number, number]);
}

// ---------------------------------------------------------------- designed catchment

export interface DesignedCatchment {
  pop: string;
  backup?: string;
  /** Routers the traffic crosses from the client's transit to the PoP, e.g. [t-3, t-4, t-1, p-1]. */
  path: string[];
  backupPath?: string[];
}

/**
 * The catchment the policy is designed to give, in closed form: from the
 * eyeball's transit, walk forward around the ring to the first transit with a
 * live customer PoP, and take its first live one.
 */
export function designedCatchment(opts: GenOptions): Record<string, DesignedCatchment> {
  return designFromPlan(planTopology(opts));
}

function designFromPlan(plan: Plan): Record<string, DesignedCatchment> {
  const m = plan.transits.length;
  const walk = (from: number, down?: string): string[] | undefined => {
    const path: string[] = [];
    for (let s = 0; s < m; s++) {
      const t = plan.transits[(from + s) % m];
      path.push(t.name);
      const live = t.pops.find((p) => p !== down);
      if (live) return [...path, live];
    }
    return undefined;
  };
  const out: Record<string, DesignedCatchment> = {};
  for (const e of plan.eyeballs) {
    const path = walk(e.transit)!; // every lab has a PoP
    const pop = path[path.length - 1];
    const backupPath = walk(e.transit, pop);
    out[e.client] = { pop, path, ...(backupPath ? { backup: backupPath[backupPath.length - 1], backupPath } : {}) };
  }
  return out;
}

// ---------------------------------------------------------------- the lab file

const ANYCAST = {
  prefix: '192.0.2.0/24',
  dns: '192.0.2.53',
  http: '192.0.2.80',
  streamPort: 7000,
  zone: 'lab.',
  records: { 'anycast.lab.': '192.0.2.80', 'www.lab.': '192.0.2.80', 'ns.lab.': '192.0.2.53' },
};

function buildFile(plan: Plan, expect: GeneratedLab['expect']): LabFile {
  const { pops, transits, eyeballs } = plan.opts;
  const m = plan.transits.length;
  return {
    name: plan.name,
    description: `Generated scale-test lab: ${pops} PoP${s(pops)}, ${transits} transit${s(transits)} (${ringWord(transits)}), ${eyeballs} eyeball${s(eyeballs)} with one client each; BFD ${plan.bfdInterval} ms x 3.`,
    anycast: ANYCAST,
    addressing: { ...GEN_ADDRESSING },
    bgp: { bfd: { enabled: true, interval: plan.bfdInterval, multiplier: 3 }, keepalive: 3, hold: 9 },
    health: { interval: 200, failures: 3, holdDown: 2000 },
    ases: [
      { asn: OPERATOR_ASN, name: 'Anycast operator', role: 'pop' },
      ...plan.transits.map((t, j) => ({ asn: t.asn, name: `Transit ${j + 1}`, role: 'transit' as const })),
      ...plan.eyeballs.map((e, k) => ({ asn: e.asn, name: `Eyeball ${k + 1}`, role: 'eyeball' as const })),
    ],
    routers: [
      // Explicit colo: the default (the upper-cased name) would be "P-1", and colo codes are letters and digits.
      ...plan.pops.map((p) => ({ name: p.name, asn: OPERATOR_ASN, colo: p.name.replace('-', '').toUpperCase() })),
      ...plan.transits.map((t) => ({ name: t.name, asn: t.asn })),
      ...plan.eyeballs.map((e) => ({ name: e.name, asn: e.asn })),
    ],
    links: [
      // Grouped by transit, preferred customer first; the transit's end sets the local-pref.
      ...plan.transits.flatMap((t) => t.pops.map((name) => ({ a: name, b: { node: t.name, localPref: plan.pops.find((p) => p.name === name)!.localPref } }))),
      ...ringPairs(m).map(([i, j]) => ({
        a: { node: plan.transits[i].name, localPref: ringLocalPref(m, i, j) },
        b: { node: plan.transits[j].name, localPref: ringLocalPref(m, j, i) },
      })),
      // The transit end keeps the resolver's customer default (200) for the eyeball's LAN routes.
      ...plan.eyeballs.map((e) => ({ a: e.name, b: plan.transits[e.transit].name })),
    ],
    clients: plan.eyeballs.map((e) => ({ name: e.client, eyeball: e.name, ...(expect[e.client] ? { expect: expect[e.client] } : {}) })),
  };
}

/** Local-pref transit `self` sets on routes from ring neighbour `peer`: the next one round the ring is preferred. */
function ringLocalPref(m: number, self: number, peer: number): number {
  return (self + 1) % m === peer ? PEER_LOCAL_PREF.next : PEER_LOCAL_PREF.prev;
}

const s = (n: number): string => (n === 1 ? '' : 's');
const ringWord = (m: number): string => (m >= 3 ? 'in a ring' : m === 2 ? 'peering with each other' : 'alone');

// ---------------------------------------------------------------- YAML text

// Hand-written rather than YAML.stringify: flow mappings one per line, like
// labs/default.yaml, with comments next to what they explain.
function renderYaml(plan: Plan, file: LabFile, designed: Record<string, DesignedCatchment>): string {
  const { pops, transits, eyeballs } = plan.opts;
  const m = plan.transits.length;
  const ringLinks = ringPairs(m).length;
  const out: string[] = [
    `# Generated by \`npm run lab -- gen --pops ${pops} --transits ${transits} --eyeballs ${eyeballs}${file.name === `scale-${pops}-${transits}-${eyeballs}` ? '' : ` --name ${file.name}`}\``,
    '# (src/topology/generate.ts). Regenerate rather than edit: expect.* below is computed.',
    '#',
    `# ${pops} PoP${s(pops)} of one operator (AS${OPERATOR_ASN}) announcing ${ANYCAST.prefix}, ${transits} transit${s(transits)}, ${eyeballs} eyeball`,
    `# network${s(eyeballs)} with one client each: ${file.routers.length} routers, ${file.links.length} links + ${eyeballs} LAN${s(eyeballs)} = ${file.links.length + eyeballs} Docker networks.`,
    '#',
    '# Topology:',
    '#   - p-i buys transit from one transit, round robin (p-1 → t-1, p-2 → t-2, …);',
    '#   - eb-k (client c-k) buys transit from one transit, round robin likewise;',
    m >= 3
      ? `#   - the transits form a ring t-1 — t-2 — … — t-${m} — t-1 (${ringLinks} links; a full mesh would be ${(m * (m - 1)) / 2},\n#     each one a Docker network and a BFD session).`
      : m === 2
        ? '#   - the two transits peer over one link.'
        : '#   - one transit: every PoP and eyeball hangs off it.',
    '#',
    '# Why the catchment is deterministic (every choice is made by local-pref, never',
    '# by AS-path ties, router-id or which route is older):',
    `#   - a transit ranks its customer PoPs: the first ${CUSTOMER_TOP}, the next ${CUSTOMER_TOP - plan.step}, … (all above any`,
    '#     transit peer), so it always uses its first live customer PoP;',
    ...(m >= 3
      ? [
          `#   - a transit prefers the next transit round the ring (${PEER_LOCAL_PREF.next}) over the previous one (${PEER_LOCAL_PREF.prev}),`,
          '#     so one with no live customer PoP hands traffic forward to the first transit',
          '#     that has one. All preferences point the same way round the ring, so no two',
          '#     transits each prefer a route through the other: one stable state, whatever',
          '#     order the sessions come up in;',
        ]
      : []),
    '#   - eyeballs have a single uplink.',
    '# expect.pop/backup come from simulating best-path selection on this file; the',
    '# comment on each client is the path its traffic takes.',
    `name: ${file.name}`,
    `description: ${JSON.stringify(file.description)}`,
    '',
    'anycast:',
    `  prefix: ${ANYCAST.prefix}`,
    `  dns: ${ANYCAST.dns}`,
    `  http: ${ANYCAST.http}`,
    `  streamPort: ${ANYCAST.streamPort}`,
    `  zone: ${ANYCAST.zone}`,
    '  records:',
    ...Object.entries(ANYCAST.records).map(([k, v]) => `    ${k}: ${v}`),
    '',
    '# Not 10.77/10.78 (labs/default.yaml): Docker refuses overlapping subnets, and this',
    '# lab should run next to the default one. A second generated lab needs other pools.',
    'addressing:',
    `  links: ${GEN_ADDRESSING.links}       # one /29 per link (Docker's bridge takes .1): room for 8192`,
    `  lans: ${GEN_ADDRESSING.lans}        # one /24 per eyeball LAN: room for 256`,
    `  routerIds: ${GEN_ADDRESSING.routerIds}  # BGP identifiers only, never on an interface`,
    '',
    'bgp:                       # defaults for every session',
    ...(plan.bfdInterval === 100
      ? ['  bfd: { enabled: true, interval: 100, multiplier: 3 }']
      : [
          `  # 300 ms x 3, not the lab default 100 ms x 3: with more than ${FAST_BFD_MAX_POPS} PoPs there are`,
          `  # ${file.links.length} BFD sessions sharing a host with as few as 2 cores, and at 100 ms x 3`,
          '  # a bfdd stalled for 300 ms (CPU contention, not a fault) declares a healthy',
          '  # neighbour down. 300 ms x 3 tolerates 900 ms and still detects in under 1 s.',
          `  bfd: { enabled: true, interval: ${plan.bfdInterval}, multiplier: 3 }`,
        ]),
    '  keepalive: 3',
    '  hold: 9',
    '',
    'health:                    # PoP self-check that withdraws the prefix',
    '  interval: 200',
    '  failures: 3',
    '  holdDown: 2000',
    '',
    'ases:',
    ...file.ases.map((a) => `  - ${flow(a)}`),
    '',
    'routers:',
    ...file.routers.map((r) => `  - ${flow(r)}`),
    '',
    'links:',
    '  # PoP uplinks, grouped by transit; the transit end ranks its customers.',
  ];
  let i = 0;
  for (const t of plan.transits) {
    if (t.pops.length === 0) continue;
    const rest = t.pops.length <= 6 ? t.pops.slice(1).join(', ') : `${t.pops[1]}, ${t.pops[2]}, … ${t.pops[t.pops.length - 1]} in that order`;
    out.push(`  # ${t.name}: ${t.pops.length > 1 ? `prefers ${t.pops[0]}, then ${rest}` : `one customer PoP, ${t.pops[0]}`}`);
    for (let n = 0; n < t.pops.length; n++) out.push(`  - ${flow(file.links[i++])}`);
  }
  if (plan.transits.some((t) => t.pops.length === 0)) {
    out.push(
      `  # ${plan.transits
        .filter((t) => t.pops.length === 0)
        .map((t) => t.name)
        .join(', ')}: no customer PoP; traffic goes forward round the ring`,
    );
  }
  if (ringLinks > 0) {
    out.push(
      m >= 3
        ? `  # transit ring: each end prefers the next transit (${PEER_LOCAL_PREF.next}) over the previous (${PEER_LOCAL_PREF.prev})`
        : "  # transit peering: each is the other's only peer",
    );
    for (let r = 0; r < ringLinks; r++) out.push(`  - ${flow(file.links[i++])}`);
  }
  out.push('  # eyeball uplinks (the transit end defaults to local-pref 200: a customer)');
  while (i < file.links.length) out.push(`  - ${flow(file.links[i++])}`);
  out.push('', 'clients:');
  for (const c of file.clients) {
    const d = designed[c.name];
    const why = d ? `  # ${d.path.join(' → ')}${d.backupPath ? `; without ${d.pop}: ${d.backupPath.join(' → ')}` : ''}` : '';
    out.push(`  - ${flow(c)}${why}`);
  }
  if (file.verify?.length) {
    const bfdMs = plan.bfdInterval * 3;
    out.push(
      '',
      '# Failover gate (`lab verify`, and test/integration/failover.test.ts with',
      '# ANYCAST_LAB_FILE=<this file>): the PoP with the most clients that have a backup is',
      '# frozen; its clients must land on their backup, nobody else may notice. Bounds scale',
      `# labs/default.yaml's (450 ms / 700 ms at BFD 100 ms x 3) to this BFD: p50 1.5x the`,
      `# detection time (${bfdMs} ms), max 250 ms above that.`,
      'verify:',
    );
    for (const c of file.verify) {
      out.push(
        `  - name: ${c.name}`,
        `    fault: ${flow(c.fault)}`,
        `    trials: ${c.trials}`,
        `    expect: ${flow(c.expect)}`,
        `    bounds: ${flow(c.bounds)}`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}

/** One freeze case on the PoP that most clients with a backup use (none with a single PoP). */
function verifyBlock(plan: Plan, expect: GeneratedLab['expect']): Pick<LabFile, 'verify'> {
  const byPop = new Map<string, Record<string, string>>();
  for (const [client, e] of Object.entries(expect)) {
    if (!e.backup) continue;
    byPop.set(e.pop, { ...byPop.get(e.pop), [client]: e.backup });
  }
  const [pop, movers] = [...byPop.entries()].sort((a, b) => Object.keys(b[1]).length - Object.keys(a[1]).length)[0] ?? [];
  if (!pop || !movers) return {};
  const detectionMs = plan.bfdInterval * 3;
  return {
    verify: [
      {
        name: `freeze-${pop}`,
        fault: { pop, mode: 'freeze' },
        trials: 5,
        expect: movers,
        bounds: { p50: `${detectionMs * 1.5}ms`, max: `${detectionMs * 1.5 + 250}ms`, collateral: 0, flaps: 0, lost: 0 },
      },
    ],
  };
}

const PLAIN = /^[A-Za-z][A-Za-z0-9 .-]*[A-Za-z0-9.]$|^[A-Za-z]$/;
const RESERVED = /^(true|false|yes|no|on|off|null|y|n)$/i;

/** One flow mapping, `{ k: v, … }`; strings plain when YAML reads them back as the same string. */
function flow(v: unknown): string {
  if (typeof v === 'string') return PLAIN.test(v) && !RESERVED.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v && typeof v === 'object') {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    return `{ ${entries.map(([k, x]) => `${k}: ${flow(x)}`).join(', ')} }`;
  }
  throw new Error(`cannot write ${String(v)} as YAML`);
}

// ---------------------------------------------------------------- BGP simulation

const ANYCAST_PROBE = '192.0.2.0/24';

/**
 * Which sessions carry the anycast prefix, by role: `from` sends it and `to`
 * accepts it, by the same role policy (RoleSpec.render.accepts/sends) the
 * IN-/OUT- prefix-lists are rendered from (a unit test holds the two
 * together). Asked of a lab with no client LANs: only the anycast prefix matters.
 */
export function carriesAnycast(from: RouterRole, to: RouterRole): boolean {
  const probe = { anycast: { prefix: ANYCAST_PROBE }, lans: [] } as unknown as Lab;
  const router = (role: RouterRole): Router => ({ kind: 'router', name: role, role, asn: 0, routerId: '', location: '' });
  const accepts = roleSpec(to).render.accepts(probe, router(to));
  return accepts.includes(ANYCAST_PROBE) && roleSpec(from).render.sends(probe, router(from), accepts).includes(ANYCAST_PROBE);
}

/** A router's best route to the anycast prefix. */
export interface SimRoute {
  /** The PoP that originated it: where this router's anycast traffic ends up. */
  origin: string;
  /** The neighbour it was learned from. */
  via: string;
  /** As received, nearest AS first (prepends included). */
  asPath: number[];
  localPref: number;
}

export interface SimOptions {
  /** PoPs that do not announce (failed). */
  down?: Iterable<string>;
  /**
   * Who re-runs best-path selection when: 'synchronous' (everyone at once,
   * from the previous round's routes) or an order of router names, each seeing
   * the routes already updated this round. A policy with several stable
   * states lands in different ones under different schedules, or oscillates
   * when synchronous.
   */
  schedule?: 'synchronous' | readonly string[];
  maxRounds?: number;
}

/**
 * BGP best-path selection, as far as this lab's policy reaches it: highest
 * local-pref, then shortest AS path. Anything still tied would fall through to
 * origin/MED/router-id in FRR, which the lab must never depend on, so a tie
 * between the two best candidates throws instead of being broken.
 */
export function simulateBestPaths(lab: Pick<Lab, 'routers' | 'links'>, opts: SimOptions = {}): Map<string, SimRoute> {
  const down = new Set(opts.down ?? []);
  const byName = new Map(lab.routers.map((r) => [r.name, r]));
  const feeds = new Map<string, { sender: Router; senderEnd: LinkEnd; localEnd: LinkEnd }[]>();
  for (const r of lab.routers) {
    const list = sessionsOf(lab as Lab, r.name)
      .map((s) => ({ sender: byName.get(s.remote.node)!, senderEnd: s.remote, localEnd: s.local }))
      .filter((f) => f.sender && carriesAnycast(f.sender.role, r.role));
    if (list.length) feeds.set(r.name, list);
  }
  const learners = lab.routers.filter((r) => feeds.has(r.name)).map((r) => r.name);
  const synchronous = opts.schedule === 'synchronous';
  const order = Array.isArray(opts.schedule)
    ? [...opts.schedule.filter((n) => feeds.has(n)), ...learners.filter((n) => !opts.schedule!.includes(n))]
    : learners;
  const maxRounds = opts.maxRounds ?? 4 * lab.routers.length + 10;

  const decide = (name: string, state: Map<string, SimRoute>): SimRoute | undefined => {
    const self = byName.get(name)!;
    const candidates: SimRoute[] = [];
    for (const f of feeds.get(name)!) {
      const own = Array<number>(1 + f.senderEnd.prepend).fill(f.sender.asn);
      let route: SimRoute;
      if (roleSpec(f.sender.role).topology.servesAnycast) {
        if (down.has(f.sender.name)) continue;
        route = { origin: f.sender.name, via: f.sender.name, asPath: own, localPref: f.localEnd.localPref };
      } else {
        const theirs = state.get(f.sender.name);
        if (!theirs) continue;
        route = { origin: theirs.origin, via: f.sender.name, asPath: [...own, ...theirs.asPath], localPref: f.localEnd.localPref };
      }
      if (route.asPath.includes(self.asn)) continue; // eBGP loop prevention
      candidates.push(route);
    }
    candidates.sort((x, y) => y.localPref - x.localPref || x.asPath.length - y.asPath.length);
    const [best, second] = candidates;
    if (best && second && best.localPref === second.localPref && best.asPath.length === second.asPath.length) {
      throw new Error(
        `${name}: routes via ${best.via} and ${second.via} tie on local-pref ${best.localPref} and AS-path length ${best.asPath.length}; FRR would fall through to MED/router-id`,
      );
    }
    return best;
  };

  let state = new Map<string, SimRoute>();
  for (let round = 0; round < maxRounds; round++) {
    const next = new Map(state);
    let changed = false;
    for (const name of order) {
      const pick = decide(name, synchronous ? state : next);
      if (!sameRoute(pick, next.get(name))) {
        changed = true;
        if (pick) next.set(name, pick);
        else next.delete(name);
      }
    }
    state = next;
    if (!changed) return state;
  }
  throw new Error(`BGP simulation found no stable state after ${maxRounds} rounds: the policy oscillates`);
}

const sameRoute = (a: SimRoute | undefined, b: SimRoute | undefined): boolean =>
  a === b || (!!a && !!b && a.via === b.via && a.origin === b.origin && a.localPref === b.localPref && a.asPath.join(' ') === b.asPath.join(' '));

/**
 * The one stable state, or an error when there are several: the simulation
 * is run synchronously and in forward and reverse router order, and all must
 * agree (a dispute wheel lands in different states, or never settles).
 */
export function stableBestPaths(lab: Pick<Lab, 'routers' | 'links'>, down: Iterable<string> = []): Map<string, SimRoute> {
  const names = lab.routers.map((r) => r.name);
  const downList = [...down];
  const [first, ...others] = (['synchronous', names, [...names].reverse()] as const).map((schedule) => simulateBestPaths(lab, { down: downList, schedule }));
  for (const other of others) {
    for (const name of names) {
      const a = first.get(name);
      const b = other.get(name);
      if (!sameRoute(a, b)) {
        throw new Error(
          `BGP has several stable states: ${name} uses ${a ? `${a.via} (→ ${a.origin})` : 'no route'} in one run and ${b ? `${b.via} (→ ${b.origin})` : 'no route'} in another`,
        );
      }
    }
  }
  return first;
}

export interface SimulatedCatchment {
  pop: string | null;
  /** Who answers when `pop` stops announcing. */
  backup: string | null;
}

/** Per client: which PoP its eyeball's best route leads to, and which once that PoP is down. */
export function simulateCatchment(lab: Pick<Lab, 'routers' | 'links' | 'clients'>): Record<string, SimulatedCatchment> {
  const normal = stableBestPaths(lab);
  const failed = new Map<string, Map<string, SimRoute>>();
  const out: Record<string, SimulatedCatchment> = {};
  for (const c of lab.clients) {
    const pop = normal.get(c.eyeball)?.origin ?? null;
    let backup: string | null = null;
    if (pop) {
      if (!failed.has(pop)) failed.set(pop, stableBestPaths(lab, [pop]));
      backup = failed.get(pop)!.get(c.eyeball)?.origin ?? null;
    }
    out[c.name] = { pop, backup };
  }
  return out;
}
