// Types of bundle.mjs for the TypeScript that imports it (its unit test).
export interface BundleManifest {
  version: number;
  /** The build directory under dist/cli/. */
  build: string;
  /** Date.now() when the build started. */
  builtAt: number;
  /** Repo-relative paths of every file the bundle depends on. */
  inputs: string[];
}
export const REPO_ROOT: string;
export const ENTRIES: { main: string; bench: string };
export function staleReason(manifest: BundleManifest | undefined, mtimeOf: (path: string) => number | undefined): string | undefined;
export function buildBundle(): Promise<string>;
export function ensureBundle(): Promise<string>;
export function runEntry(entry: 'main' | 'bench'): Promise<void>;
