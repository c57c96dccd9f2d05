import { describe, expect, it } from 'vitest';
import { type ControlPlaneStep, causalSteps, controlPlaneDebugCommands, controlPlaneEvents, controlPlaneLine } from '../../src/experiment/control-plane.js';
import type { RouterTiming, TrialClient } from '../../src/experiment/failover-result.js';
import { parseFrrTime, routeChanges } from '../../src/experiment/router-events.js';
import { controlPlaneTimeline } from '../../src/experiment/trial-analysis.js';

// t-eu's FRR 8.4 log around a freeze of fra (10.77.0.2), debug switches of
// controlPlaneDebugCommands on, as recorded on the lab (trimmed).
const LOG = `2026/12/06 04:10:31.342986 ZEBRA: [KKAC1-JMWTB] Rx RTM_NEWNEIGH family ipv4 IF eth2(4061) vrf default(0) IP 10.77.0.2 MAC 02:42:0a:4d:00:02 state 0x2 flags 0x0 ext_flags 0x0
2026/12/06 04:10:34.140857 BFD: [SEY1D-NT8EQ] state-change: [mhop:no peer:10.77.0.2 local:10.77.0.3 vrf:default ifname:eth2] up -> down reason:control-expired
2026/12/06 04:10:34.141126 BGP: [Q4BCV-6FHZ5] zclient_bfd_session_update: 10.77.0.3/32 -> 10.77.0.2/32 (interface eth2) VRF default(0) (CPI bit no): Down
2026/12/06 04:10:34.141145 BGP: [MKVHZ-7MS3V] bfd_session_status_update: neighbor 10.77.0.2 vrf default(0) bfd state Up -> Down
2026/12/06 04:10:34.141167 BGP: [HZN6M-XRM1G] %NOTIFICATION(Hard Reset): sent to neighbor 10.77.0.2 6/10 (Cease/BFD Down) 0 bytes 
2026/12/06 04:10:34.141237 BGP: [PXVXG-TFNNT] %ADJCHANGE: neighbor 10.77.0.2(fra) in vrf default Down BGP Notification send
2026/12/06 04:10:34.201496 BGP: [QGT2T-9Z0AR] bgp_process_main_one: p=192.0.2.0/24i(VRF default) afi=IPv4, safi=unicast start
2026/12/06 04:10:34.201514 BGP: [SN01E-SKWCN] 192.0.2.0/24: path 10.77.0.51 loses to path 10.77.0.43 due to localpref 100 < 110
2026/12/06 04:10:34.201516 BGP: [N6CTF-2RSKS] 192.0.2.0/24(VRF default): After path selection, newbest is path 10.77.0.43 oldbest was 10.77.0.2
2026/12/06 04:10:34.201591 BGP: [V15FP-4CPVK] Tx route add VRF 0 192.0.2.0/24 metric 0 tag 0 count 1 nhg 0
2026/12/06 04:10:34.201593 BGP: [JQXM8-V0CKB]   nhop [1]: 10.77.0.43 if 0 VRF 0 wt 0   
2026/12/06 04:10:34.211811 ZEBRA: [MFYWV-KH3MC] process_subq_early_route_add: (0:254):192.0.2.0/24: Inserting route rn 0x556024f527e0, re 0x556024ff5500 (bgp) existing 0x556024f53a20, same_count 1
2026/12/06 04:10:34.211822 ZEBRA: [QE6V0-J8BG5] rib_delnode: (0:254):192.0.2.0/24: rn 0x556024f527e0, re 0x556024f53a20, removing
2026/12/06 04:10:34.211910 ZEBRA: [YXPF5-B2CE0] netlink_route_multipath_msg_encode: RTM_NEWROUTE 192.0.2.0/24 vrf 0(254)
2026/12/06 04:10:34.211962 ZEBRA: [HYEHE-CQZ9G] nl_batch_send: netlink-dp (NS 0), batch size=52, msg cnt=1
2026/12/06 04:10:35.920251 BFD: [J1C6V-VMRW5] state-change: [mhop:no peer:10.77.0.2 local:10.77.0.3 vrf:default ifname:eth2] init -> up
2026/12/06 04:10:35.926022 BGP: [PXVXG-TFNNT] %ADJCHANGE: neighbor 10.77.0.2(fra) in vrf default Down Peer closed the session
2026/12/06 04:10:36.979445 BGP: [N6CTF-2RSKS] 192.0.2.0/24(VRF default): After path selection, newbest is path 10.77.0.2 oldbest was 10.77.0.43`;

const PEERS = ['10.77.0.2'];
const PREFIX = '192.0.2.0/24';

