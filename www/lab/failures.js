// The lab's error panels: a lost GPU (with "Continue from the last weights" on a new device, or
// "Continue on the CPU": the session recovers from the weights it kept), an engine error, a failed start.
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
        'Or press “Continue on the CPU” to go on from the kept weights with the CPU engine: no GPU needed.',
        'If this keeps happening, try a smaller model or batch size, close other GPU-heavy tabs, or reload the page.',
      ],
      actions: [
        { id: 'continue', label: 'Continue from the last weights', onClick: () => recover() },
        { id: 'continue-cpu', label: 'Continue on the CPU', onClick: () => recover('cpu') },
      ],
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

  /** Continues from the kept weights on a new GPU device, or with `backend` ('cpu') instead. */
  async function recover(backend = null) {
    hideError($('error'));
    message(backend ? 'Starting the CPU engine…' : 'Opening the GPU again…');
    // The CPU engine needs the data again (the browser's cache, or the page's copy of the reader's
    // own files); the GPU engine kept its copy.
    const other = backend ? { backend, data: session.provideData(session.dataKey), reason: 'continued on the CPU after the GPU stopped' } : {};
    try {
      const { restored, step } = await session.recover(undefined, other);
      showConfig();
      message(restored ? `Continued from the weights of step ${step}.` : 'Started again from the initial weights.');
    } catch (e) {
      gpuFailed([`${backend ? 'Starting the CPU engine' : 'Opening the GPU again'} failed: ${e?.message ?? e}`]);
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
