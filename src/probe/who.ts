// `lab who`: which PoP answers each client, asked four ways from inside the
// client (dig over UDP and TCP, NSID, the HTTP trace). Pure: the commands to
// run, parsers for what dig and curl print, and the table.
import type { Family } from '../topology/model.js';
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
  /** Dual-stack labs: the same four questions asked of the IPv6 addresses (the fields above are IPv4's). */
  ipv6?: WhoFamilyRow;
  /**
   * Dual-stack labs: the client's two families land on different PoPs (UDP
   * DNS). On purpose when the lab file says so (`expect6:`); otherwise the
   * IPv6 routing differs from the IPv4 one where nobody meant it to.
   */
  familiesDiffer?: boolean;
}

/** One family's answers for a client: what whoRow returns, without the client and the serial. */
export type WhoFamilyRow = Omit<WhoRow, 'client' | 'serial' | 'serialDiffers' | 'ipv6' | 'familiesDiffer'>;

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
    http: t.httpAddress.includes(':')
      ? // An IPv6 literal goes in brackets (RFC 3986 §3.2.2); -g so curl does not read them as a glob range.
        ['curl', '-sS', '-g', '--max-time', '3', `http://[${t.httpAddress}]/cdn-cgi/trace`]
      : ['curl', '-sS', '--max-time', '3', `http://${t.httpAddress}/cdn-cgi/trace`],
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

/** A dual-stack client's row: IPv4's answers, IPv6's beside them, and whether the two families land on different PoPs. */
export function withIpv6(row: WhoRow, v6: WhoFamilyRow): WhoRow {
  const differ = row.udp !== null && v6.udp !== null && row.udp !== v6.udp;
  return { ...row, ipv6: v6, familiesDiffer: differ };
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

/**
 * For people: one line per client (two on a dual-stack lab: ipv4, ipv6); a
 * `!` marks a channel that differs from the catchment, or a serial that
 * differs from the others.
 */
export function renderWhoTable(r: WhoReport): string {
  if (!r.clients.length) return `lab ${r.lab} has no clients`;
  const dual = r.clients.some((c) => c.ipv6);
  const cell = (v: string | null, expected: string | null) => `${v ?? '-'}${expected !== null && v !== expected ? '!' : ''}`;
  const head = ['client', ...(dual ? ['family'] : []), 'udp', 'tcp', 'nsid', 'http', 'expected', 'serial', ''];
  const line = (c: WhoRow, f: WhoFamilyRow, family: string | undefined, serial: string) => [
    family === 'ipv6' ? '' : c.client,
    ...(family ? [family] : []),
    ...WHO_CHANNELS.map((ch) => cell(f[ch], f.expected)),
    f.expected ?? '-',
    serial,
    f.matches && !c.serialDiffers ? 'ok' : 'DIFFERS',
  ];
  const rows = r.clients.flatMap((c) => {
    const serial = `${c.serial ?? '-'}${c.serialDiffers ? '!' : ''}`;
    if (!dual) return [line(c, c, undefined, serial)];
    return [line(c, c, 'ipv4', serial), ...(c.ipv6 ? [line(c, c.ipv6, 'ipv6', '')] : [])];
  });
  const lines = [`lab ${r.lab}: which PoP answers each client${dual ? ', per family' : ''}`, formatTable(head, rows, [], { rule: false })];
  const stale = r.clients.filter((c) => c.serialDiffers);
  if (stale.length) {
    lines.push('', `${stale.length} of ${r.clients.length} clients see a different SOA serial: the PoP answering them serves another version of the zone:`);
    for (const c of stale) lines.push(`  ${c.client}: serial ${c.serial} from ${c.udp ?? 'an unknown PoP'}`);
  }
  const split = r.clients.filter((c) => c.familiesDiffer);
  if (split.length) {
    lines.push('', `${split.length} of ${r.clients.length} clients land on different PoPs over IPv4 and IPv6:`);
    for (const c of split) {
      const meant = c.ipv6?.expected !== null && c.ipv6?.expected !== c.expected;
      lines.push(
        `  ${c.client}: ipv4 ${c.udp}, ipv6 ${c.ipv6?.udp}${meant ? ' (expect6 in the lab file says so)' : ' (the lab file expects the same PoP for both)'}`,
      );
    }
  }
  const bad = r.clients.flatMap((c) => [
    ...(c.matches ? [] : [{ c, f: c as WhoFamilyRow, family: dual ? ' ipv4' : '', key: 'expect.pop' }]),
    ...(c.ipv6 && !c.ipv6.matches ? [{ c, f: c.ipv6, family: ' ipv6', key: 'expect6.pop' }] : []),
  ]);
  if (bad.length) {
    const what = dual ? 'client families' : 'clients';
    lines.push(
      '',
      `${bad.length} of ${r.clients.length * (dual ? 2 : 1)} ${what} differ from ${dual ? 'expect.pop / expect6.pop' : 'expect.pop'} in the lab file (! marks the channel):`,
    );
    for (const { c, f, family, key } of bad) {
      const why = Object.entries(f.errors ?? {}).map(([ch, e]) => `${ch}: ${e}`);
      lines.push(
        `  ${c.client}${family}: expected ${f.expected ?? (dual ? `(no ${key} in the lab file)` : '(none in the lab file)')}${why.length ? `; ${why.join('; ')}` : ''}`,
      );
    }
  }
  return lines.join('\n');
}

const lastLine = (s: string): string => s.trim().split('\n').pop()?.trim() ?? '';

/**
 * A dual-stack poll holds both families in one Catchment (so one settle
 * watches both, and one dashboard read carries both): IPv4 under the client's name, IPv6 under this key.
 */
export const familyKey = (client: string, family: Family): string => (family === 'ipv4' ? client : `${client}/${family}`);
