/**
 * A minimal, strict zip reader and writer: enough for .npz files (APPNOTE 6.3.x).
 *
 * Writing: stored (uncompressed) entries with a fixed timestamp and no extra fields, so the same
 * input always gives the same bytes. Reading: stored and deflated entries, as Python's zipfile
 * writes them for numpy (zip64 extra fields in local headers, data descriptors when writing to a
 * pipe). Every size, offset and CRC-32 is checked, and no entry is inflated before its declared
 * size has passed the caps. Encryption, other compression methods, archives spread over several
 * disks and zip64 end-of-central-directory records (archives over 4 GiB) are refused.
 *
 * @module
 */

import { Inflate } from "fflate";
import { crc32 } from "./crc32.ts";
import { FormatError, LimitError } from "../base/errors.ts";

/** One file to put in an archive. */
export interface ZipInput {
  /** Path inside the archive, e.g. `w0.npy`. */
  name: string;
  /** Its contents. */
  data: Uint8Array;
}

/** Caps that bound what reading an archive may allocate. */
export interface ZipLimits {
  /** Most entries the archive may have. */
  maxEntries: number;
  /** Cap on the sum of the entries' uncompressed sizes. */
  maxTotalBytes: number;
  /** Cap on one entry's uncompressed size, by name (default: no cap beyond `maxTotalBytes`). */
  maxEntryBytes?: (name: string) => number;
}

/** A checked entry of the central directory; see {@linkcode listZip}. */
export interface ZipEntry {
  /** Path inside the archive. */
  name: string;
  /** 0 (stored) or 8 (deflate). */
  method: 0 | 8;
  /** CRC-32 of the uncompressed data. */
  crc32: number;
  /** Bytes of (possibly compressed) data in the archive. */
  compressedSize: number;
  /** Bytes once uncompressed. */
  size: number;
  /** Where the entry's data starts in the archive. */
  dataOffset: number;
}

const _LOCAL_SIG = 0x04034b50;
const _CENTRAL_SIG = 0x02014b50;
const _END_SIG = 0x06054b50;
const _ZIP64_LOCATOR_SIG = 0x07064b50;
const _DESCRIPTOR_SIG = 0x08074b50;
const _LOCAL_SIZE = 30;
const _CENTRAL_SIZE = 46;
const _END_SIZE = 22;
// the end record sits within its size plus the longest comment (65535) of the end of the file
const _END_SEARCH = _END_SIZE + 0xffff;
const _ZIP64_EXTRA_ID = 0x0001;
// flag bits: 0 encrypted, 6 strong encryption, 13 encrypted central directory
const _FLAG_ENCRYPTED = 0x0001 | 0x0040 | 0x2000;
// flag bits: 1-2 deflate level, 3 data descriptor, 11 UTF-8 names
const _FLAG_DESCRIPTOR = 0x0008;
const _FLAG_UTF8 = 0x0800;
const _FLAGS_KNOWN = 0x0002 | 0x0004 | _FLAG_DESCRIPTOR | _FLAG_UTF8 | _FLAG_ENCRYPTED;
// 1980-01-01 00:00 in MS-DOS format: date = (year - 1980) << 9 | month << 5 | day, time = 0
const _DOS_DATE = (1 << 5) | 1;
const _DOS_TIME = 0;
const _VERSION = 20;
// deflate makes at most 258 bytes per 2 bits (a length-258 match with 1-bit codes): 1032 bytes per byte
const _MAX_DEFLATE_RATIO = 1032;
const _MAX_DEFLATE_SLACK = 1024;
// compressed bytes handed to the inflater at a time: deflate expands at most ~1032-fold, so a
// stream that overruns its declared size is stopped within ~4 MiB of extra output
const _INFLATE_CHUNK = 4 * 1024;
// characters 0x80-0xFF of code page 437, the encoding of names without the UTF-8 flag
const _CP437_HIGH =
  "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌" +
  "█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0";

