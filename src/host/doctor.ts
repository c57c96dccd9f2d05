// `anycast-lab doctor`: can this host run the lab, and what is missing?
//
// Kernel features are tested for real inside a short-lived container from the
// router image (the same namespace and capabilities lab routers get), because
// the host's module list says little about what a container may do. Without
// the image we fall back to a host-side guess. Parsing and classification are
// pure functions below the I/O part so they can be tested with tables.

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { ImageKind } from '../runtime/image-specs.js';
import { type ImageRefs, imageRefs } from '../runtime/image-store.js';
import { LABEL } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { IPV6_FIX, ipv6NetworkProblem } from './ipv6.js';

export type CheckStatus = 'ok' | 'missing' | 'warn';

export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
  /** The lab works without it; a `missing` here does not make the report fail. */
  optional?: boolean;
}

export interface DoctorReport {
  ok: boolean;
  checks: DoctorCheck[];
}

/** Lab routers get exactly these; --privileged is neither needed nor possible on some hosts. */
export const LAB_CAPS = ['NET_ADMIN', 'NET_RAW', 'SYS_ADMIN'] as const;

export async function runDoctor(rt: ContainerRuntime): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [checkNode(process.version)];

  let dockerOk = false;
  try {
    const v = await rt.ping();
    checks.push(checkDockerVersion(v.version, v.apiVersion));
    dockerOk = true;
  } catch (err) {
    // ping's own message says what to do; the fix line below says it here.
    const why = (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message;
    checks.push({
      name: 'docker engine',
      status: 'missing',
      detail: `not reachable: ${why}`,
      fix: 'run scripts/prepare-host.sh (installs docker.io and starts dockerd), or set DOCKER_HOST',
    });
  }

  let refs: ImageRefs | undefined;
  const present: Partial<Record<ImageKind, boolean>> = {};
  try {
    refs = await imageRefs();
  } catch (err) {
    checks.push({ name: 'images', status: 'warn', detail: (err as Error).message });
  }
  if (dockerOk && refs) {
    for (const kind of ['router', 'client'] as const) {
      const ref = refs[kind];
      const info = await rt.inspectImage(ref).catch(() => undefined);
      if (info) {
        present[kind] = true;
        checks.push({ name: `image ${kind}`, status: 'ok', detail: `${ref} (${(info.sizeBytes / 1e6).toFixed(0)} MB)` });
      } else {
        present[kind] = false;
        checks.push({ name: `image ${kind}`, status: 'warn', detail: `${ref} not built yet`, fix: 'nothing to do: built on first `up` (~30 s)' });
      }
    }
  }

  const mmdebstrap = await run('mmdebstrap', ['--version']);
  checks.push(checkMmdebstrap(mmdebstrap, refs?.builder ?? 'mmdebstrap', Boolean(present.router && present.client)));

  if (dockerOk) checks.push(await checkIpv6Networks(rt));

  if (dockerOk && refs && present.router) {
    try {
      // No network; removed afterwards, also on timeout.
      const res = await rt.runToCompletion(
        {
          name: `al-doctor-${process.pid}`,
          image: refs.router,
          labels: { [LABEL.kind]: 'helper' },
          cmd: ['sh', '-c', KERNEL_PROBE_SCRIPT],
          capAdd: [...LAB_CAPS],
          networkMode: 'none',
        },
        30_000,
      );
      checks.push(...classifyKernelProbe(parseProbeOutput(res.stdout)));
    } catch (err) {
      checks.push({
        name: 'capabilities',
        status: 'missing',
        detail: `a container with CapAdd ${LAB_CAPS.join(',')} failed to run: ${(err as Error).message}`,
        fix: 'the engine must allow --cap-add NET_ADMIN/NET_RAW/SYS_ADMIN (rootless or restricted engines may not); --privileged is not needed',
      });
    }
  } else {
    checks.push(...(await hostKernelChecks()));
  }

  return summarize(checks);
}

export function summarize(checks: DoctorCheck[]): DoctorReport {
  return { ok: checks.every((c) => c.status !== 'missing' || c.optional), checks };
}

/** `doctor`: optional, an [ipv4] lab needs none of it. */
export async function checkIpv6Networks(rt: ContainerRuntime): Promise<DoctorCheck> {
  const problem = await ipv6NetworkProblem(rt, 'doctor');
  return problem === undefined
    ? { name: 'ipv6 networks', status: 'ok', detail: 'the engine creates internal IPv6 networks (dual-stack labs, `families: [ipv4, ipv6]`)', optional: true }
    : {
        name: 'ipv6 networks',
        status: 'missing',
        detail: `dual-stack labs cannot run here: an internal network with EnableIPv6 failed: ${problem}`,
        fix: IPV6_FIX,
        optional: true,
      };
}

// --- pure checks --------------------------------------------------------------------

