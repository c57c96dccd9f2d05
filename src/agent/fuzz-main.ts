// Entry bundled to /opt/anycast-lab/fuzz.mjs, run in a client container:
//   node fuzz.mjs [--target 192.0.2.53] [--udp 10000] [--tcp 10000] [--idle 1000] …
// Fires fuzzPackets at a PoP over UDP and TCP, sends well-formed queries from
// --sport0-port (which the orchestrator's nftables rule rewrites to source
// port 0), holds idle TCP connections, then checks the PoP still answers.
// One JSON summary on stdout; exit 0 unless the arguments are wrong.

import { createSocket } from 'node:dgram';
import type { Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { tcpExchange, udpExchange } from './pop/exchange.js';
import type { FuzzKind, FuzzPacket } from './pop/fuzz.js';
import { FUZZ_KINDS, fuzzPackets } from './pop/fuzz.js';
import { fireTcp, fireUdp, openIdleTcp } from './pop/fuzz-fire.js';
import { hostnameBindQuery, readHeader } from './pop/query.js';

/** Over the 1500-byte MTU: the datagram leaves in IP fragments, for which the kernel computes the UDP checksum in software (no offload), after the nftables rewrite. */
const OVERSIZE_BYTES = 1600;

export interface FuzzSummary {
  target: string;
  port: number;
  seed: number;
  udp: { sent: number; replies: number; ms: number; kinds: Partial<Record<FuzzKind, number>> };
  sport0: { port: number; sent: number; oversize: number; replies: number };
  tcp: { sent: number; replies: number; connections: number; ms: number; kinds: Partial<Record<FuzzKind, number>> };
  idle: { requested: number; opened: number; openAfterHold: number; holdMs: number };
  /** A well-formed query once the fuzzing is over: the RCODE name, or null without an answer. */
  after: { udp: string | null; tcp: string | null };
  wallMs: number;
}

const usage =
  'usage: node fuzz.mjs [--target ADDR] [--port N] [--udp N] [--tcp N] [--idle N] [--hold-ms MS] [--sport0-port N] [--sport0-count N] [--burst N] [--seed N]';

function options() {
  const { values } = parseArgs({
    options: {
      target: { type: 'string', default: '192.0.2.53' },
      port: { type: 'string', default: '53' },
      udp: { type: 'string', default: '10000' },
      tcp: { type: 'string', default: '10000' },
      idle: { type: 'string', default: '1000' },
      'hold-ms': { type: 'string', default: '3000' },
      'sport0-port': { type: 'string', default: '40000' },
      'sport0-count': { type: 'string', default: '200' },
      // Datagrams per millisecond pause: ~20 per ms keeps a responder on one
      // busy core from overflowing its socket buffer, so every packet counts.
      burst: { type: 'string', default: '20' },
      seed: { type: 'string', default: String(0xd15ea5e) },
      'good-name': { type: 'string', default: 'anycast.lab' },
    },
    strict: true,
  });
  const int = (k: keyof typeof values, min: number): number => {
    const n = Number(values[k]);
    if (!Number.isInteger(n) || n < min) throw new Error(`Expected --${k} to be an integer >= ${min}, got ${JSON.stringify(values[k])}\n${usage}`);
    return n;
  };
  return {
    target: String(values.target),
    port: int('port', 1),
    udp: int('udp', 0),
    tcp: int('tcp', 0),
    idle: int('idle', 0),
    holdMs: int('hold-ms', 0),
    sport0Port: int('sport0-port', 1),
    sport0Count: int('sport0-count', 0),
    burst: int('burst', 1),
    seed: int('seed', 0),
    goodName: String(values['good-name']),
  };
}

/** Counts kinds while passing the packets through. */
function* counted(packets: Iterable<FuzzPacket>, kinds: Partial<Record<FuzzKind, number>>): Generator<FuzzPacket> {
  for (const p of packets) {
    kinds[p.kind] = (kinds[p.kind] ?? 0) + 1;
    yield p;
  }
}

const TCP_PER_CONNECTION = 50;
const HEADER_BYTES = 12;

/**
 * A frame shorter than a DNS header leaves no ID to answer and means the
 * stream's framing cannot be trusted, so the responder closes the connection
 * (dns-tcp.ts): put such frames last in their connection's batch, or every
 * frame after them would be written but never read.
 */
function shortFramesLast(packets: FuzzPacket[], perConnection: number): FuzzPacket[] {
  const out: FuzzPacket[] = [];
  for (let i = 0; i < packets.length; i += perConnection) {
    const batch = packets.slice(i, i + perConnection);
    out.push(...batch.filter((p) => p.bytes.length >= HEADER_BYTES), ...batch.filter((p) => p.bytes.length < HEADER_BYTES));
  }
  return out;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];
const rcodeOf = (b: Buffer | null | undefined): string | null => (b && b.length >= 12 ? (RCODES[readHeader(b).rcode] ?? String(readHeader(b).rcode)) : null);

/** Well-formed CHAOS queries from a fixed port; every 10th one oversize. */
async function sendFromPort(target: string, port: number, fromPort: number, count: number): Promise<FuzzSummary['sport0']> {
  const s = createSocket('udp4');
  let replies = 0;
  s.on('message', () => void replies++);
  s.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(fromPort, () => resolve());
  });
  let oversize = 0;
  for (let i = 0; i < count; i++) {
    const q = hostnameBindQuery(i);
    // Trailing bytes after the question are ignored by a responder (the fuzz kind "trailing-garbage").
    const big = i % 10 === 9;
    if (big) oversize++;
    await new Promise<void>((r) => s.send(big ? Buffer.concat([q, Buffer.alloc(OVERSIZE_BYTES)]) : q, port, target, () => r()));
    if (i % 20 === 19) await pause(1);
  }
  await pause(500);
  s.close();
  return { port: fromPort, sent: count, oversize, replies };
}

