/**
 * The WebAssembly SIMD backend on several threads: the calling thread plus `threads − 1` Deno
 * Workers, all running the kernels of core/kernels/kernels.wat on one shared `WebAssembly.Memory`.
 *
 * Each thread has a lane of its own of the batch's buffers (x, the pixel lists, the sample masks),
 * and each task's hidden units have slabs of their own of w0, z0, a0 and dZ0, every lane and slab on
 * pages of its own (wasmLayout in core/kernels/backend_wasm.ts): two cores that write the same page,
 * or read what the other core just wrote, slow each other down (docs/kernels.md, "Threads' memory").
 *
 * loadImages and the lists phase are whole-batch phases: every thread fills its own lane with all n
 * rows, their pixel lists and every pixel's sample masks, straight from the images' bytes (loadImages
 * returns once the caller's lane is done; the next phase waits for the workers). A step that does not
 * follow loadImages (x may have been written through a view: the augmenter writes it so) first runs
 * the lists phase: every thread copies x into its lane, lists all n rows and builds the masks there.
 * The other phases are cut into `tasks` = min(16, 2T) tasks. A prediction is cut by rows: task τ of n
 * rows takes rows [⌊τ·n/tasks⌋, ⌊(τ+1)·n/tasks⌋) ({@linkcode taskRows}), lists, forward pass and
 * softmax, and the calling thread sums the rows' losses in row order. A training step's softmax runs
 * on the calling thread between the forward and backward phases: for a batch of 64 the kernel takes
 * a few µs, less than a phase of its own cost in hand-offs. The workers' home tasks are the first
 * ones, and the last forward task of the first half to finish adds b1 and the first half of the
 * chunks' partial logits (output_reduce_part), so the calling thread reads one sum a row of them.
 * Everything that touches w0 is cut by hidden units: task τ owns the units of chunks
 * {@linkcode taskChunks}, its slab, in both the forward phase (z0, a0,
 * partial logits) and the backward phase (dZ0, and the updates of their w1 rows, b0 entries and w0
 * columns), so no two tasks write the same number, and a thread keeps the same w0 columns in its
 * cache from step to step. Each thread has a home queue of tasks ({@linkcode queueTasks}); it claims
 * tasks from its own queue first, then steals from the others (Atomics.compareExchange on one word
 * per queue), so a worker that the operating system has not scheduled yet delays nothing: the caller
 * runs its tasks instead.
 *
 * None of this changes a result: a row's numbers are computed from that row and the parameters, a
 * unit's from that unit and the batch, every sum in a fixed order whichever task computes it. So the
 * bytes are the same for every thread count, every schedule, and core/kernels/backend_wasm.ts.
 *
 * The Backend interface is synchronous: the calling thread publishes a phase in the control words of
 * the shared memory, wakes the workers (Atomics.notify), serves tasks, then waits (Atomics.wait) until
 * every task is done. Both sides spin briefly before sleeping, so the phases of a training step usually
 * cost no system call.
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
  softmaxLoss,
  type WasmKernelExports,
  type WasmLayout,
  wasmLayout,
} from "./backend_wasm.ts";
import { startKernelWorkers, stopKernelWorkers, waitForCount } from "./_worker_sync.ts";
import { LimitError } from "../base/errors.ts";
import type { Activation } from "../network/network.ts";

/** The most threads a backend can use. */
export const MAX_THREADS = 16;

/**
 * Refuse a thread count outside [1, {@linkcode MAX_THREADS}].
 *
 * @param threads T.
 * @param action What refuses it, for the message ("create the wasm backend").
 * @throws {LimitError} For anything but an integer in [1, 16].
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkThreadCount } from "./backend_threads.ts";
 * assert.throws(() => checkThreadCount(17, "create a backend"), /thread count is 17/);
 * ```
 */
export function checkThreadCount(threads: number, action: string): void {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new LimitError(
      `Cannot ${action}: thread count is ${threads}, expected an integer in [1, ${MAX_THREADS}]`,
    );
  }
}

/** The most tasks a phase is cut into. */
const MAX_TASKS = 16;

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
/** Forward tasks of the first half (the first half of the chunks) finished in this phase. */
export const CTRL_FIRST_HALF_DONE = 6;
/** Where a prediction reads byte images (predictImages: row r at this address + 784 r), or 0 for x. */
export const CTRL_IMAGES = 7;
/** How many of the next batch's rows a gather phase fetches into cache. */
export const CTRL_NEXT_ROWS = 9;
export const CTRL_DONE = 16;
export const CTRL_QUEUES = 32;
/** Number of control words: 32 + 16 queues of 16 words. */
export const CTRL_WORDS = CTRL_QUEUES + 16 * MAX_THREADS;

