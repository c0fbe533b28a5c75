// Browser tests of opening a weights file in the lab (run by run.mjs, on the CPU engine): downloaded
// weights open again with the same test loss and reconstructions; a PyTorch-layout file without a
// config (built here, byte by byte) opens by the button and its latent scatter draws; each malformed
// file shows its message (by the API and by a drop) and training goes on with the model it had; a
// lesson's training bar opens a file too (button, API, drop) and its figure shows that model.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { ready, status } from './page-helpers.mjs';

const SMALL = 'enc_hidden=64&dec_hidden=64&batch_size=64';

/** A safetensors file: `tensors` as [name, dtype, shape, bytes], in order, and `metadata` (or none). */
function safetensors(tensors, metadata = null) {
  const header = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [name, dtype, shape, bytes] of tensors) {
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  while (json.length % 8 !== 0) json += ' ';
  const out = Buffer.alloc(8 + json.length + offset);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  out.write(json, 8, 'utf8');
  let at = 8 + json.length;
  for (const [, , , bytes] of tensors) {
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

/**
 * What `safetensors.torch.save_file(vae.state_dict(), …, metadata={"format": "pt"})` writes for a
 * 784-h-latent-h-784 VAE with our layer names (nn.Linear weights [out, in]), seeded values.
 * `edit(tensors)` changes the list first.
 */
function pytorchFile({ hidden = 32, latent = 2, edit = (t) => t } = {}) {
  let state = 12345;
  const values = (n, scale) => {
    const f = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      f[i] = (state / 2 ** 32 - 0.5) * 2 * scale;
    }
    return new Uint8Array(f.buffer);
  };
  const linear = (name, outs, ins) => [
    [`${name}.weight`, 'F32', [outs, ins], values(outs * ins, 1 / Math.sqrt(ins))],
    [`${name}.bias`, 'F32', [outs], values(outs, 1 / Math.sqrt(ins))],
  ];
  const tensors = [...linear('enc.0', hidden, 784), ...linear('enc.mu', latent, hidden), ...linear('enc.logvar', latent, hidden),
    ...linear('dec.0', hidden, latent), ...linear('dec.out', 784, hidden)];
  return safetensors(edit(tensors), { format: 'pt' });
}

const importBytes = (page, bytes, name) => page.evaluate(
  ([arr, name]) => window.vaelab.importWeights(new Uint8Array(arr), name).then((r) => ({ ok: r }), (e) => ({ error: e.message })),
  [[...bytes], name]);

const runMessage = (page) => page.evaluate(() => document.getElementById('run-message').textContent);

export const tests = [
  {
    name: 'import: downloaded weights open again with the same test loss and reconstructions (CPU)',
    async run({ open, note, shot }) {
      const { page, errors } = await open(`#v=1&${SMALL}&seed=3`, { backend: 'cpu' });
      await ready(page);
      await page.evaluate(() => window.vaelab.step(30));
      await page.evaluate(() => window.vaelab.refresh());
      const before = await page.evaluate(() => window.vaelab.evaluate());
      const reconBefore = await page.evaluate(() => document.getElementById('recon-canvas').toDataURL());
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()]);
      const bytes = await readFile(await download.path());
      // Another model meanwhile, so the import has something to replace.
      await page.evaluate(() => window.vaelab.setConfig({ seed: 11, latent: 5 }));
      await page.evaluate(() => window.vaelab.step(5));
      const { ok, error } = await importBytes(page, bytes, 'mine.safetensors');
      assert.ok(ok, error);
      assert.equal(ok.config.seed, 3);
      assert.equal(ok.config.latent, 20);
      assert.ok(ok.notices.includes('opened mine.safetensors: fresh optimizer state'), ok.notices.join(' | '));
      assert.match(await page.locator('#notice-list').textContent(), /opened mine\.safetensors: fresh optimizer state/);
      const after = await page.evaluate(() => window.vaelab.evaluate());
      note(`test loss ${before.loss.toFixed(4)} before download, ${after.loss.toFixed(4)} after opening it`);
      assert.ok(Math.abs(after.loss - before.loss) <= 1e-6 * before.loss, `${after.loss} ≠ ${before.loss}`);
      await page.evaluate(() => window.vaelab.refresh());
      const reconAfter = await page.evaluate(() => document.getElementById('recon-canvas').toDataURL());
      assert.ok(reconAfter === reconBefore, 'the reconstructions differ after opening the downloaded weights');
      const s = await status(page);
      assert.equal(s.step, 0);
      assert.equal(s.config.seed, 3);
      await page.evaluate(() => window.vaelab.step(10));
      const { train } = await page.evaluate(() => window.vaelab.history());
      assert.equal((await status(page)).step, 10);
      // Training continues from the opened weights: its first loss is that of a trained model.
      assert.ok(train.loss[0] < 1.15 * before.loss, `first loss after opening ${train.loss[0]} vs test loss ${before.loss}`);
      await shot(page, 'import-download');
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'import: a PyTorch-layout file without a config opens by the button (sizes inferred, relu said) and its latent scatter draws',
    async run({ open, note, shot, shared }) {
      const { page, errors } = await open(`#v=1&${SMALL}`, { backend: 'cpu' });
      await ready(page);
      await page.setInputFiles('#weights-file', { name: 'torch.safetensors', mimeType: 'application/octet-stream', buffer: pytorchFile() });
      await page.waitForFunction(() => /Opened torch\.safetensors/.test(document.getElementById('run-message').textContent));
      const s = await status(page);
      assert.deepEqual([s.config.enc_hidden, s.config.dec_hidden, s.config.latent, s.config.activation], [[32], [32], 2, 'relu']);
      const notices = await page.evaluate(() => window.vaelab.notices());
      note(notices.join(' | '));
      assert.ok(notices.some((n) => /activation assumed relu/.test(n)), 'no notice about the activation');
      assert.ok(notices.some((n) => /sizes inferred from the shapes \(enc_hidden=32, dec_hidden=32, latent=2\)/.test(n)));
      await page.evaluate(() => window.vaelab.setView('latent'));
      await page.evaluate(() => window.vaelab.refresh());
      const drawn = await page.evaluate(() => {
        const c = document.getElementById('latent-canvas');
        const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
        const colours = new Set();
        for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
        return colours.size;
      });
      assert.ok(drawn > 5, `the latent scatter looks empty (${drawn} colours)`);
      await page.evaluate(() => window.vaelab.step(10));
      const { train } = await page.evaluate(() => window.vaelab.history());
      assert.ok(train.loss.every(Number.isFinite) && train.loss.length === 10, 'training did not continue');
      await shot(page, 'import-pytorch');
      assert.deepEqual(errors, []);
      shared.importPage = { page, errors };
    },
  },
  {
    name: 'import: each malformed file shows what is wrong (API and drop) and training goes on',
    async run({ open, note, shared }) {
      const { page, errors } = shared.importPage ?? await open(`#v=1&${SMALL}`, { backend: 'cpu' });
      if (!shared.importPage) await ready(page);
      const good = pytorchFile();
      const rename = (from, to) => (t) => t.map((x) => (x[0] === from ? [to, ...x.slice(1)] : x));
      const cases = [
        ['picture.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]), /not a safetensors file/],
        ['cut.safetensors', good.subarray(0, good.length - 100), /truncated: the header describes \d+ bytes of tensors but the file holds \d+/],
        ['past.safetensors', Buffer.concat([Buffer.from([0x40, 0x42, 0x0f, 0, 0, 0, 0, 0]), Buffer.from('{"enc.0.weight":')]), /header length says 1000000 bytes but only 16 bytes follow/],
        ['renamed.safetensors', pytorchFile({ edit: rename('enc.0.weight', 'fc1.weight') }), /unknown tensor `fc1\.weight`/],
        ['missing.safetensors', pytorchFile({ edit: (t) => t.filter((x) => x[0] !== 'enc.logvar.bias') }), /tensor `enc\.logvar\.bias` is missing/],
        ['shape.safetensors', pytorchFile({ edit: (t) => t.map((x) => (x[0] === 'dec.out.bias' ? [x[0], 'F32', [700], x[3].subarray(0, 2800)] : x)) }),
          /tensor `dec\.out\.bias` has shape \[700\], expected \[784\]/],
        ['nan.safetensors', pytorchFile({ edit: (t) => t.map((x) => (x[0] === 'enc.mu.bias' ? [x[0], x[1], x[2], new Uint8Array(new Float32Array([0, NaN]).buffer)] : x)) }),
          /tensor `enc\.mu\.bias` holds NaN at index 1/],
      ];
      const config = (await status(page)).config;
      let step = (await status(page)).step;
      for (const [name, bytes, expected] of cases) {
        const { ok, error } = await importBytes(page, bytes, name);
        assert.ok(!ok, `${name} was opened`);
        assert.match(error, expected);
        assert.ok(error.startsWith(`weights file ${name}: `), error);
        assert.equal(await runMessage(page), error, 'the page shows another message than the API threw');
        const s = await status(page);
        assert.deepEqual(s.config, config, `${name} changed the config`);
        await page.evaluate(() => window.vaelab.step(2));
        assert.equal((await status(page)).step, step + 2, `training did not go on after ${name}`);
        step += 2;
      }
      note(`e.g. ${await runMessage(page)}`);
      // A dropped file takes the same path.
      await page.evaluate((arr) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(arr)], 'dropped.safetensors'));
        document.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      }, [...cases[4][1]]);
      await page.waitForFunction(() => /weights file dropped\.safetensors: tensor `enc\.logvar\.bias` is missing/.test(document.getElementById('run-message').textContent));
      assert.deepEqual((await status(page)).config, config);
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'import: a lesson opens a weights file from its training bar, shows that model, and Continue trains it (CPU)',
    async run({ open, note, shot }) {
      const { page, errors } = await open(`lessons.html#lesson=latent-space&lang=en&${SMALL}&train=8`, { backend: 'cpu' });
      await page.evaluate(async () => {
        await window.vaelabLessons.ready;
        await window.vaelabLessons.lessonReady();
        await window.vaelabLessons.untilTrained();
      });
      const lesson = () => page.evaluate(() => ({ status: window.vaelabLessons.status(), state: window.vaelabLessons.state() }));
      const scatter = () => page.evaluate(() => document.querySelector('#lesson [data-figure] canvas, #lesson canvas[data-figure]').toDataURL());
      const before = await lesson();
      assert.equal(before.status.step, 8);
      const drawnBefore = await scatter();
      // A malformed file, by the API: its message in the bar, the model and its steps unchanged.
      const bad = pytorchFile({ edit: (t) => t.filter((x) => x[0] !== 'dec.out.weight') });
      const { ok: opened, error } = await page.evaluate(([arr]) => window.vaelabLessons.importWeights(new Uint8Array(arr), 'bad.safetensors')
        .then((r) => ({ ok: r }), (e) => ({ error: e.message })), [[...bad]]);
      assert.ok(!opened, 'the malformed file was opened');
      assert.match(error, /weights file bad\.safetensors: tensor `dec\.out\.weight` is missing/);
      assert.match(await page.locator('.train-note').textContent(), /dec\.out\.weight` is missing.*The lesson’s model is unchanged/);
      const kept = await lesson();
      assert.deepEqual(kept.status.config, before.status.config);
      assert.equal(kept.status.step, 8);
      // The bar's button opens a PyTorch-layout file: sizes inferred, paused at step 0, figure redrawn.
      await page.setInputFiles('.training-bar input[type=file]', { name: 'torch.safetensors', mimeType: 'application/octet-stream', buffer: pytorchFile() });
      await page.waitForFunction(() => /Opened torch\.safetensors/.test(document.querySelector('.train-note').textContent));
      await page.evaluate(() => window.vaelabLessons.refresh());
      const after = await lesson();
      assert.deepEqual([after.status.config.enc_hidden, after.status.config.dec_hidden, after.status.config.latent], [[32], [32], 2]);
      assert.equal(after.status.step, 0);
      assert.match(after.state.hash, /enc_hidden=32/);
      assert.ok(after.state.notices.some((n) => /opened torch\.safetensors: fresh optimizer state/.test(n)), after.state.notices.join(' | '));
      assert.ok(after.state.notices.some((n) => /activation assumed relu/.test(n)), after.state.notices.join(' | '));
      assert.equal(await page.locator('#notice-title').textContent(), 'Weights file opened:');
      assert.notEqual(await scatter(), drawnBefore, 'the figure still shows the model the lesson had');
      note(`bar: ${await page.locator('.train-note').textContent()}`);
      // Continue trains the opened model to the lesson's step target.
      await page.locator('.training-bar .train-buttons button').first().click();
      await page.evaluate(() => window.vaelabLessons.untilTrained());
      const trained = await lesson();
      assert.equal(trained.status.step, 8);
      assert.equal(trained.status.config.enc_hidden[0], 32, 'training did not continue from the opened model');
      assert.ok(Number.isFinite(trained.status.trainLoss), `train loss ${trained.status.trainLoss}`);
      // A dropped file that is not weights: said in the bar, nothing else changes.
      await page.evaluate(() => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array([1, 2, 3])], 'digit.png'));
        document.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      });
      assert.match(await page.locator('.train-note').textContent(), /digit\.png is not a \.safetensors weights file/);
      assert.equal((await lesson()).status.config.enc_hidden[0], 32);
      await shot(page, 'import-lesson');
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
];
