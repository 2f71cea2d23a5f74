/**
 * Pictures of digits as PNG: a gallery grid of 28 × 28 digits (the most confident mistakes), the
 * check sheet (each checked file beside the 28 × 28 image the network saw), thumbnails, and the
 * way back from a grid to its tiles.
 *
 * Images here are grey levels in [0, 1] where 0 is black. A digit the network sees is white ink on
 * black, as in MNIST; it is drawn that way, so the pictures show exactly what the network read.
 * PNG bytes come from core/formats/png.ts (8-bit RGB, or grey for a cell's inside, compressed by
 * fflate); the output is deterministic.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { PNG } from "pngjs";
import { FormatError, LimitError, ShapeError } from "../base/errors.ts";
import { encodeGrayPng, encodeRgbPng } from "../formats/png.ts";

/** Side of an MNIST digit in pixels. */
export const DIGIT_SIDE = 28;
/** Pixels of an MNIST digit: 28 × 28. */
export const DIGIT_PIXELS: number = DIGIT_SIDE * DIGIT_SIDE;
/** Largest width or height of a check-sheet thumbnail, in pixels. */
export const THUMBNAIL_SIDE = 96;

/** A grey image, row-major: gray[y * width + x] in [0, 1], 0 = black. */
export interface GrayImage {
  readonly width: number;
  readonly height: number;
  readonly gray: Float32Array;
}

/** A 28 × 28 digit: bytes 0..255 (as in the IDX files) or floats 0..1 (the network input); ink is high. */
export type DigitPixels = Uint8Array | Float32Array;

/** An sRGB colour, each channel 0..255. */
export type Rgb = readonly [number, number, number];

/** How a grid of equal square cells is laid out. */
export interface GridOptions {
  /** Cells per row. */
  readonly columns: number;
  /** Side of the square inside a cell's border, in pixels. */
  readonly side: number;
  /** Width of the border around each cell. */
  readonly border: number;
  /** Pixels between cells and around the grid. */
  readonly gap: number;
}

/** Where the cells of a grid are. */
export interface GridLayout {
  /** Width of the whole picture. */
  readonly width: number;
  /** Height of the whole picture. */
  readonly height: number;
  /** Top-left corner of each cell, border included; a cell is side + 2 × border pixels wide. */
  readonly cells: readonly { readonly x: number; readonly y: number }[];
  /** Side of a cell, border included. */
  readonly cellSide: number;
}

/** One cell of a grid: an image centred in the cell (cut to fit), and the colour of its border. */
export interface GridCell {
  readonly image: GrayImage | null;
  /** Border colour; null or absent draws the plain grey border. */
  readonly border?: Rgb | null;
}

/** A tile of the digit gallery. */
export interface DigitTile {
  /** The digit, 784 values. */
  readonly pixels: DigitPixels;
  /** Border colour; null or absent draws the plain grey border. */
  readonly border?: Rgb | null;
}

/** A PNG and the layout of its cells (for captions in the same order as the tiles). */
export interface GridPicture {
  readonly png: Uint8Array;
  readonly layout: GridLayout;
}

/** The two pictures of one checked file. */
export interface CheckImages {
  /** The decoded file, grey levels 0..1, 0 = black. */
  readonly original: GrayImage;
  /** The 28 × 28 input the network saw, 784 floats 0..1, white ink on black. */
  readonly input: Float32Array;
}

/** Gallery of digits: six per row, each 28 × 3 = 84 pixels, a 2-pixel border, 6 pixels apart. */
export const DIGIT_GRID: GridOptions = Object.freeze({ columns: 6, side: DIGIT_SIDE * 3, border: 2, gap: 6 });
/** Check sheet: one row per file, the thumbnail (≤ 96 px) then the 28 × 28 input drawn × 3. */
export const CHECK_GRID: GridOptions = Object.freeze({ columns: 2, side: THUMBNAIL_SIDE, border: 2, gap: 6 });

/** Red border of a wrong answer. */
export const WRONG: Rgb = Object.freeze([220, 38, 38] as const);
/** Green border of a right answer. */
export const RIGHT: Rgb = Object.freeze([22, 163, 74] as const);
const _PLAIN: Rgb = [209, 213, 219];
const _BACKGROUND: Rgb = [243, 244, 246];
/** Largest picture this module draws, in pixels; more is a caller's mistake. */
const _MAX_PIXELS = 64 * 1024 * 1024;

