/**
 * Read one image file the way `deno task check` reads it (decodeImage: a PNG or a JPEG told by its
 * bytes; toMnistInput; predictDigits on the TypeScript backend), and add what the page shows of the
 * network's inside.
 *
 * @module
 */

import { decodeImage } from "../formats/image.ts";
import { DEFAULT_IMAGE_LIMITS, type ImageLimits } from "../formats/image_limits.ts";
import { toMnistInput } from "../digits/preprocess.ts";
import { type Backend, createTsBackend, loadParams } from "../kernels/backend.ts";
import { type Activation, hiddenSizes, type Params } from "../network/network.ts";
import { predictDigits } from "../training/predict.ts";
import { lookInside } from "./inside.ts";
import type { Reading } from "./protocol.ts";

/** A model held ready to read digits, one image at a time. */
export class LiveDigitReader {
  readonly #params: Params;
  readonly #activation: Activation;
  readonly #backend: Backend;

  /**
   * Load a network onto a TypeScript backend of capacity 1, as check does for one file.
   *
   * @param params The network, e.g. from readWeightsFile.
   * @param activation Its hidden non-linearity.
   */
  constructor(params: Params, activation: Activation) {
    this.#params = params;
    this.#activation = activation;
    this.#backend = createTsBackend(hiddenSizes(params), activation, 1);
    loadParams(this.#backend, params);
  }

  /**
   * Read an image file: the guess, the probabilities, the 28 × 28 input, the hidden activations and
   * each pixel's push on the guess.
   *
   * @param bytes The whole file, PNG or JPEG.
   * @param name Its name, for messages, as check names a file.
   * @param limits Safety caps; check's, {@linkcode DEFAULT_IMAGE_LIMITS}, unless given.
   * @returns The reading; numbers rounded to 4 significant digits (the page draws them).
   * @throws {FormatError} When the bytes are not a valid PNG or JPEG (check's messages).
   * @throws {LimitError} When the file or image exceeds the limits, or holds no digit.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { encodeGrayPng, initParams, Rng } from "../mod.ts";
   * import { LiveDigitReader } from "./live_digit_reader.ts";
   * const reader = new LiveDigitReader(initParams(16, "relu", new Rng(1)), "relu");
   * const gray = new Uint8Array(40 * 40).fill(255);
   * for (let y = 6; y < 34; y++) for (let x = 18; x < 22; x++) gray[y * 40 + x] = 0;
   * const reading = reader.read(encodeGrayPng(gray, 40, 40), "one.png");
   * assert.equal(reading.input.length, 784);
   * assert.equal(reading.probabilities.length, 10);
   * assert.throws(() => reader.read(new Uint8Array(4), "x.png"), /Cannot read image "x.png": not a PNG or JPEG file/);
   * ```
   */
  read(bytes: Uint8Array, name: string, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): Reading {
    const start = performance.now();
    const input = toMnistInput(decodeImage(bytes, name, limits), name);
    const [prediction] = predictDigits(this.#backend, [input]);
    const inside = lookInside(this.#params, this.#activation, input, prediction.predicted);
    return {
      name,
      predicted: prediction.predicted,
      confidence: prediction.confidence,
      probabilities: prediction.probabilities,
      input: _rounded(input),
      hidden: inside.hidden.map(_rounded),
      activation: this.#activation,
      contributions: _rounded(inside.contributions),
      serverMs: Math.round((performance.now() - start) * 100) / 100,
    };
  }

  /** Free the backend. */
  dispose(): void {
    this.#backend.dispose();
  }
}

/** Plain numbers with 4 significant digits: a smaller answer, and more than the page can show. */
function _rounded(values: Float32Array): number[] {
  return Array.from(values, (v) => (v === 0 ? 0 : Number(v.toPrecision(4))));
}
