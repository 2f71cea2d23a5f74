/**
 * What a check sheet shows when a check read thousands of files: a summary (accuracy, the confusion
 * matrix of the labelled files, a histogram of confidences), then the mistakes and the least
 * confident reads, then the first of the rest, each part capped, so the sheet's size does not grow
 * with the number of files. The check sheet writer and the report choose the rows with the same
 * function, {@linkcode sheetRows}, so both show the same files in the same order.
 *
 * @module
 */

import type { CheckItem } from "./run.ts";

/** Rows of the "mistakes and least confident reads" part of a check sheet. */
export const SHEET_WORST_ROWS = 200;
/** Rows of the "the rest" part of a check sheet, in file order. */
export const SHEET_REST_ROWS = 200;
/** Files that could not be read listed by name on a check sheet; the rest are counted. */
export const SHEET_ERROR_ROWS = 100;
/** Bins of the confidence histogram: [0, 0.1), [0.1, 0.2), …, [0.9, 1]. */
export const CONFIDENCE_BINS = 10;

/** The rows a check sheet shows with pictures, as indices into the check's results. */
export interface SheetRows {
  /** Mistakes, most confident first, then the least confident right or unlabelled reads. */
  readonly worst: readonly number[];
  /** The first other read files, in file order. */
  readonly rest: readonly number[];
}

/** Counts a check sheet summarises. */
export interface CheckSummary {
  /** Files listed. */
  readonly files: number;
  /** Files read (decoded and predicted). */
  readonly read: number;
  /** Files that could not be read. */
  readonly errors: number;
  /** Read files whose name told the expected digit. */
  readonly labelled: number;
  /** Labelled files read as the expected digit. */
  readonly correct: number;
  /** confusion[expected][predicted] over the labelled files, (10, 10). */
  readonly confusion: number[][];
  /** Read files per confidence bin, split by verdict: right, wrong, unlabelled; each (CONFIDENCE_BINS). */
  readonly histogram: { readonly right: number[]; readonly wrong: number[]; readonly unlabelled: number[] };
}

/** How a read file sorts on the sheet: what {@linkcode compareForSheet} needs of it. */
export interface SheetKey {
  /** Position in the check's results. */
  readonly index: number;
  /** Read as another digit than its name says. */
  readonly wrong: boolean;
  /** The probability of the digit read. */
  readonly confidence: number;
}

/**
 * The order of the "mistakes and least confident" part: mistakes first, the most confident mistake
 * first; then the other reads, the least confident first; ties by file order. A total order, so the
 * rows kept while streaming are exactly those {@linkcode sheetRows} picks at the end.
 *
 * @param a One read file.
 * @param b Another.
 * @returns Negative when a comes first.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareForSheet } from "./check_summary.ts";
 * const keys = [
 *   { index: 0, wrong: false, confidence: 0.6 },
 *   { index: 1, wrong: true, confidence: 0.9 },
 *   { index: 2, wrong: false, confidence: 0.4 },
 * ];
 * assert.deepEqual(keys.sort(compareForSheet).map((k) => k.index), [1, 2, 0]);
 * ```
 */
export function compareForSheet(a: SheetKey, b: SheetKey): number {
  if (a.wrong !== b.wrong) return a.wrong ? -1 : 1;
  const byConfidence = a.wrong ? b.confidence - a.confidence : a.confidence - b.confidence;
  return byConfidence !== 0 ? byConfidence : a.index - b.index;
}

/**
 * The sort key of a result, or null when the file could not be read.
 *
 * @param item A result of check.json.
 * @param index Its position in the results.
 * @returns The key, or null.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sheetKey } from "./check_summary.ts";
 * const item = { file: "3.png", expected: 3, predicted: 5, confidence: 0.7, probabilities: null, top3: null, error: null };
 * assert.deepEqual(sheetKey(item, 4), { index: 4, wrong: true, confidence: 0.7 });
 * ```
 */
export function sheetKey(item: CheckItem, index: number): SheetKey | null {
  if (item.predicted === null) return null;
  return {
    index,
    wrong: item.expected !== null && item.expected !== item.predicted,
    confidence: item.confidence ?? item.probabilities?.[item.predicted] ?? 0,
  };
}

