/**
 * Optimizers: how a step turns gradients into new parameters. Backward (core/network/network.ts)
 * only computes gradients; an optimizer applies them and owns its state (velocities, moments, the
 * step count), which a checkpoint saves and restores.
 *
 * With g = dL/dθ of the mean batch loss and λ the weight decay, every optimizer first adds the L2
 * term to the weights' gradients, g ← g + λ·w (biases are not decayed), then:
 *
 * | name | update |
 * |---|---|
 * | sgd | θ ← θ − lr·g |
 * | momentum | v ← μ·v + g;  θ ← θ − lr·v  (Nesterov: θ ← θ − lr·(g + μ·v)) |
 * | adam | t ← t + 1;  m ← β₁·m + (1 − β₁)·g;  v ← β₂·v + (1 − β₂)·g²;  θ ← θ − lr·m̂ / (√v̂ + ε), with m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ) |
 *
 * Momentum follows PyTorch's convention (v accumulates g, not lr·g); Adam is Kingma & Ba (2015),
 * Algorithm 1. Plain SGD without weight decay applies the first layer's gradient xᵀ·dZ0 without
 * building it, one non-zero pixel row at a time; every other case needs it dense, because a
 * velocity, a moment or the decay changes every weight, lit pixel or not (docs/math.md).
 *
 * @module
 */

import { LimitError } from "../base/errors.ts";
import type { Grads, Params } from "./network.ts";

/** The names config.yaml's `train.optimizer` accepts. */
export const OPTIMIZERS = ["sgd", "momentum", "adam"] as const;

/** An optimizer's name. */
export type OptimizerName = typeof OPTIMIZERS[number];

