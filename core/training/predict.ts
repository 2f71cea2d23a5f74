/**
 * Read single digits: run prepared 28×28 inputs through a network and rank the classes.
 *
 * @module
 */

import type { Backend } from "../kernels/backend.ts";
import { D, K } from "../network/network.ts";

/** The network's reading of one image. */
export interface Prediction {
  /** The most probable class. */
  readonly predicted: number;
  /** Its probability. */
  readonly confidence: number;
  /** Probability of each class, (K). */
  readonly probabilities: number[];
  /** The three most probable classes with their probabilities, best first. */
  readonly top3: [number, number][];
}

/**
 * Predict the class of each input.
 *
 * @param backend A backend holding the model.
 * @param inputs Prepared images, each (D) with values in [0, 1].
 * @returns One prediction per input, in order.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createTsBackend } from "../kernels/backend.ts";
 * import { predictDigits } from "./predict.ts";
 * const backend = createTsBackend(4, "relu", 2);
 * backend.params.b[1][7] = 5; // a network that always says 7
 * const [p] = predictDigits(backend, [new Float32Array(784)]);
 * assert.equal(p.predicted, 7);
 * assert.equal(p.top3[0][0], 7);
 * ```
 */
export function predictDigits(backend: Backend, inputs: readonly Float32Array[]): Prediction[] {
  const out: Prediction[] = [];
  for (let start = 0; start < inputs.length; start += backend.capacity) {
    const n = Math.min(backend.capacity, inputs.length - start);
    for (let r = 0; r < n; r++) backend.x.set(inputs[start + r].subarray(0, D), r * D);
    backend.predict(null, 0, n);
    for (let r = 0; r < n; r++) {
      const probabilities = Array.from(backend.probs.subarray(r * K, (r + 1) * K));
      const ranked = probabilities.map((p, k) => [k, p] as [number, number]).sort((a, b) =>
        b[1] - a[1] || a[0] - b[0]
      );
      out.push({
        predicted: ranked[0][0],
        confidence: ranked[0][1],
        probabilities,
        top3: ranked.slice(0, 3),
      });
    }
  }
  return out;
}
