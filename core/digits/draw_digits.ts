/**
 * Draw handwritten-looking digits 0-9 from hand-designed pen paths, for the project's own sample
 * images (images/set1..set3, made by scripts/make_images.ts).
 *
 * Each digit is a few strokes in a unit box (x to the right, y down), written as SVG-like paths
 * (`M x y`, `L x y`, `C x1 y1 x2 y2 x y`) and shaped like MNIST's digits: a 1 is one slanted
 * stroke, a 7 has no crossbar, a 4 is open, a 9 is a loop on a stem. A seeded {@linkcode Rng}
 * jitters every control point, the slant, the width and the pen radius, so each set looks written
 * by a different hand. The pen is round and anti-aliased: a pixel is covered by
 * `clamp(radius + 0.5 - distance to the path, 0, 1)`.
 *
 * {@linkcode VARIANT_PATHS} adds shapes MNIST's writers rarely made (a 1 with a long flag, a 7 with a
 * crossbar, a closed 4, a 9 whose loop is open), drawn by {@linkcode drawVariant} with the same hand;
 * bench/shapes_bench.ts measures how the model reads them.
 *
 * Only `+ - * /`, `sqrt` and `floor` are used (no `sin`, `log` or `exp`), so the pixels are the same
 * on every IEEE-754 machine, and so are the PNG bytes (fflate is pinned by the lockfile).
 *
 * @module
 */

import { encodeGrayPng } from "../formats/png.ts";
import { Rng } from "../network/rng.ts";

/** How one sample set looks: canvas, paper, ink, pen and placement. */
export interface DigitStyle {
  /** Canvas width in pixels. */
  readonly width: number;
  /** Canvas height in pixels. */
  readonly height: number;
  /** Paper luminance in [0, 1]. */
  readonly paper: number;
  /** Ink luminance in [0, 1]. */
  readonly ink: number;
  /** Pen radius in pixels. */
  readonly penRadius: number;
  /** Height of the digit in pixels. */
  readonly digitHeight: number;
  /** Largest offset of the digit centre from the canvas centre, as a fraction of the free space. */
  readonly offCentre: number;
  /** Amplitude of the slow paper shading (value noise), luminance units. */
  readonly shading: number;
  /** Amplitude of the per-pixel paper grain (uniform noise), luminance units. */
  readonly grain: number;
  /** Seed of the set: digit d uses seed + d. */
  readonly seed: number;
  /** Largest offset of each control point, in units of the digit box. Default: 0.025. */
  readonly jitter?: number;
}

/** The three sample sets: a fine dark pen on textured paper, a bold light marker on dark, faint pencil. */
export const SAMPLE_STYLES: Readonly<Record<"set1" | "set2" | "set3", DigitStyle>> = Object.freeze({
  // thin dark pen on a large, slightly textured light canvas, digit not centred
  set1: Object.freeze({
    width: 400,
    height: 300,
    paper: 0.92,
    ink: 0.12,
    penRadius: 2.6,
    digitHeight: 150,
    offCentre: 0.7,
    shading: 0.05,
    grain: 0.03,
    seed: 1000,
  }),
  // thick light strokes on a dark canvas
  set2: Object.freeze({
    width: 200,
    height: 200,
    paper: 0.08,
    ink: 0.96,
    penRadius: 9,
    digitHeight: 140,
    offCentre: 0.3,
    shading: 0.02,
    grain: 0.01,
    seed: 2000,
  }),
  // faint, small grey strokes: the ink is only about 60/255 darker than the paper
  set3: Object.freeze({
    width: 64,
    height: 64,
    paper: 0.88,
    ink: 0.88 - 60 / 255,
    penRadius: 1.1,
    digitHeight: 42,
    offCentre: 0.5,
    shading: 0.02,
    grain: 0.012,
    seed: 3000,
  }),
});

