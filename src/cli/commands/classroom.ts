// `lab classroom serve [--port N] [--listen <addr> | --lan]`: the trainer's live board.
// `lab classroom join <url> --name <name> --code <code>`: this checkout reports to it
// (up/down, exercise start/check/hint/solve) until `lab classroom leave`.
// `lab classroom status`: whether, and where, this checkout reports.
// Attendees only POST; nothing on the board reaches their machines.
import { LabError } from '../../errors.js';
import { joinBoard, leaveBoard, readMembership } from '../../web/classroom-reporter.js';
import { defineCommand, jsonOption } from '../command.js';
import { CLASSROOM_BOARD_FILE, CLASSROOM_FILE, type CliContext } from '../context.js';
import { nonNegativeInt } from '../options.js';

const ACTIONS = ['serve', 'join', 'leave', 'status'] as const;
type Action = (typeof ACTIONS)[number];

interface ClassroomFlags {
  port: string;
  listen?: string;
  lan?: boolean;
  board: string;
  newCode?: boolean;
  name?: string;
  code?: string;
  json?: boolean;
}

export const classroomCommand = defineCommand({
  name: 'classroom',
  description: "the trainer's live board of every attendee's exercises: serve (trainer), join <url> / leave / status (attendee)",
  arguments: [
    { name: '<action>', description: ACTIONS.join(' | ') },
    { name: '[url]', description: "join: the board's URL, as `classroom serve` prints it" },
  ],
  options: [
    { flags: '--port <n>', description: 'serve: TCP port (0: any free one)', default: '8090' },
    { flags: '--listen <addr>', description: 'serve: address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: the room)' },
    { flags: '--lan', description: 'serve: listen on every interface so the room can join (same as --listen 0.0.0.0)' },
    { flags: '--board <file>', description: 'serve: where the board and its join code are kept across restarts', default: CLASSROOM_BOARD_FILE },
    { flags: '--new-code', description: 'serve: a new join code (the board stays; attendees must join again)' },
    { flags: '--name <name>', description: 'join: your name on the board' },
    { flags: '--code <code>', description: "join: the join code on the trainer's screen" },
    jsonOption('print the result as JSON'),
  ],
  helpAfter: `
The board shows, per attendee and exercise: passed (time from start), failing (attempts; what failed),
stuck (the same check failed 3 times in a row), idle (no progress for 10 min), hints and solves.
An attendee's lab only sends small JSON posts (up/down, exercise start/check/hint/solve), each given
at most ~300 ms; nothing is sent back but a status. Membership: ${CLASSROOM_FILE}`,
  async run(ctx, [action, url]: [string, string?], o: ClassroomFlags) {
    if (!(ACTIONS as readonly string[]).includes(action)) throw new LabError('USAGE', `unknown classroom action "${action}" (valid: ${ACTIONS.join(', ')})`);
    const json = !!o.json;
    if (url !== undefined && (action as Action) !== 'join') throw new LabError('USAGE', `classroom ${action} takes no URL (got "${url}")`);
    switch (action as Action) {
      case 'serve':
        return serveBoard(ctx, o);
      case 'join': {
        if (url === undefined || o.name === undefined || o.code === undefined)
          throw new LabError('USAGE', 'join needs the board URL, --name and --code: npm run lab -- classroom join <url> --name <your name> --code <code>');
        const m = await joinBoard(CLASSROOM_FILE, url, o.name, o.code);
        return ctx.print(json, { url: m.url, name: m.name, id: m.id, file: CLASSROOM_FILE }, () =>
          [
            `joined the classroom board at ${m.url} as "${m.name}"`,
            '  from now on this lab reports to it: up/down, exercise start, check, hint and solve (nothing else, nothing comes back)',
            `  stored in ${CLASSROOM_FILE}; stop with: npm run lab -- classroom leave`,
          ].join('\n'),
        );
      }
      case 'leave': {
        const m = await leaveBoard(CLASSROOM_FILE);
        return ctx.print(json, { left: m !== null, url: m?.url ?? null }, () =>
          m ? `left the classroom board at ${m.url}: this lab reports nothing any more` : 'this lab had not joined a classroom board: nothing to leave',
        );
      }
      case 'status': {
        const m = readMembership(CLASSROOM_FILE);
        return ctx.print(json, m ? { joined: true, url: m.url, name: m.name, file: CLASSROOM_FILE } : { joined: false, file: CLASSROOM_FILE }, () =>
          m ? `reporting to the classroom board at ${m.url} as "${m.name}" (${CLASSROOM_FILE})` : 'not in a classroom: this lab reports nothing',
        );
      }
    }
  },
});

async function serveBoard(ctx: CliContext, o: ClassroomFlags): Promise<void> {
  if (o.lan && o.listen !== undefined && o.listen !== '0.0.0.0')
    throw new LabError('USAGE', `--lan listens on 0.0.0.0: it does not go with --listen ${o.listen}`);
  if (o.name !== undefined || o.code !== undefined) throw new LabError('USAGE', '--name and --code are for `classroom join`; `serve` makes its own code');
  const port = nonNegativeInt('--port', o.port);
  if (port > 65535) throw new LabError('USAGE', `--port must be a TCP port, 0..65535 (0: any free one), got ${o.port}`);
  const host = o.lan ? '0.0.0.0' : (o.listen ?? '127.0.0.1');
  // Imported here: hono and its node server (with undici behind it) cost every other command ~30 ms of start-up.
  const { startClassroom } = await import('../../web/classroom-server.js');
  const room = await startClassroom({ port, host, file: o.board, newCode: o.newCode });
  const local = host === '127.0.0.1' || host === '::1' || host === 'localhost';
  ctx.print(!!o.json, { board: room.boardUrl, join: room.joinUrls, code: room.code, listen: host, file: o.board, attendees: room.attendees }, () =>
    [
      `classroom board: ${room.boardUrl}   (open it on this machine, put it on the projector)`,
      `join code: ${room.code}`,
      'attendees type, once:',
      ...room.joinUrls.map((u) => `  npm run lab -- classroom join ${u} --name "<your name>" --code ${room.code}`),
      local
        ? '  (listening on 127.0.0.1: only this machine can join; for the room: --lan)'
        : `  (listening on ${host}: attendees on the network post their progress here; nothing is sent to their machines)`,
      `board kept in ${o.board}${room.attendees ? ` (${room.attendees} attendee${room.attendees === 1 ? '' : 's'} from before)` : ''}`,
      'Ctrl-C to stop',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await room.close();
}
