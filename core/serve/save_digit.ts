/**
 * "Save as digit d": a save request checked field by field, and the PNG written into
 * images/setN/ under the digit's name (7.png, then 7_b.png, …), so that `deno task check --set N`
 * scores it.
 *
 * The file name is made here, from a set number and a digit that are whole numbers in range; no
 * part of a path ever comes from the request. The file never replaces another (it is linked into
 * place, which fails when the name is taken, and the next name is tried), and never lands outside
 * images/: the set folder must be a real folder directly inside it, not a link.
 *
 * @module
 */

import { join } from "node:path";
import { MAX_SET, type SaveRequest } from "./protocol.ts";
import { HttpError } from "./request_checks.ts";

/** Every name a digit can take in one set: 7.png, 7_b.png … 7_z.png, 7_aa.png … 7_zz.png. */
export const MAX_FILES_PER_DIGIT = 702;

/** A save request whose fields are known good. */
export interface SaveOrder {
  readonly set: number;
  readonly digit: number;
  readonly png: Uint8Array;
}

const FIELDS = ["set", "digit", "png"] as const;

/**
 * Parse and check the body of a save request: a JSON object with exactly "set" (a whole number
 * from 1 to {@linkcode MAX_SET}), "digit" (0 to 9) and "png" (base64 text).
 *
 * @param body The request body.
 * @returns The checked fields, the PNG decoded from base64.
 * @throws {HttpError} 400 naming the first field that is wrong.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSaveRequest } from "./save_digit.ts";
 * const text = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
 * const order = parseSaveRequest(text({ set: 4, digit: 7, png: "iVBORw==" }));
 * assert.deepEqual([order.set, order.digit, order.png.length], [4, 7, 4]);
 * assert.throws(() => parseSaveRequest(text({ set: "../1", digit: 7, png: "" })), /"set" must be a whole number/);
 * ```
 */
export function parseSaveRequest(body: Uint8Array): SaveOrder {
  const refuse = (state: string) => new HttpError(400, `Cannot save drawing: ${state}`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch {
    throw refuse("the body is not valid JSON");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw refuse(`the body must be a JSON object with "set", "digit" and "png", got ${_kind(value)}`);
  }
  const fields = value as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!(FIELDS as readonly string[]).includes(key)) throw refuse(`unknown field ${_quote(key)}`);
  }
  const { set, digit, png } = fields as Partial<Record<keyof SaveRequest, unknown>>;
  if (!_wholeIn(set, 1, MAX_SET)) {
    throw refuse(`"set" must be a whole number from 1 to ${MAX_SET}, got ${_show(set)}`);
  }
  if (!_wholeIn(digit, 0, 9)) throw refuse(`"digit" must be a whole number from 0 to 9, got ${_show(digit)}`);
  if (typeof png !== "string" || png.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(png)) {
    throw refuse(`"png" must be a PNG file as base64 text, got ${_show(png)}`);
  }
  const binary = atob(png);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return { set: set as number, digit: digit as number, png: bytes };
}

/**
 * The name of the n-th file of a digit in a set: 7.png, then 7_b.png … 7_z.png, 7_aa.png, ….
 * A name starts with its digit, which is how check knows the digit expected.
 *
 * @param digit 0–9.
 * @param n 0 for the first file, up to {@linkcode MAX_FILES_PER_DIGIT} − 1.
 * @returns The file name.
 * @throws {RangeError} When the digit or n is out of range.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { digitFileName } from "./save_digit.ts";
 * assert.deepEqual([0, 1, 25, 26, 701].map((n) => digitFileName(7, n)), [
 *   "7.png", "7_b.png", "7_z.png", "7_aa.png", "7_zz.png",
 * ]);
 * ```
 */
