// frr-start.sh splits frr.conf so each daemon reads its own part at start
// (-f) instead of vtysh -b's line-by-line round trips. Run on every golden
// render: nothing may be lost, nothing may reach a daemon that rejects it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/paths.js';
import { renderRouter } from '../../src/render/frr-config.js';
import { loadLabFile } from '../../src/topology/load.js';

const SCRIPT = join(REPO_ROOT, 'src', 'agent', 'frr-start.sh');
const GOLDEN = join(REPO_ROOT, 'test', 'golden', 'render');

/** Runs only split_conf (and the log helper it needs) from frr-start.sh. */
function split(conf: string): { split: boolean; log: string; files: Record<'zebra' | 'bgpd' | 'bfdd', string> } {
  const dir = mkdtempSync(join(tmpdir(), 'frr-split-'));
  writeFileSync(join(dir, 'frr.conf'), conf);
  const fns = readFileSync(SCRIPT, 'utf8');
  const pick = (name: string) => {
    const m = new RegExp(`^${name}\\(\\) \\{[\\s\\S]*?^\\}`, 'm').exec(fns);
    if (!m) throw new Error(`${name}() not found in frr-start.sh`);
    return m[0];
  };
  const log = /^log\(\) \{.*$/m.exec(fns)?.[0] ?? '';
  const program = [log, `DAEMON_CONF=${dir}`, `FRR_CONF=${dir}/frr.conf`, 'SPLIT=0', pick('split_conf'), 'split_conf', 'echo "SPLIT=$SPLIT"'].join('\n');
  const out = execFileSync('bash', ['-c', program], { encoding: 'utf8' });
  const read = (d: string) => readFileSync(join(dir, `${d}.conf`), 'utf8');
  return { split: /SPLIT=1/.test(out), log: out, files: { zebra: read('zebra'), bgpd: read('bgpd'), bfdd: read('bfdd') } };
}

const statements = (text: string) => text.split('\n').filter((l) => l.trim() && !l.trimStart().startsWith('!'));

describe('frr-start.sh: frr.conf split per daemon', () => {
  const goldens = readdirSync(GOLDEN).filter((d) => readdirSync(join(GOLDEN, d)).includes('frr.conf'));

  it('has golden configs to split', () => {
    expect(goldens.length).toBeGreaterThanOrEqual(5);
  });

  for (const g of goldens) {
    it(`${g}: bgpd gets all but the BFD block, zebra no BGP, bfdd the globals and the BFD block`, () => {
      const conf = readFileSync(join(GOLDEN, g, 'frr.conf'), 'utf8');
      const { split: ok, files } = split(conf);
      expect(ok).toBe(true);
      // bgpd: all of frr.conf, in order, but the BFD block (bfdd's), zebra's own settings and vtysh's.
      const block = /^bfd\n[\s\S]*?^exit$/m.exec(conf)?.[0] ?? '';
      expect(block).not.toBe('');
      const bgpd = statements(files.bgpd);
      expect(bgpd).toEqual(statements(conf.replace(block, '')).filter((l) => l !== 'service integrated-vtysh-config' && !l.startsWith('zebra ')));
      expect(bgpd.some((l) => l.startsWith('router bgp '))).toBe(true);
      // zebra: no BGP statement (zebra would reject them).
      const zebra = statements(files.zebra);
      expect(zebra.filter((l) => /^(router bgp|bgp |bfd$)/.test(l) || l.startsWith(' neighbor'))).toEqual([]);
      expect(zebra).toContain(`hostname ${/^hostname (\S+)/m.exec(conf)?.[1]}`);
      // bfdd: the globals (its log file) and the bfd block, nothing else.
      const globals = statements(conf).filter((l) => /^(frr |hostname |log )/.test(l));
      expect(globals.some((l) => l.startsWith('log file '))).toBe(true);
      expect(statements(files.bfdd)).toEqual([...globals, ...statements(block)]);
    });
  }

  it('every router of the dual-stack default lab splits: its ipv6 prefix-lists go to zebra and bgpd, as vtysh -b gives them', () => {
    const lab = loadLabFile(join(REPO_ROOT, 'labs', 'default.yaml'));
    for (const r of lab.routers) {
      const conf = renderRouter(lab, r.name)['frr.conf'];
      const v6 = statements(conf).filter((l) => l.startsWith('ipv6 prefix-list '));
      expect(v6.length, r.name).toBeGreaterThan(0);
      const { split: ok, log, files } = split(conf);
      expect({ router: r.name, ok, log }).toEqual({ router: r.name, ok: true, log: 'SPLIT=1\n' });
      for (const d of ['zebra', 'bgpd'] as const)
        expect(
          statements(files[d]).filter((l) => l.startsWith('ipv6 prefix-list ')),
          `${r.name} ${d}`,
        ).toEqual(v6);
    }
  });

  it("zebra's own settings (a user's 'zebra work-queue 0' after the hostname) go to zebra alone", () => {
    // The rendered configs carry none (docs/failover.md says why); a lab
    // operator who adds one must not send bgpd to vtysh -b.
    const conf = readFileSync(join(GOLDEN, goldens[0], 'frr.conf'), 'utf8').replace(/^(hostname .*)$/m, '$1\nzebra work-queue 0');
    const r = split(conf);
    expect(r.split).toBe(true);
    expect(statements(r.files.zebra)).toContain('zebra work-queue 0');
    expect(statements(r.files.bgpd)).not.toContain('zebra work-queue 0');
  });

  it('a statement it does not know sends zebra and bgpd to vtysh -b, and still writes bfdd its block', () => {
    const conf = readFileSync(join(GOLDEN, goldens[0], 'frr.conf'), 'utf8').replace(/^router bgp /m, 'ip route 10.9.0.0/16 Null0\nrouter bgp ');
    const r = split(conf);
    expect(r.split).toBe(false);
    expect(r.log).toMatch(/no daemon known for 'ip route 10\.9\.0\.0\/16 Null0'/);
    expect(r.files.bfdd).toMatch(/^bfd\n profile /m);
  });
});
