// Opening a weights file in a lesson that shows a model: the training bar's "Open weights…" button,
// a .safetensors file dropped on the page, and window.vaelabLessons.importWeights — one path, one message.
import { wireFileDrop } from '../core/file-drop.js';
import { engineNotice, TRAIN_UI, UI } from './i18n.js';
import { BY_NAME } from './lessons.js';
import { page, setNotices, state, writeHash } from './page.js';
import { requestRefresh } from './training.js';

/** Whether the open lesson shows a model that a file can replace (it has a training bar). */
const takesWeights = () => Boolean(page.trainingBar && page.session?.started && BY_NAME.get(state.name)?.engine);

/**
 * Opens `bytes` (a file called `name`) as the lesson's model: its test loss, reconstructions, samples
 * and latent views; paused at step 0, Continue trains it further (fresh optimizer state). Resolves
 * `{config, notices}`, or throws the message the training bar shows; a bad file leaves the model as it was.
 */
export async function openLessonWeights(bytes, name = 'weights.safetensors') {
  const bar = page.trainingBar;
  if (!takesWeights()) {
    const text = 'This page shows no model to open weights into: open a lesson with a training bar and wait until its model is ready';
    bar?.noteText(TRAIN_UI.openFailed, text);
    throw new Error(text);
  }
  let result;
  try {
    result = await page.session.importWeights(bytes, name);
  } catch (e) {
    const reason = `${e?.message ?? e}`;
    bar.noteText(TRAIN_UI.openFailed, reason);
    throw new Error(`${reason}. The lesson’s model is unchanged.`);
  }
  state.config = page.session.config;
  writeHash();
  page.widget?.showConfig?.(state.config);
  bar.show(state.config, state.params);
  const notices = [`opened ${name}: fresh optimizer state`, ...result.notices];
  setNotices(notices.map(engineNotice), UI.openedTitle);
  bar.noteText(TRAIN_UI.opened, name);
  page.widget?.onRun?.();
  requestRefresh();
  return { config: structuredClone(result.config), notices };
}

/** Reads a File and opens it; failures are already in the training bar, so they end here. */
export const openLessonWeightsFile = (file) => file.arrayBuffer().then((buffer) => openLessonWeights(new Uint8Array(buffer), file.name)).catch(() => {});

/** A .safetensors file dropped anywhere on the lessons page opens in the lesson's model. */
export function wireLessonDrop() {
  wireFileDrop({
    active: () => Boolean(page.trainingBar),
    ready: takesWeights,
    onDrop: ([file]) => {
      if (!/\.safetensors$/i.test(file.name)) page.trainingBar.noteText(TRAIN_UI.openFailed, `${file.name} is not a .safetensors weights file (your own images train in the lab)`);
      else openLessonWeightsFile(file);
    },
  });
}
