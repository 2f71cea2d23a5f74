/**
 * The files of a run folder `runs/<name>/`: reading them back strictly, and writing the pictures
 * of training, evaluation and checking beside them.
 *
 * | file | written by | holds |
 * | --- | --- | --- |
 * | metrics.jsonl | train | header, one record per epoch, final record (JSON Lines) |
 * | curves.svg | {@linkcode writeTrainPictures} | loss and accuracy per epoch, train vs validation |
 * | eval.json, confusion.svg, per_class.svg, mistakes.png | {@linkcode writeEvalPictures} | test-set scores and their pictures |
 * | check.json | CheckJsonFile (check_json_file.ts), or {@linkcode writeCheckSheet} | what the network read in your files |
 * | check_sheet.png, check_sheet.html | {@linkcode writeCheckPictures} | the summary and the rows a sheet shows |
 * | report.html | scripts/report.ts | everything above on one page |
 *
 * `runs/LATEST` names the newest run folder ({@linkcode latestRun}). Every file is written with
 * writeFileAtomic, so a reader never sees half a file.
 *
 * @module
 */

import { basename, join } from "node:path";
import { writeFileAtomic } from "../base/atomic_write.ts";
import { FormatError, InputFileError, LimitError, ShapeError } from "../base/errors.ts";
import { type CheckSheet, checkSheetOf } from "./check_summary.ts";
import {
  CHECK_GRID,
  type CheckImages,
  checkSheetCells,
  DIGIT_PIXELS,
  digitGalleryPng,
  gridCellPngs,
  gridPng,
  WRONG,
} from "./gallery.ts";
import { buildCheckSheetHtml } from "./report_html.ts";
import type {
  CheckItem,
  CheckNumber,
  CheckResult,
  EvalResult,
  Run,
  RunEpoch,
  RunFinal,
  RunHeader,
} from "./run.ts";
import { confusionMatrixSvg, perClassBarsSvg, sideBySideSvg, trainingCurvesSvgs } from "./svg_charts.ts";

/** File names inside a run folder. */
export const RUN_FILES = Object.freeze(
  {
    metrics: "metrics.jsonl",
    curves: "curves.svg",
    eval: "eval.json",
    confusion: "confusion.svg",
    perClass: "per_class.svg",
    mistakes: "mistakes.png",
    check: "check.json",
    checkSheetPng: "check_sheet.png",
    checkSheetHtml: "check_sheet.html",
    report: "report.html",
  } as const,
);

/** Name of the file in the runs folder that names the newest run. */
export const LATEST_FILE = "LATEST";

/** Largest metrics.jsonl, eval.json or check.json read, in bytes. */
const _MAX_TEXT_BYTES = 64 * 1024 * 1024;
/** Largest picture read back, in bytes. */
const _MAX_PNG_BYTES = 64 * 1024 * 1024;
const _STATUSES = ["completed", "interrupted", "diverged"] as const;

/**
 * Read a run folder: metrics.jsonl strictly (every line must be a valid record, the header first,
 * the final record last), and eval.json, check.json, mistakes.png and check_sheet.png when present.
 *
 * @param runDir The run folder.
 * @returns The run's records and results.
 * @throws {InputFileError} When the folder or metrics.jsonl is missing or unreadable.
 * @throws {FormatError} When a line or file breaks its format; the message names the line or field.
 * @throws {LimitError} When a file is larger than 64 MiB.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { join } from "node:path";
 * import { readRun } from "./run_files.ts";
 * const dir = await Deno.makeTempDir();
 * const header = { type: "header", version: 1, started: "2024-01-01T00:00:00Z", deno: "2.9.6",
 *   config: {}, config_path: "config.yaml", seed: 1, datasets: {} };
 * await Deno.writeTextFile(join(dir, "metrics.jsonl"), JSON.stringify(header) + "\n");
 * const run = await readRun(dir);
 * assert.ok(run.epochs.length === 0 && run.final === null && run.eval === null);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readRun(runDir: string): Promise<Run> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(runDir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new InputFileError(`Cannot read run "${runDir}": the folder does not exist`);
    }
    throw error;
  }
  if (!info.isDirectory) throw new InputFileError(`Cannot read run "${runDir}": it is not a folder`);
  const metricsPath = join(runDir, RUN_FILES.metrics);
  const metricsText = await _readText(metricsPath, "metrics file");
  if (metricsText === null) {
    throw new InputFileError(`Cannot read run "${runDir}": "${metricsPath}" does not exist`);
  }
  const { header, epochs, final } = parseMetrics(metricsText, metricsPath);
  const evalPath = join(runDir, RUN_FILES.eval);
  const evalText = await _readText(evalPath, "eval file");
  const checkPath = join(runDir, RUN_FILES.check);
  const checkText = await _readText(checkPath, "check file");
  return {
    dir: runDir,
    name: basename(runDir.replace(/[\\/]+$/, "")) || runDir,
    header,
    epochs,
    final,
    eval: evalText === null
      ? null
      : parseEvalResult(_parseJson(evalText, `Cannot read eval file "${evalPath}"`), {
        action: `Cannot read eval file "${evalPath}"`,
      }),
    check: checkText === null
      ? null
      : parseCheckResult(_parseJson(checkText, `Cannot read check file "${checkPath}"`), {
        action: `Cannot read check file "${checkPath}"`,
      }),
    mistakesPng: await _readBytes(join(runDir, RUN_FILES.mistakes)),
    checkSheetPng: await _readBytes(join(runDir, RUN_FILES.checkSheetPng)),
  };
}

/**
 * Parse the text of metrics.jsonl strictly: one JSON object per non-empty line, a header first, then
 * epoch records numbered 1, 2, 3…, then at most one final record as the last line.
 *
 * @param text The file's text.
 * @param path The file's path, for messages.
 * @returns The header, the epochs in order, and the final record (null when absent).
 * @throws {FormatError} When a line is not valid JSON or not a valid record; the message names the line.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseMetrics } from "./run_files.ts";
 * try {
 *   parseMetrics('{"type":"header"\n', "m.jsonl");
 * } catch (error) {
 *   assert.ok((error as Error).message.startsWith('Cannot read metrics file "m.jsonl": line 1 is not valid JSON'));
 * }
 * ```
 */
