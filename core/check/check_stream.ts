/**
 * A check as a stream: files read in order are predicted in batches, each result is printed as soon
 * as it is known (a table line, a JSON array element, or a JSON line), and only what the end needs
 * is kept: the counts and the few rows the check sheet shows, with their pictures (check.json is
 * written as the results come, by CheckJsonFile). Nothing kept grows with the number of files.
 *
 * @module
 */

import { basename } from "node:path";
import type { Backend } from "../kernels/backend.ts";
import { predictDigits, type Prediction } from "../training/predict.ts";
import { toAsciiArt } from "../digits/preprocess.ts";
import type { CheckImages } from "../reports/gallery.ts";
import type { CheckItem, CheckNumber } from "../reports/run.ts";
import { type CheckSheet, CheckSheetBuilder } from "../reports/check_summary.ts";
import type { CheckJsonHead } from "../reports/check_json_file.ts";
import type { DigitRead } from "./digit_reader.ts";

/** A file read and, when it could be read, what the network made of it. */
export interface PredictedRead<R extends DigitRead = DigitRead> {
  readonly read: R;
  readonly prediction: Prediction | null;
}

/**
 * Predict the files of a stream in batches of the backend's capacity, keeping their order.
 *
 * @param reads Files in order, from {@linkcode DigitReader.readAll}.
 * @param backend A backend holding the model; its capacity is the batch size.
 * @returns The same files in the same order, each with its prediction (null when unread).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createTsBackend } from "../kernels/backend.ts";
 * import { predictInOrder } from "./check_stream.ts";
 * const backend = createTsBackend(4, "relu", 2);
 * backend.params.b[1][7] = 5; // a network that always says 7
 * const digit = { input: new Float32Array(784), thumbnail: { width: 1, height: 1, gray: new Float32Array(1) } };
 * async function* reads() {
 *   for (let i = 0; i < 3; i++) yield { index: i, path: `${i}.png`, digit: i === 1 ? null : digit, error: i === 1 ? "x" : null };
 * }
 * const out = await Array.fromAsync(predictInOrder(reads(), backend));
 * assert.deepEqual(out.map((o) => o.prediction?.predicted ?? null), [7, null, 7]);
 * ```
 */
export async function* predictInOrder<R extends DigitRead>(
  reads: AsyncIterable<R>,
  backend: Backend,
): AsyncGenerator<PredictedRead<R>> {
  let pending: R[] = [];
  let readable = 0;
  const flush = function* (): Generator<PredictedRead<R>> {
    const inputs = pending.filter((r) => r.digit !== null).map((r) => r.digit!.input);
    const predictions = predictDigits(backend, inputs);
    let next = 0;
    for (const read of pending) yield { read, prediction: read.digit === null ? null : predictions[next++] };
    pending = [];
    readable = 0;
  };
  for await (const read of reads) {
    pending.push(read);
    if (read.digit !== null && ++readable === backend.capacity) yield* flush();
  }
  yield* flush();
}

/**
 * The digit a file should show, from its name: the leading digit (`7.png`, `7_b.png`), else null.
 *
 * @param path The file.
 * @returns 0 to 9, or null.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { expectedDigit } from "./check_stream.ts";
 * assert.equal(expectedDigit("images/set1/7_b.png"), 7);
 * assert.equal(expectedDigit("scan.png"), null);
 * ```
 */
export function expectedDigit(path: string): number | null {
  const digit = /^(\d)/.exec(basename(path))?.[1];
  return digit === undefined ? null : Number(digit);
}

/**
 * The check.json entry of a file.
 *
 * @param file The file's name as shown.
 * @param result The read and its prediction.
 * @returns The entry.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkItem } from "./check_stream.ts";
 * const read = { index: 0, path: "3.png", digit: null, error: "Cannot read PNG \"3.png\": file does not exist" };
 * assert.equal(checkItem("3.png", { read, prediction: null }).expected, 3);
 * ```
 */
export function checkItem(file: string, result: PredictedRead): CheckItem {
  const p = result.prediction;
  return {
    file,
    expected: expectedDigit(file),
    predicted: p?.predicted ?? null,
    confidence: p?.confidence ?? null,
    probabilities: p?.probabilities ?? null,
    top3: p?.top3 ?? null,
    error: result.read.error,
  };
}

/**
 * Collects what a streamed check needs at its end, in bounded memory: the counts, the sheet's rows
 * (see {@linkcode CheckSheetBuilder}) and their pictures, the first error. check.json itself is
 * written as the results come ({@linkcode CheckJsonFile}), so the results are not kept.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CheckCollector } from "./check_stream.ts";
 * const c = new CheckCollector();
 * c.add({ file: "1.png", expected: 1, predicted: 1, confidence: 0.9, probabilities: null, top3: null, error: null }, null);
 * assert.ok(c.correct === 1 && c.total === 1 && c.read === 1 && c.files === 1);
 * ```
 */
