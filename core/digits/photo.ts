/**
 * Photos of paper, made from MNIST digits: the photo benchmark's images (`deno task bench:photos`).
 *
 * Real photos of handwritten digits are scarce, so preprocessing cannot be tuned on them without
 * tuning on the few we have. Instead, an MNIST digit is written on paper and photographed, in
 * software: {@linkcode photoPlan} draws every setting of one photo from a seed (digit size and
 * place, pen width, ink and paper colour, paper grain, ruled or squared lines, a shadow or a flash,
 * blur, sensor noise, a slight turn, JPEG quality), {@linkcode renderPhoto} paints it, and
 * {@linkcode encodePhoto} saves it as the PNG or JPEG file a person would send. Each named condition
 * of {@linkcode PHOTO_CONDITIONS} changes one factor of the clean photo, except the two phone
 * photos, which mix several at seeded random strengths.
 *
 * The painting, in order (each (height, width) array row-major, page pixels):
 *
 * 1. the pen: the digit (28 × 28, ink 255) is enlarged with a Catmull-Rom cubic, turned, and
 *    thresholded at half ink into a smooth outline; the signed distance e of each pixel inside that
 *    outline (exact Euclidean distance transforms, sub-pixel near the edge from the cubic's
 *    gradient) draws the pen, with a 1-pixel anti-aliased edge: a wider pen (`penWidth` w ≥ 1)
 *    moves the outline out by (w − 1) × MNIST's median half-stroke, coverage = clamp(0.5 + e +
 *    offset, 0, 1); a thinner one keeps the middle w of every stroke, whatever its own width, so no
 *    stroke vanishes: coverage = clamp(0.5 + e − (1 − w) × h, 0, 1), h the distance from the
 *    outline to the stroke's middle (the ridge of e, found by climbing it);
 * 2. the paper: its colour × (1 + mottle × value noise) + grain, then printed lines multiplied in;
 * 3. the ink filters the paper's light: v = paper × (1 - c + c × ink / 255) for coverage c;
 * 4. the light: × exposure × white balance × (1 - depth across a soft shadow edge) × (1 + a flash's
 *    hotspot) × (1 - vignette);
 * 5. the lens: a Gaussian blur of `blur` pixels; then the sensor: luminance and colour noise of
 *    `noise` levels; rounded to bytes;
 * 6. the file: a PNG, or a JPEG of `jpegQuality` with its colour averaged over 2 × 2 pixels first, as
 *    a phone's 4:2:0 JPEG keeps it.
 *
 * Only + − × ÷, square roots and rounding touch the pixels (Math.sin and Math.cos once per photo,
 * for the turn), and every random draw comes from the project's seeded {@linkcode Rng}, so the same
 * digit, condition and seed give the same bytes. docs/photo_bench.md shows what each condition looks
 * like and what the shipped model reads from it.
 *
 * @module
 */

import { LimitError, ShapeError } from "../base/errors.ts";
import { type DecodedImage, decodeImage } from "../formats/image.ts";
import { IMAGE_SIDE } from "../formats/idx.ts";
import { encodeRgbJpeg } from "../formats/jpeg.ts";
import { encodeRgbPng } from "../formats/png.ts";
import { Rng, SEED_LIMIT } from "../network/rng.ts";
import { BOX_SIDE, distanceTransform, toMnistInput } from "./preprocess.ts";

/** An sRGB colour or a per-channel factor: red, green, blue. */
export type PhotoRgb = readonly [number, number, number];

/** Printed lines of the paper. */
export interface PhotoLines {
  /** "ruled": horizontal lines; "squared": horizontal and vertical lines. */
  readonly kind: "ruled" | "squared";
  /** Pixels from one line to the next. */
  readonly spacing: number;
  /** Width of a line, pixels. */
  readonly thickness: number;
  /** Where the grid starts, pixels: a line's centre lies at offset + k × spacing. */
  readonly offsetX: number;
  readonly offsetY: number;
  /** The lines' tilt: a horizontal line rises by `slope` pixels per pixel (the page not quite square to the camera). */
  readonly slope: number;
  /** The lines' colour as printed on white. */
  readonly colour: PhotoRgb;
  /** x of a red margin line, or null for none. */
  readonly margin: number | null;
}

/** A soft shadow edge: light × (1 − depth) on one side of a straight edge. */
export interface PhotoShadow {
  /** The edge's unit normal, pointing into the shadow. */
  readonly normalX: number;
  readonly normalY: number;
  /** The edge is where normalX × x + normalY × y = offset (pixels). */
  readonly offset: number;
  /** Fraction of the light the shadow takes, 0 to 1. */
  readonly depth: number;
  /** Width of the penumbra, pixels. */
  readonly softness: number;
}

/** A phone's flash or a lamp close by: a bright spot and darker corners. */
export interface PhotoFlash {
  /** Centre of the bright spot, pixels. */
  readonly x: number;
  readonly y: number;
  /** Radius of the bright spot, pixels. */
  readonly radius: number;
  /** Extra light at its centre: light × (1 + boost). */
  readonly boost: number;
  /** Light lost in the page's corners: light × (1 − vignette) there. */
  readonly vignette: number;
}

