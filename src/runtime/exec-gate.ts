// Never start a `docker exec` in a container while it is being paused.
// Docker 20.10 deadlocks on that race: the exec's `runc init` joins the
// frozen cgroup and hangs in D state while holding the container, so
// `docker unpause` (and inspect, rm, down) hang with it until someone thaws
// the cgroup by hand. Seen here: the dashboard's once-a-second status execs
// and a `freeze` fault from another terminal.
//
// Two flags in files, so it holds across processes (the dashboard and the
// failover CLI are two processes): an exec first registers itself, then
// checks the container's "pausing" marker; a pause first writes the marker,
// then waits until no exec is registered. Whatever the interleaving, either
// the exec sees the marker (and refuses) or the pause sees the exec (and
// waits for it). Registrations of dead processes do not count.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabError } from '../errors.js';
import { processAlive, procIdentity } from '../util/pid-lock.js';
import { waitUntil } from '../util/wait.js';

/** This process as the gate records it: pid and start time, so a reused pid is not mistaken for it. Read once. */
let meCache: string | undefined;
const me = () => (meCache ??= `${process.pid} ${procIdentity(process.pid)?.start ?? ''}`);

/**
 * Keys: an exec registers under the name or id it was given, with no engine
 * call on that hot path; a pause, which inspects the container anyway, marks
 * and drains every key the container may be named by (name and full id).
 */
export class ExecGate {
  private seq = 0;

  constructor(private readonly dir = join(tmpdir(), 'anycast-lab-exec')) {}

  private marker = (key: string) => join(this.dir, `${key}.pausing`);
  private inflight = (key: string) => join(this.dir, key);

  /** Runs `fn` registered as an exec in the container known as `key`, unless it is being paused. */
  async exec<T>(key: string, what: string, fn: () => Promise<T>): Promise<T> {
    const dir = this.inflight(key);
    mkdirSync(dir, { recursive: true });
    const mine = join(dir, `${process.pid}-${++this.seq}`);
    writeFileSync(mine, me());
    try {
      if (this.pausing(key)) throw new LabError('NODE_PAUSED', `${what}: the container is paused (or being paused); not starting a command in it`);
      return await fn();
    } finally {
      rmSync(mine, { force: true });
    }
  }

  /** Marks the container (every key) as pausing, waits until no live exec is registered under any key, then runs `pause`. */
  async pause(keys: string[], what: string, pause: () => Promise<void>, timeoutMs = 30_000): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    for (const k of keys) writeFileSync(this.marker(k), me());
    const lift = () => {
      for (const k of keys) rmSync(this.marker(k), { force: true });
    };
    const drained = await waitUntil(async () => keys.every((k) => this.liveExecs(k) === 0), { timeoutMs, intervalMs: 20 });
    if (!drained) {
      lift();
      throw new LabError('FAULT', `${what}: a command still runs in it after ${timeoutMs / 1000} s; not pausing (Docker would hang)`);
    }
    try {
      await pause();
    } catch (e) {
      // Not paused: a marker left here would refuse every later exec into it.
      lift();
      throw e;
    }
  }

  /** Runs `unpause`, then lifts the markers (also when the container was not paused at all). */
  async unpause(keys: string[], unpause: () => Promise<void>): Promise<void> {
    try {
      await unpause();
    } finally {
      for (const k of keys) rmSync(this.marker(k), { force: true });
    }
  }
  /** A marker whose writer died is stale: Docker itself refuses an exec in a container that is fully paused. */
  private pausing(id: string): boolean {
    let text: string;
    try {
      text = readFileSync(this.marker(id), 'utf8');
    } catch {
      return false;
    }
    const [pid, start] = text.split(' ');
    if (processAlive(Number(pid), start || undefined)) return true;
    rmSync(this.marker(id), { force: true });
    return false;
  }

  private liveExecs(id: string): number {
    let n = 0;
    let names: string[] = [];
    try {
      names = readdirSync(this.inflight(id));
    } catch {
      return 0;
    }
    for (const f of names) {
      try {
        const [pid, start] = readFileSync(join(this.inflight(id), f), 'utf8').split(' ');
        if (processAlive(Number(pid), start || undefined)) n++;
        else rmSync(join(this.inflight(id), f), { force: true }); // left by a process that died mid-exec
      } catch {
        // finished while we looked
      }
    }
    return n;
  }
}
