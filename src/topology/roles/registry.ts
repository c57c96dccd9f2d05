// Every router role the lab knows. Adding one: a module beside this one that
// exports a `RoleSpec`, and one line here. Order matters only for display
// (`lab status` lists nodes by it).
import type { z } from 'zod';
import { eyeball } from './eyeball.js';
import { pop } from './pop.js';
import type { RoleSpec } from './role-spec.js';
import { transit } from './transit.js';

export const ROLES = {
  pop,
  transit,
  eyeball,
};

export type Role = keyof typeof ROLES;

// Each spec is filed under its own name, so ROLES[router.role] is that role's spec.
ROLES satisfies { [R in Role]: RoleSpec<R> };

export const ROLE_NAMES = Object.keys(ROLES) as Role[];

export const isRole = (name: string): name is Role => Object.hasOwn(ROLES, name);

/** The spec of a role read from outside the model (a container label); undefined for clients, helpers and unknown roles. */
export const roleSpecOf = (name: string | undefined): RoleSpec | undefined => (name !== undefined && isRole(name) ? ROLES[name] : undefined);

/** The spec of a router's role, typed as the common interface. */
export const roleSpec = (role: Role): RoleSpec => ROLES[role];

/** Every role's own `routers[]` fields, for the lab file schema (each is checked against its role in resolve). */
export const roleRouterFields = (): z.ZodRawShape => Object.assign({}, ...ROLE_NAMES.map((r) => ROLES[r].topology.routerFields));

/** The roles that accept one of those fields. */
export const rolesWithRouterField = (field: string): RoleSpec[] => ROLE_NAMES.map(roleSpec).filter((s) => Object.hasOwn(s.topology.routerFields, field));
