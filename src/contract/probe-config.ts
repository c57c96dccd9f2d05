// The probe agent's configuration: one JSON object on argv, validated up
// front so a typo fails at start with the field name, not mid-experiment.

export interface Endpoint {
  address: string;
  port: number;
}

/** Where one family's probes go: the DNS responder, the HTTP trace and the stream port. */
export interface FamilyEndpoints {
  dns: Endpoint;
  http: Endpoint;
  stream: Endpoint;
}

export interface ProbeConfig extends FamilyEndpoints {
  client: string;
  /**
   * Dual-stack labs: the IPv6 endpoints. Every prober then runs twice, once
   * per family, at the same rates: a catchment or a failover can differ by
   * family, so each needs the same resolution to be compared.
   */
  ipv6?: FamilyEndpoints;
  /** 0 disables the kind. */
  udpIntervalMs: number;
  tcpIntervalMs: number;
  httpIntervalMs: number;
  /** Long-lived TCP streams kept open at once. */
  streams: number;
  /** Per-probe deadline for TCP DNS and HTTP (connect + answer). */
  timeoutMs: number;
  /**
   * UDP deadline. Shorter than the TCP one: with a probe every 10 ms a lost
   * answer is already visible as a gap, and 500 ms bounds how many queries are
   * in flight (50) — far below the 65536 query ids.
   */
  udpTimeoutMs: number;
  /** A stream with no line for this long is declared dead (the server writes every 100 ms). */
  streamIdleMs: number;
  /** Pause before reconnecting an ended stream, so a refused connect does not spin. */
  reconnectDelayMs: number;
  /** 0 = run until SIGTERM/SIGINT or stdin closes. */
  durationMs: number;
  /** How often buffered samples are written to stdout. */
  flushMs: number;
}

export class ProbeConfigError extends Error {
  readonly code = 'PROBE_CONFIG';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProbeConfigError';
  }
}

export const PROBE_DEFAULTS = {
  udpIntervalMs: 10,
  tcpIntervalMs: 100,
  httpIntervalMs: 200,
  streams: 2,
  timeoutMs: 1000,
  udpTimeoutMs: 500,
  streamIdleMs: 1000,
  reconnectDelayMs: 100,
  durationMs: 0,
  flushMs: 50,
} as const;

const DEFAULT_PORTS = { dns: 53, http: 80, stream: 7000 } as const;

/** Parses the argv JSON (or an already parsed object) into a complete config. */
export function parseProbeConfig(input: unknown): ProbeConfig {
  let raw = input;
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch (cause) {
      throw new ProbeConfigError(`Expected the probe config to be JSON: ${(cause as Error).message}`, { cause });
    }
  }
  if (!isObject(raw)) throw new ProbeConfigError('Expected the probe config to be a JSON object');

  const client = raw.client;
  if (typeof client !== 'string' || client === '') {
    throw new ProbeConfigError('Expected `client` to be a non-empty string');
  }
  const num = (key: keyof typeof PROBE_DEFAULTS, min: number): number => {
    const v = raw[key] ?? PROBE_DEFAULTS[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
      throw new ProbeConfigError(`Expected \`${key}\` to be a number >= ${min}, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  const timeoutMs = num('timeoutMs', 1);
  if (raw.ipv6 !== undefined && !isObject(raw.ipv6)) throw new ProbeConfigError('Expected `ipv6` to be an object with dns, http and stream');
  return {
    client,
    ...endpoints(raw),
    ...(isObject(raw.ipv6) ? { ipv6: endpoints(raw.ipv6, 'ipv6.') } : {}),
    udpIntervalMs: num('udpIntervalMs', 0),
    tcpIntervalMs: num('tcpIntervalMs', 0),
    httpIntervalMs: num('httpIntervalMs', 0),
    streams: Math.floor(num('streams', 0)),
    timeoutMs,
    udpTimeoutMs: num('udpTimeoutMs', 1),
    streamIdleMs: raw.streamIdleMs === undefined ? timeoutMs : num('streamIdleMs', 1),
    reconnectDelayMs: num('reconnectDelayMs', 0),
    durationMs: num('durationMs', 0),
    flushMs: num('flushMs', 1),
  };
}

function endpoints(raw: Record<string, unknown>, path = ''): FamilyEndpoints {
  return { dns: endpoint(raw, 'dns', path), http: endpoint(raw, 'http', path), stream: endpoint(raw, 'stream', path) };
}

function endpoint(raw: Record<string, unknown>, key: keyof typeof DEFAULT_PORTS, path: string): Endpoint {
  const v = raw[key];
  const family = path === 'ipv6.' ? 'IPv6' : 'IPv4';
  if (!isObject(v) || typeof v.address !== 'string' || v.address === '') {
    throw new ProbeConfigError(`Expected \`${path}${key}.address\` to be an ${family} address string`);
  }
  const port = v.port ?? DEFAULT_PORTS[key];
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ProbeConfigError(`Expected \`${path}${key}.port\` to be an integer 1..65535, got ${JSON.stringify(port)}`);
  }
  return { address: v.address, port };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
