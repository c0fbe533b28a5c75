// Browser tests of the page: serves dist/ on a random 127.0.0.1 port, drives Debian's Chromium
// (WebGPU on SwiftShader) with playwright-core, saves screenshots to test-results/.
// Usage: node tests/e2e/run.mjs [filter]   (DIST=dir serves another build than dist/)
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../scripts/chromium.mjs';
import { serve } from '../../scripts/static-server.mjs';
import { tests } from './page-tests.mjs';
import { tests as linkTests } from './link-tests.mjs';
import { tests as lessonTests } from './lessons-tests.mjs';
import { tests as cpuTests } from './cpu-tests.mjs';
import { tests as a11yTests } from './a11y-tests.mjs';
import { tests as keepTests } from './keep-tests.mjs';
import { tests as importTests } from './import-tests.mjs';
import { tests as replayTests } from './replay-tests.mjs';
import { tests as dataTests } from './data-tests.mjs';
import { tests as odeLessonTests } from './ode-lesson-tests.mjs';
import { tests as vrnnLessonTests } from './vrnn-lesson-tests.mjs';
import { tests as seqBackendTests } from './seq-backend-tests.mjs';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const dist = resolve(root, process.env.DIST ?? 'dist');
const results = join(root, 'test-results');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const TEST_TIMEOUT_MS = 150_000;

for (const needed of ['index.html', 'www/lab/app.js', 'www/pkg/vaelab.js', 'www/data/train-images-idx3-ubyte.gz']) {
  if (!existsSync(join(dist, needed))) {
    console.error(`dist/${needed} is missing: build the page first with  bash scripts/build-web.sh  (or --dev)`);
    process.exit(1);
  }
}
if (!existsSync(CHROMIUM)) {
  console.error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) or set CHROMIUM=/path/to/chrome`);
  process.exit(1);
}
mkdirSync(results, { recursive: true });

const server = await serve(dist, 0);
const base = `http://127.0.0.1:${server.address().port}/`;
// The same site under a sub-path (as GitHub Pages serves a project), for the any-static-host test.
const SUB_PATH = '/some/sub/path/';
const subServer = await serve(dist, 0, { prefix: SUB_PATH });
const subBase = `http://127.0.0.1:${subServer.address().port}${SUB_PATH}`;
const userDataDir = mkdtempSync(join(tmpdir(), 'vaelab-e2e-'));
// headless: false because --headless=new is passed here explicitly, with the rest of the flags.
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: CHROMIUM,
  headless: false,
  args: CHROMIUM_ARGS,
  viewport: { width: 1280, height: 800 },
});

/**
 * Opens `hash` in a fresh page, recording page errors; `init` scripts run before the page's own,
 * `before(page)` (e.g. network routes) before it navigates. The link gets `backend` (webgpu unless
 * a test says otherwise; null leaves the link as written) when it names none. `at`: the site's
 * address (default: served at the root). Runs saved in IndexedDB by earlier tests are forgotten
 * first (tests share one profile) unless `keepSaved`.
 */
async function open(hash = '', { init = [], before = null, backend = 'webgpu', at = base, keepSaved = false } = {}) {
  const page = await context.newPage();
  if (!keepSaved) await forgetSavedRuns(page, at);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  for (const script of init) await page.addInitScript(script);
  if (before) await before(page);
  await page.goto(at + withBackend(hash, backend));
  return { page, errors };
}

async function forgetSavedRuns(page, at) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.clearDataForOrigin', { origin: new URL(at).origin, storageTypes: 'indexeddb' });
  await cdp.detach();
}

function withBackend(link, backend) {
  if (!backend || /[#&]backend=/.test(link)) return link;
  if (!link.includes('#')) return `${link}#backend=${backend}`;
  return link.endsWith('#') ? `${link}backend=${backend}` : `${link}&backend=${backend}`;
}

const filter = process.argv[2];
const shared = {}; // state one test hands to the next (e.g. a trained page)
let passed = 0;
let failed = 0;
const started = Date.now();
for (const test of [...tests, ...linkTests, ...lessonTests, ...cpuTests, ...a11yTests, ...keepTests, ...importTests, ...replayTests, ...dataTests, ...odeLessonTests, ...vrnnLessonTests, ...seqBackendTests]) {
  if (filter && !test.name.includes(filter)) continue;
  const t0 = Date.now();
  const notes = [];
  let timer;
  try {
    await Promise.race([
      test.run({ open, base, subBase, shared, note: (line) => notes.push(line), shot: (page, name) => page.screenshot({ path: join(results, `${name}.png`), fullPage: true }) }),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${TEST_TIMEOUT_MS / 1000} s`)), TEST_TIMEOUT_MS))),
    ]);
    passed++;
    console.log(`✓ ${test.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    failed++;
    console.log(`✗ ${test.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n    ${String(e?.stack ?? e).split('\n').slice(0, 4).join('\n    ')}`);
  } finally {
    clearTimeout(timer);
  }
  for (const line of notes) console.log(`    ${line}`);
}

await context.close();
server.close();
subServer.close();
rmSync(userDataDir, { recursive: true, force: true });
console.log(`screenshots in ${results}/ · ${((Date.now() - started) / 1000).toFixed(0)} s in all`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
