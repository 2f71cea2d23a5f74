/**
 * The network: a stack of dense layers, D → H₁ → … → H_L → K, with one non-linearity after every
 * hidden layer and softmax at the end; Float32Array, row-major.
 *
 * Shape legend (the same symbols as docs/math.md):
 *   N = batch size, D = 784 input pixels, Hₗ = units of hidden layer l, K = 10 classes;
 *   sizes = [D, H₁, …, H_L, K], so layer l maps sizes[l] inputs to sizes[l + 1] outputs.
 *
 * Parameters, named as in the original numpy project and extended to any depth:
 *   w0: (D, H₁)   b0: (H₁)   w1: (H₁, H₂)   b1: (H₂)   …   wL: (H_L, K)   bL: (K)
 *
 * Per layer l, forward:  z_l = a_{l−1}·w_l + b_l  (a_{−1} = x),  a_l = act(z_l) ⊙ m_l  (hidden only;
 * m_l is the dropout mask, 1 without dropout). The last z is the logits. Backward walks the same
 * layers in reverse (docs/math.md derives every line).
 *
 * @module
 */

import { type Activation, activationBackward, activationForward, initGain } from "./activations.ts";
import { denseBackward, denseForward, firstLayerGradient } from "./layers.ts";

/** Pixels per input image: 28 × 28. */
export const D = 784;
/** Number of classes: the digits 0–9. */
export const K = 10;
/** Most hidden layers a network may have. */
export const MAX_HIDDEN_LAYERS = 8;

export type { Activation };

/** Hidden layer sizes, as config.yaml's `model.hidden` gives them: one number for one layer, or a list. */
export type Hidden = number | readonly number[];

/** The parameter arrays of the network, with the layer sizes they were made for. */
export interface Params {
  /** [D, H₁, …, H_L, K]: layer l maps sizes[l] inputs to sizes[l + 1] outputs. */
  readonly sizes: readonly number[];
  /** w[l], (sizes[l], sizes[l + 1]): w[l][i * sizes[l + 1] + o] connects input i to output o. */
  readonly w: readonly Float32Array[];
  /** b[l], (sizes[l + 1]). */
  readonly b: readonly Float32Array[];
}

/**
 * The layer sizes [D, H₁, …, H_L, K] of a network with these hidden layers.
 *
 * @param hidden One hidden size, or a list of them (at least one, at most {@linkcode MAX_HIDDEN_LAYERS}).
 * @throws {RangeError} When a size is not a positive integer or the list is empty or too long.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layerSizes } from "./network.ts";
 * assert.deepEqual(layerSizes(128), [784, 128, 10]);
 * assert.deepEqual(layerSizes([512, 256]), [784, 512, 256, 10]);
 * ```
 */
export function layerSizes(hidden: Hidden): number[] {
  const list = typeof hidden === "number" ? [hidden] : [...hidden];
  if (list.length < 1 || list.length > MAX_HIDDEN_LAYERS) {
    throw new RangeError(
      `Cannot create the network: it has ${list.length} hidden layers, expected 1 to ${MAX_HIDDEN_LAYERS}`,
    );
  }
  for (const h of list) {
    if (!Number.isInteger(h) || h < 1) {
      throw new RangeError(`Cannot create the network: hidden size is ${h}, expected a positive integer`);
    }
  }
  return [D, ...list, K];
}

/** The hidden sizes [H₁, …, H_L] of a network's parameters. */
export function hiddenSizes(params: Params): number[] {
  return params.sizes.slice(1, -1);
}

/**
 * Create zero-filled parameters of the right shapes.
 *
 * @param hidden The hidden layer sizes.
 * @returns Parameters with every value 0.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { D, zeroParams } from "./network.ts";
 * const params = zeroParams([16, 8]);
 * assert.ok(params.w[0].length === D * 16 && params.w[1].length === 16 * 8 && params.b[2].length === 10);
 * ```
 */
export function zeroParams(hidden: Hidden): Params {
  const sizes = layerSizes(hidden);
  const layers = sizes.slice(0, -1).map((_, l) => l);
  return {
    sizes,
    w: layers.map((l) => new Float32Array(sizes[l] * sizes[l + 1])),
    b: layers.map((l) => new Float32Array(sizes[l + 1])),
  };
}

