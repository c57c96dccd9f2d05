// `lab who [lab] [--json]`: which PoP answers each client, over UDP DNS, TCP
// DNS, NSID and HTTP, asked from inside every client at once, next to the
// catchment the lab file promises.
import { runningLab } from '../../lab/running-lab.js';
import { answerOf, renderWhoTable, WHO_CHANNELS, type WhoReport, type WhoRow, whoCommands, whoRow } from '../../probe/who.js';
import { containerName } from '../../runtime/labels.js';
import type { ContainerRuntime } from '../../runtime/runtime.js';
import { defineCommand, jsonOption } from '../command.js';

export const whoCommand = defineCommand({
  name: 'who',
  description: 'which PoP answers each client (UDP/TCP DNS, NSID, HTTP), against expect.pop in the lab file',
  arguments: [{ name: '[lab]', description: 'lab name (may be omitted when one lab is up)' }],
  options: [jsonOption('machine-readable output on stdout')],
  async run(ctx, [lab]: [string | undefined], o: { json?: boolean }) {
    const r = await labWho(ctx.rt, lab);
    ctx.print(!!o.json, r, () => renderWhoTable(r));
  },
});

async function labWho(rt: ContainerRuntime, labName?: string): Promise<WhoReport> {
  // The lab file gives the service addresses and each client's expect.pop.
  const lab = await runningLab(rt, labName, 'name one: npm run lab -- who <lab>');
  const commands = whoCommands(lab.anycast);
  const rows = await Promise.all(
    lab.clients.map(async (c): Promise<WhoRow> => {
      const answers = await Promise.all(
        WHO_CHANNELS.map(async (ch) => {
          const out = await rt
            .exec(containerName(lab.name, c.name), commands[ch], { timeoutMs: 15_000 })
            .catch((e: Error) => ({ exitCode: -1, stdout: '', stderr: e.message }));
          return [ch, answerOf(ch, out)] as const;
        }),
      );
      return whoRow(c.name, c.expect?.pop ?? null, Object.fromEntries(answers) as Parameters<typeof whoRow>[2]);
    }),
  );
  rows.sort((a, b) => a.client.localeCompare(b.client));
  return { lab: lab.name, clients: rows };
}
