// Turns a lesson's text (a small markup written in the lesson files) into DOM nodes, with math
// typeset by KaTeX. Blocks are separated by blank lines:
//   ## heading        $$ display math $$       - list item (may hold $$…$$)       > aside
//   Q: question + following lines as its answer (a collapsible "learners ask" box)
//   @name             where the widget part `name` goes (e.g. @widget)
// Inline: $math$, **bold**, *italic*, {{code}}, [text](lesson:name) and [text](https://…).
// Nodes are built with createElement/textContent only: the lesson text is ours, but no markup
// string is ever parsed as HTML.

export const MACROS = {
  '\\KL': '\\mathrm{KL}',
  '\\E': '\\mathbb{E}',
  '\\N': '\\mathcal{N}',
  '\\ELBO': '\\mathrm{ELBO}',
  '\\L': '\\mathcal{L}',
  '\\given': '\\,\\vert\\,',
  '\\dd': '\\,\\mathrm{d}',
};

let katex = null;
/** Loads KaTeX once (vendored ES module). */
export async function loadKatex() {
  katex ??= (await import('../vendor/katex.mjs')).default;
  return katex;
}

/** Typesets `tex` into `el` (errors show in red inside the formula rather than throwing). */
export function renderMath(el, tex, display = false) {
  if (!katex) {
    el.textContent = tex;
    return el;
  }
  katex.render(tex, el, { throwOnError: false, displayMode: display, macros: { ...MACROS }, strict: 'ignore' });
  return el;
}

/** A span holding inline math. */
export function math(tex, display = false) {
  return renderMath(document.createElement(display ? 'div' : 'span'), tex, display);
}

/**
 * Renders `text` into a fragment. `slots` maps marker names (`@name`) to elements to insert;
 * `linkFor(name)` gives the href of a lesson link.
 */
export function renderProse(text, { slots = {}, linkFor = (name) => `#lesson=${name}` } = {}) {
  const frag = document.createDocumentFragment();
  const blocks = text.replace(/\r/g, '').split(/\n\s*\n/).map((b) => b.replace(/^\n+|\s+$/g, '')).filter((b) => b.trim() !== '');
  for (const block of blocks) frag.append(renderBlock(block.trim(), slots, linkFor));
  return frag;
}

function renderBlock(block, slots, linkFor) {
  const el = (tag, cls) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    return e;
  };
  if (/^@[\w-]+$/.test(block)) {
    const slot = slots[block.slice(1)];
    return slot ?? document.createComment(`missing part ${block}`);
  }
  if (block.startsWith('## ')) {
    const h = el('h3');
    h.append(inline(block.slice(3), linkFor));
    return h;
  }
  if (block.startsWith('$$')) {
    const tex = block.replace(/^\$\$/, '').replace(/\$\$$/, '').trim();
    const div = el('div', 'display-math');
    renderMath(div, tex, true);
    return div;
  }
  if (/^- /.test(block)) return list('ul', block.split(/\n(?=- )/).map((l) => l.replace(/^- /, '')), linkFor);
  if (/^\d+\. /.test(block)) return list('ol', block.split(/\n(?=\d+\. )/).map((l) => l.replace(/^\d+\. /, '')), linkFor);
  if (block.startsWith('> ')) {
    const aside = el('aside', 'aside');
    for (const para of block.split(/\n(?=> )/)) {
      const p = el('p');
      p.append(inline(para.replace(/^> /, '').replace(/\n/g, ' '), linkFor));
      aside.append(p);
    }
    return aside;
  }
  if (block.startsWith('Q: ')) {
    const [question, ...answer] = block.slice(3).split('\n');
    const details = el('details', 'question');
    const summary = el('summary');
    summary.append(inline(question, linkFor));
    details.append(summary);
    // Answer lines: a line starting with $$ is display math, other lines are paragraphs.
    for (const line of answer.join('\n').split(/\n(?=\$\$)|(?<=\$\$)\n/)) {
      if (line.trim().startsWith('$$')) {
        const div = el('div', 'display-math');
        renderMath(div, line.trim().replace(/^\$\$/, '').replace(/\$\$$/, '').trim(), true);
        details.append(div);
      } else if (line.trim()) {
        const p = el('p');
        p.append(inline(line.replace(/\n/g, ' '), linkFor));
        details.append(p);
      }
    }
    return details;
  }
  const p = el('p');
  p.append(inline(block.replace(/\n/g, ' '), linkFor));
  return p;
}

function list(tag, items, linkFor) {
  const ul = document.createElement(tag);
  for (const item of items) {
    const li = document.createElement('li');
    li.append(inline(item.replace(/\n\s*/g, ' '), linkFor));
    ul.append(li);
  }
  return ul;
}

/** Inline markup → a fragment. Math first (so `*` inside formulas is left alone), then the rest. */
export function inline(text, linkFor = (name) => `#lesson=${name}`) {
  const frag = document.createDocumentFragment();
  const parts = text.split(/(\$\$[^$]+\$\$|\$[^$]+\$)/);
  for (const part of parts) {
    if (part.length > 4 && part.startsWith('$$') && part.endsWith('$$')) frag.append(math(part.slice(2, -2), true));
    else if (part.length > 2 && part.startsWith('$') && part.endsWith('$')) frag.append(math(part.slice(1, -1)));
    else if (part) frag.append(styled(part, linkFor));
  }
  return frag;
}

const TOKEN = /(\*\*[^*]+\*\*|\*[^*\s][^*]*\*|\{\{[^}]+\}\}|\[[^\]]+\]\([^)]+\))/;

function styled(text, linkFor) {
  const frag = document.createDocumentFragment();
  for (const token of text.split(TOKEN)) {
    if (!token) continue;
    if (token.startsWith('**') && token.endsWith('**') && token.length > 4) {
      const b = document.createElement('strong');
      b.textContent = token.slice(2, -2);
      frag.append(b);
    } else if (token.startsWith('{{') && token.endsWith('}}')) {
      const c = document.createElement('code');
      c.textContent = token.slice(2, -2);
      frag.append(c);
    } else if (token.startsWith('*') && token.endsWith('*') && token.length > 2) {
      const i = document.createElement('em');
      i.textContent = token.slice(1, -1);
      frag.append(i);
    } else if (token.startsWith('[') && token.endsWith(')')) {
      const m = token.match(/^\[([^\]]+)\]\(([^)]+)\)$/);
      const a = document.createElement('a');
      a.textContent = m[1];
      if (m[2].startsWith('lesson:')) {
        a.href = linkFor(m[2].slice(7));
      } else {
        a.href = m[2];
        a.rel = 'noopener';
        a.target = '_blank';
      }
      frag.append(a);
    } else {
      frag.append(document.createTextNode(token));
    }
  }
  return frag;
}
