// The bounds of a verify case as command-line flags (`lab failover --max-p50
// 450ms …`), parsed with the lab file's units and messages.
import { LabError } from '../errors.js';
import type { VerifyBounds } from '../topology/model.js';
import { durationMs } from '../topology/verify.js';

export interface BoundFlags {
  maxP50?: string;
  maxP95?: string;
  max?: string;
  maxFailback?: string;
  maxCollateral?: string;
  maxFlaps?: string;
  maxLost?: string;
}

/** commander flags, in --help order. */
export const BOUND_FLAGS = [
  { flags: '--max-p50 <duration>', description: 'fail (exit 1) when the movers’ median failover exceeds this, e.g. 450ms' },
  { flags: '--max-p95 <duration>', description: 'fail when the 95th percentile failover exceeds this' },
  { flags: '--max <duration>', description: 'fail when any failover exceeds this, e.g. 700ms or 1.5s' },
  { flags: '--max-failback <duration>', description: 'fail when the longest outage around the failback exceeds this' },
  { flags: '--max-collateral <n>', description: 'fail when more client-trials than this were hurt without being expected to move' },
  { flags: '--max-flaps <n>', description: 'fail when more client-trials than this changed PoP more than once' },
  { flags: '--max-lost <n>', description: 'fail when more probes than this were lost outside the move' },
];

const duration = (flag: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  if (!/^\d+(\.\d+)?(ms|s)$/.test(v)) throw new LabError('USAGE', `Expected \`${flag}\` to be a duration with its unit (e.g. 450ms or 2s), got "${v}"`);
  return durationMs(v);
};

const count = (flag: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new LabError('USAGE', `Expected \`${flag}\` to be a whole number (0 or more), got "${v}"`);
  return n;
};

/** The bounds given on the command line (an empty object when none). */
export function boundsFromFlags(f: BoundFlags): VerifyBounds {
  const b: VerifyBounds = {
    p50Ms: duration('--max-p50', f.maxP50),
    p95Ms: duration('--max-p95', f.maxP95),
    maxMs: duration('--max', f.max),
    failbackMs: duration('--max-failback', f.maxFailback),
    collateral: count('--max-collateral', f.maxCollateral),
    flaps: count('--max-flaps', f.maxFlaps),
    lost: count('--max-lost', f.maxLost),
  };
  return Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined)) as VerifyBounds;
}
