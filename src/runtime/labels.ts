// Labels are the truth: `down` and `status` find resources by these, never by
// in-memory state, so they work after a crash or an edited lab file.

export const LABEL = {
  lab: 'anycast-lab.lab',
  node: 'anycast-lab.node',
  role: 'anycast-lab.role',
  /** What a resource is: router | client | collector | link | lan | helper. */
  kind: 'anycast-lab.kind',
  /** Absolute path of the topology file, for humans reading `docker inspect`. */
  file: 'anycast-lab.file',
  /** Hash of the rendered config a container was created with; `up` compares it to stay idempotent. */
  configHash: 'anycast-lab.config-hash',
  /** Hash of a router's frr.conf statements when it was created (later ones are applied in place and recorded; see lab/lab-state.ts). */
  frrHash: 'anycast-lab.frr-hash',
} as const;

export type ResourceKind = 'router' | 'client' | 'collector' | 'link' | 'lan' | 'helper' | 'image';

export function labLabels(lab: string, node: string, role: string, kind: ResourceKind, extra: Record<string, string> = {}): Record<string, string> {
  return { [LABEL.lab]: lab, [LABEL.node]: node, [LABEL.role]: role, [LABEL.kind]: kind, ...extra };
}

/** Docker name of a lab container: short, readable in `docker ps`. */
export const containerName = (lab: string, node: string): string => `al-${lab}-${node}`;
export const networkName = (lab: string, link: string): string => `al-${lab}-${link}`;
