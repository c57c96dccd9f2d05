// `up` against the fake runtime: what is made, in which order, and that a
// failure in the middle removes everything this run made and names the node
// and the step.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LabError } from '../../src/errors.js';
import { labStateOf, writeLabState } from '../../src/lab/lab-state.js';
import { labUp } from '../../src/lab/up.js';
import { renderRouter } from '../../src/render/frr-config.js';
import { imageRefs } from '../../src/runtime/image-store.js';
import { LABEL } from '../../src/runtime/labels.js';
import { loadLabFile } from '../../src/topology/load.js';
import { defaultIpv4Lab } from '../fixtures/labs/default-ipv4.js';
import { withSydUnderTap } from '../fixtures/live-edit.js';
import { type FakeContainer, FakeRuntime } from './support/fake-runtime.js';

// The agents are bundled by esbuild into dist/agent; `up` only mounts that dir.
vi.mock('../../src/agent/build.js', async (importOriginal) => ({ ...(await importOriginal<object>()), buildAgents: async () => '/fake/dist/agent' }));

const lab = loadLabFile(join(import.meta.dirname, '..', '..', 'labs', 'default.yaml'));
const quiet = { step() {} };
let refs: { router: string; client: string };

beforeAll(async () => {
  // Never the mmdebstrap builder here: a missing image must not start a real
  // build on this host. The Dockerfile builder only calls rt.buildImage.
  vi.stubEnv('ANYCAST_LAB_IMAGE_BUILDER', 'dockerfile');
  // Build locks of these tests live apart from real builds' locks.
  vi.stubEnv('TMPDIR', mkdtempSync(join(tmpdir(), 'up-test-locks-')));
  refs = await imageRefs();
});

afterAll(() => {
  vi.unstubAllEnvs();
});

/** A runtime whose images exist and whose routers report FRR ready with exactly the rendered config. */
function readyRuntime(overrides: (c: FakeContainer) => string | undefined = () => undefined): FakeRuntime {
  const rt = new FakeRuntime();
  rt.addImage(refs.router);
  rt.addImage(refs.client);
  rt.onExec = (c) => {
    const node = c.labels[LABEL.node];
    const status = overrides(c) ?? JSON.stringify({ daemonsMs: 5, applyMs: 3, at: Date.now() });
    return { exitCode: 0, stdout: `${status}\n@@anycast-lab@@\n${renderRouter(lab, node)['frr.conf']}`, stderr: '' };
  };
  return rt;
}

const up = (rt: FakeRuntime) => labUp(rt, lab, { progress: quiet, paths: { configRoot: mkdtempSync(join(tmpdir(), 'up-test-')) }, noWait: true });
const indexOf = (rt: FakeRuntime, call: string) => rt.calls.indexOf(call);
const created = (rt: FakeRuntime) => rt.calls.filter((c) => c.startsWith('createContainer ')).map((c) => c.slice('createContainer '.length));

