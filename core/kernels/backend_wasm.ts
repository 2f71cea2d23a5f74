/**
 * The WebAssembly SIMD backend: the kernels of core/kernels/kernels.wat on buffers in wasm linear memory.
 *
 * Shapes as in core/network/network.ts: N = batch size, D = 784 pixels, H = hidden units, K = 10 classes;
 * row-major float32. Every buffer (parameters, batch input, workspace) is allocated once in one
 * `WebAssembly.Memory`, and the backend's `params`, `x` and `probs` are `Float32Array` views of it:
 * nothing is copied per step. Everything runs in wasm but the loss's logarithm: the softmax kernel
 * computes what core/network/loss.ts's `softmaxRow` does, in float64, and leaves each row's largest
 * logit and sum of exponentials, from which {@linkcode softmaxLoss} takes the loss.
 *
 * A training step is four phases: lists (each row's non-zero pixels, each pixel's samples), forward
 * (z0, a0 and partial logits of each chunk of hidden units), softmax (each row's logits and softmax)
 * and backward (dZ0 and the updates of each chunk's units). This module runs them on the calling
 * thread; core/kernels/backend_threads.ts cuts lists, forward and backward into parts for several
 * threads (rows, or hidden units for everything that touches w0), runs the softmax on the calling
 * thread, and gives the same bytes. See docs/kernels.md.
 *
 * @module
 */

import { type Backend, checkBatchCall, checkImageRows } from "./backend.ts";
import { LimitError } from "../base/errors.ts";
import { compileWasmFile } from "./wasm_file.ts";
import { type Activation, D, K, type Params } from "../network/network.ts";
import { createOptimizer, DEFAULT_OPTIMIZER } from "../network/optimizers.ts";

/** NC, the fixed number of chunks the hidden units are cut into for the logits' sums (see kernels.wat). */
export const HIDDEN_CHUNKS = 16;

/** The largest wasm memory a backend may allocate, in bytes (2 GiB). */
export const MAX_WASM_BYTES = 2 ** 31;

/** Byte offset of the thread control words in wasm memory; they must end before byte 2048, where the
 * kernels keep their scan table (see core/kernels/kernels.wat). */
export const CONTROL_OFFSET = 256;

/** Pixels per group of $sample_masks' pixel ranges (it takes whole groups; bench/thread_memory.ts cuts them). */
export const PIXEL_GROUP = 16;

/** Bytes of wasm memory before the first buffer: the kernels' header, then the control words. */
const HEADER_BYTES = 4096;
/** Words of the kernels' header (core/kernels/kernels.wat), and the one that holds the held images' address. */
const HEADER_WORDS = 29;
const HEADER_HELD = 20;
/**
 * Byte offset of the kernels' part table, right after the control words: one entry of
 * PART_ENTRY_BYTES per part, at most NC parts, ending at byte 1920.
 */
export const PART_TABLE = 1408;
export const PART_ENTRY_BYTES = 32;
/** Memory page of the operating system: each part's slab starts on one, so no page holds two parts. */
const OS_PAGE_BYTES = 4096;
/** The most lanes of a batch's buffers: one per thread of the threaded backend. */
export const MAX_LANES = 16;

/** How the threads of the threaded backend share the memory; see {@linkcode wasmLayout}. */
export interface ThreadLayout {
  /** P, the slabs of the hidden units' columns (one per task), 1 to NC; default 1. */
  readonly parts?: number;
  /** L, the lanes of the batch's buffers (one per thread), 1 to MAX_LANES; default 1. */
  readonly lanes?: number;
}
const PAGE_BYTES = 65536;
/** Row stride of the per-chunk partial logits: K padded to 3 quads. */
const PARTIAL_FLOATS = 12;

