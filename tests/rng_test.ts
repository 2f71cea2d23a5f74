import assert from "node:assert/strict";
import { Rng, SEED_LIMIT } from "../core/network/rng.ts";

/** The first `count` raw outputs of a generator. */
function firstOutputs(rng: Rng, count: number): number[] {
  return Array.from({ length: count }, () => rng.nextUint32());
}

/** Pearson's chi-square statistic of observed counts against equal expected counts. */
function chiSquare(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0), expected = total / counts.length;
  return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
}

// Chi-square bounds with a false-alarm chance near 1e-6 (so "generous"): the draws use fixed seeds,
// so the tests are deterministic anyway, and a real bias of a few percent still exceeds them.
const CHI2_BOUND_DF5 = 35;
const CHI2_BOUND_DF6 = 37;

// ---- golden streams ----------------------------------------------------------------------------

// Recorded once from core/network/rng.ts and checked against an independent Python transcription of
// SplitMix32 seeding + xoshiro128**. They pin the stream: every seeded result of the project
// (initial weights, splits, shuffles, augmentation) changes if these change.
Deno.test("Rng(0) produces its recorded first outputs", () => {
  assert.deepEqual(firstOutputs(new Rng(0), 6), [
    0xe308dc58,
    0x4392d0e4,
    0x03318f97,
    0xac593a63,
    0x08535f0a,
    0x83532d1f,
  ]);
});

Deno.test("Rng(42) produces its recorded first outputs", () => {
  assert.deepEqual(firstOutputs(new Rng(42), 6), [
    0xa91e1cac,
    0x207b36e9,
    0x1c987ffa,
    0xd09fde9e,
    0x14404494,
    0x06bee32a,
  ]);
});

Deno.test("Rng(42) fills its state by SplitMix32 as recorded", () => {
  assert.deepEqual(new Rng(42).getState(), [939911724, 3948730756, 321366731, 3317318717]);
  assert.deepEqual(new Rng(0).getState(), [2462723854, 1020716019, 454327756, 1275600319]);
});

