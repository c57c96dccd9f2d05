import { describe, expect, it } from 'vitest';
import { whileAbortable } from '../../src/cli/abort-on-signals.js';

// process.emit runs the listeners without sending a real signal to the test process.
describe('whileAbortable', () => {
  it('reports the interruption, not the error the aborted work failed with, after the work cleaned up', async () => {
    const steps: string[] = [];
    const run = whileAbortable('up was interrupted; what it created has been removed', {}, async (signal) => {
      try {
        await new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('exec cancelled'))));
      } finally {
        steps.push('rolled back');
      }
    });
    process.emit('SIGINT');
    await expect(run).rejects.toMatchObject({ code: 'INTERRUPTED', message: 'up was interrupted; what it created has been removed' });
    expect(steps).toEqual(['rolled back']);
  });

  it('passes the result and a real failure through, and stops listening either way', async () => {
    const before = process.listenerCount('SIGINT');
    await expect(whileAbortable('x', {}, async () => 42)).resolves.toBe(42);
    await expect(
      whileAbortable('x', {}, async () => {
        throw new Error('no route to 10.78.0.0/24');
      }),
    ).rejects.toThrow('no route to 10.78.0.0/24');
    expect(process.listenerCount('SIGINT')).toBe(before);
    expect(process.listenerCount('SIGTERM')).toBe(0);
  });
});
