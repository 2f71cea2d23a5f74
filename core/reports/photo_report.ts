/**
 * The photo benchmark's report (`deno task bench:photos`, core/digits/photo.ts): its table of
 * accuracy per condition, and its contact sheet, a PNG with one row per condition showing a few of
 * the photos, the 28 × 28 input each became and the digit the network read.
 *
 * @module
 */

import { LimitError, ShapeError } from "../base/errors.ts";
import { encodeRgbPng } from "../formats/png.ts";
import { DIGIT_PIXELS, DIGIT_SIDE, type Rgb, RIGHT, WRONG } from "./gallery.ts";

/** What the network made of one condition's photos. */
export interface PhotoBenchRow {
  /** The condition's name. */
  readonly condition: string;
  /** Photos rendered. */
  readonly images: number;
  /** Photos read as their digit. */
  readonly correct: number;
  /** Photos in which no digit was found (counted as wrong). */
  readonly unread: number;
}

/** The whole benchmark: the rows, and the same digits read as plain MNIST inputs. */
export interface PhotoBenchResult {
  readonly rows: readonly PhotoBenchRow[];
  /** Digits rendered under every condition. */
  readonly digits: number;
  /** Of those, read right as their 28 × 28 MNIST input, untouched. */
  readonly baselineCorrect: number;
}

/** A thumbnail in colour: (height, width, 3) RGB bytes. */
export interface RgbThumbnail {
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8Array;
}

/** One example on the contact sheet. */
export interface PhotoSheetCell {
  /** The photo, shrunk (see {@linkcode photoThumbnail}). */
  readonly photo: RgbThumbnail;
  /** The 28 × 28 input it became, (28, 28) in [0, 1]; null when no digit was found. */
  readonly input: Float32Array | null;
  /** The digit written. */
  readonly expected: number;
  /** The digit read, or null when none was found. */
  readonly predicted: number | null;
}

/** One row of the contact sheet: a condition, its accuracy, its examples. */
export interface PhotoSheetRow {
  /** The condition's name, lower case letters, digits, spaces and ",.-%?" only. */
  readonly label: string;
  /** A second line, e.g. "98.7%". */
  readonly note: string;
  readonly cells: readonly PhotoSheetCell[];
}

/** Side of the box a photo's thumbnail is shrunk into on the contact sheet. */
export const PHOTO_THUMBNAIL_SIDE = 64;

/** Pixels of one glyph cell of the sheet's font, before scaling: 3 × 5 and a column of space. */
const GLYPH_W = 3, GLYPH_H = 5;
/** The sheet's font: 3 × 5 glyphs, rows top to bottom, "#" for ink. */
const FONT: Readonly<Record<string, string>> = {
  a: ".#.#.#####.##.#",
  b: "##.#.###.#.###.",
  c: ".###..#..#...##",
  d: "##.#.##.##.###.",
  e: "####..##.#..###",
  f: "####..##.#..#..",
  g: ".###..#.##.#.##",
  h: "#.##.#####.##.#",
  i: "###.#..#..#.###",
  j: "..#..#..##.#.#.",
  k: "#.##.###.#.##.#",
  l: "#..#..#..#..###",
  m: "#.########.##.#",
  n: "##.#.##.##.##.#",
  o: ".#.#.##.##.#.#.",
  p: "##.#.###.#..#..",
  q: ".#.#.##.###..##",
  r: "##.#.###.#.##.#",
  s: ".###...#...###.",
  t: "###.#..#..#..#.",
  u: "#.##.##.##.####",
  v: "#.##.##.##.#.#.",
  w: "#.##.########.#",
  x: "#.##.#.#.#.##.#",
  y: "#.##.#.#..#..#.",
  z: "###..#.#.#..###",
  "0": "####.##.##.####",
  "1": ".#.##..#..#.###",
  "2": "##...#.#.#..###",
  "3": "##...#.#...###.",
  "4": "#.##.####..#..#",
  "5": "####..##...###.",
  "6": ".###..####.####",
  "7": "###..#.#..#..#.",
  "8": "####.#####.####",
  "9": "####.####..###.",
  " ": "...............",
  ",": "..........#.#..",
  ".": ".............#.",
  "-": "......###......",
  "%": "#.#..#.#.#..#.#",
  "?": "##...#.#.....#.",
};