export function digitFileName(digit: number, n: number): string {
  if (!_wholeIn(digit, 0, 9) || !_wholeIn(n, 0, MAX_FILES_PER_DIGIT - 1)) {
    throw new RangeError(
      `Cannot name file: digit ${digit}, number ${n}; expected 0–9 and 0–${MAX_FILES_PER_DIGIT - 1}`,
    );
  }
  if (n === 0) return `${digit}.png`;
  // bijective base 26 of n + 1 (a = 1 … z = 26, then aa): the first file is the implicit "a"
  let letters = "";
  for (let m = n + 1; m > 0; m = Math.floor((m - 1) / 26)) {
    letters = String.fromCharCode(97 + ((m - 1) % 26)) + letters;
  }
  return `${digit}_${letters}.png`;
}

/**
 * Write a PNG into `<imagesDir>/set<set>/` under the first free name of its digit, never replacing
 * a file and never writing outside `imagesDir`. The bytes go to a temporary file first, which is
 * then hard-linked to the name (the link fails if the name exists, even when two saves race) and
 * removed; so the file appears whole or not at all.
 *
 * @param imagesDir The images folder; it must exist.
 * @param order A checked save request (its PNG already read successfully).
 * @returns The name of the file written, e.g. "7_b.png".
 * @throws {HttpError} 409 when the set's path is a file or a link rather than a folder, or every
 *   name of the digit is taken.
 * @throws {Deno.errors.NotFound} When `imagesDir` does not exist.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { saveDigitPng } from "./save_digit.ts";
 * const images = await Deno.makeTempDir();
 * const png = new Uint8Array([1, 2, 3]);
 * assert.equal(await saveDigitPng(images, { set: 4, digit: 7, png }), "7.png");
 * assert.equal(await saveDigitPng(images, { set: 4, digit: 7, png }), "7_b.png");
 * await Deno.remove(images, { recursive: true });
 * ```
 */
export async function saveDigitPng(imagesDir: string, order: SaveOrder): Promise<string> {
  const { set, digit, png } = order;
  if (!_wholeIn(set, 1, MAX_SET) || !_wholeIn(digit, 0, 9)) {
    throw new RangeError(`Cannot save drawing: set ${set} or digit ${digit} is out of range`);
  }
  const setName = `set${set}`;
  const where = `images/${setName}`;
  const root = await Deno.realPath(imagesDir);
  const dir = join(root, setName);
  try {
    await Deno.mkdir(dir);
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
  const info = await Deno.lstat(dir);
  if (info.isSymlink) throw new HttpError(409, `Cannot save into "${where}": it is a link, not a folder`);
  if (!info.isDirectory) throw new HttpError(409, `Cannot save into "${where}": it is a file, not a folder`);
  const tmp = join(dir, `.saving.${crypto.randomUUID()}.tmp`);
  await Deno.writeFile(tmp, png, { createNew: true });
  try {
    for (let n = 0; n < MAX_FILES_PER_DIGIT; n++) {
      const name = digitFileName(digit, n);
      try {
        await Deno.link(tmp, join(dir, name));
        return name;
      } catch (error) {
        if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      }
    }
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
  throw new HttpError(
    409,
    `Cannot save into "${where}": digit ${digit} has all its ${MAX_FILES_PER_DIGIT} names taken; use another set`,
  );
}

/**
 * The lowest set number whose folder does not exist yet: the page offers it for a new set.
 *
 * @param imagesDir The images folder.
 * @returns N ≥ 1 such that `<imagesDir>/set<N>` does not exist (1 when imagesDir is missing).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nextFreeSet } from "./save_digit.ts";
 * const images = await Deno.makeTempDir();
 * await Deno.mkdir(`${images}/set1`);
 * assert.equal(await nextFreeSet(images), 2);
 * await Deno.remove(images, { recursive: true });
 * ```
 */
export async function nextFreeSet(imagesDir: string): Promise<number> {
  const taken = new Set<string>();
  try {
    for await (const entry of Deno.readDir(imagesDir)) taken.add(entry.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  let n = 1;
  while (taken.has(`set${n}`) && n < MAX_SET) n++;
  return n;
}

function _wholeIn(value: unknown, lo: number, hi: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= lo && value <= hi;
}

/** A request value for a message: JSON, shortened to 40 characters. */
function _show(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function _quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function _kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}
