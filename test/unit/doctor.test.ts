import { describe, expect, it } from 'vitest';
import {
  checkDockerVersion,
  checkIpv6Networks,
  checkMmdebstrap,
  checkNode,
  classifyHostModules,
  classifyKernelProbe,
  missingCaps,
  parseProbeOutput,
  summarize,
} from '../../src/host/doctor.js';
import { probeSubnets } from '../../src/host/ipv6.js';
import { FakeRuntime } from './support/fake-runtime.js';

// Output captured from the router image on a host without sch_netem and dummy.
const PROBE_OUTPUT = [
  '@@caps 0 CapEff:\t00000000a82435fb',
  '@@veth 0 ',
  '@@bridge 0 ',
  '@@nftables 0 ',
  '@@tbf 0 ',
  '@@netem 2 Error: Specified qdisc kind is unknown. ',
  '@@dummy 2 Error: Unknown device type. ',
  '',
].join('\n');

describe('parseProbeOutput + classifyKernelProbe', () => {
  const checks = classifyKernelProbe(parseProbeOutput(PROBE_OUTPUT));
  const byName = Object.fromEntries(checks.map((c) => [c.name, c]));

  it.each([
    ['capabilities', 'ok'],
    ['kernel: veth', 'ok'],
    ['kernel: bridge', 'ok'],
    ['kernel: nftables', 'ok'],
    ['kernel: tc tbf', 'ok'],
    ['kernel: sch_netem', 'missing'],
    ['kernel: dummy link', 'missing'],
  ])('%s is %s', (name, status) => {
    expect(byName[name]?.status).toBe(status);
  });

  it('says what to do about netem and dummy, and that the lab still works', () => {
    expect(byName['kernel: sch_netem'].fix).toMatch(/modprobe sch_netem/);
    expect(byName['kernel: sch_netem'].fix).toMatch(/works without it/);
    expect(byName['kernel: dummy link'].fix).toMatch(/empty bridge instead; nothing to do/);
    expect(summarize(checks).ok).toBe(true);
  });

  it('fails the report when a required feature is missing', () => {
    const broken = classifyKernelProbe(parseProbeOutput(PROBE_OUTPUT.replace('@@veth 0 ', '@@veth 2 Error: Unknown device type.')));
    expect(summarize(broken).ok).toBe(false);
  });

  it('warns about probes that did not run', () => {
    const checks = classifyKernelProbe(parseProbeOutput('@@caps 0 CapEff:\t00000000a82435fb\n'));
    expect(checks.find((c) => c.name === 'kernel: veth')?.status).toBe('warn');
  });
});

describe('missingCaps', () => {
  it.each<[string, string[] | undefined]>([
    ['CapEff:\t00000000a82435fb', []], // docker default + NET_ADMIN + SYS_ADMIN
    ['CapEff:\t00000000a80425fb', ['NET_ADMIN', 'SYS_ADMIN']], // docker default set
    ['CapEff:\t0000000000000000', ['NET_ADMIN', 'NET_RAW', 'SYS_ADMIN']],
    ['garbage', undefined],
  ])('%s', (line, expected) => {
    expect(missingCaps(line)).toEqual(expected);
  });
});

describe('version checks', () => {
  it.each<[string, string]>([
    ['20.10.24+dfsg1', 'ok'],
    ['24.0.7', 'ok'],
    ['19.03.15', 'missing'],
    ['weird', 'warn'],
  ])('docker %s is %s', (v, status) => {
    expect(checkDockerVersion(v).status).toBe(status);
  });

  it.each<[string, string]>([
    ['v20.20.2', 'ok'],
    ['v22.1.0', 'ok'],
    ['v18.19.0', 'missing'],
  ])('node %s is %s', (v, status) => {
    expect(checkNode(v).status).toBe(status);
  });
});

describe('checkMmdebstrap', () => {
  const absent = { code: null, stdout: '', stderr: '' };
  it('is ok when present', () => {
    expect(checkMmdebstrap({ code: 0, stdout: 'mmdebstrap 1.3.5\n', stderr: '' }, 'mmdebstrap', false)).toMatchObject({
      status: 'ok',
      detail: 'mmdebstrap 1.3.5',
    });
  });
  it('is missing when absent and images are not built', () => {
    expect(checkMmdebstrap(absent, 'mmdebstrap', false)).toMatchObject({ status: 'missing', fix: expect.stringMatching(/apt-get install mmdebstrap/) });
  });
  it('only warns when the images already exist', () => {
    expect(checkMmdebstrap(absent, 'mmdebstrap', true).status).toBe('warn');
  });
  it('is not needed with the dockerfile builder', () => {
    expect(checkMmdebstrap(absent, 'dockerfile', false).status).toBe('ok');
  });
});

describe('classifyHostModules', () => {
  const procModules = 'veth 40960 0 - Live 0x0000000000000000\nbridge 311296 0 - Live 0x0000000000000000\nnf_tables 331776 0 - Live 0x0\n';
  const builtin = 'kernel/net/sched/sch_tbf.ko\n';
  const modprobe = {
    sch_netem: { code: 1, stdout: '', stderr: 'modprobe: FATAL: Module sch_netem not found in directory /lib/modules/6.1.0\n' },
    dummy: { code: null, stdout: '', stderr: '' },
  };
  const checks = Object.fromEntries(classifyHostModules(procModules, builtin, modprobe).map((c) => [c.name, c]));

  it('counts loaded and built-in modules as present', () => {
    expect(checks['kernel: veth'].status).toBe('ok');
    expect(checks['kernel: tc tbf'].detail).toMatch(/built in/);
  });
  it('reports modprobe failures as missing and an absent modprobe as warn', () => {
    expect(checks['kernel: sch_netem'].status).toBe('missing');
    expect(checks['kernel: dummy link'].status).toBe('warn');
  });
});

describe('checkIpv6Networks', () => {
  it('is ok where an internal IPv6 network can be made, and leaves no network behind', async () => {
    const rt = new FakeRuntime();
    expect(await checkIpv6Networks(rt)).toMatchObject({ name: 'ipv6 networks', status: 'ok', optional: true });
    expect(rt.networks.size).toBe(0);
  });

  it('says why not, and how to fix it, where the engine or kernel refuses (optional: [ipv4] labs need none of it)', async () => {
    const rt = new FakeRuntime().failOn(
      'createNetwork',
      /ipv6-probe/,
      new Error('Error response from daemon: could not find an available, non-overlapping IPv6 address pool'),
    );
    const c = await checkIpv6Networks(rt);
    expect(c).toMatchObject({ status: 'missing', optional: true });
    expect(c.detail).toMatch(/EnableIPv6 failed: .*IPv6 address pool/);
    expect(c.fix).toMatch(/ipv6\.disable=1/);
    expect(summarize([c]).ok).toBe(true);
  });

  it('probes with subnets of its own per process: never a lab pool, never another probe', () => {
    const a = probeSubnets(4242);
    const b = probeSubnets(4243);
    expect(a.v4.subnet).toMatch(/^198\.1[89]\.\d+\.\d+\/30$/);
    expect(a.v6).toEqual({ subnet: 'fdff:a1ab:0:1092::/64', gateway: 'fdff:a1ab:0:1092::1' });
    expect(b.v4.subnet).not.toBe(a.v4.subnet);
    expect(probeSubnets(32767 + 32768).v4).toEqual({ subnet: '198.19.255.252/30', gateway: '198.19.255.253' });
  });
});
