/**
 * The .npz format of numpy: a zip archive of .npy files, one per array, named `<array>.npy`.
 *
 * Reads what `numpy.savez` (stored) and `numpy.savez_compressed` (deflate) write; writes what
 * `numpy.load` reads, byte for byte the same for the same arrays.
 *
 * @module
 */

import { FormatError, LimitError } from "../base/errors.ts";
import {
  decodeNpy,
  encodeNpy,
  NPY_MAX_DATA_BYTES,
  NPY_MAX_PREFIX_BYTES,
  type NpyArray,
  readNpyHeader,
} from "./npy.ts";
import { encodeZip, listZip, readZipEntry, readZipEntryStart, type ZipEntry } from "./zip.ts";

/** One float32 array to store. */
export interface NpzInput {
  /** The array's key, without `.npy`. */
  name: string;
  /** Dimensions, outermost first. */
  shape: readonly number[];
  /** prod(shape) values in C order. */
  data: Float32Array;
}

/** Caps on what reading an .npz may allocate. */
export interface NpzLimits {
  /** Most arrays the file may hold (default {@linkcode NPZ_MAX_ENTRIES}). */
  maxEntries?: number;
  /** Cap on the sum of the entries' uncompressed sizes (default {@linkcode NPZ_MAX_TOTAL_BYTES}). */
  maxTotalBytes?: number;
  /** Cap on one array's data bytes, by key (default: only the total cap). */
  maxArrayBytes?: (arrayName: string) => number;
}

/** Default cap on the number of arrays in an .npz. */
export const NPZ_MAX_ENTRIES = 1024;
/** Default cap on the uncompressed size of all arrays of an .npz together: 512 MiB. */
export const NPZ_MAX_TOTAL_BYTES = NPY_MAX_DATA_BYTES;

const _SUFFIX = ".npy";

/**
 * Encode float32 arrays as an .npz file: entries `<name>.npy`, stored, in the given order.
 *
 * @param arrays The arrays, with unique non-empty names.
 * @returns The .npz file contents; the same arrays always give the same bytes.
 * @throws {ShapeError} When a shape does not match its data.
 * @throws {FormatError} When a name is empty or repeated.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeNpz, encodeNpz } from "./npz.ts";
 * const bytes = encodeNpz([{ name: "b", shape: [2], data: new Float32Array([1, 2]) }]);
 * assert.ok(decodeNpz(bytes, "t.npz").get("b")?.data[1] === 2);
 * ```
 */
export function encodeNpz(arrays: readonly NpzInput[]): Uint8Array {
  return encodeZip(arrays.map(({ name, shape, data }) => {
    if (name === "") throw new FormatError(`Cannot write npz file: an array has an empty name`);
    return { name: name + _SUFFIX, data: encodeNpy(shape, data) };
  }));
}

/**
 * List the array keys of an .npz file, checking its zip structure but reading no array.
 *
 * @param bytes The file.
 * @param name The file's name, for messages.
 * @param limits Caps on the entry count and the declared sizes.
 * @returns The keys (entry names without `.npy`) in archive order.
 * @throws {FormatError} When the zip is malformed or an entry is not an `.npy` file.
 * @throws {LimitError} When it is over a cap.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeNpz, listNpz } from "./npz.ts";
 * const bytes = encodeNpz([{ name: "w", shape: [], data: new Float32Array(1) }]);
 * assert.ok(listNpz(bytes, "t.npz").join() === "w");
 * ```
 */
export function listNpz(bytes: Uint8Array, name: string, limits: NpzLimits = {}): string[] {
  return _entries(bytes, name, limits).map((entry) => _arrayName(entry, name));
}

/**
 * Decode an .npz file of float32 and float64 arrays, as numpy's `savez` and `savez_compressed`
 * write them (any .npy version, byte order and memory order). Each entry's .npy header is read
 * first, and the entry is only uncompressed when its declared size is exactly what the header's
 * shape and dtype need and is under the caps.
 *
 * @param bytes The file.
 * @param name The file's name, for messages; an entry's messages name it `<name>/<entry>`.
 * @param limits Caps on the entry count and sizes.
 * @returns The arrays by key, in archive order, data in C order.
 * @throws {FormatError} When the zip or an array is malformed or of an unsupported dtype.
 * @throws {LimitError} When it is over a cap.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeNpz, encodeNpz } from "./npz.ts";
 * const bytes = encodeNpz([{ name: "w", shape: [1, 2], data: new Float32Array([3, 4]) }]);
 * const w = decodeNpz(bytes, "t.npz").get("w");
 * assert.ok(w?.shape.join() === "1,2" && w.dtype === "<f4");
 * ```
 */
export function decodeNpz(bytes: Uint8Array, name: string, limits: NpzLimits = {}): Map<string, NpyArray> {
  const arrays = new Map<string, NpyArray>();
  const entries = _entries(bytes, name, limits);
  const keys = entries.map((entry) => _arrayName(entry, name));
  for (const [i, entry] of entries.entries()) {
    const key = keys[i];
    const label = `${name}/${entry.name}`;
    const maxBytes = limits.maxArrayBytes?.(key) ?? NPY_MAX_DATA_BYTES;
    // the header alone says how big the entry must be: check that before uncompressing it all
    const start = readZipEntryStart(bytes, name, entry, NPY_MAX_PREFIX_BYTES);
    readNpyHeader(start, label, { totalBytes: entry.size, maxBytes });
    arrays.set(key, decodeNpy(readZipEntry(bytes, name, entry), label, maxBytes));
  }
  return arrays;
}

function _entries(bytes: Uint8Array, name: string, limits: NpzLimits): ZipEntry[] {
  const maxEntries = limits.maxEntries ?? NPZ_MAX_ENTRIES;
  const maxTotalBytes = limits.maxTotalBytes ?? NPZ_MAX_TOTAL_BYTES;
  if (
    !Number.isSafeInteger(maxEntries) || maxEntries < 0 || !Number.isSafeInteger(maxTotalBytes) ||
    maxTotalBytes < 0
  ) {
    throw new LimitError(
      `Cannot read npz file "${name}": limits are ${maxEntries} entries and ${maxTotalBytes} bytes, ` +
        `expected non-negative integers`,
    );
  }
  return listZip(bytes, name, { maxEntries, maxTotalBytes });
}

function _arrayName(entry: ZipEntry, name: string): string {
  if (!entry.name.endsWith(_SUFFIX) || entry.name.length === _SUFFIX.length) {
    throw new FormatError(`Cannot read npz file "${name}": entry "${entry.name}" is not an .npy file`);
  }
  return entry.name.slice(0, -_SUFFIX.length);
}
