// Lesson 5, why one sample is enough: the K-sample ELBO and the IWAE objective. Widget: trains a
// fresh model for each K (same seed, same initial weights, same batches), one after another, and
// measures the spread of the gradient over ε on a fixed batch at five points of each run.
import { COLOURS, LineChart, button, el, line, num, segmented, slider, uPlot } from './ui.js';
import { EngineWidget } from './widget-kit.js';

const CHECKPOINTS = 5; // gradient measurements per run, at 0, ¼, ½, ¾ and all of the steps
const K_COLOURS = [COLOURS.blue, COLOURS.amber, COLOURS.red, COLOURS.violet];

const text = {
  en: String.raw`
## One sample, unbiased

The reconstruction term is an expectation over $q(z \given x)$. Training does not need its value, only an unbiased estimate of its gradient: stochastic gradient descent averages the noise away over many steps. With the reparameterization of [lesson 3](lesson:reparameterization), one draw of $\varepsilon$ per image gives such an estimate:

$$\nabla \ELBO(x) \approx \nabla \log p_\theta\big(x \given \mu_\phi(x) + \sigma_\phi(x) \odot \varepsilon\big) - \nabla \KL\big(q_\phi(z \given x)\,\|\,p(z)\big), \qquad \varepsilon \sim \N(0, I).$$

Why is one draw enough in practice?

- The gradient is already an average over a batch of images, each with its own $\varepsilon$. Choosing *which* images adds noise too, and usually more than choosing $\varepsilon$.
- After a little training $q(z \given x)$ is narrow in the dimensions that matter ($\sigma \ll 1$), so different draws decode to nearly the same image and give nearly the same gradient.
- Each extra sample costs a full decoder pass. With $K$ samples a step costs about $K$ times as much decoder work; the same work could process $K$ times as many images.

## K samples, two ways to use them

The **K-sample ELBO** averages the reconstruction term over $K$ codes per image. It is the same bound, with $K$ times less sampling variance in its gradient:

$$\frac{1}{K}\sum_{k=1}^{K} \log p_\theta(x \given z_k) - \KL\big(q_\phi(z \given x)\,\|\,p(z)\big), \qquad z_k = \mu_\phi(x) + \sigma_\phi(x) \odot \varepsilon_k.$$

The **importance-weighted objective** (IWAE, Burda et al., 2016) puts the $K$ samples inside the logarithm and trains the tighter bound $\L_K$ of [lesson 2](lesson:elbo):

$$\log \frac{1}{K}\sum_{k=1}^{K} \frac{p_\theta(x, z_k)}{q_\phi(z_k \given x)}.$$

Its gradient weighs each sample by its normalized importance weight, so codes that explain $x$ well count more. It usually reaches a better log-likelihood, and it no longer forces $q$ to match the posterior closely. But Rainforth et al. (2018) found a catch: as $K$ grows, the decoder's gradient gets cleaner while the encoder's signal shrinks faster than its noise — its signal-to-noise ratio falls like $1/\sqrt{K}$. A tighter bound can leave a worse encoder.

## The experiment

The widget trains a fresh model for each $K$ with the same seed — same initial weights, same batches in the same order — one after another. At five points of each run it draws the gradient of one fixed batch many times with fresh $\varepsilon$ (without updating the weights) and reports how much it varies. The signal-to-noise ratio is $\sqrt{\overline{(\E g)^2} / \overline{\operatorname{Var} g}}$, averaged over the parameters of the encoder or of the decoder.

@widget

What to look for:

- Per optimizer step, more samples help a little. Per unit of decoder work (switch the x axis), $K = 1$ is usually ahead.
- For the K-sample ELBO the gradient's variance over $\varepsilon$ falls roughly like $1/K$ at the start, where all runs share the same weights. When the signal-to-noise ratio is already well above 1, making the noise smaller buys little.
- Switch the objective to IWAE and run again: the decoder's signal-to-noise ratio grows with $K$, the encoder's does not.

Q: So is $K = 1$ always the right choice?
For the plain ELBO, almost always: spend the compute on more images or more steps instead. More samples matter when the bound itself changes with $K$ (IWAE), when evaluating log-likelihoods ([lesson 2](lesson:elbo) uses 5,000), or when the noise per image dominates, as with very small batches.

Q: Why are the curves with large K slower to compute but not much better per step?
Most of a step's gradient noise comes from the batch, and averaging more codes for the same images does not touch that. What K buys — a less noisy estimate of each image's expectation — is a small part of the total once $\sigma$ has become small.
`,
  zh: String.raw`
## 一个样本，无偏

重构项是关于 $q(z \given x)$ 的期望。训练并不需要它的值，只需要它梯度的一个无偏估计：随机梯度下降会在许多步中把噪声平均掉。借助[第 3 课](lesson:reparameterization)的重参数化，每张图像抽一次 $\varepsilon$ 就能得到这样的估计：

$$\nabla \ELBO(x) \approx \nabla \log p_\theta\big(x \given \mu_\phi(x) + \sigma_\phi(x) \odot \varepsilon\big) - \nabla \KL\big(q_\phi(z \given x)\,\|\,p(z)\big), \qquad \varepsilon \sim \N(0, I).$$

为什么实践中抽一次就够？

- 梯度本来就是对一批图像求的平均，每张图像各有自己的 $\varepsilon$。选*哪些*图像同样带来噪声，而且通常比选 $\varepsilon$ 带来的更多。
- 训练一段时间后，$q(z \given x)$ 在要紧的维度上已经很窄（$\sigma \ll 1$），不同的抽取解码出的图像几乎一样，梯度也几乎一样。
- 每多一个样本，就多一次完整的解码。用 $K$ 个样本，每一步的解码工作量约为原来的 $K$ 倍；同样的工作量本可以处理 $K$ 倍的图像。

## K 个样本的两种用法

**K 样本 ELBO** 对每张图像的 $K$ 个编码求重构项的平均。下界不变，梯度的采样方差变为原来的 $1/K$：

$$\frac{1}{K}\sum_{k=1}^{K} \log p_\theta(x \given z_k) - \KL\big(q_\phi(z \given x)\,\|\,p(z)\big), \qquad z_k = \mu_\phi(x) + \sigma_\phi(x) \odot \varepsilon_k.$$

**重要性加权目标**（IWAE，Burda 等，2016）把 $K$ 个样本放进对数里面，训练的是[第 2 课](lesson:elbo)中更紧的下界 $\L_K$：

$$\log \frac{1}{K}\sum_{k=1}^{K} \frac{p_\theta(x, z_k)}{q_\phi(z_k \given x)}.$$

它的梯度按归一化的重要性权重给每个样本加权，能很好解释 $x$ 的编码分量更重。它通常能得到更好的对数似然，也不再强迫 $q$ 紧贴后验。但 Rainforth 等（2018）发现了一个问题：$K$ 增大时，解码器的梯度越来越干净，编码器梯度里的信号却比噪声缩小得更快——它的信噪比按 $1/\sqrt{K}$ 下降。下界更紧，编码器反而可能更差。

## 实验

控件为每个 $K$ 依次从头训练一个模型，种子相同——初始权重相同，批次和顺序也相同。在每次训练的五个时间点，它对同一个固定的批次、用新抽的 $\varepsilon$ 反复计算梯度（不更新权重），报告梯度的波动有多大。信噪比定义为 $\sqrt{\overline{(\E g)^2} / \overline{\operatorname{Var} g}}$，分别对编码器和解码器的参数求平均。

@widget

可以留意：

- 按优化步数看，样本多一点略有帮助；按解码工作量看（切换横轴），$K = 1$ 通常领先。
- 对 K 样本 ELBO，在所有训练共享同一组权重的起点，梯度关于 $\varepsilon$ 的方差大致按 $1/K$ 下降。信噪比已经明显大于 1 时，再压低噪声收效甚微。
- 把目标切换成 IWAE 再跑一遍：解码器的信噪比随 $K$ 增大，编码器的则不然。

Q: 那么 $K = 1$ 总是对的吗？
对普通 ELBO，几乎总是：把算力花在更多图像或更多步数上更划算。下界本身随 $K$ 改变时（IWAE）、估计对数似然时（[第 2 课](lesson:elbo)用了 5000 个样本），或者每张图像的噪声占主导时（比如批次非常小），多个样本才有意义。

Q: 为什么 K 大的曲线算得更慢，每一步却没好多少？
一步梯度中的噪声大多来自批次的选择，对同一批图像多平均几个编码，碰不到这部分噪声。K 换来的——对每张图像期望的更准估计——在 $\sigma$ 变小之后只占总噪声的一小部分。
`,
};