function versionAtLeast(version: string, min: [number, number]): boolean | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(version.trim());
  if (!m) return undefined;
  const [maj, min_] = [Number(m[1]), Number(m[2])];
  return maj > min[0] || (maj === min[0] && min_ >= min[1]);
}

export function checkNode(version: string): DoctorCheck {
  const ok = versionAtLeast(version, [20, 0]);
  return ok
    ? { name: 'node', status: 'ok', detail: version }
    : {
        name: 'node',
        status: 'missing',
        detail: `${version}; the lab copies this binary into its images and dns2 needs >= 20`,
        fix: 'install Node.js 20 or newer',
      };
}

export function checkDockerVersion(version: string, apiVersion?: string): DoctorCheck {
  const detail = `engine ${version}${apiVersion ? ` (API ${apiVersion})` : ''}`;
  const ok = versionAtLeast(version, [20, 10]);
  if (ok === undefined) return { name: 'docker engine', status: 'warn', detail: `${detail}: unrecognised version string` };
  return ok
    ? { name: 'docker engine', status: 'ok', detail }
    : { name: 'docker engine', status: 'missing', detail: `${detail}; need >= 20.10`, fix: 'upgrade Docker engine to 20.10 or newer' };
}

export interface CmdResult {
  /** null when the program could not be started (not installed). */
  code: number | null;
  stdout: string;
  stderr: string;
}

export function checkMmdebstrap(res: CmdResult, builder: 'mmdebstrap' | 'dockerfile', imagesBuilt: boolean): DoctorCheck {
  if (res.code === 0) return { name: 'mmdebstrap', status: 'ok', detail: (res.stdout || res.stderr).trim() || 'present' };
  if (builder === 'dockerfile') return { name: 'mmdebstrap', status: 'ok', detail: 'not needed: ANYCAST_LAB_IMAGE_BUILDER=dockerfile' };
  const fix = 'run scripts/prepare-host.sh or `apt-get install mmdebstrap` (or ANYCAST_LAB_IMAGE_BUILDER=dockerfile with a reachable registry)';
  return imagesBuilt
    ? { name: 'mmdebstrap', status: 'warn', detail: 'not installed; images are already built, but a change to them cannot be rebuilt', fix }
    : { name: 'mmdebstrap', status: 'missing', detail: 'not installed; needed to build the images offline', fix };
}

/**
 * Runs inside the router image with the lab's capabilities and no network.
 * Each probe prints `@@<name> <exit code> <output on one line>`.
 * tc probes use lo so they do not depend on the veth probe.
 */
export const KERNEL_PROBE_SCRIPT = [
  `chk() { n=$1; shift; o=$("$@" 2>&1); r=$?; printf '@@%s %s %s\\n' "$n" "$r" "$(printf '%s' "$o" | tr '\\n' ' ')"; }`,
  'chk caps grep CapEff /proc/self/status',
  'chk veth ip link add al-va type veth peer name al-vb',
  'chk bridge ip link add al-br type bridge',
  'chk nftables nft add table inet al-t',
  'chk tbf tc qdisc add dev lo root tbf rate 1mbit burst 32kbit latency 50ms',
  'tc qdisc del dev lo root >/dev/null 2>&1',
  'chk netem tc qdisc add dev lo root netem delay 1ms',
  'chk dummy ip link add al-d0 type dummy',
  'exit 0',
].join('\n');

export type ProbeResults = Map<string, { code: number; output: string }>;

export function parseProbeOutput(stdout: string): ProbeResults {
  const results: ProbeResults = new Map();
  for (const line of stdout.split('\n')) {
    const m = /^@@(\S+) (\d+) ?(.*)$/.exec(line);
    if (m) results.set(m[1], { code: Number(m[2]), output: m[3].trim() });
  }
  return results;
}

/** Capability bit numbers from linux/capability.h. */
const CAP_BITS: Record<(typeof LAB_CAPS)[number], bigint> = { NET_ADMIN: 12n, NET_RAW: 13n, SYS_ADMIN: 21n };

export function missingCaps(capEffLine: string): string[] | undefined {
  const m = /CapEff:\s*([0-9a-f]+)/i.exec(capEffLine);
  if (!m) return undefined;
  const eff = BigInt(`0x${m[1]}`);
  return LAB_CAPS.filter((c) => ((eff >> CAP_BITS[c]) & 1n) === 0n);
}

interface Feature {
  probe: string;
  name: string;
  module: string;
  optional?: true;
  /** Fix text when missing. */
  fix: string;
  use: string;
}

