/**
 * Split an image of a whole number ("2026" on a page) into its digits, left to right, and turn each
 * into the network's 28 × 28 input the way {@linkcode toMnistInput} turns a single digit.
 *
 * {@linkcode splitNumber} finds the ink as toMnistInput does (transparency onto paper, the work size
 * capped, ink made bright, paper removed, specks removed), erases ruled lines that run across the
 * whole page, then {@linkcode findPieces} groups the ink into digits:
 *
 * 1. 8-connected blobs of ink;
 * 2. blobs that overlap horizontally by at least half the narrower one's width are one digit (a 5
 *    whose flag was lifted, a 4 written in two strokes, a stroke broken by a faint spot);
 * 3. marks whose longer side is under a quarter of the typical digit height (the median height of
 *    the tall groups) are dropped: full stops, commas, dust;
 * 4. touching digits: a group wider than the typical height is cut at its column of least
 *    ink, at least 0.3 × that height from either end, and the parts are cut again while too wide;
 * 5. the pieces in order of their horizontal centres.
 *
 * Each piece's own ink (other pieces masked out) is then fitted into 20 × 20 and centred by mass in
 * 28 × 28 ({@linkcode fitToBox}, {@linkcode centreByMass}), the last steps of toMnistInput. One line of
 * digits is read; a number written over two lines is read as the digits of both, left to right.
 *
 * Shapes: every image is (height, width), row-major, values in [0, 1]. docs/preprocessing.md
 * ("Numbers") explains the rule for touching digits.
 *
 * @module
 */

import { LimitError, ShapeError } from "../base/errors.ts";
import type { DecodedPng } from "../formats/png.ts";
import {
  type Box,
  centreByMass,
  cropBox,
  findInk,
  fitToBox,
  type InkBlob,
  labelBlobs,
} from "./preprocess.ts";

/** Blobs overlapping horizontally by at least this fraction of the narrower one's width are one digit. */
export const MERGE_OVERLAP = 0.5;
/** A group wider than this multiple of the typical digit height holds touching digits and is cut. */
export const SPLIT_WIDTH = 1;
/** A cut leaves at least this multiple of the typical digit height on either side. */
export const MIN_PART_WIDTH = 0.3;
/** Marks whose longer side is under this multiple of the typical digit height are not digits. */
export const SMALL_MARK = 0.25;
/** Most digits one image may hold: more is a page of text, not a number. */
export const MAX_PIECES = 32;
/** Blobs of ink grouped at most: past this the image is noise, not a number. */
const MAX_BLOBS = 2000;

/** One digit of a number, found by {@linkcode findPieces}. */
export interface PieceRegion {
  /** Its ink's inclusive bounding box, in the pixels of the ink image. */
  readonly box: Box;
  /** True when it was cut out of touching ink (see {@linkcode SPLIT_WIDTH}). */
  readonly cut: boolean;
}

/** The digits of an ink image: their regions, left to right, and which pixel belongs to which. */
export interface PieceMap {
  /** The pieces, left to right. */
  readonly pieces: readonly PieceRegion[];
  /** For every pixel (height, width): the index of its piece, or -1 (no ink, or a dropped mark). */
  readonly owner: Int32Array;
  /** The typical digit height in pixels (median height of the tall groups); 0 without ink. */
  readonly digitHeight: number;
}

/** One digit of a number image, ready for the network. */
export interface NumberPiece {
  /** The network's input, (28, 28) row-major in [0, 1]. */
  readonly input: Float32Array;
  /** Where the digit is, in the pixels of the file: inclusive [x0, y0, x1, y1]. */
  readonly box: readonly [number, number, number, number];
  /** True when the digit was cut out of touching ink. */
  readonly cut: boolean;
  /** The image around the digit (luminance, a margin of a tenth of the digit height), for pictures. */
  readonly crop: { readonly width: number; readonly height: number; readonly gray: Float32Array };
}

/**
 * Split an image of a number into its digits, left to right, each as the network's input.
 *
 * @param img A decoded image (luminance and alpha, from core/formats/image.ts).
 * @param name The file name, used in error messages only.
 * @returns One piece per digit, left to right; at least one.
 * @throws {LimitError} When the image holds no ink, or more than {@linkcode MAX_PIECES} digits.
 * @throws {ShapeError} When the image's arrays do not match its size.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitNumber } from "./split_number.ts";
 * // two black bars on white paper, 80x40: the number "11"
 * const gray = new Float32Array(80 * 40).fill(1);
 * for (let y = 6; y < 34; y++) for (const x0 of [20, 56]) for (let x = x0; x < x0 + 4; x++) gray[y * 80 + x] = 0;
 * const pieces = splitNumber({ width: 80, height: 40, gray, alpha: null }, "11.png");
 * assert.ok(pieces.length === 2 && pieces[0].box[0] === 20 && pieces[1].input.length === 784);
 * ```
 */
