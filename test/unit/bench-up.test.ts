// The arithmetic of `npm run bench -- up`: medians of timings and of phases.
import { describe, expect, it } from 'vitest';
import { medianPhases, series } from '../../src/bench/up.js';
import type { UpPhases } from '../../src/lab/up.js';

describe('bench up arithmetic', () => {
  it('gives the median, min and max of a series, odd and even', () => {
    expect(series([5, 1, 3])).toEqual({ ms: [5, 1, 3], median: 3, min: 1, max: 5 });
    expect(series([4, 1, 3, 2]).median).toBe(3); // (2 + 3) / 2 rounded
    expect(series([]).median).toBeNaN();
  });

  it('takes the median of each phase separately', () => {
    const run = (k: number): UpPhases => ({
      images: k,
      networks: 10 * k,
      create: 0,
      start: 0,
      frrReady: 0,
      configVerified: 0,
      bgpEstablished: 0,
      bfdUp: 0,
      routesInstalled: 0,
      clientsAnswered: 100 - k,
    });
    const m = medianPhases([run(1), run(9), run(5)]);
    expect(m.images).toBe(5);
    expect(m.networks).toBe(50);
    expect(m.clientsAnswered).toBe(95);
  });
});
