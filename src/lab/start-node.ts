// Creates and starts one planned node; for clients, then sets their default
// route from the helper. Shared by `up` and the `kill` fault's restore, so a
// recreated node is started exactly as `up` starts it.
import { LabError } from '../errors.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { NodePlan } from './plan.js';
import type { Progress } from './progress.js';
import { atStep, nodeSubject } from './step-error.js';

/**
 * Returns the container id; a node that fails to start is removed again.
 * Failures are StepErrors: `node "fra" create|start|route: …`.
 * `batchedRoutes`: `up` sets every client's route from one host helper afterwards instead.
 */
export async function startNode(rt: ContainerRuntime, n: NodePlan, progress?: Progress, onCreated?: () => void, batchedRoutes = false): Promise<string> {
  const who = nodeSubject(n.node);
  progress?.step(n.node, 'create', `${n.role} container ${n.spec.name}`);
  const id = await atStep(who, 'create', async () => {
    try {
      return await rt.createContainer(n.spec);
    } catch (err) {
      // A run killed a moment ago may have had this create in flight, finished
      // by dockerd after we listed containers: that leftover is not ours to keep.
      const stale = /already in use|conflict/i.test((err as Error).message) ? await rt.inspectContainer(n.spec.name) : undefined;
      if (!stale) throw err;
      progress?.step(n.node, 'remove', `a leftover ${n.spec.name} from an interrupted run`);
      await rt.removeContainer(stale.id);
      return await rt.createContainer(n.spec);
    }
  });
  onCreated?.();
  try {
    await atStep(who, 'start', () => rt.startContainer(id));
    progress?.step(n.node, 'started');
    const helper = n.routeHelper;
    if (helper && !batchedRoutes) {
      await atStep(who, 'route', async () => {
        const r = await rt.runToCompletion(helper, 60_000);
        if (r.exitCode !== 0) throw new LabError('NODE_START', `setting its default route failed: ${r.stderr.trim()}`);
        progress?.step(n.node, 'route', r.stdout.trim());
      });
    }
    return id;
  } catch (err) {
    await rt.removeContainer(id).catch(() => undefined);
    throw err;
  }
}
