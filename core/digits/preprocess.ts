/**
 * Turn a person's digit image into an MNIST-like 28x28 input, following MNIST's own recipe.
 *
 * MNIST's digits are NIST's bilevel scans, "size normalized to fit in a 20x20 pixel box while
 * preserving their aspect ratio", anti-aliased by the normalisation, then "centered in a 28x28
 * image by computing the center of mass of the pixels, and translating the image so as to position
 * this point at the center of the 28x28 field" (LeCun, Cortes, Burges). A network trained on MNIST
 * has only ever seen that: white ink on black, a 20-pixel box, the centre of mass at (14, 14),
 * strokes about 2.4 pixels wide. {@linkcode toMnistInput} reproduces it step by step:
 *
 * 1. luminance (done in core/formats/png.ts) and {@linkcode flattenAlpha}: composite transparency onto
 *    the paper colour that contrasts with the ink; {@linkcode shrinkLarge} caps the work size;
 * 2. {@linkcode inkOnBlack}: polarity from the border, so the ink is bright and the paper dark;
 *    for a colour image {@linkcode colourDifference} adds how far each pixel's colour is from the
 *    paper's, so blue, red or green ink shows even where it is as light as the paper;
 * 3. {@linkcode removeBackground}: subtract the paper (even when it is unevenly lit, or a shadow
 *    crosses it), zero the noise, map the ink level to 1;
 * 4. {@linkcode removeLines}, {@linkcode removeSpecks} and {@linkcode inkBoundingBox}: drop ruled or
 *    squared paper lines, crop to the digit, ignoring dust;
 * 5. {@linkcode fitToBox}: scale the longer side to 20 pixels with area averaging (bilinear when
 *    enlarging), thickening strokes thinner than MNIST's first ({@linkcode thickenStrokes});
 * 6. {@linkcode centreByMass}: place the box in 28x28 with the centre of mass at (14, 14),
 *    shifted by whole pixels as MNIST did.
 *
 * Shapes: every image is (height, width), row-major, values in [0, 1]. docs/preprocessing.md
 * explains each step and why.
 *
 * @module
 */

import { LimitError, ShapeError } from "../base/errors.ts";
import type { DecodedPng } from "../formats/png.ts";
import { compositeOnPaper } from "../formats/png.ts";
import { IMAGE_SIDE } from "../formats/idx.ts";
export { encodeGrayPng } from "../formats/png.ts";

/** Side of the box MNIST size-normalised every digit into. */
export const BOX_SIDE = 20;
/** Where MNIST puts the centre of mass, in pixel-index coordinates (measured: 13.99, 14.01). */
export const CENTRE = 14;
/** Median stroke width of MNIST test digits, pixels (2 * ink / total variation, measured). */
export const MNIST_STROKE_WIDTH = 2.4;
/** Strokes estimated thinner than this (MNIST's 5th percentile, 1.67) are thickened. */
export const THIN_STROKE_WIDTH = 1.6;
/** Images whose longer side exceeds this are shrunk to it first (area averaging): cheaper, same digit. */
export const MAX_WORK_SIDE = 1024;
/** Resolution, as a multiple of the 20-pixel box, at which thin strokes are thickened. */
const OVERSAMPLE = 4;
/** Ink contrast below this (about 15/255) is no ink at all. */
const MIN_CONTRAST = 0.06;
/** The darkest paper a relative contrast is measured against (see removeBackground). */
const MIN_PAPER = 0.1;
/** isDarkInk's second opinion averages noise out over boxes of 2r + 1 pixels, r = the longer side / this, rounded. */
const POLARITY_BOX = 100;
/** Noise floor in robust standard deviations of the paper. */
const NOISE_SIGMAS = 4;
/** Values below this fraction of the strongest ink are zeroed as noise. */
const NOISE_FRACTION = 0.15;
/** A connected blob with less ink than this fraction of the largest blob is a speck. */
const SPECK_FRACTION = 0.02;
/**
 * A step this large (about 38/255) between neighbouring cells of the paper estimate means a hard
 * lighting edge (a shadow), which the coarse cells blur; the paper is then also found per pixel.
 */
const SHADOW_STEP = 0.15;
/**
 * The border's paper decides the polarity when it lies at least this fraction of the image's range
 * away from the middle of that range; closer, see isDarkInk.
 */
const POLARITY_MARGIN = 0.25;
/** A border whose 10th and 90th percentiles differ by more than this is crossed by a shadow. */
const BORDER_SPREAD = 0.2;
/** A row (or column) inked along at least this fraction of the image holds a paper line. */
const LINE_FILL = 0.6;
/** A paper line partly hidden by the digit shows its thin ink along at least this fraction of the image. */
const LINE_SEEN = 0.4;
/** A paper line, counted leniently, reaches within this fraction of the image of both of its ends. */
const LINE_ENDS = 0.15;
/** Gaps in a paper line up to this fraction of its length (at least 2 pixels) still count as line. */
const LINE_GAP = 0.03;
/** A row (or column) next to a paper line and inked along this fraction is its soft edge. */
const LINE_EDGE_FILL = 0.15;
/** A paper line is at most this fraction of the digit's typical stroke thickness. */
const LINE_THICKNESS = 0.6;
/** Bins of the histograms used for percentiles (O(n), no sort). */
const HISTOGRAM_BINS = 4096;

/** An inclusive pixel rectangle. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Turn a decoded image into the 784 inputs of an MNIST network: white ink on black, in [0, 1].
 *
 * @param img A decoded PNG (luminance and alpha, from core/formats/png.ts).
 * @param name The file name, used in error messages only.
 * @returns (28, 28) row-major, like an MNIST image divided by 255.
 * @throws {LimitError} When the image holds no ink (blank or fully transparent).
 * @throws {ShapeError} When the image's arrays do not match its size.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toMnistInput } from "./preprocess.ts";
 * // a black vertical bar on white paper, 40x40
 * const gray = new Float32Array(1600).fill(1);
 * for (let y = 8; y < 32; y++) for (let x = 18; x < 22; x++) gray[y * 40 + x] = 0;
 * const input = toMnistInput({ width: 40, height: 40, gray, alpha: null }, "bar.png");
 * assert.ok(input.length === 784 && input[14 * 28 + 14] > 0.5 && input[0] === 0);
 * ```
 */
export function toMnistInput(img: DecodedPng, name: string): Float32Array {
  const { width, height } = img;
  if (
    img.gray.length !== width * height || (img.alpha !== null && img.alpha.length !== width * height) ||
    (img.rgb !== undefined && img.rgb.length !== 3 * width * height)
  ) {
    throw new ShapeError(
      `Cannot read digit "${name}": pixel arrays do not match the size ${width}x${height}`,
    );
  }
  const blank = () => new LimitError(`Cannot read digit "${name}": no digit found (the image is blank)`);
  const found = findInk(img);
  if (found === null) throw blank();
  const { ink, width: sw, height: sh } = found;
  const box = inkBoundingBox(ink, sw, sh);
  if (box === null) throw blank();
  const cw = box.x1 - box.x0 + 1, ch = box.y1 - box.y0 + 1;
  const fitted = fitToBox(cropBox(ink, sw, box), cw, ch);
  return centreByMass(fitted.pixels, fitted.width, fitted.height);
}

/**
 * Steps 1 to 4a: the ink of an image, bright on black in [0, 1], paper, shadows, ruled lines and
 * specks removed, at the working size ({@linkcode MAX_WORK_SIDE} at most). What
 * {@linkcode toMnistInput} crops one digit from, and what a number is split from.
 *
 * @param img A decoded image (luminance, alpha, and colour when it has any); sizes already checked.
 * @returns The ink, the luminance it came from (composited, shrunk) and their size; null when every
 *   pixel is transparent.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findInk } from "./preprocess.ts";
 * const gray = new Float32Array(1600).fill(1);
 * for (let y = 8; y < 32; y++) for (let x = 18; x < 22; x++) gray[y * 40 + x] = 0;
 * const found = findInk({ width: 40, height: 40, gray, alpha: null })!;
 * assert.ok(found.width === 40 && found.ink[20 * 40 + 20] === 1 && found.ink[0] === 0);
 * ```
 */
export function findInk(
  img: DecodedPng,
): { ink: Float32Array; gray: Float32Array; width: number; height: number } | null {
  const { width, height } = img;
  const flat = flattenAlpha(img);
  if (flat === null) return null;
  const small = shrinkLarge(flat, width, height);
  const sw = small.width, sh = small.height;
  const darkInk = isDarkInk(small.pixels, sw, sh);
  const bright = _polarity(small.pixels, darkInk);
  const colour = colourDifference(img);
  if (colour !== null) {
    // ink = how much darker (or lighter) than the paper + how far from the paper's colour
    const diff = shrinkLarge(colour, width, height).pixels;
    for (let i = 0; i < bright.length; i++) bright[i] += diff[i];
  }
  // dark ink on light paper filters the light that falls on it: its contrast is relative to the paper
  const even = removeBackground(bright, sw, sh, darkInk);
  const ink = removeSpecks(removeLines(even, sw, sh), sw, sh);
  return { ink, gray: small.pixels, width: sw, height: sh };
}

