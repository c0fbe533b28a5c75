// The data sets the page knows (`data=` in a link) and their class names; fetches a set's four gzipped
// IDX files and decompresses them with DecompressionStream, reporting bytes against Content-Length.
export const MNIST_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

/**
 * `data=` values: `base` is where build-web.sh puts the files (none for `own`: the reader's files stay
 * on their machine), `classes` the names of labels 0–9, `item` what one image is called.
 */
export const DATA_SETS = {
  mnist: { title: 'MNIST', base: 'www/data', item: 'digit', classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] },
  fashion: { title: 'Fashion-MNIST', base: 'www/data/fashion', item: 'item',
    classes: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] },
  own: { title: 'your own images', base: null, item: 'image', classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] },
};

/** The entry of `DATA_SETS` for a config's `data` (MNIST for anything unknown). */
export function dataSet(key) {
  return DATA_SETS[key] ?? DATA_SETS.mnist;
}

/** The `data=` value a link carries (read before the engine's parser is up, to start the download). */
export function linkDataKey(hash) {
  const key = new URLSearchParams(hash.replace(/^#/, '')).get('data')?.trim().toLowerCase();
  return key in DATA_SETS ? key : 'mnist';
}

/** Rejects for `own`: those files come from the reader (www/lab/own-data.js), never from the site. */
export function loadDataSet(key, onProgress, options) {
  const set = DATA_SETS[key];
  if (!set?.base) return Promise.reject(new Error(`data=${key}: the images are on the reader's machine; open them first`));
  return loadMnist(set.base, onProgress, options);
}

/**
 * Resolves with `{trainImages, trainLabels, testImages, testLabels}` (raw IDX bytes).
 * `onProgress(loaded, total)` is called as compressed bytes arrive (total 0 if unknown);
 * `signal` (an AbortSignal) cancels the downloads.
 */
export async function loadMnist(base, onProgress = () => {}, { signal } = {}) {
  if (typeof DecompressionStream !== 'function') {
    throw new Error('this browser has no DecompressionStream, which the page needs to unpack the data set');
  }
  const responses = await Promise.all(MNIST_FILES.map(async (name) => {
    const url = `${base}/${name}.gz`;
    const res = await fetch(url, { signal });
    if (!res.ok) throw new Error(`could not load ${url}: HTTP ${res.status}`);
    return res;
  }));
  const total = responses.reduce((sum, r) => sum + Number(r.headers.get('content-length') ?? 0), 0);
  let loaded = 0;
  const counted = (res) => res.body.pipeThrough(new TransformStream({
    transform(chunk, controller) {
      loaded += chunk.byteLength;
      onProgress(loaded, total);
      controller.enqueue(chunk);
    },
  }));
  const unpack = async (res) => {
    const stream = counted(res).pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  };
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(responses.map(unpack));
  return { trainImages, trainLabels, testImages, testLabels };
}

/**
 * `loadMnist` (of data set `key`) for a page's progress bar: `onProgress(fraction, {en, zh})` in words,
 * `onStage(name)` at 'fetched' and 'data'. Rejections are left for the engine's start to report.
 */
export function loadMnistProgress({ key = 'mnist', onProgress = () => {}, onStage = () => {}, signal } = {}) {
  const mb = (bytes) => (bytes / 1e6).toFixed(1);
  const { title } = dataSet(key);
  const data = loadDataSet(key, (loaded, total) => {
    const size = `${mb(loaded)}${total ? ` / ${mb(total)}` : ''} MB`;
    onProgress(total ? loaded / total : 0, { en: `Loading ${title}… ${size}`, zh: `正在加载 ${title}… ${size}` });
    if (loaded === total) onStage('fetched');
  }, { signal }).then((bytes) => {
    onStage('data');
    onProgress(1, { en: `Starting the engine and loading ${title} into it…`, zh: `正在启动引擎并载入 ${title}…` });
    return bytes;
  });
  data.catch(() => {});
  return data;
}
