/**
 * A compute backend: where the network's numbers live and which kernels run on them.
 *
 * The training loop talks only to this interface. `createTsBackend` runs the plain TypeScript
 * reference kernels of core/network.ts; faster backends (WebAssembly SIMD, worker threads) keep the
 * same contract and are tested against it.
 *
 * @module
 */

import { ShapeError } from "./errors.ts";
import {
  type Activation,
  backward,
  createGrads,
  createWorkspace,
  D,
  forward,
  type Grads,
  type Params,
  sgdStep,
  softmaxCrossEntropy,
  type Workspace,
  zeroGrads,
  zeroParams,
} from "./network.ts";

/** Names of the available backends, as written in config.yaml `train.kernel`. */
export type BackendKind = "ts" | "wasm";

/** The contract every backend keeps. Buffers are allocated once; no call allocates. */
export interface Backend {
  /** Which kernels run. */
  readonly kind: BackendKind;
  /** The parameters; read them, or write them to load weights. */
  readonly params: Params;
  /** The hidden non-linearity. */
  readonly activation: Activation;
  /** Largest batch N. */
  readonly capacity: number;
  /** The batch input buffer, (capacity, D): write pixel values in [0, 1] here before a call. */
  readonly x: Float32Array;
  /** Class probabilities of the last {@linkcode Backend.trainStep} or {@linkcode Backend.predict}, (capacity, K). */
  readonly probs: Float32Array;
  /**
   * One SGD step on the first n rows of `x`: forward, softmax cross-entropy, backward, update.
   *
   * @param labels Labels of the rows, read from `labels[offset]` on.
   * @returns The summed loss of the n rows, before the update.
   */
  trainStep(labels: ArrayLike<number>, offset: number, n: number, lr: number): number;
  /** Forward pass and softmax of the first n rows of `x`, into `probs`; returns the summed loss. */
  predict(labels: ArrayLike<number> | null, offset: number, n: number): number;
  /** Release threads or memory. */
  dispose(): void;
}

/**
 * The reference backend: the plain TypeScript kernels of core/network.ts.
 *
 * @param hidden H.
 * @param activation The hidden non-linearity.
 * @param capacity The largest batch N.
 * @returns A backend whose parameters are all 0 until set.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createTsBackend } from "./backend.ts";
 * const b = createTsBackend(8, "relu", 2);
 * b.x.fill(0.5);
 * b.predict(null, 0, 2);
 * assert.ok(Math.abs(b.probs[0] - 0.1) < 1e-6); // zero weights: uniform probabilities
 * ```
 */
export function createTsBackend(hidden: number, activation: Activation, capacity: number): Backend {
  const params = zeroParams(hidden);
  const ws: Workspace = createWorkspace(hidden, capacity);
  const grads: Grads = createGrads(hidden);
  const x = new Float32Array(capacity * D);
  return {
    kind: "ts",
    params,
    activation,
    capacity,
    x,
    probs: ws.probs,
    trainStep(labels, offset, n, lr) {
      forward(params, activation, x, n, ws);
      const loss = softmaxCrossEntropy(ws.logits, labels, offset, n, ws.probs, ws.dLogits);
      zeroGrads(grads);
      backward(params, activation, n, ws, grads);
      sgdStep(params, grads, x, ws.dZ0, n, lr);
      return loss;
    },
    predict(labels, offset, n) {
      forward(params, activation, x, n, ws);
      return softmaxCrossEntropy(ws.logits, labels, offset, n, ws.probs, null);
    },
    dispose() {},
  };
}

/** Copy parameters into a backend's own buffers (shapes must match). */
export function loadParams(backend: Backend, params: Params): void {
  if (params.hidden !== backend.params.hidden) {
    throw new ShapeError(
      `Cannot load weights: they have ${params.hidden} hidden units, the backend ${backend.params.hidden}`,
    );
  }
  backend.params.w0.set(params.w0);
  backend.params.b0.set(params.b0);
  backend.params.w1.set(params.w1);
  backend.params.b1.set(params.b1);
}
