// Lesson 5, why one sample is enough: the K-sample ELBO and the IWAE objective. Widget: trains a
// fresh model for each K (same seed, same initial weights, same batches), one after another, and
// measures the spread of the gradient over ε on a fixed batch at five points of each run.
import { COLOURS, LineChart, button, el, line, num, segmented, slider, uPlot } from '../ui.js';
import { EngineWidget } from '../widget-kit.js';
import { T, summary, text, title } from './prose.js';

const CHECKPOINTS = 5; // gradient measurements per run, at 0, ¼, ½, ¾ and all of the steps
const K_COLOURS = [COLOURS.blue, COLOURS.amber, COLOURS.red, COLOURS.violet];

const fmtK = (k, lang, what) => (lang === 'zh' ? `K = ${k} ${what}` : `K = ${k} ${what}`);

export default {
  name: 'one-sample',
  number: 5,
  engine: true,
  training: 'custom',
  title,
  summary,
  config: {},
  params: {
    ks: { type: 'list', min: 1, max: 64, maxLength: 4, default: [1, 5, 50] },
    steps: { type: 'int', min: 2, max: 20000, default: 1000 },
    repeats: { type: 'int', min: 2, max: 64, default: 16 },
    x: { type: 'enum', values: ['steps', 'work'], default: 'steps' },
  },
  text,
  Widget: class extends EngineWidget {
    constructor(ctx) {
      super(ctx);
      const t = this.texts;
      this.objective = segmented(t, {
        key: 'objective',
        label: T.objective,
        options: [{ value: 'elbo', label: T.elbo }, { value: 'iwae', label: T.iwae }],
        onChange: (v) => ctx.setConfig([['objective', v]]),
      });
      this.ksInput = el('input', { type: 'text', spellcheck: false, size: 10 });
      this.ksInput.addEventListener('change', () => {
        ctx.setParam('ks', this.ksInput.value);
        this.ksInput.value = this.params.ks.join(',');
        this.restart();
      });
      const ksLabel = el('label.control.choice', { dataset: { control: 'ks' } }, t.bind(el('span.name'), T.ks), this.ksInput);
      this.steps = slider(t, {
        key: 'steps',
        label: T.steps,
        spec: { min: 2, max: 20000, log: true, integer: true },
        width: '120px',
        onInput: (v, { dragging }) => {
          ctx.setParam('steps', v, { dragging });
          if (!dragging) this.restart();
        },
      });
      this.repeats = slider(t, {
        key: 'repeats',
        label: T.repeats,
        spec: { min: 2, max: 64, step: 1, integer: true },
        width: '100px',
        onInput: (v, { dragging }) => {
          ctx.setParam('repeats', v, { dragging });
          if (!dragging) this.restart();
        },
      });
      this.xAxis = segmented(t, {
        key: 'x',
        label: T.xAxis,
        options: [{ value: 'steps', label: T.bySteps }, { value: 'work', label: T.byWork }],
        onChange: (v) => {
          ctx.setParam('x', v);
          this.xAxis.set(v);
          this.draw();
        },
      });
      const again = button(t, T.run, () => this.restart(true));
      this.statusLine = el('p.run-status', { attrs: { 'aria-live': 'polite' } });
      this.progress = el('progress.train-progress', { max: 1, value: 0 });
      this.lossBox = el('div.chart-box');
      this.lossBox.dataset.figure = 'loss';
      this.snrBox = el('div.chart-box');
      this.table = el('table.results');
      this.root.append(
        this.waiting,
        el('div.widget-controls', {}, this.objective.root, ksLabel, this.steps.root, this.repeats.root, again),
        el('div.run-line', {}, this.statusLine, this.progress),
        el('div.widget-controls.slim', {}, this.xAxis.root),
        el('div.cards.lesson-cards.two', {}, el('figure.card.chart', {}, this.lossBox), el('figure.card.chart', {}, this.snrBox)),
        el('figure.card', {}, this.table),
      );
      this.results = new Map(); // K → {history, grad, seconds, objective}
      this.generation = 0;
      this.showParams(ctx.params);
      this.showConfig(ctx.config);
      t.onSwitch(() => {
        this.buildCharts();
        this.draw();
      });
    }

    get objectiveName() {
      return this.config.objective === 'iwae' ? 'iwae' : 'elbo';
    }

    showParams(params) {
      this.ksInput.value = params.ks.join(',');
      this.steps.set(params.steps);
      this.repeats.set(params.repeats);
      this.xAxis.set(params.x);
    }

    showConfig(config) {
      this.objective.set(config.objective === 'iwae' ? 'iwae' : 'elbo');
    }

    onConfig() {
      this.restart();
    }

    /** Charts are rebuilt when the set of K or the language changes (their series are per K). */
    buildCharts() {
      for (const c of this.charts ?? []) c.destroy();
      const ks = this.params.ks;
      const iwae = this.objectiveName === 'iwae';
      const workLabel = (tr) => tr(this.params.x === 'work' ? T.byWork : T.bySteps);
      this.lossChart = new LineChart(this.texts, this.lossBox, (tr) => ({
        title: tr(T.lossTitle),
        scales: { x: { time: false }, y: {} },
        axes: [{ label: workLabel(tr) }, { label: tr(T.nats), size: 56 }],
        series: [{ label: workLabel(tr) }, ...ks.flatMap((k, i) => [
          line(`K = ${k}`, K_COLOURS[i]),
          ...(iwae ? [line(this.texts.lang === 'zh' ? `K = ${k} 的 IWAE 损失` : `K = ${k}: IWAE loss`, K_COLOURS[i], { dash: [4, 4], width: 1.2 })] : []),
        ])],
      }), { height: 260 });
      this.snrChart = new LineChart(this.texts, this.snrBox, (tr) => ({
        title: tr(T.snrTitle),
        scales: { x: { time: false }, y: { distr: 3 } },
        axes: [{ label: workLabel(tr) }, { label: tr(T.snr), size: 50 }],
        series: [{ label: workLabel(tr) }, ...ks.flatMap((k, i) => [
          line(fmtK(k, this.texts.lang, tr(T.encoder)), K_COLOURS[i], { points: { show: true, size: 6 } }),
          line(fmtK(k, this.texts.lang, tr(T.decoder)), K_COLOURS[i], { dash: [4, 4], points: { show: true, size: 6 } }),
        ])],
      }), { height: 260 });
      this.charts = [this.lossChart, this.snrChart];
      this.chartKey = `${ks.join(',')}|${iwae}|${this.params.x}`;
    }

    /** Called by the page once the engine is up. */
    async start() {
      this.ready();
      this.restart(false);
    }

    /** Starts the comparison over (cancelling a run in progress); `force` drops kept results too. */
    restart(force = false) {
      if (!this.session) return;
      const generation = ++this.generation;
      if (force) this.forceFresh = true;
      this.results = new Map();
      this.buildCharts();
      this.draw();
      this.finished = this.runAll(generation).catch((e) => this.ctx.onError(e));
    }

    /** Resolves when the comparison in progress (if any) has finished or was replaced and finished. */
    async untilDone() {
      let seen;
      while (seen !== this.finished) {
        seen = this.finished;
        await seen;
      }
    }

    async runAll(generation) {
      const session = this.session;
      const { ks, steps, repeats } = this.params;
      const cancelled = () => generation !== this.generation || this.destroyed;
      const checkpoints = [...new Set(Array.from({ length: CHECKPOINTS }, (_, i) => Math.round((i * steps) / (CHECKPOINTS - 1))))];
      for (const [i, K] of ks.entries()) {
        if (cancelled()) return;
        const config = { ...this.config, samples: K, objective: this.objectiveName };
        this.current = { K, index: i };
        await session.use(config);
        if (this.forceFresh && session.loop.submitted > 0) await session.restart();
        if (cancelled()) return;
        const t0 = performance.now();
        session.extras.grad ??= [];
        session.extras.repeats ??= repeats;
        if (session.extras.repeats !== repeats) {
          session.extras.grad = [];
          session.extras.repeats = repeats;
        }
        const result = { K, history: session.history, grad: session.extras.grad, seconds: session.extras.seconds ?? 0 };
        this.results.set(K, result);
        for (const cp of checkpoints) {
          if (result.grad.some((g) => g.step === cp)) continue;
          if (session.loop.submitted > cp) continue; // a kept model already past this point
          if (cancelled()) return;
          session.trainTo(cp);
          await session.untilIdle();
          if (cancelled()) return;
          const stats = await this.run((e) => e.gradient_stats(repeats));
          result.grad.push({ step: cp, ...stats });
          result.grad.sort((a, b) => a.step - b.step);
          this.ctx.requestRefresh();
        }
        if (cancelled()) return;
        session.trainTo(steps);
        await session.untilIdle();
        if (cancelled()) return;
        result.seconds += (performance.now() - t0) / 1000;
        session.extras.seconds = result.seconds;
        result.history = session.history;
        this.ctx.requestRefresh();
      }
      this.forceFresh = false;
      this.current = null;
      this.ctx.requestRefresh();
    }

    async refresh() {
      if (!this.session) return;
      this.ready();
      this.draw();
    }

    draw() {
      const ks = this.params.ks;
      const iwae = this.objectiveName === 'iwae';
      if (!this.lossChart || this.chartKey !== `${ks.join(',')}|${iwae}|${this.params.x}`) this.buildCharts();
      const work = this.params.x === 'work';
      const lossTables = [];
      const snrTables = [];
      for (const K of ks) {
        const r = this.results.get(K);
        const scale = work ? K : 1;
        if (!r) {
          lossTables.push(iwae ? [[], [], []] : [[], []]);
          snrTables.push([[], [], []]);
          continue;
        }
        const { step, loss, objective } = smooth(r.history.train, 150);
        const xs = step.map((s) => s * scale);
        lossTables.push(iwae ? [xs, loss, objective] : [xs, loss]);
        const snr = (g, part) => Math.sqrt(g[`${part}_mean_sq`] / Math.max(1e-30, g[`${part}_variance`]));
        snrTables.push([r.grad.map((g) => g.step * scale), r.grad.map((g) => snr(g, 'encoder')), r.grad.map((g) => snr(g, 'decoder'))]);
      }
      this.lossChart.setData(joinTables(lossTables));
      this.snrChart.setData(joinTables(snrTables));
      this.drawStatus();
      this.drawTable();
    }

    drawStatus() {
      const zh = this.texts.lang === 'zh';
      const s = this.session?.status();
      if (!s) return;
      const ks = this.params.ks;
      if (this.current) {
        const { K, index } = this.current;
        this.statusLine.textContent = zh
          ? `第 ${index + 1} / ${ks.length} 次训练：K = ${K}，第 ${s.step} / ${this.params.steps} 步${s.stepsPerSecond ? `，每秒 ${Math.round(s.stepsPerSecond)} 步` : ''}`
          : `Run ${index + 1} of ${ks.length}: K = ${K}, step ${s.step} of ${this.params.steps}${s.stepsPerSecond ? ` · ${Math.round(s.stepsPerSecond)} steps/s` : ''}`;
        this.progress.value = (index + Math.min(1, s.step / this.params.steps)) / ks.length;
      } else {
        this.statusLine.textContent = zh ? `完成：${ks.length} 次训练，每次 ${this.params.steps} 步。` : `Done: ${ks.length} runs of ${this.params.steps} steps each.`;
        this.progress.value = 1;
      }
    }

    drawTable() {
      const zh = this.texts.lang === 'zh';
      const head = zh
        ? ['K', '训练 −ELBO（最后 10%）', '测试 −ELBO', '编码器信噪比', '解码器信噪比', '编码器梯度方差', '用时']
        : ['K', 'train −ELBO (last 10%)', 'test −ELBO', 'encoder SNR', 'decoder SNR', 'encoder gradient variance', 'time'];
      const rows = this.params.ks.map((K) => {
        const r = this.results.get(K);
        if (!r) return [String(K), '…', '', '', '', '', ''];
        const loss = r.history.train.loss;
        const tail = loss.slice(Math.floor(loss.length * 0.9));
        const last = r.grad[r.grad.length - 1];
        const snr = (part) => (last ? num(Math.sqrt(last[`${part}_mean_sq`] / Math.max(1e-30, last[`${part}_variance`])), 3) : '–');
        return [
          String(K),
          tail.length ? num(tail.reduce((a, b) => a + b, 0) / tail.length, 1) : '–',
          num(r.history.testLoss, 1),
          snr('encoder'),
          snr('decoder'),
          last ? last.encoder_variance.toExponential(2) : '–',
          r.seconds ? `${r.seconds.toFixed(1)} s` : '…',
        ];
      });
      this.table.replaceChildren(
        el('thead', {}, el('tr', {}, head.map((h) => el('th', { textContent: h })))),
        el('tbody', {}, rows.map((cells) => el('tr', {}, cells.map((c) => el('td', { textContent: c }))))),
      );
    }

    destroy() {
      this.generation++;
      super.destroy();
    }
  },
};

/** Means of `series` fields over buckets, so at most `points` points remain. */
function smooth(series, points) {
  const n = series.step.length;
  const width = Math.max(1, Math.ceil(n / points));
  const out = { step: [], loss: [], objective: [] };
  for (let i = 0; i < n; i += width) {
    const end = Math.min(n, i + width);
    let s = 0;
    let l = 0;
    let o = 0;
    for (let j = i; j < end; j++) {
      s += series.step[j];
      l += series.loss[j];
      o += series.objective[j];
    }
    out.step.push(s / (end - i));
    out.loss.push(l / (end - i));
    out.objective.push(o / (end - i));
  }
  return out;
}

/** uPlot.join over tables [[x, ys…], …], tolerating empty ones. */
function joinTables(tables) {
  const usable = tables.map((t) => (t[0].length ? t : [[0], ...t.slice(1).map(() => [null])]));
  return uPlot.join(usable);
}
