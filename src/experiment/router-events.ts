// Router-side instants of a failover, parsed from FRR's log and from
// `ip -ts monitor route`. Both print wall-clock time (UTC in the containers);
// containers share the host's clock, so `wallMs - offset` with the host's own
// offset (Date.now() − monoMs()) puts them on the probes' monotonic axis.
// Pure: text in, events out.

/** "2026/11/25 09:20:24.710734" (FRR, UTC) → Unix ms with the microseconds. */
export function parseFrrTime(s: string): number | undefined {
  const m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?/.exec(s);
  return m ? utcMs(m) : undefined;
}

/** "[2026-11-25T09:07:51.288684]" (ip -ts, container local time = UTC) → Unix ms. */
export function parseIpTsTime(s: string): number | undefined {
  const m = /^\[(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?\]/.exec(s);
  return m ? utcMs(m) : undefined;
}

function utcMs(m: RegExpExecArray): number {
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  const frac = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  return Date.UTC(y, mo - 1, d, h, mi, s) + frac;
}

export type FrrEventKind = 'bfd-down' | 'hold-expired' | 'bgp-down' | 'bgp-up';

export interface FrrEvent {
  kind: FrrEventKind;
  peer: string;
  wallMs: number;
  line: string;
}

/**
 * Session events about `peers` from an FRR log. BFD detection shows up in
 * bgpd as the Cease/BFD Down notification it sends (bfdd logs nothing at
 * informational level); the hold timer as Hold Timer Expired (4/0).
 */
export function frrEvents(log: string, peers: readonly string[]): FrrEvent[] {
  const out: FrrEvent[] = [];
  for (const line of log.split('\n')) {
    const wallMs = parseFrrTime(line);
    if (wallMs === undefined) continue;
    const peer = peers.find((p) => new RegExp(`neighbor ${p.replace(/\./g, '\\.')}\\b`).test(line));
    if (!peer) continue;
    let kind: FrrEventKind | undefined;
    if (/%NOTIFICATION.*\(Cease\/BFD Down\)/.test(line)) kind = 'bfd-down';
    else if (/%NOTIFICATION.*Hold Timer Expired/i.test(line)) kind = 'hold-expired';
    else if (/%ADJCHANGE: .* Down\b/.test(line)) kind = 'bgp-down';
    else if (/%ADJCHANGE: .* Up\b/.test(line)) kind = 'bgp-up';
    if (kind) out.push({ kind, peer, wallMs, line: line.trim() });
  }
  return out;
}

export interface RouteChange {
  wallMs: number;
  deleted: boolean;
  line: string;
}

/** Lines of `ip -ts monitor route` about `prefix` ("192.0.2.0/24"). */
export function routeChanges(text: string, prefix: string): RouteChange[] {
  const out: RouteChange[] = [];
  for (const raw of text.split('\n')) {
    const wallMs = parseIpTsTime(raw);
    if (wallMs === undefined) continue;
    const body = raw.replace(/^\[[^\]]*\]\s*/, '');
    const deleted = body.startsWith('Deleted ');
    const dest = (deleted ? body.slice(8) : body).trim().split(/\s+/)[0];
    if (dest === prefix) out.push({ wallMs, deleted, line: body.trim() });
  }
  return out;
}

/** A session that came up and went down again at once (sessionBounces). */
export interface SessionBounce {
  peer: string;
  upWallMs: number;
  downWallMs: number;
  /** What bgpd logged after "Down", e.g. "No AFI/SAFI activated for peer". */
  reason: string;
}

/**
 * Sessions of one router's FRR log that went Up and then Down again within
 * `withinMs`, Up at or after `sinceWallMs`. FRR 8.4 does this on a
 * passive end when BFD comes up while the other end's connection is being
 * accepted (docs/failover.md, "A failback that bounces once"); the router's
 * log is where it shows.
 */
export function sessionBounces(log: string, sinceWallMs: number, withinMs = 50): SessionBounce[] {
  const upAt = new Map<string, number>();
  const out: SessionBounce[] = [];
  for (const line of log.split('\n')) {
    const wallMs = parseFrrTime(line);
    const m = /%ADJCHANGE: neighbor (\S+?)(?:\([^)]*\))? in vrf \S+ (Up|Down)\b\s*(.*)$/.exec(line);
    if (wallMs === undefined || !m) continue;
    const [, peer, state, reason] = m;
    if (state === 'Up') {
      if (wallMs >= sinceWallMs) upAt.set(peer, wallMs);
      continue;
    }
    const up = upAt.get(peer);
    upAt.delete(peer);
    if (up !== undefined && wallMs - up <= withinMs) out.push({ peer, upWallMs: up, downWallMs: wallMs, reason: reason.trim() });
  }
  return out;
}
