import { describe, expect, it } from 'vitest';
import { rotation, spread } from '../../src/bench/responder.js';

describe('responder bench repetitions', () => {
  it('rotates the order so each server runs first, in the middle and last once in 3 reps', () => {
    const order = [0, 1, 2].map((rep) => rotation(['responder', 'dns2', 'nsd'], rep));
    expect(order).toEqual([
      ['responder', 'dns2', 'nsd'],
      ['dns2', 'nsd', 'responder'],
      ['nsd', 'responder', 'dns2'],
    ]);
    for (const server of ['responder', 'dns2', 'nsd']) expect(new Set(order.map((o) => o.indexOf(server)))).toEqual(new Set([0, 1, 2]));
  });

  it('gives the median and the spread of the runs', () => {
    expect(spread([56000, 52000.4444, 58000])).toEqual({ median: 56000, min: 52000.444, max: 58000, all: [56000, 52000.444, 58000] });
    expect(spread([1, 2, 3, 4]).median).toBe(2.5);
  });
});
