// `lab who`: which PoP answers each client, asked four ways from inside the
// client (dig over UDP and TCP, NSID, the HTTP trace). Pure: the commands to
// run, parsers for what dig and curl print, and the table.
import { chaosDig, parseShortTxt } from '../util/chaos-dig.js';
import { formatTable } from '../util/format.js';

export type WhoChannel = 'udp' | 'tcp' | 'nsid' | 'http';
export const WHO_CHANNELS: readonly WhoChannel[] = ['udp', 'tcp', 'nsid', 'http'];

export interface WhoTargets {
  dnsAddress: string;
  httpAddress: string;
}

/**
 * The SOA serial of the zone as the client's PoP serves it. Every instance
 * behind the one address must serve the same zone; a PoP restarted with an
 * older one shows up as the client whose serial differs.
 */
export function soaSerialCommand(dnsAddress: string, zone: string, timeoutS = 2): string[] {
  return ['dig', '+tries=1', `+time=${timeoutS}`, '+norec', `@${dnsAddress}`, zone, 'SOA', '+short'];
}

/** `dig +short SOA`: "ns.lab. hostmaster.lab. 2026120601 14400 3600 1209600 300" -> 2026120601. */
export function parseSoaSerial(stdout: string): number | null {
  for (const line of stdout.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length === 7 && /^\d+$/.test(f[2])) return Number(f[2]);
  }
  return null;
}

export interface WhoRow {
  client: string;
  udp: string | null;
  tcp: string | null;
  nsid: string | null;
  http: string | null;
  /** `expect.pop` from the lab file; null when the file names none. */
  expected: string | null;
  /** Every channel answered, and from the expected PoP. */
  matches: boolean;
  /** SOA serial of the zone from the answering PoP; null when it did not say. */
  serial?: number | null;
  /** The serial differs from the one most other clients see (markSerialMismatch). */
  serialDiffers?: boolean;
  /** Per channel: why there is no answer (dig's or curl's last words). */
  errors?: Partial<Record<WhoChannel, string>>;
}

export interface WhoReport {
  lab: string;
  clients: WhoRow[];
}

/**
 * argv to run in the client for each channel. One try, short deadline: a PoP
 * that does not answer within `timeoutS` (default 2 s) is the answer.
 */
export function whoCommands(t: WhoTargets, timeoutS = 2, source?: string): Record<WhoChannel, string[]> {
  // `source`: the address dig sends from (a PoP tracing from its anycast address, `trace`).
  const DIG = ['dig', '+tries=1', `+time=${timeoutS}`, ...(source ? ['-b', source] : [])];
  return {
    udp: chaosDig(t.dnsAddress, { timeoutS, source }),
    tcp: chaosDig(t.dnsAddress, { timeoutS, source, tcp: true }),
    // Full output: +short hides the OPT pseudosection that carries NSID.
    nsid: [...DIG, '+nsid', '+norec', `@${t.dnsAddress}`, 'id.server', 'CH', 'TXT'],
    http: ['curl', '-sS', '--max-time', '3', `http://${t.httpAddress}/cdn-cgi/trace`],
  };
}

/**
 * The NSID dig prints in the OPT pseudosection. dig 9.18 writes hex and, when
 * printable, the text: `; NSID: 66 72 61 ("fra")`; older digs only the hex.
 */
export function parseDigNsid(stdout: string): string | null {
  const m = /^; NSID: ([0-9a-fA-F ]*?)\s*(?:\("(.*)"\))?\s*$/m.exec(stdout);
  if (!m) return null;
  if (m[2] !== undefined) return m[2];
  const hex = m[1].replace(/\s+/g, '');
  return hex ? Buffer.from(hex, 'hex').toString('latin1') : null;
}

