/**
 * Strict single-member gzip decoding (RFC 1952), for IDX files shipped as `.gz`.
 *
 * fflate's `inflateSync` does the inflating, but it trusts what it is told: it checks neither the
 * CRC-32 nor the size in the trailer, and it cannot say where the deflate data ended. So this module
 * parses the header itself, first scans the deflate data (RFC 1951) without writing any output to
 * find where the stream ends and how many bytes it inflates to, then checks the trailer, the size cap
 * and the declared size, and only then inflates into a buffer of exactly that size and verifies the
 * CRC-32. Truncation, corruption, a second member and trailing bytes are all refused with a
 * {@linkcode FormatError}; sizes over the caller's cap with a {@linkcode LimitError}.
 *
 * @module
 */

import { inflateSync } from "fflate";
import { crc32 } from "./crc32.ts";
import { FormatError, LimitError } from "../base/errors.ts";

/** First two bytes of every gzip member (ID1, ID2). */
export const GZIP_MAGIC: readonly [number, number] = [0x1f, 0x8b];
/** Compression method 8, the only one RFC 1952 defines: deflate. */
const _CM_DEFLATE = 8;
/** FLG bits (RFC 1952 section 2.3.1); bits 5 to 7 are reserved and must be zero. */
const _FHCRC = 0x02, _FEXTRA = 0x04, _FNAME = 0x08, _FCOMMENT = 0x10, _FRESERVED = 0xe0;
/** Fixed part of the header: ID1 ID2 CM FLG MTIME(4) XFL OS. */
const _HEADER_BYTES = 10;
/** Trailer: CRC-32 then ISIZE, both little-endian uint32. */
const _TRAILER_BYTES = 8;
/** Largest size a gzip trailer can declare. */
const _MAX_ISIZE = 0xffffffff;

/**
 * Tell whether some bytes start with the gzip magic bytes 1f 8b.
 *
 * @param bytes The data to test.
 * @returns True when the first two bytes are 1f 8b.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isGzip } from "./gzip.ts";
 * assert.equal(isGzip(new Uint8Array([0x1f, 0x8b, 8, 0])), true);
 * assert.equal(isGzip(new Uint8Array([0, 0, 8, 3])), false);
 * ```
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

/**
 * Decompress a single-member gzip file, strictly.
 *
 * Header fields FEXTRA, FNAME, FCOMMENT and FHCRC are parsed (the header CRC-16 is verified); the
 * inflated size and CRC-32 must match the trailer, and the file must end right after the trailer.
 *
 * @param bytes The whole gzip file.
 * @param name The file name to quote in error messages.
 * @param maxBytes The largest decompressed size accepted, in bytes (at most 2^32 - 1).
 * @returns The decompressed bytes, exactly as many as the trailer declares.
 * @throws {FormatError} When the bytes are not gzip, are truncated or corrupt, fail a checksum, hold
 *   more than one member or have bytes after the trailer.
 * @throws {LimitError} When the data inflates, or the trailer declares it inflates, to more than
 *   `maxBytes`, or when `maxBytes` is not an integer from 0 to 2^32 - 1.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gzipSync } from "fflate";
 * import { gunzip } from "./gzip.ts";
 * const data = new TextEncoder().encode("hello, hello, hello");
 * const out = gunzip(gzipSync(data), "hello.gz", 1024);
 * assert.equal(new TextDecoder().decode(out), "hello, hello, hello");
 * ```
 */
