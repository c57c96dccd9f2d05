// The DOCKER-USER scripts run against a fake iptables that keeps its chain in
// a file and prints `-S` the way iptables-nft 1.8 does (comments quoted), the
// detail that once made deletions silently fail.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allowScript, bridgeOf, clientRoutesScript, removeScript } from '../../src/runtime/host-firewall.js';

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
