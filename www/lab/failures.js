// The lab's error panels: a lost GPU (with "Continue from the last weights", which recovers the
// session from the weights it kept), an error from the engine, and a page that could not start.
import { hideError, showError } from '../core/gpu-check.js';
import { updateButtons } from './status.js';

const $ = (id) => document.getElementById(id);

/** `session`: the page's Session; `message(text)` writes the run message; `showConfig()` redraws the controls. */
export function labFailures({ session, message, showConfig }) {
  function gpuFailed(errors) {
    updateButtons(false, false);
    const kept = session.kept;
    const copy = kept
      ? `The page kept the weights of step ${kept.step} on the CPU (${Math.round((Date.now() - kept.at) / 1000)} s ago).`
      : 'The page has no copy of trained weights yet, so continuing starts from the initial weights.';
    showError($('error'), {
      title: 'The GPU stopped working for this page',
      reason: `${errors.join(' ')} ${copy}`,
      advice: [
        'Press “Continue from the last weights” to open the GPU again and go on training from the kept weights.',
        'If this keeps happening, try a smaller model or batch size, close other GPU-heavy tabs, or reload the page.',
      ],
      actions: [{ id: 'continue', label: 'Continue from the last weights', onClick: recover }],
    });
  }

  function engineFailed(e) {
    if (session.lost) return;
    console.error(e);
    showError($('error'), {
      title: 'Something went wrong in the engine',
      reason: e?.message ?? String(e),
      advice: ['Reset the run or reload the page. If it happens again, please report it with this message.'],
      actions: [{ id: 'error-dismiss', label: 'Dismiss', onClick: () => hideError($('error')) }],
    });
  }

  async function recover() {
    hideError($('error'));
    message('Opening the GPU again…');
    try {
      const { restored, step } = await session.recover();
      showConfig();
      message(restored ? `Continued from the weights of step ${step}.` : 'Started again from the initial weights.');
    } catch (e) {
      gpuFailed([`Opening the GPU again failed: ${e?.message ?? e}`]);
    }
  }

  /** The start-up failed for another reason than a missing backend (whose panel is up already). */
  function cannotStart(e) {
    if (!$('error').hidden) return;
    $('load-progress').hidden = true;
    showError($('error'), {
      title: 'VAE Lab could not start',
      reason: e?.message ?? String(e),
      advice: [
        'If the settings in the link ask for more than this GPU has, start with the default settings.',
        'Otherwise reload the page. If WebGPU is the problem, see your browser’s WebGPU support (Chrome/Edge 113+, Safari 26+, Firefox 141+).',
      ],
      actions: [{ id: 'start-defaults', label: 'Start with the default settings', onClick: () => {
        window.history.replaceState(null, '', '#v=1');
        location.reload();
      } }],
    });
  }

  return { gpuFailed, engineFailed, cannotStart };
}
