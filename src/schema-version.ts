// The version of every machine-readable output (`--json`, result.json, bench
// results, `lab verify`): bumped when a field is renamed, removed or changes
// meaning, so a consumer can refuse what it does not understand. Adding a
// field does not bump it. The JSON Schemas in docs/schema/ describe this version.
export const SCHEMA_VERSION = 1;

/** A JSON document as written: an object gets `schemaVersion` first; anything else is left as it is. */
export function versioned<T>(data: T): T | ({ schemaVersion: number } & T) {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return data;
  return { schemaVersion: SCHEMA_VERSION, ...data };
}
