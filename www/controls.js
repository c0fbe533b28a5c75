// The control panel: every element with data-key edits that config key. Sliders report while
// dragged, fields when committed; show() writes a config back into the inputs.
const tidy = (v) => (typeof v === 'number' ? Number(v.toPrecision(6)) : v);

export class Controls {
  /** `onChange([[key, value]], {dragging})` is called with strings, as a URL would carry them. */
  constructor(root, onChange) {
    this.dragging = null;
    this.inputs = [...root.querySelectorAll('[data-key]')];
    for (const input of this.inputs) {
      const key = input.dataset.key;
      const read = () => [[key, this.#value(input)]];
      if (input.type === 'range') {
        input.addEventListener('pointerdown', () => (this.dragging = input));
        input.addEventListener('pointerup', () => (this.dragging = null));
        input.addEventListener('input', () => onChange(read(), { dragging: true }));
        input.addEventListener('change', () => onChange(read(), { dragging: false }));
      } else {
        input.addEventListener('change', () => onChange(read(), { dragging: false }));
      }
    }
  }

  #value(input) {
    if (input.type === 'checkbox') return String(input.checked);
    if (input.dataset.scale === 'log') return String(Number((10 ** Number(input.value)).toPrecision(3)));
    return input.value.trim();
  }

  /** Writes `config` into every input (the one being dragged is left alone). */
  show(config) {
    for (const input of this.inputs) {
      if (input === this.dragging) continue;
      const value = config[input.dataset.key];
      if (input.type === 'checkbox') input.checked = Boolean(value);
      else if (input.dataset.scale === 'log') input.value = String(Math.log10(value));
      else if (Array.isArray(value)) input.value = value.join(',');
      else input.value = String(tidy(value));
    }
  }
}
