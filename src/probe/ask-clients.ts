// Asking clients which PoP answers them, from inside each (the `who`
// commands): every client at once, one try each. Used by `who`, the
// failover baseline, live policy's before/after and the exercises.
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Lab } from '../topology/model.js';
import {
  answerOf,
  markSerialMismatch,
  parseSoaSerial,
  soaSerialCommand,
  WHO_CHANNELS,
  type WhoChannel,
  type WhoReport,
  type WhoRow,
  whoCommands,
  whoRow,
} from './who.js';

/** One channel's answer in one client: the PoP, or why there is none (an exec that failed is an answer too). */
export async function askClient(
  rt: ContainerRuntime,
  lab: Lab,
  client: string,
  channel: WhoChannel,
  o: { timeoutS?: number; execTimeoutMs?: number } = {},
): Promise<{ pop: string | null; error?: string }> {
  const out = await rt
    .exec(containerName(lab.name, client), whoCommands(lab.anycast, o.timeoutS)[channel], { timeoutMs: o.execTimeoutMs ?? 5_000 })
    .catch((e: Error) => ({ exitCode: -1, stdout: '', stderr: e.message }));
  return answerOf(channel, out);
}

/** Which PoP answers each client now: one UDP CHAOS query from inside each, all at once (dig's default 2 s deadline). */
export async function askCatchment(rt: ContainerRuntime, lab: Lab): Promise<Record<string, string | null>> {
  const answers = await Promise.all(lab.clients.map(async (c) => [c.name, (await askClient(rt, lab, c.name, 'udp')).pop] as const));
  return Object.fromEntries(answers);
}

/** The zone's SOA serial as the PoP answering `client` serves it; null when it did not answer. */
async function askSerial(rt: ContainerRuntime, lab: Lab, client: string): Promise<number | null> {
  const out = await rt
    .exec(containerName(lab.name, client), soaSerialCommand(lab.anycast.dnsAddress, lab.anycast.zone), { timeoutMs: 15_000 })
    .catch(() => ({ exitCode: -1, stdout: '', stderr: '' }));
  return out.exitCode === 0 ? parseSoaSerial(out.stdout) : null;
}

/** `lab who`: every client over every channel, next to the catchment the lab file promises, with the SOA serial each one sees. */
export async function askWho(rt: ContainerRuntime, lab: Lab): Promise<WhoReport> {
  const rows = await Promise.all(
    lab.clients.map(async (c): Promise<WhoRow> => {
      const serial = askSerial(rt, lab, c.name);
      const answers = await Promise.all(WHO_CHANNELS.map(async (ch) => [ch, await askClient(rt, lab, c.name, ch, { execTimeoutMs: 15_000 })] as const));
      return { ...whoRow(c.name, c.expect?.pop ?? null, Object.fromEntries(answers) as Parameters<typeof whoRow>[2]), serial: await serial };
    }),
  );
  rows.sort((a, b) => a.client.localeCompare(b.client));
  return { lab: lab.name, clients: markSerialMismatch(rows) };
}
