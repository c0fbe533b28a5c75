// The lab's browser tests (run by run.mjs), second part: the latent view, hashchange, a link changed
// while MNIST loads, malformed links, and no WebGPU.
import assert from 'node:assert/strict';
import { LINK, ready, status, tileVariance, trainLink } from './page-helpers.mjs';

export const tests = [
  {
    name: 'latent = 2 shows the decoded manifold, the scatter and the interpolation',
    async run({ open, shared, note, shot }) {
      const { page, errors } = shared.link ?? await trainLink(open, LINK, 10);
      await page.evaluate(() => window.vaelab.refresh());
      assert.ok(await page.locator('#manifold-canvas').isVisible());
      const manifold = await tileVariance(page, 'manifold-canvas', { scale: 1, gap: 0 });
      const strip = await tileVariance(page, 'interp-canvas', { gap: 4 });
      const scatter = await page.evaluate(() => {
        const c = document.getElementById('latent-canvas');
        const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
        let coloured = 0;
        for (let i = 0; i < data.length; i += 4) if (Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]) > 40) coloured++;
        return coloured;
      });
      note(`manifold variance ${manifold.toFixed(0)}, interpolation variance ${strip.toFixed(0)}, coloured scatter pixels ${scatter}`);
      assert.ok(manifold > 50, `manifold looks blank (variance ${manifold})`);
      assert.ok(strip > 50, `interpolation looks blank (variance ${strip})`);
      assert.ok(scatter > 2000, 'the scatter has almost no points');
      // Hovering decodes a point into the z canvas.
      const box = await page.locator('#latent-canvas').boundingBox();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.waitForFunction(() => /z = \(/.test(document.getElementById('z-caption').textContent));
      await page.evaluate(() => window.vaelab.refresh());
      assert.ok(await tileVariance(page, 'z-canvas', { scale: 5, gap: 0 }) > 10, 'hover decoded nothing');
      assert.equal(await page.locator('#latent-sliders input').count(), 2);
      await shot(page, 'latent-2');
      assert.deepEqual(errors, []);
    },
  },
  {
    name: 'hashchange applies a new link without reloading; live and structural changes',
    async run({ open, shared }) {
      const { page, errors } = shared.link ?? await trainLink(open, LINK, 2);
      await page.evaluate(() => (window.__sameDocument = true));
      await page.evaluate(() => (location.hash = '#v=1&latent=3&seed=9&enc_hidden=32&dec_hidden=32&view=training'));
      // The rebuild is an engine job: it may wait for one in progress (e.g. kernel tuning).
      await page.waitForFunction(() => window.vaelab.status().config.latent === 3 && window.vaelab.status().step === 0);
      const s = await status(page);
      assert.equal(s.config.seed, 9);
      assert.equal(s.config.beta, 1, 'keys missing from a link take their defaults');
      assert.equal(s.view, 'training');
      assert.equal(s.step, 0, 'a structural change restarts the run');
      assert.ok(await page.evaluate(() => window.__sameDocument), 'the page reloaded');
      assert.match(await page.locator('#run-message').textContent(), /latent 2 → 3/);
      const live = await page.evaluate(() => window.vaelab.setConfig({ beta: 2.5, lr: 0.002 }));
      assert.equal(live.rebuilt, false);
      assert.match(await page.evaluate(() => location.hash), /&beta=2\.5&/);
      const rebuilt = await page.evaluate(() => window.vaelab.setConfig({ enc_hidden: [48, 24] }));
      assert.equal(rebuilt.rebuilt, true);
      assert.deepEqual(rebuilt.config.enc_hidden, [48, 24]);
      assert.match(await page.evaluate(() => location.hash), /&enc_hidden=48,24&/);
      await page.evaluate(() => window.vaelab.step(2));
      assert.equal((await status(page)).step, 2);
      // The controls: a live field keeps the run; New seed and Reset restart it and say so.
      await page.locator('input[type=number][data-key=beta]').fill('3');
      await page.locator('input[type=number][data-key=beta]').dispatchEvent('change');
      await page.waitForFunction(() => window.vaelab.status().config.beta === 3);
      assert.equal((await status(page)).step, 2, 'a live change restarted the run');
      assert.match(await page.evaluate(() => location.hash), /&beta=3&/);
      await page.locator('#new-seed').click();
      await page.waitForFunction(() => window.vaelab.status().config.seed !== 9);
      assert.match(await page.locator('#run-message').textContent(), /seed 9 → \d+/);
      await page.evaluate(() => window.vaelab.step(1));
      await page.locator('#reset').click();
      await page.waitForFunction(() => /Reset/.test(document.getElementById('run-message').textContent));
      assert.equal((await status(page)).step, 0);
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'a link changed while MNIST is still loading is the one that trains; the IWAE objective has its control',
    async run({ open }) {
      let release;
      const held = new Promise((resolve) => (release = resolve));
      const { page, errors } = await open('#v=1&latent=2&enc_hidden=64&dec_hidden=64&batch_size=64', {
        before: (p) => p.route('**/train-images-idx3-ubyte.gz', async (route) => {
          await held;
          await route.continue();
        }),
      });
      await page.waitForFunction(() => window.vaelab?.status().config?.latent === 2);
      await page.evaluate(() => (location.hash = '#v=1&latent=3&enc_hidden=64&dec_hidden=64&batch_size=64&objective=iwae&samples=3'));
      await page.waitForFunction(() => window.vaelab.status().config.latent === 3);
      assert.equal((await status(page)).step, 0);
      release();
      await ready(page);
      const s = await status(page);
      // The engine's own count: enc 784·64+64, head 64·2·3+6, dec 3·64+64, out 64·784+784.
      const latent3 = 784 * 64 + 64 + 64 * 6 + 6 + 3 * 64 + 64 + 64 * 784 + 784;
      assert.equal(s.parameters, latent3, 'the engine runs the model the page opened with, not the one it shows');
      assert.equal(s.config.objective, 'iwae');
      assert.equal(await page.locator('select[data-key=objective]').inputValue(), 'iwae');
      assert.match(await page.locator('#objective-formula').textContent(), /K/);
      await page.evaluate(() => window.vaelab.step(3));
      const trained = await status(page);
      assert.equal(trained.step, 3);
      assert.ok(Number.isFinite(trained.objective), 'no IWAE objective came back');
      // Back to the ELBO rebuilds (other kernels) and says what changed.
      const back = await page.evaluate(() => window.vaelab.setConfig({ objective: 'elbo' }));
      assert.equal(back.rebuilt, true);
      assert.match(await page.locator('#run-message').textContent(), /objective iwae → elbo/);
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'a malformed link loads with clamped values, a visible notice and no error',
    async run({ open, note, shot }) {
      const { page, errors } = await open('#v=1&latent=-5&beta=abc&lr=1e9&<script>alert(1)</script>&<img src=x onerror=alert(2)>');
      await ready(page);
      const s = await status(page);
      const notices = await page.evaluate(() => window.vaelab.notices());
      note(`notices: ${notices.join(' | ')}`);
      assert.equal(s.config.latent, 1);
      assert.ok(notices.some((n) => /latent: “-5” is below 1; using 1/.test(n)), 'no notice for latent');
      assert.equal(s.config.beta, 1);
      assert.equal(s.config.lr, 1);
      const notice = page.locator('#notice');
      assert.ok(await notice.isVisible(), 'no visible notice');
      const text = await notice.textContent();
      for (const word of ['latent', 'beta', 'lr', 'script']) assert.match(text, new RegExp(word));
      assert.equal(await page.locator('body script').count(), 1, 'a script element was injected');
      assert.equal(await page.locator('img').count(), 0, 'an img element was injected');
      assert.ok(await page.locator('#error').isHidden());
      await shot(page, 'malformed-link');
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'without navigator.gpu the page says WebGPU is unavailable and what to do',
    async run({ open, shot }) {
      const { page, errors } = await open('', { init: [() => delete Navigator.prototype.gpu] });
      await page.locator('#error').waitFor({ state: 'visible' });
      const text = await page.locator('#error').textContent();
      assert.match(text, /WebGPU is unavailable/);
      assert.match(text, /navigator\.gpu/);
      assert.match(text, /Chrome or Edge 113/);
      assert.match(text, /enable-unsafe-webgpu/);
      await assert.rejects(page.evaluate(() => window.vaelab.ready), /WebGPU is unavailable/);
      await shot(page, 'no-webgpu');
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'when requestAdapter() resolves null the page says there is no GPU adapter',
    async run({ open }) {
      const { page, errors } = await open('', { init: [() => (GPU.prototype.requestAdapter = async () => null)] });
      await page.locator('#error').waitFor({ state: 'visible' });
      const text = await page.locator('#error').textContent();
      assert.match(text, /no GPU adapter/);
      assert.match(text, /What to do/);
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'a preset=burda link opens the protocol model (later pairs override it), and the lab offers the presets',
    async run({ open }) {
      const { page, errors } = await open('#v=1&preset=burda&seed=3', { backend: 'cpu' });
      await ready(page);
      const { config } = await status(page);
      assert.deepEqual([config.enc_hidden, config.dec_hidden, config.latent, config.activation, config.batch_size],
        [[200, 200], [200, 200], 50, 'tanh', 100]);
      assert.deepEqual([config.binarize, config.output_bias, config.seed], ['dynamic', 'mean', 3]);
      assert.ok(Math.abs(config.adam_eps - 1e-4) < 1e-9, `adam_eps ${config.adam_eps}`);
      const hash = await page.evaluate(() => location.hash);
      assert.match(hash, /&latent=50&/, 'the hash does not carry the config of the preset');
      assert.doesNotMatch(hash, /preset=/, 'the hash kept the preset instead of its values');
      const options = await page.locator('#preset option').allTextContents();
      assert.ok(options.includes('burda') && options.includes('default'), `preset options: ${options}`);
      await page.locator('#preset').selectOption('default');
      await page.waitForFunction(() => window.vaelab.status().config.latent === 20);
      assert.equal((await status(page)).config.activation, 'relu');
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
];
