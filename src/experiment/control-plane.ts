// The detecting router's control plane between a fault and the FIB change,
// step by step, from FRR's debug log (microsecond wall-clock timestamps, UTC;
// see render/frr-config.ts). The steps, in FRR 8.4's order:
//   bfdd declares the peer down (`debug bfd peer`: "state-change: … up -> down")
//   → bgpd tears the session down ("%NOTIFICATION … Cease/BFD Down", "%ADJCHANGE … Down")
//   → bgpd's route-processing work queue runs best-path selection
//     (`debug bgp bestpath <prefix>`: "After path selection, newbest is …")
//   → bgpd sends the new route to zebra (`debug bgp zebra prefix <prefix>`: "Tx route add|delete")
//   → zebra's RIB work queue (meta queue) processes it (`debug zebra rib`)
//   → zebra's dataplane writes it to the kernel (`debug zebra kernel`: "RTM_NEWROUTE|RTM_DELROUTE <prefix>")
// The kernel's own timestamp of the FIB change comes from `ip -ts monitor route`
// (route-monitor.ts). Pure apart from the vtysh command lists.
import { parseFrrTime, type RouteChange } from './router-events.js';

export type ControlPlaneStep = 'bfdd-down' | 'bgp-down' | 'bestpath' | 'bgp-to-zebra' | 'zebra-rib' | 'zebra-kernel';

