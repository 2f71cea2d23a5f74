/**
 * The inside of the network for one input, for learners: the activations of every hidden layer,
 * and how much each input pixel pushed one class's logit (gradient × input).
 *
 * Shapes (docs/math.md): D = 784 inputs, Hₗ units of hidden layer l, K = 10 classes;
 * sizes = [D, H₁, …, H_L, K]; one input, so N = 1 throughout.
 *
 * @module
 */

import { activationBackward } from "../network/activations.ts";
import {
  type Activation,
  createWorkspace,
  D,
  forward,
  hiddenSizes,
  type Params,
} from "../network/network.ts";
import { ShapeError } from "../base/errors.ts";

/** What one input does inside the network. */
export interface Inside {
  /** a_l = act(z_l) of each hidden layer l = 0 … L − 1, (H_{l+1}) each. */
  readonly hidden: Float32Array[];
  /** The logits z_L, (K). */
  readonly logits: Float32Array;
  /** c = x ⊙ ∂z_L[k]/∂x: pixel i's push on the logit of class k, (D). */
  readonly contributions: Float32Array;
}

/**
 * Run one input forward and back-propagate the logit of class k to the input: the hidden
 * activations, and the contribution of every pixel, c_i = x_i · ∂z_L[k]/∂x_i.
 *
 * For relu without biases the network is linear on each region where the same units are on, so the
 * contributions add up to the logit exactly: Σᵢ cᵢ = z_L[k]. With biases, the biases of the layers
 * make up the rest.
 *
 * @param params The network.
 * @param activation Its hidden non-linearity.
 * @param x The input, (D), in [0, 1].
 * @param k The class whose logit to explain, 0 … K − 1.
 * @returns The hidden activations, the logits and the contributions.
 * @throws {ShapeError} When x is not (D) or k is not a class of the network.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initParams, Rng } from "../network/mod.ts";
 * import { lookInside } from "./inside.ts";
 * const params = initParams(8, "relu", new Rng(1));
 * params.b.forEach((b) => b.fill(0));
 * const x = new Float32Array(784).fill(0.5);
 * const inside = lookInside(params, "relu", x, 3);
 * assert.equal(inside.hidden[0].length, 8);
 * const sum = inside.contributions.reduce((s, c) => s + c, 0);
 * assert.ok(Math.abs(sum - inside.logits[3]) < 1e-4);
 * ```
 */
export function lookInside(params: Params, activation: Activation, x: Float32Array, k: number): Inside {
  const { sizes, w } = params, last = w.length - 1;
  const classes = sizes[sizes.length - 1];
  if (x.length !== D) {
    throw new ShapeError(`Cannot look inside the network: input has ${x.length} values, expected ${D}`);
  }
  if (!Number.isInteger(k) || k < 0 || k >= classes) {
    throw new ShapeError(
      `Cannot look inside the network: class is ${k}, expected an integer from 0 to ${classes - 1}`,
    );
  }
  const ws = createWorkspace(hiddenSizes(params), 1);
  forward(params, activation, x, 1, ws);
  // g = ∂z_L[k]/∂z_l, walking down from the logits: g_L = onehot(k)
  let g = new Float32Array(classes);
  g[k] = 1;
  for (let l = last; l >= 0; l--) {
    const inputs = sizes[l], outputs = sizes[l + 1], wl = w[l];
    // ∂z_L[k]/∂a_{l−1} = w_l · g, (sizes[l]); a_{−1} = x
    const below = new Float32Array(inputs);
    for (let i = 0; i < inputs; i++) {
      let s = 0;
      for (let o = 0; o < outputs; o++) s += wl[i * outputs + o] * g[o];
      below[i] = s;
    }
    // ∂z_L[k]/∂z_{l−1} = ∂z_L[k]/∂a_{l−1} ⊙ act'(z_{l−1})
    if (l > 0) activationBackward(ws.z[l - 1], ws.act[l - 1], inputs, activation, below);
    g = below;
  }
  const contributions = new Float32Array(D);
  for (let i = 0; i < D; i++) contributions[i] = x[i] * g[i]; // c = x ⊙ ∂z_L[k]/∂x
  return {
    hidden: ws.act.map((a) => new Float32Array(a)),
    logits: new Float32Array(ws.logits),
    contributions,
  };
}