/**
 * Step 1b: shrink an image whose longer side exceeds {@linkcode MAX_WORK_SIDE} to that size by
 * area averaging, keeping the aspect ratio. A 20-pixel box never needs more, and every later
 * step then costs at most about a million pixels, whatever the photo's resolution.
 *
 * @param gray Luminance (height, width).
 * @param width Width in pixels.
 * @param height Height in pixels.
 * @returns The image itself when small enough, else the shrunk copy.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shrinkLarge } from "./preprocess.ts";
 * const out = shrinkLarge(new Float32Array(2048 * 10), 2048, 10);
 * assert.ok(out.width === 1024 && out.height === 5);
 * ```
 */
export function shrinkLarge(
  gray: Float32Array,
  width: number,
  height: number,
): { pixels: Float32Array; width: number; height: number } {
  const long = Math.max(width, height);
  if (long <= MAX_WORK_SIDE) return { pixels: gray, width, height };
  const w = Math.max(1, Math.round((width * MAX_WORK_SIDE) / long));
  const h = Math.max(1, Math.round((height * MAX_WORK_SIDE) / long));
  return { pixels: resampleArea(gray, width, height, w, h), width: w, height: h };
}

/**
 * Step 1: composite transparency onto paper. A transparent background means the ink is the opaque
 * part, so the paper takes the colour that contrasts with the ink (white under dark ink, black
 * under light ink); an opaque border is the paper itself, so holes take the border's colour.
 *
 * @param img A decoded PNG.
 * @returns Luminance (height, width) with alpha composited (`img.gray` itself, not a copy, when the
 *   image has no alpha), or null when every pixel is transparent.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flattenAlpha } from "./preprocess.ts";
 * // black ink on a transparent background comes out black on white
 * const out = flattenAlpha({ width: 3, height: 1, gray: new Float32Array(3), alpha: new Float32Array([0, 1, 0]) });
 * assert.ok(out !== null && out[0] === 1 && out[1] === 0);
 * ```
 */
export function flattenAlpha(img: DecodedPng): Float32Array | null {
  const { width, height, gray, alpha } = img;
  if (alpha === null) return gray;
  let mass = 0, sum = 0;
  for (let i = 0; i < alpha.length; i++) {
    mass += alpha[i];
    sum += alpha[i] * gray[i];
  }
  // fully transparent, or so nearly that nothing could be seen
  if (mass < 0.5) return null;
  const borderAlpha = borderMedian(alpha, width, height);
  let paper: number;
  if (borderAlpha < 0.5) {
    const inkLevel = sum / mass;
    paper = inkLevel < 0.5 ? 1 : 0;
  } else {
    const opaque: number[] = [];
    for (const i of _borderIndices(width, height)) if (alpha[i] >= 0.5) opaque.push(gray[i]);
    paper = _median(Float64Array.from(opaque));
  }
  return compositeOnPaper(gray, alpha, paper);
}

/**
 * Step 2: make the ink bright and the paper dark, as in MNIST. The border is mostly paper, so a
 * border brighter than the midpoint of the image's extremes means dark ink on light paper. When a
 * shadow or a steep gradient crosses the border (its 10th and 90th percentiles more than 0.2 apart),
 * its median may lie in the shadow, as dark as the midpoint; its 90th percentile, the lit paper,
 * is used instead (light cannot make paper brighter than lit, and dark paper spans too little to
 * spread that far).
 *
 * @param gray Luminance (height, width).
 * @param width Width in pixels.
 * @param height Height in pixels.
 * @returns A new array: `gray` or `1 - gray`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { inkOnBlack } from "./preprocess.ts";
 * // white paper with one black pixel in the middle
 * const out = inkOnBlack(new Float32Array([1, 1, 1, 1, 0, 1, 1, 1, 1]), 3, 3);
 * assert.ok(out[4] === 1 && out[0] === 0);
 * ```
 */
export function inkOnBlack(gray: Float32Array, width: number, height: number): Float32Array {
  return _polarity(gray, isDarkInk(gray, width, height));
}

/**
 * Whether an image holds dark ink on light paper, the test {@linkcode inkOnBlack} makes: the paper
 * (the border's median, or its 90th percentile when a shadow crosses the border) is brighter than
 * the midpoint of the image's darkest and brightest values. When the paper lies within a quarter of
 * the range of that midpoint (a photo: a flash's bright spot, a vignette, noise), the paper is the
 * brighter of that and the whole image's median, and the extremes are those of the image averaged
 * over boxes about a fiftieth of its side.
 *
 * @param gray Luminance (height, width).
 * @param width Width in pixels.
 * @param height Height in pixels.
 * @returns True for dark ink on light paper, false for light ink on dark paper.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isDarkInk } from "./preprocess.ts";
 * assert.ok(isDarkInk(new Float32Array([1, 1, 1, 1, 0, 1, 1, 1, 1]), 3, 3));
 * assert.ok(!isDarkInk(new Float32Array([0, 0, 0, 0, 1, 0, 0, 0, 0]), 3, 3));
 * ```
 */
export function isDarkInk(gray: Float32Array, width: number, height: number): boolean {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < gray.length; i++) {
    const v = gray[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const border = _borderValues(gray, width, height);
  // the border's median first; the other order statistics are then found in its lower or upper part
  const n = border.length, m = n >> 1;
  const mid = _kthSmallest(border, m); // border[0, m) <= mid <= border(m, n)
  const ranked = (k: number) =>
    k < m ? _kthSmallest(border, k, 0, m - 1) : k > m ? _kthSmallest(border, k, m + 1, n - 1) : mid;
  const at = (q: number) => ranked(Math.floor(q * (n - 1)));
  // one paper all round: its median; a border crossed by a shadow or a steep gradient: its lit part
  const median = n % 2 === 1 ? mid : (ranked(m - 1) + mid) / 2;
  const paper = at(0.9) - at(0.1) > BORDER_SPREAD ? at(0.9) : median;
  // a clear answer: the border's paper is near one extreme
  if (Math.abs(paper - (lo + hi) / 2) >= POLARITY_MARGIN * (hi - lo)) return paper > (lo + hi) / 2;
  // no clear answer: a photo whose paper lies between its ink and a flash's bright spot, whose noise
  // stretches the extremes, or whose border lies in the dark corners of a vignette or in a shadow.
  // Photos of dark ink on light paper are the common case here: the paper is the brighter of the
  // border's and the whole image's median (ink covers less than half of a picture), compared with
  // the middle of the extremes of the image averaged over small boxes (its noise averaged out)
  const radius = Math.round(Math.max(width, height) / POLARITY_BOX);
  const smooth = radius > 0 ? _boxBlur(gray, width, height, radius) : gray;
  let slo = Infinity, shi = -Infinity;
  for (let i = 0; i < smooth.length; i++) {
    if (smooth[i] < slo) slo = smooth[i];
    if (smooth[i] > shi) shi = smooth[i];
  }
  return Math.max(paper, _percentile(gray, 0.5, 0, 1)) > (slo + shi) / 2;
}

/**
 * Step 2b: how far each pixel's colour is from the paper's, for a colour image. Luminance alone
 * misses ink that is nearly as light as the paper (blue ballpoint on grey paper); its colour does
 * not. Each pixel's chroma is `cb = B - Y`, `cr = R - Y` (the colour-difference signals of BT.601,
 * unscaled, on [0, 1] samples), the paper's chroma is the median over the border, and the result is
 * the distance `sqrt((cb - cb_paper)^2 + (cr - cr_paper)^2)`. Grey ink on grey paper gives 0, so it
 * adds nothing to the luminance; a shadow darkens but hardly changes the chroma. Transparent pixels
 * show the grey paper {@linkcode flattenAlpha} puts under them, whose chroma is 0.
 *
 * @param img A decoded image with its colour bytes (`rgb`), as core/formats/image.ts returns.
 * @returns The distance (height, width), about 0 on the paper and up to about 1 for vivid ink; null
 *   when the image has no colour (no `rgb`, or every pixel grey).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { colourDifference } from "./preprocess.ts";
 * // grey paper (150) around one blue pixel (110, 140, 255) of nearly the same luminance
 * const rgb = new Uint8Array(27).fill(150);
 * rgb.set([110, 140, 255], 12);
 * const gray = new Float32Array(9).fill(150 / 255);
 * gray[4] = (0.299 * 110 + 0.587 * 140 + 0.114 * 255) / 255;
 * const d = colourDifference({ width: 3, height: 3, gray, alpha: null, rgb })!;
 * assert.ok(Math.abs(gray[4] - gray[0]) < 0.03 && d[4] > 0.4 && d[0] === 0);
 * ```
 */
export function colourDifference(img: DecodedPng): Float32Array | null {
  const { width, height, gray, alpha, rgb } = img;
  if (rgb === undefined) return null;
  let coloured = false;
  for (let i = 0; i < rgb.length; i += 3) {
    if (rgb[i] !== rgb[i + 1] || rgb[i + 1] !== rgb[i + 2]) {
      coloured = true;
      break;
    }
  }
  if (!coloured) return null;
  // cb = B - Y (channel 2), cr = R - Y (channel 0) of pixel i, faded with its opacity towards the
  // grey paper, as float32s; computed where needed rather than kept in image-sized arrays
  const chroma = (i: number, channel: number) =>
    Math.fround((rgb[3 * i + channel] * (1 / 255) - gray[i]) * (alpha === null ? 1 : alpha[i]));
  // the paper's chroma: medians over the border band (ink is the minority there)
  const border = _borderIndices(width, height);
  const cbPaper = _median(Float64Array.from(border, (i) => chroma(i, 2)));
  const crPaper = _median(Float64Array.from(border, (i) => chroma(i, 0)));
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const db = chroma(i, 2) - cbPaper, dr = chroma(i, 0) - crPaper;
    out[i] = Math.sqrt(db * db + dr * dr);
  }
  return out;
}