/**
 * Build a zip archive of stored entries, in the given order, with a fixed timestamp
 * (1980-01-01 00:00) and no extra fields: identical input gives identical bytes.
 *
 * @param entries The files, with unique names.
 * @returns The archive.
 * @throws {FormatError} When a name is empty or repeated.
 * @throws {LimitError} When the archive would need zip64 (over 65,535 entries or 4 GiB).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeZip, encodeZip } from "./zip.ts";
 * const zip = encodeZip([{ name: "a.txt", data: new TextEncoder().encode("hi") }]);
 * const files = decodeZip(zip, "a.zip", { maxEntries: 10, maxTotalBytes: 1024 });
 * assert.ok(new TextDecoder().decode(files.get("a.txt")) === "hi");
 * ```
 */
export function encodeZip(entries: readonly ZipInput[]): Uint8Array {
  const prefix = "Cannot write zip archive";
  if (entries.length > 0xfffe) {
    throw new LimitError(`${prefix}: ${entries.length} entries is over the limit of 65534`);
  }
  const encoder = new TextEncoder();
  const seen = new Set<string>();
  const names = entries.map(({ name }) => {
    if (name === "") throw new FormatError(`${prefix}: an entry has an empty name`);
    if (seen.has(name)) throw new FormatError(`${prefix}: entry "${name}" appears twice`);
    seen.add(name);
    const bytes = encoder.encode(name);
    if (bytes.length > 0xffff) {
      throw new LimitError(`${prefix}: entry name "${name.slice(0, 40)}..." is too long`);
    }
    return bytes;
  });
  let localTotal = 0, centralTotal = 0;
  for (let i = 0; i < entries.length; i++) {
    localTotal += _LOCAL_SIZE + names[i].length + entries[i].data.length;
    centralTotal += _CENTRAL_SIZE + names[i].length;
  }
  if (localTotal + centralTotal + _END_SIZE > 0xfffffffe) {
    throw new LimitError(`${prefix}: ${localTotal} bytes of entries is over the limit of 4 GiB`);
  }
  const out = new Uint8Array(localTotal + centralTotal + _END_SIZE);
  const view = new DataView(out.buffer);
  const offsets: number[] = [];
  const crcs: number[] = [];
  let p = 0;
  for (let i = 0; i < entries.length; i++) {
    const { data } = entries[i];
    const name = names[i];
    const flags = _isAscii(name) ? 0 : _FLAG_UTF8;
    offsets.push(p);
    crcs.push(crc32(data));
    view.setUint32(p, _LOCAL_SIG, true);
    view.setUint16(p + 4, _VERSION, true); // version needed to extract
    view.setUint16(p + 6, flags, true);
    view.setUint16(p + 8, 0, true); // method: stored
    view.setUint16(p + 10, _DOS_TIME, true);
    view.setUint16(p + 12, _DOS_DATE, true);
    view.setUint32(p + 14, crcs[i], true);
    view.setUint32(p + 18, data.length, true); // compressed size
    view.setUint32(p + 22, data.length, true); // uncompressed size
    view.setUint16(p + 26, name.length, true);
    view.setUint16(p + 28, 0, true); // extra field length
    out.set(name, p + _LOCAL_SIZE);
    out.set(data, p + _LOCAL_SIZE + name.length);
    p += _LOCAL_SIZE + name.length + data.length;
  }
  const centralStart = p;
  for (let i = 0; i < entries.length; i++) {
    const name = names[i];
    view.setUint32(p, _CENTRAL_SIG, true);
    view.setUint16(p + 4, _VERSION, true); // version made by: MS-DOS, 2.0
    view.setUint16(p + 6, _VERSION, true); // version needed to extract
    view.setUint16(p + 8, _isAscii(name) ? 0 : _FLAG_UTF8, true);
    view.setUint16(p + 10, 0, true);
    view.setUint16(p + 12, _DOS_TIME, true);
    view.setUint16(p + 14, _DOS_DATE, true);
    view.setUint32(p + 16, crcs[i], true);
    view.setUint32(p + 20, entries[i].data.length, true);
    view.setUint32(p + 24, entries[i].data.length, true);
    view.setUint16(p + 28, name.length, true);
    // extra length, comment length, disk number, internal and external attributes stay 0
    view.setUint32(p + 42, offsets[i], true);
    out.set(name, p + _CENTRAL_SIZE);
    p += _CENTRAL_SIZE + name.length;
  }
  view.setUint32(p, _END_SIG, true);
  view.setUint16(p + 8, entries.length, true);
  view.setUint16(p + 10, entries.length, true);
  view.setUint32(p + 12, p - centralStart, true);
  view.setUint32(p + 16, centralStart, true);
  return out;
}