/** Every setting of one photo; {@linkcode photoPlan} draws them from a seed. */
export interface PhotoPlan {
  /** The condition it was drawn for, one of {@linkcode PHOTO_CONDITIONS}. */
  readonly condition: string;
  /** The page crop, pixels. */
  readonly width: number;
  readonly height: number;
  /** Height of MNIST's 20-pixel box on the page, pixels: how tall the digit is written. */
  readonly digitHeight: number;
  /** Where MNIST's centre (pixel 14, 14) lands on the page, pixels. */
  readonly centreX: number;
  readonly centreY: number;
  /** How far the digit is turned, degrees, clockwise. */
  readonly rotation: number;
  /** The pen's width as a multiple of the digit's own strokes: 1 as MNIST drew it, 0.5 half as wide. */
  readonly penWidth: number;
  /** The ink's colour on white paper. */
  readonly ink: PhotoRgb;
  /** Fraction of the ink's density a pixel may randomly lose: 0 for a pen, about 0.4 for pencil graphite. */
  readonly inkGrain: number;
  /** The paper's colour under even light. */
  readonly paper: PhotoRgb;
  /** Standard deviation of the paper's pixel-to-pixel grain, levels of 255. */
  readonly paperGrain: number;
  /** Amplitude of the paper's slow unevenness, a fraction of its level. */
  readonly paperMottle: number;
  /** Printed lines, or null for plain paper. */
  readonly lines: PhotoLines | null;
  /** A shadow edge across the page, or null. */
  readonly shadow: PhotoShadow | null;
  /** A flash's bright spot and vignette, or null. */
  readonly flash: PhotoFlash | null;
  /** How bright the whole picture is: 1 for a well exposed photo. */
  readonly exposure: number;
  /** The camera's white balance, a factor per channel. */
  readonly whiteBalance: PhotoRgb;
  /** Standard deviation of the lens blur, pixels. */
  readonly blur: number;
  /** Standard deviation of the sensor noise, levels of 255. */
  readonly noise: number;
  /** Quality of the JPEG file, 1 to 100, or null for a PNG. */
  readonly jpegQuality: number | null;
  /** Seed of the paper grain, mottle, pencil grain and noise. */
  readonly textureSeed: number;
}

/** A named condition of the photo benchmark. */
export interface PhotoCondition {
  /** Its name, as the table shows it: "blue pen". */
  readonly name: string;
  /** What changes from "clean", in a few words. */
  readonly description: string;
}

/** A painted photo: RGBA bytes, opaque. */
export interface PhotoImage {
  readonly width: number;
  readonly height: number;
  /** (height, width, 4) row-major, each 0..255; alpha is 255. */
  readonly rgba: Uint8Array;
}

/** A photo as a file, with what made it. */
export interface PhotoFile extends PhotoImage {
  readonly plan: PhotoPlan;
  /** "png" or "jpeg". */
  readonly format: "png" | "jpeg";
  /** The file's bytes. */
  readonly bytes: Uint8Array;
}

/** MNIST's median stroke, half of it, in box pixels: how far a pen of penWidth 2 reaches past the outline. */
const HALF_STROKE = 1.2;
/** The digit's ink level (of 255) taken as the pen's edge: half ink, as MNIST's anti-aliasing made it. */
const PEN_EDGE = 0.5;
/** Near the outline (closer than this, pixels), its distance is taken from the cubic's gradient. */
const SUB_PIXEL_BAND = 1.5;
/** Paper of the clean photo: white, as a phone's auto exposure shows it. */
const WHITE_PAPER: PhotoRgb = [243, 241, 235];
/** Ink of the clean photo: a black pen. */
const BLACK_INK: PhotoRgb = [32, 32, 40];
const BLUE_INK: PhotoRgb = [35, 60, 165];
const RED_INK: PhotoRgb = [200, 40, 48];
const GREEN_INK: PhotoRgb = [30, 125, 65];
const PENCIL_INK: PhotoRgb = [118, 118, 124];
const YELLOWED_PAPER: PhotoRgb = [236, 223, 180];
const RULED_BLUE: PhotoRgb = [145, 182, 226];
const MARGIN_RED: PhotoRgb = [226, 122, 132];
const SQUARED_BLUE: PhotoRgb = [160, 180, 212];

/** A plan whose fields a condition may still change. */
type _Draft = { -readonly [K in keyof PhotoPlan]: PhotoPlan[K] };