export function parseMetrics(
  text: string,
  path: string,
): { header: RunHeader; epochs: RunEpoch[]; final: RunFinal | null } {
  const action = `Cannot read metrics file "${path}"`;
  let header: RunHeader | null = null;
  const epochs: RunEpoch[] = [];
  let final: RunFinal | null = null;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, "");
    if (line.trim() === "") continue;
    const where = `line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new FormatError(`${action}: ${where} is not valid JSON (${(error as Error).message})`);
    }
    const f = new _Fields(value, action, where);
    if (final !== null) {
      throw new FormatError(`${action}: ${where} follows the final record, expected nothing`);
    }
    const type = f.string("type");
    if (header === null && type !== "header") {
      throw new FormatError(`${action}: ${where} has type "${type}", expected the "header" record first`);
    }
    if (type === "header") {
      if (header !== null) throw new FormatError(`${action}: ${where} is a second "header" record`);
      header = _parseHeader(f);
    } else if (type === "epoch") {
      const epoch = _parseEpoch(f);
      if (epoch.epoch !== epochs.length + 1) {
        throw new FormatError(
          `${action}: ${where} is epoch ${epoch.epoch}, expected epoch ${epochs.length + 1}`,
        );
      }
      epochs.push(epoch);
    } else if (type === "final") {
      final = _parseFinal(f);
    } else {
      throw new FormatError(`${action}: ${where} has type "${type}", expected "header", "epoch" or "final"`);
    }
  }
  if (header === null) throw new FormatError(`${action}: the file is empty, expected a "header" record`);
  return { header, epochs, final };
}

/**
 * Check that a value has the shape of eval.json and return it typed: K classes, a K × K confusion
 * matrix whose counts add up to `count`, mistakes with valid classes and indices.
 *
 * @param value Parsed JSON (or an object built by the caller).
 * @param context `action` starts every message, e.g. `Cannot read eval file "runs/x/eval.json"`.
 * @returns The same value, typed.
 * @throws {FormatError} When a field is missing or has the wrong type or range; the message names it.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseEvalResult } from "./run_files.ts";
 * const value = { weights: "w.npz", weights_sha256: "ab", count: 3, loss: 0.5, accuracy: 2 / 3,
 *   per_class: [{ label: 0, name: "0", correct: 1, total: 1, accuracy: 1 },
 *     { label: 1, name: "1", correct: 1, total: 2, accuracy: 0.5 }],
 *   confusion: [[1, 0], [1, 1]], mistakes: [{ index: 2, label: 1, predicted: 0, confidence: 0.8 }] };
 * assert.ok(parseEvalResult(value, { action: "Cannot use eval" }).count === 3);
 * ```
 */
