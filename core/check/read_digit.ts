/**
 * Read one file the way `deno task check` reads it: decode the image (PNG or JPEG, told by its
 * bytes, core/formats/image.ts), turn it into the network's
 * 28 × 28 input (core/digits/preprocess.ts), and keep a small thumbnail for the check sheet. With
 * `--digits`, {@linkcode readNumberFile} splits the image into the digits of a number
 * (core/digits/split_number.ts) and keeps one input and thumbnail per digit.
 *
 * @module
 */

import { readImageFile } from "../formats/image.ts";
import { toMnistInput } from "../digits/preprocess.ts";
import { splitNumber } from "../digits/split_number.ts";
import { downscaleGray, type GrayImage, THUMBNAIL_SIDE } from "../reports/gallery.ts";

/** A file read, ready for the network and the sheet. */
export interface DigitFile {
  /** The network's input, (28, 28) row-major in [0, 1]. */
  readonly input: Float32Array;
  /** The file as drawn, shrunk to at most THUMBNAIL_SIDE pixels a side (luminance, not composited). */
  readonly thumbnail: GrayImage;
}

/**
 * Read an image file and prepare it for the network.
 *
 * @param path The file, as it should appear in messages (relative to the working folder is fine).
 * @returns The input and the thumbnail.
 * @throws {InputFileError} When the file cannot be read.
 * @throws {LimitError} When the file or image is too large, or holds no ink.
 * @throws {FormatError} When the file is not an image this project reads.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeGrayPng } from "../formats/png.ts";
 * import { readDigitFile } from "./read_digit.ts";
 * const gray = new Float32Array(40 * 40).fill(1);
 * for (let y = 8; y < 32; y++) for (let x = 18; x < 22; x++) gray[y * 40 + x] = 0;
 * const path = await Deno.makeTempFile({ suffix: ".png" });
 * await Deno.writeFile(path, encodeGrayPng(gray, 40, 40));
 * const digit = await readDigitFile(path);
 * assert.ok(digit.input.length === 784 && digit.thumbnail.width === 40);
 * await Deno.remove(path);
 * ```
 */
export async function readDigitFile(path: string): Promise<DigitFile> {
  const image = await readImageFile(path);
  const input = toMnistInput(image, path);
  const thumbnail = downscaleGray(
    { width: image.width, height: image.height, gray: image.gray },
    THUMBNAIL_SIDE,
  );
  return { input, thumbnail };
}

/** One digit of a number file, ready for the network and the sheet. */
export interface NumberDigitFile extends DigitFile {
  /** Where the digit is, in the pixels of the file: inclusive [x0, y0, x1, y1]. */
  readonly box: readonly [number, number, number, number];
  /** True when the digit was cut out of touching ink. */
  readonly cut: boolean;
}

/**
 * Read an image file of a whole number: decode it and split it into its digits, left to right,
 * each with the network's input and a thumbnail of the image around the digit.
 *
 * @param path The file, as it should appear in messages.
 * @returns The digits, left to right; at least one.
 * @throws {InputFileError} When the file cannot be read.
 * @throws {LimitError} When the file or image is too large, holds no ink, or too many digits.
 * @throws {FormatError} When the file is not an image this project reads.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeGrayPng } from "../formats/png.ts";
 * import { readNumberFile } from "./read_digit.ts";
 * // "11": two black bars on white paper
 * const gray = new Float32Array(80 * 40).fill(1);
 * for (let y = 6; y < 34; y++) for (const x0 of [20, 56]) for (let x = x0; x < x0 + 4; x++) gray[y * 80 + x] = 0;
 * const path = await Deno.makeTempFile({ suffix: ".png" });
 * await Deno.writeFile(path, encodeGrayPng(gray, 80, 40));
 * const digits = await readNumberFile(path);
 * assert.ok(digits.length === 2 && digits[1].input.length === 784 && !digits[1].cut);
 * await Deno.remove(path);
 * ```
 */
export async function readNumberFile(path: string): Promise<NumberDigitFile[]> {
  const image = await readImageFile(path);
  return splitNumber(image, path).map((piece) => ({
    input: piece.input,
    thumbnail: downscaleGray(piece.crop, THUMBNAIL_SIDE),
    box: piece.box,
    cut: piece.cut,
  }));
}
