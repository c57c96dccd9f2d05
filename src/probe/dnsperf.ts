// What dnsperf 2.x prints, as data. Pure. dnsperf 2.10 has no latency
// histogram option, so percentiles come from its -v lines
// (`> NOERROR anycast.lab A 0.000404`: RCODE, name, type, seconds).

export interface DnsperfSummary {
  sent: number;
  completed: number;
  lost: number;
  qps: number;
  runS: number;
  /** RCODE name -> count. */
  rcodes: Record<string, number>;
  latency: { avgMs: number; minMs: number; maxMs: number; stddevMs: number };
}

export interface Percentiles {
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
}

const num = (text: string, re: RegExp, what: string): number => {
  const m = re.exec(text);
  if (!m) throw new Error(`dnsperf output has no "${what}" line; is it dnsperf 2.x? Got:\n${text.slice(0, 2000)}`);
  return Number(m[1]);
};

export function parseDnsperfSummary(text: string): DnsperfSummary {
  const rcodes: Record<string, number> = {};
  const rc = /^\s*Response codes:\s*(.*)$/m.exec(text);
  for (const m of (rc?.[1] ?? '').matchAll(/([A-Z0-9]+) (\d+) \(/g)) rcodes[m[1]] = Number(m[2]);
  const lat = /^\s*Average Latency \(s\):\s*([\d.]+) \(min ([\d.]+), max ([\d.]+)\)/m.exec(text);
  if (!lat) throw new Error(`dnsperf output has no "Average Latency" line:\n${text.slice(0, 2000)}`);
  return {
    sent: num(text, /^\s*Queries sent:\s*(\d+)/m, 'Queries sent'),
    completed: num(text, /^\s*Queries completed:\s*(\d+)/m, 'Queries completed'),
    lost: num(text, /^\s*Queries lost:\s*(\d+)/m, 'Queries lost'),
    qps: num(text, /^\s*Queries per second:\s*([\d.]+)/m, 'Queries per second'),
    runS: num(text, /^\s*Run time \(s\):\s*([\d.]+)/m, 'Run time'),
    rcodes,
    latency: {
      avgMs: Number(lat[1]) * 1000,
      minMs: Number(lat[2]) * 1000,
      maxMs: Number(lat[3]) * 1000,
      stddevMs: num(text, /^\s*Latency StdDev \(s\):\s*([\d.]+)/m, 'Latency StdDev') * 1000,
    },
  };
}

/** Latencies in seconds from `dnsperf -v` query lines. */
export function verboseLatencies(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(/^> \S+ \S+ \S+ ([\d.]+)$/gm)) out.push(Number(m[1]));
  return out;
}

/** The last column of those lines alone (`awk '/^> / {print $NF}'`), one number per line. */
export function latencyColumn(text: string): number[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^[\d.]+$/.test(l))
    .map(Number);
}

/** Nearest-rank percentiles (ms; the epsilon keeps 99.9 % of 1000 at rank 999, not 1000) of latencies given in seconds; null for no samples. */
export function percentiles(latenciesS: number[]): Percentiles | null {
  if (!latenciesS.length) return null;
  const sorted = Float64Array.from(latenciesS).sort();
  const at = (p: number) => round3(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p * sorted.length) / 100 - 1e-9) - 1))] * 1000);
  return { p50Ms: at(50), p90Ms: at(90), p99Ms: at(99), p999Ms: at(99.9) };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
