// A static file server for dist/ on 127.0.0.1 only, with the MIME types the page needs
// (application/wasm for streaming compilation). Usage: node scripts/static-server.mjs DIR PORT [--isolated]
// Plain by default, like the static hosts the page targets (GitHub Pages sends no COOP/COEP).
// { isolated: true } (or --isolated) adds the headers that make its pages cross-origin isolated
// (SharedArrayBuffer, so wasm threads): the speed bench serves the peers' pages this way.
// { prefix: '/a/b/' } (or --prefix=/a/b/) serves the site under that sub-path only, as a project
// page on GitHub Pages is (https://user.github.io/repo/): the browser tests check the page works there.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm', '.gz': 'application/gzip', '.json': 'application/json',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf',
};

// Cross-origin isolation: COOP + COEP on documents; CORP on every response so each subresource
// (scripts, wasm, MNIST) may be embedded by an isolated document — they are same-origin here, which
// require-corp allows anyway, but CORP keeps them loadable if a page ever comes from another port.
const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
};

export function serve(root, port = 8080, { isolated = false, prefix = '/' } = {}) {
  const base = resolve(root);
  const under = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const extra = isolated ? ISOLATION_HEADERS : {};
  const server = createServer(async (req, res) => {
    try {
      const full = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
      if (!full.startsWith(under)) throw new Error('outside the prefix');
      const path = `/${full.slice(under.length)}`;
      let file = normalize(join(base, path));
      if (!file.startsWith(base)) { res.writeHead(403).end('forbidden'); return; }
      if ((await stat(file).catch(() => null))?.isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': body.length,
        'cache-control': 'no-cache', ...extra,
      });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain', ...extra }).end('not found');
    }
  });
  return new Promise((ok) => server.listen(port, '127.0.0.1', () => ok(server)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const isolated = args.includes('--isolated');
  const prefix = args.find((a) => a.startsWith('--prefix='))?.slice('--prefix='.length) ?? '/';
  const [root = 'dist', port = '8080'] = args.filter((a) => !a.startsWith('--'));
  const server = await serve(root, Number(port), { isolated, prefix });
  const at = `http://127.0.0.1:${server.address().port}${prefix.endsWith('/') ? prefix : `${prefix}/`}`;
  console.log(`serving ${root} at ${at}${isolated ? ' (cross-origin isolated: COOP/COEP)' : ''}`);
}