/**
 * Phase commands: a training step's lists, forward and backward phases, a prediction, and
 * loadImages' conversion of copied bytes or of rows gathered from held images.
 */
export const CMD_LISTS = 1;
export const CMD_FORWARD = 2;
export const CMD_BACKWARD = 4;
export const CMD_PREDICT = 5;
export const CMD_LOAD = 6;
export const CMD_GATHER = 7;

/**
 * Polls of a control word (about 6 ns each) before a thread sleeps in Atomics.wait: about 100 µs for
 * a worker waiting for the next phase (longer than the calling thread's work between phases), about
 * 50 µs for the calling thread waiting for the last task (about one task). Spinning longer only
 * steals the core from a thread that needs it when the machine is busy.
 */
export const WORKER_SPIN_POLLS = 1 << 14;
export const CALLER_SPIN_POLLS = 1 << 13;

/** The first message a worker gets. */
export interface WorkerInit {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  /** Where the buffers are (the worker's lane). */
  readonly layout: WasmLayout;
  /** The worker's thread index t (its home queue), 1 ≤ t < threads. */
  readonly thread: number;
  readonly threads: number;
}

/**
 * The number of tasks a phase is cut into for T threads: two per thread, at most 16.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { taskCount } from "./backend_threads.ts";
 * assert.ok(taskCount(2) === 4 && taskCount(16) === 16);
 * ```
 */
export function taskCount(threads: number): number {
  return Math.min(MAX_TASKS, 2 * threads);
}

/**
 * The rows of task τ of `tasks` in a phase of n rows: [⌊τ·n/tasks⌋, ⌊(τ+1)·n/tasks⌋).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { taskRows } from "./backend_threads.ts";
 * assert.ok(taskRows(1, 4, 10).join() === "2,5");
 * ```
 */
export function taskRows(task: number, tasks: number, n: number): [number, number] {
  return [Math.floor(task * n / tasks), Math.floor((task + 1) * n / tasks)];
}

/**
 * The hidden chunks of task τ of `tasks` in the forward and backward phases:
 * [⌊τ·NC/tasks⌋, ⌊(τ+1)·NC/tasks⌋). Task τ gets the same chunks in both, so the thread that runs it
 * keeps those units' w0 columns in its cache.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { taskChunks } from "./backend_threads.ts";
 * assert.ok(taskChunks(3, 4).join() === "12,16");
 * ```
 */
export function taskChunks(task: number, tasks: number): [number, number] {
  return [Math.floor(task * HIDDEN_CHUNKS / tasks), Math.floor((task + 1) * HIDDEN_CHUNKS / tasks)];
}

/**
 * The home tasks of thread q of T: range r = (q − 1) mod T, [⌊r·tasks/T⌋, ⌊(r+1)·tasks/T⌋). The
 * workers take the first ranges and the calling thread (q = 0) the last, so that the first half of
 * the chunks, whose sum of partial logits a worker adds up in the forward phase, is a worker's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { queueTasks } from "./backend_threads.ts";
 * assert.ok(queueTasks(0, 2, 4).join() === "2,4" && queueTasks(1, 2, 4).join() === "0,2");
 * ```
 */
export function queueTasks(queue: number, threads: number, tasks: number): [number, number] {
  const range = (queue + threads - 1) % threads;
  return [Math.floor(range * tasks / threads), Math.floor((range + 1) * tasks / threads)];
}

/**
 * Claim and run the tasks of phase `generation` until none is left: the home queue first, then the
 * others in turn. Returns early when the phase is already over (a late worker). Every thread,
 * the calling one included, runs this.
 *
 * @param ctrl The control words.
 * @param ctrlFloat The same words as float32 (for the learning rate).
 * @param kernels This thread's instance of the kernels.
 * @param generation The phase.
 * @param home This thread's index.
 * @param threads T.
 */
