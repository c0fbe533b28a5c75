// Copies third-party files from node_modules into the built site, so it needs neither
// node_modules nor a CDN at run time. Usage: node scripts/vendor.mjs DIR [LIST.json]
// Without a list: the page's libraries (uPlot for charts, KaTeX for math). With one: its
// [from, to] pairs (paths under node_modules and under DIR), e.g. bench/web/vendor-files.json.
import { cp, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

const [dir = 'dist/www/vendor', list] = process.argv.slice(2);
const PAGE = [
  ['uplot/dist/uPlot.esm.js', 'uPlot.esm.js'],
  ['uplot/dist/uPlot.min.css', 'uPlot.min.css'],
  ['katex/dist/katex.mjs', 'katex.mjs'],
  ['katex/dist/katex.min.css', 'katex.min.css'],
  ['katex/dist/fonts', 'fonts'],
];
const files = list ? JSON.parse(await readFile(list, 'utf8')) : PAGE;
for (const [from, to] of files) {
  await mkdir(dirname(`${dir}/${to}`), { recursive: true });
  await cp(`node_modules/${from}`, `${dir}/${to}`, { recursive: true });
}
