// A README picture of a lesson: opens its link in headless Chromium, waits until the lesson trained to
// the link's steps, and saves its widget (or, with --full, the whole page).
// Usage: node scripts/screenshot-lesson.mjs '<lesson link keys>' out.png [--full]
// (e.g. 'lesson=latent-ode&lang=zh&steps=2000' docs/lesson-latent-ode-zh.png); DIST=dir serves another build.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from './chromium.mjs';
import { serve } from './static-server.mjs';

const [keys, out, full] = process.argv.slice(2);
if (!keys || !out) {
  console.error("usage: node scripts/screenshot-lesson.mjs '<lesson link keys>' out.png [--full]");
  process.exit(2);
}
const server = await serve(process.env.DIST ?? 'dist', 0);
const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'vaelab-shot-')), {
  executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 },
});
try {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`http://127.0.0.1:${server.address().port}/lessons.html#${keys}`);
  await page.evaluate(async () => {
    await window.vaelabLessons.ready;
    await window.vaelabLessons.lessonReady();
    await window.vaelabLessons.untilTrained();
  });
  await page.waitForTimeout(500);
  if (full === '--full') await page.screenshot({ path: out, fullPage: true });
  else await page.locator('#lesson .widget').screenshot({ path: out });
  const status = await page.evaluate(() => document.querySelector('#lesson .run-status')?.textContent ?? window.vaelabLessons.status()?.step);
  console.log(`${out}: ${status}${errors.length ? ` (page errors: ${errors.join(' | ')})` : ''}`);
} finally {
  await context.close();
  server.close();
}