/** Each condition: what it changes in the clean plan, with draws from the photo's generator. */
const _CONDITIONS: readonly (PhotoCondition & { readonly vary: (plan: _Draft, rng: Rng) => void })[] = [
  { name: "clean", description: "black pen on white paper, even light, PNG", vary: () => {} },
  {
    name: "blue pen",
    description: "blue ballpoint ink",
    vary: (p, rng) => (p.ink = _jitter(BLUE_INK, 12, rng)),
  },
  { name: "red pen", description: "red ink", vary: (p, rng) => (p.ink = _jitter(RED_INK, 12, rng)) },
  { name: "green pen", description: "green ink", vary: (p, rng) => (p.ink = _jitter(GREEN_INK, 12, rng)) },
  {
    name: "pencil",
    description: "grey graphite, grainy and a little thinner",
    vary: (p, rng) => {
      p.ink = _shade(PENCIL_INK, _uniform(rng, -25, 20));
      p.inkGrain = _uniform(rng, 0.3, 0.5);
      p.penWidth *= 0.85;
    },
  },
  {
    name: "thin pen",
    description: "strokes 0.45-0.6 of MNIST's width",
    vary: (p, rng) => (p.penWidth = _uniform(rng, 0.45, 0.6)),
  },
  {
    name: "thick marker",
    description: "strokes 1.5-1.9 times MNIST's width",
    vary: (p, rng) => (p.penWidth = _uniform(rng, 1.5, 1.9)),
  },
  {
    name: "grey paper",
    description: "grey paper (or white paper in dim light), 135-175 of 255",
    vary: (p, rng) => {
      const v = _uniform(rng, 135, 175);
      p.paper = [v, v, v - 4];
    },
  },
  {
    name: "yellowed",
    description: "old yellowed paper",
    vary: (p, rng) => (p.paper = _jitter(YELLOWED_PAPER, 6, rng)),
  },
  {
    name: "paper texture",
    description: "coarse grain (6-10 levels) and blotchy paper (5-9 %)",
    vary: (p, rng) => {
      p.paperGrain = _uniform(rng, 6, 10);
      p.paperMottle = _uniform(rng, 0.05, 0.09);
    },
  },
  {
    name: "ruled",
    description: "blue ruled lines, sometimes a red margin",
    vary: (p, rng) => (p.lines = _ruled(p, rng)),
  },
  { name: "squared", description: "squared paper", vary: (p, rng) => (p.lines = _squared(p, rng)) },
  {
    name: "shadow",
    description: "a shadow edge (30-55 % darker) across the digit",
    vary: (p, rng) => (p.shadow = _shadow(p, rng, 0.3, 0.55)),
  },
  {
    name: "flash",
    description: "a bright spot and dark corners",
    vary: (p, rng) => (p.flash = _flash(p, rng)),
  },
  {
    name: "blur",
    description: "out of focus: blur of 1.5-3 % of the digit's height",
    vary: (p, rng) => (p.blur = p.digitHeight * _uniform(rng, 0.015, 0.03)),
  },
  {
    name: "noise",
    description: "sensor noise of 6-12 levels",
    vary: (p, rng) => (p.noise = _uniform(rng, 6, 12)),
  },
  {
    name: "rotated",
    description: "the digit turned 6-15 degrees either way",
    vary: (p, rng) => (p.rotation = _uniform(rng, 6, 15) * (rng.nextFloat() < 0.5 ? -1 : 1)),
  },
  { name: "jpeg q30", description: "JPEG at quality 30", vary: (p) => (p.jpegQuality = 30) },
  { name: "jpeg q60", description: "JPEG at quality 60", vary: (p) => (p.jpegQuality = 60) },
  { name: "jpeg q90", description: "JPEG at quality 90", vary: (p) => (p.jpegQuality = 90) },
  {
    name: "phone photo",
    description: "a mix: any ink, paper, lines and light, mild blur and noise, a slight turn, JPEG 70-95",
    vary: (p, rng) => _phone(p, rng, false),
  },
  {
    name: "dim phone photo",
    description: "the same mix in a dim room: darker, noisier, blurrier, JPEG 60-85",
    vary: (p, rng) => _phone(p, rng, true),
  },
];

/** The conditions of the photo benchmark, in the order of its table. */
export const PHOTO_CONDITIONS: readonly PhotoCondition[] = Object.freeze(
  _CONDITIONS.map(({ name, description }) => Object.freeze({ name, description })),
);

/**
 * Draw every setting of one photo of a digit. The clean photo's settings come first, from the same
 * draws for every condition, so the same seed puts the same digit at the same size and place with
 * the same pen, paper grain and noise under every condition; the condition then changes its factor.
 *
 * @param condition The name of one of {@linkcode PHOTO_CONDITIONS}.
 * @param seed An integer in [0, 2^32).
 * @returns The plan.
 * @throws {LimitError} When the condition is unknown or the seed is not such an integer.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { photoPlan } from "./photo.ts";
 * const clean = photoPlan("clean", 7), blue = photoPlan("blue pen", 7);
 * assert.ok(clean.digitHeight === blue.digitHeight && clean.ink[2] < blue.ink[2]);
 * ```
 */
export function photoPlan(condition: string, seed: number): PhotoPlan {
  const found = _CONDITIONS.find((c) => c.name === condition);
  if (found === undefined) {
    throw new LimitError(
      `Cannot plan a photo: condition is "${condition}", expected one of ${
        _CONDITIONS.map((c) => `"${c.name}"`).join(", ")
      }`,
    );
  }
  _checkSeed("plan a photo", seed);
  const rng = new Rng(seed);
  // the clean photo: a digit 60-160 px tall on a crop 1.15-1.5 times its 28-pixel field
  const digitHeight = _uniform(rng, 60, 160);
  const field = (digitHeight * IMAGE_SIDE) / BOX_SIDE;
  const width = Math.round(field * _uniform(rng, 1.15, 1.5));
  const height = Math.round(field * _uniform(rng, 1.15, 1.5));
  const centreX = width / 2 + _uniform(rng, -0.4, 0.4) * (width - field);
  const centreY = height / 2 + _uniform(rng, -0.4, 0.4) * (height - field);
  const plan: _Draft = {
    condition,
    width,
    height,
    digitHeight,
    centreX,
    centreY,
    rotation: 0,
    penWidth: _uniform(rng, 0.85, 1.15),
    ink: _jitter(BLACK_INK, 8, rng),
    inkGrain: 0,
    paper: _shade(WHITE_PAPER, _uniform(rng, -8, 6)),
    paperGrain: _uniform(rng, 1.5, 3),
    paperMottle: _uniform(rng, 0.005, 0.02),
    lines: null,
    shadow: null,
    flash: null,
    exposure: 1,
    whiteBalance: [1, 1, 1],
    blur: _uniform(rng, 0.5, 0.9),
    noise: _uniform(rng, 1, 2),
    jpegQuality: null,
    textureSeed: rng.nextUint32(),
  };
  found.vary(plan, rng);
  return Object.freeze(plan);
}

/**
 * Paint a photo of a digit from its plan.
 *
 * @param digit The digit, 784 values 0..255 (28 × 28 row-major, ink high, as in MNIST's files).
 * @param plan From {@linkcode photoPlan}.
 * @returns The photo, RGBA bytes.
 * @throws {ShapeError} When the digit does not hold 784 values.
 * @throws {LimitError} When the plan's page is not 16 to 4096 pixels a side.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { photoPlan, renderPhoto } from "./photo.ts";
 * const bar = new Uint8Array(784);
 * for (let y = 4; y < 24; y++) for (let x = 12; x < 16; x++) bar[y * 28 + x] = 255; // a "1"
 * const plan = photoPlan("red pen", 3);
 * const photo = renderPhoto(bar, plan);
 * const at = (x: number, y: number) => photo.rgba.subarray(4 * (y * photo.width + x), 4 * (y * photo.width + x) + 3);
 * const ink = at(Math.floor(plan.centreX), Math.floor(plan.centreY)), paper = at(2, 2);
 * assert.ok(ink[0] > 2 * ink[1] && paper[1] > 200); // red ink on white paper
 * ```
 */
