// Browser tests of the lab's data (run by run.mjs, on the CPU engine unless named): a data=fashion link
// trains with the class names in the scatter legend, and WebGPU switches to it; dropped IDX files (gzip, one without labels) and PNG pictures
// train; the figures save as PNG and the metrics as CSV in the CLI's columns; a data=own link asks for files
// in the lab, and in a lesson says that it trains on MNIST.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { ready, status } from './page-helpers.mjs';

const SMALL = 'enc_hidden=64&dec_hidden=64&batch_size=64&latent=2';
const CLI_COLUMNS = 'epoch,step,train_loss,train_recon,train_kl,test_loss,test_recon,test_kl,active_units,samples_per_sec,seconds';

/** IDX bytes: `dims` over `data` (unsigned bytes). */
function idx(dims, data) {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}

/** `n` 28×28 images of three kinds (a bar across, a bar down, a box), labels 0–2. */
function shapes(n) {
  const images = new Uint8Array(n * 784);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const kind = i % 3;
    const shift = (i * 7) % 9;
    labels[i] = kind;
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const on = kind === 0 ? Math.abs(y - 10 - shift) < 3 : kind === 1 ? Math.abs(x - 10 - shift) < 3
          : (x > 5 + shift / 2 && x < 22 && y > 5 && y < 22 - shift / 2);
        images[i * 784 + y * 28 + x] = on ? 230 : 10;
      }
    }
  }
  return { images, labels };
}

/** Distinct colours drawn on a canvas (how much a scatter shows). */
const colours = (page, id) => page.evaluate((id) => {
  const c = document.getElementById(id);
  const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
  const set = new Set();
  for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0) set.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
  return set.size;
}, id);

/** Drops `files` ([{name, bytes}]) on the page as a drag-and-drop would. */
const drop = (page, files) => page.evaluate((files) => {
  const dt = new DataTransfer();
  for (const { name, bytes, type } of files) dt.items.add(new File([new Uint8Array(bytes)], name, { type: type ?? '' }));
  document.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
}, files.map(({ name, bytes, type }) => ({ name, bytes: [...bytes], type })));

/** Trains `n` steps and returns the losses of the run so far. */
async function train(page, n) {
  await page.evaluate((n) => window.vaelab.step(n), n);
  return (await page.evaluate(() => window.vaelab.history())).train.loss;
}

