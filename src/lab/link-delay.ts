// Optional link delay. This needs sch_netem, which some kernels (this one
// included) lack; a lab that asks for delay there fails before anything is
// created, naming the links, instead of silently running without it.
import { LabError } from '../errors.js';
import { containerName, labLabels } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Lab } from '../topology/model.js';

export const linksWithDelay = (lab: Lab) => lab.links.filter((l) => (l.delayMs ?? 0) > 0);

/** Probes netem in a throwaway container (no network, NET_ADMIN only). */
export async function assertNetemAvailable(rt: ContainerRuntime, lab: Lab, image: string): Promise<void> {
  const links = linksWithDelay(lab);
  if (!links.length) return;
  const r = await rt.runToCompletion(
    {
      name: `al-${lab.name}-netem-probe-${process.pid}`,
      image,
      labels: labLabels(lab.name, 'host', 'helper', 'helper'),
      cmd: ['sh', '-c', 'tc qdisc add dev lo root netem delay 1ms'],
      capAdd: ['NET_ADMIN'],
      networkMode: 'none',
    },
    30_000,
  );
  if (r.exitCode !== 0) {
    throw new LabError(
      'HOST_CAPABILITY',
      `${lab.file}: ${links.map((l) => `links[${lab.links.indexOf(l)}].delay (${l.name})`).join(', ')} ask for link delay, but this kernel has no sch_netem (${r.stderr.trim()}). ` +
        'Remove `delay` from those links, or load the module on the host (`modprobe sch_netem`; on Ubuntu: linux-modules-extra-$(uname -r)). `npm run lab -- doctor` shows what the kernel supports.',
    );
  }
}

/** Pure: the command that shapes one end, finding the interface by its address (Docker orders interfaces by network name). */
export function delayCommand(address: string, delayMs: number): string {
  return `dev=$(ip -o -4 addr show | awk '$4 ~ /^${address.replaceAll('.', '\\.')}\\// {print $2}'); [ -n "$dev" ] || { echo "no interface with ${address}" >&2; exit 1; }; tc qdisc replace dev "$dev" root netem delay ${delayMs}ms`;
}

export async function applyLinkDelays(rt: ContainerRuntime, lab: Lab): Promise<void> {
  await Promise.all(
    linksWithDelay(lab).flatMap((l) =>
      [l.a, l.b].map(async (end) => {
        const r = await rt.exec(containerName(lab.name, end.node), ['sh', '-c', delayCommand(end.address, l.delayMs!)], { timeoutMs: 15_000 });
        if (r.exitCode !== 0) throw new LabError('NODE_START', `${end.node}: delay on ${l.name} failed: ${r.stderr.trim()}`);
      }),
    ),
  );
}