/** Where each buffer lives in wasm memory: byte offsets, as written in the kernels' header. */
export interface WasmLayout {
  /** H. */
  readonly hidden: number;
  /** The largest batch N. */
  readonly capacity: number;
  /** Size of the memory in 64 KiB pages. */
  readonly pages: number;
  /**
   * P, the parts the hidden units are laid out in: part p holds the units of chunks
   * [⌊p·NC/P⌋, ⌊(p+1)·NC/P⌋), [partStart[p], partStart[p + 1]), and its columns of w0, z0, a0 and dZ0
   * lie in slabs of their own with rows of `stride` bytes. With P = 1 the slabs are the (D, H) and
   * (capacity, H) buffers themselves.
   */
  readonly parts: number;
  readonly partStart: readonly number[];
  /** Row stride in bytes of each slab: 4H for one part, else 4 × the widest part rounded up to 64. */
  readonly stride: number;
  /** The slabs of w0: part p's at w0Parts + p · w0PartBytes. With one part, w0Parts = w0. */
  readonly w0Parts: number;
  readonly w0PartBytes: number;
  /** Bytes from one part's slab of z0, a0 or dZ0 to the next. */
  readonly rowPartBytes: number;
  /**
   * L, the lanes of the batch's buffers x, nzIdx, nzVal, nzCount and masks: lane t (thread t's)
   * is laneBytes after lane t − 1; lane 0, at the addresses below, is the calling thread's.
   */
  readonly lanes: number;
  readonly laneBytes: number;
  /** w0 (D, H), b0 (H), w1 (H, K), b1 (K): with several parts, w0 is the copy TypeScript reads and writes. */
  readonly w0: number;
  readonly b0: number;
  readonly w1: number;
  readonly b1: number;
  /** x (capacity, D). */
  readonly x: number;
  /** z0, a0, dZ0: (capacity, H), or part 0's slab of each with several parts. */
  readonly z0: number;
  readonly a0: number;
  readonly dZ0: number;
  /** logits, probs, dLogits: (capacity, K). */
  readonly logits: number;
  readonly probs: number;
  readonly dLogits: number;
  /** Partial logits of each hidden chunk, (NC, capacity, 12). */
  readonly partials: number;
  /** w1 by quads of hidden units, (⌈H/4⌉, K, 4): how delta_rows reads w1. */
  readonly w1Q: number;
  /** Per-sample lists of non-zero pixels: w0 row offsets (capacity, D) i32, values (capacity, D), counts (capacity) i32. */
  readonly nzIdx: number;
  readonly nzVal: number;
  readonly nzCount: number;
  /** Per-pixel bit masks of the samples that have it, (ceil(capacity / 64), D) i64. */
  readonly masks: number;
  /**
   * Per group of 16 pixels and row, the bits of its non-zero pixels, (49, ceil(capacity / 64) · 64)
   * u16: what listing a batch keeps for the masks (masks_from_bits in kernels.wat).
   */
  readonly groupBits: number;
  /** Images as bytes, (capacity, D) u8, which load_batch turns into rows of x. */
  readonly pixels: number;
  /**
   * For the softmax: a step's classes (capacity) u8, and each row's largest logit and sum of
   * exponentials (capacity, 2) f64.
   */
  readonly labels: number;
  readonly rowStats: number;
  /** Which held image each row of x is gathered from, then the next batch's, (2 capacity) i32. */
  readonly rows: number;
}

/** The functions core/kernels/kernels.wasm exports (see the comments in core/kernels/kernels.wat). */
export interface WasmKernelExports {
  /** Writes the scans' swizzle table into the header; called once per memory, before any kernel. */
  init(): void;
  /**
   * x[s, i] = pixels[s, i] / 255 for rows [0, n), with their pixel lists and sample masks (those of
   * scan and sample_masks of that x), in this instance's lane.
   */
  load_batch(n: number): void;
  /**
   * load_batch of rows [0, n) from held[rows[s]], the images of holdImages; then touches the held
   * images of rows[t] for t in [n, t1) (the next batch's) so they are in cache next time.
   */
  gather_batch(n: number, t1: number): void;
  /** This instance's lane: the byte distance from lane 0's x, lists and masks to its own. */
  set_lane(bytes: number): void;
  /** Rows [s0, s1) of this instance's lane of x = those of x (lane 0). */
  copy_rows(s0: number, s1: number): void;
  /** Lists the non-zero pixels of rows [s0, s1) of x. */
  scan(s0: number, s1: number): void;
  /**
   * Lists the non-zero pixels of rows [s0, s1) from byte images, row s at byte address images + 784 s,
   * as load_batch would, without writing x or the masks.
   */
  scan_pixels(s0: number, s1: number, images: number): void;
  /** z0 and a0 of hidden units [j0, j1) for rows [s0, s1). */
  hidden_forward(j0: number, j1: number, s0: number, s1: number): void;
  /** w1Q = w1 by quads of hidden units, which delta_rows reads; call it whenever w1 may have changed. */
  transpose_w1(): void;
  /** First hidden unit of chunk c; chunk_start(NC) = H. */
  chunk_start(c: number): number;
  /** Partial logits of chunks [c0, c1) for rows [s0, s1). */
  output_partial(c0: number, c1: number, s0: number, s1: number): void;
  /** logits = b1 + the partials of every chunk, in chunk order, for rows [s0, s1). */
  output_reduce(s0: number, s1: number): void;
  /**
   * output_reduce's additions of chunks [c0, c1) only, for rows [s0, s1): from b1 when c0 = 0, else
   * from the logits the chunks before c0 left.
   */
  output_reduce_part(s0: number, s1: number, c0: number, c1: number): void;
  /** logits = a0·w1 + b1 for rows [s0, s1): output_partial of every chunk, then output_reduce. */
  output_forward(s0: number, s1: number): void;
  /** hidden_forward of every unit, then output_forward, for rows [s0, s1). */
  forward_rows(s0: number, s1: number): void;
  /**
   * scan (or, when images is not 0, scan_pixels of the images there), then forward_rows, then
   * softmax_rows without dLogits, for rows [s0, s1).
   */
  predict_rows(s0: number, s1: number, images: number): void;
  /**
   * The softmax of rows [s0, s1) from their logits, in float64 as softmaxRow computes it: probs, each
   * row's largest logit and sum of exponentials (rowStats), and when n > 0 dLogits = (probs − onehot) / n
   * with the classes in the labels buffer.
   */
  softmax_rows(s0: number, s1: number, n: number): void;
  /** e^x by fdlibm's method, as softmax_rows computes it (for the tests). */
  exp_f64(x: number): number;
  /** dZ0 = (dLogits·w1ᵀ) ⊙ act'(z0) for rows [s0, s1) and hidden units [j0, j1) (w1Q current). */
  delta_rows(s0: number, s1: number, j0: number, j1: number): void;
  /** b1 -= lr Σ dLogits. */
  bias1_update(n: number, lr: number): void;
  /** The w1 rows and b0 entries of hidden units [j0, j1): θ -= lr Σ over the batch. */
  hidden_update(j0: number, j1: number, n: number, lr: number): void;
  /** The sample masks of pixels [i0, i1) (multiples of 16) for the first n rows of x. */
  sample_masks(i0: number, i1: number, n: number): void;
  /** w0[:, j0..j1) -= lr xᵀ·dZ0[:, j0..j1), over the samples set in each pixel's masks. */
  input_update(j0: number, j1: number, n: number, lr: number): void;
  /** The w0 update of a batch of one, over row 0's pixel list. */
  input_update_one(lr: number): void;
  /** scan and sample_masks of rows [0, n) of x in one pass (for rows the caller wrote into x). */
  list_rows(n: number): void;
  /** hidden_forward of the units of chunks [c0, c1) and their output_partial, for n rows. */
  forward_part(c0: number, c1: number, n: number): void;
  /** delta_rows, hidden_update and input_update of the units of chunks [c0, c1), for n > 1 rows. */
  backward_part(c0: number, c1: number, n: number, lr: number): void;
}