/**
 * Step 3: remove the paper and normalise the ink. The paper level is estimated locally (low
 * percentile of coarse cells, opened over neighbouring cells, interpolated), so uneven
 * lighting and faint pencil both work; it is subtracted, values within the noise floor
 * (4 robust standard deviations of the paper, and at least 15 % of the strongest ink) become 0,
 * and the typical ink level (75th percentile of the strong half) maps to 1. With `relative`, for
 * dark ink on light paper, each difference is first divided by the paper's brightness under it
 * (1 − background): ink takes the same fraction of the light wherever it falls, so a stroke in a
 * shadow, in a dark corner or on grey paper comes out as strong as one in full light.
 *
 * @param ink Bright-ink image (height, width), from {@linkcode inkOnBlack}.
 * @param width Width in pixels.
 * @param height Height in pixels.
 * @param relative Measure the ink against the paper's brightness: true when inkOnBlack inverted the image.
 * @returns A new array in [0, 1]; all zeros when the contrast is below 15/255 (no ink).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { removeBackground } from "./preprocess.ts";
 * // grey paper (0.3) with faint ink (0.5): the ink becomes 1, the paper 0
 * const img = new Float32Array(100).fill(0.3);
 * for (let i = 40; i < 50; i++) img[i] = 0.5;
 * const out = removeBackground(img, 10, 10);
 * assert.ok(out[45] === 1 && out[0] === 0);
 * ```
 */
export function removeBackground(
  ink: Float32Array,
  width: number,
  height: number,
  relative = false,
): Float32Array {
  // d = ink - background, written over the background's own array (one image-sized array fewer)
  const d = estimateBackground(ink, width, height);
  let dMax = 0, contrast = 0;
  for (let i = 0; i < d.length; i++) {
    const diff = ink[i] - d[i];
    if (diff > contrast) contrast = diff;
    // relative: dark ink takes the same fraction of the light wherever it falls, so the difference
    // is divided by the paper's own brightness, 1 - background (at least 0.1)
    d[i] = relative ? diff / Math.max(MIN_PAPER, 1 - d[i]) : diff;
    if (d[i] > dMax) dMax = d[i];
  }
  // no ink stands out: nothing but paper
  if (contrast < MIN_CONTRAST) return d.fill(0);
  // robust sigma of the paper: 1.4826 * median absolute deviation (ink is the minority)
  const med = _percentile(d, 0.5, -1, 1);
  // in one pass, a row at a time (rows, not whole images, are allocated): the histogram of the
  // deviations, and that of the strong half of the ink (a colour image's ink can pass 1: luminance
  // plus colour difference)
  const devCounts = new Uint32Array(HISTOGRAM_BINS), strongCounts = new Uint32Array(HISTOGRAM_BINS);
  const dev = new Float32Array(width), strong = new Float32Array(width);
  const half = dMax / 2, strongTop = Math.max(1, dMax);
  let strongCount = 0;
  for (let row = 0; row < d.length; row += width) {
    let inRow = 0;
    for (let x = 0; x < width; x++) {
      dev[x] = Math.abs(d[row + x] - med);
      if (d[row + x] >= half) strong[inRow++] = d[row + x];
    }
    _countBins(devCounts, dev, 0, width, 0, 2);
    _countBins(strongCounts, strong, 0, inRow, 0, strongTop);
    strongCount += inRow;
  }
  const sigma = 1.4826 * _quantileOfHistogram(devCounts, d.length, 0.5, 0, 2);
  const floor = Math.max(NOISE_SIGMAS * sigma, NOISE_FRACTION * dMax);
  const level = Math.max(floor + 1e-6, _quantileOfHistogram(strongCounts, strongCount, 0.75, 0, strongTop));
  // the result goes over d too
  for (let i = 0; i < d.length; i++) d[i] = d[i] < floor ? 0 : Math.min(1, d[i] / level);
  return d;
}

/**
 * The paper level under every pixel of a bright-ink image: the 20th percentile of each coarse
 * cell (about an eighth of the image), then a grey opening of that grid (the minimum over each
 * cell's 3x3 neighbourhood, then the maximum), so a cell filled by a thick stroke takes its
 * neighbours' paper while a lighting gradient is kept; bilinearly interpolated between cell
 * centres. The cells blur a hard lighting edge (a shadow across the page) over a cell's width, which
 * would leave a band of false ink along it; so when two neighbouring cells differ by more than about
 * 38/255, the paper is also found per pixel, by grey openings along rows and along columns with a
 * line about a cell and a half long (a minimum, then a maximum; the smaller of the two: it removes
 * every stroke and keeps a straight shadow edge sharp), and that is used wherever it exceeds the cells': an opening
 * never lies above the paper, so there the cells fell short (on the dark side of the edge, where
 * their blur would leave false ink).
 *
 * @param ink Bright-ink image (height, width).
 * @param width Width in pixels.
 * @param height Height in pixels.
 * @returns The background (height, width).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { estimateBackground } from "./preprocess.ts";
 * const bg = estimateBackground(new Float32Array(64).fill(0.25), 8, 8);
 * assert.ok(Math.abs(bg[27] - 0.25) < 1e-3);
 * ```
 */
export function estimateBackground(ink: Float32Array, width: number, height: number): Float32Array {
  // about 8 cells along the longer side, at least 4 px each, tiling the image exactly
  const target = Math.max(4, Math.ceil(Math.max(width, height) / 8));
  const gw = Math.max(1, Math.round(width / target)), gh = Math.max(1, Math.round(height / target));
  const cellW = width / gw, cellH = height / gh;
  const grid = new Float32Array(gw * gh);
  const counts = new Uint32Array(HISTOGRAM_BINS);
  for (let gy = 0; gy < gh; gy++) {
    const y0 = Math.floor(gy * cellH), y1 = Math.floor((gy + 1) * cellH);
    for (let gx = 0; gx < gw; gx++) {
      const x0 = Math.floor(gx * cellW), x1 = Math.floor((gx + 1) * cellW);
      counts.fill(0);
      for (let y = y0; y < y1; y++) {
        _countBins(counts, ink, y * width + x0, y * width + x1, 0, 1);
      }
      grid[gy * gw + gx] = _quantileOfHistogram(counts, (x1 - x0) * (y1 - y0), 0.2, 0, 1);
    }
  }
  const low = _openGrid(grid, gw, gh);
  // bilinear between cell centres, extrapolated linearly to the image edges
  const out = new Float32Array(width * height);
  const shadow = _largestStep(low, gw, gh) > SHADOW_STEP;
  // first along each row of cells: across[gy, x] = the cells of row gy interpolated at column x
  // (the same for every pixel row), then between two such rows at each pixel row
  const across = new Float64Array(gh * width);
  for (let x = 0; x < width; x++) {
    const [x0, x1, tx] = _between((x + 0.5) / cellW - 0.5, gw);
    for (let gy = 0; gy < gh; gy++) {
      across[gy * width + x] = low[gy * gw + x0] * (1 - tx) + low[gy * gw + x1] * tx;
    }
  }
  for (let y = 0; y < height; y++) {
    const [y0, y1, ty] = _between((y + 0.5) / cellH - 0.5, gh);
    const top = y0 * width, bottom = y1 * width, row = y * width;
    for (let x = 0; x < width; x++) out[row + x] = across[top + x] * (1 - ty) + across[bottom + x] * ty;
  }
  if (shadow) {
    // a hard lighting edge: the per-pixel paper where the cells' is far from it; the line is half
    // the image long, so that a thick marker's stroke, and the joints of strokes, are shorter than it
    // across one of the two directions (a straight edge is a step along any line, kept whatever its length)
    const side = 2 * Math.round(Math.max(width, height) / 4) + 1;
    const fine = _openImage(ink, width, height, side);
    for (let i = 0; i < out.length; i++) {
      // an opening never exceeds the paper it comes from: higher means the cells fell short there
      if (fine[i] > out[i]) out[i] = fine[i];
    }
  }
  return out;
}

