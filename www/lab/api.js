// window.vaelab: the lab's API for tests, lessons and scripts (status, config, training, history,
// views, tuning, saved runs, and hooks that simulate a lost GPU or bad numbers).
import { takeTimings } from '../core/timing.js';

/**
 * The page's API for tests and lessons: ready (Promise; rejects when the page cannot run), status(),
 * setConfig(partial) → Promise<{rebuilt, config, notices}> (clamped like a link), play(), pause(),
 * step(n) → Promise (the steps ran and their metrics arrived), notices(), history(), setView(v),
 * refresh(), timings(), firstStepMs, startup (ms per start-up stage), tuning() / tune(), loseDevice(),
 * checkpoint() → Promise<{ok, step}> (keep and save now), savedRuns(), deleteSavedRun(id), injectNaN(),
 * importWeights(bytes, name?) → Promise<{config, notices}> (as "Open weights…"; rejects with the
 * message the page shows), evaluate() → Promise<{loss, recon, kl, active_units, images}> (whole test set),
 * rebuilt → Promise<{done, step}> (a `steps=N` link's rebuild ended; at once without one), exactLink()
 * (the "Copy link (model)" link, or null), weightsFile() → Promise<Uint8Array> (as Download weights),
 * metricsCsv() → the text “Metrics as CSV” saves (set once the page is up; www/lab/exports.js).
 */
export function labApi({ ready, session, page, startup, applyPairs, play, pause, setView, refresh, keeping, importWeights, rebuild }) {
  return {
    get rebuilt() { // a getter: made on use, so a page that cannot start leaves no rejected promise behind
      return ready.then(() => rebuild().rebuilt);
    },
    exactLink: () => rebuild()?.exactLink() ?? null,
    weightsFile: () => ready.then(() => session.run((engine) => engine.weights_file())),
    ready,
    status: () => ({ ...session.status(), view: page.view }),
    setConfig: (partial) => applyPairs(Object.entries(partial).map(([k, v]) => {
      if (!page.configKeys.includes(k)) throw new Error(`unknown config key “${k}”`);
      return [k, Array.isArray(v) ? v.join(',') : String(v)];
    })),
    play,
    pause,
    step: (n) => (session.loop ? session.loop.step(n) : ready.then(() => session.loop.step(n))),
    notices: () => page.notices.slice(),
    history: () => session.history.toJSON(),
    setView,
    refresh,
    /** Worst milliseconds spent in each part of the training frames since the last call. */
    timings: () => ({ ...session.loop?.takeTimings(), jobs: session.scheduler?.takeTimings() ?? {}, views: takeTimings() }),
    firstStepMs: null,
    startup,
    tuning: () => session.tuner?.toJSON() ?? { state: 'default', report: [] },
    tune: () => ready.then(() => session.tuner.tune(session.loop)),
    /** For tests of the recovery path: destroys the GPU device, as a driver crash would. */
    loseDevice: () => session.engine?.lose_device?.(),
    importWeights: (bytes, name) => ready.then(() => importWeights(bytes, name)),
    evaluate: () => ready.then(() => session.run((engine) => engine.evaluate())),
    checkpoint: () => ready.then(() => keeping().saveNow()),
    savedRuns: () => ready.then(() => keeping().list()),
    deleteSavedRun: (id) => ready.then(() => keeping().store.remove(id)),
    /** For tests of the bad-numbers path: puts NaN into every 997th weight or moment, as an overflow would. */
    injectNaN: () => ready.then(() => session.run(async (engine) => {
      const state = Float32Array.from(await engine.snapshot());
      for (let i = 0; i < state.length; i += 997) state[i] = NaN;
      await engine.restore(state, session.loop.submitted);
    })),
  };
}
