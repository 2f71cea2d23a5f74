/**
 * The WebAssembly SIMD backend on several threads: the calling thread plus `threads − 1` Deno
 * Workers, all running core/kernels/kernels.wasm on one shared `WebAssembly.Memory`.
 *
 * A training step's work is cut along the hidden units. The {@linkcode HIDDEN_CHUNKS} fixed chunks are grouped into
 * `tasks` = min(NC, 2T) tasks of whole chunks ({@linkcode taskChunks}); a task owns the w0 columns,
 * b0 entries and w1 rows of its hidden units, so no two tasks write the same number. Each thread
 * has a home queue of tasks ({@linkcode queueTasks}); it claims tasks from its own queue first, then
 * steals from the others (Atomics.compareExchange on one word per queue), so a worker that the
 * operating system has not scheduled yet delays nothing: the caller runs its tasks instead.
 *
 * A prediction's work is cut along the rows instead: task τ of a batch of n rows predicts rows
 * [⌊τ·n/tasks⌋, ⌊(τ+1)·n/tasks⌋) from start to end ({@linkcode taskRows}), pixel lists and softmax
 * included, so the scan runs in parallel too; each row's loss is left in a buffer and the calling
 * thread sums them in row order. Turning a batch's bytes into x (loadImages) is cut the same way.
 *
 * None of this changes a result: every number of a hidden unit is computed the same way whichever
 * task or thread computes it, and the one sum across hidden units, the logits, is summed per chunk
 * and reduced in chunk order on the calling thread. So the bytes are the same for every thread count,
 * every schedule, and core/kernels/backend_wasm.ts.
 *
 * The Backend interface is synchronous: the calling thread publishes a phase (forward or backward)
 * in the control words of the shared memory, wakes the workers (Atomics.notify), serves tasks, then
 * waits (Atomics.wait) until every task is done. Both sides spin briefly before sleeping, so the two
 * phases of a training step usually cost no system call.
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
  predictOnThisThread,
  predictRows,
  type RowViews,
  rowViews,
  type WasmKernelExports,
  type WasmLayout,
  wasmLayout,
} from "./backend_wasm.ts";
import { LimitError } from "../base/errors.ts";
import type { Activation } from "../network/network.ts";

/** The most threads a backend can use: one per hidden chunk. */
export const MAX_THREADS = HIDDEN_CHUNKS;

/** Batches smaller than this run on the calling thread alone: waking a worker costs more. */
export const MIN_PARALLEL_ROWS = 4;

/**
 * Control words, as indices of an Int32Array at {@linkcode CONTROL_OFFSET}. The generation is
 * bumped to start a phase; command, rows and learning rate describe it; done counts finished tasks;
 * queue q (at CTRL_QUEUES + 16q, each on its own 64-byte line) holds (generation mod 2^24) · 256 +
 * the next unclaimed task of thread q's home range.
 */
export const CTRL_GENERATION = 0;
export const CTRL_COMMAND = 1;
export const CTRL_ROWS = 2;
/** The learning rate, as float32 bits. */
export const CTRL_LR = 3;
/** Set to 1 when a kernel threw. */
export const CTRL_ERROR = 4;
/** Set to 1 to stop the workers. */
export const CTRL_QUIT = 5;
/** 1 when a prediction's labels are in the labels buffer, 0 when it has none. */
export const CTRL_HAS_LABELS = 6;
/** 1 when a prediction reads the byte images (predictImages), 0 when it reads x. */
export const CTRL_FROM_PIXELS = 7;
export const CTRL_DONE = 16;
export const CTRL_QUEUES = 32;
/** Number of control words: 32 + 16 queues of 16 words. */
export const CTRL_WORDS = CTRL_QUEUES + 16 * MAX_THREADS;

/** Phase commands. */
export const CMD_FORWARD = 1;
export const CMD_BACKWARD = 2;
export const CMD_PREDICT = 3;
export const CMD_LOAD = 4;

/**
 * Polls of a control word (about 6 ns each) before a thread sleeps in Atomics.wait: about 100 µs for
 * a worker waiting for the next phase (longer than the calling thread's work between phases), about
 * 50 µs for the calling thread waiting for the last task (about one task). Spinning longer only
 * steals the core from a thread that needs it when the machine is busy.
 */
