import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LAB } from '../../src/cli/context.js';
import { listensFor } from '../../src/render/frr-config.js';
import { configHash, RENDERED_FILE_NAMES, RenderError, renderLab, renderRouter, writeLabConfigs } from '../../src/render/index.js';
import { loadLabFile } from '../../src/topology/load.js';
import type { Lab, Router } from '../../src/topology/model.js';
import { smallLab } from '../fixtures/render/small-lab.js';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), '../golden/render');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** Lines of one router's frr.conf that start with `prefix` (comments dropped). */
const linesOf = (router: string, prefix: string): string[] =>
  renderRouter(smallLab, router)
    ['frr.conf'].split('\n')
    .filter((l) => l.startsWith(prefix));

/** Permitted prefixes of one prefix-list, in seq order. */
const permits = (router: string, list: string): string[] =>
  linesOf(router, `ip prefix-list ${list} `).map((l) => {
    const m = /^ip prefix-list \S+ seq \d+ (permit|deny) (\S+)$/.exec(l);
    if (!m) throw new Error(`unexpected prefix-list line: ${l}`);
    return m[1] === 'permit' ? m[2] : `!${m[2]}`;
  });

/** The route-map block starting at `route-map <name> ...` up to its `exit`. */
function routeMap(router: string, name: string): string[] {
  const lines = renderRouter(smallLab, router)['frr.conf'].split('\n');
  const start = lines.findIndex((l) => l.startsWith(`route-map ${name} `));
  expect(start, `route-map ${name} on ${router}`).toBeGreaterThanOrEqual(0);
  return lines.slice(start, lines.indexOf('exit', start) + 1);
}

describe('renderLab golden files', () => {
  const rendered = renderLab(smallLab);

  it('renders every router and no client', () => {
    expect([...rendered.keys()]).toEqual(smallLab.routers.map((r) => r.name));
    expect(rendered.has('client-de')).toBe(false);
  });

  for (const router of smallLab.routers) {
    for (const file of RENDERED_FILE_NAMES) {
      it(`${router.name}/${file} matches golden`, async (ctx) => {
        const path = join(GOLDEN, router.name, file);
        const actual = rendered.get(router.name)![file];
        if (UPDATE) {
          // Rewriting the golden compares nothing: reported as a skip, never a pass.
          const before = await readFile(path, 'utf8').catch(() => undefined);
          await mkdir(dirname(path), { recursive: true });
          await writeFile(path, actual);
          ctx.skip(`UPDATE_GOLDEN=1: ${path} ${before === actual ? 'unchanged' : 'rewritten'}, not compared`);
        }
        expect(actual).toBe(await readFile(path, 'utf8'));
      });
    }
  }

  it('is deterministic', () => {
    expect(renderLab(structuredClone(smallLab))).toEqual(rendered);
  });

  it('does not depend on the order of links in the model', () => {
    const shuffled: Lab = { ...smallLab, links: [...smallLab.links].reverse() };
    expect(renderLab(shuffled)).toEqual(rendered);
  });
});

