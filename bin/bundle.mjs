// The CLI runs from a prebuilt bundle, not from TypeScript through tsx: tsx
// compiles ~170 modules on every start (1.6 s for `--help`), a bundle is one
// file node only parses. This module builds it (esbuild) and decides, cheaply,
// whether the bundle on disk is still the sources' bundle.
//
// Plain JavaScript on purpose: it runs before anything is compiled.
//
// Layout: dist/cli/<build id>/{main,bench}.mjs (+ shared chunks), and
// dist/cli/manifest.json naming the current build and every source file that
// went into it. A build writes a new directory and then swaps the manifest
// (write + rename), so a command starting during a rebuild never imports a
// half-written file.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI_DIST = join(REPO_ROOT, 'dist', 'cli');
const MANIFEST = join(CLI_DIST, 'manifest.json');

/** Bumped when the bundle's shape changes, so an old dist/ is rebuilt. */
const MANIFEST_VERSION = 1;

/** The entry points: `lab` and `bench`. */
export const ENTRIES = { main: 'src/cli/main.ts', bench: 'src/cli/bench.ts' };

/**
 * Files that change the bundle without being one of its sources: this file
 * (the build options) and npm's record of what it installed (bundled
 * dependencies changed).
 */
const EXTRA_INPUTS = ['bin/bundle.mjs', 'node_modules/.package-lock.json'];

// Bundled with the CLI: they are plain JavaScript, and one parse of one file
// beats node resolving and reading ~300 files of zod, yaml, commander and
// dockerode. Left outside: esbuild (its JS API finds its native binary next
// to itself), playwright-core (only tests drive a browser).
const EXTERNAL = ['esbuild', 'playwright-core'];

/**
 * dockerode's parts for ssh:// engines (ssh2) and BuildKit sessions (gRPC,
 * protobufjs) cost ~90 ms to load, and read .proto files next to themselves.
 * Unbundled, and loaded from node_modules on first call: a command on the
 * local socket never loads them, an ssh:// DOCKER_HOST still works.
 */
const LOAD_ON_CALL = { 'dockerode/lib/session.js': /dockerode[\\/]lib$/, 'docker-modem/lib/ssh.js': /docker-modem[\\/]lib$/ };
/** Required by dockerode inside the function that uses it already: only kept out of the bundle (its __dirname). */
const UNBUNDLED = { 'dockerode/lib/buildkit.js': /dockerode[\\/]lib$/ };

const dockerodeOnCall = {
  name: 'dockerode-on-call',
  setup(b) {
    const known = { ...LOAD_ON_CALL, ...UNBUNDLED };
    b.onResolve({ filter: /^\.\/(session|ssh|buildkit)$/ }, ({ path, resolveDir }) => {
      const spec = Object.entries(known).find(([p, dir]) => p.endsWith(`/${path.slice(2)}.js`) && dir.test(resolveDir))?.[0];
      if (!spec) return undefined;
      return spec in LOAD_ON_CALL ? { path: spec, namespace: 'on-call' } : { path: spec, external: true };
    });
    b.onResolve({ filter: /.*/, namespace: 'on-call' }, ({ path }) => ({ path, external: true }));
    // Both export one function.
    b.onLoad({ filter: /.*/, namespace: 'on-call' }, ({ path }) => ({
      contents: `let real; module.exports = function (...args) { real ??= require(${JSON.stringify(path)}); return real.apply(this, args); };`,
      loader: 'js',
    }));
  },
};

/** Build directories newer than this are left alone: another command may still be importing from one. */
const KEEP_OLD_BUILDS_MS = 10 * 60_000;

/**
 * Why the bundle must be rebuilt, or undefined when it is current. Pure: the
 * manifest (or undefined when there is none) and a function giving a file's
 * mtime in ms (undefined when the file is gone).
 *
 * @param {{ version: number, build: string, builtAt: number, inputs: string[] } | undefined} manifest
 * @param {(path: string) => number | undefined} mtimeOf repo-relative path → mtime
 * @returns {string | undefined}
 */
