/**
 * The network: a two-layer perceptron, 784 → H → 10, on Float32Array, row-major.
 *
 * Shape legend (the same symbols as docs/math.md):
 *   N = batch size, D = 784 input pixels, H = hidden units, K = 10 classes.
 *
 * Parameters, named as in the original numpy project:
 *   w0: (D, H)   b0: (H)   w1: (H, K)   b1: (K)
 *
 * @module
 */

/** Pixels per input image: 28 × 28. */
export const D = 784;
/** Number of classes: the digits 0–9. */
export const K = 10;

/** Hidden-layer non-linearity. */
export type Activation = "relu" | "sigmoid";

/** The four parameter arrays of the network, with the hidden size they were made for. */
export interface Params {
  /** H, the number of hidden units. */
  readonly hidden: number;
  /** First-layer weights, (D, H): w0[i * H + j] connects pixel i to hidden unit j. */
  readonly w0: Float32Array;
  /** First-layer biases, (H). */
  readonly b0: Float32Array;
  /** Second-layer weights, (H, K): w1[j * K + k] connects hidden unit j to class k. */
  readonly w1: Float32Array;
  /** Second-layer biases, (K). */
  readonly b1: Float32Array;
}

/** Scratch buffers for one batch; allocated once and reused, so training allocates nothing per sample. */
export interface Workspace {
  /** Largest batch the buffers hold. */
  readonly capacity: number;
  /** Hidden pre-activations z0 = x·w0 + b0, (N, H). */
  readonly z0: Float32Array;
  /** Hidden activations a0 = act(z0), (N, H). */
  readonly a0: Float32Array;
  /** Output logits z1 = a0·w1 + b1, (N, K). */
  readonly logits: Float32Array;
  /** Class probabilities softmax(z1), (N, K). */
  readonly probs: Float32Array;
  /** Loss gradient at the logits, (N, K). */
  readonly dLogits: Float32Array;
  /** Loss gradient at the hidden pre-activations, (N, H). */
  readonly dZ0: Float32Array;
}

/**
 * Gradients of the batch loss. The first layer's gradient dL/dw0 = xᵀ·dZ0 is kept factored: the
 * batch inputs x are already at hand and `Workspace.dZ0` holds the other factor, so the (D, H) matrix
 * is never built. {@linkcode sgdStep} applies it row by row, skipping zero pixels;
 * {@linkcode firstLayerGradient} builds it when a test needs it.
 */
export interface Grads {
  /** dL/db0, (H). */
  readonly b0: Float32Array;
  /** dL/dw1, (H, K). */
  readonly w1: Float32Array;
  /** dL/db1, (K). */
  readonly b1: Float32Array;
}

/**
 * Create zero-filled parameters of the right shapes.
 *
 * @param hidden H, the number of hidden units.
 * @returns Parameters with every value 0.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { D, zeroParams } from "./network.ts";
 * assert.ok(zeroParams(16).w0.length === D * 16);
 * ```
 */
export function zeroParams(hidden: number): Params {
  if (!Number.isInteger(hidden) || hidden < 1) {
    throw new RangeError(`Cannot create the network: hidden size is ${hidden}, expected a positive integer`);
  }
  return {
    hidden,
    w0: new Float32Array(D * hidden),
    b0: new Float32Array(hidden),
    w1: new Float32Array(hidden * K),
    b1: new Float32Array(K),
  };
}

/**
 * Draw initial weights from a seeded generator; biases start at 0.
 *
 * relu: He init, std = sqrt(2 / fanIn). sigmoid: Xavier/Glorot init, std = sqrt(1 / fanIn).
 * Draw order is fixed (w0 row-major, then w1), so the same seed gives the same weights.
 *
 * @param hidden H, the number of hidden units.
 * @param activation The hidden non-linearity the weights are scaled for.
 * @param rng The project's seeded generator.
 * @returns Fresh parameters.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initParams } from "./network.ts";
 * import { Rng } from "./rng.ts";
 * const a = initParams(8, "relu", new Rng(1)), b = initParams(8, "relu", new Rng(1));
 * assert.ok(a.w0.every((v, i) => v === b.w0[i]));
 * ```
 */
export function initParams(hidden: number, activation: Activation, rng: { nextNormal(): number }): Params {
  const params = zeroParams(hidden);
  const gain = activation === "relu" ? 2 : 1;
  const std0 = Math.sqrt(gain / D); // fanIn of layer 0 is D
  for (let i = 0; i < params.w0.length; i++) params.w0[i] = rng.nextNormal() * std0;
  const std1 = Math.sqrt(1 / hidden); // the output layer feeds softmax: Xavier
  for (let i = 0; i < params.w1.length; i++) params.w1[i] = rng.nextNormal() * std1;
  return params;
}

