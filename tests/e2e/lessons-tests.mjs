// Browser tests of the lessons (lessons.html, run by run.mjs): the index lists all eleven in order; every
// lesson opens from its link, runs its widget on WebGPU (lesson 9: on the CPU) and its figure
// changes; math renders; switching language keeps the state; a malformed link opens with clamped
// values and a notice; classroom links hide controls; moving between lessons reuses trained models.
import assert from 'node:assert/strict';
import { LESSON_NAMES } from './page-helpers.mjs';

// A small model and a few steps: SwiftShader emulates the GPU on the CPU. Decoded digits need more
// steps than curves to change visibly (at 16 steps a small model still decodes grey noise).
const SMALL = 'enc_hidden=64&dec_hidden=64&batch_size=32';
const STEPS = 16;

const LESSONS = [
  { name: 'latent-variables', params: 'digit=3&k=300', expect: { digit: 3, k: 300 } },
  { name: 'elbo', params: 'digit=5&k=200', expect: { digit: 5, k: 200 } },
  { name: 'reparameterization', params: 'digit=4&spread=1.5', expect: { digit: 4, spread: 1.5 } },
  { name: 'recon-vs-kl', params: 'beta=2', expect: {}, config: { beta: 2 } },
  { name: 'one-sample', params: 'ks=1,2&steps=6&repeats=3', expect: { ks: [1, 2], steps: 6, repeats: 3 }, custom: true },
  { name: 'beta-capacity', params: 'objective=capacity&capacity_max=10&capacity_steps=8', expect: {}, config: { latent: 2, objective: 'capacity', capacity_max: 10 }, figure: 'digits', steps: 60 },
  { name: 'latent-space', params: 'a=5&b=9', expect: { a: 5, b: 9 }, config: { latent: 2 } },
  { name: 'conditional', params: 'digit=3', expect: { digit: 3 }, config: { conditional: true, latent: 2 }, figure: 'digits', steps: 60 },
];

const link = (name, rest = '') => `lessons.html#lesson=${name}&lang=en&${SMALL}${rest ? `&${rest}` : ''}`;
const api = (page, fn, arg) => page.evaluate(fn, arg);
const ready = (page) => page.evaluate(async () => {
  await window.vaelabLessons.ready;
  await window.vaelabLessons.lessonReady();
  return true;
});

/**
 * A fingerprint of the lesson's main figure (its first [data-figure] canvas, or the canvas inside):
 * a hash, the coloured pixels (series, bars, scatter points: saturated, unlike text and axes), the
 * grey-level contrast (standard deviation: digits), and how many pixels changed since the previous
 * print of the same page — all of them, and those coloured in either print (not tick labels).
 */
function figurePrint(page) {
  return page.evaluate(() => {
    const holder = document.querySelector('#lesson [data-figure]');
    const canvas = holder?.tagName === 'CANVAS' ? holder : holder?.querySelector('canvas');
    if (!canvas || canvas.width === 0) return null;
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const prev = window.__figurePrev?.length === data.length ? window.__figurePrev : null;
    const saturated = (d, i) => Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 40;
    let h = 2166136261;
    let coloured = 0;
    let changed = 0;
    let colouredChanged = 0;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < data.length; i += 4) {
      h = Math.imul(h ^ data[i] ^ (data[i + 1] << 8) ^ (data[i + 2] << 16), 16777619);
      if (saturated(data, i)) coloured++;
      const grey = (data[i] + data[i + 1] + data[i + 2]) / 3;
      sum += grey;
      sq += grey * grey;
      if (prev && Math.max(Math.abs(data[i] - prev[i]), Math.abs(data[i + 1] - prev[i + 1]), Math.abs(data[i + 2] - prev[i + 2])) > 24) {
        changed++;
        if (saturated(data, i) || saturated(prev, i)) colouredChanged++;
      }
    }
    window.__figurePrev = data;
    const n = data.length / 4;
    const contrast = Math.sqrt(Math.max(0, sq / n - (sum / n) ** 2));
    return { hash: h >>> 0, coloured, contrast: Math.round(contrast), changed, colouredChanged, size: `${canvas.width}×${canvas.height}` };
  });
}

