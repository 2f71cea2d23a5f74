/**
 * The softmax kernel of core/kernels/kernels.wat ($exp2d, $softmax_rows) against core/network/loss.ts:
 * its exponential is fdlibm's, byte for byte, and its probabilities and gradient are softmaxRow's.
 */

import assert from "node:assert/strict";
import {
  createWasmCore,
  loadKernelModule,
  softmaxLoss,
  type WasmCore,
} from "../core/kernels/backend_wasm.ts";
import { K } from "../core/network/network.ts";
import { softmaxRow } from "../core/network/loss.ts";
import { Rng } from "../core/network/rng.ts";

/**
 * fdlibm's e_exp.c, written out in float64 (JavaScript's numbers), branch for branch: the reference
 * the kernel's exponential must equal.
 */
function fdlibmExp(x: number): number {
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, x);
  const high = bits.getUint32(0), sign = high >>> 31, hx = high & 0x7fffffff;
  if (hx >= 0x40862e42) { // |x| >= 709.78…
    if (hx >= 0x7ff00000) return Number.isNaN(x) ? x + x : sign === 0 ? x : 0;
    if (x > 7.09782712893383973096e+02) return Infinity;
    if (x < -7.45133219101941108420e+02) return 0;
  }
  let hi = 0, lo = 0, k = 0;
  if (hx > 0x3fd62e42) { // |x| > ln2 / 2
    if (hx < 0x3ff0a2b2) { // |x| < 1.5 ln2
      hi = x - (sign ? -6.93147180369123816490e-01 : 6.93147180369123816490e-01);
      lo = sign ? -1.90821492927058770002e-10 : 1.90821492927058770002e-10;
      k = 1 - sign - sign;
    } else {
      k = Math.trunc(1.44269504088896338700e+00 * x + (sign ? -0.5 : 0.5));
      hi = x - k * 6.93147180369123816490e-01;
      lo = k * 1.90821492927058770002e-10;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) return 1 + x; // |x| < 2^-28
  const t = x * x;
  const c = x - t * (1.66666666666666019037e-01 + t * (-2.77777777770155933842e-03 +
            t *
              (6.61375632143793436117e-05 +
                t * (-1.65339022054652515390e-06 + t * 4.13813679705723846039e-08))));
  if (k === 0) return 1 - ((x * c) / (c - 2.0) - x);
  const y = 1 - ((lo - (x * c) / (2.0 - c)) - hi);
  bits.setFloat64(0, y);
  if (k >= -1021) {
    bits.setUint32(0, bits.getUint32(0) + (k << 20));
    return bits.getFloat64(0);
  }
  bits.setUint32(0, bits.getUint32(0) + ((k + 1000) << 20));
  return bits.getFloat64(0) * 2 ** -1000;
}

/** The float64 whose high and low 32 bits these are. */
function fromBits(high: number, low: number): number {
  const bits = new DataView(new ArrayBuffer(8));
  bits.setUint32(0, high);
  bits.setUint32(4, low);
  return bits.getFloat64(0);
}

/** The float64 after x, towards +∞ (x finite). */
function nextUp(x: number): number {
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, x);
  const u = bits.getBigUint64(0);
  bits.setBigUint64(0, x === 0 ? 1n : x > 0 ? u + 1n : u - 1n);
  return bits.getFloat64(0);
}

/** Units in the last place between two float64 of the same sign. */
function ulps(a: number, b: number): bigint {
  const bits = new DataView(new ArrayBuffer(16));
  bits.setFloat64(0, a);
  bits.setFloat64(8, b);
  const d = bits.getBigInt64(0) - bits.getBigInt64(8);
  return d < 0n ? -d : d;
}

