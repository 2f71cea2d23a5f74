import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  colourDifference,
  estimateBackground,
  inkOnBlack,
  removeBackground,
  removeLines,
  toMnistInput,
} from "../core/digits/preprocess.ts";
import { decodeImage } from "../core/formats/image.ts";
import { decodePng, encodeRgbPng } from "../core/formats/png.ts";
import { type DigitStyle, SAMPLE_STYLES } from "../core/digits/draw_digits.ts";
import { readWeightsFile } from "../core/training/weights.ts";
import { loadConfig } from "../core/training/config.ts";
import { createTsBackend, loadParams } from "../core/kernels/backend.ts";
import { hiddenSizes } from "../core/network/network.ts";
import { predictDigits } from "../core/training/predict.ts";
import { inkCoverage, type PaperKind, renderPhoto, type RGB } from "./fixtures/colour_photo.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The shipped model on the TypeScript backend, as check loads it. */
const model = await (async () => {
  const params = await readWeightsFile(`${ROOT}weights.npz`);
  const config = await loadConfig(`${ROOT}config.yaml`);
  const backend = createTsBackend(hiddenSizes(params), config.model.activation, 1);
  loadParams(backend, params);
  return backend;
})();

/** Read PNG bytes the way check does (decodeImage, toMnistInput) and predict the digit. */
function read(png: Uint8Array, name: string): number {
  const input = toMnistInput(decodeImage(png, name), name);
  return predictDigits(model, [input])[0].predicted;
}

/** A phone-photo-sized page like images/set1: a 400x300 canvas, a 150-pixel digit, off-centre. */
const PAGE: DigitStyle = SAMPLE_STYLES.set1;

const INKS: Record<string, RGB> = {
  blue: [40, 70, 190],
  red: [200, 35, 40],
  "pencil-grey": [130, 130, 135],
};
const PAPERS: PaperKind[] = ["white", "grey", "squared"];

for (const digit of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) {
  Deno.test(`a drawn ${digit} in blue, red and pencil-grey ink on white, grey and squared paper, with a shadow across it, reads as in black on white`, () => {
    const seed = 4200 + digit;
    const coverage = inkCoverage(digit, PAGE, seed);
    const black = renderPhoto(coverage, PAGE, { ink: [20, 20, 25], paper: "white", shadow: false, seed });
    const expected = read(black, "black.png");
    assert.equal(expected, digit, "black ink on white paper");
    for (const [inkName, ink] of Object.entries(INKS)) {
      for (const paper of PAPERS) {
        const png = renderPhoto(coverage, PAGE, { ink, paper, shadow: true, seed });
        const name = `${inkName} on ${paper} with a shadow`;
        assert.ok(decodePng(png, name).rgb !== undefined, `${name}: the colour reaches preprocessing`);
        assert.equal(read(png, name), expected, name);
      }
    }
  });
}

Deno.test("green ink on yellowed paper and blue ink on grey paper read as in black on white", () => {
  for (const digit of [2, 5, 8, 9]) {
    const seed = 4300 + digit;
    const coverage = inkCoverage(digit, PAGE, seed);
    const expected = read(
      renderPhoto(coverage, PAGE, { ink: [20, 20, 25], paper: "white", shadow: false, seed }),
      "black.png",
    );
    const green = renderPhoto(coverage, PAGE, { ink: [40, 140, 70], paper: "yellowed", shadow: false, seed });
    assert.equal(read(green, "green.png"), expected, `green ${digit} on yellowed paper`);
    const pale = renderPhoto(coverage, PAGE, {
      ink: [110, 140, 255],
      paper: "grey",
      shadow: false,
      seed,
      mix: "cover",
    });
    assert.equal(read(pale, "pale-blue.png"), expected, `pale blue ${digit} on grey paper`);
  }
});

// --- the stages one by one ---

/** A (h, w) RGB image of paper `paper` with a vertical bar of `ink` in the middle third. */
function barImage(w: number, h: number, paper: RGB, ink: RGB): { gray: Float32Array; rgb: Uint8Array } {
  const rgb = new Uint8Array(w * h * 3);
  const gray = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const c = y > h / 5 && y < (4 * h) / 5 && Math.abs(x - w / 2) < w / 16 ? ink : paper;
      rgb.set(c, 3 * (y * w + x));
      gray[y * w + x] = (0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]) / 255;
    }
  }
  return { gray, rgb };
}

