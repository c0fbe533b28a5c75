// uPlot for every chart of both pages, on CPU-backed canvases: a frame commit then never waits on a
// GPU process that is busy training.
import uPlot from '../../vendor/uPlot.esm.js';

export { uPlot };

/**
 * `new uPlot(...)` with CPU-backed canvases: uPlot creates its own contexts, so the context options
 * are supplied for the duration of the constructor only (see context2d in digits.js for why).
 */
export function cpuPlot(opts, data, target) {
  const original = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (type, options) {
    return original.call(this, type, type === '2d' ? { ...options, willReadFrequently: true } : options);
  };
  try {
    return new uPlot(opts, data, target);
  } finally {
    HTMLCanvasElement.prototype.getContext = original;
  }
}
