// Does a router's running configuration hold what was rendered for it? Pure:
// both sides are FRR config text. `up` uses it to catch a router whose config
// was lost or half-applied and to repair it, instead of waiting out the
// convergence deadline on a router that can never converge.

/**
 * Config text → the set of its statements, each with the blocks it sits in
 * ("router bgp 64500 > address-family ipv4 unicast > neighbor … route-map …"),
 * so that `set local-preference 200` in one route-map is not satisfied by the
 * same line in another. Comments, `exit`s and the banner lines are dropped.
 */
export function configStatements(text: string): Set<string> {
  const out = new Set<string>();
  const stack: { indent: number; line: string }[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    const body = line.trimStart();
    if (!body || body.startsWith('!') || IGNORED.test(body)) continue;
    const indent = line.length - body.length;
    while (stack.length && stack[stack.length - 1].indent >= indent) stack.pop();
    out.add([...stack.map((s) => s.line), body].join(' > '));
    stack.push({ indent, line: body });
  }
  return out;
}

// Block ends and lines FRR writes itself (`end`, the "Building configuration"
// banner, the running version) say nothing about what was applied.
const IGNORED = /^(exit|exit-address-family|exit-vrf|end|frr version|Building configuration|Current configuration)/;

export interface DriftOptions {
  /**
   * Statements the lab changes at run time on purpose and must not be
   * "repaired": a PoP's `network <anycast>` belongs to its health checker.
   */
  runtimeOwned?: RegExp[];
}

// FRR 8.4 leaves values equal to its defaults out of `show running-config`:
// rendered for clarity, they can never show up there.
const OMITTED_DEFAULTS = [/^bfd > profile \S+ > (detect-multiplier 3|transmit-interval 300|receive-interval 300|echo-interval 50)$/];

// vtysh's own settings (vtysh.conf): in vtysh's merged running config, in
// no daemon's, so a config read from the daemons' vty sockets lacks them.
const VTYSH_OWN = [/^service integrated-vtysh-config$/];

/** Rendered statements missing from the running config (vtysh's merged one, or the daemons' own one after another), in rendered order. */
export function configDrift(rendered: string, running: string, opts: DriftOptions = {}): string[] {
  const have = configStatements(running);
  const skip = [...OMITTED_DEFAULTS, ...VTYSH_OWN, ...(opts.runtimeOwned ?? [])];
  return [...configStatements(rendered)].filter((s) => !have.has(s) && !skip.some((re) => re.test(s)));
}

/** For messages: "router bgp 64500 > neighbor 10.77.0.3 remote-as 65010" → the last two levels. */
export function shortStatement(s: string): string {
  const parts = s.split(' > ');
  return parts.slice(-2).join(' > ');
}
