// Where `up` spends CPU on the host: the container engine (dockerd,
// containerd and the per-container shims, with the runc/exec children they
// reaped), each container's cgroup, this process, and the rest of the
// machine. On 2 cores, CPU-seconds / 2 is the shortest wall time a run could
// possibly take, which is what the ratio to the Docker floor runs into.
import { readdirSync, readFileSync } from 'node:fs';
import { parseCpuacctUsageS, parseCpuStatS } from '../util/cgroup-cpu.js';
import { procStatFields } from '../util/proc-stat.js';

const CLK_TCK = 100; // USER_HZ on Linux

/** utime+stime+cutime+cstime of a process, s; undefined when it is gone. */
function procCpuS(pid: number): number | undefined {
  try {
    return parseProcStatCpuS(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** utime, stime, cutime, cstime: fields 14–17 of /proc/<pid>/stat. */
export function parseProcStatCpuS(stat: string): number {
  return (
    procStatFields(stat)
      .slice(14 - 3, 17 - 3 + 1)
      .reduce((a, f) => a + Number(f), 0) / CLK_TCK
  );
}

/** Pids of the container engine, by the name of their executable. */
function enginePids(): Map<number, string> {
  const out = new Map<number, string>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const comm = readFileSync(`/proc/${d}/comm`, 'utf8').trim();
      if (comm === 'dockerd' || comm === 'containerd' || comm.startsWith('containerd-shim'))
        out.set(Number(d), comm.startsWith('containerd-shim') ? 'shims' : comm);
    } catch {
      // exited while we looked
    }
  }
  return out;
}

export type EngineSnapshot = Map<number, { name: string; cpuS: number }>;

export function engineSnapshot(): EngineSnapshot {
  const snap: EngineSnapshot = new Map();
  for (const [pid, name] of enginePids()) {
    const cpuS = procCpuS(pid);
    if (cpuS !== undefined) snap.set(pid, { name, cpuS });
  }
  return snap;
}

/**
 * CPU-seconds per engine part between two snapshots. A shim that started in
 * between counts whole; one that exited in between is lost (the floor's are
 * gone before `up` starts, so nothing of `up`'s own).
 */
export function engineDelta(before: EngineSnapshot, after: EngineSnapshot): Record<string, number> {
  const out: Record<string, number> = { dockerd: 0, containerd: 0, shims: 0 };
  for (const [pid, a] of after) out[a.name] = (out[a.name] ?? 0) + a.cpuS - (before.get(pid)?.cpuS ?? 0);
  return out;
}

/** A container's CPU since it started, s, from its cgroup (v1 cpuacct or v2 cpu.stat). */
export function containerCpuS(id: string): number | undefined {
  const tries: [string, (s: string) => number][] = [
    [`/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`, parseCpuacctUsageS],
    [`/sys/fs/cgroup/system.slice/docker-${id}.scope/cpu.stat`, parseCpuStatS],
    [`/sys/fs/cgroup/docker/${id}/cpu.stat`, parseCpuStatS],
  ];
  for (const [path, parse] of tries) {
    try {
      return parse(readFileSync(path, 'utf8'));
    } catch {
      // not this cgroup layout
    }
  }
  return undefined;
}

export interface CpuBreakdown {
  /** Whole machine (/proc/stat) while the run lasted. */
  totalS: number;
  engine: Record<string, number>;
  /** Containers' cgroups, summed per role. */
  containersByRole: Record<string, number>;
  /** This orchestrator process. */
  orchestratorS: number;
  /**
   * Everything else: kernel threads, the host helper's short-lived container,
   * other processes. Negative when parts overlap: a process run by `docker
   * exec` is counted in its container's cgroup and, once the shim reaps it,
   * in the shim's children time too.
   */
  otherS: number;
}

export function breakdown(totalS: number, engine: Record<string, number>, containers: { role: string; cpuS: number }[], orchestratorS: number): CpuBreakdown {
  // Summed, then rounded: rounding each step loses every container under 0.05 s (an idle window's transits all).
  const sums: Record<string, number> = {};
  for (const c of containers) sums[c.role] = (sums[c.role] ?? 0) + c.cpuS;
  const byRole = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, r1(v)]));
  const eng = Object.fromEntries(Object.entries(engine).map(([k, v]) => [k, r1(v)]));
  const known = Object.values(engine).reduce((a, b) => a + b, 0) + containers.reduce((a, c) => a + c.cpuS, 0) + orchestratorS;
  return { totalS: r1(totalS), engine: eng, containersByRole: byRole, orchestratorS: r1(orchestratorS), otherS: r1(totalS - known) };
}

const r1 = (x: number) => Math.round(x * 10) / 10;
