// "The lab is at baseline": every session and BFD peer up with every route in
// place (checkConverged), and every client answered by the PoP the lab file
// promises. Checked before the first trial and after every one.
import { LabError } from '../errors.js';
import { checkConverged } from '../lab/converge.js';
import { askClient, expectedPop } from '../probe/ask-clients.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Family, Lab } from '../topology/model.js';
import { waitUntil } from '../util/wait.js';

export interface BaselineState {
  /** Empty when the lab is at baseline. */
  problems: string[];
  /** client -> PoP answering it now (IPv4). */
  catchment: Record<string, string | null>;
  /** Dual-stack labs: client -> PoP answering it over IPv6 now. */
  catchment6?: Record<string, string | null>;
}

/** `model` is the lab as currently configured (e.g. with a BFD override); catchment expectations come from it too. */
export async function checkBaseline(rt: ContainerRuntime, model: Lab): Promise<BaselineState> {
  const [pending, v4, v6] = await Promise.all([
    checkConverged(rt, model),
    familyCatchment(rt, model, 'ipv4'),
    model.anycast.ipv6 ? familyCatchment(rt, model, 'ipv6') : undefined,
  ]);
  return {
    problems: [...pending, ...v4.problems, ...(v6?.problems ?? [])],
    catchment: v4.catchment,
    ...(v6 ? { catchment6: v6.catchment } : {}),
  };
}

/** Every client's PoP over one family, and where that differs from the lab file's promise (expect6 for IPv6 where given). */
async function familyCatchment(rt: ContainerRuntime, model: Lab, family: Family): Promise<Omit<BaselineState, 'catchment6'>> {
  const answers = await Promise.all(model.clients.map(async (c) => [c, await askClient(rt, model, c.name, 'udp', { family })] as const));
  // IPv4's messages stay as they were on an [ipv4] lab.
  const tag = family === 'ipv6' ? ' over IPv6' : '';
  const address = family === 'ipv6' ? model.anycast.ipv6?.dnsAddress : model.anycast.dnsAddress;
  const problems: string[] = [];
  const catchment: Record<string, string | null> = {};
  for (const [c, a] of answers) {
    const expected = expectedPop(c, family);
    catchment[c.name] = a.pop ?? null;
    if (!a.pop) problems.push(`${c.name}: no answer from ${address} (${a.error})`);
    else if (expected !== null && a.pop !== expected) problems.push(`${c.name}: answered by ${a.pop}${tag}, the lab file expects ${expected}`);
  }
  return { problems, catchment };
}

/** Polls until the lab is at baseline; throws naming what is still off at the deadline. */
export async function waitBaseline(rt: ContainerRuntime, model: Lab, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<BaselineState> {
  let last: BaselineState = { problems: ['not checked yet'], catchment: {} };
  const ok = await waitUntil(
    async () => {
      last = await checkBaseline(rt, model);
      return last.problems.length === 0 ? last : undefined;
    },
    { timeoutMs: opts.timeoutMs, intervalMs: 500, signal: opts.signal },
  );
  if (!ok) {
    throw new LabError(
      'EXPERIMENT',
      `lab "${model.name}" is not back at baseline after ${Math.round(opts.timeoutMs / 1000)} s:\n  ${last.problems.join('\n  ')}`,
    );
  }
  return ok;
}
