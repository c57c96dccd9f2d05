// The JSON Schema files under docs/schema/, generated from the zod schemas
// (zod v4's toJSONSchema) so they cannot drift: `npm run schema` writes
// them, `npm run schema -- --check` and test/unit/json-schema.test.ts fail
// when a committed one is stale.
import { join } from 'node:path';
import { z } from 'zod';
import { FailoverResultSchema } from '../experiment/failover-result-schema.js';
import { REPO_ROOT } from '../paths.js';
import { SCHEMA_VERSION } from '../schema-version.js';
import { LabFileSchema } from '../topology/schema.js';
import { VerifyResultSchema } from '../verify/result.js';

export const SCHEMA_DIR = join(REPO_ROOT, 'docs', 'schema');

const SCHEMAS = [
  // The lab file as a person writes it (defaults may be left out): the input side.
  { file: 'lab-file.schema.json', title: 'anycast-lab lab file', schema: LabFileSchema, io: 'input' },
  { file: 'failover-result.schema.json', title: 'anycast-lab failover result (result.json, lab failover --json)', schema: FailoverResultSchema, io: 'output' },
  { file: 'verify-result.schema.json', title: 'anycast-lab verify result (verify.json, lab verify --json)', schema: VerifyResultSchema, io: 'output' },
] as const;

/** File name → its text, as committed. */
export function jsonSchemaFiles(): Record<string, string> {
  return Object.fromEntries(
    SCHEMAS.map(({ file, title, schema, io }) => {
      // Refinements (units, ranges across fields) are not representable: the loader checks them.
      const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });
      const doc = { $id: `https://anycast-lab.invalid/schema/v${SCHEMA_VERSION}/${file}`, title, 'x-schemaVersion': SCHEMA_VERSION, ...json };
      return [file, `${JSON.stringify(doc, null, 2)}\n`];
    }),
  );
}