export function renderPhoto(digit: ArrayLike<number>, plan: PhotoPlan): PhotoImage {
  if (digit.length !== IMAGE_SIDE * IMAGE_SIDE) {
    throw new ShapeError(`Cannot render a photo: the digit holds ${digit.length} values, expected 784`);
  }
  const { width, height } = plan;
  for (const side of [width, height]) {
    if (!Number.isInteger(side) || side < 16 || side > 4096) {
      throw new LimitError(
        `Cannot render a photo: the page is ${width}x${height}, expected 16 to 4096 pixels a side`,
      );
    }
  }
  const n = width * height;
  const cover = _penCoverage(digit, plan);
  const lines = plan.lines === null ? null : _lineCoverage(plan.lines, width, height);
  const rng = new Rng(plan.textureSeed);
  const mottle = _valueNoise(width, height, Math.max(8, plan.digitHeight / 3), rng);
  const light = _light(plan);
  const normals = _normalTable();
  // r, g, b: (height, width) linear in the sensor's levels 0..255, before blur and noise
  const channels = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  for (let i = 0; i < n; i++) {
    // one draw gives two table indices: the paper's grain and the pencil's
    const draw = rng.nextUint32();
    const tint = 1 + plan.paperMottle * mottle[i];
    const grain = plan.paperGrain * normals[draw & 0xffff];
    let c = cover[i];
    if (c > 0 && plan.inkGrain > 0) c *= 1 - plan.inkGrain * ((draw >>> 16) / 65536);
    for (let k = 0; k < 3; k++) {
      let v = plan.paper[k] * tint + grain;
      if (lines !== null) {
        // printed lines filter the paper's light as ink does: v × (1 − l + l × colour / 255)
        const l = lines.grid[i], m = lines.margin[i];
        if (l > 0) v *= 1 - l + (l * plan.lines!.colour[k]) / 255;
        if (m > 0) v *= 1 - m + (m * MARGIN_RED[k]) / 255;
      }
      v *= 1 - c + (c * plan.ink[k]) / 255;
      channels[k][i] = v * light[i] * plan.whiteBalance[k];
    }
  }
  const blurred = plan.blur > 0
    ? channels.map((ch) => _gaussianBlur(ch, width, height, plan.blur))
    : channels;
  const rgba = new Uint8Array(4 * n);
  const [r, g, b] = blurred;
  for (let i = 0, o = 0; i < n; i++, o += 4) {
    // sensor noise: mostly luminance (shared by the channels), a little colour
    const d1 = rng.nextUint32(), d2 = rng.nextUint32();
    const shared = plan.noise * normals[d1 & 0xffff], colour = 0.5 * plan.noise;
    rgba[o] = _byte(r[i] + shared + colour * normals[d1 >>> 16]);
    rgba[o + 1] = _byte(g[i] + shared + colour * normals[d2 & 0xffff]);
    rgba[o + 2] = _byte(b[i] + shared + colour * normals[d2 >>> 16]);
    rgba[o + 3] = 255;
  }
  return { width, height, rgba };
}

/**
 * Save a painted photo as its plan says: a PNG, or a JPEG whose colour was first averaged over
 * 2 × 2 pixels (a phone's 4:2:0 chroma; jpeg-js itself writes 4:4:4).
 *
 * @param photo From {@linkcode renderPhoto}.
 * @param plan The plan it was painted from.
 * @returns The file's bytes and format.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodePhoto, photoPlan, renderPhoto } from "./photo.ts";
 * const plan = photoPlan("jpeg q60", 1);
 * const { format, bytes } = encodePhoto(renderPhoto(new Uint8Array(784).fill(255, 300, 330), plan), plan);
 * assert.ok(format === "jpeg" && bytes[0] === 0xff && bytes[1] === 0xd8);
 * ```
 */
export function encodePhoto(
  photo: PhotoImage,
  plan: PhotoPlan,
): { format: "png" | "jpeg"; bytes: Uint8Array } {
  const { width, height, rgba } = photo;
  if (plan.jpegQuality === null) return { format: "png", bytes: encodeRgbPng(rgba, width, height) };
  return {
    format: "jpeg",
    bytes: encodeRgbJpeg(_subsampleChroma(rgba, width, height), width, height, plan.jpegQuality),
  };
}

/**
 * Make one photo file of a digit: {@linkcode photoPlan}, {@linkcode renderPhoto}, {@linkcode encodePhoto}.
 *
 * @param digit The digit, 784 values 0..255.
 * @param condition The name of one of {@linkcode PHOTO_CONDITIONS}.
 * @param seed An integer in [0, 2^32).
 * @returns The file, its pixels and its plan.
 * @throws {LimitError} When the condition is unknown or the seed is out of range.
 * @throws {ShapeError} When the digit does not hold 784 values.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { photoFile } from "./photo.ts";
 * const digit = new Uint8Array(784).fill(255, 28 * 10, 28 * 14);
 * assert.deepEqual(photoFile(digit, "noise", 5).bytes, photoFile(digit, "noise", 5).bytes);
 * ```
 */
export function photoFile(digit: ArrayLike<number>, condition: string, seed: number): PhotoFile {
  const plan = photoPlan(condition, seed);
  const image = renderPhoto(digit, plan);
  return { ...image, plan, ...encodePhoto(image, plan) };
}