/**
 * Step 4a: remove ruled or squared paper lines: rows (or columns) where ink thinner than 0.6 times
 * the digit's typical stroke covers at least 60 % of the image, gaps allowed (a line fades in a
 * shadow), with their neighbours where it covers 15 % (the line's soft edge). Thickness across a
 * horizontal line is a pixel's vertical run (its unbroken ink along the column). A stroke crossing
 * a line has a long run there and is kept, so the digit stays whole; the bar of a 7 or the stem of
 * a 1 is as thick as the other strokes and never taken. The typical stroke is the median, over ink
 * outside the rows and columns that are 60 % inked at all, of the shorter of a pixel's horizontal
 * and vertical runs; when there is no such ink (the only long thing is the digit) nothing is
 * removed. Where two paper lines cross, a dot of a pixel or two stays for {@linkcode removeSpecks}.
 *
 * @param ink Normalised ink (height, width), from {@linkcode removeBackground}.
 * @param width Width in pixels.
 * @param height Height in pixels.
 * @returns A new array without the lines, or `ink` itself when there are none.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { removeLines } from "./preprocess.ts";
 * // a 1 (a 4-pixel-wide stem, a third of the page tall) on ruled paper: a 1-pixel line every 10th row
 * const img = new Float32Array(60 * 60);
 * for (let y = 5; y < 60; y += 10) img.fill(0.5, y * 60, (y + 1) * 60);
 * for (let y = 20; y < 40; y++) img.fill(1, y * 60 + 28, y * 60 + 32);
 * const out = removeLines(img, 60, 60);
 * // the lines are gone; the stem is whole, where it crosses them too
 * assert.ok(out[15 * 60 + 3] === 0 && out[25 * 60 + 30] === 1 && out[30 * 60 + 30] === 1);
 * ```
 */
export function removeLines(ink: Float32Array, width: number, height: number): Float32Array {
  const n = width * height;
  // inked pixels per row and per column, counted as a paper line would be (see _lineCoverage),
  // looking only inside the box that holds the ink
  const inked = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (ink[i] > 0) inked[i] = 1;
  const box = inkBoundingBox(ink, width, height);
  if (box === null) return ink;
  let rowInk = _lineCoverage(inked, width, height, true, box);
  let colInk = _lineCoverage(inked, width, height, false, box);
  let any = false;
  for (let y = 0; y < height && !any; y++) if (rowInk[y] >= LINE_FILL * width) any = true;
  for (let x = 0; x < width && !any; x++) if (colInk[x] >= LINE_FILL * height) any = true;
  if (!any) return ink;
  // candidates: rows (columns) well inked
  const lineRow = _lineBands(rowInk, width, false), lineCol = _lineBands(colInk, height, false);
  // hRun, vRun: the length of the unbroken ink run through each pixel, along its row and column
  const hRun = new Uint16Array(n), vRun = new Uint16Array(n);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width;) {
      if (ink[row + x] <= 0) {
        x++;
        continue;
      }
      let end = x;
      while (end < width && ink[row + end] > 0) end++;
      hRun.fill(Math.min(65535, end - x), row + x, row + end);
      x = end;
    }
  }
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height;) {
      if (ink[y * width + x] <= 0) {
        y++;
        continue;
      }
      let end = y;
      while (end < height && ink[end * width + x] > 0) end++;
      const len = Math.min(65535, end - y);
      for (let j = y; j < end; j++) vRun[j * width + x] = len;
      y = end;
    }
  }
  // the typical stroke thickness: median of min(hRun, vRun) over ink outside the line bands
  const counts = new Uint32Array(Math.max(width, height) + 1);
  let total = 0;
  for (let y = 0; y < height; y++) {
    if (lineRow[y]) continue;
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (ink[i] <= 0 || lineCol[x]) continue;
      counts[Math.min(hRun[i], vRun[i])]++;
      total++;
    }
  }
  if (total === 0) return ink;
  let thickness = 0;
  for (let seen = 0; thickness < counts.length; thickness++) {
    seen += counts[thickness];
    if (seen > total / 2) break;
  }
  // the lines for good: rows (columns) whose thin ink alone fills them, and their soft edges
  const thin = LINE_THICKNESS * thickness;
  // thin across a row's line: a short vertical run; across a column's: a short horizontal one
  const thinAcrossRow = new Uint8Array(n), thinAcrossCol = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (ink[i] <= 0) continue;
    if (vRun[i] <= thin) thinAcrossRow[i] = 1;
    if (hRun[i] <= thin) thinAcrossCol[i] = 1;
  }
  rowInk = _hiddenLineCoverage(thinAcrossRow, inked, width, height, true, box);
  colInk = _hiddenLineCoverage(thinAcrossCol, inked, width, height, false, box);
  const thinRow = _lineBands(rowInk, width, true), thinCol = _lineBands(colInk, height, true);
  const out = new Float32Array(ink);
  let removed = false;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if ((thinRow[y] && vRun[i] <= thin) || (thinCol[x] && hRun[i] <= thin)) {
        out[i] = 0;
        removed = true;
      }
    }
  }
  return removed ? out : ink;
}

/**
 * Step 4b: zero isolated specks (dust, noise, stray marks). Ink is grouped into 8-connected blobs;
 * a blob holding less than 2 % of the largest blob's ink is removed.
 *
 * @param ink Normalised ink (height, width), from {@linkcode removeBackground}.
 * @param width Width in pixels.
 * @param height Height in pixels.
 * @returns A new array without the specks, or `ink` itself when there are none.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { removeSpecks } from "./preprocess.ts";
 * const img = new Float32Array(100);
 * for (let y = 2; y < 9; y++) for (let x = 2; x < 6; x++) img[y * 10 + x] = 1; // the digit
 * img[9 * 10 + 9] = 0.5; // a speck
 * assert.ok(removeSpecks(img, 10, 10)[99] === 0);
 * ```
 */
export function removeSpecks(ink: Float32Array, width: number, height: number): Float32Array {
  const { label, blobs } = labelBlobs(ink, width, height)!;
  const masses = blobs.map((blob) => blob.mass);
  let largest = 0;
  for (const m of masses) if (m > largest) largest = m;
  const speck = masses.map((m) => m < SPECK_FRACTION * largest);
  if (!speck.includes(true)) return ink;
  const out = new Float32Array(ink);
  for (let i = 0; i < out.length; i++) if (label[i] >= 0 && speck[label[i]]) out[i] = 0;
  return out;
}

/** An 8-connected blob of ink: its inclusive box and the sum of its ink. */
export interface InkBlob {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  mass: number;
}

/**
 * Label the 8-connected blobs of ink (pixels > 0), in the order a row-by-row scan meets them.
 *
 * @param ink Ink image (height, width).
 * @param width Width in pixels.
 * @param height Height in pixels.
 * @param maxBlobs Stop, and return null, when there are more blobs than this.
 * @returns label[i] = the blob of pixel i (-1 for no ink), and each blob's box and mass; null when
 *   there are more than `maxBlobs` blobs.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { labelBlobs } from "./preprocess.ts";
 * const { label, blobs } = labelBlobs(new Float32Array([1, 0, 0, 0.5, 0.5, 0]), 3, 2)!;
 * assert.deepEqual(Array.from(label), [0, -1, -1, 0, 0, -1]); // (0,0) touches (0,1) and (1,1)
 * assert.deepEqual(blobs, [{ x0: 0, y0: 0, x1: 1, y1: 1, mass: 2 }]);
 * assert.equal(labelBlobs(new Float32Array([1, 0, 1]), 3, 1, 1), null);
 * ```
 */
export function labelBlobs(
  ink: Float32Array,
  width: number,
  height: number,
  maxBlobs = Infinity,
): { label: Int32Array; blobs: InkBlob[] } | null {
  const label = new Int32Array(ink.length).fill(-1);
  const blobs: InkBlob[] = [];
  const stack: number[] = [];
  for (let start = 0; start < ink.length; start++) {
    if (ink[start] <= 0 || label[start] >= 0) continue;
    if (blobs.length === maxBlobs) return null;
    const id = blobs.length;
    const blob = { x0: width, y0: height, x1: -1, y1: -1, mass: 0 };
    label[start] = id;
    stack.push(start);
    while (stack.length > 0) {
      const p = stack.pop()!;
      blob.mass += ink[p];
      const px = p % width, py = (p - px) / width;
      if (px < blob.x0) blob.x0 = px;
      if (px > blob.x1) blob.x1 = px;
      if (py < blob.y0) blob.y0 = py;
      if (py > blob.y1) blob.y1 = py;
      // the neighbours inside the image, in the same order as always (it sets the order of the mass sum)
      const dy0 = py > 0 ? -1 : 0, dy1 = py + 1 < height ? 1 : 0;
      const dx0 = px > 0 ? -1 : 0, dx1 = px + 1 < width ? 1 : 0;
      for (let dy = dy0; dy <= dy1; dy++) {
        for (let dx = dx0; dx <= dx1; dx++) {
          const q = p + dy * width + dx;
          if (ink[q] > 0 && label[q] < 0) {
            label[q] = id;
            stack.push(q);
          }
        }
      }
    }
    blobs.push(blob);
  }
  return { label, blobs };
}

/**
 * Step 4c: the smallest rectangle holding every ink pixel.
 *
 * @param ink Ink image (height, width).
 * @param width Width in pixels.
 * @param height Height in pixels.
 * @returns The inclusive box, or null when there is no ink.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { inkBoundingBox } from "./preprocess.ts";
 * const img = new Float32Array(16);
 * img[1 * 4 + 2] = 1;
 * img[2 * 4 + 1] = 0.5;
 * assert.ok(JSON.stringify(inkBoundingBox(img, 4, 4)) === '{"x0":1,"y0":1,"x1":2,"y1":2}');
 * ```
 */
