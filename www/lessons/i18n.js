// Two languages, switchable in place: every piece of interface text is bound to its element with a
// function of the language, so switching re-runs the functions and touches nothing else (widget
// state, the engine and the hash stay as they are). Also the frame's own strings.

export class Texts {
  constructor(lang) {
    this.lang = lang;
    this.bindings = [];
  }

  /** `{en, zh}` → the string in the current language (English when a translation is missing). */
  t(dict) {
    return typeof dict === 'string' ? dict : dict[this.lang] ?? dict.en;
  }

  /**
   * Sets `el[prop]` now and on every language switch: `what` is `{en, zh}` or a function
   * `(lang, t) => string`. Returns `el`.
   */
  bind(el, what, prop = 'textContent') {
    const apply = () => {
      el[prop] = typeof what === 'function' ? what(this.lang, (d) => this.t(d)) : this.t(what);
    };
    apply();
    this.bindings.push({ el, apply });
    return el;
  }

  /** Re-runs `fn(lang)` on every switch (for things that are not one property of one element). */
  onSwitch(fn) {
    fn(this.lang);
    this.bindings.push({ el: null, apply: () => fn(this.lang) });
  }

  setLang(lang) {
    this.lang = lang;
    // Bindings of elements no longer in the document are dropped (e.g. a replaced caption).
    this.bindings = this.bindings.filter((b) => b.el === null || b.el.isConnected);
    for (const b of this.bindings) b.apply();
  }

  clear() {
    this.bindings = [];
  }
}

