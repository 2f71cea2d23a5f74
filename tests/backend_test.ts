import assert from "node:assert/strict";
import { createTsBackend, loadParams } from "../core/kernels/backend.ts";
import {
  type Activation,
  backward,
  createGrads,
  createWorkspace,
  D,
  forward,
  initParams,
  K,
  type Params,
  zeroGrads,
} from "../core/network/network.ts";
import { softmaxCrossEntropy } from "../core/network/loss.ts";
import { createOptimizer, DEFAULT_OPTIMIZER } from "../core/network/optimizers.ts";
import { Rng } from "../core/network/rng.ts";
import { sparseBatch } from "./_batches.ts";

/** Parameters with random weights and biases. */
function randomParams(hidden: number, activation: Activation, seed: number): Params {
  const rng = new Rng(seed);
  const params = initParams(hidden, activation, rng);
  for (let j = 0; j < hidden; j++) params.b[0][j] = rng.nextNormal() * 0.1;
  for (let k = 0; k < K; k++) params.b[1][k] = rng.nextNormal() * 0.1;
  return params;
}

function cloneParams(p: Params): Params {
  return { sizes: p.sizes.slice(), w: p.w.map((w) => w.slice()), b: p.b.map((b) => b.slice()) };
}

function assertSameParams(actual: Params, expected: Params, context: string): void {
  assert.deepEqual(actual.sizes, expected.sizes);
  for (let l = 0; l < 2; l++) {
    assert.deepEqual(actual.w[l], expected.w[l], `${context}: w${l}`);
    assert.deepEqual(actual.b[l], expected.b[l], `${context}: b${l}`);
  }
}

// ---- shape and initial state -------------------------------------------------------------------

Deno.test("createTsBackend() allocates zero parameters and buffers of the requested sizes", () => {
  const backend = createTsBackend(12, "sigmoid", 5);
  assert.equal(backend.kind, "ts");
  assert.equal(backend.activation, "sigmoid");
  assert.equal(backend.capacity, 5);
  assert.deepEqual(backend.params.sizes, [D, 12, K]);
  assert.equal(backend.params.w[0].length, D * 12);
  assert.equal(backend.params.b[0].length, 12);
  assert.equal(backend.params.w[1].length, 12 * K);
  assert.equal(backend.params.b[1].length, K);
  for (let l = 0; l < 2; l++) {
    assert.ok(backend.params.w[l].every((v) => v === 0), `w${l}`);
    assert.ok(backend.params.b[l].every((v) => v === 0), `b${l}`);
  }
  assert.equal(backend.x.length, 5 * D);
  assert.equal(backend.probs.length, 5 * K);
});

Deno.test("createTsBackend() refuses a hidden size of 0 with a RangeError", () => {
  assert.throws(() => createTsBackend(0, "relu", 1), (error: unknown) => {
    assert.ok(error instanceof RangeError, `got ${error}`);
    assert.equal(error.message, "Cannot create the network: hidden size is 0, expected a positive integer");
    return true;
  });
});

// ---- trainStep ---------------------------------------------------------------------------------

for (const activation of ["relu", "sigmoid"] as const) {
  Deno.test(`trainStep() is bit-identical to forward, loss, backward and an sgd step by hand (${activation})`, () => {
    const hidden = 7, capacity = 6, lr = 0.05;
    const start = randomParams(hidden, activation, 11);
    const backend = createTsBackend(hidden, activation, capacity);
    loadParams(backend, start);

    // the reference: the same kernels composed by hand on separate buffers
    const params = cloneParams(start);
    const ws = createWorkspace(hidden, capacity);
    const grads = createGrads(hidden);
    const sgd = createOptimizer(DEFAULT_OPTIMIZER, params.sizes);

    const rng = new Rng(12);
    const labels = Uint8Array.from({ length: 40 }, () => rng.nextInt(K));
    // three steps: a full batch, a partial batch at an offset, a single row
    for (const [offset, n] of [[0, 6], [17, 4], [39, 1]]) {
      const x = sparseBatch(n, rng);
      backend.x.set(x);
      const loss = backend.trainStep(labels, offset, n, lr);

      forward(params, activation, x, n, ws);
      const expectedLoss = softmaxCrossEntropy(ws.logits, labels, offset, n, ws.probs, ws.dLogits);
      zeroGrads(grads);
      backward(params, activation, x, n, ws, grads);
      sgd.step(params, grads, lr, { x, dZ0: ws.dZ[0], n });

      assert.equal(loss, expectedLoss, `loss at offset ${offset}`);
      assert.deepEqual(
        backend.probs.subarray(0, n * K),
        ws.probs.subarray(0, n * K),
        `probs at offset ${offset}`,
      );
      assertSameParams(backend.params, params, `after the step at offset ${offset}`);
    }
    // the steps really trained: the parameters moved away from the start
    assert.notDeepEqual(backend.params.w[1], start.w[1]);
  });
}