/** A wasm instance with its memory laid out for one network, and typed views of every buffer. */
export interface WasmCore {
  readonly memory: WebAssembly.Memory;
  readonly layout: WasmLayout;
  readonly kernels: WasmKernelExports;
  readonly activation: Activation;
  /**
   * w0, b0, w1, b1: views of wasm memory. With several parts the kernels keep w0 in the parts' slabs
   * and `params.w[0]` is a copy: reading `params.w` copies the slabs out first when a step changed
   * them, and the next {@linkcode WasmCore.prepareParams} copies it back in. So read `params.w` afresh
   * after a step, as `loadParams` and the weights' writer do, rather than keep the array.
   */
  readonly params: Params;
  /** Before kernels run: with several parts, copy `params.w[0]` into the slabs if it was read since. */
  prepareParams(): void;
  /** After a training step: the kernels changed w0, so the next read of `params.w` copies it out. */
  paramsUpdated(): void;
  /**
   * Views of the batch buffers: x (capacity, D); z0, a0, dZ0 (capacity, H); logits, probs, dLogits
   * (capacity, K). With several parts, z0, a0 and dZ0 are copies gathered from the slabs when read.
   */
  readonly x: Float32Array;
  readonly z0: Float32Array;
  readonly a0: Float32Array;
  readonly dZ0: Float32Array;
  readonly logits: Float32Array;
  readonly probs: Float32Array;
  readonly dLogits: Float32Array;
  /** A step's classes, (capacity), for softmax_rows' dLogits. */
  readonly labels: Uint8Array;
  /** Each row's largest logit and sum of exponentials, (capacity, 2), written by softmax_rows. */
  readonly rowStats: Float64Array;
  /** View of the byte images, (capacity, D). */
  readonly pixels: Uint8Array;
  /** View of the row indices of gather_batch, (2 capacity): this batch's, then the next one's. */
  readonly rows: Int32Array;
  /** The images last held by {@linkcode WasmCore.holdImages}, or null. */
  readonly heldImages: Uint8Array | null;
  /** The byte address of the held images in wasm memory (0 when none). */
  readonly heldAt: number;
  /**
   * Copy images (bytes, D per image) to the end of wasm memory, growing it, for gather_batch; the
   * region is reused by the next array held. Holding the array already held does nothing.
   *
   * @throws {LimitError} When the bytes are not whole images, or memory would exceed
   *   {@linkcode MAX_WASM_BYTES}.
   */
  holdImages(pixels: Uint8Array): void;
}

/**
 * How a backend runs the phases of a training step (n > 1 rows) and the rows of loading and
 * predicting. A step is lists, forward, then the softmax and b1's update on the calling thread
 * ({@linkcode softmaxOnThisThread}), then backward; see {@linkcode backendOnCore}.
 */
export interface PhaseRunner {
  /**
   * The pixel lists of the n rows and the sample masks of every pixel (list_rows), in every lane
   * the step uses, each thread first copying the rows of x (the calling thread's lane) into its own:
   * for a step whose rows the caller wrote into x (a load or gather lists them itself).
   */
  lists(n: number): void;
  /**
   * z0, a0 and the partial logits of every chunk for the n rows (forward_part); returns how many
   * chunks, from the first, the logits already hold (output_reduce_part; 0 when none).
   */
  forward(n: number): number;
  /** dZ0 (w1Q current), then the updates of w1, b0 and w0, every chunk (backward_part). */
  backward(n: number, lr: number): void;
  /**
   * load_batch of the first n rows into every lane a step of n rows uses: the rows with their lists
   * and masks.
   */
  load(n: number): void;
  /**
   * gather_batch of the first n rows (their indices already in the rows buffer) into every lane a
   * step of n rows uses, touching the next batch's `next` images (indices n to n + next − 1 of the
   * buffer).
   */
  gather(n: number, next: number): void;
  /**
   * predict_rows over the first n rows, from x (images = 0) or from the byte images at that address
   * (row r at images + 784 r); returns the summed loss, summed in row order (0 without labels).
   */
  predict(labels: ArrayLike<number> | null, offset: number, n: number, images: number): number;
  /**
   * Wait until the workers are done with the batch the last load or gather handed them (those
   * return before the workers finish): before the caller writes what they read.
   */
  settle?(): void;
  /** Release what the runner holds (workers). */
  dispose(): void;
}

