// The README's picture of the page: trains the default model in headless Chromium for STEPS steps
// (autoplay link), then saves docs/screenshot.png. Usage: node scripts/screenshot.mjs [steps] [view] [link keys] [out]
// (e.g. 1880 latent 'latent=2&data=fashion&backend=cpu' docs/fashion-latent.png); DIST=dir serves another build.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from './chromium.mjs';
import { serve } from './static-server.mjs';

const STEPS = Number(process.argv[2] ?? 940); // two epochs at batch 128
const VIEW = process.argv[3] ?? 'training';
const KEYS = process.argv[4] ? `&${process.argv[4]}` : '';
const OUT = process.argv[5] ?? (VIEW === 'training' ? 'docs/screenshot.png' : `docs/screenshot-${VIEW}.png`);

const server = await serve(process.env.DIST ?? 'dist', 0);
const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'vaelab-shot-')), {
  executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 },
});
try {
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/index.html#v=1&view=${VIEW}&autoplay=1${KEYS}`);
  await page.waitForFunction((n) => window.vaelab?.status().step >= n, STEPS, { timeout: 30 * 60_000, polling: 1000 });
  await page.evaluate(() => window.vaelab.pause());
  // Let the last metrics and pictures arrive after the pause.
  await page.waitForTimeout(4000);
  const s = await page.evaluate(() => window.vaelab.status());
  await page.screenshot({ path: OUT, fullPage: true });
  console.log(`${OUT}: step ${s.step}, train loss ${s.trainLoss?.toFixed(1)}, test loss ${s.testLoss?.toFixed(1)}`);
} finally {
  await context.close();
  server.close();
}
