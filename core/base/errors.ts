/**
 * The project's own error types.
 *
 * Core code throws these for every bad input it detects, so a caller (the CLI scripts, the fuzz
 * tests) can tell "the input is wrong" from "the code has a bug". Each one extends the built-in class
 * whose meaning it carries, so `instanceof SyntaxError` still works:
 *
 * - {@linkcode FormatError} (a SyntaxError): bytes or text that do not follow their format.
 * - {@linkcode LimitError} (a RangeError): a value out of its allowed range, or a size over a cap.
 * - {@linkcode ShapeError} (a TypeError): a value of the wrong type or array shape.
 * - {@linkcode InputFileError} (an Error): a file or folder that is missing or cannot be read.
 *
 * Messages follow docs/errors.md: the action first, the state after a colon, values quoted, e.g.
 * `Cannot read IDX file "x": magic number is 2051, expected 2049`.
 *
 * @module
 */

/** A file or text does not follow its format: bad magic, truncation, checksum mismatch, bad syntax. */
export class FormatError extends SyntaxError {
  override name = "FormatError";
}

/** A value lies outside its allowed range, or a declared size exceeds a safety cap. */
export class LimitError extends RangeError {
  override name = "LimitError";
}

/** A value has the wrong type, or an array the wrong shape. */
export class ShapeError extends TypeError {
  override name = "ShapeError";
}

/** A file or folder is missing, is the wrong kind of entry, or cannot be read. */
export class InputFileError extends Error {
  override name = "InputFileError";
}

/** Any error type the project throws on purpose for bad input. */
export type ProjectError = FormatError | LimitError | ShapeError | InputFileError;

/**
 * Tell whether an error was thrown on purpose by the project for bad input.
 *
 * @param error Anything caught.
 * @returns True for the project's own error types, false for bugs and engine errors.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FormatError, isProjectError } from "./errors.ts";
 * assert.ok(isProjectError(new FormatError("bad magic")));
 * assert.ok(!isProjectError(new TypeError("x is undefined")));
 * ```
 */
export function isProjectError(error: unknown): error is ProjectError {
  return error instanceof FormatError || error instanceof LimitError ||
    error instanceof ShapeError || error instanceof InputFileError;
}

/**
 * Say in words why a file could not be read, for the file-system errors a user can cause.
 *
 * @param error What Deno threw.
 * @returns e.g. "no such file", or null when the error is not one of those (a bug, or worse).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileErrorReason } from "./errors.ts";
 * assert.equal(fileErrorReason(new Deno.errors.NotFound("x")), "no such file");
 * assert.equal(fileErrorReason(new TypeError("x")), null);
 * ```
 */
export function fileErrorReason(error: unknown): string | null {
  if (error instanceof Deno.errors.NotFound) return "no such file";
  if (error instanceof Deno.errors.IsADirectory) return "it is a directory";
  if (error instanceof Deno.errors.NotADirectory) return "a part of the path is a file, not a folder";
  if (error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotCapable) {
    return "permission denied";
  }
  return null;
}

/**
 * Describe a value in a few words for an error message: its type, and its length for arrays.
 *
 * @param value Anything a caller passed.
 * @returns e.g. "a Float32Array of 12 values", "missing", "a string".
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeValue } from "./errors.ts";
 * assert.equal(describeValue(new Float32Array(3)), "a Float32Array of 3 values");
 * assert.equal(describeValue(undefined), "missing");
 * ```
 */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "missing";
  if (ArrayBuffer.isView(value) && "length" in value) {
    return `a ${value.constructor.name} of ${(value as { length: number }).length} values`;
  }
  if (Array.isArray(value)) return `an array of ${value.length} values`;
  if (typeof value === "object") return `a ${value.constructor?.name ?? "object"}`;
  return `a ${typeof value}`;
}
