import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INTEGRATION_ORDER, orderIntegrationFiles } from '../sequencer.js';

const DIR = join(import.meta.dirname, '..', 'integration');
const files = (...names: string[]) => names.map((n) => `/repo/test/integration/${n}.test.ts`);

describe('integration file order', () => {
  it('names only files that exist, each once', () => {
    const present = readdirSync(DIR)
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => f.replace(/\.test\.ts$/, ''));
    for (const name of INTEGRATION_ORDER) expect(present, name).toContain(name);
    expect(new Set(INTEGRATION_ORDER).size).toBe(INTEGRATION_ORDER.length);
  });

  it('runs the files that only use the lab first and the ones that take it down last', () => {
    const order = orderIntegrationFiles(files('pack', 'bringup', 'dual-stack', 'web', 'failover', 'lifecycle', 'collector'));
    expect(order).toEqual(files('failover', 'web', 'collector', 'dual-stack', 'lifecycle', 'bringup', 'pack'));
  });

  it('puts a file it does not name after the shared files and before the other labs, keeping the order it came in', () => {
    const order = orderIntegrationFiles(files('pack', 'new-b', 'dual-stack', 'new-a', 'failover'));
    expect(order).toEqual(files('failover', 'new-b', 'new-a', 'dual-stack', 'pack'));
  });

  it('runs the files that start no lab (the timed probe agent tests) first, before any lab is up', () => {
    const order = orderIntegrationFiles(files('failover', 'new-a', 'probe-agent-timed', 'pack'));
    expect(order).toEqual(files('probe-agent-timed', 'failover', 'new-a', 'pack'));
  });

  it('runs dual-stack-failover right after dual-stack-service, which leaves the dual lab up for it', () => {
    const i = INTEGRATION_ORDER.indexOf('dual-stack-service');
    expect(INTEGRATION_ORDER[i + 1]).toBe('dual-stack-failover');
  });

  it('leaves the CI recipe right after bringup, which leaves the suite lab up for its `up`', () => {
    const order = orderIntegrationFiles(files('ci-recipe', 'verify', 'bringup'));
    expect(order).toEqual(files('bringup', 'ci-recipe', 'verify'));
  });
});
