import assert from "node:assert/strict";
import { createTsBackend, loadParams } from "../core/kernels/backend.ts";
import type { Dataset } from "../core/training/dataset.ts";
import { argmaxRow, evaluate } from "../core/training/evaluate.ts";
import { loadInputRow, PIXEL_TO_INPUT, rowLoader } from "../core/network/input.ts";
import { D, initParams, K } from "../core/network/network.ts";
import { Rng } from "../core/network/rng.ts";

/** `count` random images (about 20 % ink, like MNIST) with the given labels. */
function randomSet(labels: readonly number[], seed: number): Dataset {
  const rng = new Rng(seed);
  const pixels = Uint8Array.from(
    { length: labels.length * D },
    () => rng.nextFloat() < 0.2 ? rng.nextInt(256) : 0,
  );
  return { count: labels.length, pixels, labels: Uint8Array.from(labels) };
}

const LABELS = [3, 3, 0, 9, 3, 1, 3, 7, 2, 3, 5, 3]; // 6 of 12 are 3

// ---- PIXEL_TO_INPUT and loadInputRow -----------------------------------------------------------

Deno.test("PIXEL_TO_INPUT maps each byte v to v / 255 rounded to float32", () => {
  assert.equal(PIXEL_TO_INPUT.length, 256);
  for (let v = 0; v < 256; v++) assert.equal(PIXEL_TO_INPUT[v], Math.fround(v / 255), `v = ${v}`);
  assert.equal(PIXEL_TO_INPUT[0], 0);
  assert.equal(PIXEL_TO_INPUT[255], 1);
});

Deno.test("loadInputRow() writes image `index` scaled to [0, 1] into row `row` only", () => {
  const data = randomSet([0, 1, 2], 4);
  const x = new Float32Array(4 * D).fill(-1);
  loadInputRow(data.pixels, 2, x, 1);
  for (let i = 0; i < D; i++) assert.equal(x[D + i], PIXEL_TO_INPUT[data.pixels[2 * D + i]]);
  assert.ok(x.subarray(0, D).every((v) => v === -1));
  assert.ok(x.subarray(2 * D).every((v) => v === -1));
});

// ---- argmaxRow ---------------------------------------------------------------------------------

Deno.test("argmaxRow() returns the index of the largest of the K values of a row", () => {
  const probs = new Float32Array(3 * K);
  probs.set([0.1, 0.05, 0.05, 0.5, 0.1, 0.05, 0.05, 0.05, 0.05, 0], 0);
  probs.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 1], K);
  probs.set([0.9, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.02], 2 * K);
  assert.equal(argmaxRow(probs, 0), 3);
  assert.equal(argmaxRow(probs, 1), 9);
  assert.equal(argmaxRow(probs, 2), 0);
});

Deno.test("argmaxRow() breaks ties towards the lowest index", () => {
  const probs = new Float32Array(2 * K).fill(0.1);
  assert.equal(argmaxRow(probs, 0), 0);
  probs.set([0, 0.3, 0, 0, 0.3, 0, 0, 0, 0.3, 0.1], K);
  assert.equal(argmaxRow(probs, 1), 1);
});

// ---- evaluate ----------------------------------------------------------------------------------

Deno.test("evaluate() with zero weights and b1 favouring class 3 predicts 3 for every image", () => {
  const backend = createTsBackend(8, "relu", 5);
  backend.params.b[1][3] = 5;
  const data = randomSet(LABELS, 1);
  const result = evaluate(backend, data);

  assert.equal(result.count, 12);
  assert.deepEqual(result.predicted, new Uint8Array(12).fill(3));
  assert.equal(result.accuracy, 6 / 12);

  // softmax of logits (0, …, 5 at class 3, …, 0)
  const z = Math.exp(5) + 9, p3 = Math.exp(5) / z, pOther = 1 / z;
  for (const c of result.confidence) assert.ok(Math.abs(c - p3) < 1e-6, `confidence ${c}`);
  const expectedLoss = (6 * -Math.log(p3) + 6 * -Math.log(pOther)) / 12;
  assert.ok(Math.abs(result.loss - expectedLoss) < 1e-5, `loss ${result.loss}, expected ${expectedLoss}`);

  // every image lands in column 3, in the row of its label
  const expected = Array.from({ length: K }, () => new Array(K).fill(0));
  for (const label of LABELS) expected[label][3]++;
  assert.deepEqual(result.confusion, expected);
  assert.equal(result.confusion.flat().reduce((a, b) => a + b, 0), 12);
});

