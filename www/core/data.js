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
