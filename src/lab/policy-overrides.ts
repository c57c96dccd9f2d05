// Live routing policy on one eBGP session, as a BGP engineer reads it: AS-path
// prepend and MED go OUT to the neighbour (route-map TO-<neighbour>), local
// preference applies to what comes IN from it (FROM-<neighbour>). Pure: the
// arguments checked against the lab model, the vtysh lines that set or undo an
// override, and the overrides read back by comparing a router's running config
// with the frr.conf rendered for it, so the router itself is the truth.
import { LabError } from '../errors.js';
import { ROUTE_MAP } from '../render/frr-config.js';
import { type Family, findRouter, type Lab, type Router, sessionsOf } from '../topology/model.js';

export type PolicyKind = 'prepend' | 'local-pref' | 'med';
export const POLICY_KINDS: readonly PolicyKind[] = ['prepend', 'local-pref', 'med'];
const U32 = 4_294_967_295;

/** Range and direction of each knob; prepend is capped where a path stops being plausible. */
export const POLICY_LIMITS: Record<PolicyKind, { min: number; max: number; direction: 'in' | 'out' }> = {
  prepend: { min: 1, max: 10, direction: 'out' },
  'local-pref': { min: 0, max: U32, direction: 'in' },
  med: { min: 0, max: U32, direction: 'out' },
};

/** What one session's route-maps set: null where they set nothing (prepend: 0). */
export interface SessionPolicy {
  prepend: number;
  'local-pref': number | null;
  med: number | null;
}

/** One knob that differs from the lab file, as the router runs it. */
export interface PolicyOverride {
  router: string;
  neighbor: string;
  kind: PolicyKind;
  /** What the router runs (prepend: count of own-ASN prepends; null: not set). */
  value: number | null;
  /** What the lab file says. */
  base: number | null;
  /** Set for the IPv6 session's route-maps (FROM6-/TO6-) only; absent: IPv4 (FROM-/TO-). */
  family?: 'ipv6';
}

/** A checked `policy` request. */
export interface PolicyRequest {
  router: Router;
  neighbor: Router;
  /** Which of the link's two sessions: a dual-stack link runs one per family, each with its own route-maps. */
  family: Family;
  /** The neighbour's address on the shared link in that family: what `neighbor … ` and `clear bgp` name. */
  peerAddress: string;
  /** The session's policy in the lab file, for `reset`. */
  base: SessionPolicy;
  change: { kind: PolicyKind; value: number } | { kind: 'reset' };
}

export const POLICY_ACTIONS = [...POLICY_KINDS, 'reset'] as const;

/**
 * `--family ipv4|ipv6|both` against the lab's families. Default: every family
 * the lab runs, because a knob on a link end in the lab file (`localPref`,
 * `prepend`, `med`) is both sessions' policy unless the end sets `ipv6:`; a
 * bare `policy` acts the same way, and `--family` narrows it to one session.
 */
export function policyFamilies(lab: Lab, flag: string | undefined): Family[] {
  if (flag === undefined) return [...lab.families];
  const want: Family[] | undefined = flag === 'both' ? ['ipv4', 'ipv6'] : flag === 'ipv4' || flag === 'ipv6' ? [flag] : undefined;
  if (!want) throw new LabError('USAGE', `--family "${flag}": one of ipv4, ipv6, both`);
  const missing = want.filter((f) => !lab.families.includes(f));
  if (missing.length) {
    throw new LabError(
      'USAGE',
      `--family ${flag}: lab "${lab.name}" runs ${lab.families.join(', ')} only (no ${missing.join(', ')} sessions); ` +
        'add ipv6 to `families:` in its lab file, or leave --family out',
    );
  }
  return want;
}

