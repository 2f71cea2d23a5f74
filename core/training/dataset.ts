/**
 * Image sets in memory, and the seeded split of a training set into training and validation parts.
 *
 * @module
 */

import { LimitError } from "../base/errors.ts";
import { D } from "../network/network.ts";
import type { Rng } from "../network/rng.ts";

/** Labelled 28×28 images: pixels (N, D) as bytes 0–255, labels (N). */
export interface Dataset {
  /** N, the number of images. */
  readonly count: number;
  /** Pixel values 0 (paper) to 255 (ink), (N, D), row-major. */
  readonly pixels: Uint8Array;
  /** Class of each image, (N). */
  readonly labels: Uint8Array;
}

/**
 * Take the images at the given indices, in that order, as a new dataset.
 *
 * @param data The source set.
 * @param indices Which images to take.
 * @param shared Put the pixels in a SharedArrayBuffer, for workers to read.
 * @returns A copy holding only those images.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { selectImages } from "./dataset.ts";
 * const data = { count: 2, pixels: new Uint8Array(2 * 784).fill(7, 784), labels: new Uint8Array([3, 5]) };
 * const picked = selectImages(data, [1]);
 * assert.ok(picked.count === 1 && picked.labels[0] === 5 && picked.pixels[0] === 7);
 * ```
 */
export function selectImages(data: Dataset, indices: ArrayLike<number>, shared = false): Dataset {
  const count = indices.length;
  // shared memory lets a worker read the images without a copy (core/augment/augment_pipeline.ts)
  const pixels = new Uint8Array(shared ? new SharedArrayBuffer(count * D) : new ArrayBuffer(count * D));
  const labels = new Uint8Array(count);
  for (let r = 0; r < count; r++) {
    const i = indices[r];
    pixels.set(data.pixels.subarray(i * D, (i + 1) * D), r * D);
    labels[r] = data.labels[i];
  }
  return { count, pixels, labels };
}

/**
 * Two image sets one after the other, as a new dataset.
 *
 * @param first The images that come first.
 * @param second The images appended after them.
 * @param shared Put the pixels in a SharedArrayBuffer, for workers to read.
 * @returns A copy holding first's images, then second's.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { appendImages } from "./dataset.ts";
 * const a = { count: 1, pixels: new Uint8Array(784), labels: new Uint8Array([3]) };
 * const b = { count: 1, pixels: new Uint8Array(784).fill(9), labels: new Uint8Array([5]) };
 * const both = appendImages(a, b);
 * assert.ok(both.count === 2 && both.labels[1] === 5 && both.pixels[784] === 9);
 * ```
 */
export function appendImages(first: Dataset, second: Dataset, shared = false): Dataset {
  const count = first.count + second.count;
  const pixels = new Uint8Array(shared ? new SharedArrayBuffer(count * D) : new ArrayBuffer(count * D));
  pixels.set(first.pixels.subarray(0, first.count * D));
  pixels.set(second.pixels.subarray(0, second.count * D), first.count * D);
  const labels = new Uint8Array(count);
  labels.set(first.labels.subarray(0, first.count));
  labels.set(second.labels.subarray(0, second.count), first.count);
  return { count, pixels, labels };
}

/**
 * Carve a validation set out of a training set, at random but reproducibly.
 *
 * The validation images are used to watch training; they are never trained on, and the test set is
 * never used for choosing anything.
 *
 * @param data The full training set.
 * @param validation How many images to hold out, 0 ≤ validation < data.count.
 * @param rng The run's seeded generator.
 * @param sharedTrain Put the training part's pixels in a SharedArrayBuffer, for workers to read.
 * @returns The remaining training images and the validation images, each in a random order.
 * @throws {LimitError} When validation leaves no training images.
 */
export function splitValidation(
  data: Dataset,
  validation: number,
  rng: Rng,
  sharedTrain = false,
): { train: Dataset; validation: Dataset } {
  if (!Number.isInteger(validation) || validation < 0 || validation >= data.count) {
    throw new LimitError(
      `Cannot split the training set: validation is ${validation} but the training set holds ${data.count} images`,
    );
  }
  const order = Uint32Array.from({ length: data.count }, (_, i) => i);
  rng.shuffle(order);
  return {
    validation: selectImages(data, order.subarray(0, validation)),
    train: selectImages(data, order.subarray(validation), sharedTrain),
  };
}

/**
 * Keep only the first `count` images, or all when count is 0 (config `train.subset`).
 *
 * @param data The source set.
 * @param count How many to keep; 0 for all.
 */
export function firstImages(data: Dataset, count: number): Dataset {
  if (count === 0 || count >= data.count) return data;
  return {
    count,
    pixels: data.pixels.subarray(0, count * D),
    labels: data.labels.subarray(0, count),
  };
}
