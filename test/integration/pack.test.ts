// Offline install (issue 21, point 5): `lab pack` writes one archive; a
// machine with Docker and Node but no registry, no lab images and no
// node_modules gets a converged lab from it. Every package client is a
// stand-in that records its call and exits 1, npm points at a dead registry
// with an empty cache, so any reach for the network fails the test.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PackResult } from '../../src/lab/pack.js';
import { docker, lab, labJson, REPO, TEST_LAB_FILE } from './cli.js';

// The lab the extracted project brings up: the suite's (default.yaml's topology under its own name), by its path in the project, so a user's default lab is never touched.
const SUITE_LAB_REL = relative(REPO, TEST_LAB_FILE);

const STAND_INS = ['apt-get', 'apt', 'apt-cache', 'dpkg', 'mmdebstrap', 'curl', 'wget', 'pip', 'pip3', 'snap'];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function sh(cmd: string, args: string[], o: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Run> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, ms: Math.round(performance.now() - t0) });
    });
  });
}

const imagePresent = (ref: string) =>
  docker
    .getImage(ref)
    .inspect()
    .then(
      () => true,
      () => false,
    );

describe('lab pack → prepare-host.sh --from, with every package client failing', () => {
  let work: string;
  let packFile: string;
  let refs: string[] = [];
  let fresh: string;
  let freshUp = false;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'anycast-pack-'));
    packFile = join(work, 'anycast-lab-pack.tar');
    fresh = join(work, 'anycast-lab');
  });

  afterAll(async () => {
    if (freshUp) await sh('npm', ['run', '-s', 'lab', '--', 'down', SUITE_LAB_REL], { cwd: fresh, timeoutMs: 120_000 });
    // The images are shared with every other test and helper: whatever happened, they go back.
    const missing = (await Promise.all(refs.map(async (r) => ((await imagePresent(r)) ? undefined : r)))).filter(Boolean);
    if (missing.length && existsSync(packFile)) {
      await sh('bash', ['-c', 'tar -xOf "$1" anycast-lab-pack/images.tar.gz | docker load', '_', packFile], { cwd: work, timeoutMs: 300_000 });
    }
    rmSync(work, { recursive: true, force: true });
  });

  it('brings up a converged lab on a machine with no images, no node_modules and no registry', async (ctx) => {
    // 1. The trainer's machine writes the archive.
    const pack = await lab(['pack', '--json', '--out', packFile], 480_000);
    expect(pack.code, pack.stderr.slice(-3000)).toBe(0);
    const r = JSON.parse(pack.stdout) as PackResult;
    refs = Object.values(r.manifest.images).flatMap((i) => [i.ref, i.ref.replace(/:[^:]+$/, ':current')]);
    console.log(`pack: ${(r.bytes / 1e6).toFixed(0)} MB in ${(r.ms.total / 1000).toFixed(1)} s`, JSON.stringify({ parts: r.parts, ms: r.ms }));

    // 2. A fresh machine: the project extracted from the archive, nothing installed in it.
    const x = await sh('tar', ['-xf', packFile, 'anycast-lab'], { cwd: work, timeoutMs: 60_000 });
    expect(x.code, x.stderr).toBe(0);
    expect(existsSync(join(fresh, 'node_modules'))).toBe(false);
    expect(existsSync(join(fresh, 'package-lock.json'))).toBe(true);

    const bin = join(work, 'stand-ins');
    const calls = join(work, 'package-client-calls.log');
    mkdirSync(bin);
    for (const t of STAND_INS) {
      writeFileSync(join(bin, t), `#!/bin/sh\necho "${t} $*" >> '${calls}'\necho "stand-in ${t}: no package client on this machine" >&2\nexit 1\n`);
      chmodSync(join(bin, t), 0o755);
    }
    const emptyCache = join(work, 'npm-empty-cache');
    mkdirSync(emptyCache);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      HOME: join(work, 'home'),
      // An npm that would fetch anything fails: a dead registry, an empty cache, offline.
      npm_config_registry: 'http://127.0.0.1:9/',
      npm_config_cache: emptyCache,
      npm_config_offline: 'true',
      npm_config_update_notifier: 'false',
    };
    mkdirSync(env.HOME as string);

    // No lab images on the engine: only the pack's refs, and only when no container uses them.
    // The suite's own lab goes first; a lab of the user's using them stops the test here rather than being removed.
    await labJson(['down', TEST_LAB_FILE]);
    // `npm test` beside a user's running lab is supported: that lab is never
    // touched, so this one test cannot play a bare machine and says so.
    const users = (await docker.listContainers({ all: true, filters: { ancestor: refs } })).map((c) => c.Names[0]);
    ctx.skip(
      users.length > 0,
      `containers outside the suite use the lab images (${users.join(', ')}): a bare machine needs them removed, and a user's lab is never removed; run it with no other lab up`,
    );
    for (const ref of refs) await docker.getImage(ref).remove();
    for (const ref of refs) expect(await imagePresent(ref), `${ref} removed`).toBe(false);

    // 3. The install, from the archive only.
    const prep = await sh('bash', ['scripts/prepare-host.sh', '--from', packFile], { cwd: fresh, env, timeoutMs: 300_000 });
    expect(prep.code, prep.stderr.slice(-3000)).toBe(0);
    expect(prep.stderr).toContain('docker load');
    expect(prep.stderr).toContain('npm ci --offline');
    for (const ref of refs) expect(await imagePresent(ref), `${ref} loaded from the archive`).toBe(true);
    expect(existsSync(join(fresh, 'node_modules', '.bin', 'tsx'))).toBe(true);
    console.log(`prepare-host --from: ${(prep.ms / 1000).toFixed(1)} s`);

    // 4. The lab, as an attendee starts it (prepare-host --quiet runs first and must stay offline too).
    const up = await sh('npm', ['run', '-s', 'lab', '--', 'up', SUITE_LAB_REL, '--json'], { cwd: fresh, env, timeoutMs: 300_000 });
    freshUp = true;
    expect(up.code, up.stderr.slice(-3000)).toBe(0);
    const upJson = JSON.parse(up.stdout) as { wallMs: number; created: { containers: string[] } };
    expect(upJson.created.containers.length).toBeGreaterThan(0);
    // Built nothing: both images are the archive's (a build would need mmdebstrap and apt).
    expect(up.stderr).toMatch(/"subject":"img:router","step":"cached"/);
    expect(up.stderr).toMatch(/"subject":"img:client","step":"cached"/);
    console.log(`up from the extracted project: ${(up.ms / 1000).toFixed(1)} s (converged in ${(upJson.wallMs / 1000).toFixed(1)} s)`);

    const down = await sh('npm', ['run', '-s', 'lab', '--', 'down', SUITE_LAB_REL], { cwd: fresh, env, timeoutMs: 120_000 });
    expect(down.code, down.stderr.slice(-2000)).toBe(0);
    freshUp = false;

    // No package client was called at any point.
    expect(existsSync(calls) ? readFileSync(calls, 'utf8') : '').toBe('');
  });
});
