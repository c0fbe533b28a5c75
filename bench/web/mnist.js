// Loads the gzipped MNIST IDX files the built site serves (www/data/*.gz) for the benchmark's
// contender pages: fetch → DecompressionStream('gzip') → IDX header check → raw uint8 pixels/labels.
// Every contender trains on the same bytes in the same seeded batch order (shuffledPixels below).

const FILES = {
  trainImages: ['train-images-idx3-ubyte.gz', 2051],
  trainLabels: ['train-labels-idx1-ubyte.gz', 2049],
  testImages: ['t10k-images-idx3-ubyte.gz', 2051],
  testLabels: ['t10k-labels-idx1-ubyte.gz', 2049],
};

async function fetchGunzip(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`MNIST: ${url} answered ${response.status} — build the site with scripts/build-web.sh`);
  const stream = response.body.pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// IDX: big-endian u32 magic (0x0801 labels, 0x0803 images), then one u32 per dimension, then data.
function parseIdx(bytes, expectedMagic, url) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (magic !== expectedMagic) throw new Error(`MNIST: ${url} has IDX magic ${magic}, expected ${expectedMagic}`);
  const rank = magic & 0xff;
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const header = 4 + 4 * rank; // 16 bytes for images, 8 for labels
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + size) throw new Error(`MNIST: ${url} is ${bytes.length} bytes, header says ${header + size}`);
  return { dims, data: bytes.subarray(header) };
}

/** Returns {trainImages: Uint8Array(60000*784), trainLabels, testImages, testLabels, n: 60000}. */
export async function loadMnist(base = '../www/data/') {
  const entries = await Promise.all(Object.entries(FILES).map(async ([key, [file, magic]]) => {
    const url = base + file;
    return [key, parseIdx(await fetchGunzip(url), magic, url).data];
  }));
  const out = Object.fromEntries(entries);
  out.n = out.trainLabels.length;
  if (out.trainImages.length !== out.n * 784) throw new Error('MNIST: train images and labels disagree in count');
  return out;
}

/** mulberry32: a tiny seeded PRNG so every contender walks the same batch order. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The train set's indices in a seeded random order (Fisher–Yates over mulberry32). */
export function shuffledOrder(n, seed = 1) {
  const rand = mulberry32(seed);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * The train images as float32 pixel/255, rows permuted once by shuffledOrder(seed), so batch k is
 * simply rows [k*batch, (k+1)*batch): contenders upload this once and slice it on the device, the
 * way our engine keeps the dataset resident. Batches walk k = 0, 1, … floor(n/batch)-1 and wrap.
 */
export function shuffledPixels(mnist, seed = 1) {
  const order = shuffledOrder(mnist.n, seed);
  const x = new Float32Array(mnist.n * 784);
  for (let r = 0; r < mnist.n; r++) {
    const src = order[r] * 784;
    for (let p = 0; p < 784; p++) x[r * 784 + p] = mnist.trainImages[src + p] / 255;
  }
  return x;
}
