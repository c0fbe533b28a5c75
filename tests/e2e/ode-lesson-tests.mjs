// Browser tests of lesson 11, latent ODEs (run by run.mjs; filter: latent-ode). The lesson runs the
// engine's OdeLab from the CPU wasm build on the page's thread: it opens from its link in English and
// Chinese, trains to the link's steps, its figures and readouts change, the observed window moves by
// keyboard and by dragging and the reconstruction follows, a link with steps=N reopens at step N with
// the same readouts, substeps rebuild the model and show their cost, an empty window is said in words,
// and the wasm builds train to exactly the native engine's figures.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const LINK = (rest = '', lang = 'en') => `lessons.html#lesson=latent-ode&lang=${lang}${rest ? `&${rest}` : ''}`;
const api = (page, fn, arg) => page.evaluate(fn, arg);
const ready = (page) => page.evaluate(async () => {
  await window.vaelabLessons.ready;
  await window.vaelabLessons.lessonReady();
  return true;
});
const trained = (page) => page.evaluate(() => window.vaelabLessons.untilTrained().then(() => true));

/** What the widget shows: its step, the readouts' texts, the recon curve of the test spiral, the problem line. */
const shown = (page) => page.evaluate(() => {
  const w = window.vaelabLessons.widget();
  const readouts = Object.fromEntries([...document.querySelectorAll('#lesson [data-readout]')].map((n) => [n.dataset.readout, n.querySelector('b').textContent]));
  return {
    step: w.step,
    readouts,
    recon: w.traj?.data?.recon ?? null,
    observed: w.traj?.data?.observed.filter(Boolean).length ?? 0,
    windowError: w.traj?.error ?? null,
    problem: document.querySelector('#lesson .lesson-problem')?.hidden === false ? document.querySelector('#lesson .lesson-problem').textContent : null,
    label: document.querySelector('#lesson [data-figure=trajectory]').dataset.label,
    status: document.querySelector('#lesson .run-status').textContent,
    params: window.vaelabLessons.state().params,
    hash: location.hash,
  };
});

/** A hash and the coloured pixels of one of the lesson's canvases. */
const print = (page, figure) => page.evaluate((figure) => {
  const canvas = document.querySelector(`#lesson [data-figure=${figure}]`);
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  let h = 2166136261;
  let coloured = 0;
  for (let i = 0; i < data.length; i += 4) {
    h = Math.imul(h ^ data[i] ^ (data[i + 1] << 8) ^ (data[i + 2] << 16), 16777619);
    if (Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]) > 40) coloured++;
  }
  return { hash: h >>> 0, coloured };
}, figure);

const differ = (a, b) => a.length !== b.length || a.some((p, i) => Math.abs(p[0] - b[i][0]) > 1e-9 || Math.abs(p[1] - b[i][1]) > 1e-9);

async function mathIsFine(page) {
  const rendered = await page.locator('#lesson .katex').count();
  assert.ok(rendered > 5, `only ${rendered} formulas rendered`);
  assert.equal(await page.locator('.katex-error').count(), 0, 'KaTeX error nodes');
}

