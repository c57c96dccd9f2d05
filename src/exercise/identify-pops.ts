// Identify each client's PoP with the tools an operator has (dig CHAOS
// hostname.bind, NSID, the HTTP /trace page) and write it down; the checker
// compares the answer file with what the clients really see.
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { setDrain } from '../policy/live-policy.js';
import { askCatchment } from '../probe/ask-clients.js';
import type { Lab } from '../topology/model.js';
import { catchmentProblems } from './catchment-check.js';
import { type Criterion, criterion, type Exercise } from './exercise.js';

/** Drained at start, so the answer is not the lab file's `expect:` lines: c-jp moves to its backup. */
const DRAINED = 'nrt';

/** Kept out of git (.gitignore): each attendee writes their own. */
const ANSWER = 'answer.yaml';

/** Reads `client: pop` lines (pure): the answer, or what is wrong with the file. */
export function parseAnswer(text: string, lab: Lab): { answer: Record<string, string>; problems: string[] } {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    return { answer: {}, problems: [`${ANSWER} is not YAML: ${(e as Error).message.split('\n')[0]}`] };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { answer: {}, problems: [`${ANSWER} must map each client to a PoP, e.g. "c-de: fra"`] };
  const clients = lab.clients.map((c) => c.name);
  const answer: Record<string, string> = {};
  const problems: string[] = [];
  for (const [k, v] of Object.entries(raw)) {
    if (!clients.includes(k)) problems.push(`"${k}" is not a client (clients: ${clients.join(', ')})`);
    else answer[k] = String(v).trim().toLowerCase();
  }
  for (const c of clients) if (!(c in answer)) problems.push(`${c} has no answer`);
  return { answer, problems };
}

export const identifyPops: Exercise = {
  id: 'identify-pops',
  async cleanup({ dir }) {
    await rm(join(dir, ANSWER), { force: true });
  },
  async inject({ rt, lab, progress }) {
    const r = await setDrain(rt, lab, DRAINED, true, { progress });
    return [`${r.change} (the catchment is not what the lab file says: find out what it is)`];
  },
  async check({ rt, lab, dir }) {
    const file = join(dir, ANSWER);
    const name = `${ANSWER} names the PoP that answers each client`;
    if (!existsSync(file)) return [{ name, passed: false, reason: `${file} does not exist yet` } satisfies Criterion];
    const { answer, problems } = parseAnswer(await readFile(file, 'utf8'), lab);
    const seen = await askCatchment(rt, lab);
    const wrong = catchmentProblems(seen, answer).map((p) => p.replace(', want ', ', your answer says '));
    return [
      criterion(`${ANSWER} has one PoP for every client`, problems, `${Object.keys(answer).length} clients answered`),
      criterion(
        name,
        wrong,
        Object.entries(answer)
          .map(([c, p]) => `${c} → ${p}`)
          .join(', '),
      ),
    ];
  },
  async solve({ rt, lab, dir }) {
    const seen = await askCatchment(rt, lab);
    const file = join(dir, ANSWER);
    await writeFile(file, `# written by \`exercise solve identify-pops\` from what each client sees\n${stringify(seen)}`);
    return [`wrote ${file}`];
  },
};
