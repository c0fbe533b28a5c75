// The lab's notice panel: what the page changed in a link, what a backend or a saved run wants
// said, what an opened weights file brought; `page.notices` keeps the list for window.vaelab.
const $ = (id) => document.getElementById(id);

/** `{setNotices(list, title?), addNotice(text)}` over `page.notices`. */
export function noticePanel(page, defaultTitle = 'Please note:') {
  function setNotices(list, title = defaultTitle) {
    page.notices = list;
    $('notice-title').textContent = title;
    $('notice-list').replaceChildren(...list.map((text) => Object.assign(document.createElement('li'), { textContent: text })));
    $('notice').hidden = list.length === 0;
  }
  return { setNotices, addNotice: (text) => setNotices([...page.notices, text]) };
}
