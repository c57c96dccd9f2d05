// What `lab verify` returns (`--json`, verify.json): per case its verdicts.
// A zod schema so docs/schema/verify-result.schema.json is generated from it.
import { z } from 'zod';
import { SCHEMA_VERSION } from '../schema-version.js';

export const VerdictSchema = z.object({
  bound: z
    .string()
    .describe('what is gated: p50, p95, max, failback, collateral, flaps, lost, or "expect <client>"; on a dual-stack run prefixed by the family ("ipv6 p50")'),
  limit: z.string().describe('the bound as written for a person, e.g. "≤ 450 ms"'),
  measured: z.string().describe('the measured value as shown'),
  value: z.number().nullable().describe('the number behind `measured`; null when nothing was measured'),
  pass: z.boolean(),
});

export const VerifyCaseReportSchema = z.object({
  name: z.string(),
  pop: z.string(),
  mode: z.string(),
  bfd: z.string(),
  trials: z.number().int(),
  passed: z.boolean(),
  wallMs: z.number(),
  /** The failover run's own files (result.json, report.html). */
  outDir: z.string().optional(),
  /** The case could not run (a fault failed, the lab never got back to baseline): why, in full. */
  error: z.string().optional(),
  verdicts: z.array(VerdictSchema),
});

export const VerifyResultSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  lab: z.string(),
  file: z.string(),
  passed: z.boolean(),
  wallMs: z.number(),
  cases: z.array(VerifyCaseReportSchema),
});

export type VerifyCaseReport = z.infer<typeof VerifyCaseReportSchema>;
export type VerifyResult = z.infer<typeof VerifyResultSchema>;
