/**
 * Read JPEG files safely: refuse hostile or broken files before the decoder allocates anything,
 * and return the picture the way its camera meant it to be seen.
 *
 * A JPEG's frame header declares the image size, and a decoder allocates from it. jpeg-js also reads
 * past the end of a cut file as if it held zero bits, so a truncated photo would decode "successfully"
 * into a grey smear. {@linkcode decodeJpeg} therefore walks the markers itself first: SOI, every
 * segment's length, the frame header (size caps, precision, components, sampling factors), the
 * Huffman and quantization tables each scan uses, each scan's header and the length of its
 * entropy-coded data, up to EOI. Only then does jpeg-js decode the pixels, with its own caps set as
 * a second line of defence, and anything it throws becomes a {@linkcode FormatError}.
 *
 * Supported: baseline, extended (8-bit) and progressive Huffman JPEGs; greyscale, YCbCr, RGB
 * (Adobe transform 0 or component ids "R", "G", "B"), and 4-component CMYK or YCCK with an Adobe
 * marker (stored inverted, as Photoshop writes them). Refused with one line each: lossless,
 * hierarchical and arithmetic-coded JPEGs, 12-bit samples, 2 components, and 4 components without
 * an Adobe marker.
 *
 * The EXIF orientation (APP1 "Exif", tag 0x0112, values 1 to 8) is applied, so the pixels returned
 * are upright, as a phone shows the photo; an orientation outside 1 to 8, or EXIF data too broken to
 * read, counts as 1, as browsers do. Colour is reduced to luminance with the same BT.601 weights as
 * core/formats/png.ts, and the colour itself is kept in `rgb`.
 *
 * @module
 */

import jpegJs from "jpeg-js";
import { FormatError, LimitError, ShapeError } from "../base/errors.ts";
import { checkImageSize, DEFAULT_IMAGE_LIMITS, type ImageLimits } from "./image_limits.ts";
import type { DecodedPng } from "./png.ts";
import { _sniff } from "./_sniff.ts";

/** A decoded JPEG: luminance in [0, 1] as for a PNG, no alpha, and the colour it came from. */
export interface DecodedJpeg extends DecodedPng {
  /** Always null: JPEG has no transparency. */
  alpha: null;
  /** The decoded colour: (height, width, 3) row-major, interleaved R, G, B bytes, upright like `gray`. */
  rgb: Uint8Array;
}

/** How the components of a JPEG are to be read as colour. */
export type JpegColorModel = "grey" | "ycbcr" | "rgb" | "cmyk" | "ycck";

/** What {@linkcode checkJpeg} learns from a JPEG's markers, without decoding a pixel. */
export interface JpegHeader {
  /** Width in pixels as stored in the frame header (before the EXIF orientation is applied). */
  width: number;
  /** Height in pixels as stored in the frame header. */
  height: number;
  /** Colour components: 1, 3 or 4. */
  components: number;
  /** The frame's coding: SOF0, SOF1 or SOF2. */
  coding: "baseline" | "extended" | "progressive";
  /** How the components read as colour. */
  colorModel: JpegColorModel;
  /** The EXIF orientation, 1 to 8; 1 when there is none. */
  orientation: number;
  /** The number of scans (1 for most baseline files, about 10 for a progressive one). */
  scans: number;
}

/** The 3 bytes every JPEG file starts with: SOI and the first byte of the next marker. */
export const JPEG_SIGNATURE: Uint8Array = new Uint8Array([0xff, 0xd8, 0xff]);

/**
 * The most scans a file may have. Each scan makes the decoder visit the whole image again; encoders
 * write 1 (baseline) or about 10 (libjpeg's progressive script), so more than this is an attack on
 * the decoder's time.
 */
export const JPEG_MAX_SCANS = 100;

/** The most blocks of one MCU of an interleaved scan (ITU T.81, B.2.3). */
const MAX_BLOCKS_PER_MCU = 10;

/**
 * jpeg-js's memory cap, per pixel of the largest allowed image: for up to 4 components, 256 bytes per
 * 64-pixel block of coefficients, one byte per sample twice (lines, then samples), and 3 output bytes.
 */
