// The published shape of a failover result (result.json, `lab failover
// --json`) as a zod schema, so docs/schema/failover-result.schema.json is
// generated, not written by hand. It describes the fields a consumer may
// rely on; the TypeScript types stay the source of truth, and a compile-time
// check (test/unit/json-schema.test.ts) keeps this schema no stricter than them.
import { z } from 'zod';
import { SCHEMA_VERSION } from '../schema-version.js';
import { CLIENT_STATUSES } from './failover-clients.js';

const ms = z.number().describe('milliseconds');
const msOrNull = ms.nullable();

const StatsSchema = z
  .object({ n: z.number().int(), min: msOrNull, p50: msOrNull, p95: msOrNull, max: msOrNull, mean: msOrNull })
  .describe('nearest-rank percentiles of the measured values (null when none)');

const ClientStatusSchema = z.enum(CLIENT_STATUSES as [string, ...string[]]);

const BoundSchema = z
  .object({ ms, basis: z.string() })
  .describe('the theoretical detection time of the fault mode with this lab’s timers; not a gate (the client-visible p50 is 1.06–1.40× it)');

const RequestKindSchema = z.object({ status: ClientStatusSchema, failoverMs: msOrNull, outageMs: msOrNull });

const TrialClientSchema = z.object({
  client: z.string(),
  affected: z.boolean().describe('on the failed PoP at the fault: expected to move'),
  status: ClientStatusSchema,
  fromPop: z.string().nullable(),
  toPop: z.string().nullable(),
  failoverMs: msOrNull.describe('last answer from the old PoP → first from the new one'),
  detectMs: msOrNull.describe('fault → first answer from the new PoP'),
  outageMs: msOrNull,
  maxGapMs: msOrNull,
  lostProbes: z.number().int(),
  maxLostRun: z.number().int(),
  failedAfterFault: z.number().int(),
  popChanges: z.number().int(),
  popSequence: z.array(z.string()),
  failbackMs: msOrNull,
  failbackOutageMs: msOrNull,
  tcpDns: RequestKindSchema,
  http: RequestKindSchema,
  streams: z.object({
    onFailedPop: z.number().int(),
    survivedOnFailedPop: z.number().int(),
    reconnectedToNewPop: z.number().int(),
    onOtherPops: z.number().int(),
    survivedOnOtherPops: z.number().int(),
  }),
});

const RouterTimingSchema = z.object({
  router: z.string(),
  role: z.enum(['neighbour', 'eyeball']),
  bfdDownMs: msOrNull,
  holdExpiredMs: msOrNull,
  bgpDownMs: msOrNull,
  routeChangeMs: msOrNull,
  routeChange6Ms: msOrNull.optional().describe('dual-stack labs: the first FIB change of the IPv6 prefix after the fault'),
});

const TrialSchema = z.object({
  trial: z.number().int(),
  phaseDelayMs: ms,
  faultMs: ms.describe('CLOCK_MONOTONIC ms'),
  faultAtUnixMs: ms,
  restoreMs: ms,
  injectMs: ms,
  allMoved: z.boolean(),
  failbackMs: msOrNull,
  baselineAfterMs: msOrNull,
  clients: z.array(TrialClientSchema),
  routers: z.array(RouterTimingSchema),
  health: z.array(z.object({ state: z.string(), atMs: ms, reason: z.string() })),
  failbackBounces: z
    .array(z.object({ peer: z.string(), upMs: ms, downMs: ms, reason: z.string() }))
    .optional()
    .describe("the PoP's sessions that came up after the restore and dropped again within 50 ms (FRR 8.4, docs/failover.md)"),
  svg: z.string().optional(),
});

const SummarySchema = z.object({
  trials: z.number().int(),
  affected: z.number().int(),
  moved: z.number().int(),
  failoverMs: StatsSchema,
  detectMs: StatsSchema,
  outageMs: StatsSchema,
  lostProbes: StatsSchema,
  failbackMs: StatsSchema,
  statuses: z.record(ClientStatusSchema, z.number().int()),
  nonMoverOutageMs: StatsSchema,
  bound: BoundSchema,
  ratio: z.object({ p50: z.number().nullable(), p95: z.number().nullable(), max: z.number().nullable() }),
});

const FamilySchema = z.enum(['ipv4', 'ipv6']);

const FamilyTrialSchema = z.object({
  trial: z.number().int(),
  allMoved: z.boolean(),
  failbackMs: msOrNull,
  clients: z.array(TrialClientSchema),
});

export const FailoverResultSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  lab: z.string(),
  pop: z.string(),
  fault: z.string(),
  detection: z.enum(['silent', 'service', 'cut', 'none']),
  bfd: z.string().describe('100x3, off, 20x3@pop'),
  timers: z.object({ keepaliveS: z.number(), holdS: z.number() }),
  bound: BoundSchema,
  seed: z.number().int(),
  phaseSpanMs: ms,
  probeIntervalMs: ms,
  trials: z.array(TrialSchema),
  summary: SummarySchema,
  family: FamilySchema.optional().describe('the address family trials[].clients and summary measure; absent = ipv4 (results from [ipv4] labs)'),
  faultFamily: z
    .enum(['ipv4', 'ipv6', 'both'])
    .optional()
    .describe('dual-stack labs: the family the fault hit (--fault-family), both = the PoP as a whole; absent on [ipv4] labs'),
  ipv6: z
    .object({ trials: z.array(FamilyTrialSchema), summary: SummarySchema })
    .optional()
    .describe('--family both on a dual-stack lab: the IPv6 side of the same trials, measured by the same probe agents at the same rates'),
  outDir: z.string().optional(),
  wallMs: ms,
});
