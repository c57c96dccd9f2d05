// Announce or withdraw the anycast prefix by adding or removing the `network`
// statement frr.conf renders under `router bgp <asn>` (the /24), or under its
// `address-family ipv6 unicast` (the /48: each family is withdrawn alone). The prefix is
// originated from anycast0, so the route stays in the RIB and only the BGP
// origination changes. The command runner is injected: tests record argv.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ROUTER_PATHS } from '../../contract/agent.js';
import { PopAgentError } from './errors.js';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type CommandRunner = (file: string, args: readonly string[], timeoutMs: number) => Promise<CommandResult>;

export interface BgpControl {
  announce(): Promise<void>;
  withdraw(): Promise<void>;
}

export const VTYSH = 'vtysh';
const TIMEOUT_MS = 5000;

/**
 * vtysh argv for the `network` statement, with or without `no`. The prefix
 * says its family: an IPv4 one goes where frr.conf has it (the implicit IPv4
 * unicast of `router bgp`, so the argv is what it always was), an IPv6 one
 * under `address-family ipv6 unicast`.
 */
export function vtyshNetworkArgs(asn: number, prefix: string, announce: boolean): string[] {
  const af = prefix.includes(':') ? ['-c', 'address-family ipv6 unicast'] : [];
  return ['-c', 'configure terminal', '-c', `router bgp ${asn}`, ...af, '-c', `${announce ? '' : 'no '}network ${prefix}`];
}

/**
 * `frrReady` says whether frr.conf has been applied. Until it has, a
 * `router bgp <asn>` from here would create a bare BGP instance (no router-id,
 * no neighbours) that the config would then only be merged into: the checker
 * waits, and its reconcile loop tries again on the next tick.
 */
export function vtyshBgp(
  asn: number,
  prefix: string,
  run: CommandRunner = execRunner,
  frrReady: () => boolean = () => existsSync(ROUTER_PATHS.frrReady),
): BgpControl {
  const apply = async (announce: boolean) => {
    if (!frrReady()) throw new PopAgentError('FRR_NOT_READY', `FRR config not applied yet (${ROUTER_PATHS.frrReady} missing); not touching BGP`);
    const args = vtyshNetworkArgs(asn, prefix, announce);
    const r = await run(VTYSH, args, TIMEOUT_MS);
    const out = `${r.stdout}${r.stderr}`.trim();
    // Removing a network that is already gone is the state we want, not an error.
    if (r.code !== 0 && !(announce === false && /can't find/i.test(out))) {
      throw new PopAgentError('BGP_COMMAND_FAILED', `${VTYSH} ${args.map((a) => JSON.stringify(a)).join(' ')} exited ${r.code}: ${out || '(no output)'}`);
    }
  };
  return { announce: () => apply(true), withdraw: () => apply(false) };
}

export const execRunner: CommandRunner = (file, args, timeoutMs) =>
  new Promise((resolve) => {
    execFile(file, [...args], { timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 127) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr || (error && !stderr ? error.message : '')) });
    });
  });
