/**
 * The generic kernels of core/kernels/dense.wat on several threads: the calling thread plus
 * `threads − 1` Deno Workers (core/kernels/_dense_worker.ts) on the backend's one shared
 * `WebAssembly.Memory`. {@linkcode createDensePool} gives the backend an object with the kernels'
 * own signatures; a call of a kernel that can be cut, on enough work, becomes a job: the calling
 * thread writes the kernel's number and arguments into the control block, wakes the workers, runs
 * part 0 itself and waits until every worker has run its part ({@linkcode denseKernelPart}) and
 * counted it. Every other call runs on the calling thread as before.
 *
 * The cuts:
 *
 * - the matrix products by output columns, in blocks of 32: `dense_forward` (the forward pass and
 *   dX = dZ·Wᵀ) as `dense_forward_columns`, `dense_backward` (gB and gW) as
 *   `dense_backward_columns`, and the first layer's gradient and plain SGD update as
 *   `outer_columns` (sgd_first_layer's factors are made once, on the calling thread, first). So a
 *   thread reads and writes the same columns of W in the forward pass, the gradient and the update,
 *   and keeps them in its cache from step to step;
 * - weight decay, momentum and Adam by ranges of whole 16-value (64-byte) blocks.
 *
 * Everything else (the lists of non-zero values, transposes, activations, dropout, plain SGD of the
 * other layers, the softmax) runs on the calling thread, and so does a call on a small batch or a
 * small matrix ({@linkcode worthSplitting}): on the 2-vCPU machine of docs/kernels.md, every number
 * one core reads that the other wrote costs more than the work the second core saves on them.
 *
 * Every number is still computed by one thread, in the order one thread computes it, so the bytes
 * are those of one thread for every thread count (tests/backend_dense_wasm_test.ts).
 *
 * @module
 */

import { startKernelWorkers, stopKernelWorkers, waitForChange, waitForCount } from "./_worker_sync.ts";
import type { DenseKernelExports } from "./dense_kernels.ts";

/** The kernels a job can run, by their number in this list. */
export const SPLIT_KERNELS = [
  "dense_forward",
  "dense_backward",
  "first_layer_gradient",
  "sgd_first_layer",
  "weight_decay",
  "momentum",
  "adam",
] as const satisfies readonly (keyof DenseKernelExports)[];

/** A kernel that can be cut into parts. */
export type SplitKernel = typeof SPLIT_KERNELS[number];

/** Bytes of the control block the backend sets aside (64-byte aligned). */
export const DENSE_CONTROL_BYTES = 256;

/** Control words, as indices of an Int32Array at the control block. */
const GENERATION = 0;
const KERNEL = 1;
const DONE = 2;
const ERROR = 3;
const QUIT = 4;
const ARG_COUNT = 5;
/** The arguments, as float64 (every i32 and f64 argument is exact), from byte 64 of the block. */
const ARGS_BYTE = 64;
const MAX_ARGS = 16;

/**
 * A call is cut only for a batch of at least MIN_CUT_ROWS rows and a weight matrix (or array)
 * of at least MIN_CUT_VALUES values: below, handing the parts' numbers from one core to the
 * other costs more than the second core saves (784-128-10 ran 0.8–0.87 times as fast on two threads).
 */
export const MIN_CUT_ROWS = 8;
export const MIN_CUT_VALUES = 1 << 17;

/** Outputs of dense_forward are cut at multiples of this many: its blocks of 8 quads. */
const OUTPUT_BLOCK = 32;

/** Element ranges are cut at multiples of this many values: one 64-byte line. */
const VALUE_BLOCK = 16;

/** Polls before sleeping: a worker between jobs (about 0.1 ms), the calling thread waiting for parts. */
const WORKER_SPINS = 1 << 14;
const CALLER_SPINS = 1 << 13;

/** The first message a dense worker gets. */
export interface DenseWorkerInit {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  /** The control block's byte address. */
  readonly control: number;
  /** The worker's part, 1 ≤ thread < threads. */
  readonly thread: number;
  readonly threads: number;
  /**
   * The generation word when the pool started, read before any worker: the worker runs every job
   * published after it, even one published before the worker first looks at the word.
   */
  readonly generation: number;
}