export function parseEvalResult(value: unknown, context: { action: string }): EvalResult {
  const f = new _Fields(value, context.action, "");
  const weights = f.string("weights"), weights_sha256 = f.string("weights_sha256");
  const count = f.integer("count", 0), loss = f.numberOrNull("loss"), accuracy = f.fraction("accuracy");
  const perClassRaw = f.array("per_class");
  const k = perClassRaw.length;
  if (k === 0) {
    throw new FormatError(`${context.action}: field "per_class" is empty, expected one entry per class`);
  }
  const per_class = perClassRaw.map((entry, i) => {
    const c = new _Fields(entry, context.action, `per_class[${i}] `);
    const correct = c.integer("correct", 0), total = c.integer("total", 0);
    if (correct > total) {
      throw new FormatError(`${context.action}: per_class[${i}] has correct ${correct} over total ${total}`);
    }
    const accuracy = c.numberOrNull("accuracy");
    return { label: c.integer("label", 0, k - 1), name: c.string("name"), correct, total, accuracy };
  });
  const rows = f.array("confusion");
  if (rows.length !== k) {
    throw new FormatError(`${context.action}: field "confusion" has ${rows.length} rows, expected ${k}`);
  }
  let sum = 0;
  const confusion = rows.map((row, i) => {
    if (!Array.isArray(row) || row.length !== k) {
      throw new FormatError(
        `${context.action}: confusion row ${i} has ${
          Array.isArray(row) ? row.length : "no"
        } columns, expected ${k}`,
      );
    }
    return row.map((v, j) => {
      if (!Number.isSafeInteger(v) || v < 0) {
        throw new FormatError(
          `${context.action}: confusion[${i}][${j}] is ${JSON.stringify(v)}, expected a count`,
        );
      }
      sum += v;
      return v as number;
    });
  });
  if (sum !== count) {
    throw new FormatError(
      `${context.action}: the confusion counts add up to ${sum}, expected "count" ${count}`,
    );
  }
  const mistakes = f.array("mistakes").map((entry, i) => {
    const m = new _Fields(entry, context.action, `mistakes[${i}] `);
    return {
      index: m.integer("index", 0, Math.max(0, count - 1)),
      label: m.integer("label", 0, k - 1),
      predicted: m.integer("predicted", 0, k - 1),
      confidence: m.fraction("confidence"),
    };
  });
  return { weights, weights_sha256, count, loss, accuracy, per_class, confusion, mistakes };
}

/**
 * Check that a value has the shape of check.json and return it typed.
 *
 * @param value Parsed JSON (or an object built by the caller).
 * @param context `action` starts every message, e.g. `Cannot read check file "runs/x/check.json"`.
 * @returns The same value, typed.
 * @throws {FormatError} When a field is missing or has the wrong type or range; the message names it.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCheckResult } from "./run_files.ts";
 * const value = { weights: "w.npz", source: "images/set1", correct: 0, total: 0, results: [
 *   { file: "a.txt", expected: null, predicted: null, confidence: null, probabilities: null, top3: null,
 *     error: "not a PNG" }] };
 * assert.ok(parseCheckResult(value, { action: "Cannot use check" }).results[0].error === "not a PNG");
 * ```
 */
export function parseCheckResult(value: unknown, context: { action: string }): CheckResult {
  const f = new _Fields(value, context.action, "");
  const weights = f.string("weights"), source = f.string("source");
  // check.json of earlier versions has no weights_sha256: its weights are unknown
  const hasSha = (value as Record<string, unknown> | null)?.weights_sha256 !== undefined;
  const weightsSha = hasSha ? f.stringOrNull("weights_sha256") : null;
  const results = f.array("results").map((entry, i) => parseCheckItem(entry, i, context));
  // check --digits adds the numbers; check.json files without them read as before
  const hasNumbers = (value as Record<string, unknown>).numbers !== undefined;
  const numbers = hasNumbers
    ? f.array("numbers").map((entry, i) => parseCheckNumber(entry, i, context))
    : null;
  return {
    weights,
    weights_sha256: weightsSha,
    source,
    results,
    correct: f.integer("correct", 0),
    total: f.integer("total", 0),
    ...(numbers === null ? {} : { numbers }),
  };
}

/**
 * Check that a value has the shape of one of check.json's results and return it typed.
 *
 * @param entry The value.
 * @param i Its position, named in messages.
 * @param context `action` starts every message.
 * @returns The result.
 * @throws {FormatError} When a field is missing, of the wrong kind or out of range.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCheckItem } from "./run_files.ts";
 * const entry = { file: "x.png", expected: null, predicted: null, confidence: null, probabilities: null, top3: null, error: "not a PNG" };
 * assert.deepEqual(parseCheckItem(entry, 0, { action: "Cannot use check" }), entry);
 * ```
 */