describe('controlPlaneEvents', () => {
  const events = controlPlaneEvents(LOG, PEERS, PREFIX);
  const steps = (s: ControlPlaneStep) => events.filter((e) => e.step === s).map((e) => e.line.slice(11, 26));

  it.each<[ControlPlaneStep, string[]]>([
    ['bfdd-down', ['04:10:34.140857']],
    // The notification and the ADJCHANGE of the failover, the later session reset after restore.
    ['bgp-down', ['04:10:34.141167', '04:10:34.141237', '04:10:35.926022']],
    ['bestpath', ['04:10:34.201516', '04:10:36.979445']],
    ['bgp-to-zebra', ['04:10:34.201591']],
    ['zebra-rib', ['04:10:34.211811', '04:10:34.211822']],
    ['zebra-kernel', ['04:10:34.211910']],
  ])('%s: the lines that mark it, nothing else', (step, times) => {
    expect(steps(step)).toEqual(times);
  });

  it('ignores BFD going up, other peers and other prefixes', () => {
    const other = LOG.replaceAll('10.77.0.2 ', '10.77.0.99 ').replaceAll('10.77.0.2(', '10.77.0.99(').replaceAll('peer:10.77.0.2 ', 'peer:10.77.0.99 ');
    const s = controlPlaneEvents(other, PEERS, PREFIX).map((e) => e.step);
    expect(s).not.toContain('bfdd-down');
    expect(s).not.toContain('bgp-down');
    expect(controlPlaneEvents(LOG, PEERS, '198.51.100.0/24')).toEqual(events.filter((e) => e.step === 'bfdd-down' || e.step === 'bgp-down'));
    // 10.77.0.2 is not 10.77.0.21
    expect(controlPlaneEvents(LOG.replaceAll('peer:10.77.0.2 ', 'peer:10.77.0.21 '), PEERS, PREFIX).map((e) => e.step)).not.toContain('bfdd-down');
  });
});

// ip -ts monitor route on t-eu in the same run: the FIB change to iad's path.
const MONITOR = `[2026-12-06T04:10:34.211604] 192.0.2.0/24 nhid 18 via 10.77.0.43 dev eth4 proto bgp metric 20
[2026-12-06T04:10:36.989000] 192.0.2.0/24 nhid 14 via 10.77.0.2 dev eth2 proto bgp metric 20`;

// The same trial with unrelated flaps around it, as the 20x3-on-every-session
// runs recorded them: t-eu's session with 10.77.0.51 drops 60 ms after the
// fault and comes back, re-running best path for the prefix and re-sending
// fra's route to zebra (new attributes) before fra's own BFD down; a second,
// later flap of 10.77.0.43 runs best path again after the failover.
const FLAPS = `2026/12/06 04:10:33.934001 BFD: [SEY1D-NT8EQ] state-change: [mhop:no peer:10.77.0.51 local:10.77.0.50 vrf:default ifname:eth5] up -> down reason:control-expired
2026/12/06 04:10:33.934210 BGP: [HZN6M-XRM1G] %NOTIFICATION(Hard Reset): sent to neighbor 10.77.0.51 6/10 (Cease/BFD Down) 0 bytes 
2026/12/06 04:10:33.934280 BGP: [PXVXG-TFNNT] %ADJCHANGE: neighbor 10.77.0.51(ams) in vrf default Down BGP Notification send
2026/12/06 04:10:33.994500 BGP: [N6CTF-2RSKS] 192.0.2.0/24(VRF default): After path selection, newbest is path 10.77.0.2 oldbest was 10.77.0.2
2026/12/06 04:10:33.994560 BGP: [V15FP-4CPVK] Tx route add VRF 0 192.0.2.0/24 metric 0 tag 0 count 1 nhg 0
2026/12/06 04:10:34.004700 ZEBRA: [MFYWV-KH3MC] process_subq_early_route_add: (0:254):192.0.2.0/24: Inserting route rn 0x556024f527e0, re 0x556024ff5600 (bgp) existing 0x556024f53a20, same_count 1
2026/12/06 04:10:34.004790 ZEBRA: [YXPF5-B2CE0] netlink_route_multipath_msg_encode: RTM_NEWROUTE 192.0.2.0/24 vrf 0(254)
${LOG.split('\n').slice(1, 15).join('\n')}
2026/12/06 04:10:34.520000 BGP: [PXVXG-TFNNT] %ADJCHANGE: neighbor 10.77.0.43(iad) in vrf default Down BGP Notification send
2026/12/06 04:10:34.580100 BGP: [N6CTF-2RSKS] 192.0.2.0/24(VRF default): After path selection, newbest is path 10.77.0.51 oldbest was 10.77.0.43`;
const FLAP_MONITOR = `[2026-12-06T04:10:34.004650] 192.0.2.0/24 nhid 9 via 10.77.0.2 dev eth2 proto bgp metric 20
${MONITOR}`;

