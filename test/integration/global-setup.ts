// Integration runs start from a clean engine: CI runs on a machine where an
// earlier session may have left stopped lab containers behind.
import { lab } from './cli.js';

export default async function setup(): Promise<void> {
  const r = await lab(['down', '--all', '--json']);
  if (r.code !== 0) throw new Error(`down --all failed before the integration tests:\n${r.stderr}`);
}