const DECODER_BYTES_PER_PIXEL = 4 * (4 + 1 + 1) + 3;

/** Room above that cap for block padding at the image edges and for the tables. */
const DECODER_SLACK_MB = 64;

/** The lower bound of entropy-coded bits per block: sequential scans code a DC and at least one AC symbol. */
const MIN_BITS_SEQUENTIAL = 2;

/** Unsupported frame types, by SOF marker: what kind of JPEG each one starts, with its article. */
const UNSUPPORTED_FRAMES: Readonly<Record<number, string>> = {
  0xc3: "a lossless",
  0xc5: "a hierarchical",
  0xc6: "a hierarchical progressive",
  0xc7: "a hierarchical lossless",
  0xc9: "an arithmetic-coded",
  0xca: "an arithmetic-coded progressive",
  0xcb: "an arithmetic-coded lossless",
  0xcd: "a hierarchical arithmetic-coded",
  0xce: "a hierarchical arithmetic-coded progressive",
  0xcf: "a hierarchical arithmetic-coded lossless",
};

/** Markers by name, for messages. */
const MARKER_NAMES: Readonly<Record<number, string>> = {
  0x01: "TEM",
  0xc4: "DHT",
  0xc8: "JPG",
  0xcc: "DAC",
  0xd8: "SOI",
  0xd9: "EOI",
  0xda: "SOS",
  0xdb: "DQT",
  0xdc: "DNL",
  0xdd: "DRI",
  0xde: "DHP",
  0xdf: "EXP",
  0xfe: "COM",
};

/**
 * Decode a JPEG file into luminance and colour, upright, after checking it is safe to decode.
 *
 * @param bytes The whole file.
 * @param name The file name, used in error messages only.
 * @param limits Safety caps; {@linkcode DEFAULT_IMAGE_LIMITS} unless given.
 * @returns Width and height (upright), luminance in [0, 1], alpha null, and the RGB bytes.
 * @throws {FormatError} When the bytes are not a JPEG, a segment or scan is corrupt or missing, the
 *   file is truncated, the kind of JPEG is not supported, or the decoder rejects the file.
 * @throws {LimitError} When the file or the declared image exceeds the limits, or it has more than
 *   {@linkcode JPEG_MAX_SCANS} scans.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import jpegJs from "jpeg-js";
 * import { decodeJpeg } from "./jpeg.ts";
 * // a white 16x8 picture, encoded by jpeg-js
 * const bytes = jpegJs.encode({ width: 16, height: 8, data: new Uint8Array(16 * 8 * 4).fill(255) }, 90).data;
 * const img = decodeJpeg(bytes, "white.jpg");
 * assert.ok(img.width === 16 && img.height === 8 && img.alpha === null);
 * assert.ok(img.gray[0] > 0.99 && img.rgb.length === 16 * 8 * 3);
 * ```
 */
export function decodeJpeg(
  bytes: Uint8Array,
  name: string,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): DecodedJpeg {
  const { header, end } = _walkJpeg(bytes, name, limits);
  const fail = (state: string) => new FormatError(`Cannot read JPEG "${name}": ${state}`);
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpegJs.decode(bytes.subarray(0, end), {
      useTArray: true,
      formatAsRGBA: false,
      // our reading of the Adobe and JFIF markers, so that an RGB-coded file is not taken for YCbCr
      colorTransform: header.colorModel === "ycbcr" || header.colorModel === "ycck",
      maxResolutionInMP: limits.maxPixels / 1e6,
      maxMemoryUsageInMB: Math.ceil(limits.maxPixels * DECODER_BYTES_PER_PIXEL / 2 ** 20) + DECODER_SLACK_MB,
    });
  } catch (error) {
    // jpeg-js throws Errors, but a decoder may throw anything: strings, objects, engine errors
    throw fail(`the decoder rejected it (${_reason(error)})`);
  }
  const { width, height } = header;
  if (decoded.width !== width || decoded.height !== height || decoded.data.length !== width * height * 3) {
    throw fail(
      `the decoder returned ${decoded.width}x${decoded.height} pixels, the header declares ${width}x${height}`,
    );
  }
  return _orient(decoded.data, width, height, header.orientation);
}