/** What "the figure is drawn and changed while the model trained" means for each kind of figure. */
function assertFigureTrained(kind, second) {
  assert.ok(second, 'the lesson has no figure');
  if (kind === 'digits') {
    assert.ok(second.contrast > 10, `the decoded digits are blank (grey-level contrast ${second.contrast})`);
    assert.ok(second.changed > 1000, `the decoded digits did not change while the model trained (${second.changed} pixels)`);
  } else {
    assert.ok(second.coloured > 200, `nothing coloured is drawn (${second.coloured} pixels): no curve, bar or point`);
    assert.ok(second.colouredChanged > 20, `the curves, bars or points did not change while the model trained (${second.colouredChanged} pixels)`);
  }
}

async function mathIsFine(page) {
  const rendered = await page.locator('#lesson .katex').count();
  const errors = await page.locator('.katex-error').count();
  assert.ok(rendered > 5, `only ${rendered} formulas rendered`);
  assert.equal(errors, 0, `${errors} KaTeX error nodes`);
  return rendered;
}

function lessonTest({ name, params, expect, config = {}, custom, figure = 'chart', steps = STEPS }) {
  return {
    name: `lesson ${name}: opens from its link, runs on WebGPU, its figure changes, math renders`,
    async run({ open, note, shared }) {
      const hash = link(name, custom ? params : `${params}&train=${steps}`);
      const { page, errors } = await open(hash);
      await ready(page);
      const state = await api(page, () => window.vaelabLessons.state());
      assert.equal(state.lesson, name);
      assert.deepEqual(state.notices, [], `unexpected notices: ${state.notices.join(' | ')}`);
      for (const [k, v] of Object.entries(expect)) assert.deepEqual(state.params[k], v, `param ${k}`);
      for (const [k, v] of Object.entries({ enc_hidden: [64], batch_size: 32, ...config })) assert.deepEqual(state.config[k], v, `config ${k}`);
      const first = await figurePrint(page);
      const s0 = await api(page, () => window.vaelabLessons.status());
      assert.match(s0.backend, /WebGPU/);
      await api(page, () => window.vaelabLessons.untilTrained());
      const s1 = await api(page, () => window.vaelabLessons.status());
      const second = await figurePrint(page);
      note(`step ${s0.step} → ${s1.step}; figure ${second?.size}: coloured ${first?.coloured} → ${second?.coloured}, contrast ${first?.contrast} → ${second?.contrast}, changed ${second?.changed} (coloured ${second?.colouredChanged}); −ELBO ${s1.trainLoss?.toFixed(1)}`);
      assert.equal(s1.step, custom ? 6 : steps);
      assert.ok(first, 'the figure was not drawn before training');
      assertFigureTrained(figure, second);
      note(`${await mathIsFine(page)} formulas`);
      assert.ok(await page.locator('#error').isHidden(), await page.locator('#error').textContent());
      assert.deepEqual(errors, []);
      if (name === 'elbo') shared.elbo = { page, errors, hash };
      else await page.close();
    },
  };
}