Deno.test("colourDifference() finds blue ink on grey paper that luminance alone misses", () => {
  // luminance 144/255 against 150/255: below the 15/255 that counts as ink
  const { gray, rgb } = barImage(60, 60, [150, 150, 150], [110, 140, 255]);
  assert.throws(
    () => toMnistInput({ width: 60, height: 60, gray, alpha: null }, "pale.png"),
    { name: "LimitError", message: 'Cannot read digit "pale.png": no digit found (the image is blank)' },
  );
  const diff = colourDifference({ width: 60, height: 60, gray, alpha: null, rgb })!;
  assert.ok(diff[30 * 60 + 30] > 0.4 && diff[0] < 1e-6);
  const input = toMnistInput({ width: 60, height: 60, gray, alpha: null, rgb }, "pale.png");
  assert.ok(input[14 * 28 + 14] > 0.5 && input[14 * 28 + 4] === 0, "the bar is found, the paper is not");
});

Deno.test("colourDifference() finds blue ink on white paper, in a real colour PNG, as strongly as its darkness", () => {
  const { gray, rgb } = barImage(40, 40, [250, 250, 250], [40, 70, 190]);
  const rgba = new Uint8Array(40 * 40 * 4);
  for (let i = 0; i < 1600; i++) rgba.set([rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], 255], 4 * i);
  const img = decodeImage(encodeRgbPng(rgba, 40, 40), "blue.png");
  assert.deepEqual(img.rgb, rgb);
  assert.ok(Math.abs(img.gray[0] - gray[0]) < 1e-6);
  const diff = colourDifference(img)!;
  assert.ok(diff[20 * 40 + 20] > 0.4 && diff[0] === 0);
});

Deno.test("colourDifference() is null for an image without colour, so grey images read exactly as before", () => {
  const gray = new Float32Array([0, 0.5, 1]);
  assert.equal(colourDifference({ width: 3, height: 1, gray, alpha: null }), null);
  const rgb = new Uint8Array([0, 0, 0, 128, 128, 128, 255, 255, 255]);
  assert.equal(colourDifference({ width: 3, height: 1, gray, alpha: null, rgb }), null);
});

Deno.test("colourDifference() fades transparent pixels to the grey paper under them", () => {
  const rgb = new Uint8Array([255, 0, 0, 255, 0, 0, 255, 0, 0]);
  const gray = new Float32Array(3).fill(0.299);
  const diff = colourDifference({ width: 3, height: 1, gray, alpha: new Float32Array([0, 1, 0]), rgb })!;
  assert.ok(diff[0] === 0 && diff[1] > 0.7);
});

Deno.test("estimateBackground() keeps a hard shadow edge sharp, so no false ink lines the edge", () => {
  // bright-ink map of white paper (0.05) with a shadow (0.45) over the right part, edge at x = 123
  const w = 300, h = 200;
  const img = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img[y * w + x] = x < 123 ? 0.05 : 0.45;
  // a digit-like stroke crossing the edge
  for (let y = 60; y < 140; y++) {
    for (let x = 100; x < 150; x++) if (Math.abs(y - 100) < 4) img[y * w + x] += 0.5;
  }
  const bg = estimateBackground(img, w, h);
  for (const x of [121, 122, 123, 124, 126, 140, 160]) {
    assert.ok(Math.abs(bg[10 * w + x] - img[10 * w + x]) < 0.051, `x = ${x}: paper ${bg[10 * w + x]}`);
  }
  const ink = removeBackground(img, w, h);
  let falseInk = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) if (Math.abs(y - 100) >= 6 && ink[y * w + x] > 0) falseInk++;
  }
  assert.equal(falseInk, 0, "paper pixels taken for ink");
  assert.ok(ink[100 * w + 110] === 1 && ink[100 * w + 140] > 0.9, "the stroke on both sides of the edge");
});

