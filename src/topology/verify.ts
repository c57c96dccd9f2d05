// The lab file's `verify:` block → VerifyCase[]: names unique, the PoP a
// PoP, every expected client a client landing on another PoP, the BFD
// setting within FRR's limits, durations in ms. Pure, like the rest of
// resolve: every issue carries the path of its field.
import type { FieldPath } from './field-path.js';
import type { VerifyBounds, VerifyCase } from './model.js';
import type { RawVerifyCase } from './schema.js';

type Issue = (path: FieldPath, message: string, key?: string) => void;

export interface VerifyContext {
  /** The routers that serve the anycast prefix. */
  pops: readonly string[];
  clients: readonly string[];
  /** The fault modes registered in src/fault/; when absent (topology cannot import fault/) the mode is checked for shape only. */
  faultModes?: readonly string[];
}

/** "450ms" → 450, "2s" → 2000, "1.5s" → 1500. The schema has checked the shape. */
export function durationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  return Math.round(Number(m[1]) * (m[2] === 's' ? 1000 : 1) * 1000) / 1000;
}

export function resolveVerify(raw: RawVerifyCase[] | undefined, ctx: VerifyContext, issue: Issue): VerifyCase[] | undefined {
  if (raw === undefined) return undefined;
  const seen = new Map<string, number>();
  return raw.map((c, i) => {
    const at = (...rest: FieldPath): FieldPath => ['verify', i, ...rest];
    const prev = seen.get(c.name);
    if (prev !== undefined) issue(at('name'), `duplicate case name "${c.name}" (already used by verify[${prev}])`);
    seen.set(c.name, i);
    if (!ctx.pops.includes(c.fault.pop)) issue(at('fault', 'pop'), `"${c.fault.pop}" is not a PoP of this lab (PoPs: ${ctx.pops.join(', ') || 'none'})`);
    if (ctx.faultModes && !ctx.faultModes.includes(c.fault.mode))
      issue(at('fault', 'mode'), `unknown fault mode "${c.fault.mode}" (supported: ${ctx.faultModes.join(', ')})`);
    checkBfd(c.fault.bfd, at('fault', 'bfd'), issue);
    for (const [client, pop] of Object.entries(c.expect ?? {})) {
      if (!ctx.clients.includes(client)) issue(at('expect'), `unknown client "${client}" (clients: ${ctx.clients.join(', ') || 'none'})`, client);
      else if (!ctx.pops.includes(pop)) issue(at('expect', client), `"${pop}" is not a PoP of this lab (PoPs: ${ctx.pops.join(', ') || 'none'})`);
      else if (pop === c.fault.pop) issue(at('expect', client), `${client} cannot be answered by ${pop} while ${pop} is the PoP under fault`);
    }
    return {
      name: c.name,
      pop: c.fault.pop,
      mode: c.fault.mode,
      bfd: c.fault.bfd ?? 'on',
      trials: c.trials,
      ...(c.seed === undefined ? {} : { seed: c.seed }),
      expect: { ...c.expect },
      bounds: boundsOf(c.bounds),
    };
  });
}

// FRR's bfdd accepts 10..60000 ms and a multiplier of 2..255 (as BfdSchema).
function checkBfd(bfd: string | undefined, path: FieldPath, issue: Issue): void {
  const m = bfd === undefined ? null : /^(\d+)x(\d+)/.exec(bfd);
  if (!m) return;
  const [interval, multiplier] = [Number(m[1]), Number(m[2])];
  if (interval < 10 || interval > 60000) issue(path, `BFD interval ${interval} ms is outside FRR's 10..60000 ms`);
  if (multiplier < 2 || multiplier > 255) issue(path, `BFD multiplier ${multiplier} is outside FRR's 2..255`);
}

function boundsOf(raw: RawVerifyCase['bounds']): VerifyBounds {
  const b = raw ?? {};
  const ms = (v: string | undefined) => (v === undefined ? undefined : durationMs(v));
  const out: VerifyBounds = {
    p50Ms: ms(b.p50),
    p95Ms: ms(b.p95),
    maxMs: ms(b.max),
    failbackMs: ms(b.failback),
    collateral: b.collateral,
    flaps: b.flaps,
    lost: b.lost,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as VerifyBounds;
}
