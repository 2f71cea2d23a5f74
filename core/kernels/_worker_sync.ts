/**
 * What the two threaded backends (core/kernels/backend_threads.ts, core/kernels/dense_threads.ts)
 * share: starting and stopping kernel workers, and waiting on a control word of the shared memory by
 * spinning first and sleeping in Atomics.wait after, so that the hand-offs of a training step usually
 * cost no system call.
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
function _startKernelWorker(url: URL, init: unknown): Promise<Worker> {
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

/**
 * Start workers 1 … threads − 1 of a threaded backend one after the other (`_startKernelWorker`);
 * if one cannot start, stop those already running and rethrow.
 *
 * @param url The workers' module.
 * @param threads T: T − 1 workers are started.
 * @param init Worker t's first message.
 * @returns The workers, worker t at index t − 1.
 */
export async function startKernelWorkers(
  url: URL,
  threads: number,
  init: (thread: number) => unknown,
): Promise<Worker[]> {
  const workers: Worker[] = [];
  try {
    for (let t = 1; t < threads; t++) workers.push(await _startKernelWorker(url, init(t)));
  } catch (error) {
    for (const w of workers) w.terminate();
    throw error;
  }
  return workers;
}

/**
 * Stop a threaded backend's workers: set the quit word, bump the generation word so that a waiting
 * worker wakes and sees it, then terminate them all.
 *
 * @param workers Emptied.
 */
export function stopKernelWorkers(
  ctrl: Int32Array,
  quit: number,
  generation: number,
  workers: Worker[],
): void {
  Atomics.store(ctrl, quit, 1);
  Atomics.add(ctrl, generation, 1);
  Atomics.notify(ctrl, generation);
  for (const w of workers) w.terminate();
  workers.length = 0;
}