/**
 * Draw initial weights from a seeded generator; biases start at 0.
 *
 * Hidden layers: std = sqrt(gain / fanIn), gain 2 for relu and leaky_relu (He init), 1 for tanh and
 * sigmoid (Xavier/Glorot). The output layer feeds softmax: std = sqrt(1 / fanIn). Draw order is
 * fixed (w0 row-major, then w1, …), so the same seed gives the same weights.
 *
 * @param hidden The hidden layer sizes.
 * @param activation The hidden non-linearity the weights are scaled for.
 * @param rng The project's seeded generator.
 * @returns Fresh parameters.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initParams } from "./network.ts";
 * import { Rng } from "./rng.ts";
 * const a = initParams(8, "relu", new Rng(1)), b = initParams(8, "relu", new Rng(1));
 * assert.ok(a.w[0].every((v, i) => v === b.w[0][i]));
 * ```
 */
export function initParams(hidden: Hidden, activation: Activation, rng: { nextNormal(): number }): Params {
  const params = zeroParams(hidden);
  const last = params.w.length - 1;
  params.w.forEach((w, l) => {
    const gain = l === last ? 1 : initGain(activation);
    const std = Math.sqrt(gain / params.sizes[l]); // fanIn of layer l is sizes[l]
    for (let i = 0; i < w.length; i++) w[i] = rng.nextNormal() * std;
  });
  return params;
}

/** Scratch buffers for one batch; allocated once and reused, so training allocates nothing per sample. */
export interface Workspace {
  /** Largest batch the buffers hold. */
  readonly capacity: number;
  /** z[l] = a_{l−1}·w_l + b_l, (N, sizes[l + 1]); the last one is the logits. */
  readonly z: readonly Float32Array[];
  /** act[l] = act(z[l]) of each hidden layer, before dropout, (N, H_{l+1}). */
  readonly act: readonly Float32Array[];
  /** a[l] = act[l] ⊙ mask[l], the input of layer l + 1, (N, H_{l+1}); the same array as act[l] without dropout. */
  readonly a: readonly Float32Array[];
  /** Dropout masks of the hidden layers, (N, H_{l+1}): 0 or 1 / (1 − p); null without dropout. */
  readonly mask: readonly Float32Array[] | null;
  /** dZ[l] = dL/dz[l], (N, sizes[l + 1]); the last one is dLogits. */
  readonly dZ: readonly Float32Array[];
  /** The logits z[L], (N, K). */
  readonly logits: Float32Array;
  /** Class probabilities softmax(logits), (N, K). */
  readonly probs: Float32Array;
  /** Loss gradient at the logits, dZ[L], (N, K). */
  readonly dLogits: Float32Array;
}

/**
 * Allocate the scratch buffers for batches of up to `capacity` samples.
 *
 * @param hidden The hidden layer sizes.
 * @param capacity The largest batch size N.
 * @param dropout Whether to allocate dropout masks (and so keep act and a apart).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createWorkspace, K } from "./network.ts";
 * assert.ok(createWorkspace(16, 4).logits.length === 4 * K);
 * ```
 */
export function createWorkspace(hidden: Hidden, capacity: number, dropout = false): Workspace {
  const sizes = layerSizes(hidden);
  const outs = sizes.slice(1);
  const z = outs.map((o) => new Float32Array(capacity * o));
  const dZ = outs.map((o) => new Float32Array(capacity * o));
  const hid = outs.slice(0, -1);
  const act = hid.map((h) => new Float32Array(capacity * h));
  const mask = dropout ? hid.map((h) => new Float32Array(capacity * h)) : null;
  const a = mask ? hid.map((h) => new Float32Array(capacity * h)) : act;
  return {
    capacity,
    z,
    act,
    a,
    mask,
    dZ,
    logits: z[z.length - 1],
    probs: new Float32Array(capacity * K),
    dLogits: dZ[dZ.length - 1],
  };
}

/** Gradients of the batch loss, one array per parameter array. */
export interface Grads {
  /** dL/dw_l, (sizes[l], sizes[l + 1]). grads.w[0] is built only when asked (see {@linkcode backward}). */
  readonly w: readonly Float32Array[];
  /** dL/db_l, (sizes[l + 1]). */
  readonly b: readonly Float32Array[];
}

/**
 * Allocate zeroed gradient buffers, the shapes of {@linkcode zeroParams}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createGrads, K } from "./network.ts";
 * assert.ok(createGrads(16).w[1].length === 16 * K);
 * ```
 */
export function createGrads(hidden: Hidden): Grads {
  const { w, b } = zeroParams(hidden);
  return { w, b };
}

/** Reset the gradients to 0: the one place where gradients are zeroed. */
export function zeroGrads(grads: Grads): void {
  for (const g of grads.w) g.fill(0);
  for (const g of grads.b) g.fill(0);
}

