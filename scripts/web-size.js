// The dashboard's first-page budget: at most 250 KB of gzipped JavaScript for the page a user opens
// first (the sign-in page, or the live grid once signed in). Reads the chunk graph Vite wrote
// (web/dist/.vite/manifest.json): a page costs its chunk, the entry, and what they import statically.
// Prints JSON; exits 1 over budget.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 250 * 1024;
const dist = new URL('../web/dist/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('.vite/manifest.json', dist), 'utf8'));

function closure(key, seen = new Set()) {
  const chunk = manifest[key];
  if (!chunk || seen.has(chunk.file)) return seen;
  seen.add(chunk.file);
  for (const dep of chunk.imports ?? []) closure(dep, seen);
  return seen;
}

const gzipped = (file) => gzipSync(readFileSync(new URL(file, dist)), { level: 9 }).length;
const firstPages = { login: 'src/auth/LoginPage.tsx', live: 'src/pages/live/LivePage.tsx' };
const pages = Object.fromEntries(Object.entries(firstPages).map(([name, key]) => {
  const files = new Set([...closure('index.html'), ...closure(key)]);
  const js = [...files].filter((f) => f.endsWith('.js'));
  return [name, { gzip_bytes: js.reduce((n, f) => n + gzipped(f), 0), files: js.length }];
}));
const worst = Math.max(...Object.values(pages).map((p) => p.gzip_bytes));
console.log(JSON.stringify({ budget_gzip_bytes: BUDGET_BYTES, pages, within_budget: worst <= BUDGET_BYTES }));
if (worst > BUDGET_BYTES) {
  console.error(`the dashboard's first page loads ${(worst / 1024).toFixed(1)} KB of gzipped JavaScript, over the ${BUDGET_BYTES / 1024} KB budget`);
  process.exit(1);
}
