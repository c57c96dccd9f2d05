// The pipeline, lowest first: a module may import from its own layer or a lower one.
// `npm run lint` fails on an import that runs upwards, and on any import cycle:
// type-only imports count too (a type cycle ties two modules together just as
// tightly, and lets a runtime one creep in unnoticed).
// Beside the pipeline: agent/ is the code that runs inside containers (bundled
// separately with esbuild), and contract/ what crosses that wall (config files,
// paths, the samples and updates the agents write). Both sides import contract/;
// neither imports the other (agent/build.ts, which bundles the agents on the host,
// is the orchestrator's one door into agent/).
const LAYERS = ['util|contract|errors\\.ts|paths\\.ts|schema-version\\.ts', 'topology', 'render', 'runtime', 'host', 'lab', 'probe', 'policy', 'fault', 'experiment', 'report', 'verify', 'exercise', 'web', 'bench', 'cli'];
const layerPath = (l) => `^src/(${l})(/|$)`;

const upward = LAYERS.map((from, i) => ({
  name: `layer-${from.split('|')[0]}`,
  comment: `${from} may not import from a later pipeline layer (${LAYERS.slice(i + 1).join(', ')})`,
  severity: 'error',
  from: { path: layerPath(from) },
  to: { path: `^src/(${LAYERS.slice(i + 1).join('|')})(/|$)` },
})).filter((r) => !r.to.path.endsWith('()(/|$)'));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'no import cycles, `import type` included: move the shared piece to a module both may import',
      from: {},
      to: { circular: true },
    },
    {
      name: 'agent-stays-inside',
      severity: 'error',
      comment:
        'agent code runs in containers, bundled on its own: it may import agent/, contract/ and util/ only (build.ts runs on the host and may also read paths.ts)',
      from: { path: '^src/agent/', pathNot: '^src/agent/build\\.ts$' },
      to: { path: '^src/', pathNot: ['^src/agent/', '^src/contract/', '^src/util/'] },
    },
    {
      name: 'agent-build-on-host',
      severity: 'error',
      comment: 'agent/build.ts bundles the agents on the host: it reads paths.ts and util/, and never imports the agents it bundles',
      from: { path: '^src/agent/build\\.ts$' },
      to: { path: '^src/', pathNot: ['^src/paths\\.ts$', '^src/util/'] },
    },
    {
      name: 'orchestrator-stays-outside',
      severity: 'error',
      comment: 'the orchestrator shares only contract/ with the agents; of agent/ it may import build.ts (the bundler), nothing that runs inside',
      from: { path: '^src/', pathNot: '^src/agent/' },
      to: { path: '^src/agent/', pathNot: '^src/agent/build\\.ts$' },
    },
    {
      name: 'contract-stands-alone',
      severity: 'error',
      comment: 'contract/ is bundled into the agents and read by the orchestrator: it imports nothing but itself',
      from: { path: '^src/contract/' },
      to: { path: '^src/', pathNot: '^src/contract/' },
    },
    ...upward,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // TypeScript 7 has no JS compiler API, so dependency-cruiser parses with swc;
    // ESM sources import './x.js' for './x.ts'.
    parser: 'swc',
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
    exclude: { path: '^(node_modules|dist|test)/' },
  },
};
