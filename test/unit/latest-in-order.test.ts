// latestInOrder: a terminal's resizes reach the engine one at a time and end
// on the newest size, whatever order slow requests would have finished in.
import { describe, expect, it } from 'vitest';
import { latestInOrder } from '../../src/util/concurrency.js';

/** A call that finishes when the test says so, recording when it started and ended. */
function controlled() {
  const log: string[] = [];
  const finish: Array<() => void> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fn = (v: string) =>
    new Promise<void>((resolve) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      log.push(`start ${v}`);
      finish.push(() => {
        inFlight--;
        log.push(`end ${v}`);
        resolve();
      });
    });
  return { fn, log, finish, maxInFlight: () => maxInFlight };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('latestInOrder', () => {
  it('sends one at a time and the last value last, skipping values replaced while waiting', async () => {
    const c = controlled();
    const send = latestInOrder(c.fn, () => undefined);
    send('50x101');
    send('50x90'); // while 50x101 is in flight
    await tick();
    expect(c.log).toEqual(['start 50x101']);
    c.finish.shift()?.();
    await tick();
    expect(c.log).toEqual(['start 50x101', 'end 50x101', 'start 50x90']);
    send('40x80');
    send('45x85'); // replaces 40x80, which never started
    c.finish.shift()?.();
    await tick();
    c.finish.shift()?.();
    await tick();
    expect(c.log).toEqual(['start 50x101', 'end 50x101', 'start 50x90', 'end 50x90', 'start 45x85', 'end 45x85']);
    expect(c.maxInFlight()).toBe(1);
  });

  it('a failed call is reported and the next value is still sent', async () => {
    const seen: string[] = [];
    const errors: unknown[] = [];
    const send = latestInOrder(
      async (v: string) => {
        seen.push(v);
        if (v === 'bad') throw new Error('no such exec');
      },
      (e) => errors.push(e),
    );
    send('bad');
    await tick();
    send('good');
    await tick();
    expect(seen).toEqual(['bad', 'good']);
    expect(errors).toHaveLength(1);
  });
});
