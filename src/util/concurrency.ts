/** Runs fn over items with at most `limit` in flight; rejects on the first failure after in-flight work settles. */
export async function mapConcurrent<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i], i);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure;
  return results;
}

/**
 * One call of `fn` in flight at a time, always ending on the latest value:
 * a value given while a call runs waits for it, and replaces any value still
 * waiting (only the last one matters). For settings where the last write must
 * win, e.g. a terminal's size: two resize requests sent at once can reach the
 * engine in either order. A failed call is reported to `onError` and does not
 * stop the ones after it.
 */
export function latestInOrder<T>(fn: (value: T) => Promise<unknown>, onError: (err: unknown) => void): (value: T) => void {
  let running = false;
  let waiting: { value: T } | undefined;
  const drain = async () => {
    running = true;
    while (waiting) {
      const { value } = waiting;
      waiting = undefined;
      try {
        await fn(value);
      } catch (err) {
        onError(err);
      }
    }
    running = false;
  };
  return (value: T) => {
    waiting = { value };
    if (!running) void drain();
  };
}

/** Wraps async functions so that at most `limit` of their calls run at once; the rest wait in call order. */
export function limiter(limit: number): <R>(fn: () => Promise<R>) => Promise<R> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <R>(fn: () => Promise<R>): Promise<R> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await fn();
    } finally {
      // Hand the slot straight to the next caller, or free it.
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}