Deno.test("removeBackground() evens out a shadow across a colour-difference ink map", () => {
  // a red stroke on yellowed paper, the right half in shadow (light x 0.55)
  const w = 200, h = 150;
  const rgb = new Uint8Array(w * h * 3), gray = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const ink = Math.abs(y - 75) < 4 && x > 40 && x < 160;
      const c: RGB = ink ? [200, 35, 40] : [240, 228, 190];
      const light = x < 90 ? 1 : 0.55;
      const i = y * w + x;
      for (let k = 0; k < 3; k++) rgb[3 * i + k] = Math.round(c[k] * light);
      gray[i] = (0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2]) / 255;
    }
  }
  const bright = inkOnBlack(gray, w, h);
  const diff = colourDifference({ width: w, height: h, gray, alpha: null, rgb })!;
  for (let i = 0; i < bright.length; i++) bright[i] += diff[i];
  const ink = removeBackground(bright, w, h);
  let falseInk = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) if (Math.abs(y - 75) >= 5 && ink[y * w + x] > 0) falseInk++;
  }
  assert.equal(falseInk, 0, "paper pixels taken for ink");
  assert.ok(ink[75 * w + 60] > 0.9 && ink[75 * w + 140] > 0.4, "the stroke in light and in shadow");
});

Deno.test("removeLines() removes squared-paper lines and keeps a 1's stem and a 7's bar whole", () => {
  const w = 200, h = 160;
  const img = new Float32Array(w * h);
  for (let y = 4; y < h; y += 12) img.fill(0.4, y * w, (y + 1) * w);
  for (let x = 6; x < w; x += 12) for (let y = 0; y < h; y++) img[y * w + x] = 0.4;
  // a 7: a 5-pixel bar along a line, and a stem; a 1 crossing three lines
  for (let y = 38; y < 43; y++) img.fill(1, y * w + 40, y * w + 100);
  for (let y = 43; y < 120; y++) img.fill(1, y * w + 90, y * w + 95);
  for (let y = 30; y < 130; y++) img.fill(1, y * w + 150, y * w + 155);
  const out = removeLines(img, w, h);
  let stroke = 0, kept = 0, line = 0;
  for (let i = 0; i < img.length; i++) {
    if (img[i] === 1) {
      stroke++;
      if (out[i] === 1) kept++;
    } else if (img[i] > 0 && out[i] > 0) line++;
  }
  assert.equal(kept, stroke, "every stroke pixel is kept");
  // at most the 14 x 17 line crossings (dots of 1 px, for removeSpecks) and the two grid lines that
  // run on from the stems, which lie on them (38 + 60 px, not thin in a column that is mostly stroke)
  assert.ok(line <= 14 * 17 + 98, `${line} line pixels left`);
  assert.equal(out[4 * w + 120], 0);
  assert.equal(out[101 * w + 6], 0);
});

Deno.test("removeLines() leaves an image without paper lines untouched, MNIST's long thin 1 included", () => {
  const w = 28, h = 28;
  const one = new Float32Array(w * h);
  for (let y = 3; y < 25; y++) one.fill(1, y * w + 13, y * w + 15);
  assert.equal(removeLines(one, w, h), one);
  // a stem spanning the whole image, and nothing else: the only long thing is the digit
  const tall = new Float32Array(w * h);
  for (let y = 0; y < h; y++) tall.fill(1, y * w + 13, y * w + 15);
  assert.deepEqual(removeLines(tall, w, h), tall);
});

Deno.test("toMnistInput() reads a digit on ruled paper the same as on plain paper", () => {
  for (const digit of [1, 4, 7]) {
    const seed = 4400 + digit;
    const coverage = inkCoverage(digit, PAGE, seed);
    const plain = renderPhoto(coverage, PAGE, { ink: [30, 40, 120], paper: "white", shadow: false, seed });
    const ruled = renderPhoto(coverage, PAGE, { ink: [30, 40, 120], paper: "ruled", shadow: false, seed });
    const a = toMnistInput(decodeImage(plain, "plain.png"), "plain.png");
    const b = toMnistInput(decodeImage(ruled, "ruled.png"), "ruled.png");
    let d = 0;
    for (let i = 0; i < 784; i++) d += Math.abs(a[i] - b[i]) / 784;
    assert.ok(d < 0.03, `${digit}: mean absolute difference ${d.toFixed(4)}`);
  }
});
