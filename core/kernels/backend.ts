/**
 * A compute backend: where the network's numbers live and which kernels run on them.
 *
 * The training loop talks only to this interface. `createTsBackend` runs the plain TypeScript
 * reference kernels of core/network/network.ts; faster backends (WebAssembly SIMD, worker threads) keep the
 * same contract and are tested against it.
 *
 * @module
 */

import { LimitError, ShapeError } from "../base/errors.ts";
import { rowLoader } from "../network/input.ts";
import { softmaxCrossEntropy } from "../network/loss.ts";
import {
  type Activation,
  backward,
  createGrads,
  createWorkspace,
  D,
  drawDropoutMasks,
  forward,
  type Grads,
  type Hidden,
  K,
  type Params,
  type Workspace,
  zeroGrads,
  zeroParams,
} from "../network/network.ts";
import {
  createOptimizer,
  DEFAULT_OPTIMIZER,
  type Optimizer,
  type OptimizerSettings,
} from "../network/optimizers.ts";
import { Rng } from "../network/rng.ts";

/** How a backend trains, beyond the network's shape: the optimizer and the dropout rates. */
export interface TrainingSetup {
  readonly optimizer: OptimizerSettings;
  /** Dropout rate p of each hidden layer, in [0, 1); empty or all 0 for none. */
  readonly dropout: readonly number[];
}

/** Plain SGD, no weight decay, no dropout. */
export const DEFAULT_TRAINING: TrainingSetup = Object.freeze({ optimizer: DEFAULT_OPTIMIZER, dropout: [] });

/** Whether a setup uses dropout at all. */
export function usesDropout(setup: TrainingSetup): boolean {
  return setup.dropout.some((p) => p > 0);
}

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
  /** The optimizer that {@linkcode Backend.trainStep} applies, with its state (for checkpoints). */
  readonly optimizer: Optimizer;
  /**
   * Seed the dropout masks of the next training steps (the training loop calls it once per epoch
   * with a draw of the run's generator, when dropout is on). Without dropout it does nothing.
   */
  seedDropout(seed: number): void;
  /** Largest batch N. */
  readonly capacity: number;
  /** The batch input buffer, (capacity, D): write pixel values in [0, 1] here before a call. */
  readonly x: Float32Array;
  /**
   * Fill the first n rows of `x` from images stored as bytes, each byte p as p / 255 (the floats of
   * `PIXEL_TO_INPUT` in core/network/input.ts). Row r gets image `order[start + r]`, or `start + r`
   * without an order. The wasm backend converts in wasm, which is faster than writing `x` from
   * TypeScript. The threaded backend also puts the rows into each worker's copy of the batch, which
   * the next trainStep uses: between the two, write `x` only through `x` read after this call.
   *
   * @param pixels Images of D bytes each, one after another.
   * @throws {LimitError} When n is not in [1, capacity], or a row's image is not in `pixels`.
   */
  loadImages(pixels: Uint8Array, start: number, n: number, order?: ArrayLike<number>): void;
  /**
   * Keep a copy of these images (bytes, D per image) in the backend's own memory, so that
   * {@linkcode Backend.loadImages} and {@linkcode Backend.predictImages} of this same array read its
   * rows there instead of copying them in on every call (the wasm backends; the others leave it out).
   * The caller must not change the array afterwards; holding another array replaces it.
   *
   * @throws {LimitError} When the bytes are not whole images or do not fit in the backend's memory.
   */
  holdImages?(pixels: Uint8Array): void;
  /** Class probabilities of the last {@linkcode Backend.trainStep} or {@linkcode Backend.predict}, (capacity, K). */
  readonly probs: Float32Array;
  /**
   * One training step on the first n rows of `x`: forward (with dropout), softmax cross-entropy,
   * backward, and the optimizer's update.
   *
   * @param labels Labels of the rows, read from `labels[offset]` on.
   * @returns The summed loss of the n rows, before the update.
   */
  trainStep(labels: ArrayLike<number>, offset: number, n: number, lr: number): number;
  /** Forward pass and softmax of the first n rows of `x`, into `probs`; returns the summed loss. */
  predict(labels: ArrayLike<number> | null, offset: number, n: number): number;
  /**
   * Forward pass and softmax of images `start` to `start + n − 1` of `pixels` (bytes, as
   * {@linkcode Backend.loadImages} takes them), into `probs`; returns the summed loss, with the
   * labels read from `labels[start]` on, or 0 without labels. The numbers are those of loadImages
   * then predict, but `x` is left unspecified: the wasm kernels list each image's non-zero pixels
   * straight from its bytes and never fill `x`, which saves a pass over 4 bytes per pixel.
   *
   * @throws {LimitError} When n is not in [1, capacity], the images are not all in `pixels`, or the
   *   labels are too few.
   */
  predictImages(pixels: Uint8Array, start: number, n: number, labels: ArrayLike<number> | null): number;
  /** Release threads or memory. */
  dispose(): void;
}