/**
 * Choose the rows a check sheet shows with pictures: at most `worst` mistakes and least confident
 * reads ({@linkcode compareForSheet}), then at most `rest` of the other read files in file order.
 * When every read file fits in `worst + rest` rows, all are shown in file order (as `rest`).
 *
 * @param results The check's results.
 * @param worst Rows of the first part.
 * @param rest Rows of the second part.
 * @returns The indices of both parts, in display order.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sheetRows } from "./check_summary.ts";
 * const item = (expected: number, predicted: number, confidence: number) =>
 *   ({ file: "x.png", expected, predicted, confidence, probabilities: null, top3: null, error: null });
 * const rows = sheetRows([item(1, 1, 0.99), item(2, 3, 0.8), item(4, 4, 0.5), item(5, 5, 0.98)], 2, 1);
 * assert.deepEqual(rows, { worst: [1, 2], rest: [0] });
 * assert.deepEqual(sheetRows([item(1, 1, 0.99), item(2, 3, 0.8)], 2, 1), { worst: [], rest: [0, 1] });
 * ```
 */
export function sheetRows(
  results: readonly CheckItem[],
  worst: number = SHEET_WORST_ROWS,
  rest: number = SHEET_REST_ROWS,
): SheetRows {
  const keys = results.map(sheetKey).filter((k): k is SheetKey => k !== null);
  return _pickRows(keys, keys.length, worst, rest);
}

/**
 * The rows of {@linkcode sheetRows}, from the keys of every read file or of those a
 * {@linkcode SheetRowKeeper} kept (a superset of the rows picked, in file order).
 *
 * @param keys Keys in file order.
 * @param read How many files were read in all (more than `keys.length` when some were not kept).
 */
function _pickRows(keys: readonly SheetKey[], read: number, worst: number, rest: number): SheetRows {
  if (read <= worst + rest) return { worst: [], rest: keys.map((k) => k.index) }; // all fit: file order
  const first = [...keys].sort(compareForSheet).slice(0, worst).map((k) => k.index);
  const chosen = new Set(first);
  const others = keys.filter((k) => !chosen.has(k.index)).slice(0, rest).map((k) => k.index);
  return { worst: first, rest: others };
}

/**
 * Keeps, while results stream in, the few whose pictures a check sheet may show, so a check of
 * 10,000 files holds a few hundred pictures, not 10,000. Every row {@linkcode sheetRows} picks at
 * the end is kept; most others are dropped as soon as they cannot be picked.
 */
export class SheetRowKeeper {
  #worst: SheetKey[] = [];
  #worstCap: number;
  #firstCap: number;
  #readSeen = 0;
  #kept = new Set<number>();
  #firsts = new Set<number>();

  /**
   * @param worst Rows of the sheet's first part ({@linkcode SHEET_WORST_ROWS}).
   * @param rest Rows of its second part ({@linkcode SHEET_REST_ROWS}).
   */
  constructor(worst: number = SHEET_WORST_ROWS, rest: number = SHEET_REST_ROWS) {
    this.#worstCap = worst;
    this.#firstCap = worst + rest; // the rest come from the first worst + rest read files
  }

