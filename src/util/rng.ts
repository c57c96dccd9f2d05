// A seeded random number generator, so a run's random fault phases can be
// replayed exactly (`failover --seed N`). mulberry32: 32-bit state, passes
// the usual statistical batteries, and is a dozen lines; crypto quality is
// not needed to pick a delay.

/** Uniform in [0, 1), the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed for a run that was not given one (recorded in the result, so it can be replayed). */
export const newSeed = (): number => Math.floor(Math.random() * 2 ** 31);
