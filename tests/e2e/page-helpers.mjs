// What the lab's browser tests share: waiting for the page, its status, and training a link;
// page-tests.mjs and link-tests.mjs use them; the lesson tests share LESSON_NAMES.

/** Every lesson's link name, in the index's order (lessons-tests.mjs checks it against the page). */
export const LESSON_NAMES = ['latent-variables', 'elbo', 'reparameterization', 'recon-vs-kl', 'one-sample', 'beta-capacity', 'latent-space', 'conditional', 'em-to-vae', 'vrnn', 'latent-ode'];
export const STEPS = 20; // SwiftShader runs the default model at ~3 steps/s: keep runs short
export const LINK = '#v=1&latent=2&beta=4&seed=7&enc_hidden=64&dec_hidden=64&batch_size=64&view=latent';
export const ready = (page) => page.evaluate(() => window.vaelab.ready.then(() => true));
export const status = (page) => page.evaluate(() => window.vaelab.status());
export const tuning = (page) => page.evaluate(() => window.vaelab.tuning());

/**
 * Grey-level variance inside the digit tiles of a canvas (white gaps skipped). `rows` picks tile rows
 * of a grid of 28·scale tiles `gap` apart with `groupGap` after every `groupRows` rows.
 */
export function tileVariance(page, id, { scale = 2, gap = 2, groupRows = 0, groupGap = 0, rows = null } = {}) {
  return page.evaluate(({ id, scale, gap, groupRows, groupGap, rows }) => {
    const canvas = document.getElementById(id);
    const { data, width, height } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const tile = 28 * scale;
    const rowOf = (y) => {
      for (let r = 0; ; r++) {
        const y0 = r * (tile + gap) + (groupRows ? Math.floor(r / groupRows) * groupGap : 0);
        if (y0 > y) return -1;
        if (y < y0 + tile) return r;
      }
    };
    let n = 0;
    let sum = 0;
    let sq = 0;
    for (let y = 0; y < height; y++) {
      if (rows && !rows.includes(rowOf(y))) continue;
      for (let x = 0; x < width; x++) {
        const i = 4 * (y * width + x);
        if (data[i] === 255 && data[i + 1] === 255 && data[i + 2] === 255) continue;
        const v = (data[i] + data[i + 1] + data[i + 2]) / 3;
        n++;
        sum += v;
        sq += v * v;
      }
    }
    return n ? sq / n - (sum / n) ** 2 : 0;
  }, { id, scale, gap, groupRows, groupGap, rows });
}

/** Trains `steps` steps of the page's link and returns the losses it produced. */
export async function trainLink(open, hash, steps) {
  const { page, errors } = await open(hash);
  await ready(page);
  await page.evaluate((n) => window.vaelab.step(n), steps);
  const result = await page.evaluate(() => ({ status: window.vaelab.status(), history: window.vaelab.history() }));
  return { page, errors, ...result };
}

/**
 * Records long tasks from the very start of the page (installed before the page's scripts), and
 * long animation frames with the scripts that ran in them, to say what a long task was.
 */
export const LONG_TASKS = () => {
  window.__longTasks = [];
  window.__longFrames = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const scripts = e.scripts.map((s) => `${s.invoker} ${s.sourceURL.split('/').pop()}:${s.sourceFunctionName} ${Math.round(s.duration)} ms`);
        const end = e.startTime + e.duration;
        const layout = e.styleAndLayoutStart ? end - e.styleAndLayoutStart : 0;
        const render = e.renderStart ? end - e.renderStart : 0;
        window.__longFrames.push({ start: e.startTime, end, scripts, detail: `frame ${Math.round(e.duration)} ms, blocking ${Math.round(e.blockingDuration)} ms, render ${Math.round(render)} ms (style+layout+paint ${Math.round(layout)} ms)` });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch {
    // long-animation-frame is newer than longtask; the attribution is optional
  }
};

/** Marks the start of training (window.__trainStart, for long tasks) and plays; resolves with the step. */
export function startPlaying(page) {
  return page.evaluate(() => {
    window.__trainStart = performance.now();
    window.vaelab.play();
    return window.vaelab.status().step;
  });
}