export function servePhase(
  ctrl: Int32Array,
  ctrlFloat: Float32Array,
  kernels: WasmKernelExports,
  generation: number,
  home: number,
  threads: number,
): void {
  const tag = generation & 0xffffff, tasks = taskCount(threads);
  if (_wholeBatch(ctrl[CTRL_COMMAND])) {
    // this thread's lane, once: claim it on the home queue, unless the phase is another one's
    const word = CTRL_QUEUES + 16 * home, w = Atomics.load(ctrl, word);
    if (w >>> 8 !== tag || Atomics.compareExchange(ctrl, word, w, w + 1) !== w) return;
    _runLane(ctrl, kernels, home);
    Atomics.add(ctrl, CTRL_DONE, 1);
    Atomics.notify(ctrl, CTRL_DONE);
    return;
  }
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
      _runTask(ctrl, ctrlFloat, kernels, task, tasks);
      Atomics.add(ctrl, CTRL_DONE, 1);
      Atomics.notify(ctrl, CTRL_DONE);
    }
  }
}

/** The chunks of the first half of a phase's tasks, [0, this): their logits' sum is made in the forward phase. */
function _firstHalfChunks(tasks: number): number {
  return taskChunks(tasks / 2, tasks)[0];
}

/** The phases that every thread runs once over the whole batch, in its own lane, instead of tasks. */
function _wholeBatch(command: number): boolean {
  return command === CMD_LISTS || command === CMD_LOAD || command === CMD_GATHER;
}

/**
 * A whole-batch phase on thread `home`'s lane: the rows of x, their pixel lists and sample masks from
 * the images (gathered or copied in), or, when the caller wrote x, the lists and masks of the whole
 * batch after copying x into the lane.
 */
function _runLane(ctrl: Int32Array, kernels: WasmKernelExports, home: number): void {
  const n = ctrl[CTRL_ROWS], command = ctrl[CTRL_COMMAND];
  try {
    if (command === CMD_LISTS) {
      if (home !== 0) kernels.copy_rows(0, n);
      kernels.list_rows(n);
    } else if (command === CMD_GATHER) kernels.gather_batch(n, n + ctrl[CTRL_NEXT_ROWS]);
    else kernels.load_batch(n);
  } catch {
    Atomics.store(ctrl, CTRL_ERROR, 1);
  }
}

function _runTask(
  ctrl: Int32Array,
  ctrlFloat: Float32Array,
  kernels: WasmKernelExports,
  task: number,
  tasks: number,
): void {
  const n = ctrl[CTRL_ROWS], command = ctrl[CTRL_COMMAND];
  const [s0, s1] = taskRows(task, tasks, n), [c0, c1] = taskChunks(task, tasks);
  try {
    if (command === CMD_FORWARD) {
      kernels.forward_part(c0, c1, n);
      // the last task of the first half to finish adds b1 and the first half's partial logits, in
      // chunk order, so the calling thread reads one sum a row of them (output_reduce_part)
      const half = tasks / 2;
      if (task < half && Atomics.add(ctrl, CTRL_FIRST_HALF_DONE, 1) === half - 1) {
        kernels.output_reduce_part(0, n, 0, _firstHalfChunks(tasks));
      }
    } else if (command === CMD_BACKWARD) kernels.backward_part(c0, c1, n, ctrlFloat[CTRL_LR]);
    else if (command === CMD_PREDICT && s0 < s1) kernels.predict_rows(s0, s1, ctrl[CTRL_IMAGES]);
  } catch {
    Atomics.store(ctrl, CTRL_ERROR, 1);
  }
}

/**
 * Training steps timed in each mode before choosing, and steps run in the faster one before timing
 * again: KEEP_STEPS, doubled each time the same way wins again, up to 2^KEEP_DOUBLINGS times.
 */
export const TRY_STEPS = 64;
export const KEEP_STEPS = 512;
export const KEEP_DOUBLINGS = 3;

/**
 * Chooses, batch by batch, whether a training step runs on all threads or on the calling thread
 * alone, whichever has been faster lately: after {@linkcode KEEP_STEPS} steps on all threads (their
 * first steps are slow while V8 compiles the phases' JavaScript), it times {@linkcode TRY_STEPS}
 * steps each way (the time from one batch's start to the next, for batches of the same size, the
 * mean without the longest), keeps
 * the faster way for {@linkcode KEEP_STEPS} steps (twice as many each time it wins again, up to 8
 * times as many), and tries again. Both ways give the same bytes, so the choice changes
 * only the time. On the 2-vCPU machine of docs/kernels.md two threads ran 1.4 times as fast as one at
 * some moments and 0.87 times at others, minutes apart, depending on how far apart the host put the
 * two vCPUs.
 *
 * @param tryFor Steps timed each way.
 * @param keepFor Steps run the faster way before trying again.
 * @param now The clock, in ms.
 * @returns A function called at the start of each batch with its row count, true for all threads.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModeChooser } from "./backend_threads.ts";
 * let t = 0;
 * const choose = createModeChooser(2, 3, () => t);
 * const ways = [];
 * for (let step = 0; step < 20; step++) {
 *   const parallel = choose(64);
 *   ways.push(parallel ? "P" : "S");
 *   t += parallel ? 10 : 7; // one thread is faster here
 * }
 * // all threads first; timed both ways; one thread kept for 3 steps, then, winning again, for 6
 * assert.equal(ways.join(""), "PPP" + "PP" + "SS" + "SSS" + "PP" + "SS" + "SSSSSS");
 * ```
 */
