// The lab's buttons and tabs: train / pause / step / reset, a new seed, copying the link, downloading
// the weights, new samples, the chart's x unit, the view tabs (click or arrow keys) and the notice's Dismiss.
const $ = (id) => document.getElementById(id);

/** `p`: what the page lends (its session, actions and views; views are read when a button is pressed). */
export function wireButtons(p) {
  const { session } = p;
  $('play').addEventListener('click', p.play);
  $('pause').addEventListener('click', p.pause);
  $('step').addEventListener('click', (event) => session.loop?.step(event.shiftKey ? 100 : 1));
  $('reset').addEventListener('click', () => {
    session.reset().then(
      () => p.message(`Reset: training restarted from the initial weights of seed ${session.config.seed}.`),
      p.engineFailed,
    );
  });
  $('new-seed').addEventListener('click', () => {
    const seed = crypto.getRandomValues(new Uint32Array(1))[0];
    p.applyPairs([['seed', String(seed)]]).catch(p.engineFailed);
  });
  $('copy-link').addEventListener('click', () => {
    p.hashWriter.flush();
    const link = location.href;
    navigator.clipboard.writeText(link).then(
      () => p.message('Link copied: it restores this configuration and view.'),
      () => p.message(`Copy this link: ${link}`),
    );
  });
  $('download').addEventListener('click', async () => {
    try {
      const bytes = await session.run((engine) => engine.weights_file());
      const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `vaelab-seed${session.config.seed}-step${session.step}.safetensors`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      p.engineFailed(e);
    }
  });
  $('resample').addEventListener('click', () => {
    p.digits().draw++;
    p.resample().catch(p.engineFailed);
  });
  $('x-unit').addEventListener('change', (event) => p.charts().setXUnit(event.target.value, session.history, session.status().stepsPerEpoch));
  const tabs = [...document.querySelectorAll('[role=tab][data-view]')];
  for (const tab of tabs) {
    tab.addEventListener('click', () => p.setView(tab.dataset.view));
    // The tab list's keys (WAI-ARIA tabs): Left/Right/Home/End choose a tab and show its view.
    tab.addEventListener('keydown', (event) => {
      const i = tabs.indexOf(tab);
      const next = { ArrowLeft: i - 1, ArrowRight: i + 1, Home: 0, End: tabs.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      const to = tabs[(next + tabs.length) % tabs.length];
      p.setView(to.dataset.view);
      to.focus();
    });
  }
  $('use-latent-2').addEventListener('click', () => p.applyPairs([['latent', '2']]).catch(p.engineFailed));
  $('notice-dismiss').addEventListener('click', () => p.setNotices([]));
}
