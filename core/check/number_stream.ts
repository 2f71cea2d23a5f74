/**
 * `deno task check --digits`: every file is a whole number. The reader splits each file into its
 * digits (core/digits/split_number.ts); {@linkcode pieceReads} turns a file's digits into one read
 * per digit, so they are predicted in the same batches as single digits ({@linkcode predictInOrder});
 * {@linkcode NumberAssembler} puts each file's digits back together into the number read.
 *
 * A digit of `2026.png` is named `2026.png [2/4]` in the table, check.json and the check sheet; the
 * file's leading digits (`2026.png`, `2026_b.jpg`) are the number it should show.
 *
 * @module
 */

import { basename } from "node:path";
import type { CheckItem, CheckNumber } from "../reports/run.ts";
import type { DigitRead } from "./digit_reader.ts";
import { checkItem, type PredictedRead } from "./check_stream.ts";

/** Where a read digit sits in its number. */
export interface PieceInfo {
  /** Its position, 0 = leftmost. */
  readonly at: number;
  /** Digits found in the file; 0 when the file could not be read. */
  readonly count: number;
  /** Where the digit is, in the pixels of the file: inclusive [x0, y0, x1, y1]; null when unread. */
  readonly box: readonly [number, number, number, number] | null;
  /** True when the digit was cut out of touching ink. */
  readonly cut: boolean;
}

/** One digit of a number file, as a read of its own. */
export interface PieceRead extends DigitRead {
  readonly piece: PieceInfo;
}

/** One digit of a number, as check prints it: the digit's result, where it is and whether it was cut. */
export interface NumberDigit extends CheckItem {
  readonly box: readonly [number, number, number, number] | null;
  readonly cut: boolean;
}

/** What check --digits made of one file: its number, and each digit's result. */
export interface NumberItem extends CheckNumber {
  /** Each digit's result, left to right; empty when the file could not be read. */
  readonly digits: readonly NumberDigit[];
}

/**
 * The number a file should show, from its name: its leading digits (`2026.png`, `2026_b.jpg`), else null.
 *
 * @param path The file.
 * @returns The digits as a string (leading zeros kept), or null.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { expectedNumber } from "./number_stream.ts";
 * assert.equal(expectedNumber("photos/2026_b.jpg"), "2026");
 * assert.equal(expectedNumber("007.png"), "007");
 * assert.equal(expectedNumber("scan.png"), null);
 * ```
 */
export function expectedNumber(path: string): string | null {
  return /^(\d+)/.exec(basename(path))?.[1] ?? null;
}

/**
 * Turn reads of number files into one read per digit, in order: a file of k digits gives k reads
 * (each with its input and thumbnail), a file that could not be read gives one read with its error.
 *
 * @param reads Reads from a {@linkcode DigitReader} made with `{ digits: true }`.
 * @returns The digits' reads, each with where it sits in its number.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pieceReads } from "./number_stream.ts";
 * const digit = { input: new Float32Array(784), thumbnail: { width: 1, height: 1, gray: new Float32Array(1) },
 *   box: [0, 0, 1, 1] as const, cut: false };
 * async function* reads() {
 *   yield { index: 0, path: "12.png", digit: null, number: [digit, digit], error: null };
 *   yield { index: 1, path: "x.png", digit: null, number: null, error: "Cannot read" };
 * }
 * const out = await Array.fromAsync(pieceReads(reads()));
 * assert.deepEqual(out.map((r) => [r.path, r.piece.at, r.piece.count]), [["12.png", 0, 2], ["12.png", 1, 2], ["x.png", 0, 0]]);
 * ```
 */
export async function* pieceReads(reads: AsyncIterable<DigitRead>): AsyncGenerator<PieceRead> {
  for await (const read of reads) {
    const digits = read.number ?? null;
    if (digits === null || read.error !== null) {
      yield { ...read, digit: null, number: null, piece: { at: 0, count: 0, box: null, cut: false } };
      continue;
    }
    for (let at = 0; at < digits.length; at++) {
      const { input, thumbnail, box, cut } = digits[at];
      yield {
        index: read.index,
        path: read.path,
        digit: { input, thumbnail },
        number: null,
        error: null,
        piece: { at, count: digits.length, box, cut },
      };
    }
  }
}

/**
 * The name of a digit of a number file: `2026.png [2/4]`; the file's own name when it was not read.
 *
 * @param file The file's name as shown.
 * @param piece Where the digit sits.
 * @returns The name.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pieceName } from "./number_stream.ts";
 * assert.equal(pieceName("2026.png", { at: 1, count: 4, box: null, cut: false }), "2026.png [2/4]");
 * ```
 */
