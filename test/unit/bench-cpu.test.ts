import { describe, expect, it } from 'vitest';
import { breakdown, engineDelta, parseProcStatCpuS } from '../../src/bench/cpu.js';
import { parseCpuStatS } from '../../src/util/cgroup-cpu.js';

describe('bench CPU accounting', () => {
  it('reads utime+stime+cutime+cstime from /proc/<pid>/stat, even with spaces and parentheses in the name', () => {
    // fields: pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime …
    const stat = '4242 (containerd-shim (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 50 20 30 20 0 10 0 12345';
    expect(parseProcStatCpuS(stat)).toBeCloseTo(2.5);
  });

  it('reads usage_usec from a cgroup v2 cpu.stat', () => {
    expect(parseCpuStatS('usage_usec 1234567\nuser_usec 1000000\nsystem_usec 234567\n')).toBeCloseTo(1.234567);
    expect(() => parseCpuStatS('user_usec 1\n')).toThrow(/usage_usec/);
  });

  it('counts engine CPU between snapshots; a shim born in between counts whole', () => {
    const before = new Map([
      [1, { name: 'dockerd', cpuS: 10 }],
      [2, { name: 'containerd', cpuS: 3 }],
      [3, { name: 'shims', cpuS: 1 }],
    ]);
    const after = new Map([
      [1, { name: 'dockerd', cpuS: 14 }],
      [2, { name: 'containerd', cpuS: 3.5 }],
      [3, { name: 'shims', cpuS: 1.2 }],
      [9, { name: 'shims', cpuS: 0.8 }],
    ]);
    const d = engineDelta(before, after);
    expect(d.dockerd).toBeCloseTo(4);
    expect(d.containerd).toBeCloseTo(0.5);
    expect(d.shims).toBeCloseTo(1);
  });

  it('sums containers per role and leaves the unexplained rest as other', () => {
    const b = breakdown(
      20,
      { dockerd: 4, containerd: 1, shims: 2 },
      [
        { role: 'pop', cpuS: 1.5 },
        { role: 'pop', cpuS: 1.5 },
        { role: 'transit', cpuS: 1 },
      ],
      2.5,
    );
    expect(b.containersByRole).toEqual({ pop: 3, transit: 1 });
    expect(b.otherS).toBeCloseTo(6.5);
    expect(b.totalS).toBe(20);
  });

  it('sums before it rounds: 25 idle transits at 0.04 s each are 1 s, not 0', () => {
    const b = breakdown(
      2,
      { dockerd: 0, containerd: 0, shims: 0 },
      Array.from({ length: 25 }, () => ({ role: 'transit', cpuS: 0.04 })),
      0,
    );
    expect(b.containersByRole).toEqual({ transit: 1 });
  });
});
