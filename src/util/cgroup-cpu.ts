// A cgroup's CPU time from the text of its accounting file: cgroup v2
// `cpu.stat` (usage_usec) or cgroup v1 `cpuacct.usage` (ns). Read on the host
// (bench) or inside a container (flood), the text is the same.

/** usage_usec of a cgroup-v2 cpu.stat, in s. */
export function parseCpuStatS(text: string): number {
  const m = /^usage_usec (\d+)$/m.exec(text);
  if (!m) throw new Error('no usage_usec in cpu.stat');
  return Number(m[1]) / 1e6;
}

/** A cgroup-v1 cpuacct.usage (ns), in s. */
export const parseCpuacctUsageS = (text: string): number => Number(text.trim()) / 1e9;

/** Whichever of the two files `text` is; undefined when it is neither. */
export function cgroupCpuS(text: string): number | undefined {
  if (/^usage_usec \d+$/m.test(text)) return parseCpuStatS(text);
  return /^\s*\d+\s*$/.test(text) ? parseCpuacctUsageS(text) : undefined;
}
