/**
 * Read many image files on several cores and hand them back in the order asked: a pool of workers
 * (core/check/_read_worker.ts) decodes and preprocesses files while the caller predicts and prints
 * the ones before. A bounded number of files is in flight at any time, so memory does not grow with
 * the number of files, and the order of results never depends on the number of workers.
 *
 * @module
 */

import { isProjectError, LimitError } from "../base/errors.ts";
import { type DigitFile, type NumberDigitFile, readDigitFile, readNumberFile } from "./read_digit.ts";

/** Most workers a reader may start. */
export const MAX_READ_WORKERS = 16;
/** Files in flight per worker: enough to keep it busy while the caller works. */
export const JOBS_PER_WORKER = 4;

/** A message to a worker: read this file. */
export interface ReadJob {
  readonly id: number;
  readonly path: string;
  /** Read the file as a whole number (readNumberFile), not as one digit. */
  readonly digits: boolean;
}

/** A worker's answer. */
export interface ReadReply {
  readonly id: number;
  readonly digit: DigitFile | null;
  /** The digits of a number file (a job with digits: true); null otherwise. */
  readonly number: readonly NumberDigitFile[] | null;
  /** The error's class name and message; known is true for the project's own error classes. */
  readonly error: { readonly name: string; readonly message: string; readonly known: boolean } | null;
}

/** One file, read or not. */
export interface DigitRead {
  /** Its position in the list given. */
  readonly index: number;
  /** Its path, as given. */
  readonly path: string;
  /** The input and thumbnail; null when the file could not be read, or was read as a number. */
  readonly digit: DigitFile | null;
  /** The digits, left to right, when the file was read as a number; null or absent otherwise. */
  readonly number?: readonly NumberDigitFile[] | null;
  /** Why it could not be read (one line); null when it was read. */
  readonly error: string | null;
}

/**
 * Reads files on worker threads (or on the calling thread with 0 workers), results in order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DigitReader } from "./digit_reader.ts";
 * const reader = new DigitReader(0);
 * const reads = await Array.fromAsync(reader.readAll(["no/such/file.png"]));
 * assert.ok(reads[0].digit === null && reads[0].error!.includes("no/such/file.png"));
 * reader.dispose();
 * ```
 */
export class DigitReader {
  #workers: Worker[] = [];
  #inFlight: number[] = [];
  #waiting = new Map<number, { resolve: (reply: ReadReply) => void; reject: (error: Error) => void }>();
  #failure: Error | null = null;
  #digits: boolean;

  /**
   * @param workers Worker threads, 0 to {@linkcode MAX_READ_WORKERS}; 0 reads on the calling thread.
   * @param options digits: read every file as a whole number, split into its digits (`--digits`).
   * @throws {LimitError} When the count is out of range.
   */
  constructor(workers: number, options: { readonly digits?: boolean } = {}) {
    this.#digits = options.digits === true;
    if (!Number.isInteger(workers) || workers < 0 || workers > MAX_READ_WORKERS) {
      throw new LimitError(
        `Cannot start the file readers: ${workers} workers asked for, expected an integer in [0, ${MAX_READ_WORKERS}]`,
      );
    }
    for (let w = 0; w < workers; w++) {
      const worker = new Worker(new URL("./_read_worker.ts", import.meta.url), { type: "module" });
      worker.onmessage = (event: MessageEvent<ReadReply>) => {
        this.#inFlight[w]--;
        const waiting = this.#waiting.get(event.data.id);
        this.#waiting.delete(event.data.id);
        waiting?.resolve(event.data);
      };
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        this.#fail(new Error(`Cannot read files: a reader worker stopped: ${event.message}`));
      };
      this.#workers.push(worker);
      this.#inFlight.push(0);
    }
  }

  /**
   * Read the files, yielding one result per path in the order given. Files that cannot be read
   * (missing, not an image, blank, over a limit) yield their one-line message; only a bug throws.
   *
   * @param paths The files.
   */
  async *readAll(paths: readonly string[]): AsyncGenerator<DigitRead> {
    if (this.#workers.length === 0) {
      for (let i = 0; i < paths.length; i++) yield await _readHere(i, paths[i], this.#digits);
      return;
    }
    const window = this.#workers.length * JOBS_PER_WORKER;
    const replies = new Map<number, Promise<ReadReply>>();
    let sent = 0;
    for (let i = 0; i < paths.length; i++) {
      while (sent < paths.length && sent < i + window) {
        replies.set(sent, this.#send(sent, paths[sent]));
        sent++;
      }
      const reply = await replies.get(i)!;
      replies.delete(i);
      yield _toRead(i, paths[i], reply);
    }
  }

  /** Stop the workers. */
  dispose(): void {
    for (const worker of this.#workers) worker.terminate();
    this.#workers = [];
    this.#fail(new Error("Cannot read files: the reader is disposed"));
  }

  #send(id: number, path: string): Promise<ReadReply> {
    if (this.#failure) return Promise.reject(this.#failure);
    let w = 0;
    for (let k = 1; k < this.#workers.length; k++) if (this.#inFlight[k] < this.#inFlight[w]) w = k;
    this.#inFlight[w]++;
    const reply = new Promise<ReadReply>((resolve, reject) => this.#waiting.set(id, { resolve, reject }));
    reply.catch(() => {}); // a reply nobody awaits any more (the caller stopped early) must not crash
    this.#workers[w].postMessage({ id, path, digits: this.#digits } satisfies ReadJob);
    return reply;
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const { reject } of this.#waiting.values()) reject(error);
    this.#waiting.clear();
  }
}

async function _readHere(index: number, path: string, digits: boolean): Promise<DigitRead> {
  try {
    if (digits) return { index, path, digit: null, number: await readNumberFile(path), error: null };
    return { index, path, digit: await readDigitFile(path), error: null };
  } catch (error) {
    if (!isProjectError(error)) throw error;
    return { index, path, digit: null, error: error.message };
  }
}

function _toRead(index: number, path: string, reply: ReadReply): DigitRead {
  if (reply.error === null) return { index, path, digit: reply.digit, number: reply.number, error: null };
  if (!reply.error.known) {
    throw new Error(`Cannot read "${path}" in a reader worker: ${reply.error.name}: ${reply.error.message}`);
  }
  return { index, path, digit: null, error: reply.error.message };
}
