// One `up` per lab at a time; a lock left by a killed run is taken over.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockLab } from '../../src/lab/lock.js';

/** The lock file now names this process (pid, note, start time): taken over, not merely not refused. */
const expectHeldByUs = (dir: string) => expect(readFileSync(join(dir, 'default.lock'), 'utf8')).toMatch(new RegExp(`^${process.pid} up \\d+\n$`));

describe('lab lock', () => {
  it('refuses a second holder while the first lives, naming it, and frees on release', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    // A live process other than this one holds it: our parent.
    writeFileSync(join(dir, 'default.lock'), `${process.ppid} up\n`);
    expect(() => lockLab('default', 'up', dir)).toThrow(new RegExp(`lab "default" is busy: \`up\` is running on it \\(pid ${process.ppid}\\)`));
    const release = lockLab('other', 'up', dir);
    expect(existsSync(join(dir, 'other.lock'))).toBe(true);
    release();
    expect(existsSync(join(dir, 'other.lock'))).toBe(false);
  });

  it('takes over a lock whose holder is gone (a SIGKILLed run)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    writeFileSync(join(dir, 'default.lock'), '2147483646 up\n');
    const release = lockLab('default', 'up', dir);
    expectHeldByUs(dir);
    release();
    expect(existsSync(join(dir, 'default.lock'))).toBe(false);
  });

  it('takes over a lock whose pid now belongs to another process (start time differs)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    writeFileSync(join(dir, 'default.lock'), `${process.ppid} up 1\n`);
    const release = lockLab('default', 'up', dir);
    expectHeldByUs(dir);
    release();
  });

  it('takes over a lock held by a zombie (SIGKILLed, not yet reaped)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    // A perl parent forks a child that exits at once and never reaps it: nothing between fork and
    // sleep calls wait(), unlike `sh -c 'sleep 0 & exec sleep 2'`, whose shell could reap the child
    // before its exec under load (the zombie was then gone: ENOENT on /proc/<pid>/stat).
    const parent = spawn('perl', ['-e', '$| = 1; my $p = fork(); exit 0 if $p == 0; print "$p\\n"; sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const pid = await new Promise<string>((resolve) => parent.stdout.once('data', (b) => resolve(String(b).trim())));
    // The child exits on its own schedule: wait until the kernel shows it as a zombie (bounded).
    const state = () => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0];
    for (let i = 0; i < 50 && state() !== 'Z'; i++) await new Promise((r) => setTimeout(r, 100));
    expect(state()).toBe('Z');
    writeFileSync(join(dir, 'default.lock'), `${pid} up\n`);
    const release = lockLab('default', 'up', dir);
    expectHeldByUs(dir);
    release();
    parent.kill();
  });
});
