// Finds out whether this browser can run the engine (navigator.gpu and an adapter) and fills the
// #error panel with what went wrong, why, and what to do, as plain text (never HTML).

const WHAT_TO_DO = [
  'Use a browser with WebGPU: Chrome or Edge 113 or newer; Safari 26 or newer; Firefox 141 or newer (Windows; other systems where enabled).',
  'In Chrome, Edge or Chromium you can also turn on chrome://flags/#enable-unsafe-webgpu and restart the browser.',
  'On Linux, start Chromium with: chromium --enable-unsafe-webgpu --enable-features=Vulkan',
  'Make sure hardware acceleration is on in the browser settings, and open the page over https:// or http://127.0.0.1 (WebGPU needs a secure context).',
];

/** Resolves with `{ok: true, adapter, info}` or `{ok: false, title, reason}`. */
export async function checkWebGPU() {
  if (!navigator.gpu) {
    const reason = window.isSecureContext
      ? 'This browser does not expose navigator.gpu: it does not support WebGPU, or WebGPU is turned off.'
      : 'This page is not a secure context (https:// or localhost), and browsers only offer WebGPU to secure pages.';
    return { ok: false, title: 'WebGPU is unavailable', reason };
  }
  let adapter = null;
  try {
    adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { ok: false, title: 'WebGPU is unavailable', reason: `Asking for a GPU adapter failed: ${e.message ?? e}` };
  }
  if (!adapter) {
    return {
      ok: false,
      title: 'WebGPU is unavailable: no GPU adapter',
      reason: 'This browser supports WebGPU but gave the page no GPU adapter: the GPU or its driver may be blocklisted, hardware acceleration may be off, or the GPU process may have crashed.',
    };
  }
  const info = adapter.info ?? {};
  return { ok: true, adapter, info };
}

/**
 * Shows `{title, reason, advice?, actions?}` in `panel`: a heading, the reason, a list of what to do,
 * and buttons `[{id, label, onClick}]`.
 */
export function showError(panel, { title, reason, advice = WHAT_TO_DO, actions = [] }) {
  panel.replaceChildren();
  const h = document.createElement('h2');
  h.textContent = title;
  const p = document.createElement('p');
  p.textContent = reason;
  panel.append(h, p);
  if (advice.length > 0) {
    const intro = document.createElement('p');
    intro.textContent = 'What to do:';
    const ul = document.createElement('ul');
    for (const line of advice) {
      const li = document.createElement('li');
      li.textContent = line;
      ul.append(li);
    }
    panel.append(intro, ul);
  }
  for (const { id, label, onClick } of actions) {
    const button = document.createElement('button');
    button.id = id;
    button.textContent = label;
    button.addEventListener('click', onClick);
    panel.append(button);
  }
  panel.hidden = false;
}

export function hideError(panel) {
  panel.hidden = true;
  panel.replaceChildren();
}
