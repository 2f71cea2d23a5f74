import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { PNG } from "pngjs";
import {
  CHECK_GRID,
  checkSheetPng,
  DIGIT_GRID,
  digitGalleryPng,
  digitImage,
  downscaleGray,
  grayPng,
  gridLayout,
  gridPng,
  RIGHT,
  splitGridPng,
  upscaleGray,
  WRONG,
} from "../core/reports/gallery.ts";

function decode(png: Uint8Array): PNG {
  return PNG.sync.read(Buffer.from(png));
}

/** RGB of a pixel of a decoded PNG. */
function rgb(png: PNG, x: number, y: number): number[] {
  const o = (y * png.width + x) * 4;
  return [png.data[o], png.data[o + 1], png.data[o + 2]];
}

/** A digit whose pixel i holds i mod 256: every position tells where it came from. */
function rampDigit(): Uint8Array {
  return Uint8Array.from({ length: 784 }, (_, i) => i % 256);
}

Deno.test("digitGalleryPng() decodes to six 88-pixel cells per row, 6 pixels apart", () => {
  const tiles = Array.from({ length: 8 }, () => ({ pixels: rampDigit() }));
  const { png, layout } = digitGalleryPng(tiles);
  const image = decode(png);
  // 6 columns × (84 + 2 × 2 border) + 7 gaps × 6; 2 rows likewise
  assert.equal(image.width, 6 * 88 + 7 * 6);
  assert.equal(image.height, 2 * 88 + 3 * 6);
  assert.deepEqual([layout.width, layout.height], [image.width, image.height]);
  assert.deepEqual(layout.cells[7], { x: 6 + 88 + 6, y: 6 + 88 + 6 });
});

Deno.test("digitGalleryPng() draws each digit enlarged three times, white ink on black", () => {
  const digit = new Uint8Array(784);
  digit[0] = 255; // top-left pixel of the digit is full ink
  digit[28 + 1] = 128;
  const { png, layout } = digitGalleryPng([{ pixels: digit }]);
  const image = decode(png);
  const { x, y } = layout.cells[0];
  const inside = (dx: number, dy: number) => rgb(image, x + 2 + dx, y + 2 + dy);
  for (const [dx, dy] of [[0, 0], [2, 2], [1, 0]]) assert.deepEqual(inside(dx, dy), [255, 255, 255]);
  assert.deepEqual(inside(3, 0), [0, 0, 0]);
  assert.deepEqual(inside(4, 4), [128, 128, 128]);
  assert.deepEqual(inside(83, 83), [0, 0, 0]);
});

Deno.test("digitGalleryPng() accepts floats in [0, 1] and bytes alike", () => {
  const bytes = rampDigit();
  const floats = Float32Array.from(bytes, (v) => v / 255);
  assert.deepEqual(digitGalleryPng([{ pixels: floats }]).png, digitGalleryPng([{ pixels: bytes }]).png);
});

Deno.test("digitGalleryPng() draws the border in the tile's colour", () => {
  const { png, layout } = digitGalleryPng([{ pixels: new Uint8Array(784), border: WRONG }, {
    pixels: new Uint8Array(784),
  }]);
  const image = decode(png);
  assert.deepEqual(rgb(image, layout.cells[0].x, layout.cells[0].y), [...WRONG]);
  assert.deepEqual(rgb(image, layout.cells[1].x + 1, layout.cells[1].y + 40), [209, 213, 219]);
});

Deno.test("digitGalleryPng() gives the same bytes for the same digits", () => {
  const tiles = [{ pixels: rampDigit(), border: RIGHT }];
  assert.deepEqual(digitGalleryPng(tiles).png, digitGalleryPng(tiles).png);
});

Deno.test("digitGalleryPng() rejects a digit that does not have 784 values", () => {
  assert.throws(() => digitGalleryPng([{ pixels: new Uint8Array(783) }]), {
    name: "ShapeError",
    message: "Cannot draw digit: it has 783 values, expected 784",
  });
});

Deno.test("digitGalleryPng() rejects a NaN pixel", () => {
  const pixels = new Float32Array(784);
  pixels[5] = NaN;
  assert.throws(() => digitGalleryPng([{ pixels }]), {
    name: "LimitError",
    message: "Cannot draw digit: pixel 5 is NaN, expected a number in [0, 1]",
  });
});

Deno.test("splitGridPng() cuts a gallery back into its digits, each 84 × 84 as drawn", () => {
  const a = rampDigit(), b = new Uint8Array(784).fill(200);
  const { png } = digitGalleryPng([{ pixels: a }, { pixels: b, border: WRONG }]);
  const tiles = splitGridPng(png, 2, DIGIT_GRID);
  assert.equal(tiles.length, 2);
  const expected = decode(grayPng(upscaleGray(digitImage(a), 3)));
  const first = decode(tiles[0]);
  assert.deepEqual([first.width, first.height], [84, 84]);
  assert.deepEqual(first.data, expected.data);
  assert.deepEqual(rgb(decode(tiles[1]), 0, 0), [200, 200, 200]);
});

Deno.test("splitGridPng() rejects a picture whose size does not match the number of cells", () => {
  const { png } = digitGalleryPng([{ pixels: rampDigit() }]);
  assert.throws(() => splitGridPng(png, 2, DIGIT_GRID), {
    name: "FormatError",
    message: "Cannot split grid picture: it is 100 × 100 pixels, expected 194 × 100 for 2 cells",
  });
});

