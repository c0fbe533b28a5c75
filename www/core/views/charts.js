// Live loss charts with uPlot: the loss −ELBO (train and test) and its two parts, reconstruction and
// KL (each on its own axis), drawn from a MetricHistory; x is the optimizer step or the epoch. Each
// chart is named with its latest values, and a table of the last points is one key press away.
import { chartTable, liveName } from './a11y.js';
import { cpuPlot, uPlot } from './plot.js';

const TRAIN = '#2563eb';
const TEST = '#dc2626';
const KL = '#d97706';
const KL_TEST = '#7c3aed';

const TABLE_ROWS = 20;
const last = (xs) => (xs.length ? xs[xs.length - 1] : null);
const fmt = (v) => (v == null ? '–' : Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4));

function options(title, width, series, axes, scales) {
  return {
    title,
    width,
    height: 220,
    cursor: { drag: { x: true, y: false } },
    legend: { live: true },
    scales: { x: { time: false }, ...scales },
    series: [{ label: 'step', value: (u, v) => (v == null ? '–' : +v.toFixed(2)) }, ...series],
    axes: [{ label: 'step' }, ...axes],
  };
}

export class LossCharts {
  /**
   * `lossEl`, `partsEl`: empty containers; the charts follow their width. `tableHost`, when given, gets
   * the toggle and the table of the last points (Enter on a focused chart toggles it too).
   */
  constructor(lossEl, partsEl, tableHost = null) {
    const width = Math.max(280, lossEl.clientWidth);
    const line = (label, stroke, extra = {}) => ({ label, stroke, width: 1.5, spanGaps: true, points: { show: false }, value: (u, v) => fmt(v), ...extra });
    this.loss = cpuPlot(options(
      'Loss (−ELBO, nats per image)',
      width,
      [line('train', TRAIN), line('test (last 10k)', TEST, { width: 2, points: { size: 5 } /* shown while sparse */ })],
      [{ label: 'nats', size: 56 }],
      { y: { distr: 3 } },
    ), [[], [], []], lossEl);
    this.parts = cpuPlot(options(
      'Reconstruction and KL',
      width,
      [
        line('recon', TRAIN, { scale: 'recon' }),
        line('test recon', TEST, { scale: 'recon', dash: [4, 4], points: { size: 5 } /* shown while sparse */ }),
        line('KL', KL, { scale: 'kl' }),
        line('test KL', KL_TEST, { scale: 'kl', dash: [4, 4], points: { size: 5 } /* shown while sparse */ }),
      ],
      [
        { scale: 'recon', label: 'recon (nats)', size: 56 },
        { scale: 'kl', label: 'KL (nats)', side: 1, size: 50, grid: { show: false } },
      ],
      { recon: { auto: true }, kl: { auto: true } },
    ), [[], [], [], [], []], partsEl);
    this.xUnit = 'step';
    this.turn = 0;
    this.versions = new Map(); // chart → history.version it shows
    this.names = [liveName(lossEl, 'Loss chart: no steps yet.'), liveName(partsEl, 'Reconstruction and KL chart: no steps yet.')];
    this.history = null;
    this.table = chartTable(() => this.rows(), { caption: () => `The last ${TABLE_ROWS} training steps (nats per image; test columns where the test set was evaluated)` });
    if (tableHost) {
      tableHost.append(this.table.button, this.table.table);
      for (const el of [lossEl, partsEl]) {
        el.tabIndex = 0;
        el.setAttribute('aria-keyshortcuts', 'Enter');
        el.setAttribute('aria-describedby', this.table.button.id = 'chart-table-toggle');
        el.addEventListener('keydown', (event) => event.key === 'Enter' && this.table.button.click());
      }
    }
    this.observer = new ResizeObserver(() => this.resize(lossEl.clientWidth, partsEl.clientWidth));
    this.observer.observe(lossEl);
    this.observer.observe(partsEl);
  }

  resize(lossWidth, partsWidth) {
    if (lossWidth > 0) this.loss.setSize({ width: lossWidth, height: 220 });
    if (partsWidth > 0) this.parts.setSize({ width: partsWidth, height: 220 });
  }

  /**
   * Redraws the charts whose data changed; with `oneAtATime` only one per call (they take turns, so
   * a call stays short while training). `stepsPerEpoch` converts steps when x is in epochs.
   * `force` redraws both now.
   */
  update(history, stepsPerEpoch, force = false, oneAtATime = false) {
    this.describe(history);
    const div = this.xUnit === 'epoch' ? stepsPerEpoch : 1;
    const x = (steps) => (div === 1 ? steps : steps.map((s) => s / div));
    const { train, test } = history;
    const stale = (chart) => force || this.versions.get(chart) !== history.version;
    const drawLoss = stale(this.loss) && (!oneAtATime || this.turn === 0 || !stale(this.parts));
    if (drawLoss) {
      // batch() draws now rather than in a microtask, so the cost shows where it is spent.
      this.loss.batch(() => this.loss.setData(uPlot.join([[x(train.step), train.loss], [x(test.step), test.mean]])));
      this.versions.set(this.loss, history.version);
      this.turn = 1;
    }
    if (stale(this.parts) && (!oneAtATime || !drawLoss)) {
      const trainX = x(train.step);
      const testX = x(test.step);
      this.parts.batch(() => this.parts.setData(uPlot.join([[trainX, train.recon], [testX, test.recon], [trainX, train.kl], [testX, test.kl]])));
      this.versions.set(this.parts, history.version);
      this.turn = 0;
    }
  }

  /**
   * Names both charts with their latest values ("Loss chart: step 940, train 114.6, test 117.4");
   * cheap, so the page calls it even while the charts are not shown.
   */
  describe(history) {
    this.history = history;
    const { train, test } = history;
    const step = last(train.step) == null ? null : Math.round(last(train.step));
    if (step == null) {
      this.names[0].set('Loss chart: no steps yet.');
      this.names[1].set('Reconstruction and KL chart: no steps yet.');
      return;
    }
    const t = test.step.length ? `, test ${fmt(last(test.mean))} (at step ${Math.round(last(test.step))})` : '';
    this.names[0].set(`Loss chart (−ELBO, nats per image): step ${step}, train ${fmt(last(train.loss))}${t}`);
    const tp = test.step.length ? `; test recon ${fmt(last(test.recon))}, test KL ${fmt(last(test.kl))}` : '';
    this.names[1].set(`Reconstruction and KL chart: step ${step}, recon ${fmt(last(train.recon))}, KL ${fmt(last(train.kl))}${tp}`);
    this.table.update();
  }

  /** The table alternative: the last TABLE_ROWS training steps, with the test values at those steps. */
  rows() {
    const columns = ['step', 'train loss', 'recon', 'KL', 'test loss', 'test recon', 'test KL'];
    if (!this.history) return { columns, rows: [] };
    const { train, test } = this.history;
    const tests = new Map(test.step.map((s, i) => [s, i]));
    const from = Math.max(0, train.step.length - TABLE_ROWS);
    const rows = [];
    for (let i = from; i < train.step.length; i++) {
      const j = tests.get(train.step[i]);
      const tv = (xs) => (j == null ? '' : fmt(xs[j]));
      rows.push([String(Math.round(train.step[i])), fmt(train.loss[i]), fmt(train.recon[i]), fmt(train.kl[i]), tv(test.mean), tv(test.recon), tv(test.kl)]);
    }
    return { columns, rows };
  }

  setXUnit(unit, history, stepsPerEpoch) {
    this.xUnit = unit;
    for (const chart of [this.loss, this.parts]) chart.axes[0].label = unit;
    this.update(history, stepsPerEpoch, true);
  }
}
