// `up`'s convergence wait, fed by the FRR-ready check's own look at each
// router: routers already converged are not asked again, a router still
// pending is, and the confirming pass still asks every router at once.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { waitConverged } from '../../src/lab/converge.js';
import { splitRunningAndState } from '../../src/lab/frr-ready.js';
import { parseBfdPeers, parseBgpSummary, parseInstalledRoutes, type RouterState } from '../../src/lab/frr-state.js';
import { defaultIpv4Lab } from '../fixtures/labs/default-ipv4.js';
import { FakeRuntime } from './support/fake-runtime.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/frr/${name}`, import.meta.url), 'utf8');
const stateOf = (who: 't-eu' | 'fra' | 'fra-pending'): RouterState => ({
  bgp: parseBgpSummary(fixture(`${who}.bgp-summary.json`)),
  bfd: parseBfdPeers(fixture(`${who}.bfd-peers.json`)),
  routes: parseInstalledRoutes(fixture(`${who}.ip-route.json`)),
});
/** fra's three documents as one vtysh prints them. */
const fraDocs = ['bgp-summary', 'bfd-peers', 'ip-route'].map((w) => fixture(`fra.${w}.json`)).join('\n');
// States of the IPv4 lab: the [ipv4] default (dual-stack convergence: frr-state.test.ts).
const lab = defaultIpv4Lab();
const quiet = { step() {} };

describe('the FRR-ready check reads config and state in one vtysh', () => {
  it('splits the running config from the state documents (real FRR 8.4.4 output)', () => {
    const { running, state } = splitRunningAndState(fixture('t-eu.ready-vtysh.txt'));
    expect(running).toMatch(/^Building configuration/);
    expect(running.trimEnd()).toMatch(/\nend$/);
    expect(running).not.toContain('"ipv4Unicast"');
    expect(state?.bgp.map((p) => [p.description, p.state])).toContainEqual(['fra', 'Established']);
    expect(state?.bfd.length).toBeGreaterThan(0);
    expect(state?.routes).toContain('192.0.2.0/24');
  });

  it('has no state when vtysh printed only the config (a daemon still starting)', () => {
    const text = fixture('t-eu.running-config.txt');
    expect(splitRunningAndState(text)).toEqual({ running: text });
  });
});

describe('waitConverged from initial states', () => {
  it('asks only the router that was pending, and calls onRoutes once', async () => {
    const rt = new FakeRuntime({ running: ['al-default-t-eu', 'al-default-fra'], onExec: () => ({ stdout: fraDocs }) });
    let routes = 0;
    const initial = new Map([
      ['t-eu', stateOf('t-eu')],
      ['fra', stateOf('fra-pending')],
    ]);
    const c = await waitConverged(rt, lab, { timeoutMs: 5000, progress: quiet, routers: ['t-eu', 'fra'], initial, confirm: false, onRoutes: () => routes++ });
    expect(rt.execLog.map((e) => e.container)).toEqual(['al-default-fra']);
    expect(c).toMatchObject({ polls: 1, fullPass: false });
    expect(routes).toBe(1);
  });

  it('with confirmation, ends with one pass over every router', async () => {
    const tEuDocs = ['bgp-summary', 'bfd-peers', 'ip-route'].map((w) => fixture(`t-eu.${w}.json`)).join('\n');
    const rt = new FakeRuntime({ running: ['al-default-t-eu', 'al-default-fra'], onExec: (c) => ({ stdout: c === 'al-default-fra' ? fraDocs : tEuDocs }) });
    const initial = new Map([
      ['t-eu', stateOf('t-eu')],
      ['fra', stateOf('fra-pending')],
    ]);
    const c = await waitConverged(rt, lab, { timeoutMs: 5000, progress: quiet, routers: ['t-eu', 'fra'], initial });
    expect(rt.execLog.map((e) => e.container)).toEqual(['al-default-fra', 'al-default-t-eu', 'al-default-fra']);
    expect(c).toMatchObject({ polls: 2, fullPass: true });
  });

  it('asks nothing when every initial state is converged and no confirmation is wanted', async () => {
    const rt = new FakeRuntime({ running: ['al-default-t-eu', 'al-default-fra'] });
    const initial = new Map([
      ['t-eu', stateOf('t-eu')],
      ['fra', stateOf('fra')],
    ]);
    const c = await waitConverged(rt, lab, { timeoutMs: 5000, progress: quiet, routers: ['t-eu', 'fra'], initial, confirm: false });
    expect(rt.execLog).toEqual([]);
    expect(c).toMatchObject({ polls: 0, fullPass: false, bgp: expect.any(Number), bfd: expect.any(Number), route: expect.any(Number) });
  });

  it('does not count a kind as done before every router was looked at', async () => {
    let routesAt = -1;
    let calls = 0;
    const rt = new FakeRuntime({
      running: ['al-default-t-eu', 'al-default-fra'],
      onExec: () => {
        calls++;
        return { stdout: fraDocs };
      },
    });
    // Only t-eu is known; fra has not been seen, so onRoutes waits for its look.
    const c = await waitConverged(rt, lab, {
      timeoutMs: 5000,
      progress: quiet,
      routers: ['t-eu', 'fra'],
      initial: new Map([['t-eu', stateOf('t-eu')]]),
      confirm: false,
      onRoutes: () => (routesAt = calls),
    });
    expect(routesAt).toBe(1);
    expect(c.polls).toBe(1);
  });
});
