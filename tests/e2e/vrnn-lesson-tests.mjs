// Browser tests of lesson 10, the VRNN (run by run.mjs; filter: vrnn). The lesson runs the engine's
// VrnnLab from the CPU wasm build on the page's thread, on MNIST rows: it opens from its link in English
// and Chinese, trains to the link's steps, the completion figure, the generated digits and the per-row
// KL chart change while it trains, the rows-given slider changes the link and the completions, and the
// inference switch changes the link and retrains from the seed. No timing assertions.
import assert from 'node:assert/strict';

const LINK = (rest = '', lang = 'en') => `lessons.html#lesson=vrnn&lang=${lang}${rest ? `&${rest}` : ''}`;
const ready = (page) => page.evaluate(async () => {
  await window.vaelabLessons.ready;
  await window.vaelabLessons.lessonReady();
  return true;
});
const trained = (page) => page.evaluate(() => window.vaelabLessons.untilTrained().then(() => true));

/** What the widget shows: its step, readouts, KL per row, the completions, the problem line. */
const shown = (page) => page.evaluate(() => {
  const w = window.vaelabLessons.widget();
  const readouts = Object.fromEntries([...document.querySelectorAll('#lesson [data-readout]')].map((n) => [n.dataset.readout, n.querySelector('b').textContent]));
  const problem = document.querySelector('#lesson .lesson-problem');
  return {
    step: w.step,
    readouts,
    klSteps: w.evals?.klSteps ?? null,
    completions: w.shownCompletion?.data?.completions ?? null,
    digit: w.shownCompletion?.data?.digit ?? null,
    figureError: w.shownCompletion?.error ?? null,
    problem: problem && !problem.hidden ? problem.textContent : null,
    label: document.querySelector('#lesson [data-figure=completion]').dataset.label,
    klLabel: document.querySelector('#lesson [data-figure=kl]').dataset.label,
    status: document.querySelector('#lesson .run-status').textContent,
    params: window.vaelabLessons.state().params,
    hash: location.hash,
  };
});

/** A hash and the count of non-white pixels of one of the lesson's canvases. */
const print = (page, figure) => page.evaluate((figure) => {
  const canvas = document.querySelector(`#lesson [data-figure=${figure}]`);
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  let h = 2166136261;
  let inked = 0;
  for (let i = 0; i < data.length; i += 4) {
    h = Math.imul(h ^ data[i] ^ (data[i + 1] << 8) ^ (data[i + 2] << 16), 16777619);
    if (data[i] + data[i + 1] + data[i + 2] < 600) inked++;
  }
  return { hash: h >>> 0, inked };
}, figure);

const differ = (a, b) => a.length !== b.length || a.some((v, i) => Math.abs(v - b[i]) > 1e-9);

async function mathIsFine(page) {
  const rendered = await page.locator('#lesson .katex').count();
  assert.ok(rendered > 5, `only ${rendered} formulas rendered`);
  assert.equal(await page.locator('.katex-error').count(), 0, 'KaTeX error nodes');
}

