// Entry point bundled to /opt/anycast-lab/health.js:
//   node health.js [/etc/anycast-lab/pop.json]
// A separate process from the responder, so SIGSTOPping the responder is
// seen (and acted on) by this one. A dual-stack PoP runs one checker per
// family (health-families.ts).
import { existsSync } from 'node:fs';
import { POP_PATHS } from '../../contract/agent.js';
import { execRunner, vtyshBgp } from './bgp.js';
import { configPathFromArgv, loadPopConfig } from './config.js';
import { appendJsonLine, writeJsonAtomic, writePidFile } from './files.js';
import { abortableSleep } from './health-checker.js';
import { startFamilyCheckers, watchedFamilies } from './health-families.js';
import { type ChaosProbe, chaosProbe } from './health-probe.js';
import { errorFields, jsonLogger } from './log.js';
import { installProcessGuards } from './process-guards.js';

const log = jsonLogger('health');
const DNS_PORT = 53;
const monoMs = (): number => Number(process.hrtime.bigint()) / 1e6;

async function main(): Promise<void> {
  installProcessGuards(log);
  const config = await loadPopConfig(configPathFromArgv(process.argv));
  await writePidFile(POP_PATHS.healthPid);
  // One probe (one socket) per address checked.
  const probes = new Map<string, ChaosProbe>(watchedFamilies(config).map((w) => [w.dnsAddress, chaosProbe(w.dnsAddress, DNS_PORT)]));
  const running = startFamilyCheckers(
    config,
    // Started with FRR and the responder (router-init.sh): up to 10 s for the
    // responder's first answer before failures count.
    { intervalMs: config.health.interval, policy: { failures: config.health.failures, holdDownMs: config.health.holdDown }, startupGraceMs: 10_000 },
    {
      check: (address, t) => probes.get(address)?.check(t) ?? Promise.resolve({ ok: false, rttMs: null, reason: `no probe for ${address}` }),
      bgpFor: (prefix) => vtyshBgp(config.asn, prefix, execRunner),
      monoMs,
      wallMs: Date.now,
      writeState: (s) => writeJsonAtomic(POP_PATHS.health, s),
      appendLog: (l) => appendJsonLine(POP_PATHS.healthLog, l),
      sleep: abortableSleep,
      log,
      // A stat on the loop, not fs/promises' access(): that one goes through
      // libuv's thread pool and builds an ENOENT error on every check. In a
      // PoP of a running 100-PoP lab the checker went from 3.5 to 2.6 ms of
      // CPU a second with this (its process's ticks over 30 s).
      drained: async () => existsSync(POP_PATHS.drain),
    },
  );
  for (const w of watchedFamilies(config)) {
    log.info('health checker started', { pop: config.pop, family: w.family, target: `${w.dnsAddress}:${DNS_PORT}`, prefix: w.prefix, ...config.health });
  }
  const stop = async (signal: string) => {
    log.info('stopping', { signal });
    await Promise.all(running.map((r) => r.checker.stop()));
    for (const p of probes.values()) p.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((e) => {
  log.error('health checker failed to start', errorFields(e));
  process.exit(1);
});