async function main(): Promise<void> {
  const o = options();
  const t0 = performance.now();
  const good = hostnameBindQuery(4242);

  const udpKinds: Partial<Record<FuzzKind, number>> = {};
  let t = performance.now();
  const udp = await fireUdp(o.target, o.port, counted(fuzzPackets({ count: o.udp, seed: o.seed, goodName: o.goodName }), udpKinds), {
    burst: o.burst,
    settleMs: 500,
  });
  const udpMs = Math.round(performance.now() - t);

  const sport0 = await sendFromPort(o.target, o.port, o.sport0Port, o.sport0Count);

  const tcpKinds: Partial<Record<FuzzKind, number>> = {};
  t = performance.now();
  const tcpPackets = shortFramesLast([...counted(fuzzPackets({ count: o.tcp, seed: o.seed + 1, goodName: o.goodName }), tcpKinds)], TCP_PER_CONNECTION);
  const tcp = await fireTcp(o.target, o.port, tcpPackets, { perConnection: TCP_PER_CONNECTION, timeoutMs: 10_000 });
  const tcpMs = Math.round(performance.now() - t);

  let sockets: Socket[] = [];
  let opened = 0;
  let openAfterHold = 0;
  try {
    sockets = await openIdleTcp(o.target, o.port, o.idle);
    opened = sockets.filter(isOpen).length;
    await pause(o.holdMs);
    openAfterHold = sockets.filter(isOpen).length;
  } finally {
    for (const s of sockets) s.destroy();
  }

  const after = {
    udp: rcodeOf(await udpExchange(o.target, o.port, good, 2000)),
    tcp: rcodeOf((await tcpExchange(o.target, o.port, [good], { timeoutMs: 3000 }).catch(() => []))[0]),
  };
  const summary: FuzzSummary = {
    target: o.target,
    port: o.port,
    seed: o.seed,
    udp: { sent: udp.sent, replies: udp.replies, ms: udpMs, kinds: sortKinds(udpKinds) },
    sport0,
    tcp: { sent: tcp.sent, replies: tcp.replies, connections: tcp.connections ?? 0, ms: tcpMs, kinds: sortKinds(tcpKinds) },
    idle: { requested: o.idle, opened, openAfterHold, holdMs: o.holdMs },
    after,
    wallMs: Math.round(performance.now() - t0),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

const isOpen = (s: Socket): boolean => !s.destroyed && s.readyState === 'open';
const sortKinds = (k: Partial<Record<FuzzKind, number>>) => Object.fromEntries(FUZZ_KINDS.filter((x) => k[x]).map((x) => [x, k[x]]));

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`fuzz: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  },
);
