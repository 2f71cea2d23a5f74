/**
 * How far apart the machine's cores are for two threads right now: the time a cache line takes to go
 * from one thread to another and back. On the 2-vCPU VM of docs/kernels.md this changes from minute to
 * minute, and with it whether two threads of our kernels gain anything (everything one core reads that
 * the other just wrote costs about this much), so `deno task bench --threads 2` reports it.
 *
 * @module
 */

/**
 * Bounce a shared word between this thread and a worker (this thread writes an odd value and spins
 * until the worker has written the next even one) and time the round trips.
 *
 * @param rounds Round trips per repetition.
 * @param repeats Repetitions; the median is returned.
 * @returns The median round trip, in ns.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { crossCoreRoundTrip } from "./_cross_core.ts";
 * const ns = await crossCoreRoundTrip(1000, 3);
 * assert.ok(ns > 0 && ns < 1e7);
 * ```
 */
export async function crossCoreRoundTrip(rounds = 100_000, repeats = 5): Promise<number> {
  const word = new Int32Array(new SharedArrayBuffer(64));
  const worker = new Worker(new URL("./_cross_core_worker.ts", import.meta.url), { type: "module" });
  try {
    await new Promise((resolve) => {
      worker.onmessage = resolve;
      worker.postMessage(word.buffer);
    });
    const times: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const start = performance.now();
      for (let i = 0; i < rounds; i++) {
        const odd = Atomics.load(word, 0) + 1;
        Atomics.store(word, 0, odd);
        while (Atomics.load(word, 0) === odd) { /* the worker answers */ }
      }
      times.push((performance.now() - start) / rounds * 1e6);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  } finally {
    Atomics.store(word, 0, -1);
    worker.terminate();
  }
}
