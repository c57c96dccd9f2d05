// Entry bundled to /opt/anycast-lab/bench-dns2.mjs: the baseline for
// `npm run bench -- responder`. The smallest dns2 3.1.1 server that answers
// A queries over UDP, as its README shows it, nothing of ours on the path:
//   node bench-dns2.mjs <address> '<{"anycast.lab.":"192.0.2.80",…}>'
// Writes its pid on stdout once listening.
import dns2 from 'dns2';

const { Packet } = dns2;

const [address, recordsJson = '{}'] = process.argv.slice(2);
if (!address) {
  process.stderr.write('usage: node bench-dns2.mjs <address> <records json>\n');
  process.exit(2);
}
// dns2 hands names without the trailing dot.
const records = new Map(Object.entries(JSON.parse(recordsJson) as Record<string, string>).map(([name, ip]) => [name.toLowerCase().replace(/\.$/, ''), ip]));

const server = dns2.createServer({
  udp: true,
  handle: (request, send) => {
    const response = Packet.createResponseFromRequest(request);
    const [q] = request.questions;
    const ip = q && q.type === Packet.TYPE.A ? records.get(q.name.toLowerCase()) : undefined;
    if (q && ip) response.answers.push({ name: q.name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 5, address: ip } as (typeof response.answers)[number]);
    send(response);
  },
});
server.on('error', (e) => process.stderr.write(`bench-dns2: ${String(e)}\n`));
await server.listen({ udp: { port: 53, address } });
process.stdout.write(`${process.pid}\n`);
process.on('SIGTERM', () => process.exit(0));
