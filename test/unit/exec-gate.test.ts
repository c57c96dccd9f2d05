import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExecGate } from '../../src/runtime/exec-gate.js';

const gateIn = () => {
  const dir = mkdtempSync(join(tmpdir(), 'exec-gate-'));
  return { dir, gate: new ExecGate(dir) };
};

describe('exec gate (no exec may start while a container is being paused)', () => {
  it('a pause waits for the exec in flight, then pauses', async () => {
    const { gate } = gateIn();
    const order: string[] = [];
    let finish!: () => void;
    const running = gate.exec('c1', 'vtysh', async () => {
      await new Promise<void>((r) => {
        finish = r;
      });
      order.push('exec done');
    });
    const pausing = gate.pause(['c1'], 'fra', async () => void order.push('paused'));
    await new Promise((r) => setTimeout(r, 100));
    expect(order).toEqual([]);
    finish();
    await Promise.all([running, pausing]);
    expect(order).toEqual(['exec done', 'paused']);
  });

  it('refuses an exec while the container is being paused, and allows it again after unpause', async () => {
    const { gate } = gateIn();
    await gate.pause(['c1'], 'fra', async () => undefined);
    await expect(gate.exec('c1', 'vtysh', async () => 'ran')).rejects.toThrow(/paused/);
    expect(await gate.exec('c2', 'vtysh', async () => 'other container')).toBe('other container');
    await gate.unpause(['c1'], async () => undefined);
    expect(await gate.exec('c1', 'vtysh', async () => 'ran')).toBe('ran');
  });

  it('ignores registrations and markers left by processes that died', async () => {
    const { dir, gate } = gateIn();
    writeFileSync(join(dir, 'c1.pausing'), '999999999 1');
    expect(await gate.exec('c1', 'vtysh', async () => 'ran')).toBe('ran');
    mkdirSync(join(dir, 'c1'), { recursive: true });
    writeFileSync(join(dir, 'c1', 'dead-1'), '999999999 1');
    let paused = false;
    await gate.pause(
      ['c1'],
      'fra',
      async () => {
        paused = true;
      },
      2_000,
    );
    expect(paused).toBe(true);
  });

  it('gives up pausing when a command never finishes, and lifts its marker', async () => {
    const { gate } = gateIn();
    const never = gate.exec('c1', 'hung', () => new Promise<void>(() => undefined));
    await expect(gate.pause(['c1'], 'fra', async () => undefined, 200)).rejects.toThrow(/still runs/);
    expect(await gate.exec('c9', 'x', async () => 1)).toBe(1);
    void never;
  });

  it('a pause marks every name of the container: an exec by name or by id is refused', async () => {
    const { gate } = gateIn();
    await gate.pause(['al-default-fra', 'f00d'], 'fra', async () => undefined);
    await expect(gate.exec('al-default-fra', 'vtysh', async () => 1)).rejects.toMatchObject({ code: 'NODE_PAUSED' });
    await expect(gate.exec('f00d', 'vtysh', async () => 1)).rejects.toMatchObject({ code: 'NODE_PAUSED' });
    await gate.unpause(['al-default-fra', 'f00d'], async () => undefined);
    expect(await gate.exec('f00d', 'vtysh', async () => 2)).toBe(2);
  });

  it('a pause the engine refuses lifts its marker, so later commands still run', async () => {
    const { gate } = gateIn();
    await expect(
      gate.pause(['c1'], 'fra', async () => {
        throw new Error('container is not running');
      }),
    ).rejects.toThrow(/not running/);
    expect(await gate.exec('c1', 'vtysh', async () => 'ran')).toBe('ran');
  });
});