describe('causalSteps', () => {
  // The fault 267.857 ms before bfdd's down (FRR logs UTC wall-clock; the runner converts with the host's wall−monotonic offset).
  const zero = parseFrrTime('2026/12/06 04:10:33.873000')!;
  const events = controlPlaneEvents(LOG, PEERS, PREFIX);
  const window = { fromWallMs: zero - 5, toWallMs: zero + 1900, zeroWallMs: zero };
  const CHAIN = { 'bfdd-down': 267.9, 'bgp-down': 268.2, bestpath: 328.5, 'bgp-to-zebra': 328.6, 'zebra-rib': 338.8, 'zebra-kernel': 338.9 };

  it('gives each step of the chain its instant, 0.1 ms, relative to the fault, and the FIB change to the new best path', () => {
    expect(causalSteps(events, window, routeChanges(MONITOR, PREFIX))).toEqual({ steps: CHAIN, fibMs: 338.6, unmatched: {} });
  });

  it('follows the faulted peer through unrelated flaps: another session’s best-path run, route to zebra and FIB change are not its steps', () => {
    const flapped = controlPlaneEvents(FLAPS, PEERS, PREFIX);
    // The flap's lines name the prefix, so they are events: the chain has to skip them.
    expect(flapped.filter((e) => e.step === 'bestpath')).toHaveLength(3);
    expect(causalSteps(flapped, window, routeChanges(FLAP_MONITOR, PREFIX))).toEqual({ steps: CHAIN, fibMs: 338.6, unmatched: {} });
  });

  it('orders by timestamp, not by line: zebra’s lines written to the file before bgpd’s', () => {
    const lines = LOG.split('\n');
    const zebraFirst = [...lines.slice(0, 9), ...lines.slice(11, 15), ...lines.slice(9, 11), ...lines.slice(15)].join('\n');
    expect(causalSteps(controlPlaneEvents(zebraFirst, PEERS, PREFIX), window, routeChanges(MONITOR, PREFIX))).toEqual({
      steps: CHAIN,
      fibMs: 338.6,
      unmatched: {},
    });
  });

  it('says which step cannot be matched instead of borrowing another chain’s, and leaves the later ones unmatched too', () => {
    // fra's path was not t-eu's best: its BGP down replaced nothing, so the flap's later run of best path is not the fault's.
    const notBest = controlPlaneEvents(
      FLAPS.replace('oldbest was 10.77.0.2\n2026/12/06 04:10:34.201591', 'oldbest was 10.77.0.43\n2026/12/06 04:10:34.201591'),
      PEERS,
      PREFIX,
    );
    const c = causalSteps(notBest, window, routeChanges(FLAP_MONITOR, PREFIX));
    expect(c.steps).toEqual({ 'bfdd-down': 267.9, 'bgp-down': 268.2, bestpath: null, 'bgp-to-zebra': null, 'zebra-rib': null, 'zebra-kernel': null });
    expect(c.fibMs).toBeNull();
    expect(c.unmatched).toEqual({
      bestpath: "no best-path run replaced 10.77.0.2's path",
      'bgp-to-zebra': 'follows an unmatched step',
      'zebra-rib': 'follows an unmatched step',
      'zebra-kernel': 'follows an unmatched step',
      fib: 'follows an unmatched step',
    });
  });

  it('leaves out what happened before the window (a step of the previous trial) and after it (the failback)', () => {
    const c = causalSteps(events, { fromWallMs: zero + 1000, toWallMs: zero + 3500, zeroWallMs: zero });
    expect(c.steps['bfdd-down']).toBeNull();
    expect(c.unmatched['bfdd-down']).toBe('no BFD down of the faulted peer in the window');
    // Without a BFD down the chain starts at the peer's BGP down: the session reset after BFD came back up.
    expect(c.steps['bgp-down']).toBe(2053);
    expect(c.steps.bestpath).toBeNull();
  });

  it('ties the FIB change to the chain by its next hop, not by being first', () => {
    const c = causalSteps(events, window, routeChanges('[2026-12-06T04:10:34.211604] 192.0.2.0/24 nhid 9 via 10.77.0.51 dev eth5 proto bgp metric 20', PREFIX));
    expect(c.fibMs).toBeNull();
    expect(c.unmatched.fib).toBe('no FIB change to via 10.77.0.43 after the BGP down');
  });
});

