// Live loss charts with uPlot: the loss −ELBO (train and test) and its two parts, reconstruction and
// KL (each on its own axis), drawn from a MetricHistory; x is the optimizer step or the epoch.
import { cpuPlot, uPlot } from './plot.js';

const TRAIN = '#2563eb';
const TEST = '#dc2626';
const KL = '#d97706';
const KL_TEST = '#7c3aed';

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
  /** `lossEl`, `partsEl`: empty containers; the charts follow their width. */
  constructor(lossEl, partsEl) {
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

  setXUnit(unit, history, stepsPerEpoch) {
    this.xUnit = unit;
    for (const chart of [this.loss, this.parts]) chart.axes[0].label = unit;
    this.update(history, stepsPerEpoch, true);
  }
}