/**
 * Read a photo file exactly as `deno task check` reads a file: decode it by its bytes
 * (core/formats/image.ts), then make the network's input (core/digits/preprocess.ts).
 *
 * @param bytes The file.
 * @param name Its name, for messages.
 * @returns The decoded image and the (28, 28) input.
 * @throws {FormatError} When the bytes are not a PNG or JPEG this project reads.
 * @throws {LimitError} When the image is too large or holds no ink.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { photoFile, readPhoto } from "./photo.ts";
 * const digit = new Uint8Array(784);
 * for (let y = 4; y < 24; y++) digit.fill(255, y * 28 + 12, y * 28 + 16);
 * const { input } = readPhoto(photoFile(digit, "clean", 1).bytes, "1.png");
 * assert.ok(input.length === 784 && input[14 * 28 + 14] > 0.5);
 * ```
 */
export function readPhoto(bytes: Uint8Array, name: string): { image: DecodedImage; input: Float32Array } {
  const image = decodeImage(bytes, name);
  return { image, input: toMnistInput(image, name) };
}

/**
 * The digits a photo benchmark renders: `count` indices of a set of `total`, drawn at random but
 * reproducibly, in increasing order. A larger count keeps the digits of a smaller one (the same
 * shuffle, a longer prefix), and `count === total` takes them all.
 *
 * @param total Images in the set.
 * @param count How many to take, 1 to total.
 * @param seed An integer in [0, 2^32).
 * @returns The indices, increasing.
 * @throws {LimitError} When count is not in [1, total] or the seed is out of range.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { photoSample } from "./photo.ts";
 * const few = photoSample(100, 5, 1), more = photoSample(100, 20, 1);
 * assert.ok(few.length === 5 && few.every((i) => more.includes(i)));
 * ```
 */
export function photoSample(total: number, count: number, seed: number): Uint32Array {
  if (!Number.isInteger(total) || !Number.isInteger(count) || count < 1 || count > total) {
    throw new LimitError(
      `Cannot sample digits: count is ${count}, expected an integer from 1 to the ${total} images of the set`,
    );
  }
  _checkSeed("sample digits", seed);
  const order = Uint32Array.from({ length: total }, (_, i) => i);
  new Rng(seed).shuffle(order);
  return order.slice(0, count).sort();
}

/**
 * The seed of the photos of one digit: a hash of the benchmark's seed and the digit's index, so a
 * digit gets the same photos whatever else is rendered with it.
 *
 * @param seed The benchmark's seed, an integer in [0, 2^32).
 * @param index The digit's index in its set.
 * @returns An integer in [0, 2^32).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { photoSeed } from "./photo.ts";
 * assert.ok(photoSeed(1, 5) === photoSeed(1, 5) && photoSeed(1, 5) !== photoSeed(1, 6));
 * ```
 */
export function photoSeed(seed: number, index: number): number {
  // two rounds of the murmur3 finaliser over seed and index
  let h = Math.imul((seed ^ 0x9e3779b9) >>> 0, 0x85ebca6b) ^ index;
  for (let round = 0; round < 2; round++) {
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

// --- private helpers ---

function _checkSeed(action: string, seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed >= SEED_LIMIT) {
    throw new LimitError(`Cannot ${action}: seed is ${seed}, expected an integer in [0, 2^32)`);
  }
}

function _uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.nextFloat();
}

/** 65,536 standard normal draws, made once on first use: the noise of every photo indexes into it. */
let _normals: Float32Array | null = null;

/** The table of normal draws: each from four uniforms (Irwin–Hall, variance 4/12, scaled to 1), arithmetic only. */
function _normalTable(): Float32Array {
  if (_normals === null) {
    const rng = new Rng(0x5eed);
    _normals = new Float32Array(65536);
    for (let i = 0; i < _normals.length; i++) {
      const sum = rng.nextFloat() + rng.nextFloat() + rng.nextFloat() + rng.nextFloat();
      _normals[i] = (sum - 2) * 1.7320508075688772; // × sqrt(3): variance 1
    }
  }
  return _normals;
}

/** A level rounded and clamped to a byte. */
function _byte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

/** A colour with each channel moved by up to ±spread levels. */
function _jitter(colour: PhotoRgb, spread: number, rng: Rng): PhotoRgb {
  return colour.map((v) =>
    Math.min(255, Math.max(0, v + _uniform(rng, -spread, spread)))
  ) as unknown as PhotoRgb;
}

/** A colour made lighter or darker by `by` levels on every channel. */
function _shade(colour: PhotoRgb, by: number): PhotoRgb {
  return colour.map((v) => Math.min(255, Math.max(0, v + by))) as unknown as PhotoRgb;
}

/** Ruled paper: a line every 0.8-1.15 digit heights, lines 1.2-3 % of that apart wide, slightly tilted. */
function _ruled(p: _Draft, rng: Rng): PhotoLines {
  const spacing = p.digitHeight * _uniform(rng, 0.8, 1.15);
  const thickness = Math.max(1, spacing * _uniform(rng, 0.012, 0.03));
  const field = (p.digitHeight * IMAGE_SIDE) / BOX_SIDE;
  // a margin left of the digit, when the crop has room for one
  const room = p.centreX - field / 2;
  const margin = rng.nextFloat() < 0.4 && room > 12 ? _uniform(rng, 4, room - 6) : null;
  return {
    kind: "ruled",
    spacing,
    thickness,
    offsetX: 0,
    offsetY: _uniform(rng, 0, spacing),
    slope: _uniform(rng, -0.004, 0.004),
    colour: _jitter(RULED_BLUE, 10, rng),
    margin,
  };
}

