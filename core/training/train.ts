/**
 * The training loop: epochs of shuffled mini-batches, each step the backend's optimizer, with optional augmentation, validation after
 * every epoch, a learning-rate schedule, and clean stops on Ctrl-C or a diverging loss.
 *
 * @module
 */

import type { Backend } from "../kernels/backend.ts";
import type { Dataset } from "./dataset.ts";
import { argmaxRow, evaluate } from "./evaluate.ts";
import { D } from "../network/network.ts";
import type { Rng } from "../network/rng.ts";

/** The hyperparameters the loop reads (config.yaml `train`). */
export interface TrainSettings {
  readonly epochs: number;
  readonly batch_size: number;
  readonly learning_rate: number;
  readonly schedule: "constant" | "cosine" | "step";
  readonly step_every: number;
  readonly step_factor: number;
}

/**
 * Distorts a whole epoch's training images, in the epoch's order (core/augment/augment_pipeline.ts does it
 * in a worker, ahead of the training loop).
 */
export interface EpochAugmenter {
  /** Start an epoch: images are asked for in `order`, distorted with draws from `new Rng(seed)`. */
  begin(order: Uint32Array, seed: number): void;
  /** Write the next image of the order, distorted, into `dst` (D floats in [0, 1]). */
  next(dst: Float32Array): void;
}

/** One line of the metrics log per finished epoch. */
export interface EpochRecord {
  readonly type: "epoch";
  /** 1-based epoch number. */
  readonly epoch: number;
  readonly learning_rate: number;
  /** Mean loss and accuracy over the epoch's training batches, measured before each update. */
  readonly train_loss: number;
  readonly train_accuracy: number;
  /** Loss and accuracy on the held-out validation images after the epoch; null without validation. */
  readonly val_loss: number | null;
  readonly val_accuracy: number | null;
  /** Wall-clock seconds of the epoch's training loop (validation excluded). */
  readonly seconds: number;
  readonly samples_per_second: number;
}

/** How a call to {@linkcode trainEpochs} ended. */
export type TrainStatus = "completed" | "interrupted" | "diverged";

/** Hooks and options of {@linkcode trainEpochs}. */
export interface TrainHooks {
  /** Augments each training image; null or absent trains on the images as they are. */
  readonly augmenter?: EpochAugmenter | null;
  /** Aborting it stops training at the next check, within a fraction of a second. */
  readonly signal?: AbortSignal;
  /**
   * Whether the backend trains with dropout: each epoch then draws one more number from the run's
   * generator, after the augmentation seed, to seed that epoch's dropout masks.
   */
  readonly dropout?: boolean;
  /** First epoch to run, 0-based: epochs before it were done by an earlier run (resume). */
  readonly startEpoch?: number;
  /** Called every few thousand samples with progress inside the current epoch. */
  readonly onProgress?: (epoch: number, done: number, total: number, meanLoss: number) => void;
  /** Called after each completed epoch, before the next one starts. */
  readonly onEpoch?: (record: EpochRecord) => void | Promise<void>;
}

/**
 * Milliseconds between two progress reports and interrupt checks: by time, not by sample count, so
 * Ctrl-C is answered as quickly for a slow configuration (batch 1, a wide hidden layer, the TS
 * kernels, a busy machine) as for a fast one. Each check yields through a timer, which costs 2–4 ms
 * (Deno clamps nested timers), so 5 checks a second cost about 1 % of the run. The end of an epoch
 * reports and checks the signal without a timer.
 */
const _CHECK_EVERY_MS = 200;

/**
 * The learning rate of an epoch under the configured schedule.
 *
 * constant: lr. cosine: lr · ½(1 + cos(π·e/E)). step: lr · factor^⌊e / every⌋. e is 0-based.
 *
 * @param settings The schedule and base rate.
 * @param epoch 0-based epoch.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { learningRateAt } from "./train.ts";
 * const s = { epochs: 4, batch_size: 1, learning_rate: 0.1, schedule: "step", step_every: 2, step_factor: 0.5 } as const;
 * assert.ok(learningRateAt(s, 3) === 0.05);
 * ```
 */
export function learningRateAt(settings: TrainSettings, epoch: number): number {
  const lr = settings.learning_rate;
  switch (settings.schedule) {
    case "constant":
      return lr;
    case "cosine":
      return lr * 0.5 * (1 + Math.cos(Math.PI * epoch / settings.epochs));
    case "step":
      return lr * settings.step_factor ** Math.floor(epoch / settings.step_every);
  }
}