/**
 * Read and check a zip archive's central directory and every entry's local header, without
 * uncompressing anything.
 *
 * @param bytes The archive.
 * @param name The archive's name, for messages.
 * @param limits Caps on the entry count and the declared uncompressed sizes.
 * @returns The entries in central-directory order.
 * @throws {FormatError} When the archive is malformed, encrypted, uses an unsupported feature, or
 *   its headers disagree.
 * @throws {LimitError} When it has too many entries or declares too many bytes.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeZip, listZip } from "./zip.ts";
 * const zip = encodeZip([{ name: "a", data: new Uint8Array(5) }]);
 * const [entry] = listZip(zip, "a.zip", { maxEntries: 1, maxTotalBytes: 5 });
 * assert.ok(entry.name === "a" && entry.size === 5 && entry.method === 0);
 * ```
 */
export function listZip(bytes: Uint8Array, name: string, limits: ZipLimits): ZipEntry[] {
  const prefix = `Cannot read zip archive "${name}"`;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4) {
    throw new FormatError(`${prefix}: file is ${bytes.length} bytes, too short for a zip archive`);
  }
  const first = view.getUint32(0, true);
  if (first !== _LOCAL_SIG && first !== _END_SIG) {
    const start = _hex(bytes.subarray(0, 4));
    throw new FormatError(
      `${prefix}: file starts with ${start}, expected a zip signature 50 4b 03 04 ("PK\\x03\\x04")`,
    );
  }
  const end = _findEndRecord(bytes, view);
  if (end < 0) {
    throw new FormatError(`${prefix}: no end-of-central-directory record found, the file may be truncated`);
  }
  const disk = view.getUint16(end + 4, true), centralDisk = view.getUint16(end + 6, true);
  const diskEntries = view.getUint16(end + 8, true), count = view.getUint16(end + 10, true);
  const centralSize = view.getUint32(end + 12, true), centralStart = view.getUint32(end + 16, true);
  const noZip64 = `${prefix}: it has a zip64 end-of-central-directory record, which is not supported`;
  if (count === 0xffff || centralSize === 0xffffffff || centralStart === 0xffffffff) {
    throw new FormatError(noZip64);
  }
  if (disk !== 0 || centralDisk !== 0 || diskEntries !== count) {
    throw new FormatError(`${prefix}: it spans several disks, which is not supported`);
  }
  if (count > limits.maxEntries) {
    throw new LimitError(`${prefix}: it has ${count} entries, over the limit of ${limits.maxEntries}`);
  }
  if (centralStart + centralSize !== end) {
    if (end >= 20 && view.getUint32(end - 20, true) === _ZIP64_LOCATOR_SIG) throw new FormatError(noZip64);
    throw new FormatError(
      `${prefix}: central directory at offset ${centralStart} of ${centralSize} bytes does not end ` +
        `where the end record starts (offset ${end})`,
    );
  }

  const entries: (ZipEntry & { headerOffset: number; end: number })[] = [];
  const names = new Set<string>();
  let total = 0;
  let p = centralStart;
  for (let i = 0; i < count; i++) {
    if (p + _CENTRAL_SIZE > end || view.getUint32(p, true) !== _CENTRAL_SIG) {
      throw new FormatError(`${prefix}: central directory entry ${i} at offset ${p} is not a file header`);
    }
    const flags = view.getUint16(p + 8, true), method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    let compressedSize = view.getUint32(p + 20, true), size = view.getUint32(p + 24, true);
    const nameLength = view.getUint16(p + 28, true), extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true), startDisk = view.getUint16(p + 34, true);
    let headerOffset = view.getUint32(p + 42, true);
    const next = p + _CENTRAL_SIZE + nameLength + extraLength + commentLength;
    if (next > end) {
      throw new FormatError(`${prefix}: central directory entry ${i} runs past the end of the directory`);
    }
    const entryName = _decodeName(
      bytes.subarray(p + _CENTRAL_SIZE, p + _CENTRAL_SIZE + nameLength),
      flags,
      prefix,
    );
    const what = `${prefix}: entry "${entryName}"`;
    const extra = _readExtra(bytes, view, p + _CENTRAL_SIZE + nameLength, extraLength, what);
    // zip64: each 32-bit field that is 0xFFFFFFFF moves, in this order, to the zip64 extra field
    const zip64 = extra.get(_ZIP64_EXTRA_ID);
    if (zip64) {
      const values = _readU64s(zip64, what);
      let k = 0;
      const take = (field: string): number => {
        if (k >= values.length) throw new FormatError(`${what}: its zip64 extra field lacks the ${field}`);
        return values[k++];
      };
      if (size === 0xffffffff) size = take("uncompressed size");
      if (compressedSize === 0xffffffff) compressedSize = take("compressed size");
      if (headerOffset === 0xffffffff) headerOffset = take("local header offset");
    }
    if (entryName === "") throw new FormatError(`${prefix}: entry ${i} has an empty name`);
    if (names.has(entryName)) throw new FormatError(`${prefix}: entry "${entryName}" appears twice`);
    names.add(entryName);
    if (flags & _FLAG_ENCRYPTED) throw new FormatError(`${what} is encrypted, which is not supported`);
    if (flags & ~_FLAGS_KNOWN) {
      throw new FormatError(`${what} has the unsupported flags 0x${(flags & ~_FLAGS_KNOWN).toString(16)}`);
    }
    if (method !== 0 && method !== 8) {
      throw new FormatError(`${what} uses compression method ${method}, expected 0 (stored) or 8 (deflate)`);
    }
    if (startDisk !== 0 && startDisk !== 0xffff) {
      throw new FormatError(`${prefix}: it spans several disks, which is not supported`);
    }
    if (method === 0 && compressedSize !== size) {
      throw new FormatError(
        `${what} is stored but its compressed size ${compressedSize} differs from its size ${size}`,
      );
    }
    if (method === 8 && size > _MAX_DEFLATE_RATIO * compressedSize + _MAX_DEFLATE_SLACK) {
      throw new FormatError(
        `${what} declares ${size} bytes from ${compressedSize} compressed bytes, more than deflate can produce`,
      );
    }
    const cap = limits.maxEntryBytes?.(entryName);
    if (cap !== undefined && size > cap) {
      throw new LimitError(`${what} declares ${size} bytes, over its limit of ${cap}`);
    }
    total += size;
    if (total > limits.maxTotalBytes) {
      throw new LimitError(
        `${prefix}: its entries declare at least ${total} bytes, over the limit of ${limits.maxTotalBytes}`,
      );
    }
    const local = _checkLocalHeader(bytes, view, {
      what,
      nameBytes: bytes.subarray(p + _CENTRAL_SIZE, p + _CENTRAL_SIZE + nameLength),
      flags,
      method,
      crc,
      compressedSize,
      size,
      headerOffset,
      limit: centralStart,
    });
    entries.push({
      name: entryName,
      method,
      crc32: crc,
      compressedSize,
      size,
      dataOffset: local.dataOffset,
      headerOffset,
      end: local.end,
    });
    p = next;
  }
  if (p !== end) {
    throw new FormatError(
      `${prefix}: central directory has ${end - p} bytes after its ${count} entries`,
    );
  }
  // no two entries may share bytes
  const byOffset = [...entries].sort((a, b) => a.headerOffset - b.headerOffset);
  for (let i = 1; i < byOffset.length; i++) {
    if (byOffset[i].headerOffset < byOffset[i - 1].end) {
      throw new FormatError(`${prefix}: entries "${byOffset[i - 1].name}" and "${byOffset[i].name}" overlap`);
    }
  }
  return entries.map(({ name, method, crc32, compressedSize, size, dataOffset }) => ({
    name,
    method,
    crc32,
    compressedSize,
    size,
    dataOffset,
  }));
}