/** Squared paper: squares 0.45-0.7 digit heights, lines 2-4 % of a square wide, slightly tilted. */
function _squared(p: _Draft, rng: Rng): PhotoLines {
  const spacing = p.digitHeight * _uniform(rng, 0.45, 0.7);
  return {
    kind: "squared",
    spacing,
    thickness: Math.max(1, spacing * _uniform(rng, 0.02, 0.04)),
    offsetX: _uniform(rng, 0, spacing),
    offsetY: _uniform(rng, 0, spacing),
    slope: _uniform(rng, -0.004, 0.004),
    colour: _jitter(SQUARED_BLUE, 12, rng),
    margin: null,
  };
}

/** A shadow edge at any angle, passing within a third of the digit's height of its centre. */
function _shadow(p: _Draft, rng: Rng, depthLo: number, depthHi: number): PhotoShadow {
  // a random direction from a point in the unit disc (rejection: arithmetic only)
  let x = 0, y = 0, r2 = 0;
  do {
    x = 2 * rng.nextFloat() - 1;
    y = 2 * rng.nextFloat() - 1;
    r2 = x * x + y * y;
  } while (r2 > 1 || r2 < 0.01);
  const r = Math.sqrt(r2);
  const normalX = x / r, normalY = y / r;
  const along = _uniform(rng, -0.33, 0.33) * p.digitHeight;
  return {
    normalX,
    normalY,
    offset: normalX * p.centreX + normalY * p.centreY + along,
    depth: _uniform(rng, depthLo, depthHi),
    softness: _uniform(rng, 1, 0.15 * p.digitHeight),
  };
}

/** A flash: a bright spot (10-30 % more light) somewhere in the middle, corners 20-40 % darker. */
function _flash(p: _Draft, rng: Rng): PhotoFlash {
  const diagonal = Math.sqrt(p.width * p.width + p.height * p.height);
  return {
    x: p.width * _uniform(rng, 0.2, 0.8),
    y: p.height * _uniform(rng, 0.2, 0.8),
    radius: diagonal * _uniform(rng, 0.3, 0.6),
    boost: _uniform(rng, 0.1, 0.3),
    vignette: _uniform(rng, 0.2, 0.4),
  };
}

/** A phone photo: several factors at once, each at a random, milder strength. */
function _phone(p: _Draft, rng: Rng, dim: boolean): void {
  const inks: [PhotoRgb, number][] = [
    [BLACK_INK, 0.35],
    [BLUE_INK, 0.35],
    [PENCIL_INK, 0.15],
    [RED_INK, 0.1],
    [
      GREEN_INK,
      0.05,
    ],
  ];
  const ink = _pick(inks, rng);
  p.ink = _jitter(ink, 12, rng);
  if (ink === PENCIL_INK) p.inkGrain = _uniform(rng, 0.2, 0.45);
  p.penWidth = _uniform(rng, 0.6, 1.4);
  const paper = _pick<PhotoRgb>([[WHITE_PAPER, 0.6], [YELLOWED_PAPER, 0.2], [[205, 203, 198], 0.2]], rng);
  p.paper = _jitter(paper, 6, rng);
  p.paperGrain = _uniform(rng, 2, 5);
  p.paperMottle = _uniform(rng, 0.02, 0.05);
  const lines = rng.nextFloat();
  p.lines = lines < 0.4 ? null : lines < 0.7 ? _ruled(p, rng) : _squared(p, rng);
  const light = rng.nextFloat();
  if (light < 0.35) p.shadow = _shadow(p, rng, 0.2, 0.45);
  else if (light < 0.7) p.flash = _flash(p, rng);
  p.whiteBalance = [_uniform(rng, 0.94, 1.06), 1, _uniform(rng, 0.94, 1.06)];
  p.rotation = _uniform(rng, -8, 8);
  p.blur = _uniform(rng, 0.6, 1.5) + p.digitHeight * _uniform(rng, 0, 0.01);
  p.noise = _uniform(rng, 2, 6);
  p.jpegQuality = Math.round(_uniform(rng, 70, 95));
  if (dim) {
    p.exposure = _uniform(rng, 0.55, 0.75);
    p.noise = _uniform(rng, 6, 12);
    p.blur += p.digitHeight * _uniform(rng, 0, 0.01);
    p.jpegQuality = Math.round(_uniform(rng, 60, 85));
  }
}

/** One of the choices, by weight (the weights sum to 1). */
function _pick<T>(choices: readonly [T, number][], rng: Rng): T {
  let u = rng.nextFloat();
  for (const [choice, weight] of choices) {
    if (u < weight) return choice;
    u -= weight;
  }
  return choices[choices.length - 1][0];
}

/**
 * The pen's coverage of every page pixel, (height, width) in [0, 1]: the digit enlarged and turned
 * with a Catmull-Rom cubic, its outline at half ink, drawn with a pen penWidth times as wide, with an
 * anti-aliased edge.
 */
