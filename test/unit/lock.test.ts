// One `up` per lab at a time; a lock left by a killed run is taken over.
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockLab } from '../../src/lab/lock.js';

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
    release();
  });
});
