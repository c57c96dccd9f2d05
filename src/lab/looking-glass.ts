// A looking glass on one router: its BGP paths to a prefix, as FRR itself
// reports them (`show bgp ipv4|ipv6 unicast <prefix> json`). One command string
// for `lab lg` and the dashboard; a pure parser for the JSON.
import type { ContainerRuntime } from '../runtime/runtime.js';
import { vtysh } from './router-query.js';

export interface BgpPath {
  /** AS path as FRR prints it, "" for a locally originated route. */
  asPath: string;
  /** Neighbour the path came from (its address), or "0.0.0.0" when local. */
  peer: string;
  /** The neighbour's hostname when FRR knows it (FRR's hostname capability). */
  peerName: string | null;
  nextHop: string | null;
  localPref: number | null;
  med: number | null;
  origin: string | null;
  valid: boolean;
  best: boolean;
  /** Why FRR picked the best path ("AS Path", "Router ID", …); null on the others. */
  reason: string | null;
}

export interface LookingGlass {
  router: string;
  prefix: string;
  paths: BgpPath[];
}

/** The family follows the prefix: a dual-stack lab's /48 is asked in the IPv6 table. */
export const bgpPathsCommand = (prefix: string): string => `show bgp ${prefix.includes(':') ? 'ipv6' : 'ipv4'} unicast ${prefix}`;

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** FRR's JSON for one prefix → paths, best first. An absent prefix (`{}`, a warning) has no paths. */
export function parseBgpPaths(router: string, prefix: string, json: unknown): LookingGlass {
  const raw = Array.isArray(obj(json).paths) ? (obj(json).paths as unknown[]) : [];
  const paths = raw.map((p): BgpPath => {
    const o = obj(p);
    const best = obj(o.bestpath);
    const peer = obj(o.peer);
    const nh = obj((Array.isArray(o.nexthops) ? o.nexthops : [])[0]);
    return {
      asPath: str(obj(o.aspath).string) ?? '',
      peer: str(peer.peerId) ?? '0.0.0.0',
      peerName: str(peer.hostname),
      nextHop: str(nh.ip),
      // FRR's detailed view says `localpref` and `metric` (the MED); the table view `locPrf`.
      localPref: num(o.localpref) ?? num(o.locPrf),
      med: num(o.metric) ?? num(o.med),
      origin: str(o.origin),
      valid: o.valid === true,
      best: best.overall === true,
      reason: str(best.selectionReason),
    };
  });
  paths.sort((a, b) => Number(b.best) - Number(a.best));
  return { router, prefix, paths };
}

/** `container` names the router's container (al-<lab>-<node>); `router` is the node name in the result. */
export async function readBgpPaths(rt: ContainerRuntime, container: string, router: string, prefix: string): Promise<LookingGlass> {
  const out = await vtysh(rt, container, `${bgpPathsCommand(prefix)} json`);
  let json: unknown = {};
  try {
    json = JSON.parse(out);
  } catch {
    // vtysh prints nothing parseable while bgpd starts: no paths yet.
  }
  return parseBgpPaths(router, prefix, json);
}