/** Pen paths of the digits 0-9 in a unit box: one path string per stroke. */
export const DIGIT_PATHS: readonly (readonly string[])[] = Object.freeze([
  // 0: one oval loop, closed with a small overlap
  ["M 0.52 0.04 C 0.12 0.04 0.06 0.55 0.14 0.78 C 0.22 1.0 0.78 1.0 0.86 0.7 C 0.94 0.4 0.85 0.04 0.5 0.05 L 0.44 0.09"],
  // 1: a single, slightly slanted stroke
  ["M 0.56 0.02 C 0.54 0.35 0.5 0.65 0.46 0.98"],
  // 2: a hook, a diagonal, a base
  ["M 0.14 0.24 C 0.2 0.0 0.82 -0.02 0.8 0.28 C 0.78 0.5 0.4 0.72 0.1 0.95 C 0.4 0.92 0.7 0.92 0.92 0.94"],
  // 3: two bumps
  [
    "M 0.14 0.16 C 0.34 -0.02 0.84 0.0 0.78 0.26 C 0.74 0.42 0.55 0.46 0.38 0.47 " +
    "C 0.7 0.47 0.9 0.62 0.84 0.8 C 0.76 1.0 0.3 1.0 0.1 0.84",
  ],
  // 4: open, in two strokes (down and across, then the long vertical)
  ["M 0.34 0.02 L 0.12 0.6 L 0.9 0.6", "M 0.7 0.12 L 0.66 0.99"],
  // 5: the flag, the back and the belly
  ["M 0.84 0.05 L 0.3 0.06 L 0.24 0.46 C 0.5 0.34 0.92 0.44 0.86 0.72 C 0.8 1.0 0.36 1.0 0.12 0.86"],
  // 6: a long curve down into a closed loop
  ["M 0.74 0.04 C 0.4 0.18 0.14 0.5 0.16 0.76 C 0.2 1.0 0.8 1.0 0.82 0.72 C 0.84 0.46 0.42 0.44 0.18 0.64"],
  // 7: a top bar and a long diagonal, no crossbar
  ["M 0.1 0.08 L 0.9 0.08 C 0.72 0.34 0.52 0.62 0.42 0.98"],
  // 8: one continuous stroke crossing in the middle
  [
    "M 0.78 0.2 C 0.74 -0.02 0.24 -0.02 0.24 0.22 C 0.24 0.44 0.78 0.5 0.8 0.74 " +
    "C 0.82 1.0 0.18 1.0 0.2 0.74 C 0.22 0.5 0.76 0.44 0.78 0.2",
  ],
  // 9: a loop on a stem
  ["M 0.8 0.26 C 0.78 0.02 0.2 0.02 0.2 0.28 C 0.2 0.54 0.74 0.54 0.8 0.28 C 0.78 0.5 0.72 0.74 0.68 0.98"],
]);

/** The name of a shape in {@linkcode VARIANT_PATHS}: the digit, then what sets it apart from MNIST's. */
export type DigitVariant =
  | "1-flag"
  | "1-flag-base"
  | "7-crossbar"
  | "7-european"
  | "4-closed"
  | "9-open"
  | "9-straight";

/**
 * A shape of a digit: which digit it is, and its pen paths at two ends of a range, one string per
 * stroke as in {@linkcode DIGIT_PATHS}. `mild` is the form nearest MNIST's, `strong` the form furthest
 * from it; both have the same commands, so every number can be blended between them.
 */
export interface VariantPaths {
  readonly digit: number;
  readonly mild: readonly string[];
  readonly strong: readonly string[];
}

/**
 * Digit shapes common in European and print-like handwriting but rare among MNIST's American
 * writers, in the unit box of {@linkcode DIGIT_PATHS} (issue 14: the model read a flagged 1 as 7, a
 * closed 4 as 9, a crossed 7 and an open 9 wrongly, all with high confidence).
 */
