/**
 * Training progress on the terminal: a live bar with ETA, samples/s and running loss when stdout is a
 * terminal, otherwise one plain line per epoch (for CI logs).
 *
 * @module
 */

import type { EpochRecord } from "../core/training/train.ts";

const _BAR = 24;

/** Prints training progress. */
export class ProgressLine {
  #quiet: boolean;
  #epochs: number;
  #live: boolean;
  #epochStart = performance.now();
  #lastEpoch = -1;
  #lastDraw = 0;
  #encoder = new TextEncoder();

  /**
   * @param quiet Print nothing but per-epoch lines are also silenced.
   * @param epochs Total epochs, for the "epoch e/E" label.
   */
  constructor(quiet: boolean, epochs: number) {
    this.#quiet = quiet;
    this.#epochs = epochs;
    this.#live = !quiet && Deno.stdout.isTerminal();
  }

  /** Redraw the live bar (at most 10 times a second). */
  update(epoch: number, done: number, total: number, loss: number): void {
    if (epoch !== this.#lastEpoch) {
      this.#lastEpoch = epoch;
      this.#epochStart = performance.now();
    }
    if (!this.#live) return;
    const now = performance.now();
    if (now - this.#lastDraw < 100 && done < total) return;
    this.#lastDraw = now;
    const elapsed = (now - this.#epochStart) / 1000;
    const rate = done / Math.max(elapsed, 1e-9);
    const eta = (total - done) / rate;
    const filled = Math.round(_BAR * done / total);
    const bar = "█".repeat(filled) + "░".repeat(_BAR - filled);
    const line = `epoch ${epoch + 1}/${this.#epochs} ${bar} ${Math.round(100 * done / total)}%  ` +
      `${_thousands(rate)} samples/s  loss ${loss.toFixed(4)}  ETA ${eta.toFixed(0)} s`;
    Deno.stdout.writeSync(this.#encoder.encode(`\r\x1b[2K${line}`));
  }

  /** Print the summary line of a finished epoch. */
  epochDone(r: EpochRecord): void {
    if (this.#quiet) return;
    this.clear();
    const val = r.val_accuracy === null
      ? ""
      : `  val loss ${r.val_loss!.toFixed(4)} acc ${_pct(r.val_accuracy)}`;
    console.log(
      `epoch ${String(r.epoch).padStart(String(this.#epochs).length)}/${this.#epochs}  ` +
        `lr ${r.learning_rate.toPrecision(3)}  train loss ${r.train_loss.toFixed(4)} acc ${
          _pct(r.train_accuracy)
        }` +
        `${val}  ${r.seconds.toFixed(2)} s  ${_thousands(r.samples_per_second)} samples/s`,
    );
  }

  /** Erase the live bar. */
  clear(): void {
    if (this.#live) Deno.stdout.writeSync(this.#encoder.encode("\r\x1b[2K"));
  }
}

function _pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

function _thousands(x: number): string {
  return x >= 1000 ? `${(x / 1000).toFixed(1)}k` : x.toFixed(0);
}

/** Progress of a long check on stderr, when stderr is a terminal: files done, images/s and ETA. */
export class CheckProgress {
  #live: boolean;
  #total: number;
  #start = performance.now();
  #lastDraw = 0;
  #encoder = new TextEncoder();

  /**
   * @param quiet Print nothing.
   * @param total Files to read.
   */
  constructor(quiet: boolean, total: number) {
    this.#total = total;
    this.#live = !quiet && total >= 50 && Deno.stderr.isTerminal();
  }

  /** Redraw (at most 10 times a second). */
  update(done: number): void {
    if (!this.#live) return;
    const now = performance.now();
    if (now - this.#lastDraw < 100 && done < this.#total) return;
    this.#lastDraw = now;
    const rate = done / Math.max((now - this.#start) / 1000, 1e-9);
    const eta = (this.#total - done) / Math.max(rate, 1e-9);
    const line = `checked ${done}/${this.#total}  ${rate.toFixed(0)} images/s  ETA ${eta.toFixed(0)} s`;
    Deno.stderr.writeSync(this.#encoder.encode(`\r\x1b[2K${line}`));
  }

  /** Erase the line. */
  clear(): void {
    if (this.#live) Deno.stderr.writeSync(this.#encoder.encode("\r\x1b[2K"));
  }
}
