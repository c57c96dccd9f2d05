// A PoP leaks a more-specific of the anycast prefix (a /25 on an internal
// interface that was meant to stay inside), and its transit's inbound filter was loosened to
// `le 25`, so the transit takes it. The fix the attendee owns: the transit's
// prefix-list accepts exactly 192.0.2.0/24 from the operator again.
import { LabError } from '../errors.js';
import { softClear } from '../lab/policy-overrides.js';
import { vtysh } from '../lab/router-query.js';
import { containerName } from '../runtime/labels.js';
import { type Lab, sessionsOf } from '../topology/model.js';
import { anycastRouters, roleSpec } from '../topology/roles/registry.js';
import { criterion, type Exercise, type ExerciseContext } from './exercise.js';

const POP = 'nrt';
const LEAK = '192.0.2.128/25';
const SEQ = 100;
/** The "loosened" filter entry: someone widened IN-<pop> to any /23../25 around the anycast prefix. */
const WIDE = '192.0.2.0/23';
/**
 * The PoP's routers run no staticd, and import-check must stay on (it is what
 * withdraws the /24 when the anycast interface goes), so the leaked prefix
 * gets a real, connected route: an address on an empty bridge (the way
 * the PoP holds its anycast address: the containers have no dummy driver).
 */
const LEAK_IF = 'leak0';
const LEAK_ADDR = '192.0.2.129/25';
/** Where every router's rendered config is mounted (as lab/router-query.ts reads it). */
const FRR_CONF = '/etc/frr/frr.conf';

/** The parts of FRR's `show bgp ipv4 unicast json` the checker reads. */
interface BgpTable {
  routes?: Record<string, { path?: string; peerId?: string }[]>;
}

/** First AS of a path: the eBGP neighbour that sent it. */
const firstAs = (path: string | undefined): number | null => {
  const m = /^\s*\{?(\d+)/.exec(path ?? '');
  return m ? Number(m[1]) : null;
};

/**
 * What one transit holds from the operator (pure): every prefix other than
 * the anycast one whose path starts with an operator AS, and whether the
 * anycast prefix arrived from each directly connected PoP (peer address → name).
 */
export function transitLeaks(
  transit: string,
  table: BgpTable,
  operatorAsns: ReadonlySet<number>,
  anycast: string,
  pops: ReadonlyMap<string, string>,
): { leaks: string[]; missing: string[] } {
  const routes = table.routes ?? {};
  const leaks = Object.entries(routes)
    .filter(([prefix, paths]) => prefix !== anycast && paths.some((p) => operatorAsns.has(firstAs(p.path) ?? -1)))
    .map(([prefix, paths]) => `${transit} accepted ${prefix} from AS${firstAs(paths.find((p) => operatorAsns.has(firstAs(p.path) ?? -1))?.path)}`);
  const heard = new Set((routes[anycast] ?? []).map((p) => p.peerId));
  const missing = [...pops].filter(([addr]) => !heard.has(addr)).map(([, pop]) => `${transit} does not hear ${anycast} from ${pop}`);
  return { leaks, missing };
}

/** Running `ip prefix-list` lines that frr.conf does not have (pure). */
export function extraPrefixListLines(rendered: string, running: string): string[] {
  const want = new Set(rendered.split('\n').map((l) => l.trim()));
  return running
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('ip prefix-list ') && !want.has(l));
}

/**
 * Delete and re-add the rendered entries of every list that had extras (pure):
 * on FRR 8.4, deleting an entry can drop the route-map prefix-table node of
 * another entry with the same prefix (FRRouting/frr#13369), after which the
 * route-map matches nothing; re-adding an entry puts the node back.
 */
export function reseatLines(rendered: string, extra: readonly string[]): string[] {
  const lists = new Set(extra.map((l) => l.split(/\s+/)[2]));
  return rendered
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('ip prefix-list ') && lists.has(l.split(/\s+/)[2]))
    .flatMap((l) => [`no ${l}`, l]);
}

const transits = (lab: Lab) => lab.routers.filter((r) => roleSpec(r.role).name === 'transit');
const popPeers = (lab: Lab, router: string) => {
  const pops = new Set(anycastRouters(lab).map((r) => r.name));
  return sessionsOf(lab, router).filter((s) => pops.has(s.remote.node));
};

const runningConfig = (ctx: ExerciseContext, router: string) => vtysh(ctx.rt, containerName(ctx.lab.name, router), 'show running-config');
const renderedConfig = async (ctx: ExerciseContext, router: string) =>
  (await ctx.rt.exec(containerName(ctx.lab.name, router), ['cat', FRR_CONF], { timeoutMs: 10_000 })).stdout;

async function sh(ctx: ExerciseContext, router: string, script: string): Promise<void> {
  const r = await ctx.rt.exec(containerName(ctx.lab.name, router), ['sh', '-c', script], { timeoutMs: 10_000 });
  if (r.exitCode !== 0) throw new LabError('ROUTER_QUERY', `${router}: \`${script}\` exited ${r.exitCode}: ${(r.stderr || r.stdout).trim()}`);
}

