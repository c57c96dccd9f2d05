// The real PoP services, in-process on 127.0.0.1 with free ports, for the
// tests that talk to them over sockets.
import { afterAll, beforeAll } from 'vitest';
import type { PopServices, PopServicesOverrides } from '../../../src/agent/pop/pop-services.js';
import { startPopServices } from '../../../src/agent/pop/pop-services.js';
import type { PopAgentConfig } from '../../../src/contract/agent.js';

/** A pop.json as a router's agent reads it, before checkPopConfig fills its defaults. */
export const popJsonFields = {
  pop: 'fra',
  colo: 'FRA',
  asn: 65101,
  prefix: '192.0.2.0/24',
  dnsAddress: '192.0.2.53',
  httpAddress: '192.0.2.80',
  httpPort: 80,
  streamPort: 7000,
  zone: 'lab.',
};

/** The fra PoP serving anycast.lab, every service on 127.0.0.1 and a free port. */
export const popTestConfig = (over: Partial<PopAgentConfig> = {}): PopAgentConfig => ({
  pop: 'fra',
  colo: 'FRA',
  asn: 65101,
  prefix: '192.0.2.0/24',
  dnsAddress: '127.0.0.1',
  httpAddress: '127.0.0.1',
  httpPort: 0,
  streamPort: 0,
  zone: 'lab.',
  records: { 'anycast.lab.': '192.0.2.80', 'ns.lab.': '192.0.2.53' },
  nameservers: ['ns.lab.'],
  soa: { mname: 'ns.lab.', rname: 'hostmaster.lab.', serial: 1, refresh: 14400, retry: 3600, expire: 1209600, minimum: 300 },
  health: { interval: 200, failures: 3, holdDown: 2000 },
  tcp: { idleTimeoutMs: 10_000, maxConnections: 1000 },
  ...over,
});

export interface PopFixture {
  readonly config: PopAgentConfig;
  /** Set once the enclosing file's or describe's beforeAll has run. */
  readonly services: PopServices;
}

/**
 * Starts the PoP services before the tests of the enclosing file or describe
 * and closes them after. DNS gets a free port and no stats file is written,
 * unless `overrides` (called in beforeAll, so it may use state set up by an
 * earlier hook) says otherwise.
 */
export function usePopServices(config: PopAgentConfig = popTestConfig(), overrides: () => PopServicesOverrides = () => ({})): PopFixture {
  let services: PopServices | undefined;
  beforeAll(async () => {
    services = await startPopServices(config, { dnsPort: 0, statsPath: null, ...overrides() });
  });
  afterAll(() => services?.close());
  return {
    config,
    get services() {
      if (!services) throw new Error('PoP services are not running: use them inside a test, after beforeAll');
      return services;
    },
  };
}