/** The frame's strings. */
export const UI = {
  site: { en: 'VAE Lab · Lessons', zh: 'VAE Lab · 课程' },
  tagline: {
    en: 'Eleven short lessons on variational autoencoders. Each one trains a real model in your browser while you read.',
    zh: '十一节变分自编码器的短课。每一节都在你的浏览器里训练一个真实的模型，边读边看它学习。',
  },
  lab: { en: 'Open the lab', zh: '打开实验台' },
  allLessons: { en: 'All lessons', zh: '全部课程' },
  lessonN: { en: (n) => `Lesson ${n}`, zh: (n) => `第 ${n} 课` },
  previous: { en: '← Previous', zh: '← 上一课' },
  next: { en: 'Next →', zh: '下一课 →' },
  indexIntro: {
    en: 'Start at the top, or jump to what puzzles you. Every lesson is a link: a teacher can set its widgets, copy the link, and a student lands in exactly that state.',
    zh: '可以从头学起，也可以直接跳到你感兴趣的那一课。每节课都是一个链接：老师调好控件后复制链接，学生打开就是同样的状态。',
  },
  needsGpu: { en: 'trains on your GPU', zh: '在 GPU 上训练' },
  cpuOnly: { en: 'runs on the CPU', zh: '在 CPU 上运行' },
  ownData: {
    en: 'data=own: this link’s model was trained on the sender’s own images, which never left their computer. This lesson trains it on MNIST; to train on images of yours, open the lab and drop them there.',
    zh: 'data=own：这个链接的模型是在发送者自己的图片上训练的，这些图片从未离开他们的电脑。本课改用 MNIST 训练；想用你自己的图片，请打开实验台并把图片拖进去。',
  },
  openedTitle: { en: 'Weights file opened:', zh: '已打开权重文件：' },
  noticeTitle: { en: 'Some values in the link could not be used as written, so the lesson changed them:', zh: '链接中的一些值无法直接使用，本课已作如下调整：' },
  dismiss: { en: 'Dismiss', zh: '关闭' },
  copyLink: { en: 'Copy link to this state', zh: '复制当前状态的链接' },
  copied: { en: 'Link copied. It opens this lesson with the widgets as they are now.', zh: '链接已复制。打开它会看到本课此刻的控件状态。' },
  copyByHand: { en: 'Copy this link:', zh: '请复制这个链接：' },
  classroom: { en: 'Classroom link', zh: '课堂链接' },
  classroomHelp: {
    en: 'Tick the controls students should not see; “Copy link” then hides them (hide=… in the link).',
    zh: '勾选不希望学生看到的控件，再点“复制链接”，这些控件就会被隐藏（链接里的 hide=…）。',
  },
  hiddenNote: { en: (n) => `${n} control${n === 1 ? ' is' : 's are'} hidden by this link.`, zh: (n) => `此链接隐藏了 ${n} 个控件。` },
  showHidden: { en: 'Show them', zh: '显示' },
  controlTraining: { en: 'training buttons', zh: '训练按钮' },
  controlModel: { en: 'model settings', zh: '模型设置' },
  loadingEngine: { en: 'Loading the engine…', zh: '正在加载引擎…' },
  language: { en: 'Language', zh: '语言' },
  footer: {
    en: 'Every figure here is computed live by VAE Lab’s engine (WGSL compute shaders on WebGPU, or SIMD code on the CPU); math by KaTeX, charts by uPlot. Data: MNIST and Fashion-MNIST.',
    zh: '这里的每一幅图都由 VAE Lab 的引擎实时算出（WebGPU 上的 WGSL 计算着色器，或 CPU 上的 SIMD 代码）；公式由 KaTeX 排版，图表用 uPlot。数据：MNIST 和 Fashion-MNIST。',
  },
  gpuLostTitle: { en: 'The GPU stopped working for this lesson', zh: 'GPU 停止了工作' },
  gpuLostAdvice: {
    en: 'Press “Continue” to open the GPU again: the models this visit trained stay, and the lesson’s model goes on from its last kept copy or trains again. If it keeps happening, close other GPU-heavy tabs or choose a smaller model.',
    zh: '点“继续”重新打开 GPU：这次访问训练过的模型都还在，本课的模型从最近保存的副本接着训练，或重新训练。如果反复出现，请关闭其他占用 GPU 的标签页，或选用更小的模型。',
  },
  gpuContinue: { en: 'Continue', zh: '继续' },
  reload: { en: 'Reload', zh: '重新加载' },
  cannotStartLessons: { en: 'The lessons could not start', zh: '课程无法启动' },
  reloadAdvice: { en: 'Reload the page.', zh: '请重新加载页面。' },
  engineErrorTitle: { en: 'Something went wrong in the engine', zh: '引擎出错了' },
  engineErrorAdvice: { en: 'Reload the lesson. If it happens again, please report it with this message.', zh: '请重新加载本课。如果再次出现，请附上这条信息报告问题。' },
  startDefaults: { en: 'Open this lesson with its default settings', zh: '用默认设置打开本课' },
  cannotStart: { en: 'This lesson could not start', zh: '本课无法启动' },
};

