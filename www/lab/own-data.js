// The lab's own-data panel: the reader's IDX files or pictures (chosen, or dropped on the page) become
// data=own through www/core/own-images.js; a data=own link asks for them instead of failing.
import { DATA_SETS } from '../core/data.js';
import { DataFileError, ownDataSet } from '../core/own-images.js';

const $ = (id) => document.getElementById(id);
const copy = (data) => Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.slice()])); // engines take the buffers

/**
 * `p`: {session, applyPairs, setNotices, message}. Returns `{request(why), useFiles(files)}`:
 * `request` resolves the IDX bytes of the reader's data (asking for the files when none are held)
 * and rejects when they choose MNIST instead; `useFiles` trains on dropped files.
 */
export function ownData(p) {
  const panel = $('own-data-panel');
  const status = $('own-data-status');
  let held = null; // {data, classes, count, notices}
  let waiting = null; // {resolve, reject} of a request
  let busy = false;

  async function read(files) {
    busy = true;
    status.textContent = `Reading ${files.length} file${files.length === 1 ? '' : 's'}…`;
    try {
      const set = await ownDataSet(files, { invert: $('own-invert').checked,
        onProgress: (done, total) => (status.textContent = `Converting pictures to 28×28 grey… ${done} / ${total}`) });
      status.textContent = '';
      panel.hidden = true;
      return set;
    } catch (e) {
      const text = e instanceof DataFileError ? e.message : `could not read those files: ${e?.message ?? e}`;
      status.textContent = `${text}. Nothing changed.`;
      p.message(`${text}. Nothing changed.`);
      throw e;
    } finally {
      busy = false;
    }
  }

  function said(set) {
    const classes = set.classes ? `${set.classes.length} classes (${set.classes.join(', ')})` : set.labelled ? 'labelled 0–9' : 'no labels';
    return [`your own images: ${set.count.toLocaleString('en')} images, ${classes}, split 90/10 — they stay on this machine`, ...set.notices];
  }

  /** Makes `set` the data that data=own means (null: back to `previous`). */
  function hold(set) {
    held = set;
    DATA_SETS.own = { ...DATA_SETS.own, classes: set?.classes ?? DATA_SETS.mnist.classes };
  }

  /** Files chosen in the panel or dropped: a waiting request gets them, else the run switches to them. */
  async function useFiles(files) {
    if (busy) return;
    let set;
    try {
      set = await read([...files]);
    } catch {
      return;
    }
    const previous = held;
    hold(set);
    if (waiting) {
      const { resolve } = waiting;
      waiting = null;
      p.setNotices(said(set));
      resolve(copy(set.data));
      return;
    }
    const result = await p.session.reloadData('own');
    if (result.error) {
      hold(previous);
      p.message(`Could not train on those images: ${result.error?.message ?? result.error}. Kept the previous run.`);
      return;
    }
    p.setNotices([...said(set), ...result.notices]);
    p.showConfig();
    p.message('Training on your own images: a new run.');
  }

  function request(why = '') {
    if (held) return Promise.resolve(copy(held.data));
    waiting?.reject(new Error('asked again'));
    $('own-data-text').dataset.why = why;
    if (why) status.textContent = why;
    panel.hidden = false;
    $('own-files-button').focus();
    return new Promise((resolve, reject) => (waiting = { resolve, reject }));
  }

  for (const [button, input] of [['own-files-button', 'own-files'], ['own-folder-button', 'own-folder']]) {
    $(button).addEventListener('click', () => $(input).click());
    $(input).addEventListener('change', () => {
      const files = [...$(input).files];
      $(input).value = '';
      if (files.length > 0) useFiles(files);
    });
  }
  $('own-data').addEventListener('click', () => {
    panel.hidden = false;
    $('own-files-button').focus();
  });
  $('own-cancel').addEventListener('click', () => {
    panel.hidden = true;
    status.textContent = '';
    if (waiting) {
      const { reject } = waiting;
      waiting = null;
      reject(new Error('no files of your own were chosen'));
    }
  });
  return { request, useFiles, get held() { return held; } };
}
