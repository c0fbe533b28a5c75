// Draws 28×28 digits (probabilities in [0, 1]) into canvases through ImageData, enlarged by whole
// pixels (nearest neighbour), as grids or strips; also the label colours. Shared with the lessons.
export const SIDE = 28;
export const PIXELS = SIDE * SIDE;

/**
 * Ten colours, one per digit class, as [r, g, b]: Tableau 10's hues darkened until each has a contrast
 * of at least 4.5:1 on white (WCAG AA; the scatter draws them opaque), so no class fades into the page.
 */
export const LABEL_COLOURS = [
  [59, 106, 160], [179, 90, 11], [200, 56, 59], [31, 127, 121], [56, 125, 47],
  [141, 114, 0], [143, 85, 133], [194, 71, 122], [132, 95, 71], [95, 95, 95],
];

export const css = ([r, g, b]) => `rgb(${r} ${g} ${b})`;

/**
 * The page's 2-D contexts are CPU-backed (willReadFrequently): they are written with putImageData,
 * and a GPU-backed canvas makes each frame commit wait on the GPU process, which is busy training.
 */
export function context2d(canvas) {
  return canvas.getContext('2d', { willReadFrequently: true });
}

const images = new WeakMap();
/** One reusable ImageData per canvas and size (redrawing does not allocate, so less GC while training). */
export function imageFor(canvas, width, height) {
  let image = images.get(canvas);
  if (!image || image.width !== width || image.height !== height) {
    image = new ImageData(width, height);
    images.set(canvas, image);
  }
  return image;
}

const INK = [250, 250, 250];
const PAPER = [17, 17, 24];
const GAP = [255, 255, 255];

/**
 * Draws `count` digits from `pixels` (Float32Array, 784 per digit) in a grid of `cols` columns,
 * each enlarged `scale`×, `gap` pixels apart; every `groupRows` rows get an extra `groupGap`.
 * Sizes the canvas to fit. Missing digits (pixels shorter than count) are left as paper.
 */
export function drawDigitGrid(canvas, pixels, { count, cols, scale = 2, gap = 2, groupRows = 0, groupGap = 0, background = GAP } = {}) {
  const rows = Math.ceil(count / cols);
  const tile = SIDE * scale;
  const groups = groupRows > 0 ? Math.ceil(rows / groupRows) - 1 : 0;
  const width = cols * tile + (cols - 1) * gap;
  const height = rows * tile + (rows - 1) * gap + groups * groupGap;
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  const image = imageFor(canvas, width, height);
  const data = image.data;
  for (let i = 0; i < width * height; i++) {
    data[4 * i] = background[0];
    data[4 * i + 1] = background[1];
    data[4 * i + 2] = background[2];
    data[4 * i + 3] = 255;
  }
  for (let d = 0; d < count; d++) {
    const row = Math.floor(d / cols);
    const x0 = (d % cols) * (tile + gap);
    const y0 = row * (tile + gap) + (groupRows > 0 ? Math.floor(row / groupRows) * groupGap : 0);
    paintDigit(data, width, x0, y0, scale, pixels, d * PIXELS);
  }
  context2d(canvas).putImageData(image, 0, 0);
}

/** Paints one digit (pixels[offset .. offset+784]) at (x0, y0) into RGBA `data` of row width `width`. */
export function paintDigit(data, width, x0, y0, scale, pixels, offset = 0) {
  const present = offset + PIXELS <= pixels.length;
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const p = present ? Math.min(1, Math.max(0, pixels[offset + y * SIDE + x])) : 0;
      const r = PAPER[0] + (INK[0] - PAPER[0]) * p;
      const g = PAPER[1] + (INK[1] - PAPER[1]) * p;
      const b = PAPER[2] + (INK[2] - PAPER[2]) * p;
      for (let dy = 0; dy < scale; dy++) {
        let i = 4 * ((y0 + y * scale + dy) * width + x0 + x * scale);
        for (let dx = 0; dx < scale; dx++, i += 4) {
          data[i] = r;
          data[i + 1] = g;
          data[i + 2] = b;
          data[i + 3] = 255;
        }
      }
    }
  }
}

/**
 * Variance of the grey levels inside the digit tiles (pure-white gaps skipped): ~0 when every digit
 * is blank or uniform. Used by the browser tests and as a sanity check.
 */
export function canvasVariance(canvas) {
  const { data } = context2d(canvas).getImageData(0, 0, canvas.width, canvas.height);
  let n = 0;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i] === 255 && data[i + 1] === 255 && data[i + 2] === 255) continue;
    const v = (data[i] + data[i + 1] + data[i + 2]) / 3;
    n++;
    sum += v;
    sq += v * v;
  }
  return n === 0 ? 0 : sq / n - (sum / n) ** 2;
}
