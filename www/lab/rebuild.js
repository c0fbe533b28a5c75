// The lab's links to a trained model: a link with `steps=N` trains to step N on open (a progress bar
// with Stop) applying its `edits` on the way; "Copy link (model)" writes such a link for the model shown.
import { config_to_query } from '../core/engine.js';
import { Rebuild, RunRecord, readReplay } from '../core/replay.js';
import { buildHash } from '../core/url-state.js';

const $ = (id) => document.getElementById(id);
const fmt = (n) => Number(n).toLocaleString('en');
const SHOW_EVERY_MS = 250;

/**
 * `session`, `page` (its view and backend), `applyPairs(pairs)` (the lab's config change) and
 * `message(text)` from the page. Returns `{record, read, start, follow, stop, active, exactLink}`.
 */
export function labRebuild({ session, page, applyPairs, message }) {
  const record = new RunRecord(session);
  let shownAt = 0;
  const show = (step, steps, now = performance.now()) => {
    if (now - shownAt < SHOW_EVERY_MS && step > 0 && step < steps) return;
    shownAt = now;
    $('rebuild-bar').value = steps > 0 ? step / steps : 1;
    $('rebuild-text').textContent = `Rebuilding the shared model: step ${fmt(step)} of ${fmt(steps)}`;
  };
  const rebuild = new Rebuild(session, { apply: (pairs) => applyPairs(pairs), onProgress: (step, steps) => show(step, steps) });
  $('rebuild-stop').addEventListener('click', () => rebuild.stop());

  /**
   * Trains to `replay.steps` (`{steps, edits}` from `read`), then pauses there. Resolves
   * `{done, step}`; the run message says how it ended.
   */
  async function start(replay) {
    record.begin(session.config);
    if (replay.steps === 0 && replay.edits.length === 0) return { done: true, step: session.step };
    $('rebuild').hidden = false;
    show(0, replay.steps);
    try {
      const { done, step } = await rebuild.run(replay);
      const changes = replay.edits.reduce((n, e) => n + e.pairs.length, 0);
      const how = changes > 0 ? `, with the ${changes === 1 ? 'change' : `${changes} changes`} made on the way` : '';
      if (done) message(`Rebuilt the shared model: step ${fmt(step)}${how}. Press Train to go on.`);
      else message(`Stopped rebuilding the shared model at step ${fmt(step)} of ${fmt(replay.steps)}.`);
      return { done, step };
    } finally {
      $('rebuild').hidden = true;
    }
  }

  /**
   * A new hash, its config applied already, with `texts` (its steps/edits): when it names a trained
   * model, trains it again from its initial weights, as on open. `tell(notices)` for repairs.
   */
  async function follow(texts, tell) {
    const replay = readReplay(session.config, texts);
    if (replay.notices.length > 0) tell(replay.notices);
    if (replay.steps === 0 && replay.edits.length === 0) return null;
    rebuild.stop();
    await session.reset();
    return start(replay);
  }

  /** A link that rebuilds the model at its current step, or null (and `record.why`) when none can. */
  function exactLink() {
    if (record.why || !record.start) return null;
    const hash = buildHash(config_to_query(record.start), page.view, { backend: page.backend, replay: record.link(session.step) });
    return location.href.replace(/#.*$/, '') + hash;
  }

  function copyExact() {
    const link = exactLink();
    if (!link) {
      message(`No link can rebuild this model: ${record.why}. Download weights to share it.`);
      return;
    }
    const words = `it trains a new copy to step ${fmt(session.step)} when opened`;
    navigator.clipboard.writeText(link).then(
      () => message(`Link to this exact model copied: ${words}.`),
      () => message(`Copy this link (${words}): ${link}`),
    );
  }
  $('copy-exact').addEventListener('click', copyExact);

  return {
    record,
    /** A link's `{steps, edits}` texts read for a run from `config`: `{steps, edits, notices}`. */
    read: (config, texts) => readReplay(config, texts),
    start,
    follow,
    stop: () => rebuild.stop(),
    get active() {
      return rebuild.active;
    },
    exactLink,
  };
}
