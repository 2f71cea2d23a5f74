/**
 * The metrics log of a run: JSON Lines, one record per line — a header, one record per epoch, and a
 * final record. Every write replaces the whole file atomically, so a reader never sees a torn line.
 *
 * @module
 */

import { writeFileAtomic } from "../base/atomic_write.ts";
import type { EpochRecord } from "./train.ts";

/** First line: what was run, on what. */
export interface HeaderRecord {
  readonly type: "header";
  readonly version: 1;
  /** ISO 8601 time the run started. */
  readonly started: string;
  /** Deno version that ran it. */
  readonly deno: string;
  /** The effective configuration, as a plain object. */
  readonly config: Record<string, unknown>;
  readonly config_path: string;
  readonly seed: number;
  /** Each dataset file used, with its SHA-256. */
  readonly datasets: Record<string, { readonly path: string; readonly sha256: string }>;
}

/** Last line: how the run ended. Missing when the process was killed. */
export interface FinalRecord {
  readonly type: "final";
  readonly status: "completed" | "interrupted" | "diverged";
  /** Null unless the run completed. */
  readonly test_loss: number | null;
  readonly test_accuracy: number | null;
  readonly weights: string | null;
  readonly weights_sha256: string | null;
  readonly seconds: number;
  /** Why the run stopped early, when it did. */
  readonly message?: string;
}

/** Any line of the log. */
export type MetricsRecord = HeaderRecord | EpochRecord | FinalRecord;

/** A metrics log being written. */
export class MetricsLog {
  readonly path: string;
  #lines: string[];

  /**
   * @param path The .jsonl file.
   * @param existing Records already in the file (when resuming a run).
   */
  constructor(path: string, existing: MetricsRecord[] = []) {
    this.path = path;
    this.#lines = existing.map((r) => JSON.stringify(r));
  }

  /** Append a record and rewrite the file atomically. */
  async append(record: MetricsRecord): Promise<void> {
    this.#lines.push(JSON.stringify(record));
    await writeFileAtomic(this.path, this.#lines.join("\n") + "\n");
  }
}
