// Console report of a failover experiment: one row per trial and affected
// client, router-side instants, then the spread against the bound. Pure.
import type { FailoverResult, FamilyFailover } from '../experiment/failover-result.js';
import type { FailoverSummary } from '../experiment/failover-summary.js';
import type { Stats } from '../experiment/stats.js';
import type { CollectorSeen } from '../lab/collector.js';
import { formatMs, formatTable } from '../util/format.js';

/** Verdicts that are findings: shown even for clients that should not move, in their own colour on a terminal. */
const FINDING = new Set(['collateral', 'flapped', 'lost', 'not-moved', 'no-baseline']);
const MAGENTA = (s: string) => `\x1b[35m${s}\x1b[0m`;

/**
 * The fault as a run's header names it: with the family it hit on a
 * dual-stack lab (`service (ipv6 only)`, as the trial lines say it, or
 * `freeze (both families)`); the bare mode on an [ipv4] lab.
 */
export function faultLabel(r: Pick<FailoverResult, 'fault' | 'faultFamily'>): string {
  if (r.faultFamily === undefined) return r.fault;
  return `${r.fault} (${r.faultFamily === 'both' ? 'both families' : `${r.faultFamily} only`})`;
}

export function renderFailoverReport(r: FailoverResult, opts: { color?: boolean } = {}): string {
  const lines: string[] = [];
  lines.push(
    `failover: ${faultLabel(r)} ${r.pop} (lab ${r.lab}), BFD ${r.bfd}, keepalive ${r.timers.keepaliveS} s / hold ${r.timers.holdS} s, ${r.trials.length} trial${r.trials.length === 1 ? '' : 's'}`,
    `random fault phase: uniform over ${r.phaseSpanMs} ms, seed ${r.seed} (replay: --seed ${r.seed})`,
    ...(r.family ? [`family: ${r.ipv6 ? `${r.family} below, ipv6 after it; both probed at the same rate in the same trials` : r.family}`] : []),
    '',
  );
  const header = [
    'trial',
    'phase',
    'client',
    'from',
    'to',
    'status',
    'failover',
    'detect',
    'outage',
    'lost',
    'PoPs',
    'tcp',
    'http',
    'streams',
    'failback',
    'router (detect/session down, route)',
  ];
  const align = ['r', 'r', 'l', 'l', 'l', 'l', 'r', 'r', 'r', 'r', 'l', 'r', 'r', 'l', 'r', 'l'] as const;
  const rows: string[][] = [];
  const findingRows = new Set<number>();
  for (const t of r.trials) {
    const router = t.routers
      .map((x) => `${x.router} ${x.role === 'neighbour' ? `${ms(x.bfdDownMs ?? x.holdExpiredMs)}/${ms(x.bgpDownMs)}, ` : ''}${ms(x.routeChangeMs)}`)
      .join('; ');
    // Movers always; a client that should have stayed only when the fault touched it.
    t.clients
      .filter((c) => c.affected || FINDING.has(c.status))
      .forEach((c, i) => {
        const s = c.streams;
        if (FINDING.has(c.status)) findingRows.add(rows.length);
        rows.push([
          String(t.trial),
          i === 0 ? ms(t.phaseDelayMs) : '',
          c.client,
          c.fromPop ?? '-',
          c.toPop ?? '-',
          c.status,
          ms(c.failoverMs),
          ms(c.detectMs),
          ms(c.outageMs),
          String(c.lostProbes),
          c.popSequence.join('→'),
          ms(c.tcpDns.failoverMs),
          ms(c.http.failoverMs),
          `${s.reset}R ${s.timeout}T ${s.otherEnd}E ${s.survivedOnFailedPop}S/${s.onFailedPop}`,
          ms(c.failbackMs),
          i === 0 ? router : '',
        ]);
      });
  }
  const table = formatTable(header, rows, [...align]).split('\n');
  // Header and rule come first; colour whole rows so the columns stay aligned.
  lines.push(...table.map((l, i) => (opts.color && findingRows.has(i - 2) ? MAGENTA(l) : l)));
  lines.push('(streams: long-lived TCP on the failed PoP: R reset, T timed out, E other end, S survived / total; outage: longest time answers were lost)');
  lines.push('');
  const traced = r.trials.filter((t) => t.controlPlane);
  if (traced.length) {
    lines.push('control plane (ms from the fault; FRR debug log, kernel FIB from ip monitor, first answer from the probes):');
    for (const t of traced) lines.push(`  trial ${t.trial}: ${t.controlPlane?.line}`);
    lines.push('');
  }
  const heard = r.trials.filter((t) => t.collector);
  if (heard.length) {
    lines.push(
      `route collector (the world outside the operator): per trial, the first update of the anycast prefix each transit sent after the fault / the restore`,
    );
    for (const t of heard)
      lines.push(`  trial ${t.trial}: ${collectorLine(t.collector?.fault ?? [])}  |  restore: ${collectorLine(t.collector?.restore ?? [])}`);
    lines.push('');
  }

  const s = r.summary;
  const verdicts = Object.entries(s.statuses)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  const bad = Object.entries(s.statuses).filter(([k, n]) => k !== 'moved' && k !== 'stayed-ok' && n > 0).length > 0;
  lines.push(`every client, every trial: ${bad && opts.color ? MAGENTA(verdicts) : verdicts}`);
  lines.push(`clients that should stay: longest outage ${stats(s.nonMoverOutageMs)} (probe interval ${r.probeIntervalMs} ms)`);
  lines.push(`failover (last answer from the old PoP → first from the new), ${s.moved}/${s.affected} client-trials moved:`);
  for (const [client, c] of Object.entries(s.perClient)) lines.push(`  ${client.padEnd(8)} ${stats(c.failoverMs)}`);
  lines.push(`  ${'all'.padEnd(8)} ${stats(s.failoverMs)}`);
  lines.push(`detect (fault → first new answer): ${stats(s.detectMs)}`);
  lines.push(`bound: ${ms(s.bound.ms)} (${s.bound.basis}); measured/bound p50 ${ratio(s.ratio.p50)}, p95 ${ratio(s.ratio.p95)}, max ${ratio(s.ratio.max)}`);
  lines.push(`failback (restore → first answer from ${r.pop} again): ${stats(s.failbackMs)}`);

  const all = r.trials.flatMap((t) => t.clients);
  const onFailed = all.reduce((n, c) => n + c.streams.onFailedPop, 0);
  const ended = all.reduce((n, c) => n + c.streams.onFailedPop - c.streams.survivedOnFailedPop, 0);
  const moved = all.reduce((n, c) => n + c.streams.reconnectedToNewPop, 0);
  const others = all.reduce((n, c) => n + c.streams.onOtherPops, 0);
  const survived = all.reduce((n, c) => n + c.streams.survivedOnOtherPops, 0);
  lines.push(`streams: ${ended}/${onFailed} on ${r.pop} ended, ${moved} reconnected to another PoP; ${survived}/${others} on other PoPs survived`);
  const rates = all.map((c) => c.probes.udpPerS);
  const lost = all.reduce((n, c) => n + (c.probes.lostSamples ?? 0), 0);
  lines.push(`probes: UDP ${Math.min(...rates)}–${Math.max(...rates)}/s per client, ${lost} samples lost in transfer`);
  const baseline = r.trials.map((t) => t.baselineAfterMs).filter((v): v is number => v !== null);
  if (baseline.length) lines.push(`back at baseline after restore: ${Math.min(...baseline)}–${Math.max(...baseline)} ms`);
  if (r.ipv6) lines.push('', ...familyLines(r, r.ipv6));
  const svgs = r.trials.map((t) => t.svg).filter(Boolean);
  if (svgs.length) lines.push(`timelines: ${r.outDir} (${svgs.length} SVG; report.html: the CDF and every timeline on one page)`);
  return `${lines.join('\n')}\n`;
}

