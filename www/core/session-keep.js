// Keeping a session's weights on the CPU and going on from them: the periodic copy (keepWeights), a
// saved run or the last good copy (continueFrom), and a new device after a lost one (recover).
import { configPairs, openEngine } from './engine.js';
import { MetricHistory } from './metric-history.js';
import { EngineScheduler } from './scheduler.js';
import { READ_EVERY, TEST_EVERY } from './train-loop.js';

/** Keeps the weights (and Adam's state) of every submitted step on the CPU: resolves `kept`. */
export function keepWeights(session) {
  if (!session.scheduler || session.lost) return Promise.resolve(session.kept);
  if (session.keeping) {
    session.keepAgain = true; // e.g. Pause during a periodic copy: keep the newer weights too
    return session.keeping;
  }
  session.keepAgain = false;
  session.keptAt = performance.now();
  session.keeping = session.scheduler.run(async (engine) => {
    const step = session.loop.submitted;
    const config = session.config;
    return { weights: await engine.snapshot(), step, config, at: Date.now() };
  }).then(
    (kept) => {
      session.kept = kept;
      session.emit('kept', kept);
    },
    (e) => console.warn('keeping the weights failed; keeping the previous copy', e), // a lost device shows via errors()
  ).finally(() => {
    session.keeping = null;
    if (session.keepAgain && !session.lost) keepWeights(session);
  });
  return session.keeping.then(() => session.kept);
}

/**
 * Goes on from `kept` `{weights, step, config, history?}` (a saved run of this config, or the last
 * good copy after bad numbers): pauses, lets the steps in flight report, then restores it.
 */
export async function continueFrom(session, kept) {
  session.loop.pause();
  await session.settle();
  await session.scheduler.run((engine) => session.newModel({ kept, rebuilt: false }, engine));
  session.kept = kept;
  session.emit('kept', kept);
}

/**
 * After a lost device: a new device with the data the old engine parsed (or another backend:
 * `{backend, data, reason}`), continuing from `kept` when the engine says the current config can
 * use those weights. Resolves `{restored, step}`.
 */
export async function recover(session, kept = session.kept, { backend = null, data = null, reason = '' } = {}) {
  session.loop?.stop();
  session.pending.clear(); // changes made while lost are in session.config, applied below
  const old = session.engine;
  // The same backend on a new device, or (`backend`, with `data`: the MNIST bytes again) another one.
  const opened = kept?.config ?? session.config;
  const engine = backend ? await openEngine({ backend, config: opened, data }) : await old.recreate(opened);
  if (backend) {
    session.backend = backend;
    if (reason) engine.reason = reason;
  }
  engine.set_cadence(READ_EVERY, TEST_EVERY);
  if (kept) await engine.restore(kept.weights, kept.step);
  // Changes made since the copy: live ones apply to it, others rebuild (and the copy is unusable).
  const { rebuilt, config } = await engine.set_pairs(configPairs(session.config));
  const restored = Boolean(kept) && !rebuilt;
  const step = restored ? kept.step : 0;
  session.engine = engine;
  session.config = config;
  session.scheduler = new EngineScheduler(engine);
  try {
    old.free?.();
  } catch {
    // still held by a call that never finished on the lost device: leave it to the GC
  }
  session.lost = false;
  await session.tuner.prepare(config); // the new device starts with the default kernels
  if (!restored) session.history = new MetricHistory();
  else if (kept.history) session.history = kept.history;
  else session.history.truncate(step);
  session.kept = restored ? kept : null;
  session.target = step;
  session.loop = session.makeLoop(step);
  session.readInfo();
  session.emit('run', { restored, step, rebuilt: !restored });
  return { restored, step };
}
