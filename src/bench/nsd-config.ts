// NSD configuration and zone for the responder benchmark: the same names and
// A records as the PoP responder, identity and NSID set like ours. Pure.

export interface NsdBenchOptions {
  address: string;
  /** PoP id: hostname.bind/id.server and NSID answer it, as ours do. */
  identity: string;
  dir: string;
  zone: string;
  records: Record<string, string>;
  /** Only when NSD was built with --enable-ratelimit; the option is an error otherwise. */
  rrl: boolean;
}

export function renderNsdConf(o: NsdBenchOptions): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = [
    'server:',
    `  ip-address: ${o.address}`,
    '  port: 53',
    // One server process, like our single-threaded responder on one core.
    '  server-count: 1',
    '  username: ""',
    '  chroot: ""',
    `  identity: ${q(o.identity)}`,
    `  nsid: ${q(`ascii_${o.identity}`)}`,
    // RRL would rate-limit the benchmark's identical queries from one client.
    ...(o.rrl ? ['  rrl-ratelimit: 0'] : []),
    '  database: ""',
    `  zonesdir: ${q(o.dir)}`,
    `  zonelistfile: ${q(`${o.dir}/zone.list`)}`,
    `  xfrdfile: ${q(`${o.dir}/xfrd.state`)}`,
    `  pidfile: ${q(`${o.dir}/nsd.pid`)}`,
    `  logfile: ${q(`${o.dir}/nsd.log`)}`,
    '  verbosity: 1',
    'remote-control:',
    '  control-enable: no',
    'zone:',
    `  name: ${q(o.zone)}`,
    '  zonefile: "bench.zone"',
  ];
  return `${lines.join('\n')}\n`;
}

export function renderNsdZone(o: Pick<NsdBenchOptions, 'zone' | 'records' | 'identity'>): string {
  const apex = o.zone.endsWith('.') ? o.zone : `${o.zone}.`;
  const lines = [
    `$ORIGIN ${apex}`,
    '$TTL 5',
    `@ IN SOA ns.${apex} hostmaster.${apex} 1 3600 600 86400 5`,
    `@ IN NS ns.${apex}`,
    ...Object.entries(o.records).map(([name, ip]) => `${name.endsWith('.') ? name : `${name}.`} IN A ${ip}`),
    // Ours synthesises whoami per client; a static TXT keeps the query mix answerable.
    `whoami.${apex} IN TXT "pop=${o.identity}"`,
  ];
  return `${lines.join('\n')}\n`;
}

/** dnsperf input: every A record plus whoami TXT, in file order (dnsperf loops it). */
export function benchQueryFile(zone: string, records: Record<string, string>): string {
  const apex = zone.endsWith('.') ? zone : `${zone}.`;
  const a = Object.keys(records).map((n) => `${n.replace(/\.$/, '')} A`);
  return `${[...a, `whoami.${apex.replace(/\.$/, '')} TXT`].join('\n')}\n`;
}
