/**
 * The .npy array format of numpy (numpy/lib/format.py, "NEP 1"): read and write float arrays.
 *
 * Layout of a file: the magic string `\x93NUMPY`, a major and a minor version byte, the header
 * length (u16 little-endian in version 1.0, u32 in 2.0 and 3.0), the header, then the raw data.
 * The header is a Python dict literal padded with spaces and a final `\n`, e.g.
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (784, 128), }`. numpy reads it with
 * `ast.literal_eval`; here a small hand-written parser reads the same literals (strings, integers,
 * True/False/None, tuples, lists, dicts) and never evaluates code.
 *
 * Only float32 and float64 arrays are read, in either byte order and either memory order; object
 * arrays (pickles) are always refused.
 *
 * @module
 */

import { FormatError, LimitError, ShapeError } from "../base/errors.ts";

/** The dtypes this reader accepts: float32 or float64, little- or big-endian. */
export type NpyDtype = "<f4" | "<f8" | ">f4" | ">f8";

/** A decoded array: data in C (row-major) order, in the host's byte order. */
export interface NpyArray {
  /** Dimensions, outermost first; `[]` for a scalar. */
  shape: number[];
  /** The dtype as stored in the file. */
  dtype: NpyDtype;
  /** prod(shape) values in C order: a Float32Array for `f4`, a Float64Array for `f8`. */
  data: Float32Array | Float64Array;
}

/** What an .npy header says, checked; see {@linkcode readNpyHeader}. */
export interface NpyHeader {
  /** Format version `[major, minor]`: `[1, 0]`, `[2, 0]` or `[3, 0]`. */
  version: [number, number];
  /** The element type. */
  dtype: NpyDtype;
  /** True when the data is stored in Fortran (column-major) order. */
  fortranOrder: boolean;
  /** Dimensions, outermost first. */
  shape: number[];
  /** Byte offset of the data: magic, version, length field and header. */
  dataOffset: number;
  /** Bytes of data the shape and dtype need: prod(shape) × itemsize. */
  dataBytes: number;
}

/** The magic string every .npy file starts with: `\x93NUMPY`. */
export const NPY_MAGIC: Uint8Array = new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
/** numpy refuses headers longer than this many characters (`_MAX_HEADER_SIZE`). */
export const NPY_MAX_HEADER_CHARS = 10_000;
/** Largest possible prefix (magic, version, length, header) of a file whose header is under the cap. */
export const NPY_MAX_PREFIX_BYTES = 12 + 4 * NPY_MAX_HEADER_CHARS;
/** Default cap on the data of one array: 512 MiB. */
export const NPY_MAX_DATA_BYTES = 512 * 1024 * 1024;
/** numpy 2 arrays have at most 64 dimensions (`NPY_MAXDIMS`). */
export const NPY_MAX_DIMS = 64;

