// `lab hosts check`: can each host of a lab file carry its part of the lab?
// Engine reachable, Swarm membership (the manager manages, every other host is
// a node of the manager's cluster), VXLAN in its kernel (what overlays ride
// on), free memory, and its clock against the manager's. The checks run
// against a narrow per-host interface, so they are tested with fakes.

/** What the checks need from one host's engine. */
export interface HostEngine {
  name: string;
  endpoint: string;
  info(): Promise<EngineFacts>;
  /** Node IDs of the cluster; managers only. */
  swarmNodeIds(): Promise<string[]>;
  /** Runs a command in a throwaway container with NET_ADMIN and no network; undefined when the host has no image to run it in. */
  probe(cmd: string[]): Promise<{ exitCode: number; stdout: string; stderr: string } | undefined>;
}

export interface EngineFacts {
  version: string;
  /** inactive | pending | active | error | locked */
  swarmState: string;
  nodeId?: string;
  isManager: boolean;
  /** The daemon's wall clock when it answered (RFC 3339). */
  systemTime: string;
}

export type CheckStatus = 'ok' | 'fail' | 'warn';

export interface HostCheck {
  host: string;
  check: 'engine' | 'swarm' | 'vxlan' | 'memory' | 'clock';
  status: CheckStatus;
  detail: string;
}

export interface HostsCheckResult {
  ok: boolean;
  manager: string;
  checks: HostCheck[];
}

/** A router needs ~45 MB (bench/results up bench); below this a host fits fewer than ~20. */
const LOW_MEMORY_BYTES = 1 << 30;
/** Failover is timed from one host's clock wherever it can be; beyond this the cross-host timestamps mislead. */
const CLOCK_WARN_MS = 50;

// Creating a VXLAN device is what an overlay does first on each node; the kernel refuses it without CONFIG_VXLAN.
const VXLAN_PROBE = ['sh', '-c', 'ip link add al-vxlan-check type vxlan id 4242 dstport 4789 dev lo && ip link del al-vxlan-check'];

/** `now`: the orchestrator's wall clock in ms, sampled around each engine call (the clock offset's reference). */
export async function checkHosts(engines: HostEngine[], manager: string, now: () => number = Date.now): Promise<HostsCheckResult> {
  const checks: HostCheck[] = [];
  const add = (host: string, check: HostCheck['check'], status: CheckStatus, detail: string) => checks.push({ host, check, status, detail });
  const facts = new Map<string, { info: EngineFacts; offsetMs: number; errorMs: number }>();

  for (const e of engines) {
    const t0 = now();
    try {
      const info = await e.info();
      const t1 = now();
      // NTP's estimate with the orchestrator as the reference: the engine read its clock somewhere in [t0, t1].
      const offsetMs = Date.parse(info.systemTime) - (t0 + t1) / 2;
      facts.set(e.name, { info, offsetMs, errorMs: (t1 - t0) / 2 });
      add(e.name, 'engine', 'ok', `Docker ${info.version} at ${e.endpoint} (${t1 - t0} ms)`);
    } catch (err) {
      add(e.name, 'engine', 'fail', `cannot reach ${e.endpoint}: ${(err as Error).message}`);
    }
  }

  const lead = facts.get(manager);
  const members = lead?.info.isManager
    ? await engines
        .find((e) => e.name === manager)
        ?.swarmNodeIds()
        .catch(() => undefined)
    : undefined;
  for (const e of engines) {
    const f = facts.get(e.name);
    if (!f) continue;
    add(e.name, 'swarm', ...swarmStatus(e.name, manager, f.info, members));
    add(e.name, 'vxlan', ...(await vxlanStatus(e)));
    add(e.name, 'memory', ...(await memoryStatus(e)));
    if (lead && e.name !== manager) {
      const off = f.offsetMs - lead.offsetMs;
      const err = f.errorMs + lead.errorMs;
      // Engines report time to the nanosecond but the round trip bounds what we know: offset ± err.
      add(e.name, 'clock', Math.abs(off) - err > CLOCK_WARN_MS ? 'warn' : 'ok', `${fmtMs(off)} vs ${manager} (± ${fmtMs(err, false)})`);
    }
  }
  return { ok: checks.every((c) => c.status !== 'fail'), manager, checks };
}

function swarmStatus(host: string, manager: string, info: EngineFacts, members: string[] | undefined): [CheckStatus, string] {
  if (info.swarmState !== 'active')
    return [
      'fail',
      `not in a Swarm (state ${info.swarmState}); ${host === manager ? 'docker swarm init' : `docker swarm join on it, with ${manager}'s worker token`}`,
    ];
  if (host === manager) return info.isManager ? ['ok', 'manager'] : ['fail', 'in a Swarm but not a manager: the hosts: manager creates the overlays'];
  if (!members) return ['warn', `in a Swarm (node ${info.nodeId}); cannot tell whether it is ${manager}'s: the manager did not list its nodes`];
  return info.nodeId && members.includes(info.nodeId)
    ? ['ok', `node ${info.nodeId} of ${manager}'s Swarm`]
    : ['fail', `in another Swarm than ${manager}'s (node ${info.nodeId})`];
}

async function vxlanStatus(e: HostEngine): Promise<[CheckStatus, string]> {
  const r = await e.probe(VXLAN_PROBE).catch((err: Error) => ({ exitCode: -1, stdout: '', stderr: err.message }));
  if (!r) return ['warn', 'not checked: no anycast-lab image on this host to run the probe in'];
  return r.exitCode === 0
    ? ['ok', 'a VXLAN device can be created']
    : ['fail', `cannot create a VXLAN device (kernel without CONFIG_VXLAN?): ${r.stderr.trim() || `exit ${r.exitCode}`}`];
}

async function memoryStatus(e: HostEngine): Promise<[CheckStatus, string]> {
  const r = await e.probe(['cat', '/proc/meminfo']).catch(() => undefined);
  const kb = r && Number(/^MemAvailable:\s+(\d+) kB/m.exec(r.stdout)?.[1]);
  if (!kb) return ['warn', 'not checked: /proc/meminfo not readable through the probe'];
  const bytes = kb * 1024;
  return [bytes < LOW_MEMORY_BYTES ? 'warn' : 'ok', `${(bytes / 2 ** 30).toFixed(1)} GiB available (~${Math.floor(bytes / (45 * 2 ** 20))} routers at ~45 MB)`];
}

const fmtMs = (ms: number, sign = true): string => `${sign && ms >= 0 ? '+' : ''}${ms.toFixed(1)} ms`;

export function renderHostsCheck(r: HostsCheckResult): string {
  return r.checks
    .map((c) => `${c.status === 'ok' ? ' ok  ' : c.status === 'warn' ? ' warn' : ' FAIL'} ${c.host.padEnd(12)} ${c.check.padEnd(7)} ${c.detail}`)
    .join('\n');
}
