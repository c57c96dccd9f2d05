// How the network notices a fault, and the worst-case detection time that
// follows from the timers. Each fault mode declares its detection mode; the
// experiment reads the bound from here. Pure.

/**
 * How a fault is noticed, which decides the bound:
 * silent — the PoP or its link stops forwarding without saying so (pause,
 *   blackhole, partition): the neighbour finds out from BFD or the BGP hold timer.
 * service — the DNS/HTTP service dies, routing is fine: the PoP's health check withdraws.
 * cut — the link loses carrier: the kernel downs the interface at once.
 * none — nothing withdraws the route (the PoP is degraded, not gone): no
 *   timer promises a move, so the bound is infinite and clients on the PoP
 *   are not expected to move; one that does is judged as a mover.
 */
export type DetectionMode = 'silent' | 'service' | 'cut' | 'none';

/** Whether detection ends in the PoP's route being withdrawn, so the clients on it are expected to move. */
export const withdrawsRoute = (mode: DetectionMode): boolean => mode !== 'none';

export interface BoundParams {
  /** BFD interval in ms. */
  bfd: { enabled: boolean; interval: number; multiplier: number };
  /** BGP hold time in seconds (0 = never expires). */
  holdS: number;
  /** Health check interval in ms, consecutive failures before withdrawal. */
  health: { interval: number; failures: number };
}

/**
 * Worst-case detection time. Propagating the withdrawal and reinstalling
 * routes comes on top (FRR sends withdrawals without MRAI delay, so a few ms
 * per hop); a measured/bound ratio well above 1 points at that part.
 */
export function theoreticalBoundMs(mode: DetectionMode, p: BoundParams): number {
  const silent = p.bfd.enabled ? p.bfd.interval * p.bfd.multiplier : p.holdS > 0 ? p.holdS * 1000 : Infinity;
  switch (mode) {
    case 'silent':
      return silent;
    case 'service':
      return p.health.interval * p.health.failures;
    case 'cut':
      // Carrier loss is ~0 only on the side whose interface went down (zebra
      // tears the session down via fast-external-failover). On a Docker bridge
      // the far side keeps carrier and still waits for BFD/hold, so the
      // silent bound is the honest upper limit.
      return silent;
    case 'none':
      return Infinity;
  }
}

export function explainBound(mode: DetectionMode, p: BoundParams): string {
  if (mode === 'service') return `health ${p.health.interval} ms × ${p.health.failures}`;
  if (mode === 'none') return 'nothing withdraws the route';
  const silent = p.bfd.enabled ? `BFD ${p.bfd.interval} ms × ${p.bfd.multiplier}` : `BGP hold ${p.holdS} s`;
  return mode === 'cut' ? `carrier loss ~0, at most ${silent}` : silent;
}