export function parseCheckItem(entry: unknown, i: number, context: { action: string }): CheckItem {
  const r = new _Fields(entry, context.action, `results[${i}] `);
  const file = r.string("file");
  const error = r.stringOrNull("error");
  const expected = r.integerOrNull("expected", 0, 9);
  const predicted = r.integerOrNull("predicted", 0, 9);
  const confidence = r.fractionOrNull("confidence");
  const probabilities = r.fractionsOrNull("probabilities");
  const top3 = r.pairsOrNull("top3");
  if (error === null && (predicted === null || probabilities === null)) {
    throw new FormatError(
      `${context.action}: results[${i}] has no "predicted" or "probabilities" and no "error", expected one or the other`,
    );
  }
  return { file, expected, predicted, confidence, probabilities, top3, error };
}

/**
 * Check that a value has the shape of one of check.json's numbers (with `check --digits`) and return it typed.
 *
 * @param entry The value.
 * @param i Its position, named in messages.
 * @param context `action` starts every message.
 * @returns The file, and the expected and read numbers as digit strings or null.
 * @throws {FormatError} When a field is missing or not digits.
 */
export function parseCheckNumber(entry: unknown, i: number, context: { action: string }): CheckNumber {
  const n = new _Fields(entry, context.action, `numbers[${i}] `);
  const digitsOrNull = (key: string) => {
    const v = n.stringOrNull(key);
    if (v !== null && !/^\d+$/.test(v)) throw n.error(`field "${key}" is "${v}", expected digits or null`);
    return v;
  };
  return {
    file: n.string("file"),
    expected: digitsOrNull("expected"),
    number: digitsOrNull("number"),
    error: n.stringOrNull("error"),
  };
}

/**
 * The run folder that made these weights, so eval and check results land beside the model that
 * produced them: the newest run under `runsDir` whose final record in metrics.jsonl names this
 * sha256, or `<runsDir>/model-<first 12 hex digits>` for weights no run there made (the shipped
 * model in a fresh clone, a copied file). Folders without a readable metrics.jsonl are passed over.
 *
 * @param runsDir The runs folder, e.g. "runs"; it need not exist.
 * @param sha256 The weights file's sha256, lowercase hex.
 * @returns A folder path; the caller creates it when it is the model-… one.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { join } from "node:path";
 * import { runOfWeights } from "./run_files.ts";
 * const runs = await Deno.makeTempDir();
 * await Deno.mkdir(join(runs, "2026-01-01T00-00-00Z-a"));
 * await Deno.writeTextFile(join(runs, "2026-01-01T00-00-00Z-a", "metrics.jsonl"), '{"type":"final","weights_sha256":"ab12"}\n');
 * assert.equal(await runOfWeights(runs, "ab12"), join(runs, "2026-01-01T00-00-00Z-a"));
 * assert.equal(await runOfWeights(runs, "cd34ef567890ff"), join(runs, "model-cd34ef567890"));
 * await Deno.remove(runs, { recursive: true });
 * ```
 */
export async function runOfWeights(runsDir: string, sha256: string): Promise<string> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(runsDir)) if (entry.isDirectory) names.push(entry.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  // run folders are named by their start time, so the newest sorts last
  for (const name of names.sort().reverse()) {
    const text = await _readText(join(runsDir, name, RUN_FILES.metrics), "metrics log")
      .catch(() => null);
    const last = text?.trimEnd().split("\n").at(-1);
    if (!last) continue;
    try {
      const record = JSON.parse(last);
      if (record?.type === "final" && record.weights_sha256 === sha256) return join(runsDir, name);
    } catch {
      // a torn or foreign file says nothing about these weights
    }
  }
  return join(runsDir, `model-${sha256.slice(0, 12)}`);
}

/**
 * Find the newest run: `<runsDir>/LATEST` holds the name of its folder (written by train).
 *
 * @param runsDir The runs folder, e.g. "runs".
 * @returns The run folder's path, `<runsDir>/<name>`.
 * @throws {InputFileError} When LATEST or the folder it names does not exist.
 * @throws {FormatError} When LATEST does not hold a plain folder name.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { join } from "node:path";
 * import { latestRun } from "./run_files.ts";
 * const runs = await Deno.makeTempDir();
 * await Deno.mkdir(join(runs, "first"));
 * await Deno.writeTextFile(join(runs, "LATEST"), "first\n");
 * assert.ok(await latestRun(runs) === join(runs, "first"));
 * await Deno.remove(runs, { recursive: true });
 * ```
 */
