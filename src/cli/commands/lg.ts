// `lab lg <router> [vtysh command…]`: a looking glass; by default the paths to
// the lab's anycast prefix.
import { LabError } from '../../errors.js';
import { collectorOf, crossCheck, readCollectorRib, renderCollectorRib } from '../../lab/collector.js';
import { findNodeContainer } from '../../lab/find-node.js';
import { bgpPathsCommand, readBgpPaths } from '../../lab/looking-glass.js';
import { vtysh } from '../../lab/router-query.js';
import { runningLab } from '../../lab/running-lab.js';
import { containerName } from '../../runtime/labels.js';
import type { ContainerRuntime } from '../../runtime/runtime.js';
import { isNetwork } from '../../topology/ipv4.js';
import { isNetwork6 } from '../../topology/ipv6.js';
import type { Collector, Lab } from '../../topology/model.js';
import { DEFAULTS } from '../../topology/resolve.js';
import { defineCommand, jsonOption, labOption } from '../command.js';

export const lgCommand = defineCommand({
  name: 'lg',
  description: "looking glass: run a vtysh command on a router (default: the anycast prefix's paths); `lg collector [prefix]`: every transit's view",
  arguments: [{ name: '<router>' }, { name: '[command...]', description: 'vtysh command', default: [] }],
  options: [labOption(), jsonOption()],
  async run(ctx, [router, words]: [string, string[]], o: { lab?: string; json?: boolean }) {
    const c = await findNodeContainer(ctx.rt, router, o.lab);
    if (c.kind === 'collector') {
      // The route collector speaks GoBGP, not vtysh: the argument is a prefix, and the answer is every transit's view.
      const lab = await runningLab(ctx.rt, c.lab);
      const prefix = words.length ? words.join(' ') : lab.anycast.prefix;
      if (!isNetwork(prefix) && !isNetwork6(prefix))
        throw new LabError(
          'USAGE',
          `lg collector takes a prefix such as ${[lab.anycast.prefix, lab.anycast.ipv6?.prefix].filter(Boolean).join(' or ')} (got "${prefix}")`,
        );
      const col = collectorOf(lab);
      const [paths, frrBest] = await Promise.all([readCollectorRib(ctx.rt, lab, prefix), transitBest(ctx.rt, lab, col, prefix)]);
      const checks = crossCheck(paths, frrBest);
      ctx.print(!!o.json, { router, prefix, paths, checks }, () => renderCollectorRib(paths, col, checks));
      return;
    }
    if (c.kind !== 'router') throw new LabError('USAGE', `${router} is a ${c.kind}, not a router; lg runs vtysh on routers (and on the collector)`);
    // No prefix when the lab file no longer loads: the schema's default then.
    const command = words.length ? words.join(' ') : bgpPathsCommand(c.anycastPrefix ?? DEFAULTS.prefix);
    const wantsJson = o.json && !/\bjson$/.test(command);
    const out = await vtysh(ctx.rt, containerName(c.lab, c.node), wantsJson ? `${command} json` : command);
    // A dual-stack lab's router, asked nothing in particular: the /48's paths too, after the /24's.
    const command6 = !words.length && c.anycastPrefix6 ? bgpPathsCommand(c.anycastPrefix6) : undefined;
    const out6 = command6 ? await vtysh(ctx.rt, containerName(c.lab, c.node), o.json ? `${command6} json` : command6) : undefined;
    if (o.json) ctx.print(true, { router, command, output: safeJson(out), ...(command6 ? { command6, output6: safeJson(out6 ?? '') } : {}) }, () => '');
    else process.stdout.write(out6 === undefined ? out : `${out}\n${out6}`);
  },
});

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

/** Each transit's own best path to `prefix`, from FRR, to cross-check the collector. */
async function transitBest(rt: ContainerRuntime, lab: Lab, col: Collector, prefix: string): Promise<Map<string, { asn: number; asPath: string } | null>> {
  const rows = await Promise.all(
    col.peers.map(async (p) => {
      const lg = await readBgpPaths(rt, containerName(lab.name, p.router), p.router, prefix);
      const best = lg.paths.find((x) => x.best);
      return [p.router, best ? { asn: p.asn, asPath: best.asPath } : null] as const;
    }),
  );
  return new Map(rows);
}
