// Entry bundled to /opt/anycast-lab/bench-responder.mjs: a second instance of
// the PoP responder for `npm run bench -- responder`, on its own address so
// the benchmark never touches the production responder (its pid file, its
// stats file, the health checker watching it):
//   node bench-responder.mjs <pop.json> <address>
// DNS, HTTP and stream all bind <address>; no stats or pid file is written.
import { loadPopConfig } from './pop/config.js';
import { startPopServices } from './pop/pop-services.js';

const [configPath, address] = process.argv.slice(2);
if (!configPath || !address) {
  process.stderr.write('usage: node bench-responder.mjs <pop.json> <address>\n');
  process.exit(2);
}
const config = await loadPopConfig(configPath);
const services = await startPopServices(config, { dnsAddress: address, httpAddress: address, statsPath: null });
process.stdout.write(`${process.pid}\n`);
process.on('SIGTERM', () => void services.close().then(() => process.exit(0)));
