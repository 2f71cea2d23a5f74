import assert from "node:assert/strict";
import {
  appendImages,
  type Dataset,
  firstImages,
  selectImages,
  splitValidation,
} from "../core/training/dataset.ts";
import { D } from "../core/network/network.ts";
import { Rng } from "../core/network/rng.ts";

/** A set of `count` images where every pixel of image i is i % 256 and its label is i % 10. */
function numbered(count: number): Dataset {
  const pixels = new Uint8Array(count * D);
  for (let i = 0; i < count; i++) pixels.fill(i % 256, i * D, (i + 1) * D);
  return { count, pixels, labels: Uint8Array.from({ length: count }, (_, i) => i % 10) };
}

/** Which source image each row of a numbered subset came from (counts below 256). */
function sourceIndices(data: Dataset): number[] {
  return Array.from({ length: data.count }, (_, r) => {
    const row = data.pixels.subarray(r * D, (r + 1) * D);
    assert.ok(row.every((v) => v === row[0]), `row ${r} mixes images`);
    assert.equal(data.labels[r], row[0] % 10, `row ${r} label`);
    return row[0];
  });
}

// ---- selectImages ------------------------------------------------------------------------------

Deno.test("selectImages() copies the rows and labels at the given indices, in that order", () => {
  const data = numbered(10);
  const picked = selectImages(data, [7, 2, 2, 9, 0]);
  assert.equal(picked.count, 5);
  assert.equal(picked.pixels.length, 5 * D);
  assert.equal(picked.labels.length, 5);
  assert.deepEqual(sourceIndices(picked), [7, 2, 2, 9, 0]);
  assert.deepEqual(picked.pixels.subarray(3 * D, 4 * D), data.pixels.subarray(9 * D, 10 * D));
});

Deno.test("selectImages() returns a copy that does not share memory with the source", () => {
  const data = numbered(4);
  const picked = selectImages(data, Uint32Array.from([1, 3]));
  data.pixels.fill(200);
  data.labels.fill(5);
  assert.deepEqual(sourceIndices(picked), [1, 3]);
});

Deno.test("selectImages() with no indices returns an empty set", () => {
  const picked = selectImages(numbered(3), []);
  assert.equal(picked.count, 0);
  assert.equal(picked.pixels.length, 0);
  assert.equal(picked.labels.length, 0);
});

// ---- splitValidation ---------------------------------------------------------------------------

Deno.test("splitValidation() gives the requested sizes, disjoint parts whose union is every image", () => {
  const data = numbered(200);
  const { train, validation } = splitValidation(data, 30, new Rng(42));
  assert.equal(validation.count, 30);
  assert.equal(train.count, 170);
  assert.equal(validation.pixels.length, 30 * D);
  assert.equal(train.labels.length, 170);
  const held = sourceIndices(validation), kept = sourceIndices(train);
  assert.equal(new Set([...held, ...kept]).size, 200);
  assert.deepEqual([...held, ...kept].sort((a, b) => a - b), Array.from({ length: 200 }, (_, i) => i));
});

Deno.test("splitValidation() shuffles: the validation part is not simply the first or last images", () => {
  const { train, validation } = splitValidation(numbered(200), 50, new Rng(1));
  const held = sourceIndices(validation);
  assert.ok(held.some((i) => i >= 50) && held.some((i) => i < 150));
  const kept = sourceIndices(train);
  assert.notDeepEqual(kept, [...kept].sort((a, b) => a - b));
});

Deno.test("splitValidation() is the same for the same seed and differs for another seed", () => {
  const data = numbered(100);
  const a = splitValidation(data, 20, new Rng(7));
  const b = splitValidation(data, 20, new Rng(7));
  assert.deepEqual(a.validation, b.validation);
  assert.deepEqual(a.train, b.train);
  const c = splitValidation(data, 20, new Rng(8));
  assert.notDeepEqual(sourceIndices(c.validation), sourceIndices(a.validation));
});

Deno.test("splitValidation() uses the generator it is given, and follows its Fisher–Yates order", () => {
  const data = numbered(50);
  const order = Array.from({ length: 50 }, (_, i) => i);
  new Rng(3).shuffle(order);
  const { train, validation } = splitValidation(data, 10, new Rng(3));
  assert.deepEqual(sourceIndices(validation), order.slice(0, 10));
  assert.deepEqual(sourceIndices(train), order.slice(10));
});