export async function latestRun(runsDir: string): Promise<string> {
  const path = join(runsDir, LATEST_FILE);
  const text = await _readText(path, "latest-run file", 4096);
  if (text === null) throw new InputFileError(`Cannot find the latest run: "${path}" does not exist`);
  const name = text.trim();
  if (name === "" || name === "." || name === ".." || /[\\/\n\r\0]/.test(name)) {
    throw new FormatError(
      `Cannot find the latest run: "${path}" holds ${
        JSON.stringify(text.slice(0, 80))
      }, expected a run folder name`,
    );
  }
  const dir = join(runsDir, name);
  let info: Deno.FileInfo | null = null;
  try {
    info = await Deno.stat(dir);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (info === null || !info.isDirectory) {
    throw new InputFileError(
      `Cannot find the latest run: "${path}" names "${name}", but "${dir}" is not a folder`,
    );
  }
  return dir;
}

/**
 * Write the training pictures of a run: curves.svg, the loss chart and the accuracy chart side by
 * side (train vs validation per epoch).
 *
 * @param runDir The run folder (must exist).
 * @param records The run's records; only the epoch records are used.
 * @returns The paths written.
 * @throws {FormatError} When an epoch record is malformed or out of order.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { join } from "node:path";
 * import { writeTrainPictures } from "./run_files.ts";
 * const dir = await Deno.makeTempDir();
 * const epoch = { type: "epoch", epoch: 1, learning_rate: 0.1, train_loss: 0.5, train_accuracy: 0.8,
 *   val_loss: 0.4, val_accuracy: 0.85, seconds: 1, samples_per_second: 1000 };
 * const [path] = await writeTrainPictures(dir, [epoch]);
 * assert.ok(path === join(dir, "curves.svg"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeTrainPictures(
  runDir: string,
  records: readonly { readonly type: string }[],
): Promise<string[]> {
  const action = "Cannot draw training curves";
  const epochs = records.filter((r) => r?.type === "epoch").map((r, i) => {
    const epoch = _parseEpoch(new _Fields(r, action, `epoch record ${i} `));
    if (epoch.epoch !== i + 1) {
      throw new FormatError(`${action}: epoch record ${i} is epoch ${epoch.epoch}, expected epoch ${i + 1}`);
    }
    return epoch;
  });
  const { loss, accuracy } = trainingCurvesSvgs(epochs);
  const path = join(runDir, RUN_FILES.curves);
  await writeFileAtomic(path, sideBySideSvg([loss, accuracy], 24));
  return [path];
}

/**
 * Write the evaluation of a run: confusion.svg, per_class.svg, mistakes.png (the most confident
 * mistakes, in eval order, red borders) and eval.json itself (written last).
 *
 * @param runDir The run folder (must exist).
 * @param evalResult What eval measured, in the eval.json format.
 * @param testPixels The test images the mistakes index into, (N, 784) bytes.
 * @returns The paths written.
 * @throws {FormatError} When the result does not have the eval.json shape.
 * @throws {ShapeError} When testPixels is not a whole number of 784-byte images.
 * @throws {LimitError} When a mistake's index is beyond the test images.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeEvalPictures } from "./run_files.ts";
 * const dir = await Deno.makeTempDir();
 * const result = { weights: "w.npz", weights_sha256: "ab", count: 2, loss: 0.5, accuracy: 0.5,
 *   per_class: [{ label: 0, name: "0", correct: 1, total: 1, accuracy: 1 },
 *     { label: 1, name: "1", correct: 0, total: 1, accuracy: 0 }],
 *   confusion: [[1, 0], [1, 0]], mistakes: [{ index: 1, label: 1, predicted: 0, confidence: 0.9 }] };
 * const paths = await writeEvalPictures(dir, result, new Uint8Array(2 * 784));
 * assert.ok(paths.length === 4 && paths[3].endsWith("eval.json"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeEvalPictures(
  runDir: string,
  evalResult: EvalResult,
  testPixels: Uint8Array,
): Promise<string[]> {
  const action = "Cannot write evaluation pictures";
  const result = parseEvalResult(evalResult, { action });
  if (!(testPixels instanceof Uint8Array) || testPixels.length % DIGIT_PIXELS !== 0) {
    throw new ShapeError(
      `${action}: the test images hold ${testPixels?.length} bytes, expected a multiple of ${DIGIT_PIXELS}`,
    );
  }
  const n = testPixels.length / DIGIT_PIXELS;
  result.mistakes.forEach((m, i) => {
    if (m.index >= n) {
      throw new LimitError(`${action}: mistakes[${i}] has index ${m.index}, but there are ${n} test images`);
    }
  });
  const names = result.per_class.map((c) => c.name);
  const written: string[] = [];
  const write = async (name: string, data: string | Uint8Array) => {
    const path = join(runDir, name);
    await writeFileAtomic(path, data);
    written.push(path);
  };
  await write(RUN_FILES.confusion, confusionMatrixSvg(result.confusion, names));
  await write(RUN_FILES.perClass, perClassBarsSvg(result.per_class));
  const tiles = result.mistakes.map((m) => ({
    pixels: testPixels.subarray(m.index * DIGIT_PIXELS, (m.index + 1) * DIGIT_PIXELS),
    border: WRONG,
  }));
  await write(RUN_FILES.mistakes, digitGalleryPng(tiles).png);
  await write(RUN_FILES.eval, prettyJson(result) + "\n");
  return written;
}

/**
 * Write what check read: check.json first (so the reads are kept even when a picture cannot be
 * made), then the pictures ({@linkcode writeCheckPictures}). For a check of a few files held whole;
 * a streamed check writes check.json as it goes (CheckJsonFile) and then its pictures.
 *
 * @param runDir The run folder (must exist).
 * @param checkResult What check read, in the check.json format.
 * @param images The decoded file and the network's input of each result (null when the file could
 *   not be read), one entry per result.
 * @returns The paths written.
 * @throws {FormatError} When the result does not have the check.json shape.
 * @throws {ShapeError} When the image list does not match the results, a shown row has no images, or
 *   an image is malformed.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeCheckSheet } from "./run_files.ts";
 * const dir = await Deno.makeTempDir();
 * const probabilities = [0, 0, 0, 0.98, 0, 0.02, 0, 0, 0, 0];
 * const result = { weights: "w.npz", weights_sha256: null, source: "images", correct: 1, total: 1, results: [
 *   { file: "images/3.png", expected: 3, predicted: 3, confidence: 0.98, probabilities,
 *     top3: [[3, 0.98], [5, 0.02], [0, 0]] as [number, number][], error: null }] };
 * const original = { width: 40, height: 40, gray: new Float32Array(1600).fill(1) };
 * const paths = await writeCheckSheet(dir, result, [{ original, input: new Float32Array(784) }]);
 * assert.ok(paths.length === 3 && paths[0].endsWith("check.json"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeCheckSheet(
  runDir: string,
  checkResult: CheckResult,
  images: readonly (CheckImages | null)[],
): Promise<string[]> {
  const action = "Cannot write check sheet";
  const result = parseCheckResult(checkResult, { action });
  if (images.length !== result.results.length) {
    throw new ShapeError(
      `${action}: ${images.length} image pairs for ${result.results.length} results, expected one per result`,
    );
  }
  const path = join(runDir, RUN_FILES.check);
  await writeFileAtomic(path, prettyJson(result) + "\n");
  const pictures = new Map<number, CheckImages>();
  images.forEach((pair, i) => pair && pictures.set(i, pair));
  return [path, ...await writeCheckPictures(runDir, checkSheetOf(result), pictures)];
}

/**
 * Draw a check's pictures beside its check.json: check_sheet.png (each shown file's thumbnail
 * beside the 28 × 28 input the network saw) and check_sheet.html (a summary, then those files with
 * their predictions and probability bars). An older sheet is removed first, since it would describe
 * other reads. Only the sheet's rows get pictures, so both files stay small for 10,000 files; the
 * report shows the same rows.
 *
 * @param runDir The run folder (must exist).
 * @param sheet What the sheet shows ({@linkcode CheckSheetBuilder} or {@linkcode checkSheetOf}).
 * @param images The decoded file and the network's input of at least every row the sheet shows, by
 *   the row's index in the check's results.
 * @returns The paths written.
 * @throws {ShapeError} When a shown row has no images, or an image is malformed.
 */
export async function writeCheckPictures(
  runDir: string,
  sheet: CheckSheet,
  images: ReadonlyMap<number, CheckImages>,
): Promise<string[]> {
  const written: string[] = [];
  const write = async (name: string, data: string | Uint8Array) => {
    const path = join(runDir, name);
    await writeFileAtomic(path, data);
    written.push(path);
  };
  for (const name of [RUN_FILES.checkSheetPng, RUN_FILES.checkSheetHtml]) {
    await Deno.remove(join(runDir, name)).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
  const shown = [...sheet.worst, ...sheet.rest];
  const items = shown.map(({ index }) => {
    const pair = images.get(index);
    if (!pair) {
      throw new ShapeError(
        `Cannot write check sheet: result ${index} is shown on the sheet but has no images`,
      );
    }
    return pair;
  });
  const verdicts = shown.map(({ item: r }) =>
    r.expected === null || r.predicted === null ? null : r.expected === r.predicted
  );
  const cells = checkSheetCells(items, verdicts);
  const picture = gridPng(cells, CHECK_GRID);
  await write(RUN_FILES.checkSheetPng, picture.png);
  const tiles = gridCellPngs(cells, CHECK_GRID); // the same pictures the report cuts from the sheet
  await write(RUN_FILES.checkSheetHtml, buildCheckSheetHtml(sheet, picture.png, basename(runDir), tiles));
  return written;
}

/**
 * JSON with two-space indents, but every array of plain values (numbers, strings, null) and every
 * short array or object of those on one line, so a 10 × 10 matrix reads as 10 rows.
 *
 * @param value Any JSON-compatible value.
 * @param indent The indent of the line the value starts on, when it is nested in other JSON text.
 * @returns The JSON text (no trailing newline).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { prettyJson } from "./run_files.ts";
 * assert.ok(prettyJson({ a: [1, 2], b: { c: null } }) === '{\n  "a": [1, 2],\n  "b": {"c": null}\n}');
 * ```
 */
export function prettyJson(value: unknown, indent = ""): string {
  return _pretty(value, indent);
}

function _pretty(value: unknown, indent: string): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  const inner = indent + "  ";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    // only arrays of plain values, or of flat arrays, may go on one line: build that line only for them
    const plain = value.every((v) => v === null || typeof v !== "object");
    if (plain || value.every(_isFlat)) {
      const inline = `[${value.map(_inline).join(", ")}]`;
      if (plain || inline.length + indent.length <= 100) return inline;
    }
    return `[\n${value.map((v) => inner + _pretty(v, inner)).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return "{}";
  if (entries.every(([, v]) => _isFlat(v))) {
    const flat = `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${_inline(v)}`).join(", ")}}`;
    if (flat.length + indent.length <= 100) return flat;
  }
  return `{\n${
    entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${_pretty(v, inner)}`).join(",\n")
  }\n${indent}}`;
}

/** A plain value (number, string, boolean, null), or an array of plain values. */
function _isFlat(v: unknown): boolean {
  if (v === null || typeof v !== "object") return true;
  return Array.isArray(v) && v.every((x) => x === null || typeof x !== "object");
}

function _inline(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(_inline).join(", ")}]`;
  return JSON.stringify(v) ?? "null";
}