/**
 * Uncompress one entry and check its size and CRC-32.
 *
 * @param bytes The archive.
 * @param name The archive's name, for messages.
 * @param entry An entry from {@linkcode listZip} on the same bytes.
 * @returns The entry's contents.
 * @throws {FormatError} When the deflate data is corrupt, or the size or CRC-32 does not match.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeZip, listZip, readZipEntry } from "./zip.ts";
 * const zip = encodeZip([{ name: "a", data: new Uint8Array([7, 8]) }]);
 * const [entry] = listZip(zip, "a.zip", { maxEntries: 1, maxTotalBytes: 2 });
 * assert.ok(readZipEntry(zip, "a.zip", entry)[1] === 8);
 * ```
 */
export function readZipEntry(bytes: Uint8Array, name: string, entry: ZipEntry): Uint8Array {
  const what = `Cannot read zip archive "${name}": entry "${entry.name}"`;
  const data = _uncompress(bytes, entry, entry.size, what, true);
  const crc = crc32(data);
  if (crc !== entry.crc32) {
    throw new FormatError(
      `${what} fails its CRC-32 check: computed ${_hex32(crc)}, stored ${_hex32(entry.crc32)}`,
    );
  }
  return data;
}

/**
 * The first bytes of an entry, uncompressed, without reading the rest (and so without checking
 * its size or CRC-32): enough to look at a file's header before committing to the whole entry.
 *
 * @param bytes The archive.
 * @param name The archive's name, for messages.
 * @param entry An entry from {@linkcode listZip} on the same bytes.
 * @param length How many bytes; fewer come back when the entry is shorter.
 * @returns Up to `length` bytes.
 * @throws {FormatError} When the deflate data is corrupt.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeZip, listZip, readZipEntryStart } from "./zip.ts";
 * const zip = encodeZip([{ name: "a", data: new Uint8Array([1, 2, 3]) }]);
 * const [entry] = listZip(zip, "a.zip", { maxEntries: 1, maxTotalBytes: 3 });
 * assert.ok(readZipEntryStart(zip, "a.zip", entry, 2).length === 2);
 * ```
 */