export class CheckCollector {
  /** The pictures kept, by result index. */
  readonly images: Map<number, CheckImages> = new Map();
  #sheet = new CheckSheetBuilder();

  /**
   * Add the next result.
   *
   * @param item Its check.json entry.
   * @param images Its pictures, when it was read (may be dropped at once if the sheet cannot show it).
   */
  add(item: CheckItem, images: CheckImages | null): void {
    const { index, keep, drop } = this.#sheet.add(item);
    for (const i of drop) this.images.delete(i);
    if (keep && images !== null) this.images.set(index, images);
  }

  /** Results added. */
  get files(): number {
    return this.#sheet.files;
  }

  /** Labelled files read as their digit. */
  get correct(): number {
    return this.#sheet.correct;
  }

  /** Labelled files read. */
  get total(): number {
    return this.#sheet.labelled;
  }

  /** Files read. */
  get read(): number {
    return this.#sheet.read;
  }

  /** Why the first unread file could not be read; null when every file was read. */
  get firstError(): string | null {
    const unread = this.#sheet.firstUnread;
    return unread && (unread.error ?? "no prediction");
  }

  /**
   * What the check sheet shows.
   *
   * @param head check.json's weights and source.
   * @returns The sheet, with this collector's counts.
   */
  sheet(head: CheckJsonHead): CheckSheet {
    return this.#sheet.sheet({ ...head, correct: this.correct, total: this.total });
  }
}

/**
 * Print check.json's JSON a piece at a time, exactly as `JSON.stringify(result, null, 2)` would
 * print it whole: the head, each result as it comes, then the counts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CheckJsonWriter } from "./check_stream.ts";
 * const item = { file: "1.png", expected: 1, predicted: 1, confidence: 0.9, probabilities: null, top3: null, error: null };
 * const head = { weights: "w.npz", weights_sha256: null, source: "s" };
 * const w = new CheckJsonWriter();
 * const text = w.head(head) + w.item(item) + w.tail(1, 1);
 * assert.equal(text, JSON.stringify({ ...head, results: [item], correct: 1, total: 1 }, null, 2));
 * ```
 */
export class CheckJsonWriter {
  #items = 0;

  /** The opening, up to the results array's "[". */
  head(head: CheckJsonHead): string {
    const text = JSON.stringify({ ...head, results: [0] }, null, 2);
    return text.slice(0, text.lastIndexOf("[") + 1);
  }

  /** One result (a file's, or with --digits a number's), with the comma before it when it is not the first. */
  item(item: CheckItem | CheckNumber): string {
    const text = JSON.stringify(item, null, 2).replaceAll("\n", "\n    ");
    return `${this.#items++ === 0 ? "" : ","}\n    ${text}`;
  }

  /** The close of the results and the counts. */
  tail(correct: number, total: number): string {
    const close = this.#items === 0 ? "]" : "\n  ]";
    return `${close},\n  "correct": ${correct},\n  "total": ${total}\n}`;
  }
}

/**
 * The table check prints, a line at a time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CheckTable } from "./check_stream.ts";
 * const t = new CheckTable(["a/7.png"]);
 * assert.ok(t.header().startsWith("file"));
 * const line = t.line({ file: "a/7.png", expected: 7, predicted: 7, confidence: 0.5, probabilities: null,
 *   top3: [[7, 0.5], [1, 0.3], [2, 0.2]], error: null }, null);
 * assert.ok(line.includes("✓") && line.includes("7 50.0%"));
 * ```
 */
export class CheckTable {
  #width: number;

  /** @param files Every file name the table will show, so the columns line up. */
  constructor(files: readonly string[]) {
    this.#width = Math.max(4, ...files.map((f) => f.length));
  }

  /** The column titles. */
  header(): string {
    return `${"file".padEnd(this.#width)}  expected  predicted  confidence  top-3`;
  }

  /**
   * One file's line.
   *
   * @param item Its result.
   * @param input The input the network saw, to draw under the line as terminal art; null for none.
   */
  line(item: CheckItem, input: Float32Array | null): string {
    const expected = (item.expected ?? "-").toString().padStart(8);
    const file = item.file.padEnd(this.#width);
    if (item.predicted === null) return `${file}  ${expected}  error: ${item.error}`;
    const mark = item.expected === null ? " " : item.predicted === item.expected ? "✓" : "✗";
    const top3 = (item.top3 ?? []).map(([k, q]) => `${k} ${(q * 100).toFixed(1)}%`).join(", ");
    const line = `${file}  ${expected}  ${String(item.predicted).padStart(8)} ${mark}  ` +
      `${((item.confidence ?? 0) * 100).toFixed(1).padStart(9)}%  ${top3}`;
    return input === null ? line : `${line}\n${toAsciiArt(input)}`;
  }
}