describe('prefix-lists', () => {
  it('defines ANYCAST and one CLIENT-LANS entry per LAN', () => {
    expect(permits('transit-a', 'ANYCAST')).toEqual(['192.0.2.0/24']);
    expect(linesOf('transit-a', 'ip prefix-list CLIENT-LANS')).toEqual(['ip prefix-list CLIENT-LANS seq 5 permit 10.78.1.0/24']);
  });

  it('PoPs send only the anycast prefix, to every neighbour', () => {
    for (const [pop, peers] of [
      ['pop-fra', ['transit-a']],
      ['pop-ams', ['transit-b', 'eyeball-de']],
    ] as const) {
      const outLists = linesOf(pop, 'ip prefix-list OUT-');
      expect(outLists).toHaveLength(peers.length);
      for (const peer of peers) expect(permits(pop, `OUT-${peer}`)).toEqual(['192.0.2.0/24']);
    }
  });

  it("PoPs accept all client LANs from transits and only the eyeball's own LAN from an eyeball", () => {
    expect(permits('pop-fra', 'IN-transit-a')).toEqual(['10.78.1.0/24']);
    expect(permits('pop-ams', 'IN-eyeball-de')).toEqual(['10.78.1.0/24']);
  });

  it('transits accept exactly the anycast prefix from a PoP', () => {
    expect(linesOf('transit-a', 'ip prefix-list IN-pop-fra ')).toEqual(['ip prefix-list IN-pop-fra seq 5 permit 192.0.2.0/24']);
    expect(permits('transit-b', 'IN-pop-ams')).toEqual(['192.0.2.0/24']);
  });

  it('transit policy toward transits, eyeballs and PoPs', () => {
    expect(permits('transit-a', 'IN-transit-b')).toEqual(['192.0.2.0/24', '10.78.1.0/24']);
    expect(permits('transit-a', 'OUT-transit-b')).toEqual(['192.0.2.0/24', '10.78.1.0/24']);
    expect(permits('transit-a', 'IN-eyeball-de')).toEqual(['10.78.1.0/24']);
    expect(permits('transit-a', 'OUT-eyeball-de')).toEqual(['192.0.2.0/24']);
    expect(permits('transit-a', 'OUT-pop-fra')).toEqual(['10.78.1.0/24']);
  });

  it('eyeballs accept only the anycast prefix and send only their LAN', () => {
    for (const peer of ['transit-a', 'transit-b', 'pop-ams']) {
      expect(permits('eyeball-de', `IN-${peer}`)).toEqual(['192.0.2.0/24']);
      expect(permits('eyeball-de', `OUT-${peer}`)).toEqual(['10.78.1.0/24']);
    }
  });

  it('an empty list denies everything', () => {
    const noLans: Lab = { ...smallLab, lans: [], clients: [] };
    const conf = renderRouter(noLans, 'eyeball-de')['frr.conf'];
    expect(conf).toContain('ip prefix-list OUT-transit-a seq 5 deny any');
    expect(conf).toContain('ip prefix-list CLIENT-LANS seq 5 deny any');
    expect(conf).not.toMatch(/^ {2}network /m);
  });

  it('PoPs accept nothing from another PoP', () => {
    const popPeering: Lab = {
      ...smallLab,
      links: [
        ...smallLab.links,
        { ...smallLab.links[0], name: 'pop-fra--pop-ams', a: { ...smallLab.links[0].a }, b: { ...smallLab.links[0].b, node: 'pop-ams' } },
      ],
    };
    const conf = renderRouter(popPeering, 'pop-fra')['frr.conf'];
    expect(conf).toContain('ip prefix-list IN-pop-ams seq 5 deny any');
    expect(conf).toContain('ip prefix-list OUT-pop-ams seq 5 permit 192.0.2.0/24');
  });
});

describe('route-maps', () => {
  it('FROM- sets the local preference of the local side', () => {
    expect(routeMap('eyeball-de', 'FROM-transit-a')).toEqual([
      'route-map FROM-transit-a permit 10',
      ' match ip address prefix-list IN-transit-a',
      ' set local-preference 200',
      'exit',
    ]);
  });

  it('prepend repeats the local ASN', () => {
    expect(routeMap('pop-ams', 'TO-transit-b')).toContain(' set as-path prepend 65002 65002');
    expect(routeMap('pop-ams', 'TO-eyeball-de').join('\n')).not.toContain('prepend');
  });

  it('MED only where the lab sets one', () => {
    expect(routeMap('transit-b', 'TO-eyeball-de')).toContain(' set metric 50');
    expect(renderRouter(smallLab, 'transit-a')['frr.conf']).not.toContain('set metric');
  });

  it('every session has a route-map in and out (ebgp-requires-policy stays on)', () => {
    for (const router of smallLab.routers) {
      const conf = renderRouter(smallLab, router.name)['frr.conf'];
      const neighbours = [...conf.matchAll(/^ neighbor (\S+) remote-as/gm)].map((m) => m[1]);
      expect(neighbours.length).toBeGreaterThan(0);
      for (const n of neighbours) {
        expect(conf).toMatch(new RegExp(`^  neighbor ${n.replaceAll('.', '\\.')} route-map FROM-\\S+ in$`, 'm'));
        expect(conf).toMatch(new RegExp(`^  neighbor ${n.replaceAll('.', '\\.')} route-map TO-\\S+ out$`, 'm'));
      }
      expect(conf).not.toMatch(/^\s*no bgp ebgp-requires-policy/m);
    }
  });
});