const ms = formatMs;
const ratio = (v: number | null): string => (v === null ? '-' : `${v.toFixed(2)}×`);
const stats = (s: Stats): string => (s.n === 0 ? 'n=0' : `n=${s.n}  p50 ${ms(s.p50)}  p95 ${ms(s.p95)}  max ${ms(s.max)}  min ${ms(s.min)}`);

/**
 * A dual-stack run: the IPv6 movers trial by trial, then both families side
 * by side (the same trials, the same probe rate), and IPv6's p50 as a
 * multiple of IPv4's.
 */
function familyLines(r: FailoverResult, v6: FamilyFailover): string[] {
  const lines = ['ipv6, the same trials:'];
  for (const t of v6.trials) {
    const movers = t.clients.filter((c) => c.affected || FINDING.has(c.status));
    const each = movers.map(
      (c) => `${c.client} ${c.fromPop ?? '-'}→${c.toPop ?? '?'} ${c.status} failover ${ms(c.failoverMs)} detect ${ms(c.detectMs)} outage ${ms(c.outageMs)}`,
    );
    lines.push(`  trial ${t.trial}: ${each.length ? each.join('; ') : 'no client on the PoP over ipv6'}; failback ${ms(t.failbackMs)}`);
  }
  const fib = r.trials.map((t) =>
    t.routers
      .filter((x) => x.routeChange6Ms !== undefined)
      .map((x) => `${x.router} ${ms(x.routeChange6Ms ?? null)}`)
      .join('; '),
  );
  if (fib.some((f) => f))
    lines.push(`  /48 FIB change per watched router, ms from the fault: ${fib.map((f, i) => `trial ${r.trials[i].trial}: ${f || '-'}`).join('  |  ')}`);
  const top = r.family ?? 'ipv4';
  const cols: [string, FailoverSummary][] = [
    [top, r.summary],
    ['ipv6', v6.summary],
  ];
  const row = (name: string, f: (s: FailoverSummary) => string) => [name, ...cols.map(([, s]) => f(s))];
  const table = formatTable(
    ['per family', ...cols.map(([f]) => f)],
    [
      row('moved', (s) => `${s.moved}/${s.affected}`),
      row('failover p50', (s) => ms(s.failoverMs.p50)),
      row('failover p95', (s) => ms(s.failoverMs.p95)),
      row('failover max', (s) => ms(s.failoverMs.max)),
      row('detect p50', (s) => ms(s.detectMs.p50)),
      row('outage max', (s) => ms(s.outageMs.max)),
      row('failback p50', (s) => ms(s.failbackMs.p50)),
      row('measured/bound p50', (s) => ratio(s.ratio.p50)),
    ],
    ['l', 'r', 'r'],
  );
  const a = r.summary.failoverMs.p50;
  const b = v6.summary.failoverMs.p50;
  lines.push('', table);
  if (a !== null && b !== null && a > 0) lines.push(`ipv6 p50 / ${top} p50: ${(b / a).toFixed(2)}×`);
  return lines;
}

/** `t-eu announce 65010 65020 64500 +342 ms; t-us —` style, or "no update heard". */
function collectorLine(seen: readonly CollectorSeen[]): string {
  if (!seen.length) return 'no update heard';
  return seen
    .map((x) => `${x.from} ${x.update === 'withdraw' ? 'withdraw' : `path ${x.asPath.join(' ')}`} ${x.afterFaultMs >= 0 ? '+' : ''}${x.afterFaultMs} ms`)
    .join('; ');
}