/**
 * Whether a call is worth cutting: a batch of at least {@linkcode MIN_CUT_ROWS} rows through a
 * weight matrix of at least {@linkcode MIN_CUT_VALUES} values, or as many values element-wise.
 * The first layer's gradient and update are cut on the matrix's size alone.
 *
 * @param kernel The kernel.
 * @param args Its arguments, as the kernel takes them.
 * @returns true for a job of several parts.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { worthSplitting } from "./dense_threads.ts";
 * // (g, w, len, λ): weight decay of 784 × 512 values, and of 784 × 128
 * assert.ok(worthSplitting("weight_decay", [64, 128, 401_408, 1e-4]));
 * assert.ok(!worthSplitting("weight_decay", [64, 128, 100_352, 1e-4]));
 * ```
 */
export function worthSplitting(kernel: SplitKernel, args: readonly number[]): boolean {
  switch (kernel) {
    case "dense_forward": // (cnt, idx, val, n, I, O, …)
      return args[3] >= MIN_CUT_ROWS && args[4] * args[5] >= MIN_CUT_VALUES;
    case "dense_backward": // (dZ, n, I, O, gW, …): gB alone stays on one thread
      return args[1] >= MIN_CUT_ROWS && args[2] * args[3] >= MIN_CUT_VALUES && args[4] !== 0;
    case "first_layer_gradient": // (start, row, val, dZ0, D, H, g)
      return args[4] * args[5] >= MIN_CUT_VALUES;
    case "sgd_first_layer": // (w0, start, row, val, scaled, dZ0, D, H, lr)
      return args[6] * args[7] >= MIN_CUT_VALUES;
    default:
      return args[VALUE_COUNT_ARG[kernel]] >= MIN_CUT_VALUES;
  }
}

/**
 * The kernel and arguments of part `part` of `parts` of a call, or null when its share is empty:
 * the matrix products cut by output columns (blocks of {@linkcode OUTPUT_BLOCK}), so a thread reads
 * and writes the same columns of W (and of gW, b, z) in the forward pass, the gradients and the
 * first layer's update; the element-wise kernels by ranges of values.
 *
 * @param kernel The kernel.
 * @param args The whole call's arguments.
 * @param part 0 ≤ part < parts.
 * @param parts How many parts.
 * @returns The export to call and its arguments.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { denseKernelPart } from "./dense_threads.ts";
 * // the second half of 100 outputs: blocks 2 and 3 of 32, outputs 64 … 99
 * const args = [64, 128, 4096, 10, 784, 100, 0, 0, 8192];
 * assert.deepEqual(denseKernelPart("dense_forward", args, 1, 2), ["dense_forward_columns", [...args, 64, 100]]);
 * ```
 */
export function denseKernelPart(
  kernel: SplitKernel,
  args: readonly number[],
  part: number,
  parts: number,
): [keyof DenseKernelExports, number[]] | null {
  switch (kernel) {
    case "dense_forward": { // (cnt, idx, val, n, I, O, w, b, z) + (o0, o1)
      const [o0, o1] = _columnShare(args[5], part, parts);
      return o0 < o1 ? ["dense_forward_columns", [...args, o0, o1]] : null;
    }
    case "dense_backward": { // (dZ, n, I, O, gW, gB, start, row, val) + (o0, o1)
      const [o0, o1] = _columnShare(args[3], part, parts);
      return o0 < o1 ? ["dense_backward_columns", [...args, o0, o1]] : null;
    }
    case "first_layer_gradient": { // (start, row, val, dZ0, D, H, g) → outer_columns(start, row, val, D, H, dZ0, g, o0, o1)
      const [start, row, val, dZ0, inputs, hidden, g] = args, [o0, o1] = _columnShare(hidden, part, parts);
      return o0 < o1 ? ["outer_columns", [start, row, val, inputs, hidden, dZ0, g, o0, o1]] : null;
    }
    case "sgd_first_layer": { // (w0, start, row, val, scaled, dZ0, D, H, lr), scaled made before the job
      const [w0, start, row, , scaled, dZ0, inputs, hidden] = args,
        [o0, o1] = _columnShare(hidden, part, parts);
      return o0 < o1 ? ["outer_columns", [start, row, scaled, inputs, hidden, dZ0, w0, o0, o1]] : null;
    }
    default: { // element-wise: every address argument moves by the share's first value
      const a = args.slice(), lengthAt = VALUE_COUNT_ARG[kernel], length = args[lengthAt];
      const [b0, b1] = _share(Math.ceil(length / VALUE_BLOCK), part, parts);
      const e0 = b0 * VALUE_BLOCK, e1 = Math.min(length, b1 * VALUE_BLOCK);
      if (e0 >= e1) return null;
      for (let i = 0; i < lengthAt; i++) a[i] += 4 * e0;
      a[lengthAt] = e1 - e0;
      return [kernel, a];
    }
  }
}