export function inkBoundingBox(ink: Float32Array, width: number, height: number): Box | null {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    // the row's first ink from the left; none: the next row
    let left = 0;
    while (left < width && ink[row + left] <= 0) left++;
    if (left === width) continue;
    // and its last from the right
    let right = width - 1;
    while (ink[row + right] <= 0) right--;
    if (left < x0) x0 = left;
    if (right > x1) x1 = right;
    if (y0 === height) y0 = y;
    y1 = y;
  }
  return x1 < 0 ? null : { x0, y0, x1, y1 };
}

/**
 * Copy a rectangle out of an image.
 *
 * @param pixels Image (height, width).
 * @param width Width of the image.
 * @param box The inclusive rectangle.
 * @returns (box height, box width).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cropBox } from "./preprocess.ts";
 * const out = cropBox(new Float32Array([0, 1, 2, 3, 4, 5]), 3, { x0: 1, y0: 0, x1: 2, y1: 1 });
 * assert.ok(out.join() === "1,2,4,5");
 * ```
 */
export function cropBox(pixels: Float32Array, width: number, box: Box): Float32Array {
  const cw = box.x1 - box.x0 + 1, ch = box.y1 - box.y0 + 1;
  const out = new Float32Array(cw * ch);
  for (let y = 0; y < ch; y++) {
    out.set(pixels.subarray((box.y0 + y) * width + box.x0, (box.y0 + y) * width + box.x0 + cw), y * cw);
  }
  return out;
}

/**
 * Step 5: scale a cropped digit so its longer side is 20 pixels, keeping the aspect ratio, as
 * MNIST did. Shrinking averages exact source areas (anti-aliasing); enlarging is bilinear. Strokes
 * thinner than {@linkcode THIN_STROKE_WIDTH} at that scale (a fine pen on a large canvas, a 1-pixel
 * line on a small one) are first thickened at 4x the box resolution, towards MNIST's median width
 * ({@linkcode targetStrokeWidth}), and the box then fits the thickened digit. The result is
 * rescaled so that its brightest pixel is 1, as in 99 % of MNIST digits.
 *
 * @param crop The cropped ink (height, width).
 * @param width Crop width.
 * @param height Crop height.
 * @returns The digit in a box of at most 20x20 pixels.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fitToBox } from "./preprocess.ts";
 * const fitted = fitToBox(new Float32Array(40 * 10).fill(1), 10, 40);
 * assert.ok(fitted.width === 5 && fitted.height === 20 && fitted.pixels[0] === 1);
 * ```
 */
export function fitToBox(
  crop: Float32Array,
  width: number,
  height: number,
): { pixels: Float32Array; width: number; height: number } {
  const long = Math.max(width, height);
  const side = (n: number, target: number) => Math.max(1, Math.round((n * target) / long));
  const bw = side(width, BOX_SIDE), bh = side(height, BOX_SIDE);
  // measure the strokes at 4x the box (80 px): fine enough for sub-pixel strokes, coarse enough
  // that the staircase of an enlarged pixel-art digit does not pass for outline
  const ww = side(width, BOX_SIDE * OVERSAMPLE), wh = side(height, BOX_SIDE * OVERSAMPLE);
  const work = _scaleToMax(resample(crop, width, height, ww, wh));
  const strokeAtBox = strokeWidth(work, ww, wh) / OVERSAMPLE;
  if (strokeAtBox >= THIN_STROKE_WIDTH) {
    return { pixels: _scaleToMax(resample(crop, width, height, bw, bh)), width: bw, height: bh };
  }
  // widen each side by half the missing width, in work pixels; a sub-pixel stroke's mask is 1 px
  const radius = (targetStrokeWidth(strokeAtBox) * OVERSAMPLE - Math.max(1, strokeAtBox * OVERSAMPLE)) / 2;
  // room for the wider pen, then crop again: the box fits the digit as drawn with that pen
  const pad = Math.ceil(radius) + 1;
  const pw = ww + 2 * pad, ph = wh + 2 * pad;
  const padded = new Float32Array(pw * ph);
  for (let y = 0; y < wh; y++) padded.set(work.subarray(y * ww, (y + 1) * ww), (y + pad) * pw + pad);
  const thick = thickenStrokes(padded, pw, ph, radius);
  const box = inkBoundingBox(thick, pw, ph)!;
  const tw = box.x1 - box.x0 + 1, th = box.y1 - box.y0 + 1;
  const tLong = Math.max(tw, th);
  const fw = Math.max(1, Math.round((tw * BOX_SIDE) / tLong)),
    fh = Math.max(1, Math.round((th * BOX_SIDE) / tLong));
  return {
    pixels: _scaleToMax(resampleArea(cropBox(thick, pw, box), tw, th, fw, fh)),
    width: fw,
    height: fh,
  };
}

/**
 * The stroke width a thin digit is thickened to: from {@linkcode THIN_STROKE_WIDTH} for a stroke
 * just that thin, rising linearly to MNIST's median {@linkcode MNIST_STROKE_WIDTH} for a hairline,
 * so that the result never jumps as the measured width crosses the threshold.
 *
 * @param width The measured stroke width in box pixels, below THIN_STROKE_WIDTH.
 * @returns The target width in box pixels.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MNIST_STROKE_WIDTH, targetStrokeWidth, THIN_STROKE_WIDTH } from "./preprocess.ts";
 * assert.ok(targetStrokeWidth(0) === MNIST_STROKE_WIDTH);
 * assert.ok(Math.abs(targetStrokeWidth(THIN_STROKE_WIDTH) - THIN_STROKE_WIDTH) < 1e-12);
 * ```
 */
export function targetStrokeWidth(width: number): number {
  const t = Math.min(1, Math.max(0, width / THIN_STROKE_WIDTH));
  return THIN_STROKE_WIDTH + (MNIST_STROKE_WIDTH - THIN_STROKE_WIDTH) * (1 - t);
}

/**
 * Estimate the stroke width of an ink image: for long strokes the ink area is length x width and
 * the outline is twice the length, so width = 2 * sum(ink) / sum(|gradient|). Soft (anti-aliased)
 * edges count correctly, since a blurred edge still adds up to one unit of total variation.
 *
 * @param ink Ink image (height, width).
 * @param width Width in pixels.
 * @param height Height in pixels.
 * @returns The width in pixels, or 0 for an empty image.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { strokeWidth } from "./preprocess.ts";
 * const img = new Float32Array(100 * 20);
 * for (let y = 0; y < 100; y++) for (let x = 8; x < 11; x++) img[y * 20 + x] = 1; // a 3 px bar
 * assert.ok(Math.abs(strokeWidth(img, 20, 100) - 3) < 0.2);
 * ```
 */
export function strokeWidth(ink: Float32Array, width: number, height: number): number {
  let mass = 0, variation = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = ink[y * width + x];
      mass += v;
      // forward differences with zero outside the image, so the outline of the crop counts
      const gx = (x + 1 < width ? ink[y * width + x + 1] : 0) - v;
      const gy = (y + 1 < height ? ink[(y + 1) * width + x] : 0) - v;
      variation += Math.hypot(gx, gy);
      if (x === 0) variation += v;
      if (y === 0) variation += v;
    }
  }
  return variation === 0 ? 0 : (2 * mass) / variation;
}

/**
 * Widen every stroke by `radius` pixels on each side with a round, anti-aliased pen: a pixel at
 * Euclidean distance d from the nearest ink pixel (ink >= 0.5) gets coverage
 * clamp(radius + 1 - d, 0, 1), and keeps its own ink if that is stronger.
 *
 * @param ink Ink image (height, width).
 * @param width Width in pixels.
 * @param height Height in pixels.
 * @param radius Pixels to add on each side, >= 0.
 * @returns A new array.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { thickenStrokes } from "./preprocess.ts";
 * const img = new Float32Array(25);
 * img[12] = 1; // the centre of 5x5
 * const out = thickenStrokes(img, 5, 5, 1);
 * assert.ok(out[11] === 1 && out[13] === 1 && out[0] === 0);
 * ```
 */
export function thickenStrokes(
  ink: Float32Array,
  width: number,
  height: number,
  radius: number,
): Float32Array {
  const dist2 = distanceTransform(ink.map((v) => (v >= 0.5 ? 1 : 0)), width, height);
  const out = new Float32Array(ink);
  for (let i = 0; i < out.length; i++) {
    const cover = Math.min(1, Math.max(0, radius + 1 - Math.sqrt(dist2[i])));
    if (cover > out[i]) out[i] = cover;
  }
  return out;
}

/**
 * Squared Euclidean distance from every pixel to the nearest nonzero pixel, exact, in O(n)
 * (Felzenszwalb and Huttenlocher, "Distance transforms of sampled functions", 2012).
 *
 * @param mask Image (height, width); nonzero pixels are the targets.
 * @param width Width in pixels.
 * @param height Height in pixels.
 * @returns Squared distances (height, width); Infinity everywhere when the mask is empty.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { distanceTransform } from "./preprocess.ts";
 * const d = distanceTransform(new Float32Array([1, 0, 0, 0]), 4, 1);
 * assert.ok(d.join() === "0,1,4,9");
 * ```
 */
