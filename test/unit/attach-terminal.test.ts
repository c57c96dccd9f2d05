// `lab exec` at a terminal: raw mode only while attached and put back on every
// way out, the window size passed at start and on SIGWINCH, a TTY only when
// stdin is a terminal.
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runAttached, type Terminal } from '../../src/cli/attach-terminal.js';
import type { AttachedIo, TermSize } from '../../src/runtime/runtime.js';
import { FakeRuntime } from './support/fake-runtime.js';

interface FakeTerminal extends Terminal {
  raw: boolean[];
  exited: number[];
  emitter: EventEmitter;
  size: [number, number];
}

function fakeTerminal(tty: boolean): FakeTerminal {
  const raw: boolean[] = [];
  const exited: number[] = [];
  const emitter = new EventEmitter();
  const t = { raw, exited, emitter, size: [120, 40] as [number, number] } as FakeTerminal;
  t.stdin = Object.assign(new PassThrough(), { isTTY: tty }) as unknown as NodeJS.ReadStream;
  t.setRaw = (on) => raw.push(on);
  t.stdout = Object.assign(new PassThrough(), { isTTY: tty, getWindowSize: () => t.size }) as unknown as NodeJS.WriteStream;
  t.stderr = Object.assign(new PassThrough(), { isTTY: tty }) as unknown as NodeJS.WriteStream;
  t.signals = emitter;
  t.exit = (code) => exited.push(code);
  return t;
}

/** A runtime whose attached command runs `body` with the io it was given. */
function attachedRuntime(body: (io: AttachedIo) => Promise<number>) {
  const rt = new FakeRuntime({ running: ['fra'] });
  rt.execAttached = async (_id, _cmd, io) => body(io);
  return rt;
}

describe('runAttached', () => {
  it('at a terminal: a TTY of our size, raw mode while attached, restored after, exit code passed on', async () => {
    const term = fakeTerminal(true);
    const rt = new FakeRuntime({ running: ['fra'], onExec: () => ({ exitCode: 7 }) });
    expect(await runAttached(rt, 'fra', ['vtysh'], term)).toBe(7);
    expect(rt.attachedLog).toEqual([{ id: 'fra', cmd: ['vtysh'], tty: true, size: { rows: 40, cols: 120 } }]);
    expect(term.raw).toEqual([true, false]);
  });

  it('piped stdin: no TTY, the terminal untouched', async () => {
    const term = fakeTerminal(false);
    const rt = new FakeRuntime({ running: ['fra'] });
    await runAttached(rt, 'fra', ['vtysh'], term);
    expect(rt.attachedLog[0]).toMatchObject({ tty: false, size: undefined });
    expect(term.raw).toEqual([]);
  });

  it('restores the terminal when the engine fails', async () => {
    const term = fakeTerminal(true);
    const rt = attachedRuntime(async () => {
      throw new Error('connection reset');
    });
    await expect(runAttached(rt, 'fra', ['vtysh'], term)).rejects.toThrow('connection reset');
    expect(term.raw).toEqual([true, false]);
    expect(term.emitter.listenerCount('SIGTERM')).toBe(0);
  });

  it('passes each SIGWINCH on as a resize while attached, and stops listening after', async () => {
    const term = fakeTerminal(true);
    const resizes: TermSize[] = [];
    const rt = attachedRuntime(async (io) => {
      const off = io.onResize?.((s) => resizes.push(s));
      term.size = [80, 24];
      term.emitter.emit('SIGWINCH');
      off?.();
      return 0;
    });
    await runAttached(rt, 'fra', ['vtysh'], term);
    expect(resizes).toEqual([{ rows: 24, cols: 80 }]);
    expect(term.emitter.listenerCount('SIGWINCH')).toBe(0);
  });

  it('a reader that has gone (EPIPE on stdout) ends the session as SIGPIPE would: 141, no stack trace', async () => {
    const term = fakeTerminal(false);
    const rt = attachedRuntime(async (io) => {
      io.stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      return 0;
    });
    await runAttached(rt, 'fra', ['cat', 'big'], term);
    expect(term.exited).toEqual([141]);
    expect(term.stdout.listenerCount('error')).toBe(0);
  });

  it('SIGTERM while raw: terminal restored first, then exit 143', async () => {
    const term = fakeTerminal(true);
    const rt = attachedRuntime(async () => {
      term.emitter.emit('SIGTERM');
      expect(term.raw).toEqual([true, false]);
      return 0;
    });
    await runAttached(rt, 'fra', ['vtysh'], term);
    expect(term.exited).toEqual([143]);
    // Restored once, not again on the way out.
    expect(term.raw).toEqual([true, false]);
  });
});
