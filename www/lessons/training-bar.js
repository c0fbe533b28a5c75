// The bar above a lesson that trains a model: what is training and how far it got, Pause /
// Continue / Train more / Restart, and the model's settings (each a classroom-hideable control).
import { schema } from '../core/engine.js';
import { calmLive } from '../core/views/a11y.js';
import { configInput } from '../core/fields.js';
import { TRAIN_UI } from './i18n.js';
import { el, num } from './ui.js';
import { TRAIN } from './widget-kit.js';

const MORE = 1000;

export class TrainingBar {
  /**
   * `on*` callbacks: onPause(), onResume(), onMore(n), onRestart(), onConfig([[key, value]]),
   * onParam(key, value), onOpenWeights(file); `labHref()` links the same config in the lab page.
   */
  constructor(texts, handlers) {
    this.texts = texts;
    this.h = handlers;
    const t = texts;
    this.statusText = el('span.train-status');
    // Read to screen readers when the phase changes and every 15 s, not at every update.
    this.live = el('span.visually-hidden');
    this.say = calmLive(this.live);
    t.bind(this.statusText, TRAIN_UI.waiting);
    this.progress = el('progress.train-progress', { max: 1, value: 0 });
    this.message = el('span.train-note');
    this.pauseButton = el('button', { type: 'button', onclick: () => (this.last?.training ? this.h.onPause() : this.h.onResume()) });
    this.relabelPause = () => (this.pauseButton.textContent = t.t(TRAIN_UI[this.last?.training ? 'pause' : 'resume']));
    t.onSwitch(this.relabelPause);
    this.moreButton = el('button', { type: 'button', onclick: () => this.h.onMore(MORE) });
    t.bind(this.moreButton, (lang) => TRAIN_UI.more[lang](MORE));
    const restart = el('button', { type: 'button', onclick: () => this.h.onRestart() });
    t.bind(restart, TRAIN_UI.restart);
    // "Open weights…": a .safetensors file (from the lab, `vaelab train` or PyTorch) replaces the model.
    this.weightsInput = el('input', { type: 'file', accept: '.safetensors', hidden: true, onchange: () => {
      const file = this.weightsInput.files?.[0];
      this.weightsInput.value = ''; // the same file can be opened again
      if (file) this.h.onOpenWeights(file);
    } });
    const open = el('button.open-weights', { type: 'button', onclick: () => this.weightsInput.click() });
    t.bind(open, TRAIN_UI.openWeights);
    t.bind(open, TRAIN_UI.openWeightsHelp, 'title');
    const heading = t.bind(el('strong'), TRAIN_UI.heading);
    this.buttons = el('span.train-buttons', { dataset: { control: 'training' } }, this.pauseButton, this.moreButton, restart, open, this.weightsInput);
    this.fields = this.#fields();
    this.root = el('section.training-bar', {},
      el('div.train-line', {}, heading, this.statusText, this.live, this.buttons),
      this.progress,
      this.message,
      this.fields);
  }

  #fields() {
    const t = this.texts;
    const field = (key, label, input) => {
      const name = t.bind(el('span'), label);
      input.dataset.key = key;
      input.addEventListener('change', () => {
        const value = input.type === 'checkbox' ? String(input.checked) : input.value.trim();
        if (key === 'train') this.h.onParam('train', value);
        else this.h.onConfig([[key, value]]);
      });
      return el('label.pair', { dataset: { control: key } }, name, input);
    };
    // Kinds and limits of the config keys come from the engine's schema; the names are the lessons'.
    const rows = new Map(schema().map((row) => [row.key, row]));
    const config = (key, label) => field(key, label, configInput(rows.get(key)));
    this.inputs = [
      field('train', TRAIN_UI.steps, el('input', { type: 'number', min: String(TRAIN.min), max: String(TRAIN.max), step: '100' })),
      config('latent', TRAIN_UI.latent),
      config('enc_hidden', TRAIN_UI.encoder),
      config('dec_hidden', TRAIN_UI.decoder),
      config('batch_size', TRAIN_UI.batch),
      config('lr', TRAIN_UI.lr),
      config('seed', TRAIN_UI.seed),
      config('binarize', TRAIN_UI.binarize),
    ];
    const summary = t.bind(el('summary'), TRAIN_UI.model);
    const help = t.bind(el('p.help'), TRAIN_UI.modelHelp);
    this.labLink = el('a.lab-link', { href: '#' });
    t.bind(this.labLink, TRAIN_UI.inLab);
    return el('details.model-settings', { dataset: { control: 'model' } }, summary, help, el('div.pairs', {}, this.inputs), this.labLink);
  }

  /** Writes a config and the widget params into the fields. */
  show(config, params) {
    if (!config) return;
    this.params = params;
    for (const label of this.inputs) {
      const input = label.querySelector('[data-key]');
      if (document.activeElement === input) continue;
      const key = input.dataset.key;
      const value = key === 'train' ? params.train : config[key];
      input.value = Array.isArray(value) ? value.join(',') : typeof value === 'number' ? String(Number(value.toPrecision(6))) : String(value);
    }
    this.labLink.href = this.h.labHref();
  }

  /** `kind`: 'restored' | 'same' | 'fresh' | null, about the model the lesson just got. */
  note(kind, step) {
    if (!kind) return;
    this.texts.bind(this.message, (lang) => (kind === 'fresh' ? TRAIN_UI.fresh[lang] : TRAIN_UI[kind][lang](step)));
  }

  /** A message of `texts[lang](arg)` under the bar (an opened file, or why it could not open). */
  noteText(texts, arg) {
    this.texts.bind(this.message, (lang) => texts[lang](arg));
  }

  update(s) {
    const changed = this.last?.training !== s.training;
    this.last = s;
    const lang = this.texts.lang;
    // The lesson's step target, also while the session has none yet (an opened file starts at step 0).
    const goal = Math.max(s.target, this.params?.train ?? 0);
    const fmtRate = s.stepsPerSecond > 0 ? Math.round(s.stepsPerSecond).toLocaleString('en') : '';
    this.statusText.textContent = TRAIN_UI.status[lang]({
      step: s.step,
      target: Math.max(goal, s.step),
      epoch: s.epoch.toFixed(2),
      loss: num(s.trainLoss),
      test: s.testLoss == null ? '' : num(s.testLoss),
      rate: s.training ? fmtRate : '',
      phase: TRAIN_UI.phase[s.training ? 'training' : s.step >= goal ? 'trained' : 'paused'][lang],
      backend: s.backend,
    });
    this.say(this.statusText.textContent, `${s.training}${s.step >= goal}${lang}`);
    this.statusText.title = [s.backend, s.adapter, s.reason].filter(Boolean).join(' · '); // what the model runs on
    this.progress.value = goal > 0 ? Math.min(1, s.step / goal) : 1;
    this.pauseButton.disabled = !s.training && s.step >= goal; // nothing left to continue
    this.root.classList.toggle('is-training', s.training);
    if (changed) this.relabelPause();
  }

  destroy() {}
}
