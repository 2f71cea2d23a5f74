/**
 * The dense layer, z = x·W + b, forward and backward. Every layer of the network is one of these;
 * the non-linearities between them are in ./activations.ts.
 *
 * Shapes: N = batch size, I = inputs of the layer, O = its outputs; row-major float32.
 * W: (I, O), W[i * O + o] connects input i to output o. b: (O).
 *
 * The forward pass skips inputs that are exactly 0: about 81 % of MNIST's pixels, and every relu
 * unit that is off, add nothing to a sum. Skipping is exact. The backward pass visits every input,
 * since dL/dx is needed for all of them; only the first layer's weight gradient, built on demand by
 * {@linkcode firstLayerGradient}, skips zero pixels.
 *
 * @module
 */

/**
 * z = x·W + b, skipping zero inputs.
 *
 * Each output sums b[o] first, then x[i]·W[i, o] for i = 0, 1, … in order: the order every
 * backend's tests compare against.
 *
 * @param x Inputs, (N, I).
 * @param n N, the rows of x to use.
 * @param inputs I.
 * @param outputs O.
 * @param w Weights, (I, O).
 * @param b Biases, (O).
 * @param z Output, (N, O).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { denseForward } from "./layers.ts";
 * const z = new Float32Array(2);
 * // x = [1, 2], W = [[1, 0], [0, 1]], b = [0.5, 0.5]
 * denseForward(new Float32Array([1, 2]), 1, 2, 2, new Float32Array([1, 0, 0, 1]), new Float32Array([0.5, 0.5]), z);
 * assert.deepEqual([...z], [1.5, 2.5]);
 * ```
 */
export function denseForward(
  x: Float32Array,
  n: number,
  inputs: number,
  outputs: number,
  w: Float32Array,
  b: Float32Array,
  z: Float32Array,
): void {
  for (let s = 0; s < n; s++) {
    const zRow = s * outputs, xRow = s * inputs;
    z.set(b, zRow);
    for (let i = 0; i < inputs; i++) {
      const xi = x[xRow + i];
      if (xi === 0) continue; // a zero input adds nothing to any z
      const wRow = i * outputs;
      for (let o = 0; o < outputs; o++) z[zRow + o] += xi * w[wRow + o];
    }
  }
}

/**
 * Gradients of a dense layer: dL/dW += xᵀ·dZ, dL/db += Σₙ dZ[n], and dL/dx = dZ·Wᵀ.
 *
 * @param x The layer's inputs, (N, I).
 * @param dZ Loss gradient at its outputs z, (N, O).
 * @param n N.
 * @param inputs I.
 * @param outputs O.
 * @param w Weights, (I, O).
 * @param gW Accumulates dL/dW, (I, O); null to leave the weight gradient out (the first layer
 *   keeps it factored, see {@linkcode firstLayerGradient}).
 * @param gB Accumulates dL/db, (O).
 * @param dX Output dL/dx, (N, I); null for the first layer, whose input is data.
 */
export function denseBackward(
  x: Float32Array,
  dZ: Float32Array,
  n: number,
  inputs: number,
  outputs: number,
  w: Float32Array,
  gW: Float32Array | null,
  gB: Float32Array,
  dX: Float32Array | null,
): void {
  for (let s = 0; s < n; s++) {
    const dRow = s * outputs, xRow = s * inputs;
    for (let o = 0; o < outputs; o++) gB[o] += dZ[dRow + o];
    if (!gW && !dX) continue;
    for (let i = 0; i < inputs; i++) {
      const xi = x[xRow + i], wRow = i * outputs;
      let sum = 0;
      for (let o = 0; o < outputs; o++) {
        const g = dZ[dRow + o];
        if (gW) gW[wRow + o] += xi * g;
        sum += g * w[wRow + o];
      }
      if (dX) dX[xRow + i] = sum;
    }
  }
}

/**
 * Build the first layer's weight gradient dL/dW₀ = xᵀ·dZ₀ as a dense (D, H) matrix, visiting only
 * the non-zero pixels (a zero pixel's row of the gradient is 0). Plain SGD never needs it: it
 * applies the factored form row by row (core/network/optimizers.ts); momentum, Adam and weight decay do.
 *
 * @param x The batch inputs, (N, D).
 * @param dZ0 The batch's dL/dz₀, (N, H).
 * @param n N.
 * @param inputs D.
 * @param hidden H.
 * @param g Accumulates dL/dW₀, (D, H).
 */
export function firstLayerGradient(
  x: Float32Array,
  dZ0: Float32Array,
  n: number,
  inputs: number,
  hidden: number,
  g: Float32Array | Float64Array,
): void {
  for (let s = 0; s < n; s++) {
    const xRow = s * inputs, dRow = s * hidden;
    for (let i = 0; i < inputs; i++) {
      const xi = x[xRow + i];
      if (xi === 0) continue; // a zero pixel's row of the gradient is 0
      const gRow = i * hidden;
      for (let j = 0; j < hidden; j++) g[gRow + j] += xi * dZ0[dRow + j];
    }
  }
}
