// The lab model as cytoscape elements: one compound node per AS holding its
// routers (and the clients behind its eyeballs), one edge per BGP link, one
// per client LAN, and the route collector with a line to each transit. Pure; the page only lays them out and colours them.
import type { Lab } from '../topology/model.js';
import { popColours } from './pop-colours.js';

export interface CyElement {
  group: 'nodes' | 'edges';
  data: { id: string; label: string; parent?: string; source?: string; target?: string; role?: string; colour?: string };
  classes: string;
}

export const asNodeId = (asn: number): string => `as${asn}`;

export function topologyElements(lab: Lab): CyElement[] {
  const colours = popColours(lab);
  const byAs = new Map<number, string[]>();
  for (const r of lab.routers) byAs.set(r.asn, [...(byAs.get(r.asn) ?? []), r.role]);
  const asOf = new Map(lab.routers.map((r) => [r.name, r.asn]));
  const out: CyElement[] = [];
  for (const [asn, roles] of byAs) {
    out.push({ group: 'nodes', data: { id: asNodeId(asn), label: `AS${asn} ${roles[0]}` }, classes: `as as-${roles[0]}` });
  }
  for (const r of lab.routers) {
    const label = r.colo ?? r.name;
    out.push({
      group: 'nodes',
      data: { id: r.name, label, parent: asNodeId(r.asn), role: r.role, ...(colours[r.name] ? { colour: colours[r.name] } : {}) },
      classes: `router ${r.role}`,
    });
  }
  for (const c of lab.clients) {
    const asn = asOf.get(c.eyeball);
    out.push({
      group: 'nodes',
      data: { id: c.name, label: c.name, role: 'client', ...(asn !== undefined ? { parent: asNodeId(asn) } : {}) },
      classes: 'client',
    });
  }
  for (const l of lab.links) {
    out.push({ group: 'edges', data: { id: l.name, label: '', source: l.a.node, target: l.b.node }, classes: 'link' });
  }
  for (const c of lab.clients) {
    out.push({ group: 'edges', data: { id: `lan:${c.name}`, label: '', source: c.name, target: c.eyeball }, classes: 'lan' });
  }
  // The route collector in its own AS, a thin line to each transit it listens to: an observer, not a link (no BFD, no traffic).
  const col = lab.collector;
  if (col) {
    out.push({ group: 'nodes', data: { id: asNodeId(col.asn), label: `AS${col.asn} collector` }, classes: 'as as-collector' });
    out.push({ group: 'nodes', data: { id: col.name, label: 'RC', parent: asNodeId(col.asn), role: 'collector' }, classes: 'collector' });
    for (const p of col.peers) out.push({ group: 'edges', data: { id: `rc:${p.router}`, label: '', source: col.name, target: p.router }, classes: 'peering' });
  }
  return out;
}
