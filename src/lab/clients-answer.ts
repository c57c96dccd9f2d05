// The last step of `up`: every client gets a DNS answer on the anycast
// address, from the PoP the lab file expects. Routes can be installed a
// moment before the path works end to end (ARP, the responder binding); this
// is what a user tries first, so `up` checks it.
import pRetry from 'p-retry';
import { ConvergenceError } from '../errors.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Client, Lab } from '../topology/model.js';
import { chaosDig, parseShortTxt } from '../util/chaos-dig.js';
import type { Progress } from './progress.js';

class Unanswered extends Error {}

/**
 * One dig from the client: the PoP that answered, or what is wrong (no
 * answer, or not the PoP the lab file expects). `anyPop`: the lab holds live
 * overrides (`lab policy`, `withdraw`) that move catchment on purpose, so any
 * PoP's answer will do.
 */
async function askClient(rt: ContainerRuntime, lab: Lab, c: Client, anyPop = false): Promise<{ pop: string } | { problem: string }> {
  const r = await rt.exec(containerName(lab.name, c.name), chaosDig(lab.anycast.dnsAddress, { timeoutS: 1 }), { timeoutMs: 10_000 });
  const pop = parseShortTxt(r.stdout);
  if (!pop) return { problem: `${c.name}: no answer from ${lab.anycast.dnsAddress} (${(r.stdout || r.stderr).trim().split('\n').pop() || 'timeout'})` };
  if (!anyPop && c.expect?.pop && pop !== c.expect.pop) return { problem: `${c.name}: answered by ${pop}, the lab file expects ${c.expect.pop}` };
  return { pop };
}

/** One try per client, no waiting: which clients get no answer, or one from another PoP than expected, right now? */
export async function clientsUnansweredNow(rt: ContainerRuntime, lab: Lab, o: { anyPop?: boolean } = {}): Promise<string[]> {
  const answers = await Promise.all(
    lab.clients.map(async (c) => ({ c, a: await askClient(rt, lab, c, o.anyPop).catch((e: Error) => ({ problem: e.message })) })),
  );
  return answers.filter(({ a }) => 'problem' in a).map(({ c }) => c.name);
}

export async function waitClientsAnswered(
  rt: ContainerRuntime,
  lab: Lab,
  o: { timeoutMs: number; progress: Progress; signal?: AbortSignal; anyPop?: boolean },
): Promise<void> {
  const started = performance.now();
  const last = new Map<string, string>();
  await Promise.all(
    lab.clients.map((c) =>
      pRetry(
        async () => {
          const a = await askClient(rt, lab, c, o.anyPop);
          if ('problem' in a) {
            last.set(c.name, a.problem);
            throw new Unanswered(a.problem);
          }
          last.delete(c.name);
          o.progress.step(c.name, 'answered', `by ${a.pop}`);
        },
        {
          retries: Number.MAX_SAFE_INTEGER,
          minTimeout: 200,
          maxTimeout: 1000,
          signal: o.signal,
          shouldRetry: ({ error }) => error instanceof Unanswered && performance.now() - started < o.timeoutMs,
        },
      ),
    ),
  ).catch((err) => {
    if (err instanceof Unanswered) {
      const pending = [...last.values()];
      throw new ConvergenceError(
        `lab "${lab.name}": routing converged but clients are not answered as the lab file expects:\n  ${pending.join('\n  ')}`,
        pending,
      );
    }
    throw err;
  });
}