function _parseHeader(f: _Fields): RunHeader {
  const version = f.integer("version", 0);
  if (version !== 1) throw f.error(`field "version" is ${version}, expected 1`);
  const datasets: Record<string, { path: string; sha256: string }> = {};
  for (const [key, entry] of Object.entries(f.object("datasets"))) {
    const d = new _Fields(entry, f.action, `${f.where}dataset "${key}" `);
    datasets[key] = { path: d.string("path"), sha256: d.string("sha256") };
  }
  return {
    type: "header",
    version: 1,
    started: f.string("started"),
    deno: f.string("deno"),
    config: f.object("config"),
    config_path: f.string("config_path"),
    seed: f.integer("seed", 0),
    datasets,
  };
}

function _parseEpoch(f: _Fields): RunEpoch {
  return {
    type: "epoch",
    epoch: f.integer("epoch", 1),
    learning_rate: f.number("learning_rate"),
    train_loss: f.numberOrNull("train_loss"),
    train_accuracy: f.fractionOrNull("train_accuracy"),
    val_loss: f.numberOrNull("val_loss"),
    val_accuracy: f.fractionOrNull("val_accuracy"),
    seconds: f.number("seconds"),
    samples_per_second: f.numberOrNull("samples_per_second"),
  };
}

function _parseFinal(f: _Fields): RunFinal {
  const status = f.string("status");
  if (!(_STATUSES as readonly string[]).includes(status)) {
    throw f.error(`field "status" is "${status}", expected "completed", "interrupted" or "diverged"`);
  }
  const message = f.optionalString("message");
  return {
    type: "final",
    status: status as RunFinal["status"],
    test_loss: f.numberOrNull("test_loss"),
    test_accuracy: f.fractionOrNull("test_accuracy"),
    weights: f.stringOrNull("weights"),
    weights_sha256: f.stringOrNull("weights_sha256"),
    seconds: f.number("seconds"),
    ...(message === undefined ? {} : { message }),
  };
}

