/**
 * What a run folder holds, as types: the lines of metrics.jsonl, eval.json, check.json, and the
 * whole run read back. core/reports/run_files.ts reads and writes them; core/reports/report_html.ts
 * draws them.
 *
 * @module
 */

import type { FinalRecord, HeaderRecord } from "../training/metrics_log.ts";

/** First line of metrics.jsonl: what was run, on what (written by core/training/metrics_log.ts). */
export type RunHeader = HeaderRecord;

/** One epoch of metrics.jsonl. A loss that was NaN or infinite is stored (and read) as null. */
export interface RunEpoch {
  readonly type: "epoch";
  /** 1-based. */
  readonly epoch: number;
  readonly learning_rate: number;
  readonly train_loss: number | null;
  readonly train_accuracy: number | null;
  /** Null when the run kept no validation images. */
  readonly val_loss: number | null;
  readonly val_accuracy: number | null;
  readonly seconds: number;
  readonly samples_per_second: number | null;
}

/** Last line of metrics.jsonl: how the run ended. Missing when the process was killed. */
export type RunFinal = FinalRecord;

/** Any line of metrics.jsonl. */
export type RunRecord = RunHeader | RunEpoch | RunFinal;

/** Scores of one class on the test set. */
export interface ClassResult {
  readonly label: number;
  readonly name: string;
  readonly correct: number;
  readonly total: number;
  /** correct / total; null when total is 0. */
  readonly accuracy: number | null;
}

/** A test image the network got wrong. */
export interface Mistake {
  /** Position in the test set. */
  readonly index: number;
  /** True class. */
  readonly label: number;
  readonly predicted: number;
  /** Probability the network gave its (wrong) answer. */
  readonly confidence: number;
}

/** eval.json: the saved weights scored on the test set. */
export interface EvalResult {
  readonly weights: string;
  readonly weights_sha256: string;
  readonly count: number;
  readonly loss: number | null;
  readonly accuracy: number;
  readonly per_class: readonly ClassResult[];
  /** confusion[true][predicted], (K, K). */
  readonly confusion: readonly (readonly number[])[];
  /** Most confident first. */
  readonly mistakes: readonly Mistake[];
}

/** What the network read in one checked file. */
export interface CheckItem {
  readonly file: string;
  /** The digit the file should show (from its name), when known. */
  readonly expected: number | null;
  /** Null when the file could not be read. */
  readonly predicted: number | null;
  readonly confidence: number | null;
  /** One per class; null when the file could not be read. */
  readonly probabilities: readonly number[] | null;
  /** The three most probable classes, [class, probability], most probable first. */
  readonly top3: readonly (readonly [number, number])[] | null;
  /** Why the file could not be read; null when it was. */
  readonly error: string | null;
}

/**
 * A whole number read by `check --digits`. Its digits are results of their own, named after the
 * file and their place in it: `2026.png [1/4]`.
 */
export interface CheckNumber {
  readonly file: string;
  /** The number the file should show (its name's leading digits), when known. */
  readonly expected: string | null;
  /** The digits read, left to right; null when the file could not be read. */
  readonly number: string | null;
  /** Why the file could not be read; null when it was. */
  readonly error: string | null;
}

/** check.json: a set of files read by the network. */
export interface CheckResult {
  readonly weights: string;
  /** sha256 of the weights that read the files; null in check.json files of earlier versions. */
  readonly weights_sha256: string | null;
  /** The folder or files given to check. */
  readonly source: string;
  readonly results: readonly CheckItem[];
  /** Files whose expected digit was known and predicted. */
  readonly correct: number;
  /** Files whose expected digit was known. */
  readonly total: number;
  /** With `check --digits`: each file's number, in file order (results then hold the digits). */
  readonly numbers?: readonly CheckNumber[];
}

/** Everything a run folder holds, read back. */
export interface Run {
  /** The folder, as given. */
  readonly dir: string;
  /** Its last path component, e.g. "2024-05-01T10-00-00". */
  readonly name: string;
  readonly header: RunHeader;
  readonly epochs: readonly RunEpoch[];
  /** Null when the run is still going or was killed. */
  readonly final: RunFinal | null;
  /** eval.json, when present. */
  readonly eval: EvalResult | null;
  /** check.json, when present. */
  readonly check: CheckResult | null;
  /** mistakes.png, when present. */
  readonly mistakesPng: Uint8Array | null;
  /** check_sheet.png, when present. */
  readonly checkSheetPng: Uint8Array | null;
}
