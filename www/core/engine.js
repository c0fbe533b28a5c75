// The engine edge: the wasm module, the config table it exports, and the one place an engine is
// opened (`openEngine`, through the `BACKENDS` table). Everything above this file sees an engine-like.
import init, { Engine, apply_pairs, config_presets, config_schema, config_from_pairs, config_to_query, default_config, replay_from_link, replay_to_link } from '../pkg/vaelab.js';
import { CpuEngine, defaultWorkers } from '../cpu/engine.js';
import { BackendError, chooseBackend } from './choose-backend.js';
import { checkWebGPU, gpuProblem, showError } from './gpu-check.js';
import { queryPairs } from './url-state.js';

export { apply_pairs, config_from_pairs, config_presets, config_to_query, default_config, replay_from_link, replay_to_link };

let wasmReady = null;
/** Loads the wasm module (config parsing works from then on; no device is touched). */
export function loadWasm() {
  wasmReady ??= init();
  return wasmReady;
}

let rows = null;
/**
 * `config_schema()`: one row per config key, `{key, label, help, kind, choices, default, min, max,
 * layers, slider, restarts: 'never'|'always'|'sometimes', restartsWhen, shape}`, in link order.
 */
export function schema() {
  rows ??= config_schema();
  return rows;
}

/** A config as link pairs `[[key, text], …]` (one crossing; for start-up and recovery, not per change). */
export function configPairs(config) {
  return queryPairs(config_to_query(config));
}

/** A config value as the text a link carries. */
export function valueText(value) {
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** The keys whose values differ between two configs, as schema rows. */
export function changedRows(before, after) {
  return schema().filter((row) => valueText(before[row.key]) !== valueText(after[row.key]));
}

/**
 * The backends an engine can run on. An entry is `{label, open(opts) → Promise<engine-like>}`;
 * `open` gets `{config, data, onNotice, onStage, onAdapter}` (`data`: a promise of the four MNIST IDX byte
 * arrays `{trainImages, trainLabels, testImages, testLabels}`) and resolves with an engine that has
 * loaded them. When the backend cannot run here, `open` rejects with an error carrying
 * `unavailable: {title, reason, advice, problem, detail}` (see `showUnavailable`).
 *
 * The engine-like must provide (names as the wasm `Engine`): train, metrics, request_metrics,
 * pending, set_cadence, errors, status (with backend, adapter, nTrain, nTest, stepsPerEpoch,
 * parameters, config), set_pairs (→ {config, rebuilt, notices}), reset, decode, encode_test,
 * reconstruct, test_images, test_labels, snapshot, restore, log_weights, gradient_stats,
 * encode_test_range, weights_file, import_weights (bytes, name → {config, notices}: a new model from
 * a file, fresh optimizer state, step 0; throws and keeps the run on a bad file), evaluate, recreate
 * (a new engine with the same data, after a loss).
 * train, metrics, pending, errors, set_cadence and status are called from the animation frame and
 * must answer at once; every other method may return a value or a promise (callers await them).
 * Optional, GPU-only (callers check that they exist first): autotune, tune_step, profile,
 * tuning_cache, use_tuning, tuning_report, lose_device; and free.
 */
export const BACKENDS = {
  webgpu: {
    label: 'WebGPU',
    async open({ config, data, onStage = () => {}, onAdapter = () => {} }) {
      // The device and pipelines are built while MNIST downloads (the GPU process compiles them
      // meanwhile). It starts before the adapter check reports, whose words are the ones shown if
      // WebGPU is missing (without navigator.gpu there is nothing to open).
      const opened = navigator.gpu ? Engine.open(config) : Promise.reject(new Error('no WebGPU'));
      opened.catch(() => {}); // awaited below, once the adapter check said WebGPU is there
      const gpu = await checkWebGPU();
      onStage('adapter');
      if (!gpu.ok) throw Object.assign(new Error(gpu.title), { unavailable: gpu });
      // The browser's words for the adapter, for when the engine's own name for it is empty.
      onAdapter([gpu.info.vendor, gpu.info.architecture, gpu.info.description].filter(Boolean).join(' '));
      const bytes = await data;
      onStage('data');
      const engine = await opened;
      onStage('opened');
      // The engine copies the bytes in and parses them; nothing here keeps a reference to them.
      engine.load(bytes.trainImages, bytes.trainLabels, bytes.testImages, bytes.testLabels);
      return engine;
    },
  },
  cpu: {
    label: 'CPU',
    async open({ config, data, onStage = () => {} }) {
      // Workers start and compile the engine while MNIST downloads; the bytes then move to the
      // leader worker (transferred: this thread keeps no copy).
      const engine = await CpuEngine.open({ config });
      onStage('adapter');
      const bytes = await data;
      onStage('data');
      await engine.load(bytes.trainImages, bytes.trainLabels, bytes.testImages, bytes.testLabels);
      onStage('opened');
      return engine;
    },
  },
};

/**
 * Opens an engine on `backend` ('auto', or a key of BACKENDS) with `config`, loaded with `data`.
 * `auto` takes WebGPU on a hardware adapter and the CPU engine otherwise (chooseBackend); the
 * engine's `reason` says why it runs there. `onNotice(text)` is for what the reader should know
 * (e.g. that training runs on the CPU); `onStage(name)` marks start-up stages. Both pages open
 * engines only through here.
 */
export async function openEngine({ backend = 'auto', config, data, onNotice = () => {}, onStage = () => {}, onAdapter = () => {} }) {
  await loadWasm();
  let reason = `asked for by the link (backend=${backend})`;
  if (backend === 'auto') {
    const choice = await chooseBackend('auto');
    ({ backend, reason } = choice);
    if (backend === 'cpu') onNotice(`Training on the CPU (${defaultWorkers()} workers): ${reason}.`);
  }
  const entry = BACKENDS[backend];
  if (!entry) throw new BackendError(`backend=${backend} is not a backend: use auto, webgpu or cpu`);
  const engine = await entry.open({ config, data, onNotice, onStage, onAdapter });
  engine.reason = reason;
  return engine;
}

/** The name a page shows for `status().backend`. */
export function backendLabel(backend) {
  return BACKENDS[backend]?.label ?? backend ?? '';
}

/**
 * The one place that explains a backend that cannot run here (today: no WebGPU), in `panel`, in
 * `lang`. Returns false when `error` is not about an unavailable backend.
 */
export function showUnavailable(panel, error, lang = 'en') {
  const problem = error?.unavailable;
  if (!problem) return false;
  showError(panel, problem.problem ? gpuProblem(problem, lang) : problem);
  return true;
}
