/**
 * Drawn digit shapes that MNIST lacks (issue 14): a seeded test set of them, drawn the way people's
 * files reach `deno task check`, and a seeded pool of them for the training set.
 *
 * Both draw with the project's own hand (core/digits/draw_digits.ts) and turn each drawing into the
 * network's 28 × 28 input with check's preprocessing (core/digits/preprocess.ts). They are kept apart
 * so that the test set measures more than memory of the pool:
 *
 * | | test set ({@linkcode drawShapeTest}) | pool ({@linkcode drawShapePool}) |
 * |---|---|---|
 * | seeds | `new Rng(SHAPE_TEST_SEED + 100,000 · row + i)`, one per image | one stream, its seed drawn from the run's generator |
 * | pens (radius / digit height) | 0.011, 0.021, 0.067, 0.068 | 0.026 to 0.05 |
 * | paper | textured: dark on light, faint pencil, light on dark | plain white, black ink |
 * | control-point jitter | ±0.035 | ±0.025 |
 * | path to the input | PNG bytes → decodeImage → toMnistInput, as check reads a file | toMnistInput of the drawing |
 *
 * @module
 */

import {
  DIGIT_VARIANTS,
  type DigitStyle,
  type DigitVariant,
  drawDigit,
  drawVariant,
  VARIANT_PATHS,
} from "../digits/draw_digits.ts";
import { toMnistInput } from "../digits/preprocess.ts";
import { decodeImage } from "../formats/image.ts";
import { encodeGrayPng } from "../formats/png.ts";
import { D } from "../network/network.ts";
import { Rng } from "../network/rng.ts";

/** First seed of the shape test set; the pool never draws from these seeds. */
export const SHAPE_TEST_SEED = 7_000_000;

/** Largest pool: as many images as MNIST's training set. */
export const MAX_SHAPE_POOL = 60_000;

/** Pen radius of the pool's drawings, as a fraction of the digit height: [lowest, highest). */
export const SHAPE_POOL_PEN: readonly [number, number] = Object.freeze([0.026, 0.05] as [number, number]);

/** The four hands of the test set, taken in turn: a fine pen, faint pencil, a marker, chalk on a board. */
export const SHAPE_TEST_STYLES: readonly DigitStyle[] = Object.freeze([
  Object.freeze({
    width: 320,
    height: 240,
    paper: 0.93,
    ink: 0.1,
    penRadius: 1.8,
    digitHeight: 160,
    offCentre: 0.6,
    shading: 0.04,
    grain: 0.02,
    seed: 0,
    jitter: 0.035,
  }),
  Object.freeze({
    width: 72,
    height: 72,
    paper: 0.9,
    ink: 0.6,
    penRadius: 1,
    digitHeight: 48,
    offCentre: 0.5,
    shading: 0.02,
    grain: 0.012,
    seed: 0,
    jitter: 0.035,
  }),
  Object.freeze({
    width: 180,
    height: 180,
    paper: 0.97,
    ink: 0.05,
    penRadius: 8,
    digitHeight: 120,
    offCentre: 0.3,
    shading: 0.02,
    grain: 0.01,
    seed: 0,
    jitter: 0.035,
  }),
  Object.freeze({
    width: 200,
    height: 200,
    paper: 0.1,
    ink: 0.92,
    penRadius: 9.5,
    digitHeight: 140,
    offCentre: 0.3,
    shading: 0.02,
    grain: 0.01,
    seed: 0,
    jitter: 0.035,
  }),
]);

/** A row of the test set: one shape of {@linkcode DIGIT_VARIANTS}, or one of MNIST's shapes (a digit). */
export type ShapeRow = DigitVariant | number;

/** The rows of the test set: the seven shapes MNIST lacks, then MNIST's own shapes of 0-9 as a control. */
export const SHAPE_TEST_ROWS: readonly ShapeRow[] = Object.freeze([
  ...DIGIT_VARIANTS,
  0,
  1,
  2,
  3,
  4,
  5,
  6,
  7,
  8,
  9,
]);

/** The digit a row shows. */
export function shapeDigit(row: ShapeRow): number {
  return typeof row === "number" ? row : VARIANT_PATHS[row].digit;
}

/**
 * Draw one row of the shape test set and prepare each image as `deno task check` prepares a file:
 * PNG bytes, decoded, turned into the 28 × 28 input. Image i is drawn in
 * `SHAPE_TEST_STYLES[i % 4]` with `new Rng(SHAPE_TEST_SEED + 100,000 · index of the row + i)`.
 *
 * @param row A shape of {@linkcode SHAPE_TEST_ROWS}.
 * @param count Images to draw, at most 100,000.
 * @returns The inputs, each (28, 28) row-major in [0, 1].
 * @throws {RangeError} When the row is not in {@linkcode SHAPE_TEST_ROWS} or the count is out of range.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { drawShapeTest } from "./shapes.ts";
 * const inputs = drawShapeTest("7-crossbar", 2);
 * assert.ok(inputs.length === 2 && inputs[0].length === 784);
 * assert.deepEqual(drawShapeTest("7-crossbar", 1)[0], inputs[0]);
 * ```
 */
