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
import { parseFrrTime } from './router-events.js';

export type ControlPlaneStep = 'bfdd-down' | 'bgp-down' | 'bestpath' | 'bgp-to-zebra' | 'zebra-rib' | 'zebra-kernel';

export interface ControlPlaneEvent {
  step: ControlPlaneStep;
  wallMs: number;
  line: string;
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
    ['bfdd-down', new RegExp(`BFD: .*state-change: \\[[^\\]]*\\bpeer:(?:${peer})\\b[^\\]]*\\] (?:up|init) -> down`)],
    ['bgp-down', new RegExp(`BGP: .*(?:%NOTIFICATION.*neighbor (?:${peer}) .*\\(Cease/BFD Down\\)|%ADJCHANGE: neighbor (?:${peer})\\b.* Down\\b)`)],
    ['bestpath', new RegExp(`BGP: .*${p}(?:\\(VRF [^)]*\\))?: After path selection, newbest is`)],
    ['bgp-to-zebra', new RegExp(`BGP: .*Tx route (?:add|delete) VRF \\d+ ${p}\\b`)],
    ['zebra-rib', new RegExp(`ZEBRA: .*(?:process_subq_\\w+|rib_process|rib_delnode): .*${p}\\b`)],
    ['zebra-kernel', new RegExp(`ZEBRA: .*netlink_route_multipath_msg_encode: RTM_(?:NEW|DEL)ROUTE ${p}\\b`)],
  ];
  if (!peer) rules.splice(0, 2);
  const out: ControlPlaneEvent[] = [];
  for (const line of log.split('\n')) {
    const wallMs = parseFrrTime(line);
    if (wallMs === undefined) continue;
    const hit = rules.find(([, re]) => re.test(line));
    if (hit) out.push({ step: hit[0], wallMs, line: line.trim() });
  }
  return out;
}

/** Each step's first instant at or after `fromWallMs` (and at most `toWallMs`), ms relative to `zeroWallMs`, 0.1 ms. */
export type ControlPlaneTimes = Record<ControlPlaneStep, number | null>;

export function firstSteps(events: readonly ControlPlaneEvent[], w: { fromWallMs: number; toWallMs: number; zeroWallMs: number }): ControlPlaneTimes {
  const first = (s: ControlPlaneStep) => events.find((e) => e.step === s && e.wallMs >= w.fromWallMs && e.wallMs <= w.toWallMs)?.wallMs;
  const rel = (v: number | undefined) => (v === undefined ? null : Math.round((v - w.zeroWallMs) * 10) / 10);
  return {
    'bfdd-down': rel(first('bfdd-down')),
    'bgp-down': rel(first('bgp-down')),
    bestpath: rel(first('bestpath')),
    'bgp-to-zebra': rel(first('bgp-to-zebra')),
    'zebra-rib': rel(first('zebra-rib')),
    'zebra-kernel': rel(first('zebra-kernel')),
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
}

/** "t-eu: BFD down +267.9 ms → BGP down +268.2 → bestpath +328.5 → zebra +338.8 → kernel +339.0 → FIB +338.6 → first iad answer +352.0". */
export function controlPlaneLine(c: ControlPlaneLineInput): string {
  const f = (v: number | null) => (v === null ? '—' : `${v >= 0 ? '+' : ''}${v.toFixed(1)}`);
  const s = c.steps;
  const parts = [
    `BFD down ${f(s['bfdd-down'])} ms`,
    `BGP down ${f(s['bgp-down'])}`,
    `bestpath ${f(s.bestpath)}`,
    `to zebra ${f(s['bgp-to-zebra'])}`,
    `zebra rib ${f(s['zebra-rib'])}`,
    `netlink ${f(s['zebra-kernel'])}`,
    `FIB ${f(c.fibMs)}`,
    `first ${c.firstAnswerPop ?? 'new'} answer ${f(c.firstAnswerMs)}`,
  ];
  return `${c.router}: ${parts.join(' → ')}`;
}
