// A probe recording that outlives the command that started it: `exercise
// start` leaves the failover runs' probe agent running, detached, in the
// clients, writing its NDJSON to a file there; the attendee works for as
// long as they like (up to RECORDING_MS); `exercise check` reads the file and
// judges what the clients lived through, not only the state at the end.
// Reading and judging are split: the judgements below are pure.
import { AGENT_DIR } from '../contract/agent.js';
import { familyOf, type ProbeSummary, type Sample } from '../contract/sample.js';
import { LabError } from '../errors.js';
import { parseNdjson } from '../probe/ndjson.js';
import { type ProbeRates, probeConfig } from '../probe/run-probes.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Lab } from '../topology/model.js';

/** The agent stops by itself after this: a forgotten exercise does not probe forever. */
export const RECORDING_MS = 20 * 60_000;

/** The agent's run tag and the files in the client. */
const tag = (id: string) => `al-exercise-${id}`;
export const recordingFile = (id: string): string => `/tmp/${tag(id)}.ndjson`;
/**
 * The agent's pid, to stop it: `pkill -f` cannot be used from the `sh -c`
 * that starts it, whose own argv holds the same config and file name.
 */
const pidFile = (id: string): string => `/tmp/${tag(id)}.pid`;
const killRecorder = (id: string): string => `[ -f ${pidFile(id)} ] && kill "$(cat ${pidFile(id)})" 2>/dev/null; rm -f ${pidFile(id)}`;

/** Every kind off unless asked for: a recording probes only what its checker reads. */
const OFF: ProbeRates = { udpIntervalMs: 0, tcpIntervalMs: 0, httpIntervalMs: 0, streams: 0 };

/** The shell that (re)starts one client's recorder in the background and returns at once. */
export function recorderScript(lab: Lab, id: string, client: string, rates: ProbeRates, maxMs = RECORDING_MS): string[] {
  const config = JSON.stringify(probeConfig(lab, client, tag(id), maxMs, { ...OFF, ...rates }));
  // Names and addresses come from the validated lab model; a quote would break the shell word.
  if (config.includes("'")) throw new LabError('USAGE', `recorder config for ${client} contains a single quote: ${config}`);
  const file = recordingFile(id);
  return [
    'sh',
    '-c',
    `${killRecorder(id)}; rm -f ${file}; setsid node ${AGENT_DIR}/probe.mjs '${config}' >${file} 2>${file}.err </dev/null & echo $! >${pidFile(id)}`,
  ];
}