Deno.test("evaluate() with all-zero weights gives uniform output: loss log(10), class 0 by the tie rule", () => {
  const backend = createTsBackend(4, "sigmoid", 8);
  const data = randomSet(LABELS, 2);
  const result = evaluate(backend, data);
  assert.ok(Math.abs(result.loss - Math.log(10)) < 1e-6, `loss ${result.loss}`);
  assert.deepEqual(result.predicted, new Uint8Array(12));
  for (const c of result.confidence) assert.ok(Math.abs(c - 0.1) < 1e-7);
  assert.equal(result.accuracy, 1 / 12); // one image is labelled 0
  assert.equal(result.confusion[0][0], 1);
  assert.equal(result.confusion[3][0], 6);
});

Deno.test("evaluate() counts a perfect classifier as accuracy 1 with a diagonal confusion matrix", () => {
  // input-independent network: b1 favours class k only while we score a set labelled k
  const backend = createTsBackend(4, "relu", 3);
  const confusion = Array.from({ length: K }, () => new Array(K).fill(0));
  for (let k = 0; k < K; k++) {
    backend.params.b[1].fill(0);
    backend.params.b[1][k] = 20;
    const result = evaluate(backend, randomSet([k, k, k, k], k));
    assert.equal(result.accuracy, 1);
    assert.ok(result.loss < 1e-6);
    for (let t = 0; t < K; t++) for (let p = 0; p < K; p++) confusion[t][p] += result.confusion[t][p];
  }
  assert.deepEqual(
    confusion,
    Array.from({ length: K }, (_, t) => Array.from({ length: K }, (_, p) => t === p ? 4 : 0)),
  );
});

Deno.test("evaluate() gives the same result for batches larger and smaller than the backend capacity", () => {
  const params = initParams(16, "relu", new Rng(42));
  const labels = Array.from({ length: 23 }, (_, i) => (i * 7) % 10);
  const data = randomSet(labels, 3);
  const results = [1, 4, 7, 23, 64].map((capacity) => {
    const backend = createTsBackend(16, "relu", capacity);
    loadParams(backend, params);
    return evaluate(backend, data);
  });
  const [reference] = results;
  // a random network does not predict a single class for every image
  assert.ok(new Set(reference.predicted).size > 1);
  for (const result of results.slice(1)) {
    assert.deepEqual(result.predicted, reference.predicted);
    assert.deepEqual(result.confidence, reference.confidence);
    assert.deepEqual(result.confusion, reference.confusion);
    assert.equal(result.accuracy, reference.accuracy);
    // only the order of summing the per-batch losses differs
    assert.ok(
      Math.abs(result.loss - reference.loss) < 1e-12 * reference.loss,
      `${result.loss} vs ${reference.loss}`,
    );
  }
});

Deno.test("evaluate() reports the probability of each prediction and a loss matching the probabilities", () => {
  const backend = createTsBackend(16, "relu", 6);
  loadParams(backend, initParams(16, "relu", new Rng(5)));
  const data = randomSet(LABELS, 5);
  const result = evaluate(backend, data);
  // rescore each image alone and compare
  let lossSum = 0;
  for (let i = 0; i < data.count; i++) {
    loadInputRow(data.pixels, i, backend.x, 0);
    backend.predict(null, 0, 1);
    assert.equal(result.predicted[i], argmaxRow(backend.probs, 0));
    assert.equal(result.confidence[i], backend.probs[result.predicted[i]]);
    lossSum += -Math.log(backend.probs[data.labels[i]]);
  }
  assert.ok(Math.abs(result.loss - lossSum / data.count) < 1e-5);
  assert.equal(result.accuracy, result.predicted.filter((p, i) => p === data.labels[i]).length / data.count);
});

Deno.test("evaluate() of an empty set has count 0, NaN loss and accuracy, and an all-zero confusion matrix", () => {
  const result = evaluate(createTsBackend(4, "relu", 2), {
    count: 0,
    pixels: new Uint8Array(),
    labels: new Uint8Array(),
  });
  assert.equal(result.count, 0);
  assert.ok(Number.isNaN(result.loss));
  assert.ok(Number.isNaN(result.accuracy));
  assert.equal(result.predicted.length, 0);
  assert.equal(result.confidence.length, 0);
  assert.deepEqual(result.confusion, Array.from({ length: K }, () => new Array(K).fill(0)));
});

Deno.test("rowLoader() writes exactly the floats of loadInputRow(), aligned or not, over stale rows", () => {
  const rng = new Rng(4);
  const bytes = Uint8Array.from(
    { length: 20 * 784 + 1 },
    () => (rng.nextFloat() < 0.2 ? rng.nextInt(256) : 0),
  );
  for (const pixels of [bytes.subarray(0, 20 * 784), bytes.subarray(1)]) {
    const load = rowLoader(pixels);
    for (let index = 0; index < 20; index++) {
      const expected = new Float32Array(2 * 784).fill(7), actual = new Float32Array(2 * 784).fill(7);
      loadInputRow(pixels, index, expected, 1);
      load(index, actual, 1);
      assert.deepEqual(actual, expected);
    }
  }
});
