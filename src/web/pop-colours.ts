// One colour per PoP, the same in the topology, the catchment rows and the
// legend. Chosen to stay apart on a projector (Okabe–Ito, colour-blind safe).

import type { Lab } from '../topology/model.js';
import { anycastRouters } from '../topology/roles/registry.js';

const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#F0E442', '#8E6C8A'];
/** No answer, or an answer from no PoP of the lab file. */
export const NO_POP_COLOUR = '#6b7280';

/** The anycast routers in lab-file order, each with its colour (the palette repeats past 8). */
export function popColours(lab: Lab): Record<string, string> {
  const pops = anycastRouters(lab);
  return Object.fromEntries(pops.map((p, i) => [p.name, PALETTE[i % PALETTE.length]]));
}

export const colourOf = (colours: Record<string, string>, pop: string | null): string => (pop !== null && colours[pop]) || NO_POP_COLOUR;
