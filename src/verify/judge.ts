// A failover result against a verify case's bounds: one verdict per bound,
// the measured value beside it. Pure: measured result + bounds → verdicts.
// `detectionBound` (the theoretical detection time) is deliberately not a
// gate: the client-visible p50 is 1.06–1.40× it on the default lab.
import type { TrialClient } from '../experiment/failover-result.js';
import { summarize } from '../experiment/stats.js';
import type { VerifyBounds, VerifyCase } from '../topology/model.js';
import { formatMs } from '../util/format.js';

export interface Verdict {
  /** What is gated: "p50", "max", "collateral", "expect c-de", … */
  bound: string;
  /** The bound as written for a person: "≤ 450 ms", "iad", "≤ 0". */
  limit: string;
  /** The measured value as shown ("312 ms", "10/10 on iad"); `value` is the number behind it (null: nothing measured). */
  measured: string;
  value: number | null;
  pass: boolean;
}

/** What judge() reads of a failover result: every trial's clients. */
export interface JudgedRun {
  trials: { trial: number; clients: JudgedClient[] }[];
}

type JudgedClient = Pick<
  TrialClient,
  'client' | 'affected' | 'status' | 'toPop' | 'failoverMs' | 'failbackOutageMs' | 'lostProbes' | 'failedAfterFault' | 'popChanges'
>;

/** Failover-time bounds, in the order a table lists them. */
const TIME_BOUNDS = [
  ['p50', 'p50Ms'],
  ['p95', 'p95Ms'],
  ['max', 'maxMs'],
] as const;

const COUNT_BOUNDS = ['collateral', 'flaps', 'lost'] as const satisfies readonly (keyof VerifyBounds)[];

export function judge(c: Pick<VerifyCase, 'expect' | 'bounds'>, run: JudgedRun): Verdict[] {
  const clients = run.trials.flatMap((t) => t.clients.map((cl) => ({ ...cl, trial: t.trial })));
  const expected = Object.keys(c.expect);
  // The movers judged for time: the clients the case names, else every client that was on the failed PoP.
  const movers = clients.filter((cl) => (expected.length ? expected.includes(cl.client) : cl.affected));
  const verdicts: Verdict[] = expected.map((client) => catchmentVerdict(client, c.expect[client], clients));
  const times = summarize(movers.filter((m) => m.status === 'moved' && m.failoverMs !== null).map((m) => m.failoverMs as number));
  for (const [name, key] of TIME_BOUNDS) {
    const limit = c.bounds[key];
    if (limit !== undefined) verdicts.push(timeVerdict(name, limit, times[name], `no client moved (${movers.length} judged)`));
  }
  if (c.bounds.failbackMs !== undefined) verdicts.push(failbackVerdict(c.bounds.failbackMs, movers));
  const measured = countsOf(clients, movers);
  for (const name of COUNT_BOUNDS) {
    const limit = c.bounds[name];
    if (limit !== undefined)
      verdicts.push({ bound: name, limit: `≤ ${limit}`, measured: String(measured[name]), value: measured[name], pass: measured[name] <= limit });
  }
  return verdicts;
}

/** What judgeFamilies() reads: the top-level family's run, and IPv6's beside it (`--family both`). */
export interface JudgedFamilies extends JudgedRun {
  /** Absent on an [ipv4] lab's result: its verdicts keep their names. */
  family?: 'ipv4' | 'ipv6';
  ipv6?: JudgedRun;
}

/**
 * The bounds apply to each family on its own: a dual-stack run gets every
 * verdict once per family, named `ipv4 p50`, `ipv6 p50`, …; an [ipv4] lab's
 * run is judged exactly as judge() does.
 */
export function judgeFamilies(c: Pick<VerifyCase, 'expect' | 'bounds'>, run: JudgedFamilies): Verdict[] {
  if (run.family === undefined) return judge(c, run);
  const named = (family: string, vs: Verdict[]) => vs.map((v) => ({ ...v, bound: `${family} ${v.bound}` }));
  return [...named(run.family, judge(c, run)), ...(run.ipv6 ? named('ipv6', judge(c, run.ipv6)) : [])];
}

/** Every trial, the client moved once and landed on `pop`. */
function catchmentVerdict(client: string, pop: string, clients: (JudgedClient & { trial: number })[]): Verdict {
  const mine = clients.filter((cl) => cl.client === client);
  const ok = mine.filter((cl) => cl.status === 'moved' && cl.toPop === pop && cl.popChanges === 1);
  const wrong = mine.filter((cl) => !ok.includes(cl)).map((cl) => `trial ${cl.trial}: ${cl.status}${cl.toPop ? ` to ${cl.toPop}` : ''}`);
  const measured = `${ok.length}/${mine.length} on ${pop}${wrong.length ? ` (${wrong.slice(0, 3).join('; ')}${wrong.length > 3 ? '; …' : ''})` : ''}`;
  return { bound: `expect ${client}`, limit: pop, measured, value: ok.length, pass: mine.length > 0 && ok.length === mine.length };
}

function timeVerdict(bound: string, limitMs: number, value: number | null, missing: string): Verdict {
  return { bound, limit: `≤ ${formatMs(limitMs)}`, measured: value === null ? missing : formatMs(value), value, pass: value !== null && value <= limitMs };
}

/** The longest gap around the failback of any mover; a mover that never came back fails it. */
function failbackVerdict(limitMs: number, movers: JudgedClient[]): Verdict {
  const gaps = movers.map((m) => m.failbackOutageMs ?? null);
  if (gaps.length === 0) return timeVerdict('failback', limitMs, null, 'no client judged');
  if (gaps.some((g) => g === null)) return timeVerdict('failback', limitMs, null, `${gaps.filter((g) => g === null).length} never came back`);
  return timeVerdict('failback', limitMs, Math.max(...(gaps as number[])), '');
}

/**
 * collateral: client-trials the fault should not touch that did not stay ok
 * (flaps counted apart); flaps: client-trials with more than one PoP change
 * while judged; lost: probes lost outside the move (a mover's after its
 * failover gap, every lost probe of the others).
 */
function countsOf(clients: JudgedClient[], movers: JudgedClient[]): Record<(typeof COUNT_BOUNDS)[number], number> {
  const isMover = (cl: JudgedClient) => movers.includes(cl) || cl.affected;
  return {
    collateral: clients.filter((cl) => !isMover(cl) && cl.status !== 'stayed-ok' && cl.status !== 'flapped').length,
    flaps: clients.filter((cl) => cl.status === 'flapped').length,
    lost: clients.reduce((n, cl) => n + (isMover(cl) ? Math.max(0, cl.failedAfterFault - cl.lostProbes) : cl.lostProbes), 0),
  };
}

/** The first failed verdict of each case, as one line: what a CI log shows. */
export const failureLine = (caseName: string, v: Verdict): string => `${caseName}: ${v.bound} measured ${v.measured}, bound ${v.limit}`;