/** Where the element-wise kernels take the number of values: after their addresses. */
const VALUE_COUNT_ARG = {
  weight_decay: 2, // (g, w, len, λ)
  momentum: 3, // (p, g, v, len, …)
  adam: 4, // (p, g, m, v, len, …)
} as const;

/** Part p of `parts` parts of count items: [⌊p·count/parts⌋, ⌊(p+1)·count/parts⌋). */
function _share(count: number, part: number, parts: number): [number, number] {
  return [Math.floor(part * count / parts), Math.floor((part + 1) * count / parts)];
}

/** Part p of `outputs` columns, in whole blocks of {@linkcode OUTPUT_BLOCK}: [o0, o1). */
function _columnShare(outputs: number, part: number, parts: number): [number, number] {
  const [b0, b1] = _share(Math.ceil(outputs / OUTPUT_BLOCK), part, parts);
  return [b0 * OUTPUT_BLOCK, Math.min(outputs, b1 * OUTPUT_BLOCK)];
}

/** Run part `part` of the job in the control block. */
function _runPart(
  kernels: DenseKernelExports,
  ctrl: Int32Array,
  args64: Float64Array,
  part: number,
  parts: number,
): void {
  const kernel = SPLIT_KERNELS[ctrl[KERNEL]], count = ctrl[ARG_COUNT];
  const job = denseKernelPart(kernel, Array.from(args64.subarray(0, count)), part, parts);
  if (job) (kernels[job[0]] as (...a: number[]) => void)(...job[1]);
}

/**
 * The control block's words (Int32) and arguments (Float64), as views of the shared memory.
 *
 * @param memory The shared memory.
 * @param control The block's byte address.
 */
export function denseControlViews(
  memory: WebAssembly.Memory,
  control: number,
): { ctrl: Int32Array; args64: Float64Array } {
  return {
    ctrl: new Int32Array(memory.buffer, control, ARGS_BYTE / 4),
    args64: new Float64Array(memory.buffer, control + ARGS_BYTE, MAX_ARGS),
  };
}

/**
 * Publish a job to the workers: its kernel and arguments, the count and error words cleared, then
 * the generation word moved on (which publishes the rest) and the sleeping workers woken.
 *
 * @param ctrl The control words ({@linkcode denseControlViews}).
 * @param args64 The arguments' block.
 * @param kernel The whole call's kernel; each thread runs its part ({@linkcode denseKernelPart}).
 * @param args The whole call's arguments.
 */
export function publishDenseJob(
  ctrl: Int32Array,
  args64: Float64Array,
  kernel: SplitKernel,
  args: readonly number[],
): void {
  ctrl[KERNEL] = SPLIT_KERNELS.indexOf(kernel);
  ctrl[ARG_COUNT] = args.length;
  args64.set(args);
  Atomics.store(ctrl, DONE, 0);
  Atomics.store(ctrl, ERROR, 0);
  Atomics.store(ctrl, GENERATION, (Atomics.load(ctrl, GENERATION) + 1) | 0);
  Atomics.notify(ctrl, GENERATION);
}

/**
 * Wait until `workers` workers have counted their part of the job.
 *
 * @param ctrl The control words.
 * @param workers How many count.
 * @param kernel The job's kernel, for the messages.
 * @throws {Error} When a worker's part failed, or they did not all count within PHASE_TIMEOUT_MS
 *   (core/kernels/_worker_sync.ts).
 */