function _penCoverage(digit: ArrayLike<number>, plan: PhotoPlan): Float32Array {
  const { width, height, centreX, centreY, penWidth } = plan;
  const scale = plan.digitHeight / BOX_SIDE; // page pixels per MNIST pixel
  const angle = (plan.rotation * Math.PI) / 180;
  const cos = Math.cos(angle), sin = Math.sin(angle);
  // the field's bounding box on the page, with room for the pen to grow
  // a wider pen moves the outline out by this many pixels
  const offset = Math.max(0, penWidth - 1) * HALF_STROKE * scale;
  const reach = (IMAGE_SIDE / 2 + 2) * scale * Math.SQRT2 + offset + 2;
  const x0 = Math.max(0, Math.floor(centreX - reach)), x1 = Math.min(width, Math.ceil(centreX + reach));
  const y0 = Math.max(0, Math.floor(centreY - reach)), y1 = Math.min(height, Math.ceil(centreY + reach));
  const bw = x1 - x0, bh = y1 - y0;
  const out = new Float32Array(width * height);
  if (bw <= 0 || bh <= 0) return out;
  // f: the enlarged digit in [0, ~1] over the box; mask: inside the pen's outline
  const f = new Float32Array(bw * bh),
    inside = new Float32Array(bw * bh),
    outside = new Float32Array(bw * bh);
  const centre = IMAGE_SIDE / 2;
  for (let y = 0; y < bh; y++) {
    const dy = y0 + y + 0.5 - centreY;
    for (let x = 0; x < bw; x++) {
      const dx = x0 + x + 0.5 - centreX;
      // page → digit: turn back by the rotation, then shrink; MNIST's (14, 14) sits at the centre
      const u = centre + (cos * dx + sin * dy) / scale, v = centre + (-sin * dx + cos * dy) / scale;
      const value = _cubicAt(digit, u, v) / 255;
      const i = y * bw + x;
      f[i] = value;
      if (value >= PEN_EDGE) inside[i] = 1;
      else outside[i] = 1;
    }
  }
  // squared distances: from each pixel to the nearest inside pixel, and to the nearest outside one
  const toInside = distanceTransform(inside, bw, bh), toOutside = distanceTransform(outside, bw, bh);
  // e: (bh, bw) signed distance of each pixel's centre from the outline, positive inside
  const e = new Float32Array(bw * bh);
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) {
      const i = y * bw + x;
      e[i] = inside[i] ? Math.sqrt(toOutside[i]) - 0.5 : 0.5 - Math.sqrt(toInside[i]);
      if (Math.abs(e[i]) < SUB_PIXEL_BAND) {
        // near the outline, (f − edge) / |∇f| is finer than the distance between pixel centres
        const gx = (f[i + (x + 1 < bw ? 1 : 0)] - f[i - (x > 0 ? 1 : 0)]) / 2;
        const gy = (f[i + (y + 1 < bh ? bw : 0)] - f[i - (y > 0 ? bw : 0)]) / 2;
        const g = Math.sqrt(gx * gx + gy * gy);
        if (g > 1e-3) e[i] = Math.min(SUB_PIXEL_BAND, Math.max(-SUB_PIXEL_BAND, (f[i] - PEN_EDGE) / g));
      }
    }
  }
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) {
      const i = y * bw + x;
      // a wider pen: the outline moved out; a thinner one: (1 − w) of the way to the stroke's middle
      const cover = penWidth >= 1 || e[i] <= -1
        ? 0.5 + e[i] + offset
        : 0.5 + e[i] - (1 - penWidth) * _ridge(e, bw, bh, x, y);
      out[(y0 + y) * width + x0 + x] = Math.min(1, Math.max(0, cover));
    }
  }
  return out;
}

/**
 * The height of the ridge above (x, y) in a (h, w) distance map: climb to the highest of the eight
 * neighbours while that is higher. Inside a stroke the ridge is its middle, and its height the
 * stroke's half-width there.
 */
function _ridge(e: Float32Array, w: number, h: number, x: number, y: number): number {
  let i = y * w + x, cx = x, cy = y;
  for (;;) {
    let best = i, bx = cx, by = cy;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const nx = cx + dx, ny = cy + dy;
        if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
        const j = ny * w + nx;
        if (e[j] > e[best]) [best, bx, by] = [j, nx, ny];
      }
    }
    if (best === i) return Math.max(0, e[i]);
    [i, cx, cy] = [best, bx, by];
  }
}

/** A 28 × 28 digit at (u, v) in pixel-index coordinates, by a Catmull-Rom cubic; 0 outside. */
function _cubicAt(digit: ArrayLike<number>, u: number, v: number): number {
  const iu = Math.floor(u), iv = Math.floor(v);
  if (iu < -2 || iv < -2 || iu > IMAGE_SIDE || iv > IMAGE_SIDE) return 0;
  const tu = u - iu, tv = v - iv;
  let sum = 0;
  for (let j = 0; j < 4; j++) {
    const y = iv - 1 + j;
    if (y < 0 || y >= IMAGE_SIDE) continue;
    let row = 0;
    for (let i = 0; i < 4; i++) {
      const x = iu - 1 + i;
      if (x >= 0 && x < IMAGE_SIDE) row += _catmullRom(tu, i) * digit[y * IMAGE_SIDE + x];
    }
    sum += _catmullRom(tv, j) * row;
  }
  return sum;
}

/** The Catmull-Rom weight of sample k (0 to 3: at −1, 0, 1, 2) for a point t in [0, 1) past sample 1. */
function _catmullRom(t: number, k: number): number {
  const t2 = t * t, t3 = t2 * t;
  if (k === 0) return -0.5 * t3 + t2 - 0.5 * t;
  if (k === 1) return 1.5 * t3 - 2.5 * t2 + 1;
  if (k === 2) return -1.5 * t3 + 2 * t2 + 0.5 * t;
  return 0.5 * t3 - 0.5 * t2;
}

/** Coverage of the printed lines (grid) and of the red margin, each (height, width) in [0, 1]. */
function _lineCoverage(
  lines: PhotoLines,
  width: number,
  height: number,
): { grid: Float32Array; margin: Float32Array } {
  const grid = new Float32Array(width * height), margin = new Float32Array(width * height);
  const half = lines.thickness / 2;
  // coverage of a line of this width whose centre is d pixels from the pixel's centre
  const cover = (d: number) => Math.min(1, Math.max(0, half + 0.5 - d));
  const nearest = (t: number) => {
    const m = t - lines.spacing * Math.floor(t / lines.spacing);
    return Math.min(m, lines.spacing - m);
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const px = x + 0.5, py = y + 0.5;
      // the grid turned by the slope: rows rise along x, columns lean along y
      let c = cover(nearest(py - lines.slope * px - lines.offsetY));
      if (lines.kind === "squared") c = Math.max(c, cover(nearest(px + lines.slope * py - lines.offsetX)));
      grid[y * width + x] = c;
      if (lines.margin !== null) {
        margin[y * width + x] = cover(Math.abs(px + lines.slope * py - lines.margin));
      }
    }
  }
  return { grid, margin };
}