const _INK: Rgb = [31, 41, 55];
const _PAPER: Rgb = [255, 255, 255];
const _FRAME: Rgb = [209, 213, 219];

/**
 * Format the benchmark's table as Markdown: the MNIST inputs first, then each condition, then all
 * photos together. "vs MNIST" is the condition's accuracy minus the baseline's, in points.
 *
 * @param result The counts.
 * @returns The table, one line per row.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { photoBenchTable } from "./photo_report.ts";
 * const table = photoBenchTable({
 *   rows: [{ condition: "clean", images: 200, correct: 196, unread: 0 }],
 *   digits: 200,
 *   baselineCorrect: 197,
 * });
 * assert.ok(table.includes("| clean | 200 | 98.00 % | -0.50 | 0 |"));
 * ```
 */
export function photoBenchTable(result: PhotoBenchResult): string {
  const base = result.baselineCorrect / result.digits;
  const percent = (v: number) => `${(100 * v).toFixed(2)} %`;
  const points = (v: number) => (v >= 0 ? "+" : "") + (100 * v).toFixed(2);
  const lines = [
    "| condition | images | accuracy | vs MNIST | no digit found |",
    "|---|---:|---:|---:|---:|",
    `| MNIST input (baseline) | ${result.digits.toLocaleString("en")} | ${percent(base)} | | |`,
  ];
  for (const r of result.rows) {
    const accuracy = r.correct / r.images;
    lines.push(
      `| ${r.condition} | ${r.images.toLocaleString("en")} | ${percent(accuracy)} | ${
        points(accuracy - base)
      } | ${r.unread} |`,
    );
  }
  const all = photoBenchOverall(result);
  lines.push(
    `| **all photos** | ${all.images.toLocaleString("en")} | **${percent(all.accuracy)}** | ${
      points(all.accuracy - base)
    } | ${all.unread} |`,
  );
  return lines.join("\n");
}

/**
 * The overall figures of a benchmark: every photo of every condition counted once.
 *
 * @param result The counts.
 * @returns Photos, the fraction read right, and photos without a digit found.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { photoBenchOverall } from "./photo_report.ts";
 * const rows = [{ condition: "a", images: 10, correct: 9, unread: 0 }, { condition: "b", images: 10, correct: 10, unread: 0 }];
 * assert.equal(photoBenchOverall({ rows, digits: 10, baselineCorrect: 10 }).accuracy, 0.95);
 * ```
 */
export function photoBenchOverall(
  result: PhotoBenchResult,
): { images: number; accuracy: number; unread: number } {
  let images = 0, correct = 0, unread = 0;
  for (const r of result.rows) {
    images += r.images;
    correct += r.correct;
    unread += r.unread;
  }
  return { images, accuracy: images === 0 ? 0 : correct / images, unread };
}

/**
 * Fit a photo into a square box, keeping its aspect ratio: shrunk by area averaging (a smaller photo
 * is enlarged pixel by pixel).
 *
 * @param rgba The photo, (height, width, 4) bytes.
 * @param width Its width.
 * @param height Its height.
 * @param side The box, pixels ({@linkcode PHOTO_THUMBNAIL_SIDE} on the sheet).
 * @returns The thumbnail, RGB.
 * @throws {ShapeError} When rgba does not hold width × height × 4 bytes.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { photoThumbnail } from "./photo_report.ts";
 * const thumb = photoThumbnail(new Uint8Array(8 * 4 * 4).fill(200), 8, 4, 4);
 * assert.ok(thumb.width === 4 && thumb.height === 2 && thumb.rgb[0] === 200);
 * ```
 */
