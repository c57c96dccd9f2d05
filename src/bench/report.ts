// `npm run bench -- report [--check]`: the numbers of README.md and docs/*.md, regenerated from
// the committed result files under bench/results/. Each generated block sits
// between `<!-- bench:<id> -->` and `<!-- /bench:<id> -->` and names the file
// it came from; nothing between the markers is written by hand. `--check`
// (and a unit test) fails when a doc differs from what the files say.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../errors.js';
import type { FailoverResult } from '../experiment/failover-result.js';
import { summarize } from '../experiment/stats.js';
import { ROLE_NAMES, roleSpec } from '../topology/roles/registry.js';
import type { RemedyBenchResult } from './bfd-remedy.js';
import type { CliBenchResult } from './cli-start.js';
import { type BenchRow, othersHurt, type runFailoverBench } from './failover.js';
import type { ResponderBenchResult } from './responder.js';
import type { SoakBenchResult, SoakRow } from './soak.js';
import type { Series, UpBenchResult } from './up.js';

/** A result file: its name under bench/results/ and its parsed JSON, unchecked until a block's `fits` says what it is. */
export interface ResultFile {
  name: string;
  doc: unknown;
}

export interface ReportBlock {
  id: string;
  /** Which bench's files, newest first, and whether one has what this block shows. */
  bench: string;
  fits(doc: unknown): boolean;
  /** `all`: every result file of the bench, newest first, for a block that merges runs. */
  render(doc: unknown, file: string, all?: ResultFile[]): string;
}

// What each bench writes to its result file: its result less the `file` it was written to.
type UpDoc = Omit<UpBenchResult, 'file'>;
type FailoverDoc = Omit<Awaited<ReturnType<typeof runFailoverBench>>, 'file'>;
type ResponderDoc = Omit<ResponderBenchResult, 'file'>;
type SoakDoc = Omit<SoakBenchResult, 'file'>;
type RemedyDoc = Omit<RemedyBenchResult, 'file'>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A block whose `fits` is a type guard, so `render` gets the doc typed; renderReport calls render only on a doc that fits. */
function block<D>(b: {
  id: string;
  bench: string;
  fits: (doc: unknown) => doc is D;
  render: (doc: D, file: string, all?: { name: string; doc: D }[]) => string;
}): ReportBlock {
  return {
    id: b.id,
    bench: b.bench,
    fits: b.fits,
    render: (doc, file, all) => {
      if (!b.fits(doc)) throw new LabError('USAGE', `bench/results/${file} does not have what block "${b.id}" shows`);
      return b.render(
        doc,
        file,
        all?.filter((f): f is { name: string; doc: D } => b.fits(f.doc)),
      );
    },
  };
}

const n = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '-' : Math.round(v).toLocaleString('en-US'));
const s1 = (ms: number): string => (ms / 1000).toFixed(1);
const source = (file: string, reproduce?: string) => `From \`bench/results/${file}\`${reproduce ? ` (\`${reproduce}\`)` : ''}.`;

const mb = (bytes: number): string => Math.round(bytes / 1e6).toLocaleString('en-US');

/** What `lab pack --json` wrote, with the command that made it. */
interface PackDoc {
  bytes: number;
  parts: { images: number; npmCache: number; project: number };
  ms: { total: number };
  reproduce?: string;
}

function packLine(doc: PackDoc, file: string): string {
  const p = doc.parts;
  return `${source(file, doc.reproduce)} One uncompressed tar of **${mb(doc.bytes)} MB**: the two images as a gzipped \`docker save\` (${mb(p.images)} MB), an npm cache with every package of \`package-lock.json\` (${mb(p.npmCache)} MB), the project (${mb(p.project)} MB); written in ${s1(doc.ms.total)} s.`;
}

type CliDoc = Omit<CliBenchResult, 'file'>;

function cliTable(doc: CliDoc, file: string): string {
  const row = (how: string, cmd: string, r: { medianMs: number; p90Ms: number; runs: number }) =>
    `| ${how} | \`${cmd}\` | ${n(r.medianMs)} | ${n(r.p90Ms)} | ${r.runs} |`;
  const st = doc.status;
  return [
    `${source(file, doc.reproduce)} ${doc.machine.cpus} cores; milliseconds from start to exit:`,
    '',
    '| how | command | median | p90 | runs |',
    '|---|---|---|---|---|',
    ...doc.help.rows.map((r) => row(r.how, r.cmd, r)),
    st.ran ? row(`${st.how}, lab up`, st.cmd, st) : `| status | did not run: ${st.reason} | | | |`,
  ].join('\n');
}

