// `lab doctor [--json]`: what this host and engine can do for the lab.
import { runDoctor } from '../../host/doctor.js';
import { defineCommand, jsonOption } from '../command.js';

export const doctorCommand = defineCommand({
  name: 'doctor',
  description: 'check the engine, kernel features and capabilities the lab uses',
  options: [jsonOption()],
  async run(ctx, _args: [], o: { json?: boolean }) {
    const r = await runDoctor(ctx.rt);
    ctx.print(!!o.json, r, () =>
      r.checks
        .map(
          (c) =>
            `${c.status === 'ok' ? ' ok  ' : c.status === 'warn' ? ' warn' : c.optional ? ' n/a ' : ' MISS'} ${c.name.padEnd(22)} ${c.detail}${c.optional && c.status !== 'ok' ? ' (optional)' : ''}${c.fix ? `\n       fix: ${c.fix}` : ''}`,
        )
        .join('\n'),
    );
    // A report, not an error: the checks are on stdout, the status says whether all passed.
    if (!r.ok) process.exitCode = 1;
  },
});