export function photoThumbnail(rgba: Uint8Array, width: number, height: number, side: number): RgbThumbnail {
  if (rgba.length !== width * height * 4) {
    throw new ShapeError(`Cannot shrink a photo: ${rgba.length} bytes given, expected ${width}x${height}x4`);
  }
  const scale = Math.max(width, height) / side;
  const tw = Math.max(1, Math.round(width / scale)), th = Math.max(1, Math.round(height / scale));
  const rgb = new Uint8Array(tw * th * 3);
  for (let ty = 0; ty < th; ty++) {
    const y0 = Math.floor((ty * height) / th), y1 = Math.max(y0 + 1, Math.floor(((ty + 1) * height) / th));
    for (let tx = 0; tx < tw; tx++) {
      const x0 = Math.floor((tx * width) / tw), x1 = Math.max(x0 + 1, Math.floor(((tx + 1) * width) / tw));
      const sum = [0, 0, 0];
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) for (let k = 0; k < 3; k++) sum[k] += rgba[4 * (y * width + x) + k];
      }
      const count = (y1 - y0) * (x1 - x0);
      for (let k = 0; k < 3; k++) rgb[3 * (ty * tw + tx) + k] = Math.round(sum[k] / count);
    }
  }
  return { width: tw, height: th, rgb };
}

/**
 * Draw the contact sheet as a PNG: see {@linkcode photoSheetImage}.
 *
 * @param rows The rows, top to bottom; every row with the same number of cells.
 * @returns The PNG file.
 * @throws {LimitError} When there are no rows, or a row has no cells or another count than the first.
 * @throws {ShapeError} When an input does not hold 784 values, or a thumbnail is larger than
 *   {@linkcode PHOTO_THUMBNAIL_SIDE}.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodePng } from "../formats/png.ts";
 * import { photoSheetPng } from "./photo_report.ts";
 * const photo = { width: 2, height: 2, rgb: new Uint8Array(12).fill(240) };
 * const png = photoSheetPng([{ label: "clean", note: "100%", cells: [{ photo, input: new Float32Array(784), expected: 7, predicted: 7 }] }]);
 * assert.ok(decodePng(png, "sheet.png").width > 64);
 * ```
 */
export function photoSheetPng(rows: readonly PhotoSheetRow[]): Uint8Array {
  const { width, height, rgba } = photoSheetImage(rows);
  return encodeRgbPng(rgba, width, height);
}

/**
 * Draw the contact sheet: one row per condition, its name and note on the left, then each example
 * as the photo (framed green when read right, red when wrong), the 28 × 28 input drawn twice as
 * large, and the digit read ("?" when none was found).
 *
 * @param rows The rows, top to bottom; every row with the same number of cells.
 * @returns The picture, RGBA bytes (opaque).
 * @throws {LimitError} When there are no rows, or a row has no cells or another count than the first.
 * @throws {ShapeError} When an input does not hold 784 values, or a thumbnail is larger than
 *   {@linkcode PHOTO_THUMBNAIL_SIDE}.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { photoSheetImage } from "./photo_report.ts";
 * const photo = { width: 2, height: 2, rgb: new Uint8Array(12).fill(240) };
 * const sheet = photoSheetImage([{ label: "clean", note: "100%", cells: [{ photo, input: new Float32Array(784), expected: 7, predicted: 7 }] }]);
 * assert.ok(sheet.width > 64 && sheet.rgba.length === sheet.width * sheet.height * 4);
 * ```
 */
