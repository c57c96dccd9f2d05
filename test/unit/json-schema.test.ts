// docs/schema/*.schema.json are generated from the zod schemas: this fails
// when a committed file is stale (fix: `npm run schema`). The failover
// result's schema is checked against its TypeScript type at compile time, so
// it cannot promise a field the runner does not write.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { jsonSchemaFiles, SCHEMA_DIR } from '../../src/cli/json-schemas.js';
import type { FailoverResult } from '../../src/experiment/failover-result.js';
import type { FailoverResultSchema } from '../../src/experiment/failover-result-schema.js';
import { SCHEMA_VERSION, versioned } from '../../src/schema-version.js';

describe('JSON Schema files', () => {
  it.each(Object.entries(jsonSchemaFiles()))('docs/schema/%s is up to date (npm run schema)', (file, text) => {
    let committed = '';
    try {
      committed = readFileSync(join(SCHEMA_DIR, file), 'utf8');
    } catch {
      // missing: the comparison below says so
    }
    expect(committed, `docs/schema/${file} is stale or missing: run \`npm run schema\``).toBe(text);
  });

  it('each names the schema version it describes', () => {
    for (const text of Object.values(jsonSchemaFiles())) expect(JSON.parse(text)['x-schemaVersion']).toBe(SCHEMA_VERSION);
    const verify = JSON.parse(jsonSchemaFiles()['verify-result.schema.json']);
    expect(verify.properties.schemaVersion).toMatchObject({ const: SCHEMA_VERSION });
    const lab = JSON.parse(jsonSchemaFiles()['lab-file.schema.json']);
    expect(lab.properties.verify.items.properties.bounds.properties.p50).toMatchObject({ type: 'string', pattern: expect.stringContaining('ms|s') });
  });

  it('the failover result schema promises nothing the runner’s type does not have', () => {
    expectTypeOf<FailoverResult>().toExtend<z.infer<typeof FailoverResultSchema>>();
  });

  it('--json documents get schemaVersion first; arrays and scalars are left alone', () => {
    expect(Object.keys(versioned({ lab: 'x' }))).toEqual(['schemaVersion', 'lab']);
    expect(versioned([1, 2])).toEqual([1, 2]);
    expect(versioned('text')).toBe('text');
  });
});
