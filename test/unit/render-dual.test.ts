// FRR (and GoBGP) configs of the dual-stack lab, labs/dual-stack.yaml: every
// router's files against frr-configs/dual (FRR 8.4 accepted them: `vtysh
// --dryrun`, and applied to running daemons `show running-config` held every
// rendered statement; gobgpd --dry-run took the collector's), the IPv6
// sessions' shape, and default.yaml read as [ipv4] byte-identical to
// test/golden/default-ipv4 (the files frr-configs/default held before the
// default lab turned dual-stack).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RENDERED_FILE_NAMES, renderRouter } from '../../src/render/index.js';
import { loadLabFile } from '../../src/topology/load.js';
import { renderGobgpConfig } from '../../src/topology/roles/collector.js';
import { defaultIpv4Lab } from '../fixtures/labs/default-ipv4.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const dual = loadLabFile(join(ROOT, 'labs/dual-stack.yaml'));
const conf = (router: string): string[] => renderRouter(dual, router)['frr.conf'].split('\n');

/** Lines of the block that starts with `head` (exact) up to its closing line `end`. */
function block(lines: string[], head: string, end: string): string[] {
  const start = lines.indexOf(head);
  expect(start, head).toBeGreaterThanOrEqual(0);
  return lines.slice(start, lines.indexOf(end, start) + 1);
}

/**
 * frr-configs/<lab>/ is what `up` writes and the containers mount, committed
 * for readers: it must be what the renderer makes of the lab file. The
 * default lab read as [ipv4] is the proof that IPv4-only labs render the
 * bytes they always did (test/golden/default-ipv4 is frr-configs/default
 * before the switch); the dual-stack labs' files are their goldens.
 * UPDATE_GOLDEN=1 rewrites them (reported as skips).
 */
describe.each([
  ['frr-configs/default', () => loadLabFile(join(ROOT, 'labs/default.yaml'))],
  ['frr-configs/dual', () => loadLabFile(join(ROOT, 'labs/dual-stack.yaml'))],
  ['test/golden/default-ipv4', defaultIpv4Lab],
])('%s matches the render of its lab', (dir, load) => {
  const lab = load();
  const expected: [string, () => string][] = lab.routers.flatMap((r) =>
    RENDERED_FILE_NAMES.map((f): [string, () => string] => [`${r.name}/${f}`, () => renderRouter(lab, r.name)[f]]),
  );
  if (lab.families.includes('ipv6') && lab.collector) expected.push([`${lab.collector.name}/gobgpd.toml`, () => renderGobgpConfig(lab)]);
  it.for(expected)('%s', async ([name, render], ctx) => {
    const path = join(ROOT, dir, name);
    const actual = render();
    if (UPDATE) {
      const before = await readFile(path, 'utf8').catch(() => undefined);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, actual);
      ctx.skip(`UPDATE_GOLDEN=1: ${path} ${before === actual ? 'unchanged' : 'rewritten'}, not compared`);
    }
    expect(actual).toBe(await readFile(path, 'utf8'));
  });
});

describe('the IPv6 sessions', () => {
  const link = dual.links.find((l) => l.name === 't-eu--t-ap')!;
  const v6 = { teu: link.a.ipv6!.address, tap: link.b.ipv6!.address };

  it('are separate sessions with BFD, activated only in the ipv6 family', () => {
    const tap = conf('t-ap');
    for (const stmt of ['remote-as 65010', 'bfd', 'bfd profile bfd-100x3', 'timers 3 9']) expect(tap).toContain(` neighbor ${v6.teu} ${stmt}`);
    const af4 = block(tap, ' address-family ipv4 unicast', ' exit-address-family');
    const af6 = block(tap, ' address-family ipv6 unicast', ' exit-address-family');
    expect(af4).toContain(`  no neighbor ${v6.teu} activate`);
    expect(af4.join('\n')).not.toMatch(/route-map \S+6-/);
    expect(af6).toEqual(expect.arrayContaining([`  neighbor ${v6.teu} activate`, `  neighbor ${v6.teu} route-map FROM6-t-eu in`]));
    expect(af6.join('\n')).not.toMatch(/ \d+\.\d+\.\d+\.\d+ /);
  });

  it('carry their own policy: t-ap prefers t-eu over IPv6 only', () => {
    const tap = conf('t-ap');
    expect(block(tap, 'route-map FROM-t-eu permit 10', 'exit')).toContain(' set local-preference 100');
    expect(block(tap, 'route-map FROM6-t-eu permit 10', 'exit')).toEqual([
      'route-map FROM6-t-eu permit 10',
      ' match ipv6 address prefix-list IN6-t-eu',
      ' set local-preference 250',
      'exit',
    ]);
  });

  it('PoPs announce the /48 in the ipv6 family and send only it', () => {
    const fra = conf('fra');
    expect(block(fra, ' address-family ipv6 unicast', ' exit-address-family')).toContain('  network 2001:db8::/48');
    expect(fra.filter((l) => l.startsWith('ipv6 prefix-list OUT6-'))).toEqual(['ipv6 prefix-list OUT6-t-eu seq 5 permit 2001:db8::/48']);
    expect(fra.filter((l) => l.startsWith('ip prefix-list OUT-'))).toEqual(['ip prefix-list OUT-t-eu seq 5 permit 192.0.2.0/24']);
  });

  it('eyeballs announce their LAN /64 and accept only the /48', () => {
    const ebjp = conf('eb-jp');
    const lan6 = dual.lans.find((l) => l.eyeball === 'eb-jp')!.ipv6!.subnet;
    expect(block(ebjp, ' address-family ipv6 unicast', ' exit-address-family')).toContain(`  network ${lan6}`);
    expect(ebjp.filter((l) => l.startsWith('ipv6 prefix-list IN6-'))).toEqual(['ipv6 prefix-list IN6-t-ap seq 5 permit 2001:db8::/48']);
  });

  it('the collector gets an IPv6 session from every transit', () => {
    const c6 = dual.collector!.ipv6!;
    expect(conf('t-eu')).toContain(` neighbor ${c6.address} remote-as 64999`);
    const toml = renderGobgpConfig(dual);
    for (const p of c6.peers) expect(toml).toContain(`neighbor-address = "${p.address}"`);
    expect(toml.match(/afi-safi-name = "ipv6-unicast"/g)).toHaveLength(c6.peers.length);
  });
});

describe('labs/dual-stack.yaml', () => {
  it('is the default lab with IPv6 beside, and c-jp promised to another PoP over IPv6', () => {
    const def = loadLabFile(join(ROOT, 'labs/default.yaml'));
    expect(dual.name).toBe('dual');
    expect(dual.families).toEqual(['ipv4', 'ipv6']);
    expect(dual.routers).toEqual(def.routers);
    expect(dual.links.map((l) => l.name)).toEqual(def.links.map((l) => l.name));
    const cjp = dual.clients.find((c) => c.name === 'c-jp')!;
    expect(cjp.expect?.pop).toBe('nrt');
    expect(cjp.expect6).toEqual({ pop: 'fra', backup: 'iad' });
    expect(dual.clients.filter((c) => c.expect6).map((c) => c.name)).toEqual(['c-jp']);
    expect(dual.collector?.subnet).toBe('10.89.0.0/24');
  });
});
