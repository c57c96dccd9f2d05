import { describe, expect, it } from 'vitest';
import { ConvergenceError, LabError } from '../../src/errors.js';
import { atStep, StepError } from '../../src/lab/step-error.js';

describe('atStep', () => {
  it('names the subject and the step, keeps the cause and its code', async () => {
    const cause = new ConvergenceError('fra: FRR not ready', ['fra: FRR not ready']);
    const err = await atStep('node "fra"', 'frr-ready', () => Promise.reject(cause)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepError);
    expect(err).toMatchObject({
      message: 'node "fra" frr-ready: fra: FRR not ready',
      code: 'CONVERGENCE_TIMEOUT',
      subject: 'node "fra"',
      step: 'frr-ready',
      cause,
    });
  });

  it('says the lab name once, calls an engine error NODE_START, and wraps only once', async () => {
    const inner = await atStep('lab "x"', 'converge', () => Promise.reject(new LabError('CONVERGENCE_TIMEOUT', 'lab "x" did not converge within 20 s'))).catch(
      (e: unknown) => e,
    );
    expect((inner as Error).message).toBe('lab "x" converge: did not converge within 20 s');
    const engine = await atStep('node "fra"', 'start', () => Promise.reject(new Error('boom'))).catch((e: unknown) => e);
    expect(engine).toMatchObject({ code: 'NODE_START', message: 'node "fra" start: boom' });
    const outer = await atStep('lab "x"', 'nodes', () => Promise.reject(engine)).catch((e: unknown) => e);
    expect(outer).toBe(engine);
  });

  it('passes an interruption through as it is', async () => {
    const stop = new LabError('INTERRUPTED', 'up was interrupted');
    expect(await atStep('node "fra"', 'create', () => Promise.reject(stop)).catch((e: unknown) => e)).toBe(stop);
  });
});
