// Worst-case timings of named pieces of main-thread work (drawing, chart updates), kept so the
// browser tests can say what a long task was; costs two performance.now() calls per piece.
const worst = new Map();

/** Runs `fn`, remembering the longest time `name` took since the last takeTimings(). */
export function timed(name, fn) {
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    worst.set(name, Math.max(worst.get(name) ?? 0, performance.now() - t0));
  }
}

/** `{name: worst ms}` since the last call. */
export function takeTimings() {
  const t = Object.fromEntries(worst);
  worst.clear();
  return t;
}