/**
 * The reference backend: the plain TypeScript kernels of core/network/.
 *
 * @param hidden The hidden layer sizes.
 * @param activation The hidden non-linearity.
 * @param capacity The largest batch N.
 * @param training The optimizer and dropout; plain SGD without dropout when left out.
 * @returns A backend whose parameters are all 0 until set.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createTsBackend } from "./backend.ts";
 * const b = createTsBackend([8, 4], "tanh", 2);
 * b.x.fill(0.5);
 * b.predict(null, 0, 2);
 * assert.ok(Math.abs(b.probs[0] - 0.1) < 1e-6); // zero weights: uniform probabilities
 * ```
 */
export function createTsBackend(
  hidden: Hidden,
  activation: Activation,
  capacity: number,
  training: TrainingSetup = DEFAULT_TRAINING,
): Backend {
  const params = zeroParams(hidden);
  const dropout = usesDropout(training);
  const ws: Workspace = createWorkspace(hidden, capacity, dropout);
  const grads: Grads = createGrads(hidden);
  const optimizer = createOptimizer(training.optimizer, params.sizes);
  const x = new Float32Array(capacity * D);
  let dropoutRng = new Rng(0);
  let loadedFrom: Uint8Array | null = null, load = rowLoader(new Uint8Array(0));
  /** Rows 0 … n − 1 of x from the images, after the caller has checked the rows. */
  const fillRows = (pixels: Uint8Array, start: number, n: number, order?: ArrayLike<number>) => {
    if (pixels !== loadedFrom) {
      loadedFrom = pixels;
      load = rowLoader(pixels);
    }
    for (let r = 0; r < n; r++) load(order ? order[start + r] : start + r, x, r);
  };
  const predict = (labels: ArrayLike<number> | null, offset: number, n: number) => {
    checkBatchCall("predict", labels, offset, n, 0, capacity);
    forward(params, activation, x, n, ws);
    return softmaxCrossEntropy(ws.logits, labels, offset, n, ws.probs, null);
  };
  return {
    kind: "ts",
    params,
    activation,
    optimizer,
    capacity,
    x,
    probs: ws.probs,
    seedDropout(seed) {
      dropoutRng = new Rng(seed);
    },
    loadImages(pixels, start, n, order) {
      checkImageRows(pixels, start, n, order, capacity);
      fillRows(pixels, start, n, order);
    },
    trainStep(labels, offset, n, lr) {
      checkBatchCall("run a training step", labels, offset, n, lr, capacity);
      if (dropout) drawDropoutMasks(ws, n, training.dropout, dropoutRng);
      forward(params, activation, x, n, ws, true);
      const loss = softmaxCrossEntropy(ws.logits, labels, offset, n, ws.probs, ws.dLogits);
      zeroGrads(grads);
      backward(params, activation, x, n, ws, grads, optimizer.denseFirstLayer);
      optimizer.step(params, grads, lr, { x, dZ0: ws.dZ[0], n });
      return loss;
    },
    predict,
    predictImages(pixels, start, n, labels) {
      checkImageRows(pixels, start, n, undefined, capacity);
      checkBatchCall("predict", labels, start, n, 0, capacity);
      fillRows(pixels, start, n); // the reference: the numbers of loadImages then predict
      return predict(labels, start, n);
    },
    dispose() {},
  };
}

