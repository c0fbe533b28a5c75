// Browser tests of issue 14 (run by run.mjs, on the CPU engine): a saved run resumes after a reload with
// bitwise the next losses; a damaged record or a full quota gives a notice; an injected NaN rewinds;
// the site works under a sub-path; no Content-Security-Policy violation in the lab or a lesson.
import assert from 'node:assert/strict';
import { LESSON_NAMES, ready, status } from './page-helpers.mjs';

const SMALL = 'enc_hidden=64&dec_hidden=64&batch_size=64';
const LESSONS = LESSON_NAMES;
const api = (page, fn, arg) => page.evaluate(fn, arg);
const losses = (page) => api(page, () => window.vaelab.history().train.loss);
const notices = (page) => api(page, () => window.vaelab.notices());
const untilNotice = (page, pattern) => page.waitForFunction((source) => window.vaelab.notices().some((n) => new RegExp(source).test(n)), pattern.source);
// The link key of the page's config (the config part of its hash), as keep.js stores it.
const linkKey = (page) => api(page, () => location.hash.slice(1).split('&').filter((p) => !/^(v|view|backend|autoplay)=/.test(p)).join('&'));

const lessonTrained = (page) => page.evaluate(async () => {
  await window.vaelabLessons.ready;
  await window.vaelabLessons.lessonReady();
  await window.vaelabLessons.untilTrained();
});

/** The steps of the lesson models saved in this origin's IndexedDB (never creates the database). */
const savedLessonSteps = (page) => api(page, () => new Promise((resolve) => {
  const req = indexedDB.open('vaelab-lessons', 1);
  req.onupgradeneeded = () => req.transaction.abort();
  req.onerror = () => resolve([]);
  req.onsuccess = () => {
    const db = req.result;
    const all = db.transaction('runs').objectStore('runs').getAll();
    all.onsuccess = () => resolve(all.result.map((m) => m.step));
    all.onerror = () => resolve([]);
    all.transaction.oncomplete = () => db.close();
  };
}));

// Chrome reports CSP violations as `securitypolicyviolation` events (and console errors, also from workers).
const CSP_WATCH = () => {
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
};

async function openWatched(open, link, opts = {}) {
  const opened = await open(link, { init: [CSP_WATCH], ...opts });
  const csp = [];
  opened.page.on('console', (m) => /Content.Security.Policy/i.test(m.text()) && csp.push(m.text()));
  return { ...opened, csp: async () => [...csp, ...(await api(opened.page, () => window.__csp))] };
}

