/**
 * Which files `deno task check` reads from a folder, as users have folders: image files by name
 * (`.png`, `.jpg`, `.jpeg`, any case; the format itself is told by the bytes), in natural order
 * (`2.png` before `10.png`), optionally walking sub-folders. Whatever cannot be walked (a symlink
 * loop, a broken link, an unreadable folder) and every file that is not an image is reported once,
 * as a {@linkcode SkippedPath}, and never stops the walk.
 *
 * @module
 */

import { extname, join } from "node:path";
import { fileErrorReason, InputFileError } from "../base/errors.ts";

/** File name extensions check reads in a folder (compared in lower case). */
export const IMAGE_EXTENSIONS: readonly string[] = Object.freeze([".png", ".jpg", ".jpeg"]);

/** A path the walk did not read, and why. */
export interface SkippedPath {
  /** The path, joined from the folder given. */
  readonly path: string;
  /** Why, e.g. "not a .png, .jpg or .jpeg file". */
  readonly reason: string;
}

/** The outcome of {@linkcode listImageFiles}. */
export interface ImageFileList {
  /** Image files, in reading order. */
  readonly files: readonly string[];
  /** Paths left out, each once, in the order met. */
  readonly skipped: readonly SkippedPath[];
  /** Sub-folders not walked because `recursive` was off. */
  readonly subfolders: number;
}

/** Options of {@linkcode listImageFiles}. */
export interface ListOptions {
  /** Walk sub-folders too (depth first: a folder's files, then its sub-folders, each in natural order). */
  readonly recursive?: boolean;
}

/**
 * List the image files of a folder. Hidden entries (names starting with ".") are passed over
 * silently, and so is a README of the folder; every other non-image file is reported as skipped.
 * Symlinks are followed, to files and (with `recursive`) to folders, but a folder already walked is
 * never walked again, so a symlink loop ends the walk of that branch and is reported once.
 *
 * @param dir The folder.
 * @param options Whether to walk sub-folders.
 * @returns The files and what was skipped.
 * @throws {InputFileError} When the folder itself does not exist, is a file, or cannot be read.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { join } from "node:path";
 * import { listImageFiles } from "./input_files.ts";
 * const dir = await Deno.makeTempDir();
 * for (const name of ["10.png", "2.PNG", "notes.txt", "7.jpg"]) await Deno.writeTextFile(join(dir, name), "");
 * const list = await listImageFiles(dir);
 * assert.deepEqual(list.files, [join(dir, "2.PNG"), join(dir, "7.jpg"), join(dir, "10.png")]);
 * assert.equal(list.skipped[0].path, join(dir, "notes.txt"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function listImageFiles(dir: string, options: ListOptions = {}): Promise<ImageFileList> {
  let root: string;
  try {
    if (!(await Deno.stat(dir)).isDirectory) {
      throw new InputFileError(`Cannot check folder "${dir}": it is a file, not a folder`);
    }
    root = await Deno.realPath(dir);
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    if (error instanceof Deno.errors.NotFound) {
      throw new InputFileError(`Cannot check folder "${dir}": it does not exist`);
    }
    throw new InputFileError(`Cannot check folder "${dir}": ${_reason(error)}`);
  }
  const files: string[] = [];
  const skipped: SkippedPath[] = [];
  const walked = new Map<string, string>([[root, dir]]);
  let subfolders = 0;

  const walk = async (folder: string, isRoot: boolean): Promise<void> => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(folder));
    } catch (error) {
      if (isRoot) throw new InputFileError(`Cannot check folder "${dir}": ${_reason(error)}`);
      skipped.push({ path: folder, reason: `cannot read the folder: ${_reason(error)}` });
      return;
    }
    entries.sort((a, b) => naturalCompare(a.name, b.name));
    const folders: string[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      const path = join(folder, entry.name);
      let isFile = entry.isFile, isDirectory = entry.isDirectory;
      if (entry.isSymlink) {
        try {
          const target = await Deno.stat(path);
          isFile = target.isFile;
          isDirectory = target.isDirectory;
        } catch (error) {
          skipped.push({
            path,
            reason: error instanceof Deno.errors.NotFound
              ? "a broken symlink"
              : /too many (levels of )?symbolic links/i.test(String(error))
              ? "a symlink loop"
              : `cannot follow the symlink: ${_reason(error)}`,
          });
          continue;
        }
      }
      if (isDirectory) {
        folders.push(path);
      } else if (!isFile) {
        skipped.push({ path, reason: "not a regular file" });
      } else if (IMAGE_EXTENSIONS.includes(extname(entry.name).toLowerCase())) {
        files.push(path);
      } else if (!/^readme(\.[a-z]+)?$/i.test(entry.name)) {
        skipped.push({
          path,
          reason: `not a ${IMAGE_EXTENSIONS.join(", ").replace(/, ([^,]+)$/, " or $1")} file`,
        });
      }
    }
    for (const path of folders) {
      if (!options.recursive) {
        subfolders++;
        continue;
      }
      let real: string;
      try {
        real = await Deno.realPath(path);
      } catch (error) {
        skipped.push({ path, reason: `cannot read the folder: ${_reason(error)}` });
        continue;
      }
      const earlier = walked.get(real);
      if (earlier !== undefined) {
        skipped.push({
          path,
          reason: path.startsWith(earlier + "/")
            ? `a symlink loop: it leads back to "${earlier}"`
            : `it leads to "${earlier}", which is read already`,
        });
        continue;
      }
      walked.set(real, path);
      await walk(path, false);
    }
  };
  await walk(dir, true);
  return { files, skipped, subfolders };
}

/**
 * Compare names the way people count: "2.png" before "10.png".
 *
 * @param a One name.
 * @param b Another.
 * @returns Negative when a comes first.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { naturalCompare } from "./input_files.ts";
 * assert.deepEqual(["10.png", "2.png", "1_b.png"].sort(naturalCompare), ["1_b.png", "2.png", "10.png"]);
 * ```
 */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true }) || (a < b ? -1 : a > b ? 1 : 0);
}

function _reason(error: unknown): string {
  return fileErrorReason(error) ?? (error instanceof Error ? error.message : String(error));
}