export const WORKER_SPIN_POLLS = 1 << 14;
export const CALLER_SPIN_POLLS = 1 << 13;

/** How long the calling thread waits for a phase before it gives up on the workers, in ms. */
const PHASE_TIMEOUT_MS = 120_000;

/** The first message a worker gets. */
export interface WorkerInit {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  /** Where the buffers are, for the views of the softmax rows. */
  readonly layout: WasmLayout;
  /** The worker's thread index t (its home queue), 1 ≤ t < threads. */
  readonly thread: number;
  readonly threads: number;
}

/**
 * The number of tasks a phase is cut into for T threads: two per thread, at most one per chunk.
 *
 * @example
 * ```ts
 * import { taskCount } from "./backend_threads.ts";
 * console.assert(taskCount(2) === 4 && taskCount(16) === 16);
 * ```
 */
export function taskCount(threads: number): number {
  return Math.min(HIDDEN_CHUNKS, 2 * threads);
}

/**
 * The chunks of task τ of `tasks`: [⌊τ·NC/tasks⌋, ⌊(τ+1)·NC/tasks⌋).
 *
 * @example
 * ```ts
 * import { taskChunks } from "./backend_threads.ts";
 * console.assert(taskChunks(3, 4).join() === "12,16");
 * ```
 */
export function taskChunks(task: number, tasks: number): [number, number] {
  return [Math.floor(task * HIDDEN_CHUNKS / tasks), Math.floor((task + 1) * HIDDEN_CHUNKS / tasks)];
}

/**
 * The rows of task τ of `tasks` in a prediction of n rows: [⌊τ·n/tasks⌋, ⌊(τ+1)·n/tasks⌋).
 *
 * @example
 * ```ts
 * import { taskRows } from "./backend_threads.ts";
 * console.assert(taskRows(1, 4, 10).join() === "2,5");
 * ```
 */
export function taskRows(task: number, tasks: number, n: number): [number, number] {
  return [Math.floor(task * n / tasks), Math.floor((task + 1) * n / tasks)];
}

/**
 * The home tasks of thread q of T: [⌊q·tasks/T⌋, ⌊(q+1)·tasks/T⌋).
 *
 * @example
 * ```ts
 * import { queueTasks } from "./backend_threads.ts";
 * console.assert(queueTasks(1, 2, 4).join() === "2,4");
 * ```
 */
export function queueTasks(queue: number, threads: number, tasks: number): [number, number] {
  return [Math.floor(queue * tasks / threads), Math.floor((queue + 1) * tasks / threads)];
}

/**
 * Claim and run the tasks of phase `generation` until none is left: the home queue first, then the
 * others in turn. Returns early when the phase is already over (a late worker). Every thread,
 * the calling one included, runs this.
 *
 * @param ctrl The control words.
 * @param ctrlFloat The same words as float32 (for the learning rate).
 * @param kernels This thread's instance of the kernels.
 * @param views This thread's views of the buffers of a prediction's softmax.
 * @param generation The phase.
 * @param home This thread's index.
 * @param threads T.
 */
export function servePhase(
  ctrl: Int32Array,
  ctrlFloat: Float32Array,
  kernels: WasmKernelExports,
  views: RowViews,
  generation: number,
  home: number,
  threads: number,
): void {
  const tag = generation & 0xffffff, tasks = taskCount(threads);
  for (let i = 0; i < threads; i++) {
    const q = (home + i) % threads;
    const word = CTRL_QUEUES + 16 * q;
    const end = queueTasks(q, threads, tasks)[1];
    for (;;) {
      const w = Atomics.load(ctrl, word);
      if (w >>> 8 !== tag) return; // a newer phase started: this one is finished
      const task = w & 0xff;
      if (task >= end) break;
      if (Atomics.compareExchange(ctrl, word, w, w + 1) !== w) continue;
      // the phase cannot end before this task is done, so its words are still current
      _runTask(ctrl, ctrlFloat, kernels, views, task, tasks);
      Atomics.add(ctrl, CTRL_DONE, 1);
      Atomics.notify(ctrl, CTRL_DONE);
    }
  }
}