/** `key=value` lines of a /cdn-cgi/trace body. */
export function parseTraceBody(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of body.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

export interface ChannelOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The PoP a channel's output names, or the reason it names none. */
export function answerOf(channel: WhoChannel, out: ChannelOutput): { pop: string | null; error?: string } {
  const pop = channel === 'nsid' ? parseDigNsid(out.stdout) : channel === 'http' ? (parseTraceBody(out.stdout).pop ?? null) : parseShortTxt(out.stdout);
  if (pop !== null && out.exitCode === 0) return { pop };
  const said =
    lastLine(out.stderr) ||
    lastLine(
      out.stdout
        .split('\n')
        .filter((l) => /timed out|error|refused|unreachable/i.test(l))
        .join('\n'),
    );
  return { pop: null, error: said || `exit ${out.exitCode}, no PoP in the output` };
}

export function whoRow(client: string, expected: string | null, answers: Record<WhoChannel, { pop: string | null; error?: string }>): WhoRow {
  const errors: Partial<Record<WhoChannel, string>> = {};
  for (const ch of WHO_CHANNELS) if (answers[ch].error) errors[ch] = answers[ch].error;
  const pops = WHO_CHANNELS.map((ch) => answers[ch].pop);
  return {
    client,
    udp: answers.udp.pop,
    tcp: answers.tcp.pop,
    nsid: answers.nsid.pop,
    http: answers.http.pop,
    expected,
    matches: expected !== null && pops.every((p) => p === expected),
    ...(Object.keys(errors).length ? { errors } : {}),
  };
}

/**
 * Flags each row whose serial differs from the serial most clients see
 * (ties: the highest, the newer zone). Rows without a serial are left alone.
 */
export function markSerialMismatch(rows: WhoRow[]): WhoRow[] {
  const counts = new Map<number, number>();
  for (const r of rows) if (typeof r.serial === 'number') counts.set(r.serial, (counts.get(r.serial) ?? 0) + 1);
  if (counts.size < 2) return rows;
  const [common] = [...counts].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0];
  return rows.map((r) => (typeof r.serial === 'number' && r.serial !== common ? { ...r, serialDiffers: true } : r));
}

/** For people: one line per client; a `!` marks a channel that differs from the catchment, or a serial that differs from the others. */
export function renderWhoTable(r: WhoReport): string {
  if (!r.clients.length) return `lab ${r.lab} has no clients`;
  const cell = (v: string | null, expected: string | null) => `${v ?? '-'}${expected !== null && v !== expected ? '!' : ''}`;
  const head = ['client', 'udp', 'tcp', 'nsid', 'http', 'expected', 'serial', ''];
  const rows = r.clients.map((c) => [
    c.client,
    ...WHO_CHANNELS.map((ch) => cell(c[ch], c.expected)),
    c.expected ?? '-',
    `${c.serial ?? '-'}${c.serialDiffers ? '!' : ''}`,
    c.matches && !c.serialDiffers ? 'ok' : 'DIFFERS',
  ]);
  const lines = [`lab ${r.lab}: which PoP answers each client`, formatTable(head, rows, [], { rule: false })];
  const stale = r.clients.filter((c) => c.serialDiffers);
  if (stale.length) {
    lines.push('', `${stale.length} of ${r.clients.length} clients see a different SOA serial: the PoP answering them serves another version of the zone:`);
    for (const c of stale) lines.push(`  ${c.client}: serial ${c.serial} from ${c.udp ?? 'an unknown PoP'}`);
  }
  const bad = r.clients.filter((c) => !c.matches);
  if (bad.length) {
    lines.push('', `${bad.length} of ${r.clients.length} clients differ from expect.pop in the lab file (! marks the channel):`);
    for (const c of bad) {
      const why = Object.entries(c.errors ?? {}).map(([ch, e]) => `${ch}: ${e}`);
      lines.push(`  ${c.client}: expected ${c.expected ?? '(none in the lab file)'}${why.length ? `; ${why.join('; ')}` : ''}`);
    }
  }
  return lines.join('\n');
}

const lastLine = (s: string): string => s.trim().split('\n').pop()?.trim() ?? '';