/**
 * Turn a 28 × 28 digit into a grey image, white ink on black as the network sees it.
 *
 * @param pixels 784 bytes (0..255) or floats (0..1).
 * @returns The 28 × 28 grey image.
 * @throws {ShapeError} When there are not 784 values.
 * @throws {LimitError} When a float is NaN or infinite.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { digitImage } from "./gallery.ts";
 * const image = digitImage(new Uint8Array(784).fill(255));
 * assert.ok(image.width === 28 && image.gray[0] === 1);
 * ```
 */
export function digitImage(pixels: DigitPixels): GrayImage {
  if (!(pixels instanceof Uint8Array || pixels instanceof Float32Array) || pixels.length !== DIGIT_PIXELS) {
    const length = (pixels as { length?: unknown })?.length;
    throw new ShapeError(
      `Cannot draw digit: it has ${
        typeof length === "number" ? length : "no"
      } values, expected ${DIGIT_PIXELS}`,
    );
  }
  const gray = new Float32Array(DIGIT_PIXELS);
  if (pixels instanceof Uint8Array) {
    for (let i = 0; i < DIGIT_PIXELS; i++) gray[i] = pixels[i] / 255;
  } else {
    for (let i = 0; i < DIGIT_PIXELS; i++) {
      const v = pixels[i];
      if (!Number.isFinite(v)) {
        throw new LimitError(`Cannot draw digit: pixel ${i} is ${v}, expected a number in [0, 1]`);
      }
      gray[i] = v;
    }
  }
  return { width: DIGIT_SIDE, height: DIGIT_SIDE, gray };
}

/**
 * Shrink a grey image so that neither side exceeds `maxSide`, keeping its aspect ratio; each new
 * pixel is the area-weighted mean of the source pixels it covers (a box filter with fractional
 * edges). An image already small enough is returned unchanged.
 *
 * @param image The image to shrink.
 * @param maxSide Largest width or height of the result, a positive integer.
 * @returns The shrunk image (or `image` itself when it fits).
 * @throws {ShapeError} When the image's sizes do not match its pixel count.
 * @throws {LimitError} When `maxSide` is not a positive integer.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { downscaleGray } from "./gallery.ts";
 * // a 4 × 2 image, left half black, right half white, halved
 * const image = { width: 4, height: 2, gray: new Float32Array([0, 0, 1, 1, 0, 0, 1, 1]) };
 * const small = downscaleGray(image, 2);
 * assert.ok(small.width === 2 && small.height === 1 && small.gray[0] === 0 && small.gray[1] === 1);
 * ```
 */
export function downscaleGray(image: GrayImage, maxSide: number): GrayImage {
  _checkImage(image, "shrink image");
  if (!Number.isSafeInteger(maxSide) || maxSide < 1) {
    throw new LimitError(`Cannot shrink image: largest side is ${maxSide}, expected a positive integer`);
  }
  const { width, height } = image;
  if (width <= maxSide && height <= maxSide) return image;
  const scale = maxSide / Math.max(width, height);
  const outW = Math.max(1, Math.min(maxSide, Math.round(width * scale)));
  const outH = Math.max(1, Math.min(maxSide, Math.round(height * scale)));
  // separable box filter: rows first (width → outW), then columns (height → outH)
  const xs = _boxWeights(width, outW), ys = _boxWeights(height, outH);
  const src = image.gray;
  const rows = new Float32Array(outW * height);
  for (let y = 0; y < height; y++) {
    for (let ox = 0; ox < outW; ox++) {
      // output pixel ox covers source pixels first[ox] .. first[ox] + (end - at) - 1
      const from = y * width + xs.first[ox], at = xs.offset[ox], end = xs.offset[ox + 1];
      let sum = 0;
      for (let k = at; k < end; k++) sum += src[from + k - at] * xs.weights[k];
      rows[y * outW + ox] = sum;
    }
  }
  const gray = new Float32Array(outW * outH);
  // an output row's sums, in float64 as a local sum would be, added source row by source row
  const sums = new Float64Array(outW);
  for (let oy = 0; oy < outH; oy++) {
    const first = ys.first[oy], at = ys.offset[oy], end = ys.offset[oy + 1];
    sums.fill(0);
    for (let k = at; k < end; k++) {
      const row = (first + k - at) * outW, w = ys.weights[k];
      for (let ox = 0; ox < outW; ox++) sums[ox] += rows[row + ox] * w;
    }
    gray.set(sums, oy * outW);
  }
  return { width: outW, height: outH, gray };
}

