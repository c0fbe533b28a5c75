// The lab's saved runs: each copy the session keeps (every ~30 s of training, on Pause, when the tab
// is hidden) goes to IndexedDB; reopening a link offers "Resume step N", with a list of saved runs.
import { CheckpointStore, ago } from '../core/checkpoints.js';
import { config_to_query, configPairs } from '../core/engine.js';
import { MetricHistory } from '../core/metric-history.js';
import { allFinite } from '../core/number-guard.js';
import { buildHash } from '../core/url-state.js';

const $ = (id) => document.getElementById(id);
const newId = () => `run-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
const WAIT_FOR_METRICS_MS = 3000;

/**
 * `session`: the page's Session; `applyPairs(pairs)`: the lab's config change (controls, link);
 * `addNotice(text)`, `message(text)`: the page's words; `record`: the run's start and live changes
 * (core/replay.js), saved with it; `store`: where runs go (tests pass their own).
 */
export function labKeeping({ session, applyPairs, addNotice, message, record = null, store = new CheckpointStore() }) {
  let runId = newId();
  let lastSaved = { id: null, step: -1 };
  let saving = Promise.resolve({ ok: true });
  const told = new Set(); // each storage problem is said once, not every 30 s

  const tell = (text) => {
    if (told.has(text)) return;
    told.add(text);
    addNotice(text);
  };

  session.on('run', ({ restored }) => {
    if (!restored) runId = newId(); // a rebuild or reset is a new run; a rewind or recovery is the same one
  });
  session.on('kept', (kept) => queue(kept));

  /** Saves `kept` after the saves before it, as the run it belongs to now. */
  function queue(kept) {
    const id = runId;
    saving = saving.then(() => save(kept, { id })).catch((e) => ({ ok: false, reason: e?.message ?? String(e) }));
    return saving;
  }

  /** Resolves once the session's metrics reached `step` (or after a few seconds). */
  function metricsReach(step) {
    if (session.step >= step) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(finish, WAIT_FOR_METRICS_MS);
      const off = session.on('frame', () => session.step >= step && finish());
      function finish() {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  }

  /** Saves `kept` (a Session copy) as this run, with the history as far as its step. */
  async function save(kept, { wait = true, id = runId } = {}) {
    if (!kept || kept.step === 0 || (lastSaved.id === id && lastSaved.step === kept.step)) return { ok: true, skipped: true };
    if (!allFinite(kept.weights)) return { ok: false, reason: 'the weights are not finite numbers' };
    if (wait) await metricsReach(kept.step);
    let history;
    try {
      const copy = MetricHistory.load(session.history.save());
      if ((copy.last?.step ?? 0) > kept.step) copy.truncate(kept.step);
      history = copy.save();
    } catch (e) {
      history = new MetricHistory().save(); // the weights matter more than the charts
    }
    const weights = kept.weights instanceof Float32Array ? kept.weights : Float32Array.from(kept.weights);
    const run = { id, link: config_to_query(kept.config), step: kept.step, at: Date.now(), config: kept.config,
      backend: session.info.backend, weights, history, replay: record?.save() ?? null };
    const result = await store.save(run).catch((e) => ({ ok: false, reason: e?.message ?? String(e) }));
    if (result.ok) lastSaved = { id, step: kept.step };
    else tell(`Could not save this run for a later visit: ${result.reason}. Training goes on.`);
    return result;
  }

  /** Keeps the newest weights and saves them: resolves `{ok, step}` or `{ok: false, reason}`. */
  async function saveNow() {
    const kept = await session.keep();
    const result = await queue(kept);
    return { ...result, step: kept?.step ?? 0 };
  }

  // Leaving: hidden tabs stop their animation frames, so keep a copy now; on pagehide there is no
  // time to read the engine, so the newest copy already kept is written.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden' && session.started && !session.lost && session.step > 0) session.keep();
  });
  window.addEventListener('pagehide', () => {
    if (session.kept) save(session.kept, { wait: false });
  });

  /** Continues from saved run `id` (its settings first, when the page's differ). */
  async function resume(id) {
    const loaded = await store.load(id);
    let history = null;
    let reason = loaded.ok ? '' : loaded.reason;
    if (loaded.ok) {
      try {
        history = MetricHistory.load(loaded.run.history);
      } catch (e) {
        reason = `its metric history is damaged (${e.message})`;
      }
    }
    if (!history) return damaged(id, reason);
    const run = loaded.run;
    const before = { runId, lastSaved };
    try {
      // Its settings first (a rebuild there starts a new run id, replaced just below).
      if (config_to_query(session.config) !== run.link) await applyPairs(configPairs(run.config));
      // From here on this page continues that run (the copy continueFrom announces is saved already).
      runId = run.id;
      lastSaved = { id: run.id, step: run.step };
      await session.continueFrom({ weights: run.weights, step: run.step, config: session.config, history, at: run.at });
      record?.load(run.replay, run.step, session.config); // its start and changes, for "Copy link (model)"
    } catch (e) {
      ({ runId, lastSaved } = before);
      return damaged(id, `the engine could not use it (${e?.message ?? e})`);
    }
    message(`Resumed the saved run at step ${run.step}. Press Train to go on.`);
    await refresh();
    return { ok: true, step: run.step };
  }

  async function damaged(id, reason) {
    tell(`The saved run could not be resumed: ${reason}. It was deleted; training goes on from here.`);
    await store.remove(id);
    await refresh();
    return { ok: false, reason };
  }

  /** Shows the resume offer for this link and the list of saved runs (nothing when there are none). */
  async function refresh() {
    const listed = await store.list();
    if (!listed.ok) {
      tell(`Saved runs are unavailable: ${listed.reason}. Training works; runs are not kept across reloads.`);
      $('saved').hidden = true;
      return [];
    }
    const link = config_to_query(session.config);
    const here = listed.runs.find((r) => r.link === link && r.step > session.step && r.id !== runId);
    const resumeButton = $('resume');
    resumeButton.hidden = !here;
    if (here) {
      resumeButton.textContent = `Resume step ${here.step.toLocaleString('en')} (saved ${ago(here.at)})`;
      resumeButton.onclick = () => resume(here.id);
    }
    $('saved-note').textContent = here ? 'This link was trained here before.' : '';
    $('saved-count').textContent = String(listed.runs.length);
    $('saved-list').replaceChildren(...listed.runs.map((r) => runItem(r, r.link === link)));
    $('saved').hidden = listed.runs.length === 0;
    return listed.runs;
  }

  function runItem(r, sameLink) {
    const li = document.createElement('li');
    const c = r.config ?? {};
    const num = (v) => (typeof v === 'number' ? Number(v.toPrecision(4)) : v); // f32 values without their float noise
    const what = `step ${Number(r.step).toLocaleString('en')} · latent ${c.latent}, β ${num(c.beta)}, lr ${num(c.lr)}, seed ${c.seed} · ${r.backend ?? ''} · saved ${ago(r.at)}`;
    const label = document.createElement(sameLink ? 'span' : 'a');
    label.textContent = sameLink ? `${what} (this link)` : what;
    if (!sameLink) label.href = buildHash(r.link, 'training');
    const del = Object.assign(document.createElement('button'), { type: 'button', className: 'link', textContent: 'Delete' });
    del.setAttribute('aria-label', `Delete the saved run at ${what}`);
    del.addEventListener('click', async () => {
      const removed = await store.remove(r.id);
      if (!removed.ok) tell(`Could not delete the saved run: ${removed.reason}.`);
      if (r.id === runId) lastSaved = { id: runId, step: session.kept?.step ?? lastSaved.step }; // saved again only when it trains on
      await refresh();
    });
    li.append(label, ' ', del);
    return li;
  }

  return { refresh, resume, saveNow, list: () => store.list(), store };
}
