// The DOCKER-USER scripts run against a fake iptables that keeps its chain in
// a file and prints `-S` the way iptables-nft 1.8 does (comments quoted), the
// detail that once made deletions silently fail.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allowScript, allowScript6, bridgeOf, clientRoutesScript, removeScript } from '../../src/runtime/host-firewall.js';

const FAKE_IPT = `#!/bin/sh
# usage: iptables-nft <op> DOCKER-USER [-i X -o X -m comment --comment TAG -j ACCEPT]
chain="$FAKE_DIR/chain"; touch "$chain"
op=$1; shift; shift
rule=$(echo "$*" | sed 's/--comment \\([^ ]*\\)/--comment "\\1"/')
case $op in
  -S) echo "-N DOCKER-USER"; sed 's/^/-A DOCKER-USER /' "$chain"; echo "-A DOCKER-USER -j RETURN";;
  -C) grep -qxF -- "$rule" "$chain";;
  -I) { echo "$rule"; cat "$chain"; } > "$chain.new" && mv "$chain.new" "$chain";;
  -D) grep -qxF -- "$rule" "$chain" || { echo "iptables: Bad rule (does a matching rule exist in that chain?)." >&2; exit 1; }
      grep -vxF -- "$rule" "$chain" > "$chain.new"; mv "$chain.new" "$chain";;
esac
`;

function sandbox() {
  const dir = mkdtempSync(join(tmpdir(), 'fw-'));
  writeFileSync(join(dir, 'iptables-nft'), FAKE_IPT);
  chmodSync(join(dir, 'iptables-nft'), 0o755);
  const run = (script: string) => execFileSync('sh', ['-c', script], { env: { PATH: `${dir}:/usr/bin:/bin`, FAKE_DIR: dir } }).toString();
  const rules = () => readFileSync(join(dir, 'chain'), 'utf8').trim().split('\n').filter(Boolean);
  return { run, rules };
}

describe('host firewall scripts', () => {
  it('names bridges the way Docker does for networks it names itself', () => {
    expect(bridgeOf('5b1686cdb23f0123456789')).toBe('br-5b1686cdb23f');
  });

  it('accepts exactly the lab bridges, once, and only within one bridge', () => {
    const fw = sandbox();
    fw.run(allowScript('default', ['br-a', 'br-b']));
    fw.run(allowScript('default', ['br-a', 'br-b']));
    expect(fw.rules().sort()).toEqual([
      '-i br-a -o br-a -m comment --comment "anycast-lab:default" -j ACCEPT',
      '-i br-b -o br-b -m comment --comment "anycast-lab:default" -j ACCEPT',
    ]);
  });

  it('drops rules of recreated bridges of the same lab and leaves other labs alone', () => {
    const fw = sandbox();
    fw.run(allowScript('default', ['br-a', 'br-b']));
    fw.run(allowScript('other', ['br-x']));
    fw.run(allowScript('default', ['br-a', 'br-c']));
    expect(
      fw
        .rules()
        .map((r) => r.split(' ')[1])
        .sort(),
    ).toEqual(['br-a', 'br-c', 'br-x']);
  });

  it('removes one lab, or every lab', () => {
    const fw = sandbox();
    fw.run(allowScript('default', ['br-a']));
    fw.run(allowScript('default2', ['br-d']));
    fw.run(allowScript('other', ['br-x']));
    fw.run(removeScript('default'));
    expect(
      fw
        .rules()
        .map((r) => r.split(' ')[1])
        .sort(),
    ).toEqual(['br-d', 'br-x']);
    fw.run(removeScript());
    expect(fw.rules()).toEqual([]);
  });
});

describe('client default routes from one host helper', () => {
  it('enters each client namespace by its host pid and replaces the default route', () => {
    const s = clientRoutesScript([
      { node: 'c-de', pid: 4242, gateway: '10.78.0.2' },
      { node: 'c-us', pid: 4343, gateway: '10.78.1.2' },
    ]);
    expect(s).toContain('nsenter --net=/proc/4242/ns/net ip route replace default via 10.78.0.2');
    expect(s).toContain('nsenter --net=/proc/4343/ns/net ip route replace default via 10.78.1.2');
    // Each client reports its route on a line `up` turns into progress.
    expect(s).toMatch(/echo "route c-de: \$\(nsenter --net=\/proc\/4242\/ns\/net ip route show default\)"/);
    // One failure fails the helper (and `up`), rather than leaving a client routed via the host.
    expect(s.split('&&\n')).toHaveLength(2);
  });
});