/**
 * Enlarge a grey image by a whole factor, each pixel becoming a factor × factor block (nearest
 * neighbour, so the pixels stay visible).
 *
 * @param image The image to enlarge.
 * @param factor A positive integer.
 * @returns The enlarged image.
 * @throws {ShapeError} When the image's sizes do not match its pixel count.
 * @throws {LimitError} When `factor` is not a positive integer or the result would be too large.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { upscaleGray } from "./gallery.ts";
 * const big = upscaleGray({ width: 1, height: 2, gray: new Float32Array([0, 1]) }, 3);
 * assert.ok(big.width === 3 && big.height === 6 && big.gray[17] === 1);
 * ```
 */
export function upscaleGray(image: GrayImage, factor: number): GrayImage {
  _checkImage(image, "enlarge image");
  if (!Number.isSafeInteger(factor) || factor < 1) {
    throw new LimitError(`Cannot enlarge image: factor is ${factor}, expected a positive integer`);
  }
  const width = image.width * factor, height = image.height * factor;
  if (width * height > _MAX_PIXELS) {
    throw new LimitError(
      `Cannot enlarge image: ${width} × ${height} pixels is over the limit of ${_MAX_PIXELS}`,
    );
  }
  const gray = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const src = Math.floor(y / factor) * image.width;
    for (let x = 0; x < width; x++) gray[y * width + x] = image.gray[src + Math.floor(x / factor)];
  }
  return { width, height, gray };
}

/**
 * Encode a grey image as PNG.
 *
 * @param image The image; values outside [0, 1] are clamped.
 * @returns PNG bytes (8-bit RGB).
 * @throws {ShapeError} When the image's sizes do not match its pixel count.
 * @throws {LimitError} When a pixel is NaN or infinite.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Buffer } from "node:buffer";
 * import { PNG } from "pngjs";
 * import { grayPng } from "./gallery.ts";
 * const png = grayPng({ width: 2, height: 1, gray: new Float32Array([0, 1]) });
 * const back = PNG.sync.read(Buffer.from(png));
 * assert.ok(back.width === 2 && back.data[4] === 255);
 * ```
 */
export function grayPng(image: GrayImage): Uint8Array {
  _checkImage(image, "encode image");
  const rgba = new Uint8Array(image.width * image.height * 4);
  _paint(rgba, image.width, image, 0, 0, "encode image");
  return encodeRgbPng(rgba, image.width, image.height);
}

/**
 * Compute where the cells of a grid go: left to right, top to bottom, `gap` pixels between cells
 * and around the edge.
 *
 * @param count Number of cells.
 * @param options Columns, cell side, border and gap.
 * @returns The picture size and each cell's corner.
 * @throws {LimitError} When a number is not a non-negative integer (columns and side positive) or the
 *   picture would be too large.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DIGIT_GRID, gridLayout } from "./gallery.ts";
 * const layout = gridLayout(7, DIGIT_GRID);
 * assert.ok(layout.cells.length === 7 && layout.width === 6 * 88 + 7 * 6 && layout.cells[6].x === 6);
 * ```
 */
export function gridLayout(count: number, options: GridOptions): GridLayout {
  const { columns, side, border, gap } = options;
  for (
    const [name, v, min] of [["count", count, 0], ["columns", columns, 1], ["side", side, 1], [
      "border",
      border,
      0,
    ], ["gap", gap, 0]] as const
  ) {
    if (!Number.isSafeInteger(v) || v < min) {
      throw new LimitError(`Cannot lay out grid: ${name} is ${v}, expected an integer ≥ ${min}`);
    }
  }
  const cellSide = side + 2 * border;
  const cols = Math.max(1, Math.min(columns, count));
  const rows = Math.max(1, Math.ceil(count / columns));
  const width = cols * cellSide + (cols + 1) * gap;
  const height = rows * cellSide + (rows + 1) * gap;
  if (width * height > _MAX_PIXELS) {
    throw new LimitError(
      `Cannot lay out grid: ${width} × ${height} pixels is over the limit of ${_MAX_PIXELS}`,
    );
  }
  const cells = Array.from({ length: count }, (_, i) => ({
    x: gap + (i % columns) * (cellSide + gap),
    y: gap + Math.floor(i / columns) * (cellSide + gap),
  }));
  return { width, height, cells, cellSide };
}

