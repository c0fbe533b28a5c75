// "Copy link to this state" and the classroom option: a teacher ticks controls to hide, and the
// copied link carries hide=… so students see the lesson without them. Also the note a student sees
// when a link hid something.
import { UI } from './i18n.js';
import { el } from './ui.js';

export class SharePanel {
  /** `hashFor(hide)` builds the lesson's hash; `root` is the lesson element (its [data-control]s are listed). */
  constructor(texts, { hashFor, root }) {
    this.texts = texts;
    this.hashFor = hashFor;
    this.lessonRoot = root;
    const t = texts;
    const copy = el('button.primary', { id: 'copy-link', type: 'button', onclick: () => this.copy() });
    t.bind(copy, UI.copyLink);
    this.message = el('span.share-message', { attrs: { 'aria-live': 'polite' } });
    t.bind(this.message, () => (this.said ? t.t(this.said) : ''));
    this.linkBox = el('input.link-box', { type: 'text', readOnly: true, hidden: true });
    this.list = el('div.classroom-list');
    const summary = t.bind(el('summary'), UI.classroom);
    const help = t.bind(el('p.help'), UI.classroomHelp);
    this.classroom = el('details.classroom', { ontoggle: () => this.#fillList() }, summary, help, this.list);
    this.hiddenNote = el('p.hidden-note', { hidden: true });
    this.root = el('section.share', {}, el('div.share-line', {}, copy, this.message), this.linkBox, this.classroom, this.hiddenNote);
    this.checked = new Set();
  }

  /** The controls of the lesson, one per key, with the text of their label. */
  #controls() {
    const seen = new Map();
    for (const node of this.lessonRoot.querySelectorAll('[data-control]')) {
      const key = node.dataset.control;
      if (seen.has(key)) continue;
      const label = (node.tagName === 'BUTTON' ? node : node.querySelector('.name') ?? node.querySelector(':scope > span, :scope > summary, :scope > strong'))?.textContent?.trim();
      seen.set(key, label || key);
    }
    const named = { training: this.texts.t(UI.controlTraining), model: this.texts.t(UI.controlModel) };
    return [...seen].map(([key, label]) => [key, named[key] ?? label]);
  }

  #fillList() {
    if (!this.classroom.open) return;
    this.list.replaceChildren(...this.#controls().map(([key, label]) => {
      const box = el('input', { type: 'checkbox', checked: this.checked.has(key), onchange: () => (box.checked ? this.checked.add(key) : this.checked.delete(key)) });
      box.dataset.hideKey = key;
      return el('label', {}, box, ` ${label} `, el('code', { textContent: key }));
    }));
  }

  async copy() {
    const hide = this.classroom.open ? [...this.checked] : null;
    const hash = this.hashFor(hide ?? this.current ?? []);
    const link = `${location.origin}${location.pathname}${hash}`;
    this.linkBox.value = link;
    this.lastLink = link;
    this.root.dataset.link = link; // for tests, and for copying by hand
    try {
      await navigator.clipboard.writeText(link);
      this.say(UI.copied);
      this.linkBox.hidden = true;
    } catch {
      this.say(UI.copyByHand);
      this.linkBox.hidden = false;
      this.linkBox.select();
    }
    return link;
  }

  say(message) {
    this.said = message;
    this.message.textContent = this.texts.t(message);
  }

  /** Shows how many controls the link hid, with a way to show them again. */
  showHidden(keys, onShow) {
    this.current = keys;
    for (const k of keys) this.checked.add(k);
    this.hiddenNote.hidden = keys.length === 0;
    if (keys.length === 0) return;
    const text = el('span');
    this.texts.bind(text, (lang) => UI.hiddenNote[lang](keys.length));
    const show = el('button.link', { type: 'button', onclick: onShow });
    this.texts.bind(show, UI.showHidden);
    this.hiddenNote.replaceChildren(text, ' ', show);
  }
}
