/**
 * core/digits/preprocess.ts on what phone photos do to a digit, each case made small and exact: ink
 * in a shadow, paper under a flash, and paper lines that are tilted, dotted or run along a stroke.
 * docs/photo_bench.md measures the same on MNIST digits.
 */

import assert from "node:assert/strict";
import { isDarkInk, removeBackground, removeLines } from "../core/digits/preprocess.ts";
import { Rng } from "../core/network/rng.ts";

/** Fill the rectangle [x0, x1) × [y0, y1) of a (h, w) image with v. */
function rect(img: Float32Array, w: number, x0: number, y0: number, x1: number, y1: number, v: number): void {
  for (let y = y0; y < y1; y++) img.fill(v, y * w + x0, y * w + x1);
}

/** Mean of a (h, w) image over a rectangle. */
function mean(img: Float32Array, w: number, x0: number, y0: number, x1: number, y1: number): number {
  let sum = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += img[y * w + x];
  return sum / ((x1 - x0) * (y1 - y0));
}

Deno.test("removeBackground() with relative contrast reads ink in a shadow as strongly as ink in full light", () => {
  // white paper, the right half in a shadow that keeps 45 % of the light; a bar of the same ink on each side
  const w = 160, h = 100, light = (x: number) => (x < 80 ? 1 : 0.45);
  const gray = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) gray[y * w + x] = 0.95 * light(x);
  for (let y = 20; y < 80; y++) {
    for (let x = 30; x < 42; x++) gray[y * w + x] = 0.15 * light(x);
    for (let x = 115; x < 127; x++) gray[y * w + x] = 0.15 * light(x);
  }
  const bright = gray.map((v) => 1 - v);
  const relative = removeBackground(bright, w, h, true);
  const lit = mean(relative, w, 32, 25, 40, 75), shaded = mean(relative, w, 117, 25, 125, 75);
  assert.ok(
    lit > 0.95 && shaded > 0.95,
    `relative: lit ${lit.toFixed(2)}, in the shadow ${shaded.toFixed(2)}`,
  );
  assert.ok(mean(relative, w, 50, 5, 110, 95) < 0.02, "the paper and the shadow's edge are not ink");
  // measured as a plain difference, the shaded bar keeps only the light it gets
  const plain = removeBackground(bright, w, h);
  assert.ok(mean(plain, w, 117, 25, 125, 75) < 0.6, "without it, the shaded bar is faint");
});

Deno.test("isDarkInk() finds dark ink on paper lit by a flash, whose dark corners mislead the border", () => {
  // paper 0.98 in a bright spot, falling to 0.5 in the corners; a stroke of ink at 0.35 across the middle
  const w = 120, h = 120, gray = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const r2 = ((x - 60) ** 2 + (y - 60) ** 2) / (2 * 60 ** 2);
      gray[y * w + x] = 0.98 - 0.48 * r2;
    }
  }
  rect(gray, w, 40, 30, 52, 90, 0.35);
  rect(gray, w, 52, 30, 80, 40, 0.35);
  assert.equal(isDarkInk(gray, w, h), true);
  // a clear case stays with the border: chalk on a dark board
  const board = new Float32Array(w * h).fill(0.15);
  rect(board, w, 40, 30, 52, 90, 0.9);
  assert.equal(isDarkInk(board, w, h), false);
});

Deno.test("removeLines() removes a paper line that is tilted by two pixels and broken by noise", () => {
  const w = 200, h = 150, ink = new Float32Array(w * h);
  rect(ink, w, 94, 35, 106, 115, 1); // a "1": a stem 12 pixels wide
  const rng = new Rng(3);
  for (let x = 0; x < w; x++) {
    // a line 2 pixels thick from row 60 to row 62, with 40 % of its pixels lost in the noise
    const y = 60 + Math.floor((2 * x) / w);
    for (const row of [y, y + 1]) if (rng.nextFloat() > 0.4 && ink[row * w + x] === 0) ink[row * w + x] = 0.4;
  }
  const out = removeLines(ink, w, h);
  assert.equal(mean(out, w, 0, 58, 90, 65), 0, "left of the stem, the line is gone");
  assert.equal(mean(out, w, 110, 58, w, 65), 0, "right of the stem, the line is gone");
  assert.equal(mean(out, w, 94, 35, 106, 115), 1, "the stem is whole");
});

Deno.test("removeLines() removes a paper line that runs along a stroke's side, above and below it", () => {
  const w = 150, h = 150, ink = new Float32Array(w * h);
  rect(ink, w, 60, 40, 72, 110, 1); // the stroke
  rect(ink, w, 72, 0, 74, h, 0.4); // a column line touching its right side all the way down
  rect(ink, w, 0, 20, w, 22, 0.4); // and a row line crossing the page above it
  const out = removeLines(ink, w, h);
  // (where the two lines cross, a dot stays for removeSpecks)
  assert.equal(
    mean(out, w, 72, 0, 74, 19) + mean(out, w, 72, 23, 74, 38),
    0,
    "the column line above the stroke is gone",
  );
  assert.equal(mean(out, w, 72, 112, 74, h), 0, "and below it");
  assert.equal(mean(out, w, 60, 40, 72, 110), 1, "the stroke is whole");
});
