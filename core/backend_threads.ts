/**
 * The WebAssembly SIMD backend on several threads: the calling thread plus `threads − 1` Deno
 * Workers, all running core/kernels.wasm on one shared `WebAssembly.Memory`.
 *
 * The hidden units are cut into {@linkcode HIDDEN_CHUNKS} fixed chunks; thread t owns the chunks
 * [⌊t·NC/T⌋, ⌊(t+1)·NC/T⌋) (see {@linkcode threadChunks}), and so the columns of w0, the entries of
 * b0 and the rows of w1 of those hidden units: no two threads write the same number. Each chunk's
 * partial logits are reduced in chunk order on the calling thread, so the bytes are the same for
 * every thread count, and the same as core/backend_wasm.ts.
 *
 * The Backend interface is synchronous: a phase is started by bumping a generation counter in the
 * control words of the shared memory (Atomics.notify), the calling thread runs its own chunks, then
 * waits with Atomics.wait until every worker has counted itself done. Both sides spin briefly before
 * sleeping, so the two phases of a step cost no system call when the threads are busy.
 *
 * @module
 */

import type { Backend } from "./backend.ts";
import {
  backendOnCore,
  checkBackendShape,
  CONTROL_OFFSET,
  createWasmCore,
  HIDDEN_CHUNKS,
  loadKernelModule,
  wasmLayout,
} from "./backend_wasm.ts";
import { LimitError } from "./errors.ts";
import type { Activation } from "./network.ts";

/** The most threads a backend can use: one per hidden chunk. */
export const MAX_THREADS = HIDDEN_CHUNKS;

/** Control words (Int32Array indices at {@linkcode CONTROL_OFFSET}): bumped to start a phase. */
export const CTRL_GENERATION = 0;
/** The phase to run: {@linkcode CMD_FORWARD}, {@linkcode CMD_BACKWARD} or {@linkcode CMD_QUIT}. */
export const CTRL_COMMAND = 1;
/** N of the phase. */
export const CTRL_ROWS = 2;
/** The learning rate, as float32 bits. */
export const CTRL_LR = 3;
/** Set to 1 by a worker whose kernel threw. */
export const CTRL_ERROR = 4;
/** Workers done with the current phase; on its own 64-byte line. */
export const CTRL_DONE = 16;
/** Number of control words. */
export const CTRL_WORDS = 32;

/** Commands. */
export const CMD_FORWARD = 1;
export const CMD_BACKWARD = 2;
export const CMD_QUIT = 3;

/** Polls of a control word before a thread sleeps in Atomics.wait (about 0.1 ms). */
export const SPIN_POLLS = 1 << 16;

/** How long the calling thread waits for a phase before it gives up on the workers, in ms. */
const PHASE_TIMEOUT_MS = 120_000;

/** The first message a worker gets. */
export interface WorkerInit {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  /** The worker's chunks [c0, c1). */
  readonly c0: number;
  readonly c1: number;
}

/**
 * The chunks thread t of T owns: [⌊t·NC/T⌋, ⌊(t+1)·NC/T⌋).
 *
 * @param t The thread, 0 being the calling thread.
 * @param threads T.
 * @returns [c0, c1).
 * @example
 * ```ts
 * import { threadChunks } from "./backend_threads.ts";
 * console.assert(threadChunks(1, 2).join() === "8,16");
 * ```
 */
export function threadChunks(t: number, threads: number): [number, number] {
  return [Math.floor(t * HIDDEN_CHUNKS / threads), Math.floor((t + 1) * HIDDEN_CHUNKS / threads)];
}

