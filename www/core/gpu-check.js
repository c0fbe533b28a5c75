// Finds out whether this browser can run the engine (navigator.gpu and an adapter) and fills the
// #error panel with what went wrong, why, and what to do, as plain text (never HTML).

// The words in English and Chinese (the lessons speak both; the page English): `checkWebGPU`
// reports a problem code and `gpuProblem(result, lang)` gives its title, reason and advice.
const WHAT_TO_DO = {
  en: [
    'Or train on the CPU instead: open this link with backend=cpu (or backend=auto, which picks the CPU where WebGPU is missing).',
    'Use a browser with WebGPU: Chrome or Edge 113 or newer; Safari 26 or newer; Firefox 141 or newer (Windows; other systems where enabled).',
    'In Chrome, Edge or Chromium you can also turn on chrome://flags/#enable-unsafe-webgpu and restart the browser.',
    'On Linux, start Chromium with: chromium --enable-unsafe-webgpu --enable-features=Vulkan',
    'Make sure hardware acceleration is on in the browser settings, and open the page over https:// or http://127.0.0.1 (WebGPU needs a secure context).',
  ],
  zh: [
    '或者改用 CPU 训练：把链接里的 backend 改成 backend=cpu（或 backend=auto，没有 WebGPU 时会自动用 CPU）。',
    '换一个支持 WebGPU 的浏览器：Chrome 或 Edge 113 及以上；Safari 26 及以上；Firefox 141 及以上（Windows；其他系统需已启用）。',
    '在 Chrome、Edge 或 Chromium 中，也可以打开 chrome://flags/#enable-unsafe-webgpu，然后重启浏览器。',
    '在 Linux 上，这样启动 Chromium：chromium --enable-unsafe-webgpu --enable-features=Vulkan',
    '确认浏览器设置里开启了硬件加速，并通过 https:// 或 http://127.0.0.1 打开本页（WebGPU 只在安全上下文中可用）。',
  ],
};

const PROBLEMS = {
  'no-webgpu': {
    title: { en: 'WebGPU is unavailable', zh: 'WebGPU 不可用' },
    reason: {
      en: () => 'This browser does not expose navigator.gpu: it does not support WebGPU, or WebGPU is turned off.',
      zh: () => '这个浏览器没有提供 navigator.gpu：它不支持 WebGPU，或者 WebGPU 被关闭了。',
    },
  },
  insecure: {
    title: { en: 'WebGPU is unavailable', zh: 'WebGPU 不可用' },
    reason: {
      en: () => 'This page is not a secure context (https:// or localhost), and browsers only offer WebGPU to secure pages.',
      zh: () => '本页不是安全上下文（https:// 或 localhost），而浏览器只向安全的页面提供 WebGPU。',
    },
  },
  'adapter-failed': {
    title: { en: 'WebGPU is unavailable', zh: 'WebGPU 不可用' },
    reason: {
      en: (detail) => `Asking for a GPU adapter failed: ${detail}`,
      zh: (detail) => `请求 GPU 适配器失败：${detail}`,
    },
  },
  'no-adapter': {
    title: { en: 'WebGPU is unavailable: no GPU adapter', zh: 'WebGPU 不可用：没有 GPU 适配器' },
    reason: {
      en: () => 'This browser supports WebGPU but gave the page no GPU adapter: the GPU or its driver may be blocklisted, hardware acceleration may be off, or the GPU process may have crashed.',
      zh: () => '这个浏览器支持 WebGPU，却没有给本页任何 GPU 适配器：可能是 GPU 或其驱动被列入了黑名单、硬件加速被关闭，或者 GPU 进程崩溃了。',
    },
  },
};

const WHAT_TO_DO_INTRO = { en: 'What to do:', zh: '怎么办：' };

/** `{title, reason, advice}` of a failed `checkWebGPU()` result, in `lang` ('en' or 'zh'). */
export function gpuProblem({ problem, detail = '' }, lang = 'en') {
  const words = PROBLEMS[problem];
  const pick = (d) => d[lang] ?? d.en;
  return { title: pick(words.title), reason: pick(words.reason)(detail), advice: pick(WHAT_TO_DO), lang };
}

const failed = (problem, detail) => ({ ok: false, problem, detail, ...gpuProblem({ problem, detail }) });

/**
 * Resolves with `{ok: true, adapter, info}` or `{ok: false, problem, detail, title, reason, advice}`
 * (the words in English; `gpuProblem` gives them in another language).
 */
export async function checkWebGPU() {
  if (!navigator.gpu) return failed(window.isSecureContext ? 'no-webgpu' : 'insecure');
  let adapter = null;
  try {
    adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return failed('adapter-failed', String(e?.message ?? e));
  }
  if (!adapter) return failed('no-adapter');
  const info = adapter.info ?? {};
  return { ok: true, adapter, info };
}

/**
 * Shows `{title, reason, advice?, actions?, lang?}` in `panel`: a heading, the reason, a list of what
 * to do, and buttons `[{id, label, onClick}]`.
 */
export function showError(panel, { title, reason, advice = WHAT_TO_DO.en, actions = [], lang = 'en' }) {
  panel.replaceChildren();
  const h = document.createElement('h2');
  h.textContent = title;
  const p = document.createElement('p');
  p.textContent = reason;
  panel.append(h, p);
  if (advice.length > 0) {
    const intro = document.createElement('p');
    intro.textContent = WHAT_TO_DO_INTRO[lang] ?? WHAT_TO_DO_INTRO.en;
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
