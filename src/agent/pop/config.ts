// Reads and checks pop.json once at start-up, so the hot path can trust every
// field. Missing health/tcp knobs fall back to the documented defaults.
import { readFile } from 'node:fs/promises';
import { isIPv4, isIPv6 } from 'node:net';
import type { PopAgentConfig, SoaFields } from '../../contract/agent.js';
import { type DEFAULT_SOA_TIMERS, defaultNameservers, defaultSoa, POP_PATHS } from '../../contract/agent.js';
import { PopAgentError } from './errors.js';

export const DEFAULT_HEALTH = { interval: 200, failures: 3, holdDown: 2000 } as const;
/** RFC 7766 §6.2.3 suggests idle timeouts of seconds, not minutes. */
export const DEFAULT_TCP = { idleTimeoutMs: 10_000, maxConnections: 1000 } as const;

/** Config path from argv[2], as both entry points take it. */
export const configPathFromArgv = (argv: readonly string[]): string => argv[2] ?? POP_PATHS.config;

export async function loadPopConfig(path: string): Promise<PopAgentConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new PopAgentError('CONFIG_READ', `cannot read PoP config ${path}: ${(cause as Error).message}`, { cause });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new PopAgentError('CONFIG_INVALID', `${path}: not valid JSON: ${(cause as Error).message}`, { cause });
  }
  return checkPopConfig(raw, path);
}

/** Validate and fill defaults; throws CONFIG_INVALID naming the file and field. */
export function checkPopConfig(raw: unknown, source = 'pop config'): PopAgentConfig {
  const fail = (field: string, want: string): never => {
    throw new PopAgentError('CONFIG_INVALID', `${source}: field "${field}" ${want}`);
  };
  if (typeof raw !== 'object' || raw === null) return fail('(root)', 'must be a JSON object');
  const o = raw as Record<string, unknown>;
  const str = (k: string): string => (typeof o[k] === 'string' && o[k] !== '' ? (o[k] as string) : fail(k, 'must be a non-empty string'));
  const ipv4 = (k: string): string => (isIPv4(str(k)) ? (o[k] as string) : fail(k, `must be an IPv4 address, got ${JSON.stringify(o[k])}`));
  const port = (k: string): number => {
    const v = o[k];
    return Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535 ? (v as number) : fail(k, 'must be a port number 0..65535');
  };
  const positive = (obj: Record<string, unknown>, k: string, field: string, dflt: number): number => {
    const v = obj[k];
    if (v === undefined) return dflt;
    return Number.isInteger(v) && (v as number) > 0 ? (v as number) : fail(field, 'must be a positive integer');
  };

  const pop = str('pop');
  // The PoP id travels as a TXT character-string and as NSID bytes.
  if (!/^[\x21-\x7e]{1,63}$/.test(pop)) fail('pop', 'must be 1-63 printable ASCII characters without spaces');
  const zone = normalizeZone(str('zone'));
  const asn = o.asn;
  if (!Number.isInteger(asn) || (asn as number) < 1 || (asn as number) > 4294967295) fail('asn', 'must be an integer 1..4294967295');
  const prefix = str('prefix');
  if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(prefix) || !isIPv4(prefix.split('/')[0])) fail('prefix', 'must be an IPv4 CIDR like 192.0.2.0/24');

  const records: Record<string, string> = {};
  const rawRecords = o.records ?? {};
  if (typeof rawRecords !== 'object' || rawRecords === null || Array.isArray(rawRecords)) fail('records', 'must be an object of name -> IPv4');
  for (const [name, addr] of Object.entries(rawRecords as Record<string, unknown>)) {
    if (typeof addr !== 'string' || !isIPv4(addr)) fail(`records["${name}"]`, 'must be an IPv4 address');
    const fq = name.endsWith('.') ? name : `${name}.`;
    if (!inZone(fq.toLowerCase(), zone)) fail(`records["${name}"]`, `is outside zone "${zone}": it would be answered REFUSED`);
    records[fq] = addr as string;
  }

  // Missing in a pop.json written before the apex had NS and SOA: the same defaults the lab file gets.
  const dnsAddress = ipv4('dnsAddress');
  let nameservers: string[];
  if (o.nameservers === undefined) {
    nameservers = defaultNameservers(zone, records, dnsAddress);
    for (const ns of nameservers) records[ns] ??= dnsAddress;
  } else {
    if (!Array.isArray(o.nameservers) || o.nameservers.length === 0) fail('nameservers', 'must be a non-empty array of names');
    nameservers = (o.nameservers as unknown[]).map((n, i) => {
      if (typeof n !== 'string' || n === '') return fail(`nameservers[${i}]`, 'must be a non-empty string');
      return n.endsWith('.') ? n.toLowerCase() : `${n.toLowerCase()}.`;
    });
  }
  const rawSoa = (typeof o.soa === 'object' && o.soa !== null ? o.soa : {}) as Record<string, unknown>;
  const dflt = defaultSoa(zone, nameservers);
  const soaName = (k: 'mname' | 'rname'): string => {
    const v = rawSoa[k];
    if (v === undefined) return dflt[k];
    return typeof v === 'string' && v !== '' ? v : fail(`soa.${k}`, 'must be a non-empty name');
  };
  const u32 = (k: keyof typeof DEFAULT_SOA_TIMERS): number => {
    const v = rawSoa[k];
    if (v === undefined) return dflt[k];
    return Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff ? (v as number) : fail(`soa.${k}`, 'must be an integer 0..4294967295');
  };
  const soa: SoaFields = {
    mname: soaName('mname'),
    rname: soaName('rname'),
    serial: u32('serial'),
    refresh: u32('refresh'),
    retry: u32('retry'),
    expire: u32('expire'),
    minimum: u32('minimum'),
  };

  const ipv6 = o.ipv6 === undefined ? undefined : checkIpv6(o.ipv6, zone, fail);

  const health = (typeof o.health === 'object' && o.health !== null ? o.health : {}) as Record<string, unknown>;
  const tcp = (typeof o.tcp === 'object' && o.tcp !== null ? o.tcp : {}) as Record<string, unknown>;
  return {
    pop,
    colo: str('colo'),
    asn: asn as number,
    prefix,
    dnsAddress,
    httpAddress: ipv4('httpAddress'),
    httpPort: port('httpPort'),
    streamPort: port('streamPort'),
    zone,
    records,
    nameservers,
    soa,
    health: {
      interval: positive(health, 'interval', 'health.interval', DEFAULT_HEALTH.interval),
      failures: positive(health, 'failures', 'health.failures', DEFAULT_HEALTH.failures),
      holdDown: positive(health, 'holdDown', 'health.holdDown', DEFAULT_HEALTH.holdDown),
    },
    tcp: {
      idleTimeoutMs: positive(tcp, 'idleTimeoutMs', 'tcp.idleTimeoutMs', DEFAULT_TCP.idleTimeoutMs),
      maxConnections: positive(tcp, 'maxConnections', 'tcp.maxConnections', DEFAULT_TCP.maxConnections),
    },
    ...(ipv6 ? { ipv6 } : {}),
  };
}