/** Lowest and highest quality {@linkcode encodeRgbJpeg} takes, as jpeg-js's encoder scales its tables. */
export const JPEG_QUALITY_RANGE: readonly [number, number] = [1, 100];

/**
 * Encode a baseline JPEG from RGBA samples (alpha dropped), with jpeg-js's encoder: YCbCr, every
 * component at full resolution (4:4:4), the IJG tables scaled by `quality`. Pure JavaScript, so the
 * same pixels and quality always give the same bytes.
 *
 * @param rgba Samples, (height, width, 4) row-major, each 0..255.
 * @param width Width in pixels, at least 1.
 * @param height Height in pixels, at least 1.
 * @param quality 1 (smallest file) to 100 (best picture), an integer.
 * @returns The JPEG file.
 * @throws {LimitError} When the sizes are not positive integers or the quality is out of range.
 * @throws {ShapeError} When the number of samples is not width * height * 4.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeJpeg, encodeRgbJpeg } from "./jpeg.ts";
 * const rgba = new Uint8Array(16 * 16 * 4).fill(200);
 * const img = decodeJpeg(encodeRgbJpeg(rgba, 16, 16, 90), "grey.jpg");
 * assert.ok(img.width === 16 && Math.abs(img.rgb[0] - 200) <= 2);
 * ```
 */
export function encodeRgbJpeg(rgba: Uint8Array, width: number, height: number, quality: number): Uint8Array {
  if (
    !Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 65535 ||
    height > 65535
  ) {
    throw new LimitError(`Cannot encode JPEG: size is ${width}x${height}, expected integers from 1 to 65535`);
  }
  const [lo, hi] = JPEG_QUALITY_RANGE;
  if (!Number.isInteger(quality) || quality < lo || quality > hi) {
    throw new LimitError(
      `Cannot encode JPEG: quality is ${quality}, expected an integer from ${lo} to ${hi}`,
    );
  }
  if (rgba.length !== width * height * 4) {
    throw new ShapeError(`Cannot encode JPEG: ${rgba.length} samples given, expected ${width}x${height}x4`);
  }
  return new Uint8Array(jpegJs.encode({ data: rgba, width, height }, quality).data);
}

/**
 * Check a JPEG file without decoding its pixels: markers, segment lengths, the frame header and
 * caps, tables, scan headers, the length of each scan's data, and EOI.
 *
 * @param bytes The whole file.
 * @param name The file name, used in error messages only.
 * @param limits Safety caps; {@linkcode DEFAULT_IMAGE_LIMITS} unless given.
 * @returns What the markers say: size, components, coding, colour model, orientation, scans.
 * @throws {FormatError} When the file is not a valid, complete JPEG of a supported kind.
 * @throws {LimitError} When the file or the declared image exceeds the limits, or it has too many scans.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import jpegJs from "jpeg-js";
 * import { checkJpeg } from "./jpeg.ts";
 * const bytes = jpegJs.encode({ width: 24, height: 8, data: new Uint8Array(24 * 8 * 4) }, 75).data;
 * const header = checkJpeg(bytes, "x.jpg");
 * assert.ok(header.width === 24 && header.coding === "baseline" && header.colorModel === "ycbcr");
 * ```
 */
export function checkJpeg(
  bytes: Uint8Array,
  name: string,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): JpegHeader {
  return _walkJpeg(bytes, name, limits).header;
}

/**
 * Read the EXIF orientation from the data of an APP1 segment.
 *
 * @param data The segment's data, after its length bytes ("Exif\0\0" then a TIFF header).
 * @returns The orientation, 1 to 8; 1 when the data is not EXIF, holds no orientation, holds a value
 *   outside 1 to 8, or is too broken to read.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exifOrientation } from "./jpeg.ts";
 * // "Exif\0\0", big-endian TIFF header, one IFD entry: tag 0x0112, type SHORT, count 1, value 6
 * const data = new Uint8Array([
 *   0x45, 0x78, 0x69, 0x66, 0, 0, 0x4d, 0x4d, 0, 42, 0, 0, 0, 8,
 *   0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0,
 * ]);
 * assert.equal(exifOrientation(data), 6);
 * assert.equal(exifOrientation(new Uint8Array(3)), 1);
 * ```
 */