describe('up with a fake runtime', () => {
  it('creates every network before any container, and routers before clients', async () => {
    const rt = readyRuntime();
    const r = await up(rt);
    // The default lab's route collector: one more network (its LAN) and one more container.
    expect(r.created.networks).toHaveLength(lab.links.length + lab.lans.length + 1);
    expect(r.created.containers).toHaveLength(lab.routers.length + lab.clients.length + 1);
    expect(rt.images.has(refs.router)).toBe(true);
    expect(rt.calls.some((c) => c.startsWith('buildImage') || c.startsWith('importImage'))).toBe(false);

    const lastNetwork = Math.max(...rt.calls.map((c, i) => (c.startsWith('createNetwork ') ? i : -1)));
    const firstContainer = rt.calls.findIndex((c) => c.startsWith('createContainer '));
    expect(lastNetwork).toBeLessThan(firstContainer);

    const order = created(rt);
    const routerNames = new Set(lab.routers.map((x) => `al-${lab.name}-${x.name}`));
    const lastRouter = Math.max(...order.map((n, i) => (routerNames.has(n) ? i : -1)));
    const firstClient = order.findIndex((n) => !routerNames.has(n));
    expect(lastRouter).toBeLessThan(firstClient);
    // Every container is running and carries the lab's labels.
    for (const c of rt.containers.values()) {
      expect(c.state).toBe('running');
      expect(c.labels[LABEL.lab]).toBe(lab.name);
    }
  });

  it('keeps every node when nothing changed', async () => {
    const rt = readyRuntime();
    const configRoot = mkdtempSync(join(tmpdir(), 'up-test-'));
    await labUp(rt, lab, { progress: quiet, paths: { configRoot }, noWait: true });
    const again = await labUp(rt, lab, { progress: quiet, paths: { configRoot }, noWait: true });
    expect(again.created).toEqual({ networks: [], containers: [] });
    expect(again.kept).toHaveLength(lab.routers.length + lab.clients.length + 1);
  });

  it('keeps live overrides (lab policy, withdraw) on kept routers: no repair, and says so', async () => {
    const rendered = (n: string) => renderRouter(lab, n)['frr.conf'];
    // iad runs `policy iad t-us prepend 3` and `local-pref 50`; fra is drained.
    const iadRunning = rendered('iad')
      .replace('OUT-t-us\n', 'OUT-t-us\n set as-path prepend 64500 64500 64500\n')
      .replace('IN-t-us\n set local-preference 100', 'IN-t-us\n set local-preference 50');
    const running = (n: string) => (n === 'iad' ? iadRunning : rendered(n));
    const rt = readyRuntime();
    // The FRR-ready exec prints the ready JSON, the drain marker's test and the running config.
    rt.onExec = (c) => {
      const node = c.labels[LABEL.node];
      const drained = node === 'fra' ? 'drained\n' : '';
      return {
        exitCode: 0,
        stdout: `${JSON.stringify({ daemonsMs: 5, applyMs: 3, at: Date.now() })}\n${drained}@@anycast-lab@@\n${running(node)}`,
        stderr: '',
      };
    };
    const configRoot = mkdtempSync(join(tmpdir(), 'up-test-'));
    await labUp(rt, lab, { progress: quiet, paths: { configRoot }, noWait: true });
    const again = await labUp(rt, lab, { progress: quiet, paths: { configRoot }, noWait: true });
    expect(again.repaired).toEqual([]);
    expect(again.overrides).toEqual([
      'iad → t-us prepend 3 (lab file: none)',
      'iad ← t-us local-pref 50 (lab file: 100)',
      'fra drained (withdrawn by the operator)',
    ]);
    expect(rt.execs().filter((e) => e.includes('vtysh -b'))).toEqual([]);
    // One exec per router and run: readiness, config, overrides and drain read together.
    expect(rt.execs()).toHaveLength(2 * lab.routers.length);
  });

  it('on a failed start removes everything it made and names the node and the step', async () => {
    const rt = readyRuntime().failOn('startContainer', /^al-default-fra$/, new Error('OCI runtime create failed: boom'));
    const err = await up(rt).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).message).toBe('node "fra" start: OCI runtime create failed: boom');
    expect((err as LabError).code).toBe('NODE_START');
    expect((err as Error).cause).toBeInstanceOf(Error);
    // Rollback: nothing of the lab is left, and what was removed had been created.
    expect(rt.containers.size).toBe(0);
    expect(rt.networks.size).toBe(0);
    expect(indexOf(rt, 'removeContainer al-default-fra')).toBeGreaterThan(indexOf(rt, 'startContainer al-default-fra'));
  });

  it('on a router whose FRR never comes up rolls back and names the node and frr-ready', async () => {
    const rt = readyRuntime((c) => (c.labels[LABEL.node] === 'nrt' ? 'TIMEOUT' : undefined));
    const err = await up(rt).catch((e: unknown) => e);
    expect((err as LabError).message).toMatch(/^node "nrt" frr-ready: nrt: FRR was not up with its config within 90 s/);
    expect((err as LabError).code).toBe('CONVERGENCE_TIMEOUT');
    expect(rt.containers.size).toBe(0);
    expect(rt.networks.size).toBe(0);
  });

  it('names the network when one cannot be created, and removes the ones it made', async () => {
    const rt = readyRuntime().failOn('createNetwork', /fra--t-eu/, new Error('no more address pools'));
    const err = await up(rt).catch((e: unknown) => e);
    expect((err as LabError).message).toMatch(/^network "al-default-fra--t-eu" create: \d+\.\d+\.\d+\.\d+\/\d+: no more address pools/);
    expect(rt.networks.size).toBe(0);
    expect(created(rt)).toEqual([]);
  });

  it("names another lab's network holding a link's IPv6 /64, and both pools to change", async () => {
    const rt = readyRuntime();
    const link = lab.links.find((l) => l.name === 'fra--t-eu')!;
    // Another lab (a copy of default.yaml with new IPv4 pools only) already holds the /64.
    rt.addNetwork({
      name: 'al-copy-fra--t-eu',
      subnet: '10.66.0.0/29',
      gateway: '10.66.0.1',
      ipv6: { subnet: link.ipv6!.subnet, gateway: link.ipv6!.gateway },
      labels: { [LABEL.lab]: 'copy' },
    });
    rt.failOn('createNetwork', /^al-default-fra--t-eu$/, new Error('Pool overlaps with other one on this address space'));
    const err = await up(rt).catch((e: unknown) => e);
    expect((err as LabError).message).toContain(
      `needs ${link.subnet} and ${link.ipv6!.subnet}, but Docker network "al-copy-fra--t-eu" (lab "copy") already uses it`,
    );
    expect((err as LabError).message).toContain('addressing.links6 / addressing.lans6');
  }, 15_000);

  it('builds missing images through the runtime before anything else', async () => {
    const rt = readyRuntime();
    rt.images.clear();
    await up(rt);
    expect(rt.calls.filter((c) => c.startsWith('buildImage')).sort()).toEqual([`buildImage ${refs.client}`, `buildImage ${refs.router}`]);
    const lastBuild = Math.max(...rt.calls.map((c, i) => (c.startsWith('buildImage') ? i : -1)));
    expect(lastBuild).toBeLessThan(rt.calls.findIndex((c) => c.startsWith('createNetwork ')));
  });
});