/**
 * Draw inverted-dropout masks for the first n rows: each unit of hidden layer l is kept with
 * probability 1 − p_l and then scaled by 1 / (1 − p_l), so a unit's expected output is unchanged
 * and prediction needs no rescaling. Draws are row-major, layer by layer, one per unit of every
 * layer with p > 0 (a layer with p = 0 draws nothing and keeps every unit at 1).
 *
 * @param ws A workspace made with dropout.
 * @param n N.
 * @param rates p_l of each hidden layer, in [0, 1).
 * @param rng The seeded generator.
 */
export function drawDropoutMasks(
  ws: Workspace,
  n: number,
  rates: readonly number[],
  rng: { nextFloat(): number },
): void {
  if (!ws.mask) throw new RangeError("Cannot draw dropout masks: the workspace was made without dropout");
  ws.mask.forEach((mask, l) => {
    const p = rates[l] ?? 0, keep = 1 / (1 - p), len = n * (mask.length / ws.capacity);
    for (let i = 0; i < len; i++) mask[i] = p > 0 && rng.nextFloat() < p ? 0 : keep;
  });
}

/**
 * Forward pass of a batch: fills `ws.z`, `ws.act`, `ws.a` and so `ws.logits`. With `train`, the
 * workspace's dropout masks (drawn by {@linkcode drawDropoutMasks}) are applied; without, dropout
 * is off, as for prediction.
 *
 * @param params The network.
 * @param activation The hidden non-linearity.
 * @param x Inputs, (N, D), pixel values in [0, 1].
 * @param n N, at most `ws.capacity`.
 * @param ws Scratch buffers.
 * @param train Whether to apply the dropout masks.
 */
export function forward(
  params: Params,
  activation: Activation,
  x: Float32Array,
  n: number,
  ws: Workspace,
  train = false,
): void {
  const { sizes, w, b } = params, last = w.length - 1;
  for (let l = 0; l <= last; l++) {
    const input = l === 0 ? x : (train ? ws.a : ws.act)[l - 1];
    denseForward(input, n, sizes[l], sizes[l + 1], w[l], b[l], ws.z[l]);
    if (l === last) break;
    const len = n * sizes[l + 1];
    activationForward(ws.z[l], len, activation, ws.act[l]);
    if (train && ws.mask) {
      const a = ws.a[l], act = ws.act[l], mask = ws.mask[l];
      for (let i = 0; i < len; i++) a[i] = act[i] * mask[i]; // a = act(z) ⊙ m
    }
  }
}

/**
 * Backward pass of a batch after a training {@linkcode forward} (`train` set, so that with dropout
 * `ws.a` and the masks belong to this batch) and the loss: from `ws.dLogits` to every gradient. Accumulates into `grads` (zeroed by the caller) and leaves dL/dz_l in `ws.dZ`.
 *
 * The first layer's weight gradient dL/dw0 = xᵀ·dZ0 is built into grads.w[0] only when
 * `denseFirstLayer` is set: plain SGD applies it in its factored form, row by non-zero pixel,
 * which is exact and skips the ~81 % of zero pixels (see core/network/optimizers.ts).
 *
 * @param params The network.
 * @param activation The hidden non-linearity.
 * @param x The batch inputs, (N, D).
 * @param n N.
 * @param ws Scratch buffers, as the forward pass and the loss left them.
 * @param grads Gradient accumulators.
 * @param denseFirstLayer Whether to build grads.w[0].
 */
export function backward(
  params: Params,
  activation: Activation,
  x: Float32Array,
  n: number,
  ws: Workspace,
  grads: Grads,
  denseFirstLayer = false,
): void {
  const { sizes, w } = params;
  for (let l = w.length - 1; l >= 1; l--) {
    const dA = ws.dZ[l - 1]; // holds dL/da_{l−1} until the activation turns it into dL/dz_{l−1}
    denseBackward(ws.a[l - 1], ws.dZ[l], n, sizes[l], sizes[l + 1], w[l], grads.w[l], grads.b[l], dA);
    const len = n * sizes[l];
    if (ws.mask) {
      const mask = ws.mask[l - 1];
      for (let i = 0; i < len; i++) dA[i] *= mask[i]; // through a = act ⊙ m
    }
    activationBackward(ws.z[l - 1], ws.act[l - 1], len, activation, dA);
  }
  // layer 0: nothing flows back to x, which is data
  denseBackward(x, ws.dZ[0], n, sizes[0], sizes[1], w[0], null, grads.b[0], null);
  if (denseFirstLayer) firstLayerGradient(x, ws.dZ[0], n, sizes[0], sizes[1], grads.w[0]);
}