/**
 * The wasm backend on `threads` threads: the caller and `threads − 1` workers.
 *
 * @param hidden H.
 * @param activation The hidden non-linearity.
 * @param capacity The largest batch N.
 * @param threads T, 1 to {@linkcode MAX_THREADS}; 1 starts no worker.
 * @returns A backend whose dispose() stops the workers; parameters are 0 until set.
 * @throws {LimitError} For a bad hidden size, activation, capacity or thread count.
 * @throws {InputFileError} When core/kernels.wasm cannot be read.
 * @example
 * ```ts
 * import { createThreadedBackend } from "./backend_threads.ts";
 * const b = await createThreadedBackend(8, "relu", 2, 2);
 * b.x.fill(0.5);
 * b.predict(null, 0, 2);
 * console.assert(Math.abs(b.probs[0] - 0.1) < 1e-6); // zero weights: uniform probabilities
 * b.dispose();
 * ```
 */
export async function createThreadedBackend(
  hidden: number,
  activation: Activation,
  capacity: number,
  threads: number,
): Promise<Backend> {
  checkBackendShape(hidden, activation, capacity);
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new LimitError(
      `Cannot create the wasm backend: thread count is ${threads}, expected an integer in [1, ${MAX_THREADS}]`,
    );
  }
  wasmLayout(hidden, capacity); // refuse an oversized memory before reading the file
  const module = await loadKernelModule();
  const core = createWasmCore(module, hidden, activation, capacity);
  const ctrl = new Int32Array(core.memory.buffer, CONTROL_OFFSET, CTRL_WORDS);
  const ctrlFloat = new Float32Array(core.memory.buffer, CONTROL_OFFSET, CTRL_WORDS);
  const workers: Worker[] = [];
  try {
    for (let t = 1; t < threads; t++) {
      const [c0, c1] = threadChunks(t, threads);
      workers.push(await _startWorker({ module, memory: core.memory, c0, c1 }));
    }
  } catch (error) {
    for (const w of workers) w.terminate();
    throw error;
  }
  const [m0, m1] = threadChunks(0, threads);
  const k = core.kernels;

  /** Start a phase on the workers, run the caller's chunks, wait for the workers. */
  const run = (command: number, n: number, lr: number, own: () => void) => {
    if (workers.length === 0) return own();
    ctrl[CTRL_COMMAND] = command;
    ctrl[CTRL_ROWS] = n;
    ctrlFloat[CTRL_LR] = lr;
    Atomics.store(ctrl, CTRL_ERROR, 0);
    Atomics.store(ctrl, CTRL_DONE, 0);
    Atomics.add(ctrl, CTRL_GENERATION, 1); // publishes the words above to the workers
    Atomics.notify(ctrl, CTRL_GENERATION);
    own();
    _waitForCount(ctrl, CTRL_DONE, workers.length);
    if (Atomics.load(ctrl, CTRL_ERROR) !== 0) {
      throw new Error("Cannot run a step: a kernel failed in a worker");
    }
  };

  return backendOnCore(core, {
    forward: (n) => run(CMD_FORWARD, n, 0, () => k.forward_part(m0, m1, n)),
    backward: (n, lr) => run(CMD_BACKWARD, n, lr, () => k.backward_part(m0, m1, n, lr)),
    dispose() {
      if (workers.length > 0) {
        ctrl[CTRL_COMMAND] = CMD_QUIT;
        Atomics.add(ctrl, CTRL_GENERATION, 1);
        Atomics.notify(ctrl, CTRL_GENERATION);
      }
      for (const w of workers) w.terminate();
      workers.length = 0;
    },
  });
}

/** Spin, then sleep, until ctrl[index] reaches target. */
function _waitForCount(ctrl: Int32Array, index: number, target: number): void {
  let polls = 0;
  const start = performance.now();
  for (;;) {
    const value = Atomics.load(ctrl, index);
    if (value >= target) return;
    if (++polls < SPIN_POLLS) continue;
    Atomics.wait(ctrl, index, value, 100);
    if (performance.now() - start > PHASE_TIMEOUT_MS) {
      throw new Error(`Cannot run a step: the workers did not finish within ${PHASE_TIMEOUT_MS} ms`);
    }
  }
}

/** Create a worker, hand it the module and the memory, and wait until it has instantiated them. */
function _startWorker(init: WorkerInit): Promise<Worker> {
  const worker = new Worker(new URL("./_thread_worker.ts", import.meta.url), { type: "module" });
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
