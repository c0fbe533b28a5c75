// What makes the figures of both pages usable without sight, a mouse or a big screen: accessible names
// that follow the figure at a calm rate, arrow-key driving of 2-D plots, chart tables, reduced motion.
import { LABEL_COLOURS, css } from './digits.js';

const motionQuery = typeof matchMedia === 'function' ? matchMedia('(prefers-reduced-motion: reduce)') : null;

/** True when the reader asked the system for less motion (read each time: the setting can change live). */
export function reducedMotion() {
  return Boolean(motionQuery?.matches);
}

/** How much slower figures update under reduced motion. */
export const motionFactor = () => (reducedMotion() ? 4 : 1);

/**
 * Gives `el` role `role` and an accessible name that can be updated as often as the figure changes:
 * `set(text)` writes at once when the last write is older than `everyMs` (×4 under reduced motion),
 * else once that time is up — so a screen reader that reads the name is not flooded while training.
 * Returns {set(text), now(text), text}.
 */
export function liveName(el, first, { role = 'img', everyMs = 1000 } = {}) {
  el.setAttribute('role', role);
  let last = 0;
  let pending = null;
  let timer = 0;
  const write = (text) => {
    last = performance.now();
    pending = null;
    if (el.getAttribute('aria-label') !== text) el.setAttribute('aria-label', text);
  };
  const name = {
    get text() {
      return pending ?? el.getAttribute('aria-label') ?? '';
    },
    now(text) {
      clearTimeout(timer);
      timer = 0;
      write(text);
    },
    set(text) {
      const wait = last + everyMs * motionFactor() - performance.now();
      if ((wait <= 0 || !el.getAttribute('aria-label')) && !timer) return write(text);
      pending = text;
      timer ||= setTimeout(() => {
        timer = 0;
        if (pending !== null) write(pending);
      }, Math.max(0, wait));
    },
  };
  write(first);
  return name;
}

/**
 * A polite live region that speaks at a calm rate: `say(text, state)` writes `text` into `el` when
 * `state` changed (training → paused) or `everyMs` (×4 under reduced motion) have passed since it last
 * spoke; otherwise nothing, so a status that updates four times a second is not read four times.
 */
export function calmLive(el, everyMs = 15_000) {
  el.setAttribute('role', 'status');
  el.setAttribute('aria-live', 'polite');
  const said = { state: null, at: -Infinity };
  return (text, state) => {
    const now = performance.now();
    if (state === said.state && now - said.at < everyMs * motionFactor()) return;
    said.state = state;
    said.at = now;
    el.textContent = text;
  };
}

const ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

/**
 * Makes a plot canvas focusable and drivable from the keyboard: arrow keys call `move(dx, dy)` (in
 * steps; Shift for 5), Enter `pick()`, Escape `clear()`, Home `home()`. `hint` (an element id) describes
 * the keys. The canvas takes role "application": screen readers then pass the arrow keys through.
 */
export function planeKeys(canvas, { move, pick, clear, home, hint }) {
  canvas.setAttribute('role', 'application');
  canvas.tabIndex = 0;
  canvas.setAttribute('aria-keyshortcuts', 'ArrowUp ArrowDown ArrowLeft ArrowRight Enter Escape');
  if (hint) canvas.setAttribute('aria-describedby', hint);
  canvas.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const arrow = ARROWS[event.key];
    if (arrow) move(arrow[0] * (event.shiftKey ? 5 : 1), arrow[1] * (event.shiftKey ? 5 : 1));
    else if (event.key === 'Enter' && pick) pick();
    else if (event.key === 'Escape' && clear) clear();
    else if (event.key === 'Home' && home) home();
    else return;
    event.preventDefault();
  });
}

/**
 * Pointer driving of a plot that works for mouse, pen and touch alike: `onMove([x, y])` in canvas
 * pixels while hovering or dragging; `onTap([x, y])` for a click or a tap that did not drag.
 * Touch drags move the point instead of scrolling the page (CSS touch-action: none on the canvas).
 */
