/**
 * The loss: softmax over the K classes, then cross-entropy with the true class.
 *
 * Shapes: N = batch size, K = 10 classes; logits, probs, dLogits: (N, K).
 *
 * @module
 */

import { K } from "./network.ts";

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
 * import { softmaxCrossEntropy } from "./loss.ts";
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