/**
 * Draw a grid of equal cells as one PNG: each image centred in its cell (cropped if larger), on a
 * light grey background, with a coloured border.
 *
 * @param cells The cells, in reading order; a null image leaves its cell empty.
 * @param options Columns, cell side, border and gap.
 * @returns The PNG and where each cell went.
 * @throws {ShapeError} When an image's sizes do not match its pixel count.
 * @throws {LimitError} When the layout is invalid or a pixel is not finite.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gridPng } from "./gallery.ts";
 * const image = { width: 2, height: 2, gray: new Float32Array(4).fill(1) };
 * const { layout } = gridPng([{ image }, { image: null }], { columns: 2, side: 4, border: 1, gap: 2 });
 * assert.ok(layout.width === 2 * 6 + 3 * 2 && layout.height === 10);
 * ```
 */
export function gridPng(cells: readonly GridCell[], options: GridOptions): GridPicture {
  const layout = gridLayout(cells.length, options);
  const { width, height, cellSide } = layout;
  const rgba = new Uint8Array(width * height * 4);
  _fill(rgba, width, 0, 0, width, height, [255, 255, 255]);
  cells.forEach((cell, i) => {
    const { x, y } = layout.cells[i];
    _fill(rgba, width, x, y, cellSide, cellSide, cell.border ?? _PLAIN);
    const b = options.border, side = options.side;
    _fill(rgba, width, x + b, y + b, side, side, _BACKGROUND);
    if (cell.image) {
      _checkImage(cell.image, "draw grid cell");
      const { image } = cell;
      // centre the image; a larger one is cut to the middle of the cell
      const ox = Math.floor((side - image.width) / 2), oy = Math.floor((side - image.height) / 2);
      _paint(rgba, width, image, x + b + ox, y + b + oy, "draw grid cell", {
        x0: x + b,
        y0: y + b,
        x1: x + b + side,
        y1: y + b + side,
      });
    }
  });
  return { png: encodeRgbPng(rgba, width, height), layout };
}

/**
 * Each cell of a grid as its own PNG, exactly as {@linkcode splitGridPng} would cut it from the
 * grid drawn by {@linkcode gridPng} (the inside of the border), without drawing the grid: what a
 * page needs to show each picture beside its caption.
 *
 * @param cells The cells, in reading order; a null image gives an empty cell.
 * @param options Cell side and border (columns and gap do not matter here).
 * @returns One PNG per cell.
 * @throws {ShapeError} When an image's sizes do not match its pixel count.
 * @throws {LimitError} When a pixel is not finite.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CHECK_GRID, gridCellPngs, gridPng, splitGridPng } from "./gallery.ts";
 * const cells = [{ image: { width: 3, height: 2, gray: new Float32Array([0, 1, 0.5, 1, 0, 1]) } }, { image: null }];
 * assert.deepEqual(gridCellPngs(cells, CHECK_GRID), splitGridPng(gridPng(cells, CHECK_GRID).png, 2, CHECK_GRID));
 * ```
 */
export function gridCellPngs(cells: readonly GridCell[], options: GridOptions): Uint8Array[] {
  const side = options.side;
  return cells.map((cell) => {
    const rgba = new Uint8Array(side * side * 4);
    _fill(rgba, side, 0, 0, side, side, _BACKGROUND);
    if (cell.image) {
      _checkImage(cell.image, "draw grid cell");
      const ox = Math.floor((side - cell.image.width) / 2), oy = Math.floor((side - cell.image.height) / 2);
      _paint(rgba, side, cell.image, ox, oy, "draw grid cell", { x0: 0, y0: 0, x1: side, y1: side });
    }
    return _grayTile(rgba, side);
  });
}

/**
 * Draw digits as a gallery grid (the most confident mistakes): each 28 × 28 digit enlarged × 3, six
 * per row, with an optional coloured border. Tiles stay in the given order, so captions can be
 * matched by position; `layout.cells[i]` is where tile i went.
 *
 * @param tiles The digits and their border colours.
 * @param options Grid settings; default {@linkcode DIGIT_GRID}.
 * @returns The PNG and its layout.
 * @throws {ShapeError} When a digit does not have 784 values.
 * @throws {LimitError} When a value is not finite or the layout is invalid.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { digitGalleryPng, WRONG } from "./gallery.ts";
 * const tiles = [{ pixels: new Uint8Array(784), border: WRONG }, { pixels: new Float32Array(784) }];
 * const { layout } = digitGalleryPng(tiles);
 * assert.ok(layout.cells.length === 2 && layout.cellSide === 88);
 * ```
 */