/**
 * Allocate the scratch buffers for batches of up to `capacity` samples.
 *
 * @param hidden H.
 * @param capacity The largest batch size N.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createWorkspace, K } from "./network.ts";
 * assert.ok(createWorkspace(16, 4).logits.length === 4 * K);
 * ```
 */
export function createWorkspace(hidden: number, capacity: number): Workspace {
  return {
    capacity,
    z0: new Float32Array(capacity * hidden),
    a0: new Float32Array(capacity * hidden),
    logits: new Float32Array(capacity * K),
    probs: new Float32Array(capacity * K),
    dLogits: new Float32Array(capacity * K),
    dZ0: new Float32Array(capacity * hidden),
  };
}

/**
 * Allocate zeroed gradient buffers for a network of hidden size H.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createGrads, K } from "./network.ts";
 * assert.ok(createGrads(16).w1.length === 16 * K);
 * ```
 */
export function createGrads(hidden: number): Grads {
  return { b0: new Float32Array(hidden), w1: new Float32Array(hidden * K), b1: new Float32Array(K) };
}

/** Reset the gradients to 0: the one place where gradients are zeroed. */
export function zeroGrads(grads: Grads): void {
  grads.b0.fill(0);
  grads.w1.fill(0);
  grads.b1.fill(0);
}

// ---------------------------------------------------------------------------------------------
// Layer 0: dense, input (N, D) → hidden (N, H). The input is sparse (≈ 81 % of MNIST pixels are
// 0), so both passes walk only the non-zero pixels of each row.

/**
 * z0 = x·w0 + b0, skipping zero pixels.
 *
 * @param x Inputs, (N, D).
 * @param n N, the number of rows of x to use.
 * @param params The network.
 * @param z0 Output, (N, H).
 */
export function inputForward(x: Float32Array, n: number, params: Params, z0: Float32Array): void {
  const { hidden: H, w0, b0 } = params;
  for (let s = 0; s < n; s++) {
    const zRow = s * H;
    z0.set(b0, zRow);
    const xRow = s * D;
    for (let i = 0; i < D; i++) {
      const xi = x[xRow + i];
      if (xi === 0) continue; // a zero pixel adds nothing to any z0
      const wRow = i * H;
      for (let j = 0; j < H; j++) z0[zRow + j] += xi * w0[wRow + j];
    }
  }
}

/**
 * Gradient of layer 0: dL/db0 += Σₙ dZ0[n]. The weight gradient dL/dw0 = xᵀ·dZ0 stays factored
 * (see {@linkcode Grads}); nothing flows back to x, which is data.
 *
 * @param dZ0 Loss gradient at z0, (N, H).
 * @param n N.
 * @param hidden H.
 * @param grads Accumulates into `grads.b0`.
 */
export function inputBackward(dZ0: Float32Array, n: number, hidden: number, grads: Grads): void {
  for (let s = 0; s < n; s++) {
    const row = s * hidden;
    for (let j = 0; j < hidden; j++) grads.b0[j] += dZ0[row + j];
  }
}

// ---------------------------------------------------------------------------------------------
// Hidden non-linearity.

/**
 * a0 = act(z0), element-wise.
 *
 * @param z0 Pre-activations, (N, H).
 * @param len N·H, the number of values to use.
 * @param activation relu: max(0, z). sigmoid: 1 / (1 + e^−z).
 * @param a0 Output, (N, H).
 */
export function activationForward(
  z0: Float32Array,
  len: number,
  activation: Activation,
  a0: Float32Array,
): void {
  if (activation === "relu") {
    for (let i = 0; i < len; i++) a0[i] = z0[i] > 0 ? z0[i] : 0;
  } else {
    for (let i = 0; i < len; i++) a0[i] = 1 / (1 + Math.exp(-z0[i]));
  }
}

/**
 * dZ0 = dA0 ⊙ act'(z0), in place on dA0.
 *
 * relu: act'(z) = 1 if z > 0 else 0. sigmoid: act'(z) = a(1 − a), with a = sigmoid(z).
 *
 * @param z0 Pre-activations, (N, H).
 * @param a0 Activations, (N, H).
 * @param len N·H.
 * @param activation The non-linearity.
 * @param d On entry dL/da0, on return dL/dz0, (N, H).
 */
export function activationBackward(
  z0: Float32Array,
  a0: Float32Array,
  len: number,
  activation: Activation,
  d: Float32Array,
): void {
  if (activation === "relu") {
    for (let i = 0; i < len; i++) if (!(z0[i] > 0)) d[i] = 0;
  } else {
    for (let i = 0; i < len; i++) d[i] *= a0[i] * (1 - a0[i]);
  }
}

