import assert from "node:assert/strict";
import { createTsBackend, loadParams } from "../core/kernels/backend.ts";
import type { Dataset } from "../core/training/dataset.ts";
import { D, initParams } from "../core/network/network.ts";
import { Rng } from "../core/network/rng.ts";
import { createThreadedBackend } from "../core/kernels/backend_threads.ts";
import {
  type EpochAugmenter,
  type EpochRecord,
  learningRateAt,
  trainEpochs,
  type TrainSettings,
} from "../core/training/train.ts";

const settings: TrainSettings = {
  epochs: 3,
  batch_size: 4,
  learning_rate: 0.1,
  schedule: "constant",
  step_every: 1,
  step_factor: 0.5,
};

/** Two easy classes: ink in the top half is class 0, in the bottom half class 1. */
function halves(count: number, rng: Rng): Dataset {
  const pixels = new Uint8Array(count * D), labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    labels[n] = n % 2;
    for (let k = 0; k < 40; k++) {
      const row = labels[n] * 14 + rng.nextInt(14), col = rng.nextInt(28);
      pixels[n * D + row * 28 + col] = 255;
    }
  }
  return { count, pixels, labels };
}

async function run(seed: number, overrides: Partial<TrainSettings> = {}) {
  const rng = new Rng(seed);
  const backend = createTsBackend(16, "relu", 8);
  loadParams(backend, initParams(16, "relu", rng));
  const records: EpochRecord[] = [];
  const status = await trainEpochs(
    backend,
    halves(64, new Rng(1)),
    halves(16, new Rng(2)),
    { ...settings, ...overrides },
    rng,
    {
      onEpoch: (r) => {
        records.push(r);
      },
    },
  );
  return { status, records, params: backend.params };
}

Deno.test("learningRateAt() follows the constant, cosine and step schedules", () => {
  const base = { ...settings, epochs: 4, learning_rate: 0.2 };
  assert.deepEqual([0, 1, 2, 3].map((e) => learningRateAt(base, e)), [0.2, 0.2, 0.2, 0.2]);
  const cosine = [0, 1, 2, 3].map((e) => learningRateAt({ ...base, schedule: "cosine" }, e));
  assert.equal(cosine[0], 0.2);
  assert.ok(Math.abs(cosine[2] - 0.1) < 1e-15);
  assert.ok(cosine[3] > 0 && cosine[3] < cosine[2]);
  const step = [0, 1, 2, 3].map((e) => learningRateAt({ ...base, schedule: "step", step_every: 2 }, e));
  assert.deepEqual(step, [0.2, 0.2, 0.1, 0.1]);
});

Deno.test("trainEpochs() learns an easy task and reports one record per epoch", async () => {
  const { status, records } = await run(3);
  assert.equal(status, "completed");
  assert.deepEqual(records.map((r) => r.epoch), [1, 2, 3]);
  assert.ok(records[2].train_loss < records[0].train_loss);
  assert.equal(records[2].val_accuracy, 1);
});

Deno.test("trainEpochs() is a pure function of the seed", async () => {
  const a = await run(11), b = await run(11), c = await run(12);
  assert.deepEqual(a.params.w[0], b.params.w[0]);
  assert.deepEqual(a.params.w[1], b.params.w[1]);
  assert.notDeepEqual(a.params.w[0], c.params.w[0]);
});

Deno.test("trainEpochs() resumed from a finished epoch gives the same bytes as one uninterrupted run", async () => {
  const whole = await run(5);
  // first run stops after epoch 1; the second starts at epoch 1 from the saved parameters and generator state
  const rng = new Rng(5);
  const backend = createTsBackend(16, "relu", 8);
  loadParams(backend, initParams(16, "relu", rng));
  const train = halves(64, new Rng(1)), val = halves(16, new Rng(2));
  await trainEpochs(backend, train, val, { ...settings, epochs: 1 }, rng);
  const saved = { params: structuredClone(backend.params), rng: rng.getState() };

  const resumedRng = new Rng(0);
  resumedRng.setState(saved.rng);
  const resumed = createTsBackend(16, "relu", 8);
  loadParams(resumed, saved.params);
  await trainEpochs(resumed, train, val, settings, resumedRng, { startEpoch: 1 });
  assert.deepEqual(resumed.params.w[0], whole.params.w[0]);
  assert.deepEqual(resumed.params.b[1], whole.params.b[1]);
});

Deno.test("trainEpochs() stops with 'diverged' when the loss is not finite", async () => {
  const backend = createTsBackend(4, "relu", 4);
  const params = initParams(4, "relu", new Rng(1));
  params.w[0].fill(1);
  params.w[1].fill(3e38); // logits overflow to ±Infinity, so the loss is NaN
  loadParams(backend, params);
  const status = await trainEpochs(backend, halves(8, new Rng(1)), null, settings, new Rng(1));
  assert.equal(status, "diverged");
});

Deno.test("trainEpochs() stops with 'interrupted' when its signal is aborted", async () => {
  const controller = new AbortController();
  controller.abort();
  const backend = createTsBackend(4, "relu", 4);
  let epochs = 0;
  const status = await trainEpochs(backend, halves(8, new Rng(1)), null, settings, new Rng(1), {
    signal: controller.signal,
    onEpoch: () => {
      epochs++;
    },
  });
  assert.equal(status, "interrupted");
  assert.equal(epochs, 0);
});

Deno.test("trainEpochs() gives the same bytes on 1, 2 and 3 wasm threads, augmenting or gathering held images", async () => {
  /** A stand-in augmenter: each image of the order with its ink scaled by a seeded draw. */
  class ScalingAugmenter implements EpochAugmenter {
    #order: Uint32Array = new Uint32Array(0);
    #next = 0;
    #rng = new Rng(0);
    constructor(readonly data: Dataset) {}
    begin(order: Uint32Array, seed: number) {
      this.#order = order;
      this.#next = 0;
      this.#rng = new Rng(seed);
    }
    next(dst: Float32Array) {
      const at = this.#order[this.#next++] * D, scale = 0.5 + 0.5 * this.#rng.nextFloat();
      for (let i = 0; i < D; i++) dst[i] = (this.data.pixels[at + i] / 255) * scale;
    }
  }
  const data = halves(96, new Rng(3));
  const train = async (threads: number, augment: boolean) => {
    const rng = new Rng(9);
    const backend = await createThreadedBackend(24, "relu", 16, threads);
    try {
      loadParams(backend, initParams(24, "relu", rng));
      const augmenter = augment ? new ScalingAugmenter(data) : null;
      await trainEpochs(backend, data, null, { ...settings, epochs: 2, batch_size: 16 }, rng, { augmenter });
      return new Uint8Array(backend.params.w[0].slice().buffer);
    } finally {
      backend.dispose();
    }
  };
  for (const augment of [true, false]) {
    const one = await train(1, augment);
    for (const threads of [2, 3]) {
      const many = await train(threads, augment);
      assert.ok(many.every((v, i) => v === one[i]), `${threads} threads, augment ${augment}: w0 differs`);
    }
  }
});
