/**
 * check.json written while a check runs, a result at a time, so a check of 10,000 files never holds
 * its results or the whole file in memory. The text is exactly what {@linkcode prettyJson} prints for
 * the whole check; it goes to a temporary file in the run folder and is renamed over check.json only
 * when the check ends, so a reader never sees half a file and a failed check leaves the old one.
 *
 * @module
 */

import { join } from "node:path";
import { temporaryPathBeside } from "../base/atomic_write.ts";
import { ShapeError } from "../base/errors.ts";
import type { CheckItem, CheckNumber, CheckResult } from "./run.ts";
import { parseCheckItem, parseCheckNumber, parseCheckResult, prettyJson, RUN_FILES } from "./run_files.ts";

/** What check.json says before its results. */
export type CheckJsonHead = Pick<CheckResult, "weights" | "weights_sha256" | "source">;

/**
 * check.json of a streamed check: open it, add each result (and with `check --digits` each number)
 * as it is known, then commit it with the counts, or discard it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { join } from "node:path";
 * import { CheckJsonFile } from "./check_json_file.ts";
 * import { prettyJson } from "./run_files.ts";
 * const dir = await Deno.makeTempDir();
 * const head = { weights: "w.npz", weights_sha256: null, source: "images/set1" };
 * const item = { file: "x.png", expected: null, predicted: null, confidence: null, probabilities: null, top3: null, error: "not a PNG" };
 * const file = CheckJsonFile.create(dir, head);
 * file.add(item);
 * await file.commit(0, 0);
 * const text = await Deno.readTextFile(join(dir, "check.json"));
 * assert.equal(text, prettyJson({ ...head, results: [item], correct: 0, total: 0 }) + "\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class CheckJsonFile {
  #path: string;
  #head: CheckJsonHead;
  #results: _TempText;
  #numbers: _TempText | null;
  #resultCount = 0;
  #numberCount = 0;

  private constructor(path: string, head: CheckJsonHead, numbers: boolean) {
    this.#path = path;
    this.#head = head;
    this.#results = new _TempText(path, "");
    try {
      this.#numbers = numbers ? new _TempText(path, "numbers.") : null;
    } catch (error) {
      this.#results.remove();
      throw error;
    }
    const lines = Object.entries(head).map(([k, v]) => `  ${JSON.stringify(k)}: ${prettyJson(v, "  ")}`);
    this.#results.write(`{\n${lines.join(",\n")},\n  "results": [`);
  }

  /**
   * Start check.json in a run folder: nothing replaces the folder's check.json until {@linkcode commit}.
   *
   * @param runDir The run folder (must exist).
   * @param head The weights and the source.
   * @param options `numbers`: the check reads whole numbers (`check --digits`), so check.json ends with them.
   * @returns The open file.
   * @throws {FormatError} When the head does not have check.json's shape.
   */
  static create(runDir: string, head: CheckJsonHead, options: { numbers?: boolean } = {}): CheckJsonFile {
    const checked = parseCheckResult({ ...head, results: [], correct: 0, total: 0 }, { action: _ACTION });
    const { weights, weights_sha256, source } = checked;
    return new CheckJsonFile(
      join(runDir, RUN_FILES.check),
      { weights, weights_sha256, source },
      !!options.numbers,
    );
  }

  /**
   * Add the next result.
   *
   * @param item The result.
   * @throws {FormatError} When it does not have the shape of check.json's results.
   */
  add(item: CheckItem): void {
    const checked = parseCheckItem(item, this.#resultCount, { action: _ACTION });
    this.#results.write(`${this.#resultCount++ === 0 ? "" : ","}\n    ${prettyJson(checked, "    ")}`);
  }

  /**
   * Add the next whole number (only for a file created with `numbers`).
   *
   * @param number The number.
   * @throws {FormatError} When it does not have the shape of check.json's numbers.
   * @throws {ShapeError} When the file holds no numbers.
   */
  addNumber(number: CheckNumber): void {
    if (this.#numbers === null) throw new ShapeError(`${_ACTION}: it was created without numbers`);
    const checked = parseCheckNumber(number, this.#numberCount, { action: _ACTION });
    this.#numbers.write(`${this.#numberCount++ === 0 ? "" : ","}\n    ${prettyJson(checked, "    ")}`);
  }

  /**
   * Finish check.json with the counts and put it in place of the run folder's check.json.
   *
   * @param correct Labelled files read as their digit.
   * @param total Labelled files.
   * @returns The path of check.json.
   * @throws {FormatError} When a count is not a whole number of at least 0.
   */
  async commit(correct: number, total: number): Promise<string> {
    try {
      const numbers = this.#numbers === null ? {} : { numbers: [] };
      parseCheckResult({ ...this.#head, results: [], correct, total, ...numbers }, { action: _ACTION });
      if (this.#resultCount === 0 && this.#numberCount === 0) {
        // short enough that prettyJson may print it on one line: print it whole
        this.#results.reset(prettyJson({ ...this.#head, results: [], correct, total, ...numbers }) + "\n");
      } else {
        const close = (count: number) => count === 0 ? "]" : "\n  ]";
        this.#results.write(`${close(this.#resultCount)},\n  "correct": ${correct},\n  "total": ${total}`);
        if (this.#numbers !== null) {
          this.#results.write(`,\n  "numbers": [`);
          this.#numbers.copyTo(this.#results);
          this.#results.write(close(this.#numberCount));
        }
        this.#results.write("\n}\n");
      }
      await this.#results.commit();
      return this.#path;
    } finally {
      this.discard();
    }
  }

  /** Drop what was written and leave the run folder's check.json as it was; safe to call twice. */
  discard(): void {
    this.#results.remove();
    this.#numbers?.remove();
  }
}

const _ACTION = "Cannot write check.json";

/** Text written in large pieces to a temporary file beside `path`. */
class _TempText {
  #path: string;
  #tmp: string;
  #file: Deno.FsFile | null;
  #parts: string[] = [];
  #size = 0;
  #encoder = new TextEncoder();

  constructor(path: string, kind: string) {
    this.#path = path;
    this.#tmp = temporaryPathBeside(path, kind);
    this.#file = Deno.openSync(this.#tmp, { read: true, write: true, createNew: true });
  }

  write(text: string): void {
    this.#parts.push(text);
    this.#size += text.length;
    if (this.#size >= 1 << 16) this.#flush();
  }

  /** Replace everything written with `text`. */
  reset(text: string): void {
    this.#parts = [text];
    this.#size = text.length;
    this.#open().truncateSync(0);
    this.#open().seekSync(0, Deno.SeekMode.Start);
  }

  /** Append this file's text to another. */
  copyTo(other: _TempText): void {
    this.#flush();
    other.#flush();
    const from = this.#open(), to = other.#open();
    from.seekSync(0, Deno.SeekMode.Start);
    const buffer = new Uint8Array(1 << 16);
    for (let n = from.readSync(buffer); n !== null; n = from.readSync(buffer)) {
      _writeAll(to, buffer.subarray(0, n));
    }
  }

  /** Flush to disk and rename over `path`. */
  async commit(): Promise<void> {
    this.#flush();
    const file = this.#open();
    await file.sync();
    file.close();
    this.#file = null;
    await Deno.rename(this.#tmp, this.#path).catch(async (error) => {
      await Deno.remove(this.#tmp).catch(() => {});
      throw error;
    });
  }

  /** Close and delete the temporary file, if it is still there. */
  remove(): void {
    if (this.#file === null) return;
    this.#file.close();
    this.#file = null;
    try {
      Deno.removeSync(this.#tmp);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }

  #open(): Deno.FsFile {
    if (this.#file === null) throw new ShapeError(`${_ACTION}: "${this.#path}" is already closed`);
    return this.#file;
  }

  #flush(): void {
    if (this.#parts.length === 0) return;
    _writeAll(this.#open(), this.#encoder.encode(this.#parts.join("")));
    this.#parts = [];
    this.#size = 0;
  }
}

function _writeAll(file: Deno.FsFile, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length;) done += file.writeSync(bytes.subarray(done));
}
