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