function upSample(doc: UpDoc, file: string): string {
  const p = doc.warmPhasesMedianMs;
  return [
    '```',
    `lab "${doc.lab.name}" is up and converged in ${s1(doc.warmMs.median)} s`,
    `  ${doc.lab.routers} routers, ${doc.lab.clients} clients; created ${doc.lab.containers ?? doc.lab.routers + doc.lab.clients} containers, ${doc.lab.networks} networks; kept 0`,
    `  phases (s since start): networks ${s1(p.networks)}, containers started ${s1(p.start)}, FRR config verified ${s1(p.configVerified)}, BGP ${s1(p.bgpEstablished)}, BFD ${s1(p.bfdUp)}, routes ${s1(p.routesInstalled)}, clients answered ${s1(p.clientsAnswered)}`,
    '```',
    '',
    `(The last lines show the medians of \`npm run bench -- up\`. ${source(file)} See docs/benchmarks.md.)`,
  ].join('\n');
}

function upTable(doc: UpDoc, file: string): string {
  const range = (x: Series) => `${n(x.median)} (${n(x.min)}–${n(x.max)})`;
  const p = doc.warmPhasesMedianMs;
  const rows = [
    ['Docker floor (the same networks + bare containers, through the API)', range(doc.floorMs)],
    ...(doc.cliFloorMs ? [['the same floor through the `docker` CLI', range(doc.cliFloorMs)]] : []),
    [
      'warm `up` from nothing to clients answered',
      `${range(doc.warmMs)} (**${doc.ratioToFloor}× the floor**${doc.ratioToCliFloor ? `, ${doc.ratioToCliFloor}× the CLI floor` : ''})`,
    ],
    ['`up` again, nothing changed', range(doc.reupMs)],
    ['`down` (containers, networks, host rules)', range(doc.downMs)],
    ...(doc.coldMs?.ms?.length
      ? [[`cold \`up\` (images built first; ${doc.coldMs.ms.length} run${doc.coldMs.ms.length > 1 ? 's' : ''})`, n(doc.coldMs.median)]]
      : []),
    ...(doc.contention
      ? [
          [
            `warm \`up\` with two CPU-bound processes running (${doc.contention.runs} runs: **${doc.contention.converged} converged**)`,
            range(doc.contention.ms),
          ],
        ]
      : []),
  ];
  const out = [
    `${source(file, doc.reproduce)} ${doc.machine.cpus} cores, medians of ${doc.reps} (min–max):`,
    '',
    '| | ms |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    '',
  ];
  out.push(
    `Where the warm \`up\` goes (ms since start, medians): networks ${n(p.networks)}, containers created ${n(p.create)} and started ${n(p.start)}, FRR up with its config verified on every router ${n(p.configVerified)}, BGP Established ${n(p.bgpEstablished)}, BFD up ${n(p.bfdUp)}, routes installed ${n(p.routesInstalled)}, every client answered by its expected PoP ${n(p.clientsAnswered)}.`,
  );
  if (doc.cpuS && doc.cpuWhere) {
    const c = doc.cpuWhere;
    const roles = Object.entries(c.containersByRole as Record<string, number>)
      .map(([k, v]) => `${k} containers ${v}`)
      .join(', ');
    out.push(
      '',
      `Where its CPU goes: the whole machine spent ${doc.cpuS.warm} CPU-seconds on a warm \`up\` against ${doc.cpuS.floor} for the floor. On ${doc.cpuS.cores} cores no \`up\` doing that work can take less than ${doc.cpuS.warm} / ${doc.cpuS.cores} s, **${doc.cpuBoundRatio}× the floor**. Of the run with the median time: dockerd ${c.engine.dockerd}, containerd ${c.engine.containerd}, the container shims (with the \`docker exec\` processes they reap) ${c.engine.shims}, ${roles}, the orchestrator ${c.orchestratorS} CPU-seconds (a process run by \`docker exec\` counts in its container and in its shim, so the parts add up to more than the whole).`,
    );
  }
  return out.join('\n');
}

/** With several runs of a size, the spread of their ratios beside the median. */
function runsRange(runs: { ratio: number }[] | undefined): string {
  if (!runs || runs.length < 2) return '';
  const r = runs.map((x) => x.ratio);
  return ` (${runs.length} runs: ${Math.min(...r)}–${Math.max(...r)}×)`;
}

