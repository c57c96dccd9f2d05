// Issue #24, the service plane over IPv6: labs/dual-stack.yaml (lab `dual`)
// brought up as a user does, then, from inside each client only, real dig and
// curl against the /48's addresses: CHAOS hostname.bind over UDP and TCP, NSID,
// AAAA records, the HTTP trace, each from the PoP the lab file promises for
// IPv6 (expect6 where it differs). Then an IPv6-only service fault
// (`break fra service --family ipv6`) withdraws only the /48: c-de's IPv4 stays
// on fra, its IPv6 moves, and `restore` brings it back.
//
//   flock /tmp/anycast-docker.lock npx vitest run --project integration test/integration/dual-stack-service.test.ts
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POP_PATHS } from '../../src/agent/contract.js';
import { parseDigNsid, parseTraceBody } from '../../src/probe/who.js';
import { loadLabFile } from '../../src/topology/load.js';
import { lab, labJson, REPO, until } from './cli.js';

const FILE = resolve(REPO, 'labs/dual-stack.yaml');
const DUAL = loadLabFile(FILE);
const L = DUAL.name;
const V6 = DUAL.anycast.ipv6!;
const DNS4 = DUAL.anycast.dnsAddress;
const clients = DUAL.clients.filter((c) => c.expect?.pop);
/** The PoP a client's IPv6 lands on: expect6 where the lab file says it differs. */
const pop6Of = (c: (typeof clients)[number]): string => c.expect6?.pop ?? c.expect?.pop ?? '';

interface Exec {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** `lab exec --lab dual <node> -- <cmd…>`: every packet starts inside the lab. */
const run = (node: string, cmd: string[]) => labJson<Exec>(['exec', '--lab', L, node, '--', ...cmd]);
const DIG = ['dig', '+tries=2', '+time=2'];

/** hostname.bind as the client's resolver sees it, over `family` and UDP or TCP. */
async function chaosPop(client: string, family: 'ipv4' | 'ipv6', tcp = false): Promise<string> {
  const server = family === 'ipv6' ? V6.dnsAddress : DNS4;
  const r = await run(client, [...DIG, family === 'ipv6' ? '-6' : '-4', `@${server}`, ...(tcp ? ['+tcp'] : []), 'CH', 'TXT', 'hostname.bind', '+short']);
  return r.stdout.trim().replace(/"/g, '');
}

let broughtUp = false;

beforeAll(async () => {
  // `up` is idempotent: a lab another test file left running is reused.
  await labJson(['up', FILE, '--timeout', '150'], 240_000);
  broughtUp = true;
}, 300_000);

// No `down`: dual-stack-failover runs next (test/sequencer.ts) and reuses the
// lab; it takes it down, and global setup's teardown removes it in any case.
afterAll(async () => {
  if (!broughtUp) return;
  await lab(['restore', '--lab', L, 'fra', 'service']).catch(() => undefined);
}, 180_000);

describe('the responder over IPv6, seen from every client', () => {
  it.each(clients.map((c) => [c.name, pop6Of(c)]))('%s: CHAOS hostname.bind over IPv6 UDP and TCP answers %s', async (client, pop) => {
    expect(await chaosPop(client, 'ipv6')).toBe(pop);
    expect(await chaosPop(client, 'ipv6', true)).toBe(pop);
  });

  it.each(clients.map((c) => [c.name, pop6Of(c)]))('%s: NSID and the AAAA record over IPv6 TCP come from %s', async (client, pop) => {
    const r = await run(client, [...DIG, '-6', `@${V6.dnsAddress}`, '+tcp', '+nsid', '+norec', 'anycast.lab.', 'AAAA']);
    expect(r.stdout).toMatch(/status: NOERROR/);
    expect(r.stdout).toMatch(/flags: qr aa/);
    expect(parseDigNsid(r.stdout)).toBe(pop);
    expect(r.stdout).toMatch(new RegExp(`anycast\\.lab\\.\\s+\\d+\\s+IN\\s+AAAA\\s+${V6.records['anycast.lab.'].replace(/:/g, ':')}`));
  });

  it.each(clients.map((c) => [c.name, pop6Of(c), c.ipv6?.address ?? '']))(
    '%s: the HTTP trace on [http6]:80 says %s, ipv6 and the client address',
    async (client, pop, address) => {
      const r = await run(client, ['curl', '-6', '-sS', '--max-time', '5', `http://[${V6.httpAddress}]/cdn-cgi/trace`]);
      expect(r.exitCode, r.stderr).toBe(0);
      const t = parseTraceBody(r.stdout);
      expect(t).toMatchObject({ pop, family: 'ipv6', ip: address });
    },
  );

  it.each(clients.map((c) => [c.name, c.expect?.pop ?? '']))('%s: IPv4 is still answered, by %s', async (client, pop) => {
    expect(await chaosPop(client, 'ipv4')).toBe(pop);
  });
});

describe('an IPv6-only service fault', () => {
  const c = clients.find((x) => x.name === 'c-de')!;

  it('withdraws only the /48: c-de stays on fra over IPv4, moves over IPv6, and comes back on restore', async () => {
    expect(c.expect?.pop).toBe('fra');
    expect(pop6Of(c)).toBe('fra');
    await labJson(['break', '--lab', L, 'fra', 'service', '--family', 'ipv6'], 120_000);
    try {
      const moved = await until('c-de to leave fra over IPv6', 20_000, 250, async () => {
        const p = await chaosPop('c-de', 'ipv6');
        return p && p !== 'fra' ? p : undefined;
      });
      expect(moved).not.toBe('fra');
      expect(await chaosPop('c-de', 'ipv4')).toBe('fra');
      expect(await chaosPop('c-de', 'ipv4', true)).toBe('fra');
      // fra's own health file: the IPv4 state announced, the IPv6 one withdrawn.
      const h = JSON.parse((await run('fra', ['cat', POP_PATHS.health])).stdout) as { state: string; ipv6?: { state: string } };
      expect(h).toMatchObject({ state: 'announced', ipv6: { state: 'withdrawn' } });
    } finally {
      await labJson(['restore', '--lab', L, 'fra', 'service'], 120_000);
    }
    await until('c-de back on fra over IPv6', 30_000, 250, async () => ((await chaosPop('c-de', 'ipv6')) === 'fra' ? true : undefined));
    expect(await chaosPop('c-de', 'ipv4')).toBe('fra');
  });
});
