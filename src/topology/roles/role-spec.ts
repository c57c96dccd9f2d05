// What a router role is, in one place: what the lab file may say about it,
// how resolve fills it in, which routes it exchanges, which FRR daemons and
// agents it runs, when it counts as converged and what `status` shows. Every
// field is required (null where a role has nothing to add), so a new role that
// forgets one does not compile. Pure data and pure functions: specs sit just
// above the model, and render/ and lab/ read them instead of naming roles.
import type { z } from 'zod';
import type { Family, Lab, Router } from '../model.js';
import type { FrrDaemon } from './frr-daemons.js';

/** Router fields only some roles carry (set by `topology.router`). */
export type RoleRouterFields = Pick<Router, 'colo'>;

/** A `routers[]` entry of the lab file after the schema accepted it. */
export interface RawRouter {
  name: string;
  asn: number;
  [field: string]: unknown;
}

/** How messages name the role: "a PoP", "PoPs". */
export interface RoleTitle {
  /** With its article, e.g. "an eyeball". */
  a: string;
  one: string;
  many: string;
}

export interface RoleSpec<Name extends string = string> {
  /** The name in lab files (`ases[].role`), container labels and ROLE= in the container. */
  name: Name;
  title: RoleTitle;

  /** Lab file and resolve (topology/schema.ts, topology/resolve.ts). */
  topology: {
    /** Fields of `routers[]` that only this role accepts (zod shape); other roles reject them. */
    routerFields: z.ZodRawShape;
    /** Role-specific fields of the resolved router, defaults applied. */
    router(raw: RawRouter): Partial<RoleRouterFields>;
    /** May one AS hold several routers of this role? They never peer with each other (iBGP is not modelled). */
    sharesAs: boolean;
    /** Why two routers of this role must not be linked; null: they may. */
    noSameRoleLink: string | null;
    /** Why a lab needs at least one router of this role (completes "… with role X"); null: it does not. */
    required: string | null;
    /** Buys transit: its providers prefer its routes (Gao-Rexford customer). */
    buysTransit: boolean;
    /** Sets the customer local preference on routes from neighbours that buy transit. */
    prefersCustomers: boolean;
    /** Client LANs may sit behind it (`clients[].eyeball`). */
    hostsClients: boolean;
    /** Announces the anycast prefix and answers on it (`clients[].expect.pop`). */
    servesAnycast: boolean;
  };

  /** FRR config (render/). Lines are returned as they appear in frr.conf. */
  render: {
    /** Header comment: "anycast PoP FRA", "transit network". */
    describe(router: Router): string;
    /** One comment line above the per-neighbour prefix-lists. */
    policySummary: string;
    /**
     * Prefixes it accepts from any neighbour; IN-<peer> is what that neighbour sends, narrowed to these.
     * Both families' in one list (topology/families.ts): the prefix-lists split them into IN- and IN6-.
     */
    accepts(lab: Lab, self: Router): string[];
    /** Prefixes it sends one neighbour (OUT-<peer>, OUT6-<peer>); `peerAccepts` is what that neighbour accepts. */
    sends(lab: Lab, self: Router, peerAccepts: readonly string[]): string[];
    /** `network` statements under `address-family <family> unicast` (with their comments); ipv4 when not given. */
    networkLines(lab: Lab, self: Router, family?: Family): string[];
    daemons: readonly FrrDaemon[];
  };

  /** Convergence (lab/frr-state.ts, lab/frr-ready.ts). */
  converge: {
    /**
     * Routes that must be installed before the router counts as converged: both
     * families' in one list, IPv4 first (split with routesByFamily, topology/families.ts).
     */
    routes(lab: Lab, self: Router): string[];
    /** Rendered statements something in the container changes at run time; `up` must not "repair" them. */
    runtimeOwned(lab: Lab): RegExp[];
  };

  /** The container (lab/plan.ts, lab/artifacts.ts, src/agent/router-init.sh). */
  container: {
    /** Extra environment for router-init.sh and the role's agents. */
    env(lab: Lab, self: Router): Record<string, string>;
    /**
     * Shell run by router-init.sh before anything else starts (handed over as
     * ROLE_SETUP); null: nothing. No `$`: Compose would interpolate it.
     */
    setup(lab: Lab, self: Router): string | null;
    /** Shell that starts the role's agents alongside FRR (ROLE_SERVICES); null: none. */
    services(lab: Lab, self: Router): string | null;
    /** Agent config files (name → content), written under <node>/agent and mounted read-only at AGENT_CONFIG_DIR. */
    agentFiles(lab: Lab, self: Router): Record<string, string>;
  };

  /** `lab status` (lab/status.ts, report/status-table.ts); null: routing state only. */
  status: {
    /** One shell command run in the container; its stdout goes to `read`. */
    script: string;
    /** Fields added to the node's status (kept in `status --json`). */
    read(stdout: string): Record<string, unknown>;
    /** Words for the node's line in the table, from those fields. */
    summary(fields: Readonly<Record<string, unknown>>): string[];
  } | null;
}

/** `container` for a role that runs only FRR: no environment, no start-up shell, no agents. */
export const FRR_ONLY_CONTAINER: RoleSpec['container'] = {
  env: () => ({}),
  setup: () => null,
  services: () => null,
  agentFiles: () => ({}),
};