export const tests = [
  {
    name: 'lesson vrnn: opens from its link in English, trains (steps rise), completions, generated digits and the KL chart change',
    async run({ open, note, shot }) {
      const { page, errors } = await open(LINK('steps=0&digit=3&rows=10'), { backend: null });
      await ready(page);
      await trained(page);
      const state = await page.evaluate(() => window.vaelabLessons.state());
      assert.equal(state.lesson, 'vrnn');
      assert.deepEqual(state.notices, [], `unexpected notices: ${state.notices.join(' | ')}`);
      const before = await shown(page);
      assert.equal(before.problem, null, before.problem);
      assert.equal(before.step, 0);
      assert.equal(before.digit?.length, 784);
      assert.equal(before.completions?.length, 5 * 784);
      // The given rows are copied into every completion.
      for (let i = 0; i < 5; i++) assert.deepEqual(before.completions.slice(i * 784, i * 784 + 280), before.digit.slice(0, 280), `completion ${i}: the given rows are not the digit's`);
      assert.equal(before.klSteps?.length, 28);
      const figures = { completion: await print(page, 'completion'), generated: await print(page, 'generated'), kl: await print(page, 'kl') };
      for (const [name, p] of Object.entries(figures)) assert.ok(p.inked > 50, `${name}: nothing is drawn (${p.inked})`);
      await page.evaluate(() => (location.hash = location.hash.replace(/&steps=0(&|$)/, '&steps=30$1')));
      await page.waitForFunction(() => window.vaelabLessons.widget().step > 0);
      const mid = (await shown(page)).step;
      await trained(page);
      const after = await shown(page);
      note(`step 0 → ${mid} → ${after.step}; ${after.status}; readouts ${JSON.stringify(before.readouts)} → ${JSON.stringify(after.readouts)}; KL per row ${after.klLabel}`);
      assert.equal(after.step, 30);
      assert.ok(mid > 0 && mid <= 30);
      for (const key of ['elbo', 'recon', 'kl']) assert.notEqual(after.readouts[key], before.readouts[key], `readout ${key} did not change`);
      assert.ok(differ(after.completions, before.completions), 'the completions did not change while the model trained');
      assert.ok(differ(after.klSteps, before.klSteps), 'the KL per row did not change while the model trained');
      for (const name of Object.keys(figures)) assert.notEqual((await print(page, name)).hash, figures[name].hash, `${name} did not change while the model trained`);
      assert.match(await page.locator('#lesson .vrnn-cost').textContent(), /ms per step/);
      // The rows-given slider: the link and the completions follow.
      await page.locator('[data-control=rows] input[type=number]').fill('20');
      await page.locator('[data-control=rows] input[type=number]').press('Enter');
      const rows = await shown(page);
      assert.equal(rows.params.rows, 20);
      assert.match(rows.hash, /&rows=20(&|$)/);
      assert.ok(differ(rows.completions, after.completions), 'the completions did not follow the rows given');
      assert.deepEqual(rows.completions.slice(0, 560), rows.digit.slice(0, 560));
      await mathIsFine(page);
      await shot(page, 'lesson-vrnn-en');
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'lesson vrnn: opens in Chinese; the inference switch changes the link and retrains from the seed',
    async run({ open, note, shot }) {
      const { page, errors } = await open(LINK('steps=15&digit=5', 'zh'), { backend: null });
      await ready(page);
      await trained(page);
      const fwd = await shown(page);
      assert.equal(fwd.problem, null, fwd.problem);
      assert.equal(fwd.step, 15);
      assert.equal(fwd.params.inference, 'forward');
      assert.match(fwd.status, /第 15 \/ 15 步/);
      assert.match(await page.locator('#lesson h1, #lesson h2').first().textContent(), /[\u4e00-\u9fff]/);
      await mathIsFine(page);
      await page.locator('[data-control=inference] button[data-value=backward]').click();
      const switched = await shown(page);
      assert.match(switched.hash, /&inference=backward(&|$)/);
      assert.equal(switched.params.inference, 'backward');
      assert.ok(switched.step < 15, `the switch did not restart the run (step ${switched.step})`);
      await trained(page);
      const bwd = await shown(page);
      note(`forward ${JSON.stringify(fwd.readouts)} · backward ${JSON.stringify(bwd.readouts)}`);
      assert.equal(bwd.step, 15);
      assert.equal(bwd.problem, null, bwd.problem);
      assert.notEqual(bwd.readouts.elbo, fwd.readouts.elbo, 'backward inference gave the same test −ELBO');
      assert.ok(differ(bwd.klSteps, fwd.klSteps), 'the KL per row is the same after the switch');
      assert.equal(await page.locator('[data-control=inference] button[data-value=backward]').getAttribute('aria-pressed'), 'true');
      // Back to forward: the same seed gives the same model as before.
      await page.locator('[data-control=inference] button[data-value=forward]').click();
      await trained(page);
      const again = await shown(page);
      assert.deepEqual(again.readouts, fwd.readouts, 'forward inference from the same seed did not reproduce its run');
      await shot(page, 'lesson-vrnn-zh');
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'lesson vrnn: a digit index out of range in the link is clamped and said; the figures still draw',
    async run({ open }) {
      const { page, errors } = await open(LINK('steps=0&digit=5000&inference=sideways'), { backend: null });
      await ready(page);
      await trained(page);
      const state = await page.evaluate(() => window.vaelabLessons.state());
      assert.equal(state.params.digit, 199);
      assert.equal(state.params.inference, 'forward');
      assert.ok(state.notices.length >= 2, `notices: ${state.notices.join(' | ')}`);
      const s = await shown(page);
      assert.equal(s.problem, null, s.problem);
      assert.equal(s.completions?.length, 5 * 784);
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'lesson vrnn: an engine without VrnnLab, or MNIST that cannot be fetched, is said in words, in the lesson’s language',
    async run({ open, note }) {
      // The page's own engine needs vaelab.js, so the module is served whole but without its VrnnLab export.
      const empty = (page) => page.route('**/pkg/vaelab.js', async (route) => {
        const response = await route.fetch();
        route.fulfill({ response, body: (await response.text()).replace('export class VrnnLab', 'class VrnnLab') });
      });
      const noData = (page) => page.route('**/data/t10k-images-idx3-ubyte.gz', (route) => route.fulfill({ status: 404, body: 'not here' }));
      const cases = [
        ['en', empty, /could not be loaded: .*VrnnLab/],
        ['zh', empty, /无法加载 VRNN 引擎或 MNIST：这个引擎版本没有 VrnnLab/],
        ['en', noData, /could not be loaded: could not load .*t10k-images-idx3-ubyte\.gz: HTTP 404/],
      ];
      for (const [lang, before, expected] of cases) {
        const { page, errors } = await open(LINK('steps=10', lang), { backend: null, before });
        await ready(page);
        await page.locator('#lesson .lesson-problem').waitFor({ state: 'visible' });
        const said = await page.locator('#lesson .lesson-problem').textContent();
        note(`${lang}: ${said}`);
        assert.match(said, expected);
        assert.match((await shown(page)).status, lang === 'en' ? /stopped by an error/ : /因错误停止/);
        await mathIsFine(page);
        assert.deepEqual(errors, []);
        await page.close();
      }
    },
  },
];
