/**
 * The model file: the network's parameters as an .npz that numpy reads with `numpy.load`.
 *
 * It holds two float32 arrays per layer, in this order, named as in the original numpy project and
 * extended to any depth:
 *   w0: (D, H₁)   b0: (H₁,)   w1: (H₁, H₂)   b1: (H₂,)   …   wL: (H_L, K)   bL: (K,)
 * with D = 784 pixels, Hₗ = units of hidden layer l, K = 10 classes; a one-hidden-layer network is
 * w0, b0, w1, b1, as the original saved it. Reading is lenient where it cannot be wrong: float64
 * arrays are converted to float32, a weight matrix stored as (out, in) is transposed when the
 * shapes leave no doubt, and the biases may be (H,), (1, H) or (H, 1). Anything else, and any NaN
 * or infinity, is refused with a message naming the array.
 *
 * @module
 */

import { dirname } from "node:path";
import { writeFileAtomic } from "../base/atomic_write.ts";
import { fileErrorReason, FormatError, InputFileError, LimitError, ShapeError } from "../base/errors.ts";
import { D, K, MAX_HIDDEN_LAYERS, type Params } from "../network/network.ts";
import type { NpyArray } from "../formats/npy.ts";
import { decodeNpz, encodeNpz, listNpz } from "../formats/npz.ts";

/** The arrays of a one-hidden-layer weights file, in file order. */
export const WEIGHTS_ARRAYS: readonly string[] = ["w0", "b0", "w1", "b1"];

/** The arrays of a weights file for a network of `layers` dense layers, in file order: w0, b0, w1, b1, … */
export function weightsArrayNames(layers: number): string[] {
  return Array.from({ length: layers }, (_, l) => [`w${l}`, `b${l}`]).flat();
}
/** Cap on a weights file's size and on its arrays' total uncompressed size: 512 MiB. */
export const MAX_WEIGHTS_BYTES = 512 * 1024 * 1024;

/**
 * Encode the parameters as an .npz: w0 (784, H₁), b0 (H₁,), …, wL (H_L, 10), bL (10,), float32, stored.
 *
 * @param params The parameters.
 * @returns The file contents; the same parameters always give the same bytes.
 * @throws {ShapeError} When an array's length does not match `params.sizes`.
 * @throws {LimitError} When a value is NaN or infinite (such a file could not be loaded).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeWeights, encodeWeights } from "./weights.ts";
 * import { zeroParams } from "../network/network.ts";
 * const params = decodeWeights(encodeWeights(zeroParams([3, 2])), "w.npz");
 * assert.deepEqual(params.sizes, [784, 3, 2, 10]);
 * ```
 */
export function encodeWeights(params: Params): Uint8Array {
  const prefix = "Cannot write weights";
  const sizes = params.sizes;
  if (
    sizes.length < 3 || sizes[0] !== D || sizes.at(-1) !== K ||
    sizes.some((h) => !Number.isSafeInteger(h) || h < 1)
  ) {
    throw new ShapeError(`${prefix}: layer sizes are [${sizes.join(", ")}], expected [${D}, H…, ${K}]`);
  }
  const arrays = params.w.flatMap((w, l) => [
    { name: `w${l}`, shape: [sizes[l], sizes[l + 1]], data: w },
    { name: `b${l}`, shape: [sizes[l + 1]], data: params.b[l] },
  ]);
  if (arrays.length !== 2 * (sizes.length - 1)) {
    throw new ShapeError(
      `${prefix}: ${params.w.length} weight matrices for the ${sizes.length - 1} layers of [${
        sizes.join(", ")
      }]`,
    );
  }
  for (const { name, shape, data } of arrays) {
    const count = shape.reduce((a, b) => a * b, 1);
    if (!(data instanceof Float32Array) || data.length !== count) {
      const what = data instanceof Float32Array ? `${data.length} values` : "not a Float32Array";
      throw new ShapeError(
        `${prefix}: array "${name}" has ${what}, expected ${
          shape.length > 1 ? `${shape.join(" × ")} = ` : ""
        }${count} float32 values`,
      );
    }
    const bad = _firstNonFinite(data);
    if (bad >= 0) {
      throw new LimitError(
        `${prefix}: array "${name}" holds ${data[bad]} at index ${_indexRepr(bad, shape)}`,
      );
    }
  }
  return encodeNpz(arrays);
}

