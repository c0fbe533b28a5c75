// The reader's own images as a data set: IDX files (raw or gzip, labelled or not, any size fitted to
// 28×28) or PNG/JPEG pictures (made 28×28 grey, labels from folder or name prefixes), split 90/10.
import { mulberry32 } from './prng.js';
import { nextTask } from './scheduler.js';

export const MAX_IMAGES = 100_000;
const SIDE = 28;
const PIXELS = SIDE * SIDE;
const SPLIT_SEED = 1; // the same files always give the same split
const CHUNK = 48; // pictures decoded per task (keeps each task well under 50 ms)

/** A file the reader gave us could not be used: the message names it and says what would work. */
export class DataFileError extends Error {}

const isGzip = (b) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
const isPicture = (file) => /^image\/(png|jpeg)$/.test(file.type) || /\.(png|jpe?g)$/i.test(file.name);

/** The bytes of `file`, inflated by the browser's DecompressionStream when they are gzip. */
async function fileBytes(file) {
  const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
  if (!isGzip(head)) return new Uint8Array(await file.arrayBuffer());
  try {
    return new Uint8Array(await new Response(file.stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
  } catch (e) {
    throw new DataFileError(`${file.name}: the gzip data is damaged (${e?.message ?? e}); download the file again`);
  }
}

/** One IDX array of unsigned bytes: `{dims, data}`, or a DataFileError that says what is wrong. */
export function parseIdx(bytes, name) {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new DataFileError(`${name}: not an IDX file (it does not start with two zero bytes); use MNIST-style IDX files or PNG/JPEG pictures`);
  if (bytes[2] !== 0x08) throw new DataFileError(`${name}: IDX type 0x${bytes[2].toString(16)} is not unsigned bytes (0x08); save the images as 8-bit grey`);
  const rank = bytes[3];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (rank < 1 || rank > 3 || bytes.length < 4 + 4 * rank) throw new DataFileError(`${name}: an IDX header with ${rank} dimensions is not images (3) or labels (1)`);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * rank;
  if (bytes.length - start !== size) throw new DataFileError(`${name}: the header says ${dims.join('×')} = ${size} bytes, the file holds ${bytes.length - start}; it is cut short or not IDX`);
  return { dims, data: bytes.subarray(start) };
}

/** Images and labels from IDX files: each image file with the label file of its name (images→labels) or count. */
async function fromIdx(files, notices) {
  const arrays = [];
  for (const file of files) arrays.push({ name: file.name, ...parseIdx(await fileBytes(file), file.name) });
  const images = arrays.filter((a) => a.dims.length === 3);
  const labels = arrays.filter((a) => a.dims.length === 1);
  if (images.length === 0) throw new DataFileError(`${files.map((f) => f.name).join(', ')}: no image file among them (an IDX file of three dimensions: count × rows × columns)`);
  const bare = (name) => name.replace(/\.gz$/i, '').replace(/images?/i, '').replace(/idx\d/i, '');
  const out = [];
  for (const img of images) {
    const [n, rows, cols] = img.dims;
    const resized = rows !== SIDE || cols !== SIDE;
    if (resized) notices.push(`${img.name}: images are ${rows}×${cols}, resized to fit 28×28 (area average, centred on black)`);
    const match = labels.find((l) => bare(l.name.replace(/labels?/i, '')) === bare(img.name))
      ?? (images.length === 1 && labels.length === 1 ? labels[0] : null);
    if (match && match.dims[0] !== n) throw new DataFileError(`${match.name}: ${match.dims[0]} labels for the ${n} images of ${img.name}; use the label file of those images`);
    if (match && match.data.some((v) => v > 9)) {
      notices.push(`${match.name}: labels above 9 — the lab colours ten classes, so these images train without labels`);
    }
    const usable = match && !match.data.some((v) => v > 9);
    if (!match) notices.push(`${img.name}: no label file goes with it, so its images train without labels (all shown as class 0)`);
    const size = rows * cols;
    for (let i = 0; i < n; i++) {
      const image = img.data.subarray(i * size, (i + 1) * size);
      out.push({ pixels: resized ? fitSquare(image, rows, cols) : image, label: usable ? match.data[i] : 0 });
    }
  }
  return { items: out, classes: null, labelled: images.some((img) => out.some((it) => it.label !== 0)) };
}

/**
 * A rows×cols grey image fitted inside 28×28 (aspect kept, centred on black): each output pixel is
 * the area-weighted mean of the source pixels it covers, so shrinking does not alias and growing is
 * nearest-neighbour.
 */
export function fitSquare(image, rows, cols) {
  const scale = SIDE / Math.max(rows, cols);
  const [h, w] = [Math.max(1, Math.round(rows * scale)), Math.max(1, Math.round(cols * scale))];
  const [top, left] = [Math.floor((SIDE - h) / 2), Math.floor((SIDE - w) / 2)];
  // The source interval [a, b) one output cell covers along an axis of `n` source pixels over `m` cells.
  const span = (k, n, m) => [(k * n) / m, ((k + 1) * n) / m];
  const out = new Uint8Array(PIXELS);
  for (let y = 0; y < h; y++) {
    const [y0, y1] = span(y, rows, h);
    for (let x = 0; x < w; x++) {
      const [x0, x1] = span(x, cols, w);
      let sum = 0;
      let area = 0;
      for (let sy = Math.floor(y0); sy < Math.min(rows, Math.ceil(y1)); sy++) {
        const wy = Math.min(y1, sy + 1) - Math.max(y0, sy);
        for (let sx = Math.floor(x0); sx < Math.min(cols, Math.ceil(x1)); sx++) {
          const wxy = wy * (Math.min(x1, sx + 1) - Math.max(x0, sx));
          sum += wxy * image[sy * cols + sx];
          area += wxy;
        }
      }
      out[(top + y) * SIDE + left + x] = Math.round(sum / area);
    }
  }
  return out;
}

/** The class name a picture's path gives: its folder, else its file name's prefix before _ - or space. */
function className(file) {
  const parts = (file.webkitRelativePath || file.name).split('/');
  if (parts.length > 2) return parts[parts.length - 2];
  const prefix = /^([^_\-\s.]+)[_\-\s]/.exec(parts[parts.length - 1]);
  return prefix ? prefix[1] : null;
}

/** Pictures as 28×28 grey (fit inside, centred, on the background); `invert` for dark-on-light images. */
async function fromPictures(files, { invert }, notices, onProgress) {
  const canvas = new OffscreenCanvas(SIDE, SIDE);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const items = [];
  const names = files.map(className);
  for (let start = 0; start < files.length; start += CHUNK) {
    const chunk = files.slice(start, start + CHUNK);
    const bitmaps = await Promise.all(chunk.map((f) => createImageBitmap(f).catch(() => null)));
    bitmaps.forEach((bitmap, k) => {
      const file = chunk[k];
      if (!bitmap) {
        notices.push(`${file.name}: not a PNG or JPEG the browser can read; left out`);
        return;
      }
      ctx.fillStyle = invert ? '#fff' : '#000';
      ctx.fillRect(0, 0, SIDE, SIDE);
      const scale = SIDE / Math.max(bitmap.width, bitmap.height);
      const [w, h] = [bitmap.width * scale, bitmap.height * scale];
      ctx.drawImage(bitmap, (SIDE - w) / 2, (SIDE - h) / 2, w, h);
      bitmap.close();
      const rgba = ctx.getImageData(0, 0, SIDE, SIDE).data;
      const pixels = new Uint8Array(PIXELS);
      for (let i = 0; i < PIXELS; i++) {
        const grey = Math.round(0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2]);
        pixels[i] = invert ? 255 - grey : grey;
      }
      items.push({ pixels, name: names[start + k] });
    });
    onProgress(Math.min(files.length, start + CHUNK), files.length);
    await nextTask();
  }
  // Labels: ten or fewer names (all digits: those digits), else none.
  const distinct = [...new Set(items.map((it) => it.name))];
  let classes = null;
  if (distinct.some((n) => n === null)) notices.push('some pictures have no folder or name prefix, so the pictures train without labels');
  else if (distinct.length > 10) notices.push(`${distinct.length} folder/prefix names: the lab colours ten classes, so the pictures train without labels`);
  else if (distinct.every((n) => /^\d$/.test(n))) classes = Array.from({ length: 10 }, (_, i) => String(i));
  else classes = distinct.sort();
  for (const it of items) it.label = classes ? classes.indexOf(it.name) : 0;
  return { items, classes, labelled: Boolean(classes) };
}

/** An empty IDX array of unsigned bytes of `dims` and the offset its data starts at. */
function idx(dims) {
  const start = 4 + 4 * dims.length;
  const out = new Uint8Array(start + dims.reduce((a, b) => a * b, 1));
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  return [out, start];
}

/**
 * Makes a data set of `files` (File objects: IDX, IDX.gz, PNG, JPEG; not mixed): at most MAX_IMAGES
 * images, shuffled with a fixed seed and split 90/10. Resolves `{data: {trainImages, trainLabels,
 * testImages, testLabels} (IDX bytes), classes (names of the labels from pictures' folders or prefixes, or
 * null), labelled (whether any labels came with the images), count, notices}`;
 * throws a DataFileError for files it cannot use.
 */
export async function ownDataSet(files, { invert = false, onProgress = () => {} } = {}) {
  files = [...files].sort((a, b) => (a.webkitRelativePath || a.name).localeCompare(b.webkitRelativePath || b.name));
  if (files.length === 0) throw new DataFileError('no files were chosen');
  const notices = [];
  const pictures = files.filter(isPicture);
  if (pictures.length > 0 && pictures.length < files.length) {
    const other = files.find((f) => !isPicture(f));
    throw new DataFileError(`${other.name}: pictures and other files mixed; give either PNG/JPEG pictures or IDX files`);
  }
  if (pictures.length > MAX_IMAGES) {
    notices.push(`${pictures.length.toLocaleString('en')} pictures: the lab keeps the first ${MAX_IMAGES.toLocaleString('en')} (by name)`);
    pictures.length = MAX_IMAGES;
  }
  let { items, classes, labelled } = pictures.length > 0 ? await fromPictures(pictures, { invert }, notices, onProgress) : await fromIdx(files, notices);
  if (items.length > MAX_IMAGES) {
    notices.push(`${items.length.toLocaleString('en')} images: the lab keeps the first ${MAX_IMAGES.toLocaleString('en')}`);
    items = items.slice(0, MAX_IMAGES);
  }
  if (items.length < 10) throw new DataFileError(`${items.length} usable image${items.length === 1 ? '' : 's'}: the lab needs at least 10 (nine to train on, one to test)`);
  // Fisher–Yates with a fixed seed, then 90% train / 10% test.
  const next = mulberry32(SPLIT_SEED);
  const order = Array.from(items.keys());
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const nTest = Math.max(1, Math.round(items.length / 10));
  const split = async (ids) => {
    const [images, at] = idx([ids.length, SIDE, SIDE]);
    const [labels, labelsAt] = idx([ids.length]);
    for (let i = 0; i < ids.length; i++) {
      images.set(items[ids[i]].pixels, at + i * PIXELS);
      labels[labelsAt + i] = items[ids[i]].label;
      if (i % 8192 === 8191) await nextTask(); // 100k images are 78 MB: copied in short tasks
    }
    return [images, labels];
  };
  const [testImages, testLabels] = await split(order.slice(0, nTest));
  const [trainImages, trainLabels] = await split(order.slice(nTest));
  return { data: { trainImages, trainLabels, testImages, testLabels }, classes, labelled, count: items.length, notices };
}