/** Checks `policy <router> <neighbor> <action> [value]` against the lab, naming the valid choices on error. */
export function parsePolicyRequest(
  lab: Lab,
  router: string,
  neighbor: string | undefined,
  action: string | undefined,
  value: string | undefined,
  family: Family = 'ipv4',
): PolicyRequest {
  const r = findRouter(lab, router);
  if (!r) throw new LabError('USAGE', `unknown router "${router}" in lab "${lab.name}" (routers: ${lab.routers.map((x) => x.name).join(', ')})`);
  const sessions = sessionsOf(lab, r.name);
  const actions = POLICY_ACTIONS.map((a) => (a === 'reset' ? a : `${a} <${POLICY_LIMITS[a].min}-${POLICY_LIMITS[a].max}>`)).join(' | ');
  if (neighbor === undefined) {
    throw new LabError(
      'USAGE',
      `policy ${r.name} <neighbor> <action>: name one of ${r.name}'s BGP neighbours (${sessions.map((x) => x.remote.node).join(', ')})`,
    );
  }
  const s = sessions.find((x) => x.remote.node === neighbor);
  if (!s) {
    throw new LabError(
      'USAGE',
      `"${neighbor}" is not a BGP neighbour of ${r.name} (its neighbours: ${sessions.map((x) => x.remote.node).join(', ') || 'none'})`,
    );
  }
  const peer = findRouter(lab, neighbor);
  if (!peer) throw new LabError('USAGE', `"${neighbor}" is not a router of lab "${lab.name}"`);
  if (action === undefined) throw new LabError('USAGE', `policy ${r.name} ${neighbor} <action>: one of ${actions}`);
  if (!(POLICY_ACTIONS as readonly string[]).includes(action)) {
    throw new LabError('USAGE', `unknown policy action "${action}" (valid: ${POLICY_ACTIONS.join(', ')})`);
  }
  const local = family === 'ipv6' ? s.local.ipv6 : s.local;
  const remote = family === 'ipv6' ? s.remote.ipv6 : s.remote;
  if (!local || !remote) {
    throw new LabError('USAGE', `${r.name} ↔ ${neighbor} has no IPv6 session: lab "${lab.name}" runs ${lab.families.join(', ')} only`);
  }
  const base: SessionPolicy = { prepend: local.prepend, 'local-pref': local.localPref, med: local.med ?? null };
  const common = { router: r, neighbor: peer, family, peerAddress: remote.address, base };
  if (action === 'reset') {
    if (value !== undefined) throw new LabError('USAGE', `policy … reset takes no value (got "${value}")`);
    return { ...common, change: { kind: 'reset' } };
  }
  const kind = action as PolicyKind;
  const { min, max } = POLICY_LIMITS[kind];
  if (value === undefined) throw new LabError('USAGE', `policy … ${kind} needs a value: an integer from ${min} to ${max}`);
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new LabError('USAGE', `${kind} "${value}" is out of range: expected an integer from ${min} to ${max}`);
  }
  return { ...common, change: { kind, value: n } };
}

/**
 * Config-mode lines that make the session run `value` for `kind` (null: the
 * route-map sets nothing, FRR's default). Setting replaces what the entry had:
 * an entry holds one `set as-path prepend`, one `set metric`.
 */
export function policyLines(asn: number, neighbor: string, kind: PolicyKind, value: number | null, family: Family = 'ipv4'): string[] {
  const v6 = family === 'ipv6';
  const map = kind === 'local-pref' ? (v6 ? ROUTE_MAP.from6 : ROUTE_MAP.from)(neighbor) : (v6 ? ROUTE_MAP.to6 : ROUTE_MAP.to)(neighbor);
  const set =
    kind === 'prepend'
      ? value
        ? `set as-path prepend ${Array(value).fill(asn).join(' ')}`
        : 'no set as-path prepend'
      : kind === 'med'
        ? value === null
          ? 'no set metric'
          : `set metric ${value}`
        : value === null
          ? 'no set local-preference'
          : `set local-preference ${value}`;
  return [`route-map ${map} permit 10`, ` ${set}`, 'exit'];
}

/**
 * The soft clear that re-runs one direction's route-map. Needed, not a
 * nicety: frr.conf sets `bgp route-map delay-timer 0`, which also turns off
 * FRR's automatic re-processing after a route-map change. `soft` never resets
 * the session (outbound: re-sends; inbound: asks for a ROUTE-REFRESH).
 */
export const softClear = (peerAddress: string, direction: 'in' | 'out', family: Family = 'ipv4'): string =>
  `clear bgp ${family} unicast ${peerAddress} soft ${direction}`;

/** vtysh `-c` commands for a set of knob changes on one router, soft clears last (once per peer and direction). */
export function vtyshPolicyCommands(
  asn: number,
  changes: readonly { neighbor: string; peerAddress: string; kind: PolicyKind; value: number | null; family?: Family }[],
): string[] {
  if (!changes.length) return [];
  const clears = [...new Set(changes.map((c) => softClear(c.peerAddress, POLICY_LIMITS[c.kind].direction, c.family)))];
  return ['configure terminal', ...changes.flatMap((c) => policyLines(asn, c.neighbor, c.kind, c.value, c.family)), 'end', ...clears];
}

/**
 * vtysh lines that set one router's `overrides` to their running `value`
 * (putting them back after a config repair) or to the lab file's `base`
 * (a reset). Neighbours the lab no longer has a session with are skipped.
 */
