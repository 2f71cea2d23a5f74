/**
 * The far end of {@linkcode crossCoreRoundTrip} (bench/_cross_core.ts): answers each odd value of a
 * shared word with the next even one, spinning, until the word turns negative.
 *
 * @module
 */

/// <reference lib="deno.worker" />

self.onmessage = (event: MessageEvent<SharedArrayBuffer>) => {
  const word = new Int32Array(event.data);
  self.postMessage("ready");
  for (;;) {
    const value = Atomics.load(word, 0);
    if (value < 0) break;
    if (value & 1) Atomics.store(word, 0, value + 1);
  }
  self.close();
};