export function gunzip(bytes: Uint8Array, name: string, maxBytes: number): Uint8Array {
  const prefix = `Cannot decompress gzip file "${name}"`;
  if (!Number.isInteger(maxBytes) || maxBytes < 0 || maxBytes > _MAX_ISIZE) {
    throw new LimitError(`${prefix}: maxBytes is ${maxBytes}, expected an integer from 0 to ${_MAX_ISIZE}`);
  }
  const start = _parseHeader(bytes, prefix);
  const { end, size } = _scanDeflate(bytes, start, maxBytes, prefix);

  // the trailer must follow the deflate data, and the file must end with it
  const trailerEnd = end + _TRAILER_BYTES;
  if (bytes.length < trailerEnd) {
    throw new FormatError(`${prefix}: file is truncated: it ends inside the 8-byte trailer`);
  }
  if (bytes.length > trailerEnd) {
    if (isGzip(bytes.subarray(trailerEnd))) {
      throw new FormatError(
        `${prefix}: a second gzip member starts at byte ${trailerEnd}, expected a single member`,
      );
    }
    const extra = bytes.length - trailerEnd;
    throw new FormatError(
      `${prefix}: ${extra} trailing ${extra === 1 ? "byte follows" : "bytes follow"} the gzip member, ` +
        `expected the file to end at byte ${trailerEnd}`,
    );
  }
  const crc = _uint32le(bytes, end);
  const isize = _uint32le(bytes, end + 4);
  if (isize > maxBytes) {
    throw new LimitError(
      `${prefix}: trailer declares ${isize} uncompressed bytes, over the limit of ${maxBytes}`,
    );
  }
  if (size !== isize) {
    throw new FormatError(`${prefix}: deflate data holds ${size} bytes, but the trailer declares ${isize}`);
  }

  // fflate writes into the buffer it is given and never grows it: size it exactly
  let out: Uint8Array;
  try {
    out = inflateSync(bytes.subarray(start, end), { out: new Uint8Array(isize) });
  } catch (error) {
    throw new FormatError(`${prefix}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (out.length !== isize) {
    throw new FormatError(
      `${prefix}: deflate data holds ${out.length} bytes, but the trailer declares ${isize}`,
    );
  }
  const actual = crc32(out);
  if (actual !== crc) {
    throw new FormatError(`${prefix}: CRC-32 is ${_hex32(actual)}, expected ${_hex32(crc)} from the trailer`);
  }
  return out;
}

/** Parse the member header (RFC 1952 section 2.3) and return the offset of the deflate data. */
function _parseHeader(bytes: Uint8Array, prefix: string): number {
  const truncated = () => new FormatError(`${prefix}: file is truncated: it ends inside the gzip header`);
  if (bytes.length === 0) throw new FormatError(`${prefix}: file is empty`);
  if (bytes.length === 1 && bytes[0] === GZIP_MAGIC[0]) throw truncated();
  if (!isGzip(bytes)) {
    const first = Array.from(bytes.subarray(0, 2), (b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new FormatError(`${prefix}: file starts with "${first}", expected the gzip magic bytes "1f 8b"`);
  }
  if (bytes.length < _HEADER_BYTES) throw truncated();
  if (bytes[2] !== _CM_DEFLATE) {
    throw new FormatError(`${prefix}: compression method is ${bytes[2]}, expected 8 (deflate)`);
  }
  const flags = bytes[3];
  if (flags & _FRESERVED) {
    throw new FormatError(`${prefix}: header flags are ${_hex8(flags)}, reserved bits 5 to 7 must be 0`);
  }
  let pos = _HEADER_BYTES;
  if (flags & _FEXTRA) {
    if (pos + 2 > bytes.length) throw truncated();
    pos += 2 + (bytes[pos] | (bytes[pos + 1] << 8));
    if (pos > bytes.length) throw truncated();
  }
  // FNAME then FCOMMENT: zero-terminated Latin-1 strings
  for (const flag of [_FNAME, _FCOMMENT]) {
    if (!(flags & flag)) continue;
    const zero = bytes.indexOf(0, pos);
    if (zero < 0) throw truncated();
    pos = zero + 1;
  }
  if (flags & _FHCRC) {
    if (pos + 2 > bytes.length) throw truncated();
    // CRC-16 = the low 16 bits of the CRC-32 of the header bytes before it
    const expected = bytes[pos] | (bytes[pos + 1] << 8);
    const actual = crc32(bytes.subarray(0, pos)) & 0xffff;
    if (actual !== expected) {
      throw new FormatError(`${prefix}: header CRC-16 is ${_hex16(actual)}, expected ${_hex16(expected)}`);
    }
    pos += 2;
  }
  return pos;
}

// RFC 1951 section 3.2.5: base values and extra bits of length codes 257..285 and distance codes 0..29
const _LENGTH_BASE = new Uint16Array([
  3,
  4,
  5,
  6,
  7,
  8,
  9,
  10,
  11,
  13,
  15,
  17,
  19,
  23,
  27,
  31,
  35,
  43,
  51,
  59,
  67,
  83,
  99,
  115,
  131,
  163,
  195,
  227,
  258,
]);
const _LENGTH_EXTRA = new Uint8Array([
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  1,
  1,
  1,
  1,
  2,
  2,
  2,
  2,
  3,
  3,
  3,
  3,
  4,
  4,
  4,
  4,
  5,
  5,
  5,
  5,
  0,
]);
const _DIST_BASE = new Uint16Array([
  1,
  2,
  3,
  4,
  5,
  7,
  9,
  13,
  17,
  25,
  33,
  49,
  65,
  97,
  129,
  193,
  257,
  385,
  513,
  769,
  1025,
  1537,
  2049,
  3073,
  4097,
  6145,
  8193,
  12289,
  16385,
  24577,
]);
const _DIST_EXTRA = new Uint8Array([
  0,
  0,
  0,
  0,
  1,
  1,
  2,
  2,
  3,
  3,
  4,
  4,
  5,
  5,
  6,
  6,
  7,
  7,
  8,
  8,
  9,
  9,
  10,
  10,
  11,
  11,
  12,
  12,
  13,
  13,
]);
/** Order in which a dynamic block lists the code-length code lengths (RFC 1951 section 3.2.7). */
const _CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
const _END_OF_BLOCK = 256;

/**
 * A canonical Huffman code as a lookup table: `table[v]`, for the next `bits` input bits v (first bit
 * lowest), is `symbol << 4 | codeLength`, or 0 when no code is a prefix of v.
 */
interface _Huffman {
  readonly table: Uint16Array;
  readonly bits: number;
}

/** Build the lookup table of a canonical Huffman code (RFC 1951 section 3.2.2), or null when over-subscribed. */
function _huffman(lengths: Uint8Array): _Huffman | null {
  const count = new Uint16Array(16);
  let bits = 0;
  for (const l of lengths) {
    count[l]++;
    if (l > bits) bits = l;
  }
  count[0] = 0;
  // Kraft sum: more codes of a length than are left is an over-subscribed (ambiguous) code
  let left = 1;
  for (let l = 1; l <= 15; l++) {
    left = (left << 1) - count[l];
    if (left < 0) return null;
  }
  const next = new Uint16Array(16);
  for (let l = 1, code = 0; l <= 15; l++) {
    code = (code + count[l - 1]) << 1;
    next[l] = code;
  }
  bits = Math.max(bits, 1);
  const table = new Uint16Array(1 << bits);
  for (let symbol = 0; symbol < lengths.length; symbol++) {
    const l = lengths[symbol];
    if (!l) continue;
    // codes are sent most significant bit first, but read lowest bit first: reverse them
    let code = next[l]++, reversed = 0;
    for (let i = 0; i < l; i++, code >>= 1) reversed = (reversed << 1) | (code & 1);
    for (let v = reversed; v < table.length; v += 1 << l) table[v] = (symbol << 4) | l;
  }
  return { table, bits };
}

let _fixedCodes: [_Huffman, _Huffman] | undefined;

/** The fixed literal/length and distance codes of block type 1 (RFC 1951 section 3.2.6). */
function _fixed(): [_Huffman, _Huffman] {
  if (_fixedCodes) return _fixedCodes;
  const lit = new Uint8Array(288);
  lit.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
  _fixedCodes = [_huffman(lit)!, _huffman(new Uint8Array(32).fill(5))!];
  return _fixedCodes;
}

/**
 * Walk a deflate stream (RFC 1951) without producing output: decode every block header and Huffman
 * symbol, check everything a decoder must check, and count the output bytes.
 *
 * @returns `end`, the offset just past the last byte of the stream, and `size`, the bytes it inflates to.
 */
function _scanDeflate(
  data: Uint8Array,
  start: number,
  maxBytes: number,
  prefix: string,
): { end: number; size: number } {
  const n = data.length;
  // bit reader: `hold` keeps `held` not yet consumed bits, first bit lowest; `pos` is the next byte
  let pos = start, hold = 0, held = 0, size = 0;
  const truncated = () => new FormatError(`${prefix}: file is truncated: the deflate data ends early`);
  const corrupt = (why: string) => new FormatError(`${prefix}: deflate data is corrupt: ${why}`);
  const readBits = (k: number): number => {
    while (held < k) {
      if (pos >= n) throw truncated();
      hold |= data[pos++] << held;
      held += 8;
    }
    const v = hold & ((1 << k) - 1);
    hold >>>= k;
    held -= k;
    return v;
  };
  const decode = (code: _Huffman): number => {
    while (held < code.bits && pos < n) {
      hold |= data[pos++] << held;
      held += 8;
    }
    const entry = code.table[hold & ((1 << code.bits) - 1)];
    const l = entry & 15;
    if (l === 0 || l > held) {
      // past the end of the data the lookup saw zero padding, not real bits
      if (held < code.bits) throw truncated();
      throw corrupt("a Huffman code matches no symbol");
    }
    hold >>>= l;
    held -= l;
    return entry >> 4;
  };

  let final = 0;
  do {
    final = readBits(1);
    const type = readBits(2);
    if (type === 0) {
      // stored block: skip to the byte boundary, give back whole bytes already buffered
      pos -= held >> 3;
      hold = 0;
      held = 0;
      if (pos + 4 > n) throw truncated();
      const len = data[pos] | (data[pos + 1] << 8), nlen = data[pos + 2] | (data[pos + 3] << 8);
      if ((len ^ 0xffff) !== nlen) {
        throw corrupt(`stored block length ${len} does not match its one's complement ${nlen}`);
      }
      pos += 4 + len;
      if (pos > n) throw truncated();
      size += len;
    } else if (type === 3) {
      throw corrupt("block type is 3, which is reserved");
    } else {
      const [lit, dist] = type === 1 ? _fixed() : _readDynamicCodes(readBits, decode, corrupt);
      for (;;) {
        const symbol = decode(lit);
        if (symbol < _END_OF_BLOCK) {
          size++;
        } else if (symbol === _END_OF_BLOCK) {
          break;
        } else {
          if (symbol > 285) throw corrupt(`length code ${symbol} is invalid`);
          const len = _LENGTH_BASE[symbol - 257] + readBits(_LENGTH_EXTRA[symbol - 257]);
          const d = decode(dist);
          if (d > 29) throw corrupt(`distance code ${d} is invalid`);
          const distance = _DIST_BASE[d] + readBits(_DIST_EXTRA[d]);
          if (distance > size) {
            throw corrupt(`distance ${distance} reaches before the start of the data at byte ${size}`);
          }
          size += len;
        }
        if (size > maxBytes) {
          throw new LimitError(`${prefix}: data inflates to more than the limit of ${maxBytes} bytes`);
        }
      }
    }
    if (size > maxBytes) {
      throw new LimitError(`${prefix}: data inflates to more than the limit of ${maxBytes} bytes`);
    }
  } while (!final);
  // whole bytes still buffered were read ahead, not consumed
  return { end: pos - (held >> 3), size };
}