export const VARIANT_PATHS: Readonly<Record<DigitVariant, VariantPaths>> = _freezeVariants({
  // 1 with a flag up from the left to the top, then down the stem: from a short flag to a long, low one
  "1-flag": {
    digit: 1,
    mild: ["M 0.3 0.22 C 0.4 0.16 0.52 0.08 0.62 0.02 C 0.6 0.35 0.56 0.65 0.52 0.98"],
    strong: ["M 0.04 0.5 C 0.22 0.34 0.44 0.14 0.62 0.02 C 0.6 0.35 0.56 0.65 0.52 0.98"],
  },
  // the same with a base, from short to wide
  "1-flag-base": {
    digit: 1,
    mild: [
      "M 0.3 0.22 C 0.4 0.16 0.52 0.08 0.62 0.02 C 0.6 0.35 0.56 0.65 0.52 0.98",
      "M 0.36 0.98 L 0.7 0.97",
    ],
    strong: [
      "M 0.04 0.5 C 0.22 0.34 0.44 0.14 0.62 0.02 C 0.6 0.35 0.56 0.65 0.52 0.98",
      "M 0.16 0.98 L 0.9 0.96",
    ],
  },
  // MNIST's 7 with a crossbar through the diagonal: from short and high to long and low
  "7-crossbar": {
    digit: 7,
    mild: ["M 0.1 0.08 L 0.9 0.08 C 0.72 0.34 0.52 0.62 0.42 0.98", "M 0.46 0.48 L 0.82 0.46"],
    strong: ["M 0.1 0.08 L 0.9 0.08 C 0.72 0.34 0.52 0.62 0.42 0.98", "M 0.18 0.6 L 0.92 0.56"],
  },
  // the continental 7: a flag down from the left end of the bar, and the crossbar
  "7-european": {
    digit: 7,
    mild: ["M 0.1 0.2 L 0.1 0.08 L 0.9 0.08 C 0.72 0.34 0.52 0.62 0.42 0.98", "M 0.46 0.48 L 0.82 0.46"],
    strong: ["M 0.06 0.38 L 0.1 0.08 L 0.9 0.08 C 0.72 0.34 0.52 0.62 0.42 0.98", "M 0.18 0.6 L 0.92 0.56"],
  },
  // 4 with a closed top, the diagonal starting at the top of the stem: from a wide straight triangle
  // with a long bar to a narrow, rounded one whose bar hardly passes the stem
  "4-closed": {
    digit: 4,
    mild: ["M 0.68 0.02 C 0.49 0.23 0.29 0.43 0.1 0.64 L 0.92 0.64", "M 0.68 0.02 L 0.66 0.99"],
    strong: ["M 0.72 0.04 C 0.3 0.1 0.12 0.4 0.22 0.56 L 0.8 0.56", "M 0.72 0.04 L 0.7 0.99"],
  },
  // 9 whose loop is open on the right: round from the upper right, then the stem from where it
  // ends; from a narrow gap to a wide one
  "9-open": {
    digit: 9,
    mild: [
      "M 0.8 0.24 C 0.76 0.0 0.2 0.02 0.2 0.28 C 0.2 0.52 0.62 0.56 0.78 0.4 C 0.76 0.6 0.72 0.8 0.7 0.98",
    ],
    strong: [
      "M 0.74 0.08 C 0.6 0.0 0.2 0.04 0.2 0.3 C 0.2 0.5 0.56 0.58 0.76 0.5 C 0.74 0.66 0.72 0.82 0.7 0.98",
    ],
  },
  // 9 as a closed loop beside a separate straight stem, as printed: from a stem as tall as the loop
  // to one that rises above it
  "9-straight": {
    digit: 9,
    mild: [
      "M 0.78 0.28 C 0.76 0.04 0.2 0.04 0.2 0.28 C 0.2 0.52 0.76 0.54 0.78 0.3",
      "M 0.8 0.1 L 0.78 0.98",
    ],
    strong: [
      "M 0.76 0.34 C 0.74 0.12 0.2 0.12 0.2 0.36 C 0.2 0.6 0.74 0.62 0.76 0.36",
      "M 0.8 0.0 L 0.76 0.98",
    ],
  },
});

/** Every name of {@linkcode VARIANT_PATHS}, in the order of its digits: 1, 7, 4, 9. */
export const DIGIT_VARIANTS: readonly DigitVariant[] = Object.freeze(
  Object.keys(VARIANT_PATHS) as DigitVariant[],
);

/** A greyscale image: luminance (height, width), row-major, in [0, 1]. */
export interface DrawnImage {
  width: number;
  height: number;
  pixels: Float32Array;
}

/**
 * Draw one digit in a style, on its paper, with a seeded hand (jittered control points, slant,
 * width, pen radius, position) and a seeded paper texture.
 *
 * @param digit The digit, 0-9.
 * @param style Canvas, paper, ink and pen.
 * @param rng The generator for every random choice.
 * @returns The drawn image.
 * @throws {RangeError} When the digit is not an integer from 0 to 9.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { drawDigit, SAMPLE_STYLES } from "./draw_digits.ts";
 * import { Rng } from "../network/rng.ts";
 * const img = drawDigit(7, SAMPLE_STYLES.set3, new Rng(1));
 * assert.ok(img.width === 64 && Math.min(...img.pixels) < 0.7);
 * ```
 */
export function drawDigit(digit: number, style: DigitStyle, rng: Rng): DrawnImage {
  if (!Number.isInteger(digit) || digit < 0 || digit > 9) {
    throw new RangeError(`Cannot draw digit: digit is ${digit}, expected an integer from 0 to 9`);
  }
  return _drawStrokes(DIGIT_PATHS[digit], style, rng);
}

