// The question every part of the lab asks a client to learn which PoP answers
// it: CHAOS TXT hostname.bind (RFC 4892) with dig, one try, and dig's +short
// answer parsed. `up` (every client answered), `who`, `trace` and the
// exercises share it, so they all ask the same way. Pure.

export interface ChaosDigOptions {
  /** dig's deadline for its one try (default 2 s). */
  timeoutS?: number;
  tcp?: boolean;
  /** The address dig sends from (`-b`): a PoP tracing from its anycast address. */
  source?: string;
}

export function chaosDig(dnsAddress: string, o: ChaosDigOptions = {}): string[] {
  return [
    'dig',
    '+tries=1',
    `+time=${o.timeoutS ?? 2}`,
    ...(o.source ? ['-b', o.source] : []),
    ...(o.tcp ? ['+tcp'] : []),
    `@${dnsAddress}`,
    'hostname.bind',
    'CH',
    'TXT',
    '+short',
  ];
}

/** First character-string of the first TXT line of `dig +short`: `"fra"` -> fra. */
export function parseShortTxt(stdout: string): string | null {
  for (const line of stdout.split('\n')) {
    const m = /^"((?:[^"\\]|\\.)*)"/.exec(line.trim());
    if (m) return m[1];
  }
  return null;
}