const T = {
  objective: { en: 'Objective', zh: '目标' },
  elbo: { en: 'K-sample ELBO', zh: 'K 样本 ELBO' },
  iwae: { en: 'IWAE', zh: 'IWAE' },
  ks: { en: 'K values', zh: 'K 的取值' },
  steps: { en: 'Steps per run', zh: '每次训练的步数' },
  repeats: { en: 'Gradient draws', zh: '梯度抽取次数' },
  run: { en: 'Run again', zh: '重新运行' },
  xAxis: { en: 'x axis', zh: '横轴' },
  bySteps: { en: 'steps', zh: '步数' },
  byWork: { en: 'decoder work (steps × K)', zh: '解码工作量（步数 × K）' },
  lossTitle: { en: 'Training loss −ELBO (smoothed)', zh: '训练损失 −ELBO（平滑后）' },
  snrTitle: { en: 'Gradient signal-to-noise ratio over ε', zh: '梯度关于 ε 的信噪比' },
  nats: { en: 'nats', zh: '奈特' },
  snr: { en: 'SNR', zh: '信噪比' },
  encoder: { en: 'encoder', zh: '编码器' },
  decoder: { en: 'decoder', zh: '解码器' },
};

const fmtK = (k, lang, what) => (lang === 'zh' ? `K = ${k} ${what}` : `K = ${k} ${what}`);

export default {
  name: 'one-sample',
  number: 5,
  engine: true,
  training: 'custom',
  title: { en: 'Why one sample is enough', zh: '为什么一个样本就够' },
  summary: {
    en: 'Train with $K$ = 1, 5 and 50 samples of $z$ per image — the K-sample ELBO and the importance-weighted bound — and compare learning curves and gradient noise.',
    zh: '每张图像分别用 $K$ = 1、5、50 个 $z$ 样本训练——K 样本 ELBO 和重要性加权下界——比较学习曲线和梯度噪声。',
  },
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