/** The frame's training bar. */
export const TRAIN_UI = {
  heading: { en: 'The lesson’s model', zh: '本课的模型' },
  pause: { en: 'Pause', zh: '暂停' },
  resume: { en: 'Continue', zh: '继续' },
  more: { en: (n) => `Train ${n.toLocaleString('en')} more steps`, zh: (n) => `再训练 ${n} 步` },
  restart: { en: 'Restart', zh: '重新开始' },
  waiting: { en: 'Waiting for the engine…', zh: '等待引擎…' },
  status: {
    en: ({ step, target, epoch, loss, test, rate, phase, backend }) =>
      `Step ${step.toLocaleString('en')} of ${target.toLocaleString('en')} · epoch ${epoch} · −ELBO ${loss} nats${test ? ` (test ${test})` : ''}${rate ? ` · ${rate} steps/s` : ''} · ${phase}${backend ? ` on ${backend}` : ''}`,
    zh: ({ step, target, epoch, loss, test, rate, phase, backend }) =>
      `第 ${step} / ${target} 步 · 第 ${epoch} 轮 · −ELBO ${loss} 奈特${test ? `（测试集 ${test}）` : ''}${rate ? ` · 每秒 ${rate} 步` : ''} · ${phase}${backend ? `（${backend}）` : ''}`,
  },
  phase: {
    training: { en: 'training', zh: '训练中' },
    paused: { en: 'paused', zh: '已暂停' },
    trained: { en: 'trained', zh: '训练完成' },
  },
  restored: { en: (n) => `Restored this model, trained earlier in this browser (step ${n}).`, zh: (n) => `已恢复之前在此浏览器中训练过的同一个模型（第 ${n} 步）。` },
  fresh: { en: 'Training from the initial weights of the link’s seed.', zh: '从链接中种子对应的初始权重开始训练。' },
  same: { en: (n) => `The same model as in the previous lesson (step ${n}): nothing to retrain.`, zh: (n) => `与上一课是同一个模型（第 ${n} 步），无需重新训练。` },
  model: { en: 'Model and training', zh: '模型与训练' },
  modelHelp: { en: 'Changing these trains a new model from scratch.', zh: '修改这些设置会从头训练一个新模型。' },
  steps: { en: 'Steps to train', zh: '训练步数' },
  latent: { en: 'Latent size', zh: '隐变量维数' },
  encoder: { en: 'Encoder layers', zh: '编码器层宽' },
  decoder: { en: 'Decoder layers', zh: '解码器层宽' },
  batch: { en: 'Batch size', zh: '批大小' },
  lr: { en: 'Learning rate', zh: '学习率' },
  seed: { en: 'Seed', zh: '随机种子' },
  binarize: { en: 'Binarization', zh: '二值化' },
  openWeights: { en: 'Open weights…', zh: '打开权重…' },
  openWeightsHelp: { en: 'Open a .safetensors file (from the lab, vaelab train or PyTorch); you can also drop it on the page', zh: '打开 .safetensors 权重文件（来自实验台、vaelab train 或 PyTorch），也可以把文件拖到页面上' },
  opened: {
    en: (name) => `Opened ${name}: the lesson shows its model. Continue trains it further from these weights, with fresh optimizer state.`,
    zh: (name) => `已打开 ${name}：本课显示的是这个模型。点“继续”会从这些权重接着训练（优化器状态重新开始）。`,
  },
  openFailed: {
    en: (reason) => `${reason}. The lesson’s model is unchanged.`,
    zh: (reason) => `无法打开：${reason}。本课的模型没有改变。`,
  },
  inLab: { en: 'Open this model’s settings in the lab', zh: '在实验台中打开这组设置' },
};

/**
 * The engine's clamping notices (src/config_query.rs, in English) as `{en, zh}`. Each form the
 * engine writes has a Chinese pattern here; a notice of any other form stays English in both.
 */
const ENGINE_NOTICES = [
  [/^(\w+): (.+) is not a number; using (.+)$/, (k, v, x) => `${k}：${v} 不是数字，改用 ${x}`],
  [/^(\w+): (.+) is below (.+); using (.+)$/, (k, v, lo, x) => `${k}：${v} 小于 ${lo}，改用 ${x}`],
  [/^(\w+): (.+) is above (.+); using (.+)$/, (k, v, hi, x) => `${k}：${v} 大于 ${hi}，改用 ${x}`],
  [/^(\w+): (.+) is not a whole number; using (.+)$/, (k, v, x) => `${k}：${v} 不是整数，改用 ${x}`],
  [/^(\w+): (.+) has no layer sizes; using (.+)$/, (k, v, x) => `${k}：${v} 没有给出任何层的大小，改用 ${x}`],
  [/^(\w+): (\d+) layers given; keeping the first (\d+)$/, (k, n, m) => `${k}：给了 ${n} 层，只保留前 ${m} 层`],
  [/^(\w+): (.+) is not one of (.+); using the default$/, (k, v, c) => `${k}：${v} 不是 ${c} 之一，改用默认值`],
  [/^(\w+): (.+) is not true or false; using false$/, (k, v) => `${k}：${v} 不是 true 或 false，改用 false`],
];

export function engineNotice(text) {
  for (const [pattern, zh] of ENGINE_NOTICES) {
    const m = pattern.exec(text);
    if (m) return { en: text, zh: zh(...m.slice(1)) };
  }
  return { en: text, zh: text };
}