Deno.test("the softmax's exp is fdlibm's exp byte for byte, within 1 ulp of Math.exp, over every branch", async () => {
  const core = createWasmCore(await loadKernelModule(), 8, "relu", 1);
  const rng = new Rng(11);
  const xs: number[] = [
    0,
    -0,
    Infinity,
    -Infinity,
    NaN,
    2 ** -28,
    -(2 ** -28),
    1e-300,
    -5e-324,
    -1e4,
    -1e300,
    1e300,
  ];
  // each branch's edges: |x| < 2^-28, around ln2 / 2 (fdlibm tests the high word 0x3fd62e42), 1.5 ln2,
  // where k reaches -1021 (the subnormal scaling), and the overflow and underflow limits
  for (
    const edge of [
      2 ** -28,
      0.34657359027997264,
      fromBits(0x3fd62e43, 0),
      fromBits(0x3ff0a2b2, 0),
      1.0397207708399179,
    ]
  ) {
    let v = edge;
    for (let i = 0; i < 8; i++, v = nextUp(v)) xs.push(v, -v);
  }
  // inside the two narrow ranges where a branch gives another double than the general formula:
  // ln2 / 2 < |x| < 0x1.62e43p-2 (fdlibm keeps k = 0 there) and |x| < 2^-28 (fdlibm returns 1 + x)
  const low = 0.34657359027997264, high = fromBits(0x3fd62e43, 0);
  for (let i = 0; i < 2000; i++) {
    const v = low + (high - low) * rng.nextFloat();
    xs.push(v, -v, (rng.nextFloat() - 0.5) * 2 ** -27);
  }
  for (
    const edge of [-708.3964185322641, -708.4, -745.1332191019411, -745.13321910194122, 709.782712893384]
  ) {
    let v = edge;
    for (let i = 0; i < 8; i++, v = nextUp(v)) xs.push(v);
  }
  for (let i = 0; i < 200_000; i++) {
    const r = rng.nextFloat();
    if (i % 4 === 0) xs.push((r - 0.5) * 1500);
    else if (i % 4 === 1) xs.push(-r * 30);
    else if (i % 4 === 2) xs.push((r - 0.5) * 2);
    else xs.push(Math.fround(rng.nextNormal() * 20) - Math.fround(rng.nextNormal() * 20));
  }
  let differ = 0;
  for (const x of xs) {
    const got = core.kernels.exp_f64(x), want = fdlibmExp(x);
    assert.ok(
      Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want)),
      `exp(${x}): ${got}, fdlibm ${want}`,
    );
    if (Number.isFinite(want) && want !== Math.exp(x)) {
      differ++;
      assert.ok(ulps(want, Math.exp(x)) <= 1n, `exp(${x}): ${want}, Math.exp ${Math.exp(x)}`);
    }
  }
  // V8's Math.exp is not fdlibm's (it agrees with glibc's): they differ in the last bit about 8 % of the time
  assert.ok(
    differ > 0.02 * xs.length && differ < 0.2 * xs.length,
    `${differ} of ${xs.length} differ from Math.exp`,
  );
});

/** Rows of logits that reach every case of the softmax: random, wide, tied, extreme, NaN, infinite. */
function logitRows(rng: Rng, n: number): Float32Array {
  const logits = new Float32Array(n * K);
  for (let s = 0; s < n; s++) {
    const row = logits.subarray(s * K, (s + 1) * K), kind = s % 8;
    for (let k = 0; k < K; k++) {
      const v = rng.nextNormal();
      row[k] = kind === 0
        ? v
        : kind === 1
        ? v * 30
        : kind === 2
        ? v * 400
        : kind === 3
        ? Math.round(v)
        : v * 1e-6;
    }
    if (kind === 4) row.fill(-5); // equal: 1 / 10 each, loss log 10
    if (kind === 5) row.set([1000, 0, 0, 0, 0, 0, 0, 0, 0, -1000]); // e^-1000 underflows to 0
    if (kind === 6 && s % 16 === 6) row[3] = NaN;
    if (kind === 6 && s % 16 === 14) row[7] = -Infinity;
    if (kind === 7) row[rng.nextInt(K)] = row[rng.nextInt(K)]; // a tie, maybe of the largest
  }
  return logits;
}

/** Run softmax_rows over rows [0, n) with the given logits and labels, in the given row ranges. */
function wasmSoftmax(
  core: WasmCore,
  logits: Float32Array,
  labels: Uint8Array,
  n: number,
  cuts: number[][],
  grad: boolean,
) {
  core.logits.set(logits);
  core.labels.set(labels);
  core.probs.fill(7);
  core.dLogits.fill(7);
  core.rowStats.fill(7);
  for (const [s0, s1] of cuts) core.kernels.softmax_rows(s0, s1, grad ? n : 0);
  return {
    probs: core.probs.slice(0, n * K),
    dLogits: core.dLogits.slice(0, n * K),
    rowStats: core.rowStats.slice(0, 2 * n),
  };
}

/**
 * The kernel's softmax as its comment states it, one float64 operation at a time: m, e_k by fdlibm's
 * exp, Σ = e_0 + … + e_9 in order, probs and dLogits rounded to float32.
 */
