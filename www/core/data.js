// Fetches the four gzipped MNIST IDX files and decompresses them in the browser with
// DecompressionStream, reporting bytes fetched against Content-Length for the progress bar.
export const MNIST_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

/**
 * Resolves with `{trainImages, trainLabels, testImages, testLabels}` (raw IDX bytes).
 * `onProgress(loaded, total)` is called as compressed bytes arrive (total 0 if unknown);
 * `signal` (an AbortSignal) cancels the downloads.
 */
export async function loadMnist(base, onProgress = () => {}, { signal } = {}) {
  if (typeof DecompressionStream !== 'function') {
    throw new Error('this browser has no DecompressionStream, which the page needs to unpack MNIST');
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
 * `loadMnist` for a page's progress bar: `onProgress(fraction, {en, zh})` in words, `onStage(name)`
 * at 'fetched' and 'data'. Rejections are left for the engine's start to report.
 */
export function loadMnistProgress({ base = 'www/data', onProgress = () => {}, onStage = () => {}, signal } = {}) {
  const mb = (bytes) => (bytes / 1e6).toFixed(1);
  const data = loadMnist(base, (loaded, total) => {
    const size = `${mb(loaded)}${total ? ` / ${mb(total)}` : ''} MB`;
    onProgress(total ? loaded / total : 0, { en: `Loading MNIST… ${size}`, zh: `正在加载 MNIST… ${size}` });
    if (loaded === total) onStage('fetched');
  }, { signal }).then((bytes) => {
    onStage('data');
    onProgress(1, { en: 'Starting WebGPU and uploading MNIST to the GPU…', zh: '正在启动 WebGPU 并把 MNIST 上传到 GPU…' });
    return bytes;
  });
  data.catch(() => {});
  return data;
}
