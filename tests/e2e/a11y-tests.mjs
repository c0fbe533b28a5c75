// Browser tests of issue 17 (run by run.mjs, on the CPU engine): names in the accessibility tree, the
// lab and lesson 7 driven by keyboard alone, the lab on a phone (390×844, touch), and axe-core's audit.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { LESSON_NAMES, ready } from './page-helpers.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const SMALL = 'enc_hidden=64&dec_hidden=64&batch_size=64';
const LAB = `#v=1&latent=2&${SMALL}`;
const LESSONS = LESSON_NAMES;
const lessonLink = (name, rest = '') => `lessons.html#lesson=${name}&lang=en&enc_hidden=64&dec_hidden=64&batch_size=32&train=0${rest}`;
const lessonReady = (page) => page.evaluate(async () => {
  await window.vaelabLessons.ready;
  await window.vaelabLessons.lessonReady();
  return true;
});

/**
 * Every node of the accessibility tree that can take focus or is a figure (image, application) and
 * has no name, as "role <tag id class>" strings.
 */
async function unnamed(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = await cdp.send('Accessibility.getFullAXTree');
    const bad = [];
    for (const n of nodes) {
      if (n.ignored) continue;
      const role = n.role?.value ?? '';
      const focusable = n.properties?.some((p) => p.name === 'focusable' && p.value?.value === true);
      if (!focusable && !['image', 'img', 'application'].includes(role)) continue;
      if (role === 'RootWebArea' || role === 'WebArea') continue;
      if ((n.name?.value ?? '').trim()) continue;
      const { node } = await cdp.send('DOM.describeNode', { backendNodeId: n.backendDOMNodeId });
      const attrs = Object.fromEntries((node.attributes ?? []).reduce((pairs, v, i, a) => (i % 2 ? pairs : [...pairs, [v, a[i + 1]]]), []));
      bad.push(`${role} <${node.nodeName.toLowerCase()}${attrs.id ? `#${attrs.id}` : ''}${attrs.class ? `.${attrs.class.split(' ').join('.')}` : ''}>`);
    }
    return { count: nodes.length, bad };
  } finally {
    await cdp.detach();
  }
}

/** axe-core's serious and critical violations on the page as it is now. */
async function axeSerious(page) {
  // Evaluated through the DevTools protocol, not added as a <script>: the pages' CSP allows no inline script.
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(`${readFileSync(AXE, 'utf8')}\n;true`);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Presses Tab until the element with `id` has focus (at most `max` presses); returns the presses. */
async function tabTo(page, id, max = 120) {
  for (let n = 1; n <= max; n++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((want) => document.activeElement?.id === want, id)) return n;
  }
  throw new Error(`Tab never reached #${id} in ${max} presses`);
}

const attr = (page, selector, name) => page.locator(selector).getAttribute(name);
const text = (page, id) => page.evaluate((i) => document.getElementById(i).textContent, id);