const FEATURES: Feature[] = [
  { probe: 'veth', name: 'kernel: veth', module: 'veth', use: 'point-to-point links', fix: 'load the veth module on the host (`modprobe veth`)' },
  { probe: 'bridge', name: 'kernel: bridge', module: 'bridge', use: 'LAN segments', fix: 'load the bridge module on the host (`modprobe bridge`)' },
  {
    probe: 'nftables',
    name: 'kernel: nftables',
    module: 'nf_tables',
    use: 'fault injection (drop/blackhole)',
    fix: 'load nf_tables on the host (`modprobe nf_tables`)',
  },
  { probe: 'tbf', name: 'kernel: tc tbf', module: 'sch_tbf', use: 'link rate limits', fix: 'load sch_tbf on the host (`modprobe sch_tbf`)' },
  {
    probe: 'netem',
    name: 'kernel: sch_netem',
    module: 'sch_netem',
    optional: true,
    use: 'link delay/loss emulation',
    fix: 'link delay/loss emulation is unavailable; load sch_netem on the host (`modprobe sch_netem`; on Ubuntu it is in linux-modules-extra-$(uname -r)). The lab works without it.',
  },
  {
    probe: 'dummy',
    name: 'kernel: dummy link',
    module: 'dummy',
    optional: true,
    use: 'anycast loopback interface',
    fix: 'the lab uses an empty bridge instead; nothing to do',
  },
];

export function classifyKernelProbe(results: ProbeResults): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const caps = results.get('caps');
  const missing = caps ? missingCaps(caps.output) : undefined;
  if (missing === undefined) {
    checks.push({ name: 'capabilities', status: 'warn', detail: 'helper container ran, but its CapEff could not be read' });
  } else if (missing.length) {
    checks.push({
      name: 'capabilities',
      status: 'missing',
      detail: `helper container lacks ${missing.join(', ')} despite CapAdd`,
      fix: 'the engine drops added capabilities (rootless Docker or a security profile?); use a rootful engine',
    });
  } else {
    checks.push({ name: 'capabilities', status: 'ok', detail: `CapAdd ${LAB_CAPS.join(', ')} works; --privileged is not needed` });
  }
  for (const f of FEATURES) {
    const r = results.get(f.probe);
    if (!r) {
      checks.push({ name: f.name, status: 'warn', detail: 'probe did not run', optional: f.optional });
    } else if (r.code === 0) {
      checks.push({ name: f.name, status: 'ok', detail: `works in a container (${f.use})`, optional: f.optional });
    } else {
      checks.push({ name: f.name, status: 'missing', detail: `${f.use}: ${r.output || `exit ${r.code}`}`, fix: f.fix, optional: f.optional });
    }
  }
  return checks;
}

/**
 * Host-side guess when the router image is not built: loaded, built in, or
 * loadable by modprobe counts as present.
 */
export function classifyHostModules(procModules: string, builtin: string, modprobe: Record<string, CmdResult>): DoctorCheck[] {
  const loaded = new Set(
    procModules
      .split('\n')
      .map((l) => l.split(' ')[0])
      .filter(Boolean),
  );
  const builtIn = new Set(
    builtin
      .split('\n')
      .map((l) =>
        l
          .trim()
          .split('/')
          .pop()
          ?.replace(/\.ko(\.\w+)?$/, ''),
      )
      .filter(Boolean),
  );
  const note = ' (host-side guess; build the images for a real test)';
  return FEATURES.map((f): DoctorCheck => {
    const base = { name: f.name, optional: f.optional };
    if (loaded.has(f.module)) return { ...base, status: 'ok', detail: `${f.module} loaded${note}` };
    if (builtIn.has(f.module)) return { ...base, status: 'ok', detail: `${f.module} built in${note}` };
    const mp = modprobe[f.module];
    if (mp?.code === 0) return { ...base, status: 'ok', detail: `${f.module} loadable${note}` };
    if (!mp || mp.code === null) return { ...base, status: 'warn', detail: `${f.module} not loaded and modprobe unavailable${note}`, fix: f.fix };
    return { ...base, status: 'missing', detail: `${f.module}: ${(mp.stderr || mp.stdout).trim() || 'not found'}${note}`, fix: f.fix };
  });
}

// --- host I/O --------------------------------------------------------------------------

function run(cmd: string, args: string[]): Promise<CmdResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 10_000 }, (err, stdout, stderr) => {
      const code = err
        ? typeof (err as NodeJS.ErrnoException).code === 'number'
          ? Number((err as NodeJS.ErrnoException).code)
          : (err as NodeJS.ErrnoException).code === 'ENOENT'
            ? null
            : 1
        : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

async function hostKernelChecks(): Promise<DoctorCheck[]> {
  const procModules = await readFile('/proc/modules', 'utf8').catch(() => '');
  const release = (await run('uname', ['-r'])).stdout.trim();
  const builtin = await readFile(`/lib/modules/${release}/modules.builtin`, 'utf8').catch(() => '');
  const modprobe: Record<string, CmdResult> = {};
  for (const f of FEATURES) modprobe[f.module] = await run('modprobe', ['-n', '-v', f.module]);
  return classifyHostModules(procModules, builtin, modprobe);
}
