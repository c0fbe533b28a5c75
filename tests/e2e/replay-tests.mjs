// Browser tests of links that rebuild a trained model (run by run.mjs, on the CPU engine, one on WebGPU):
// steps=N trains to N and pauses, two loads give bitwise the same weights file, live changes replay from `edits`,
// malformed or huge `edits` lists are clamped with notices, and Stop ends a rebuild.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ready, status } from './page-helpers.mjs';

const SMALL = 'enc_hidden=64&dec_hidden=64&batch_size=64';
const api = (page, fn, arg) => page.evaluate(fn, arg);
const losses = (page) => api(page, () => window.vaelab.history().train.loss);
const rebuilt = (page) => api(page, () => window.vaelab.rebuilt);
const notices = (page) => api(page, () => window.vaelab.notices());

/** sha256 of the file the Download weights button saves. */
async function weightsHash(page) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()]);
  return createHash('sha256').update(await readFile(await download.path())).digest('hex');
}

/** Opens `link`, waits for its rebuild: `{page, errors, result, hash, losses}` (the page stays open). */
async function rebuildOf(open, link, backend = 'cpu') {
  const { page, errors } = await open(link, { backend });
  await ready(page);
  const result = await rebuilt(page);
  return { page, errors, result, hash: await weightsHash(page), losses: await losses(page) };
}

/** The part of a full page address after the site's root (what `open` takes). */
const hashOf = (link) => link.slice(link.indexOf('#'));

