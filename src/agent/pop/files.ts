// Small file writes for the agents: atomic JSON snapshots, JSON lines, pid files.
import { appendFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

const made = new Set<string>();

async function ensureDir(path: string): Promise<void> {
  const dir = dirname(path);
  if (made.has(dir)) return;
  await mkdir(dir, { recursive: true });
  made.add(dir);
}

/** Write-then-rename, so a reader (docker exec cat) never sees half a file. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await ensureDir(path);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value)}\n`);
  await rename(tmp, path);
}

export async function appendJsonLine(path: string, value: unknown): Promise<void> {
  await ensureDir(path);
  await appendFile(path, `${JSON.stringify(value)}\n`);
}

export async function writePidFile(path: string, pid = process.pid): Promise<void> {
  await ensureDir(path);
  await writeFile(path, `${pid}\n`);
}