  /**
   * Offer the next result, in file order.
   *
   * @param item The result.
   * @param index Its position in the results.
   * @returns Whether to keep its pictures, and the indices whose pictures may now be dropped.
   */
  offer(item: CheckItem, index: number): { keep: boolean; drop: number[] } {
    const key = sheetKey(item, index);
    if (key === null) return { keep: false, drop: [] };
    if (this.#readSeen++ < this.#firstCap) this.#firsts.add(index);
    this.#worst.push(key);
    this.#kept.add(index);
    const drop: number[] = [];
    if (this.#worst.length >= 2 * this.#worstCap + 64) {
      this.#worst.sort(compareForSheet);
      for (const gone of this.#worst.splice(this.#worstCap)) {
        if (!this.#firsts.has(gone.index)) {
          this.#kept.delete(gone.index);
          drop.push(gone.index);
        }
      }
    }
    const keep = this.#kept.has(index);
    return { keep, drop: keep ? drop : drop.filter((i) => i !== index) };
  }
}

/**
 * Count what a check sheet's summary shows.
 *
 * @param results The check's results.
 * @returns Counts, the confusion matrix of the labelled files and the confidence histogram.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summariseCheck } from "./check_summary.ts";
 * const s = summariseCheck([
 *   { file: "7.png", expected: 7, predicted: 7, confidence: 0.95, probabilities: null, top3: null, error: null },
 *   { file: "x.png", expected: null, predicted: null, confidence: null, probabilities: null, top3: null, error: "not a PNG" },
 * ]);
 * assert.ok(s.read === 1 && s.errors === 1 && s.correct === 1 && s.confusion[7][7] === 1);
 * assert.equal(s.histogram.right[9], 1);
 * ```
 */
export function summariseCheck(results: readonly CheckItem[]): CheckSummary {
  const counter = new _SummaryCounter();
  for (const r of results) counter.add(r);
  return counter.summary();
}

/** The counts of {@linkcode summariseCheck}, one result at a time. */
class _SummaryCounter {
  files = 0;
  read = 0;
  labelled = 0;
  correct = 0;
  // confusion[expected][predicted]: (10, 10)
  #confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  #histogram = {
    right: new Array<number>(CONFIDENCE_BINS).fill(0),
    wrong: new Array<number>(CONFIDENCE_BINS).fill(0),
    unlabelled: new Array<number>(CONFIDENCE_BINS).fill(0),
  };

  add(r: CheckItem): void {
    this.files++;
    if (r.predicted === null) return;
    this.read++;
    const confidence = r.confidence ?? r.probabilities?.[r.predicted] ?? 0;
    const bin = Math.min(CONFIDENCE_BINS - 1, Math.max(0, Math.floor(confidence * CONFIDENCE_BINS)));
    if (r.expected === null) {
      this.#histogram.unlabelled[bin]++;
      return;
    }
    this.labelled++;
    this.#confusion[r.expected][r.predicted]++;
    if (r.expected === r.predicted) {
      this.correct++;
      this.#histogram.right[bin]++;
    } else this.#histogram.wrong[bin]++;
  }

  summary(): CheckSummary {
    const h = this.#histogram;
    return {
      files: this.files,
      read: this.read,
      errors: this.files - this.read,
      labelled: this.labelled,
      correct: this.correct,
      confusion: this.#confusion.map((row) => [...row]),
      histogram: { right: [...h.right], wrong: [...h.wrong], unlabelled: [...h.unlabelled] },
    };
  }
}

/** A row a check sheet shows with pictures: a result and its position in the check's results. */
export interface SheetRow {
  readonly index: number;
  readonly item: CheckItem;
}

/** What a check sheet takes from check.json besides the results. */
export interface CheckSheetHead {
  readonly weights: string;
  readonly source: string;
  /** check.json's counts: labelled files read as their digit, and labelled files. */
  readonly correct: number;
  readonly total: number;
}

/**
 * Everything a check sheet shows and nothing more, so it is as small for 10,000 files as for 10:
 * check.json's head and counts, the summary, the rows with pictures, and the first files that
 * could not be read. Made from a whole check by {@linkcode checkSheetOf}, or while the results
 * stream in by {@linkcode CheckSheetBuilder}; both give the same sheet.
 */
export interface CheckSheet extends CheckSheetHead {
  readonly summary: CheckSummary;
  /** Rows of {@linkcode sheetRows}' first part, in display order. */
  readonly worst: readonly SheetRow[];
  /** Rows of its second part (every read file, in file order, when all fit). */
  readonly rest: readonly SheetRow[];
  /** The first {@linkcode SHEET_ERROR_ROWS} files that could not be read; `summary.errors` counts all. */
  readonly unread: readonly CheckItem[];
}

