/**
 * The generic kernels of core/kernels/dense.wat: the functions core/kernels/dense.wasm exports, and
 * how to load it. core/kernels/backend_dense_wasm.ts runs a network on them and
 * core/kernels/dense_threads.ts cuts their work between threads.
 *
 * @module
 */

import { compileWasmFile } from "./wasm_file.ts";

/** The arguments of dense_forward; its `_columns` form takes o0 and o1 after them. */
export type DenseForwardArgs = [
  cnt: number,
  idx: number,
  val: number,
  n: number,
  inputs: number,
  outputs: number,
  w: number,
  b: number,
  z: number,
];

/** The arguments of dense_backward; its `_columns` form takes o0 and o1 after them. */
export type DenseBackwardArgs = [
  dZ: number,
  n: number,
  inputs: number,
  outputs: number,
  gW: number,
  gB: number,
  start: number,
  row: number,
  colVal: number,
];

/** The functions core/kernels/dense.wasm exports; addresses are bytes, sizes are elements. */
export interface DenseKernelExports {
  /** Per-sample lists of the non-zero inputs of x (N, I): idx (N, I) i32, val (N, I), cnt (N) i32. */
  nonzero_rows(x: number, n: number, inputs: number, idx: number, val: number, cnt: number): void;
  /** The same lists per input: entries [start[i], start[i + 1]) of row (s·4·O) and val, sample order. */
  nonzero_columns(
    idx: number,
    val: number,
    cnt: number,
    n: number,
    inputs: number,
    outputs: number,
    start: number,
    row: number,
    colVal: number,
  ): void;
  /** z = x·W + b for n rows from x's row lists. W (I, O), b (O), z (N, O). */
  dense_forward(...args: DenseForwardArgs): void;
  /** dense_forward of outputs [o0, o1) of O alone: columns o0 … o1 − 1 of W, b and z. */
  dense_forward_columns(...args: [...DenseForwardArgs, o0: number, o1: number]): void;
  /** gB += Σ dZ unless gB is 0; gW += xᵀ·dZ over x's column lists unless gW is 0. */
  dense_backward(...args: DenseBackwardArgs): void;
  /** dense_backward of outputs [o0, o1) of O alone: those entries of gB and columns of gW. */
  dense_backward_columns(...args: [...DenseBackwardArgs, o0: number, o1: number]): void;
  /** g[:, o0 … o1 − 1] += xᵀ·dZ over x's column lists (val, its values or factors): g (I, O), dZ (N, O). */
  outer_columns(
    start: number,
    row: number,
    colVal: number,
    inputs: number,
    outputs: number,
    dZ: number,
    g: number,
    o0: number,
    o1: number,
  ): void;
  /** scaled[k] = float32(−lr·val[k]) for the entries of the inputs' column lists (sgd_first_layer's factors). */
  scale_columns(start: number, colVal: number, scaled: number, inputs: number, lr: number): void;
  /** t = wᵀ for a (rows, cols) matrix w: dX = dZ·Wᵀ is then dense_forward of dZ through t. */
  transpose(w: number, rows: number, cols: number, t: number): void;
  /** g += xᵀ·dZ0 over x's column lists (the non-zero pixels). */
  first_layer_gradient(
    start: number,
    row: number,
    colVal: number,
    dZ0: number,
    inputs: number,
    hidden: number,
    g: number,
  ): void;
  /** a = act(z) for len values; act is the index in ACTIVATIONS. */
  activation_forward(z: number, a: number, len: number, act: number): void;
  /** d = d ⊙ act'(z) in place for len values. */
  activation_backward(z: number, a: number, d: number, len: number, act: number): void;
  /** dst = src ⊙ mask for len values. */
  dropout_apply(src: number, mask: number, dst: number, len: number): void;
  /** g += λ·w for len values. */
  weight_decay(g: number, w: number, len: number, lambda: number): void;
  /** θ −= lr·g for len values. */
  sgd(p: number, g: number, len: number, lr: number): void;
  /** w0[i, :] −= lr·x[s, i]·dZ0[s, :] per sample, per non-zero pixel, over x's column lists. */
  sgd_first_layer(
    w0: number,
    start: number,
    row: number,
    colVal: number,
    scaled: number,
    dZ0: number,
    inputs: number,
    hidden: number,
    lr: number,
  ): void;
  /** v ← μ·v + g; θ ← θ − lr·v (nesterov 1: θ ← θ − lr·(g + μ·v)). */
  momentum(p: number, g: number, v: number, len: number, lr: number, mu: number, nesterov: number): void;
  /** Adam's update, with 1 − β₁, 1 − β₂ and the bias corrections c₁, c₂ given. */
  adam(
    p: number,
    g: number,
    m: number,
    v: number,
    len: number,
    lr: number,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    epsilon: number,
    correct1: number,
    correct2: number,
  ): void;
  /** x[k] = pixels[k] / 255 for count bytes (whole images). */
  load_pixels(pixels: number, x: number, count: number): void;
}

/**
 * Read and compile core/kernels/dense.wasm (built from core/kernels/dense.wat by scripts/build_wasm.ts).
 *
 * @returns The compiled module.
 * @throws {InputFileError} When the file cannot be read.
 * @throws {FormatError} When it is not a valid wasm module for this engine.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadDenseKernelModule } from "./dense_kernels.ts";
 * const module = await loadDenseKernelModule();
 * assert.ok(WebAssembly.Module.exports(module).some((e) => e.name === "dense_forward"));
 * ```
 */
export function loadDenseKernelModule(): Promise<WebAssembly.Module> {
  return compileWasmFile(new URL("./dense.wasm", import.meta.url), "dense wasm kernels");
}