export function exifOrientation(data: Uint8Array): number {
  // "Exif" and a NUL, then one pad byte
  if (data.length < 14 || data[0] !== 0x45 || data[1] !== 0x78 || data[2] !== 0x69 || data[3] !== 0x66) {
    return 1;
  }
  if (data[4] !== 0) return 1;
  const tiff = data.subarray(6);
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const little = tiff[0] === 0x49 && tiff[1] === 0x49;
  if (!little && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) return 1;
  if (view.getUint16(2, little) !== 42) return 1;
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > tiff.length) return 1;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + 12 * i;
    if (entry + 12 > tiff.length) return 1;
    if (view.getUint16(entry, little) !== 0x0112) continue;
    // type 3 is SHORT: the value sits in the first two bytes of the value field
    if (view.getUint16(entry + 2, little) !== 3) return 1;
    const value = view.getUint16(entry + 8, little);
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

// --- private helpers ---

interface _Component {
  id: number;
  h: number;
  v: number;
  tq: number;
}

interface _Frame {
  marker: number;
  width: number;
  height: number;
  components: _Component[];
  maxH: number;
  maxV: number;
}

/** Walk the file marker by marker; return what it holds and the offset just past EOI. */
function _walkJpeg(
  bytes: Uint8Array,
  name: string,
  limits: ImageLimits,
): { header: JpegHeader; end: number } {
  const fail = (state: string) => new FormatError(`Cannot read JPEG "${name}": ${state}`);
  if (!JPEG_SIGNATURE.every((b, i) => bytes[i] === b)) {
    throw fail(`not a JPEG file${_sniff(bytes, ["a JPEG"])}`);
  }
  if (bytes.length > limits.maxFileBytes) {
    throw new LimitError(
      `Cannot read JPEG "${name}": file is ${bytes.length} bytes, the limit is ${limits.maxFileBytes}`,
    );
  }
  let frame: _Frame | null = null;
  let scans = 0;
  let orientation = 0; // 0 until the first EXIF segment is read
  let adobeTransform = -1; // -1: no Adobe marker
  let jfif = false;
  const dcTables = new Set<number>(), acTables = new Set<number>(), quantTables = new Set<number>();
  /** Components whose DC coefficients a scan has coded (every scan of a sequential frame does). */
  const coded = new Set<number>();
  let pos = 2;
  for (;;) {
    if (pos >= bytes.length) throw fail(`file is truncated (no EOI marker after byte ${pos})`);
    if (bytes[pos] !== 0xff) throw fail(`expected a marker at byte ${pos}, found 0x${_hex2(bytes[pos])}`);
    // any number of 0xFF fill bytes may come before a marker
    let m = pos + 1;
    while (m < bytes.length && bytes[m] === 0xff) m++;
    if (m >= bytes.length) throw fail(`file is truncated (no EOI marker after byte ${pos})`);
    const marker = bytes[m];
    const at = m - 1;
    pos = m + 1;
    if (marker === 0xd9) break;
    const isSegment = (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc8 && marker !== 0xcc) ||
      (marker >= 0xda && marker <= 0xdd) || (marker >= 0xe0 && marker <= 0xef) || marker === 0xfe;
    if (!isSegment) throw fail(`unexpected marker "${_markerName(marker)}" at byte ${at}`);
    // a segment: two length bytes that count themselves, then the data
    const label = _markerName(marker);
    if (pos + 2 > bytes.length) {
      throw fail(`file is truncated (segment "${label}" at byte ${at} has no length)`);
    }
    const length = (bytes[pos] << 8) | bytes[pos + 1];
    if (length < 2) throw fail(`segment "${label}" at byte ${at} has length ${length}, expected at least 2`);
    const end = pos + length;
    if (end > bytes.length) {
      throw fail(
        `file is truncated (segment "${label}" at byte ${at} declares ${length - 2} bytes, ` +
          `only ${bytes.length - pos - 2} remain)`,
      );
    }
    const data = bytes.subarray(pos + 2, end);
    pos = end;
    if (marker === 0xc0 || marker === 0xc1 || marker === 0xc2) {
      if (frame !== null) throw fail(`frame header "${label}" at byte ${at} repeats the first one`);
      frame = _parseFrame(data, marker, at, name, limits);
    } else if (marker in UNSUPPORTED_FRAMES) {
      throw fail(
        `it is ${UNSUPPORTED_FRAMES[marker]} JPEG ("${label}"), which is not supported ` +
          `(baseline and progressive are)`,
      );
    } else if (marker === 0xc4) {
      _parseHuffmanTables(data, at, dcTables, acTables, fail);
    } else if (marker === 0xdb) {
      _parseQuantTables(data, at, quantTables, fail);
    } else if (marker === 0xdd) {
      if (data.length !== 2) throw fail(`segment "DRI" at byte ${at} has length ${length}, expected 4`);
    } else if (marker === 0xda) {
      if (frame === null) throw fail(`scan at byte ${at} comes before the frame header`);
      scans++;
      if (scans > JPEG_MAX_SCANS) {
        throw new LimitError(
          `Cannot read JPEG "${name}": scan at byte ${at} is scan number ${scans}, ` +
            `the limit is ${JPEG_MAX_SCANS} scans`,
        );
      }
      const minBits = _parseScan(data, at, frame, { dcTables, acTables, quantTables, coded }, fail);
      const scan = _skipScanData(bytes, pos, fail);
      if (scan.dataBytes * 8 < minBits) {
        throw fail(
          `scan at byte ${at} is truncated (its data needs at least ${Math.ceil(minBits / 8)} bytes, ` +
            `it holds ${scan.dataBytes})`,
        );
      }
      pos = scan.next;
    } else if (marker === 0xe0 && !jfif) {
      jfif = data.length >= 5 && data[0] === 0x4a && data[1] === 0x46 && data[2] === 0x49 &&
        data[3] === 0x46 && data[4] === 0;
    } else if (marker === 0xe1 && orientation === 0 && _isExif(data)) {
      orientation = exifOrientation(data);
    } else if (marker === 0xee && adobeTransform === -1 && data.length >= 12 && _isAdobe(data)) {
      adobeTransform = data[11];
    }
    // DNL, other APPn segments and COM are skipped
  }
  if (frame === null) throw fail("file has no frame header (no SOF marker before EOI)");
  for (const c of frame.components) {
    if (!coded.has(c.id)) throw fail(`component ${c.id} is coded by no scan`);
  }
  const colorModel = _colorModel(frame.components, adobeTransform, jfif);
  if (colorModel === null) {
    throw fail("it has 4 colour components but no Adobe marker to tell CMYK from YCCK");
  }
  const header: JpegHeader = {
    width: frame.width,
    height: frame.height,
    components: frame.components.length,
    coding: frame.marker === 0xc2 ? "progressive" : frame.marker === 0xc1 ? "extended" : "baseline",
    colorModel,
    orientation: Math.max(1, orientation),
    scans,
  };
  return { header, end: pos };
}

