// Opening a weights file in the lab: the "Open weights…" button, a file dropped anywhere on the page,
// and window.vaelab.importWeights — one path through Session.importWeights, one message either way.
import { wireFileDrop } from '../core/file-drop.js';

const $ = (id) => document.getElementById(id);

/**
 * Opens `bytes` (a file called `name`) as the lab's model. `p`: {session, setNotices, message,
 * showConfig, play}. Resolves `{config, notices}` (the notices shown), or throws the message the page shows;
 * a bad file leaves the run as it was.
 */
export async function openWeights(p, bytes, name = 'weights.safetensors') {
  const running = p.session.loop?.running; // the session pauses while it opens the file
  let result;
  try {
    result = await p.session.importWeights(bytes, name);
  } catch (e) {
    const text = `${e?.message ?? e}. The current run goes on unchanged.`;
    p.message(text);
    throw new Error(text);
  } finally {
    if (running) p.play();
  }
  const notices = [`opened ${name}: fresh optimizer state`, ...result.notices];
  p.setNotices(notices, 'Weights file opened:');
  p.showConfig();
  p.message(`Opened ${name}: training continues from its weights at step 0.`);
  return { config: structuredClone(result.config), notices };
}

/** Reads a File and opens it; failures are already on the page, so they end here. */
function openFile(p, file) {
  file.arrayBuffer().then((buffer) => openWeights(p, new Uint8Array(buffer), file.name)).catch(() => {});
}

/** The button (through a hidden file input) and drag-and-drop onto the page (other files: `p.dropData`). */
export function wireOpenWeights(p) {
  const input = $('weights-file');
  $('open-weights').addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    input.value = ''; // the same file can be opened again
    if (file) openFile(p, file);
  });
  wireFileDrop({
    ready: () => !$('open-weights').disabled,
    onDrop: (files) => {
      // Anything but a weights file is data of the reader's own (IDX files or pictures).
      if (p.dropData && files.some((f) => !/\.safetensors$/i.test(f.name))) p.dropData(files);
      else if ($('open-weights').disabled) p.message('Wait until the model is ready, then drop the weights file again.');
      else openFile(p, files[0]);
    },
  });
}