export function readZipEntryStart(
  bytes: Uint8Array,
  name: string,
  entry: ZipEntry,
  length: number,
): Uint8Array {
  const what = `Cannot read zip archive "${name}": entry "${entry.name}"`;
  return _uncompress(bytes, entry, Math.min(length, entry.size), what, false);
}

/**
 * Read every entry of a zip archive, checked as {@linkcode listZip} and {@linkcode readZipEntry} do.
 *
 * @param bytes The archive.
 * @param name The archive's name, for messages.
 * @param limits Caps on the entry count and the uncompressed sizes, checked before uncompressing.
 * @returns Each entry's contents by name, in archive order.
 * @throws {FormatError} When the archive is malformed or uses an unsupported feature.
 * @throws {LimitError} When it is over a cap.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeZip, encodeZip } from "./zip.ts";
 * const zip = encodeZip([{ name: "x", data: new Uint8Array([1]) }, { name: "y", data: new Uint8Array(0) }]);
 * const files = decodeZip(zip, "t.zip", { maxEntries: 2, maxTotalBytes: 1 });
 * assert.ok([...files.keys()].join() === "x,y");
 * ```
 */
export function decodeZip(bytes: Uint8Array, name: string, limits: ZipLimits): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const entry of listZip(bytes, name, limits)) files.set(entry.name, readZipEntry(bytes, name, entry));
  return files;
}

// ---- helpers ----

// the end record is the last signature whose comment length reaches exactly the end of the file
function _findEndRecord(bytes: Uint8Array, view: DataView): number {
  const lowest = Math.max(0, bytes.length - _END_SEARCH);
  for (let p = bytes.length - _END_SIZE; p >= lowest; p--) {
    if (
      bytes[p] === 0x50 && view.getUint32(p, true) === _END_SIG &&
      p + _END_SIZE + view.getUint16(p + 20, true) === bytes.length
    ) {
      return p;
    }
  }
  return -1;
}

