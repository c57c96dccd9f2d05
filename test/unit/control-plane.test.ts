import { describe, expect, it } from 'vitest';
import { type ControlPlaneStep, controlPlaneDebugCommands, controlPlaneEvents, controlPlaneLine, firstSteps } from '../../src/experiment/control-plane.js';
import type { RouterTiming, TrialClient } from '../../src/experiment/failover-result.js';
import { parseFrrTime } from '../../src/experiment/router-events.js';
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

describe('firstSteps', () => {
  // The fault 267.857 ms before bfdd's down (FRR logs UTC wall-clock; the runner converts with the host's wall−monotonic offset).
  const zero = parseFrrTime('2026/12/06 04:10:33.873000')!;
  const events = controlPlaneEvents(LOG, PEERS, PREFIX);

  it('gives each step its first instant in the window, 0.1 ms, relative to the fault', () => {
    expect(firstSteps(events, { fromWallMs: zero - 5, toWallMs: zero + 1900, zeroWallMs: zero })).toEqual({
      'bfdd-down': 267.9,
      'bgp-down': 268.2,
      bestpath: 328.5,
      'bgp-to-zebra': 328.6,
      'zebra-rib': 338.8,
      'zebra-kernel': 338.9,
    });
  });

  it('leaves out what happened before the window (a step of the previous trial) and after it (the failback)', () => {
    const t = firstSteps(events, { fromWallMs: zero + 1000, toWallMs: zero + 3500, zeroWallMs: zero });
    expect(t['bfdd-down']).toBeNull();
    expect(t['bgp-down']).toBe(2053);
    expect(t.bestpath).toBe(3106.4);
  });
});

describe('controlPlaneTimeline', () => {
  const steps = { 'bfdd-down': 267.9, 'bgp-down': 268.2, bestpath: 328.5, 'bgp-to-zebra': 328.6, 'zebra-rib': 338.8, 'zebra-kernel': 338.9 };
  const router = (name: string, cp: typeof steps | undefined, route: number | null): RouterTiming => ({
    router: name,
    role: 'neighbour',
    bfdDownMs: null,
    holdExpiredMs: null,
    bgpDownMs: null,
    routeChangeMs: route,
    ...(cp ? { controlPlane: cp } : {}),
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
    expect(tl.line).toBe(
      't-eu: BFD down +267.9 ms → BGP down +268.2 → bestpath +328.5 → to zebra +328.6 → zebra rib +338.8 → netlink +338.9 → FIB +338.6 → first iad answer +352.0',
    );
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
