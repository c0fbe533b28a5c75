// Fetches the four gzipped MNIST IDX files and decompresses them in the browser with
// DecompressionStream, reporting bytes fetched against Content-Length for the progress bar.
export const MNIST_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

/**
 * Resolves with `{trainImages, trainLabels, testImages, testLabels}` (raw IDX bytes).
 * `onProgress(loaded, total)` is called as compressed bytes arrive (total 0 if unknown).
 */
export async function loadMnist(base, onProgress = () => {}) {
  if (typeof DecompressionStream !== 'function') {
    throw new Error('this browser has no DecompressionStream, which the page needs to unpack MNIST');
  }
  const responses = await Promise.all(MNIST_FILES.map(async (name) => {
    const url = `${base}/${name}.gz`;
    const res = await fetch(url);
    if (!res.ok) throw new Error(`could not load ${url}: HTTP ${res.status}`);
    return res;
  }));
  const total = responses.reduce((sum, r) => sum + Number(r.headers.get('content-length') ?? 0), 0);
  let loaded = 0;
  const count = new TransformStream({
    transform(chunk, controller) {
      loaded += chunk.byteLength;
      onProgress(loaded, total);
      controller.enqueue(chunk);
    },
  });
  // One counting stream per file (a TransformStream can only be piped once).
  const unpack = (res) => res.body
    .pipeThrough(new TransformStream({ transform: (chunk, c) => count.writable && countChunk(chunk, c) }))
    .pipeThrough(new DecompressionStream('gzip'));
  function countChunk(chunk, controller) {
    loaded += chunk.byteLength;
    onProgress(loaded, total);
    controller.enqueue(chunk);
  }
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    responses.map(async (res) => new Uint8Array(await new Response(unpack(res)).arrayBuffer())),
  );
  return { trainImages, trainLabels, testImages, testLabels };
}
