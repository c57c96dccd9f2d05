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

const me = () => `${process.pid} ${procIdentity(process.pid)?.start ?? ''}`;

export class ExecGate {
  private seq = 0;

  constructor(private readonly dir = join(tmpdir(), 'anycast-lab-exec')) {}

  private marker = (id: string) => join(this.dir, `${id}.pausing`);
  private inflight = (id: string) => join(this.dir, id);

  /** Runs `fn` registered as an exec in container `id` (its full id), unless the container is being paused. */
  async exec<T>(id: string, what: string, fn: () => Promise<T>): Promise<T> {
    const dir = this.inflight(id);
    mkdirSync(dir, { recursive: true });
    const mine = join(dir, `${process.pid}-${++this.seq}`);
    writeFileSync(mine, me());
    try {
      if (this.pausing(id)) throw new LabError('NODE_START', `${what}: the container is paused (or being paused); not starting a command in it`);
      return await fn();
    } finally {
      rmSync(mine, { force: true });
    }
  }

  /** Marks container `id` as pausing, waits until no live exec is registered in it, then runs `pause`. */
  async pause(id: string, what: string, pause: () => Promise<void>, timeoutMs = 30_000): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(this.marker(id), me());
    const drained = await waitUntil(async () => this.liveExecs(id) === 0, { timeoutMs, intervalMs: 20 });
    if (!drained) {
      rmSync(this.marker(id), { force: true });
      throw new LabError('FAULT', `${what}: a command still runs in it after ${timeoutMs / 1000} s; not pausing (Docker would hang)`);
    }
    await pause();
  }

  /** Runs `unpause`, then lifts the marker (also when the container was not paused at all). */
  async unpause(id: string, unpause: () => Promise<void>): Promise<void> {
    try {
      await unpause();
    } finally {
      rmSync(this.marker(id), { force: true });
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
