/**
 * The hidden layers' non-linearities, a = act(z), and their derivatives act'(z), element-wise.
 *
 * | name | act(z) | act'(z), written with a = act(z) where that is cheaper |
 * |---|---|---|
 * | relu | max(0, z) | 1 if z > 0, else 0 |
 * | leaky_relu | z if z > 0, else α·z (α = {@linkcode LEAKY_SLOPE}) | 1 if z > 0, else α |
 * | tanh | tanh(z) | 1 − a² |
 * | sigmoid | 1 / (1 + e^−z) | a·(1 − a) |
 * | elu | z if z > 0, else α·(e^z − 1) (α = {@linkcode ELU_ALPHA}) | 1 if z > 0, else a + α |
 *
 * Adding an activation: a name in {@linkcode ACTIVATIONS}, a case in both functions below and in
 * {@linkcode initGain}, and a case for its index in core/kernels/dense.wat. The config's validation
 * and the model loader (scripts/_model.ts) read the list from here.
 *
 * @module
 */

/** The names config.yaml's `model.activation` accepts, in the order messages list them. */
export const ACTIVATIONS = ["relu", "leaky_relu", "tanh", "sigmoid", "elu"] as const;

/** A hidden-layer non-linearity. */
export type Activation = typeof ACTIVATIONS[number];

/** α of leaky_relu: the slope for z ≤ 0 (the value of Maas et al. 2013 and most libraries). */
export const LEAKY_SLOPE = 0.01;

/** α of elu: the value it tends to for z → −∞ is −α (Clevert et al. 2016 use 1). */
export const ELU_ALPHA = 1;

/**
 * Whether a value names an activation of {@linkcode ACTIVATIONS}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isActivation } from "./activations.ts";
 * assert.ok(isActivation("tanh") && !isActivation("swish"));
 * ```
 */
export function isActivation(value: unknown): value is Activation {
  return (ACTIVATIONS as readonly unknown[]).includes(value);
}

/**
 * The variance gain of the weights feeding an activation: 2 for the relu family (He init), 1 for
 * the saturating ones (Xavier/Glorot init); a layer's weights are drawn with std = sqrt(gain / fanIn).
 */
export function initGain(activation: Activation): number {
  return activation === "relu" || activation === "leaky_relu" || activation === "elu" ? 2 : 1;
}

/**
 * a = act(z), element-wise.
 *
 * @param z Pre-activations, (N, H).
 * @param len N·H, the number of values to use.
 * @param activation Which non-linearity.
 * @param a Output, (N, H).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { activationForward } from "./activations.ts";
 * const a = new Float32Array(2);
 * activationForward(new Float32Array([-2, 3]), 2, "leaky_relu", a);
 * assert.deepEqual([...a], [Math.fround(-0.02), 3]);
 * ```
 */
export function activationForward(
  z: Float32Array,
  len: number,
  activation: Activation,
  a: Float32Array,
): void {
  switch (activation) {
    case "relu":
      for (let i = 0; i < len; i++) a[i] = z[i] > 0 ? z[i] : 0;
      return;
    case "leaky_relu":
      for (let i = 0; i < len; i++) a[i] = z[i] > 0 ? z[i] : LEAKY_SLOPE * z[i];
      return;
    case "tanh":
      for (let i = 0; i < len; i++) a[i] = Math.tanh(z[i]);
      return;
    case "sigmoid":
      for (let i = 0; i < len; i++) a[i] = 1 / (1 + Math.exp(-z[i]));
      return;
    case "elu":
      for (let i = 0; i < len; i++) a[i] = z[i] > 0 ? z[i] : ELU_ALPHA * Math.expm1(z[i]);
      return;
  }
}

/**
 * dZ = dA ⊙ act'(z), in place on d.
 *
 * @param z Pre-activations, (N, H).
 * @param a Activations act(z) before any dropout, (N, H).
 * @param len N·H.
 * @param activation Which non-linearity.
 * @param d On entry dL/da, on return dL/dz, (N, H).
 */
export function activationBackward(
  z: Float32Array,
  a: Float32Array,
  len: number,
  activation: Activation,
  d: Float32Array,
): void {
  switch (activation) {
    case "relu":
      for (let i = 0; i < len; i++) if (!(z[i] > 0)) d[i] = 0;
      return;
    case "leaky_relu":
      for (let i = 0; i < len; i++) if (!(z[i] > 0)) d[i] *= LEAKY_SLOPE;
      return;
    case "tanh":
      for (let i = 0; i < len; i++) d[i] *= 1 - a[i] * a[i];
      return;
    case "sigmoid":
      for (let i = 0; i < len; i++) d[i] *= a[i] * (1 - a[i]);
      return;
    case "elu":
      for (let i = 0; i < len; i++) if (!(z[i] > 0)) d[i] *= a[i] + ELU_ALPHA; // α·e^z = a + α
      return;
  }
}