export function distanceTransform(mask: Float32Array, width: number, height: number): Float64Array {
  const d = new Float64Array(width * height);
  for (let i = 0; i < d.length; i++) d[i] = mask[i] !== 0 ? 0 : Infinity;
  const n = Math.max(width, height);
  const f = new Float64Array(n), out = new Float64Array(n), z = new Float64Array(n + 1);
  const v = new Int32Array(n);
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) f[y] = d[y * width + x];
    _distance1d(f, height, out, v, z);
    for (let y = 0; y < height; y++) d[y * width + x] = out[y];
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) f[x] = d[y * width + x];
    _distance1d(f, width, out, v, z);
    for (let x = 0; x < width; x++) d[y * width + x] = out[x];
  }
  return d;
}

/**
 * Resize an image: area averaging when shrinking, bilinear when enlarging (per axis).
 *
 * @param src Image (sh, sw).
 * @param sw Source width.
 * @param sh Source height.
 * @param dw Destination width.
 * @param dh Destination height.
 * @returns (dh, dw).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resample } from "./preprocess.ts";
 * assert.ok(resample(new Float32Array([0, 1, 1, 0]), 4, 1, 2, 1).join() === "0.5,0.5");
 * ```
 */
export function resample(src: Float32Array, sw: number, sh: number, dw: number, dh: number): Float32Array {
  const rows = dw <= sw ? _areaRows(src, sw, sh, dw) : _bilinearRows(src, sw, sh, dw);
  const t = _transpose(rows, dw, sh);
  const cols = dh <= sh ? _areaRows(t, sh, dw, dh) : _bilinearRows(t, sh, dw, dh);
  return _transpose(cols, dh, dw);
}

/**
 * Shrink an image by exact area averaging: each destination pixel is the mean of the source area
 * it covers, source pixels weighted by their overlap (a box filter; MNIST's anti-aliasing).
 *
 * @param src Image (sh, sw).
 * @param sw Source width.
 * @param sh Source height.
 * @param dw Destination width, at most sw.
 * @param dh Destination height, at most sh.
 * @returns (dh, dw).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resampleArea } from "./preprocess.ts";
 * // 3 pixels into 2: [1, 0, 0] -> [(1 + 0.5 * 0) / 1.5, (0.5 * 0 + 0) / 1.5]
 * const out = resampleArea(new Float32Array([1, 0, 0]), 3, 1, 2, 1);
 * assert.ok(Math.abs(out[0] - 2 / 3) < 1e-6 && out[1] === 0);
 * ```
 */
export function resampleArea(
  src: Float32Array,
  sw: number,
  sh: number,
  dw: number,
  dh: number,
): Float32Array {
  return _areaColumns(_areaRows(src, sw, sh, dw), dw, sh, dh);
}

/**
 * Step 6: place a digit box in a 28x28 image so its centre of mass (intensity weighted, in
 * pixel-index coordinates) lands on (14, 14), shifting by whole pixels as MNIST did (the measured
 * MNIST centres have a spread of 0.29 px, that of rounding), while keeping the whole box inside.
 *
 * @param box The digit (bh, bw), at most 28x28.
 * @param bw Box width.
 * @param bh Box height.
 * @returns (28, 28).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { centreByMass } from "./preprocess.ts";
 * const out = centreByMass(new Float32Array([1]), 1, 1);
 * assert.ok(out[14 * 28 + 14] === 1);
 * ```
 */
export function centreByMass(box: Float32Array, bw: number, bh: number): Float32Array {
  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) {
      const v = box[y * bw + x];
      mass += v;
      mx += v * x;
      my += v * y;
    }
  }
  const cx = mass > 0 ? mx / mass : (bw - 1) / 2, cy = mass > 0 ? my / mass : (bh - 1) / 2;
  const ox = Math.min(IMAGE_SIDE - bw, Math.max(0, Math.round(CENTRE - cx)));
  const oy = Math.min(IMAGE_SIDE - bh, Math.max(0, Math.round(CENTRE - cy)));
  const out = new Float32Array(IMAGE_SIDE * IMAGE_SIDE);
  for (let y = 0; y < bh; y++) out.set(box.subarray(y * bw, (y + 1) * bw), (oy + y) * IMAGE_SIDE + ox);
  return out;
}

/**
 * Draw a 28x28 input as text, one line per row, darkest to brightest with " .:-=+*#%@".
 *
 * @param input (28, 28) values in [0, 1].
 * @returns 28 lines of 28 characters, joined by "\n".
 * @throws {ShapeError} When the input does not hold 784 values.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toAsciiArt } from "./preprocess.ts";
 * const art = toAsciiArt(new Float32Array(784).fill(1));
 * assert.ok(art.split("\n").length === 28 && art.startsWith("@@@"));
 * ```
 */
export function toAsciiArt(input: Float32Array): string {
  if (input.length !== IMAGE_SIDE * IMAGE_SIDE) {
    throw new ShapeError(`Cannot draw input: it holds ${input.length} values, expected 784`);
  }
  const ramp = " .:-=+*#%@";
  const lines: string[] = [];
  for (let y = 0; y < IMAGE_SIDE; y++) {
    let line = "";
    for (let x = 0; x < IMAGE_SIDE; x++) {
      const v = Math.min(1, Math.max(0, input[y * IMAGE_SIDE + x]));
      line += ramp[Math.min(ramp.length - 1, Math.floor(v * ramp.length))];
    }
    lines.push(line);
  }
  return lines.join("\n");
}

/**
 * The median of the border pixels: the outer ring, 2 % of the shorter side deep (at least 1 px).
 *
 * @param values Image (height, width).
 * @param width Width in pixels.
 * @param height Height in pixels.
 * @returns The median.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { borderMedian } from "./preprocess.ts";
 * assert.ok(borderMedian(new Float32Array([1, 1, 1, 1, 0, 1, 1, 1, 1]), 3, 3) === 1);
 * ```
 */
export function borderMedian(values: Float32Array, width: number, height: number): number {
  return _median(_borderValues(values, width, height));
}

// --- private helpers ---

/** The pixels of the border band (about 2 % of the shorter side deep), row by row. */
function _borderIndices(width: number, height: number): Int32Array {
  const depth = Math.max(1, Math.floor(Math.min(width, height) / 50));
  const out: number[] = [];
  for (let y = 0; y < height; y++) {
    const row = y * width;
    if (y < depth || y >= height - depth) {
      for (let x = 0; x < width; x++) out.push(row + x);
      continue;
    }
    // inner rows: only the left and right bands (they overlap when the image is narrow)
    const left = Math.min(depth, width);
    for (let x = 0; x < left; x++) out.push(row + x);
    for (let x = Math.max(left, width - depth); x < width; x++) out.push(row + x);
  }
  return Int32Array.from(out);
}

/** The values of the border band ({@linkcode _borderIndices}), in its order, as float64s. */
function _borderValues(values: Float32Array, width: number, height: number): Float64Array {
  const at = _borderIndices(width, height);
  const out = new Float64Array(at.length);
  for (let k = 0; k < at.length; k++) out[k] = values[at[k]];
  return out;
}

/** The median of values (the mean of the middle two for an even count; 0 for none); reorders them. */
function _median(values: Float64Array): number {
  const n = values.length;
  if (n === 0) return 0;
  const m = n >> 1;
  const mid = _kthSmallest(values, m); // values[0, m) <= mid: the one below it is the largest of those
  return n % 2 === 1 ? mid : (_kthSmallest(values, m - 1, 0, m - 1) + mid) / 2;
}

/**
 * The k-th smallest of values (k from 0), as sorting would place it, in expected linear time
 * (of values[lo, hi] only, when the values outside are already on the right side of them):
 * Hoare's selection with a three-way partition around a middle value (smaller, equal, larger),
 * keeping only the part that holds k; paper, where most values are equal, takes one pass. It
 * reorders the values so that values[lo, k) <= values[k] <= values(k, hi]; none may be NaN. (A typed array's own sort took about 0.3 ms for the 8,000
 * border pixels of a 400 × 300 image, more than the rest of finding the paper.)
 */
function _kthSmallest(values: Float64Array, k: number, lo = 0, hi = values.length - 1): number {
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1];
    // values[lo, lt) < pivot, values[lt, i) = pivot, values(gt, hi] > pivot; [i, gt] not yet seen
    let lt = lo, i = lo, gt = hi;
    while (i <= gt) {
      const v = values[i];
      if (v < pivot) {
        values[i++] = values[lt];
        values[lt++] = v;
      } else if (v > pivot) {
        values[i] = values[gt];
        values[gt--] = v;
      } else i++;
    }
    if (k < lt) hi = lt - 1;
    else if (k > gt) lo = gt + 1;
    else return pivot;
  }
  return values[k];
}

/** The q-quantile of values clamped to [lo, hi], from a histogram: the lower edge of its bin, (hi - lo) / 4096 wide. */
function _percentile(values: Float32Array, q: number, lo: number, hi: number): number {
  const counts = new Uint32Array(HISTOGRAM_BINS);
  _countBins(counts, values, 0, values.length, lo, hi);
  return _quantileOfHistogram(counts, values.length, q, lo, hi);
}

