/**
 * Score a network on a labelled set: loss, accuracy, per-class accuracy and the confusion matrix.
 *
 * @module
 */

import type { Backend } from "../kernels/backend.ts";
import type { Dataset } from "./dataset.ts";
import { K } from "../network/network.ts";

/** What {@linkcode evaluate} measures. */
export interface Evaluation {
  /** N, images scored. */
  readonly count: number;
  /** Mean cross-entropy loss. */
  readonly loss: number;
  /** Fraction of images whose most probable class is the label. */
  readonly accuracy: number;
  /** confusion[true][predicted]: how many images of class `true` were read as `predicted`, (K, K). */
  readonly confusion: number[][];
  /** The predicted class of each image, (N). */
  readonly predicted: Uint8Array;
  /** The probability the network gave its prediction, (N). */
  readonly confidence: Float32Array;
}

/**
 * Index of the largest of K values in a row: the predicted class.
 *
 * @param probs (N, K).
 * @param row Which row.
 */
export function argmaxRow(probs: Float32Array, row: number): number {
  let best = 0;
  for (let k = 1; k < K; k++) if (probs[row * K + k] > probs[row * K + best]) best = k;
  return best;
}

/**
 * Run the network over a whole labelled set, in batches of the backend's capacity.
 *
 * @param backend A backend holding the parameters to score.
 * @param data The images and labels.
 * @returns Loss, accuracy, confusion matrix and every prediction.
 */
export function evaluate(backend: Backend, data: Dataset): Evaluation {
  const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  const predicted = new Uint8Array(data.count);
  const confidence = new Float32Array(data.count);
  let lossSum = 0, correct = 0;
  for (let start = 0; start < data.count; start += backend.capacity) {
    const n = Math.min(backend.capacity, data.count - start);
    lossSum += backend.predictImages(data.pixels, start, n, data.labels);
    for (let r = 0; r < n; r++) {
      const guess = argmaxRow(backend.probs, r), label = data.labels[start + r];
      predicted[start + r] = guess;
      confidence[start + r] = backend.probs[r * K + guess];
      confusion[label][guess]++;
      if (guess === label) correct++;
    }
  }
  return {
    count: data.count,
    loss: data.count ? lossSum / data.count : NaN,
    accuracy: data.count ? correct / data.count : NaN,
    confusion,
    predicted,
    confidence,
  };
}