/**
 * Train a backend's parameters in place, epoch by epoch.
 *
 * Each epoch draws a new order of the training images from `rng`, and a seed for that epoch's
 * distortions, so the run is a pure function of the seed. The loop allocates nothing per sample.
 *
 * @param backend Holds the parameters (already initialised) and runs the kernels.
 * @param train Images to train on.
 * @param validation Images to score after each epoch, or null.
 * @param settings Epochs, batch size, learning rate and schedule.
 * @param rng The run's generator, in the state the previous epoch left it (for a resume).
 * @param hooks Augmentation, interrupt signal, progress and per-epoch callbacks.
 * @returns "completed", "interrupted" (the signal fired) or "diverged" (a non-finite loss).
 */
export async function trainEpochs(
  backend: Backend,
  train: Dataset,
  validation: Dataset | null,
  settings: TrainSettings,
  rng: Rng,
  hooks: TrainHooks = {},
): Promise<TrainStatus> {
  const batch = Math.min(settings.batch_size, backend.capacity);
  const order = new Uint32Array(train.count);
  const labels = new Uint8Array(batch);
  // one view per batch row, made once, so the augmenter writes without allocating
  const rows = Array.from({ length: batch }, (_, r) => backend.x.subarray(r * D, (r + 1) * D));
  // the wasm backends keep the images in their own memory and gather each batch there
  if (!hooks.augmenter) backend.holdImages?.(train.pixels);
  for (let epoch = hooks.startEpoch ?? 0; epoch < settings.epochs; epoch++) {
    const lr = learningRateAt(settings, epoch);
    for (let i = 0; i < order.length; i++) order[i] = i;
    rng.shuffle(order);
    // drawn every epoch, augmenting or not, so the stream after it does not depend on augmentation
    const augmentSeed = rng.nextUint32();
    // drawn only with dropout, so runs without it keep the stream (and the bytes) they always had
    if (hooks.dropout) backend.seedDropout(rng.nextUint32());
    hooks.augmenter?.begin(order, augmentSeed);
    const started = performance.now();
    let lossSum = 0, correct = 0, lastCheck = started;

    for (let start = 0; start < train.count; start += batch) {
      const n = Math.min(batch, train.count - start);
      if (hooks.augmenter) { for (let r = 0; r < n; r++) hooks.augmenter.next(rows[r]); }
      else backend.loadImages(train.pixels, start, n, order);
      for (let r = 0; r < n; r++) labels[r] = train.labels[order[start + r]];
      const loss = backend.trainStep(labels, 0, n, lr);
      if (!Number.isFinite(loss)) return "diverged";
      lossSum += loss;
      for (let r = 0; r < n; r++) if (argmaxRow(backend.probs, r) === labels[r]) correct++;

      const done = start + n, now = performance.now();
      if (now - lastCheck >= _CHECK_EVERY_MS && done < train.count) {
        lastCheck = now;
        hooks.onProgress?.(epoch, done, train.count, lossSum / done);
        await _yieldToEventLoop(); // lets a Ctrl-C handler run
        if (hooks.signal?.aborted) return "interrupted";
      }
    }

    const seconds = (performance.now() - started) / 1000;
    // the epoch's last report; the next yield is at most 200 ms into the next epoch (and the
    // callers' onEpoch writes files, which runs the event loop anyway)
    hooks.onProgress?.(epoch, train.count, train.count, lossSum / train.count);
    if (hooks.signal?.aborted) return "interrupted";
    const scored = validation && validation.count > 0 ? evaluate(backend, validation) : null;
    await hooks.onEpoch?.({
      type: "epoch",
      epoch: epoch + 1,
      learning_rate: lr,
      train_loss: lossSum / train.count,
      train_accuracy: correct / train.count,
      val_loss: scored ? scored.loss : null,
      val_accuracy: scored ? scored.accuracy : null,
      seconds,
      samples_per_second: train.count / seconds,
    });
    if (hooks.signal?.aborted) return "interrupted";
  }
  return "completed";
}

/**
 * Let the event loop run once, so a Ctrl-C handler can fire. It must be a timer: Deno polls signals
 * when it polls timers and I/O, and a MessageChannel round trip (15 µs) let a SIGINT wait 0.7 s.
 */
function _yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