export const tests = [
  {
    name: 'lesson latent-ode: opens from its link in English, trains (steps rise), its figures and readouts change',
    async run({ open, note, shot }) {
      const { page, errors } = await open(LINK('steps=0&spiral=3'), { backend: null });
      await ready(page);
      await trained(page);
      const state = await api(page, () => window.vaelabLessons.state());
      assert.equal(state.lesson, 'latent-ode');
      assert.deepEqual(state.notices, [], `unexpected notices: ${state.notices.join(' | ')}`);
      const before = await shown(page);
      assert.equal(before.problem, null, before.problem);
      assert.equal(before.step, 0);
      assert.ok(before.recon?.length > 0, 'no reconstruction at step 0');
      const figures = { trajectory: await print(page, 'trajectory'), plane: await print(page, 'plane'), prior: await print(page, 'prior') };
      // At step 0 the decoded curves may be a small knot near the origin: a few coloured pixels suffice.
      for (const [name, p] of Object.entries(figures)) assert.ok(p.coloured > (name === 'trajectory' ? 200 : 20), `${name}: nothing coloured is drawn (${p.coloured})`);
      // The link asks for more steps: the lesson trains on from where it is.
      await page.evaluate(() => (location.hash = location.hash.replace(/&steps=0(&|$)/, '&steps=300$1')));
      await page.waitForFunction(() => window.vaelabLessons.widget().step > 0);
      const mid = (await shown(page)).step;
      await trained(page);
      const after = await shown(page);
      note(`step 0 → ${mid} → ${after.step}; ${after.status}; readouts ${JSON.stringify(before.readouts)} → ${JSON.stringify(after.readouts)}`);
      assert.equal(after.step, 300);
      for (const key of ['recon', 'extrap', 'elbo']) assert.notEqual(after.readouts[key], before.readouts[key], `readout ${key} did not change`);
      assert.ok(differ(after.recon, before.recon), 'the reconstruction did not change while the model trained');
      for (const name of Object.keys(figures)) assert.notEqual((await print(page, name)).hash, figures[name].hash, `${name} did not change while the model trained`);
      assert.match(after.readouts.cost, /S=1: \d/);
      assert.match(await page.locator('#lesson .ode-cost').textContent(), /ms per step/);
      await mathIsFine(page);
      await shot(page, 'lesson-latent-ode-en');
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'lesson latent-ode: moving the window (keys, drag, sliders) changes the reconstruction and the link',
    async run({ open, note }) {
      const o = await open(LINK('steps=200&spiral=3'), { backend: null });
      await ready(o.page);
      await trained(o.page);
      const start = await shown(o.page);
      assert.equal(start.step, 200);
      // Keyboard: → moves the whole window 0.1 later.
      await o.page.locator('#lesson [data-figure=trajectory]').focus();
      await o.page.keyboard.press('ArrowRight');
      const keyed = await shown(o.page);
      assert.deepEqual([keyed.params.from, keyed.params.to], [0.1, 5.1]);
      assert.match(keyed.hash, /&from=0\.1&to=5\.1(&|$)/);
      assert.ok(differ(keyed.recon, start.recon), 'the reconstruction did not follow the window (keys)');
      // ↓ shortens it.
      for (let i = 0; i < 10; i++) await o.page.keyboard.press('ArrowDown');
      assert.deepEqual([(await shown(o.page)).params.from, (await shown(o.page)).params.to], [0.1, 4.1]);
      await o.page.keyboard.press('Home');
      assert.deepEqual([(await shown(o.page)).params.from, (await shown(o.page)).params.to], [0, 5]);
      // Drag the end handle from t = 5 to about t = 2.5 with the mouse.
      const box = await o.page.locator('#lesson [data-figure=trajectory]').boundingBox();
      const layout = await api(o.page, () => window.vaelabLessons.widget().layout);
      const xAt = (t) => box.x + layout.left + (t / 10) * (layout.right - layout.left);
      const y = box.y + box.height / 2;
      await o.page.mouse.move(xAt(5), y);
      await o.page.mouse.down();
      await o.page.mouse.move(xAt(3.5), y, { steps: 4 });
      await o.page.mouse.move(xAt(2.5), y, { steps: 4 });
      await o.page.mouse.up();
      const dragged = await shown(o.page);
      note(`window after drag: [${dragged.params.from}, ${dragged.params.to}], ${dragged.observed} observed points; ${dragged.label}`);
      assert.equal(dragged.params.from, 0);
      assert.ok(Math.abs(dragged.params.to - 2.5) <= 0.15, `the end handle went to ${dragged.params.to}`);
      assert.ok(differ(dragged.recon, start.recon), 'the reconstruction did not follow the window (drag)');
      // Drag the band: the whole window moves later by about 2.
      await o.page.mouse.move(xAt(1.2), y);
      await o.page.mouse.down();
      await o.page.mouse.move(xAt(3.2), y, { steps: 5 });
      await o.page.mouse.up();
      const band = await shown(o.page);
      assert.ok(Math.abs(band.params.from - 2) <= 0.15 && Math.abs(band.params.to - band.params.from - dragged.params.to) <= 0.05, `the band moved to [${band.params.from}, ${band.params.to}]`);
      // The sliders, as a number typed in.
      await o.page.locator('[data-control=from] input[type=number]').fill('1');
      await o.page.locator('[data-control=from] input[type=number]').press('Enter');
      await o.page.locator('[data-control=to] input[type=number]').fill('6');
      await o.page.locator('[data-control=to] input[type=number]').press('Enter');
      const typed = await shown(o.page);
      assert.deepEqual([typed.params.from, typed.params.to], [1, 6]);
      assert.ok(differ(typed.recon, band.recon));
      // The trajectory picks another test spiral.
      await o.page.locator('[data-control=spiral] input[type=number]').fill('7');
      await o.page.locator('[data-control=spiral] input[type=number]').press('Enter');
      const other = await shown(o.page);
      assert.equal(other.params.spiral, 7);
      assert.ok(differ(other.recon, typed.recon));
      assert.equal(other.step, 200, 'moving the window retrained the model');
      // Space pauses and continues the lesson's training, as in the other lessons.
      await o.page.locator('#lesson h2').click();
      await o.page.keyboard.press(' ');
      assert.match((await shown(o.page)).status, /paused/);
      await o.page.keyboard.press(' ');
      assert.match((await shown(o.page)).status, /trained/);
      assert.deepEqual(o.errors, []);
      await o.page.close();
    },
  },
  {
    name: 'lesson latent-ode: a link with steps=N reopens at step N with the same readouts (and in Chinese)',
    async run({ open, note, shot }) {
      const rest = 'ode_seed=5&substeps=2&steps=150&from=0.5&to=4&spiral=11&draw=3';
      const first = await open(LINK(rest), { backend: null });
      await ready(first.page);
      await trained(first.page);
      const a = await shown(first.page);
      assert.equal(a.step, 150);
      assert.deepEqual(a.params, { ode_seed: 5, substeps: 2, steps: 150, from: 0.5, to: 4, spiral: 11, draw: 3 });
      const link = a.hash.replace(/^#/, '').replace('lang=en', 'lang=zh');
      const second = await open(`lessons.html#${link}`, { backend: null });
      await ready(second.page);
      await trained(second.page);
      const b = await shown(second.page);
      note(`A: ${JSON.stringify(a.readouts)} · B (zh): ${JSON.stringify(b.readouts)}`);
      assert.equal(b.step, 150);
      for (const key of ['recon', 'extrap', 'elbo']) assert.equal(b.readouts[key], a.readouts[key], `readout ${key}`);
      assert.ok(!differ(a.recon, b.recon), 'the reconstruction differs');
      assert.equal((await print(second.page, 'prior')).hash, (await print(first.page, 'prior')).hash, 'the prior samples differ');
      // The Chinese page speaks Chinese.
      const prose = await second.page.locator('#lesson .prose').textContent();
      assert.ok((prose.match(/[\u4e00-\u9fff]/g) ?? []).length > 500, 'the text is not in Chinese');
      assert.match(b.status, /第 150 \/ 150 步/);
      await mathIsFine(second.page);
      await shot(second.page, 'lesson-latent-ode-zh');
      assert.deepEqual([...first.errors, ...second.errors], []);
      await first.page.close();
      await second.page.close();
    },
  },
  {
    name: 'lesson latent-ode: substeps rebuild the model and show their cost; an empty window is said in words',
    async run({ open, note }) {
      const { page, errors } = await open(LINK('steps=40&spiral=0'), { backend: null });
      await ready(page);
      await trained(page);
      const one = await shown(page);
      await page.locator('[data-control=substeps] input[type=number]').fill('4');
      await page.locator('[data-control=substeps] input[type=number]').press('Enter');
      await trained(page);
      const four = await shown(page);
      note(`cost: ${four.readouts.cost}`);
      assert.equal(four.params.substeps, 4);
      assert.equal(four.step, 40);
      assert.match(four.readouts.cost, /S=1: [\d.]+ · S=4: [\d.]+/);
      // Both costs are measured and shown; which is larger is a speed figure (bench/seq-speed.mjs), not a test.
      const costs = [...four.readouts.cost.matchAll(/S=\d: ([\d.]+)/g)].map((m) => Number(m[1]));
      assert.ok(costs.length === 2 && costs.every((ms) => ms > 0), `costs ${four.readouts.cost}`);
      note(`S = 1: ${JSON.stringify(one.readouts)} · S = 4: ${JSON.stringify(four.readouts)}`);
      assert.ok(['recon', 'extrap', 'elbo'].some((k) => four.readouts[k] !== one.readouts[k]) || differ(four.recon, one.recon), 'another solver, yet the same model');
      // A window with no observed point: find one in the test spiral's mask (t ≤ 5), open it.
      const gap = await api(page, () => {
        const w = window.vaelabLessons.widget();
        for (let s = 0; s < 200; s++) {
          const observed = Array.from(w.lab.trajectory(s, 0, 5).observed, Boolean);
          for (let g = 0; g + 3 <= 50; g++) if (!observed[g] && !observed[g + 1] && !observed[g + 2] && !observed[g + 3]) return { s, from: g / 10, to: (g + 3) / 10 };
        }
        return null;
      });
      assert.ok(gap, 'no test spiral has a gap of four grid points');
      await page.evaluate((g) => (location.hash = location.hash.replace(/&from=[^&]*&to=[^&]*&spiral=\d+/, `&from=${g.from}&to=${g.to}&spiral=${g.s}`)), gap);
      await page.waitForFunction(() => window.vaelabLessons.widget().traj?.error);
      const empty = await shown(page);
      note(`window [${gap.from}, ${gap.to}] of spiral ${gap.s}: ${empty.label}`);
      assert.ok(empty.windowError.length > 10, 'the engine gave no words');
      assert.ok(empty.label.includes(empty.windowError), 'the figure does not say why');
      assert.equal(empty.problem, null, 'an empty window stopped the lesson');
      assert.ok(await page.locator('#error').isHidden());
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'lesson latent-ode: an engine without OdeLab is said in words, in the lesson’s language; the text still reads',
    async run({ open, note }) {
      // The page's own engine needs vaelab.js, so the module is served whole but without its OdeLab export.
      const empty = (page) => page.route('**/pkg/vaelab.js', async (route) => {
        const response = await route.fetch();
        route.fulfill({ response, body: (await response.text()).replace('export class OdeLab', 'class OdeLab') });
      });
      for (const lang of ['en', 'zh']) {
        const { page, errors } = await open(LINK('steps=10', lang), { backend: null, before: empty });
        await ready(page);
        await page.locator('#lesson .lesson-problem').waitFor({ state: 'visible' });
        const said = await page.locator('#lesson .lesson-problem').textContent();
        note(`${lang}: ${said}`);
        assert.match(said, lang === 'en' ? /could not be loaded: .*OdeLab/ : /无法加载 ODE 引擎：这个引擎版本没有 OdeLab/);
        assert.match((await shown(page)).status, lang === 'en' ? /stopped by an error/ : /因错误停止/);
        await mathIsFine(page);
        assert.deepEqual(errors, []);
        await page.close();
      }
    },
  },
  {
    // The engine's promise: same seed, same numbers on every platform. The native CLI (built by the
    // suite's `cargo test --release`) and both wasm builds the pages load train 100 steps of seed 3.
    name: 'lesson latent-ode: the wasm builds train to exactly the native engine\'s figures (seed 3, 100 steps)',
    async run({ open, note }) {
      const cli = 'target/release/vaelab';
      assert.ok(existsSync(cli), `${cli} is missing — build it with: cargo build --release --bin vaelab`);
      const out = execFileSync(cli, ['ode', 'train', '--seed', '3', '--epochs', '5'], { encoding: 'utf8' });
      const m = out.match(/recon_mse=([\d.]+) extrap_mse=([\d.]+) neg_elbo=([\d.]+) steps=100/);
      assert.ok(m, `no final line in the CLI's output:\n${out}`);
      const native = { recon: m[1], extrap: m[2], elbo: m[3] };
      const { page, errors } = await open('lessons.html#lesson=latent-ode&steps=0', { backend: null });
      for (const module of ['vaelab.js']) {
        const wasm = await page.evaluate(async (module) => {
          const mod = await import(`./www/pkg/${module}`);
          await mod.default();
          const lab = new mod.OdeLab(3, 1);
          lab.train(60);
          lab.train(40);
          const e = lab.evaluate();
          return { recon: e.recon_mse.toFixed(8), extrap: e.extrap_mse.toFixed(8), elbo: e.neg_elbo.toFixed(6), step: lab.step() };
        }, module);
        note(`${module}: ${JSON.stringify(wasm)} · native ${JSON.stringify(native)}`);
        assert.equal(wasm.step, 100);
        assert.deepEqual({ recon: wasm.recon, extrap: wasm.extrap, elbo: wasm.elbo }, native, `${module} differs from the native engine`);
      }
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
];