export function drawShapeTest(row: ShapeRow, count: number): Float32Array[] {
  const index = SHAPE_TEST_ROWS.indexOf(row);
  if (index < 0) {
    throw new RangeError(
      `Cannot draw the shape test set: row is ${JSON.stringify(row)}, expected a digit 0-9 or one of ${
        DIGIT_VARIANTS.map((v) => `"${v}"`).join(", ")
      }`,
    );
  }
  if (!Number.isInteger(count) || count < 0 || count > 100_000) {
    throw new RangeError(
      `Cannot draw the shape test set: count is ${count}, expected an integer from 0 to 100000`,
    );
  }
  const inputs: Float32Array[] = [];
  for (let i = 0; i < count; i++) {
    const style = SHAPE_TEST_STYLES[i % SHAPE_TEST_STYLES.length];
    const rng = new Rng(SHAPE_TEST_SEED + 100_000 * index + i);
    const img = typeof row === "number" ? drawDigit(row, style, rng) : drawVariant(row, style, rng);
    const name = `${row}_${i}.png`;
    inputs.push(toMnistInput(decodeImage(encodeGrayPng(img.pixels, img.width, img.height), name), name));
  }
  return inputs;
}

/** Labelled 28 × 28 images as the training set holds them: pixels (N, D) as bytes 0–255, labels (N). */
export interface ShapePool {
  readonly count: number;
  readonly pixels: Uint8Array;
  readonly labels: Uint8Array;
}

/**
 * Draw a pool of the shapes MNIST lacks for the training set: the digits 1, 7, 4 and 9 in turn, each
 * in its variants of {@linkcode VARIANT_PATHS} in turn, every one with its own pen (radius 0.026 to
 * 0.05 of the digit height, drawn from `rng`), black on plain white, and preprocessed with
 * toMnistInput like a file that check reads.
 *
 * @param count How many images, 0 to {@linkcode MAX_SHAPE_POOL}.
 * @param rng The pool's generator; every draw comes from it, in order.
 * @returns The images as bytes and their labels.
 * @throws {RangeError} When the count is out of range.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { drawShapePool } from "./shapes.ts";
 * import { Rng } from "../network/rng.ts";
 * const pool = drawShapePool(4, new Rng(1));
 * assert.deepEqual([...pool.labels], [1, 7, 4, 9]);
 * assert.ok(pool.pixels.length === 4 * 784 && Math.max(...pool.pixels) === 255);
 * ```
 */
export function drawShapePool(count: number, rng: Rng): ShapePool {
  if (!Number.isInteger(count) || count < 0 || count > MAX_SHAPE_POOL) {
    throw new RangeError(
      `Cannot draw the shape pool: count is ${count}, expected an integer from 0 to ${MAX_SHAPE_POOL}`,
    );
  }
  const byDigit = _POOL_DIGITS.map((digit) => DIGIT_VARIANTS.filter((v) => VARIANT_PATHS[v].digit === digit));
  const pixels = new Uint8Array(count * D);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const shape = i % _POOL_DIGITS.length;
    const variants = byDigit[shape];
    const variant = variants[Math.floor(i / _POOL_DIGITS.length) % variants.length];
    const [lo, hi] = SHAPE_POOL_PEN;
    const penRadius = _POOL_HEIGHT * (lo + (hi - lo) * rng.nextFloat());
    const img = drawVariant(variant, { ..._POOL_STYLE, penRadius }, rng);
    const input = toMnistInput(
      { width: img.width, height: img.height, gray: img.pixels, alpha: null },
      variant,
    );
    for (let p = 0; p < D; p++) pixels[i * D + p] = Math.round(input[p] * 255);
    labels[i] = _POOL_DIGITS[shape];
  }
  return { count, pixels, labels };
}

// --- private helpers ---

/** The digits of the pool, in the order they are drawn. */
const _POOL_DIGITS = [1, 7, 4, 9] as const;

/** Digit height of the pool's drawings, pixels. */
const _POOL_HEIGHT = 64;

/** The pool's paper and canvas; the pen radius is drawn per image. */
const _POOL_STYLE: DigitStyle = Object.freeze({
  width: 96,
  height: 96,
  paper: 1,
  ink: 0,
  penRadius: 2,
  digitHeight: _POOL_HEIGHT,
  offCentre: 0.5,
  shading: 0,
  grain: 0,
  seed: 0,
});