/** Smooth value noise in [−1, 1], (height, width): random values on a grid of `cell` pixels, smoothstep-interpolated. */
function _valueNoise(width: number, height: number, cell: number, rng: Rng): Float32Array {
  const gw = Math.ceil(width / cell) + 2, gh = Math.ceil(height / cell) + 2;
  const grid = Float32Array.from({ length: gw * gh }, () => 2 * rng.nextFloat() - 1);
  const out = new Float32Array(width * height);
  const smooth = (t: number) => t * t * (3 - 2 * t);
  for (let y = 0; y < height; y++) {
    const fy = y / cell, iy = Math.floor(fy), ty = smooth(fy - iy);
    for (let x = 0; x < width; x++) {
      const fx = x / cell, ix = Math.floor(fx), tx = smooth(fx - ix);
      const a = grid[iy * gw + ix], b = grid[iy * gw + ix + 1];
      const c = grid[(iy + 1) * gw + ix], d = grid[(iy + 1) * gw + ix + 1];
      out[y * width + x] = (a * (1 - tx) + b * tx) * (1 - ty) + (c * (1 - tx) + d * tx) * ty;
    }
  }
  return out;
}

/** The light on every pixel, (height, width): exposure × shadow × flash spot × vignette. */
function _light(plan: PhotoPlan): Float32Array {
  const { width, height, shadow, flash } = plan;
  const out = new Float32Array(width * height).fill(plan.exposure);
  if (shadow === null && flash === null) return out;
  const cx = width / 2, cy = height / 2, corner = cx * cx + cy * cy;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const px = x + 0.5, py = y + 0.5;
      let l = plan.exposure;
      if (shadow !== null) {
        // 0 on the lit side, 1 in the shadow, a smoothstep across the penumbra
        const t = Math.min(
          1,
          Math.max(0, ((shadow.normalX * px + shadow.normalY * py - shadow.offset) / shadow.softness) + 0.5),
        );
        l *= 1 - shadow.depth * t * t * (3 - 2 * t);
      }
      if (flash !== null) {
        const dx = px - flash.x, dy = py - flash.y;
        const fall = Math.max(0, 1 - (dx * dx + dy * dy) / (flash.radius * flash.radius));
        const ex = px - cx, ey = py - cy;
        l *= (1 + flash.boost * fall * fall) * (1 - (flash.vignette * (ex * ex + ey * ey)) / corner);
      }
      out[y * width + x] = l;
    }
  }
  return out;
}

/** Separable Gaussian blur of a (height, width) channel, edges extended; weights exp(−k²/2σ²) ≈ (1 − k²/128σ²)^64. */
function _gaussianBlur(src: Float32Array, width: number, height: number, sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const weights = new Float32Array(2 * radius + 1);
  let total = 0;
  for (let k = -radius; k <= radius; k++) {
    // (1 − x / 64)^64 → exp(−x): six squarings, arithmetic only
    let w = Math.max(0, 1 - (k * k) / (2 * sigma * sigma) / 64);
    for (let s = 0; s < 6; s++) w *= w;
    weights[k + radius] = w;
    total += w;
  }
  for (let k = 0; k < weights.length; k++) weights[k] /= total;
  const tmp = new Float32Array(src.length), out = new Float32Array(src.length);
  // along rows: each row extended by `radius` copies of its end pixels, then convolved
  const line = new Float32Array(width + 2 * radius);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    line.fill(src[row], 0, radius);
    line.set(src.subarray(row, row + width), radius);
    line.fill(src[row + width - 1], radius + width);
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = 0; k < weights.length; k++) sum += weights[k] * line[x + k];
      tmp[row + x] = sum;
    }
  }
  // along columns: each output row is a weighted sum of whole rows (edges clamped)
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let k = -radius; k <= radius; k++) {
      const from = Math.min(height - 1, Math.max(0, y + k)) * width, w = weights[k + radius];
      for (let x = 0; x < width; x++) out[row + x] += w * tmp[from + x];
    }
  }
  return out;
}

/**
 * Average the colour (BT.601 Cb and Cr) over each 2 × 2 block and keep every pixel's luminance, as
 * a 4:2:0 JPEG stores a photo; returns new RGBA bytes.
 */
function _subsampleChroma(rgba: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(rgba.length);
  for (let by = 0; by < height; by += 2) {
    for (let bx = 0; bx < width; bx += 2) {
      let cb = 0, cr = 0, count = 0;
      for (let y = by; y < Math.min(height, by + 2); y++) {
        for (let x = bx; x < Math.min(width, bx + 2); x++) {
          const o = 4 * (y * width + x);
          const luma = 0.299 * rgba[o] + 0.587 * rgba[o + 1] + 0.114 * rgba[o + 2];
          cb += rgba[o + 2] - luma;
          cr += rgba[o] - luma;
          count++;
        }
      }
      cb /= count;
      cr /= count;
      for (let y = by; y < Math.min(height, by + 2); y++) {
        for (let x = bx; x < Math.min(width, bx + 2); x++) {
          const o = 4 * (y * width + x);
          const luma = 0.299 * rgba[o] + 0.587 * rgba[o + 1] + 0.114 * rgba[o + 2];
          // R = Y + cr, B = Y + cb, and G from Y = 0.299 R + 0.587 G + 0.114 B
          const r = luma + cr, b = luma + cb, g = (luma - 0.299 * r - 0.114 * b) / 0.587;
          out[o] = Math.round(Math.min(255, Math.max(0, r)));
          out[o + 1] = Math.round(Math.min(255, Math.max(0, g)));
          out[o + 2] = Math.round(Math.min(255, Math.max(0, b)));
          out[o + 3] = 255;
        }
      }
    }
  }
  return out;
}
