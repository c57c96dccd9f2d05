// A lab on several engines behind one ContainerRuntime (runtime/federation.ts),
// and how lab/hosts-runtime.ts feeds it: routes from the placement, images
// shipped, the record later commands read. Fakes stand for the engines.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forgetHosts, hostRoutes, labRuntime, overlayEndsOn, runtimeWithHosts, shipImages } from '../../src/lab/hosts-runtime.js';
import { planLab } from '../../src/lab/plan.js';
import { enginesOf, FederatedRuntime, type HostRoutes } from '../../src/runtime/federation.js';
import { overlayIpv6Script } from '../../src/runtime/host-firewall.js';
import { labLabels } from '../../src/runtime/labels.js';
import { parseLab } from '../../src/topology/load.js';
import { FakeRuntime } from './support/fake-runtime.js';

const FILE = join(import.meta.dirname, '..', '..', 'labs', 'default.yaml');
const TWO =
  'hosts:\n  - { name: h1, endpoint: unix:///var/run/docker.sock, manager: true }\n  - { name: h2, endpoint: "ssh://lab@node2" }\nplacement: { t-us: h2, eb-br: h1 }\n';
const LAB = parseLab(`${readFileSync(FILE, 'utf8')}\n${TWO}`, FILE);
const PLAN = planLab(LAB, { router: 'r:1', client: 'c:1' }, { configRoot: '/cfg', agentDir: '/agent' });
const quiet = { step() {} };

const ROUTES: HostRoutes = {
  lab: 'l',
  manager: 'h1',
  nodes: { a: 'h1', b: 'h2' },
  networks: { 'al-l-a--b': ['h1', 'h2'], 'al-l-b-lan': ['h2'] },
  containers: { 'al-l-a': 'h1', 'al-l-b': 'h2' },
};
const twoFakes = () => {
  const h1 = new FakeRuntime({ idPrefix: 'h1-' });
  const h2 = new FakeRuntime({ idPrefix: 'h2-' });
  return {
    h1,
    h2,
    fed: new FederatedRuntime(
      [
        { name: 'h1', rt: h1 },
        { name: 'h2', rt: h2 },
      ],
      [ROUTES],
    ),
  };
};
const net = (name: string) => ({ name, subnet: '10.0.0.0/29', gateway: '10.0.0.1', labels: labLabels('l', name, 'link', 'link') });
const node = (name: string) => ({ name: `al-l-${name}`, image: 'r:1', labels: labLabels('l', name, 'pop', 'router') });