Deno.test("splitGridPng() rejects bytes that are not a PNG", () => {
  assert.throws(() => splitGridPng(new Uint8Array([1, 2, 3]), 1, DIGIT_GRID), {
    name: "FormatError",
    message: /^Cannot split grid picture: it is not a readable PNG/,
  });
});

Deno.test("downscaleGray() averages the area each new pixel covers", () => {
  // 3 × 3 → 2 × 2: each new pixel covers 1.5 × 1.5 old pixels
  const image = { width: 3, height: 3, gray: new Float32Array([1, 0, 0, 0, 0, 0, 0, 0, 0]) };
  const small = downscaleGray(image, 2);
  assert.deepEqual([small.width, small.height], [2, 2]);
  // top-left covers all of pixel (0,0) and halves/quarter of its neighbours: 1 / 2.25
  assert.ok(Math.abs(small.gray[0] - 1 / 2.25) < 1e-6, String(small.gray[0]));
  assert.deepEqual([...small.gray.slice(1)], [0, 0, 0]);
});

Deno.test("downscaleGray() keeps the mean brightness and the aspect ratio", () => {
  const width = 400, height = 200;
  const gray = Float32Array.from(
    { length: width * height },
    (_, i) => ((i % width) * 7 + Math.floor(i / width)) % 13 / 12,
  );
  const small = downscaleGray({ width, height, gray }, 96);
  assert.deepEqual([small.width, small.height], [96, 48]);
  const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
  assert.ok(Math.abs(mean(small.gray) - mean(gray)) < 1e-4);
});

Deno.test("downscaleGray() returns an image that already fits unchanged", () => {
  const image = { width: 28, height: 28, gray: new Float32Array(784) };
  assert.equal(downscaleGray(image, 96), image);
});

Deno.test("downscaleGray() rejects an image whose pixel count does not match its size", () => {
  assert.throws(() => downscaleGray({ width: 10, height: 10, gray: new Float32Array(99) }, 4), {
    name: "ShapeError",
    message:
      "Cannot shrink image: image is 10 × 10 with 99 grey values, expected width × height values in a Float32Array",
  });
  assert.throws(() => downscaleGray({ width: 2, height: 2, gray: new Float32Array(4) }, 0), {
    name: "LimitError",
  });
});

Deno.test("gridLayout() rejects a grid with no columns", () => {
  assert.throws(() => gridLayout(3, { ...DIGIT_GRID, columns: 0 }), {
    name: "LimitError",
    message: "Cannot lay out grid: columns is 0, expected an integer ≥ 1",
  });
});

Deno.test("gridPng() centres an image in its cell and crops one that is too large", () => {
  const small = { width: 2, height: 2, gray: new Float32Array(4).fill(1) };
  const large = { width: 10, height: 10, gray: new Float32Array(100).fill(0) };
  const options = { columns: 2, side: 6, border: 1, gap: 1 };
  const { png, layout } = gridPng([{ image: small }, { image: large }], options);
  const image = decode(png);
  const c0 = layout.cells[0], c1 = layout.cells[1];
  assert.deepEqual(rgb(image, c0.x + 1 + 2, c0.y + 1 + 2), [255, 255, 255]);
  assert.deepEqual(rgb(image, c0.x + 1, c0.y + 1), [243, 244, 246]);
  assert.deepEqual(rgb(image, c1.x + 1, c1.y + 1), [0, 0, 0]);
  // the cell's border survives the large image
  assert.deepEqual(rgb(image, c1.x, c1.y), [209, 213, 219]);
});

Deno.test("checkSheetPng() shows each file's thumbnail beside its 28 × 28 input, bordered by verdict", () => {
  const original = { width: 300, height: 150, gray: new Float32Array(300 * 150).fill(1) };
  const input = new Float32Array(784).fill(1);
  const { png, layout } = checkSheetPng([{ original, input }, null, { original, input }], [
    true,
    null,
    false,
  ]);
  const image = decode(png);
  assert.equal(layout.cells.length, 6);
  assert.equal(image.width, 2 * 100 + 3 * 6);
  assert.equal(image.height, 3 * 100 + 4 * 6);
  const at = (cell: number, dx: number, dy: number) =>
    rgb(image, layout.cells[cell].x + dx, layout.cells[cell].y + dy);
  assert.deepEqual(at(0, 0, 0), [...RIGHT]);
  assert.deepEqual(at(4, 0, 0), [...WRONG]);
  assert.deepEqual(at(2, 0, 0), [209, 213, 219]);
  // the 300 × 150 original shrinks to 96 × 48, centred: white in the middle, background above
  assert.deepEqual(at(0, 2 + 48, 2 + 48), [255, 255, 255]);
  assert.deepEqual(at(0, 2 + 48, 2 + 10), [243, 244, 246]);
  // the input is drawn × 3 = 84 pixels, centred in the 96-pixel cell
  assert.deepEqual(at(1, 2 + 6, 2 + 6), [255, 255, 255]);
  assert.deepEqual(at(1, 2 + 5, 2 + 5), [243, 244, 246]);
  // the unreadable file's cells stay empty
  assert.deepEqual(at(2, 50, 50), [243, 244, 246]);
  assert.equal(splitGridPng(png, 6, CHECK_GRID).length, 6);
});

Deno.test("checkSheetPng() rejects a verdict list of another length", () => {
  assert.throws(() => checkSheetPng([null], []), {
    name: "ShapeError",
    message: "Cannot draw check sheet: 1 image pairs but 0 verdicts, expected one per file",
  });
});