/**
 * Decode a weights .npz (as {@linkcode encodeWeights} or numpy writes it) into parameters.
 *
 * @param bytes The file contents.
 * @param name The file's name, for messages.
 * @returns The parameters, float32, in the layouts of {@linkcode Params}.
 * @throws {FormatError} When the file is not a valid .npz, or arrays are missing or extra.
 * @throws {ShapeError} When the arrays' shapes do not fit together.
 * @throws {LimitError} When a value is NaN, infinite or outside the float32 range, or the file is over a cap.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeWeights } from "./weights.ts";
 * import { encodeNpz } from "../formats/npz.ts";
 * const bytes = encodeNpz([
 *   { name: "w0", shape: [2, 784], data: new Float32Array(2 * 784) }, // (H, D): transposed on load
 *   { name: "b0", shape: [1, 2], data: new Float32Array(2) },
 *   { name: "w1", shape: [2, 10], data: new Float32Array(20) },
 *   { name: "b1", shape: [10], data: new Float32Array(10) },
 * ]);
 * assert.deepEqual(decodeWeights(bytes, "w.npz").sizes, [784, 2, 10]);
 * ```
 */
export function decodeWeights(bytes: Uint8Array, name: string): Params {
  const prefix = `Cannot load weights "${name}"`;
  const limits = { maxTotalBytes: MAX_WEIGHTS_BYTES };
  // names first, so a wrong file is refused before any array is uncompressed
  const keys = listNpz(bytes, name, limits);
  const layers = _layerCount(keys);
  const expectedNames = weightsArrayNames(layers);
  const expected = `expected ${_quoteList(expectedNames)}`;
  const missing = expectedNames.filter((key) => !keys.includes(key));
  if (missing.length > 0) {
    const list = _quoteList(missing);
    throw new FormatError(
      `${prefix}: ${missing.length === 1 ? `array ${list} is` : `arrays ${list} are`} missing, ${expected}`,
    );
  }
  const extra = keys.filter((key) => !expectedNames.includes(key));
  if (extra.length > 0) {
    const list = _quoteList(extra);
    throw new FormatError(
      `${prefix}: it has the unexpected ${extra.length === 1 ? "array" : "arrays"} ${list}, ${expected} only`,
    );
  }
  const arrays = decodeNpz(bytes, name, limits);
  const sizes = [D];
  const w: Float32Array[] = [], b: Float32Array[] = [];
  for (let l = 0; l < layers; l++) {
    const wKey = `w${l}`, bKey = `b${l}`, last = l === layers - 1;
    const wArr = arrays.get(wKey)!, bArr = arrays.get(bKey)!;
    const inputs = sizes[l];
    // (in, out), or (out, in) when that cannot be read the other way round; the last layer has K outputs
    const [r, c] = wArr.shape;
    const is2d = wArr.shape.length === 2;
    const plain = is2d && r === inputs && c >= 1 && (!last || c === K);
    const turned = !plain && is2d && c === inputs && r >= 1 && (!last || r === K);
    if (!plain && !turned) {
      throw new ShapeError(
        l === 0
          ? `${prefix}: array "w0" has shape ${_shapeRepr(wArr.shape)}, expected (${D}, H) with H ≥ 1`
          : `${prefix}: array "${wKey}" has shape ${_shapeRepr(wArr.shape)} but w${l - 1} says H = ${inputs}`,
      );
    }
    const outputs = plain ? c : r;
    if (!_isVector(bArr.shape, outputs)) {
      throw new ShapeError(
        last && l > 0
          ? `${prefix}: array "${bKey}" has shape ${_shapeRepr(bArr.shape)}, expected (${K},)`
          : `${prefix}: array "${bKey}" has shape ${_shapeRepr(bArr.shape)} but ${wKey} says H = ${outputs}`,
      );
    }
    const data = _toFloat32(wArr, wKey, prefix);
    w.push(turned ? _transpose(data, outputs, inputs) : data);
    b.push(_toFloat32(bArr, bKey, prefix));
    sizes.push(outputs);
  }
  return { sizes, w, b };
}

/** How many layers the array names of a file describe: one more than the highest index of "wN" or "bN", at least 2. */
function _layerCount(keys: readonly string[]): number {
  let top = 1;
  for (const key of keys) {
    const match = /^[wb](\d{1,2})$/.exec(key);
    if (match) top = Math.max(top, Number(match[1]));
  }
  return Math.min(top, MAX_HIDDEN_LAYERS) + 1;
}