function _parseFrame(
  data: Uint8Array,
  marker: number,
  at: number,
  name: string,
  limits: ImageLimits,
): _Frame {
  const fail = (state: string) => new FormatError(`Cannot read JPEG "${name}": ${state}`);
  const label = _markerName(marker);
  const count = data.length >= 6 ? data[5] : 0;
  if (data.length < 6 || data.length !== 6 + 3 * count) {
    throw fail(
      `frame header "${label}" at byte ${at} has length ${data.length + 2}, expected ${8 + 3 * count}`,
    );
  }
  const precision = data[0];
  const height = (data[1] << 8) | data[2];
  const width = (data[3] << 8) | data[4];
  // height 0 would mean "given later by a DNL marker", which decoders seldom support
  checkImageSize("JPEG", name, width, height, limits);
  if (precision !== 8) throw fail(`samples have ${precision} bits, only 8 is supported`);
  if (count !== 1 && count !== 3 && count !== 4) {
    throw fail(`it has ${count} colour components, expected 1 (grey), 3 (colour) or 4 (CMYK)`);
  }
  const components: _Component[] = [];
  for (let i = 0; i < count; i++) {
    const id = data[6 + 3 * i], h = data[7 + 3 * i] >> 4, v = data[7 + 3 * i] & 15, tq = data[8 + 3 * i];
    if (components.some((c) => c.id === id)) throw fail(`component ${id} appears twice in the frame header`);
    if (h < 1 || h > 4 || v < 1 || v > 4) {
      throw fail(`component ${id} has sampling factors ${h}x${v}, expected 1 to 4 each`);
    }
    if (tq > 3) throw fail(`component ${id} uses quantization table ${tq}, expected 0 to 3`);
    components.push({ id, h, v, tq });
  }
  const maxH = Math.max(...components.map((c) => c.h));
  const maxV = Math.max(...components.map((c) => c.v));
  return { marker, width, height, components, maxH, maxV };
}

