/**
 * The layer order of src/, enforced with ESLint's own no-restricted-imports (no plugin):
 *
 *   core, api/contract ← config ← ports (bus, store, objects, cache) ← domains ← api ← roles ← cli
 *
 * A folder imports only from layers below its own, never from a peer of its layer, so no two
 * folders can import each other. Domains are ranked the same way, in the order their imports
 * need (vision uses media's H.264 and analytics' event keys, alerts use vision's drawings…).
 * api/contract is the dependency-free vocabulary (roles, permissions, actors, request and
 * response schemas) that domains and the dashboard share, so it sits with core.
 *
 * The DVR simulator and the evaluation harness are tools: production code never imports them;
 * only the CLI does, and the demo role, which runs the simulator as its camera.
 */
const LAYERS = [
  ['core', 'api/contract'],
  ['config'],
  ['bus', 'store', 'objects', 'cache'],
  // domains, lowest first
  ['media', 'analytics', 'audit'],
  ['vision', 'notify', 'auth'],
  ['alerts', 'archive', 'storage', 'events', 'settings'],
  ['dvr-sim', 'eval'],
  ['api'],
  ['roles'],
  ['cli'],
];
const TOOLS = ['dvr-sim', 'eval'];

/**
 * Imports a file still makes against the order, each with where it is going: listed so the rule
 * holds everywhere else meanwhile. Remove an entry when its import is gone.
 */
const PENDING = [
  // the domains' config sections (rules, notifications) move under config
  { file: 'src/config/schema.ts', allow: ['analytics', 'notify'] },
];

const TEST_FILES = ['**/*.test.ts', '**/test-*.ts', 'src/store/contract.ts'];
// the bottom layer imports nothing of src outside its own folder (core has no subfolders)
const SELF_CONTAINED = ['core', 'api/contract'];

const layerOf = (folder) => LAYERS.findIndex((l) => l.includes(folder));

/** A regex matching relative imports that reach into `folder` (which they name as a path segment). */
function importsOf(folder) {
  // api without its contract, which lives inside it but sits at the bottom
  return `^\\.\\.?/(.+/)?${folder === 'api' ? 'api/(?!contract/)' : `${folder}/`}`;
}

function forbiddenFor(folder, { allow = [], tools = false } = {}) {
  if (SELF_CONTAINED.includes(folder)) return [{ regex: '^\\.\\./', message: `${folder} is the bottom layer: it imports packages and its own files only` }];
  const rank = layerOf(folder);
  const above = LAYERS.slice(rank).flat().filter((f) => f !== folder && !allow.includes(f));
  const forbidden = tools ? above.filter((f) => !TOOLS.includes(f)) : [...new Set([...above, ...TOOLS.filter((t) => t !== folder)])];
  return forbidden.map((f) => ({
    regex: importsOf(f),
    message: `${folder} must not import ${f}: ${TOOLS.includes(f) ? 'production code never uses the development tools' : `${f} sits ${layerOf(f) === rank ? 'beside' : 'above'} ${folder} in the layer order (see eslint.layers.js)`}`,
  }));
}

const rule = (folder, opts) => ({ 'no-restricted-imports': ['error', { patterns: forbiddenFor(folder, opts) }] });

/** Flat-config entries: one per folder (a file matches exactly one, as later entries replace a rule's options). */
export function layerRules() {
  const exceptions = [...PENDING.map((p) => p.file), 'src/roles/demo.ts'];
  return [
    ...LAYERS.flat().map((folder) => ({
      files: [`src/${folder}/**/*.ts`],
      ignores: [...TEST_FILES, ...exceptions, ...(folder === 'api' ? ['src/api/contract/**'] : [])],
      rules: rule(folder, { tools: folder === 'cli' }),
    })),
    { files: ['src/roles/demo.ts'], rules: rule('roles', { tools: true }) },
    ...PENDING.map((p) => ({ files: [p.file], rules: rule(p.file.split('/')[1], { allow: p.allow }) })),
  ];
}
