/**
 * The general network: a finite-difference gradient check for 1, 2 and 3 hidden layers, every
 * activation, with and without weight decay; each optimizer's first steps against values worked
 * out by hand; dropout masks.
 */
import assert from "node:assert/strict";
import { type Activation, ACTIVATIONS } from "../core/network/activations.ts";
import { softmaxCrossEntropy } from "../core/network/loss.ts";
import {
  backward,
  createGrads,
  createWorkspace,
  drawDropoutMasks,
  forward,
  type Hidden,
  initParams,
  type Params,
} from "../core/network/network.ts";
import {
  addWeightDecay,
  createOptimizer,
  DEFAULT_OPTIMIZER,
  type OptimizerSettings,
  stateArrayNames,
} from "../core/network/optimizers.ts";
import { Rng } from "../core/network/rng.ts";
import { sparseBatch } from "./_batches.ts";

const N = 3;
const LABELS = new Uint8Array([3, 7, 0]);

/** J(θ) = mean cross-entropy + (λ/2)·Σ‖w_l‖², in float64 but for the float32 forward pass. */
function objective(params: Params, activation: Activation, x: Float32Array, lambda: number): number {
  const ws = createWorkspace(params.sizes.slice(1, -1), N);
  forward(params, activation, x, N, ws);
  let j = softmaxCrossEntropy(ws.logits, LABELS, 0, N, ws.probs, null) / N;
  for (const w of params.w) for (const v of w) j += (lambda / 2) * v * v;
  return j;
}

/**
 * Central differences (J(θ + ε) − J(θ − ε)) / 2ε against backward() + weight decay, for a sample of
 * entries of every parameter array. Tolerance: |num − ana| ≤ 2e-4 + 2e-2·max(|num|, |ana|), set by
 * the float32 forward pass (loss rounding ≈ 1e-7 over 2ε = 2e-3 gives ≈ 1e-4).
 */
function gradientCheck(hidden: Hidden, activation: Activation, lambda: number): void {
  const rng = new Rng(11);
  const params = initParams(hidden, activation, rng);
  for (const b of params.b) for (let i = 0; i < b.length; i++) b[i] = (rng.nextFloat() - 0.5) * 0.2;
  const x = sparseBatch(N, rng);
  const ws = createWorkspace(hidden, N);
  forward(params, activation, x, N, ws, true);
  softmaxCrossEntropy(ws.logits, LABELS, 0, N, ws.probs, ws.dLogits);
  const grads = createGrads(hidden);
  backward(params, activation, x, N, ws, grads, true);
  addWeightDecay(params, grads, lambda);

  const eps = 1e-3;
  const arrays = [
    ...params.w.map((p, l) => ({ name: `w${l}`, p, g: grads.w[l] })),
    ...params.b.map((p, l) => ({ name: `b${l}`, p, g: grads.b[l] })),
  ];
  for (const { name, p, g } of arrays) {
    // the first layer: entries of lit pixels, where the gradient is not trivially 0
    const candidates = name === "w0"
      ? Array.from({ length: p.length }, (_, i) => i).filter((i) => x[Math.floor(i / params.sizes[1])] !== 0)
      : Array.from({ length: p.length }, (_, i) => i);
    for (let k = 0; k < 12; k++) {
      const i = candidates[rng.nextInt(candidates.length)];
      const saved = p[i];
      p[i] = saved + eps;
      const up = objective(params, activation, x, lambda);
      p[i] = saved - eps;
      const down = objective(params, activation, x, lambda);
      p[i] = saved;
      const numeric = (up - down) / (2 * eps), analytic = g[i];
      const tolerance = 2e-4 + 2e-2 * Math.max(Math.abs(numeric), Math.abs(analytic));
      assert.ok(
        Math.abs(numeric - analytic) <= tolerance,
        `${hidden} ${activation} λ=${lambda}: d/d${name}[${i}] is ${analytic}, finite differences say ${numeric}`,
      );
    }
  }
}

for (const hidden of [[12], [12, 8], [12, 8, 6]]) {
  for (const activation of ACTIVATIONS) {
    Deno.test(`backward() matches finite differences for hidden ${JSON.stringify(hidden)} with ${activation}`, () => {
      gradientCheck(hidden, activation, 0);
    });
  }
  Deno.test(`backward() plus weight decay matches finite differences of the L2-penalised loss, hidden ${JSON.stringify(hidden)}`, () => {
    gradientCheck(hidden, "tanh", 0.05);
  });
}