describe('FederatedRuntime', () => {
  it('creates each container on its host, and reaches it there by id or name', async () => {
    const { h1, h2, fed } = twoFakes();
    const a = await fed.createContainer(node('a'));
    const b = await fed.createContainer(node('b'));
    expect(h1.calls).toContain('createContainer al-l-a');
    expect(h2.calls).toContain('createContainer al-l-b');
    expect(h1.calls).not.toContain('createContainer al-l-b');
    await fed.startContainer(b);
    await fed.pauseContainer('al-l-b');
    await fed.exec(a, ['true']);
    expect(h2.calls).toEqual(expect.arrayContaining(['startContainer al-l-b', 'pauseContainer al-l-b']));
    expect(h1.execLog.map((e) => e.container)).toEqual(['al-l-a']);
    expect((await fed.listContainers({ 'anycast-lab.lab': 'l' })).map((c) => c.name).sort()).toEqual(['al-l-a', 'al-l-b']);
  });

  it('names a host that stops answering, and what stays there; an error the engine answers with is passed on as it is', async () => {
    const { h2, fed } = twoFakes();
    const b = await fed.createContainer(node('b'));
    h2.failOn('pauseContainer', /al-l-b/, Object.assign(new Error('connect ENOENT /tmp/node2.sock'), { code: 'ENOENT' }));
    await expect(fed.pauseContainer(b)).rejects.toMatchObject({
      code: 'HOST',
      message: expect.stringMatching(
        /^host h2 stopped answering \(connect ENOENT \/tmp\/node2.sock\); what this lab has there stays until `npm run lab -- down <lab file>`/,
      ),
    });
    h2.failOn('killContainer', /al-l-b/, new Error('Cannot kill container: it is not running'));
    await expect(fed.killContainer(b)).rejects.toThrow(/^Cannot kill container/);
    h2.failOn('createContainer', /al-l-c/, Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    await expect(fed.createContainer({ ...node('c'), labels: labLabels('l', 'b', 'pop', 'router') })).rejects.toMatchObject({ code: 'HOST' });
  });

  it('finds a container it has not seen on whichever engine has it (a later command, a new process)', async () => {
    const { h2 } = twoFakes();
    const id = h2.addContainer({ name: 'al-x-y', labels: {} }).id;
    const fed = new FederatedRuntime(
      [
        { name: 'h1', rt: new FakeRuntime({ idPrefix: 'h1-' }) },
        { name: 'h2', rt: h2 },
      ],
      [],
    );
    await fed.killContainer(id);
    expect(h2.calls).toContain('killContainer al-x-y');
  });

  it('makes a link inside one host a bridge there, and one across hosts an overlay through the manager', async () => {
    const { h1, h2, fed } = twoFakes();
    await fed.createNetwork(net('al-l-b-lan'));
    await fed.createNetwork(net('al-l-a--b'));
    expect(h2.calls).toContain('createNetwork al-l-b-lan');
    expect(h1.calls).toContain('createNetwork al-l-a--b');
    const listed = await fed.listNetworks({ 'anycast-lab.lab': 'l' });
    expect(listed.map((n) => [n.name, n.scope])).toEqual([
      ['al-l-a--b', 'swarm'],
      ['al-l-b-lan', 'local'],
    ]);
    await fed.removeNetwork('al-l-a--b');
    await fed.removeNetwork('al-l-b-lan');
    expect(await fed.listNetworks({})).toEqual([]);
  });

  it('removes a network on the host its routes name, so a host that is gone fails only its own', async () => {
    const { h1, h2, fed } = twoFakes();
    await fed.createNetwork(net('al-l-a--b'));
    await fed.createNetwork(net('al-l-b-lan'));
    const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    h2.failOn('listNetworks', /.*/, refused()).failOn('removeNetwork', /.*/, refused());
    await fed.removeNetwork('al-l-a--b');
    expect(h1.calls).toContain('removeNetwork al-l-a--b');
    await expect(fed.removeNetwork('al-l-b-lan')).rejects.toMatchObject({ code: 'HOST', message: expect.stringMatching(/^host h2 stopped answering/) });
  });

  it('hands a node-less helper to the orchestrator engine, a node helper to that node`s host; only the local engine has host paths', async () => {
    const { h1, h2, fed } = twoFakes();
    await fed.runToCompletion({ name: 'probe', image: 'r:1', labels: labLabels('l', 'b', 'route', 'helper') });
    await fed.runToCompletion({ name: 'fw', image: 'r:1', labels: labLabels('l', 'hostfw', 'fw', 'helper') });
    expect(h2.calls.some((c) => c.startsWith('runToCompletion probe'))).toBe(true);
    expect(h1.calls.some((c) => c.startsWith('runToCompletion fw'))).toBe(true);
    expect(enginesOf(fed).map((e) => e.name)).toEqual(['h1', 'h2']);
    expect(enginesOf(h1).map((e) => e.name)).toEqual(['local']);
  });
});

describe('a lab file with hosts: (lab/hosts-runtime.ts)', () => {
  it('routes every node to its placed host and every network to the hosts of its members', () => {
    const r = hostRoutes(LAB, LAB.hosts!, PLAN);
    expect(r.manager).toBe('h1');
    expect(r.nodes).toMatchObject({ fra: 'h1', 'eb-br': 'h1', 'c-br': 'h1', iad: 'h2', gru: 'h2', 't-us': 'h2', 'c-us': 'h2' });
    expect(r.containers['al-default-iad']).toBe('h2');
    const crossing = Object.entries(r.networks)
      .filter(([, h]) => h.length > 1)
      .map(([n]) => n)
      .sort();
    expect(crossing).toEqual(['al-default-collector-lan', 'al-default-eb-br--t-us', 'al-default-gru--eb-br', 'al-default-t-eu--t-us']);
    expect(r.networks['al-default-fra--t-eu']).toEqual(['h1']);
    expect(r.networks['al-default-iad--t-us']).toEqual(['h2']);
  });

  it('stops before anything is made when a host does not answer, naming it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'fed-'));
    const local = new FakeRuntime({ idPrefix: 'h1-' });
    const gone = new FakeRuntime({ idPrefix: 'h2-' }).failOn('ping', /.*/, new Error('connect ECONNREFUSED node2:22'));
    await expect(labRuntime(local, LAB, PLAN, root, () => gone)).rejects.toThrow('host h2 (ssh://lab@node2): connect ECONNREFUSED node2:22');
    expect(runtimeWithHosts(local, root)).toBe(local);
  });

  it('records the hosts for later commands, which reach both engines until down forgets them', async () => {
    const root = mkdtempSync(join(tmpdir(), 'fed-'));
    const local = new FakeRuntime({ idPrefix: 'h1-' });
    const node2 = new FakeRuntime({ idPrefix: 'h2-' });
    const connect = (h: { name: string }) => (h.name === 'h2' ? node2 : new FakeRuntime());
    const rt = await labRuntime(local, LAB, PLAN, root, connect);
    expect(enginesOf(rt).map((e) => e.name)).toEqual(['h1', 'h2']);
    const later = runtimeWithHosts(new FakeRuntime(), root, connect);
    expect(later).toBeInstanceOf(FederatedRuntime);
    expect(enginesOf(later).map((e) => e.name)).toEqual(['h1', 'h2']);
    // The local engine is the one given (it shares this machine's /proc), not a second client of it.
    expect(enginesOf(rt)[0].rt).toBe(local);
    expect(enginesOf(later)[1].rt).toBe(node2);
    forgetHosts(root, 'default');
    expect(runtimeWithHosts(local, root)).toBe(local);
  });

  it("down --all forgets every lab's hosts and passes over files beside the lab folders (frr-configs/README.md)", async () => {
    const root = mkdtempSync(join(tmpdir(), 'fed-'));
    writeFileSync(join(root, 'README.md'), '# frr-configs/\n');
    const local = new FakeRuntime({ idPrefix: 'h1-' });
    await labRuntime(local, LAB, PLAN, root, () => new FakeRuntime({ idPrefix: 'h2-' }));
    expect(runtimeWithHosts(local, root)).toBeInstanceOf(FederatedRuntime);
    forgetHosts(root, undefined);
    expect(runtimeWithHosts(local, root)).toBe(local);
  });

  it('leaves out a recorded host whose unix socket is gone (a removed Docker-in-Docker node), so other labs still work', async () => {
    const root = mkdtempSync(join(tmpdir(), 'fed-'));
    const onSocket = parseLab(`${readFileSync(FILE, 'utf8')}\n${TWO.replace('"ssh://lab@node2"', `unix://${root}/gone.sock`)}`, FILE);
    const local = new FakeRuntime();
    await labRuntime(local, onSocket, PLAN, root, () => new FakeRuntime());
    expect(enginesOf(runtimeWithHosts(local, root)).map((e) => e.name)).toEqual(['h1']);
  });

  it('a lab without hosts: runs on the engine given, unchanged, and records nothing', async () => {
    const root = mkdtempSync(join(tmpdir(), 'fed-'));
    const local = new FakeRuntime();
    const plain = parseLab(readFileSync(FILE, 'utf8'), FILE);
    expect(await labRuntime(local, plain, planLab(plain, { router: 'r:1', client: 'c:1' }, { configRoot: '/cfg', agentDir: '/agent' }), root)).toBe(local);
    expect(runtimeWithHosts(local, root)).toBe(local);
  });

  it('ships the images to a host that lacks them, once', async () => {
    const { h1, h2, fed } = twoFakes();
    h1.addImage('r:1');
    h1.addImage('c:1');
    h2.addImage('c:1');
    expect(await shipImages(fed, ['r:1', 'c:1'], quiet)).toEqual(['h2']);
    expect(h2.calls).toContain('loadImages r:1');
    expect(await h2.inspectImage('r:1')).toBeDefined();
    expect(await shipImages(fed, ['r:1', 'c:1'], quiet)).toEqual([]);
    expect(await shipImages(h1, ['r:1'], quiet)).toEqual([]);
  });
});

describe('IPv6 on overlays (dual-stack lab on several hosts)', () => {
  it("lists this host's ends of every crossing network, each with the other members", () => {
    const r = hostRoutes(LAB, LAB.hosts!, PLAN);
    const h1 = overlayEndsOn(PLAN, r, 'h1');
    const h2 = overlayEndsOn(PLAN, r, 'h2');
    // t-eu--t-us: t-eu here, t-us there; the collector LAN: collector, t-eu, t-ap here, t-us there.
    expect(h1.map((e) => e.node).sort()).toEqual(['collector', 'eb-br', 'eb-br', 't-ap', 't-eu', 't-eu']);
    expect(h2.map((e) => e.node).sort()).toEqual(['gru', 't-us', 't-us', 't-us']);
    const teu = h1.find((e) => e.node === 't-eu' && e.peers.length === 1);
    expect(teu?.ipv6).toMatch(/^fd00:77:[0-9a-f:]+::2\/64$/);
    expect(h1.find((e) => e.node === 'collector')?.peers).toHaveLength(3);
    // Local links are Docker's business: none of fra's.
    expect([...h1, ...h2].some((e) => e.node === 'fra' || e.node === 'iad')).toBe(false);
  });

  it('the script puts the address on the interface holding the IPv4 one, turns IPv6 on, and pins each peer at its lab and link-local address', () => {
    const s = overlayIpv6Script([{ node: 't-eu', pid: 42, ipv4: '10.57.0.42', ipv6: 'fd00:57::2/64', peers: [{ ipv4: '10.57.0.43', ipv6: 'fd00:57::3' }] }]);
    expect(s.split('\n')[0]).toBe('set -e');
    expect(s).toContain("dev=$(nsenter --net=/proc/42/ns/net ip -o -4 addr show to 10.57.0.42/32 | awk '{print $2}')");
    expect(s).toContain('echo 0 > /proc/sys/net/ipv6/conf/$dev/disable_ipv6');
    expect(s).toContain('ip -6 addr replace fd00:57::2/64 dev "$dev" nodad');
    expect(s).toContain('ip -6 neigh replace fd00:57::3 lladdr 02:42:0a:39:00:2b dev "$dev" nud permanent');
    expect(s).toContain('ip -6 neigh replace fe80::42:aff:fe39:2b lladdr 02:42:0a:39:00:2b dev "$dev" nud permanent');
  });
});