function _parseHuffmanTables(
  data: Uint8Array,
  at: number,
  dcTables: Set<number>,
  acTables: Set<number>,
  fail: (state: string) => FormatError,
): void {
  let p = 0;
  while (p < data.length) {
    const tableAt = at + 4 + p;
    const tc = data[p] >> 4, th = data[p] & 15;
    if (tc > 1 || th > 3) {
      throw fail(`Huffman table at byte ${tableAt} has class ${tc} and id ${th}, expected 0 or 1 and 0 to 3`);
    }
    if (p + 17 > data.length) throw fail(`Huffman table at byte ${tableAt} runs past the end of its segment`);
    // canonical codes (ITU T.81, C.2): the codes of each length must fit in that many bits, all-ones excluded
    let code = 0, symbols = 0;
    for (let length = 1; length <= 16; length++) {
      const n = data[p + length];
      code += n;
      symbols += n;
      if (code >= 2 ** length) {
        throw fail(`Huffman table at byte ${tableAt} has more codes of length ${length} than fit`);
      }
      code *= 2;
    }
    if (p + 17 + symbols > data.length) {
      throw fail(`Huffman table at byte ${tableAt} runs past the end of its segment`);
    }
    (tc === 0 ? dcTables : acTables).add(th);
    p += 17 + symbols;
  }
}

function _parseQuantTables(
  data: Uint8Array,
  at: number,
  quantTables: Set<number>,
  fail: (state: string) => FormatError,
): void {
  let p = 0;
  while (p < data.length) {
    const tableAt = at + 4 + p;
    const pq = data[p] >> 4, tq = data[p] & 15;
    if (pq > 1 || tq > 3) {
      throw fail(
        `quantization table at byte ${tableAt} has precision ${pq} and id ${tq}, expected 0 or 1 and 0 to 3`,
      );
    }
    // 64 values of 1 byte (precision 0) or 2 bytes (precision 1)
    const size = 1 + 64 * (pq + 1);
    if (p + size > data.length) {
      throw fail(`quantization table at byte ${tableAt} runs past the end of its segment`);
    }
    quantTables.add(tq);
    p += size;
  }
}