describe('up on a lab that runs (live edits)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'up-live-'));
  const fileA = join(dir, 'default.yaml');
  const fileB = join(dir, 'default-syd.yaml');
  writeFileSync(fileA, readFileSync(lab.file, 'utf8'));
  writeFileSync(fileB, withSydUnderTap(readFileSync(lab.file, 'utf8')));
  const labA = loadLabFile(fileA);
  const labB = loadLabFile(fileB);

  /** Routers run what is in their bind-mounted /etc/frr: the rendered file on disk, as if applied. */
  function liveRuntime(configRoot: string): FakeRuntime {
    const rt = new FakeRuntime();
    rt.addImage(refs.router);
    rt.addImage(refs.client);
    rt.onExec = (c, cmd) => {
      const conf = readFileSync(join(configRoot, 'default', c.labels[LABEL.node], 'frr.conf'), 'utf8');
      if (cmd[0] === 'vtysh' || cmd.join(' ').includes('vtysh-reconfigure')) return { exitCode: 0, stdout: conf, stderr: '' };
      return { exitCode: 0, stdout: `${JSON.stringify({ daemonsMs: 5, applyMs: 3, at: Date.now() })}\n@@anycast-lab@@\n${conf}`, stderr: '' };
    };
    return rt;
  }
  const upOf = (rt: FakeRuntime, l: typeof lab, configRoot: string) => labUp(rt, l, { progress: quiet, paths: { configRoot }, noWait: true });
  const snapshot = (rt: FakeRuntime) => ({
    containers: [...rt.containers.values()].map((c) => `${c.name} ${c.id} ${(c.spec.networks ?? []).map((n) => `${n.network}=${n.ipv4}`).join(',')}`).sort(),
    networks: [...rt.networks.values()].map((n) => `${n.name} ${n.subnet}`).sort(),
  });

  it('adds a PoP under t-ap: creates syd and its link, attaches t-ap in place, recreates nothing', async () => {
    const configRoot = mkdtempSync(join(tmpdir(), 'up-test-'));
    const rt = liveRuntime(configRoot);
    await upOf(rt, labA, configRoot);
    const before = snapshot(rt).containers;
    rt.clearCalls();
    const r = await upOf(rt, labB, configRoot);
    expect(created(rt)).toEqual(['al-default-syd']);
    expect(r.removed).toEqual([]);
    expect(r.reconfigured).toEqual(['t-ap']);
    expect(rt.lifecycle().filter((c) => /^(connect|disconnect)Network/.test(c))).toEqual(['connectNetwork al-default-t-ap al-default-syd--t-ap']);
    expect(rt.execLog.filter((e) => e.cmd.join(' ').includes('vtysh-reconfigure')).map((e) => e.container)).toEqual(['al-default-t-ap']);
    // Every other container is the one that ran before (same id, same addresses).
    const after = snapshot(rt).containers;
    for (const c of before.filter((x) => !x.startsWith('al-default-t-ap '))) expect(after).toContain(c);
  });

  it('after a dockerd restart (every container exited) starts them again, recreating none', async () => {
    const configRoot = mkdtempSync(join(tmpdir(), 'up-test-'));
    const rt = liveRuntime(configRoot);
    await upOf(rt, labA, configRoot);
    for (const c of rt.containers.values()) c.state = 'exited';
    rt.clearCalls();
    const r = await upOf(rt, labA, configRoot);
    expect(created(rt)).toEqual([]);
    expect(r.removed).toEqual([]);
    expect(r.started).toHaveLength(labA.routers.length + labA.clients.length + 1);
    expect([...rt.containers.values()].every((c) => c.state === 'running')).toBe(true);
    // The ready file of the run before the restart is not taken as this start's.
    expect(rt.execs('al-default-fra')[0]).toMatch(/"at":.*< \d{13} \)\)/);
  });

  it('when an edit fails, brings the lab that converged last back and says so', async () => {
    const configRoot = mkdtempSync(join(tmpdir(), 'up-test-'));
    const rt = liveRuntime(configRoot);
    await upOf(rt, labA, configRoot);
    // As a converged `up` records it (noWait runs do not).
    await writeLabState(configRoot, labStateOf(labA, readFileSync(fileA, 'utf8'), new Date()), 'default');
    const before = snapshot(rt);
    rt.failOn('startContainer', /^al-default-syd$/, new Error('OCI runtime create failed: boom'));
    const err = await upOf(rt, labB, configRoot).catch((e: unknown) => e);
    expect((err as LabError).message).toMatch(/^node "syd" start: OCI runtime create failed: boom\nThe previous lab is back: "default" as it converged at /);
    expect((err as LabError).code).toBe('NODE_START');
    expect(snapshot(rt)).toEqual(before);
    // t-ap was changed in place and changed back: detached from syd's link, its frr.conf re-applied.
    expect(rt.lifecycle().filter((c) => /^(connect|disconnect)Network/.test(c))).toEqual([
      'connectNetwork al-default-t-ap al-default-syd--t-ap',
      'disconnectNetwork al-default-t-ap al-default-syd--t-ap',
    ]);
    expect(readFileSync(join(configRoot, 'default', 't-ap', 'frr.conf'), 'utf8')).toBe(renderRouter(labA, 't-ap')['frr.conf']);
  });
});