export const tests = [
  {
    name: 'lessons index lists all eleven lessons, in English and Chinese',
    async run({ open, shot }) {
      const { page, errors } = await open('lessons.html#lang=en');
      await api(page, () => window.vaelabLessons.ready);
      const items = page.locator('.lesson-list li');
      const order = await items.evaluateAll((lis) => lis.map((li) => [li.dataset.lesson, li.querySelector('.number').textContent]));
      assert.deepEqual(order, LESSON_NAMES.map((name, i) => [name, String(i + 1)]));
      const en = await items.evaluateAll((lis) => lis.map((li) => [li.dataset.lesson, li.querySelector('a').textContent, li.querySelector('.summary').textContent, li.querySelector('a').getAttribute('href')]));
      for (const [name, title, summary, href] of en) {
        assert.ok(title.length > 3 && summary.length > 20, `${name}: empty title or summary`);
        assert.match(href, new RegExp(`lesson=${name}&lang=en`));
      }
      await page.locator('[data-lang=zh]').click();
      assert.match(await page.evaluate(() => location.hash), /lang=zh/);
      const zh = await items.evaluateAll((lis) => lis.map((li) => li.querySelector('a').textContent));
      assert.ok(zh.every((t) => /[\u4e00-\u9fff]/.test(t)), `titles not in Chinese: ${zh.join(', ')}`);
      assert.equal(await page.locator('.katex-error').count(), 0);
      await shot(page, 'lessons-index');
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  ...LESSONS.map(lessonTest),
  {
    name: 'lesson em-to-vae: EM runs on the CPU, the plane and the chart follow each half-step',
    async run({ open, note }) {
      const { page, errors } = await open('lessons.html#lesson=em-to-vae&lang=en&clusters=3&points=200&iter=0');
      await ready(page);
      const first = await figurePrint(page);
      for (let i = 0; i < 3; i++) await page.locator('#lesson .widget-controls button.primary').click();
      const state = await api(page, () => window.vaelabLessons.state());
      assert.equal(state.params.iter, 3);
      assert.match(state.hash, /&iter=3(&|$)/);
      const second = await figurePrint(page);
      assert.notEqual(first.hash, second.hash, 'the plane did not change after E, M, E');
      note((await page.locator('#lesson .readouts .stat').allTextContents()).join(' · '));
      await mathIsFine(page);
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'switching the language keeps the lesson state (hash, widget values, model); fits a narrow screen',
    async run({ open, shared, shot }) {
      const { page, errors } = shared.elbo ?? await (async () => {
        const o = await open(link('elbo', `digit=5&k=200&train=${STEPS}`));
        await ready(o.page);
        await api(o.page, () => window.vaelabLessons.untilTrained());
        return o;
      })();
      const before = await api(page, () => {
        window.__widget = document.querySelector('#lesson .widget');
        return { state: window.vaelabLessons.state(), step: window.vaelabLessons.status().step, k: document.querySelector('[data-control=k] input[type=number]').value };
      });
      await page.locator('[data-lang=zh]').click();
      const after = await api(page, () => ({
        state: window.vaelabLessons.state(),
        step: window.vaelabLessons.status().step,
        k: document.querySelector('[data-control=k] input[type=number]').value,
        same: document.querySelector('#lesson .widget') === window.__widget,
        prose: document.querySelector('#lesson .prose').textContent,
        digit: document.querySelector('[data-control=digit] [aria-pressed=true]')?.textContent,
      }));
      assert.equal(after.state.lang, 'zh');
      assert.equal(after.state.hash, before.state.hash.replace('lang=en', 'lang=zh'), 'the hash changed beyond lang');
      assert.deepEqual(after.state.params, before.state.params);
      assert.deepEqual(after.state.config, before.state.config);
      assert.equal(after.k, before.k);
      assert.equal(after.digit, '5');
      assert.equal(after.step, before.step, 'the model was retrained');
      assert.ok(after.same, 'the widget was rebuilt instead of kept');
      assert.ok((after.prose.match(/[\u4e00-\u9fff]/g) ?? []).length > 500, 'the text is not in Chinese');
      await mathIsFine(page);
      await shot(page, 'lesson-elbo-zh');
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(300);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      await page.setViewportSize({ width: 1280, height: 800 });
      assert.ok(overflow <= 0, `the lesson scrolls sideways on a narrow screen by ${overflow} px`);
      // And back through the hash, as a shared link would.
      await page.evaluate((h) => (location.hash = h), before.state.hash.replace(/^[^#]*/, ''));
      await page.waitForFunction(() => window.vaelabLessons.state().lang === 'en');
      const back = await api(page, () => ({ state: window.vaelabLessons.state(), same: document.querySelector('#lesson .widget') === window.__widget }));
      assert.deepEqual(back.state.params, before.state.params);
      assert.ok(back.same);
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'a malformed lesson link opens the lesson with clamped values, a notice and no error',
    async run({ open, note, shot }) {
      const { page, errors } = await open('lessons.html#lesson=elbo&lang=xx&latent=-3&k=abc&digit=99&<img src=x onerror=alert(1)>&<script>alert(2)</script>');
      await ready(page);
      const state = await api(page, () => window.vaelabLessons.state());
      note(`notices: ${state.notices.join(' | ')}`);
      assert.equal(state.lesson, 'elbo');
      assert.equal(state.lang, 'en');
      assert.equal(state.config.latent, 1);
      assert.equal(state.params.k, 100);
      assert.equal(state.params.digit, 9);
      const notice = page.locator('#notice');
      assert.ok(await notice.isVisible(), 'no visible notice');
      const text = await notice.textContent();
      for (const word of ['lang', 'latent', 'k:', 'digit', 'img']) assert.ok(text.includes(word), `the notice does not mention ${word}`);
      assert.equal(await page.locator('img').count(), 0, 'an img element was injected');
      assert.equal(await page.locator('body script').count(), 1, 'a script element was injected');
      assert.match(state.hash, /lang=en/);
      assert.match(state.hash, /&k=100&/);
      assert.ok(await page.locator('#error').isHidden());
      assert.ok(await figurePrint(page), 'the widget drew nothing');
      await shot(page, 'lesson-malformed-link');
      // The same notices in Chinese, the engine's clamping included.
      await page.locator('[data-lang=zh]').click();
      const zh = (await api(page, () => window.vaelabLessons.state())).notices;
      note(`中文: ${zh.join(' | ')}`);
      assert.ok(zh.some((n) => /^latent：“-3” 小于 1，改用 1$/.test(n)), `the engine's notice is not in Chinese: ${zh.join(' | ')}`);
      assert.ok(zh.every((n) => /[\u4e00-\u9fff]/.test(n)), `a notice is not in Chinese: ${zh.join(' | ')}`);
      assert.match(await notice.textContent(), /小于/);
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'a classroom lesson link hides the controls the teacher chose; copying makes such a link',
    async run({ open }) {
      const { page, errors } = await open(link('recon-vs-kl', 'train=4&hide=beta,training'));
      await ready(page);
      assert.ok(await page.locator('[data-control=beta]').isHidden(), 'β is visible');
      assert.ok(await page.locator('[data-control=training]').isHidden(), 'the training buttons are visible');
      assert.ok(await page.locator('[data-control=model]').isVisible());
      assert.ok(await page.locator('.hidden-note').isVisible());
      await page.locator('details.classroom summary').click();
      await page.locator('[data-hide-key=model]').check();
      await page.locator('#copy-link').click();
      const copied = await page.locator('section.share').getAttribute('data-link');
      assert.match(copied, /hide=[a-z_,]*model/);
      assert.match(copied, /beta/);
      const second = await open(copied.replace(/^https?:\/\/[^/]+\//, ''));
      await ready(second.page);
      for (const key of ['beta', 'training', 'model']) assert.ok(await second.page.locator(`[data-control=${key}]`).first().isHidden(), `${key} is visible`);
      assert.deepEqual([...errors, ...second.errors], []);
      await second.page.close();
      await page.close();
    },
  },
  {
    name: 'without WebGPU a lesson still shows its text and says why its widget cannot run; lesson 9 runs',
    async run({ open }) {
      const { page, errors } = await open(link('elbo', 'train=4'), { init: [() => delete Navigator.prototype.gpu] });
      await ready(page);
      await page.locator('#error').waitFor({ state: 'visible' });
      assert.match(await page.locator('#error').textContent(), /WebGPU is unavailable/);
      await mathIsFine(page);
      // In Chinese the panel speaks Chinese.
      const zh = await open(link('elbo', 'train=4').replace('lang=en', 'lang=zh'), { init: [() => delete Navigator.prototype.gpu] });
      await ready(zh.page);
      await zh.page.locator('#error').waitFor({ state: 'visible' });
      const zhText = await zh.page.locator('#error').textContent();
      assert.match(zhText, /WebGPU 不可用/);
      assert.match(zhText, /怎么办/);
      assert.doesNotMatch(zhText, /What to do|Use a browser/);
      assert.deepEqual(zh.errors, []);
      await zh.page.close();
      await page.evaluate(() => (location.hash = '#lesson=em-to-vae&lang=en'));
      await page.waitForFunction(() => window.vaelabLessons.state().lesson === 'em-to-vae');
      await ready(page);
      await page.locator('#lesson .widget-controls button.primary').click();
      assert.equal((await api(page, () => window.vaelabLessons.state())).params.iter, 1);
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'moving between lessons reuses a trained model and restores one trained earlier',
    async run({ open, note }) {
      const { page, errors } = await open(link('latent-variables', 'train=6'));
      await ready(page);
      await api(page, () => window.vaelabLessons.untilTrained());
      assert.equal((await api(page, () => window.vaelabLessons.status())).step, 6);
      // "Next" carries the reader's settings (the small model, the steps) into lesson 2: same model.
      await page.locator('#lesson [data-nav=elbo]').click();
      await page.waitForFunction(() => window.vaelabLessons.state().lesson === 'elbo');
      await ready(page);
      const carried = await api(page, () => ({ state: window.vaelabLessons.state(), status: window.vaelabLessons.status() }));
      assert.deepEqual(carried.state.config.enc_hidden, [64]);
      assert.equal(carried.state.params.train, 6);
      assert.equal(carried.status.step, 6, 'lesson 2 did not continue with the same model');
      // A lesson with another model trains its own; coming back restores the first one.
      await page.evaluate((h) => (location.hash = h), `#${link('latent-space', 'train=3').split('#')[1]}`);
      await page.waitForFunction(() => window.vaelabLessons.state().lesson === 'latent-space');
      await ready(page);
      await api(page, () => window.vaelabLessons.untilTrained());
      const other = await api(page, () => window.vaelabLessons.status());
      assert.equal(other.config.latent, 2);
      assert.equal(other.step, 3);
      await page.evaluate((h) => (location.hash = h), `#${link('reparameterization', 'train=6').split('#')[1]}`);
      await page.waitForFunction(() => window.vaelabLessons.state().lesson === 'reparameterization');
      await ready(page);
      const back = await api(page, () => window.vaelabLessons.status());
      note(`restored at step ${back.step} (${back.cached} models kept)`);
      assert.equal(back.step, 6, 'the model of lesson 1 was not restored');
      assert.match(await page.locator('.train-note').textContent(), /Restored/);
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'a lost GPU in a lesson shows the panel, and “Continue” trains the lesson’s model again on a new device',
    async run({ open, note }) {
      const { page, errors } = await open(link('recon-vs-kl', 'train=6&view=latent&autoplay=1'));
      await ready(page);
      assert.deepEqual((await api(page, () => window.vaelabLessons.state())).notices, [], 'the lab keys view and autoplay gave notices');
      await api(page, () => window.vaelabLessons.untilTrained());
      const before = await api(page, () => window.vaelabLessons.status());
      assert.equal(before.step, 6);
      await api(page, () => window.vaelabLessons.loseDevice());
      await page.locator('#error').waitFor({ state: 'visible' });
      assert.match(await page.locator('#error').textContent(), /GPU stopped working/);
      await page.locator('#error #continue').click();
      await page.locator('#error').waitFor({ state: 'hidden' });
      await page.waitForFunction(() => window.vaelabLessons.status().step >= 1);
      await api(page, () => window.vaelabLessons.untilTrained());
      const after = await api(page, () => window.vaelabLessons.status());
      note(`before: step ${before.step}, −ELBO ${before.trainLoss?.toFixed(2)}; after Continue: step ${after.step}, −ELBO ${after.trainLoss?.toFixed(2)}`);
      assert.equal(after.step, 6, 'the lesson did not train to its steps again');
      assert.match(after.backend, /WebGPU/);
      // The same seed on the new device: the same run.
      assert.equal(after.trainLoss, before.trainLoss, 'the run on the new device differs from the first');
      assert.ok(await page.locator('#error').isHidden());
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
];
