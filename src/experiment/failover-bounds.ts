// The bound a failover is measured against: the PoP's detection mode's
// worst case with this lab's timers (see fault/detection.ts).
import { type DetectionMode, explainBound, theoreticalBoundMs } from '../fault/detection.js';
import { type Lab, sessionsOf } from '../topology/model.js';

export interface Bound {
  ms: number;
  basis: string;
}

/** The bound for a fault on `pop`, from the BFD and timers of its first uplink (every uplink shares them in a consistent lab). */
export function boundFor(model: Lab, pop: string, detection: DetectionMode): Bound {
  const s = sessionsOf(model, pop)[0];
  const params = {
    bfd: s ? s.link.bfd : { enabled: false, interval: 0, multiplier: 0 },
    holdS: s ? s.link.timers.hold : 0,
    health: model.health,
  };
  return { ms: theoreticalBoundMs(detection, params), basis: explainBound(detection, params) };
}