describe('up of a lab on two hosts, one of which drops out', () => {
  it('fails naming the host, and removes what it made on the host that still answers', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'up-hosts-')), 'two.yaml');
    writeFileSync(
      file,
      `${readFileSync(lab.file, 'utf8')}\nhosts:\n  - { name: h1, endpoint: unix:///var/run/docker.sock, manager: true }\n  - { name: h2, endpoint: "ssh://lab@node2" }\nplacement: { t-us: h2 }\n`,
    );
    const two = loadLabFile(file);
    const h1 = readyRuntime();
    const h2 = readyRuntime();
    // h2 answers until the first container is asked of it, then never again (its dockerd died).
    let gone = false;
    const h2Gone = new Proxy(h2, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          if (prop === 'createContainer') gone = true;
          if (gone) return Promise.reject(Object.assign(new Error('connect ECONNREFUSED 10.0.0.2:2376'), { code: 'ECONNREFUSED' }));
          return v.apply(target, args);
        };
      },
    });
    vi.stubEnv('DOCKER_HOST', '');
    const err = await labUp(h1, two, {
      progress: quiet,
      paths: { configRoot: mkdtempSync(join(tmpdir(), 'up-test-')) },
      noWait: true,
      connect: () => h2Gone,
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/host h2 stopped answering \(connect ECONNREFUSED 10\.0\.0\.2:2376\); what this lab has there stays until/);
    // Networks and containers were made on h1 (t-us's side is on h2); none is left there.
    expect(h1.calls.filter((c) => c.startsWith('createNetwork ')).length).toBeGreaterThan(0);
    expect(await h1.listContainers({ [LABEL.lab]: 'default' })).toEqual([]);
    expect(await h1.listNetworks({ [LABEL.lab]: 'default' })).toEqual([]);
  });
});