/**
 * Builds a {@linkcode CheckSheet} while results stream in, holding only the rows it may still show
 * (a few hundred, see {@linkcode SheetRowKeeper}) and the counts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CheckSheetBuilder } from "./check_summary.ts";
 * const b = new CheckSheetBuilder();
 * b.add({ file: "7.png", expected: 7, predicted: 1, confidence: 0.6, probabilities: null, top3: null, error: null });
 * b.add({ file: "x.png", expected: null, predicted: null, confidence: null, probabilities: null, top3: null, error: "not a PNG" });
 * const sheet = b.sheet({ weights: "w.npz", source: "s", correct: 0, total: 1 });
 * assert.deepEqual([sheet.summary.files, sheet.rest.length, sheet.unread[0].file], [2, 1, "x.png"]);
 * ```
 */
export class CheckSheetBuilder {
  #counter = new _SummaryCounter();
  #keeper: SheetRowKeeper;
  #kept = new Map<number, { key: SheetKey; item: CheckItem }>();
  #unread: CheckItem[] = [];
  #worst: number;
  #rest: number;

  /**
   * @param worst Rows of the sheet's first part ({@linkcode SHEET_WORST_ROWS}).
   * @param rest Rows of its second part ({@linkcode SHEET_REST_ROWS}).
   */
  constructor(worst: number = SHEET_WORST_ROWS, rest: number = SHEET_REST_ROWS) {
    this.#keeper = new SheetRowKeeper(worst, rest);
    this.#worst = worst;
    this.#rest = rest;
  }

  /**
   * Add the next result, in file order.
   *
   * @param item The result.
   * @returns Its index, whether the sheet may show it, and the indices it will no longer show.
   */
  add(item: CheckItem): { index: number; keep: boolean; drop: number[] } {
    const index = this.#counter.files;
    this.#counter.add(item);
    const key = sheetKey(item, index);
    if (key === null && this.#unread.length < SHEET_ERROR_ROWS) this.#unread.push(item);
    const { keep, drop } = this.#keeper.offer(item, index);
    for (const i of drop) this.#kept.delete(i);
    if (keep && key !== null) this.#kept.set(index, { key, item });
    return { index, keep, drop };
  }

  /** Results added. */
  get files(): number {
    return this.#counter.files;
  }

  /** Results read (predicted). */
  get read(): number {
    return this.#counter.read;
  }

  /** Read results whose file name told the digit. */
  get labelled(): number {
    return this.#counter.labelled;
  }

  /** Labelled results read as their digit. */
  get correct(): number {
    return this.#counter.correct;
  }

  /** The first result that could not be read, or null when every one was read. */
  get firstUnread(): CheckItem | null {
    return this.#unread[0] ?? null;
  }

  /**
   * The sheet of the results added so far.
   *
   * @param head check.json's weights, source and counts.
   * @returns The sheet.
   */
  sheet(head: CheckSheetHead): CheckSheet {
    const kept = [...this.#kept.values()]; // insertion order: file order
    const rows = _pickRows(kept.map((k) => k.key), this.#counter.read, this.#worst, this.#rest);
    const row = (index: number) => ({ index, item: this.#kept.get(index)!.item });
    return {
      weights: head.weights,
      source: head.source,
      correct: head.correct,
      total: head.total,
      summary: this.#counter.summary(),
      worst: rows.worst.map(row),
      rest: rows.rest.map(row),
      unread: [...this.#unread],
    };
  }
}

/**
 * The sheet of a whole check, as the report draws it from check.json.
 *
 * @param check The check's head and every result.
 * @param worst Rows of the sheet's first part.
 * @param rest Rows of its second part.
 * @returns The sheet ({@linkcode sheetRows}' rows).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkSheetOf } from "./check_summary.ts";
 * const item = { file: "3.png", expected: 3, predicted: 3, confidence: 0.9, probabilities: null, top3: null, error: null };
 * const sheet = checkSheetOf({ weights: "w.npz", source: "s", correct: 1, total: 1, results: [item] });
 * assert.ok(sheet.summary.correct === 1 && sheet.rest[0].item === item);
 * ```
 */
export function checkSheetOf(
  check: CheckSheetHead & { readonly results: readonly CheckItem[] },
  worst: number = SHEET_WORST_ROWS,
  rest: number = SHEET_REST_ROWS,
): CheckSheet {
  const builder = new CheckSheetBuilder(worst, rest);
  for (const r of check.results) builder.add(r);
  return builder.sheet(check);
}
