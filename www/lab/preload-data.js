// Starts downloading the data set the link names (MNIST unless `data=fashion`; nothing for `data=own`)
// while the lab's modules load: preload links for the URLs www/core/data.js fetches.
import { DATA_SETS, linkDataKey, MNIST_FILES } from '../core/data.js';

const { base } = DATA_SETS[linkDataKey(location.hash)];
for (const name of base ? MNIST_FILES : []) {
  const link = Object.assign(document.createElement('link'), { rel: 'preload', href: `${base}/${name}.gz`, as: 'fetch', crossOrigin: 'anonymous' });
  document.head.append(link);
}
