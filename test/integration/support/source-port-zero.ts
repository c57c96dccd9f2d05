// Makes a client's UDP datagrams from one port leave with source port 0, for
// fuzzing: clients are unprivileged and Node has no raw sockets, so a
// short-lived helper with NET_ADMIN in the client's network namespace installs
// an nftables rule that rewrites the port. Verified in the lab: the PoP
// receives `10.82.0.10.0 > 192.0.2.53.53` (tcpdump), counts the query and
// fails to answer it (udp.sendErrors); oversize datagrams, which the kernel
// fragments and checksums in software after the rewrite, arrive with
// InCsumErrors unchanged, so the checksum is recomputed.
import { LabError } from '../../../src/errors.js';
import { containerName, LABEL, labLabels } from '../../../src/runtime/labels.js';
import type { ContainerRuntime } from '../../../src/runtime/runtime.js';

const TABLE = 'anycast_lab_sport0';

export const sourcePortZeroRules = (port: number): string =>
  [
    'set -e',
    // Idempotent: a table left by an interrupted run is replaced, not doubled.
    `nft delete table ip ${TABLE} 2>/dev/null || true`,
    `nft add table ip ${TABLE}`,
    `nft add chain ip ${TABLE} out '{ type filter hook output priority 0; }'`,
    `nft add rule ip ${TABLE} out udp sport ${port} udp sport set 0`,
    `nft list table ip ${TABLE}`,
  ].join('; ');

const removeRules = `nft delete table ip ${TABLE} 2>/dev/null; ! nft list table ip ${TABLE} >/dev/null 2>&1`;

/** Runs `fn` while UDP from `port` in client `node` leaves with source port 0; the rule is removed afterwards, always. */
export async function withSourcePortZero<T>(rt: ContainerRuntime, lab: string, node: string, port: number, fn: () => Promise<T>): Promise<T> {
  const [client] = (await rt.listContainers({ [LABEL.lab]: lab, [LABEL.node]: node, [LABEL.kind]: 'client' })).filter((c) => c.state === 'running');
  if (!client) throw new LabError('NOT_FOUND', `no running client "${node}" in lab ${lab}`);
  const helper = (step: string, script: string) =>
    rt.runToCompletion(
      {
        name: `${containerName(lab, node)}-sport0-${step}`,
        image: client.image,
        labels: labLabels(lab, node, 'client', 'helper'),
        cmd: ['sh', '-c', script],
        capAdd: ['NET_ADMIN'],
        networkMode: `container:${client.id}`,
      },
      30_000,
    );
  // Not a throw in `finally`: a failed removal must not hide why `fn` failed; it carries that as its cause.
  let outcome: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    const add = await helper('add', sourcePortZeroRules(port));
    if (add.exitCode !== 0) throw new LabError('FAULT', `client ${node}: installing the source-port-0 rule failed: ${add.stderr.trim() || add.stdout.trim()}`);
    outcome = { ok: true, value: await fn() };
  } catch (error) {
    outcome = { ok: false, error };
  }
  const del = await helper('del', removeRules);
  if (del.exitCode !== 0) {
    throw new LabError(
      'FAULT',
      `client ${node}: removing nftables table ${TABLE} failed; remove it by hand: ${del.stderr.trim()}`,
      outcome.ok ? undefined : { cause: outcome.error },
    );
  }
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}