Deno.test("nextUint32() from state [1, 2, 3, 4] matches the xoshiro128** reference outputs", () => {
  // the published reference C code (prng.di.unimi.it/xoshiro128starstar.c) gives these from s = {1, 2, 3, 4}
  const rng = new Rng(0);
  rng.setState([1, 2, 3, 4]);
  assert.deepEqual(firstOutputs(rng, 6), [11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
});

// ---- determinism -------------------------------------------------------------------------------

Deno.test("two generators with the same seed give the same sequence", () => {
  for (const seed of [0, 1, 42, 123456789, SEED_LIMIT - 1]) {
    assert.deepEqual(firstOutputs(new Rng(seed), 1000), firstOutputs(new Rng(seed), 1000));
  }
});

Deno.test("different seeds give different sequences, also for neighbouring seeds", () => {
  const streams = [0, 1, 2, 3, 42, 43, SEED_LIMIT - 1].map((seed) =>
    firstOutputs(new Rng(seed), 8).join(",")
  );
  assert.equal(new Set(streams).size, streams.length);
  // nearby seeds are unrelated: their first outputs differ in about half of the 32 bits
  let differingBits = 0;
  for (let seed = 0; seed < 200; seed++) {
    let x = (new Rng(seed).nextUint32() ^ new Rng(seed + 1).nextUint32()) >>> 0;
    while (x) {
      differingBits += x & 1;
      x >>>= 1;
    }
  }
  const mean = differingBits / 200;
  assert.ok(mean > 14 && mean < 18, `mean differing bits ${mean}`);
});

// ---- distributions -----------------------------------------------------------------------------

Deno.test("nextFloat() stays in [0, 1) and is uniform over ten bins", () => {
  const rng = new Rng(5);
  const bins = new Array(10).fill(0);
  let min = 1, max = 0;
  for (let i = 0; i < 100_000; i++) {
    const v = rng.nextFloat();
    assert.ok(v >= 0 && v < 1, `nextFloat() gave ${v}`);
    min = Math.min(min, v);
    max = Math.max(max, v);
    bins[Math.floor(v * 10)]++;
  }
  assert.ok(min < 1e-3 && max > 1 - 1e-3, `range [${min}, ${max}]`);
  assert.ok(chiSquare(bins) < 45, `chi-square ${chiSquare(bins)} over 9 degrees of freedom`);
});

Deno.test("nextFloat() is nextUint32() / 2^32, so it never reaches 1", () => {
  const a = new Rng(9), b = new Rng(9);
  for (let i = 0; i < 100; i++) assert.equal(a.nextFloat(), b.nextUint32() / 2 ** 32);
  assert.ok((2 ** 32 - 1) / SEED_LIMIT < 1);
});

Deno.test("nextInt(7) stays in range and passes a chi-square test over 100k draws", () => {
  const rng = new Rng(2024);
  const counts = new Array(7).fill(0);
  for (let i = 0; i < 100_000; i++) {
    const v = rng.nextInt(7);
    assert.ok(Number.isInteger(v) && v >= 0 && v < 7, `nextInt(7) gave ${v}`);
    counts[v]++;
  }
  assert.ok(chiSquare(counts) < CHI2_BOUND_DF6, `chi-square ${chiSquare(counts)}, counts ${counts}`);
});

Deno.test("nextInt(n) has no modulo bias when n is 3 · 2^30", () => {
  // Plain r % n would give each value below 2^30 twice the chance of the others: half the draws
  // would fall below 2^30 instead of a third.
  const n = 3 * 2 ** 30, rng = new Rng(77), draws = 30_000;
  let low = 0;
  for (let i = 0; i < draws; i++) {
    const v = rng.nextInt(n);
    assert.ok(Number.isInteger(v) && v >= 0 && v < n);
    if (v < 2 ** 30) low++;
  }
  assert.ok(Math.abs(low / draws - 1 / 3) < 0.015, `fraction below 2^30: ${low / draws}`);
});

Deno.test("nextInt(1) is always 0 and nextInt(2) gives 0 and 1 about equally", () => {
  const rng = new Rng(3);
  for (let i = 0; i < 1000; i++) assert.equal(rng.nextInt(1), 0);
  let ones = 0;
  for (let i = 0; i < 10_000; i++) {
    const v = rng.nextInt(2);
    assert.ok(v === 0 || v === 1);
    ones += v;
  }
  assert.ok(Math.abs(ones - 5000) < 300, `${ones} ones in 10000`);
});

Deno.test("nextInt(2^32) returns the raw 32-bit outputs, never rejecting", () => {
  const a = new Rng(11), b = new Rng(11);
  for (let i = 0; i < 1000; i++) assert.equal(a.nextInt(2 ** 32), b.nextUint32());
});

Deno.test("nextNormal() has mean about 0, variance about 1 and symmetric tails", () => {
  const rng = new Rng(8), n = 100_000;
  let sum = 0, sumSq = 0, beyond2 = 0;
  for (let i = 0; i < n; i++) {
    const v = rng.nextNormal();
    assert.ok(Number.isFinite(v));
    sum += v;
    sumSq += v * v;
    if (Math.abs(v) > 2) beyond2++;
  }
  const mean = sum / n, variance = sumSq / n - mean * mean;
  // standard errors: mean 0.003, variance 0.0045
  assert.ok(Math.abs(mean) < 0.02, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.03, `variance ${variance}`);
  // P(|z| > 2) = 0.0455 for a standard normal
  assert.ok(Math.abs(beyond2 / n - 0.0455) < 0.004, `fraction beyond 2: ${beyond2 / n}`);
});

// ---- shuffle -----------------------------------------------------------------------------------

Deno.test("shuffle() returns the same array holding a permutation of its items", () => {
  const rng = new Rng(4);
  const items = Array.from({ length: 100 }, (_, i) => i);
  const result = rng.shuffle(items);
  assert.equal(result, items);
  assert.deepEqual([...items].sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i));
  assert.notDeepEqual(items, Array.from({ length: 100 }, (_, i) => i));

  const typed = Uint32Array.from({ length: 50 }, (_, i) => i * 3);
  assert.equal(rng.shuffle(typed), typed);
  assert.deepEqual([...typed].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i * 3));
});

Deno.test("shuffle() leaves empty and one-item arrays alone without drawing", () => {
  const rng = new Rng(6), twin = new Rng(6);
  assert.deepEqual(rng.shuffle([]), []);
  assert.deepEqual(rng.shuffle(["only"]), ["only"]);
  assert.equal(rng.nextUint32(), twin.nextUint32());
});

