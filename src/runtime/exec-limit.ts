// Fast BFD and `docker exec` do not mix on a small host. Every exec is a runc
// start (namespaces, cgroup, a process) paid in the engine and the kernel; a
// burst of them leaves bfdd without CPU for longer than 3 × 20 ms. Measured
// on the default lab at BFD 20x3 on every session (2 cores; issue #26), 40 s
// of a baseline-check's load (11 vtysh + 4 dig, repeated every 0.5 s):
// 15 execs at a time 1,264 BFD session downs lab-wide, 4 at a time 370,
// 2 at a time 3, one at a time 0, idle 0. So while BFD is that fast the
// orchestrator runs its execs one at a time.
import { limiter } from '../util/concurrency.js';
import type { ContainerRuntime } from './runtime.js';

/** The same runtime with at most `concurrency` execs (and exec-stream starts) in flight. */
export function limitExecs(rt: ContainerRuntime, concurrency: number): ContainerRuntime {
  const run = limiter(concurrency);
  const exec: ContainerRuntime['exec'] = (id, cmd, opts) => run(() => rt.exec(id, cmd, opts));
  // A stream runs for as long as its command does: only its start takes a slot.
  const execStream: ContainerRuntime['execStream'] = (id, cmd) => run(() => rt.execStream(id, cmd));
  return new Proxy(rt, {
    get(target, prop) {
      if (prop === 'exec') return exec;
      if (prop === 'execStream') return execStream;
      const v = Reflect.get(target, prop, target);
      // Bound to the real runtime: its methods may use private fields.
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
