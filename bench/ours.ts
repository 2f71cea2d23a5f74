/**
 * Our side of one benchmark workload, run by bench/run_bench.ts as its own process so that its peak
 * memory is measured apart from numpy's.
 *
 * `train` trains with the project's own loop (core/training/train.ts `trainEpochs`) on a backend, from
 * weights drawn by core/network/network.ts `initParams(hidden, "relu", new Rng(seed))`, and writes what
 * the numpy side needs to repeat the run exactly: the initial weights, the order in which the loop
 * visited the images and the learning rate of each epoch. `infer` times forward passes over the test
 * set with given weights.
 *
 * Files, all raw little-endian, so numpy reads them with `np.fromfile`:
 *   parameter file: float32, w0 (D, H) | b0 (H) | w1 (H, K) | b1 (K) | … for every layer, row-major;
 *   order file:     uint32, (epochs, N): the image indices of each epoch, in the order trained;
 *   rates file:     float64, (epochs): the learning rate of each epoch (core/training/train.ts
 *                   `learningRateAt`).
 *
 * Usage (one JSON object is printed on stdout):
 *   deno run --allow-read=. --allow-write=WORK bench/ours.ts train --images F --labels F
 *     --test-images F --test-labels F --work WORK [--seed 1 --hidden 128 --batch 64 --lr 0.1
 *     --schedule constant --epochs 5 --limit 0 --kernel ts --threads 1]   (--hidden 512,256: two layers)
 *     writes WORK/init.f32, WORK/order.u32, WORK/rates.f64 and WORK/final.f32
 *   deno run --allow-read=. bench/ours.ts infer --test-images F --test-labels F --weights FILE
 *     [--hidden 128 --batch 1000 --passes 5 --kernel ts --threads 1]
 *
 * @module
 */

import { join } from "node:path";
import { type Backend, type BackendKind, createTsBackend, loadParams } from "../core/kernels/backend.ts";
import { type Dataset, firstImages } from "../core/training/dataset.ts";
import { FormatError, LimitError } from "../core/base/errors.ts";
import { evaluate } from "../core/training/evaluate.ts";
import { loadIdxPair } from "../core/formats/idx.ts";
import { type Hidden, hiddenSizes, initParams, layerSizes, type Params } from "../core/network/network.ts";
import { Rng } from "../core/network/rng.ts";
import { learningRateAt, trainEpochs, type TrainSettings } from "../core/training/train.ts";
import { helpText, type OptionSpec, parseFlags, runMain, UsageError } from "../scripts/_cli.ts";

/** The hyperparameters of one training workload. */
export interface OursTrainSettings {
  /** The hidden layer sizes: H, or [H1, H2, …]. */
  readonly hidden: Hidden;
  /** N, images per SGD step. */
  readonly batch: number;
  /** The base learning rate. */
  readonly lr: number;
  /** How the rate changes over the epochs (core/training/train.ts `learningRateAt`); constant if left out. */
  readonly schedule?: "constant" | "cosine";
  readonly epochs: number;
  /** Seeds the generator that draws the initial weights and every epoch's order. */
  readonly seed: number;
}

/** What a training workload produced. */
export interface OursTrainResult {
  /** The weights before training. */
  readonly initial: Params;
  /** The order the loop visited the images in, (epochs, N). */
  readonly orders: Uint32Array;
  /** The learning rate of each epoch. */
  readonly rates: Float64Array;
  /** Wall-clock seconds of each epoch's training loop, as core/training/train.ts measures it. */
  readonly secondsPerEpoch: number[];
  /** Mean loss over the last epoch, each batch measured before its update. */
  readonly lastEpochLoss: number;
}

/**
 * A backend of the named kind. The wasm backends come from core/kernels/backend_factory.ts, imported only
 * when asked for.
 *
 * @param kernel "ts" (the reference kernels, one thread) or "wasm".
 * @param hidden The hidden layer sizes.
 * @param capacity The largest batch N.
 * @param threads Threads the kernels may use.
 * @throws {LimitError} When the ts kernel is asked for more than one thread, or the wasm kernels for
 *   a thread count out of range.
 */
export async function createBenchBackend(
  kernel: BackendKind,
  hidden: Hidden,
  capacity: number,
  threads: number,
): Promise<Backend> {
  if (kernel === "ts") {
    if (threads !== 1) {
      throw new LimitError(`Cannot create the ts backend: threads is ${threads}, the ts kernels use 1`);
    }
    return createTsBackend(hidden, "relu", capacity);
  }
  // loaded only here, so a ts run never reads the wasm kernels
  const { createBackend } = await import("../core/kernels/backend_factory.ts");
  return await createBackend(kernel, hidden, "relu", capacity, threads);
}

