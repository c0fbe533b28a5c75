// The lab's readouts: the status line (step, rate, losses, backend and adapter from the engine's
// status), the matmul kernels in use, the objective's formula (KaTeX) and the buttons' states.
import { changedRows } from '../core/engine.js';
import { nextTask } from '../core/scheduler.js';
import { calmLive } from '../core/views/a11y.js';

const $ = (id) => document.getElementById(id);

function fmt(v, digits = 1) {
  return v == null || !Number.isFinite(v) ? '–' : v.toFixed(digits);
}

let lastSamplesPerSec = 0;
let say = null; // the status's live twin for screen readers (calmLive)

/** Forgets the last training rate (another model or batch size trains at another rate). */
export function forgetRate() {
  lastSamplesPerSec = 0;
}

/** `s`: the session's status; `kernels`: the tuner's state. */
export function renderStatus(s, kernels) {
  // While paused the rate is the one training last ran at (none before the first steps).
  if (s.samplesPerSec > 0) lastSamplesPerSec = s.samplesPerSec;
  const rate = s.samplesPerSec > 0 || !lastSamplesPerSec ? s.samplesPerSec : lastSamplesPerSec;
  const parts = [
    `Step ${s.step}`,
    `epoch ${s.epoch.toFixed(2)}`,
    `${Math.round(rate).toLocaleString('en')} images/s${rate !== s.samplesPerSec ? ' (last run)' : ''}`,
    `loss ${fmt(s.trainLoss)}`,
    `test ${fmt(s.testLoss)}`,
    `${s.backend}${s.adapter ? ` · ${s.adapter}` : ''}${s.reason ? ` (${s.reason})` : ''}`,
    s.lost ? 'stopped' : kernels === 'tuning' ? 'timing the GPU kernels (once)' : s.training ? 'training' : 'paused', // s.training: playing, or steps asked for (Step, a rebuild link)
  ];
  $('status').textContent = parts.join(' · ');
  // Screen readers hear the state when it changes (training, paused, …) and the progress now and then.
  const state = parts[parts.length - 1];
  say ??= calmLive($('status-live'));
  say(`${state[0].toUpperCase()}${state.slice(1)}: step ${s.step}, loss ${fmt(s.trainLoss)}, test ${fmt(s.testLoss)}.`, state);
}

const TUNING_STATES = {
  default: 'default choices (timed for this GPU after the first steps)',
  tuning: 'timing the kernels on this GPU…',
  tuned: 'timed on this GPU',
  cached: 'timed on this GPU earlier (kept by this browser)',
  failed: 'default choices (timing them failed)',
};

/** The matmul kernels in use (`tuner.toJSON()`), in the footer's details and the status tooltip. */
export function renderKernels({ state, report }) {
  $('kernels-state').textContent = TUNING_STATES[state] ?? state;
  $('kernels-list').replaceChildren(...report.map((line) => {
    const li = document.createElement('li');
    li.textContent = line;
    return li;
  }));
  $('status').title = `Matmul kernels: ${TUNING_STATES[state] ?? state}${report.length ? `\n${report.join('\n')}` : ''}`;
}

/** Enables the buttons that need a running engine (`up`), and Train or Pause by `running`. */
export function updateButtons(up, running) {
  $('play').disabled = !up || running;
  $('pause').disabled = !up || !running;
  for (const id of ['step', 'reset', 'new-seed', 'download', 'open-weights']) $(id).disabled = !up;
}

let katex = null;
let formulaConfig = null;

/** Loads KaTeX (lazily: the module's evaluation and its first render are separate tasks, ~50 ms together). */
export function loadKatex() {
  loadKatex.started ??= import('../vendor/katex.mjs').then(async (m) => {
    await nextTask();
    katex = m.default;
    renderFormula(formulaConfig);
  }, () => {});
}

/** The objective `config` minimizes, typeset. */
export function renderFormula(config) {
  formulaConfig = config;
  const el = $('objective-formula');
  if (!katex || !config) return;
  const recon = '\\underbrace{-\\mathbb{E}_{q(z\\mid x)}\\log p(x\\mid z)}_{\\text{recon}}';
  const kl = '\\underbrace{\\mathrm{KL}\\big(q(z\\mid x)\\,\\|\\,\\mathcal{N}(0, I)\\big)}_{\\text{KL}}';
  const iwae = '-\\log \\frac{1}{K}\\sum_{k=1}^{K} \\frac{p(x\\mid z_k)\\,p(z_k)}{q(z_k\\mid x)},\\quad z_k \\sim q(z\\mid x)';
  const tex = {
    capacity: `\\text{minimized: } ${recon} + \\gamma\\,\\lvert ${kl} - C\\rvert`,
    iwae: `\\text{minimized: } ${iwae}`,
  }[config.objective] ?? `\\text{minimized: } ${recon} + \\beta\\, ${kl}`;
  katex.render(tex, el, { throwOnError: false });
  el.title = 'The charts show −ELBO = recon + KL (β = 1), whatever the objective.';
}

/** The run message after a rebuild: which keys that restart the run changed, from what to what. */
export function describeChange(before, after) {
  const show = (v) => (Array.isArray(v) ? v.join(',') : String(v));
  const changes = changedRows(before, after).filter((row) => row.restarts !== 'never').map(({ key }) => `${key} ${show(before[key])} → ${show(after[key])}`);
  return `Changed ${changes.join(', ')}: the model was rebuilt and training restarted from step 0.`;
}