// ---------------------------------------------------------------------------------------------
// Layer 1: dense, hidden (N, H) → logits (N, K).

/**
 * z1 = a0·w1 + b1.
 *
 * @param a0 Hidden activations, (N, H).
 * @param n N.
 * @param params The network.
 * @param logits Output, (N, K).
 */
export function outputForward(a0: Float32Array, n: number, params: Params, logits: Float32Array): void {
  const { hidden: H, w1, b1 } = params;
  for (let s = 0; s < n; s++) {
    const out = s * K;
    logits.set(b1, out);
    const aRow = s * H;
    for (let j = 0; j < H; j++) {
      const aj = a0[aRow + j];
      if (aj === 0) continue; // relu zeros contribute nothing
      const wRow = j * K;
      for (let k = 0; k < K; k++) logits[out + k] += aj * w1[wRow + k];
    }
  }
}

/**
 * Gradient of layer 1: dL/dw1 += a0ᵀ·dLogits, dL/db1 += Σₙ dLogits[n], and dL/da0 = dLogits·w1ᵀ.
 *
 * @param a0 Hidden activations, (N, H).
 * @param dLogits Loss gradient at the logits, (N, K).
 * @param n N.
 * @param params The network (for w1).
 * @param grads Accumulates into `grads.w1` and `grads.b1`.
 * @param dA0 Output: dL/da0, (N, H).
 */
