// `lab gen --pops N --transits M --eyeballs K [--name] [--out] [--json]`:
// writes a lab file for scale tests (src/topology/generate.ts). Pure file
// generation: nothing here touches Docker, so it is safe next to running labs.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GEN_LIMITS, generate, parseCount } from '../../topology/generate.js';
import { defineCommand, jsonOption } from '../command.js';
import type { CliContext } from '../context.js';

interface GenFlags {
  pops: string;
  transits: string;
  eyeballs: string;
  name?: string;
  out?: string;
  json?: boolean;
}

const range = (k: keyof typeof GEN_LIMITS): string => `${GEN_LIMITS[k].min}..${GEN_LIMITS[k].max}`;

export const genCommand = defineCommand({
  name: 'gen',
  description: 'generate a scale-test lab file: PoPs and eyeballs round robin on a ring of transits, catchment fixed by local-pref',
  options: [
    { flags: '--pops <n>', description: `PoPs, all in AS64500 (${range('pops')})`, required: true },
    { flags: '--transits <m>', description: `transits, one AS each, in a ring (${range('transits')})`, required: true },
    { flags: '--eyeballs <k>', description: `eyeball networks, one client each (${range('eyeballs')})`, required: true },
    { flags: '--name <name>', description: 'lab name (default scale-<pops>-<transits>-<eyeballs>)' },
    { flags: '--out <file>', description: 'write the lab file here (default: print it on stdout)' },
    jsonOption('machine-readable summary on stdout'),
  ],
  async run(ctx: Pick<CliContext, 'print'>, _args: [], o: GenFlags) {
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
      ctx.print(
        true,
        {
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
        },
        () => '',
      );
    } else if (o.out) {
      ctx.print(
        false,
        null,
        () =>
          `wrote ${o.out}: lab "${g.name}", ${g.counts.routers} routers, ${g.counts.links} links, ${g.counts.clients} clients; bring it up with: npm run lab up ${o.out}`,
      );
    } else {
      // The YAML already ends in a newline, and print adds one.
      ctx.print(false, null, () => g.yaml.replace(/\n$/, ''));
    }
  },
});
