// Everything a PoP serves on the anycast prefix, in one process: DNS over
// UDP and TCP, the HTTP trace and the stream. One process on purpose: a
// SIGSTOP of the responder freezes every service of the PoP at once, which is
// the "hung PoP" fault, while the health checker (its own process) notices.
import type { PopAgentConfig } from '../contract.js';
import { POP_PATHS } from '../contract.js';
import type { AnswerLimits } from './answer.js';
import { DEFAULT_LIMITS } from './answer.js';
import { startTcpDns } from './dns-tcp.js';
import { startUdpDns } from './dns-udp.js';
import { PopAgentError } from './errors.js';
import { startHttpTrace } from './http-trace.js';
import type { Logger } from './log.js';
import { silentLogger } from './log.js';
import { registerNsidCodec } from './nsid.js';
import type { ResponderStats } from './stats.js';
import { newStats, startStatsWriter } from './stats.js';
import { startStreamServer } from './stream.js';
import { buildZone } from './zone.js';

export interface PopServicesOverrides {
  dnsAddress?: string;
  /** 0 picks a free port, the same one for UDP and TCP (per family). Default 53. */
  dnsPort?: number;
  httpAddress?: string;
  httpPort?: number;
  streamPort?: number;
  /** Where the IPv6 services listen instead of pop.json's (tests: ::1). Only used when the config has `ipv6`. */
  ipv6?: { dnsAddress?: string; httpAddress?: string };
  /** null: do not write stats. Default POP_PATHS.stats. */
  statsPath?: string | null;
  statsIntervalMs?: number;
  maxUdpPayload?: number;
  streamIntervalMs?: number;
  log?: Logger;
}

/** Where one family's services listen. */
export interface FamilyEndpoints {
  dns: { address: string; port: number };
  http: { address: string; port: number };
  stream: { address: string; port: number };
}

export interface PopServices extends FamilyEndpoints {
  /** Dual-stack PoPs: the same services on the /48's addresses. */
  ipv6?: FamilyEndpoints;
  stats: ResponderStats;
  tcpConnectionCount(): number;
  /** Stops listening, closes connections, writes stats one last time. */
  close(): Promise<void>;
}

const DNS_PORT = 53;

export async function startPopServices(config: PopAgentConfig, overrides: PopServicesOverrides = {}): Promise<PopServices> {
  registerNsidCodec();
  const log = overrides.log ?? silentLogger;
  const zone = buildZone(config);
  const stats = newStats(config.pop, Date.now(), config.ipv6 !== undefined);
  const limits: AnswerLimits = { maxUdpPayload: overrides.maxUdpPayload ?? DEFAULT_LIMITS.maxUdpPayload };

  // Rollback: whatever started is closed, in reverse order, if a later step fails.
  const started: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of started.reverse()) await close().catch(() => {});
  };
  try {
    const v4 = await startFamily(overrides.dnsAddress ?? config.dnsAddress, overrides.httpAddress ?? config.httpAddress);
    // Both families in one process, so the `service` fault's SIGSTOP still
    // freezes the whole PoP; the IPv6-only fault drops packets instead.
    const v6 = config.ipv6
      ? await startFamily(overrides.ipv6?.dnsAddress ?? config.ipv6.dnsAddress, overrides.ipv6?.httpAddress ?? config.ipv6.httpAddress)
      : undefined;
    const statsPath = overrides.statsPath === undefined ? POP_PATHS.stats : overrides.statsPath;
    if (statsPath !== null) {
      const stop = startStatsWriter(stats, statsPath, overrides.statsIntervalMs ?? 1000, (e) =>
        log.error('stats write failed', { path: statsPath, error: (e as Error).message }),
      );
      started.push(stop);
    }
    for (const [family, f] of [['ipv4', v4] as const, ['ipv6', v6] as const]) {
      if (!f) continue;
      log.info('pop services listening', {
        pop: config.pop,
        family,
        dns: `${f.endpoints.dns.address}:${f.endpoints.dns.port}`,
        http: `${f.endpoints.http.address}:${f.endpoints.http.port}`,
        stream: `${f.endpoints.stream.address}:${f.endpoints.stream.port}`,
      });
    }
    return {
      ...v4.endpoints,
      ...(v6 ? { ipv6: v6.endpoints } : {}),
      stats,
      tcpConnectionCount: () => v4.tcpConnectionCount() + (v6?.tcpConnectionCount() ?? 0),
      close: closeAll,
    };
  } catch (e) {
    await closeAll();
    throw e;
  }

  /** DNS, the HTTP trace and the stream on one family's addresses; what started is in `started`. */
  async function startFamily(dnsAddress: string, httpAddress: string) {
    const { udp, tcp } = await startDns(dnsAddress);
    started.push(udp.close, tcp.close);
    const http = await startHttpTrace({ address: httpAddress, port: overrides.httpPort ?? config.httpPort, pop: config.pop, colo: config.colo, stats });
    started.push(http.close);
    const stream = await startStreamServer({
      address: httpAddress,
      port: overrides.streamPort ?? config.streamPort,
      pop: config.pop,
      stats,
      intervalMs: overrides.streamIntervalMs,
    });
    started.push(stream.close);
    const endpoints: FamilyEndpoints = {
      dns: { address: dnsAddress, port: udp.port },
      http: { address: httpAddress, port: http.port },
      stream: { address: httpAddress, port: stream.port },
    };
    return { endpoints, tcpConnectionCount: tcp.connectionCount };
  }

  // TCP first: with port 0 the kernel picks a TCP port, then UDP takes the
  // same number so `dig -p N` and `dig -p N +tcp` reach one responder.
  async function startDns(dnsAddress: string) {
    const wanted = overrides.dnsPort ?? DNS_PORT;
    const common = { address: dnsAddress, zone, limits, stats, log };
    for (let attempt = 1; ; attempt++) {
      const tcp = await startTcpDns({ ...common, port: wanted, idleTimeoutMs: config.tcp.idleTimeoutMs, maxConnections: config.tcp.maxConnections });
      try {
        const udp = await startUdpDns({ ...common, port: tcp.port });
        return { udp, tcp };
      } catch (e) {
        await tcp.close();
        if (wanted !== 0 || attempt >= 5 || !(e instanceof PopAgentError)) throw e;
      }
    }
  }
}
