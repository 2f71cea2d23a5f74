import assert from "node:assert/strict";
import {
  drawShapePool,
  drawShapeTest,
  MAX_SHAPE_POOL,
  SHAPE_POOL_PEN,
  SHAPE_TEST_ROWS,
  SHAPE_TEST_STYLES,
  shapeDigit,
} from "../core/augment/shapes.ts";
import { DIGIT_VARIANTS } from "../core/digits/draw_digits.ts";
import { Rng } from "../core/network/rng.ts";

Deno.test("drawShapeTest() draws each image from its own seed: the same inputs for the same row, whatever the count", () => {
  const three = drawShapeTest("4-closed", 3);
  assert.equal(three.length, 3);
  assert.deepEqual(drawShapeTest("4-closed", 2), three.slice(0, 2));
  assert.notDeepEqual(three[0], three[1]);
  assert.notDeepEqual(drawShapeTest("9-open", 1)[0], three[0]);
  for (const input of three) {
    assert.equal(input.length, 784);
    assert.ok(input.every((v) => v >= 0 && v <= 1) && Math.max(...input) === 1);
  }
});

Deno.test("drawShapeTest() rows are the seven variants, then MNIST's shapes of 0-9, each with its digit", () => {
  assert.deepEqual(SHAPE_TEST_ROWS, [...DIGIT_VARIANTS, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(SHAPE_TEST_ROWS.map(shapeDigit), [1, 1, 7, 7, 4, 9, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

Deno.test("drawShapeTest() refuses a row that is not a shape and a count out of range", () => {
  assert.throws(() => drawShapeTest("7-open" as never, 1), {
    name: "RangeError",
    message: 'Cannot draw the shape test set: row is "7-open", expected a digit 0-9 or one of "1-flag", ' +
      '"1-flag-base", "7-crossbar", "7-european", "4-closed", "9-open", "9-straight"',
  });
  for (const count of [-1, 1.5, 100_001]) {
    assert.throws(() => drawShapeTest(1, count), {
      name: "RangeError",
      message: `Cannot draw the shape test set: count is ${count}, expected an integer from 0 to 100000`,
    });
  }
});

Deno.test("drawShapePool() draws 1, 7, 4 and 9 in turn, as bytes, the same for the same generator", () => {
  const pool = drawShapePool(9, new Rng(3));
  assert.equal(pool.count, 9);
  assert.deepEqual([...pool.labels], [1, 7, 4, 9, 1, 7, 4, 9, 1]);
  assert.equal(pool.pixels.length, 9 * 784);
  for (let i = 0; i < 9; i++) {
    const image = pool.pixels.subarray(i * 784, (i + 1) * 784);
    assert.equal(Math.max(...image), 255, `image ${i} reaches full ink`);
    assert.ok(image.filter((v) => v > 0).length > 40, `image ${i} holds a digit`);
  }
  assert.deepEqual(drawShapePool(9, new Rng(3)), pool);
  assert.notDeepEqual(drawShapePool(9, new Rng(4)).pixels, pool.pixels);
  assert.deepEqual(drawShapePool(0, new Rng(3)), {
    count: 0,
    pixels: new Uint8Array(0),
    labels: new Uint8Array(0),
  });
});

Deno.test("drawShapePool() refuses a count out of range", () => {
  for (const count of [-1, 2.5, MAX_SHAPE_POOL + 1]) {
    assert.throws(() => drawShapePool(count, new Rng(0)), {
      name: "RangeError",
      message: `Cannot draw the shape pool: count is ${count}, expected an integer from 0 to 60000`,
    });
  }
});

Deno.test("the shape test set's pens lie outside the pool's range, so the test measures more than the pool's hands", () => {
  const [lo, hi] = SHAPE_POOL_PEN;
  for (const style of SHAPE_TEST_STYLES) {
    const pen = style.penRadius / style.digitHeight;
    assert.ok(pen < lo || pen > hi, `pen ${pen.toFixed(3)} of the digit height`);
    assert.ok((style.jitter ?? 0.025) > 0.025);
  }
});