// numpy pads the header so magic + length field + header is a multiple of this (ARRAY_ALIGN)
const _ARRAY_ALIGN = 64;
// numpy leaves room after the dict so the growth axis can get longer in place (GROWTH_AXIS_MAX_DIGITS)
const _GROWTH_AXIS_MAX_DIGITS = 21;
// deepest nesting of brackets the header parser follows
const _MAX_NESTING = 32;
const _SUPPORTED: readonly NpyDtype[] = ["<f4", "<f8", ">f4", ">f8"];
const _HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Encode a float32 array as .npy bytes, exactly as `numpy.save` writes them (format 1.0,
 * little-endian, C order, header padded to a multiple of 64 bytes).
 *
 * @param shape Dimensions, outermost first; their product must equal `data.length`.
 * @param data The values in C order.
 * @returns The .npy file contents.
 * @throws {ShapeError} When the shape is not a list of non-negative integers matching the data.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeNpy, encodeNpy } from "./npy.ts";
 * const bytes = encodeNpy([2, 3], new Float32Array([1, 2, 3, 4, 5, 6]));
 * assert.ok(bytes.length === 128 + 24);
 * assert.ok(decodeNpy(bytes, "x.npy").shape.join() === "2,3");
 * ```
 */
export function encodeNpy(shape: readonly number[], data: Float32Array): Uint8Array {
  const shapeText = _shapeRepr(shape);
  if (shape.length > NPY_MAX_DIMS) {
    throw new ShapeError(
      `Cannot write npy array: shape has ${shape.length} dimensions, numpy allows ${NPY_MAX_DIMS}`,
    );
  }
  let count = 1;
  for (const dim of shape) {
    if (!Number.isSafeInteger(dim) || dim < 0) {
      throw new ShapeError(`Cannot write npy array: shape is ${shapeText}, expected non-negative integers`);
    }
    count *= dim;
  }
  if (count !== data.length) {
    throw new ShapeError(
      `Cannot write npy array: shape ${shapeText} holds ${count} values but the data has ${data.length}`,
    );
  }
  // the same text as numpy's _write_array_header: sorted keys, repr() values, trailing ", "
  let dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  if (shape.length > 0) dict += " ".repeat(Math.max(0, _GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  // _wrap_header: pad with spaces then "\n" so 10 + header length is a multiple of 64 (1 to 64 pad bytes)
  const unpadded = dict.length + 1;
  const pad = _ARRAY_ALIGN - ((NPY_MAGIC.length + 4 + unpadded) % _ARRAY_ALIGN);
  const headerLength = unpadded + pad;
  if (headerLength > 0xffff) {
    throw new ShapeError(`Cannot write npy array: header of ${headerLength} bytes does not fit format 1.0`);
  }
  const out = new Uint8Array(10 + headerLength + data.length * 4);
  out.set(NPY_MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = headerLength & 0xff;
  out[9] = headerLength >>> 8;
  const header = dict + " ".repeat(pad) + "\n";
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  _writeFloats(out, 10 + headerLength, data, 4, true);
  return out;
}

/**
 * Read and check the header of .npy bytes, without touching the data.
 *
 * @param bytes The file, or at least its first {@linkcode NPY_MAX_PREFIX_BYTES} bytes.
 * @param name The file's name, for messages.
 * @param options `totalBytes`: the size of the whole file when `bytes` is only its start (default
 *   `bytes.length`); `maxBytes`: cap on the data bytes (default {@linkcode NPY_MAX_DATA_BYTES}).
 * @returns The checked header.
 * @throws {FormatError} When the magic, version, header syntax, keys, dtype, shape or data length is wrong.
 * @throws {LimitError} When the header is over numpy's 10,000-character cap, the data over `maxBytes`,
 *   or `maxBytes` is not a non-negative integer.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeNpy, readNpyHeader } from "./npy.ts";
 * const header = readNpyHeader(encodeNpy([3], new Float32Array(3)), "x.npy");
 * assert.ok(header.dtype === "<f4" && header.dataOffset === 128 && header.dataBytes === 12);
 * ```
 */
