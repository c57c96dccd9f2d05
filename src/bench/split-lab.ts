// The default lab's topology on two hosts, as the Swarm bench and the suite's
// swarm-lab test bring it up: its own name and pools (so it runs beside the
// default lab and the suite's), t-us's side on the second host (t-us pinned:
// iad, gru, eb-us and c-us follow it), eb-br pinned here: four networks cross
// hosts (t-eu--t-us, gru--eb-br, eb-br--t-us and the collector's LAN).
import { parseDocument } from 'yaml';

export interface SplitLabOptions {
  name: string;
  /** The second host's Engine API, e.g. unix:///tmp/…/docker.sock. */
  nodeEndpoint: string;
  /** Without it: the same lab on this engine alone (the bench's one-host side). */
  hosts?: boolean;
  /** Pins other than t-us's side on the second host (the suite's test pins fewer nodes there: each is a full image copy under vfs). */
  placement?: Record<string, string>;
  verify?: unknown[];
}

/** Pure: labs/default.yaml's text → the split lab's. */
export function splitLabText(defaultYaml: string, o: SplitLabOptions): string {
  const doc = parseDocument(
    defaultYaml.replaceAll('10.77.', '10.57.').replaceAll('10.78.', '10.58.').replaceAll('fd00:77:', 'fd00:57:').replaceAll('fd00:78:', 'fd00:58:'),
  );
  doc.set('name', o.name);
  doc.set('collector', { subnet: '10.55.0.0/24' });
  if (o.hosts !== false) {
    doc.set('hosts', [
      { name: 'h1', endpoint: 'unix:///var/run/docker.sock', manager: true },
      { name: 'h2', endpoint: o.nodeEndpoint },
    ]);
    doc.set('placement', o.placement ?? { 't-us': 'h2', 'eb-br': 'h1' });
  }
  if (o.verify) doc.set('verify', o.verify);
  else doc.delete('verify');
  return doc.toString();
}