export function scaleTable(doc: Pick<UpDoc, 'scale' | 'reproduce'>, file: string): string {
  // Result files from before the per-size floor have no floor column.
  const floors = doc.scale.some((s) => s.floorMs !== undefined);
  // And from before the idle window (2026-12-07), no idle column.
  const idle = doc.scale.some((s) => s.idle !== undefined);
  const rows = doc.scale.map(
    (s) =>
      `| ${s.pops} / ${s.transits} / ${s.eyeballs} | ${s.routers} | ${n(s.upMs)} |${floors ? ` ${n(s.floorMs)} | ${s.ratioToFloor ?? '-'}×${runsRange(s.runs)} |` : ''} ${s.routerMemMB.median} / ${s.routerMemMB.max} | ${ROLE_NAMES.map((r) => s.routerMemMB.byRole[r] ?? '-').join(' / ')} |${idle ? ` ${s.idle?.busyPct ?? '-'} |` : ''}`,
  );
  return [
    `${source(file, doc.reproduce)}`,
    '',
    `| PoPs / transits / eyeballs | routers | \`up\` ms |${floors ? ' its Docker floor, ms | `up` / floor |' : ''} router MB, median / max | ${ROLE_NAMES.map((r) => roleSpec(r).title.one).join(' / ')} MB |${idle ? ' machine busy once up, idle, % |' : ''}`,
    `|---|---|---|${floors ? '---|---|' : ''}---|---|${idle ? '---|' : ''}`,
    ...rows,
  ].join('\n');
}

/** The command that reproduces a failover bench file. A lab other than the default one is named, as is a PoP other than fra. */
function failoverReproduce(doc: FailoverDoc): string {
  const lab = doc.lab && doc.lab !== 'default' ? ` --lab ${doc.lab}` : '';
  const pop = doc.pop && doc.pop !== 'fra' ? ` --pop ${doc.pop}` : '';
  return `npm run bench -- failover${lab}${pop} --trials ${doc.trialsPerCase}${doc.modes ? ` --modes ${doc.modes}` : ''}${doc.bfds ? ` --bfd ${doc.bfds}` : ''}`;
}

const FAILOVER_INTRO =
  'Client-visible failover in ms, per affected client and trial; each fault after a random delay over one BFD interval (one keepalive interval without BFD):';

function failoverRowsMd(rows: BenchRow[]): string[] {
  const ms = (v: number | null) => (v === null || !Number.isFinite(v) ? '-' : String(Math.round(v)));
  const x = (v: number | null) => (v === null ? '-' : v.toFixed(2));
  const bfd = (r: BenchRow) => (r.bfd === 'off' ? `off (hold ${r.boundMs / 1000} s)` : r.bfd);
  // Dual-stack benches: a family column, IPv4 and IPv6 rows side by side; files from [ipv4] labs keep their table.
  const dual = rows.some((r) => r.family);
  const fam = (r: BenchRow) => (dual ? ` ${r.family ?? '-'} |` : '');
  return [
    `| fault | BFD |${dual ? ' family |' : ''} trials | min | p50 | p95 | max | bound | p50 / bound | transit saw it (p50) | other clients hurt |`,
    `|---|---|${dual ? '---|' : ''}---|---|---|---|---|---|---|---|---|`,
    ...rows.map((r) =>
      r.error
        ? `| ${r.fault} | ${bfd(r)} |${fam(r)} did not run: ${r.error.replace(/\|/g, '/')} | | | | | | | | |`
        : `| ${r.fault} | ${bfd(r)} |${fam(r)} ${r.trials} | ${ms(r.failoverMs.min)} | ${ms(r.failoverMs.p50)} | ${ms(r.failoverMs.p95)} | ${ms(r.failoverMs.max)} | ${ms(r.boundMs)} | ${x(r.ratio.p50)} | ${ms(r.routerDetectMs.p50)} | ${othersHurt(r)} |`,
    ),
  ];
}

function failoverTable(doc: FailoverDoc, file: string): string {
  return [`${source(file, failoverReproduce(doc))} ${FAILOVER_INTRO}`, '', ...failoverRowsMd(doc.rows)].join('\n');
}

