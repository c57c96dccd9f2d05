// The PoP's uplinks as the fault modes see them: both ends of every session,
// each end's container and interface. Interfaces are found by address: Docker
// names them in alphabetical order of network name, not in link order.
import { LabError } from '../errors.js';
import type { Progress } from '../lab/progress.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { type Lab, sessionsOf } from '../topology/model.js';

export interface LinkSide {
  node: string;
  container: string;
  address: string;
}

export interface Uplink {
  link: string;
  pop: LinkSide;
  neighbour: LinkSide;
}

export function uplinksOf(lab: Lab, pop: string): Uplink[] {
  return sessionsOf(lab, pop).map(({ link, local, remote }) => ({
    link: link.name,
    pop: { node: pop, container: containerName(lab.name, pop), address: local.address },
    neighbour: { node: remote.node, container: containerName(lab.name, remote.node), address: remote.address },
  }));
}

/** Runs a command in a node; a non-zero exit is a FAULT error naming the node and what it was doing. */
export async function run(rt: ContainerRuntime, side: Pick<LinkSide, 'node' | 'container'>, what: string, cmd: string[], stdin?: string): Promise<string> {
  const r = await rt.exec(side.container, cmd, { timeoutMs: 15_000, stdin }).catch((err: unknown) => {
    throw new LabError('FAULT', `${side.node}: ${what}: ${(err as Error).message}`, { cause: err });
  });
  if (r.exitCode !== 0) throw new LabError('FAULT', `${side.node}: ${what}: \`${cmd.join(' ')}\` exited ${r.exitCode}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/** `ip -o -4 addr show` → the interface holding `address`. */
export function interfaceWithAddress(ipAddrOutput: string, address: string): string | undefined {
  for (const line of ipAddrOutput.split('\n')) {
    const m = /^\d+:\s+(\S+?)(?:@\S+)?\s+inet\s+(\d+\.\d+\.\d+\.\d+)\//.exec(line);
    if (m && m[2] === address) return m[1];
  }
  return undefined;
}

export async function interfaceOf(rt: ContainerRuntime, side: LinkSide): Promise<string> {
  const out = await run(rt, side, 'list addresses', ['ip', '-o', '-4', 'addr', 'show']);
  const ifname = interfaceWithAddress(out, side.address);
  if (!ifname) throw new LabError('FAULT', `${side.node}: no interface holds ${side.address}; is the lab up (npm run lab -- status)?`);
  return ifname;
}

/** Every node at an end of one of the PoP's uplinks, once (the PoP itself included). */
export function uplinkEnds(lab: Lab, pop: string): LinkSide[] {
  return [...new Map(uplinksOf(lab, pop).flatMap((u) => [u.pop, u.neighbour].map((s) => [s.node, s] as const))).values()];
}

/** Every end of every uplink with its interface, grouped by node (a PoP with two uplinks is one entry). */
export async function uplinkInterfaces(rt: ContainerRuntime, lab: Lab, pop: string): Promise<{ side: LinkSide; ifnames: string[] }[]> {
  const sides = uplinksOf(lab, pop).flatMap((u) => [u.pop, u.neighbour]);
  const named = await Promise.all(sides.map(async (side) => ({ side, ifname: await interfaceOf(rt, side) })));
  const byNode = new Map<string, { side: LinkSide; ifnames: string[] }>();
  for (const { side, ifname } of named) {
    const e = byNode.get(side.node) ?? { side, ifnames: [] };
    e.ifnames.push(ifname);
    byNode.set(side.node, e);
  }
  return [...byNode.values()];
}

export type UplinkInterfaces = Awaited<ReturnType<typeof uplinkInterfaces>>;

/** Interfaces looked up by `prepare`, or now when it did not run. */
export async function preparedInterfaces(ctx: { rt: ContainerRuntime; lab: Lab; pop: string; prepared: Record<string, unknown> }): Promise<UplinkInterfaces> {
  return (ctx.prepared.uplinks as UplinkInterfaces | undefined) ?? uplinkInterfaces(ctx.rt, ctx.lab, ctx.pop);
}

export async function prepareInterfaces(ctx: { rt: ContainerRuntime; lab: Lab; pop: string; prepared: Record<string, unknown> }): Promise<void> {
  ctx.prepared.uplinks = await uplinkInterfaces(ctx.rt, ctx.lab, ctx.pop);
}

/** What one end runs: its command (and stdin), and the detail its progress line shows. */
export interface EndCommand {
  cmd: string[];
  stdin?: string;
  detail: string;
}

/**
 * Runs one command on both ends of every uplink of the PoP, all at once. On
 * inject the interfaces come from `prepare` (the fault instant is only the
 * breaking action); on restore they are looked up again, because restore
 * must not depend on inject's state.
 */
export async function onEveryUplinkEnd(
  ctx: { rt: ContainerRuntime; lab: Lab; pop: string; prepared: Record<string, unknown>; progress: Progress },
  phase: 'inject' | 'restore',
  step: string,
  command: (ifnames: string[]) => EndCommand,
): Promise<void> {
  const ends = phase === 'inject' ? await preparedInterfaces(ctx) : await uplinkInterfaces(ctx.rt, ctx.lab, ctx.pop);
  await Promise.all(
    ends.map(({ side, ifnames }) => {
      const c = command(ifnames);
      ctx.progress.step(side.node, step, c.detail);
      return run(ctx.rt, side, step, c.cmd, c.stdin);
    }),
  );
}
