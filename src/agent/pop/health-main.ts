// Entry point bundled to /opt/anycast-lab/health.js:
//   node health.js [/etc/anycast-lab/pop.json]
// A separate process from the responder, so SIGSTOPping the responder is
// seen (and acted on) by this one.
import { access } from 'node:fs/promises';
import { POP_PATHS } from '../contract.js';
import { execRunner, vtyshBgp } from './bgp.js';
import { configPathFromArgv, loadPopConfig } from './config.js';
import { appendJsonLine, writeJsonAtomic, writePidFile } from './files.js';
import { abortableSleep, startHealthChecker } from './health-checker.js';
import { chaosProbe } from './health-probe.js';
import { errorFields, jsonLogger } from './log.js';
import { installProcessGuards } from './process-guards.js';

const log = jsonLogger('health');
const DNS_PORT = 53;
const monoMs = (): number => Number(process.hrtime.bigint()) / 1e6;

async function main(): Promise<void> {
  installProcessGuards(log);
  const config = await loadPopConfig(configPathFromArgv(process.argv));
  await writePidFile(POP_PATHS.healthPid);
  const probe = chaosProbe(config.dnsAddress, DNS_PORT);
  const checker = startHealthChecker(
    // Started with FRR and the responder (router-init.sh): up to 10 s for the
    // responder's first answer before failures count.
    { intervalMs: config.health.interval, policy: { failures: config.health.failures, holdDownMs: config.health.holdDown }, startupGraceMs: 10_000 },
    {
      check: (t) => probe.check(t),
      bgp: vtyshBgp(config.asn, config.prefix, execRunner),
      monoMs,
      wallMs: Date.now,
      writeState: (s) => writeJsonAtomic(POP_PATHS.health, s),
      appendLog: (l) => appendJsonLine(POP_PATHS.healthLog, l),
      sleep: abortableSleep,
      log,
      drained: () =>
        access(POP_PATHS.drain).then(
          () => true,
          () => false,
        ),
    },
  );
  log.info('health checker started', { pop: config.pop, target: `${config.dnsAddress}:${DNS_PORT}`, ...config.health });
  const stop = async (signal: string) => {
    log.info('stopping', { signal });
    await checker.stop();
    probe.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((e) => {
  log.error('health checker failed to start', errorFields(e));
  process.exit(1);
});
