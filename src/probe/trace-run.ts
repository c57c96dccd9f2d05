// `lab trace`, run: one script in the tracing node (traceroute, and for an
// anycast target the PoP's CHAOS name around it), read into a report.
import { LabError } from '../errors.js';
import { findNodeContainer } from '../lab/find-node.js';
import type { Progress } from '../lab/progress.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Lab } from '../topology/model.js';
import { resolveTraceTarget, TRACE_EXEC_TIMEOUT_MS, type TraceReport, traceReport, traceScript, traceSource } from './trace.js';

/** The node must be a client or router of `lab`; the target is checked before anything runs. */
export async function traceFrom(rt: ContainerRuntime, lab: Lab, from: string, target: string | undefined, progress: Progress): Promise<TraceReport> {
  const nodes = [...lab.clients.map((c) => c.name), ...lab.routers.map((r) => r.name)];
  if (!nodes.includes(from)) throw new LabError('USAGE', `no node "${from}" in lab ${lab.name}; nodes: ${nodes.join(', ')}`);
  const resolved = resolveTraceTarget(lab, from, target);
  await findNodeContainer(rt, from, lab.name); // running, or a NOT_FOUND that says so
  progress.step(from, 'traceroute', `to ${resolved.address}${resolved.anycast ? ', asking the PoP its CHAOS name before and after' : ''}`);
  const out = await rt.exec(containerName(lab.name, from), traceScript(resolved, lab.anycast.dnsAddress, traceSource(lab, from, resolved.address).address), {
    timeoutMs: TRACE_EXEC_TIMEOUT_MS,
  });
  return traceReport({ lab, from, target: resolved, ...out });
}
