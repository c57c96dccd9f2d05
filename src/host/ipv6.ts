// Can this engine and kernel give a dual-stack lab its networks? Asked the
// only way that tells: an internal network with EnableIPv6 and a /64, created
// and removed again. It fails where the kernel has IPv6 off (ipv6.disable=1:
// dockerd cannot enable IPv6 on the bridge), where the engine refuses IPv6
// networks, or where the IPAM cannot hand out the /64. `doctor` reports it;
// `up` of a dual-stack lab asks before it creates anything.
import { LabError } from '../errors.js';
import { labLabels } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { isDualStack } from '../topology/families.js';
import type { Lab } from '../topology/model.js';

/**
 * The probe network's subnets: outside every lab pool (those are fd00:77::/48,
 * fd00:78::/48, 10.77.0.0/16 …) and per process, so two probes at once never
 * overlap. The bridge driver needs an IPv4 subnet too: a /30 of 198.18.0.0/15
 * (RFC 2544 benchmarking space, routed nowhere).
 */
export function probeSubnets(pid: number): { v4: { subnet: string; gateway: string }; v6: { subnet: string; gateway: string } } {
  const n = (pid % 32768) * 4;
  const base = `198.${18 + (n >> 16)}.${(n >> 8) & 255}`;
  const net6 = `fdff:a1ab:0:${(pid & 0xffff).toString(16)}::`;
  return { v4: { subnet: `${base}.${n & 255}/30`, gateway: `${base}.${(n & 255) + 1}` }, v6: { subnet: `${net6}/64`, gateway: `${net6}1` } };
}

/** undefined when an IPv6 network can be made here; otherwise what the engine said. */
export async function ipv6NetworkProblem(rt: ContainerRuntime, owner: string): Promise<string | undefined> {
  const { v4, v6 } = probeSubnets(process.pid);
  const name = `al-${owner}-ipv6-probe-${process.pid}`;
  let made = false;
  try {
    await rt.createNetwork({
      name,
      ...v4,
      ipv6: v6,
      labels: labLabels(owner, 'host', 'helper', 'helper'),
    });
    made = true;
    return undefined;
  } catch (err) {
    return (err as Error).message.trim();
  } finally {
    if (made) await rt.removeNetwork(name).catch(() => undefined);
  }
}

export const IPV6_FIX =
  'boot the host with IPv6 on (no ipv6.disable=1; sysctl net.ipv6.conf.all.disable_ipv6=0) and use Docker >= 20.10; or keep the lab at `families: [ipv4]`';

/**
 * `up` of a dual-stack lab, before it creates anything: refused with the
 * reason on a host that cannot make its networks, rather than a half-made
 * lab rolled back.
 */
export async function assertIpv6Available(rt: ContainerRuntime, lab: Lab): Promise<void> {
  if (!isDualStack(lab)) return;
  const problem = await ipv6NetworkProblem(rt, lab.name);
  if (problem === undefined) return;
  throw new LabError(
    'HOST_CAPABILITY',
    `${lab.file}: families: [${lab.families.join(', ')}] asks for IPv6, but this host cannot create an internal IPv6 network: ${problem}. Nothing was created. Fix: ${IPV6_FIX}. \`lab doctor\` shows the check.`,
  );
}