/** An optimizer and its hyperparameters (config.yaml `train`). */
export interface OptimizerSettings {
  readonly name: OptimizerName;
  /** λ of the L2 penalty (λ/2)·Σ w² on every weight matrix; 0 for none. */
  readonly weightDecay: number;
  /** μ of momentum. */
  readonly momentum: number;
  /** Nesterov's variant of momentum. */
  readonly nesterov: boolean;
  /** β₁, β₂ and ε of Adam. */
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

/** Plain SGD; the other hyperparameters at their usual defaults. */
export const DEFAULT_OPTIMIZER: OptimizerSettings = Object.freeze({
  name: "sgd",
  weightDecay: 0,
  momentum: 0.9,
  nesterov: false,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
});

/** What a checkpoint saves of an optimizer: its step count and its named state arrays. */
export interface OptimizerState {
  /** Steps taken (Adam's t). */
  readonly step: number;
  /** e.g. "v_w0" (momentum's velocity of w0), "m_b1" (Adam's first moment of b1); float32. */
  readonly arrays: ReadonlyMap<string, Float32Array>;
}

/** The batch's first-layer factors, for plain SGD's sparse update of w0. */
export interface FirstLayerFactors {
  /** The batch inputs, (N, D). */
  readonly x: Float32Array;
  /** dL/dz0, (N, H₁). */
  readonly dZ0: Float32Array;
  /** N. */
  readonly n: number;
}

/** An optimizer with its state. */
export interface Optimizer {
  readonly settings: OptimizerSettings;
  /** Whether the step needs grads.w[0] built (see core/network/network.ts `backward`). */
  readonly denseFirstLayer: boolean;
  /**
   * Update the parameters in place.
   *
   * @param params The network.
   * @param grads Gradients of the mean batch loss; weight decay is added to them here.
   * @param lr The learning rate of this step.
   * @param first The factors of grads.w[0], used when {@linkcode Optimizer.denseFirstLayer} is false.
   */
  step(params: Params, grads: Grads, lr: number, first: FirstLayerFactors): void;
  /** A copy of the state, for a checkpoint. */
  getState(): OptimizerState;
  /**
   * Restore a state from {@linkcode Optimizer.getState}.
   *
   * @throws {LimitError} When an array is missing, extra or of the wrong length.
   */
  setState(state: OptimizerState): void;
}

/**
 * The names of the state arrays an optimizer keeps for a network: none for sgd, "v_w0", "v_b0", …
 * for momentum, "m_w0", "v_w0", "m_b0", … for adam.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stateArrayNames } from "./optimizers.ts";
 * assert.deepEqual(stateArrayNames("momentum", 2), ["v_w0", "v_b0", "v_w1", "v_b1"]);
 * ```
 */
export function stateArrayNames(name: OptimizerName, layers: number): string[] {
  // the sizes do not change the names; any sizes of this depth will do
  return _stateArrays(name, new Array(layers + 1).fill(1)).map(([key]) => key);
}

/** Each state array's name and length, in the order of {@linkcode stateArrayNames}. */
function _stateArrays(name: OptimizerName, sizes: readonly number[]): [string, number][] {
  const kinds = name === "sgd" ? [] : name === "momentum" ? ["v"] : ["m", "v"];
  const out: [string, number][] = [];
  for (let l = 0; l < sizes.length - 1; l++) {
    for (const k of kinds) out.push([`${k}_w${l}`, sizes[l] * sizes[l + 1]]);
    for (const k of kinds) out.push([`${k}_b${l}`, sizes[l + 1]]);
  }
  return out;
}

/**
 * g ← g + λ·w for every weight matrix (not the biases): the gradient of (λ/2)·Σ w².
 *
 * @param params The network.
 * @param grads Gradients; grads.w must all be built.
 * @param lambda λ.
 */
export function addWeightDecay(params: Params, grads: Grads, lambda: number): void {
  if (lambda === 0) return;
  params.w.forEach((w, l) => {
    const g = grads.w[l];
    for (let i = 0; i < w.length; i++) g[i] += lambda * w[i];
  });
}

/**
 * Create an optimizer for a network with these layer sizes; its state starts at 0.
 *
 * @param settings Which optimizer, with its hyperparameters.
 * @param sizes The network's layer sizes [D, H₁, …, K].
 * @param alloc Makes a zeroed state array of a length (a backend may place them in its own memory).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createOptimizer, DEFAULT_OPTIMIZER } from "./optimizers.ts";
 * const params = { sizes: [1, 1, 1], w: [new Float32Array([1]), new Float32Array([1])], b: [new Float32Array(1), new Float32Array(1)] };
 * const grads = { w: [new Float32Array([0.5]), new Float32Array([0.5])], b: [new Float32Array(1), new Float32Array(1)] };
 * const adam = createOptimizer({ ...DEFAULT_OPTIMIZER, name: "adam" }, params.sizes);
 * adam.step(params, grads, 0.1, { x: new Float32Array(1), dZ0: new Float32Array(1), n: 1 });
 * assert.ok(Math.abs(params.w[1][0] - 0.9) < 1e-6); // Adam's first step moves by lr·sign(g)
 * ```
 */
export function createOptimizer(
  settings: OptimizerSettings,
  sizes: readonly number[],
  alloc: (length: number) => Float32Array = (length) => new Float32Array(length),
): Optimizer {
  const layers = sizes.length - 1;
  const arrays = new Map<string, Float32Array>();
  for (const [key, length] of _stateArrays(settings.name, sizes)) arrays.set(key, alloc(length));
  const state = { step: 0 };
  const dense = settings.name !== "sgd" || settings.weightDecay > 0;
  /** Visit every parameter array with its gradient and its name ("w0", "b0", …). */
  const each = (
    params: Params,
    grads: Grads,
    visit: (p: Float32Array, g: Float32Array, key: string) => void,
  ) => {
    for (let l = 0; l < layers; l++) {
      visit(params.w[l], grads.w[l], `w${l}`);
      visit(params.b[l], grads.b[l], `b${l}`);
    }
  };
  return {
    settings,
    denseFirstLayer: dense,
    step(params, grads, lr, first) {
      addWeightDecay(params, grads, settings.weightDecay);
      state.step++;
      switch (settings.name) {
        case "sgd":
          each(params, grads, (p, g, key) => {
            if (key === "w0" && !dense) sgdFirstLayer(p, first, params.sizes[1], lr);
            else for (let i = 0; i < p.length; i++) p[i] -= lr * g[i];
          });
          return;
        case "momentum": {
          const mu = settings.momentum, nesterov = settings.nesterov;
          each(params, grads, (p, g, key) => {
            const v = arrays.get(`v_${key}`)!;
            for (let i = 0; i < p.length; i++) {
              v[i] = mu * v[i] + g[i];
              p[i] -= lr * (nesterov ? g[i] + mu * v[i] : v[i]);
            }
          });
          return;
        }
        case "adam": {
          const { beta1, beta2, epsilon } = settings, t = state.step;
          const correct1 = 1 - beta1 ** t, correct2 = 1 - beta2 ** t; // bias corrections
          each(params, grads, (p, g, key) => {
            const m = arrays.get(`m_${key}`)!, v = arrays.get(`v_${key}`)!;
            for (let i = 0; i < p.length; i++) {
              m[i] = beta1 * m[i] + (1 - beta1) * g[i];
              v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
              p[i] -= lr * (m[i] / correct1) / (Math.sqrt(v[i] / correct2) + epsilon);
            }
          });
          return;
        }
      }
    },
    getState() {
      return { step: state.step, arrays: new Map([...arrays].map(([k, a]) => [k, a.slice()])) };
    },
    setState(saved) {
      const want = [...arrays.keys()], got = [...saved.arrays.keys()];
      if (want.length !== got.length || want.some((k) => !saved.arrays.has(k))) {
        throw new LimitError(
          `Cannot restore the ${settings.name} optimizer: it keeps [${want.join(", ")}], the state has [${
            got.join(", ")
          }]`,
        );
      }
      if (!Number.isInteger(saved.step) || saved.step < 0) {
        throw new LimitError(`Cannot restore the ${settings.name} optimizer: step is ${saved.step}`);
      }
      for (const [key, array] of arrays) {
        const from = saved.arrays.get(key)!;
        if (from.length !== array.length) {
          throw new LimitError(
            `Cannot restore the ${settings.name} optimizer: "${key}" has ${from.length} values, expected ${array.length}`,
          );
        }
        array.set(from);
      }
      state.step = saved.step;
    },
  };
}

/**
 * Plain SGD on w0 from its factors: w0[i, :] −= lr·x[n, i]·dZ0[n, :] for every sample n and every
 * non-zero pixel i, one sample after another. This is the update θ ← θ − lr·xᵀ·dZ0 without the
 * (D, H) matrix; a zero pixel's row has zero gradient and is left alone.
 */
function sgdFirstLayer(w0: Float32Array, first: FirstLayerFactors, hidden: number, lr: number): void {
  const { x, dZ0, n } = first, inputs = w0.length / hidden;
  for (let s = 0; s < n; s++) {
    const xRow = s * inputs, dRow = s * hidden;
    for (let i = 0; i < inputs; i++) {
      const xi = x[xRow + i];
      if (xi === 0) continue; // zero pixels have zero gradient in their w0 row
      const scale = lr * xi, wRow = i * hidden;
      for (let j = 0; j < hidden; j++) w0[wRow + j] -= scale * dZ0[dRow + j];
    }
  }
}
