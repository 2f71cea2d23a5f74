import assert from "node:assert/strict";
import { ACTIVATIONS } from "../core/network/activations.ts";
import {
  createWorkspace,
  D,
  forward,
  hiddenSizes,
  initParams,
  type Params,
} from "../core/network/network.ts";
import { Rng } from "../core/network/rng.ts";
import { lookInside } from "../core/serve/inside.ts";

/** A random input in [0, 1], about a fifth of it ink, like an MNIST digit. */
function input(rng: Rng): Float32Array {
  return Float32Array.from({ length: D }, () => (rng.nextFloat() < 0.2 ? rng.nextFloat() : 0));
}

/** The logits of one input, from the network's own forward pass, in float64 from float32 weights. */
function logits(params: Params, activation: (typeof ACTIVATIONS)[number], x: Float32Array): Float32Array {
  const ws = createWorkspace(hiddenSizes(params), 1);
  forward(params, activation, x, 1, ws);
  return new Float32Array(ws.logits);
}

Deno.test("lookInside() returns the forward pass's hidden activations and logits", () => {
  const params = initParams([32, 16], "tanh", new Rng(3));
  const x = input(new Rng(4));
  const inside = lookInside(params, "tanh", x, 2);
  const ws = createWorkspace([32, 16], 1);
  forward(params, "tanh", x, 1, ws);
  assert.deepEqual(inside.hidden.map((a) => a.length), [32, 16]);
  assert.deepEqual([...inside.hidden[0]], [...ws.act[0]]);
  assert.deepEqual([...inside.hidden[1]], [...ws.act[1]]);
  assert.deepEqual([...inside.logits], [...ws.logits]);
});

Deno.test("lookInside() gives x ⊙ ∂z_L[k]/∂x that matches central finite differences, for every activation and 1 or 2 hidden layers", () => {
  // ε = 1e-2 on float32 logits of size ~1: truncation O(ε²) and rounding O(1e-7 / ε) stay below 2e-3
  const eps = 1e-2, tolerance = 2e-3;
  for (const activation of ACTIVATIONS) {
    for (const hidden of [24, [20, 12]]) {
      const rng = new Rng(7);
      const params = initParams(hidden, activation, rng);
      const x = input(rng);
      const k = 5;
      const { contributions } = lookInside(params, activation, x, k);
      const kinked = activation === "relu" || activation === "leaky_relu" || activation === "elu";
      let checked = 0, off = 0;
      for (let i = 0; i < D && checked < 40; i++) {
        if (x[i] === 0) {
          assert.ok(contributions[i] === 0, `${activation} ${hidden}: a paper pixel pushes nothing`);
          continue;
        }
        checked++;
        const up = new Float32Array(x), down = new Float32Array(x);
        up[i] += eps;
        down[i] -= eps;
        const slope = (logits(params, activation, up)[k] - logits(params, activation, down)[k]) / (2 * eps);
        if (Math.abs(x[i] * slope - contributions[i]) <= tolerance) continue;
        // a unit whose z crosses 0 within ±ε bends a relu-like slope: allowed for a few pixels only
        off++;
        assert.ok(kinked, `${activation} ${hidden}: pixel ${i}: ${x[i] * slope} vs ${contributions[i]}`);
      }
      assert.ok(off <= 2, `${activation} ${hidden}: ${off} of 40 pixels differ`);
      assert.equal(checked, 40);
    }
  }
});

Deno.test("lookInside() contributions of a relu network without biases add up to the logit (it is linear where the same units are on)", () => {
  const params = initParams([64, 32], "relu", new Rng(11));
  for (const b of params.b) b.fill(0);
  const x = input(new Rng(12));
  for (let k = 0; k < 10; k++) {
    const inside = lookInside(params, "relu", x, k);
    const sum = inside.contributions.reduce((s, c) => s + c, 0);
    assert.ok(
      Math.abs(sum - inside.logits[k]) < 1e-4 * Math.max(1, Math.abs(inside.logits[k])),
      `${k}: ${sum}`,
    );
  }
});

Deno.test("lookInside() rejects an input that is not 784 values and a class outside 0–9", () => {
  const params = initParams(8, "relu", new Rng(1));
  assert.throws(() => lookInside(params, "relu", new Float32Array(783), 0), (error: Error) => {
    assert.ok(error instanceof TypeError);
    assert.equal(error.message, "Cannot look inside the network: input has 783 values, expected 784");
    return true;
  });
  for (const k of [-1, 10, 2.5]) {
    assert.throws(
      () => lookInside(params, "relu", new Float32Array(D), k),
      new RegExp(
        `^ShapeError: Cannot look inside the network: class is ${k}, expected an integer from 0 to 9$`,
      ),
    );
  }
});