export function readNpyHeader(
  bytes: Uint8Array,
  name: string,
  options: { totalBytes?: number; maxBytes?: number } = {},
): NpyHeader {
  const prefix = `Cannot read npy array "${name}"`;
  const total = options.totalBytes ?? bytes.length;
  const maxBytes = options.maxBytes ?? NPY_MAX_DATA_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new LimitError(`${prefix}: maxBytes is ${maxBytes}, expected a non-negative integer`);
  }
  if (total < 8 || bytes.length < 8) {
    throw new FormatError(
      `${prefix}: file is ${total} bytes, too short for the npy magic string and version`,
    );
  }
  for (let i = 0; i < NPY_MAGIC.length; i++) {
    if (bytes[i] !== NPY_MAGIC[i]) {
      throw new FormatError(
        `${prefix}: file starts with ${_hexBytes(bytes.subarray(0, 6))}, expected the npy magic string ` +
          `93 4e 55 4d 50 59 ("\\x93NUMPY")`,
      );
    }
  }
  const major = bytes[6], minor = bytes[7];
  if (minor !== 0 || major < 1 || major > 3) {
    throw new FormatError(`${prefix}: npy format version is ${major}.${minor}, expected 1.0, 2.0 or 3.0`);
  }
  const lengthSize = major === 1 ? 2 : 4;
  if (total < 8 + lengthSize || bytes.length < 8 + lengthSize) {
    throw new FormatError(`${prefix}: file is ${total} bytes, too short for the npy header length`);
  }
  const headerLength = major === 1
    ? bytes[8] | (bytes[9] << 8)
    : (bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (bytes[11] << 24)) >>> 0;
  const start = 8 + lengthSize;
  // a header of more bytes than this holds more than the cap's characters in any encoding
  const utf8 = major === 3;
  if (headerLength > (utf8 ? 4 : 1) * NPY_MAX_HEADER_CHARS) {
    throw new LimitError(
      `${prefix}: header is ${headerLength} bytes, over numpy's limit of ${NPY_MAX_HEADER_CHARS} characters`,
    );
  }
  if (start + headerLength > total || start + headerLength > bytes.length) {
    throw new FormatError(
      `${prefix}: header is ${headerLength} bytes but only ${total - start} bytes follow its length field`,
    );
  }
  const headerBytes = bytes.subarray(start, start + headerLength);
  let text: string;
  if (utf8) {
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(headerBytes);
    } catch {
      throw new FormatError(`${prefix}: header is not valid UTF-8`);
    }
  } else {
    // latin-1: one character per byte (TextDecoder's "latin1" is really windows-1252)
    text = String.fromCharCode(...headerBytes);
  }
  const chars = utf8 ? [...text].length : text.length;
  if (chars > NPY_MAX_HEADER_CHARS) {
    throw new LimitError(
      `${prefix}: header is ${chars} characters, over numpy's limit of ${NPY_MAX_HEADER_CHARS} characters`,
    );
  }
  const dict = _parseHeaderDict(text, prefix, major <= 2);
  const { dtype, fortranOrder, shape, dims } = _checkHeaderDict(dict, prefix);

  // shape product in BigInt: each dimension may be any literal integer, nothing can overflow
  let count = 1n;
  for (const dim of dims) count *= dim;
  const needed = count * BigInt(_itemSize(dtype));
  const shapeText = _shapeRepr(dims);
  const huge = dims.find((d) => d > BigInt(Number.MAX_SAFE_INTEGER));
  if (huge !== undefined) {
    throw new LimitError(
      `${prefix}: shape ${shapeText} has the dimension ${huge}, over the limit of 2^53 - 1`,
    );
  }
  if (needed > BigInt(maxBytes)) {
    throw new LimitError(
      `${prefix}: shape ${shapeText} of "${dtype}" needs ${needed} bytes of data, over the limit of ${maxBytes}`,
    );
  }
  const dataOffset = start + headerLength;
  const dataBytes = Number(needed);
  const present = total - dataOffset;
  if (present !== dataBytes) {
    throw new FormatError(
      `${prefix}: data is ${present} bytes but shape ${shapeText} of "${dtype}" needs ${dataBytes}`,
    );
  }
  return { version: [major, minor], dtype, fortranOrder, shape, dataOffset, dataBytes };
}

/**
 * Decode .npy bytes holding a float32 or float64 array, as numpy writes them: format 1.0, 2.0 or
 * 3.0, either byte order, C or Fortran order. The data comes back in C order and host byte order.
 *
 * @param bytes The whole file.
 * @param name The file's name, for messages.
 * @param maxBytes Cap on the data bytes (default {@linkcode NPY_MAX_DATA_BYTES}).
 * @returns Shape, dtype and values.
 * @throws {FormatError} When the bytes are not such an array (see {@linkcode readNpyHeader}).
 * @throws {LimitError} When the header or the data is over its cap.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeNpy, encodeNpy } from "./npy.ts";
 * const array = decodeNpy(encodeNpy([2], new Float32Array([0.5, -1])), "x.npy");
 * assert.ok(array.dtype === "<f4" && array.data[1] === -1);
 * ```
 */
export function decodeNpy(bytes: Uint8Array, name: string, maxBytes: number = NPY_MAX_DATA_BYTES): NpyArray {
  const header = readNpyHeader(bytes, name, { maxBytes });
  const { dtype, shape, dataOffset, dataBytes } = header;
  const itemSize = _itemSize(dtype);
  // copy into a fresh, aligned buffer; swap bytes when the file's order is not the host's
  const raw = bytes.slice(dataOffset, dataOffset + dataBytes);
  if ((dtype[0] === "<") !== _HOST_LITTLE_ENDIAN) _swapBytes(raw, itemSize);
  const stored = itemSize === 4
    ? new Float32Array(raw.buffer, 0, dataBytes / 4)
    : new Float64Array(raw.buffer, 0, dataBytes / 8);
  const data = header.fortranOrder && shape.length > 1 ? _fortranToC(stored, shape) : stored;
  return { shape, dtype, data };
}

// ---- header syntax: a Python literal, parsed without eval ----