describe('BFD', () => {
  it('one profile per distinct interval x multiplier', () => {
    const conf = renderRouter(smallLab, 'eyeball-de')['frr.conf'];
    expect(conf).toContain(
      [
        'bfd',
        ' profile bfd-100x5',
        '  transmit-interval 100',
        '  receive-interval 100',
        '  detect-multiplier 5',
        ' exit',
        ' profile bfd-300x3',
        '  transmit-interval 300',
        '  receive-interval 300',
        '  detect-multiplier 3',
        ' exit',
        'exit',
        '!',
      ].join('\n'),
    );
    expect(conf).toContain(' neighbor 10.77.0.26 bfd\n neighbor 10.77.0.26 bfd profile bfd-100x5\n');
    expect(conf).toContain(' neighbor 10.77.0.34 bfd profile bfd-300x3\n');
  });

  it('no bfd on a BFD-disabled link, and no bfd block when no link uses it', () => {
    const conf = renderRouter(smallLab, 'transit-a')['frr.conf'];
    expect(conf).toMatch(/^ neighbor 10\.77\.0\.19 remote-as 65102$/m);
    expect(conf).not.toMatch(/neighbor 10\.77\.0\.19 bfd/);
    const noBfd: Lab = { ...smallLab, links: smallLab.links.map((l) => ({ ...l, bfd: { ...l.bfd, enabled: false } })) };
    const plain = renderRouter(noBfd, 'transit-a')['frr.conf'];
    expect(plain).not.toMatch(/^bfd$/m);
    expect(plain).not.toMatch(/ bfd/);
  });
});

describe('router bgp', () => {
  const popConf = renderRouter(smallLab, 'pop-fra')['frr.conf'];

  it('keeps import-check on and originates the anycast prefix on PoPs only', () => {
    for (const router of smallLab.routers) {
      expect(renderRouter(smallLab, router.name)['frr.conf']).not.toMatch(/^\s*no bgp network import-check/m);
    }
    expect(popConf).toMatch(/^ {2}network 192\.0\.2\.0\/24$/m);
    expect(renderRouter(smallLab, 'eyeball-de')['frr.conf']).toMatch(/^ {2}network 10\.78\.1\.0\/24$/m);
    expect(renderRouter(smallLab, 'transit-a')['frr.conf']).not.toMatch(/^ {2}network /m);
  });

  it('session settings', () => {
    expect(popConf).toContain(
      [
        ' neighbor 10.77.0.3 remote-as 65101',
        ' neighbor 10.77.0.3 description transit-a',
        ' neighbor 10.77.0.3 timers 3 9',
        ' neighbor 10.77.0.3 timers connect 1',
        ' neighbor 10.77.0.3 advertisement-interval 0',
        ' neighbor 10.77.0.3 passive',
        ' neighbor 10.77.0.3 bfd',
        ' neighbor 10.77.0.3 bfd profile bfd-300x3',
      ].join('\n'),
    );
    expect(popConf).toContain(' bgp router-id 10.255.0.1\n bgp log-neighbor-changes\n bgp bestpath compare-routerid\n');
  });

  it('one end of every session only listens (passive): the PoP, else the end whose name sorts later', () => {
    const lab = loadLabFile(DEFAULT_LAB);
    const passive = (router: string) => [...renderRouter(lab, router)['frr.conf'].matchAll(/^ neighbor (\S+) passive$/gm)].map((m) => m[1]);
    for (const link of lab.links) {
      const { a, b } = link;
      const listening = [passive(a.node).includes(b.address), passive(b.node).includes(a.address)];
      expect(listening.filter(Boolean), `${link.name}: exactly one end listens`).toHaveLength(1);
      const roles = [a, b].map((e) => lab.routers.find((r) => r.name === e.node)!.role);
      const expected = roles[0] === 'pop' ? 0 : roles[1] === 'pop' ? 1 : a.node > b.node ? 0 : 1;
      expect(listening[expected], `${link.name}: ${[a.node, b.node][expected]} listens`).toBe(true);
    }
    expect(listensFor({ name: 'a', role: 'transit' } as Router, { name: 'z', role: 'pop' } as Router)).toBe(false);
    expect(listensFor({ name: 'z', role: 'pop' } as Router, { name: 'a', role: 'transit' } as Router)).toBe(true);
    expect(listensFor({ name: 't-us', role: 'transit' } as Router, { name: 't-eu', role: 'transit' } as Router)).toBe(true);
  });

  it('header and banner', () => {
    const files = renderRouter(smallLab, 'pop-fra');
    const banner = 'Generated by anycast-lab from small.yaml — edit the lab file, not this.';
    expect(files['frr.conf'].split('\n')[0]).toBe(`! ${banner}`);
    expect(files['vtysh.conf']).toBe(`! ${banner}\nservice integrated-vtysh-config\nhostname pop-fra\n`);
    expect(files.daemons.split('\n')[0]).toBe(`# ${banner}`);
    for (const line of [
      'frr version 8.4',
      'frr defaults traditional',
      'hostname pop-fra',
      'log file /var/log/frr/frr.log informational',
      'log timestamp precision 6',
      'service integrated-vtysh-config',
    ]) {
      expect(files['frr.conf'].split('\n')).toContain(line);
    }
  });
});