/**
 * Train a backend from fresh weights with the project's training loop, recording the initial
 * weights and the order of every epoch so another implementation can repeat the run exactly.
 *
 * The weights come from `initParams(H, "relu", rng)` and the orders from the same generator, drawn
 * by `trainEpochs` itself; the generator records each order as the loop shuffles it.
 *
 * @param backend Receives the initial weights and holds the trained ones afterwards.
 * @param train The training images.
 * @param settings Batch, learning rate, epochs and seed.
 * @returns The initial weights, the orders, and the time of each epoch.
 * @throws {LimitError} When the loss diverges.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createTsBackend } from "../core/kernels/backend.ts";
 * import { trainOurs } from "./ours.ts";
 * const data = { count: 4, pixels: new Uint8Array(4 * 784).fill(255, 0, 392), labels: new Uint8Array([1, 2, 3, 4]) };
 * const run = await trainOurs(createTsBackend(8, "relu", 2), data, { hidden: 8, batch: 2, lr: 0.1, epochs: 2, seed: 1 });
 * assert.ok(run.orders.length === 8 && run.secondsPerEpoch.length === 2);
 * ```
 */
export async function trainOurs(
  backend: Backend,
  train: Dataset,
  settings: OursTrainSettings,
): Promise<OursTrainResult> {
  const rng = new _RecordingRng(settings.seed);
  const initial = initParams(hiddenSizes(backend.params), "relu", rng);
  loadParams(backend, initial);
  const secondsPerEpoch: number[] = [];
  let lastEpochLoss = NaN;
  const schedule: TrainSettings = {
    epochs: settings.epochs,
    batch_size: settings.batch,
    learning_rate: settings.lr,
    schedule: settings.schedule ?? "constant",
    step_every: 1,
    step_factor: 1,
  };
  const rates = Float64Array.from({ length: settings.epochs }, (_, epoch) => learningRateAt(schedule, epoch));
  const status = await trainEpochs(
    backend,
    train,
    null,
    schedule,
    rng,
    {
      onEpoch(record) {
        secondsPerEpoch.push(record.seconds);
        lastEpochLoss = record.train_loss;
      },
    },
  );
  if (status !== "completed") {
    throw new LimitError(
      `Cannot benchmark training: the loop stopped as "${status}" after ${secondsPerEpoch.length} epochs`,
    );
  }
  const orders = rng.orders.filter((order) => order.length === train.count);
  if (orders.length !== settings.epochs) {
    throw new LimitError(
      `Cannot record the training order: the loop shuffled ${orders.length} orders, expected ${settings.epochs}`,
    );
  }
  const flat = new Uint32Array(settings.epochs * train.count);
  orders.forEach((order, epoch) => flat.set(order, epoch * train.count));
  return { initial, orders: flat, rates, secondsPerEpoch, lastEpochLoss };
}

/**
 * Time forward passes (input loading, forward, softmax) over a whole set, after an untimed pass
 * that scores it and another one, like the timed ones, to finish warming up. The backend first holds
 * the set's images in its own memory (Backend.holdImages, when it has it), as numpy_reference.py holds
 * its float copy of them before timing.
 *
 * @param backend Holds the weights; its capacity is the batch size.
 * @param data The images to run.
 * @param passes How many timed passes.
 * @returns The accuracy and the seconds of each timed pass.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createTsBackend } from "../core/kernels/backend.ts";
 * import { timeInference } from "./ours.ts";
 * const data = { count: 3, pixels: new Uint8Array(3 * 784), labels: new Uint8Array([0, 0, 0]) };
 * const run = timeInference(createTsBackend(8, "relu", 2), data, 2);
 * assert.ok(run.accuracy === 1 && run.secondsPerPass.length === 2); // zero weights: ties go to class 0
 * ```
 */
export function timeInference(
  backend: Backend,
  data: Dataset,
  passes: number,
): { accuracy: number; secondsPerPass: number[] } {
  backend.holdImages?.(data.pixels);
  const { accuracy } = evaluate(backend, data); // also warms the kernels up
  const pass = () => {
    for (let start = 0; start < data.count; start += backend.capacity) {
      backend.predictImages(data.pixels, start, Math.min(backend.capacity, data.count - start), null);
    }
  };
  pass(); // one more untimed pass, as numpy_reference.py does: the first one after scoring ran slow on 2 threads
  const secondsPerPass: number[] = [];
  for (let p = 0; p < passes; p++) {
    const started = performance.now();
    pass();
    secondsPerPass.push((performance.now() - started) / 1000);
  }
  return { accuracy, secondsPerPass };
}