export function overrideCommands(lab: Lab, router: string, overrides: readonly PolicyOverride[], to: 'value' | 'base'): string[] {
  const sessions = new Map(sessionsOf(lab, router).map((s) => [s.remote.node, s.remote]));
  const changes = overrides.flatMap((ov) => {
    const remote = sessions.get(ov.neighbor);
    const peerAddress = ov.family === 'ipv6' ? remote?.ipv6?.address : remote?.address;
    return peerAddress ? [{ neighbor: ov.neighbor, peerAddress, kind: ov.kind, value: ov[to], family: ov.family ?? ('ipv4' as Family) }] : [];
  });
  return vtyshPolicyCommands(findRouter(lab, router)?.asn ?? 0, changes);
}

/** The knob changes a request makes: one for a set, those differing from the lab file for a reset. */
export function requestChanges(req: PolicyRequest, running?: SessionPolicy): { kind: PolicyKind; value: number | null }[] {
  if (req.change.kind !== 'reset') return [{ kind: req.change.kind, value: req.change.value }];
  // Reset everything unless we know what runs: then only what differs.
  return POLICY_KINDS.filter((k) => !running || !samePolicy(k, running[k], req.base[k])).map((k) => ({ kind: k, value: req.base[k] }));
}

const samePolicy = (kind: PolicyKind, a: number | null, b: number | null): boolean => (kind === 'prepend' ? (a ?? 0) === (b ?? 0) : a === b);

/**
 * Per neighbour, what its FROM-/TO- route-maps (entry permit 10) set, read
 * from FRR config text (frr.conf or `show running-config`); `ipv6`: the IPv6
 * session's FROM6-/TO6- instead.
 */
export function sessionPolicies(config: string, family: Family = 'ipv4'): Map<string, SessionPolicy> {
  const six = family === 'ipv6' ? '6' : '';
  const out = new Map<string, SessionPolicy>();
  const get = (n: string): SessionPolicy => {
    const have = out.get(n);
    if (have) return have;
    const p: SessionPolicy = { prepend: 0, 'local-pref': null, med: null };
    out.set(n, p);
    return p;
  };
  let current: { neighbor: string; dir: 'FROM' | 'TO' } | null = null;
  for (const raw of config.split('\n')) {
    const line = raw.trim();
    const head = /^route-map (FROM|TO)(6?)-(\S+) permit 10$/.exec(line);
    if (head && head[2] !== six) {
      current = null;
      continue;
    }
    if (head) {
      current = { neighbor: head[3], dir: head[1] as 'FROM' | 'TO' };
      get(current.neighbor);
      continue;
    }
    if (!raw.startsWith(' ')) {
      current = null;
      continue;
    }
    if (!current) continue;
    const p = get(current.neighbor);
    const lp = current.dir === 'FROM' ? /^set local-preference (\d+)$/.exec(line) : null;
    const med = current.dir === 'TO' ? /^set metric (\d+)$/.exec(line) : null;
    const prepend = current.dir === 'TO' ? /^set as-path prepend ((?:\d+ ?)+)$/.exec(line) : null;
    if (lp) p['local-pref'] = Number(lp[1]);
    if (med) p.med = Number(med[1]);
    if (prepend) p.prepend = prepend[1].trim().split(/\s+/).length;
  }
  return out;
}

/** Knobs whose running value differs from the rendered one, in rendered neighbour order. */
export function policyOverrides(router: string, rendered: string, running: string): PolicyOverride[] {
  const out: PolicyOverride[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const want = sessionPolicies(rendered, family);
    const have = sessionPolicies(running, family);
    const tag = family === 'ipv6' ? { family } : {};
    for (const [neighbor, base] of want) {
      const now = have.get(neighbor);
      // A route-map missing altogether is config drift (`up` repairs it), not an override.
      if (!now) continue;
      for (const kind of POLICY_KINDS)
        if (!samePolicy(kind, now[kind], base[kind])) out.push({ router, neighbor, kind, value: now[kind], base: base[kind], ...tag });
    }
  }
  return out;
}

/** "iad → t-us prepend 3 (lab file: none)", "t-ap ← t-eu ipv6 local-pref 100 (lab file: 250)" */
export function describeOverride(o: PolicyOverride): string {
  const v = (x: number | null) => (x === null || (o.kind === 'prepend' && x === 0) ? 'none' : String(x));
  const dir = POLICY_LIMITS[o.kind].direction === 'out' ? '→' : '←';
  return `${o.router} ${dir} ${o.neighbor} ${o.family === 'ipv6' ? 'ipv6 ' : ''}${o.kind} ${v(o.value)} (lab file: ${v(o.base)})`;
}

/**
 * The route-map `set` lines `policy` changes at run time: `up` must not
 * "repair" them back to frr.conf (RoleSpec.converge.runtimeOwned's sibling
 * for policy every role shares); `up --reset` and `policy --reset-all` do.
 */
export const POLICY_RUNTIME_OWNED: readonly RegExp[] = [/^route-map (FROM|TO)6?-\S+ permit 10 > set (local-preference|as-path prepend|metric)( |$)/];
