// Runs bench/web/kernels.html in headless Chromium (WebGPU on SwiftShader, or a real GPU where
// there is one) and prints each matmul kernel's speed. Usage: node bench/kernels.mjs [kernels]
import { chromium } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '../scripts/static-server.mjs';
import { CHROMIUM_ARGS } from '../scripts/chromium.mjs';

const kernels = process.argv[2] ?? 'scalar,vec4';
const server = await serve(process.env.SITE ?? 'dist', 0);
const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'vaelab-bench-')), {
  executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS,
});
try {
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/bench/kernels.html?kernels=${kernels}`);
  await page.waitForFunction(() => window.result, null, { timeout: 600_000 });
  const result = await page.evaluate(() => window.result);
  if (result.error) throw new Error(result.error);
  console.log(`adapter: ${result.adapter}`);
  for (const r of result.rows) {
    console.log(`${r.kernel.padEnd(8)} ${r.label.padEnd(20)} ${r.form} ${`${r.m}x${r.n}x${r.k}`.padEnd(14)} ${r.ms.toFixed(2).padStart(8)} ms ${r.gflops.toFixed(2).padStart(7)} GFLOP/s`);
  }
} finally {
  await context.close();
  server.close();
}