/**
 * Count values[start .. end) into HISTOGRAM_BINS equal bins over [lo, hi]: bin floor((v - lo) /
 * width), values outside in the end bins, NaN in none.
 */
function _countBins(
  counts: Uint32Array,
  values: Float32Array,
  start: number,
  end: number,
  lo: number,
  hi: number,
): void {
  const top = HISTOGRAM_BINS - 1, scale = HISTOGRAM_BINS / (hi - lo);
  for (let i = start; i < end; i++) {
    let f = (values[i] - lo) * scale;
    if (!(f >= 0)) {
      if (f !== f) continue;
      f = 0;
    }
    // f | 0 is floor(f) for 0 <= f < top
    counts[f < top ? f | 0 : top]++;
  }
}

/** The q-quantile of the n values counted by {@linkcode _countBins}: the lower edge of its bin; lo for none. */
function _quantileOfHistogram(counts: Uint32Array, n: number, q: number, lo: number, hi: number): number {
  if (n === 0) return lo;
  const scale = HISTOGRAM_BINS / (hi - lo);
  const rank = q * (n - 1);
  let seen = 0;
  for (let b = 0; b < HISTOGRAM_BINS; b++) {
    seen += counts[b];
    if (seen > rank) return lo + b / scale;
  }
  return hi;
}

/** 1-D squared distance transform of f (lower envelope of parabolas), into out. */
function _distance1d(f: Float64Array, n: number, out: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    if (f[q] === Infinity) continue;
    // intersection of the parabola from q with the rightmost one in the envelope
    while (k >= 0) {
      const s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
      if (s <= z[k]) k--;
      else {
        k++;
        v[k] = q;
        z[k] = s;
        z[k + 1] = Infinity;
        break;
      }
    }
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
    }
  }
  if (k < 0) {
    out.fill(Infinity, 0, n);
    return;
  }
  let j = 0;
  for (let q = 0; q < n; q++) {
    while (z[j + 1] < q) j++;
    out[q] = (q - v[j]) * (q - v[j]) + f[v[j]];
  }
}

/**
 * The weights of area averaging n samples down to m: for each destination o in order, each source i
 * it overlaps in increasing order, with the overlap as a share of o's width (zero overlaps skipped).
 */
function _forAreaWeights(n: number, m: number, visit: (o: number, i: number, w: number) => void): void {
  const ratio = n / m;
  for (let o = 0; o < m; o++) {
    // destination o covers source [a, b)
    const a = o * ratio, b = (o + 1) * ratio;
    const first = Math.floor(a), last = Math.min(n - 1, Math.ceil(b) - 1);
    for (let i = first; i <= last; i++) {
      const w = (Math.min(b, i + 1) - Math.max(a, i)) / ratio;
      if (w > 0) visit(o, i, w);
    }
  }
}

/** Area-average every row of (rows, sw) to (rows, dw), dw <= sw. */
function _areaRows(src: Float32Array, sw: number, rows: number, dw: number): Float32Array {
  const out = new Float32Array(rows * dw);
  _forAreaWeights(sw, dw, (x, i, w) => {
    for (let r = 0; r < rows; r++) out[r * dw + x] += w * src[r * sw + i];
  });
  return out;
}

/**
 * The same area averaging down the columns of a (sh, width) image, to (dh, width): each output row
 * adds its source rows in increasing order, as _areaRows adds source columns, so the sums are the
 * ones a transpose, _areaRows and a transpose back would give, without the two transposed copies.
 */
function _areaColumns(src: Float32Array, width: number, sh: number, dh: number): Float32Array {
  const out = new Float32Array(dh * width);
  _forAreaWeights(sh, dh, (y, i, w) => {
    for (let x = 0; x < width; x++) out[y * width + x] += w * src[i * width + x];
  });
  return out;
}

/** Bilinear resampling of every row of (rows, sw) to (rows, dw), pixel centres aligned. */
function _bilinearRows(src: Float32Array, sw: number, rows: number, dw: number): Float32Array {
  const out = new Float32Array(rows * dw);
  for (let x = 0; x < dw; x++) {
    const f = Math.min(sw - 1, Math.max(0, ((x + 0.5) * sw) / dw - 0.5));
    const i0 = Math.floor(f), i1 = Math.min(sw - 1, i0 + 1), t = f - i0;
    for (let r = 0; r < rows; r++) out[r * dw + x] = src[r * sw + i0] * (1 - t) + src[r * sw + i1] * t;
  }
  return out;
}

/**
 * Grey opening of a (gh, gw) grid: the 3x3 minimum, then the 3x3 maximum. It removes cells lifted
 * by ink (bright after inkOnBlack) and keeps linear ramps exactly, also at the edges, because the
 * grid is first extended by one ring of linearly extrapolated cells.
 */
function _openGrid(grid: Float32Array, gw: number, gh: number): Float32Array {
  const pw = gw + 2, ph = gh + 2;
  const padded = new Float32Array(pw * ph);
  for (let y = 0; y < gh; y++) padded.set(grid.subarray(y * gw, (y + 1) * gw), (y + 1) * pw + 1);
  for (let y = 1; y <= gh; y++) {
    padded[y * pw] = gw > 1 ? 2 * padded[y * pw + 1] - padded[y * pw + 2] : padded[y * pw + 1];
    padded[y * pw + gw + 1] = gw > 1
      ? 2 * padded[y * pw + gw] - padded[y * pw + gw - 1]
      : padded[y * pw + gw];
  }
  for (let x = 0; x < pw; x++) {
    padded[x] = gh > 1 ? 2 * padded[pw + x] - padded[2 * pw + x] : padded[pw + x];
    padded[(gh + 1) * pw + x] = gh > 1
      ? 2 * padded[gh * pw + x] - padded[(gh - 1) * pw + x]
      : padded[gh * pw + x];
  }
  const opened = _filter3x3(_filter3x3(padded, pw, ph, Math.min), pw, ph, Math.max);
  const out = new Float32Array(gw * gh);
  for (let y = 0; y < gh; y++) out.set(opened.subarray((y + 1) * pw + 1, (y + 1) * pw + 1 + gw), y * gw);
  return out;
}

/** Apply min or max over each cell's 3x3 neighbourhood (clipped at the edges) of a (h, w) grid. */
function _filter3x3(
  grid: Float32Array,
  w: number,
  h: number,
  pick: (a: number, b: number) => number,
): Float32Array {
  const out = new Float32Array(grid.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let m = grid[y * w + x];
      for (let j = Math.max(0, y - 1); j <= Math.min(h - 1, y + 1); j++) {
        for (let i = Math.max(0, x - 1); i <= Math.min(w - 1, x + 1); i++) m = pick(m, grid[j * w + i]);
      }
      out[y * w + x] = m;
    }
  }
  return out;
}

/** The largest difference between two horizontally or vertically neighbouring cells of a (gh, gw) grid. */
function _largestStep(grid: Float32Array, gw: number, gh: number): number {
  let step = 0;
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      const v = grid[y * gw + x];
      if (x + 1 < gw) step = Math.max(step, Math.abs(grid[y * gw + x + 1] - v));
      if (y + 1 < gh) step = Math.max(step, Math.abs(grid[(y + 1) * gw + x] - v));
    }
  }
  return step;
}

/**
 * The smaller of two grey openings of a (height, width) image, one along rows and one along columns,
 * each with a line of `side` pixels (odd): the minimum over the line, then the maximum. A straight
 * step (a shadow edge at any slant) is a step along every row and every column, so both keep it
 * exactly, right up to the image's border; a stroke is shorter than the line across at least one of
 * the two directions, so the smaller opening drops it.
 */
function _openImage(img: Float32Array, width: number, height: number, side: number): Float32Array {
  const r = (side - 1) >> 1;
  const len = Math.max(width, height) + 4 * r;
  const scratch = [
    new Float32Array(len),
    new Float32Array(len),
    new Float32Array(len),
    new Float32Array(len),
  ];
  const rows = new Float32Array(img.length), cols = new Float32Array(img.length);
  _openLines(img, rows, width, height, 1, width, r, scratch);
  _openLines(img, cols, height, width, width, 1, r, scratch);
  for (let i = 0; i < rows.length; i++) if (cols[i] < rows[i]) rows[i] = cols[i];
  return rows;
}

/**
 * Grey opening with a window of 2r + 1 along `count` lines of `n` samples (sample k of line j at
 * j * lineStride + k * step), from src into dst. Each line is first extended by 2r repeats of its end
 * samples, so the minimum and then the maximum both see whole windows of the same extended line (a
 * step near the end stays a step).
 */
function _openLines(
  src: Float32Array,
  dst: Float32Array,
  n: number,
  count: number,
  step: number,
  lineStride: number,
  r: number,
  scratch: Float32Array[],
): void {
  const [line, eroded, g, h] = scratch;
  const k = 2 * r + 1, m = n + 4 * r;
  for (let j = 0; j < count; j++) {
    const base = j * lineStride;
    for (let i = 0; i < n; i++) line[2 * r + i] = src[base + i * step];
    line.fill(line[2 * r], 0, 2 * r);
    line.fill(line[2 * r + n - 1], 2 * r + n, m);
    // eroded[i] = min(line[i .. i + 2r]) for i < n + 2r, then dst = max(eroded[i .. i + 2r]) for i < n
    _runExtreme(line, m, k, true, g, h, eroded);
    _runExtreme(eroded, n + 2 * r, k, false, g, h, line);
    for (let i = 0; i < n; i++) dst[base + i * step] = line[i];
  }
}