function referenceSoftmax(logits: Float32Array, labels: Uint8Array, n: number) {
  const probs = new Float32Array(n * K),
    dLogits = new Float32Array(n * K),
    rowStats = new Float64Array(2 * n);
  for (let s = 0; s < n; s++) {
    const row = logits.subarray(s * K, (s + 1) * K);
    const m = row.some(Number.isNaN) ? NaN : Math.max(...row);
    const e = Array.from(row, (z) => fdlibmExp(z - m));
    let sum = 0;
    for (const v of e) sum += v;
    rowStats.set([m, sum], 2 * s);
    for (let k = 0; k < K; k++) {
      probs[s * K + k] = e[k] / sum;
      dLogits[s * K + k] = (probs[s * K + k] - (k === labels[s] ? 1 : 0)) / n;
    }
  }
  return { probs, dLogits, rowStats };
}

/** Equal bytes, except that any NaN equals any NaN (NaN payloads may differ). */
function assertSameNumbers(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    assert.ok(Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)), `${what}[${i}]: ${a}, expected ${e}`);
  }
}

Deno.test("softmax_rows() gives softmaxRow's probabilities and dLogits byte for byte, and its loss, however rows are cut", async () => {
  const n = 96;
  const core = createWasmCore(await loadKernelModule(), 8, "relu", n);
  const rng = new Rng(12);
  for (let round = 0; round < 40; round++) {
    const logits = logitRows(rng, n);
    const labels = Uint8Array.from({ length: n }, () => rng.nextInt(K));
    const probs = new Float32Array(n * K), dLogits = new Float32Array(n * K);
    const losses = Array.from({ length: n }, (_, s) => softmaxRow(logits, s, labels[s], n, probs, dLogits));
    const expected = referenceSoftmax(logits, labels, n);
    const whole = wasmSoftmax(core, logits, labels, n, [[0, n]], true);
    assertSameNumbers(whole.probs, expected.probs, "probs");
    assertSameNumbers(whole.dLogits, expected.dLogits, "dLogits");
    assertSameNumbers(whole.rowStats, expected.rowStats, "rowStats");
    // softmaxRow (Math.exp) gives the same float32 numbers: Math.exp and fdlibm differ in the last
    // bit of a double, which moves a float32 quotient about 4 times in a billion
    assertSameNumbers(whole.probs, probs, "probs against softmaxRow");
    assertSameNumbers(whole.dLogits, dLogits, "dLogits against softmaxRow");
    // the loss: softmaxRow's formula on the kernel's Σ, which can differ from Math.exp's in its last bits
    let lossSum = 0;
    for (const loss of losses) lossSum += loss;
    const got = softmaxLoss(core, labels, 0, n);
    if (Number.isNaN(lossSum)) assert.ok(Number.isNaN(got));
    else {assert.ok(
        Math.abs(got - lossSum) <= 1e-12 * Math.abs(lossSum),
        `loss ${got}, softmaxRow ${lossSum}`,
      );}
    // rows in other ranges, in another order, and without dLogits (a prediction leaves them alone)
    const cut = wasmSoftmax(core, logits, labels, n, [[50, n], [0, 1], [1, 50], [7, 7]], true);
    assertSameNumbers(cut.probs, expected.probs, "probs, cut");
    assertSameNumbers(cut.dLogits, expected.dLogits, "dLogits, cut");
    assertSameNumbers(cut.rowStats, expected.rowStats, "rowStats, cut");
    const noGrad = wasmSoftmax(core, logits, labels, n, [[0, n]], false);
    assertSameNumbers(noGrad.probs, expected.probs, "probs without dLogits");
    assert.ok(noGrad.dLogits.every((v) => v === 7), "dLogits written without labels");
  }
});

Deno.test("softmax_rows() keeps softmaxRow's exact cases: a far class gets 0, equal logits 1 / 10 and loss log 10", async () => {
  const core = createWasmCore(await loadKernelModule(), 8, "relu", 2);
  const logits = new Float32Array(2 * K).fill(-5);
  logits.set([1000, 0, 0, 0, 0, 0, 0, 0, 0, -1000]);
  const labels = new Uint8Array([9, 4]);
  const { probs, dLogits } = wasmSoftmax(core, logits, labels, 2, [[0, 2]], true);
  assert.equal(probs[0], 1);
  assert.ok(probs.subarray(1, K).every((p) => Object.is(p, 0)));
  assert.equal(dLogits[9], -0.5); // (0 − 1) / 2
  assert.equal(softmaxLoss(core, labels, 0, 1), 2000); // log 1 − (−1000 − 1000)
  assert.ok(probs.subarray(K).every((p) => p === Math.fround(0.1)));
  assert.equal(softmaxLoss(core, labels, 0, 2), 2000 + Math.log(10)); // log Σ = log (10 e^0)
});