/** Typed access to the fields of a JSON object; every failure is a FormatError naming the field. */
class _Fields {
  readonly #o: Record<string, unknown>;
  /**
   * @param value The parsed JSON value; it must be an object.
   * @param action Start of every message, e.g. `Cannot read metrics file "x"`.
   * @param where Where the object is, e.g. "line 3 " (with its trailing space) or "".
   */
  constructor(value: unknown, readonly action: string, readonly where: string) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      const at = where.trim();
      throw new FormatError(
        `${action}: ${at ? `${at} is` : "the file holds"} ${_kind(value)}, expected an object`,
      );
    }
    this.#o = value as Record<string, unknown>;
    this.where = where && !where.endsWith(" ") ? `${where} ` : where;
  }

  error(state: string): FormatError {
    return new FormatError(`${this.action}: ${this.where}${state}`);
  }

  #get(key: string): unknown {
    if (!(key in this.#o)) throw this.error(`has no field "${key}"`);
    return this.#o[key];
  }

  #bad(key: string, value: unknown, expected: string): FormatError {
    return this.error(`field "${key}" is ${_show(value)}, expected ${expected}`);
  }

  string(key: string): string {
    const v = this.#get(key);
    if (typeof v !== "string") throw this.#bad(key, v, "a string");
    return v;
  }

  stringOrNull(key: string): string | null {
    const v = this.#get(key);
    if (v !== null && typeof v !== "string") throw this.#bad(key, v, "a string or null");
    return v;
  }

  optionalString(key: string): string | undefined {
    if (!(key in this.#o) || this.#o[key] === undefined) return undefined;
    return this.string(key);
  }

  number(key: string): number {
    const v = this.#get(key);
    if (typeof v !== "number" || !Number.isFinite(v)) throw this.#bad(key, v, "a number");
    return v;
  }

  numberOrNull(key: string): number | null {
    const v = this.#get(key);
    if (v !== null && (typeof v !== "number" || !Number.isFinite(v))) {
      throw this.#bad(key, v, "a number or null");
    }
    return v;
  }

  fraction(key: string): number {
    const v = this.#get(key);
    if (typeof v !== "number" || !(v >= 0 && v <= 1)) throw this.#bad(key, v, "a number in [0, 1]");
    return v;
  }

  fractionOrNull(key: string): number | null {
    const v = this.#get(key);
    if (v !== null && (typeof v !== "number" || !(v >= 0 && v <= 1))) {
      throw this.#bad(key, v, "a number in [0, 1] or null");
    }
    return v;
  }

  integer(key: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.#get(key);
    if (!Number.isSafeInteger(v) || (v as number) < min || (v as number) > max) {
      throw this.#bad(key, v, _range(min, max));
    }
    return v as number;
  }

  integerOrNull(key: string, min: number, max: number): number | null {
    const v = this.#get(key);
    if (v === null) return null;
    if (!Number.isSafeInteger(v) || (v as number) < min || (v as number) > max) {
      throw this.#bad(key, v, `${_range(min, max)} or null`);
    }
    return v as number;
  }

  object(key: string): Record<string, unknown> {
    const v = this.#get(key);
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw this.#bad(key, v, "an object");
    return v as Record<string, unknown>;
  }

  array(key: string): unknown[] {
    const v = this.#get(key);
    if (!Array.isArray(v)) throw this.#bad(key, v, "an array");
    return v;
  }

  fractionsOrNull(key: string): number[] | null {
    const v = this.#get(key);
    if (v === null) return null;
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === "number" && x >= 0 && x <= 1)) {
      throw this.#bad(key, v, "an array of numbers in [0, 1] or null");
    }
    return v;
  }

  pairsOrNull(key: string): [number, number][] | null {
    const v = this.#get(key);
    if (v === null) return null;
    const ok = Array.isArray(v) &&
      v.every((p) =>
        Array.isArray(p) && p.length === 2 && Number.isSafeInteger(p[0]) && typeof p[1] === "number" &&
        p[1] >= 0 && p[1] <= 1
      );
    if (!ok) throw this.#bad(key, v, "an array of [class, probability] pairs or null");
    return v as [number, number][];
  }
}