/**
 * Check the arguments every backend factory takes.
 *
 * @param name The backend, for the message: "wasm" or "ts".
 * @throws {LimitError} When hidden or capacity is not a positive integer, or the activation is unknown.
 */
export function checkBackendShape(
  hidden: number,
  activation: Activation,
  capacity: number,
  name = "wasm",
): void {
  if (!Number.isInteger(hidden) || hidden < 1) {
    throw new LimitError(
      `Cannot create the ${name} backend: hidden size is ${hidden}, expected a positive integer`,
    );
  }
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new LimitError(
      `Cannot create the ${name} backend: capacity is ${capacity}, expected a positive integer`,
    );
  }
  if (activation !== "relu" && activation !== "sigmoid") {
    throw new LimitError(
      `Cannot create the ${name} backend: activation is "${activation}", expected "relu" or "sigmoid"`,
    );
  }
}

/**
 * The first hidden unit of chunk c of the logits' sums: 4⌊c·Q/NC⌋ with Q = ⌈H/4⌉ quads, at most H
 * (the kernels' $chunk_start).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chunkStart } from "./backend_wasm.ts";
 * assert.ok(chunkStart(1, 128) === 8 && chunkStart(16, 130) === 130);
 * ```
 */
export function chunkStart(c: number, hidden: number): number {
  return Math.min(hidden, 4 * Math.floor(c * Math.ceil(hidden / 4) / HIDDEN_CHUNKS));
}

/**
 * Lay out every buffer of a network in wasm memory, each on a 64-byte boundary.
 *
 * With several parts (one per task of the threaded backend), each part's columns of w0, z0, a0 and
 * dZ0 get slabs of their own, each starting on a page of the operating system: two threads that
 * write different parts then never write the same page. Sharing pages cost more than the second
 * thread gained (docs/kernels.md, "Why two threads lose").
 *
 * @param hidden H.
 * @param capacity The largest batch N.
 * @param threads How the threads share the memory: `parts`, 1 to NC, and `lanes`, 1 to
 *   {@linkcode MAX_LANES} (one per thread: each thread's own x, pixel lists and sample masks).
 * @returns Byte offsets and the size in pages.
 * @throws {LimitError} When hidden or capacity is not a positive integer, parts or lanes is out of
 *   range, or the memory would exceed {@linkcode MAX_WASM_BYTES}.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wasmLayout } from "./backend_wasm.ts";
 * const layout = wasmLayout(128, 64);
 * assert.ok(layout.b0 - layout.w0 === 784 * 128 * 4);
 * ```
 */
export function wasmLayout(
  hidden: number,
  capacity: number,
  { parts = 1, lanes = 1 }: ThreadLayout = {},
): WasmLayout {
  checkBackendShape(hidden, "relu", capacity);
  if (!Number.isInteger(parts) || parts < 1 || parts > HIDDEN_CHUNKS) {
    throw new LimitError(
      `Cannot create the wasm backend: ${parts} parts of the hidden units, expected an integer in [1, ${HIDDEN_CHUNKS}]`,
    );
  }
  if (!Number.isInteger(lanes) || lanes < 1 || lanes > MAX_LANES) {
    throw new LimitError(
      `Cannot create the wasm backend: ${lanes} lanes of the batch, expected an integer in [1, ${MAX_LANES}]`,
    );
  }
  let end = HEADER_BYTES;
  const take = (bytes: number, align = 64): number => {
    const at = Math.ceil(end / align) * align;
    end = at + Math.ceil(bytes / 64) * 64;
    return at;
  };
  const H = hidden, N = capacity;
  const partStart = Array.from(
    { length: parts + 1 },
    (_, p) => chunkStart(Math.floor(p * HIDDEN_CHUNKS / parts), H),
  );
  const widest = Math.max(...partStart.slice(1).map((e, p) => e - partStart[p]));
  const stride = parts === 1 ? 4 * H : Math.ceil(4 * widest / 64) * 64;
  const pageUp = (bytes: number) => Math.ceil(bytes / OS_PAGE_BYTES) * OS_PAGE_BYTES;
  const w0PartBytes = parts === 1 ? D * stride : pageUp(D * stride);
  const rowPartBytes = parts === 1 ? N * stride : pageUp(N * stride);
  // several parts: page-aligned slabs, and a page of slack after them (the last units' quads read past a row)
  const slabs = (bytes: number) =>
    parts === 1 ? take(bytes) : take(parts * bytes + OS_PAGE_BYTES, OS_PAGE_BYTES);
  const w0 = take(D * H * 4);
  const w0Parts = parts === 1 ? w0 : slabs(w0PartBytes);
  const b0 = take(H * 4), w1 = take(H * K * 4), b1 = take(K * 4);
  // the lane of the batch's buffers: x, the lists, the masks and the group bits, one after another;
  // several lanes start on pages and follow each other every laneBytes
  const x = take(N * D * 4, lanes === 1 ? 64 : OS_PAGE_BYTES);
  const nzIdx = take(N * D * 4), nzVal = take(N * D * 4), nzCount = take(N * 4);
  const masks = take(Math.ceil(N / 64) * D * 8);
  const groupBits = take((D / PIXEL_GROUP) * Math.ceil(N / 64) * 64 * 2);
  const laneBytes = lanes === 1 ? end - x : pageUp(end - x);
  end = x + lanes * laneBytes;
  const layout = {
    hidden,
    capacity,
    parts,
    partStart,
    stride,
    w0Parts,
    w0PartBytes,
    rowPartBytes,
    lanes,
    laneBytes,
    w0,
    b0,
    w1,
    b1,
    x,
    nzIdx,
    nzVal,
    nzCount,
    masks,
    groupBits,
    z0: slabs(rowPartBytes),
    a0: slabs(rowPartBytes),
    dZ0: slabs(rowPartBytes),
    logits: take(N * K * 4),
    probs: take(N * K * 4),
    dLogits: take(N * K * 4),
    partials: take(HIDDEN_CHUNKS * N * PARTIAL_FLOATS * 4),
    w1Q: take(Math.ceil(H / 4) * K * 16),
    pixels: take(N * D),
    labels: take(N),
    rowStats: take(N * 16),
    rows: take(2 * N * 4),
    pages: 0,
  };
  if (end > MAX_WASM_BYTES) {
    throw new LimitError(
      `Cannot create the wasm backend: hidden size ${hidden} and capacity ${capacity} need ${end} bytes, ` +
        `expected at most ${MAX_WASM_BYTES}`,
    );
  }
  layout.pages = Math.ceil(end / PAGE_BYTES);
  return layout;
}

