// `npm run schema [-- --check]`: write docs/schema/*.schema.json from the zod
// schemas, or (--check) exit 1 naming the files that are stale.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonSchemaFiles, SCHEMA_DIR } from './json-schemas.js';

const check = process.argv.includes('--check');
const stale: string[] = [];
mkdirSync(SCHEMA_DIR, { recursive: true });
for (const [file, text] of Object.entries(jsonSchemaFiles())) {
  const path = join(SCHEMA_DIR, file);
  let current: string | undefined;
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === text) continue;
  stale.push(path);
  if (!check) writeFileSync(path, text);
}
if (check && stale.length) {
  process.stderr.write(`stale JSON Schema files (run \`npm run schema\`):\n  ${stale.join('\n  ')}\n`);
  process.exitCode = 1;
} else process.stdout.write(check ? 'docs/schema is up to date\n' : `${stale.length ? `wrote ${stale.join(', ')}` : 'docs/schema is up to date'}\n`);
