/**
 * Read PNG files safely: refuse hostile or broken files before the decoder allocates anything.
 *
 * A PNG header declares the image size, and a decoder allocates from it: a 68-byte file can
 * demand gigabytes. A general decoder (pngjs) also zero-fills image data that ends early, so a
 * truncated file would decode "successfully" into a half-black picture, and it inflates an
 * interlaced image without a cap. {@linkcode decodePng} therefore walks the chunks itself
 * (signature, file size, CRC of every chunk, IHDR fields and size caps, IHDR first, critical
 * chunks it knows, PLTE and tRNS, at least one IDAT, IEND), inflates the image data once, with a cap
 * of exactly the number of bytes the header implies, and refuses any other length. What is left is
 * small and is done here on those checked bytes, so the data is inflated once, not twice: undo the
 * five row filters, unpack the samples (Adam7 passes put back in place), look up the palette.
 * pngjs stays as the reference the tests compare every colour type, bit depth, filter and interlace
 * against (tests/png_test.ts).
 *
 * Every colour type and bit depth is supported (grey, grey+alpha, RGB, RGBA, palette with tRNS;
 * 1, 2, 4, 8 and 16 bits; Adam7 interlace). Colour is reduced to luminance with the ITU-R BT.601
 * weights `Y = 0.299 R + 0.587 G + 0.114 B` on the stored (gamma-encoded) values, the same
 * formula as PIL's `convert("L")`, which most MNIST-style pipelines use. The colour itself is kept
 * as bytes in `rgb` when any pixel has some (core/digits/preprocess.ts finds coloured ink by it).
 *
 * @module
 */

import { deflateSync, inflateSync } from "node:zlib";
import { zlibSync } from "fflate";
import { concatBytes } from "../base/bytes.ts";
import { crc32 } from "./crc32.ts";
import { FormatError, LimitError, ShapeError } from "../base/errors.ts";
import { checkImageSize, DEFAULT_IMAGE_LIMITS, type ImageLimits, readImageBytes } from "./image_limits.ts";

/** Safety caps applied before any pixel is decoded: the {@linkcode ImageLimits} every image reader shares. */
export type PngLimits = ImageLimits;

/** The default caps: 20 MiB files, 8000 px per side, 40 million pixels ({@linkcode DEFAULT_IMAGE_LIMITS}). */
export const DEFAULT_PNG_LIMITS: Readonly<PngLimits> = DEFAULT_IMAGE_LIMITS;

/**
 * A decoded image: luminance and (when any pixel is not opaque) straight alpha, both in [0, 1], and
 * the colour when the image has any.
 */
export interface DecodedPng {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Luminance (BT.601) of the stored colour, not composited: (height, width), row-major. */
  gray: Float32Array;
  /** Opacity: (height, width), row-major; null when every pixel is fully opaque. */
  alpha: Float32Array | null;
  /**
   * The colour: (height, width, 3) row-major, interleaved R, G, B bytes (16-bit samples rounded to 8
   * bits), not composited; absent when every pixel is grey (R = G = B), so a grey image costs nothing.
   */
  rgb?: Uint8Array;
}

/** The 8 bytes every PNG file starts with. */
export const PNG_SIGNATURE: Uint8Array = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The largest chunk length the PNG specification allows: 2^31 - 1. */
const MAX_CHUNK_LENGTH = 0x7fffffff;

/** Samples per pixel for each colour type (0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA). */
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Bit depths the PNG specification allows for each colour type. */
const ALLOWED_DEPTHS: Readonly<Record<number, readonly number[]>> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

/** Adam7 passes: [x0, y0, dx, dy]. */
const ADAM7: readonly (readonly [number, number, number, number])[] = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** The fields of an IHDR chunk. */
export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
}

