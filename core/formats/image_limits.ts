/**
 * The safety caps every image reader applies before it decodes a pixel, PNG and JPEG alike.
 *
 * A file's header declares the image size, and a decoder allocates from it: a few dozen bytes can
 * demand gigabytes. The readers parse the header themselves and refuse a size over these caps first.
 *
 * @module
 */

import { fileErrorReason, FormatError, InputFileError, LimitError } from "../base/errors.ts";

/** Safety caps applied before any pixel is decoded. */
export interface ImageLimits {
  /** Largest accepted file, in bytes. */
  readonly maxFileBytes: number;
  /** Largest accepted width, in pixels. */
  readonly maxWidth: number;
  /** Largest accepted height, in pixels. */
  readonly maxHeight: number;
  /** Largest accepted width * height. */
  readonly maxPixels: number;
}

/** The default caps: 20 MiB files, 8000 px per side, 40 million pixels. */
export const DEFAULT_IMAGE_LIMITS: Readonly<ImageLimits> = Object.freeze({
  maxFileBytes: 20 * 1024 * 1024,
  maxWidth: 8000,
  maxHeight: 8000,
  maxPixels: 40_000_000,
});

/**
 * Check an image size read from a file's header against the caps, before anything is allocated.
 *
 * @param format The format's name for the message, e.g. "PNG" or "JPEG".
 * @param name The file name, used in error messages only.
 * @param width The declared width in pixels.
 * @param height The declared height in pixels.
 * @param limits Safety caps.
 * @throws {FormatError} When the width or height is 0.
 * @throws {LimitError} When the width, the height or the pixel count is over its cap.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkImageSize, DEFAULT_IMAGE_LIMITS } from "./image_limits.ts";
 * checkImageSize("JPEG", "ok.jpg", 4000, 3000, DEFAULT_IMAGE_LIMITS);
 * assert.throws(
 *   () => checkImageSize("JPEG", "huge.jpg", 30000, 10, DEFAULT_IMAGE_LIMITS),
 *   { name: "LimitError", message: 'Cannot read JPEG "huge.jpg": width is 30000 pixels, the limit is 8000' },
 * );
 * ```
 */
export function checkImageSize(
  format: string,
  name: string,
  width: number,
  height: number,
  limits: ImageLimits,
): void {
  const prefix = `Cannot read ${format} "${name}"`;
  if (width === 0 || height === 0) {
    throw new FormatError(`${prefix}: image is ${width}x${height} pixels, expected at least 1x1`);
  }
  if (width > limits.maxWidth) {
    throw new LimitError(`${prefix}: width is ${width} pixels, the limit is ${limits.maxWidth}`);
  }
  if (height > limits.maxHeight) {
    throw new LimitError(`${prefix}: height is ${height} pixels, the limit is ${limits.maxHeight}`);
  }
  if (width * height > limits.maxPixels) {
    throw new LimitError(
      `${prefix}: image is ${width}x${height} = ${width * height} pixels, the limit is ${limits.maxPixels}`,
    );
  }
}

/**
 * Read an image file's bytes after checking that it exists, is a file and is within the size cap,
 * with one-line messages that name the kind of image.
 *
 * The file is read synchronously, on the calling thread, behind an async signature, for memory:
 * - the bytes are allocated from the calling thread's malloc arena, where the next file reuses them,
 *   instead of growing the arenas of Deno.readFile's I/O threads, which glibc keeps resident;
 * - a caller that reads several files at once (a reader worker of `deno task check` has a few jobs
 *   queued) then decodes one image before the next starts, so at most one decoded image is alive,
 *   not one per queued file.
 * A file within the cap reads in a few milliseconds from the page cache.
 *
 * @param path The file.
 * @param kind What the messages call it, e.g. "PNG" or "image".
 * @param limits Safety caps (only maxFileBytes is used here).
 * @returns The file's bytes.
 * @throws {InputFileError} When the file is missing, not a file, or cannot be read.
 * @throws {LimitError} When the file is larger than the cap.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readImageBytes } from "./image_limits.ts";
 * await assert.rejects(() => readImageBytes("no/such.png", "PNG"), { message: 'Cannot read PNG "no/such.png": file does not exist' });
 * ```
 */
// async although it reads synchronously: callers await it, and its errors stay rejections
// deno-lint-ignore require-await
export async function readImageBytes(
  path: string,
  kind: string,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): Promise<Uint8Array> {
  const fail = (state: string) => new InputFileError(`Cannot read ${kind} "${path}": ${state}`);
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw fail("file does not exist");
    throw fail(fileErrorReason(error) ?? (error as Error).message);
  }
  if (!info.isFile) throw fail("not a file");
  if (info.size > limits.maxFileBytes) {
    throw new LimitError(
      `Cannot read ${kind} "${path}": file is ${info.size} bytes, the limit is ${limits.maxFileBytes}`,
    );
  }
  try {
    return Deno.readFileSync(path);
  } catch (error) {
    throw fail(fileErrorReason(error) ?? (error as Error).message);
  }
}