/**
 * The default lab's matrix, merged: each case (fault × BFD) from the newest
 * file of the same lab and PoP that ran it, in the order of the files before.
 * A rerun of a few cases then replaces their rows and leaves the others'
 * standing, each row's file named; the full matrix takes hours on 2 cores.
 */
export function mergeFailover(all: { name: string; doc: FailoverDoc }[]): { rows: BenchRow[]; fileOf: string[]; files: { name: string; doc: FailoverDoc }[] } {
  const newest = all[0]?.doc;
  const same = all.filter((f) => f.doc.lab === newest?.lab && f.doc.pop === newest?.pop);
  const byCase = new Map<string, { row: BenchRow; file: string }>();
  // Oldest first: a newer file's row takes the older one's place (a Map keeps the first insertion's position).
  // A dual-stack run gives its IPv4 row (and a case that did not run, which has no family): the matrix is per case.
  for (const f of [...same].reverse())
    for (const row of f.doc.rows.filter((r) => r.family === undefined || r.family === 'ipv4')) {
      const { family: _, ...perCase } = row;
      byCase.set(`${row.fault} ${row.bfd}`, { row: perCase, file: f.name });
    }
  const used = new Set([...byCase.values()].map((v) => v.file));
  return {
    rows: [...byCase.values()].map((v) => v.row),
    fileOf: [...byCase.values()].map((v) => v.file),
    files: same.filter((f) => used.has(f.name)),
  };
}

function failoverMatrix(doc: FailoverDoc, file: string, all: { name: string; doc: FailoverDoc }[] = []): string {
  const m = mergeFailover(all.length ? all : [{ name: file, doc }]);
  if (m.files.length <= 1) return failoverTable(m.files[0]?.doc ?? doc, m.files[0]?.name ?? file);
  // Newest first; every file but the oldest says which rows it gave.
  const [oldest, ...newer] = [...m.files].reverse();
  const casesOf = (name: string) =>
    m.rows
      .filter((_, i) => m.fileOf[i] === name)
      .map((r) => `${r.fault} ${r.bfd}`)
      .join(', ');
  const from = [
    ...newer.reverse().map((f) => `${casesOf(f.name)} from \`bench/results/${f.name}\` (\`${failoverReproduce(f.doc)}\`)`),
    `the rest from \`bench/results/${oldest.name}\` (\`${failoverReproduce(oldest.doc)}\`)`,
  ];
  return [`${from.join('; ')}. ${FAILOVER_INTRO}`, '', ...failoverRowsMd(m.rows)].join('\n');
}

/**
 * A dual-stack bench: the table with a family column, and per case how far
 * IPv6's p50 is from IPv4's in the same trials (issue #24 asks for within 10 %).
 */
function failoverDualTable(doc: FailoverDoc, file: string): string {
  const cases = [...new Set(doc.rows.map((r) => `${r.fault} ${r.bfd}`))];
  const gaps = cases.flatMap((c) => {
    const p50 = (f: string) => doc.rows.find((r) => `${r.fault} ${r.bfd}` === c && r.family === f && !r.error)?.failoverMs.p50;
    const v4 = p50('ipv4');
    const v6 = p50('ipv6');
    if (typeof v4 !== 'number' || typeof v6 !== 'number' || v4 <= 0) return [];
    const pct = ((v6 - v4) / v4) * 100;
    return [`${c}: ${n(v6)} vs ${n(v4)} ms, ${pct >= 0 ? '+' : '−'}${Math.abs(pct).toFixed(1)} %`];
  });
  return [
    failoverTable(doc, file),
    '',
    gaps.length ? `IPv6 p50 against IPv4 p50, same trials: ${gaps.join('; ')}.` : 'No case has both families measured.',
  ].join('\n');
}