export function createModeChooser(
  tryFor = TRY_STEPS,
  keepFor = KEEP_STEPS,
  now: () => number = () => performance.now(),
): (n: number) => boolean {
  // 0: timing all threads, 1: timing the calling thread, 2: keeping the faster; all threads first,
  // for keepFor steps, so that their JavaScript is compiled before they are timed
  let stage = 2, left = keepFor, parallel = true, keep = keepFor;
  let last = -1, lastRows = -1, lastStage = -1;
  let times: number[][] = [[], []];
  return (n) => {
    const t = now();
    if (last >= 0 && lastRows === n && lastStage < 2) times[lastStage].push(t - last);
    if (left === 0) {
      if (stage === 2) stage = 0;
      else if (stage === 0) stage = 1;
      else {
        const [all, one] = times.map(_meanButLongest);
        const next = !(one < all); // with no time for one way (NaN), all threads, as asked
        // the same way again: keep it twice as long, up to KEEP_DOUBLINGS times, since timing the
        // slower way costs most when it is much slower (a worker that shares its core with another)
        keep = next === parallel ? Math.min(2 * keep, keepFor << KEEP_DOUBLINGS) : keepFor;
        parallel = next;
        stage = 2;
        times = [[], []];
      }
      left = stage === 2 ? keep : tryFor;
    }
    left--;
    last = t;
    lastRows = n;
    lastStage = stage;
    return stage === 0 || (stage === 2 && parallel);
  };
}

/**
 * The mean of some step times without the longest one (an evaluation between epochs, say), NaN for
 * fewer than two. A mean, not a median: the waits for the augmenter's next chunk of images belong
 * to the way's cost (all threads slow the augmenter's worker down when it shares their cores).
 */
function _meanButLongest(values: number[]): number {
  if (values.length < 2) return NaN;
  return (values.reduce((a, b) => a + b, 0) - Math.max(...values)) / (values.length - 1);
}

/**
 * The wasm backend on `threads` threads: the caller and `threads − 1` workers.
 *
 * @param hidden H.
 * @param activation The hidden non-linearity.
 * @param capacity The largest batch N.
 * @param threads T, 1 to {@linkcode MAX_THREADS}; 1 starts no worker.
 * @param choose Called at the start of each training batch (loadImages, or a step on rows written
 *   into x) with its row count: true runs that step on all threads, false on the calling thread
 *   alone ({@linkcode createModeChooser}, whose choice changes no byte). Predictions always use all
 *   threads.
 * @returns A backend whose dispose() stops the workers; parameters are 0 until set.
 * @throws {LimitError} For a bad hidden size, activation, capacity or thread count.
 * @throws {InputFileError} When core/kernels/kernels.wasm cannot be read.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createThreadedBackend } from "./backend_threads.ts";
 * const b = await createThreadedBackend(8, "relu", 2, 2);
 * b.x.fill(0.5);
 * b.predict(null, 0, 2);
 * assert.ok(Math.abs(b.probs[0] - 0.1) < 1e-6); // zero weights: uniform probabilities
 * b.dispose();
 * ```
 */