/** Check a scan header against the frame and the tables defined so far; return its least data in bits. */
function _parseScan(
  data: Uint8Array,
  at: number,
  frame: _Frame,
  seen: { dcTables: Set<number>; acTables: Set<number>; quantTables: Set<number>; coded: Set<number> },
  fail: (state: string) => FormatError,
): number {
  const invalid = (why: string) => fail(`scan at byte ${at} is invalid (${why})`);
  const n = data.length > 0 ? data[0] : 0;
  if (n < 1 || n > 4) throw invalid(`it codes ${n} components, expected 1 to 4`);
  if (data.length !== 4 + 2 * n) {
    throw invalid(`its header has length ${data.length + 2}, expected ${6 + 2 * n}`);
  }
  const progressive = frame.marker === 0xc2;
  const ss = data[1 + 2 * n], se = data[2 + 2 * n], ah = data[3 + 2 * n] >> 4, al = data[3 + 2 * n] & 15;
  const members: _Component[] = [];
  for (let i = 0; i < n; i++) {
    const id = data[1 + 2 * i];
    const component = frame.components.find((c) => c.id === id);
    if (component === undefined) throw invalid(`component ${id} is not in the frame`);
    if (members.includes(component)) throw invalid(`component ${id} appears twice`);
    members.push(component);
  }
  if (progressive) {
    if (se < ss || se > 63 || (ss === 0) !== (se === 0)) {
      throw invalid(`spectral selection ${ss} to ${se} is not allowed`);
    }
    if (ss > 0 && n !== 1) throw invalid(`an AC scan codes ${n} components, expected 1`);
    if (ah > 13 || al > 13) throw invalid(`successive approximation ${ah}, ${al} is over 13`);
  }
  if (n > 1) {
    const blocks = members.reduce((sum, c) => sum + c.h * c.v, 0);
    if (blocks > MAX_BLOCKS_PER_MCU) {
      throw invalid(`an MCU holds ${blocks} blocks, the maximum is ${MAX_BLOCKS_PER_MCU}`);
    }
  }
  const codesDc = !progressive || ss === 0;
  // a DC refinement scan sends raw bits and uses no Huffman table
  const needsDcTable = !progressive || (ss === 0 && ah === 0);
  const needsAcTable = !progressive || ss > 0;
  for (let i = 0; i < n; i++) {
    const td = data[2 + 2 * i] >> 4, ta = data[2 + 2 * i] & 15;
    const c = members[i];
    if (needsDcTable && !seen.dcTables.has(td)) {
      throw fail(`scan at byte ${at} uses DC Huffman table ${td}, which is not defined`);
    }
    if (needsAcTable && !seen.acTables.has(ta)) {
      throw fail(`scan at byte ${at} uses AC Huffman table ${ta}, which is not defined`);
    }
    if (!seen.quantTables.has(c.tq)) {
      throw fail(`component ${c.id} uses quantization table ${c.tq}, which is not defined`);
    }
    if (!codesDc && !seen.coded.has(c.id)) {
      throw fail(`scan at byte ${at} codes AC coefficients of component ${c.id} before its DC scan`);
    }
  }
  if (codesDc) { for (const c of members) seen.coded.add(c.id); }
  // every block costs at least one Huffman code (DC) or raw bit (DC refinement); sequential adds an AC code
  const bitsPerBlock = !progressive ? MIN_BITS_SEQUENTIAL : codesDc ? 1 : 0;
  return bitsPerBlock * _scanBlocks(frame, members);
}

/** The number of 8x8 blocks a scan codes (ITU T.81, A.2). */
function _scanBlocks(frame: _Frame, members: _Component[]): number {
  const { width, height, maxH, maxV } = frame;
  if (members.length === 1) {
    // a non-interleaved scan codes only the blocks the component's samples cover
    const c = members[0];
    const across = Math.ceil(Math.ceil((width * c.h) / maxH) / 8);
    const down = Math.ceil(Math.ceil((height * c.v) / maxV) / 8);
    return across * down;
  }
  const mcus = Math.ceil(width / (8 * maxH)) * Math.ceil(height / (8 * maxV));
  return mcus * members.reduce((sum, c) => sum + c.h * c.v, 0);
}

/**
 * Find the end of a scan's entropy-coded data: the next marker that is not a restart marker.
 * Returns that marker's offset and the number of data bytes (a stuffed 0xFF 0x00 counts as one).
 */
function _skipScanData(
  bytes: Uint8Array,
  start: number,
  fail: (state: string) => FormatError,
): { next: number; dataBytes: number } {
  const truncated = () =>
    fail(`file is truncated (scan data from byte ${start} runs to the end of the file)`);
  let p = start, dataBytes = 0;
  for (;;) {
    if (p >= bytes.length) throw truncated();
    if (bytes[p] !== 0xff) {
      dataBytes++;
      p++;
      continue;
    }
    if (p + 1 >= bytes.length) throw truncated();
    const next = bytes[p + 1];
    if (next === 0x00) {
      dataBytes++;
      p += 2;
    } else if (next >= 0xd0 && next <= 0xd7) {
      p += 2; // RSTn: the data goes on
    } else if (next === 0xff) {
      p++; // a fill byte before a marker
    } else {
      return { next: p, dataBytes };
    }
  }
}