// ip6tables with chains of its own: one file per chain, `-S` the way
// ip6tables-nft 1.8 prints it (comments quoted), -N failing on a chain that exists.
const FAKE_IP6T = `#!/bin/sh
d="$FAKE_DIR/ip6"; mkdir -p "$d"; [ -f "$d/FORWARD" ] || touch "$d/FORWARD" "$d/INPUT"
op=$1; shift
chain=$1; [ $# -gt 0 ] && shift
rule=$(echo "$*" | sed 's/--comment \\([^ ]*\\)/--comment "\\1"/')
case $op in
  -S) if [ -z "$chain" ]; then for f in "$d"/*; do echo "-N $(basename "$f")"; done; exit 0; fi
      [ -f "$d/$chain" ] || { echo "ip6tables: No chain/target/match by that name." >&2; exit 1; }
      echo "-N $chain"; sed "s/^/-A $chain /" "$d/$chain";;
  -N) [ -f "$d/$chain" ] && { echo "ip6tables: Chain already exists." >&2; exit 1; }; touch "$d/$chain";;
  -X) [ -s "$d/$chain" ] && { echo "ip6tables: Directory not empty." >&2; exit 1; }; rm -f "$d/$chain";;
  -C) [ -f "$d/$chain" ] && grep -qxF -- "$rule" "$d/$chain";;
  -A) echo "$rule" >> "$d/$chain";;
  -I) { echo "$rule"; cat "$d/$chain"; } > "$d/$chain.new" && mv "$d/$chain.new" "$d/$chain";;
  -D) grep -qxF -- "$rule" "$d/$chain" || { echo "ip6tables: Bad rule (does a matching rule exist in that chain?)." >&2; exit 1; }
      grep -vxF -- "$rule" "$d/$chain" > "$d/$chain.new"; mv "$d/$chain.new" "$d/$chain";;
esac
`;

function sandbox6() {
  const dir = mkdtempSync(join(tmpdir(), 'fw6-'));
  for (const [name, text] of [
    ['iptables-nft', FAKE_IPT],
    ['ip6tables-nft', FAKE_IP6T],
  ]) {
    writeFileSync(join(dir, name), text);
    chmodSync(join(dir, name), 0o755);
  }
  const run = (script: string) => execFileSync('sh', ['-c', script], { env: { PATH: `${dir}:/usr/bin:/bin`, FAKE_DIR: dir } }).toString();
  const chain = (name: string): string[] => {
    try {
      return readFileSync(join(dir, 'ip6', name), 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean);
    } catch {
      return [];
    }
  };
  const chains = () => readdirSync(join(dir, 'ip6')).sort();
  const rules = () => readFileSync(join(dir, 'chain'), 'utf8').trim().split('\n').filter(Boolean);
  return { run, rules, chain, chains };
}

/**
 * What the host does with an IPv6 packet, by the rules as written: the first
 * matching rule of FORWARD (or INPUT), following jumps; no match = the
 * chain's policy, ACCEPT, as on a host where dockerd wrote no ip6tables rules.
 */
function verdict(fw: ReturnType<typeof sandbox6>, hook: 'FORWARD' | 'INPUT', inIf: string, outIf?: string): string {
  const walk = (chain: string): string | undefined => {
    for (const rule of fw.chain(chain)) {
      const i = / ?-i (\S+)/.exec(rule)?.[1];
      const o = / ?-o (\S+)/.exec(rule)?.[1];
      if ((i && i !== inIf) || (o && o !== outIf)) continue;
      const target = / -j (\S+)/.exec(` ${rule}`)![1];
      if (target === 'ACCEPT' || target === 'DROP') return target;
      const r = walk(target);
      if (r) return r;
    }
    return undefined;
  };
  return walk(hook) ?? 'ACCEPT';
}

