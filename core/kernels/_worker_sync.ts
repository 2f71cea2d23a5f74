/**
 * What the two threaded backends (core/kernels/backend_threads.ts, core/kernels/dense_threads.ts)
 * share: starting a kernel worker, and waiting on a control word of the shared memory by spinning
 * first and sleeping in Atomics.wait after, so that the hand-offs of a training step usually cost no
 * system call.
 *
 * @module
 */

/** How long the calling thread waits for the workers before it gives up, in ms. */
export const PHASE_TIMEOUT_MS = 120_000;

/**
 * Spin, then sleep, until ctrl[index] reaches target (the calling thread, waiting for the workers).
 *
 * @param spins Polls of the word (about 6 ns each) before each sleep.
 * @param what What is waited for, for the error message ("run a step").
 * @throws {Error} When the workers did not get there within {@linkcode PHASE_TIMEOUT_MS}.
 */
export function waitForCount(
  ctrl: Int32Array,
  index: number,
  target: number,
  spins: number,
  what: string,
): void {
  let polls = 0;
  const start = performance.now();
  for (;;) {
    const value = Atomics.load(ctrl, index);
    if (value >= target) return;
    if (++polls < spins) continue;
    Atomics.wait(ctrl, index, value, 100);
    if (performance.now() - start > PHASE_TIMEOUT_MS) {
      throw new Error(`Cannot ${what}: the workers did not finish within ${PHASE_TIMEOUT_MS} ms`);
    }
  }
}

/**
 * Spin, then sleep, until ctrl[index] is no longer `seen` (a worker, waiting for the next phase).
 *
 * @param spins Polls of the word before each sleep.
 * @returns The new value.
 */
export function waitForChange(ctrl: Int32Array, index: number, seen: number, spins: number): number {
  let polls = 0;
  for (;;) {
    const value = Atomics.load(ctrl, index);
    if (value !== seen) return value;
    if (++polls >= spins) {
      Atomics.wait(ctrl, index, seen);
      polls = 0;
    }
  }
}

/**
 * Start a module worker, hand it its first message, and wait until it answers "ready" (any other
 * answer is the reason it could not start).
 *
 * @param url The worker's module.
 * @param init Its first message (a compiled module and a shared memory go by reference).
 * @returns The running worker.
 * @throws {Error} "Cannot start a kernel worker: …" when it failed.
 */
export function startKernelWorker(url: URL, init: unknown): Promise<Worker> {
  const worker = new Worker(url, { type: "module" });
  return new Promise((resolve, reject) => {
    worker.onmessage = (event: MessageEvent) => {
      worker.onmessage = null;
      worker.onerror = null;
      if (event.data === "ready") resolve(worker);
      else {
        worker.terminate();
        reject(new Error(`Cannot start a kernel worker: ${event.data}`));
      }
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      worker.terminate();
      reject(new Error(`Cannot start a kernel worker: ${event.message}`));
    };
    worker.postMessage(init);
  });
}