export function digitGalleryPng(tiles: readonly DigitTile[], options: GridOptions = DIGIT_GRID): GridPicture {
  const factor = Math.max(1, Math.floor(options.side / DIGIT_SIDE));
  return gridPng(
    tiles.map((t) => ({ image: upscaleGray(digitImage(t.pixels), factor), border: t.border ?? null })),
    options,
  );
}

/**
 * Draw the check sheet: one row per checked file, its thumbnail (area-averaged down to at most
 * 96 pixels a side) beside the 28 × 28 input the network saw (enlarged × 3). The border is green
 * for a right answer, red for a wrong one and grey when the expected digit is unknown.
 *
 * @param items One entry per file: its two images, or null when the file could not be read.
 * @param verdicts One entry per file: true right, false wrong, null unknown.
 * @returns The PNG and its layout: cells 2i and 2i + 1 belong to file i.
 * @throws {ShapeError} When the lists differ in length or an image is malformed.
 * @throws {LimitError} When a value is not finite.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkSheetPng } from "./gallery.ts";
 * const original = { width: 200, height: 100, gray: new Float32Array(200 * 100).fill(1) };
 * const { layout } = checkSheetPng([{ original, input: new Float32Array(784) }, null], [true, null]);
 * assert.ok(layout.cells.length === 4 && layout.width === 2 * 100 + 3 * 6);
 * ```
 */
export function checkSheetPng(
  items: readonly (CheckImages | null)[],
  verdicts: readonly (boolean | null)[],
): GridPicture {
  return gridPng(checkSheetCells(items, verdicts), CHECK_GRID);
}

/**
 * The cells of the check sheet ({@linkcode checkSheetPng}): for file i, cell 2i is its thumbnail
 * and cell 2i + 1 the 28 × 28 input enlarged, both bordered by the verdict.
 *
 * @param items One entry per file: its two images, or null when the file could not be read.
 * @param verdicts One entry per file: true right, false wrong, null unknown.
 * @returns The cells, two per file.
 * @throws {ShapeError} When the lists differ in length or an input does not have 784 values.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkSheetCells } from "./gallery.ts";
 * const original = { width: 200, height: 100, gray: new Float32Array(200 * 100).fill(1) };
 * const cells = checkSheetCells([{ original, input: new Float32Array(784) }], [false]);
 * assert.ok(cells.length === 2 && cells[0].image!.width === 96 && cells[1].image!.width === 84);
 * ```
 */
export function checkSheetCells(
  items: readonly (CheckImages | null)[],
  verdicts: readonly (boolean | null)[],
): GridCell[] {
  if (items.length !== verdicts.length) {
    throw new ShapeError(
      `Cannot draw check sheet: ${items.length} image pairs but ${verdicts.length} verdicts, expected one per file`,
    );
  }
  const factor = Math.floor(CHECK_GRID.side / DIGIT_SIDE);
  const cells: GridCell[] = [];
  items.forEach((item, i) => {
    const border = verdicts[i] === true ? RIGHT : verdicts[i] === false ? WRONG : null;
    if (item === null) {
      cells.push({ image: null, border }, { image: null, border });
      return;
    }
    if (item.input.length !== DIGIT_PIXELS) {
      throw new ShapeError(
        `Cannot draw check sheet: input ${i} has ${item.input.length} values, expected ${DIGIT_PIXELS}`,
      );
    }
    cells.push(
      { image: downscaleGray(item.original, THUMBNAIL_SIDE), border },
      { image: upscaleGray(digitImage(item.input), factor), border },
    );
  });
  return cells;
}

/**
 * Cut a grid picture made by {@linkcode gridPng} back into one PNG per cell (inside the border), so
 * a page can show each tile with its own caption.
 *
 * @param png The grid PNG.
 * @param count How many cells it holds.
 * @param options The grid settings it was drawn with.
 * @returns One PNG per cell, in reading order.
 * @throws {FormatError} When the bytes are not a PNG or its size does not match the layout.
 * @throws {LimitError} When the layout is invalid.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DIGIT_GRID, digitGalleryPng, splitGridPng } from "./gallery.ts";
 * const { png } = digitGalleryPng([{ pixels: new Uint8Array(784) }, { pixels: new Uint8Array(784) }]);
 * assert.ok(splitGridPng(png, 2, DIGIT_GRID).length === 2);
 * ```
 */