describe('daemons', () => {
  const daemons = renderRouter(smallLab, 'transit-a').daemons;
  const settings = Object.fromEntries(
    daemons
      .split('\n')
      .filter((l) => /^\w+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

  it('starts zebra, bgpd and bfdd only', () => {
    const on = Object.entries(settings)
      .filter(([, v]) => v === 'yes')
      .map(([k]) => k);
    expect(on.sort()).toEqual(['bfdd', 'bgpd', 'vtysh_enable', 'zebra']);
    expect(settings.ospfd).toBe('no');
    expect(settings.pathd).toBe('no');
  });

  it("matches Debian's option format", () => {
    expect(settings.zebra_options).toBe('"  -A 127.0.0.1 -s 90000000"');
    expect(settings.bgpd_options).toBe('"   -A 127.0.0.1"');
    expect(settings.bfdd_options).toBe('"   -A 127.0.0.1"');
    expect(settings.staticd_options).toBeUndefined();
    expect(settings.frr_profile).toBe('"traditional"');
  });

  // FRR 8.4's zebra otherwise deletes and re-adds an IPv6 route on every change:
  // a packet in between is dropped (dual-stack-failover.test.ts watches the kernel).
  it('has zebra replace IPv6 routes in one step on a dual-stack lab only', () => {
    const zebraOf = (lab: Lab) => renderRouter(lab, 'transit-a').daemons.match(/^zebra_options=(.*)$/m)?.[1];
    expect(zebraOf({ ...smallLab, families: ['ipv4', 'ipv6'] })).toBe('"  -A 127.0.0.1 -s 90000000 --v6-rr-semantics"');
    expect(zebraOf(smallLab)).toBe('"  -A 127.0.0.1 -s 90000000"');
  });
});

describe('errors', () => {
  it('names the node when asked for a client or an unknown node', () => {
    expect(() => renderRouter(smallLab, 'client-de')).toThrow(/client-de.*client/);
    expect(() => renderRouter(smallLab, 'nope')).toThrow(RenderError);
  });

  it('refuses two links between the same routers', () => {
    const twice: Lab = { ...smallLab, links: [...smallLab.links, { ...smallLab.links[0], name: 'pop-fra--transit-a-2' }] };
    expect(() => renderLab(twice)).toThrow(/two links to "transit-a"/);
  });
});

describe('writeLabConfigs', () => {
  let root: string | undefined;
  afterEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
    root = undefined;
  });

  it('writes every router, hashes the files, and removes stale node dirs', async () => {
    root = await mkdtemp(join(tmpdir(), 'anycast-lab-render-'));
    await mkdir(join(root, 'small', 'pop-old'), { recursive: true });
    await writeFile(join(root, 'small', 'pop-old', 'frr.conf'), 'stale');
    await mkdir(join(root, 'small', 'notes'), { recursive: true });
    await writeFile(join(root, 'small', 'notes', 'readme.txt'), 'not ours');

    const hashes = await writeLabConfigs(smallLab, root);

    expect([...hashes.keys()]).toEqual(smallLab.routers.map((r) => r.name));
    for (const [node, files] of renderLab(smallLab)) {
      expect(hashes.get(node)).toMatch(/^[0-9a-f]{12}$/);
      expect(hashes.get(node)).toBe(configHash(files));
      for (const name of RENDERED_FILE_NAMES) {
        expect(await readFile(join(root, 'small', node, name), 'utf8')).toBe(files[name]);
      }
    }
    const dirs = (await readdir(join(root, 'small'))).sort();
    expect(dirs).toEqual(['eyeball-de', 'notes', 'pop-ams', 'pop-fra', 'transit-a', 'transit-b']);
    expect(await readdir(join(root, 'small', 'pop-fra'))).toHaveLength(3);

    // Idempotent: same lab, same hashes; a changed link changes only its two ends.
    expect(await writeLabConfigs(smallLab, root)).toEqual(hashes);
    const changed: Lab = { ...smallLab, links: smallLab.links.map((l, i) => (i === 0 ? { ...l, timers: { keepalive: 1, hold: 3 } } : l)) };
    const after = await writeLabConfigs(changed, root);
    const differs = [...after].filter(([node, h]) => hashes.get(node) !== h).map(([node]) => node);
    expect(differs.sort()).toEqual(['pop-fra', 'transit-a']);
  });

  it('refuses a lab name that would escape the root', async () => {
    await expect(writeLabConfigs({ ...smallLab, name: '../x' }, tmpdir())).rejects.toThrow(RenderError);
  });
});