/**
 * Read and compile core/kernels/kernels.wasm (built from core/kernels/kernels.wat by scripts/build_wasm.ts).
 *
 * @returns The compiled module, which can be instantiated many times and posted to workers.
 * @throws {InputFileError} When the file cannot be read.
 * @throws {FormatError} When it is not a valid wasm module for this engine.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadKernelModule } from "./backend_wasm.ts";
 * const module = await loadKernelModule();
 * assert.ok(WebAssembly.Module.exports(module).some((e) => e.name === "scan"));
 * ```
 */
export function loadKernelModule(): Promise<WebAssembly.Module> {
  return compileWasmFile(new URL("./kernels.wasm", import.meta.url), "wasm kernels");
}

/**
 * Instantiate the kernels on a memory that a {@linkcode WasmLayout} has been written to.
 *
 * @param module From {@linkcode loadKernelModule}.
 * @param memory A memory laid out by {@linkcode createWasmCore}.
 */
export function instantiateKernels(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
): WasmKernelExports {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as WasmKernelExports;
}

/**
 * Allocate a shared wasm memory for one network, write the kernels' header and instantiate them.
 * Parameters start at 0. The memory is shared (the module imports a shared memory), so workers can
 * instantiate the same module on it.
 *
 * @param module From {@linkcode loadKernelModule}.
 * @param hidden H.
 * @param activation The hidden non-linearity.
 * @param capacity The largest batch N.
 * @param threads The parts and lanes of the threaded backend (see {@linkcode wasmLayout}); none by default.
 * @returns The instance with views of every buffer.
 * @throws {LimitError} For a bad hidden size, capacity, activation or part count, or a memory over the cap.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createWasmCore, loadKernelModule } from "./backend_wasm.ts";
 * const core = createWasmCore(await loadKernelModule(), 8, "relu", 2);
 * assert.ok(core.params.w[0].buffer === core.memory.buffer);
 * ```
 */