Deno.test("the gradient check fails for a wrong derivative (it can catch a bug)", () => {
  // sabotage: the gradient of the logits doubled, as a factor-2 slip in dL/dz would do
  const rng = new Rng(3);
  const params = initParams([8], "sigmoid", rng), x = sparseBatch(N, rng);
  const ws = createWorkspace([8], N);
  forward(params, "sigmoid", x, N, ws, true);
  softmaxCrossEntropy(ws.logits, LABELS, 0, N, ws.probs, ws.dLogits);
  for (let i = 0; i < ws.dLogits.length; i++) ws.dLogits[i] *= 2;
  const grads = createGrads([8]);
  backward(params, "sigmoid", x, N, ws, grads, true);
  const eps = 1e-3, i = 5, saved = params.b[0][i];
  params.b[0][i] = saved + eps;
  const up = objective(params, "sigmoid", x, 0);
  params.b[0][i] = saved - eps;
  const down = objective(params, "sigmoid", x, 0);
  const numeric = (up - down) / (2 * eps);
  assert.ok(Math.abs(numeric - grads.b[0][i]) > 2e-4 + 2e-2 * Math.abs(numeric));
});

// ---- optimizers: the first steps on a one-weight "network", worked out by hand -----------------

/** θ = w1 = 1, one bias b1 = 1, and the gradient g for both; returns [w1, b1] after each step. */
function steps(settings: Partial<OptimizerSettings>, gradients: number[], lr = 0.1): number[][] {
  const sizes = [1, 1, 1];
  const params = {
    sizes,
    w: [new Float32Array([0]), new Float32Array([1])],
    b: [new Float32Array([0]), new Float32Array([1])],
  };
  const optimizer = createOptimizer({ ...DEFAULT_OPTIMIZER, ...settings }, sizes);
  const first = { x: new Float32Array(1), dZ0: new Float32Array(1), n: 1 };
  return gradients.map((g) => {
    const grads = {
      w: [new Float32Array([0]), new Float32Array([g])],
      b: [new Float32Array([0]), new Float32Array([g])],
    };
    optimizer.step(params, grads, lr, first);
    return [params.w[1][0], params.b[1][0]];
  });
}

function assertClose(actual: number[][], expected: number[][]): void {
  actual.forEach((row, s) =>
    row.forEach((v, i) =>
      assert.ok(
        Math.abs(v - expected[s][i]) < 1e-6,
        `step ${s + 1}, value ${i}: ${v}, expected ${expected[s][i]}`,
      )
    )
  );
}

Deno.test("sgd: θ ← θ − lr·g, twice", () => {
  // 1 − 0.1·0.5 = 0.95; 0.95 − 0.1·0.5 = 0.9
  assertClose(steps({ name: "sgd" }, [0.5, 0.5]), [[0.95, 0.95], [0.9, 0.9]]);
});

Deno.test("sgd with weight decay decays the weight, not the bias", () => {
  // w: g + λw = 0.5 + 0.1·1 = 0.6 → 1 − 0.06 = 0.94; b: 1 − 0.05 = 0.95
  assertClose(steps({ name: "sgd", weightDecay: 0.1 }, [0.5]), [[0.94, 0.95]]);
});

Deno.test("momentum: v ← μv + g, θ ← θ − lr·v", () => {
  // v1 = 0.5, θ = 1 − 0.05 = 0.95; v2 = 0.9·0.5 + 0.5 = 0.95, θ = 0.95 − 0.095 = 0.855
  assertClose(steps({ name: "momentum", momentum: 0.9 }, [0.5, 0.5]), [[0.95, 0.95], [0.855, 0.855]]);
});

Deno.test("Nesterov momentum: θ ← θ − lr·(g + μv)", () => {
  // v1 = 0.5: θ = 1 − 0.1·(0.5 + 0.45) = 0.905; v2 = 0.95: θ = 0.905 − 0.1·(0.5 + 0.855) = 0.7695
  assertClose(steps({ name: "momentum", momentum: 0.9, nesterov: true }, [0.5, 0.5]), [[0.905, 0.905], [
    0.7695,
    0.7695,
  ]]);
});

Deno.test("adam: bias-corrected moments, first step lr·sign(g), second by hand", () => {
  // t=1: m = 0.05, v = 0.00025, m̂ = 0.5, v̂ = 0.25 → θ = 1 − 0.1·0.5/0.5 = 0.9
  // t=2, g = 0.25: m = 0.07, v = 0.00031225, m̂ = 0.07/0.19, v̂ = 0.00031225/0.001999
  const m2 = 0.07 / 0.19, v2 = 0.00031225 / (1 - 0.999 ** 2);
  const theta2 = 0.9 - 0.1 * m2 / (Math.sqrt(v2) + 1e-8);
  assertClose(steps({ name: "adam" }, [0.5, 0.25]), [[0.9, 0.9], [theta2, theta2]]);
  assert.ok(Math.abs(theta2 - 0.806782) < 1e-6);
});