describe('the IPv6 twin (ip6tables, chains of our own)', () => {
  const both = (lab: string, bridges: string[]) => `${allowScript(lab, bridges)}${allowScript6(lab, bridges)}`;

  it('keeps IPv6 frames within each lab bridge: bridged inside it yes; routed out, in from elsewhere, or to the host no', () => {
    const fw = sandbox6();
    fw.run(both('dual', ['br-a', 'br-b']));
    expect(verdict(fw, 'FORWARD', 'br-a', 'br-a')).toBe('ACCEPT');
    expect(verdict(fw, 'FORWARD', 'br-a', 'eth0')).toBe('DROP');
    expect(verdict(fw, 'FORWARD', 'br-a', 'br-b')).toBe('DROP');
    expect(verdict(fw, 'FORWARD', 'eth0', 'br-b')).toBe('DROP');
    expect(verdict(fw, 'INPUT', 'br-a')).toBe('DROP');
    // Not the lab's business: the host's own traffic, and other bridges.
    expect(verdict(fw, 'FORWARD', 'eth0', 'docker0')).toBe('ACCEPT');
    expect(verdict(fw, 'INPUT', 'eth0')).toBe('ACCEPT');
    // The IPv4 rules are written as before, beside them.
    expect(fw.rules()).toHaveLength(2);
  });

  it('writes each rule once however often it runs, jumped to once from FORWARD and INPUT', () => {
    const fw = sandbox6();
    fw.run(both('dual', ['br-a']));
    fw.run(both('dual', ['br-a']));
    expect(fw.chain('FORWARD')).toEqual(['-j ANYCAST-LAB']);
    expect(fw.chain('INPUT')).toEqual(['-j ANYCAST-LAB-IN']);
    expect(fw.chain('ANYCAST-LAB')).toEqual([
      '-i br-a -o br-a -m comment --comment "anycast-lab:dual" -j ACCEPT',
      '-i br-a -m comment --comment "anycast-lab:dual" -j DROP',
      '-o br-a -m comment --comment "anycast-lab:dual" -j DROP',
    ]);
    expect(fw.chain('ANYCAST-LAB-IN')).toEqual(['-i br-a -m comment --comment "anycast-lab:dual" -j DROP']);
  });

  it('drops rules of recreated bridges of the same lab and leaves other labs alone', () => {
    const fw = sandbox6();
    fw.run(both('dual', ['br-a', 'br-b']));
    fw.run(both('other', ['br-x']));
    fw.run(both('dual', ['br-a', 'br-c']));
    const bridges = [...new Set(fw.chain('ANYCAST-LAB').map((r) => /-[io] (\S+)/.exec(r)![1]))].sort();
    expect(bridges).toEqual(['br-a', 'br-c', 'br-x']);
    expect(verdict(fw, 'FORWARD', 'br-x', 'br-x')).toBe('ACCEPT');
  });

  it('`down` removes one lab’s IPv6 rules; the last lab out removes the chains and their jumps', () => {
    const fw = sandbox6();
    fw.run(both('dual', ['br-a']));
    fw.run(both('other', ['br-x']));
    fw.run(removeScript('dual'));
    expect(fw.chain('ANYCAST-LAB').join('\n')).not.toContain('anycast-lab:dual');
    expect(fw.chain('ANYCAST-LAB')).toHaveLength(3);
    fw.run(removeScript('other'));
    expect(fw.chains()).toEqual(['FORWARD', 'INPUT']);
    expect(fw.chain('FORWARD')).toEqual([]);
    expect(fw.chain('INPUT')).toEqual([]);
    expect(fw.rules()).toEqual([]);
  });

  it('removes nothing and fails nothing where ip6tables has no chain of ours (an [ipv4] lab)', () => {
    const fw = sandbox6();
    fw.run(allowScript('default', ['br-a']));
    expect(fw.run(removeScript('default'))).toContain('iptables-nft: removed');
    expect(fw.chains()).toEqual(['FORWARD', 'INPUT']);
  });
});

describe('client IPv6 default routes', () => {
  it('replaces both default routes of a dual-stack client, the IPv6 one via its eyeball’s LAN address', () => {
    const s = clientRoutesScript([{ node: 'c-de', pid: 4242, gateway: '10.78.0.2', gateway6: 'fd00:78:0:1::2' }]);
    expect(s).toContain('nsenter --net=/proc/4242/ns/net ip route replace default via 10.78.0.2');
    expect(s).toContain('nsenter --net=/proc/4242/ns/net ip -6 route replace default via fd00:78:0:1::2');
    expect(s).toMatch(/echo "route c-de: \$\(nsenter --net=\/proc\/4242\/ns\/net ip -6 route show default\)"/);
  });
});
