// Bundles the code that runs inside containers into single ES modules under
// dist/agent/, mounted read-only at /opt/anycast-lab. Containers run Node from
// the image; nothing is installed in them at run time.

import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../paths.js';

export const AGENT_OUT = join(REPO_ROOT, 'dist', 'agent');

const ENTRIES: Record<string, string> = {
  'pop-responder': 'src/agent/pop/responder-main.ts',
  'pop-health': 'src/agent/pop/health-main.ts',
  probe: 'src/agent/probe-main.ts',
  collector: 'src/agent/collector-main.ts',
  fuzz: 'src/agent/fuzz-main.ts',
  'bench-dns2': 'src/agent/bench-dns2-main.ts',
  'bench-responder': 'src/agent/bench-responder-main.ts',
};

/** The agents' own code and the contract bundled into them: an edit to either rebuilds. */
const AGENT_SOURCES = ['agent', 'contract'].map((dir) => join(REPO_ROOT, 'src', dir));

/** Rebuilds only when a source under AGENT_SOURCES is newer than the bundle. */
export async function buildAgents(force = false): Promise<string> {
  const marker = join(AGENT_OUT, 'router-init.sh');
  if (!force && existsSync(marker) && Math.max(...AGENT_SOURCES.map(newestMtime)) <= statSync(marker).mtimeMs) return AGENT_OUT;
  mkdirSync(AGENT_OUT, { recursive: true });
  // Loaded only to rebuild: every `lab` command imports this module, most never rebuild.
  const { build } = await import('esbuild');
  const entryPoints = Object.fromEntries(
    Object.entries(ENTRIES)
      .filter(([, src]) => existsSync(join(REPO_ROOT, src)))
      .map(([out, src]) => [out, join(REPO_ROOT, src)]),
  );
  await build({
    entryPoints,
    outdir: AGENT_OUT,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    // Some CommonJS dependencies (dns2) call require(); give ESM bundles one.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
  // Shell scripts run as they are; router-init.sh is copied last, as the marker.
  copyFileSync(join(REPO_ROOT, 'src', 'agent', 'frr-start.sh'), join(AGENT_OUT, 'frr-start.sh'));
  copyFileSync(join(REPO_ROOT, 'src', 'agent', 'collector-init.sh'), join(AGENT_OUT, 'collector-init.sh'));
  copyFileSync(join(REPO_ROOT, 'src', 'agent', 'router-init.sh'), marker);
  return AGENT_OUT;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildAgents(true);
  console.log(`agents bundled into ${AGENT_OUT}`);
}