/**
 * Decode a PNG file into luminance and alpha, after checking it is safe to decode.
 *
 * @param bytes The whole file.
 * @param name The file name, used in error messages only.
 * @param limits Safety caps; {@linkcode DEFAULT_PNG_LIMITS} unless given.
 * @returns Width, height, luminance and alpha (null when fully opaque), row-major, in [0, 1], and the
 *   colour bytes when any pixel is not grey.
 * @throws {FormatError} When the bytes are not a PNG, a chunk is corrupt or missing, the image
 *   data is truncated, or the decoder rejects the file.
 * @throws {LimitError} When the file or the declared image exceeds the limits.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodePng, encodeGrayPng } from "./png.ts";
 * const bytes = encodeGrayPng(new Uint8Array([0, 255]), 2, 1);
 * const img = decodePng(bytes, "two.png");
 * assert.ok(img.width === 2 && img.gray[0] === 0 && img.gray[1] === 1 && img.alpha === null);
 * assert.ok(img.rgb === undefined); // a grey image carries no colour
 * ```
 */
export function decodePng(
  bytes: Uint8Array,
  name: string,
  limits: PngLimits = DEFAULT_PNG_LIMITS,
): DecodedPng {
  const walked = _walkPng(bytes, name, limits);
  const { header } = walked;
  const fail = (state: string) => new FormatError(`Cannot read PNG "${name}": ${state}`);
  const samples = _unfilter(walked.data, header, fail);
  return _toGray(samples, header, walked.palette, walked.transparent, fail);
}

/**
 * Check a PNG file without decoding its pixels: signature, size, chunk CRCs, IHDR and caps,
 * chunk order, and the exact length of the inflated image data.
 *
 * @param bytes The whole file.
 * @param name The file name, used in error messages only.
 * @param limits Safety caps.
 * @returns The IHDR fields.
 * @throws {FormatError} When the file is not a valid, complete PNG.
 * @throws {LimitError} When the file or the declared image exceeds the limits.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkPng, encodeGrayPng } from "./png.ts";
 * const header = checkPng(encodeGrayPng(new Uint8Array(6), 3, 2), "x.png");
 * assert.ok(header.width === 3 && header.height === 2 && header.colorType === 0);
 * ```
 */
export function checkPng(bytes: Uint8Array, name: string, limits: PngLimits = DEFAULT_PNG_LIMITS): PngHeader {
  return _walkPng(bytes, name, limits).header;
}

/**
 * The exact number of bytes the image data inflates to: one filter byte per row plus the packed
 * samples, summed over the seven Adam7 passes when interlaced.
 *
 * @param header The IHDR fields.
 * @returns The inflated length in bytes.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pngDataLength } from "./png.ts";
 * // 3 rows of (1 filter byte + ceil(10 px * 1 channel * 1 bit / 8) = 2 bytes)
 * assert.ok(pngDataLength({ width: 10, height: 3, bitDepth: 1, colorType: 0, interlace: 0 }) === 9);
 * ```
 */
export function pngDataLength(header: PngHeader): number {
  const bitsPerPixel = CHANNELS[header.colorType] * header.bitDepth;
  let total = 0;
  for (const pass of _passes(header)) total += pass.height * (1 + Math.ceil((pass.width * bitsPerPixel) / 8));
  return total;
}

/**
 * Composite straight alpha onto a uniform paper: `out = gray * alpha + paper * (1 - alpha)`.
 *
 * @param gray Luminance, any shape, in [0, 1].
 * @param alpha Opacity of the same length, or null for fully opaque.
 * @param paper The paper luminance in [0, 1] (1 = white, 0 = black).
 * @returns A new array of the same length.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compositeOnPaper } from "./png.ts";
 * const out = compositeOnPaper(new Float32Array([0, 0]), new Float32Array([1, 0]), 1);
 * assert.ok(out[0] === 0 && out[1] === 1);
 * ```
 */
export function compositeOnPaper(
  gray: Float32Array,
  alpha: Float32Array | null,
  paper: number,
): Float32Array {
  const out = new Float32Array(gray);
  if (alpha === null) return out;
  for (let i = 0; i < out.length; i++) out[i] = gray[i] * alpha[i] + paper * (1 - alpha[i]);
  return out;
}