export interface ControlPlaneEvent {
  step: ControlPlaneStep;
  wallMs: number;
  line: string;
  /** bfdd-down, bgp-down: the session's peer address. */
  peer?: string;
  /** bestpath: the path selection replaced and the one it chose (FRR's "oldbest was <peer>", "newbest is path <peer>"; NONE when none). */
  oldBest?: string;
  newBest?: string;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * Every control-plane step in `log` about one of `peers` (BFD, session) or
 * `prefix` (best path, zebra, kernel), in log order. `bgp-down` is the
 * earlier of bgpd's Cease/BFD Down notification and its ADJCHANGE Down line:
 * both are written in the same event, the notification first.
 */
export function controlPlaneEvents(log: string, peers: readonly string[], prefix: string): ControlPlaneEvent[] {
  const peer = peers.map(esc).join('|');
  const p = esc(prefix);
  const rules: [ControlPlaneStep, RegExp][] = [
    ['bfdd-down', new RegExp(`BFD: .*state-change: \\[[^\\]]*\\bpeer:(${peer})\\b[^\\]]*\\] (?:up|init) -> down`)],
    ['bgp-down', new RegExp(`BGP: .*(?:%NOTIFICATION.*neighbor (${peer}) .*\\(Cease/BFD Down\\)|%ADJCHANGE: neighbor (${peer})\\b.* Down\\b)`)],
    ['bestpath', new RegExp(`BGP: .*${p}(?:\\(VRF [^)]*\\))?: After path selection, newbest is (?:path )?(\\S+).* oldbest was (\\S+)`)],
    ['bgp-to-zebra', new RegExp(`BGP: .*Tx route (?:add|delete) VRF \\d+ ${p}\\b`)],
    ['zebra-rib', new RegExp(`ZEBRA: .*(?:process_subq_\\w+|rib_process|rib_delnode): .*${p}\\b`)],
    ['zebra-kernel', new RegExp(`ZEBRA: .*netlink_route_multipath_msg_encode: RTM_(?:NEW|DEL)ROUTE ${p}\\b`)],
  ];
  if (!peer) rules.splice(0, 2);
  const out: ControlPlaneEvent[] = [];
  for (const line of log.split('\n')) {
    const wallMs = parseFrrTime(line);
    if (wallMs === undefined) continue;
    for (const [step, re] of rules) {
      const m = re.exec(line);
      if (!m) continue;
      const e: ControlPlaneEvent = { step, wallMs, line: line.trim() };
      if (step === 'bestpath') Object.assign(e, { newBest: m[1], oldBest: m[2] });
      else if (m[1] ?? m[2]) e.peer = m[1] ?? m[2];
      out.push(e);
      break;
    }
  }
  return out;
}

/** Each step's instant on the fault's causal chain, ms relative to `zeroWallMs`, 0.1 ms; null when it could not be matched. */
export type ControlPlaneTimes = Record<ControlPlaneStep, number | null>;

/** The chain's links past FRR's log: the kernel's FIB change (ip monitor) and the first answer from another PoP (the probes). */
export type ChainLink = ControlPlaneStep | 'fib' | 'first-answer';

/** Why a link has no instant: it was not logged in the window, or nothing logged follows from the link before it. */
export type ControlPlaneUnmatched = Partial<Record<ChainLink, string>>;

export interface ControlPlaneChain {
  steps: ControlPlaneTimes;
  /** The kernel's FIB change to the new best path, ms from the fault. */
  fibMs: number | null;
  unmatched: ControlPlaneUnmatched;
}

/** Said of a link when one before it is unmatched. */
export const AFTER_UNMATCHED = 'follows an unmatched step';

const CONTROL_PLANE_STEPS: readonly ControlPlaneStep[] = ['bfdd-down', 'bgp-down', 'bestpath', 'bgp-to-zebra', 'zebra-rib', 'zebra-kernel'];

/**
 * The fault's chain through the detecting router, each link the first event
 * that follows from the link before it, in `[fromWallMs, toWallMs]`:
 *   the faulted peer's BFD down → that same peer's BGP down → the first
 *   best-path run that replaced that peer's path (FRR's "oldbest was <peer>")
 *   → bgpd's route to zebra from that run (before the prefix's next best-path
 *   run) → zebra's RIB processing of it → its netlink write (both before
 *   bgpd's next route for the prefix) → the kernel's FIB change to that run's
 *   new best path (`routes`: "via <new best>", or a deletion when it chose none).
 * Taking each step's first event on its own picked, during flaps, another
 * session's best-path run, its route to zebra or its FIB change (they only
 * name the prefix). A link with nothing on the chain is null and says why in
 * `unmatched`; the links after it are then unmatched too, never borrowed
 * from another chain. Without a BFD down (no BFD on the session, a hold-timer
 * expiry) the chain starts at the faulted peer's first BGP down.
 */
export function causalSteps(
  events: readonly ControlPlaneEvent[],
  w: { fromWallMs: number; toWallMs: number; zeroWallMs: number },
  routes: readonly RouteChange[] = [],
): ControlPlaneChain {
  type Hit = { e: ControlPlaneEvent; i: number };
  // In time order: bfdd, bgpd and zebra write the shared file each on its own, so its lines need not be (log order breaks ties).
  const inWindow = events
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => e.wallMs >= w.fromWallMs && e.wallMs <= w.toWallMs)
    .sort((a, b) => a.e.wallMs - b.e.wallMs || a.i - b.i)
    .map(({ e }, i) => ({ e, i }));
  const found: Partial<Record<ControlPlaneStep, Hit>> = {};
  const unmatched: ControlPlaneUnmatched = {};
  /** The first event of `step` after position `after`, before position `before`, that satisfies `ok`. */
  const next = (step: ControlPlaneStep, after: number, before = Infinity, ok: (e: ControlPlaneEvent) => boolean = () => true) =>
    inWindow.find(({ e, i }) => e.step === step && i > after && i < before && ok(e));
  const nextIndex = (step: ControlPlaneStep, after: number) => next(step, after)?.i ?? Infinity;

  const bfd = next('bfdd-down', -1);
  if (bfd) found['bfdd-down'] = bfd;
  else unmatched['bfdd-down'] = 'no BFD down of the faulted peer in the window';
  const peer = bfd?.e.peer;
  const bgp = bfd ? next('bgp-down', bfd.i, Infinity, (e) => e.peer === peer) : next('bgp-down', -1);
  if (bgp) found['bgp-down'] = bgp;
  else unmatched['bgp-down'] = bfd ? `no BGP down of ${peer} after its BFD down` : 'no BGP down of the faulted peer in the window';

