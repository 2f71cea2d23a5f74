/**
 * core/reports/photo_report.ts: the photo benchmark's table, its overall figure, thumbnails and the
 * contact sheet.
 */

import assert from "node:assert/strict";
import { decodePng } from "../core/formats/png.ts";
import {
  PHOTO_THUMBNAIL_SIDE,
  photoBenchOverall,
  photoBenchTable,
  type PhotoSheetCell,
  photoSheetPng,
  photoThumbnail,
} from "../core/reports/photo_report.ts";
import { RIGHT, WRONG } from "../core/reports/gallery.ts";

const RESULT = {
  rows: [
    { condition: "clean", images: 1000, correct: 989, unread: 0 },
    { condition: "dim phone photo", images: 1000, correct: 961, unread: 2 },
  ],
  digits: 1000,
  baselineCorrect: 990,
};

Deno.test("photoBenchTable() lists the baseline, each condition with its change from it, and all photos", () => {
  const lines = photoBenchTable(RESULT).split("\n");
  assert.deepEqual(lines, [
    "| condition | images | accuracy | vs MNIST | no digit found |",
    "|---|---:|---:|---:|---:|",
    "| MNIST input (baseline) | 1,000 | 99.00 % | | |",
    "| clean | 1,000 | 98.90 % | -0.10 | 0 |",
    "| dim phone photo | 1,000 | 96.10 % | -2.90 | 2 |",
    "| **all photos** | 2,000 | **97.50 %** | -1.50 | 2 |",
  ]);
});

Deno.test("photoBenchOverall() counts every photo of every condition once", () => {
  assert.deepEqual(photoBenchOverall(RESULT), { images: 2000, accuracy: 0.975, unread: 2 });
  assert.deepEqual(photoBenchOverall({ rows: [], digits: 0, baselineCorrect: 0 }), {
    images: 0,
    accuracy: 0,
    unread: 0,
  });
});

Deno.test("photoThumbnail() fits a photo into the box by area averaging, keeping the aspect ratio", () => {
  // 200 x 100, left half black, right half white
  const width = 200, height = 100, rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba.fill((i % width) < 100 ? 0 : 255, 4 * i, 4 * i + 3);
  const thumb = photoThumbnail(rgba, width, height, PHOTO_THUMBNAIL_SIDE);
  assert.ok(thumb.width === 64 && thumb.height === 32 && thumb.rgb.length === 64 * 32 * 3);
  assert.ok(thumb.rgb[0] === 0 && thumb.rgb[3 * 63] === 255);
  // a small photo is enlarged pixel by pixel to fill the box
  const small = photoThumbnail(new Uint8Array(4 * 4 * 4).fill(90), 4, 4, 64);
  assert.ok(small.width === 64 && small.height === 64 && small.rgb.every((v) => v === 90));
  assert.throws(() => photoThumbnail(new Uint8Array(10), 2, 2, 64), {
    name: "ShapeError",
    message: "Cannot shrink a photo: 10 bytes given, expected 2x2x4",
  });
});

Deno.test("photoSheetPng() frames right reads green and wrong ones red, draws the input white on black", () => {
  const photo = { width: 64, height: 48, rgb: new Uint8Array(64 * 48 * 3).fill(230) };
  const input = new Float32Array(784).fill(1, 14 * 28, 15 * 28); // one white row
  const cells: PhotoSheetCell[] = [
    { photo, input, expected: 3, predicted: 3 },
    { photo, input: null, expected: 4, predicted: null },
  ];
  const png = photoSheetPng([{ label: "blue pen", note: "98.5%", cells }, {
    label: "noise",
    note: "99.0%",
    cells,
  }]);
  const img = decodePng(png, "sheet.png");
  const rgb = img.rgb!;
  const pixel = (x: number, y: number) =>
    Array.from(rgb.subarray(3 * (y * img.width + x), 3 * (y * img.width + x) + 3));
  // find the two frames on the first row: scan right along a line through the cells
  const y = 6 + 1;
  const colours: string[] = [];
  for (let x = 0; x < img.width; x++) {
    const c = pixel(x, y).join();
    if ((c === RIGHT.join() || c === WRONG.join()) && colours.at(-1) !== c) colours.push(c);
  }
  assert.deepEqual(colours, [RIGHT.join(), WRONG.join()]);
  assert.ok(img.height > 2 * (PHOTO_THUMBNAIL_SIDE + 4) && img.width > 2 * (PHOTO_THUMBNAIL_SIDE + 56));
});

Deno.test("photoSheetPng() refuses no rows, rows of different lengths and wrong inputs or thumbnails", () => {
  const photo = { width: 2, height: 2, rgb: new Uint8Array(12) };
  const cell = { photo, input: new Float32Array(784), expected: 1, predicted: 1 };
  assert.throws(() => photoSheetPng([]), {
    name: "LimitError",
    message: /^Cannot draw the contact sheet: 0 rows/,
  });
  assert.throws(
    () =>
      photoSheetPng([{ label: "a", note: "", cells: [cell] }, { label: "b", note: "", cells: [cell, cell] }]),
    { name: "LimitError", message: /rows of 1, 2 cells, expected rows of the same number of cells/ },
  );
  assert.throws(
    () => photoSheetPng([{ label: "a", note: "", cells: [{ ...cell, input: new Float32Array(10) }] }]),
    { name: "ShapeError", message: "Cannot draw the contact sheet: an input holds 10 values, expected 784" },
  );
  const big = { width: 65, height: 10, rgb: new Uint8Array(65 * 10 * 3) };
  assert.throws(() => photoSheetPng([{ label: "a", note: "", cells: [{ ...cell, photo: big }] }]), {
    name: "ShapeError",
    message: "Cannot draw the contact sheet: a thumbnail is 65x10, expected at most 64 a side",
  });
});
