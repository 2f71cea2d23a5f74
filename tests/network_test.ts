import assert from "node:assert/strict";
import {
  type Activation,
  backward,
  createGrads,
  createWorkspace,
  D,
  forward,
  type Grads,
  hiddenSizes,
  initParams,
  K,
  type Params,
  type Workspace,
  zeroGrads,
  zeroParams,
} from "../core/network/network.ts";
import { firstLayerGradient } from "../core/network/layers.ts";
import { softmaxCrossEntropy } from "../core/network/loss.ts";
import { createOptimizer, DEFAULT_OPTIMIZER } from "../core/network/optimizers.ts";
import { Rng } from "../core/network/rng.ts";
import { sparseBatch } from "./_batches.ts";

/** Mean cross-entropy of a batch, computed in float64 from float32 parameters. */
function meanLoss(
  params: Params,
  activation: Activation,
  x: Float32Array,
  labels: Uint8Array,
  n: number,
): number {
  const ws = createWorkspace(hiddenSizes(params), n);
  forward(params, activation, x, n, ws);
  return softmaxCrossEntropy(ws.logits, labels, 0, n, ws.probs, null) / n;
}

/** dL/dw0 = xᵀ·dZ0 as a dense (D, H) float64 matrix. */
function denseFirstLayerGradient(
  x: Float32Array,
  dZ0: Float32Array,
  n: number,
  hidden: number,
): Float64Array {
  const g = new Float64Array(D * hidden);
  firstLayerGradient(x, dZ0, n, D, hidden, g);
  return g;
}

/** One plain SGD step, as the TS backend takes it: w0 from its factors, then p −= lr·g. */
function sgdStep(params: Params, grads: Grads, x: Float32Array, ws: Workspace, n: number, lr: number): void {
  createOptimizer(DEFAULT_OPTIMIZER, params.sizes).step(params, grads, lr, { x, dZ0: ws.dZ[0], n });
}

for (const activation of ["relu", "sigmoid"] as const) {
  Deno.test(`backward() matches finite differences for every parameter (${activation})`, () => {
    // Tiny network, so every parameter can be checked. Float32 storage limits precision: with
    // central differences of step h = 1e-2 the truncation error is O(h²) and the rounding error
    // about 1e-7 / h, so we accept |analytic − numeric| ≤ 1e-3 · max(1, |numeric|).
    const rng = new Rng(7);
    const hidden = 5, n = 3;
    const params = initParams(hidden, activation, rng);
    for (let j = 0; j < hidden; j++) params.b[0][j] = rng.nextNormal() * 0.1;
    const x = sparseBatch(n, rng);
    const labels = new Uint8Array([3, 0, 9]);

    const ws = createWorkspace(hidden, n);
    const grads = createGrads(hidden);
    forward(params, activation, x, n, ws);
    softmaxCrossEntropy(ws.logits, labels, 0, n, ws.probs, ws.dLogits);
    zeroGrads(grads);
    backward(params, activation, x, n, ws, grads);
    const analytic: Record<string, ArrayLike<number>> = {
      w0: denseFirstLayerGradient(x, ws.dZ[0], n, hidden),
      b0: grads.b[0],
      w1: grads.w[1],
      b1: grads.b[1],
    };

    const h = 1e-2;
    let checked = 0;
    const arrays = { w0: params.w[0], b0: params.b[0], w1: params.w[1], b1: params.b[1] };
    for (const name of ["w0", "b0", "w1", "b1"] as const) {
      const values = arrays[name];
      for (let i = 0; i < values.length; i++) {
        // only w0 rows of pixels that are non-zero somewhere in the batch have a gradient; check a
        // sample of the zero rows too, where the gradient must be exactly 0
        if (name === "w0" && i % hidden === 0 && i / hidden % 37 !== 0) {
          const pixel = i / hidden;
          if (![0, 1, 2].some((s) => x[s * D + pixel] !== 0)) {
            i += hidden - 1;
            continue;
          }
        }
        const saved = values[i];
        values[i] = saved + h;
        const up = meanLoss(params, activation, x, labels, n);
        values[i] = saved - h;
        const down = meanLoss(params, activation, x, labels, n);
        values[i] = saved;
        const numeric = (up - down) / (2 * h);
        const diff = Math.abs(analytic[name][i] - numeric);
        assert.ok(
          diff <= 1e-3 * Math.max(1, Math.abs(numeric)),
          `${name}[${i}]: analytic ${analytic[name][i]}, numeric ${numeric}`,
        );
        checked++;
      }
    }
    assert.ok(checked > 200, `only ${checked} parameters checked`);
  });
}