function _range(min: number, max: number): string {
  return max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in [${min}, ${max}]`;
}

function _kind(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "an array" : `a ${typeof v}`;
}

/** A short rendering of a bad value for a message. */
function _show(v: unknown): string {
  if (v === undefined) return "missing";
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function _parseJson(text: string, action: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FormatError(`${action}: it is not valid JSON (${(error as Error).message})`);
  }
}

/** Read a text file, or null when it does not exist; caps its size. */
async function _readText(path: string, what: string, cap = _MAX_TEXT_BYTES): Promise<string | null> {
  const bytes = await _readCapped(path, what, cap);
  if (bytes === null) return null;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new FormatError(`Cannot read ${what} "${path}": it is not valid UTF-8 text`);
  }
}

async function _readBytes(path: string): Promise<Uint8Array | null> {
  return await _readCapped(path, "picture", _MAX_PNG_BYTES);
}

async function _readCapped(path: string, what: string, cap: number): Promise<Uint8Array | null> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    if (error instanceof Deno.errors.NotCapable) throw error;
    throw new InputFileError(`Cannot read ${what} "${path}": ${(error as Error).message}`);
  }
  if (!info.isFile) throw new InputFileError(`Cannot read ${what} "${path}": it is not a file`);
  if (info.size > cap) {
    throw new LimitError(`Cannot read ${what} "${path}": it is ${info.size} bytes, over the limit of ${cap}`);
  }
  try {
    return await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error;
    throw new InputFileError(`Cannot read ${what} "${path}": ${(error as Error).message}`);
  }
}