export const tests = [
  {
    name: 'keep: train 30 steps (CPU), reload, “Resume step 30”: the next 10 losses equal an uninterrupted run’s, bitwise',
    async run({ open, note, shot }) {
      const link = `#v=1&${SMALL}&seed=11`;
      const { page, errors } = await open(link, { backend: 'cpu' });
      await ready(page);
      await api(page, () => window.vaelab.step(30));
      const saved = await api(page, () => window.vaelab.checkpoint());
      assert.deepEqual([saved.ok, saved.step], [true, 30], `not saved: ${JSON.stringify(saved)}`);
      await page.reload();
      await ready(page);
      const resume = page.locator('#resume');
      await resume.waitFor({ state: 'visible' });
      assert.match(await resume.textContent(), /^Resume step 30 \(saved just now\)$/);
      assert.match(await page.locator('#saved-list').textContent(), /step 30 .*\(this link\)/);
      await shot(page, 'keep-resume-offer');
      await resume.click();
      await page.waitForFunction(() => window.vaelab.status().step === 30);
      const before = await losses(page);
      assert.equal(before.length, 30, 'the metric history did not come back with the run');
      await api(page, () => window.vaelab.step(10));
      const resumed = await losses(page);
      assert.equal((await status(page)).step, 40);
      // The list's Delete forgets the run.
      await page.locator('#saved-runs summary').click();
      await page.locator('#saved-list button').click();
      await page.locator('#saved').waitFor({ state: 'hidden' });
      assert.deepEqual((await api(page, () => window.vaelab.savedRuns())).runs, []);
      assert.deepEqual(errors, []);
      await page.close();

      const straight = await open(link, { backend: 'cpu' });
      await ready(straight.page);
      await api(straight.page, () => window.vaelab.step(40));
      const uninterrupted = await losses(straight.page);
      note(`losses at steps 31–40 after the reload: ${resumed[30].toFixed(4)} … ${resumed[39].toFixed(4)}, identical to the uninterrupted run`);
      assert.deepEqual(resumed.slice(0, 30), uninterrupted.slice(0, 30), 'the saved history differs');
      assert.deepEqual(resumed.slice(30), uninterrupted.slice(30), 'the resumed run trained differently');
      assert.deepEqual(straight.errors, []);
      await straight.page.close();
    },
  },
  {
    name: 'keep: a damaged saved run gives a notice and the page trains on; a full quota too',
    async run({ open, note }) {
      const { page, errors } = await open(`#v=1&${SMALL}&seed=12`, { backend: 'cpu' });
      await ready(page);
      const link = await linkKey(page);
      const config = (await status(page)).config;
      await api(page, ({ link, config }) => new Promise((resolve, reject) => {
        const req = indexedDB.open('vaelab', 1);
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const tx = req.result.transaction(['runs', 'states'], 'readwrite');
          tx.objectStore('runs').put({ id: 'run-damaged', link, step: 50, at: Date.now(), config, backend: 'cpu' });
          tx.objectStore('states').put({ id: 'run-damaged', weights: 'not numbers', history: null });
          tx.oncomplete = () => {
            req.result.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
      }), { link, config });
      await page.reload();
      await ready(page);
      await page.locator('#resume').waitFor({ state: 'visible' });
      assert.match(await page.locator('#resume').textContent(), /Resume step 50/);
      await page.locator('#resume').click();
      await untilNotice(page, /could not be resumed: its weights are missing or not numbers\. It was deleted/);
      assert.equal((await status(page)).step, 0);
      await api(page, () => window.vaelab.step(3));
      assert.equal((await status(page)).step, 3);
      assert.ok(await page.locator('#resume').isHidden(), 'the damaged run is still offered');
      assert.deepEqual(errors, []);
      await page.close();

      // A full disk: every put fails as a browser over its quota fails it.
      const FULL = () => {
        IDBObjectStore.prototype.put = function () {
          throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        };
      };
      const full = await open(`#v=1&${SMALL}&seed=12`, { backend: 'cpu', init: [FULL] });
      await ready(full.page);
      await api(full.page, () => window.vaelab.step(5));
      const result = await api(full.page, () => window.vaelab.checkpoint());
      assert.equal(result.ok, false);
      await untilNotice(full.page, /Could not save this run.*no room left.*Training goes on/);
      await api(full.page, () => window.vaelab.step(3));
      assert.equal((await status(full.page)).step, 8);
      note((await notices(full.page)).at(-1));
      assert.deepEqual(full.errors, []);
      await full.page.close();
    },
  },
  {
    name: 'keep: an injected NaN pauses the run, goes back to the last good weights and says what to try',
    async run({ open, note }) {
      const { page, errors } = await open(`#v=1&${SMALL}&seed=13`, { backend: 'cpu' });
      await ready(page);
      await api(page, () => window.vaelab.step(20));
      await api(page, () => window.vaelab.checkpoint());
      await api(page, () => window.vaelab.injectNaN());
      await api(page, () => window.vaelab.step(5)); // resolves when the guard pauses the run
      await untilNotice(page, /Training stopped at step 21: the loss became NaN.*went back to the weights of step 20.*Try /);
      await page.waitForFunction(() => window.vaelab.status().step === 20 && !window.vaelab.status().running);
      const history = await losses(page);
      assert.equal(history.length, 20, 'the bad steps stayed in the history');
      await api(page, () => window.vaelab.step(3));
      const after = await losses(page);
      assert.equal((await status(page)).step, 23);
      assert.ok(after.slice(-3).every(Number.isFinite), `still not finite: ${after.slice(-3)}`);
      note((await notices(page)).at(-1));
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'keep: a lesson’s trained model comes back after a reload (CPU), curves and all, instead of training again',
    async run({ open, note }) {
      const { page, errors } = await open(`lessons.html#lesson=elbo&lang=en&${SMALL}&train=12`, { backend: 'cpu' });
      await lessonTrained(page);
      const first = await api(page, () => window.vaelabLessons.history().train.loss);
      assert.equal(first.length, 12);
      for (let i = 0; i < 50 && !(await savedLessonSteps(page)).includes(12); i++) await page.waitForTimeout(100);
      assert.deepEqual(await savedLessonSteps(page), [12], 'the trained model was not saved');
      await page.reload();
      await lessonTrained(page);
      const [s, lastRun, again] = await api(page, () => [window.vaelabLessons.status(), window.vaelabLessons.lastRun(), window.vaelabLessons.history().train.loss]);
      assert.equal(s.step, 12);
      assert.deepEqual(lastRun, { restored: true, step: 12 });
      assert.deepEqual(again, first, 'the curves did not come back');
      const bar = await page.locator('.train-status').first().textContent();
      note(`after the reload: step ${s.step}; ${bar}`);
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'host: dist/ served under /some/sub/path/ passes the lab’s smoke test and opens a lesson (CPU)',
    async run({ open, subBase, note }) {
      const missing = [];
      const before = (page) => page.on('response', (r) => r.status() >= 400 && missing.push(`${r.status()} ${r.url()}`));
      const { page, errors } = await open(`#v=1&${SMALL}`, { backend: 'cpu', at: subBase, before });
      await ready(page);
      await api(page, () => window.vaelab.step(5));
      const s = await status(page);
      assert.equal(s.step, 5);
      assert.ok(Number.isFinite(s.trainLoss), 'no loss');
      await api(page, () => window.vaelab.refresh());
      assert.ok(page.url().startsWith(subBase), page.url());
      await page.goto(`${subBase}lessons.html#lesson=elbo&lang=en&${SMALL}&train=5&backend=cpu`);
      await page.evaluate(async () => {
        await window.vaelabLessons.ready;
        await window.vaelabLessons.lessonReady();
        await window.vaelabLessons.untilTrained();
      });
      const lesson = await page.evaluate(() => window.vaelabLessons.status());
      note(`under ${new URL(subBase).pathname}: lab loss ${s.trainLoss.toFixed(1)} at step 5; lesson elbo at step ${lesson.step}`);
      assert.ok(lesson.step >= 5);
      assert.deepEqual(missing, []);
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'csp: the lab (both views) and every lesson run under the pages’ Content-Security-Policy with no violation',
    async run({ open, note }) {
      const lab = await openWatched(open, `#v=1&${SMALL}&latent=2`, { backend: 'cpu' });
      await ready(lab.page);
      const policy = await api(lab.page, () => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.content ?? '');
      assert.match(policy, /script-src 'self' 'wasm-unsafe-eval'/);
      await api(lab.page, () => window.vaelab.step(5));
      await api(lab.page, () => window.vaelab.refresh());
      await api(lab.page, () => window.vaelab.setView('latent'));
      await api(lab.page, () => window.vaelab.refresh());
      assert.deepEqual(await lab.csp(), [], 'the lab broke its CSP');
      assert.deepEqual(lab.errors, []);
      await lab.page.close();

      const lesson = await openWatched(open, `lessons.html#lesson=elbo&lang=en&${SMALL}&train=5`, { backend: 'cpu' });
      await lesson.page.evaluate(async () => {
        await window.vaelabLessons.ready;
        await window.vaelabLessons.lessonReady();
        await window.vaelabLessons.untilTrained();
      });
      for (const name of LESSONS) {
        // One page, the lesson switched by its link (as a reader moves on): each lesson opens and draws.
        await lesson.page.evaluate((hash) => (location.hash = hash), `#lesson=${name}&lang=en&${SMALL}&train=0`);
        await lesson.page.waitForFunction((n) => window.vaelabLessons.state().lesson === n, name);
        await lesson.page.evaluate(() => window.vaelabLessons.lessonReady());
      }
      assert.deepEqual(await lesson.csp(), [], 'a lesson broke its CSP');
      assert.deepEqual(lesson.errors, []);
      note(`lab, index and ${LESSONS.length} lessons; policy: ${policy}`);
      await lesson.page.close();
    },
  },
];
