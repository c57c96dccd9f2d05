// `lab who [lab] [--json]`: which PoP answers each client, over UDP DNS, TCP
// DNS, NSID and HTTP, asked from inside every client at once, next to the
// catchment the lab file promises.
import { Option, type Command } from 'commander';
import { LabError } from '../errors.js';
import { answerOf, renderWhoTable, WHO_CHANNELS, whoCommands, whoRow, type WhoReport, type WhoRow } from '../probe/who.js';
import { LABEL } from '../runtime/labels.js';
import type { ContainerInfo, ContainerRuntime } from '../runtime/runtime.js';
import { loadLabFile } from '../topology/load.js';
import type { Lab } from '../topology/model.js';
import type { CliContext } from './main.js';

export function registerWho(program: Command, ctx: CliContext): void {
  program
    .command('who')
    .description('which PoP answers each client (UDP/TCP DNS, NSID, HTTP), against expect.pop in the lab file')
    .argument('[lab]', 'lab name (may be omitted when one lab is up)')
    .addOption(new Option('--json', 'machine-readable output on stdout'))
    .action(async (lab: string | undefined, o: { json?: boolean }) => {
      const r = await labWho(ctx.rt, lab);
      ctx.print(!!o.json, r, () => renderWhoTable(r));
    });
}

export async function labWho(rt: ContainerRuntime, labName?: string): Promise<WhoReport> {
  const clients = await labClients(rt, labName);
  const lab = labOf(clients);
  const commands = whoCommands(lab.anycast);
  const expectOf = new Map(lab.clients.map((c) => [c.name, c.expect?.pop ?? null]));
  const rows = await Promise.all(
    clients.map(async (c): Promise<WhoRow> => {
      const node = c.labels[LABEL.node];
      const answers = await Promise.all(
        WHO_CHANNELS.map(async (ch) => {
          const out = await rt.exec(c.id, commands[ch], { timeoutMs: 15_000 }).catch((e: Error) => ({ exitCode: -1, stdout: '', stderr: e.message }));
          return [ch, answerOf(ch, out)] as const;
        }),
      );
      return whoRow(node, expectOf.get(node) ?? null, Object.fromEntries(answers) as Parameters<typeof whoRow>[2]);
    }),
  );
  rows.sort((a, b) => a.client.localeCompare(b.client));
  return { lab: lab.name, clients: rows };
}

async function labClients(rt: ContainerRuntime, labName?: string): Promise<ContainerInfo[]> {
  const all = (await rt.listContainers({ [LABEL.lab]: labName ?? '', [LABEL.kind]: 'client' })).filter((c) => c.state === 'running');
  const labs = [...new Set(all.map((c) => c.labels[LABEL.lab]))].sort();
  if (labs.length === 0) throw new LabError('NOT_FOUND', labName ? `lab ${labName} has no running clients; is it up? (npm run lab -- up <file>)` : 'no lab is up (npm run lab -- up)');
  if (labs.length > 1) throw new LabError('USAGE', `several labs are up (${labs.join(', ')}); name one: npm run lab -- who <lab>`);
  return all;
}

/** The lab file the clients were created from, as recorded in their label. */
function labOf(clients: ContainerInfo[]): Lab {
  const c = clients[0];
  const file = c.labels[LABEL.file];
  if (!file) throw new LabError('NOT_FOUND', `container ${c.name} has no ${LABEL.file} label; recreate the lab with npm run lab -- up <file>`);
  try {
    return loadLabFile(file);
  } catch (cause) {
    throw new LabError('LAB_FILE', `lab ${c.labels[LABEL.lab]} was created from ${file}, which no longer loads (${(cause as Error).message.split('\n')[0]}); who needs it for the addresses and expect.pop`, { cause });
  }
}