export function planePointer(canvas, { onMove, onTap, onLeave }) {
  const local = (event) => {
    const r = canvas.getBoundingClientRect();
    return [((event.clientX - r.left) / r.width) * canvas.width, ((event.clientY - r.top) / r.height) * canvas.height];
  };
  let down = null;
  canvas.addEventListener('pointerdown', (event) => {
    down = { x: event.clientX, y: event.clientY, moved: false };
    if (event.pointerType !== 'mouse') canvas.setPointerCapture?.(event.pointerId);
    onMove(local(event));
  });
  canvas.addEventListener('pointermove', (event) => {
    if (down && Math.hypot(event.clientX - down.x, event.clientY - down.y) > 6) down.moved = true;
    // Touch and pen move the point only while down; a mouse hovers.
    if (event.pointerType === 'mouse' || down) onMove(local(event));
  });
  canvas.addEventListener('pointerup', (event) => {
    const tap = down && !down.moved;
    down = null;
    if (tap && onTap) onTap(local(event));
  });
  canvas.addEventListener('pointercancel', () => (down = null));
  canvas.addEventListener('pointerleave', (event) => {
    if (event.pointerType === 'mouse') onLeave?.();
  });
}

/**
 * Everything that moves a scatter's cursor: mouse hover, touch/pen drag, arrow keys (1/48 of the width
 * a press, Shift ×5; Home: `origin()`), Enter or a tap picks (`pick([x, y], {anyDistance})`: a tap picks
 * only a point near it, Enter the nearest), Escape `clear()`s. `hover([x, y] | null)` gets canvas
 * pixels. Nothing happens until `ready()`.
 */
export function scatterControls(canvas, { ready, origin, hover, pick, clear, hint }) {
  let at = null;
  const go = (next) => {
    at = next;
    hover(at);
  };
  planePointer(canvas, {
    onMove: (p) => ready() && go(p),
    onTap: (p) => ready() && pick(p, { anyDistance: false }),
    onLeave: () => ready() && go(null),
  });
  planeKeys(canvas, {
    hint,
    move: (dx, dy) => {
      if (!ready()) return;
      const step = canvas.width / 48;
      const [x, y] = at ?? origin();
      const clamp = (v, max) => Math.min(max - 1, Math.max(0, v));
      go([clamp(x + dx * step, canvas.width), clamp(y + dy * step, canvas.height)]);
    },
    home: () => ready() && go(origin()),
    pick: () => ready() && at && pick(at, { anyDistance: true }),
    clear: () => {
      at = null;
      clear();
    },
  });
}

/**
 * A grid of `n` × `n` tiles (the manifold) under the keyboard: arrow keys move a cell cursor and call
 * `select(col, row)`, Escape `select(null)`. Returns the cursor ({cell}) for drawing.
 */
export function gridKeys(canvas, n, { ready, select, hint }) {
  const cursor = { cell: null };
  planeKeys(canvas, {
    hint,
    move: (dx, dy) => {
      if (!ready()) return;
      const [col, row] = cursor.cell ?? [(n - 1) / 2, (n - 1) / 2];
      const clamp = (v) => Math.min(n - 1, Math.max(0, v));
      cursor.cell = [clamp(col + dx), clamp(row + dy)];
      select(...cursor.cell);
    },
    clear: () => {
      cursor.cell = null;
      select(null);
    },
  });
  return cursor;
}

/** Outlines cell [col, row] of an n × n grid canvas (the keyboard cursor of gridKeys). */
export function outlineCell(ctx, canvas, n, [col, row]) {
  const tile = canvas.width / n;
  ctx.strokeStyle = '#f59e0b';
  ctx.lineWidth = 2;
  ctx.strokeRect(col * tile + 1, row * tile + 1, tile - 2, tile - 2);
}

/** The scatter legend: a swatch and the digit for each label (the digit is the cue that is not colour). */
/** The scatter's colour key: one dot per label with its class name (`classes[i]`; digits by default). */
export function labelLegend(legend, classes = LABEL_COLOURS.map((_, i) => String(i))) {
  legend.setAttribute('aria-hidden', 'true'); // the scatter's name says what the colours mean
  legend.replaceChildren(...LABEL_COLOURS.slice(0, classes.length).map((c, i) => {
    const span = document.createElement('span');
    const dot = document.createElement('i');
    dot.style.background = css(c);
    span.append(dot, classes[i] === String(i) ? classes[i] : `${i} ${classes[i]}`);
    return span;
  }));
}

/** Where each label's digit is written on a scatter: the median of its points (canvas pixels). */
export function clusterCentres(cx, cy, labels) {
  const centres = [];
  const median = (v) => v.sort((p, q) => p - q)[v.length >> 1];
  for (let label = 0; label < 10; label++) {
    const xs = [];
    const ys = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === label) xs.push(cx[i]), ys.push(cy[i]);
    if (xs.length > 0) centres.push([label, median(xs), median(ys)]);
  }
  return centres;
}

