/**
 * Read one file the way `deno task check` reads it: decode the image (PNG or JPEG, told by its
 * bytes, core/formats/image.ts), turn it into the network's
 * 28 × 28 input (core/digits/preprocess.ts), and keep a small thumbnail for the check sheet.
 *
 * @module
 */

import { readImageFile } from "../formats/image.ts";
import { toMnistInput } from "../digits/preprocess.ts";
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