export const tests = [
  {
    name: 'replay: a steps=40 link (CPU) trains to step 40 and pauses; two loads give bitwise the same weights file',
    async run({ open, note, shot }) {
      const link = `#v=1&${SMALL}&seed=21&steps=40`;
      const first = await rebuildOf(open, link);
      assert.deepEqual(first.result, { done: true, step: 40 });
      const s = await status(first.page);
      assert.deepEqual([s.step, s.running, s.training], [40, false, false]);
      assert.ok(await first.page.locator('#rebuild').isHidden(), 'the progress bar is still shown');
      assert.match(await first.page.locator('#run-message').textContent(), /^Rebuilt the shared model: step 40\. Press Train/);
      await first.page.waitForTimeout(500);
      assert.equal((await status(first.page)).step, 40, 'training went on past the link’s step');
      assert.match(await api(first.page, () => window.vaelab.exactLink()), /&steps=40$/);
      await shot(first.page, 'replay-steps-40');
      // The same link arriving as a new hash (the page rewrote its own) rebuilds from the initial weights.
      await first.page.evaluate((link) => {
        document.getElementById('run-message').textContent = '';
        location.hash = link;
      }, link);
      await first.page.waitForFunction(() => /^Rebuilt the shared model: step 40\./.test(document.getElementById('run-message').textContent)
        && window.vaelab.status().step === 40 && !window.vaelab.status().training);
      assert.equal(await weightsHash(first.page), first.hash, 'the hash change rebuilt another model');
      const second = await rebuildOf(open, link);
      note(`weights sha256 ${first.hash.slice(0, 16)}… on both loads; loss at step 40 ${first.losses[39].toFixed(4)}`);
      assert.equal(second.hash, first.hash, 'two loads of one link trained different weights');
      assert.deepEqual(second.losses, first.losses, 'two loads of one link had different losses');
      assert.deepEqual([...first.errors, ...second.errors], []);
      await first.page.close();
      await second.page.close();
    },
  },
  {
    name: 'replay: on WebGPU too, two loads of a link with steps and edits give bitwise the same weights file',
    async run({ open, note }) {
      const link = `#v=1&${SMALL}&seed=25&steps=12&edits=6:beta=2`;
      const first = await rebuildOf(open, link, 'webgpu');
      assert.deepEqual(first.result, { done: true, step: 12 });
      assert.equal((await status(first.page)).backend, 'WebGPU');
      await first.page.close();
      const second = await rebuildOf(open, link, 'webgpu');
      note(`weights sha256 ${first.hash.slice(0, 16)}… on both loads (kernels: ${(await status(second.page)).kernels} on the second)`);
      assert.equal(second.hash, first.hash, 'two loads of one link trained different weights on WebGPU');
      assert.deepEqual(second.losses, first.losses);
      assert.deepEqual([...first.errors, ...second.errors], []);
      await second.page.close();
    },
  },
  {
    name: 'replay: live changes are recorded with their step, carried by “Copy link (model)”, and replayed exactly (CPU)',
    async run({ open, note }) {
      const { page, errors } = await open(`#v=1&${SMALL}&seed=22`, { backend: 'cpu' });
      await ready(page);
      await api(page, () => window.vaelab.step(15));
      await api(page, () => window.vaelab.setConfig({ beta: 3 }));
      await api(page, () => window.vaelab.step(10));
      await api(page, () => window.vaelab.setConfig({ lr: 0.003, kl_warmup: 5 }));
      await api(page, () => window.vaelab.step(5));
      const link = await api(page, () => window.vaelab.exactLink());
      note(`copied: …${link.slice(link.indexOf('&steps='))}`);
      assert.match(link, /&steps=30&edits=15:beta=3;25:kl_warmup=5;25:lr=0\.003$/);
      assert.match(link, /beta=1&/, 'the link does not start from the run’s first config');
      await page.locator('#copy-exact').click();
      await page.waitForFunction(() => /Link to this exact model copied|Copy this link/.test(document.getElementById('run-message').textContent));
      const hash = await weightsHash(page);
      const trained = await losses(page);
      // A saved run keeps its list of changes: resumed after a reload, it offers the same link.
      const saved = await api(page, () => window.vaelab.checkpoint());
      assert.deepEqual([saved.ok, saved.step], [true, 30]);
      await page.reload();
      await ready(page);
      await page.locator('#resume').click();
      await page.waitForFunction(() => window.vaelab.status().step === 30);
      assert.equal(await api(page, () => window.vaelab.exactLink()), link, 'the resumed run lost its list of changes');

      const replayed = await rebuildOf(open, hashOf(link));
      assert.deepEqual(replayed.result, { done: true, step: 30 });
      assert.match(await replayed.page.locator('#run-message').textContent(), /with the 3 changes made on the way/);
      const config = (await status(replayed.page)).config;
      assert.deepEqual([config.beta, config.kl_warmup, Math.fround(0.003)], [3, 5, config.lr]);
      assert.equal(replayed.hash, hash, 'the replayed model differs from the one the link was copied from');
      assert.deepEqual(replayed.losses, trained, 'the replayed losses differ');
      assert.equal(await api(replayed.page, () => window.vaelab.exactLink()), link, 'the replay recorded other changes');
      // The edits matter: without them the same 30 steps give another model.
      const plain = await rebuildOf(open, hashOf(link).replace(/&edits=.*$/, ''));
      assert.notEqual(plain.hash, hash, 'the model did not depend on its edits');
      assert.deepEqual([...errors, ...replayed.errors, ...plain.errors], []);
      for (const p of [page, replayed.page, plain.page]) await p.close();
    },
  },
  {
    name: 'replay: a malformed or huge edits list is clamped with notices; Stop ends a rebuild where it is',
    async run({ open, note, shot }) {
      const huge = Array.from({ length: 3000 }, (_, i) => `${1 + (i % 50)}:beta=${1 + (i % 5)}`).join(';');
      const bad = `garbage;5:latent=3;x:beta=2;7:nope=1;10:beta=1e9;70:beta=2;12:lr=abc;${huge}`;
      const { page, errors } = await open(`#v=1&${SMALL}&seed=23&steps=60&edits=${bad}`, { backend: 'cpu' });
      await ready(page);
      const text = (await notices(page)).join('\n');
      for (const want of [/edits: “garbage” has no step/, /edits: latent cannot change during a run/, /“x” is not a step number/,
        /“nope” is not a setting/, /step 10: beta: “1e9” is above 100/, /step 70 comes after steps=60/, /step 12: lr: “abc” is not a number/,
        /edits: 3007 given; keeping the first 200/, /not in step order/]) assert.match(text, want);
      assert.ok(await page.locator('#notice').isVisible(), 'no notice shown');
      assert.deepEqual(await rebuilt(page), { done: true, step: 60 });
      const config = (await status(page)).config;
      assert.equal(config.latent, 20, 'an edit changed the model’s shape');
      note(`${text.split('\n').length} notices; the rebuild ended at step 60 with β = ${config.beta}`);
      await page.close();

      const long = await open(`#v=1&${SMALL}&seed=24&steps=100000`, { backend: 'cpu' });
      await ready(long.page);
      await long.page.waitForFunction(() => /^Rebuilding the shared model: step [1-9][\d,]* of 100,000$/.test(document.getElementById('rebuild-text').textContent));
      assert.ok(await long.page.locator('#rebuild').isVisible());
      await shot(long.page, 'replay-progress');
      await long.page.locator('#rebuild-stop').click();
      const ended = await rebuilt(long.page);
      assert.equal(ended.done, false);
      assert.ok(ended.step > 0 && ended.step < 100000, `stopped at ${ended.step}`);
      assert.ok(await long.page.locator('#rebuild').isHidden(), 'the progress bar stayed');
      assert.match(await long.page.locator('#run-message').textContent(), /^Stopped rebuilding the shared model at step [\d,]+ of 100,000\.$/);
      await long.page.waitForTimeout(800);
      const s = await status(long.page);
      assert.equal(s.step, ended.step, 'training went on after Stop');
      assert.deepEqual([...errors, ...long.errors], []);
      await long.page.close();
    },
  },
];