Deno.test("splitValidation() with validation 0 keeps every image for training", () => {
  const { train, validation } = splitValidation(numbered(12), 0, new Rng(5));
  assert.equal(validation.count, 0);
  assert.equal(validation.pixels.length, 0);
  assert.equal(train.count, 12);
  assert.deepEqual(sourceIndices(train).sort((a, b) => a - b), Array.from({ length: 12 }, (_, i) => i));
});

Deno.test("splitValidation() may leave a single training image", () => {
  const { train, validation } = splitValidation(numbered(5), 4, new Rng(5));
  assert.equal(train.count, 1);
  assert.equal(validation.count, 4);
});

for (
  const [validation, shown] of [
    [10, "10"],
    [11, "11"],
    [-1, "-1"],
    [2.5, "2.5"],
    [NaN, "NaN"],
  ] as const
) {
  Deno.test(`splitValidation() refuses validation ${shown} of 10 images with a RangeError`, () => {
    assert.throws(() => splitValidation(numbered(10), validation, new Rng(1)), (error: unknown) => {
      assert.ok(error instanceof RangeError, `got ${error}`);
      assert.equal(
        (error as Error).message,
        `Cannot split the training set: validation is ${shown} but the training set holds 10 images`,
      );
      return true;
    });
  });
}

Deno.test("splitValidation() refuses to split an empty set with a RangeError", () => {
  assert.throws(() => splitValidation(numbered(0), 0, new Rng(1)), (error: unknown) => {
    assert.ok(error instanceof RangeError, `got ${error}`);
    assert.equal(
      error.message,
      "Cannot split the training set: validation is 0 but the training set holds 0 images",
    );
    return true;
  });
});

Deno.test("splitValidation() draws nothing from the generator when it refuses", () => {
  const rng = new Rng(9), twin = new Rng(9);
  assert.throws(() => splitValidation(numbered(3), 3, rng), RangeError);
  assert.equal(rng.nextUint32(), twin.nextUint32());
});

// ---- firstImages -------------------------------------------------------------------------------

Deno.test("firstImages() keeps the first count images", () => {
  const data = numbered(10);
  const first = firstImages(data, 4);
  assert.equal(first.count, 4);
  assert.equal(first.pixels.length, 4 * D);
  assert.equal(first.labels.length, 4);
  assert.deepEqual(sourceIndices(first), [0, 1, 2, 3]);
});

Deno.test("firstImages() returns the whole set for 0 and for counts at or above its size", () => {
  const data = numbered(6);
  assert.equal(firstImages(data, 0), data);
  assert.equal(firstImages(data, 6), data);
  assert.equal(firstImages(data, 60), data);
});

Deno.test("splitValidation() can put the training part in shared memory, with the same images", () => {
  const data = {
    count: 6,
    pixels: Uint8Array.from({ length: 6 * D }, (_, i) => Math.floor(i / D) * 40),
    labels: new Uint8Array([0, 1, 2, 3, 4, 5]),
  };
  const plain = splitValidation(data, 2, new Rng(9));
  const shared = splitValidation(data, 2, new Rng(9), true);
  assert.ok(shared.train.pixels.buffer instanceof SharedArrayBuffer);
  assert.ok(!(plain.train.pixels.buffer instanceof SharedArrayBuffer));
  assert.deepEqual(Array.from(shared.train.pixels), Array.from(plain.train.pixels));
  assert.deepEqual(shared.train.labels, plain.train.labels);
  assert.deepEqual(shared.validation.pixels, plain.validation.pixels);
});

// ---- appendImages ------------------------------------------------------------------------------

Deno.test("appendImages() puts the second set's images and labels after the first's, in a copy", () => {
  const first = numbered(3);
  const second = selectImages(numbered(7), [5, 6]);
  const both = appendImages(first, second);
  assert.equal(both.count, 5);
  assert.deepEqual(sourceIndices(both), [0, 1, 2, 5, 6]);
  both.pixels[0] = 99;
  assert.equal(first.pixels[0], 0, "the copy shares no memory with its sources");
  assert.deepEqual(appendImages(first, selectImages(first, [])).labels, first.labels);
});

Deno.test("appendImages() can put the images in shared memory, with the same images", () => {
  const plain = appendImages(numbered(2), numbered(3));
  const shared = appendImages(numbered(2), numbered(3), true);
  assert.ok(shared.pixels.buffer instanceof SharedArrayBuffer);
  assert.ok(!(plain.pixels.buffer instanceof SharedArrayBuffer));
  assert.deepEqual(Array.from(shared.pixels), Array.from(plain.pixels));
  assert.deepEqual(shared.labels, plain.labels);
});