type _PyValue =
  | { kind: "str"; value: string }
  | { kind: "int"; value: bigint }
  | { kind: "bool"; value: boolean }
  | { kind: "none" }
  | { kind: "tuple"; items: _PyValue[] }
  | { kind: "list"; items: _PyValue[] }
  | { kind: "dict"; entries: [_PyValue, _PyValue][] };

function _parseHeaderDict(
  text: string,
  prefix: string,
  allowLongSuffix: boolean,
): Extract<_PyValue, { kind: "dict" }> {
  const parser = new _LiteralParser(text, prefix, allowLongSuffix);
  const value = parser.parseDocument();
  if (value.kind !== "dict") {
    const what = value.kind === "none" ? "None" : `${_kindName(value)} ${_describe(value)}`;
    throw new FormatError(`${prefix}: header is ${what}, expected a dict`);
  }
  return value;
}

class _LiteralParser {
  #pos = 0;
  constructor(
    private readonly text: string,
    private readonly prefix: string,
    // Python 2 wrote longs as 3L; numpy still reads those in format 1.0 and 2.0 headers
    private readonly allowLongSuffix: boolean,
  ) {}

  parseDocument(): _PyValue {
    this.#skipSpace();
    if (this.#pos >= this.text.length) this.#fail("header is empty");
    const value = this.#parseValue(0);
    this.#skipSpace();
    if (this.#pos < this.text.length) this.#unexpected("after the literal");
    return value;
  }

  #parseValue(depth: number): _PyValue {
    if (depth > _MAX_NESTING) this.#fail(`header nests brackets deeper than ${_MAX_NESTING} levels`);
    this.#skipSpace();
    const c = this.text[this.#pos];
    if (c === "{") return this.#parseDict(depth);
    if (c === "(") return this.#parseParens(depth);
    if (c === "[") return { kind: "list", items: this.#parseItems("]", depth).items };
    if (c === "'" || c === '"') return { kind: "str", value: this.#parseString() };
    if ((c === "u" || c === "U") && (this.text[this.#pos + 1] === "'" || this.text[this.#pos + 1] === '"')) {
      this.#pos++;
      return { kind: "str", value: this.#parseString() };
    }
    if (c === "-" || (c >= "0" && c <= "9")) return { kind: "int", value: this.#parseInt() };
    for (const [word, value] of _KEYWORDS) {
      if (
        this.text.startsWith(word, this.#pos) &&
        !/[A-Za-z0-9_]/.test(this.text[this.#pos + word.length] ?? "")
      ) {
        this.#pos += word.length;
        return value;
      }
    }
    return this.#unexpected("where a value should be");
  }

  #parseDict(depth: number): _PyValue {
    this.#pos++; // "{"
    const entries: [_PyValue, _PyValue][] = [];
    for (;;) {
      this.#skipSpace();
      if (this.text[this.#pos] === "}") break;
      const key = this.#parseValue(depth + 1);
      this.#skipSpace();
      if (this.text[this.#pos] !== ":") this.#unexpected('where a ":" should follow a dict key');
      this.#pos++;
      entries.push([key, this.#parseValue(depth + 1)]);
      this.#skipSpace();
      if (this.text[this.#pos] === ",") this.#pos++;
      else if (this.text[this.#pos] !== "}") this.#unexpected('where a "," or "}" should be');
    }
    this.#pos++; // "}"
    return { kind: "dict", entries };
  }

  #parseParens(depth: number): _PyValue {
    const { items, trailingComma } = this.#parseItems(")", depth);
    // "(5)" is the integer 5; only a comma, or "()", makes a tuple
    if (items.length === 1 && !trailingComma) return items[0];
    return { kind: "tuple", items };
  }

  #parseItems(close: string, depth: number): { items: _PyValue[]; trailingComma: boolean } {
    this.#pos++; // "(" or "["
    const items: _PyValue[] = [];
    let trailingComma = false;
    for (;;) {
      this.#skipSpace();
      if (this.text[this.#pos] === close) break;
      items.push(this.#parseValue(depth + 1));
      this.#skipSpace();
      trailingComma = this.text[this.#pos] === ",";
      if (trailingComma) this.#pos++;
      else if (this.text[this.#pos] !== close) this.#unexpected(`where a "," or "${close}" should be`);
    }
    this.#pos++;
    return { items, trailingComma };
  }

  #parseString(): string {
    const quote = this.text[this.#pos++];
    let out = "";
    for (;;) {
      if (this.#pos >= this.text.length || this.text[this.#pos] === "\n") {
        this.#fail("header has an unterminated string");
      }
      const c = this.text[this.#pos++];
      if (c === quote) return out;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = this.text[this.#pos++];
      const simple = _ESCAPES[e];
      if (simple !== undefined) out += simple;
      else if (e === "x" && /^[0-9a-fA-F]{2}$/.test(this.text.slice(this.#pos, this.#pos + 2))) {
        out += String.fromCharCode(parseInt(this.text.slice(this.#pos, this.#pos + 2), 16));
        this.#pos += 2;
      } else {this.#fail(
          `header has an unsupported string escape "\\${e ?? ""}" at character ${this.#pos - 1}`,
        );}
    }
  }

  #parseInt(): bigint {
    const found = /^(-?)[ \t]*(0|[1-9][0-9]*)([lL]?)(?![0-9A-Za-z_.])/.exec(
      this.text.slice(this.#pos, this.#pos + 64),
    );
    if (!found || (found[3] && !this.allowLongSuffix)) return this.#unexpected("where an integer should be");
    this.#pos += found[0].length;
    const value = BigInt(found[2]);
    return found[1] ? -value : value;
  }

  #skipSpace(): void {
    while (this.#pos < this.text.length && " \t\n\r\f\v".includes(this.text[this.#pos])) this.#pos++;
  }

  #unexpected(where: string): never {
    if (this.#pos >= this.text.length) this.#fail(`header ends ${where}`);
    const c = this.text[this.#pos];
    return this.#fail(`header has ${JSON.stringify(c)} at character ${this.#pos + 1} ${where}`);
  }

  #fail(state: string): never {
    throw new FormatError(`${this.prefix}: ${state}`);
  }
}

const _KEYWORDS: [string, _PyValue][] = [
  ["True", { kind: "bool", value: true }],
  ["False", { kind: "bool", value: false }],
  ["None", { kind: "none" }],
];

const _ESCAPES: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  "n": "\n",
  "t": "\t",
  "r": "\r",
  "0": "\0",
};

// ---- header meaning ----

function _checkHeaderDict(
  dict: Extract<_PyValue, { kind: "dict" }>,
  prefix: string,
): { dtype: NpyDtype; fortranOrder: boolean; shape: number[]; dims: bigint[] } {
  const values = new Map<string, _PyValue>();
  for (const [key, value] of dict.entries) {
    if (key.kind !== "str") {
      throw new FormatError(`${prefix}: header has the key ${_describe(key)}, expected string keys`);
    }
    if (values.has(key.value)) throw new FormatError(`${prefix}: header has the key "${key.value}" twice`);
    values.set(key.value, value);
  }
  for (const key of values.keys()) {
    if (key !== "descr" && key !== "fortran_order" && key !== "shape") {
      throw new FormatError(
        `${prefix}: header has the key "${key}", expected only "descr", "fortran_order" and "shape"`,
      );
    }
  }
  for (const key of ["descr", "fortran_order", "shape"]) {
    if (!values.has(key)) throw new FormatError(`${prefix}: header lacks the key "${key}"`);
  }

  const descr = values.get("descr")!;
  if (descr.kind !== "str") {
    throw new FormatError(
      `${prefix}: descr is ${_describe(descr)}, expected a float dtype string ("<f4", "<f8", ">f4" or ">f8")`,
    );
  }
  const dtype = descr.value;
  if (/^[<>|=]?O\d*$/.test(dtype)) {
    throw new FormatError(
      `${prefix}: dtype "${dtype}" is an object array, stored as a Python pickle: pickles are refused ` +
        `(allow_pickle is never supported)`,
    );
  }
  if (!(_SUPPORTED as readonly string[]).includes(dtype)) {
    const what = _dtypeName(dtype);
    throw new FormatError(
      `${prefix}: dtype "${dtype}"${what ? ` (${what})` : ""} is not supported, ` +
        `expected float32 or float64 ("<f4", "<f8", ">f4" or ">f8")`,
    );
  }

  const fortran = values.get("fortran_order")!;
  if (fortran.kind !== "bool") {
    throw new FormatError(`${prefix}: fortran_order is ${_describe(fortran)}, expected True or False`);
  }

  const shapeValue = values.get("shape")!;
  if (
    shapeValue.kind !== "tuple" || !shapeValue.items.every((item) => item.kind === "int" && item.value >= 0n)
  ) {
    throw new FormatError(
      `${prefix}: shape is ${_describe(shapeValue)}, expected a tuple of non-negative integers`,
    );
  }
  const dims = shapeValue.items.map((item) => (item as { value: bigint }).value);
  if (dims.length > NPY_MAX_DIMS) {
    throw new FormatError(`${prefix}: shape has ${dims.length} dimensions, numpy allows ${NPY_MAX_DIMS}`);
  }
  return {
    dtype: dtype as NpyDtype,
    fortranOrder: fortran.value,
    // exact whenever the data fits under the cap; the caller checks the cap on the BigInt product
    shape: dims.map((d) => Number(d)),
    dims,
  };
}

const _DTYPE_KINDS: Record<string, string> = {
  b: "bool",
  i: "int",
  u: "uint",
  f: "float",
  c: "complex",
  S: "bytes",
  a: "bytes",
  U: "str",
  V: "void",
  M: "datetime64",
  m: "timedelta64",
};

function _dtypeName(descr: string): string | undefined {
  const match = /^[<>|=]?([a-zA-Z])(\d*)(\[\w+\])?$/.exec(descr);
  if (!match) return undefined;
  const kind = _DTYPE_KINDS[match[1]];
  if (!kind) return undefined;
  const size = Number(match[2] || "0");
  if ((kind === "int" || kind === "uint" || kind === "float" || kind === "complex") && size > 0) {
    return `${kind}${size * 8}`;
  }
  return kind;
}

// ---- data ----

function _itemSize(dtype: NpyDtype): number {
  return dtype[2] === "4" ? 4 : 8;
}

function _writeFloats(
  out: Uint8Array,
  offset: number,
  data: Float32Array,
  itemSize: number,
  little: boolean,
) {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  out.set(bytes, offset);
  if (little !== _HOST_LITTLE_ENDIAN) _swapBytes(out.subarray(offset, offset + bytes.length), itemSize);
}

function _swapBytes(bytes: Uint8Array, itemSize: number): void {
  for (let i = 0; i < bytes.length; i += itemSize) {
    for (let a = i, b = i + itemSize - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

// Fortran order stores element (i0, ..., i(n-1)) at sum(ik * fk) with f0 = 1, fk = f(k-1) * shape[k-1];
// walk the C-order indices like an odometer and keep that offset up to date.
function _fortranToC<T extends Float32Array | Float64Array>(src: T, shape: readonly number[]): T {
  const n = shape.length;
  const dst =
    (src instanceof Float32Array ? new Float32Array(src.length) : new Float64Array(src.length)) as T;
  const fStride = new Array<number>(n);
  for (let k = 0, s = 1; k < n; k++) {
    fStride[k] = s;
    s *= shape[k];
  }
  const index = new Array<number>(n).fill(0);
  let offset = 0;
  for (let c = 0; c < src.length; c++) {
    dst[c] = src[offset];
    for (let k = n - 1; k >= 0; k--) {
      index[k]++;
      offset += fStride[k];
      if (index[k] < shape[k]) break;
      offset -= fStride[k] * shape[k];
      index[k] = 0;
    }
  }
  return dst;
}

// ---- messages ----

/** Python's repr of a shape tuple: `()`, `(5,)`, `(784, 128)`. */
function _shapeRepr(shape: readonly (number | bigint)[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

function _kindName(value: _PyValue): string {
  const names = {
    str: "a string",
    int: "an integer",
    bool: "a bool",
    none: "",
    tuple: "a tuple",
    list: "a list",
  };
  return value.kind === "dict" ? "a dict" : names[value.kind];
}

// a short Python-like rendering of a parsed value, e.g. "(3, -1)", "'<i4'", "True"
function _describe(value: _PyValue): string {
  const text = _repr(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function _repr(value: _PyValue): string {
  switch (value.kind) {
    case "str":
      return `'${value.value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
    case "int":
      return String(value.value);
    case "bool":
      return value.value ? "True" : "False";
    case "none":
      return "None";
    case "tuple":
      return value.items.length === 1
        ? `(${_repr(value.items[0])},)`
        : `(${value.items.map(_repr).join(", ")})`;
    case "list":
      return `[${value.items.map(_repr).join(", ")}]`;
    case "dict":
      return `{${value.entries.map(([k, v]) => `${_repr(k)}: ${_repr(v)}`).join(", ")}}`;
  }
}

function _hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}
