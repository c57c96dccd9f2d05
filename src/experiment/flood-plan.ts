// What a flood may do, checked before anything is sent. Pure. The caps keep a
// 2-core machine responsive: every query is answered by a Node responder in a
// PoP container on the same host, and dnsperf, dockerd and the orchestrator
// share the same two cores. `npm run bench -- responder` measured one
// responder at ~13k q/s with a core to itself (README), so 2000 q/s in all
// keeps even a PoP that takes the whole flood (after a drain) at a fraction
// of a core, and dnsperf, Docker and the shell stay usable.

import { LabError } from '../errors.js';
import type { Client, Lab } from '../topology/model.js';
import { anycastRouters } from '../topology/roles/registry.js';

export const FLOOD_CAPS = {
  /** Sum of --qps over every sender. */
  totalQps: 2000,
  seconds: 120,
} as const;

export interface FloodPlan {
  /** Client containers that send, by node name, sorted. */
  senders: string[];
  /** Per sender. */
  qps: number;
  seconds: number;
  drain?: { pop: string; atS: number };
}

export interface FloodArgs {
  from: string;
  qps: string;
  seconds: string;
  drain?: string;
  drainAt?: string;
}

const intIn = (flag: string, value: string, min: number, max: number, why: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < min || n > max)
    throw new LabError('USAGE', `Expected \`${flag}\` to be an integer from ${min} to ${max}${why}, got "${value}"`);
  return n;
};

/** The PoPs of a lab: the routers whose role serves the anycast prefix. */
export const popsOf = (lab: Lab): string[] =>
  anycastRouters(lab)
    .map((r) => r.name)
    .sort();

/** `eyeballs`: the first client (by name) behind each eyeball router; `all`: every client; else a comma list of client names. */
export function floodSenders(lab: Lab, from: string): string[] {
  const clients = [...lab.clients].sort((a, b) => a.name.localeCompare(b.name));
  const valid = `eyeballs, all, or client names from ${clients.map((c) => c.name).join(', ') || '(none)'} separated by commas`;
  if (from === 'all') return clients.map((c) => c.name);
  if (from === 'eyeballs') {
    const first = new Map<string, Client>();
    for (const c of clients) if (!first.has(c.eyeball)) first.set(c.eyeball, c);
    return [...first.values()].map((c) => c.name).sort();
  }
  const names = from.split(',').map((s) => s.trim());
  if (names.some((n) => n === '')) throw new LabError('USAGE', `\`--from\` "${from}" has an empty name; expected ${valid}`);
  const unknown = names.filter((n) => !clients.some((c) => c.name === n));
  if (unknown.length) throw new LabError('USAGE', `\`--from\`: unknown client ${unknown.join(', ')} in lab ${lab.name}; expected ${valid}`);
  return [...new Set(names)].sort();
}

export function planFlood(lab: Lab, a: FloodArgs): FloodPlan {
  const senders = floodSenders(lab, a.from);
  if (!senders.length) throw new LabError('USAGE', `lab ${lab.name} has no clients to flood from`);
  const perSenderMax = Math.floor(FLOOD_CAPS.totalQps / senders.length);
  const capWhy = ` (the cap is ${FLOOD_CAPS.totalQps} q/s over all senders, so a 2-core machine stays responsive; ${senders.length} sender${senders.length === 1 ? '' : 's'}: ${senders.join(', ')})`;
  const qps = intIn('--qps', a.qps, 1, perSenderMax, capWhy);
  const seconds = intIn('--seconds', a.seconds, 1, FLOOD_CAPS.seconds, ` (the cap keeps a flood short and bounded)`);
  if (a.drain === undefined) {
    if (a.drainAt !== undefined) throw new LabError('USAGE', '`--drain-at` needs `--drain <pop>`');
    return { senders, qps, seconds };
  }
  const pops = popsOf(lab);
  if (!pops.includes(a.drain)) throw new LabError('USAGE', `\`--drain\`: "${a.drain}" is not a PoP of lab ${lab.name}; expected one of ${pops.join(', ')}`);
  if (seconds < 2) throw new LabError('USAGE', '`--drain` needs `--seconds` of at least 2, so the load has time to move');
  const atS = a.drainAt === undefined ? Math.floor(seconds / 2) : intIn('--drain-at', a.drainAt, 1, seconds - 1, ' (seconds into the flood, before it ends)');
  return { senders, qps, seconds, drain: { pop: a.drain, atS } };
}

/** dnsperf input: every A record of the zone, looped by dnsperf. */
export function floodQueryFile(records: Record<string, string>): string {
  return `${Object.keys(records)
    .map((n) => `${n.replace(/\.$/, '')} A`)
    .join('\n')}\n`;
}

/**
 * The shell run inside one client. dnsperf stops itself after `-l` seconds at
 * `-Q` q/s at most; `timeout` kills it (KILL 2 s later) should it hang, so the
 * flood ends on time even if the orchestrator is gone. The query file path
 * carries the run's tag, so an interrupted run can stop exactly its own.
 */
export function senderScript(dnsAddress: string, tag: string, qps: number, seconds: number): string {
  const file = `/tmp/${tag}.txt`;
  return [
    `cat >${file}`,
    `timeout -k 2 ${seconds + 5} dnsperf -s ${dnsAddress} -d ${file} -l ${seconds} -Q ${qps} -c 1 -q 100 -t 2`,
    'rc=$?',
    `rm -f ${file}`,
    'exit $rc',
  ].join('; ');
}
