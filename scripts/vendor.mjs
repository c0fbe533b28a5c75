// Copies the page's third-party libraries from node_modules into DIR (uPlot for charts, KaTeX for
// math), so the built site has no runtime dependency on node_modules or a CDN.
import { cp, mkdir } from 'node:fs/promises';

const dir = process.argv[2] ?? 'dist/www/vendor';
const files = [
  ['node_modules/uplot/dist/uPlot.esm.js', 'uPlot.esm.js'],
  ['node_modules/uplot/dist/uPlot.min.css', 'uPlot.min.css'],
  ['node_modules/katex/dist/katex.mjs', 'katex.mjs'],
  ['node_modules/katex/dist/katex.min.css', 'katex.min.css'],
  ['node_modules/katex/dist/fonts', 'fonts'],
];
await mkdir(dir, { recursive: true });
for (const [from, to] of files) await cp(from, `${dir}/${to}`, { recursive: true });
