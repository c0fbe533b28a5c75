// The lab on a narrow screen: the run buttons stay on top with the status, and the rest of the control
// panel moves below the pictures (#panel-below), in the DOM and so in the tab order too; Space plays.
const $ = (id) => document.getElementById(id);

/** The width (CSS pixels) below which the control panel folds under the pictures; matches style.css. */
export const NARROW = '(max-width: 700px)';

/** Moves #panel-more below the pictures on narrow screens, back into the sidebar on wide ones. */
export function foldPanel() {
  const query = matchMedia(NARROW);
  const place = () => {
    const more = $('panel-more');
    const below = $('panel-below');
    if (query.matches) {
      if (more.parentElement !== below) below.append(more);
      below.hidden = false;
    } else {
      if (more.parentElement !== $('to-settings').parentElement) $('to-settings').after(more);
      below.hidden = true;
    }
    document.body.classList.toggle('narrow', query.matches);
  };
  query.addEventListener('change', place);
  place();
}

const TYPING = 'input, select, textarea, button, a[href], summary, [contenteditable]';

/** Space plays or pauses training, wherever focus is not on something Space already works (inputs, buttons, links). */
export function spaceToPlay({ playing, canPlay, play, pause }) {
  document.addEventListener('keydown', (event) => {
    if (event.key !== ' ' || event.repeat || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.target instanceof Element && event.target.closest(TYPING)) return;
    event.preventDefault();
    if (playing()) pause();
    else if (canPlay()) play();
  });
}