export function pieceName(file: string, piece: PieceInfo): string {
  return piece.count === 0 ? file : `${file} [${piece.at + 1}/${piece.count}]`;
}

/**
 * The check.json entry of a digit of a number file: named by {@linkcode pieceName}, expecting the
 * digit at its place in the file's number when the name's number has as many digits as were found.
 *
 * @param file The file's name as shown.
 * @param result The digit's read and prediction.
 * @returns The entry.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pieceItem } from "./number_stream.ts";
 * const piece = { at: 2, count: 4, box: null, cut: false };
 * const read = { index: 0, path: "2026.png", digit: null, error: "x", piece };
 * const item = pieceItem("2026.png", { read, prediction: null });
 * assert.ok(item.file === "2026.png [3/4]" && item.expected === 2);
 * ```
 */
export function pieceItem(file: string, result: PredictedRead<PieceRead>): CheckItem {
  const { piece } = result.read;
  const number = expectedNumber(file);
  const expected = number !== null && number.length === piece.count ? Number(number[piece.at]) : null;
  return { ...checkItem(file, result), file: pieceName(file, piece), expected };
}

/**
 * Puts the digits of each number file back together as they stream past, in order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NumberAssembler } from "./number_stream.ts";
 * const a = new NumberAssembler();
 * const item = (file: string, predicted: number) =>
 *   ({ file, expected: null, predicted, confidence: 0.9, probabilities: null, top3: null, error: null });
 * assert.equal(a.add("42.png", item("42.png [1/2]", 4), { at: 0, count: 2, box: null, cut: false }), null);
 * const done = a.add("42.png", item("42.png [2/2]", 2), { at: 1, count: 2, box: null, cut: false });
 * assert.ok(done !== null && done.number === "42" && done.expected === "42");
 * assert.ok(a.correct === 1 && a.total === 1);
 * ```
 */
export class NumberAssembler {
  #digits: NumberDigit[] = [];
  #correct = 0;
  #total = 0;
  #read = 0;

  /**
   * Add the next digit (or the error of a file that could not be read).
   *
   * @param file The file's name as shown.
   * @param item The digit's check.json entry ({@linkcode pieceItem}).
   * @param piece Where it sits in its number.
   * @returns The file's number once its last digit is in, else null.
   */
  add(file: string, item: CheckItem, piece: PieceInfo): NumberItem | null {
    const expected = expectedNumber(file);
    if (piece.count === 0) return { file, expected, number: null, digits: [], error: item.error };
    this.#digits.push({ ...item, box: piece.box, cut: piece.cut });
    if (piece.at + 1 < piece.count) return null;
    const digits = this.#digits;
    this.#digits = [];
    const unread = digits.find((d) => d.predicted === null);
    if (unread !== undefined) return { file, expected, number: null, digits, error: unread.error };
    const number = digits.map((d) => d.predicted).join("");
    this.#read++;
    if (expected !== null) {
      this.#total++;
      if (number === expected) this.#correct++;
    }
    return { file, expected, number, digits, error: null };
  }

  /** Labelled files read as their number. */
  get correct(): number {
    return this.#correct;
  }

  /** Labelled files read. */
  get total(): number {
    return this.#total;
  }

  /** Files read. */
  get read(): number {
    return this.#read;
  }
}

/**
 * The table line of a number, printed after its digits' lines: the number read, whether it is the
 * one the name says, and each digit with its confidence (`cut` marks digits cut out of touching ink).
 *
 * @param item The number.
 * @returns One line.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { numberLine } from "./number_stream.ts";
 * const digit = (predicted: number, confidence: number, cut: boolean) => ({ file: "", expected: null,
 *   predicted, confidence, probabilities: null, top3: null, error: null, box: null, cut });
 * const line = numberLine({ file: "47.png", expected: "47", number: "47", error: null,
 *   digits: [digit(4, 0.991, true), digit(7, 0.5, true)] });
 * assert.equal(line, "47.png reads 47 ✓  digits 4 99.1% (cut), 7 50.0% (cut)");
 * ```
 */
export function numberLine(item: NumberItem): string {
  if (item.number === null) return `${item.file} could not be read: ${item.error}`;
  const mark = item.expected === null
    ? ""
    : item.number === item.expected
    ? " ✓"
    : ` ✗ expected ${item.expected}${
      item.expected.length === item.digits.length ? "" : ` (${item.digits.length} digits found)`
    }`;
  const digits = item.digits.map((d) =>
    `${d.predicted} ${((d.confidence ?? 0) * 100).toFixed(1)}%${d.cut ? " (cut)" : ""}`
  );
  return `${item.file} reads ${item.number}${mark}  digits ${digits.join(", ")}`;
}
