// "The lab is at baseline": every session and BFD peer up with every route in
// place (checkConverged), and every client answered by the PoP the lab file
// promises. Checked before the first trial and after every one.
import { LabError } from '../errors.js';
import { checkConverged } from '../lab/converge.js';
import { askClient } from '../probe/ask-clients.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Lab } from '../topology/model.js';
import { waitUntil } from '../util/wait.js';

export interface BaselineState {
  /** Empty when the lab is at baseline. */
  problems: string[];
  /** client -> PoP answering it now. */
  catchment: Record<string, string | null>;
}

/** `model` is the lab as currently configured (e.g. with a BFD override); catchment expectations come from it too. */
export async function checkBaseline(rt: ContainerRuntime, model: Lab): Promise<BaselineState> {
  const [pending, answers] = await Promise.all([
    checkConverged(rt, model),
    Promise.all(model.clients.map(async (c) => [c, await askClient(rt, model, c.name, 'udp')] as const)),
  ]);
  const problems = [...pending];
  const catchment: Record<string, string | null> = {};
  for (const [c, a] of answers) {
    catchment[c.name] = a.pop ?? null;
    if (!a.pop) problems.push(`${c.name}: no answer from ${model.anycast.dnsAddress} (${a.error})`);
    else if (c.expect && a.pop !== c.expect.pop) problems.push(`${c.name}: answered by ${a.pop}, the lab file expects ${c.expect.pop}`);
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