describe('controlPlaneTimeline', () => {
  const steps = { 'bfdd-down': 267.9, 'bgp-down': 268.2, bestpath: 328.5, 'bgp-to-zebra': 328.6, 'zebra-rib': 338.8, 'zebra-kernel': 338.9 };
  const router = (name: string, cp: typeof steps | undefined, fib: number | null): RouterTiming => ({
    router: name,
    role: 'neighbour',
    bfdDownMs: null,
    holdExpiredMs: null,
    bgpDownMs: null,
    routeChangeMs: fib,
    ...(cp ? { controlPlane: { steps: cp, fibMs: fib, unmatched: {} } } : {}),
  });
  const client = (name: string, affected: boolean, detectMs: number | null, toPop: string) => ({ client: name, affected, detectMs, toPop }) as TrialClient;

  it('follows the neighbour that detected first, to the earliest affected client answered elsewhere', () => {
    const late = { ...steps, 'bfdd-down': 290 };
    const tl = controlPlaneTimeline(
      [router('t-us', late, 400), router('t-eu', steps, 338.6)],
      [client('c-us', false, 5, 'iad'), client('c-de', true, 352, 'iad')],
    )!;
    expect(tl.router).toBe('t-eu');
    expect(tl.fibMs).toBe(338.6);
    expect(tl.firstAnswerMs).toBe(352);
    expect(tl.unmatched).toBeUndefined();
    expect(tl.line).toBe(
      't-eu: BFD down +267.9 ms → BGP down +268.2 → bestpath +328.5 → to zebra +328.6 → zebra rib +338.8 → netlink +338.9 → FIB +338.6 → first iad answer +352.0',
    );
  });

  it('takes the first answer only after the chain’s FIB change: an affected client that moved before it moved for another reason', () => {
    const tl = controlPlaneTimeline([router('t-eu', steps, 338.6)], [client('c-br', true, 120, 'gru'), client('c-de', true, 352, 'iad')])!;
    expect(tl.firstAnswerMs).toBe(352);
    expect(tl.firstAnswerPop).toBe('iad');
  });

  it('says so when the chain breaks, rather than pairing it with an answer', () => {
    const broken: RouterTiming = {
      ...router('t-eu', undefined, 338.6),
      controlPlane: {
        steps: { ...steps, bestpath: null, 'bgp-to-zebra': null, 'zebra-rib': null, 'zebra-kernel': null },
        fibMs: null,
        unmatched: {
          bestpath: "no best-path run replaced 10.77.0.2's path",
          'bgp-to-zebra': 'follows an unmatched step',
          'zebra-rib': 'follows an unmatched step',
          'zebra-kernel': 'follows an unmatched step',
          fib: 'follows an unmatched step',
        },
      },
    };
    const tl = controlPlaneTimeline([broken], [client('c-de', true, 352, 'iad')])!;
    expect(tl.firstAnswerMs).toBeNull();
    expect(tl.unmatched?.['first-answer']).toBe('follows an unmatched step');
    expect(tl.line).toBe(
      "t-eu: BFD down +267.9 ms → BGP down +268.2 → bestpath unmatched (no best-path run replaced 10.77.0.2's path) → to zebra — → zebra rib — → netlink — → FIB — → first new answer —",
    );
    const noAnswer = controlPlaneTimeline([router('t-eu', steps, 338.6)], [client('c-de', true, 300, 'iad')])!;
    expect(noAnswer.line).toMatch(/FIB \+338\.6 → first new answer unmatched \(no affected client answered by another PoP after the FIB change\)$/);
  });

  it('is absent when no neighbour was traced', () => {
    expect(controlPlaneTimeline([router('t-eu', undefined, 338)], [])).toBeUndefined();
  });
});

describe('controlPlaneLine', () => {
  it('shows a step that was not logged as a dash', () => {
    const none = { 'bfdd-down': null, 'bgp-down': 9000, bestpath: null, 'bgp-to-zebra': null, 'zebra-rib': null, 'zebra-kernel': null };
    expect(controlPlaneLine({ router: 't-eu', steps: none, fibMs: null, firstAnswerMs: null })).toBe(
      't-eu: BFD down — ms → BGP down +9000.0 → bestpath — → to zebra — → zebra rib — → netlink — → FIB — → first new answer —',
    );
  });
});

describe('controlPlaneDebugCommands', () => {
  it('turns the log file to debugging and back, and every switch off again', () => {
    const on = controlPlaneDebugCommands(PREFIX, true);
    const off = controlPlaneDebugCommands(PREFIX, false);
    expect(on).toContain('log file /var/log/frr/frr.log debugging');
    expect(off).toContain('log file /var/log/frr/frr.log informational');
    expect(on.filter((c) => c.startsWith('debug ')).map((c) => `no ${c}`)).toEqual(off.filter((c) => c.startsWith('no debug ')));
    expect(on).toContain(`debug bgp bestpath ${PREFIX}`);
  });
});