  const links: [ControlPlaneStep, (prev: Hit) => Hit | undefined, string][] = [
    ['bestpath', (prev) => next('bestpath', prev.i, Infinity, (e) => e.oldBest === prev.e.peer), `no best-path run replaced ${bgp?.e.peer}'s path`],
    ['bgp-to-zebra', (prev) => next('bgp-to-zebra', prev.i, nextIndex('bestpath', prev.i)), 'no route to zebra from that best-path run'],
    ['zebra-rib', (prev) => next('zebra-rib', prev.i, nextIndex('bgp-to-zebra', prev.i)), 'zebra did not process that route before bgpd sent the next'],
    [
      'zebra-kernel',
      (prev) => next('zebra-kernel', prev.i, nextIndex('bgp-to-zebra', found['bgp-to-zebra']?.i ?? prev.i)),
      'no netlink write of that route before bgpd sent the next',
    ],
  ];
  let prev = bgp;
  for (const [step, find, why] of links) {
    const hit = prev ? find(prev) : undefined;
    if (hit) found[step] = hit;
    else unmatched[step] = prev ? why : AFTER_UNMATCHED;
    prev = hit;
  }

  // The kernel's clock and FRR's log differ by a few 0.1 ms (the FIB change can read before zebra's netlink line), so the
  // FIB change is tied to the chain by its next hop, after the BGP down, not by its order against zebra's lines.
  const best = found.bestpath?.e.newBest;
  const fib =
    best === undefined || !found['bgp-down']
      ? undefined
      : routes.find(
          (r) =>
            r.wallMs >= (found['bgp-down']?.e.wallMs ?? Infinity) &&
            r.wallMs <= w.toWallMs &&
            (best === 'NONE' ? r.deleted : !r.deleted && new RegExp(`\\bvia ${esc(best)}\\b`).test(r.line)),
        );
  if (!fib) unmatched.fib = best === undefined ? AFTER_UNMATCHED : `no FIB change to ${best === 'NONE' ? 'no route' : `via ${best}`} after the BGP down`;

  const rel = (v: number | undefined) => (v === undefined ? null : Math.round((v - w.zeroWallMs) * 10) / 10);
  return {
    steps: Object.fromEntries(CONTROL_PLANE_STEPS.map((s) => [s, rel(found[s]?.e.wallMs)])) as ControlPlaneTimes,
    fibMs: rel(fib?.wallMs),
    unmatched,
  };
}

/**
 * The debug switches the steps need. The log file's level goes to debugging
 * for the run only: FRR drops debug lines below the file's level.
 */
export function controlPlaneDebugCommands(prefix: string, on: boolean): string[] {
  const no = on ? '' : 'no ';
  return [
    'configure terminal',
    `log file /var/log/frr/frr.log ${on ? 'debugging' : 'informational'}`,
    'end',
    `${no}debug bfd peer`,
    `${no}debug bgp bestpath ${prefix}`,
    `${no}debug bgp zebra prefix ${prefix}`,
    `${no}debug zebra rib`,
    `${no}debug zebra kernel`,
  ];
}

export interface ControlPlaneLineInput {
  router: string;
  steps: ControlPlaneTimes;
  fibMs: number | null;
  firstAnswerMs: number | null;
  firstAnswerPop?: string | null;
  unmatched?: ControlPlaneUnmatched;
}

/**
 * "t-eu: BFD down +267.9 ms → BGP down +268.2 → bestpath +328.5 → … → FIB +338.6 → first iad answer +352.0".
 * The first link that could not be matched says why; the links after it show a dash.
 */
export function controlPlaneLine(c: ControlPlaneLineInput): string {
  const f = (link: ChainLink, v: number | null) => {
    if (v !== null) return `${v >= 0 ? '+' : ''}${v.toFixed(1)}`;
    const why = c.unmatched?.[link];
    return why && why !== AFTER_UNMATCHED ? `unmatched (${why})` : '—';
  };
  const s = c.steps;
  const bfd = f('bfdd-down', s['bfdd-down']);
  const parts = [
    `BFD down ${bfd}${bfd.startsWith('unmatched') ? '' : ' ms'}`,
    `BGP down ${f('bgp-down', s['bgp-down'])}`,
    `bestpath ${f('bestpath', s.bestpath)}`,
    `to zebra ${f('bgp-to-zebra', s['bgp-to-zebra'])}`,
    `zebra rib ${f('zebra-rib', s['zebra-rib'])}`,
    `netlink ${f('zebra-kernel', s['zebra-kernel'])}`,
    `FIB ${f('fib', c.fibMs)}`,
    `first ${c.firstAnswerPop ?? 'new'} answer ${f('first-answer', c.firstAnswerMs)}`,
  ];
  return `${c.router}: ${parts.join(' → ')}`;
}
