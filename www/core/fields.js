// Inputs for config keys, built from their `config_schema()` rows (kind, choices, limits, slider), so
// a new key in the Rust table needs nothing here; both pages' controls are made of these.
import { valueText } from './engine.js';

const tidy = (v) => (typeof v === 'number' ? Number(v.toPrecision(6)) : v);

function make(tag, props = {}) {
  return Object.assign(document.createElement(tag), props);
}

/** The input that edits `row`'s key: a select, a checkbox, a text field for layers, or a number field. */
export function configInput(row) {
  let input;
  if (row.kind === 'choice') {
    input = make('select');
    input.append(...row.choices.map((c) => make('option', { value: c, textContent: c })));
  } else if (row.kind === 'bool') {
    input = make('input', { type: 'checkbox' });
  } else if (row.kind === 'layers') {
    input = make('input', { type: 'text', inputMode: 'numeric', spellcheck: false });
  } else {
    input = make('input', { type: 'number', min: String(row.min), max: String(row.max), step: row.kind === 'int' ? '1' : 'any' });
  }
  input.dataset.key = row.key;
  input.title = row.help;
  return input;
}

/** The range input of a row with a `slider` (log sliders move in log10 units). */
export function configSlider(row) {
  const { min, max, step, log } = row.slider;
  const input = make('input', { type: 'range', min: String(min), max: String(max), step: String(step) });
  input.dataset.key = row.key;
  if (log) input.dataset.scale = 'log';
  input.setAttribute('aria-label', `${row.label} slider`);
  return input;
}

/** An input's value as the text a link carries. */
export function readInput(input) {
  if (input.type === 'checkbox') return String(input.checked);
  if (input.dataset.scale === 'log') return String(Number((10 ** Number(input.value)).toPrecision(3)));
  return input.value.trim();
}

/** Writes a config value into an input. */
export function showInput(input, value) {
  if (input.type === 'checkbox') input.checked = Boolean(value);
  else if (input.dataset.scale === 'log') input.value = String(Math.log10(value));
  else input.value = Array.isArray(value) ? valueText(value) : String(tidy(value));
}
