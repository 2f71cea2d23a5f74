/**
 * One entry point for every backend, as config.yaml names them: `train.kernel` ("ts" or "wasm")
 * and `train.threads`.
 *
 * @module
 */

import { type Backend, type BackendKind, createTsBackend } from "./backend.ts";
import { createThreadedBackend, MAX_THREADS } from "./backend_threads.ts";
import { checkBackendShape, createWasmBackend } from "./backend_wasm.ts";
import { LimitError } from "../base/errors.ts";
import type { Activation } from "../network/network.ts";

/**
 * Create a backend.
 *
 * - "ts": the TypeScript reference kernels; `threads` must be 1.
 * - "wasm" with 1 thread: the WebAssembly SIMD kernels on the calling thread.
 * - "wasm" with T > 1 threads: the same kernels on the calling thread and T − 1 workers, with the
 *   same bytes as one thread. Worth it for batches of about 16 and more.
 *
 * @param kind "ts" or "wasm".
 * @param hidden H.
 * @param activation The hidden non-linearity.
 * @param capacity The largest batch N.
 * @param threads T, 1 to 16.
 * @returns A backend with parameters at 0; call dispose() when done.
 * @throws {LimitError} For an unknown kind, a thread count out of range or more than 1 thread for
 *   "ts", and for a bad hidden size, activation or capacity.
 * @example
 * ```ts
 * import { createBackend } from "./backend_factory.ts";
 * const b = await createBackend("wasm", 8, "relu", 4, 1);
 * console.assert(b.kind === "wasm" && b.capacity === 4);
 * b.dispose();
 * ```
 */
export async function createBackend(
  kind: BackendKind,
  hidden: number,
  activation: Activation,
  capacity: number,
  threads = 1,
): Promise<Backend> {
  if (kind !== "ts" && kind !== "wasm") {
    throw new LimitError(`Cannot create a backend: kind is "${kind}", expected "ts" or "wasm"`);
  }
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new LimitError(
      `Cannot create a backend: thread count is ${threads}, expected an integer in [1, ${MAX_THREADS}]`,
    );
  }
  if (kind === "ts") {
    if (threads !== 1) {
      throw new LimitError(
        `Cannot create a backend: the "ts" kernels run on 1 thread, ${threads} were asked for`,
      );
    }
    checkBackendShape(hidden, activation, capacity, "ts");
    return createTsBackend(hidden, activation, capacity);
  }
  return threads === 1
    ? await createWasmBackend(hidden, activation, capacity)
    : await createThreadedBackend(hidden, activation, capacity, threads);
}
