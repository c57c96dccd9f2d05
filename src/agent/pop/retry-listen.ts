// The anycast addresses live on anycast0, which the lab may configure a moment
// after the agent starts: EADDRNOTAVAIL is retried until a deadline, any other
// failure is final.
import { PopAgentError } from './errors.js';
import type { Logger } from './log.js';

export async function retryListen<T>(start: () => Promise<T>, log: Logger, deadlineMs = 15_000, stepMs = 250): Promise<T> {
  const until = performance.now() + deadlineMs;
  for (;;) {
    try {
      return await start();
    } catch (e) {
      const cause = (e as { cause?: NodeJS.ErrnoException }).cause;
      const retriable = e instanceof PopAgentError && e.code === 'LISTEN_FAILED' && cause?.code === 'EADDRNOTAVAIL';
      if (!retriable || performance.now() + stepMs > until) throw e;
      log.info('anycast address not configured yet, retrying', { error: e.message });
      await new Promise((r) => setTimeout(r, stepMs));
    }
  }
}