function _checkLocalHeader(
  bytes: Uint8Array,
  view: DataView,
  c: {
    what: string;
    nameBytes: Uint8Array;
    flags: number;
    method: number;
    crc: number;
    compressedSize: number;
    size: number;
    headerOffset: number;
    limit: number;
  },
): { dataOffset: number; end: number } {
  const { what, headerOffset: h } = c;
  if (h + _LOCAL_SIZE > c.limit || view.getUint32(h, true) !== _LOCAL_SIG) {
    throw new FormatError(`${what}: no local file header at offset ${h}`);
  }
  const flags = view.getUint16(h + 6, true), method = view.getUint16(h + 8, true);
  const nameLength = view.getUint16(h + 26, true), extraLength = view.getUint16(h + 28, true);
  if (flags !== c.flags) {
    throw new FormatError(
      `${what}: flags are 0x${flags.toString(16)} in the local header, 0x${
        c.flags.toString(16)
      } in the central directory`,
    );
  }
  if (method !== c.method) {
    throw new FormatError(
      `${what}: method is ${method} in the local header, ${c.method} in the central directory`,
    );
  }
  const dataOffset = h + _LOCAL_SIZE + nameLength + extraLength;
  if (dataOffset > c.limit) {
    throw new FormatError(`${what}: its local header runs into the central directory`);
  }
  const nameBytes = bytes.subarray(h + _LOCAL_SIZE, h + _LOCAL_SIZE + nameLength);
  if (!_equalBytes(nameBytes, c.nameBytes)) {
    throw new FormatError(`${what}: the local header names it "${new TextDecoder().decode(nameBytes)}"`);
  }
  const extra = _readExtra(bytes, view, h + _LOCAL_SIZE + nameLength, extraLength, what);
  let compressedSize = view.getUint32(h + 18, true), size = view.getUint32(h + 22, true);
  const zip64 = extra.get(_ZIP64_EXTRA_ID);
  if (zip64) {
    // in a local header the zip64 field holds both sizes (Python's zipfile writes it for every numpy entry)
    const values = _readU64s(zip64, what);
    if (values.length < 2) throw new FormatError(`${what}: its local zip64 extra field lacks the sizes`);
    if (size === 0xffffffff) size = values[0];
    if (compressedSize === 0xffffffff) compressedSize = values[1];
    _sameValue(what, "uncompressed size", values[0], c.size, c.flags);
    _sameValue(what, "compressed size", values[1], c.compressedSize, c.flags);
  }
  _sameValue(what, "CRC-32", view.getUint32(h + 14, true), c.crc, c.flags);
  _sameValue(what, "uncompressed size", size, c.size, c.flags);
  _sameValue(what, "compressed size", compressedSize, c.compressedSize, c.flags);
  let end = dataOffset + c.compressedSize;
  if (end > c.limit) {
    throw new FormatError(`${what}: its ${c.compressedSize} bytes of data run past offset ${c.limit}`);
  }
  if (c.flags & _FLAG_DESCRIPTOR) end = _checkDescriptor(view, end, c, zip64 !== undefined);
  return { dataOffset, end };
}

// with flag bit 3 the CRC and sizes follow the data: [signature] crc, compressed size, size
function _checkDescriptor(
  view: DataView,
  p: number,
  c: { what: string; crc: number; compressedSize: number; size: number; limit: number },
  wide: boolean,
): number {
  if (p + 4 <= c.limit && view.getUint32(p, true) === _DESCRIPTOR_SIG) p += 4;
  const length = wide ? 20 : 12;
  if (p + length > c.limit) {
    throw new FormatError(`${c.what}: its data descriptor runs into the central directory`);
  }
  const crc = view.getUint32(p, true);
  const compressedSize = wide ? _u64(view, p + 4, c.what) : view.getUint32(p + 4, true);
  const size = wide ? _u64(view, p + 12, c.what) : view.getUint32(p + 8, true);
  if (crc !== c.crc || compressedSize !== c.compressedSize || size !== c.size) {
    throw new FormatError(`${c.what}: its data descriptor disagrees with the central directory`);
  }
  return p + length;
}