/**
 * Parameters as the bytes of a raw float32 file: w0 | b0 | w1 | b1 (| w2 | b2 … for deeper networks).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { zeroParams } from "../core/network/network.ts";
 * import { paramsFromBytes, paramsToBytes } from "./ours.ts";
 * const bytes = paramsToBytes(zeroParams(4));
 * assert.ok(paramsFromBytes(bytes, 4, "x").w[1].length === 40);
 * ```
 */
export function paramsToBytes(params: Params): Uint8Array {
  const parts = params.w.flatMap((w, l) => [w, params.b[l]]);
  const flat = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    flat.set(part, offset);
    offset += part.length;
  }
  return _littleEndianBytes(flat);
}

/**
 * Parameters from the bytes of a raw float32 file: w0 | b0 | w1 | b1 (| w2 | b2 … for deeper networks).
 *
 * @param bytes The file's contents.
 * @param hidden The hidden layer sizes, which fix the layers.
 * @param name The file name, for the error message.
 * @throws {FormatError} When the length does not fit those layers.
 */
export function paramsFromBytes(bytes: Uint8Array, hidden: Hidden, name: string): Params {
  const sizes = layerSizes(hidden);
  const counts = sizes.slice(1).flatMap((out, l) => [sizes[l] * out, out]);
  const expected = 4 * counts.reduce((sum, count) => sum + count, 0);
  if (bytes.length !== expected) {
    throw new FormatError(
      `Cannot read parameter file "${name}": it is ${bytes.length} bytes, expected ${expected} for layers ${
        sizes.join("-")
      }`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  const parts = counts.map((count) => {
    const part = new Float32Array(count);
    for (let i = 0; i < count; i++, offset += 4) part[i] = view.getFloat32(offset, true);
    return part;
  });
  return { sizes, w: parts.filter((_, i) => i % 2 === 0), b: parts.filter((_, i) => i % 2 === 1) };
}

/**
 * Learning rates as the bytes of a raw little-endian float64 file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ratesToBytes } from "./ours.ts";
 * assert.ok(new DataView(ratesToBytes(new Float64Array([0.5])).buffer).getFloat64(0, true) === 0.5);
 * ```
 */
export function ratesToBytes(rates: Float64Array): Uint8Array {
  const bytes = new Uint8Array(rates.length * 8);
  const view = new DataView(bytes.buffer);
  rates.forEach((rate, i) => view.setFloat64(8 * i, rate, true));
  return bytes;
}

/**
 * Indices as the bytes of a raw little-endian uint32 file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ordersToBytes } from "./ours.ts";
 * assert.ok(ordersToBytes(new Uint32Array([1, 0]))[0] === 1);
 * ```
 */
export function ordersToBytes(orders: Uint32Array): Uint8Array {
  return _littleEndianBytes(orders);
}

function _littleEndianBytes(values: Float32Array | Uint32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  const isFloat = values instanceof Float32Array;
  for (let i = 0; i < values.length; i++) {
    if (isFloat) view.setFloat32(4 * i, values[i], true);
    else view.setUint32(4 * i, values[i], true);
  }
  return bytes;
}

/** An Rng that keeps a copy of every Uint32Array it shuffles: the training loop's epoch orders. */
class _RecordingRng extends Rng {
  readonly orders: Uint32Array[] = [];

  override shuffle<T extends { length: number; [i: number]: number } | unknown[]>(items: T): T {
    super.shuffle(items);
    if (items instanceof Uint32Array) this.orders.push(items.slice());
    return items;
  }
}

// ---------------------------------------------------------------------------------------------
// Command line

const _OPTIONS: OptionSpec = {
  images: { type: "string", help: "training images, raw IDX (train)", valueName: "FILE" },
  labels: { type: "string", help: "training labels, raw IDX (train)", valueName: "FILE" },
  "test-images": { type: "string", help: "test images, raw IDX", valueName: "FILE" },
  "test-labels": { type: "string", help: "test labels, raw IDX", valueName: "FILE" },
  work: { type: "string", help: "folder for init.f32, order.u32 and final.f32 (train)", valueName: "DIR" },
  weights: { type: "string", help: "parameters to run, raw float32 (infer)", valueName: "FILE" },
  seed: { type: "string", help: "seed of the weights and the orders (default 1)", valueName: "N" },
  hidden: { type: "string", help: "hidden layer sizes: 128, or 512,256 (default 128)", valueName: "SIZES" },
  batch: { type: "string", help: "images per step (default 1)", valueName: "N" },
  lr: { type: "string", help: "learning rate (default 0.01)", valueName: "X" },
  schedule: {
    type: "string",
    help: 'learning-rate schedule: "constant" or "cosine" (default constant)',
    valueName: "S",
  },
  epochs: { type: "string", help: "epochs (default 1)", valueName: "N" },
  passes: { type: "string", help: "timed passes over the test set (infer, default 5)", valueName: "N" },
  limit: { type: "string", help: "train on the first N images; 0 for all (default 0)", valueName: "N" },
  kernel: { type: "string", help: '"ts" or "wasm" (default ts)', valueName: "KIND" },
  threads: { type: "string", help: "threads of the kernels (default 1)", valueName: "N" },
  help: { type: "boolean", short: "h", help: "show this help" },
};

async function _main(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, _OPTIONS, true);
  if (values.help) {
    console.log(
      helpText("bench/ours.ts train|infer [options]", "Our side of one benchmark workload.", _OPTIONS),
    );
    return 0;
  }
  const mode = positionals[0];
  if ((mode !== "train" && mode !== "infer") || positionals.length !== 1) {
    throw new UsageError(
      `Cannot parse arguments: mode is "${positionals.join(" ")}", expected "train" or "infer"`,
    );
  }
  const needed = mode === "train"
    ? ["images", "labels", "test-images", "test-labels", "work"]
    : ["test-images", "test-labels", "weights"];
  const missing = needed.filter((name) => !values[name]);
  if (missing.length) {
    throw new UsageError(`Cannot parse arguments: ${mode} needs ${missing.map((m) => `--${m}`).join(", ")}`);
  }
  const file = (name: string) => values[name] as string;
  const number = (name: string, fallback: number, min: number, integer = true): number => {
    const text = values[name] as string | undefined;
    const value = text === undefined ? fallback : Number(text);
    if ((integer && !Number.isInteger(value)) || !(value >= min)) {
      throw new UsageError(
        `Cannot parse arguments: --${name} is "${text}", expected ${
          integer ? "an integer" : "a number"
        } ≥ ${min}`,
      );
    }
    return value;
  };
  const kernel = (values.kernel as string | undefined) ?? "ts";
  if (kernel !== "ts" && kernel !== "wasm") {
    throw new UsageError(`Cannot parse arguments: --kernel is "${kernel}", expected "ts" or "wasm"`);
  }
  const hiddenText = (values.hidden as string | undefined) ?? "128";
  const hiddenList = hiddenText.split(",").map(Number);
  if (!hiddenList.every((h) => Number.isInteger(h) && h >= 1)) {
    throw new UsageError(
      `Cannot parse arguments: --hidden is "${hiddenText}", expected sizes like 128 or 512,256`,
    );
  }
  const hidden: Hidden = hiddenList.length === 1 ? hiddenList[0] : hiddenList;
  const schedule = (values.schedule as string | undefined) ?? "constant";
  if (schedule !== "constant" && schedule !== "cosine") {
    throw new UsageError(
      `Cannot parse arguments: --schedule is "${schedule}", expected "constant" or "cosine"`,
    );
  }
  const batch = number("batch", 1, 1), threads = number("threads", 1, 1);
  const test = await loadIdxPair(file("test-images"), file("test-labels"));
  const report: Record<string, unknown> = { kernel, threads, deno: Deno.version.deno, v8: Deno.version.v8 };
  const backend = await createBenchBackend(kernel, hidden, batch, threads);
  try {
    if (mode === "train") {
      const train = firstImages(await loadIdxPair(file("images"), file("labels")), number("limit", 0, 0));
      const settings = {
        hidden,
        batch,
        lr: number("lr", 0.01, Number.MIN_VALUE, false),
        schedule,
        epochs: number("epochs", 1, 1),
        seed: number("seed", 1, 0),
      } as const;
      const run = await trainOurs(backend, train, settings);
      const work = file("work");
      await Deno.writeFile(join(work, "init.f32"), paramsToBytes(run.initial));
      await Deno.writeFile(join(work, "order.u32"), ordersToBytes(run.orders));
      await Deno.writeFile(join(work, "rates.f64"), ratesToBytes(run.rates));
      await Deno.writeFile(join(work, "final.f32"), paramsToBytes(backend.params));
      Object.assign(report, {
        seconds_per_epoch: run.secondsPerEpoch,
        samples: train.count,
        last_epoch_loss: run.lastEpochLoss,
        accuracy: evaluate(backend, test).accuracy,
      });
    } else {
      const weights = file("weights");
      if (typeof hidden !== "number") {
        throw new UsageError(
          `Cannot parse arguments: infer runs one hidden layer, --hidden is "${hiddenText}"`,
        );
      }
      loadParams(backend, paramsFromBytes(await Deno.readFile(weights), hidden, weights));
      const run = timeInference(backend, test, number("passes", 5, 1));
      Object.assign(report, {
        seconds_per_epoch: run.secondsPerPass,
        samples: test.count,
        accuracy: run.accuracy,
      });
    }
  } finally {
    backend.dispose();
  }
  console.log(JSON.stringify(report));
  return 0;
}

if (import.meta.main) await runMain(() => _main(Deno.args));