export const tests = [
  {
    name: 'data: a data=fashion link trains on Fashion-MNIST, the loss falls and the legend names the classes (CPU)',
    async run({ open, note, shot }) {
      const requested = [];
      const { page, errors } = await open(`#v=1&${SMALL}&data=fashion&view=latent`, { backend: 'cpu',
        before: (p) => p.on('request', (r) => requested.push(new URL(r.url()).pathname)) });
      await ready(page);
      const s = await status(page);
      assert.equal(s.config.data, 'fashion');
      // Only the link's data set downloads (preloaded while the modules load, fetched once): no MNIST.
      const downloads = requested.filter((path) => path.endsWith('-ubyte.gz'));
      assert.deepEqual(downloads.filter((path) => !path.startsWith('/www/data/fashion/')), [], 'MNIST was downloaded for a data=fashion link');
      assert.equal(downloads.filter((path) => path.endsWith('/train-images-idx3-ubyte.gz')).length, 1, downloads.join(' '));
      assert.equal(await page.locator('#data-select').inputValue(), 'fashion');
      assert.equal(await page.locator('#data-select option:checked').textContent(), 'Fashion-MNIST');
      const losses = await train(page, 40);
      const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
      note(`loss ${mean(losses.slice(0, 3)).toFixed(1)} → ${mean(losses.slice(-3)).toFixed(1)} over 40 steps`);
      assert.ok(mean(losses.slice(-3)) < 0.8 * mean(losses.slice(0, 3)), 'the loss did not fall');
      await page.evaluate(() => window.vaelab.refresh());
      const legend = await page.locator('#latent-legend').textContent();
      for (const name of ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']) {
        assert.ok(legend.includes(name), `the legend lacks ${name}: ${legend}`);
      }
      assert.ok((await colours(page, 'latent-canvas')) > 5, 'the scatter looks empty');
      // The scatter's name follows at most once a second.
      await page.waitForFunction(() => /test items by label \(0 T-shirt\/top, 1 Trouser/.test(document.getElementById('latent-canvas').getAttribute('aria-label')));
      // Back to MNIST by the selector: a new run on the digits, the legend back to digits.
      await page.selectOption('#data-select', 'mnist');
      await page.waitForFunction(() => window.vaelab.status().config.data === 'mnist' && window.vaelab.status().step === 0);
      await train(page, 5);
      await page.evaluate(() => window.vaelab.refresh());
      assert.equal(await page.locator('#latent-legend').textContent(), '0123456789');
      assert.match(await page.evaluate(() => location.hash), /data=mnist/);
      await shot(page, 'data-fashion');
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'data: on WebGPU, switching to Fashion-MNIST loads it into the engine and trains a new run on it',
    async run({ open, note }) {
      const { page, errors } = await open(`#v=1&${SMALL}`, { backend: 'webgpu' });
      await ready(page);
      await train(page, 5);
      const result = await page.evaluate(() => window.vaelab.setConfig({ data: 'fashion' }));
      assert.ok(result.rebuilt, 'switching the data did not start a new run');
      const s = await status(page);
      assert.deepEqual([s.config.data, s.step, s.nTrain], ['fashion', 0, 60000]);
      assert.match(s.backend, /WebGPU/);
      const losses = await train(page, 15);
      note(`loss ${losses[0].toFixed(1)} → ${losses[14].toFixed(1)} over 15 steps on ${s.adapter}`);
      assert.ok(losses.every(Number.isFinite) && losses[14] < losses[0], 'the loss did not fall');
      assert.match(await page.locator('#latent-legend').textContent(), /9 Ankle boot/);
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'data: dropped IDX files (gzip, with and without labels, other sizes fitted to 28×28) train as data=own, split 90/10 (CPU)',
    async run({ open, note, shot, shared }) {
      const { page, errors } = await open(`#v=1&${SMALL}`, { backend: 'cpu' });
      await ready(page);
      const { images, labels } = shapes(300);
      await drop(page, [
        { name: 'shapes-images-idx3-ubyte.gz', bytes: gzipSync(idx([300, 28, 28], images)) },
        { name: 'shapes-labels-idx1-ubyte', bytes: idx([300], labels) },
      ]);
      await page.waitForFunction(() => window.vaelab.status().config.data === 'own' && window.vaelab.status().nTrain === 270);
      const notices = await page.evaluate(() => window.vaelab.notices());
      note(notices.join(' | '));
      assert.ok(notices.some((n) => /your own images: 300 images, labelled 0–9, split 90\/10/.test(n)), 'no notice of the images');
      assert.match(await page.evaluate(() => location.hash), /data=own/);
      const losses = await train(page, 30);
      assert.ok(losses.length === 30 && losses.every(Number.isFinite));
      assert.ok(losses[29] < losses[0], `the loss did not fall: ${losses[0]} → ${losses[29]}`);
      // Images alone (no label file) also train, with a notice that says so.
      await drop(page, [{ name: 'more-images-idx3-ubyte', bytes: idx([100, 28, 28], images.subarray(0, 100 * 784)) }]);
      await page.waitForFunction(() => window.vaelab.status().nTrain === 90);
      assert.ok((await page.evaluate(() => window.vaelab.notices())).some((n) => /no label file goes with it/.test(n)));
      // Images of another size are fitted into 28×28: 56×56 copies (each pixel a 2×2 block) come back
      // exactly, and a 20×36 set trains, centred, with a notice.
      const doubled = new Uint8Array(80 * 56 * 56);
      for (let i = 0; i < 80; i++) for (let y = 0; y < 56; y++) for (let x = 0; x < 56; x++) doubled[(i * 56 + y) * 56 + x] = images[(i * 28 + (y >> 1)) * 28 + (x >> 1)];
      const fitted = await page.evaluate(async ([big, small]) => {
        const { fitSquare } = await import('./www/core/own-images.js');
        const out = fitSquare(new Uint8Array(big), 56, 56);
        const wide = fitSquare(new Uint8Array(20 * 36).fill(200), 20, 36);
        return { same: out.every((v, i) => v === small[i]), rowsLit: [...Array(28).keys()].filter((y) => wide[y * 28 + 14] > 0) };
      }, [[...doubled.subarray(0, 56 * 56)], [...images.subarray(0, 784)]]);
      assert.ok(fitted.same, '56×56 copies of 28×28 images did not come back exactly');
      assert.deepEqual(fitted.rowsLit, [...Array(16).keys()].map((k) => k + 6), `a 20×36 image fills rows ${fitted.rowsLit}`);
      await drop(page, [{ name: 'big-images-idx3-ubyte', bytes: idx([80, 56, 56], doubled) }]);
      await page.waitForFunction(() => window.vaelab.status().nTrain === 72);
      assert.ok((await page.evaluate(() => window.vaelab.notices())).some((n) => /big-images-idx3-ubyte: images are 56×56, resized to fit 28×28/.test(n)));
      await train(page, 3);
      // A bad file changes nothing and says why.
      await drop(page, [{ name: 'broken-images-idx3-ubyte', bytes: idx([50, 28, 28], images.subarray(0, 10 * 784)) }]);
      await page.waitForFunction(() => /broken-images-idx3-ubyte: the header says 50×28×28/.test(document.getElementById('run-message').textContent));
      assert.equal((await status(page)).nTrain, 72);
      await train(page, 3);
      await shot(page, 'data-own-idx');
      assert.deepEqual(errors, []);
      shared.dataPage = { page, errors };
    },
  },
  {
    name: 'data: dropped PNG pictures train, inverted, with their name prefixes as classes in the legend (CPU)',
    async run({ open, note }) {
      const { page, errors } = await open(`#v=1&${SMALL}&view=latent`, { backend: 'cpu' });
      await ready(page);
      // Pictures drawn in the page (dark shapes on white, 40×32), the class as a name prefix.
      const count = await page.evaluate(async () => {
        const dt = new DataTransfer();
        for (let i = 0; i < 120; i++) {
          const c = new OffscreenCanvas(40, 32);
          const g = c.getContext('2d');
          g.fillStyle = '#fff';
          g.fillRect(0, 0, 40, 32);
          g.fillStyle = '#000';
          const kind = i % 2 ? 'circle' : 'square';
          if (kind === 'square') g.fillRect(8 + (i % 5), 6, 16, 16);
          else { g.beginPath(); g.arc(20, 16, 6 + (i % 6), 0, 7); g.fill(); }
          const blob = await c.convertToBlob({ type: 'image/png' });
          const file = new File([blob], `${kind}_${i}.png`, { type: 'image/png' });
          dt.items.add(file);
        }
        document.getElementById('own-invert').checked = true;
        document.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
        return dt.files.length;
      });
      assert.equal(count, 120);
      await page.waitForFunction(() => window.vaelab.status().config.data === 'own' && window.vaelab.status().nTrain === 108, null, { timeout: 30_000 });
      const losses = await train(page, 20);
      assert.ok(losses.every(Number.isFinite));
      await page.evaluate(() => window.vaelab.refresh());
      const legend = await page.locator('#latent-legend').textContent();
      note(`legend: ${legend}`);
      assert.match(legend, /0 circle1 square/);
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'data: the samples, manifold and interpolation save as PNG; the metrics CSV has the CLI columns (CPU)',
    async run({ open, shared, note }) {
      const { page, errors } = shared.dataPage ?? await open(`#v=1&${SMALL}`, { backend: 'cpu' });
      if (!shared.dataPage) await ready(page);
      await page.evaluate(() => window.vaelab.setConfig({ data: 'mnist' }));
      await train(page, 25);
      for (const [view, button, part] of [['training', 'save-samples', 'samples'], ['latent', 'save-manifold', 'manifold'], ['latent', 'save-strip', 'interpolation']]) {
        await page.evaluate((v) => window.vaelab.setView(v), view);
        await page.evaluate(() => window.vaelab.refresh());
        const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`#${button}`).click()]);
        assert.match(download.suggestedFilename(), new RegExp(`^vaelab-mnist-seed1-step25-${part}\\.png$`));
        const png = await readFile(await download.path());
        assert.ok(png.length > 500 && png.subarray(1, 4).toString() === 'PNG', `${part}: ${png.length} bytes, not a PNG`);
        note(`${download.suggestedFilename()}: ${png.length} bytes`);
      }
      await page.evaluate(() => window.vaelab.setView('training'));
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#save-csv').click()]);
      const lines = (await readFile(await download.path(), 'utf8')).trim().split('\n');
      assert.equal(lines[0], CLI_COLUMNS);
      assert.equal(lines.length, 26, 'one row per step');
      const rows = lines.slice(1).map((l) => l.split(','));
      assert.ok(rows.every((r) => r.length === 11));
      assert.deepEqual(rows.map((r) => Number(r[1])), Array.from({ length: 25 }, (_, i) => i + 1));
      const h = await page.evaluate(() => window.vaelab.history());
      assert.ok(Math.abs(Number(rows[24][2]) - h.train.loss[24]) < 1e-3, 'train_loss differs from the history');
      assert.ok(rows.filter((r) => r[5] !== '').length >= 2, 'no test probes in the CSV');
      note(`${lines[0]}\n    ${lines[25]}`);
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'data: a data=own link asks for the files instead of failing, and goes on with MNIST or with the files',
    async run({ open }) {
      const { page, errors } = await open(`#v=1&${SMALL}&data=own`, { backend: 'cpu' });
      await page.waitForSelector('#own-data-panel:not([hidden])');
      assert.match(await page.locator('#own-data-status').textContent(), /sender’s own images/);
      const { images, labels } = shapes(120);
      await page.setInputFiles('#own-files', [
        { name: 'a-images-idx3-ubyte', mimeType: 'application/octet-stream', buffer: idx([120, 28, 28], images) },
        { name: 'a-labels-idx1-ubyte', mimeType: 'application/octet-stream', buffer: idx([120], labels) },
      ]);
      await ready(page);
      const s = await status(page);
      assert.deepEqual([s.config.data, s.nTrain], ['own', 108]);
      await train(page, 5);
      await page.close();
      // The same link, and "Use MNIST instead".
      const second = await open(`#v=1&${SMALL}&data=own`, { backend: 'cpu' });
      await second.page.waitForSelector('#own-data-panel:not([hidden])');
      await second.page.locator('#own-cancel').click();
      await ready(second.page);
      const s2 = await status(second.page);
      assert.deepEqual([s2.config.data, s2.nTrain], ['mnist', 60000]);
      await train(second.page, 3);
      assert.deepEqual([...errors, ...second.errors], []);
      await second.page.close();
    },
  },
  {
    name: 'data: a data=own lesson link says the sender’s images stayed with them and trains on MNIST (CPU)',
    async run({ open, note }) {
      const { page, errors } = await open(`lessons.html#lesson=latent-space&lang=en&${SMALL}&data=own&train=4`, { backend: 'cpu' });
      await page.evaluate(async () => {
        await window.vaelabLessons.ready;
        await window.vaelabLessons.lessonReady();
        await window.vaelabLessons.untilTrained();
      });
      const { notices, hash } = await page.evaluate(() => window.vaelabLessons.state());
      note(notices.join(' | '));
      assert.ok(notices.some((n) => /data=own: this link’s model was trained on the sender’s own images/.test(n)), notices.join(' | '));
      assert.doesNotMatch(hash, /data=own/);
      const s = await page.evaluate(() => window.vaelabLessons.status());
      assert.equal(s.config.data, 'mnist');
      assert.equal(s.step, 4);
      assert.ok(Number.isFinite(s.trainLoss));
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
];