/**
 * Writes each label's digit at its centre (`clusterCentres`), dark on a white halo: the clusters are
 * named on the plot itself, not by colour alone.
 */
export function labelClusters(ctx, centres, scale = 1) {
  ctx.save();
  ctx.font = `bold ${Math.round(15 * scale)}px system-ui, sans-serif`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.lineWidth = 4 * scale;
  ctx.strokeStyle = 'rgba(255, 255, 255, 0.9)';
  for (const [label, x, y] of centres) {
    ctx.strokeText(String(label), x, y);
    ctx.fillStyle = css(LABEL_COLOURS[label].map((v) => Math.round(v * 0.6)));
    ctx.fillText(String(label), x, y);
  }
  ctx.restore();
}

/** The digit most of the labels name, written out: "a 7". */
export const aDigit = (label) => (label == null ? '' : `a ${label}`);

/** z as the pages print it: "(1.79, 0.88)", the first four dimensions then "…". */
export function formatZ(z) {
  return `(${[...z.slice(0, 4)].map((v) => v.toFixed(2)).join(', ')}${z.length > 4 ? ', …' : ''})`;
}

/**
 * A chart's table alternative: a toggle button and a table of the last `rows` points, filled from
 * `read()` → {columns: [names], rows: [[values]]} when shown and on `update()` while shown.
 * `label(shown)` is the button's text. Returns {button, table, update()}.
 */
export function chartTable(read, { label = (shown) => (shown ? 'Hide the table' : 'Show as a table'), caption = '' } = {}) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'link chart-table-toggle';
  const table = document.createElement('table');
  table.className = 'chart-table';
  table.hidden = true;
  table.id = `chart-table-${++tableCount}`;
  button.setAttribute('aria-controls', table.id);
  const show = () => {
    button.textContent = label(!table.hidden);
    button.setAttribute('aria-expanded', String(!table.hidden));
  };
  const update = () => {
    if (table.hidden) return;
    const { columns, rows } = read();
    const head = document.createElement('tr');
    for (const c of columns) head.append(Object.assign(document.createElement('th'), { scope: 'col', textContent: c }));
    const body = rows.map((row) => {
      const tr = document.createElement('tr');
      for (const v of row) tr.append(Object.assign(document.createElement('td'), { textContent: v }));
      return tr;
    });
    const cap = Object.assign(document.createElement('caption'), { textContent: typeof caption === 'function' ? caption() : caption });
    table.replaceChildren(cap, Object.assign(document.createElement('thead'), {}), document.createElement('tbody'));
    table.tHead.append(head);
    table.tBodies[0].append(...body);
  };
  button.addEventListener('click', () => {
    table.hidden = !table.hidden;
    show();
    update();
  });
  show();
  return { button, table, update, refreshLabel: show };
}
let tableCount = 0;

let captionCount = 0;

/**
 * Names every canvas under `root` that has none yet by its figure's caption (role img, aria-labelledby):
 * the name then follows the caption as it changes, in either language. Keeps watching `root`.
 */
export function nameFigures(root) {
  const name = () => {
    for (const canvas of root.querySelectorAll('canvas')) {
      if (canvas.closest('[role=img]') || canvas.hasAttribute('aria-label') || canvas.hasAttribute('aria-labelledby')) continue;
      const caption = canvas.closest('figure')?.querySelector('figcaption');
      if (!caption?.textContent.trim()) continue;
      caption.id ||= `figcaption-${++captionCount}`;
      if (!canvas.hasAttribute('role')) canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-labelledby', caption.id);
    }
  };
  let queued = false;
  new MutationObserver(() => {
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      name();
    });
  }).observe(root, { childList: true, subtree: true, characterData: true });
  name();
}

const OWN_SPACE = 'input, select, textarea, button, a[href], summary, [contenteditable]';

/** Space calls `toggle()` (play or pause) unless focus is on something Space already works (inputs, buttons, links). */
export function spaceToPlay(toggle) {
  document.addEventListener('keydown', (event) => {
    if (event.key !== ' ' || event.repeat || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.target instanceof Element && event.target.closest(OWN_SPACE)) return;
    event.preventDefault();
    toggle();
  });
}