/**
 * Draw one shape of {@linkcode VARIANT_PATHS} as {@linkcode drawDigit} draws a digit: first a blend
 * t ~ U(0, 1) of its mild and strong forms (every number of the paths is mild + t · (strong − mild)),
 * then the same hand, pen and paper as drawDigit, in the same order of random draws.
 *
 * @param variant The shape, e.g. "7-crossbar".
 * @param style Canvas, paper, ink and pen.
 * @param rng The generator for every random choice.
 * @returns The drawn image.
 * @throws {RangeError} When the variant is not a name of {@linkcode VARIANT_PATHS}.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { drawVariant, SAMPLE_STYLES } from "./draw_digits.ts";
 * import { Rng } from "../network/rng.ts";
 * const img = drawVariant("1-flag", SAMPLE_STYLES.set3, new Rng(1));
 * assert.ok(img.width === 64 && Math.min(...img.pixels) < 0.7);
 * ```
 */
export function drawVariant(variant: DigitVariant, style: DigitStyle, rng: Rng): DrawnImage {
  if (!Object.hasOwn(VARIANT_PATHS, variant)) {
    throw new RangeError(
      `Cannot draw variant: variant is ${JSON.stringify(variant)}, expected one of ${
        DIGIT_VARIANTS.map((v) => `"${v}"`).join(", ")
      }`,
    );
  }
  const { mild, strong } = VARIANT_PATHS[variant];
  // how far from MNIST's form this one is, then the hand as drawDigit draws it
  const t = rng.nextFloat();
  return _drawStrokes(mild.map((path, i) => _blendPath(path, strong[i], t)), style, rng);
}

/** How {@linkcode drawNumber} lays out a number: spacing, and the ruled lines of the paper. */
export interface NumberLayout {
  /** Space between neighbouring digits' boxes, as a fraction of the digit height; negative digits touch. */
  readonly gap: number;
  /** Distance between ruled lines in pixels; 0 for plain paper. */
  readonly ruleSpacing: number;
  /** Luminance of the ruled lines. */
  readonly ruleInk: number;
}

/**
 * Draw a whole number in one hand, its digits side by side on one sheet of paper (ruled when the
 * layout says so), for tests of reading numbers. Each digit is drawn from {@linkcode DIGIT_PATHS}
 * with its own jittered slant, size and pen, as {@linkcode drawDigit} draws one; the number is
 * centred on the canvas and the baseline rests on a ruled line when there are any.
 *
 * @param text The digits, e.g. "2026".
 * @param style Canvas, paper, ink and pen (offCentre is not used).
 * @param layout Spacing of the digits and the ruled lines.
 * @param rng The generator for every random choice.
 * @returns The drawn image.
 * @throws {RangeError} When the text is empty or holds anything but the digits 0-9.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { drawNumber, SAMPLE_STYLES } from "./draw_digits.ts";
 * import { Rng } from "../network/rng.ts";
 * const style = { ...SAMPLE_STYLES.set3, width: 160 };
 * const img = drawNumber("42", style, { gap: 0.3, ruleSpacing: 20, ruleInk: 0.6 }, new Rng(1));
 * assert.ok(img.width === 160 && Math.min(...img.pixels) < 0.7);
 * ```
 */