/** One `lab failover` run's result.json, kept as a result file: its numbers in a sentence, and the route collector's clock beside them. */
function failoverRunText(doc: FailoverResult, file: string): string {
  const f = doc.summary.failoverMs;
  const movers = [...new Set(doc.trials.flatMap((t) => t.clients.filter((c) => c.affected).map((c) => c.client)))].join(', ');
  const heard = new Map<string, { ms: number[]; paths: Set<string> }>();
  for (const t of doc.trials)
    for (const x of t.collector?.fault ?? []) {
      const h = heard.get(x.from) ?? { ms: [], paths: new Set<string>() };
      h.ms.push(x.afterFaultMs);
      h.paths.add(x.update === 'withdraw' ? 'withdrawal' : `AS path ${x.asPath.join(' ')}`);
      heard.set(x.from, h);
    }
  const collector = [...heard.entries()].map(([from, h]) => {
    const st = summarize(h.ms);
    return `${from}'s update (${[...h.paths].join(' / ')}) ${n(st.min)}–${n(st.max)} ms after the fault (p50 ${n(st.p50)} ms, in ${h.ms.length} of ${doc.trials.length} trials)`;
  });
  const st = doc.summary.statuses;
  // The lab file's BFD (100x3) needs no flag; a run at another setting says which.
  const bfdFlag = doc.bfd === LAB_FILE_BFD ? '' : ` --bfd ${doc.bfd}`;
  return [
    `${source(file, `npm run lab -- failover --pop ${doc.pop} --fault ${doc.fault} --trials ${doc.trials.length}${bfdFlag}`)} ${doc.trials.length} ${doc.fault} faults of ${doc.pop}, BFD ${doc.bfd}:`,
    `${movers}'s failover${doc.family ? ` over ${doc.family}` : ''} (last answer from ${doc.pop} → first from another PoP) p50 ${n(f.p50)} ms, p95 ${n(f.p95)} ms, max ${n(f.max)} ms, min ${n(f.min)} ms, against a ${n(doc.bound.ms)} ms bound (${doc.bound.basis}).`,
    ...(doc.ipv6 ? [ipv6Sentence(doc.ipv6.summary.failoverMs)] : []),
    `The other clients, every trial: ${st['stayed-ok']} stayed on their PoP, ${st.collateral} hurt (collateral), ${st.flapped} flapped.`,
    collector.length ? `The route collector heard ${collector.join('; ')}.` : 'No route collector in this lab.',
  ].join('\n');
}

/** The IPv6 side of a dual-stack run, in the same words. */
const ipv6Sentence = (f: FailoverResult['summary']['failoverMs']): string =>
  `Over ipv6, in the same trials: p50 ${n(f.p50)} ms, p95 ${n(f.p95)} ms, max ${n(f.max)} ms, min ${n(f.min)} ms.`;

function responderTable(doc: ResponderDoc, file: string): string {
  const label: Record<string, string> = {
    responder: 'responder',
    dns2: `bare dns2 ${doc.versions.dns2}`,
    nsd: doc.versions.nsd?.replace(/^NSD version /, 'NSD ') ?? 'NSD',
  };
  const sp = (x: { median: number; min: number; max: number }, d: number, f = (v: number) => v.toFixed(d)) => `${f(x.median)} (${f(x.min)}–${f(x.max)})`;
  const rows = doc.servers.map((t) => `| ${label[t.name] ?? t.name} | ${sp(t.qps, 0, n)} | ${sp(t.p50Ms, 2)} | ${sp(t.p99Ms, 2)} |`);
  const env = doc.environment;
  return [
    `${source(file, `npm run bench -- responder --reps ${doc.reps}`)} Lab \`${doc.lab}\`, dnsperf from ${doc.client} into ${doc.pop}: ${doc.reps} runs of ${doc.durationS} s per server in rotating order after ${doc.warmupS} s of warm-up each, \`-c ${doc.dnsperf.clients} -q ${doc.dnsperf.outstanding}\`; ${doc.machine.pinning}; ${doc.machine.cores} cores. Median (min–max):`,
    '',
    '| server | qps | p50 ms | p99 ms |',
    '|---|---|---|---|',
    ...rows,
    '',
    `responder / dns2 = ${Math.round(doc.ratios.responderOverDns2 * 100)} % (target ≥ ${Math.round(doc.target.ratio * 100)} %), responder / NSD = ${Math.round(doc.ratios.responderOverNsd * 100)} %, of the medians. Versions: ${Object.entries(
      doc.versions,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(
        ', ',
      )}. Meanwhile the whole lab ran (${env.labContainers} containers; in the PoP: ${env.popProcesses.join(', ')}), host load ${env.loadBefore.toFixed(1)} → ${env.loadAfter.toFixed(1)}.`,
  ].join('\n');
}

/** Soak rows from several runs: the newest row of each BFD setting, with the files they came from. */
function mergeSoak(files: { name: string; doc: SoakDoc }[]): { rows: SoakRow[]; files: string[]; routers: number } {
  const rows: SoakRow[] = [];
  const used: string[] = [];
  for (const f of files) {
    const fresh = f.doc.rows.filter((r) => !rows.some((x) => x.bfd === r.bfd));
    if (fresh.length) used.push(f.name);
    rows.push(...fresh);
  }
  return { rows, files: used, routers: files[0]?.doc.routers ?? 0 };
}

