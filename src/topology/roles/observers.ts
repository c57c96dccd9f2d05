// Every observer the lab knows: nodes beside the routers that only listen
// (observer-spec.ts). Adding one: a module beside this one that exports an
// `ObserverSpec`, and one line in OBSERVERS. Their order is the order of their
// networks, containers and config lines.
import type { Lab } from '../model.js';
import { collector } from './collector.js';
import type { ObserverNode, ObserverSpec } from './observer-spec.js';

const OBSERVERS: readonly ObserverSpec[] = [collector];

/** The observers this lab has, each with its node. */
export const observersOf = (lab: Lab): { spec: ObserverSpec; node: ObserverNode }[] =>
  OBSERVERS.flatMap((spec) => {
    const node = spec.node(lab);
    return node ? [{ spec, node }] : [];
  });
