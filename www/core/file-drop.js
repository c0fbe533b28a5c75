// Files dropped anywhere on a page: the dashed outline while they hover, the browser kept from
// navigating to them, and the files handed to the page. Used by the lab and the lessons.

/**
 * `active()`: whether the page takes dropped files now at all; `ready()`: whether it can use them
 * this moment (otherwise the cursor says no); `onDrop(files)`: the dropped files, at least one.
 */
export function wireFileDrop({ active = () => true, ready = () => true, onDrop }) {
  const withFiles = (event) => event.dataTransfer?.types?.includes('Files') && active();
  document.addEventListener('dragover', (event) => {
    if (!withFiles(event)) return;
    event.preventDefault(); // allows the drop
    event.dataTransfer.dropEffect = ready() ? 'copy' : 'none';
    document.body.classList.add('dropping');
  });
  document.addEventListener('dragleave', (event) => {
    if (!event.relatedTarget) document.body.classList.remove('dropping');
  });
  document.addEventListener('drop', (event) => {
    if (!withFiles(event)) return;
    event.preventDefault(); // the browser would otherwise navigate to the file
    document.body.classList.remove('dropping');
    const files = [...(event.dataTransfer.files ?? [])];
    if (files.length > 0) onDrop(files);
  });
}