/**
 * Check the arguments of a {@linkcode Backend.loadImages} call.
 *
 * @throws {LimitError} When n is not in [1, capacity], `pixels` is not whole images, or a row's image
 *   index (from `order`, or `start + r`) is not an image of `pixels`.
 */
export function checkImageRows(
  pixels: Uint8Array,
  start: number,
  n: number,
  order: ArrayLike<number> | undefined,
  capacity: number,
): void {
  const action = "Cannot load images";
  if (!Number.isInteger(n) || n < 1 || n > capacity) {
    throw new LimitError(`${action}: batch size is ${n}, expected an integer in [1, ${capacity}]`);
  }
  if (pixels.length % D !== 0) {
    throw new LimitError(`${action}: ${pixels.length} bytes are not whole images of ${D} pixels`);
  }
  const count = pixels.length / D, rows = order ? order.length : count;
  if (!Number.isInteger(start) || start < 0 || start + n > rows) {
    throw new LimitError(
      `${action}: rows ${start} to ${start + n - 1} are not all in the ${order ? "order" : "images"}, ` +
        `which holds ${rows}`,
    );
  }
  if (!order) return;
  for (let r = start; r < start + n; r++) {
    const index = order[r];
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      throw new LimitError(
        `${action}: order[${r}] is ${index}, expected an image index in [0, ${count - 1}]`,
      );
    }
  }
}

/** Copy parameters into a backend's own buffers (the layer sizes must match). */
export function loadParams(backend: Backend, params: Params): void {
  const want = backend.params.sizes, got = params.sizes;
  if (want.length !== got.length || want.some((v, i) => v !== got[i])) {
    throw new ShapeError(
      `Cannot load weights: they have layers ${got.join("-")}, the backend ${want.join("-")}`,
    );
  }
  params.w.forEach((w, l) => backend.params.w[l].set(w));
  params.b.forEach((b, l) => backend.params.b[l].set(b));
}

/**
 * Check the arguments of a trainStep or predict call.
 *
 * @param action What the call does, for the message: "run a training step" or "predict".
 * @param labels The labels, or null (predict only).
 * @param offset Index of row 0's label.
 * @param n N.
 * @param lr The learning rate (training only, else 0).
 * @param capacity The backend's largest batch.
 * @throws {LimitError} When n is not in [1, capacity], the labels do not cover the rows or one is not
 *   a class in [0, K), or lr is not finite and non-negative.
 */
export function checkBatchCall(
  action: string,
  labels: ArrayLike<number> | null,
  offset: number,
  n: number,
  lr: number,
  capacity: number,
): void {
  if (!Number.isInteger(n) || n < 1 || n > capacity) {
    throw new LimitError(`Cannot ${action}: batch size is ${n}, expected an integer in [1, ${capacity}]`);
  }
  if (!Number.isFinite(lr) || lr < 0) {
    throw new LimitError(`Cannot ${action}: learning rate is ${lr}, expected a finite number >= 0`);
  }
  if (labels === null) return;
  if (!Number.isInteger(offset) || offset < 0 || offset + n > labels.length) {
    throw new LimitError(
      `Cannot ${action}: labels from offset ${offset} do not cover ${n} rows, there are ${labels.length} labels`,
    );
  }
  for (let s = offset; s < offset + n; s++) {
    const y = labels[s];
    if (!Number.isInteger(y) || y < 0 || y >= K) {
      throw new LimitError(
        `Cannot ${action}: label at index ${s} is ${y}, expected an integer in [0, ${K - 1}]`,
      );
    }
  }
}
