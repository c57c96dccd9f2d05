// What Debian's traceroute (2.1, Dmitry Butskoy's) prints with -n, as data.
// Pure. The format, from traceroute(8): a header line, then one line per TTL:
//   ` 3  10.77.0.59  0.210 ms  0.198 ms  0.187 ms`
// A probe without an answer is `*`; a probe answered by another address
// than the previous one names it before its time
// (` 2  10.77.0.59  0.2 ms 10.77.0.43  0.5 ms *`); an ICMP error other than
// "time exceeded"/"port unreachable" follows the time as `!H`, `!N`, `!P`,
// `!S`, `!F-<mtu>`, `!X`, `!V`, `!C` or `!<code>`.

export interface TraceProbe {
  /** Who answered; null for a probe that timed out (`*`). */
  address: string | null;
  rttMs: number | null;
  /** `!H`, `!N`, … when the answer was an ICMP unreachable of that kind. */
  annotation?: string;
}

export interface TraceLine {
  ttl: number;
  probes: TraceProbe[];
}

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const HOP_LINE = /^\s*(\d+)\s+(.*)$/;

/** Every hop line of traceroute's stdout; the header and anything else are skipped. */
export function parseTraceroute(stdout: string): TraceLine[] {
  const lines: TraceLine[] = [];
  for (const raw of stdout.split('\n')) {
    const m = HOP_LINE.exec(raw);
    if (!m) continue;
    const tokens = m[2].trim().split(/\s+/);
    const probes: TraceProbe[] = [];
    let address: string | null = null;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (t === '*') probes.push({ address: null, rttMs: null });
      else if (IPV4.test(t)) address = t;
      // Without -n: `name (address)`.
      else if (/^\(\d{1,3}(?:\.\d{1,3}){3}\)$/.test(t)) address = t.slice(1, -1);
      else if (/^\d+(?:\.\d+)?$/.test(t) && tokens[i + 1] === 'ms') {
        probes.push({ address, rttMs: Number(t) });
        i++;
      } else if (t.startsWith('!') && probes.length && probes[probes.length - 1].address !== null) probes[probes.length - 1].annotation = t;
      // Anything else (a hostname without -n, `<MPLS:…>` with -e) says nothing we use.
    }
    if (probes.length) lines.push({ ttl: Number(m[1]), probes });
  }
  return lines;
}

/** What the annotations mean, for the table's footnote (traceroute(8)). */
export const ANNOTATIONS: Readonly<Record<string, string>> = {
  '!H': 'host unreachable',
  '!N': 'network unreachable',
  '!P': 'protocol unreachable',
  '!S': 'source route failed',
  '!F': 'fragmentation needed',
  '!X': 'communication administratively prohibited',
  '!V': 'host precedence violation',
  '!C': 'precedence cutoff in effect',
};

export const describeAnnotation = (a: string): string => ANNOTATIONS[a.startsWith('!F') ? '!F' : a] ?? `ICMP unreachable code ${a.slice(1)}`;
