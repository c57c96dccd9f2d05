// One line of `gobgp monitor adj-in -j` → the updates the collector records.
// Pure, so the recorder (agent/collector-main.ts), the orchestrator that reads
// its file (lab/collector.ts) and the tests share it. GoBGP prints one JSON
// array of paths per event; each path carries its NLRI, its attributes
// (AS_PATH is type 2), the neighbour it came from and, for a withdrawal,
// `withdrawal: true`.

/** One route change as the collector heard it, stamped on arrival. */
export interface CollectorUpdate {
  /** Wall clock ms (Date.now) when the recorder read the line. */
  wallMs: number;
  /** CLOCK_MONOTONIC ms (hrtime): containers share it with the orchestrator, so it compares with a fault's time. */
  monoMs: number;
  /** The neighbour's address on the collector LAN. */
  peer: string;
  prefix: string;
  withdraw: boolean;
  /** AS numbers, nearest first; empty for a withdrawal. */
  asPath: number[];
  nexthop?: string;
}

/** GoBGP's JSON path attributes: AS_PATH is type 2, NEXT_HOP type 3. */
export type GobgpAttrs = { type?: number; as_paths?: { asns?: number[] }[]; nexthop?: string }[];

/** The AS numbers of a path's AS_PATH, nearest first (pure); shared with the RIB reader (lab/collector.ts). */
export const asPathOf = (attrs: GobgpAttrs | undefined): number[] =>
  (attrs ?? []).filter((a) => a.type === 2).flatMap((a) => (a.as_paths ?? []).flatMap((s) => s.asns ?? []));

interface GobgpPath {
  nlri?: { prefix?: string };
  attrs?: GobgpAttrs;
  withdrawal?: boolean;
  'neighbor-ip'?: string;
  'source-id'?: string;
}

/** The updates in one line of monitor output; lines that are not JSON paths give none. */
export function parseMonitorLine(line: string, stamp: { wallMs: number; monoMs: number }): CollectorUpdate[] {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return [];
  }
  const paths = (Array.isArray(raw) ? raw : [raw]) as GobgpPath[];
  const out: CollectorUpdate[] = [];
  for (const p of paths) {
    const prefix = p?.nlri?.prefix;
    const peer = p?.['neighbor-ip'];
    if (typeof prefix !== 'string' || typeof peer !== 'string') continue;
    const withdraw = p.withdrawal === true;
    const asPath = withdraw ? [] : asPathOf(p.attrs);
    const nexthop = (p.attrs ?? []).find((a) => a.type === 3)?.nexthop;
    out.push({ ...stamp, peer, prefix, withdraw, asPath, ...(nexthop && !withdraw ? { nexthop } : {}) });
  }
  return out;
}