/**
 * Read a PNG file from disk: refuse a missing file, a folder or an oversize file before reading
 * it, then {@linkcode decodePng}.
 *
 * @param path The file to read.
 * @param limits Safety caps; {@linkcode DEFAULT_PNG_LIMITS} unless given.
 * @returns The decoded image.
 * @throws {InputFileError} When the file is missing, is not a file, or cannot be read.
 * @throws {LimitError} When the file or the declared image exceeds the limits.
 * @throws {FormatError} When the file is not a valid PNG.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeGrayPng, readPngFile } from "./png.ts";
 * const path = await Deno.makeTempFile({ suffix: ".png" });
 * await Deno.writeFile(path, encodeGrayPng(new Uint8Array([128]), 1, 1));
 * assert.ok((await readPngFile(path)).width === 1);
 * await Deno.remove(path);
 * ```
 */
export async function readPngFile(path: string, limits: PngLimits = DEFAULT_PNG_LIMITS): Promise<DecodedPng> {
  const bytes = await readImageBytes(path, "PNG", limits);
  return decodePng(bytes, path, limits);
}

/**
 * Encode an 8-bit greyscale PNG (colour type 0, no interlace, filter 0 on every row).
 *
 * The compressor is fflate unless told otherwise (pure JavaScript, pinned by the lockfile), so the
 * same pixels always give the same bytes, whatever the Deno version: the sample images are
 * reproducible byte for byte. `compressor: "zlib"` uses node:zlib instead, native and about six times
 * faster, for pictures that are made by the hundred and need not match across Deno versions (the
 * check sheet's tiles).
 *
 * @param pixels Luminance, (height, width) row-major: floats in [0, 1] (clamped, rounded) or bytes.
 * @param width Width in pixels, at least 1.
 * @param height Height in pixels, at least 1.
 * @param options `compressor`: "fflate" (the default, the same bytes everywhere) or "zlib" (faster).
 * @returns The PNG file.
 * @throws {LimitError} When the sizes are not positive integers.
 * @throws {ShapeError} When the number of pixels is not width * height.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodePng, encodeGrayPng } from "./png.ts";
 * const png = encodeGrayPng(new Float32Array([0, 0.5, 1, 0.25]), 2, 2);
 * assert.ok(decodePng(png, "x.png").gray[2] === 1);
 * ```
 */
export function encodeGrayPng(
  pixels: Float32Array | Uint8Array,
  width: number,
  height: number,
  options: { compressor?: "fflate" | "zlib" } = {},
): Uint8Array {
  _checkEncodeSize(width, height);
  if (pixels.length !== width * height) {
    throw new ShapeError(`Cannot encode PNG: ${pixels.length} pixels given, expected ${width}x${height}`);
  }
  const raw = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) {
    // filter type 0 (none) leads each row
    const row = raw.subarray(y * (width + 1) + 1, (y + 1) * (width + 1));
    for (let x = 0; x < width; x++) {
      const v = pixels[y * width + x];
      row[x] = pixels instanceof Uint8Array ? v : Math.round(Math.min(1, Math.max(0, v)) * 255);
    }
  }
  const idat = options.compressor === "zlib"
    ? new Uint8Array(deflateSync(raw, { level: 6 }))
    : zlibSync(raw, { level: 9 });
  return _pngFile(width, height, 0, idat);
}

/**
 * Encode an 8-bit RGB PNG from RGBA samples (alpha dropped; colour type 2, no interlace, filter 0
 * on every row), compressed by node:zlib (native, so a sheet of 400 files takes a fraction of a
 * second; the same bytes every time with the pinned Deno).
 *
 * @param rgba Samples, (height, width, 4) row-major, each 0..255.
 * @param width Width in pixels, at least 1.
 * @param height Height in pixels, at least 1.
 * @returns The PNG file.
 * @throws {LimitError} When the sizes are not positive integers.
 * @throws {ShapeError} When the number of samples is not width * height * 4.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodePng, encodeRgbPng } from "./png.ts";
 * const png = encodeRgbPng(new Uint8Array([255, 0, 0, 255, 9, 9, 9, 255]), 2, 1);
 * const img = decodePng(png, "x.png");
 * assert.ok(img.width === 2 && Math.abs(img.gray[0] - 0.299) < 1e-6 && Math.abs(img.gray[1] - 9 / 255) < 1e-6);
 * assert.deepEqual(img.rgb, new Uint8Array([255, 0, 0, 9, 9, 9]));
 * ```
 */
