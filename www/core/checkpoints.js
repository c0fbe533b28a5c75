// Saved runs in IndexedDB: a run's weights and Adam moments, step, config and metric history, keyed
// by the link that made it, so reopening that link can offer to go on. Every failure is a value.
const DB_NAME = 'vaelab';
const DB_VERSION = 1;
const MAX_RUNS = 6; // ~8 MB each at the default size: the oldest goes when a seventh is saved

/** A failure in words, for a notice: `{ok: false, reason}`. */
const failed = (reason) => ({ ok: false, reason });

/** What an IndexedDB error means for a reader. */
export function explainStorageError(e) {
  const name = e?.name ?? '';
  if (name === 'QuotaExceededError') return 'the browser has no room left for this site (storage quota); delete a saved run or free some space';
  if (name === 'InvalidStateError' || name === 'UnknownError') return 'the browser’s storage is not available here (private window or storage turned off?)';
  if (name === 'VersionError') return 'a newer version of the page keeps its runs in a format this one cannot read';
  return e?.message || String(e);
}

/**
 * Checks a stored record and returns `{ok: true, run}` or `{ok: false, reason}`: a damaged or
 * foreign record never reaches the engine.
 */
export function checkRecord(meta, state) {
  if (!meta || typeof meta !== 'object') return failed('its summary is missing');
  if (!Number.isSafeInteger(meta.step) || meta.step < 0) return failed(`its step (${String(meta.step).slice(0, 20)}) is not a step count`);
  if (!meta.config || typeof meta.config !== 'object') return failed('its settings are missing');
  if (typeof meta.link !== 'string') return failed('its link is missing');
  if (!state || !(state.weights instanceof Float32Array) || state.weights.length === 0) return failed('its weights are missing or not numbers');
  if (state.weights.length % 3 !== 0) return failed('its weights and moments do not add up');
  if (!state.history || typeof state.history !== 'object') return failed('its metric history is missing');
  return { ok: true, run: { ...meta, weights: state.weights, history: state.history } };
}

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new Error('the storage transaction was aborted'));
    tx.onerror = () => reject(tx.error);
  });
}

export class CheckpointStore {
  /** `name`: the database (the lab's runs and the lessons' models live apart); `maxRuns`: how many stay. */
  constructor(name = DB_NAME, { maxRuns = MAX_RUNS } = {}) {
    this.name = name;
    this.maxRuns = maxRuns;
    this.db = null;
    this.opening = null;
  }

  /** Resolves `{ok: true}` or `{ok: false, reason}` (no IndexedDB, blocked by another tab, …). */
  open() {
    this.opening ??= new Promise((resolve) => {
      if (typeof indexedDB === 'undefined') return resolve(failed('this browser has no IndexedDB'));
      let req;
      try {
        req = indexedDB.open(this.name, DB_VERSION);
      } catch (e) {
        return resolve(failed(explainStorageError(e)));
      }
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains('runs')) db.createObjectStore('runs', { keyPath: 'id' });
        if (!db.objectStoreNames.contains('states')) db.createObjectStore('states', { keyPath: 'id' });
      };
      req.onblocked = () => resolve(failed('another tab of this page holds the saved runs open in an older version; close it and reload'));
      req.onerror = () => resolve(failed(explainStorageError(req.error)));
      req.onsuccess = () => {
        this.db = req.result;
        this.db.onversionchange = () => this.db.close(); // a newer page wants to upgrade: let it
        this.db.onclose = () => (this.db = this.opening = null); // closed by the browser: open again next time
        resolve({ ok: true });
      };
    });
    return this.opening;
  }

  async #run(stores, mode, fn) {
    const opened = await this.open();
    if (!opened.ok) return opened;
    try {
      const tx = this.db.transaction(stores, mode);
      const finished = done(tx); // listening before any request can finish
      finished.catch(() => {});
      const value = await fn(tx);
      await finished;
      return { ok: true, value };
    } catch (e) {
      return failed(explainStorageError(e));
    }
  }

  /** Summaries of every saved run, newest first: `[{id, link, step, at, config, backend, bytes}]`. */
  async list() {
    const result = await this.#run(['runs'], 'readonly', (tx) => request(tx.objectStore('runs').getAll()));
    if (!result.ok) return result;
    const runs = result.value.filter((m) => m && typeof m.id === 'string').sort((a, b) => (b.at ?? 0) - (a.at ?? 0));
    return { ok: true, runs };
  }

  /**
   * Saves `run` `{id, link, step, at, config, backend, weights: Float32Array, history}`, then drops
   * the oldest runs past MAX_RUNS. Resolves `{ok}` or `{ok: false, reason}` (e.g. the quota).
   */
  async save(run) {
    const { weights, history, ...meta } = run;
    meta.bytes = weights.byteLength;
    const saved = await this.#run(['runs', 'states'], 'readwrite', (tx) => {
      tx.objectStore('states').put({ id: run.id, weights, history });
      tx.objectStore('runs').put(meta);
    });
    if (!saved.ok) return saved;
    const listed = await this.list();
    if (listed.ok) for (const old of listed.runs.slice(this.maxRuns)) await this.remove(old.id);
    return { ok: true };
  }

  /** Loads and checks run `id`: `{ok: true, run}` or `{ok: false, reason}` (`missing: true` when there is none). */
  async load(id) {
    const result = await this.#run(['runs', 'states'], 'readonly', (tx) =>
      Promise.all([request(tx.objectStore('runs').get(id)), request(tx.objectStore('states').get(id))]));
    if (!result.ok) return result;
    const [meta, state] = result.value;
    if (meta === undefined && state === undefined) return { ...failed('there is no such saved run'), missing: true };
    return checkRecord(meta, state);
  }

  async remove(id) {
    return this.#run(['runs', 'states'], 'readwrite', (tx) => {
      tx.objectStore('runs').delete(id);
      tx.objectStore('states').delete(id);
    });
  }
}

/** "2 min ago", "just now", "3 h ago", "5 days ago". */
export function ago(at, now = Date.now()) {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 45) return 'just now';
  if (s < 90 * 60) return `${Math.max(1, Math.round(s / 60))} min ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}