export async function createThreadedBackend(
  hidden: number,
  activation: Activation,
  capacity: number,
  threads: number,
  choose: (n: number) => boolean = createModeChooser(),
): Promise<Backend> {
  checkBackendShape(hidden, activation, capacity);
  checkThreadCount(threads, "create the wasm backend");
  // one slab of w0, z0, a0 and dZ0 per task, and a lane of the batch per thread, so threads write
  // pages of their own
  const layout = { parts: threads === 1 ? 1 : taskCount(threads), lanes: threads };
  wasmLayout(hidden, capacity, layout); // refuse an oversized memory before reading the file
  const module = await loadKernelModule();
  const core = createWasmCore(module, hidden, activation, capacity, layout);
  const ctrl = new Int32Array(core.memory.buffer, CONTROL_OFFSET, CTRL_WORDS);
  const ctrlFloat = new Float32Array(core.memory.buffer, CONTROL_OFFSET, CTRL_WORDS);
  const workers = await startKernelWorkers(
    new URL("./_thread_worker.ts", import.meta.url),
    threads,
    (thread) => ({ module, memory: core.memory, layout: core.layout, thread, threads }) satisfies WorkerInit,
  );
  const k = core.kernels, tasks = taskCount(threads);
  let generation = 0, pending = 0;

  /** Wait until the workers have filled their lanes, when the caller did not wait (pending lanes). */
  const settle = () => {
    if (pending === 0) return;
    const count = pending;
    pending = 0;
    waitForCount(ctrl, CTRL_DONE, count, CALLER_SPIN_POLLS, "load images");
    if (Atomics.load(ctrl, CTRL_ERROR) !== 0) throw new Error("Cannot load images: a kernel failed");
  };

  /**
   * Publish a phase, serve its tasks with the workers, and wait until all are done; or, with
   * wait = false (for filling every lane with a batch), return once the caller's lane is done and let
   * the next phase or {@linkcode settle} wait for the workers'.
   */
  const run = (command: number, n: number, lr: number, wait = true) => {
    settle();
    generation = (generation + 1) | 0;
    ctrl[CTRL_COMMAND] = command;
    ctrl[CTRL_ROWS] = n;
    ctrlFloat[CTRL_LR] = lr;
    Atomics.store(ctrl, CTRL_ERROR, 0);
    Atomics.store(ctrl, CTRL_DONE, 0);
    Atomics.store(ctrl, CTRL_FIRST_HALF_DONE, 0);
    const tag = (generation & 0xffffff) << 8, whole = _wholeBatch(command);
    for (let q = 0; q < threads; q++) {
      Atomics.store(ctrl, CTRL_QUEUES + 16 * q, tag | (whole ? 0 : queueTasks(q, threads, tasks)[0]));
    }
    Atomics.store(ctrl, CTRL_GENERATION, generation); // publishes the words above to the workers
    Atomics.notify(ctrl, CTRL_GENERATION);
    servePhase(ctrl, ctrlFloat, k, generation, 0, threads);
    if (!wait) {
      pending = threads;
      return;
    }
    waitForCount(ctrl, CTRL_DONE, whole ? threads : tasks, CALLER_SPIN_POLLS, "run a step");
    if (Atomics.load(ctrl, CTRL_ERROR) !== 0) throw new Error("Cannot run a step: a kernel failed");
  };

  const serial = (n: number) => workers.length === 0 || n < MIN_PARALLEL_ROWS;
  // a training step's way, chosen at the start of its batch: the lanes hold that batch only if it
  // was loaded or listed on all threads, so its forward and backward phases must go the same way
  let stepSerial = true;
  const startBatch = (n: number) => {
    stepSerial = serial(n) || !choose(n);
    return stepSerial;
  };

  return backendOnCore(core, {
    lists(n) {
      if (startBatch(n)) k.list_rows(n);
      else run(CMD_LISTS, n, 0);
    },
    forward(n) {
      if (stepSerial) {
        k.forward_part(0, HIDDEN_CHUNKS, n);
        return 0;
      }
      run(CMD_FORWARD, n, 0);
      return _firstHalfChunks(tasks); // b1 and the first half's chunks are in the logits
    },
    backward(n, lr) {
      if (stepSerial) k.backward_part(0, HIDDEN_CHUNKS, n, lr);
      else run(CMD_BACKWARD, n, lr);
    },
    load(n) {
      if (startBatch(n)) k.load_batch(n); // the step runs on the calling thread's lane alone
      else run(CMD_LOAD, n, 0, false);
    },
    gather(n, next) {
      if (startBatch(n)) k.gather_batch(n, n + next);
      else {
        ctrl[CTRL_NEXT_ROWS] = next;
        run(CMD_GATHER, n, 0, false);
      }
    },
    settle,
    predict(labels, offset, n, images) {
      if (serial(n)) return predictOnThisThread(core, labels, offset, n, images);
      ctrl[CTRL_IMAGES] = images;
      run(CMD_PREDICT, n, 0);
      return labels ? softmaxLoss(core, labels, offset, n) : 0;
    },
    dispose() {
      stopKernelWorkers(ctrl, CTRL_QUIT, CTRL_GENERATION, workers);
    },
  });
}