export function encodeRgbPng(rgba: Uint8Array, width: number, height: number): Uint8Array {
  _checkEncodeSize(width, height);
  if (rgba.length !== width * height * 4) {
    throw new ShapeError(`Cannot encode PNG: ${rgba.length} samples given, expected ${width}x${height}x4`);
  }
  const stride = 3 * width + 1;
  const raw = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    // filter type 0 (none) leads each row
    let o = y * stride + 1, i = y * width * 4;
    for (let x = 0; x < width; x++, i += 4, o += 3) {
      raw[o] = rgba[i];
      raw[o + 1] = rgba[i + 1];
      raw[o + 2] = rgba[i + 2];
    }
  }
  return _pngFile(width, height, 2, new Uint8Array(deflateSync(raw, { level: 6 })));
}

// --- private helpers ---

function _checkEncodeSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new LimitError(`Cannot encode PNG: size is ${width}x${height}, expected positive integers`);
  }
}

/** A PNG file of 8-bit samples from its compressed image data (filter method 0, no interlace). */
function _pngFile(width: number, height: number, colorType: number, idat: Uint8Array): Uint8Array {
  const ihdr = new Uint8Array(13);
  const hv = new DataView(ihdr.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  ihdr.set([8, colorType, 0, 0, 0], 8); // 8-bit, the colour type, deflate, filter method 0, no interlace
  return concatBytes([
    PNG_SIGNATURE,
    _chunk("IHDR", ihdr),
    _chunk("IDAT", idat),
    _chunk("IEND", new Uint8Array(0)),
  ]);
}

/** What walking a PNG file gives: its header, palette, transparency and the checked, inflated image data. */
interface WalkedPng {
  header: PngHeader;
  /** PLTE entries as (entries, 4) RGBA bytes, alpha from tRNS (255 where it gives none); null without PLTE. */
  palette: Uint8Array | null;
  /** The tRNS sample value(s) of a grey (1) or RGB (3) image, at its bit depth; null without one. */
  transparent: number[] | null;
  /** The image data, inflated: exactly {@linkcode pngDataLength} bytes, rows still filtered. */
  data: Uint8Array;
}

/** Critical chunks this reader understands; any other critical chunk changes the pixels' meaning. */
const KNOWN_CRITICAL = new Set(["IHDR", "PLTE", "IDAT", "IEND"]);

/** Check the file chunk by chunk and inflate its image data once, with a cap. */
function _walkPng(bytes: Uint8Array, name: string, limits: PngLimits): WalkedPng {
  const fail = (state: string) => new FormatError(`Cannot read PNG "${name}": ${state}`);
  if (!_startsWith(bytes, PNG_SIGNATURE)) throw fail(`not a PNG file${_sniff(bytes)}`);
  if (bytes.length > limits.maxFileBytes) {
    throw new LimitError(
      `Cannot read PNG "${name}": file is ${bytes.length} bytes, the limit is ${limits.maxFileBytes}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: PngHeader | null = null;
  let palette: Uint8Array | null = null;
  let transparent: number[] | null = null;
  const idat: Uint8Array[] = [];
  let pos = PNG_SIGNATURE.length;
  let ended = false;
  while (pos < bytes.length) {
    if (bytes.length - pos < 12) {
      throw fail(`file is truncated (${bytes.length - pos} bytes at byte ${pos} are too few for a chunk)`);
    }
    const length = view.getUint32(pos);
    const type = _chunkType(bytes.subarray(pos + 4, pos + 8));
    if (type === null) throw fail(`chunk at byte ${pos} has an invalid type`);
    if (length > MAX_CHUNK_LENGTH) {
      throw fail(
        `chunk "${type}" at byte ${pos} declares length ${length}, the maximum is ${MAX_CHUNK_LENGTH}`,
      );
    }
    const end = pos + 12 + length;
    if (end > bytes.length) {
      const what = type === "IDAT" ? "image data" : "file";
      throw fail(
        `${what} is truncated (chunk "${type}" at byte ${pos} declares ${length} bytes, ` +
          `only ${Math.max(0, bytes.length - pos - 12)} remain)`,
      );
    }
    const data = bytes.subarray(pos + 8, pos + 8 + length);
    const stored = view.getUint32(pos + 8 + length);
    const computed = crc32(bytes.subarray(pos + 4, pos + 8 + length));
    if (stored !== computed) {
      throw fail(`chunk "${type}" at byte ${pos} has CRC ${_hex(stored)}, computed ${_hex(computed)}`);
    }
    // a critical chunk's type starts with an upper-case letter (bit 5 of its first byte is 0)
    if (!KNOWN_CRITICAL.has(type) && (bytes[pos + 4] & 0x20) === 0) {
      throw fail(`chunk "${type}" at byte ${pos} is critical and not one this reader knows`);
    }
    if (header === null) {
      if (type !== "IHDR") throw fail(`first chunk is "${type}", expected "IHDR"`);
      header = _parseHeader(data, name, limits);
    } else if (type === "IHDR") {
      throw fail(`chunk "IHDR" at byte ${pos} repeats the header`);
    } else if (type === "PLTE") {
      if (length === 0 || length % 3 !== 0 || length > 768) {
        throw fail(`chunk "PLTE" has length ${length}, expected a multiple of 3 from 3 to 768`);
      }
      palette = new Uint8Array((length / 3) * 4).fill(255);
      for (let i = 0; i < length / 3; i++) palette.set(data.subarray(3 * i, 3 * i + 3), 4 * i);
    } else if (type === "tRNS") {
      transparent = _parseTransparency(data, header.colorType, palette, fail) ?? transparent;
    } else if (type === "IDAT") {
      if (header.colorType === 3 && palette === null) {
        throw fail(`palette image has no "PLTE" chunk before its data`);
      }
      idat.push(data);
    }
    pos = end;
    if (type === "IEND") {
      ended = true;
      break;
    }
  }
  if (header === null) throw fail("file is truncated (no IHDR chunk)");
  if (idat.length === 0) throw fail(`image data is truncated (no "IDAT" chunk)`);
  if (!ended) throw fail(`file is truncated (no "IEND" chunk after byte ${pos})`);
  const data = _inflateImageData(idat, pngDataLength(header), fail);
  return { header, palette: header.colorType === 3 ? palette : null, transparent, data };
}

/**
 * Read a tRNS chunk: a palette's alphas go into the palette (in place) and null is returned; a grey
 * or RGB image's transparent sample value(s) are returned; other colour types have alpha already,
 * and their tRNS is ignored, as the specification tells decoders to.
 */
function _parseTransparency(
  data: Uint8Array,
  colorType: number,
  palette: Uint8Array | null,
  fail: (state: string) => FormatError,
): number[] | null {
  if (colorType === 3) {
    if (palette === null) throw fail(`chunk "tRNS" comes before the palette ("PLTE")`);
    if (data.length > palette.length / 4) {
      throw fail(`chunk "tRNS" has ${data.length} alphas for a palette of ${palette.length / 4} colours`);
    }
    for (let i = 0; i < data.length; i++) palette[4 * i + 3] = data[i];
    return null;
  }
  const samples = colorType === 0 ? 1 : colorType === 2 ? 3 : 0;
  if (samples === 0) return null;
  if (data.length !== 2 * samples) {
    throw fail(
      `chunk "tRNS" has length ${data.length}, expected ${2 * samples} for colour type ${colorType}`,
    );
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return Array.from({ length: samples }, (_, i) => view.getUint16(2 * i));
}

function _parseHeader(data: Uint8Array, name: string, limits: PngLimits): PngHeader {
  const fail = (state: string) => new FormatError(`Cannot read PNG "${name}": ${state}`);
  if (data.length !== 13) throw fail(`chunk "IHDR" has length ${data.length}, expected 13`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const header: PngHeader = {
    width: view.getUint32(0),
    height: view.getUint32(4),
    bitDepth: data[8],
    colorType: data[9],
    interlace: data[12],
  };
  const { width, height, bitDepth, colorType } = header;
  checkImageSize("PNG", name, width, height, limits);
  const depths = ALLOWED_DEPTHS[colorType];
  if (depths === undefined) throw fail(`colour type is ${colorType}, expected 0, 2, 3, 4 or 6`);
  if (!depths.includes(bitDepth)) {
    throw fail(`bit depth is ${bitDepth} for colour type ${colorType}, expected one of ${depths.join(", ")}`);
  }
  if (data[10] !== 0) throw fail(`compression method is ${data[10]}, expected 0`);
  if (data[11] !== 0) throw fail(`filter method is ${data[11]}, expected 0`);
  if (header.interlace > 1) throw fail(`interlace method is ${header.interlace}, expected 0 or 1`);
  return header;
}

/**
 * Inflate the IDAT stream once with a cap of exactly the bytes the header needs, so a deflate bomb
 * stops as soon as it passes the cap, and require that many. node:zlib inflates natively, and its
 * output is one buffer of at most `expected` bytes.
 */
function _inflateImageData(
  idat: Uint8Array[],
  expected: number,
  fail: (state: string) => FormatError,
): Uint8Array {
  // most files hold one IDAT chunk: inflate it where it lies instead of copying it
  const stream = idat.length === 1 ? idat[0] : concatBytes(idat);
  if (stream.length === 0) throw fail(`image data is truncated (every "IDAT" chunk is empty)`);
  let data: Uint8Array;
  try {
    // one output chunk with room for a byte more than the header needs: zlib then writes straight
    // into a single buffer (not 16 KiB chunks joined by a copy, twice the memory and slower), and
    // the spare byte lets it tell "exactly enough" from "too long" without opening a second chunk
    data = inflateSync(stream, {
      maxOutputLength: Math.max(1, expected),
      chunkSize: Math.max(64, expected + 1),
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_BUFFER_TOO_LARGE") {
      throw fail(`image data is too long (it inflates to more than the ${expected} bytes the header needs)`);
    }
    const reason = error instanceof Error ? error.message : String(error);
    if (/unexpected end of file/i.test(reason)) {
      throw fail(
        `image data is truncated (the compressed stream ends early; the header needs ${expected} bytes)`,
      );
    }
    throw fail(`image data is corrupt (${reason})`);
  }
  if (data.length !== expected) {
    throw fail(`image data is truncated (it inflates to ${data.length} bytes, the header needs ${expected})`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

/**
 * Undo the row filters of the inflated image data, in place, and return it. Each row (of each Adam7
 * pass) starts with its filter type; the filters predict a byte from a = the byte one pixel to the
 * left, b = the byte above, c = the byte above and to the left (0 outside the pass), and store the
 * difference modulo 256: 0 none, 1 sub (a), 2 up (b), 3 average floor((a + b) / 2), 4 Paeth (of a,
 * b, c, the one closest to a + b - c). "One pixel" is a whole pixel's bytes, or one byte below 8
 * bits per pixel (PNG specification, section 9).
 */
function _unfilter(data: Uint8Array, header: PngHeader, fail: (state: string) => FormatError): Uint8Array {
  const bitsPerPixel = CHANNELS[header.colorType] * header.bitDepth;
  const bpp = Math.max(1, bitsPerPixel >> 3); // bytes per pixel for the filters
  let offset = 0;
  for (const pass of _passes(header)) {
    const rowBytes = Math.ceil((pass.width * bitsPerPixel) / 8);
    for (let row = 0; row < pass.height; row++, offset += rowBytes + 1) {
      const type = data[offset];
      const cur = offset + 1; // this row's bytes
      const up = row === 0 ? -1 : cur - rowBytes - 1; // the row above's, or none
      if (type === 0) continue;
      if (type > 4) throw fail(`row ${row} of the image data has filter type ${type}, expected 0 to 4`);
      for (let i = 0; i < rowBytes; i++) {
        const a = i >= bpp ? data[cur + i - bpp] : 0;
        const b = up >= 0 ? data[up + i] : 0;
        let predicted: number;
        if (type === 1) predicted = a;
        else if (type === 2) predicted = b;
        else if (type === 3) predicted = (a + b) >> 1;
        else {
          const c = i >= bpp && up >= 0 ? data[up + i - bpp] : 0;
          const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
          predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        }
        data[cur + i] = data[cur + i] + predicted; // a Uint8Array stores modulo 256
      }
    }
  }
  return data;
}

/** One pass of an image: its first pixel, its steps, and its size in pixels. */
interface Pass {
  x0: number;
  y0: number;
  dx: number;
  dy: number;
  width: number;
  height: number;
}

/** The image's passes: one for a plain image, the seven Adam7 passes that hold pixels when interlaced. */
function _passes(header: PngHeader): Pass[] {
  const grids = header.interlace === 0 ? [[0, 0, 1, 1] as const] : ADAM7;
  const passes = [];
  for (const [x0, y0, dx, dy] of grids) {
    const width = Math.ceil(Math.max(0, header.width - x0) / dx);
    const height = Math.ceil(Math.max(0, header.height - y0) / dy);
    if (width > 0 && height > 0) passes.push({ x0, y0, dx, dy, width, height });
  }
  return passes;
}

/**
 * Turn unfiltered samples into luminance, alpha and colour. Samples keep their stored value (a
 * palette's entries are 8-bit) and are scaled by 1 / (2^depth - 1); colour becomes BT.601
 * luminance; a grey or RGB pixel equal to the tRNS value becomes transparent black. The colour is
 * kept as bytes when the image has any (colour types 2, 3 and 6 with a pixel whose R, G, B differ).
 */
function _toGray(
  data: Uint8Array,
  header: PngHeader,
  palette: Uint8Array | null,
  transparent: number[] | null,
  fail: (state: string) => FormatError,
): DecodedPng {
  const { width, height, colorType, bitDepth } = header;
  const n = width * height;
  const channels = CHANNELS[colorType];
  // palette entries are always 8-bit; other samples keep their bit depth
  const max = colorType === 3 ? 255 : 2 ** bitDepth - 1;
  const scale = 1 / max;
  const gray = new Float32Array(n);
  let alpha: Float32Array | null = null; // made at the first pixel that is not opaque
  let rgb: Uint8Array | null = null; // made at the first pixel that is not grey
  const canHaveColour = colorType === 2 || colorType === 3 || colorType === 6;
  const samples = new Uint16Array(width * channels); // one row of one pass, unpacked
  if (colorType === 0 && transparent === null && bitDepth === 8 && header.interlace === 0) {
    // 8-bit grey, not interlaced (most scans): each row's bytes after its filter byte are the samples
    for (let y = 0, at = 1; y < height; y++, at += width + 1) {
      for (let x = 0; x < width; x++) gray[y * width + x] = data[at + x] * scale;
    }
    return { width, height, gray, alpha: null };
  }
  if (colorType === 0 && transparent === null) {
    // plain grey, the common scan: no alpha, no colour, luminance = sample / max
    _forEachRow(data, header, samples, (y, pass) => {
      const start = y * width + pass.x0;
      for (let col = 0; col < pass.width; col++) gray[start + col * pass.dx] = samples[col] * scale;
    });
    return { width, height, gray, alpha: null };
  }
  _forEachRow(data, header, samples, (y, pass) => {
    for (let col = 0, k = 0; col < pass.width; col++, k += channels) {
      const i = y * width + pass.x0 + col * pass.dx;
      let r: number, g: number, b: number, a = max;
      if (colorType === 3) {
        const index = samples[k];
        if (4 * index >= palette!.length) {
          const colours = palette!.length / 4;
          throw fail(
            `pixel (${i % width}, ${y}) has palette index ${index}, the palette has ${colours} colours`,
          );
        }
        r = palette![4 * index];
        g = palette![4 * index + 1];
        b = palette![4 * index + 2];
        a = palette![4 * index + 3];
      } else if (colorType === 0 || colorType === 4) {
        r = g = b = samples[k];
        if (colorType === 4) a = samples[k + 1];
      } else {
        r = samples[k];
        g = samples[k + 1];
        b = samples[k + 2];
        if (colorType === 6) a = samples[k + 3];
      }
      const clear = transparent !== null && r === transparent[0] &&
        (colorType === 0 || (g === transparent[1] && b === transparent[2]));
      if (clear) [r, g, b, a] = [0, 0, 0, 0];
      // grey samples are exact; colour uses Y = 0.299 R + 0.587 G + 0.114 B (BT.601)
      const grey = r === g && g === b;
      gray[i] = (grey ? r : 0.299 * r + 0.587 * g + 0.114 * b) * scale;
      const opacity = Math.fround(a * scale);
      // pixels read before this one were opaque (later ones are all written below)
      if (alpha === null && opacity < 1) alpha = new Float32Array(n).fill(1);
      if (alpha !== null) alpha[i] = opacity;
      if (rgb === null && canHaveColour && !grey) rgb = _greyBytes(gray);
      if (rgb !== null) {
        rgb[3 * i] = max === 255 ? r : Math.round((r * 255) / max);
        rgb[3 * i + 1] = max === 255 ? g : Math.round((g * 255) / max);
        rgb[3 * i + 2] = max === 255 ? b : Math.round((b * 255) / max);
      }
    }
  });
  return rgb === null ? { width, height, gray, alpha } : { width, height, gray, alpha, rgb };
}

/** Unpack every row of every pass into `samples` in turn and call `visit` with its image row and pass. */
function _forEachRow(
  data: Uint8Array,
  header: PngHeader,
  samples: Uint16Array,
  visit: (y: number, pass: Pass) => void,
): void {
  const channels = CHANNELS[header.colorType];
  let offset = 0;
  for (const pass of _passes(header)) {
    const count = pass.width * channels;
    const rowBytes = Math.ceil((count * header.bitDepth) / 8);
    for (let row = 0; row < pass.height; row++, offset += rowBytes + 1) {
      _unpackRow(data, offset + 1, samples, count, header.bitDepth);
      visit(pass.y0 + row * pass.dy, pass);
    }
  }
}

/** Unpack `count` samples of a row starting at byte `at`: whole bytes at 8 and 16 bits, packed high bits first below. */
function _unpackRow(data: Uint8Array, at: number, out: Uint16Array, count: number, bitDepth: number): void {
  if (bitDepth === 8) {
    for (let k = 0; k < count; k++) out[k] = data[at + k];
  } else if (bitDepth === 16) {
    for (let k = 0; k < count; k++) out[k] = (data[at + 2 * k] << 8) | data[at + 2 * k + 1];
  } else {
    const mask = (1 << bitDepth) - 1, perByte = 8 / bitDepth;
    for (let k = 0; k < count; k++) {
      const shift = 8 - bitDepth * (1 + (k % perByte));
      out[k] = (data[at + Math.floor(k / perByte)] >> shift) & mask;
    }
  }
}

/**
 * Room for (n, 3) colour bytes, filled from the luminance: right for the grey pixels read so far,
 * and every pixel still to come is written over.
 */
function _greyBytes(gray: Float32Array): Uint8Array {
  const rgb = new Uint8Array(3 * gray.length);
  for (let i = 0; i < gray.length; i++) {
    const v = Math.round(gray[i] * 255);
    rgb[3 * i] = v;
    rgb[3 * i + 1] = v;
    rgb[3 * i + 2] = v;
  }
  return rgb;
}

function _startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

/** A hint of what the bytes are instead, for the "not a PNG" message. */
function _sniff(bytes: Uint8Array): string {
  const known: [string, number[]][] = [
    ["a JPEG", [0xff, 0xd8, 0xff]],
    ["a GIF", [0x47, 0x49, 0x46, 0x38]],
    ["a BMP", [0x42, 0x4d]],
    ["a WebP or other RIFF file", [0x52, 0x49, 0x46, 0x46]],
    ["a PDF", [0x25, 0x50, 0x44, 0x46]],
    ["a TIFF", [0x49, 0x49, 0x2a, 0x00]],
    ["a TIFF", [0x4d, 0x4d, 0x00, 0x2a]],
  ];
  if (bytes.length === 0) return " (it is empty)";
  for (const [what, magic] of known) {
    if (_startsWith(bytes, new Uint8Array(magic))) return ` (it starts like ${what})`;
  }
  return "";
}

/** The chunk type as text, or null when its bytes are not four ASCII letters. */
function _chunkType(bytes: Uint8Array): string | null {
  for (const b of bytes) if (!((b >= 65 && b <= 90) || (b >= 97 && b <= 122))) return null;
  return String.fromCharCode(...bytes);
}

function _hex(n: number): string {
  return "0x" + n.toString(16).padStart(8, "0");
}

function _chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}