Deno.test("softmaxCrossEntropy() stays finite and exact for extreme logits", () => {
  const logits = new Float32Array(2 * K);
  logits.set([1e30, -1e30, 0, 0, 0, 0, 0, 0, 0, 88.8]);
  logits.set([-3e38, 3e38, -3e38, -3e38, -3e38, -3e38, -3e38, -3e38, -3e38, -3e38], K);
  const probs = new Float32Array(2 * K), dLogits = new Float32Array(2 * K);
  // row 0: the label has the huge logit, loss 0; row 1: the label (0) has a logit 6e38 below the max
  const loss = softmaxCrossEntropy(logits, new Uint8Array([0, 0]), 0, 2, probs, dLogits);
  assert.ok(Number.isFinite(loss));
  assert.ok(Math.abs(loss - 6e38) / 6e38 < 1e-6, `loss ${loss}`);
  assert.equal(probs[0], 1);
  assert.equal(probs[K + 1], 1);
  assert.ok(probs.every((p) => p >= 0 && p <= 1));
  assert.equal(dLogits[0], 0); // (p − 1) / N with p = 1
  assert.equal(dLogits[K], -0.5); // (0 − 1) / 2
  assert.equal(dLogits[K + 1], 0.5);
});

Deno.test("softmaxCrossEntropy() gives uniform probabilities and log(10) loss for equal logits", () => {
  const probs = new Float32Array(K);
  const loss = softmaxCrossEntropy(new Float32Array(K).fill(-5), [4], 0, 1, probs, null);
  assert.ok(Math.abs(loss - Math.log(10)) < 1e-12);
  for (const p of probs) assert.ok(Math.abs(p - 0.1) < 1e-7);
});

Deno.test("initParams() gives the same weights for the same seed and He-scaled spread", () => {
  const a = initParams(128, "relu", new Rng(42)), b = initParams(128, "relu", new Rng(42));
  assert.deepEqual(a.w[0], b.w[0]);
  assert.deepEqual(a.w[1], b.w[1]);
  assert.notDeepEqual(a.w[0], initParams(128, "relu", new Rng(43)).w[0]);
  const std = Math.sqrt(a.w[0].reduce((s, v) => s + v * v, 0) / a.w[0].length);
  assert.ok(Math.abs(std - Math.sqrt(2 / D)) < 0.002, `std ${std}`);
  assert.ok(a.b[0].every((v) => v === 0) && a.b[1].every((v) => v === 0));
});

Deno.test("initParams() golden values for seed 42 stay fixed", () => {
  // guards the exact random stream: changing the generator or the draw order changes every model
  const p = initParams(4, "relu", new Rng(42));
  assert.deepEqual(Array.from(p.w[0].subarray(0, 4)), golden.w0);
  assert.deepEqual(Array.from(p.w[1].subarray(0, 4)), golden.w1);
});

Deno.test("the sgd optimizer's step() lowers the loss of the batch it was computed on", () => {
  const rng = new Rng(3);
  const hidden = 16, n = 4;
  const params = initParams(hidden, "relu", rng);
  const x = sparseBatch(n, rng), labels = new Uint8Array([1, 2, 3, 4]);
  const ws = createWorkspace(hidden, n), grads = createGrads(hidden);
  const before = meanLoss(params, "relu", x, labels, n);
  forward(params, "relu", x, n, ws);
  softmaxCrossEntropy(ws.logits, labels, 0, n, ws.probs, ws.dLogits);
  zeroGrads(grads);
  backward(params, "relu", x, n, ws, grads);
  sgdStep(params, grads, x, ws, n, 0.1);
  assert.ok(meanLoss(params, "relu", x, labels, n) < before);
});

Deno.test("the sgd optimizer's step() applies exactly w0 −= lr · xᵀ·dZ0", () => {
  const rng = new Rng(5);
  const hidden = 3, n = 2;
  const params = initParams(hidden, "sigmoid", rng);
  const expected = Float64Array.from(params.w[0]);
  const x = sparseBatch(n, rng);
  const ws = createWorkspace(hidden, n), grads = createGrads(hidden);
  forward(params, "sigmoid", x, n, ws);
  softmaxCrossEntropy(ws.logits, [0, 1], 0, n, ws.probs, ws.dLogits);
  zeroGrads(grads);
  backward(params, "sigmoid", x, n, ws, grads);
  const g = denseFirstLayerGradient(x, ws.dZ[0], n, hidden);
  for (let i = 0; i < g.length; i++) expected[i] -= 0.5 * g[i];
  sgdStep(params, grads, x, ws, n, 0.5);
  for (let i = 0; i < g.length; i++) assert.ok(Math.abs(params.w[0][i] - expected[i]) < 1e-6, `w0[${i}]`);
});

Deno.test("zeroParams() refuses a hidden size that is not a positive integer", () => {
  assert.throws(() => zeroParams(0), {
    name: "RangeError",
    message: "Cannot create the network: hidden size is 0, expected a positive integer",
  });
});

const golden = {
  w0: [0.05188030004501343, 0.009754518046975136, 0.02022470347583294, -0.0004980508820153773],
  w1: [0.2967434525489807, 0.2696532607078552, -0.6081366539001465, 0.5707449316978455],
};
