// An observer: a node beside the routers that only listens. It peers with some
// routers over a LAN of its own, carries no traffic, runs no FRR and is waited
// for by nobody (the route collector). Like a RoleSpec, one module and one line
// in the registry (OBSERVERS); render/ and lab/plan.ts read the spec instead of
// naming the node. Pure data and pure functions.
import type { Lab, Router } from '../model.js';

/** An observer as this lab places it: its node, its LAN, and the routers on that LAN that peer with it. */
export interface ObserverNode {
  name: string;
  lan: { name: string; subnet: string; gateway: string; ipv6?: { subnet: string; gateway: string } };
  address: string;
  /** Dual-stack labs: its address on the LAN's /64. */
  address6?: string;
  peers: { router: string; address: string; address6?: string }[];
}

/** What a peering router adds to its frr.conf, each list where render/frr-config.ts places it; all empty for a router that does not peer. */
export interface PeerLines {
  /** Route-maps, after the per-neighbour ones. */
  routeMaps: string[];
  /** Under `router bgp`, after the link neighbours. */
  neighbor: string[];
  /** Under `address-family ipv4 unicast`. */
  af: string[];
  /** Under ipv4 too: the IPv6 sessions switched off there. */
  v6Off: string[];
  /** Under `address-family ipv6 unicast`. */
  af6: string[];
}

export interface ObserverSpec<Name extends string = string> {
  name: Name;
  /** Its node in this lab, or undefined when the lab file does not ask for one. */
  node(lab: Lab): ObserverNode | undefined;
  render: {
    /** Its config files (name → content), written to <lab>/<node>/ (render/write-configs.ts). */
    files(lab: Lab): Record<string, string>;
    peerLines(lab: Lab, router: Router): PeerLines;
  };
  /** The container (lab/plan.ts). */
  container: {
    /** Which of the lab's images it runs. */
    image: 'router' | 'client';
    /** Where its config directory is mounted, read-only. */
    configDir: string;
    cmd: string[];
  };
}
