/**
 * Write files so that a reader sees either the old contents or the new ones, never half of each.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";

/**
 * Write bytes (or text) to a file atomically: write a temporary file in the same folder, flush it,
 * then rename it over the target. A crash or Ctrl-C before the rename leaves the old file untouched.
 *
 * @param path The file to write.
 * @param data The new contents.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeFileAtomic } from "./atomic_write.ts";
 * const path = await Deno.makeTempFile();
 * await writeFileAtomic(path, "hello");
 * assert.ok(await Deno.readTextFile(path) === "hello");
 * await Deno.remove(path);
 * ```
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const tmp = temporaryPathBeside(path);
  try {
    const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
    try {
      await _writeAll(file, bytes);
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
}

/**
 * A fresh name for a temporary file that will replace `path`: hidden, in the same folder (so the
 * rename never crosses a file system), and of its own per call (so overlapping writes of one file
 * never share a temporary file).
 *
 * @param path The file the temporary file will replace.
 * @param kind Told apart in the name when one writer keeps several temporary files, e.g. "numbers.".
 * @returns The path, e.g. `runs/x/.check.json.4242.1a2b3c4d.tmp`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { temporaryPathBeside } from "./atomic_write.ts";
 * assert.match(temporaryPathBeside("runs/x/check.json"), /^runs\/x\/\.check\.json\.\d+\.[0-9a-f]{8}\.tmp$/);
 * ```
 */
export function temporaryPathBeside(path: string, kind = ""): string {
  return join(dirname(path), `.${basename(path)}.${kind}${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`);
}

async function _writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await file.write(bytes.subarray(written));
}