export function outputBackward(
  a0: Float32Array,
  dLogits: Float32Array,
  n: number,
  params: Params,
  grads: Grads,
  dA0: Float32Array,
): void {
  const { hidden: H, w1 } = params;
  for (let s = 0; s < n; s++) {
    const dRow = s * K;
    for (let k = 0; k < K; k++) grads.b1[k] += dLogits[dRow + k];
    const aRow = s * H;
    for (let j = 0; j < H; j++) {
      const aj = a0[aRow + j];
      const wRow = j * K;
      let sum = 0;
      for (let k = 0; k < K; k++) {
        const g = dLogits[dRow + k];
        grads.w1[wRow + k] += aj * g;
        sum += g * w1[wRow + k];
      }
      dA0[aRow + j] = sum;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Loss: softmax + cross-entropy.

/** e^(logit − max) of one row, kept in float64 between the sum and the division. */
const _exps = new Float64Array(K);

/**
 * Softmax probabilities and the summed cross-entropy loss, and the gradient of the mean loss.
 *
 * p = softmax(z), computed as exp(z − max z) / Σ exp(z − max z): subtracting the largest logit keeps
 * every exp() ≤ 1, so it cannot overflow. loss = −log p[y] = log Σ exp(z − m) − (z[y] − m), which
 * stays finite even when p[y] underflows to 0. dL/dz = (p − onehot(y)) / N for the batch mean.
 *
 * @param logits (N, K).
 * @param labels Class of each row, (N), starting at `labelOffset`; null to compute only the
 *   probabilities (the loss is then 0).
 * @param labelOffset Index into `labels` of row 0.
 * @param n N.
 * @param probs Output probabilities, (N, K).
 * @param dLogits Output gradient of the mean loss, (N, K); pass null to skip it.
 * @returns The summed (not averaged) loss over the N rows.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { softmaxCrossEntropy } from "./network.ts";
 * const logits = new Float32Array([1000, 0, 0, 0, 0, 0, 0, 0, 0, -1000]);
 * const probs = new Float32Array(10);
 * const loss = softmaxCrossEntropy(logits, new Uint8Array([0]), 0, 1, probs, null);
 * assert.ok(loss === 0 && probs[0] === 1);
 * ```
 */
export function softmaxCrossEntropy(
  logits: Float32Array,
  labels: ArrayLike<number> | null,
  labelOffset: number,
  n: number,
  probs: Float32Array,
  dLogits: Float32Array | null,
): number {
  let loss = 0;
  for (let s = 0; s < n; s++) {
    loss += softmaxRow(logits, s, labels ? labels[labelOffset + s] : -1, n, probs, dLogits);
  }
  return loss;
}

/**
 * Row s of {@linkcode softmaxCrossEntropy}: its probabilities, and with a label its loss and, when
 * dLogits is given, its gradient. Summing the rows' losses in row order gives softmaxCrossEntropy's
 * loss exactly, so rows may be computed anywhere (core/kernels/backend_threads.ts splits them over threads).
 *
 * @param s The row.
 * @param y Its class, or −1 for none (the loss is then 0 and dLogits is left alone).
 * @param n N, the batch size the gradient of the mean loss divides by.
 * @returns The row's cross-entropy loss, or 0 without a label.
 */
export function softmaxRow(
  logits: Float32Array,
  s: number,
  y: number,
  n: number,
  probs: Float32Array,
  dLogits: Float32Array | null,
): number {
  const row = s * K;
  let max = logits[row];
  for (let k = 1; k < K; k++) if (logits[row + k] > max) max = logits[row + k];
  let sum = 0;
  for (let k = 0; k < K; k++) {
    _exps[k] = Math.exp(logits[row + k] - max);
    sum += _exps[k];
  }
  for (let k = 0; k < K; k++) probs[row + k] = _exps[k] / sum;
  if (y < 0) return 0;
  if (dLogits) {
    for (let k = 0; k < K; k++) dLogits[row + k] = (probs[row + k] - (k === y ? 1 : 0)) / n;
  }
  return Math.log(sum) - (logits[row + y] - max);
}

// ---------------------------------------------------------------------------------------------
// Whole network.

/**
 * Forward pass of a batch: fills `ws.z0`, `ws.a0` and `ws.logits`.
 *
 * @param params The network.
 * @param activation The hidden non-linearity.
 * @param x Inputs, (N, D), pixel values in [0, 1].
 * @param n N, at most `ws.capacity`.
 * @param ws Scratch buffers.
 */
export function forward(
  params: Params,
  activation: Activation,
  x: Float32Array,
  n: number,
  ws: Workspace,
): void {
  inputForward(x, n, params, ws.z0);
  activationForward(ws.z0, n * params.hidden, activation, ws.a0);
  outputForward(ws.a0, n, params, ws.logits);
}

/**
 * Backward pass of a batch after {@linkcode forward} and {@linkcode softmaxCrossEntropy}: from
 * `ws.dLogits` to every gradient. Accumulates into `grads` and leaves dL/dz0 in `ws.dZ0`.
 *
 * @param params The network.
 * @param activation The hidden non-linearity.
 * @param n N.
 * @param ws Scratch buffers, as the forward pass and the loss left them.
 * @param grads Gradient accumulators, zeroed by the caller.
 */
export function backward(
  params: Params,
  activation: Activation,
  n: number,
  ws: Workspace,
  grads: Grads,
): void {
  outputBackward(ws.a0, ws.dLogits, n, params, grads, ws.dZ0); // dZ0 holds dL/da0 here
  activationBackward(ws.z0, ws.a0, n * params.hidden, activation, ws.dZ0); // now dL/dz0
  inputBackward(ws.dZ0, n, params.hidden, grads);
}

/**
 * One step of stochastic gradient descent: θ ← θ − lr · dL/dθ for every parameter.
 *
 * For w0 the gradient xᵀ·dZ0 is applied without being built: w0[i, :] −= lr · x[n, i] · dZ0[n, :]
 * for every sample n and non-zero pixel i.
 *
 * @param params Updated in place.
 * @param grads Gradients of the mean batch loss (b0, w1, b1).
 * @param x The batch inputs, (N, D).
 * @param dZ0 The batch's dL/dz0, (N, H).
 * @param n N.
 * @param lr The learning rate.
 */
export function sgdStep(
  params: Params,
  grads: Grads,
  x: Float32Array,
  dZ0: Float32Array,
  n: number,
  lr: number,
): void {
  const { hidden: H, w0, b0, w1, b1 } = params;
  for (let s = 0; s < n; s++) {
    const xRow = s * D, dRow = s * H;
    for (let i = 0; i < D; i++) {
      const xi = x[xRow + i];
      if (xi === 0) continue; // zero pixels have zero gradient in their w0 row
      const scale = lr * xi, wRow = i * H;
      for (let j = 0; j < H; j++) w0[wRow + j] -= scale * dZ0[dRow + j];
    }
  }
  for (let j = 0; j < H; j++) b0[j] -= lr * grads.b0[j];
  for (let i = 0; i < w1.length; i++) w1[i] -= lr * grads.w1[i];
  for (let k = 0; k < K; k++) b1[k] -= lr * grads.b1[k];
}

/**
 * Build the first layer's weight gradient dL/dw0 = xᵀ·dZ0 as a dense (D, H) matrix.
 * Training never needs it (see {@linkcode sgdStep}); the gradient check does.
 *
 * @param x The batch inputs, (N, D).
 * @param dZ0 The batch's dL/dz0, (N, H).
 * @param n N.
 * @param hidden H.
 * @returns dL/dw0, (D, H).
 */
export function firstLayerGradient(
  x: Float32Array,
  dZ0: Float32Array,
  n: number,
  hidden: number,
): Float64Array {
  const g = new Float64Array(D * hidden);
  for (let s = 0; s < n; s++) {
    for (let i = 0; i < D; i++) {
      const xi = x[s * D + i];
      for (let j = 0; j < hidden; j++) g[i * hidden + j] += xi * dZ0[s * hidden + j];
    }
  }
  return g;
}
