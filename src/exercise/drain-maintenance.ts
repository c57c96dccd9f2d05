// Drain fra before its maintenance: withdraw the prefix, let the catchment
// move while fra still answers, and only then stop the service. Routing moves
// c-de make-before-break (t-eu already holds the path through t-us), so no
// query is lost; "just stop it" loses every query until the health checker
// or BFD notices. The recording started with the exercise shows which one
// the attendee did, probe by probe.
import { POP_PATHS } from '../contract/agent.js';
import { freeze } from '../fault/freeze.js';
import { setFault } from '../fault/manual.js';
import { service } from '../fault/service.js';
import { readOverrides } from '../lab/overrides.js';
import { setDrain } from '../policy/live-policy.js';
import { askCatchment } from '../probe/ask-clients.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Lab } from '../topology/model.js';
import { chaosDig, parseShortTxt } from '../util/chaos-dig.js';
import { hold } from '../util/wait.js';
import { type Criterion, criterion, type Exercise, type ExerciseContext } from './exercise.js';
import { longestOutage, type Move, moves, readRecording, recordingEnded, startRecording, stopRecording } from './recording.js';

const ID = 'drain-maintenance';
const POP = 'fra';
const CLIENT = 'c-de';
/** The issue's promise: no client sees an outage over 1 s. */
const MAX_OUTAGE_MS = 1000;
/** At the switch, one probe may be in flight to fra's last moment; more means fra stopped answering before c-de moved. */
const MAX_LOST_AT_MOVE = 1;
const UDP_INTERVAL_MS = 100;

/** The PoP's own responder answers a CHAOS query sent from inside it; null: stopped, frozen or gone. */
export async function popAnswers(rt: ContainerRuntime, lab: Lab, pop: string): Promise<string | null> {
  const r = await rt.exec(containerName(lab.name, pop), chaosDig(lab.anycast.dnsAddress, { timeoutS: 1 }), { timeoutMs: 5_000 }).catch(() => null);
  return r?.exitCode === 0 ? parseShortTxt(r.stdout) : null;
}

/** Whether `pop`'s responder is SIGSTOPped (`break <pop> service`) or the PoP is paused (`freeze`). */
async function stoppedBy(rt: ContainerRuntime, lab: Lab, pop: string): Promise<boolean> {
  const c = containerName(lab.name, pop);
  if ((await rt.inspectContainer(c))?.state === 'paused') return true;
  const r = await rt.exec(c, ['sh', '-c', `cut -d' ' -f3 /proc/"$(cat ${POP_PATHS.responderPid})"/stat`], { timeoutMs: 5_000 }).catch(() => null);
  return r?.stdout.trim() === 'T';
}

/** c-de's move off fra (pure): what it lost, or why there was none. */
export function moveProblems(all: readonly Move[], client: string, pop: string, maxLost: number): { problems: string[]; move?: Move } {
  const move = all.find((m) => m.from === pop);
  if (!move) return { problems: [`${client} never moved off ${pop} while recording`] };
  const problems =
    move.lost > maxLost
      ? [
          `${client} lost ${move.lost} answers in a row moving from ${pop} to ${move.to}: ${pop} stopped answering before the catchment moved (withdraw first, wait for ${client} to move, then stop)`,
        ]
      : [];
  return { problems, move };
}

/**
 * Undo `break <pop> service` and `break <pop> freeze`, which the maintenance
 * exercises suggest and `up` does not repair (a stopped responder only looks
 * like a wrong catchment to it). Cheap when nothing is stopped.
 */
export async function restoreStopped({ rt, lab, progress, configRoot }: ExerciseContext, pop: string): Promise<void> {
  if (!(await stoppedBy(rt, lab, pop))) return;
  const ctx = { rt, lab, pop, progress, configRoot, prepared: {} };
  await freeze.restore(ctx);
  await service.restore(ctx);
}

/** The cleanup of a maintenance exercise: its recording stopped, `pop` running again. */
export const maintenanceCleanup =
  (id: string, pop: string) =>
  async (ctx: ExerciseContext): Promise<void> => {
    await stopRecording(ctx.rt, ctx.lab, id);
    await restoreStopped(ctx, pop);
  };

export const drainMaintenance: Exercise = {
  id: ID,
  cleanup: maintenanceCleanup(ID, POP),
  async inject({ rt, lab }) {
    return startRecording(
      rt,
      lab,
      ID,
      lab.clients.map((c) => c.name),
      { udpIntervalMs: UDP_INTERVAL_MS, udpTimeoutMs: 500 },
    );
  },
  async check({ rt, lab }) {
    const [found, answers, now, recordings] = await Promise.all([
      readOverrides(rt, lab, { routers: [POP] }),
      popAnswers(rt, lab, POP),
      askCatchment(rt, lab),
      Promise.all(lab.clients.map((c) => readRecording(rt, lab, ID, c.name))),
    ]);
    const ended = recordings.map((r) => recordingEnded(r, ID)).filter((x): x is string => x !== null);
    const outages = recordings.map((r) => ({ client: r.client, outage: longestOutage(r.samples), probes: r.samples.length }));
    const tooLong = outages
      .filter((o) => o.outage && o.outage.ms > MAX_OUTAGE_MS)
      .map((o) => `${o.client} got no answer for ${Math.round(o.outage?.ms ?? 0)} ms (${o.outage?.failed} probes)`);
    const mine = recordings.find((r) => r.client === CLIENT);
    const move = moveProblems(moves(mine?.samples ?? []), CLIENT, POP, MAX_LOST_AT_MOVE);
    const criteria: Criterion[] = [
      criterion(
        `${POP} is drained (withdrawn by the operator)`,
        found.drained.includes(POP) ? [] : [`${POP} is not drained by the operator: \`npm run lab -- withdraw ${POP}\``],
        `${POP} drained`,
      ),
      criterion(
        `${POP}'s DNS service is stopped for the maintenance`,
        answers === null ? [] : [`${POP}'s responder still answers (${answers}): \`npm run lab -- break ${POP} service\` once ${CLIENT} has moved`],
        `${POP}'s responder does not answer`,
      ),
      criterion(
        'every client is answered now',
        Object.entries(now)
          .filter(([, p]) => p === null)
          .map(([c]) => `${c} is not answered`),
        Object.entries(now)
          .map(([c, p]) => `${c} → ${p}`)
          .join(', '),
      ),
      criterion(
        `no client went without an answer for more than ${MAX_OUTAGE_MS} ms (every ${UDP_INTERVAL_MS} ms, since the start)`,
        [...ended, ...tooLong],
        outages.map((o) => `${o.client} ${o.outage ? `${Math.round(o.outage.ms)} ms` : '0 ms'}`).join(', '),
      ),
      criterion(
        `${CLIENT} moved off ${POP} before ${POP} stopped (≤ ${MAX_LOST_AT_MOVE} answer lost at the move)`,
        move.problems,
        move.move ? `${CLIENT} moved ${POP} → ${move.move.to} losing ${move.move.lost} answer${move.move.lost === 1 ? '' : 's'}` : '',
      ),
    ];
    return criteria;
  },
  async solve(ctx: ExerciseContext) {
    const { rt, lab, progress, configRoot, signal } = ctx;
    const drained = await setDrain(rt, lab, POP, true, { progress, signal });
    // A margin past the settle: answers in flight to fra come back before it stops.
    await hold(1000, signal);
    const stopped = await setFault(rt, lab, POP, service, true, { progress, signal, configRoot });
    return [drained.change, stopped.change];
  },
};
