// Small helpers over ordered series (answers, connections, sequence numbers).

export function lastMatching<T>(xs: T[], pred: (x: T) => boolean): T | undefined {
  for (let i = xs.length - 1; i >= 0; i--) if (pred(xs[i])) return xs[i];
  return undefined;
}

/** Numbers missing between the smallest and largest of `seqs`. */
export function seqGaps(seqs: number[]): number {
  if (seqs.length === 0) return 0;
  const unique = new Set(seqs);
  return Math.max(...unique) - Math.min(...unique) + 1 - unique.size;
}