export async function startRecording(rt: ContainerRuntime, lab: Lab, id: string, clients: readonly string[], rates: ProbeRates): Promise<string[]> {
  await Promise.all(
    clients.map(async (client) => {
      const r = await rt.exec(containerName(lab.name, client), recorderScript(lab, id, client, rates), { timeoutMs: 10_000 });
      if (r.exitCode !== 0) throw new LabError('EXPERIMENT', `could not start the recording in ${client}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
    }),
  );
  return clients.map((c) => `${c}: recording its answers (${describeRates(rates)}) in ${recordingFile(id)} for up to ${RECORDING_MS / 60_000} min`);
}

const describeRates = (r: ProbeRates): string =>
  [r.udpIntervalMs ? `UDP every ${r.udpIntervalMs} ms` : '', r.streams ? `${r.streams} TCP stream${r.streams > 1 ? 's' : ''}` : ''].filter(Boolean).join(', ');

/** Stops and removes one exercise's recording everywhere; safe when there is none. */
export async function stopRecording(rt: ContainerRuntime, lab: Lab, id: string): Promise<void> {
  const file = recordingFile(id);
  await Promise.all(
    lab.clients.map((c) =>
      rt
        .exec(containerName(lab.name, c.name), ['sh', '-c', `${killRecorder(id)}; rm -f ${file} ${file}.err; true`], { timeoutMs: 10_000 })
        .catch(() => undefined),
    ),
  );
}

export interface Recording {
  client: string;
  samples: Sample[];
  /** Written when the agent ended: the recording is over. */
  summary?: ProbeSummary;
}

export async function readRecording(rt: ContainerRuntime, lab: Lab, id: string, client: string): Promise<Recording> {
  const r = await rt.exec(containerName(lab.name, client), ['cat', recordingFile(id)], { timeoutMs: 15_000 });
  if (r.exitCode !== 0)
    throw new LabError('NOT_FOUND', `${client} has no recording for ${id} (${recordingFile(id)}): run \`npm run lab -- exercise start ${id}\` first`);
  const { samples, summary } = parseNdjson(r.stdout);
  return { client, samples, summary };
}

// ---- judgements (pure) ----

export interface Outage {
  /** From the first failed probe to the next answered one (or the last probe, if none answered since). */
  ms: number;
  failed: number;
  /** The PoPs answering before and after it (null: none). */
  from: string | null;
  to: string | null;
}

/**
 * Request/response probes of one kind in send order. IPv4's only: on a
 * dual-stack lab the agent also probes IPv6, whose probes are numbered apart
 * (and may land on another PoP); the checkers judge IPv4's.
 */
const ofKind = (samples: readonly Sample[], kind: Sample['kind']) =>
  samples.filter((s) => s.kind === kind && familyOf(s) === 'ipv4').sort((a, b) => a.seq - b.seq);

/** The longest run of unanswered UDP probes; null when every probe was answered. */
export function longestOutage(samples: readonly Sample[]): Outage | null {
  const udp = ofKind(samples, 'udp-dns');
  let worst: Outage | null = null;
  let i = 0;
  while (i < udp.length) {
    if (udp[i].outcome === 'ok') {
      i++;
      continue;
    }
    const start = i;
    while (i < udp.length && udp[i].outcome !== 'ok') i++;
    const end = udp[i] ?? udp[i - 1];
    const o: Outage = { ms: end.sentMs - udp[start].sentMs, failed: i - start, from: udp[start - 1]?.pop ?? null, to: udp[i]?.pop ?? null };
    if (!worst || o.ms > worst.ms) worst = o;
  }
  return worst;
}

export interface Move {
  from: string;
  to: string;
  /** Send time of the first probe the new PoP answered. */
  atMs: number;
  /** Probes between the last answer of `from` and the first of `to` that nobody answered. */
  lost: number;
}

/** Every change of answering PoP in the UDP probes, with the probes lost across it. */
export function moves(samples: readonly Sample[]): Move[] {
  const out: Move[] = [];
  let last: Sample | undefined;
  let lost = 0;
  for (const s of ofKind(samples, 'udp-dns')) {
    if (s.outcome !== 'ok' || !s.pop) {
      lost++;
      continue;
    }
    if (last?.pop && last.pop !== s.pop) out.push({ from: last.pop, to: s.pop, atMs: s.sentMs, lost });
    last = s;
    lost = 0;
  }
  return out;
}

export interface StreamStory {
  /** Lines the stream received. */
  lines: number;
  /** The PoPs that fed it, in order, each once per stretch (fra, iad, fra). */
  pops: string[];
  /** How each connection ended (reset, timeout, …), in order. */
  ends: string[];
  /** The longest time with no line, across reconnects (ms); the silence a user of the stream lived through. */
  longestSilenceMs: number;
  /** Arrival of the last line (monotonic ms), null if none. */
  lastLineMs: number | null;
}

/** What one long-lived TCP stream went through: who fed it, how it broke, its longest silence. */
export function streamStory(samples: readonly Sample[], stream = 0): StreamStory {
  const events = samples.filter((s) => s.kind === 'stream' && (s.stream ?? 0) === stream).sort((a, b) => a.seq - b.seq);
  const lines = events.filter((s) => s.outcome === 'ok');
  const pops: string[] = [];
  for (const l of lines) if (l.pop && pops.at(-1) !== l.pop) pops.push(l.pop);
  let longest = 0;
  for (let i = 1; i < lines.length; i++) longest = Math.max(longest, lines[i].sentMs - lines[i - 1].sentMs);
  return {
    lines: lines.length,
    pops,
    ends: events.filter((s) => s.outcome !== 'ok').map((s) => s.outcome),
    longestSilenceMs: Math.round(longest),
    lastLineMs: lines.at(-1)?.sentMs ?? null,
  };
}

/** "c-de: the recording ended …" when the agent has stopped (its summary is written): the attendee must start again. */
export const recordingEnded = (r: Recording, id: string): string | null =>
  r.summary
    ? `${r.client}'s recording ended (${r.summary.stopReason}) after ${Math.round(r.summary.durationMs / 1000)} s: run \`npm run lab -- exercise start ${id}\` again`
    : null;

/** Exercises whose recording runs in a client now (their pid files): the exercise in progress, for checkpoints. */
export async function runningRecordings(rt: ContainerRuntime, lab: Lab): Promise<string[]> {
  const client = lab.clients[0];
  if (!client) return [];
  const r = await rt.exec(containerName(lab.name, client.name), ['sh', '-c', `ls /tmp/${tag('')}*.pid 2>/dev/null; true`], { timeoutMs: 10_000 });
  return r.stdout
    .split('\n')
    .map((l) => l.trim().match(/al-exercise-(.+)\.pid$/)?.[1])
    .filter((id): id is string => !!id);
}
