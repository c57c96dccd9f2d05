import { describeDrain } from '../lab/overrides.js';
import { describeOverride } from '../lab/policy-overrides.js';
import type { LabStatus } from '../lab/status.js';
import { roleSpecOf } from '../topology/roles/registry.js';

/** `lab status` for people: one line per node, one indented line per session. */
export function renderStatusTable(s: LabStatus): string {
  if (!s.nodes.length) return 'no lab is up';
  const lines: string[] = [];
  // Columns as wide as the longest name (`collector`, a generated lab's `pop-12`), never narrower than before.
  const nodeW = Math.max(7, ...s.nodes.map((n) => n.node.length));
  const roleW = Math.max(8, ...s.nodes.map((n) => n.role.length));
  const peerW = Math.max(7, ...s.nodes.flatMap((n) => (n.bgp ?? []).map((p) => (p.neighbor ?? p.peer).length)));
  for (const n of s.nodes) {
    const extra = roleSpecOf(n.role)?.status?.summary(n) ?? [];
    lines.push(`${n.lab}/${n.node.padEnd(nodeW)} ${n.role.padEnd(roleW)} ${n.state.padEnd(8)} ${extra.join('  ')}`);
    for (const p of n.bgp ?? []) {
      const bfd = n.bfd?.find((b) => b.peer === p.peer);
      lines.push(
        // `bgp6`: a dual-stack lab's IPv6 session with the same neighbour, listed after the IPv4 ones.
        `    bgp${p.family === 'ipv6' ? '6' : ''} ${(p.neighbor ?? p.peer).padEnd(peerW)} ${p.peer.padEnd(12)} AS${String(p.remoteAs ?? '?').padEnd(6)} ${p.state.padEnd(12)} rcvd ${p.pfxRcd} sent ${p.pfxSnt}  bfd ${bfd ? `${bfd.status} ${bfd.transmitInterval}ms x${bfd.detectMultiplier}` : 'off'}`,
      );
    }
    for (const o of n.policy ?? []) lines.push(`    policy ${describeOverride(o)}`);
  }
  // Live changes the lab file does not say, in one place: what a trainer must undo.
  const overrides = [
    ...s.nodes.flatMap((n) => (n.policy ?? []).map(describeOverride)),
    ...s.nodes.filter((n) => n.drained === true).map((n) => describeDrain(n.node)),
  ];
  if (overrides.length) {
    lines.push('', `active overrides (${overrides.length}), not in the lab file:`, ...overrides.map((o) => `  ${o}`));
    lines.push('  undo: npm run lab -- policy --reset-all');
  }
  return lines.join('\n');
}
