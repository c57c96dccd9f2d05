// docs/ci.md's GitHub Actions workflow, run as printed: every `run:` step in
// order, in a shell like the runner's (`bash -e`), with the job's env and LAB
// pointed at the suite's lab. The GitLab job must hold the same commands. A
// recipe that rots fails here, not on a reader's runner.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { labelled, REPO } from './cli.js';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
}
interface Workflow {
  env?: Record<string, string>;
  jobs: Record<string, { env?: Record<string, string>; steps: Step[] }>;
}
interface GitlabJob {
  variables?: Record<string, string>;
  script: string[];
  after_script?: string[];
}

/** The fenced YAML between `<!-- ci:<id> -->` and `<!-- /ci:<id> -->`. */
function recipe(doc: string, id: string): string {
  const m = doc.match(new RegExp(`<!-- ci:${id} -->\\n\`\`\`yaml\\n([\\s\\S]*?)\`\`\`\\n<!-- /ci:${id} -->`));
  if (!m?.[1]) throw new Error(`docs/ci.md has no \`\`\`yaml block between <!-- ci:${id} --> and <!-- /ci:${id} -->`);
  return m[1];
}

const doc = readFileSync(join(REPO, 'docs', 'ci.md'), 'utf8');
const workflow = parse(recipe(doc, 'github')) as Workflow;
const [job] = Object.values(workflow.jobs);
const gitlab = Object.values(parse(recipe(doc, 'gitlab')) as Record<string, GitlabJob>)[0];
const runSteps = job.steps.filter((s): s is Step & { run: string } => typeof s.run === 'string');

// The suite's lab, so the recipe's `down` never touches a lab the user has up.
const LAB_FILE = process.env.ANYCAST_LAB_FILE ?? join(REPO, 'labs', 'default.yaml');

describe('docs/ci.md', () => {
  it('the GitLab job runs the same commands as the workflow', () => {
    expect([...gitlab.script, ...(gitlab.after_script ?? [])]).toEqual(runSteps.map((s) => s.run.trim()));
    expect(Object.keys(gitlab.variables ?? {})).toEqual(Object.keys(job.env ?? {}));
  });

  it("runs the workflow's steps in order and the gate passes", () => {
    rmSync(join(REPO, 'verify.xml'), { force: true });
    const env = { ...process.env, ...workflow.env, ...job.env, LAB: LAB_FILE, CI: 'true' };
    let failed: string | undefined;
    for (const step of runSteps) {
      // As on a runner: after a failure only `if: always()` steps run.
      if (failed && step.if !== 'always()') continue;
      const r = spawnSync('bash', ['-e', '-c', step.run], { cwd: REPO, env, encoding: 'utf8', timeout: 900_000 });
      if (r.status !== 0) failed ??= `step "${step.name ?? step.run}" exited ${r.status}:\n${(r.stderr ?? '').slice(-3000)}`;
    }
    expect(failed).toBeUndefined();
    // The gate wrote its report, and the teardown left nothing of the lab.
    const xml = readFileSync(join(REPO, 'verify.xml'), 'utf8');
    expect(xml).toMatch(/<testsuites[^>]*failures="0"/);
    expect(xml).toContain('freeze-fra');
    rmSync(join(REPO, 'verify.xml'), { force: true });
    expect(existsSync(join(REPO, 'verify.xml'))).toBe(false);
  });

  it('after the teardown step nothing of the lab is left', async () => {
    const { name } = parse(readFileSync(LAB_FILE, 'utf8')) as { name: string };
    const left = await labelled(name);
    expect(left.containers.map((c) => c.Names[0])).toEqual([]);
    expect(left.networks.map((n) => n.Name)).toEqual([]);
  });
});
