import { describe, expect, it } from 'vitest';
import { parseVariants, remedyCommands } from '../../src/bench/bfd-remedy.js';
import { DEFAULT_LAB } from '../../src/cli/context.js';
import { loadLabFile } from '../../src/topology/load.js';

describe('bench bfd-remedy', () => {
  const lab = loadLabFile(DEFAULT_LAB);

  it('turns echo mode on in the profile, with the echo interval, and keeps the sessions on that profile', () => {
    const lines = remedyCommands(lab, 'fra', { enabled: true, interval: 300, multiplier: 3 }, 20);
    const at = lines.indexOf('profile bfd-300x3');
    expect(at).toBeGreaterThanOrEqual(0);
    expect(lines.slice(at, at + 8)).toEqual([
      'profile bfd-300x3',
      'transmit-interval 300',
      'receive-interval 300',
      'detect-multiplier 3',
      'echo-mode',
      'echo transmit-interval 20',
      'echo receive-interval 20',
      'exit',
    ]);
    // One session per link and family (the default lab is dual-stack): each is put on the profile.
    expect(lines.filter((l) => / bfd profile bfd-300x3$/.test(l))).toHaveLength(
      lab.links.filter((l) => l.a.node === 'fra' || l.b.node === 'fra').length * lab.families.length,
    );
  });

  it('turns echo mode off for the plain variants', () => {
    const lines = remedyCommands(lab, 't-eu', { enabled: true, interval: 20, multiplier: 3 }, undefined);
    expect(lines).toContain('no echo-mode');
    expect(lines).not.toContain('echo-mode');
    expect(lines).toContain('transmit-interval 20');
  });

  it('names the variants it knows when given another', () => {
    expect(parseVariants('plain,echo+rt')).toEqual(['plain', 'echo+rt']);
    expect(() => parseVariants('plain,turbo')).toThrow(/plain, rt, echo, echo\+rt.*"turbo"/);
  });
});
