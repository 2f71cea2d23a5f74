/**
 * SHA-256 digests as lowercase hex, for verifying datasets and naming models.
 *
 * @module
 */

import { fileErrorReason, InputFileError } from "./errors.ts";

/**
 * The SHA-256 digest of some bytes.
 *
 * @param bytes The data.
 * @returns 64 lowercase hex digits.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256Hex } from "./sha256.ts";
 * assert.ok((await sha256Hex(new Uint8Array())).startsWith("e3b0c442"));
 * ```
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The SHA-256 digest of a file's bytes as they are on disk.
 *
 * @param path The file.
 * @param what What the file is, for the error message (e.g. "IDX file").
 * @throws {InputFileError} When the file is missing, is a folder, or cannot be read.
 */
export async function sha256File(path: string, what: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    const reason = fileErrorReason(error);
    if (reason) throw new InputFileError(`Cannot read ${what} "${path}": ${reason}`);
    throw error;
  }
  return sha256Hex(bytes);
}