export function drawNumber(text: string, style: DigitStyle, layout: NumberLayout, rng: Rng): DrawnImage {
  if (!/^[0-9]+$/.test(text)) {
    throw new RangeError(`Cannot draw number: text is "${text}", expected the digits 0-9 only`);
  }
  const { width, height } = style;
  // the hand of every digit first, so the whole number can be centred
  const hands = [...text].map(() => {
    const slant = _uniform(rng, -0.12, 0.22);
    const h = style.digitHeight * _uniform(rng, 0.92, 1.05);
    return { slant, h, w: h * _uniform(rng, 0.62, 0.74) };
  });
  const gap = layout.gap * style.digitHeight;
  const total = hands.reduce((sum, hand) => sum + hand.w, 0) + gap * (hands.length - 1);
  // the baseline: on the ruled line nearest below the centre of the writing, else centred
  const centred = (height + style.digitHeight) / 2;
  const base = layout.ruleSpacing > 0
    ? Math.min(height - 2, Math.ceil(centred / layout.ruleSpacing) * layout.ruleSpacing)
    : centred;
  const coverage = new Float32Array(width * height);
  let left = (width - total) / 2;
  [...text].forEach((char, i) => {
    const { slant, h, w } = hands[i];
    const cx = left + w / 2, cy = base - h / 2;
    const toCanvas = (u: number, v: number): [number, number] => [
      cx + (u - 0.5) * w + (0.5 - v) * h * slant,
      cy + (v - 0.5) * h,
    ];
    for (const path of DIGIT_PATHS[Number(char)]) {
      const radius = style.penRadius * _uniform(rng, 0.9, 1.1);
      const points = _flatten(path, rng, style.jitter ?? 0.025).map(([u, v]) => toCanvas(u, v));
      for (let k = 0; k + 1 < points.length; k++) {
        _stampSegment(coverage, width, height, points[k], points[k + 1], radius);
      }
    }
    left += w + gap;
  });
  const paper = _paper(style, rng);
  // ruled lines about a pixel and a half thick, under the ink
  const rules = new Float32Array(width * height);
  if (layout.ruleSpacing > 0) {
    for (let y = layout.ruleSpacing; y < height; y += layout.ruleSpacing) {
      _stampSegment(rules, width, height, [0, y], [width, y], 0.75);
    }
  }
  const pixels = new Float32Array(width * height);
  for (let i = 0; i < pixels.length; i++) {
    const ground = paper[i] + rules[i] * (layout.ruleInk - paper[i]);
    pixels[i] = Math.min(1, Math.max(0, ground + coverage[i] * (style.ink - ground)));
  }
  return { width, height, pixels };
}

/**
 * Make one sample set: the PNG files of the digits 0-9, digit d drawn with `new Rng(style.seed + d)`.
 *
 * @param style The set's style.
 * @returns Ten PNG files, index = digit.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeSampleSet, SAMPLE_STYLES } from "./draw_digits.ts";
 * import { decodePng } from "../formats/png.ts";
 * const files = makeSampleSet(SAMPLE_STYLES.set3);
 * assert.ok(files.length === 10 && decodePng(files[0], "0.png").width === 64);
 * ```
 */
export function makeSampleSet(style: DigitStyle): Uint8Array[] {
  const files: Uint8Array[] = [];
  for (let digit = 0; digit <= 9; digit++) {
    const img = drawDigit(digit, style, new Rng(style.seed + digit));
    files.push(encodeGrayPng(img.pixels, img.width, img.height));
  }
  return files;
}

// --- private helpers ---

/** Draw strokes in a style: the hand (slant, size, place), then each stroke with its pen, then the paper. */
function _drawStrokes(strokes: readonly string[], style: DigitStyle, rng: Rng): DrawnImage {
  const { width, height } = style;
  // the hand: slant (shear), width and height jitter, placement off the centre
  const slant = _uniform(rng, -0.12, 0.22);
  const h = style.digitHeight * _uniform(rng, 0.92, 1.05);
  const w = h * _uniform(rng, 0.62, 0.74);
  const freeX = (width - w - h * 0.3) / 2, freeY = (height - h) / 2;
  const cx = width / 2 + _uniform(rng, -1, 1) * style.offCentre * Math.max(0, freeX);
  const cy = height / 2 + _uniform(rng, -1, 1) * style.offCentre * Math.max(0, freeY);
  const toCanvas = (u: number, v: number): [number, number] => [
    cx + (u - 0.5) * w + (0.5 - v) * h * slant,
    cy + (v - 0.5) * h,
  ];
  const coverage = new Float32Array(width * height);
  for (const path of strokes) {
    const radius = style.penRadius * _uniform(rng, 0.9, 1.1);
    const points = _flatten(path, rng, style.jitter ?? 0.025).map(([u, v]) => toCanvas(u, v));
    for (let i = 0; i + 1 < points.length; i++) {
      _stampSegment(coverage, width, height, points[i], points[i + 1], radius);
    }
  }
  const paper = _paper(style, rng);
  const pixels = new Float32Array(width * height);
  for (let i = 0; i < pixels.length; i++) {
    const v = paper[i] + coverage[i] * (style.ink - paper[i]);
    pixels[i] = Math.min(1, Math.max(0, v));
  }
  return { width, height, pixels };
}

function _uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.nextFloat();
}

/** A path whose numbers are blended: a + t · (b − a), number by number; the commands are a's. */
function _blendPath(a: string, b: string, t: number): string {
  const ta = a.trim().split(/\s+/), tb = b.trim().split(/\s+/);
  return ta.map((token, i) => {
    const x = Number(token);
    return Number.isNaN(x) ? token : String(x + t * (Number(tb[i]) - x));
  }).join(" ");
}