export const tests = [
  {
    name: 'a11y: lab — every focusable control and every figure has a name in the accessibility tree (both views); reduced motion; label contrast',
    async run({ open, note }) {
      const { page, errors } = await open(LAB, { backend: 'cpu' });
      await ready(page);
      await page.evaluate(() => window.vaelab.step(8));
      await page.evaluate(() => window.vaelab.refresh());
      const training = await unnamed(page);
      assert.deepEqual(training.bad, [], `unnamed in the training view: ${training.bad.join(', ')}`);
      await page.evaluate(() => window.vaelab.setView('latent'));
      await page.evaluate(() => window.vaelab.refresh());
      const latent = await unnamed(page);
      assert.deepEqual(latent.bad, [], `unnamed in the latent view: ${latent.bad.join(', ')}`);
      // The names say what the figures show now.
      await page.waitForFunction(() => /^Decoded z = \(/.test(document.getElementById('z-canvas').getAttribute('aria-label')));
      assert.match(await attr(page, '#chart-loss', 'aria-label'), /^Loss chart .*step 8, train \d/);
      assert.match(await attr(page, '#latent-canvas', 'aria-label'), /2,000 test digits .*Interpolation ends: #3 \(a 0\) and #2 \(a 1\)/);
      assert.equal(await attr(page, '#status-live', 'role'), 'status');
      // Reduced motion slows the figures four times; every label colour is ≥ 4.5:1 on white (WCAG AA).
      await page.emulateMedia({ reducedMotion: 'reduce' });
      const { factor, ratios } = await page.evaluate(async () => {
        const { motionFactor } = await import('./www/core/views/a11y.js');
        const { LABEL_COLOURS } = await import('./www/core/views/digits.js');
        const lum = (rgb) => rgb.map((c) => c / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)).reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
        return { factor: motionFactor(), ratios: LABEL_COLOURS.map((c) => 1.05 / (lum(c) + 0.05)) };
      });
      assert.equal(factor, 4);
      assert.ok(Math.min(...ratios) >= 4.5, `label colour contrast ${ratios.map((r) => r.toFixed(2)).join(', ')}`);
      note(`${training.count} + ${latent.count} accessibility nodes; e.g. “${await attr(page, '#chart-loss', 'aria-label')}”; label contrast ≥ ${Math.min(...ratios).toFixed(2)}:1`);
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'a11y: lab by keyboard alone — train, pause (Space), move the decoded point, pick two interpolation ends, chart table, focus ring',
    async run({ open, note }) {
      const { page, errors } = await open(`${LAB}&view=training`, { backend: 'cpu' });
      await ready(page);
      const toPlay = await tabTo(page, 'play');
      assert.ok(toPlay <= 4, `Train is ${toPlay} Tab presses from the top`);
      const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
      assert.notEqual(ring, 'none', 'no visible focus ring on Train');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => window.vaelab.status().running && window.vaelab.status().step >= 3);
      await page.keyboard.press('Space'); // Train is disabled while training, so focus is on the page
      await page.waitForFunction(() => !window.vaelab.status().running);
      const stepped = (await page.evaluate(() => window.vaelab.status())).step;
      // The charts' table is one key press from the focused chart.
      await tabTo(page, 'chart-loss');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.querySelectorAll('.chart-table tbody tr').length > 0);
      const rows = await page.locator('.chart-table tbody tr').count();
      // The latent view: the tab list is one Tab stop, the arrow keys choose the tab; then the scatter.
      await tabTo(page, 'tab-training');
      await page.keyboard.press('ArrowRight');
      assert.equal(await page.evaluate(() => [window.vaelab.status().view, document.activeElement.id].join()), 'latent,tab-latent');
      await page.evaluate(() => window.vaelab.refresh()); // waits for the pictures; presses no key
      await tabTo(page, 'latent-canvas');
      assert.equal(await attr(page, '#latent-canvas', 'role'), 'application');
      const z0 = await text(page, 'z-caption');
      for (const key of ['ArrowRight', 'ArrowRight', 'ArrowUp', 'Shift+ArrowRight']) await page.keyboard.press(key);
      await page.waitForFunction((before) => document.getElementById('z-caption').textContent !== before, z0);
      const z1 = await text(page, 'z-caption');
      await page.keyboard.press('Enter');
      for (const key of ['Shift+ArrowLeft', 'Shift+ArrowLeft', 'Shift+ArrowDown', 'Shift+ArrowDown']) await page.keyboard.press(key);
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => /^From test digit #\d+ .* to #\d+ /.test(document.getElementById('interp-caption').textContent)
        && !/^From test digit #3 \(a 0\) to #2 /.test(document.getElementById('interp-caption').textContent));
      const strip = await text(page, 'interp-caption');
      const [, a, b] = strip.match(/#(\d+) .* #(\d+) /);
      assert.notEqual(a, b, `both ends are the same digit: ${strip}`);
      await page.waitForFunction(() => /Interpolation: From test digit/.test(document.getElementById('interp-canvas').getAttribute('aria-label')));
      // The manifold: arrow keys decode its cells.
      await tabTo(page, 'manifold-canvas', 10);
      await page.keyboard.press('ArrowLeft');
      await page.waitForFunction(() => /Cursor on column 7, row 8/.test(document.getElementById('manifold-canvas').getAttribute('aria-label')));
      await page.keyboard.press('Escape');
      note(`Train ${toPlay} Tab presses from the top; ${stepped} steps then paused by Space; table ${rows} rows; ${z0} → ${z1}; ${strip}`);
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'a11y: lab on a phone (390×844, touch) — status, Train and a picture in the first screenful, panel below, drag decodes, no overflow',
    async run({ open, note, shot }) {
      // Playwright keeps the viewport (a device-metrics override of its own would be reset); touch is
      // emulated through the DevTools protocol, which also dispatches the drag below.
      const phone = async (page) => {
        await page.setViewportSize({ width: 390, height: 844 });
        const cdp = await page.context().newCDPSession(page);
        await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 5 });
        page.cdp = cdp;
      };
      const { page, errors } = await open(LAB, { backend: 'cpu', before: phone });
      await ready(page);
      const layout = await page.evaluate(() => {
        const box = (id) => document.getElementById(id).getBoundingClientRect();
        return { play: box('play'), pause: box('pause'), status: box('status'), chart: box('chart-loss'), settings: box('panel-more'),
          inBelow: document.getElementById('panel-more').parentElement.id, width: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
          wide: [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5).map((e) => e.id || e.className || e.tagName).slice(0, 8), inner: innerWidth, height: innerHeight };
      });
      assert.equal(layout.inner, 390);
      assert.ok(layout.play.bottom <= layout.height && layout.pause.bottom <= layout.height, `Train/Pause are below the first screenful (${layout.play.bottom})`);
      assert.ok(layout.status.bottom <= layout.height, 'the status is not in the first screenful');
      assert.ok(layout.chart.top < layout.height - 150, `the first chart starts at ${layout.chart.top}`);
      assert.equal(layout.inBelow, 'panel-below');
      assert.ok(layout.settings.top > layout.chart.bottom, 'the settings are not below the pictures');
      assert.ok(layout.width <= layout.client, `horizontal overflow: ${layout.width} px wide in ${layout.client} (${layout.wide.join(", ")})`);
      await shot(page, 'a11y-phone-training');
      // The latent view: a touch drag on the scatter moves the decoded point.
      await page.evaluate(() => window.vaelab.setView('latent'));
      await page.evaluate(() => window.vaelab.step(10));
      await page.evaluate(() => window.vaelab.refresh());
      const latentTop = await page.evaluate(() => document.getElementById('latent-canvas').getBoundingClientRect().top);
      await page.locator('#latent-canvas').scrollIntoViewIfNeeded();
      const box = await page.locator('#latent-canvas').boundingBox();
      const before = await page.evaluate(() => [document.getElementById('z-caption').textContent, document.getElementById('z-canvas').toDataURL()]);
      const touch = (type, x, y) => page.cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x, y }] });
      const [x0, y0] = [box.x + box.width * 0.3, box.y + box.height * 0.7];
      await touch('touchStart', x0, y0);
      for (let i = 1; i <= 8; i++) await touch('touchMove', x0 + i * box.width * 0.05, y0 - i * box.height * 0.05);
      await touch('touchEnd');
      await page.waitForFunction((b) => document.getElementById('z-caption').textContent !== b[0] && document.getElementById('z-canvas').toDataURL() !== b[1], before);
      const [scrolled, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
      assert.ok(scrolled <= client, `horizontal overflow in the latent view: ${scrolled} px in ${client}`);
      await shot(page, 'a11y-phone-latent');
      note(`Train at y ${Math.round(layout.play.top)}, first chart at ${Math.round(layout.chart.top)}, scatter at ${Math.round(latentTop)} of ${layout.height}; drag: ${before[0]} → ${await text(page, 'z-caption')}`);
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'a11y: lessons 7 and 4 — names in the accessibility tree; lesson 7 by keyboard (move, pick B) and in Chinese',
    async run({ open, note }) {
      const { page, errors } = await open(lessonLink('latent-space', '&a=5&b=9'), { backend: 'cpu' });
      await lessonReady(page);
      const seven = await unnamed(page);
      assert.deepEqual(seven.bad, [], `unnamed in lesson 7: ${seven.bad.join(', ')}`);
      const scatter = page.locator('#lesson canvas[data-figure=scatter]');
      const zText = () => page.evaluate(() => document.querySelector('#lesson .readout').textContent);
      await scatter.focus();
      const z0 = await zText();
      for (const key of ['ArrowRight', 'ArrowRight', 'ArrowUp']) await page.keyboard.press(key);
      await page.waitForFunction((before) => document.querySelector('#lesson .readout').textContent !== before, z0);
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => window.vaelabLessons.state().params.a === 9 && window.vaelabLessons.state().params.b !== 9);
      const { params } = await page.evaluate(() => window.vaelabLessons.state());
      await page.evaluate(() => window.vaelabLessons.setLang('zh'));
      const keys = await page.locator('#l7-keys').textContent();
      assert.match(keys, /方向键/);
      const zh = await unnamed(page);
      assert.deepEqual(zh.bad, [], `unnamed in lesson 7 (中文): ${zh.bad.join(', ')}`);
      await page.setViewportSize({ width: 390, height: 844 });
      const [scrolled, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
      assert.ok(scrolled <= client, `lesson 7 overflows a phone's width: ${scrolled} px in ${client}`);
      const { page: four, errors: errorsFour } = await open(lessonLink('recon-vs-kl'), { backend: 'cpu' });
      await lessonReady(four);
      const recon = await unnamed(four);
      assert.deepEqual(recon.bad, [], `unnamed in lesson 4: ${recon.bad.join(', ')}`);
      note(`lesson 7: ${seven.count} nodes, keys moved z ${z0 || '(none)'} → ${await zText()}, Enter picked B = ${params.b}; lesson 4: ${recon.count} nodes`);
      assert.deepEqual([...errors, ...errorsFour], []);
      await page.close();
      await four.close();
    },
  },
  {
    name: 'a11y: axe-core finds no serious or critical violation in the lab (both views, phone width too)',
    async run({ open, note }) {
      const { page, errors } = await open(LAB, { backend: 'cpu' });
      await ready(page);
      await page.evaluate(() => window.vaelab.step(4));
      const found = [];
      for (const view of ['training', 'latent']) {
        await page.evaluate((v) => window.vaelab.setView(v), view);
        await page.evaluate(() => window.vaelab.refresh());
        for (const v of await axeSerious(page)) found.push(`${view}: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.join(' | ')}`);
      }
      await page.setViewportSize({ width: 390, height: 844 });
      for (const v of await axeSerious(page)) found.push(`phone: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.join(' | ')}`);
      assert.equal(found.length, 0, found.join(" || "));
      note('lab: no serious or critical violations in the training and latent views, wide and 390 px');
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
  {
    name: 'a11y: axe-core finds no serious or critical violation in the lesson index or any of the eleven lessons',
    async run({ open, note }) {
      const { page, errors } = await open('lessons.html#lang=en', { backend: 'cpu' });
      await page.evaluate(() => window.vaelabLessons.ready);
      const found = (await axeSerious(page)).map((v) => `index: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.join(' | ')}`);
      for (const name of LESSONS) {
        // One page, the lesson switched by its link: the page reuses the engine as a reader's would.
        await page.evaluate((hash) => (location.hash = hash), lessonLink(name).slice('lessons.html'.length));
        await page.waitForFunction((n) => window.vaelabLessons.state().lesson === n, name);
        await lessonReady(page);
        for (const v of await axeSerious(page)) found.push(`${name}: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.join(' | ')}`);
      }
      assert.equal(found.length, 0, found.join(" || "));
      note(`index and ${LESSONS.length} lessons: no serious or critical violations`);
      assert.deepEqual(errors, []);
      await page.close();
    },
  },
];