export function staleReason(manifest, mtimeOf) {
  if (!manifest) return 'no bundle yet';
  if (manifest.version !== MANIFEST_VERSION) return `bundle format ${manifest.version} is not ${MANIFEST_VERSION}`;
  for (const entry of Object.keys(ENTRIES)) {
    if (mtimeOf(`dist/cli/${manifest.build}/${entry}.mjs`) === undefined) return `dist/cli/${manifest.build}/${entry}.mjs is missing`;
  }
  // A new source file matters only once an existing one imports it, and that
  // edit changes the importer's mtime: the bundle's own inputs are enough.
  for (const input of manifest.inputs) {
    const m = mtimeOf(input);
    if (m === undefined) return `${input} is gone`;
    // builtAt is taken before esbuild reads anything: an edit during the build counts.
    if (m > manifest.builtAt) return `${input} changed`;
  }
  return undefined;
}

function readManifest() {
  try {
    return JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return undefined;
  }
}

function mtimeInRepo(path) {
  try {
    return statSync(join(REPO_ROOT, path)).mtimeMs;
  } catch {
    // Gone or unreadable (a node_modules symlink loop): rebuild, and let esbuild say what is wrong.
    return undefined;
  }
}

/** Builds dist/cli/<id>/ and points the manifest at it; returns the build directory. */
export async function buildBundle() {
  const builtAt = Date.now();
  const id = `${builtAt.toString(36)}-${process.pid}`;
  const outdir = join(CLI_DIST, id);
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: ENTRIES,
    outdir,
    bundle: true,
    // Shared code in one chunk; commands that import their heavy parts
    // (the web server) with import() get them as chunks loaded on use.
    splitting: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    external: EXTERNAL,
    plugins: [dockerodeOnCall],
    // Bundled CommonJS dependencies call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    metafile: true,
    logLevel: 'warning',
  });
  // Inputs outside the repository (node_modules is a symlink here) are covered by EXTRA_INPUTS.
  const inputs = Object.keys(result.metafile.inputs).filter((p) => p.startsWith('src/'));
  const manifest = { version: MANIFEST_VERSION, build: id, builtAt, inputs: [...inputs, ...EXTRA_INPUTS.filter((p) => mtimeInRepo(p) !== undefined)] };
  const tmp = `${MANIFEST}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(manifest, null, 1)}\n`);
  renameSync(tmp, MANIFEST);
  pruneOldBuilds(id);
  return outdir;
}

function pruneOldBuilds(current) {
  for (const e of readdirSync(CLI_DIST, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name === current) continue;
    const dir = join(CLI_DIST, e.name);
    if (Date.now() - statSync(dir).mtimeMs > KEEP_OLD_BUILDS_MS) rmSync(dir, { recursive: true, force: true });
  }
}

/** The current build directory, rebuilt first when a source changed. */
export async function ensureBundle() {
  const manifest = readManifest();
  const reason = staleReason(manifest, mtimeInRepo);
  if (!reason) return join(CLI_DIST, manifest.build);
  // Said only to a person: stderr of a piped `--json` run carries NDJSON progress.
  if (process.stderr.isTTY) process.stderr.write(`anycast-lab: building the CLI bundle (${reason})\n`);
  mkdirSync(CLI_DIST, { recursive: true });
  return buildBundle();
}

/**
 * Runs one entry (`main` or `bench`) from the bundle. The entry modules run
 * their program only when told they are the entry (program.ts `runAsCli`), so
 * tests can import them: this global says so.
 */
export async function runEntry(entry) {
  const dir = await ensureBundle();
  globalThis[Symbol.for('anycast-lab.cli-entry')] = ENTRIES[entry];
  await import(pathToFileURL(join(dir, `${entry}.mjs`)).href);
}

// `node bin/bundle.mjs`: npm's `prepare` step (after `npm ci`) builds it once, ahead of the first command.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(CLI_DIST, { recursive: true });
  console.log(`CLI bundled into ${await buildBundle()}`);
}