Deno.test("shuffle() gives each of the 6 orders of 3 items about equally often", () => {
  const rng = new Rng(12);
  const counts = new Map<string, number>();
  const rounds = 60_000;
  for (let i = 0; i < rounds; i++) {
    const key = rng.shuffle(["a", "b", "c"]).join("");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  assert.deepEqual([...counts.keys()].sort(), ["abc", "acb", "bac", "bca", "cab", "cba"]);
  const observed = [...counts.values()];
  assert.ok(chiSquare(observed) < CHI2_BOUND_DF5, `chi-square ${chiSquare(observed)}, counts ${observed}`);
});

// ---- state -------------------------------------------------------------------------------------

Deno.test("getState() then setState() on another generator continues the identical sequence", () => {
  const original = new Rng(42);
  firstOutputs(original, 37);
  original.nextNormal();
  const state = original.getState();
  const restored = new Rng(7);
  restored.setState(state);
  assert.deepEqual(restored.getState(), state);
  for (let i = 0; i < 500; i++) {
    assert.equal(restored.nextUint32(), original.nextUint32());
    assert.equal(restored.nextInt(1000), original.nextInt(1000));
    assert.equal(restored.nextNormal(), original.nextNormal());
  }
});

Deno.test("getState() survives a JSON round trip, as in a checkpoint", () => {
  const rng = new Rng(99);
  firstOutputs(rng, 10);
  const copy = new Rng(0);
  copy.setState(JSON.parse(JSON.stringify(rng.getState())));
  assert.deepEqual(firstOutputs(copy, 100), firstOutputs(rng, 100));
});

Deno.test("getState() returns a copy and setState() copies its input", () => {
  const rng = new Rng(1), twin = new Rng(1);
  const state = rng.getState();
  state[0] ^= 1;
  assert.equal(rng.nextUint32(), twin.nextUint32());

  const input = new Rng(5).getState();
  rng.setState(input);
  twin.setState(input);
  input[1] ^= 1;
  assert.equal(rng.nextUint32(), twin.nextUint32());
});

// ---- errors ------------------------------------------------------------------------------------

for (
  const [seed, shown] of [
    [1.5, "1.5"],
    [-1, "-1"],
    [2 ** 32, "4294967296"],
    [NaN, "NaN"],
    [Infinity, "Infinity"],
  ] as const
) {
  Deno.test(`new Rng() rejects the seed ${shown} with a RangeError`, () => {
    assert.throws(() => new Rng(seed), (error: unknown) => {
      assert.ok(error instanceof RangeError, `got ${error}`);
      assert.equal(
        (error as Error).message,
        `Cannot seed the generator: seed is ${shown}, expected an integer in [0, 2^32)`,
      );
      return true;
    });
  });
}

Deno.test("new Rng() accepts the extreme seeds 0 and 2^32 - 1", () => {
  assert.notDeepEqual(new Rng(0).getState(), [0, 0, 0, 0]);
  assert.notDeepEqual(new Rng(SEED_LIMIT - 1).getState(), [0, 0, 0, 0]);
});

for (
  const [label, state, shown] of [
    ["three words", [1, 2, 3], "[1,2,3]"],
    ["five words", [1, 2, 3, 4, 5], "[1,2,3,4,5]"],
    ["no words", [], "[]"],
    ["all zero words", [0, 0, 0, 0], "[0,0,0,0]"],
    ["a non-integer word", [1, 2, 3.5, 4], "[1,2,3.5,4]"],
    ["a negative word", [1, -2, 3, 4], "[1,-2,3,4]"],
    ["a word of 2^32", [1, 2, 3, 2 ** 32], "[1,2,3,4294967296]"],
    ["a NaN word", [NaN, 2, 3, 4], "[NaN,2,3,4]"],
  ] as const
) {
  Deno.test(`setState() rejects a state of ${label} and keeps the old state`, () => {
    const rng = new Rng(21), twin = new Rng(21);
    assert.throws(() => rng.setState(state), (error: unknown) => {
      assert.ok(error instanceof RangeError, `got ${error}`);
      assert.equal(
        (error as Error).message,
        `Cannot restore the generator: state is ${shown}, expected four uint32 words`,
      );
      return true;
    });
    assert.deepEqual(firstOutputs(rng, 5), firstOutputs(twin, 5));
  });
}