describe('up of a dual-stack lab on a host that cannot do IPv6', () => {
  const dual = loadLabFile(join(import.meta.dirname, '..', '..', 'labs', 'dual-stack.yaml'));
  const upLab = (rt: FakeRuntime, l = dual) => labUp(rt, l, { progress: quiet, paths: { configRoot: mkdtempSync(join(tmpdir(), 'up-test-')) }, noWait: true });
  const NO_IPV6 = new Error('failed to set up IPv6 on bridge: open /proc/sys/net/ipv6/conf/br-1/disable_ipv6: no such file or directory');

  it('is refused before anything is created, naming the reason', async () => {
    const rt = readyRuntime().failOn('createNetwork', /ipv6-probe/, NO_IPV6);
    const err = await upLab(rt).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).code).toBe('HOST_CAPABILITY');
    expect((err as LabError).message).toMatch(
      /families: \[ipv4, ipv6\] asks for IPv6, but this host cannot create an internal IPv6 network: .*disable_ipv6: no such file/,
    );
    expect((err as LabError).message).toContain('Nothing was created');
    expect(rt.calls.filter((c) => c.startsWith('createNetwork ')).map((c) => c.split(' ')[1])).toEqual([expect.stringMatching(/^al-dual-ipv6-probe-\d+$/)]);
    expect(created(rt)).toEqual([]);
    expect(rt.networks.size).toBe(0);
  });

  it('goes ahead where the probe network can be made, and removes the probe', async () => {
    const rt = readyRuntime();
    rt.onExec = (c) => ({
      exitCode: 0,
      stdout: `${JSON.stringify({ daemonsMs: 5, applyMs: 3, at: Date.now() })}\n@@anycast-lab@@\n${renderRouter(dual, c.labels[LABEL.node])['frr.conf']}`,
      stderr: '',
    });
    const r = await upLab(rt);
    expect(r.created.networks).toHaveLength(dual.links.length + dual.lans.length + 1);
    expect([...rt.networks.values()].map((n) => n.name)).not.toContainEqual(expect.stringMatching(/ipv6-probe/));
    expect(indexOf(rt, `removeNetwork ${rt.calls.find((c) => c.includes('ipv6-probe'))!.split(' ')[1]}`)).toBeLessThan(
      indexOf(rt, 'createNetwork al-dual-fra--t-eu'),
    );
  });

  it('is never asked of an [ipv4] lab, and is asked of the (dual-stack) default', async () => {
    const rt = readyRuntime();
    await labUp(rt, defaultIpv4Lab(), { progress: quiet, paths: { configRoot: mkdtempSync(join(tmpdir(), 'up-test-')) }, noWait: true });
    expect(rt.calls.filter((c) => c.includes('ipv6-probe'))).toEqual([]);
    const dualRt = readyRuntime();
    await up(dualRt);
    expect(dualRt.calls.filter((c) => c.includes('ipv6-probe'))).not.toEqual([]);
  });
});