export function createWasmCore(
  module: WebAssembly.Module,
  hidden: number,
  activation: Activation,
  capacity: number,
  threads: ThreadLayout = {},
): WasmCore {
  checkBackendShape(hidden, activation, capacity);
  const layout = wasmLayout(hidden, capacity, threads);
  // growable up to the cap, for holdImages; a shared memory never moves, so views stay valid
  const memory = new WebAssembly.Memory({
    initial: layout.pages,
    maximum: MAX_WASM_BYTES / PAGE_BYTES,
    shared: true,
  });
  const header = new Int32Array(memory.buffer, 0, HEADER_WORDS);
  header.set([
    hidden,
    activation === "relu" ? 0 : 1,
    HIDDEN_CHUNKS,
    capacity,
    layout.w0,
    layout.b0,
    layout.w1,
    layout.b1,
    layout.x,
    layout.z0,
    layout.a0,
    layout.logits,
    layout.dLogits,
    layout.dZ0,
    layout.partials,
    layout.nzIdx,
    layout.nzVal,
    layout.nzCount,
    layout.masks,
    layout.pixels,
    0, // held images: none yet
    layout.rows,
    layout.stride,
    layout.parts,
    layout.w1Q,
    layout.probs,
    layout.labels,
    layout.rowStats,
    layout.groupBits,
  ]);
  // the part table: first unit, end unit, then the bases of w0, z0, a0, dZ0 (slab − 4 · first unit)
  const table = new Int32Array(memory.buffer, PART_TABLE, layout.parts * PART_ENTRY_BYTES / 4);
  for (let p = 0; p < layout.parts; p++) {
    const first = layout.partStart[p], shift = 4 * first;
    table.set([
      first,
      layout.partStart[p + 1],
      layout.w0Parts + p * layout.w0PartBytes - shift,
      layout.z0 + p * layout.rowPartBytes - shift,
      layout.a0 + p * layout.rowPartBytes - shift,
      layout.dZ0 + p * layout.rowPartBytes - shift,
    ], p * PART_ENTRY_BYTES / 4);
  }
  const kernels = instantiateKernels(module, memory);
  kernels.init();
  const f32 = (at: number, length: number) => new Float32Array(memory.buffer, at, length);
  const H = hidden, N = capacity;
  let held: Uint8Array | null = null, heldAt = 0;
  const w = [f32(layout.w0, D * H), f32(layout.w1, H * K)], b = [f32(layout.b0, H), f32(layout.b1, K)];
  const slabs = layout.parts === 1 ? null : partSlabs(memory, layout);
  // with several parts: who has the latest w0, the slabs (after a step) or params.w[0] (after a read)
  let slabsNewer = false, viewNewer = false;
  const params: Params = slabs
    ? {
      sizes: [D, H, K],
      b,
      get w() {
        if (slabsNewer) slabs.copy(w[0], D, layout.w0Parts, layout.w0PartBytes, "out");
        slabsNewer = false;
        viewNewer = true; // the caller may write it
        return w;
      },
    }
    : { sizes: [D, H, K], w, b };
  const z0 = f32(layout.z0, N * H), a0 = f32(layout.a0, N * H), dZ0 = f32(layout.dZ0, N * H);
  return {
    memory,
    layout,
    kernels,
    activation,
    params,
    prepareParams() {
      if (slabs && viewNewer) slabs.copy(w[0], D, layout.w0Parts, layout.w0PartBytes, "in");
      viewNewer = false;
    },
    paramsUpdated() {
      slabsNewer = slabs !== null;
    },
    x: f32(layout.x, N * D),
    get z0() {
      return slabs ? slabs.gather(layout.z0, N) : z0;
    },
    get a0() {
      return slabs ? slabs.gather(layout.a0, N) : a0;
    },
    get dZ0() {
      return slabs ? slabs.gather(layout.dZ0, N) : dZ0;
    },
    logits: f32(layout.logits, N * K),
    probs: f32(layout.probs, N * K),
    dLogits: f32(layout.dLogits, N * K),
    labels: new Uint8Array(memory.buffer, layout.labels, N),
    rowStats: new Float64Array(memory.buffer, layout.rowStats, 2 * N),
    pixels: new Uint8Array(memory.buffer, layout.pixels, N * D),
    rows: new Int32Array(memory.buffer, layout.rows, 2 * N),
    get heldImages() {
      return held;
    },
    get heldAt() {
      return held ? heldAt : 0;
    },
    holdImages(pixels) {
      if (pixels === held) return;
      if (pixels.length % D !== 0) {
        throw new LimitError(
          `Cannot hold images: ${pixels.length} bytes are not whole images of ${D} pixels`,
        );
      }
      const at = heldAt || memory.buffer.byteLength, end = at + pixels.length;
      if (end > MAX_WASM_BYTES) {
        throw new LimitError(
          `Cannot hold ${pixels.length / D} images: wasm memory would need ${end} bytes, ` +
            `expected at most ${MAX_WASM_BYTES}`,
        );
      }
      const have = memory.buffer.byteLength;
      if (end > have) memory.grow(Math.ceil((end - have) / PAGE_BYTES));
      new Uint8Array(memory.buffer, at, pixels.length).set(pixels);
      heldAt = at;
      held = pixels;
      header[HEADER_HELD] = at;
    },
  };
}

/** Copies between (rows, H) matrices and the parts' slabs of a layout with several parts. */
function partSlabs(memory: WebAssembly.Memory, layout: WasmLayout) {
  const all = new Float32Array(memory.buffer), H = layout.hidden;
  /** Copy each row's units of every part between the matrix and the slabs from byte `at` on. */
  const copy = (matrix: Float32Array, rows: number, at: number, partBytes: number, way: "in" | "out") => {
    for (let p = 0; p < layout.parts; p++) {
      const first = layout.partStart[p], width = layout.partStart[p + 1] - first;
      for (let r = 0; r < rows; r++) {
        const slab = (at + p * partBytes + r * layout.stride) / 4, m = r * H + first;
        if (way === "out") matrix.set(all.subarray(slab, slab + width), m);
        else all.set(matrix.subarray(m, m + width), slab);
      }
    }
  };
  return {
    copy,
    /** A (rows, H) copy of z0, a0 or dZ0 (their slabs at byte `at`). */
    gather(at: number, rows: number): Float32Array {
      const matrix = new Float32Array(rows * H);
      copy(matrix, rows, at, layout.rowPartBytes, "out");
      return matrix;
    },
  };
}

