// `lab gen --pops N --transits M --eyeballs K [--name] [--out] [--json]`:
// writes a lab file for scale tests (src/topology/generate.ts). Pure file
// generation: nothing here touches Docker, so it is safe next to running labs.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { generate, GEN_LIMITS, parseCount } from '../topology/generate.js';
import type { CliContext } from './main.js';

interface GenFlags {
  pops: string;
  transits: string;
  eyeballs: string;
  name?: string;
  out?: string;
  json?: boolean;
}

const range = (k: keyof typeof GEN_LIMITS): string => `${GEN_LIMITS[k].min}..${GEN_LIMITS[k].max}`;

export function registerGen(program: Command, ctx: Pick<CliContext, 'print'>): void {
  program
    .command('gen')
    .description('generate a scale-test lab file: PoPs and eyeballs round robin on a ring of transits, catchment fixed by local-pref')
    .requiredOption('--pops <n>', `PoPs, all in AS64500 (${range('pops')})`)
    .requiredOption('--transits <m>', `transits, one AS each, in a ring (${range('transits')})`)
    .requiredOption('--eyeballs <k>', `eyeball networks, one client each (${range('eyeballs')})`)
    .option('--name <name>', 'lab name (default scale-<pops>-<transits>-<eyeballs>)')
    .option('--out <file>', 'write the lab file here (default: print it on stdout)')
    .option('--json', 'machine-readable summary on stdout')
    .action(async (o: GenFlags) => {
      const g = generate({
        pops: parseCount('pops', o.pops),
        transits: parseCount('transits', o.transits),
        eyeballs: parseCount('eyeballs', o.eyeballs),
        ...(o.name !== undefined ? { name: o.name } : {}),
      });
      if (o.out) {
        await mkdir(dirname(o.out), { recursive: true });
        await writeFile(o.out, g.yaml);
      }
      if (o.json) {
        const expect = Object.fromEntries(Object.entries(g.expect).map(([c, e]) => [c, { pop: e.pop, backup: e.backup ?? null }]));
        ctx.print(true, {
          file: o.out ?? null,
          name: g.name,
          ...g.size,
          routers: g.counts.routers,
          links: g.counts.links,
          lans: g.counts.lans,
          clients: g.counts.clients,
          expect,
          // Nothing was written: the lab itself travels in the JSON.
          ...(o.out ? {} : { yaml: g.yaml }),
        }, () => '');
      } else if (o.out) {
        ctx.print(false, null, () => `wrote ${o.out}: lab "${g.name}", ${g.counts.routers} routers, ${g.counts.links} links, ${g.counts.clients} clients; bring it up with: npm run lab up ${o.out}`);
      } else {
        // The YAML already ends in a newline, and print adds one.
        ctx.print(false, null, () => g.yaml.replace(/\n$/, ''));
      }
    });
}