export function photoSheetImage(
  rows: readonly PhotoSheetRow[],
): { width: number; height: number; rgba: Uint8Array } {
  const columns = rows[0]?.cells.length ?? 0;
  if (rows.length === 0 || columns === 0 || rows.some((r) => r.cells.length !== columns)) {
    throw new LimitError(
      `Cannot draw the contact sheet: ${rows.length} rows of ${
        rows.map((r) => r.cells.length).join(", ") || "no"
      } cells, expected rows of the same number of cells, at least one`,
    );
  }
  const scale = 2, gap = 6, border = 2, inputSide = DIGIT_SIDE * scale;
  const labelWidth =
    Math.max(...rows.map((r) => Math.max(r.label.length, r.note.length))) * (GLYPH_W + 1) * scale +
    2 * gap;
  const photoBox = PHOTO_THUMBNAIL_SIDE + 2 * border;
  const cellWidth = photoBox + 4 + inputSide + 4 + (GLYPH_W + 1) * 3;
  const rowHeight = photoBox + gap;
  const width = labelWidth + columns * (cellWidth + gap) + gap, height = rows.length * rowHeight + gap;
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba.set([..._PAPER, 255], 4 * i);
  const fill = (x0: number, y0: number, w: number, h: number, colour: Rgb) => {
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) rgba.set(colour, 4 * (y * width + x));
  };
  rows.forEach((row, r) => {
    const top = gap + r * rowHeight;
    _text(rgba, width, row.label, gap, top + 8, scale, _INK);
    _text(rgba, width, row.note, gap, top + 8 + (GLYPH_H + 2) * scale, scale, _INK);
    row.cells.forEach((cell, c) => {
      const left = labelWidth + c * (cellWidth + gap);
      const right = cell.predicted === cell.expected;
      fill(left, top, photoBox, photoBox, right ? RIGHT : WRONG);
      fill(left + border, top + border, PHOTO_THUMBNAIL_SIDE, PHOTO_THUMBNAIL_SIDE, _PAPER);
      const { photo } = cell;
      if (photo.width > PHOTO_THUMBNAIL_SIDE || photo.height > PHOTO_THUMBNAIL_SIDE) {
        throw new ShapeError(
          `Cannot draw the contact sheet: a thumbnail is ${photo.width}x${photo.height}, expected at most ${PHOTO_THUMBNAIL_SIDE} a side`,
        );
      }
      const px = left + border + ((PHOTO_THUMBNAIL_SIDE - photo.width) >> 1);
      const py = top + border + ((PHOTO_THUMBNAIL_SIDE - photo.height) >> 1);
      for (let y = 0; y < photo.height; y++) {
        for (let x = 0; x < photo.width; x++) {
          const o = 3 * (y * photo.width + x);
          rgba.set([photo.rgb[o], photo.rgb[o + 1], photo.rgb[o + 2]], 4 * ((py + y) * width + px + x));
        }
      }
      const ix = left + photoBox + 4, iy = top + ((photoBox - inputSide) >> 1);
      fill(ix, iy, inputSide, inputSide, [0, 0, 0]);
      if (cell.input !== null) {
        if (cell.input.length !== DIGIT_PIXELS) {
          throw new ShapeError(
            `Cannot draw the contact sheet: an input holds ${cell.input.length} values, expected ${DIGIT_PIXELS}`,
          );
        }
        for (let y = 0; y < inputSide; y++) {
          for (let x = 0; x < inputSide; x++) {
            const v = Math.round(
              Math.min(
                1,
                Math.max(0, cell.input[Math.floor(y / scale) * DIGIT_SIDE + Math.floor(x / scale)]),
              ) * 255,
            );
            rgba.set([v, v, v], 4 * ((iy + y) * width + ix + x));
          }
        }
      }
      const read = cell.predicted === null ? "?" : String(cell.predicted);
      _text(rgba, width, read, ix + inputSide + 4, iy + inputSide - GLYPH_H * 3, 3, right ? RIGHT : WRONG);
    });
  });
  return { width, height, rgba };
}

/** Draw text in the sheet's font at (x, y), each font pixel `scale` × `scale`; unknown characters are blank. */
function _text(
  rgba: Uint8Array,
  width: number,
  text: string,
  x: number,
  y: number,
  scale: number,
  colour: Rgb,
): void {
  for (let c = 0; c < text.length; c++) {
    const glyph = FONT[text[c].toLowerCase()] ?? FONT[" "];
    for (let g = 0; g < GLYPH_W * GLYPH_H; g++) {
      if (glyph[g] !== "#") continue;
      const gx = x + (c * (GLYPH_W + 1) + (g % GLYPH_W)) * scale, gy = y + Math.floor(g / GLYPH_W) * scale;
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) rgba.set(colour, 4 * ((gy + dy) * width + gx + dx));
      }
    }
  }
}
