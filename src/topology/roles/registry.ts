// Every router role the lab knows. Adding one: a module beside this one that
// exports a `RoleSpec`, and one line in ROLES. Order matters only for display
// (`lab status` lists nodes by it).
import type { z } from 'zod';
import type { Lab, Router, RouterRole } from '../model.js';
import { eyeball } from './eyeball.js';
import { pop } from './pop.js';
import type { RoleSpec } from './role-spec.js';
import { transit } from './transit.js';

// Each spec is filed under its own name, so ROLES[router.role] is that role's
// spec; and every name of the model's RouterRole has one, and only those.
export const ROLES = {
  pop,
  transit,
  eyeball,
} satisfies { [R in RouterRole]: RoleSpec<R> };

export type Role = keyof typeof ROLES;

/**
 * Lookups over one set of roles. The lab uses ROLES; a test can build the
 * same lookups over a copy with a role of its own (test/unit/role-plugin.test.ts).
 */
export function registryOf<R extends string>(roles: { [K in R]: RoleSpec<K> }) {
  const names = Object.keys(roles) as R[];
  const isRole = (name: string): name is R => Object.hasOwn(roles, name);
  /** The spec of a router's role, typed as the common interface. */
  const roleSpec = (role: R): RoleSpec => roles[role];
  return {
    ROLES: roles,
    ROLE_NAMES: names,
    isRole,
    roleSpec,
    /** The spec of a role read from outside the model (a container label); undefined for clients, helpers and unknown roles. */
    roleSpecOf: (name: string | undefined): RoleSpec | undefined => (name !== undefined && isRole(name) ? roles[name] : undefined),
    /** Every role's own `routers[]` fields, for the lab file schema (resolve checks each against the router's role). */
    roleRouterFields: (): z.ZodRawShape => Object.assign({}, ...names.map((r) => roles[r].topology.routerFields)),
    /** The roles that accept one of those fields. */
    rolesWithRouterField: (field: string): RoleSpec[] => names.map(roleSpec).filter((s) => Object.hasOwn(s.topology.routerFields, field)),
  };
}

export const { ROLE_NAMES, roleSpec, roleSpecOf, roleRouterFields, rolesWithRouterField } = registryOf<Role>(ROLES);

/** The routers whose role serves the anycast prefix: the PoPs, in lab-file order. */
export const anycastRouters = (lab: Lab): Router[] => lab.routers.filter((r) => roleSpec(r.role).topology.servesAnycast);
