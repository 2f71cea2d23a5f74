/**
 * Say what a file's first bytes look like, for "not a PNG or JPEG file" messages.
 *
 * @module
 */

/** Magic bytes of formats people save pictures in, with the offset where they start. */
const KNOWN: readonly (readonly [string, number, readonly number[]])[] = [
  ["a PNG", 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ["a JPEG", 0, [0xff, 0xd8, 0xff]],
  ["a GIF", 0, [0x47, 0x49, 0x46, 0x38]],
  ["a BMP", 0, [0x42, 0x4d]],
  ["a WebP or other RIFF file", 0, [0x52, 0x49, 0x46, 0x46]],
  ["a PDF", 0, [0x25, 0x50, 0x44, 0x46]],
  ["a TIFF", 0, [0x49, 0x49, 0x2a, 0x00]],
  ["a TIFF", 0, [0x4d, 0x4d, 0x00, 0x2a]],
  // ISO base media: "ftyp" then a brand; iPhones save photos as HEIC, Android phones sometimes as AVIF
  ["a HEIC or AVIF photo", 4, [0x66, 0x74, 0x79, 0x70]],
];

/** How many leading bytes a message shows. */
const SHOWN_BYTES = 8;

/**
 * A parenthesised hint of what the bytes are: " (it is empty)", " (it starts like a GIF)",
 * ` (it starts with the text "hello")` or " (it starts with the bytes 00 01 ...)".
 *
 * @param bytes The file.
 * @param exclude Format names not to suggest (the one the caller just checked for).
 * @returns The hint, starting with a space.
 */
export function _sniff(bytes: Uint8Array, exclude: readonly string[] = []): string {
  if (bytes.length === 0) return " (it is empty)";
  for (const [what, offset, magic] of KNOWN) {
    if (exclude.includes(what) || bytes.length < offset + magic.length) continue;
    if (magic.every((b, i) => bytes[offset + i] === b)) return ` (it starts like ${what})`;
  }
  const head = bytes.subarray(0, SHOWN_BYTES);
  const printable = head.every((b) => (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d);
  if (printable) {
    // JSON.stringify quotes the text and escapes newlines, so the message stays on one line
    return ` (it starts with the text ${JSON.stringify(String.fromCharCode(...head))})`;
  }
  const hex = Array.from(head, (b) => b.toString(16).padStart(2, "0")).join(" ");
  return ` (it starts with the bytes ${hex})`;
}
