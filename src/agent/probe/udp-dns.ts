import dgram from 'node:dgram';
import net from 'node:net';
import type { Outcome } from '../../contract/sample.js';
import { KindCounters, type ProbeContext, type Prober } from './context.js';
import { decodeChaosResponse, encodeChaosQuery, popOf, queryIdOf } from './dns-wire.js';
import { InFlight } from './in-flight.js';
import { errorDetail, outcomeOfError } from './outcome.js';
import { type FixedRate, startFixedRate } from './schedule.js';

interface Pending {
  slot: number;
  sentMs: number;
  timer: NodeJS.Timeout;
}

/**
 * CHAOS TXT hostname.bind over UDP from one socket, a new query id per probe.
 * The socket is connect()ed: Linux only reports ICMP errors (port/host
 * unreachable) to connected UDP sockets, and without them a withdrawn route
 * looks like a plain timeout.
 */
export async function startUdpDns(ctx: ProbeContext): Promise<Prober> {
  const { config, now, emit } = ctx;
  const { address, port } = config.dns;
  const counters = new KindCounters();
  const inFlight = new InFlight();
  const pending = new Map<number, Pending>();
  let nextId = Math.floor(Math.random() * 0x10000);
  let lateAnswers = 0;

  const socket = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    // Node hands a connect failure (e.g. ENETUNREACH: no route yet) to this callback.
    socket.connect(port, address, (err?: Error) => {
      if (!err) return resolve();
      socket.close();
      reject(new Error(`UDP connect to ${address}:${port}: ${errorDetail(err)}`, { cause: err }));
    });
  });

  const settle = (id: number, outcome: Outcome, extra: { recvMs?: number; pop?: string; detail?: string }): void => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    clearTimeout(p.timer);
    const sample = {
      client: config.client,
      kind: 'udp-dns' as const,
      seq: p.slot,
      sentMs: p.sentMs,
      ...(extra.recvMs !== undefined ? { recvMs: extra.recvMs, rttMs: extra.recvMs - p.sentMs } : {}),
      ...(extra.pop !== undefined ? { pop: extra.pop } : {}),
      outcome,
      ...(extra.detail !== undefined ? { detail: extra.detail } : {}),
    };
    counters.record(sample);
    emit(sample);
    inFlight.done();
  };

  socket.on('message', (msg) => {
    const recvMs = now();
    const id = queryIdOf(msg);
    if (id === undefined || !pending.has(id)) {
      lateAnswers++;
      return;
    }
    try {
      const answer = decodeChaosResponse(msg);
      const pop = popOf(answer);
      if (answer.rcode !== 0 || pop === undefined) {
        settle(id, 'error', { recvMs, detail: answer.rcode !== 0 ? `rcode=${answer.rcode}` : 'no TXT or NSID in answer' });
      } else settle(id, 'ok', { recvMs, pop });
    } catch (err) {
      settle(id, 'error', { recvMs, detail: errorDetail(err) });
    }
  });
  // An ICMP error cannot be tied to one query; it answers the oldest one in
  // flight, which is the one whose datagram most likely triggered it.
  socket.on('error', (err) => {
    const oldest = pending.keys().next();
    if (!oldest.done) settle(oldest.value, outcomeOfError(err), { recvMs: now(), detail: errorDetail(err) });
  });

  const send = (slot: number): void => {
    while (pending.has(nextId)) nextId = (nextId + 1) & 0xffff;
    const id = nextId;
    nextId = (nextId + 1) & 0xffff;
    const sentMs = now();
    const timer = setTimeout(() => settle(id, 'timeout', {}), config.udpTimeoutMs);
    pending.set(id, { slot, sentMs, timer });
    inFlight.add();
    counters.sent++;
    socket.send(encodeChaosQuery(id), (err) => {
      if (err) settle(id, outcomeOfError(err), { recvMs: now(), detail: errorDetail(err) });
    });
  };

  const schedule: FixedRate = startFixedRate({ intervalMs: config.udpIntervalMs, now, onTick: send });
  return {
    stop: () => schedule.stop(),
    async finish(deadlineMs) {
      await inFlight.drained(deadlineMs);
      for (const p of pending.values()) clearTimeout(p.timer);
      socket.close();
    },
    summary: () => counters.summary(config.udpIntervalMs, schedule),
    lateAnswers: () => lateAnswers,
  };
}