/** How the components read as colour, as libjpeg decides it; null for 4 components without Adobe marker. */
function _colorModel(components: _Component[], adobeTransform: number, jfif: boolean): JpegColorModel | null {
  if (components.length === 1) return "grey";
  if (components.length === 4) {
    if (adobeTransform === -1) return null;
    // jpeg-js reads any non-zero transform of a 4-component image as YCCK
    return adobeTransform === 0 ? "cmyk" : "ycck";
  }
  if (adobeTransform !== -1) return adobeTransform === 0 ? "rgb" : "ycbcr";
  if (jfif) return "ycbcr";
  const ids = components.map((c) => c.id);
  // component ids "R", "G", "B" mark an RGB-coded file without Adobe marker
  return ids[0] === 0x52 && ids[1] === 0x47 && ids[2] === 0x42 ? "rgb" : "ycbcr";
}

/** Apply the EXIF orientation while converting jpeg-js's RGB bytes to luminance. */
function _orient(data: Uint8Array, w: number, h: number, orientation: number): DecodedJpeg {
  const swap = orientation >= 5;
  const width = swap ? h : w, height = swap ? w : h;
  const rgb = orientation === 1 ? data : new Uint8Array(data.length);
  const gray = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // the stored pixel (sx, sy) shown at (x, y), per the EXIF 2.32 definition of each value
      let sx = x, sy = y;
      switch (orientation) {
        case 2:
          sx = w - 1 - x;
          break;
        case 3:
          sx = w - 1 - x;
          sy = h - 1 - y;
          break;
        case 4:
          sy = h - 1 - y;
          break;
        case 5:
          sx = y;
          sy = x;
          break;
        case 6:
          sx = y;
          sy = h - 1 - x;
          break;
        case 7:
          sx = w - 1 - y;
          sy = h - 1 - x;
          break;
        case 8:
          sx = w - 1 - y;
          sy = x;
          break;
      }
      const from = 3 * (sy * w + sx), to = 3 * (y * width + x);
      const r = data[from], g = data[from + 1], b = data[from + 2];
      if (rgb !== data) {
        rgb[to] = r;
        rgb[to + 1] = g;
        rgb[to + 2] = b;
      }
      // grey samples are exact; colour uses Y = 0.299 R + 0.587 G + 0.114 B (BT.601)
      gray[y * width + x] = (r === g && g === b ? r : 0.299 * r + 0.587 * g + 0.114 * b) / 255;
    }
  }
  return { width, height, gray, alpha: null, rgb };
}

function _isExif(data: Uint8Array): boolean {
  return data.length >= 5 && data[0] === 0x45 && data[1] === 0x78 && data[2] === 0x69 && data[3] === 0x66 &&
    data[4] === 0;
}

function _isAdobe(data: Uint8Array): boolean {
  return data[0] === 0x41 && data[1] === 0x64 && data[2] === 0x6f && data[3] === 0x62 && data[4] === 0x65;
}

/** A one-line reason from whatever a decoder threw. */
function _reason(error: unknown): string {
  let text: string;
  try {
    text = error instanceof Error ? error.message : String(error);
  } catch {
    text = "";
  }
  text = text.replace(/\s+/g, " ").trim();
  return text === "" ? "no reason given" : text.length > 200 ? text.slice(0, 199) + "…" : text;
}

function _markerName(marker: number): string {
  if (marker in MARKER_NAMES) return MARKER_NAMES[marker];
  if (marker >= 0xc0 && marker <= 0xcf) return `SOF${marker - 0xc0}`;
  if (marker >= 0xd0 && marker <= 0xd7) return `RST${marker - 0xd0}`;
  if (marker >= 0xe0 && marker <= 0xef) return `APP${marker - 0xe0}`;
  if (marker >= 0xf0 && marker <= 0xfd) return `JPG${marker - 0xf0}`;
  return `0xFF${_hex2(marker).toUpperCase()}`;
}

function _hex2(n: number): string {
  return n.toString(16).padStart(2, "0");
}
