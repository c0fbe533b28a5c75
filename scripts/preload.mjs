// Rewrites the modulepreload links of built HTML pages from their module scripts' static import graphs,
// so the list never needs keeping by hand. Usage: node scripts/preload.mjs DIST page.html…
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const [dist, ...pages] = process.argv.slice(2);
if (!dist || pages.length === 0) {
  console.error('usage: node scripts/preload.mjs DIST page.html…');
  process.exit(1);
}

// Static imports and re-exports (`import … from '…'`, `import '…'`, `export … from '…'`); dynamic
// import() is lazy on purpose and not followed.
const IMPORT = /^\s*(?:import|export)\s[^;]*?from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm;

/** Every module `entry` (a file path) reaches through static imports, entry first. */
function graph(entry) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    if (!existsSync(file)) throw new Error(`${file} is imported but missing from ${dist}`);
    seen.add(file);
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
    }
  };
  visit(entry);
  return [...seen];
}

for (const page of pages) {
  const path = join(dist, page);
  const html = readFileSync(path, 'utf8');
  // Every module script of the page is an entry (index.html: the data preloader and the lab).
  const entries = [...html.matchAll(/<script type="module" src="([^"]+)"><\/script>/g)].map((m) => m[1]);
  if (entries.length === 0) throw new Error(`${page} has no <script type="module" src="…">`);
  const files = [...new Set(entries.flatMap((entry) => graph(resolve(dist, entry))))];
  const modules = files.map((file) => relative(resolve(dist), file).split('\\').join('/'));
  const links = modules.map((href) => `<link rel="modulepreload" href="${href}">`).join('\n');
  const without = html.replace(/<link rel="modulepreload"[^>]*>\n/g, '');
  const anchor = '<link rel="preload" href="www/pkg/vaelab_bg.wasm"';
  const out = without.includes(anchor) ? without.replace(anchor, `${links}\n${anchor}`) : without.replace('</head>', `${links}\n</head>`);
  writeFileSync(path, out);
  console.log(`${page}: ${modules.length} modules preloaded`);
}