export function splitNumber(img: DecodedPng, name: string): NumberPiece[] {
  const { width, height } = img;
  if (img.gray.length !== width * height || (img.alpha !== null && img.alpha.length !== width * height)) {
    throw new ShapeError(
      `Cannot read number "${name}": pixel arrays do not match the size ${width}x${height}`,
    );
  }
  const blank = () => new LimitError(`Cannot read number "${name}": no digit found (the image is blank)`);
  // the same ink a single digit is cut from: colour, shadows, ruled lines and specks handled alike
  const found = findInk(img);
  if (found === null) throw blank();
  const { ink, gray: shrunk, width: w, height: h } = found;
  const map = findPieces(ink, w, h, name);
  if (map.pieces.length === 0) throw blank();
  if (map.pieces.length > MAX_PIECES) {
    throw new LimitError(
      `Cannot read number "${name}": ${map.pieces.length} digits found, expected at most ${MAX_PIECES}`,
    );
  }
  // from work pixels back to the file's pixels
  const sx = width / w, sy = height / h;
  const margin = Math.max(1, Math.round(map.digitHeight / 10));
  return map.pieces.map((piece, index) => {
    const { box } = piece;
    const cw = box.x1 - box.x0 + 1, ch = box.y1 - box.y0 + 1;
    const own = cropBox(ink, w, box);
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        if (map.owner[(box.y0 + y) * w + box.x0 + x] !== index) own[y * cw + x] = 0;
      }
    }
    const fitted = fitToBox(own, cw, ch);
    const around = {
      x0: Math.max(0, box.x0 - margin),
      y0: Math.max(0, box.y0 - margin),
      x1: Math.min(w - 1, box.x1 + margin),
      y1: Math.min(h - 1, box.y1 + margin),
    };
    return {
      input: centreByMass(fitted.pixels, fitted.width, fitted.height),
      box: [
        Math.floor(box.x0 * sx),
        Math.floor(box.y0 * sy),
        Math.min(width - 1, Math.floor((box.x1 + 1) * sx) - 1),
        Math.min(height - 1, Math.floor((box.y1 + 1) * sy) - 1),
      ],
      cut: piece.cut,
      crop: {
        width: around.x1 - around.x0 + 1,
        height: around.y1 - around.y0 + 1,
        gray: cropBox(shrunk, w, around),
      },
    };
  });
}

/**
 * Group an ink image into digits, left to right: 8-connected blobs, merged when they overlap
 * horizontally ({@linkcode MERGE_OVERLAP}), small marks dropped ({@linkcode SMALL_MARK}), groups
 * wider than {@linkcode SPLIT_WIDTH} × the typical digit height cut at their column of least ink.
 *
 * @param ink Ink image (height, width): ink > 0, paper 0.
 * @param width Width in pixels.
 * @param height Height in pixels.
 * @param name The file name, used in error messages only.
 * @returns The pieces, which pixel belongs to which, and the typical digit height.
 * @throws {LimitError} When the ink falls into more than 2000 blobs (noise, not a number).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findPieces } from "./split_number.ts";
 * // two 3x8 bars with a gap: two digits
 * const ink = new Float32Array(20 * 10);
 * for (let y = 1; y < 9; y++) for (const x of [3, 4, 5, 13, 14, 15]) ink[y * 20 + x] = 1;
 * const map = findPieces(ink, 20, 10);
 * assert.deepEqual(map.pieces.map((p) => p.box.x0), [3, 13]);
 * ```
 */