function _runTask(
  ctrl: Int32Array,
  ctrlFloat: Float32Array,
  kernels: WasmKernelExports,
  views: RowViews,
  task: number,
  tasks: number,
): void {
  const [c0, c1] = taskChunks(task, tasks);
  const n = ctrl[CTRL_ROWS];
  const [s0, s1] = taskRows(task, tasks, n);
  try {
    const command = ctrl[CTRL_COMMAND];
    if (command === CMD_FORWARD) kernels.forward_part(c0, c1, n);
    else if (command === CMD_BACKWARD) kernels.backward_part(c0, c1, n, ctrlFloat[CTRL_LR]);
    else if (command === CMD_PREDICT) {
      predictRows(kernels, views, s0, s1, n, ctrl[CTRL_HAS_LABELS] === 1, ctrl[CTRL_FROM_PIXELS] === 1);
    } else kernels.load_pixels(s0, s1);
  } catch {
    Atomics.store(ctrl, CTRL_ERROR, 1);
  }
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
 * @throws {InputFileError} When core/kernels/kernels.wasm cannot be read.
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
      workers.push(
        await _startWorker({ module, memory: core.memory, layout: core.layout, thread: t, threads }),
      );
    }
  } catch (error) {
    for (const w of workers) w.terminate();
    throw error;
  }
  const k = core.kernels, tasks = taskCount(threads), views = rowViews(core.memory, core.layout);
  let generation = 0;

  /** Publish a phase, serve its tasks with the workers, wait until all are done. */
  const run = (command: number, n: number, lr: number) => {
    generation = (generation + 1) | 0;
    ctrl[CTRL_COMMAND] = command;
    ctrl[CTRL_ROWS] = n;
    ctrlFloat[CTRL_LR] = lr;
    Atomics.store(ctrl, CTRL_ERROR, 0);
    Atomics.store(ctrl, CTRL_DONE, 0);
    const tag = (generation & 0xffffff) << 8;
    for (let q = 0; q < threads; q++) {
      Atomics.store(ctrl, CTRL_QUEUES + 16 * q, tag | queueTasks(q, threads, tasks)[0]);
    }
    Atomics.store(ctrl, CTRL_GENERATION, generation); // publishes the words above to the workers
    Atomics.notify(ctrl, CTRL_GENERATION);
    servePhase(ctrl, ctrlFloat, k, views, generation, 0, threads);
    _waitForCount(ctrl, CTRL_DONE, tasks);
    if (Atomics.load(ctrl, CTRL_ERROR) !== 0) throw new Error("Cannot run a step: a kernel failed");
  };

  return backendOnCore(core, {
    forward(n) {
      if (workers.length === 0 || n < MIN_PARALLEL_ROWS) k.forward_part(0, HIDDEN_CHUNKS, n);
      else run(CMD_FORWARD, n, 0);
    },
    backward(n, lr) {
      if (workers.length === 0 || n < MIN_PARALLEL_ROWS) k.backward_part(0, HIDDEN_CHUNKS, n, lr);
      else run(CMD_BACKWARD, n, lr);
    },
    load(n) {
      if (workers.length === 0 || n < MIN_PARALLEL_ROWS) k.load_pixels(0, n);
      else run(CMD_LOAD, n, 0);
    },
    predict(labels, offset, n, fromPixels) {
      if (workers.length === 0 || n < MIN_PARALLEL_ROWS) {
        return predictOnThisThread(core, labels, offset, n, fromPixels);
      }
      if (labels) { for (let s = 0; s < n; s++) views.labels[s] = labels[offset + s]; }
      ctrl[CTRL_HAS_LABELS] = labels ? 1 : 0;
      ctrl[CTRL_FROM_PIXELS] = fromPixels ? 1 : 0;
      run(CMD_PREDICT, n, 0);
      if (!labels) return 0;
      let loss = 0;
      for (let s = 0; s < n; s++) loss += views.rowLoss[s]; // row order, as softmaxCrossEntropy sums
      return loss;
    },
    dispose() {
      Atomics.store(ctrl, CTRL_QUIT, 1);
      Atomics.add(ctrl, CTRL_GENERATION, 1);
      Atomics.notify(ctrl, CTRL_GENERATION);
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
    if (++polls < CALLER_SPIN_POLLS) continue;
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