/**
 * Make a {@linkcode Backend} of a {@linkcode WasmCore} whose parallel phases a runner executes.
 *
 * A training step of n > 1 rows is w1Q from w1 (transpose_w1), then the runner's phases lists (rows
 * and pixels) and forward (hidden chunks), the softmax and b1's update on the calling thread, and the
 * runner's backward phase (hidden chunks). A row's lists and softmax depend on that row only;
 * everything that touches w0 is cut by hidden units, so with threads each keeps its own w0 columns
 * from step to step. A step of one row runs every kernel on the calling thread, with the w0 update
 * over the row's pixel list (input_update_one).
 *
 * @param core The instance and its views.
 * @param runner Runs the phases (here, or on workers).
 * @returns The backend; its dispose() calls the runner's.
 */
export function backendOnCore(core: WasmCore, runner: PhaseRunner): Backend {
  const k = core.kernels, capacity = core.layout.capacity, hidden = core.layout.hidden;
  // plain SGD, fused into the update kernels: the optimizer object only reports that (it keeps no state)
  const optimizer = createOptimizer(DEFAULT_OPTIMIZER, core.params.sizes);
  let disposed = false;
  // rows that the last loadImages put into every thread's lane with their pixel lists and sample masks,
  // until a step uses them, the caller may write x or a prediction lists other rows; otherwise a step
  // copies x into the lanes and lists it, since x can be written through a view taken earlier (the
  // training loop's augmenter does that every step)
  let loadedRows = 0;
  const checkLive = () => {
    if (disposed) throw new Error("Cannot use the wasm backend: it was disposed");
  };
  return {
    kind: "wasm",
    params: core.params,
    activation: core.activation,
    optimizer,
    seedDropout() {}, // the fused kernels train without dropout (core/kernels/backend_factory.ts)
    capacity,
    get x() {
      loadedRows = 0; // the caller may write x: the next step copies it into every lane
      return core.x;
    },
    probs: core.probs,
    holdImages(pixels) {
      checkLive();
      runner.settle?.(); // a worker may still be gathering from the images held now
      core.holdImages(pixels);
    },
    loadImages(pixels, start, n, order) {
      checkLive();
      checkImageRows(pixels, start, n, order, capacity);
      runner.settle?.(); // the workers may still read the rows and bytes of the last batch
      if (pixels === core.heldImages) {
        // the images are in wasm memory already: gather the rows there, and fetch the next batch's
        // images (the next n of the order) into cache meanwhile
        const end = Math.min(start + 2 * n, order ? order.length : pixels.length / D);
        for (let r = 0; r < end - start; r++) core.rows[r] = order ? order[start + r] : start + r;
        runner.gather(n, end - start - n);
        loadedRows = n;
        return;
      }
      if (!order) core.pixels.set(pixels.subarray(start * D, (start + n) * D));
      else {
        for (let r = 0; r < n; r++) {
          const from = order[start + r] * D;
          core.pixels.set(pixels.subarray(from, from + D), r * D);
        }
      }
      runner.load(n);
      loadedRows = n;
    },
    predictImages(pixels, start, n, labels) {
      checkLive();
      checkImageRows(pixels, start, n, undefined, capacity);
      checkBatchCall("predict", labels, start, n, 0, capacity);
      core.prepareParams();
      loadedRows = 0; // the prediction lists its rows in the lanes
      // held images are read where they are; others are copied into the pixels buffer first
      if (pixels === core.heldImages) return runner.predict(labels, start, n, core.heldAt + start * D);
      runner.settle?.(); // the workers may still convert the bytes of the last loadImages
      core.pixels.set(pixels.subarray(start * D, (start + n) * D));
      return runner.predict(labels, start, n, core.layout.pixels);
    },
    trainStep(labels, offset, n, lr) {
      checkLive();
      checkBatchCall("run a training step", labels, offset, n, lr, capacity);
      const loaded = loadedRows; // a step uses the lanes' rows once
      loadedRows = 0;
      core.prepareParams();
      core.paramsUpdated();
      k.transpose_w1();
      if (n === 1) {
        if (loaded !== 1) k.scan(0, 1);
        k.forward_rows(0, 1);
        const loss = softmaxOnThisThread(core, labels, offset, 1, HIDDEN_CHUNKS); // forward_rows reduced them
        k.delta_rows(0, 1, 0, hidden);
        k.bias1_update(1, lr);
        k.input_update_one(lr);
        k.hidden_update(0, hidden, 1, lr);
        return loss;
      }
      if (loaded !== n) runner.lists(n); // else the load listed the rows and built the masks
      const reduced = runner.forward(n);
      const loss = softmaxOnThisThread(core, labels, offset, n, reduced);
      k.bias1_update(n, lr);
      runner.backward(n, lr);
      return loss;
    },
    predict(labels, offset, n) {
      checkLive();
      checkBatchCall("predict", labels, offset, n, 0, capacity);
      core.prepareParams();
      loadedRows = 0; // the prediction lists its rows in the lanes
      return runner.predict(labels, offset, n, 0);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      runner.dispose();
    },
  };
}