export function splitGridPng(png: Uint8Array, count: number, options: GridOptions): Uint8Array[] {
  const layout = gridLayout(count, options);
  let decoded: PNG;
  try {
    decoded = PNG.sync.read(_buffer(png));
  } catch (error) {
    throw new FormatError(
      `Cannot split grid picture: it is not a readable PNG (${(error as Error).message})`,
    );
  }
  if (decoded.width !== layout.width || decoded.height !== layout.height) {
    throw new FormatError(
      `Cannot split grid picture: it is ${decoded.width} × ${decoded.height} pixels, expected ${layout.width} × ${layout.height} for ${count} cells`,
    );
  }
  const side = options.side, b = options.border;
  return layout.cells.map(({ x, y }) => {
    const rgba = new Uint8Array(side * side * 4);
    for (let row = 0; row < side; row++) {
      const src = ((y + b + row) * decoded.width + x + b) * 4;
      rgba.set(decoded.data.subarray(src, src + side * 4), row * side * 4);
    }
    return _grayTile(rgba, side);
  });
}

/** Source range and weights of each output pixel when `n` pixels shrink to `m` (box filter). */
function _boxWeights(
  n: number,
  m: number,
): { first: Int32Array; offset: Int32Array; weights: Float64Array } {
  const ratio = n / m;
  // output o takes source pixels first[o] .. with weights[offset[o] .. offset[o + 1]), in flat arrays
  const first = new Int32Array(m), offset = new Int32Array(m + 1), all: number[] = [];
  for (let o = 0; o < m; o++) {
    const a = o * ratio, b = (o + 1) * ratio;
    const start = Math.floor(a), end = Math.min(n, Math.ceil(b - 1e-9));
    first[o] = start;
    for (let i = start; i < end; i++) {
      // overlap of source pixel [i, i + 1) with [a, b), as a share of the output pixel's width
      all.push((Math.min(b, i + 1) - Math.max(a, i)) / ratio);
    }
    offset[o + 1] = all.length;
  }
  return { first, offset, weights: Float64Array.from(all) };
}

function _checkImage(image: GrayImage, action: string): void {
  const { width, height, gray } = image ?? {};
  if (
    !Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1 ||
    !(gray instanceof Float32Array) || gray.length !== width * height
  ) {
    throw new ShapeError(
      `Cannot ${action}: image is ${width} × ${height} with ${
        gray instanceof Float32Array ? gray.length : "no"
      } grey values, expected width × height values in a Float32Array`,
    );
  }
}

/** Copy a grey image into an RGBA buffer at (x, y), clipped to the optional box. */
function _paint(
  rgba: Uint8Array,
  stride: number,
  image: GrayImage,
  x: number,
  y: number,
  action: string,
  clip?: { x0: number; y0: number; x1: number; y1: number },
): void {
  const x0 = Math.max(x, clip?.x0 ?? 0), y0 = Math.max(y, clip?.y0 ?? 0);
  const x1 = Math.min(x + image.width, clip?.x1 ?? x + image.width);
  const y1 = Math.min(y + image.height, clip?.y1 ?? y + image.height);
  for (let py = y0; py < y1; py++) {
    for (let px = x0; px < x1; px++) {
      const i = (py - y) * image.width + (px - x);
      const v = image.gray[i];
      if (!Number.isFinite(v)) {
        throw new LimitError(`Cannot ${action}: pixel ${i} is ${v}, expected a number in [0, 1]`);
      }
      const byte = Math.round(Math.min(1, Math.max(0, v)) * 255);
      const o = (py * stride + px) * 4;
      rgba[o] = rgba[o + 1] = rgba[o + 2] = byte;
      rgba[o + 3] = 255;
    }
  }
}

function _fill(
  rgba: Uint8Array,
  stride: number,
  x: number,
  y: number,
  w: number,
  h: number,
  color: Rgb,
): void {
  // read once: colours come as frozen and plain arrays, and a load from both in the loop is slow
  const [r, g, b] = color;
  for (let py = y; py < y + h; py++) {
    for (let px = x; px < x + w; px++) {
      const o = (py * stride + px) * 4;
      rgba[o] = r;
      rgba[o + 1] = g;
      rgba[o + 2] = b;
      rgba[o + 3] = 255;
    }
  }
}

/** A cell's inside, which holds only greys, as a grey PNG (its red samples). */
function _grayTile(rgba: Uint8Array, side: number): Uint8Array {
  const luma = new Uint8Array(side * side);
  for (let i = 0; i < luma.length; i++) luma[i] = rgba[4 * i];
  return encodeGrayPng(luma, side, side, { compressor: "zlib" });
}

/** pngjs wants a Node Buffer; a Buffer view over the same bytes. */
function _buffer(bytes: Uint8Array): Parameters<typeof PNG.sync.read>[0] {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