/**
 * Read a weights file.
 *
 * @param path The .npz file; messages name it as given.
 * @returns The parameters.
 * @throws {InputFileError} When the file is missing, a directory or unreadable.
 * @throws {FormatError | ShapeError | LimitError} As {@linkcode decodeWeights}, or when the file is over 512 MiB.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readWeightsFile, writeWeightsFile } from "./weights.ts";
 * import { zeroParams } from "../network/network.ts";
 * const path = await Deno.makeTempFile({ suffix: ".npz" });
 * await writeWeightsFile(path, zeroParams(2));
 * assert.deepEqual((await readWeightsFile(path)).sizes, [784, 2, 10]);
 * await Deno.remove(path);
 * ```
 */
export async function readWeightsFile(path: string): Promise<Params> {
  const prefix = `Cannot load weights "${path}"`;
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    throw _fileError(error, prefix);
  }
  if (info.isDirectory) throw new InputFileError(`${prefix}: it is a directory`);
  if (!info.isFile) throw new InputFileError(`${prefix}: it is not a regular file`);
  if (info.size > MAX_WEIGHTS_BYTES) {
    throw new LimitError(`${prefix}: file is ${info.size} bytes, over the limit of ${MAX_WEIGHTS_BYTES}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    throw _fileError(error, prefix);
  }
  return decodeWeights(bytes, path);
}

/**
 * Write a weights file atomically: a reader sees the old file or the new one, never a mix.
 *
 * @param path The .npz file to write.
 * @param params The parameters.
 * @throws {InputFileError} When the folder is missing or not writable.
 * @throws {ShapeError | LimitError} As {@linkcode encodeWeights}.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeWeightsFile } from "./weights.ts";
 * import { zeroParams } from "../network/network.ts";
 * const path = await Deno.makeTempFile({ suffix: ".npz" });
 * await writeWeightsFile(path, zeroParams(2));
 * assert.ok((await Deno.stat(path)).size > 784 * 2 * 4);
 * await Deno.remove(path);
 * ```
 */
export async function writeWeightsFile(path: string, params: Params): Promise<void> {
  const bytes = encodeWeights(params);
  try {
    await writeFileAtomic(path, bytes);
  } catch (error) {
    const prefix = `Cannot write weights "${path}"`;
    if (error instanceof Deno.errors.NotFound) {
      throw new InputFileError(`${prefix}: folder "${dirname(path)}" does not exist`, { cause: error });
    }
    throw _fileError(error, prefix);
  }
}

// ---- helpers ----

function _fileError(error: unknown, prefix: string): InputFileError {
  const reason = fileErrorReason(error) ?? (error instanceof Error ? error.message : String(error));
  return new InputFileError(`${prefix}: ${reason}`, { cause: error });
}

// (n,), (1, n) or (n, 1)
function _isVector(shape: readonly number[], n: number): boolean {
  return _sameShape(shape, [n]) || _sameShape(shape, [1, n]) || _sameShape(shape, [n, 1]);
}

function _sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// float32 copy of an array's values; NaN, ±Infinity and float64 values past the float32 range are refused
function _toFloat32(array: NpyArray, key: string, prefix: string): Float32Array {
  const src = array.data;
  const bad = _firstNonFinite(src);
  if (bad >= 0) {
    throw new LimitError(
      `${prefix}: array "${key}" holds ${src[bad]} at index ${_indexRepr(bad, array.shape)}`,
    );
  }
  const out = src instanceof Float32Array ? src.slice() : Float32Array.from(src);
  const overflow = _firstNonFinite(out);
  if (overflow >= 0) {
    throw new LimitError(
      `${prefix}: array "${key}" holds ${src[overflow]} at index ${_indexRepr(overflow, array.shape)}, ` +
        `outside the float32 range`,
    );
  }
  return out;
}

function _firstNonFinite(data: Float32Array | Float64Array): number {
  for (let i = 0; i < data.length; i++) {
    // x - x is 0 for finite x and NaN for NaN and ±Infinity
    if (data[i] - data[i] !== 0) return i;
  }
  return -1;
}

// (rows, cols) in C order -> (cols, rows) in C order
function _transpose(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
  }
  return out;
}

// flat C-order index -> Python tuple of indices, e.g. 7 in (2, 5) -> "(1, 2)"
function _indexRepr(flat: number, shape: readonly number[]): string {
  const index: number[] = [];
  for (let k = shape.length - 1; k >= 0; k--) {
    index.unshift(flat % shape[k]);
    flat = Math.floor(flat / shape[k]);
  }
  return _shapeRepr(index);
}

function _shapeRepr(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

function _quoteList(names: readonly string[]): string {
  const quoted = names.map((n) => `"${n}"`);
  return quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} and ${quoted.at(-1)}`;
}