/**
 * out[i] = min (or max) of src[i .. i + k - 1] for i <= count - k, by van Herk / Gil-Werman: three
 * comparisons per sample whatever k, from running extremes within blocks of k (g from each block's
 * start, h from its end); out may be src.
 */
function _runExtreme(
  src: Float32Array,
  count: number,
  k: number,
  isMin: boolean,
  g: Float32Array,
  h: Float32Array,
  out: Float32Array,
): void {
  const sign = isMin ? 1 : -1; // compare sign * v, so one loop serves both
  for (let start = 0; start < count; start += k) {
    const end = Math.min(count, start + k);
    let m = src[start];
    g[start] = m;
    for (let i = start + 1; i < end; i++) {
      const v = src[i];
      if (sign * v < sign * m) m = v;
      g[i] = m;
    }
    m = src[end - 1];
    h[end - 1] = m;
    for (let i = end - 2; i >= start; i--) {
      const v = src[i];
      if (sign * v < sign * m) m = v;
      h[i] = m;
    }
  }
  for (let i = 0; i + k <= count; i++) {
    const a = h[i], b = g[i + k - 1];
    out[i] = sign * a < sign * b ? a : b;
  }
}

/**
 * How much of each row (alongRows) or column a paper line covers, from a mask of (height, width): the
 * masked pixels of the line, counted exactly; or, when the mask reaches within LINE_ENDS of both ends
 * of the line (a paper line runs from edge to edge), counted leniently (see _lineCounts), whichever
 * is more. A digit's own stroke, long but ending inside the image, is counted exactly.
 */
function _lineCoverage(
  mask: Uint8Array,
  width: number,
  height: number,
  alongRows: boolean,
  box: Box,
): Int32Array {
  const c = _lineCounts(mask, width, height, alongRows, box);
  const length = alongRows ? width : height;
  return c.exact.map((exact, j) => (_reachesEnds(c, j, length) ? Math.max(exact, c.lenient[j]) : exact));
}

/**
 * The coverage of a paper line the digit may hide in part: a line runs on under a stroke, or merges
 * with a stroke lying along it. So where the thin ink (`thin`) covers at least LINE_SEEN of the line,
 * leniently, and reaches both of its ends, the digit's thicker ink (`inked`) counts too; elsewhere the
 * thin ink's coverage ({@linkcode _lineCoverage}).
 */
function _hiddenLineCoverage(
  thin: Uint8Array,
  inked: Uint8Array,
  width: number,
  height: number,
  alongRows: boolean,
  box: Box,
): Int32Array {
  const seen = _lineCounts(thin, width, height, alongRows, box);
  const all = _lineCounts(inked, width, height, alongRows, box);
  const length = alongRows ? width : height;
  return seen.exact.map((exact, j) => {
    if (!_reachesEnds(seen, j, length)) return exact;
    return seen.lenient[j] >= LINE_SEEN * length ? all.lenient[j] : Math.max(exact, seen.lenient[j]);
  });
}

/** Whether the hits of line j reach within LINE_ENDS of both ends of a line of `length`. */
function _reachesEnds(c: { first: Int32Array; last: Int32Array }, j: number, length: number): boolean {
  const ends = LINE_ENDS * length;
  return c.first[j] >= 0 && c.first[j] < ends && c.last[j] >= length - ends;
}

/**
 * Two counts of each row (alongRows) or column of a 0/1 mask of (height, width) whose non-zeros lie
 * in `box`, and where its hits are.
 * `exact`: the masked pixels of the line. `lenient`, as a photo's paper line should be counted: a
 * position counts when the line or one of its two neighbours holds the mask there (a line tilted by
 * a pixel or two across the page still counts in full), and gaps of up to LINE_GAP of the line's
 * length between counted positions count too (a faint line broken by noise, or fading where a
 * shadow falls). `first`, `last`: the first and last lenient hit, −1 for none.
 */
function _lineCounts(
  mask: Uint8Array,
  width: number,
  height: number,
  alongRows: boolean,
  box: Box,
): { exact: Int32Array; lenient: Int32Array; first: Int32Array; last: Int32Array } {
  const lines = alongRows ? height : width, length = alongRows ? width : height;
  const along = alongRows ? 1 : width, across = alongRows ? width : 1;
  const gap = Math.max(2, Math.round(LINE_GAP * length));
  const exact = new Int32Array(lines), lenient = new Int32Array(lines);
  const first = new Int32Array(lines).fill(-1), last = new Int32Array(lines).fill(-1);
  // the mask is empty outside the box: lines beyond it and their neighbours hold no hits, and
  // positions before or after it none either
  const [j0, j1] = alongRows ? [box.y0, box.y1] : [box.x0, box.x1];
  const [k0, k1] = alongRows ? [box.x0, box.x1] : [box.y0, box.y1];
  for (let j = Math.max(0, j0 - 1); j <= Math.min(lines - 1, j1 + 1); j++) {
    // the neighbouring lines' offsets; a line at the edge stands in for its missing neighbour
    const before = j > 0 ? -across : 0, after = j + 1 < lines ? across : 0;
    let count = 0, previous = -1, inked = 0;
    for (let k = k0, i = j * across + k0 * along; k <= k1; k++, i += along) {
      inked += mask[i];
      if ((mask[i] | mask[i + before] | mask[i + after]) === 0) continue;
      // a gap this short since the previous hit is part of the line
      count += previous >= 0 && k - previous - 1 <= gap ? k - previous : 1;
      if (previous < 0) first[j] = k;
      previous = k;
    }
    exact[j] = inked;
    lenient[j] = count;
    last[j] = previous;
  }
  return { exact, lenient, first, last };
}

/**
 * Which rows (or columns) belong to paper lines, from the ink count of each: those inked along
 * LINE_FILL of `length`, and when `edges`, their neighbours, outwards, while inked along LINE_EDGE_FILL.
 */
function _lineBands(inked: Int32Array, length: number, edges: boolean): Uint8Array {
  const band = new Uint8Array(inked.length);
  const full = LINE_FILL * length, edge = LINE_EDGE_FILL * length;
  for (let i = 0; i < inked.length; i++) {
    if (inked[i] < full) continue;
    band[i] = 1;
    if (!edges) continue;
    for (let j = i - 1; j >= 0 && !band[j] && inked[j] >= edge; j--) band[j] = 1;
    for (let j = i + 1; j < inked.length && inked[j] < full && inked[j] >= edge; j++) band[j] = 1;
  }
  return band;
}

/** The two grid cells to interpolate between at position f (in cells), and the weight of the second. */
function _between(f: number, n: number): [number, number, number] {
  if (n === 1) return [0, 0, 0];
  const i0 = Math.min(n - 2, Math.max(0, Math.floor(f)));
  // t < 0 or t > 1 extrapolates past the outer cell centres
  return [i0, i0 + 1, f - i0];
}

/** The mean over the (2r + 1) × (2r + 1) box around each pixel of a (height, width) image, edges extended; running sums. */
function _boxBlur(src: Float32Array, width: number, height: number, r: number): Float32Array {
  const pass = (
    from: Float32Array,
    to: Float32Array,
    n: number,
    lines: number,
    step: number,
    stride: number,
  ) => {
    for (let j = 0; j < lines; j++) {
      const base = j * stride;
      const at = (k: number) => from[base + Math.min(n - 1, Math.max(0, k)) * step];
      let sum = 0;
      for (let k = -r; k <= r; k++) sum += at(k);
      for (let k = 0; k < n; k++) {
        to[base + k * step] = sum / (2 * r + 1);
        sum += at(k + r + 1) - at(k - r);
      }
    }
  };
  const rows = new Float32Array(src.length), out = new Float32Array(src.length);
  pass(src, rows, width, height, 1, width);
  pass(rows, out, height, width, width, 1);
  return out;
}

/** A copy of the image, inverted (1 − v) when its ink is dark: bright ink on black. */
function _polarity(gray: Float32Array, darkInk: boolean): Float32Array {
  if (!darkInk) return new Float32Array(gray);
  const out = new Float32Array(gray.length);
  for (let i = 0; i < out.length; i++) out[i] = 1 - gray[i];
  return out;
}

/** Divide by the maximum (in place), so the brightest pixel is 1; an all-zero image stays zero. */
function _scaleToMax(pixels: Float32Array): Float32Array {
  let max = 0;
  for (let i = 0; i < pixels.length; i++) if (pixels[i] > max) max = pixels[i];
  if (max > 0) { for (let i = 0; i < pixels.length; i++) pixels[i] = Math.min(1, pixels[i] / max); }
  return pixels;
}

/** Transpose (rows, cols) to (cols, rows). */
function _transpose(src: Float32Array, cols: number, rows: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
  return out;
}
