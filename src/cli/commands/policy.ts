// `lab policy <router> <neighbor> prepend <n> | local-pref <n> | med <n> | reset [--family …]`,
// `lab policy --reset-all`, `lab policy` (list): live routing policy on one
// eBGP session (or both of a dual-stack link's), applied with a soft clear,
// with the catchment before and after.
import { LabError } from '../../errors.js';
import { describeOverrides, readOverrides } from '../../lab/overrides.js';
import { POLICY_ACTIONS, POLICY_LIMITS, parsePolicyRequest, policyFamilies } from '../../lab/policy-overrides.js';
import { runningLab } from '../../lab/running-lab.js';
import { renderChangeReport } from '../../policy/catchment.js';
import { applyPolicy, resetAll } from '../../policy/live-policy.js';
import { defineCommand, jsonOption, labOption } from '../command.js';
import { positiveInt } from '../options.js';

interface PolicyFlags {
  resetAll?: boolean;
  family?: string;
  lab?: string;
  timeout: string;
  json?: boolean;
}

const limits = Object.entries(POLICY_LIMITS)
  .map(([k, l]) => `  ${k.padEnd(10)} ${l.min}–${l.max}, ${l.direction === 'out' ? 'outbound: route-map TO-<neighbor>' : 'inbound: route-map FROM-<neighbor>'}`)
  .join('\n');

export const policyCommand = defineCommand({
  name: 'policy',
  description: "change a BGP session's policy live (soft clear, no session reset) and show how the catchment moves",
  arguments: [
    { name: '[router]', description: 'the router whose policy changes' },
    { name: '[neighbor]', description: 'its BGP neighbour, by node name' },
    { name: '[action]', description: POLICY_ACTIONS.join(' | ') },
    { name: '[value]', description: 'the value for prepend, local-pref or med' },
  ],
  options: [
    { flags: '--reset-all', description: "every session back to the lab file's policy, every drained PoP announced" },
    { flags: '--family <f>', description: 'ipv4 | ipv6 | both: which session of the link (default: every family the lab runs)' },
    labOption(),
    { flags: '--timeout <s>', description: 'how long the catchment may take to settle', default: '15' },
    jsonOption(),
  ],
  helpAfter:
    `\nActions (prepend counts the router's own ASN):\n${limits}\n  reset      this session back to the lab file\n` +
    `Families: a dual-stack link runs two sessions (FROM-/TO- and FROM6-/TO6-). Without --family a change hits both, as a\n` +
    `knob on a link end in the lab file does (it is both families' policy unless the end sets ipv6:); --family ipv6 steers\n` +
    `IPv6 alone (ipv4 likewise). An IPv4-only lab accepts only ipv4. The catchment is then shown per family (c-jp/ipv6).\n` +
    `With no arguments: list the active overrides.`,
  async run(ctx, [router, neighbor, action, value]: [string?, string?, string?, string?], o: PolicyFlags) {
    const timeoutMs = positiveInt('--timeout', o.timeout) * 1000;
    const lab = await runningLab(ctx.rt, o.lab);
    const live = { progress: ctx.progress(!!o.json), timeoutMs };
    if (o.resetAll) {
      if (o.family !== undefined) throw new LabError('USAGE', '--reset-all resets every family; it takes no --family');
      if (router !== undefined)
        throw new LabError('USAGE', `--reset-all takes no router, neighbour or action (got "${[router, neighbor, action, value].filter(Boolean).join(' ')}")`);
      const r = await resetAll(ctx.rt, lab, live);
      return ctx.print(!!o.json, r, () => renderChangeReport(r));
    }
    if (router === undefined) {
      const found = await readOverrides(ctx.rt, lab);
      const lines = describeOverrides(found);
      return ctx.print(!!o.json, { lab: lab.name, ...found }, () =>
        lines.length
          ? [
              `lab ${lab.name}: active overrides (${lines.length}), not in the lab file:`,
              ...lines.map((l) => `  ${l}`),
              '  undo: npm run lab -- policy --reset-all',
            ].join('\n')
          : `lab ${lab.name}: no overrides; every session runs the lab file's policy`,
      );
    }
    const reqs = policyFamilies(lab, o.family).map((f) => parsePolicyRequest(lab, router, neighbor, action, value, f));
    const r = await applyPolicy(ctx.rt, lab, reqs, live);
    ctx.print(!!o.json, r, () => renderChangeReport(r));
  },
});
