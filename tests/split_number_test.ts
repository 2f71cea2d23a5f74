import assert from "node:assert/strict";
import { LimitError, ShapeError } from "../core/base/errors.ts";
import { findPieces, MAX_PIECES, splitNumber } from "../core/digits/split_number.ts";
import { drawNumber } from "../core/digits/draw_digits.ts";
import { Rng } from "../core/network/rng.ts";
import { NUMBER_IMAGES } from "./_number_images.ts";

/** An ink image (height, width) with filled rectangles [x0, y0, x1, y1] (inclusive) of ink 1. */
function inkWith(width: number, height: number, rects: [number, number, number, number][]): Float32Array {
  const ink = new Float32Array(width * height);
  for (const [x0, y0, x1, y1] of rects) {
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) ink[y * width + x] = 1;
  }
  return ink;
}

/** A ring (the outline of a box, 3 px thick), as rectangles. */
function ring(x0: number, y0: number, x1: number, y1: number): [number, number, number, number][] {
  return [[x0, y0, x1, y0 + 2], [x0, y1 - 2, x1, y1], [x0, y0, x0 + 2, y1], [x1 - 2, y0, x1, y1]];
}

/** White paper (height, width) with black rectangles, as a decoded image. */
function paperWith(width: number, height: number, rects: [number, number, number, number][]) {
  const gray = new Float32Array(width * height).fill(1);
  const ink = inkWith(width, height, rects);
  for (let i = 0; i < gray.length; i++) if (ink[i] > 0) gray[i] = 0;
  return { width, height, gray, alpha: null };
}

Deno.test("findPieces() finds two separate blobs as two digits, left to right", () => {
  const ink = inkWith(60, 30, [...ring(34, 4, 50, 26), [10, 4, 13, 26]]);
  const map = findPieces(ink, 60, 30);
  assert.deepEqual(map.pieces.map((p) => [p.box.x0, p.box.x1, p.cut]), [[10, 13, false], [34, 50, false]]);
  assert.equal(map.owner[15 * 60 + 11], 0);
  assert.equal(map.owner[4 * 60 + 40], 1);
  assert.equal(map.digitHeight, 23);
});

Deno.test("findPieces() merges a broken stroke and a lifted flag into the digit they overlap", () => {
  // a stroke broken in two (rows 4-13 and 16-26), and a 5-like body with a flag drawn apart above it
  const ink = inkWith(70, 30, [[10, 4, 13, 13], [11, 16, 14, 26], [34, 10, 50, 26], [36, 3, 52, 5]]);
  const map = findPieces(ink, 70, 30);
  assert.deepEqual(map.pieces.map((p) => [p.box.x0, p.box.y0, p.box.x1, p.box.y1]), [
    [10, 4, 14, 26],
    [34, 3, 52, 26],
  ]);
});

Deno.test("findPieces() cuts touching digits at the column of least ink and marks both parts cut", () => {
  // two rings 16 wide and 23 tall joined by a 3-px bridge: one blob 38 wide, wider than it is tall
  const ink = inkWith(70, 30, [...ring(5, 4, 20, 26), [21, 14, 23, 16], ...ring(24, 4, 39, 26)]);
  const map = findPieces(ink, 70, 30);
  assert.equal(map.pieces.length, 2);
  assert.ok(map.pieces.every((p) => p.cut));
  const cutAt = map.pieces[1].box.x0;
  assert.ok(cutAt >= 21 && cutAt <= 24, `cut at column ${cutAt}, expected in the bridge`);
  // a blob as wide as it is tall is one digit, not cut
  assert.equal(findPieces(inkWith(40, 30, ring(5, 4, 27, 26)), 40, 30).pieces.length, 1);
});

Deno.test("findPieces() drops marks much smaller than the digits (a full stop)", () => {
  const ink = inkWith(60, 30, [[10, 4, 13, 26], [20, 24, 22, 26], [34, 4, 37, 26]]);
  const map = findPieces(ink, 60, 30);
  assert.deepEqual(map.pieces.map((p) => p.box.x0), [10, 34]);
  assert.equal(map.owner[25 * 60 + 21], -1);
});

Deno.test("splitNumber() reads a number drawn on lined paper as its digits, one input each", () => {
  const { text, style, layout, seed } = NUMBER_IMAGES[0];
  const img = drawNumber(text, style, layout, new Rng(seed));
  const pieces = splitNumber(
    { width: img.width, height: img.height, gray: img.pixels, alpha: null },
    "2026.png",
  );
  assert.equal(pieces.length, 4);
  for (let i = 0; i < 4; i++) {
    assert.equal(pieces[i].input.length, 784);
    assert.ok(pieces[i].input.some((v) => v > 0.9));
    if (i > 0) assert.ok(pieces[i].box[0] > pieces[i - 1].box[2], "pieces left to right, apart");
  }
});

Deno.test("splitNumber() gives each piece only its own ink, in the file's pixels", () => {
  const pieces = splitNumber(paperWith(80, 40, [[20, 6, 23, 33], [50, 6, 53, 33]]), "11.png");
  assert.deepEqual(pieces.map((p) => p.box), [[20, 6, 23, 33], [50, 6, 53, 33]]);
  // the same bar alone gives the same input: the other bar is not in it
  const alone = splitNumber(paperWith(80, 40, [[20, 6, 23, 33]]), "1.png");
  assert.deepEqual(pieces[0].input, alone[0].input);
});

Deno.test("splitNumber() rejects a blank image", () => {
  assert.throws(
    () => splitNumber(paperWith(40, 20, []), "blank.png"),
    (e: unknown) =>
      e instanceof LimitError &&
      e.message === 'Cannot read number "blank.png": no digit found (the image is blank)',
  );
});

Deno.test("splitNumber() rejects an image of more digits than a number holds", () => {
  const bars: [number, number, number, number][] = [];
  for (let i = 0; i <= MAX_PIECES; i++) bars.push([4 + i * 8, 4, 6 + i * 8, 25]);
  assert.throws(
    () => splitNumber(paperWith(8 * (MAX_PIECES + 2), 30, bars), "page.png"),
    (e: unknown) =>
      e instanceof LimitError &&
      e.message === `Cannot read number "page.png": 33 digits found, expected at most 32`,
  );
});

Deno.test("splitNumber() rejects pixel arrays that do not match the size", () => {
  assert.throws(
    () => splitNumber({ width: 10, height: 10, gray: new Float32Array(5), alpha: null }, "x.png"),
    (e: unknown) =>
      e instanceof ShapeError &&
      e.message === 'Cannot read number "x.png": pixel arrays do not match the size 10x10',
  );
});

Deno.test("drawNumber() draws the same number for the same seed and rejects text that is not digits", () => {
  const { text, style, layout } = NUMBER_IMAGES[1];
  assert.deepEqual(drawNumber(text, style, layout, new Rng(5)), drawNumber(text, style, layout, new Rng(5)));
  assert.throws(
    () => drawNumber("3.14", style, layout, new Rng(5)),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message === 'Cannot draw number: text is "3.14", expected the digits 0-9 only',
  );
});
