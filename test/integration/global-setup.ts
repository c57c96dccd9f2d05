// Integration runs start from a clean engine (CI runs on a machine where an
// earlier session may have left stopped lab containers behind) and leave one:
// test files share the default lab while they run, and the last one out
// tears it down.
import { lab } from './cli.js';

async function downAll(when: string): Promise<void> {
  const r = await lab(['down', '--all', '--json']);
  if (r.code !== 0) throw new Error(`down --all failed ${when} the integration tests:\n${r.stderr}`);
}

export default async function setup(): Promise<() => Promise<void>> {
  await downAll('before');
  return () => downAll('after');
}