Deno.test("trainStep() returns the summed loss before the update, and the update lowers it", () => {
  const backend = createTsBackend(16, "relu", 8);
  loadParams(backend, randomParams(16, "relu", 5));
  backend.x.set(sparseBatch(8, new Rng(6)));
  const labels = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]);
  const before = backend.predict(labels, 0, 8);
  assert.equal(backend.trainStep(labels, 0, 8, 0.1), before);
  assert.ok(backend.predict(labels, 0, 8) < before);
});

// ---- predict -----------------------------------------------------------------------------------

Deno.test("predict() with labels null fills probabilities summing to 1 per row and returns 0", () => {
  const backend = createTsBackend(10, "relu", 4);
  loadParams(backend, randomParams(10, "relu", 8));
  backend.x.set(sparseBatch(4, new Rng(9)));
  assert.equal(backend.predict(null, 0, 4), 0);
  for (let r = 0; r < 4; r++) {
    const row = backend.probs.subarray(r * K, (r + 1) * K);
    assert.ok(row.every((p) => p > 0 && p < 1));
    const sum = row.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-6, `row ${r} sums to ${sum}`);
  }
});

Deno.test("predict() with labels returns the summed cross-entropy and leaves the parameters alone", () => {
  const start = randomParams(10, "sigmoid", 13);
  const backend = createTsBackend(10, "sigmoid", 3);
  loadParams(backend, start);
  backend.x.set(sparseBatch(3, new Rng(14)));
  const labels = new Uint8Array([9, 9, 4, 2, 0]);
  const loss = backend.predict(labels, 2, 3);
  let expected = 0;
  for (let r = 0; r < 3; r++) expected += -Math.log(backend.probs[r * K + labels[2 + r]]);
  assert.ok(Math.abs(loss - expected) < 1e-5, `${loss} vs ${expected}`);
  assertSameParams(backend.params, start, "after predict()");
});

Deno.test("predict() gives each row the same probabilities whatever the batch around it", () => {
  const backend = createTsBackend(8, "relu", 5);
  loadParams(backend, randomParams(8, "relu", 15));
  const x = sparseBatch(5, new Rng(16));
  backend.x.set(x);
  backend.predict(null, 0, 5);
  const together = backend.probs.slice();
  for (let r = 0; r < 5; r++) {
    backend.x.set(x.subarray(r * D, (r + 1) * D));
    backend.predict(null, 0, 1);
    assert.deepEqual(backend.probs.subarray(0, K), together.subarray(r * K, (r + 1) * K), `row ${r}`);
  }
});

// ---- loadParams --------------------------------------------------------------------------------

Deno.test("loadParams() copies the values into the backend's own buffers", () => {
  const backend = createTsBackend(6, "relu", 2);
  const [w0, w1] = backend.params.w, [b0, b1] = backend.params.b;
  const source = randomParams(6, "relu", 17);
  loadParams(backend, source);
  assertSameParams(backend.params, source, "after loadParams()");
  // the same buffers, now holding copies
  assert.equal(backend.params.w[0], w0);
  assert.equal(backend.params.b[0], b0);
  assert.equal(backend.params.w[1], w1);
  assert.equal(backend.params.b[1], b1);
  assert.notEqual(backend.params.w[0], source.w[0]);
  const saved = cloneParams(source);
  source.w[0].fill(9);
  source.b[1].fill(9);
  assertSameParams(backend.params, saved, "after changing the source");
});

Deno.test("loadParams() refuses weights of another hidden size with a TypeError naming both sizes", () => {
  const backend = createTsBackend(6, "relu", 2);
  assert.throws(() => loadParams(backend, randomParams(8, "relu", 1)), (error: unknown) => {
    assert.ok(error instanceof TypeError, `got ${error}`);
    assert.equal(error.message, "Cannot load weights: they have layers 784-8-10, the backend 784-6-10");
    return true;
  });
  // nothing was copied
  assert.ok(backend.params.w[0].every((v) => v === 0));
});

Deno.test("dispose() can be called and leaves the parameters readable", () => {
  const backend = createTsBackend(3, "relu", 1);
  backend.dispose();
  assert.equal(backend.params.w[0].length, D * 3);
});
