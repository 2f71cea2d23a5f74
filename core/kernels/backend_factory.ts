/**
 * One entry point for every backend, as config.yaml names them: `train.kernel` ("ts" or "wasm")
 * and `train.threads`.
 *
 * @module
 */

import {
  type Backend,
  type BackendKind,
  createTsBackend,
  DEFAULT_TRAINING,
  type TrainingSetup,
  usesDropout,
} from "./backend.ts";
import { checkThreadCount, createThreadedBackend } from "./backend_threads.ts";
import { checkBackendShape, createWasmBackend } from "./backend_wasm.ts";
import { createDenseWasmBackend } from "./backend_dense_wasm.ts";
import { LimitError } from "../base/errors.ts";
import { type Activation, ACTIVATIONS, isActivation } from "../network/activations.ts";
import { type Hidden, layerSizes } from "../network/network.ts";

/**
 * Whether the fused kernels of core/kernels/kernels.wat can train this network: one hidden layer,
 * relu or sigmoid, plain SGD without weight decay, no dropout. They are the fast path for the
 * classic 784 → H → 10 network; everything else runs on the generic kernels of core/kernels/dense.wat.
 */
export function fusedKernelsFit(hidden: Hidden, activation: Activation, training: TrainingSetup): boolean {
  const sizes = layerSizes(hidden);
  return sizes.length === 3 && (activation === "relu" || activation === "sigmoid") &&
    training.optimizer.name === "sgd" && training.optimizer.weightDecay === 0 && !usesDropout(training);
}

/**
 * Create a backend.
 *
 * - "ts": the TypeScript reference kernels; `threads` must be 1.
 * - "wasm", one hidden layer trained by plain SGD ({@linkcode fusedKernelsFit}): the fused
 *   WebAssembly SIMD kernels, on the calling thread and T − 1 workers, with the same bytes for any T.
 * - "wasm", any other network: the generic WebAssembly SIMD kernels, any depth and optimizer, on the
 *   calling thread and T − 1 workers, with the same bytes for any T.
 *
 * @param kind "ts" or "wasm".
 * @param hidden The hidden layer sizes.
 * @param activation The hidden non-linearity.
 * @param capacity The largest batch N.
 * @param threads T, 1 to 16.
 * @param training The optimizer and dropout rates; plain SGD without dropout when left out.
 * @returns A backend with parameters at 0; call dispose() when done.
 * @throws {LimitError} For an unknown kind, a thread count out of range or more than 1 thread for
 *   "ts", and for bad hidden sizes, activation or capacity.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createBackend } from "./backend_factory.ts";
 * const b = await createBackend("wasm", 8, "relu", 4, 1);
 * assert.ok(b.kind === "wasm" && b.capacity === 4);
 * b.dispose();
 * ```
 */
export async function createBackend(
  kind: BackendKind,
  hidden: Hidden,
  activation: Activation,
  capacity: number,
  threads = 1,
  training: TrainingSetup = DEFAULT_TRAINING,
): Promise<Backend> {
  if (kind !== "ts" && kind !== "wasm") {
    throw new LimitError(`Cannot create a backend: kind is "${kind}", expected "ts" or "wasm"`);
  }
  checkThreadCount(threads, "create a backend");
  _checkNetwork(kind, hidden, activation, capacity);
  if (kind === "ts") {
    if (threads !== 1) {
      throw new LimitError(
        `Cannot create a backend: the "ts" kernels run on 1 thread, ${threads} were asked for`,
      );
    }
    return createTsBackend(hidden, activation, capacity, training);
  }
  if (!fusedKernelsFit(hidden, activation, training)) {
    return await createDenseWasmBackend(hidden, activation, capacity, training, threads);
  }
  const h = layerSizes(hidden)[1];
  checkBackendShape(h, activation, capacity);
  return threads === 1
    ? await createWasmBackend(h, activation, capacity)
    : await createThreadedBackend(h, activation, capacity, threads);
}

/** Refuse bad hidden sizes, an unknown activation or a bad capacity with the backend's name in the message. */
function _checkNetwork(kind: string, hidden: Hidden, activation: Activation, capacity: number): void {
  try {
    layerSizes(hidden);
  } catch (error) {
    const reason = (error as Error).message.replace(/^Cannot create the network: /, "");
    throw new LimitError(`Cannot create the ${kind} backend: ${reason}`);
  }
  if (!isActivation(activation)) {
    throw new LimitError(
      `Cannot create the ${kind} backend: activation is "${activation}", expected one of ${
        ACTIVATIONS.map((a) => `"${a}"`).join(", ")
      }`,
    );
  }
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new LimitError(
      `Cannot create the ${kind} backend: capacity is ${capacity}, expected a positive integer`,
    );
  }
}