/** Freeze the variants, their paths and the map. */
function _freezeVariants(
  variants: Record<DigitVariant, VariantPaths>,
): Readonly<Record<DigitVariant, VariantPaths>> {
  for (const variant of Object.values(variants)) {
    Object.freeze(variant.mild);
    Object.freeze(variant.strong);
    Object.freeze(variant);
  }
  return Object.freeze(variants);
}

/** Parse a path and flatten its curves into points, jittering every control point by up to `amount`. */
function _flatten(path: string, rng: Rng, amount: number): [number, number][] {
  const tokens = path.trim().split(/\s+/);
  const jitter = () => _uniform(rng, -amount, amount);
  const read = (): [number, number] => {
    const x = Number(tokens[i++]), y = Number(tokens[i++]);
    return [x + jitter(), y + jitter()];
  };
  const points: [number, number][] = [];
  let i = 0;
  while (i < tokens.length) {
    const op = tokens[i++];
    if (op === "M" || op === "L") {
      points.push(read());
    } else if (op === "C") {
      const p0 = points[points.length - 1], p1 = read(), p2 = read(), p3 = read();
      const steps = 24;
      for (let s = 1; s <= steps; s++) {
        const t = s / steps, m = 1 - t;
        // cubic Bézier: m^3 p0 + 3 m^2 t p1 + 3 m t^2 p2 + t^3 p3
        const a = m * m * m, b = 3 * m * m * t, c = 3 * m * t * t, d = t * t * t;
        points.push([
          a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0],
          a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1],
        ]);
      }
    } else {
      throw new SyntaxError(`Cannot draw path: command is "${op}", expected "M", "L" or "C"`);
    }
  }
  return points;
}

/** Cover the pixels near a segment with a round pen, keeping the strongest coverage. */
function _stampSegment(
  coverage: Float32Array,
  width: number,
  height: number,
  a: [number, number],
  b: [number, number],
  radius: number,
): void {
  const reach = radius + 1;
  const xMin = Math.max(0, Math.floor(Math.min(a[0], b[0]) - reach));
  const xMax = Math.min(width - 1, Math.floor(Math.max(a[0], b[0]) + reach));
  const yMin = Math.max(0, Math.floor(Math.min(a[1], b[1]) - reach));
  const yMax = Math.min(height - 1, Math.floor(Math.max(a[1], b[1]) + reach));
  const dx = b[0] - a[0], dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  for (let y = yMin; y <= yMax; y++) {
    for (let x = xMin; x <= xMax; x++) {
      // distance from the pixel centre to the segment
      const px = x + 0.5 - a[0], py = y + 0.5 - a[1];
      const t = len2 === 0 ? 0 : Math.min(1, Math.max(0, (px * dx + py * dy) / len2));
      const ex = px - t * dx, ey = py - t * dy;
      const cover = Math.min(1, Math.max(0, radius + 0.5 - Math.sqrt(ex * ex + ey * ey)));
      const i = y * width + x;
      if (cover > coverage[i]) coverage[i] = cover;
    }
  }
}

/** Paper: a base level, slow shading (bilinear value noise on a coarse grid) and grain. */
function _paper(style: DigitStyle, rng: Rng): Float32Array {
  const { width, height } = style;
  const gw = 5, gh = 5;
  const knots = new Float32Array(gw * gh);
  for (let i = 0; i < knots.length; i++) knots[i] = _uniform(rng, -1, 1) * style.shading;
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const fy = (y / height) * (gh - 1), y0 = Math.min(gh - 2, Math.floor(fy)), ty = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = (x / width) * (gw - 1), x0 = Math.min(gw - 2, Math.floor(fx)), tx = fx - x0;
      const top = knots[y0 * gw + x0] * (1 - tx) + knots[y0 * gw + x0 + 1] * tx;
      const bottom = knots[(y0 + 1) * gw + x0] * (1 - tx) + knots[(y0 + 1) * gw + x0 + 1] * tx;
      // grain: the sum of three uniforms is bell-shaped, mean 0, within +-1.5
      const grain = (rng.nextFloat() + rng.nextFloat() + rng.nextFloat() - 1.5) * style.grain;
      out[y * width + x] = style.paper + top * (1 - ty) + bottom * ty + grain;
    }
  }
  return out;
}