Deno.test("an optimizer's state round-trips through getState/setState and continues identically", () => {
  const sizes = [4, 3, 2];
  const run = (restoreAfter: number | null) => {
    const rng = new Rng(5);
    const small = {
      sizes,
      w: [new Float32Array(12).map(() => rng.nextNormal()), new Float32Array(6).map(() => rng.nextNormal())],
      b: [new Float32Array(3), new Float32Array(2)],
    };
    let optimizer = createOptimizer({ ...DEFAULT_OPTIMIZER, name: "adam" }, sizes);
    const first = { x: new Float32Array(4), dZ0: new Float32Array(3), n: 1 };
    for (let s = 0; s < 4; s++) {
      const grads = {
        w: small.w.map((w) => w.map((v) => v * 0.1 + s)),
        b: small.b.map((b) => b.map(() => 0.01)),
      };
      optimizer.step(small, grads, 0.01, first);
      if (s === restoreAfter) {
        const state = optimizer.getState();
        optimizer = createOptimizer({ ...DEFAULT_OPTIMIZER, name: "adam" }, sizes);
        optimizer.setState(state);
      }
    }
    return small.w.concat(small.b).map((a) => [...a]);
  };
  assert.deepEqual(run(1), run(null));
  assert.deepEqual(stateArrayNames("adam", 1), ["m_w0", "v_w0", "m_b0", "v_b0"]);
  const momentum = createOptimizer({ ...DEFAULT_OPTIMIZER, name: "momentum" }, sizes);
  assert.throws(
    () => momentum.setState({ step: 0, arrays: new Map() }),
    (e: Error) =>
      e instanceof RangeError &&
      e.message ===
        "Cannot restore the momentum optimizer: it keeps [v_w0, v_b0, v_w1, v_b1], the state has []",
  );
});

// ---- dropout ---------------------------------------------------------------------------------

Deno.test("drawDropoutMasks() keeps about 1 − p of the units, scaled by 1 / (1 − p), the same for the same seed", () => {
  const ws = createWorkspace([200, 100], 10, true), again = createWorkspace([200, 100], 10, true);
  drawDropoutMasks(ws, 10, [0.5, 0.25], new Rng(9));
  drawDropoutMasks(again, 10, [0.5, 0.25], new Rng(9));
  assert.deepEqual(ws.mask, again.mask);
  const [m0, m1] = ws.mask!;
  assert.ok(m0.every((v) => v === 0 || v === 2) && m1.every((v) => v === 0 || Math.abs(v - 4 / 3) < 1e-6));
  const kept0 = m0.filter((v) => v > 0).length / m0.length,
    kept1 = m1.filter((v) => v > 0).length / m1.length;
  assert.ok(Math.abs(kept0 - 0.5) < 0.05 && Math.abs(kept1 - 0.75) < 0.05, `${kept0} ${kept1}`);
});

Deno.test("with dropout, backward() matches finite differences of the masked network", () => {
  const rng = new Rng(21), hidden = [10, 6];
  const params = initParams(hidden, "tanh", rng), x = sparseBatch(N, rng);
  const ws = createWorkspace(hidden, N, true);
  drawDropoutMasks(ws, N, [0.3, 0.3], rng);
  const masked = (): number => {
    forward(params, "tanh", x, N, ws, true);
    return softmaxCrossEntropy(ws.logits, LABELS, 0, N, ws.probs, ws.dLogits) / N;
  };
  masked();
  const grads = createGrads(hidden);
  backward(params, "tanh", x, N, ws, grads, true);
  const analytic = [...grads.w[1]];
  const eps = 1e-3;
  for (let k = 0; k < 15; k++) {
    const i = rng.nextInt(params.w[1].length), saved = params.w[1][i];
    params.w[1][i] = saved + eps;
    const up = masked();
    params.w[1][i] = saved - eps;
    const down = masked();
    params.w[1][i] = saved;
    const numeric = (up - down) / (2 * eps);
    assert.ok(
      Math.abs(numeric - analytic[i]) <= 2e-4 + 2e-2 * Math.abs(numeric),
      `w1[${i}]: ${analytic[i]} vs ${numeric}`,
    );
  }
  // a unit dropped in layer 1 passes no gradient to the weights it feeds
  const dropped = ws.mask![0].findIndex((v) => v === 0);
  const unit = dropped % 10;
  if (dropped >= 0 && ws.mask![0].filter((_, j) => j % 10 === unit).every((v) => v === 0)) {
    for (let o = 0; o < 6; o++) assert.equal(grads.w[1][unit * 6 + o], 0);
  }
});
