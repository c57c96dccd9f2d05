// The pipeline, lowest first: a module may import from its own layer or a lower one.
// `npm run lint` fails on an import that runs upwards, and on any import cycle:
// type-only imports count too (a type cycle ties two modules together just as
// tightly, and lets a runtime one creep in unnoticed).
// agent/ is the code that runs inside containers (bundled separately): it may use
// the shared wire types (probe/sample.ts) and util, nothing else of the orchestrator.
const LAYERS = ['util|errors\\.ts|paths\\.ts|schema-version\\.ts', 'topology', 'render', 'runtime', 'host', 'lab', 'probe', 'policy', 'fault', 'experiment', 'report', 'verify', 'exercise', 'web', 'bench', 'cli'];
const layerPath = (l) => `^src/(${l})(/|$)`;

const upward = LAYERS.map((from, i) => ({
  name: `layer-${from.split('|')[0]}`,
  comment: `${from} may not import from a later pipeline layer (${LAYERS.slice(i + 1).join(', ')})`,
  severity: 'error',
  from: { path: layerPath(from) },
  to: { path: `^src/(${LAYERS.slice(i + 1).join('|')})(/|$)`, pathNot: '^src/probe/sample\\.ts$' },
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
      comment: 'agent code runs in containers: only util and the shared wire types',
      from: { path: '^src/agent/' },
      to: { path: '^src/', pathNot: ['^src/agent/', '^src/util/', '^src/probe/sample\\.ts$', '^src/paths\\.ts$'] },
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