/**
 * The softmax of a training step's n rows on the calling thread: logits = b1 + the partials of the
 * chunks the logits do not hold yet (output_reduce_part from chunk `reduced`), the classes into the
 * labels buffer, then softmax_rows (probs, dLogits, rowStats). For a batch of 64 it takes a few µs,
 * less than handing rows to another thread costs, so core/kernels/backend_threads.ts runs it here too.
 *
 * @param labels The class of each row, from `offset` on.
 * @param reduced How many chunks, from the first, the logits already hold: 0 after forward_part of
 *   every chunk, HIDDEN_CHUNKS after forward_rows.
 * @returns The summed loss ({@linkcode softmaxLoss}).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createWasmCore, loadKernelModule, softmaxOnThisThread } from "./backend_wasm.ts";
 * const core = createWasmCore(await loadKernelModule(), 8, "relu", 2); // zero weights: every logit 0
 * const loss = softmaxOnThisThread(core, [1, 7], 0, 2);
 * assert.ok(Math.abs(loss - 2 * Math.log(10)) < 1e-12 && core.probs[0] === Math.fround(0.1));
 * ```
 */
export function softmaxOnThisThread(
  core: WasmCore,
  labels: ArrayLike<number>,
  offset: number,
  n: number,
  reduced = 0,
): number {
  if (reduced < HIDDEN_CHUNKS) core.kernels.output_reduce_part(0, n, reduced, HIDDEN_CHUNKS);
  for (let s = 0; s < n; s++) core.labels[s] = labels[offset + s];
  core.kernels.softmax_rows(0, n, n);
  return softmaxLoss(core, labels, offset, n);
}

/**
 * The summed cross-entropy loss of the first n rows after softmax_rows, in row order as
 * core/network/loss.ts's softmaxCrossEntropy sums it: row s adds log Σ − (logits[s, y] − m), with
 * m and Σ its largest logit and sum of exponentials (rowStats), in float64.
 *
 * @param labels The class of each row, from `offset` on.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createWasmCore, loadKernelModule, softmaxLoss } from "./backend_wasm.ts";
 * const core = createWasmCore(await loadKernelModule(), 8, "relu", 1);
 * core.logits.fill(-5); // equal logits: every class 1 / 10
 * core.kernels.softmax_rows(0, 1, 0);
 * assert.equal(softmaxLoss(core, [3], 0, 1), Math.log(10));
 * ```
 */
export function softmaxLoss(core: WasmCore, labels: ArrayLike<number>, offset: number, n: number): number {
  const stats = core.rowStats, logits = core.logits;
  let loss = 0;
  for (let s = 0; s < n; s++) {
    loss += Math.log(stats[2 * s + 1]) - (logits[s * K + labels[offset + s]] - stats[2 * s]);
  }
  return loss;
}

/**
 * predict_rows (lists, forward pass, softmax) of the first n rows on the calling thread, from x
 * (images = 0) or from the byte images at that address; returns the summed loss (0 without labels).
 */
export function predictOnThisThread(
  core: WasmCore,
  labels: ArrayLike<number> | null,
  offset: number,
  n: number,
  images: number,
): number {
  core.kernels.predict_rows(0, n, images);
  return labels ? softmaxLoss(core, labels, offset, n) : 0;
}

/**
 * The WebAssembly SIMD backend, on the calling thread.
 *
 * @param hidden H.
 * @param activation The hidden non-linearity.
 * @param capacity The largest batch N.
 * @returns A backend whose parameters are all 0 until set, with `params`, `x` and `probs` viewing
 *   wasm memory.
 * @throws {LimitError} For a bad hidden size, activation or capacity.
 * @throws {InputFileError} When core/kernels/kernels.wasm cannot be read.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createWasmBackend } from "./backend_wasm.ts";
 * const b = await createWasmBackend(8, "relu", 2);
 * b.x.fill(0.5);
 * b.predict(null, 0, 2);
 * assert.ok(Math.abs(b.probs[0] - 0.1) < 1e-6); // zero weights: uniform probabilities
 * b.dispose();
 * ```
 */
export async function createWasmBackend(
  hidden: number,
  activation: Activation,
  capacity: number,
): Promise<Backend> {
  checkBackendShape(hidden, activation, capacity);
  wasmLayout(hidden, capacity); // refuse an oversized memory before reading the file
  const core = createWasmCore(await loadKernelModule(), hidden, activation, capacity);
  return backendOnCore(core, runOnThisThread(core));
}

/**
 * The phase runner that runs every phase on the calling thread, over the whole batch.
 *
 * @param core The instance the phases run on.
 * @returns The runner; its dispose() does nothing.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { backendOnCore, createWasmCore, loadKernelModule, runOnThisThread } from "./backend_wasm.ts";
 * const core = createWasmCore(await loadKernelModule(), 8, "relu", 2, { parts: 4 }); // four slabs, one thread
 * const backend = backendOnCore(core, runOnThisThread(core));
 * assert.ok(backend.predict(null, 0, 2) === 0);
 * ```
 */
export function runOnThisThread(core: WasmCore): PhaseRunner {
  const k = core.kernels;
  return {
    lists: (n) => k.list_rows(n),
    forward: (n) => {
      k.forward_part(0, HIDDEN_CHUNKS, n);
      return 0;
    },
    backward: (n, lr) => k.backward_part(0, HIDDEN_CHUNKS, n, lr),
    load: (n) => k.load_batch(n),
    gather: (n, next) => k.gather_batch(n, n + next),
    predict: (labels, offset, n, images) => predictOnThisThread(core, labels, offset, n, images),
    dispose() {},
  };
}