/** Read the code lengths of a dynamic block (RFC 1951 section 3.2.7) and build its two codes. */
function _readDynamicCodes(
  readBits: (k: number) => number,
  decode: (code: _Huffman) => number,
  corrupt: (why: string) => FormatError,
): [_Huffman, _Huffman] {
  const hlit = readBits(5) + 257, hdist = readBits(5) + 1, hclen = readBits(4) + 4;
  if (hlit > 286) throw corrupt(`block declares ${hlit} literal/length codes, expected at most 286`);
  if (hdist > 30) throw corrupt(`block declares ${hdist} distance codes, expected at most 30`);
  const codeLengths = new Uint8Array(19);
  for (let i = 0; i < hclen; i++) codeLengths[_CODE_LENGTH_ORDER[i]] = readBits(3);
  const lengthCode = _huffman(codeLengths);
  if (!lengthCode) throw corrupt("code-length code is over-subscribed");
  // one run of hlit + hdist lengths; a repeat may cross from the literal into the distance lengths
  const lengths = new Uint8Array(hlit + hdist);
  for (let i = 0; i < lengths.length;) {
    const symbol = decode(lengthCode);
    if (symbol < 16) {
      lengths[i++] = symbol;
      continue;
    }
    let value = 0, repeat: number;
    if (symbol === 16) {
      if (i === 0) throw corrupt("code length repeat has no previous length");
      value = lengths[i - 1];
      repeat = 3 + readBits(2);
    } else if (symbol === 17) {
      repeat = 3 + readBits(3);
    } else {
      repeat = 11 + readBits(7);
    }
    if (i + repeat > lengths.length) throw corrupt("code length repeat runs past the last code");
    lengths.fill(value, i, i + repeat);
    i += repeat;
  }
  if (lengths[_END_OF_BLOCK] === 0) throw corrupt("block has no end-of-block code");
  const lit = _huffman(lengths.subarray(0, hlit));
  const dist = _huffman(lengths.subarray(hlit));
  if (!lit) throw corrupt("literal/length code is over-subscribed");
  if (!dist) throw corrupt("distance code is over-subscribed");
  return [lit, dist];
}

function _uint32le(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

function _hex8(v: number): string {
  return `0x${v.toString(16).padStart(2, "0")}`;
}

function _hex16(v: number): string {
  return `0x${v.toString(16).padStart(4, "0")}`;
}

function _hex32(v: number): string {
  return `0x${v.toString(16).padStart(8, "0")}`;
}
