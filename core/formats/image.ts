/**
 * Read a person's picture, PNG or JPEG, whatever its file is called.
 *
 * The format is told by the file's first bytes, never by its name: phones and chat apps save JPEGs
 * as ".png" and the other way round, and a name says nothing about what is inside. Each format's own
 * reader then checks the file in full before decoding it (core/formats/png.ts, core/formats/jpeg.ts),
 * and its messages name the format found: `Cannot read JPEG "scan.png": ...`.
 *
 * @module
 */

import { FormatError } from "../base/errors.ts";
import { DEFAULT_IMAGE_LIMITS, type ImageLimits, readImageBytes } from "./image_limits.ts";
import { decodeJpeg, JPEG_SIGNATURE } from "./jpeg.ts";
import { type DecodedPng, decodePng, PNG_SIGNATURE } from "./png.ts";
import { _sniff } from "./_sniff.ts";

/** The image formats {@linkcode decodeImage} reads. */
export type ImageFormat = "png" | "jpeg";

/** A decoded image: luminance and alpha as for a PNG, and the colour (a JPEG always has it, a PNG when not grey). */
export interface DecodedImage extends DecodedPng {
  /**
   * The decoded colour: (height, width, 3) row-major, interleaved R, G, B bytes, upright; always there
   * for a JPEG, and for a PNG only when some pixel is not grey.
   */
  rgb?: Uint8Array;
}

/**
 * Tell a PNG from a JPEG by the first bytes of the file.
 *
 * @param bytes The file, or at least its first 8 bytes.
 * @returns "png", "jpeg", or null when the bytes start like neither.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { imageFormat } from "./image.ts";
 * assert.equal(imageFormat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])), "jpeg");
 * assert.equal(imageFormat(new TextEncoder().encode("hello")), null);
 * ```
 */
export function imageFormat(bytes: Uint8Array): ImageFormat | null {
  const startsWith = (magic: Uint8Array) =>
    bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
  if (startsWith(PNG_SIGNATURE)) return "png";
  if (startsWith(JPEG_SIGNATURE)) return "jpeg";
  return null;
}

/**
 * Decode a PNG or JPEG file, told apart by its first bytes, after its reader has checked it.
 *
 * @param bytes The whole file.
 * @param name The file name, used in error messages only (never to guess the format).
 * @param limits Safety caps; {@linkcode DEFAULT_IMAGE_LIMITS} unless given.
 * @returns Width, height, luminance and alpha in [0, 1]; the RGB bytes, upright, for a JPEG and a colour PNG.
 * @throws {FormatError} When the bytes are neither PNG nor JPEG, or the file is not a valid one.
 * @throws {LimitError} When the file or the declared image exceeds the limits.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeImage } from "./image.ts";
 * import { encodeGrayPng } from "./png.ts";
 * // a PNG called .jpg is read as the PNG it is
 * const img = decodeImage(encodeGrayPng(new Uint8Array([0, 255]), 2, 1), "drawing.jpg");
 * assert.ok(img.width === 2 && img.gray[1] === 1);
 * assert.throws(() => decodeImage(new TextEncoder().encode("hello"), "notes.jpg"), {
 *   name: "FormatError",
 *   message: 'Cannot read image "notes.jpg": not a PNG or JPEG file (it starts with the text "hello")',
 * });
 * ```
 */
export function decodeImage(
  bytes: Uint8Array,
  name: string,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): DecodedImage {
  const format = imageFormat(bytes);
  if (format === "png") return decodePng(bytes, name, limits);
  if (format === "jpeg") return decodeJpeg(bytes, name, limits);
  throw new FormatError(`Cannot read image "${name}": not a PNG or JPEG file${_sniff(bytes)}`);
}

/**
 * Read a PNG or JPEG file from disk: refuse a missing file, a folder or an oversize file before
 * reading it, then {@linkcode decodeImage}.
 *
 * @param path The file to read.
 * @param limits Safety caps; {@linkcode DEFAULT_IMAGE_LIMITS} unless given.
 * @returns The decoded image.
 * @throws {InputFileError} When the file is missing, is not a file, or cannot be read.
 * @throws {LimitError} When the file or the declared image exceeds the limits.
 * @throws {FormatError} When the file is not a valid PNG or JPEG.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readImageFile } from "./image.ts";
 * import { encodeGrayPng } from "./png.ts";
 * const path = await Deno.makeTempFile({ suffix: ".jpg" });
 * await Deno.writeFile(path, encodeGrayPng(new Uint8Array([128]), 1, 1));
 * assert.ok((await readImageFile(path)).width === 1);
 * await Deno.remove(path);
 * ```
 */
export async function readImageFile(
  path: string,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): Promise<DecodedImage> {
  const bytes = await readImageBytes(path, "image", limits);
  return decodeImage(bytes, path, limits);
}