export function waitForDenseParts(ctrl: Int32Array, workers: number, kernel: SplitKernel): void {
  waitForCount(ctrl, DONE, workers, CALLER_SPINS, `run "${kernel}"`);
  if (Atomics.load(ctrl, ERROR) !== 0) throw new Error(`Cannot run "${kernel}": a worker's part failed`);
}

/**
 * Stop dense workers: tell them to quit, wake them, terminate them.
 *
 * @param ctrl The control words.
 * @param workers Emptied.
 */
export function stopDenseWorkers(ctrl: Int32Array, workers: Worker[]): void {
  stopKernelWorkers(ctrl, QUIT, GENERATION, workers);
}

/**
 * The dense kernels on `threads` threads: start the workers and return the kernels with every
 * cuttable call cut ({@linkcode worthSplitting}).
 *
 * @param module The compiled core/kernels/dense.wasm.
 * @param memory The backend's shared memory.
 * @param kernels The calling thread's instance.
 * @param control The byte address of {@linkcode DENSE_CONTROL_BYTES} bytes set aside for the jobs.
 * @param threads T ≥ 2.
 * @returns The kernels; cutCalls(false) runs every call on the calling thread until cutCalls(true)
 *   (the same bytes either way); dispose() stops the workers.
 * @throws {Error} When a worker cannot start.
 */
export async function createDensePool(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  kernels: DenseKernelExports,
  control: number,
  threads: number,
): Promise<{ kernels: DenseKernelExports; cutCalls(on: boolean): void; dispose(): void }> {
  const { ctrl, args64 } = denseControlViews(memory, control);
  const generation = Atomics.load(ctrl, GENERATION);
  const workers = await startKernelWorkers(
    new URL("./_dense_worker.ts", import.meta.url),
    threads,
    (thread) => ({ module, memory, control, thread, threads, generation }) satisfies DenseWorkerInit,
  );
  /** A job: publish it, run part 0, wait for every worker's part (they all count, with or without work). */
  const job = (kernel: SplitKernel, args: number[]) => {
    if (kernel === "sgd_first_layer") kernels.scale_columns(args[1], args[3], args[4], args[6], args[8]); // its factors, once
    publishDenseJob(ctrl, args64, kernel, args);
    let failure: unknown = null;
    try {
      _runPart(kernels, ctrl, args64, 0, threads);
    } catch (error) {
      failure = error;
    }
    try {
      waitForDenseParts(ctrl, threads - 1, kernel); // before anything is reused
    } catch (error) {
      failure ??= error; // the calling thread's own error first
    }
    if (failure) throw failure;
  };
  let cutting = true;
  const cut = { ...kernels };
  for (const kernel of SPLIT_KERNELS) {
    const serial = kernels[kernel] as (...a: number[]) => void;
    (cut as Record<string, unknown>)[kernel] = (...args: number[]) => {
      if (cutting && worthSplitting(kernel, args)) job(kernel, args);
      else serial(...args);
    };
  }
  return {
    kernels: cut,
    cutCalls(on) {
      cutting = on;
    },
    dispose() {
      stopDenseWorkers(ctrl, workers);
    },
  };
}

/**
 * A dense worker's loop: wait for a job, run this thread's part, count it; until told to quit.
 *
 * @param kernels The worker's instance of the kernels on the shared memory.
 * @param memory The shared memory.
 * @param control The control block's byte address.
 * @param thread The worker's part.
 * @param threads T, the number of parts.
 * @param generation The generation word when the pool started ({@linkcode DenseWorkerInit}); not
 *   read here, since the first job may already be out (the worker would wait for the next forever).
 */
export function serveDenseJobs(
  kernels: DenseKernelExports,
  memory: WebAssembly.Memory,
  control: number,
  thread: number,
  threads: number,
  generation: number,
): void {
  const { ctrl, args64 } = denseControlViews(memory, control);
  let seen = generation;
  for (;;) {
    seen = waitForChange(ctrl, GENERATION, seen, WORKER_SPINS);
    if (Atomics.load(ctrl, QUIT) !== 0) return;
    try {
      _runPart(kernels, ctrl, args64, thread, threads);
    } catch {
      Atomics.store(ctrl, ERROR, 1);
    }
    Atomics.add(ctrl, DONE, 1);
    Atomics.notify(ctrl, DONE);
  }
}
