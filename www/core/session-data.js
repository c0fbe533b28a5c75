// The session's data: which data set the engine holds against the one the config names, fetching
// the other one before an engine job (so a job only loads it), and loading it inside the job.
import { apply_pairs } from './engine.js';

/**
 * Inside an engine job (or before the loop exists): when `session.config` names other data than the
 * engine holds, loads it (`bytes`, or from `session.provideData`) — a new model of the config on it.
 * Resolves whether it loaded. When the data cannot be had, the config goes back to the data held
 * (that set_pairs rebuilds nothing the load would not have) and the error is thrown.
 */
export async function matchData(session, engine, bytes = null) {
  const wanted = session.config.data;
  const again = session.reload === wanted; // the same key, other files (reloadData)
  session.reload = null;
  if (!wanted || (wanted === session.dataKey && !again)) return false;
  try {
    const data = await (bytes ?? session.provideData(wanted));
    await engine.load(data.trainImages, data.trainLabels, data.testImages, data.testLabels);
    session.dataKey = wanted;
    return true;
  } catch (e) {
    // A failed load leaves the engine's data and model as they were.
    if (!again) session.config = (await engine.set_pairs([['data', session.dataKey]])).config;
    throw e;
  }
}

/**
 * Before a config job: when the pending pairs name other data, fetches it (or asks the page) into
 * `session.fetched`. Resolves null, or the error when the data cannot be had (the pairs are dropped).
 */
export async function prefetchData(session, pairs) {
  const wanted = apply_pairs(session.config, [...session.pending]).config.data;
  if ((wanted === session.dataKey && session.reload !== wanted) || session.fetched?.key === wanted) return null;
  try {
    session.fetched = { key: wanted, data: await session.provideData(wanted) };
    return null;
  } catch (e) {
    session.reload = null;
    for (const [k] of pairs) session.pending.delete(k);
    return e;
  }
}

/** Inside the config job, after set_pairs: loads the prefetched data when the config needs it. Resolves whether it loaded. */
export async function loadPrefetched(session, engine) {
  if (session.config.data === session.dataKey && session.reload !== session.config.data) return false;
  const data = session.fetched?.key === session.config.data ? session.fetched.data : null;
  session.fetched = null; // its buffers may move to the engine
  return matchData(session, engine, data);
}

/**
 * Inside the import job: a file trained on other data brings that data in under the file's weights
 * (a load starts a new model), or, when it cannot be had, stays on the data the page holds (a notice).
 */
export async function dataForImport(session, engine, opened) {
  if (session.config.data === session.dataKey) return;
  const weights = await engine.snapshot();
  const from = opened.config.data;
  try {
    await matchData(session, engine);
  } catch (e) {
    opened.notices = [...opened.notices, `the file was trained on data=${from}, which could not be loaded here (${e?.message ?? e}): it is shown on data=${session.dataKey}`];
  }
  await engine.restore(weights, 0);
  opened.config = session.config;
}