export function findPieces(ink: Float32Array, width: number, height: number, name = "image"): PieceMap {
  const labelled = labelBlobs(ink, width, height, MAX_BLOBS);
  if (labelled === null) {
    throw new LimitError(
      `Cannot read number "${name}": the ink falls into more than ${MAX_BLOBS} blobs, expected a few digits`,
    );
  }
  const { label: owner, blobs } = labelled;
  // 2. merge blobs that overlap horizontally, sweeping in order of their left edges until stable
  let groups: _Group[] = blobs.map((b, i) => ({ ..._boxOf(b), blobs: [i], mass: b.mass }));
  for (let merged = true; merged;) {
    merged = false;
    groups.sort((a, b) => a.x0 - b.x0 || a.x1 - b.x1);
    const next: _Group[] = [];
    for (const g of groups) {
      const last = next[next.length - 1];
      if (last !== undefined && _overlaps(last, g)) {
        last.x1 = Math.max(last.x1, g.x1);
        last.y0 = Math.min(last.y0, g.y0);
        last.y1 = Math.max(last.y1, g.y1);
        last.blobs.push(...g.blobs);
        last.mass += g.mass;
        merged = true;
      } else next.push({ ...g, blobs: [...g.blobs] });
    }
    groups = next;
  }
  // 3. the typical digit height: the median of the groups at least half as tall as the tallest
  const tallest = Math.max(0, ...groups.map((g) => g.y1 - g.y0 + 1));
  const heights = groups.map((g) => g.y1 - g.y0 + 1).filter((gh) => gh >= tallest / 2).sort((a, b) => a - b);
  const digitHeight = heights.length === 0 ? 0 : heights[(heights.length - 1) >> 1];
  const blobGroup = new Int32Array(blobs.length).fill(-1);
  const kept = groups.filter((g) => Math.max(g.x1 - g.x0 + 1, g.y1 - g.y0 + 1) >= SMALL_MARK * digitHeight);
  kept.forEach((g, i) => g.blobs.forEach((b) => (blobGroup[b] = i)));
  for (let i = 0; i < owner.length; i++) if (owner[i] >= 0) owner[i] = blobGroup[owner[i]];
  // 4. cut over-wide groups at their column of least ink; the parts get new ids at the end
  const parts: { box: Box; cut: boolean; id: number }[] = [];
  let nextId = kept.length;
  const cutWhileWide = (box: Box, id: number, cut: boolean) => {
    const at = box.x1 - box.x0 + 1 > SPLIT_WIDTH * digitHeight
      ? _leastInkColumn(ink, width, owner, id, box, Math.ceil(MIN_PART_WIDTH * digitHeight))
      : null;
    if (at === null) {
      parts.push({ box, cut, id });
      return;
    }
    // the columns right of the cut become a new piece
    const right = nextId++;
    for (let y = box.y0; y <= box.y1; y++) {
      for (let x = at; x <= box.x1; x++) if (owner[y * width + x] === id) owner[y * width + x] = right;
    }
    for (const [part, pid] of [[{ ...box, x1: at - 1 }, id], [{ ...box, x0: at }, right]] as const) {
      const tight = _ownBox(owner, width, part, pid);
      if (tight !== null) cutWhileWide(tight, pid, true);
    }
  };
  kept.forEach((g, i) => cutWhileWide({ x0: g.x0, y0: g.y0, x1: g.x1, y1: g.y1 }, i, false));
  // 5. left to right by the centre of each box
  parts.sort((a, b) => a.box.x0 + a.box.x1 - (b.box.x0 + b.box.x1) || a.box.y0 - b.box.y0);
  const order = new Int32Array(nextId).fill(-1);
  parts.forEach((p, i) => (order[p.id] = i));
  for (let i = 0; i < owner.length; i++) if (owner[i] >= 0) owner[i] = order[owner[i]];
  return { pieces: parts.map(({ box, cut }) => ({ box, cut })), owner, digitHeight };
}

// --- private helpers ---

interface _Group extends Box {
  blobs: number[];
  mass: number;
}

function _boxOf(b: InkBlob): Box {
  return { x0: b.x0, y0: b.y0, x1: b.x1, y1: b.y1 };
}

/** Whether two groups overlap horizontally by at least MERGE_OVERLAP of the narrower width. */
function _overlaps(a: Box, b: Box): boolean {
  const overlap = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0) + 1;
  const narrower = Math.min(a.x1 - a.x0 + 1, b.x1 - b.x0 + 1);
  return overlap > 0 && overlap >= MERGE_OVERLAP * narrower;
}

/**
 * The column of least ink of piece `id` inside its box, at least `margin` columns from either end
 * (ink summed over the column and its two neighbours; ties go to the column nearest the centre);
 * null when the box is too narrow to leave `margin` on both sides.
 */
function _leastInkColumn(
  ink: Float32Array,
  width: number,
  owner: Int32Array,
  id: number,
  box: Box,
  margin: number,
): number | null {
  const first = box.x0 + Math.max(1, margin), last = box.x1 - Math.max(1, margin) + 1;
  if (first > last) return null;
  const column = (x: number) => {
    if (x < box.x0 || x > box.x1) return 0;
    let sum = 0;
    for (let y = box.y0; y <= box.y1; y++) if (owner[y * width + x] === id) sum += ink[y * width + x];
    return sum;
  };
  const centre = (box.x0 + box.x1) / 2;
  let best = first, bestInk = Infinity;
  for (let x = first; x <= last; x++) {
    const sum = column(x - 1) + column(x) + column(x + 1);
    if (
      sum < bestInk - 1e-9 ||
      (Math.abs(sum - bestInk) <= 1e-9 && Math.abs(x - centre) < Math.abs(best - centre))
    ) {
      best = x;
      bestInk = sum;
    }
  }
  return best;
}

/** The tight box of the pixels of piece `id` inside `box`, or null when it has none. */
function _ownBox(owner: Int32Array, width: number, box: Box, id: number): Box | null {
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (let y = box.y0; y <= box.y1; y++) {
    for (let x = box.x0; x <= box.x1; x++) {
      if (owner[y * width + x] !== id) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x1 < 0 ? null : { x0, y0, x1, y1 };
}