/** The dual-stack part: the /48 and its addresses, and AAAA records inside the zone. */
function checkIpv6(raw: unknown, zone: string, fail: (field: string, want: string) => never): NonNullable<PopAgentConfig['ipv6']> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('ipv6', 'must be an object');
  const o = raw as Record<string, unknown>;
  const addr = (k: string): string =>
    typeof o[k] === 'string' && isIPv6(o[k] as string) ? (o[k] as string) : fail(`ipv6.${k}`, `must be an IPv6 address, got ${JSON.stringify(o[k])}`);
  const prefix = o.prefix;
  const [net, len] = typeof prefix === 'string' ? prefix.split('/') : [];
  if (typeof prefix !== 'string' || !isIPv6(net ?? '') || !/^\d{1,3}$/.test(len ?? '') || Number(len) > 128)
    fail('ipv6.prefix', 'must be an IPv6 CIDR like 2001:db8::/48');
  const records: Record<string, string> = {};
  const rawRecords = o.records ?? {};
  if (typeof rawRecords !== 'object' || rawRecords === null || Array.isArray(rawRecords)) fail('ipv6.records', 'must be an object of name -> IPv6');
  for (const [name, a] of Object.entries(rawRecords as Record<string, unknown>)) {
    if (typeof a !== 'string' || !isIPv6(a)) fail(`ipv6.records["${name}"]`, 'must be an IPv6 address');
    const fq = name.endsWith('.') ? name : `${name}.`;
    if (!inZone(fq.toLowerCase(), zone)) fail(`ipv6.records["${name}"]`, `is outside zone "${zone}": it would be answered REFUSED`);
    records[fq] = a as string;
  }
  return { prefix: prefix as string, dnsAddress: addr('dnsAddress'), httpAddress: addr('httpAddress'), records };
}

/** "Lab" / "lab" / "lab." -> "lab." (lower case, one trailing dot). */
export function normalizeZone(zone: string): string {
  const z = zone.toLowerCase().replace(/\.+$/, '');
  return z === '' ? '.' : `${z}.`;
}

/** Both arguments lower case and fully qualified. */
export function inZone(fqdn: string, zone: string): boolean {
  return zone === '.' || fqdn === zone || fqdn.endsWith(`.${zone}`);
}
