// Asking clients which PoP answers them, from inside each (the `who`
// commands): every client at once, one try each. Used by `who`, the
// failover baseline, live policy's before/after and the exercises.
import { LabError } from '../errors.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { isDualStack } from '../topology/families.js';
import type { Family, Lab } from '../topology/model.js';
import {
  answerOf,
  familyKey,
  markSerialMismatch,
  parseSoaSerial,
  soaSerialCommand,
  WHO_CHANNELS,
  type WhoChannel,
  type WhoFamilyRow,
  type WhoReport,
  type WhoRow,
  whoCommands,
  whoRow,
  withIpv6,
} from './who.js';

/** The service addresses of one family; IPv6 only on a dual-stack lab (a LabError otherwise). */
export function familyTargets(lab: Lab, family: Family): { dnsAddress: string; httpAddress: string } {
  if (family === 'ipv4') return lab.anycast;
  if (!lab.anycast.ipv6) throw new LabError('USAGE', `lab "${lab.name}" has no IPv6 service (families: ${lab.families.join(', ')}); add ipv6 to \`families:\``);
  return lab.anycast.ipv6;
}

/** The PoP a client is promised per family: expect6 where the lab file gives one, else expect (absent = same as IPv4). */
export const expectedPop = (c: Lab['clients'][number], family: Family): string | null => (family === 'ipv6' ? (c.expect6 ?? c.expect) : c.expect)?.pop ?? null;

/** One channel's answer in one client: the PoP, or why there is none (an exec that failed is an answer too). */
export async function askClient(
  rt: ContainerRuntime,
  lab: Lab,
  client: string,
  channel: WhoChannel,
  o: { timeoutS?: number; execTimeoutMs?: number; family?: Family } = {},
): Promise<{ pop: string | null; error?: string }> {
  const out = await rt
    .exec(containerName(lab.name, client), whoCommands(familyTargets(lab, o.family ?? 'ipv4'), o.timeoutS)[channel], { timeoutMs: o.execTimeoutMs ?? 5_000 })
    .catch((e: Error) => ({ exitCode: -1, stdout: '', stderr: e.message }));
  return answerOf(channel, out);
}

/**
 * Which PoP answers each client now: one UDP CHAOS query from inside each, per
 * family, all at once (dig's default 2 s deadline). Keyed by familyKey: an
 * IPv4 answer under the client's name as ever, an IPv6 one under
 * "<client>/ipv6" (a live change on one session can move one family only).
 */
export async function askCatchment(rt: ContainerRuntime, lab: Lab, families: readonly Family[] = ['ipv4']): Promise<Record<string, string | null>> {
  const asks = lab.clients.flatMap((c) => families.map((family) => ({ client: c.name, family })));
  const answers = await Promise.all(
    asks.map(async (a) => [familyKey(a.client, a.family), (await askClient(rt, lab, a.client, 'udp', { family: a.family })).pop] as const),
  );
  return Object.fromEntries(answers);
}

/** The zone's SOA serial as the PoP answering `client` serves it; null when it did not answer. */
async function askSerial(rt: ContainerRuntime, lab: Lab, client: string): Promise<number | null> {
  const out = await rt
    .exec(containerName(lab.name, client), soaSerialCommand(lab.anycast.dnsAddress, lab.anycast.zone), { timeoutMs: 15_000 })
    .catch(() => ({ exitCode: -1, stdout: '', stderr: '' }));
  return out.exitCode === 0 ? parseSoaSerial(out.stdout) : null;
}

/** `lab who`: every client over every channel (and every family), next to the catchment the lab file promises, with the SOA serial each one sees. */
export async function askWho(rt: ContainerRuntime, lab: Lab): Promise<WhoReport> {
  const dual = isDualStack(lab);
  const rows = await Promise.all(
    lab.clients.map(async (c): Promise<WhoRow> => {
      const serial = askSerial(rt, lab, c.name);
      const v6 = dual ? askFamily(rt, lab, c, 'ipv6') : undefined;
      const row: WhoRow = { client: c.name, ...(await askFamily(rt, lab, c, 'ipv4')), serial: await serial };
      return v6 ? withIpv6(row, await v6) : row;
    }),
  );
  rows.sort((a, b) => a.client.localeCompare(b.client));
  return { lab: lab.name, clients: markSerialMismatch(rows) };
}

/** The four channels of one family from inside one client, judged against that family's promise. */
async function askFamily(rt: ContainerRuntime, lab: Lab, c: Lab['clients'][number], family: Family): Promise<WhoFamilyRow> {
  const answers = await Promise.all(WHO_CHANNELS.map(async (ch) => [ch, await askClient(rt, lab, c.name, ch, { execTimeoutMs: 15_000, family })] as const));
  const { client: _, ...row } = whoRow(c.name, expectedPop(c, family), Object.fromEntries(answers) as Parameters<typeof whoRow>[2]);
  return row;
}
