// Entry point bundled to /opt/anycast-lab/responder.js:
//   node responder.js [/etc/anycast-lab/pop.json]
// Serves DNS (UDP+TCP), the HTTP trace and the stream until SIGTERM/SIGINT.
import { POP_PATHS } from '../../contract/agent.js';
import { configPathFromArgv, loadPopConfig } from './config.js';
import { writePidFile } from './files.js';
import { errorFields, jsonLogger } from './log.js';
import { startPopServices } from './pop-services.js';
import { installProcessGuards } from './process-guards.js';
import { retryListen } from './retry-listen.js';

const log = jsonLogger('responder');

async function main(): Promise<void> {
  installProcessGuards(log);
  const configPath = configPathFromArgv(process.argv);
  const config = await loadPopConfig(configPath);
  const services = await retryListen(() => startPopServices(config, { log }), log);
  await writePidFile(POP_PATHS.responderPid);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    await services.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((e) => {
  log.error('responder failed to start', errorFields(e));
  process.exit(1);
});
