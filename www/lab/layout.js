// The lab on a narrow screen: the run buttons stay on top with the status, and the rest of the control
// panel moves below the pictures (#panel-below), in the DOM and so in the tab order too.
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
