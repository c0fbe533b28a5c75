// The lab's control panel, built from config_schema(): keys with a slider under "While training", keys
// that always restart the run under "Model", the rest under "More options". Sliders report while dragged.
import { DATA_SETS } from '../core/data.js';
import { config_presets, schema } from '../core/engine.js';
import { configInput, configSlider, readInput, showInput } from '../core/fields.js';

function make(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/** A row of the panel: the key's label (and when it restarts the run), then its input(s). */
function rowFor(row) {
  const name = make('span', { className: 'name' }, row.label);
  if (row.restarts === 'sometimes') name.append(' ', make('small', {}, `restarts the run when ${row.restartsWhen}`));
  if (row.slider) {
    const number = configInput(row);
    number.setAttribute('aria-label', row.label);
    return make('label', { className: 'field', title: row.help }, name, configSlider(row), number);
  }
  const input = configInput(row);
  if (row.key === 'data') {
    // The data sets by name (own: the reader's files, opened with "Your own images…").
    input.id = 'data-select';
    for (const option of input.options) option.textContent = DATA_SETS[option.value]?.title ?? option.value;
  }
  if (row.key !== 'seed') return make('label', { className: 'pair' }, name, input);
  // The seed has a button beside it that draws a new one.
  input.id = 'seed-input';
  const label = make('label', { htmlFor: 'seed-input' }, row.label);
  const button = make('button', { type: 'button', id: 'new-seed', disabled: true, textContent: 'New seed' });
  return make('div', { className: 'pair' }, label, make('span', { className: 'with-button' }, input, button));
}

/** "Start from a preset": the engine's named configs (`preset=NAME`), applied as one pair. */
function presetRow(onChange) {
  const select = make('select', { id: 'preset' },
    make('option', { value: '', textContent: 'choose…' }),
    ...config_presets().map(({ name, pairs }) => make('option', { value: name, textContent: name, title: pairs || 'the defaults' })));
  select.addEventListener('change', () => {
    if (select.value) onChange([['preset', select.value]], { dragging: false });
    select.value = '';
  });
  return make('label', { className: 'pair', title: 'Sets the whole model config at once (the run restarts)' }, make('span', { className: 'name' }, 'Start from a preset'), select);
}

export class Controls {
  /**
   * Fills `root` (the panel's config part) from the schema. `onChange([[key, value]], {dragging})`
   * gets strings, as a URL would carry them.
   */
  constructor(root, onChange) {
    const rows = schema();
    const live = rows.filter((r) => r.slider);
    const model = rows.filter((r) => !r.slider && r.restarts === 'always');
    const more = rows.filter((r) => !r.slider && r.restarts !== 'always');
    root.replaceChildren(
      make('fieldset', {}, make('legend', {}, 'While training'), ...live.map(rowFor)),
      make('fieldset', {}, make('legend', {}, 'Model ', make('small', {}, 'changing these restarts the run')), presetRow(onChange), ...model.map(rowFor),
        make('details', {}, make('summary', {}, 'More options'), ...more.map(rowFor))),
    );
    this.dragging = null;
    this.inputs = [...root.querySelectorAll('[data-key]')];
    for (const input of this.inputs) {
      const read = () => [[input.dataset.key, readInput(input)]];
      if (input.type === 'range') {
        input.addEventListener('pointerdown', () => (this.dragging = input));
        input.addEventListener('pointerup', () => (this.dragging = null));
        input.addEventListener('input', () => onChange(read(), { dragging: true }));
      }
      input.addEventListener('change', () => onChange(read(), { dragging: false }));
    }
  }

  /** Writes `config` into every input (the one being dragged is left alone). */
  show(config) {
    for (const input of this.inputs) {
      if (input !== this.dragging) showInput(input, config[input.dataset.key]);
    }
  }
}