/** Every transit's prefix-lists back to frr.conf, with a soft clear in from its PoPs. */
async function restoreTransitFilters(ctx: ExerciseContext): Promise<string[]> {
  const done: string[] = [];
  for (const t of transits(ctx.lab)) {
    const rendered = await renderedConfig(ctx, t.name);
    const extra = extraPrefixListLines(rendered, await runningConfig(ctx, t.name));
    if (!extra.length) continue;
    const clears = popPeers(ctx.lab, t.name).map((s) => softClear(s.remote.address, 'in'));
    const reseat = reseatLines(rendered, extra);
    await vtysh(ctx.rt, containerName(ctx.lab.name, t.name), 'configure terminal', ...extra.map((l) => `no ${l}`), ...reseat, 'end', ...clears);
    const lists = [...new Set(extra.map((l) => l.split(/\s+/)[2]))];
    done.push(
      `${t.name}: ${extra.map((l) => `no ${l}`).join('; ')}; ${lists.join(', ')} entries re-added (FRR 8.4 route-map prefix table); ${clears.join('; ')}`,
    );
  }
  return done;
}

const uplink = (lab: Lab) => {
  const s = sessionsOf(lab, POP).find((x) => transits(lab).some((t) => t.name === x.remote.node));
  if (!s) throw new LabError('USAGE', `this exercise needs ${POP} with a transit uplink; lab "${lab.name}" has none`);
  return s;
};

export const prefixLeak: Exercise = {
  id: 'prefix-leak',
  async cleanup(ctx) {
    const s = uplink(ctx.lab);
    const running = await runningConfig(ctx, POP);
    const asn = ctx.lab.routers.find((r) => r.name === POP)?.asn;
    const lines = [
      ...(running.includes(`network ${LEAK}`) ? [`router bgp ${asn}`, 'address-family ipv4 unicast', `no network ${LEAK}`, 'exit-address-family', 'exit'] : []),
      ...extraPrefixListLines(await renderedConfig(ctx, POP), running).map((l) => `no ${l}`),
    ];
    await sh(ctx, POP, `ip link del ${LEAK_IF} 2>/dev/null; true`);
    if (lines.length) await vtysh(ctx.rt, containerName(ctx.lab.name, POP), 'configure terminal', ...lines, 'end', softClear(s.remote.address, 'out'));
    await restoreTransitFilters(ctx);
  },
  async inject(ctx) {
    const s = uplink(ctx.lab);
    const t = s.remote.node;
    const asn = ctx.lab.routers.find((r) => r.name === POP)?.asn;
    await sh(ctx, POP, `ip link add ${LEAK_IF} type bridge 2>/dev/null; ip addr replace ${LEAK_ADDR} dev ${LEAK_IF} && ip link set ${LEAK_IF} up`);
    const popLines = [`ip prefix-list OUT-${t} seq ${SEQ} permit ${LEAK}`, `router bgp ${asn}`, 'address-family ipv4 unicast', `network ${LEAK}`];
    // A /23 and not `192.0.2.0/24 le 25`: FRR 8.4 loses a route-map's prefix-table
    // node when one of two entries with the same prefix is deleted (FRRouting/frr#13369),
    // and the exact /24 from nrt would then be dropped after the fix.
    const transitLine = `ip prefix-list IN-${POP} seq ${SEQ} permit ${WIDE} le 25`;
    await vtysh(ctx.rt, containerName(ctx.lab.name, t), 'configure terminal', transitLine, 'end', softClear(s.local.address, 'in'));
    await vtysh(ctx.rt, containerName(ctx.lab.name, POP), 'configure terminal', ...popLines, 'end', softClear(s.remote.address, 'out'));
    return [`${POP}: ${LEAK_ADDR} on ${LEAK_IF}; ${popLines.join('; ')}`, `${t}: ${transitLine}`];
  },
  async check(ctx) {
    const { lab, rt } = ctx;
    const operator = new Set(anycastRouters(lab).map((r) => r.asn));
    const results = await Promise.all(
      transits(lab).map(async (t) => {
        const table = JSON.parse(await vtysh(rt, containerName(lab.name, t.name), 'show bgp ipv4 unicast json')) as BgpTable;
        const pops = new Map(popPeers(lab, t.name).map((s) => [s.remote.address, s.remote.node]));
        return transitLeaks(t.name, table, operator, lab.anycast.prefix, pops);
      }),
    );
    const names = transits(lab)
      .map((t) => t.name)
      .join(', ');
    return [
      criterion(
        `transits accept nothing from AS${[...operator].join('/')} but ${lab.anycast.prefix}`,
        results.flatMap((r) => r.leaks),
        `${names}: nothing else from the operator`,
      ),
      criterion(
        `transits still accept ${lab.anycast.prefix} from every PoP`,
        results.flatMap((r) => r.missing),
        `${names} hear it from each PoP they connect`,
      ),
    ];
  },
  solve: restoreTransitFilters,
};