// a local value must equal the central one; with a data descriptor the local header may hold 0
function _sameValue(what: string, field: string, local: number, central: number, flags: number): void {
  if (local === central || ((flags & _FLAG_DESCRIPTOR) && local === 0)) return;
  throw new FormatError(
    `${what}: ${field} is ${local} in the local header, ${central} in the central directory`,
  );
}

function _readExtra(
  bytes: Uint8Array,
  view: DataView,
  start: number,
  length: number,
  what: string,
): Map<number, Uint8Array> {
  const fields = new Map<number, Uint8Array>();
  let p = start;
  const end = start + length;
  while (p < end) {
    if (p + 4 > end) throw new FormatError(`${what}: its extra field is malformed`);
    const id = view.getUint16(p, true), size = view.getUint16(p + 2, true);
    if (p + 4 + size > end) throw new FormatError(`${what}: its extra field is malformed`);
    if (fields.has(id)) throw new FormatError(`${what}: its extra field 0x${id.toString(16)} appears twice`);
    fields.set(id, bytes.subarray(p + 4, p + 4 + size));
    p += 4 + size;
  }
  return fields;
}

function _readU64s(field: Uint8Array, what: string): number[] {
  const view = new DataView(field.buffer, field.byteOffset, field.byteLength);
  const values: number[] = [];
  for (let p = 0; p + 8 <= field.length; p += 8) values.push(_u64(view, p, what));
  return values;
}

function _u64(view: DataView, p: number, what: string): number {
  const value = view.getBigUint64(p, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new LimitError(`${what}: it has the zip64 value ${value}, over the limit of 2^53 - 1`);
  }
  return Number(value);
}

function _decodeName(bytes: Uint8Array, flags: number, prefix: string): string {
  if (flags & _FLAG_UTF8) {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw new FormatError(`${prefix}: an entry name is flagged UTF-8 but is not valid UTF-8`);
    }
  }
  let name = "";
  for (const b of bytes) name += b < 0x80 ? String.fromCharCode(b) : _CP437_HIGH[b - 0x80];
  return name;
}

// Uncompress the first `want` bytes of an entry (all of it when `exact`, which also checks that
// the data holds exactly `want` bytes). Deflate data is fed in chunks so a corrupt or hostile
// stream stops as soon as it makes more than `want` bytes.
function _uncompress(
  bytes: Uint8Array,
  entry: ZipEntry,
  want: number,
  what: string,
  exact: boolean,
): Uint8Array {
  const raw = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  if (entry.method === 0) return raw.slice(0, want);
  const out = new Uint8Array(want);
  let got = 0;
  let overflow = false;
  const inflater = new Inflate((chunk: Uint8Array) => {
    const room = want - got;
    if (chunk.length > room) overflow = true;
    out.set(chunk.subarray(0, room), got);
    got += Math.min(room, chunk.length);
  });
  try {
    for (let p = 0; p < raw.length && !overflow && (exact || got < want); p += _INFLATE_CHUNK) {
      const last = p + _INFLATE_CHUNK >= raw.length;
      inflater.push(raw.subarray(p, p + _INFLATE_CHUNK), last);
    }
    // pushing the last chunk as final makes the inflater throw if the stream is cut short
    if (raw.length === 0 && exact) inflater.push(new Uint8Array(0), true);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FormatError(`${what} is not valid deflate data (${reason})`);
  }
  if (!exact) return out.subarray(0, got);
  if (overflow) throw new FormatError(`${what} inflates to more than its declared ${entry.size} bytes`);
  if (got !== want) {
    throw new FormatError(`${what} inflates to ${got} bytes, expected ${entry.size}`);
  }
  return out;
}

function _isAscii(bytes: Uint8Array): boolean {
  return bytes.every((b) => b < 0x80);
}

function _equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function _hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

function _hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, "0")}`;
}