function soakTable(_doc: SoakDoc, _file: string, all: { name: string; doc: SoakDoc }[] = []): string {
  const m = mergeSoak(all);
  const rows = m.rows.map((r) =>
    r.settled && r.idle && r.probed
      ? `| ${r.bfd} | ${r.idleS} s: ${r.idle.total.bfdDown} / ${r.idle.total.bgpDropped} | ${r.probedS} s: ${r.probed.total.bfdDown} / ${r.probed.total.bgpDropped} | ${n(r.probesLost)} of ${n(r.probesSent)} |`
      : `| ${r.bfd} | ${r.settled ? 'failed' : 'never settled'}: ${(r.error ?? '').replace(/\|/g, '/').replace(/\s+/g, ' ')} | | |`,
  );
  return [
    `From ${m.files.map((f) => `\`bench/results/${f}\``).join(' and ')} (\`${all
      .filter((f) => m.files.includes(f.name))
      .map((f) => f.doc.reproduce)
      .join(
        '` and `',
      )}\`). BFD session-down events / BGP session drops, summed over the ${m.routers} routers; \`@fra\`: the setting on fra's sessions only, every other session at the lab file's 100x3:`,
    '',
    '| BFD | idle | probed from every client | UDP probes lost |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function bfdRemedyTable(doc: RemedyDoc, file: string): string {
  const rows = doc.rows.map((r) =>
    r.error
      ? `| ${r.variant} | ${r.bfd} | cannot run: ${r.error.replace(/\|/g, '/')} | | |`
      : `| ${r.variant} | ${r.bfd} | ${r.bfdDown} / ${r.bgpDropped} | ${r.peersUpAtEnd} | ${r.load?.toFixed(1)} |`,
  );
  return [
    `${source(file, doc.reproduce)} ${doc.seconds} s per variant after ${doc.warmupSeconds} s, idle lab of ${doc.routers} routers; bfdd real-time = SCHED_FIFO 50 with ${(doc.rtBudgetUsPerRouter / 1000).toFixed(0)} ms of RT budget per second per router:`,
    '',
    '| variant | BFD | BFD down / BGP drops | BFD peers up at the end | load |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/**
 * `frr-hold-*.json`: one FRR knob on the path after BFD detection, measured
 * against FRR's default in alternating runs (docs/failover.md, "Where the time
 * goes after detection"). Written from the runs' `failover --json` results and
 * FRR's BFD counters on every router before and after each run.
 */
interface FrrHoldArm {
  setting: string;
  runs: number;
  trials: number;
  /** Affected client-trials, and how many of them moved (the failover figures are the movers'). */
  affected: number;
  moved: number;
  failoverMs: { min: number | null; p50: number | null; max: number | null };
  runP50s: (number | null)[];
  /** Medians over every trial of the detecting router's steps, ms (keys as in control-plane.ts, `a→b`). */
  stepMedianMs: Record<string, number | null>;
  othersHurt: number;
  runOthersHurt: number[];
  bfdDownsOnOtherRouters: number;
  runBfdDownsOnOtherRouters: number[];
}
interface FrrHoldDoc {
  /** What B changes: absent in the first files (zebra's RIB queue hold); `bgpd-holds`: the image's bgpd (runtime/bgpd-holds.ts). */
  knob?: 'bgpd-holds';
  reproduce: string;
  pop: string;
  fault: string;
  bfd: string;
  trialsPerRun: number;
  /** The arms' order, one letter per run, e.g. "ABABABAB, BABABABA" for two sessions. */
  order: string;
  detectingRouter: string;
  arms: Record<string, FrrHoldArm>;
}

function frrHoldTable(doc: FrrHoldDoc, file: string): string {
  const step = (a: FrrHoldArm, k: string) => {
    const v = a.stepMedianMs[k];
    return v === null || v === undefined ? '-' : v.toFixed(1);
  };
  const rows = Object.entries(doc.arms).map(
    ([id, a]) =>
      `| ${id} | ${a.setting} | ${a.runs} × ${doc.trialsPerRun} | ${a.moved}/${a.affected} | ${n(a.failoverMs.p50)} | ${n(a.failoverMs.max)} | ${a.runP50s.map(n).join(', ')} | ${step(a, 'bgp-down→bestpath')} | ${step(a, 'bgp-to-zebra→zebra-rib')} | ${step(a, 'fib→firstAnswer')} | ${a.othersHurt} (${a.runOthersHurt.join(', ')}) | ${a.bfdDownsOnOtherRouters} (${a.runBfdDownsOnOtherRouters.join(', ')}) |`,
  );
  return [
    `${source(file, doc.reproduce)} Each trial a ${doc.fault} of ${doc.pop} at BFD ${doc.bfd}; runs alternating A and B (${doc.order}), ${doc.trialsPerRun} trials each. Failover of the affected client in ms, and ${doc.detectingRouter}'s steps as medians over every trial, ms:`,
    '',
    '| | setting | runs × trials | moved | failover p50 | max | p50 per run | BGP down → best path | to zebra → zebra RIB | FIB → first answer | other clients hurt (per run) | BFD downs on other routers (per run) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** The default lab file's BFD: a failover-run file at it is the lab as shipped. */
const LAB_FILE_BFD = '100x3';
const isFailoverRun = (d: unknown): d is FailoverResult => isRecord(d) && Array.isArray(d.trials) && isRecord(d.summary) && typeof d.bfd === 'string';
const isFrrHold = (d: unknown): d is FrrHoldDoc => isRecord(d) && isRecord(d.arms) && typeof d.reproduce === 'string' && typeof d.bfd === 'string';
const hasRows = (d: unknown): d is { rows: unknown[] } => isRecord(d) && Array.isArray(d.rows);
const labOf = (d: object): unknown => (d as { lab?: unknown }).lab;
const hasFamilyRows = (d: { rows: unknown[] }): boolean => d.rows.some((r) => isRecord(r) && 'family' in r);
const failoverRows = (d: unknown): d is { rows: unknown[] } => hasRows(d) && d.rows.some((r) => isRecord(r) && 'statuses' in r);
const upReps = (d: unknown): d is Record<string, unknown> & { reps: number } => isRecord(d) && typeof d.reps === 'number' && d.reps >= 5;

export const REPORT_BLOCKS: ReportBlock[] = [
  block({ id: 'bfd-remedy', bench: 'bfd-remedy', fits: (d): d is RemedyDoc => hasRows(d), render: bfdRemedyTable }),
  block({ id: 'soak', bench: 'soak', fits: (d): d is SoakDoc => hasRows(d), render: soakTable }),
  block({ id: 'up-sample', bench: 'up', fits: (d): d is UpDoc => upReps(d) && !!d.warmPhasesMedianMs, render: upSample }),
  block({
    id: 'up',
    bench: 'up',
    fits: (d): d is UpDoc => upReps(d) && isRecord(d.coldMs) && Array.isArray(d.coldMs.ms) && d.coldMs.ms.length > 0 && !!d.contention,
    render: upTable,
  }),
  block({ id: 'up-scale', bench: 'up', fits: (d): d is UpDoc => isRecord(d) && Array.isArray(d.scale) && d.scale.length > 0, render: scaleTable }),
  block({
    id: 'failover',
    bench: 'failover',
    // The default lab is dual-stack: its runs have a row per family, and the matrix takes their IPv4 rows.
    fits: (d): d is FailoverDoc => failoverRows(d) && (labOf(d) === 'default' || !hasFamilyRows(d)),
    render: failoverMatrix,
  }),
  // A dual-stack lab's bench is its own block: a newer dual-stack file must not replace the default lab's matrix.
  block({
    id: 'failover-dual',
    bench: 'failover',
    fits: (d): d is FailoverDoc => failoverRows(d) && labOf(d) !== 'default' && hasFamilyRows(d),
    render: failoverDualTable,
  }),
  block({ id: 'failover-run', bench: 'failover-run', fits: (d): d is FailoverResult => isFailoverRun(d) && d.bfd === LAB_FILE_BFD, render: failoverRunText }),
  // The same run at BFD 20x3 on every session (issue #26's promise).
  block({ id: 'failover-run-20x3', bench: 'failover-run', fits: (d): d is FailoverResult => isFailoverRun(d) && d.bfd === '20x3', render: failoverRunText }),
  block({
    id: 'pack',
    bench: 'pack',
    fits: (d): d is PackDoc => isRecord(d) && typeof d.bytes === 'number' && isRecord(d.parts),
    render: packLine,
  }),
  block({
    id: 'cli',
    bench: 'cli',
    fits: (d): d is CliDoc => isRecord(d) && isRecord(d.help) && Array.isArray(d.help.rows),
    render: cliTable,
  }),
  // BFD on every session, and on the failed PoP's session only (`@pop`, the other sessions stay at the lab file's): two tables.
  block({ id: 'frr-hold', bench: 'frr-hold', fits: (d): d is FrrHoldDoc => isFrrHold(d) && !d.knob && !d.bfd.endsWith('@pop'), render: frrHoldTable }),
  block({ id: 'frr-hold-pop', bench: 'frr-hold', fits: (d): d is FrrHoldDoc => isFrrHold(d) && !d.knob && d.bfd.endsWith('@pop'), render: frrHoldTable }),
  block({ id: 'bgpd-hold-pop', bench: 'frr-hold', fits: (d): d is FrrHoldDoc => isFrrHold(d) && d.knob === 'bgpd-holds', render: frrHoldTable }),
  block({ id: 'responder', bench: 'responder', fits: (d): d is ResponderDoc => isRecord(d) && Array.isArray(d.servers), render: responderTable }),
];

/** Result files of one bench, newest first (names carry a sortable UTC timestamp). */
export function resultFiles(dir: string, bench: string): ResultFile[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${bench}-`) && f.endsWith('.json'))
    .sort()
    .reverse()
    .map((name) => ({ name, doc: JSON.parse(readFileSync(join(dir, name), 'utf8')) }));
}

/**
 * The README with every generated block rewritten. Pure: the text and the
 * files in, the text out. A marker whose block has no fitting result file is
 * an error, not an old number left standing.
 */
export function renderReport(
  readme: string,
  filesOf: (bench: string) => ResultFile[],
  blocks = REPORT_BLOCKS,
  docName = 'README.md',
): { text: string; used: Record<string, string> } {
  const used: Record<string, string> = {};
  let text = readme;
  for (const b of blocks) {
    const open = `<!-- bench:${b.id} -->`;
    const close = `<!-- /bench:${b.id} -->`;
    const start = text.indexOf(open);
    if (start < 0) continue;
    const end = text.indexOf(close, start);
    if (end < 0) throw new LabError('USAGE', `${docName}: ${open} has no ${close}`);
    const all = filesOf(b.bench).filter((f) => b.fits(f.doc));
    const file = all[0];
    if (!file) throw new LabError('USAGE', `${docName}: no result file in bench/results/ for block "${b.id}" (run \`npm run bench -- ${b.bench}\` first)`);
    used[b.id] = file.name;
    text = `${text.slice(0, start + open.length)}\n${b.render(file.doc, file.name, all)}\n${text.slice(end)}`;
  }
  return { text, used };
}

export interface ReportBenchResult {
  /** The docs (relative to the repo) whose text changed, or would with `check`. */
  changed: string[];
  check: boolean;
  /** Block id → the result file it came from. */
  blocks: Record<string, string>;
}

/** README.md and every Markdown file under docs/: the pages a generated block may sit in. */
export function reportDocs(repoRoot: string): string[] {
  const docs = readdirSync(join(repoRoot, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => join('docs', f));
  return ['README.md', ...docs];
}

/**
 * Rewrites every doc in `docs` (paths relative to `repoRoot`) from the files in
 * `resultsDir`; with `check`, only compares, and throws OUT_OF_DATE naming the
 * docs that differ.
 */
export function runReportBench(o: { repoRoot: string; docs: string[]; resultsDir: string; check: boolean }): ReportBenchResult {
  const blocks: Record<string, string> = {};
  const changed: string[] = [];
  for (const doc of o.docs) {
    const path = join(o.repoRoot, doc);
    const before = readFileSync(path, 'utf8');
    const { text, used } = renderReport(before, (bench) => resultFiles(o.resultsDir, bench), REPORT_BLOCKS, doc);
    Object.assign(blocks, used);
    if (text === before) continue;
    changed.push(doc);
    if (!o.check) writeFileSync(path, text);
  }
  if (o.check && changed.length)
    throw new LabError(
      'OUT_OF_DATE',
      `${changed.join(', ')} ${changed.length > 1 ? 'do' : 'does'} not match bench/results/: run \`npm run bench -- report\` and commit the result`,
    );
  return { changed, check: o.check, blocks };
}
