/**
 * core/formats/jpeg.ts: every kind of JPEG it reads, made here at test time by the project's own
 * writer (tests/fixtures/jpeg/build_jpeg.ts) and, when installed, by libjpeg-turbo's tools; and every
 * broken file it refuses, with its class and message.
 */

import assert from "node:assert/strict";
import {
  checkJpeg,
  decodeJpeg,
  encodeRgbJpeg,
  exifOrientation,
  JPEG_MAX_SCANS,
} from "../core/formats/jpeg.ts";
import { DEFAULT_IMAGE_LIMITS } from "../core/formats/image_limits.ts";
import { encodeGrayPng } from "../core/formats/png.ts";
import { concatBytes } from "../core/base/bytes.ts";
import {
  adobeSegment,
  buildJpeg,
  exifSegment,
  insertAfterSoi,
  type JpegSpec,
  listSegments,
  rgbToYcbcr,
  segment,
} from "./fixtures/jpeg/build_jpeg.ts";
import { decodePnm, encodePnm, libjpegTest, runTool } from "./fixtures/jpeg/libjpeg_tools.ts";

// --- pictures ---

/** Six colours, one per 16x16 patch, so that 4:2:0 chroma sampling loses nothing. */
const COLOURS = [[0, 0, 0], [255, 255, 255], [200, 30, 40], [20, 160, 60], [30, 60, 200], [128, 128, 128]];

/** A 48x32 RGB picture of six flat 16x16 patches, interleaved bytes. */
function patches(): { width: number; height: number; rgb: Uint8Array } {
  const width = 48, height = 32;
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      rgb.set(COLOURS[Math.floor(x / 16) + 3 * Math.floor(y / 16)], 3 * (y * width + x));
    }
  }
  return { width, height, rgb };
}

/** A grey picture of flat 8x8 blocks, each its own value, so that a baseline JPEG at quality 100 is exact. */
function greyBlocks(width: number, height: number): number[] {
  const across = Math.ceil(width / 8);
  return Array.from({ length: width * height }, (_, i) => {
    const bx = Math.floor((i % width) / 8), by = Math.floor(Math.floor(i / width) / 8);
    return (37 * (by * across + bx) + 20) % 256;
  });
}

function ycbcrSpec(rgb: Uint8Array, width: number, height: number, extra: Partial<JpegSpec> = {}): JpegSpec {
  const [y, cb, cr] = rgbToYcbcr(rgb);
  return { width, height, components: [{ plane: y, h: 2, v: 2 }, { plane: cb }, { plane: cr }], ...extra };
}

const BT601 = (r: number, g: number, b: number) => (0.299 * r + 0.587 * g + 0.114 * b) / 255;

function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tol,
      `${what}: value ${i} is ${actual[i]}, expected ${expected[i]} ± ${tol}`,
    );
  }
}

function throwsWith(fn: () => unknown, name: string, message: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof Error, `threw ${String(error)}`);
    assert.equal(error.name, name);
    assert.equal(error.message, message);
    assert.ok(!error.message.includes("\n"), "the message is one line");
    return true;
  });
}

/** A copy of the bytes with some of them replaced. */
function patched(bytes: Uint8Array, offset: number, values: number[]): Uint8Array {
  const out = bytes.slice();
  out.set(values, offset);
  return out;
}

/** The first segment with one of these markers. */
function find(jpeg: Uint8Array, ...markers: number[]) {
  const found = listSegments(jpeg).find((s) => markers.includes(s.marker));
  assert.ok(found, `no marker ${markers.map((m) => m.toString(16)).join("/")}`);
  return found;
}

/** A 16x16 greyscale baseline JPEG. */
const GREY = buildJpeg({ width: 16, height: 16, components: [{ plane: greyBlocks(16, 16) }] });

// --- what it reads ---

Deno.test("decodeJpeg() reads a baseline YCbCr JPEG with 4:4:4 or 4:2:0 sampling to the colours written", () => {
  const { width, height, rgb } = patches();
  const [y, cb, cr] = rgbToYcbcr(rgb);
  const full = buildJpeg({ width, height, components: [{ plane: y }, { plane: cb }, { plane: cr }] });
  const subsampled = buildJpeg(ycbcrSpec(rgb, width, height));
  for (const [what, bytes] of [["4:4:4", full], ["4:2:0", subsampled]] as const) {
    const img = decodeJpeg(bytes, "photo.jpg");
    assert.equal(img.width, width);
    assert.equal(img.height, height);
    assert.equal(img.alpha, null);
    assertClose(img.rgb, rgb, 3, `${what} colour`);
    const gray = Array.from(
      { length: width * height },
      (_, i) => BT601(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]),
    );
    assertClose(img.gray, gray, 3 / 255, `${what} luminance`);
  }
});

Deno.test("decodeJpeg() reads a progressive JPEG to exactly the pixels of the same baseline JPEG", () => {
  const { width, height, rgb } = patches();
  const baseline = decodeJpeg(buildJpeg(ycbcrSpec(rgb, width, height)), "b.jpg");
  const progressive = buildJpeg(ycbcrSpec(rgb, width, height, { progressive: true }));
  const header = checkJpeg(progressive, "p.jpg");
  assert.equal(header.coding, "progressive");
  assert.equal(header.scans, 7); // DC of all three, then two AC bands of each
  const img = decodeJpeg(progressive, "p.jpg");
  assert.deepEqual(img.rgb, baseline.rgb);
  assert.deepEqual(img.gray, baseline.gray);
});

Deno.test("decodeJpeg() reads greyscale baseline and progressive JPEGs exactly, with and without restart markers", () => {
  const w = 40, h = 24;
  const plane = greyBlocks(w, h);
  const expected = plane.map((v) => v / 255);
  for (const progressive of [false, true]) {
    for (const restartInterval of [0, 1, 3]) {
      const bytes = buildJpeg({ width: w, height: h, progressive, restartInterval, components: [{ plane }] });
      const header = checkJpeg(bytes, "g.jpg");
      assert.equal(header.colorModel, "grey");
      assert.equal(header.components, 1);
      const img = decodeJpeg(bytes, "g.jpg");
      assertClose(img.gray, expected, 1e-6, `progressive ${progressive}, restart ${restartInterval}`);
      assert.deepEqual(Array.from(img.rgb.subarray(0, 3)), [plane[0], plane[0], plane[0]]);
    }
  }
});

Deno.test("decodeJpeg() reads colour JPEGs with restart markers to the same pixels as without", () => {
  const { width, height, rgb } = patches();
  const plain = decodeJpeg(buildJpeg(ycbcrSpec(rgb, width, height)), "a.jpg");
  for (const progressive of [false, true]) {
    // 6 MCUs; the one-component scans of the progressive file hold 24 and 6 blocks
    const spec = ycbcrSpec(rgb, width, height, { progressive, restartInterval: 2 });
    assert.deepEqual(decodeJpeg(buildJpeg(spec), "r.jpg").rgb, plain.rgb, `progressive ${progressive}`);
  }
});

Deno.test("decodeJpeg() reads RGB-coded JPEGs: an Adobe marker with transform 0, or component ids R, G, B", () => {
  const { width, height, rgb } = patches();
  const planes = [0, 1, 2].map((c) => Array.from({ length: width * height }, (_, i) => rgb[3 * i + c]));
  const adobe = buildJpeg({
    width,
    height,
    adobeTransform: 0,
    components: planes.map((plane) => ({ plane })),
  });
  assert.equal(checkJpeg(adobe, "a.jpg").colorModel, "rgb");
  assertClose(decodeJpeg(adobe, "a.jpg").rgb, rgb, 1, "Adobe RGB");
  const ids = buildJpeg({
    width,
    height,
    jfif: false,
    components: planes.map((plane, i) => ({ plane, id: "RGB".charCodeAt(i) })),
  });
  assert.equal(checkJpeg(ids, "i.jpg").colorModel, "rgb");
  assertClose(decodeJpeg(ids, "i.jpg").rgb, rgb, 1, "ids R, G, B");
});

/** Inks in [0, 255] per pixel: a black (K) bar and a cyan, a magenta and a rich-black patch. */
function inks(width: number, height: number): number[][] {
  return Array.from({ length: width * height }, (_, i) => {
    const x = i % width, y = Math.floor(i / width);
    if (x >= 8 && x < 16) return [0, 0, 0, 255];
    if (y < 16 && x >= 32) return [255, 0, 0, 0];
    if (y >= 16 && x >= 32) return [0, 255, 0, 64];
    if (y < 16) return [0, 0, 0, 0];
    return [128, 128, 128, 128];
  });
}

/** The RGB an Adobe-inverted CMYK pixel shows: R = (255 - C)(255 - K) / 255, and so on. */
function inkToRgb([c, m, y, k]: number[]): number[] {
  return [c, m, y].map((ink) => ((255 - ink) * (255 - k)) / 255);
}

Deno.test("decodeJpeg() reads Adobe CMYK and YCCK JPEGs (stored inverted) as the RGB their inks show", () => {
  const width = 48, height = 32;
  const ink = inks(width, height);
  const expected = ink.flatMap(inkToRgb);
  const inverted = [0, 1, 2, 3].map((c) => ink.map((p) => 255 - p[c]));
  for (const progressive of [false, true]) {
    const cmyk = buildJpeg({
      width,
      height,
      progressive,
      adobeTransform: 0,
      components: inverted.map((plane) => ({ plane })),
    });
    assert.equal(checkJpeg(cmyk, "c.jpg").colorModel, "cmyk");
    assertClose(decodeJpeg(cmyk, "c.jpg").rgb, expected, 3, `CMYK, progressive ${progressive}`);
  }
  // YCCK as Photoshop writes it: libjpeg codes R = 255 - C of the inverted CMY it is given, so Y, Cb
  // and Cr code the inks themselves; K stays inverted
  const rgbOfInks = ink.flatMap((p) => [p[0], p[1], p[2]]);
  const [y, cb, cr] = rgbToYcbcr(rgbOfInks);
  const ycck = buildJpeg({
    width,
    height,
    adobeTransform: 2,
    components: [{ plane: y }, { plane: cb }, { plane: cr }, { plane: inverted[3] }],
  });
  assert.equal(checkJpeg(ycck, "y.jpg").colorModel, "ycck");
  assertClose(decodeJpeg(ycck, "y.jpg").rgb, expected, 4, "YCCK");
});

Deno.test("decodeJpeg() refuses a 4-component JPEG without an Adobe marker", () => {
  const plane = new Array(64).fill(128);
  const bytes = buildJpeg({ width: 8, height: 8, components: [{ plane }, { plane }, { plane }, { plane }] });
  throwsWith(
    () => decodeJpeg(bytes, "cmyk.jpg"),
    "FormatError",
    `Cannot read JPEG "cmyk.jpg": it has 4 colour components but no Adobe marker to tell CMYK from YCCK`,
  );
  // the same file with the marker reads: 128 of every ink, stored inverted, shows (127 * 127) / 255
  const img = decodeJpeg(insertAfterSoi(bytes, adobeSegment(0)), "cmyk.jpg");
  assertClose(img.rgb, new Array(64 * 3).fill((127 * 127) / 255), 2, "CMYK with an Adobe marker");
});

// --- EXIF orientation ---

type Picture = { width: number; height: number; px: number[] };

const at = (p: Picture, x: number, y: number) => p.px[y * p.width + x];
const mirror = (p: Picture): Picture => ({
  ...p,
  px: p.px.map((_, i) => at(p, p.width - 1 - (i % p.width), Math.floor(i / p.width))),
});
/** Turned a quarter clockwise: the left column becomes the top row. */
const turn = (p: Picture): Picture => ({
  width: p.height,
  height: p.width,
  px: Array.from(
    { length: p.px.length },
    (_, i) => at(p, Math.floor(i / p.height), p.height - 1 - (i % p.height)),
  ),
});
const transpose = (p: Picture): Picture => ({
  width: p.height,
  height: p.width,
  px: Array.from({ length: p.px.length }, (_, i) => at(p, Math.floor(i / p.height), i % p.height)),
});

/** What a viewer shows for a stored picture and each orientation, in the words of the EXIF standard. */
const SHOWN: Record<number, (p: Picture) => Picture> = {
  1: (p) => p,
  2: (p) => mirror(p), // mirrored left to right
  3: (p) => turn(turn(p)), // turned 180°
  4: (p) => turn(turn(mirror(p))), // mirrored top to bottom
  5: (p) => transpose(p), // mirrored along the top-left to bottom-right diagonal
  6: (p) => turn(p), // turned 90° clockwise
  7: (p) => turn(mirror(p)), // mirrored, then turned 90° clockwise
  8: (p) => turn(turn(turn(p))), // turned 90° anticlockwise
};

Deno.test("decodeJpeg() turns each of the 8 EXIF orientations upright, in both byte orders", () => {
  const stored: Picture = { width: 24, height: 16, px: greyBlocks(24, 16) };
  for (let orientation = 1; orientation <= 8; orientation++) {
    for (const little of [false, true]) {
      const plain = buildJpeg({ width: 24, height: 16, components: [{ plane: stored.px }] });
      const bytes = insertAfterSoi(plain, exifSegment(orientation, little));
      const header = checkJpeg(bytes, "phone.jpg");
      assert.equal(header.orientation, orientation);
      assert.equal(header.width, 24, "the header keeps the stored size");
      const img = decodeJpeg(bytes, "phone.jpg");
      const shown = SHOWN[orientation](stored);
      assert.equal(img.width, shown.width, `orientation ${orientation}: width`);
      assert.equal(img.height, shown.height, `orientation ${orientation}: height`);
      assertClose(img.gray, shown.px.map((v) => v / 255), 1e-6, `orientation ${orientation}`);
      assertClose(
        Array.from({ length: shown.px.length }, (_, i) => img.rgb[3 * i + 1]),
        shown.px,
        0,
        `orientation ${orientation} colour`,
      );
    }
  }
});

Deno.test("decodeJpeg() turns a colour photo upright too, and reads orientation written by the builder", () => {
  const { width, height, rgb } = patches();
  const upright = decodeJpeg(buildJpeg(ycbcrSpec(rgb, width, height)), "u.jpg");
  const img = decodeJpeg(buildJpeg(ycbcrSpec(rgb, width, height, { orientation: 6 })), "r.jpg");
  assert.equal(img.width, height);
  assert.equal(img.height, width);
  // the stored top-left pixel is shown at the top-right
  assert.deepEqual(
    Array.from(img.rgb.subarray(3 * (height - 1), 3 * height)),
    Array.from(upright.rgb.subarray(0, 3)),
  );
});

Deno.test("exifOrientation() ignores values outside 1 to 8, other tag types and broken EXIF data", () => {
  const data = (seg: Uint8Array) => seg.subarray(4);
  assert.equal(exifOrientation(data(exifSegment(3))), 3);
  assert.equal(exifOrientation(data(exifSegment(0))), 1);
  assert.equal(exifOrientation(data(exifSegment(9))), 1);
  const long = data(exifSegment(6)).slice();
  long[6 + 13] = 4; // type LONG instead of SHORT
  assert.equal(exifOrientation(long), 1);
  const badOffset = data(exifSegment(6)).slice();
  badOffset[6 + 7] = 200; // IFD0 past the end
  assert.equal(exifOrientation(badOffset), 1);
  assert.equal(exifOrientation(data(exifSegment(6)).subarray(0, 20)), 1);
  assert.equal(exifOrientation(new TextEncoder().encode("http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>")), 1);
  // a file whose only EXIF holds 9 decodes as stored
  const img = decodeJpeg(insertAfterSoi(GREY, exifSegment(9)), "nine.jpg");
  assert.deepEqual(img.gray, decodeJpeg(GREY, "g.jpg").gray);
});

Deno.test("decodeJpeg() keeps the first EXIF orientation and ignores comments, XMP and bytes after EOI", () => {
  const extras = concatBytes([
    exifSegment(6),
    exifSegment(3),
    segment(0xfe, new TextEncoder().encode("a comment")),
    segment(0xe1, new TextEncoder().encode("http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>")),
  ]);
  const bytes = concatBytes([insertAfterSoi(GREY, extras), new Uint8Array([0xff, 0xd8, 1, 2, 3])]);
  assert.equal(checkJpeg(bytes, "x.jpg").orientation, 6);
  assert.equal(decodeJpeg(bytes, "x.jpg").width, 16);
});

// --- broken files ---

Deno.test("decodeJpeg() rejects a file that is not a JPEG, naming what it looks like", () => {
  throwsWith(
    () => decodeJpeg(new TextEncoder().encode("hello world"), "notes.jpg"),
    "FormatError",
    `Cannot read JPEG "notes.jpg": not a JPEG file (it starts with the text "hello wo")`,
  );
  throwsWith(
    () => decodeJpeg(encodeGrayPng(new Uint8Array([0]), 1, 1), "drawing.jpg"),
    "FormatError",
    `Cannot read JPEG "drawing.jpg": not a JPEG file (it starts like a PNG)`,
  );
  throwsWith(
    () => decodeJpeg(new Uint8Array(0), "empty.jpg"),
    "FormatError",
    `Cannot read JPEG "empty.jpg": not a JPEG file (it is empty)`,
  );
  throwsWith(
    () => decodeJpeg(new Uint8Array([0, 1, 2, 0xfe]), "bin.jpg"),
    "FormatError",
    `Cannot read JPEG "bin.jpg": not a JPEG file (it starts with the bytes 00 01 02 fe)`,
  );
});

Deno.test("decodeJpeg() rejects a file cut inside its scan data, inside a segment, or between segments", () => {
  const sos = find(GREY, 0xda);
  throwsWith(
    () => decodeJpeg(GREY.subarray(0, sos.end - 3), "cut.jpg"),
    "FormatError",
    `Cannot read JPEG "cut.jpg": file is truncated (scan data from byte ${
      sos.offset + 10
    } runs to the end of the file)`,
  );
  const dht = find(GREY, 0xc4);
  const length = (GREY[dht.offset + 2] << 8) | GREY[dht.offset + 3];
  throwsWith(
    () => decodeJpeg(GREY.subarray(0, dht.offset + 30), "cut.jpg"),
    "FormatError",
    `Cannot read JPEG "cut.jpg": file is truncated (segment "DHT" at byte ${dht.offset} declares ${
      length - 2
    } bytes, only 26 remain)`,
  );
  throwsWith(
    () => decodeJpeg(GREY.subarray(0, dht.offset), "cut.jpg"),
    "FormatError",
    `Cannot read JPEG "cut.jpg": file is truncated (no EOI marker after byte ${dht.offset})`,
  );
  throwsWith(
    () => decodeJpeg(GREY.subarray(0, dht.offset + 3), "cut.jpg"),
    "FormatError",
    `Cannot read JPEG "cut.jpg": file is truncated (segment "DHT" at byte ${dht.offset} has no length)`,
  );
});

/** Entropy-coded bytes between two offsets, a stuffed 0xFF 0x00 counted once. */
function dataBytes(jpeg: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++, n++) if (jpeg[i] === 0xff && jpeg[i + 1] === 0) i++;
  return n;
}

Deno.test("decodeJpeg() rejects scan data too short for the blocks it must code, though EOI follows", () => {
  const big = buildJpeg({ width: 64, height: 64, components: [{ plane: greyBlocks(64, 64) }] });
  const sos = find(big, 0xda);
  const short = concatBytes([
    big.subarray(0, sos.offset + 10),
    new Uint8Array([0x12, 0x34, 0x56, 0xff, 0xd9]),
  ]);
  // 64 blocks of at least 2 bits each
  throwsWith(
    () => decodeJpeg(short, "short.jpg"),
    "FormatError",
    `Cannot read JPEG "short.jpg": scan at byte ${sos.offset} is truncated (its data needs at least 16 bytes, it holds 3)`,
  );
});

Deno.test("decodeJpeg() refuses a small file declaring 30000x30000 pixels before allocating", () => {
  const sof = find(GREY, 0xc0);
  const huge = patched(GREY, sof.offset + 5, [30000 >> 8, 30000 & 255, 30000 >> 8, 30000 & 255]);
  assert.ok(huge.length < 400);
  const start = performance.now();
  throwsWith(
    () => decodeJpeg(huge, "huge.jpg"),
    "LimitError",
    `Cannot read JPEG "huge.jpg": width is 30000 pixels, the limit is 8000`,
  );
  assert.ok(performance.now() - start < 100, "refusing took too long");
});

Deno.test("decodeJpeg() refuses a declared height, pixel count or file size over its limit", () => {
  const sof = find(GREY, 0xc0);
  const sized = (w: number, h: number) => patched(GREY, sof.offset + 5, [h >> 8, h & 255, w >> 8, w & 255]);
  throwsWith(
    () => decodeJpeg(sized(10, 9000), "tall.jpg"),
    "LimitError",
    `Cannot read JPEG "tall.jpg": height is 9000 pixels, the limit is 8000`,
  );
  throwsWith(
    () => decodeJpeg(sized(7000, 7000), "big.jpg"),
    "LimitError",
    `Cannot read JPEG "big.jpg": image is 7000x7000 = 49000000 pixels, the limit is 40000000`,
  );
  throwsWith(
    () => decodeJpeg(GREY, "small.jpg", { ...DEFAULT_IMAGE_LIMITS, maxPixels: 100 }),
    "LimitError",
    `Cannot read JPEG "small.jpg": image is 16x16 = 256 pixels, the limit is 100`,
  );
  throwsWith(
    () => decodeJpeg(GREY, "long.jpg", { ...DEFAULT_IMAGE_LIMITS, maxFileBytes: 100 }),
    "LimitError",
    `Cannot read JPEG "long.jpg": file is ${GREY.length} bytes, the limit is 100`,
  );
});

Deno.test("decodeJpeg() refuses a small file declaring 8000x5000 pixels by the length of its scan data, fast", () => {
  const sof = find(GREY, 0xc0), sos = find(GREY, 0xda);
  const bomb = patched(GREY, sof.offset + 5, [5000 >> 8, 5000 & 255, 8000 >> 8, 8000 & 255]);
  const start = performance.now();
  // 1000 x 625 blocks of at least 2 bits each
  throwsWith(
    () => decodeJpeg(bomb, "bomb.jpg"),
    "FormatError",
    `Cannot read JPEG "bomb.jpg": scan at byte ${sos.offset} is truncated (its data needs at least 156250 bytes, it holds ${
      dataBytes(GREY, sos.offset + 10, sos.end)
    })`,
  );
  assert.ok(performance.now() - start < 100, "refusing took too long");
});

Deno.test("decodeJpeg() rejects a width or height of 0", () => {
  const sof = find(GREY, 0xc0);
  throwsWith(
    () => decodeJpeg(patched(GREY, sof.offset + 7, [0, 0]), "w0.jpg"),
    "FormatError",
    `Cannot read JPEG "w0.jpg": image is 0x16 pixels, expected at least 1x1`,
  );
  throwsWith(
    () => decodeJpeg(patched(GREY, sof.offset + 5, [0, 0]), "h0.jpg"),
    "FormatError",
    `Cannot read JPEG "h0.jpg": image is 16x0 pixels, expected at least 1x1`,
  );
});

Deno.test("decodeJpeg() refuses lossless, hierarchical and arithmetic-coded JPEGs, 12-bit samples and 2 components", () => {
  const sof = find(GREY, 0xc0);
  throwsWith(
    () => decodeJpeg(patched(GREY, sof.offset + 1, [0xc9]), "a.jpg"),
    "FormatError",
    `Cannot read JPEG "a.jpg": it is an arithmetic-coded JPEG ("SOF9"), which is not supported (baseline and progressive are)`,
  );
  throwsWith(
    () => decodeJpeg(patched(GREY, sof.offset + 1, [0xc3]), "l.jpg"),
    "FormatError",
    `Cannot read JPEG "l.jpg": it is a lossless JPEG ("SOF3"), which is not supported (baseline and progressive are)`,
  );
  throwsWith(
    () => decodeJpeg(patched(GREY, sof.offset + 1, [0xc5]), "h.jpg"),
    "FormatError",
    `Cannot read JPEG "h.jpg": it is a hierarchical JPEG ("SOF5"), which is not supported (baseline and progressive are)`,
  );
  throwsWith(
    () => decodeJpeg(patched(GREY, sof.offset + 4, [12]), "12.jpg"),
    "FormatError",
    `Cannot read JPEG "12.jpg": samples have 12 bits, only 8 is supported`,
  );
  const plane = new Array(64).fill(100);
  throwsWith(
    () => decodeJpeg(buildJpeg({ width: 8, height: 8, components: [{ plane }, { plane }] }), "2.jpg"),
    "FormatError",
    `Cannot read JPEG "2.jpg": it has 2 colour components, expected 1 (grey), 3 (colour) or 4 (CMYK)`,
  );
});

Deno.test("decodeJpeg() rejects frame header fields the JPEG format does not allow", () => {
  const sof = find(GREY, 0xc0);
  const cases: [Uint8Array, string][] = [
    [
      patched(GREY, sof.offset + 9, [3]),
      `frame header "SOF0" at byte ${sof.offset} has length 11, expected 17`,
    ],
    [patched(GREY, sof.offset + 11, [0x51]), "component 1 has sampling factors 5x1, expected 1 to 4 each"],
    [patched(GREY, sof.offset + 11, [0x10]), "component 1 has sampling factors 1x0, expected 1 to 4 each"],
    [patched(GREY, sof.offset + 12, [4]), "component 1 uses quantization table 4, expected 0 to 3"],
    [patched(GREY, sof.offset + 12, [1]), "component 1 uses quantization table 1, which is not defined"],
    [
      concatBytes([GREY.subarray(0, sof.end), GREY.subarray(sof.offset)]),
      `frame header "SOF0" at byte ${sof.end} repeats the first one`,
    ],
  ];
  const { width, height, rgb } = patches();
  const colour = buildJpeg(ycbcrSpec(rgb, width, height));
  const colourSof = find(colour, 0xc0);
  cases.push([patched(colour, colourSof.offset + 13, [1]), "component 1 appears twice in the frame header"]);
  for (const [bytes, state] of cases) {
    throwsWith(() => decodeJpeg(bytes, "f.jpg"), "FormatError", `Cannot read JPEG "f.jpg": ${state}`);
  }
});

Deno.test("decodeJpeg() rejects Huffman, quantization and restart segments the JPEG format does not allow", () => {
  const dht = find(GREY, 0xc4), dqt = find(GREY, 0xdb);
  const cases: [Uint8Array, string][] = [
    [
      patched(GREY, dht.offset + 4, [0x20]),
      `Huffman table at byte ${dht.offset + 4} has class 2 and id 0, expected 0 or 1 and 0 to 3`,
    ],
    [
      patched(GREY, dht.offset + 5, [3]),
      `Huffman table at byte ${dht.offset + 4} has more codes of length 1 than fit`,
    ],
    [
      insertAfterSoi(GREY, segment(0xc4, [0x01, 1, ...new Array(15).fill(0)])),
      "Huffman table at byte 6 runs past the end of its segment",
    ],
    [
      insertAfterSoi(GREY, segment(0xc4, [0x00, 1, 2])),
      "Huffman table at byte 6 runs past the end of its segment",
    ],
    [
      patched(GREY, dqt.offset + 4, [0x20]),
      `quantization table at byte ${dqt.offset + 4} has precision 2 and id 0, expected 0 or 1 and 0 to 3`,
    ],
    [
      insertAfterSoi(GREY, segment(0xdb, [0x01, 1, 2, 3])),
      "quantization table at byte 6 runs past the end of its segment",
    ],
    [insertAfterSoi(GREY, segment(0xdd, [0, 1, 2])), `segment "DRI" at byte 2 has length 5, expected 4`],
  ];
  for (const [bytes, state] of cases) {
    throwsWith(() => decodeJpeg(bytes, "t.jpg"), "FormatError", `Cannot read JPEG "t.jpg": ${state}`);
  }
});

Deno.test("decodeJpeg() rejects stray bytes, unexpected markers and impossible segment lengths", () => {
  const app0 = find(GREY, 0xe0);
  const cases: [Uint8Array, string][] = [
    [
      concatBytes([GREY.subarray(0, app0.end), new Uint8Array([0x12]), GREY.subarray(app0.end)]),
      `expected a marker at byte ${app0.end}, found 0x12`,
    ],
    [insertAfterSoi(GREY, new Uint8Array([0xff, 0xd0])), `unexpected marker "RST0" at byte 2`],
    [insertAfterSoi(GREY, new Uint8Array([0xff, 0xd8])), `unexpected marker "SOI" at byte 2`],
    [insertAfterSoi(GREY, segment(0xf0, [1, 2])), `unexpected marker "JPG0" at byte 2`],
    [
      insertAfterSoi(GREY, new Uint8Array([0xff, 0xfe, 0, 1])),
      `segment "COM" at byte 2 has length 1, expected at least 2`,
    ],
    [new Uint8Array([0xff, 0xd8, 0xff, 0xd9]), "file has no frame header (no SOF marker before EOI)"],
  ];
  for (const [bytes, state] of cases) {
    throwsWith(() => decodeJpeg(bytes, "m.jpg"), "FormatError", `Cannot read JPEG "m.jpg": ${state}`);
  }
});

/** A 16x16 greyscale progressive JPEG: a DC scan and two AC scans. */
const GREY_PROGRESSIVE = buildJpeg({
  width: 16,
  height: 16,
  progressive: true,
  components: [{ plane: greyBlocks(16, 16) }],
});

/** The scans of a file: [offset, end] of each SOS segment and its data. */
function scansOf(jpeg: Uint8Array): { offset: number; end: number }[] {
  return listSegments(jpeg).filter((s) => s.marker === 0xda);
}

Deno.test("decodeJpeg() rejects scans out of order, a missing scan, and scan headers the format does not allow", () => {
  const sof = find(GREY, 0xc0), sos = find(GREY, 0xda);
  // the frame header moved after the scan
  const late = concatBytes([
    GREY.subarray(0, sof.offset),
    GREY.subarray(sof.end, sos.end),
    GREY.subarray(sof.offset, sof.end),
    GREY.subarray(sos.end),
  ]);
  const lateScan = scansOf(late)[0].offset;
  const noScan = concatBytes([GREY.subarray(0, sos.offset), GREY.subarray(sos.end)]);
  const [dc, ac] = scansOf(GREY_PROGRESSIVE);
  const acFirst = concatBytes([GREY_PROGRESSIVE.subarray(0, dc.offset), GREY_PROGRESSIVE.subarray(dc.end)]);
  const { width, height, rgb } = patches();
  const colour = buildJpeg(ycbcrSpec(rgb, width, height, { progressive: true }));
  const colourScans = scansOf(colour);
  // the first AC scan of the colour file, re-headed to code two components
  const twoAc = concatBytes([
    colour.subarray(0, colourScans[1].offset),
    segment(0xda, [2, 1, 0, 2, 0, 1, 5, 0]),
    colour.subarray(colourScans[1].offset + 10),
  ]);
  const wide = buildJpeg({
    width: 32,
    height: 32,
    components: [{ plane: greyBlocks(32, 32), h: 4, v: 4 }, { plane: greyBlocks(32, 32) }, {
      plane: greyBlocks(32, 32),
    }],
  });
  const s = sos.offset, d = dc.offset, a = ac.offset, c0 = colourScans[0].offset, c1 = colourScans[1].offset;
  const cases: [Uint8Array, string][] = [
    [late, `scan at byte ${lateScan} comes before the frame header`],
    [noScan, "component 1 is coded by no scan"],
    [acFirst, `scan at byte ${dc.offset} codes AC coefficients of component 1 before its DC scan`],
    [patched(GREY, s + 4, [0]), `scan at byte ${s} is invalid (it codes 0 components, expected 1 to 4)`],
    [patched(GREY, s + 4, [2]), `scan at byte ${s} is invalid (its header has length 8, expected 10)`],
    [patched(GREY, s + 5, [9]), `scan at byte ${s} is invalid (component 9 is not in the frame)`],
    [patched(GREY, s + 6, [0x10]), `scan at byte ${s} uses DC Huffman table 1, which is not defined`],
    [patched(GREY, s + 6, [0x01]), `scan at byte ${s} uses AC Huffman table 1, which is not defined`],
    [
      patched(GREY_PROGRESSIVE, dc.offset + 8, [5]),
      `scan at byte ${d} is invalid (spectral selection 0 to 5 is not allowed)`,
    ],
    [
      patched(GREY_PROGRESSIVE, ac.offset + 9, [0xe0]),
      `scan at byte ${a} is invalid (successive approximation 14, 0 is over 13)`,
    ],
    [
      patched(colour, colourScans[0].offset + 7, [1]),
      `scan at byte ${c0} is invalid (component 1 appears twice)`,
    ],
    [twoAc, `scan at byte ${c1} is invalid (an AC scan codes 2 components, expected 1)`],
    [wide, `scan at byte ${find(wide, 0xda).offset} is invalid (an MCU holds 18 blocks, the maximum is 10)`],
  ];
  for (const [bytes, state] of cases) {
    throwsWith(() => decodeJpeg(bytes, "s.jpg"), "FormatError", `Cannot read JPEG "s.jpg": ${state}`);
  }
});

Deno.test("decodeJpeg() refuses a file with more scans than JPEG_MAX_SCANS, before decoding any", () => {
  const scans = scansOf(GREY_PROGRESSIVE);
  const last = scans[scans.length - 1];
  const repeated = new Array(JPEG_MAX_SCANS).fill(GREY_PROGRESSIVE.subarray(last.offset, last.end));
  const many = concatBytes([
    GREY_PROGRESSIVE.subarray(0, last.end),
    ...repeated,
    GREY_PROGRESSIVE.subarray(last.end),
  ]);
  const over = scansOf(many)[JPEG_MAX_SCANS].offset;
  throwsWith(
    () => decodeJpeg(many, "many.jpg"),
    "LimitError",
    `Cannot read JPEG "many.jpg": scan at byte ${over} is scan number 101, the limit is 100 scans`,
  );
});

Deno.test("decodeJpeg() turns whatever the decoder throws into a one-line FormatError", () => {
  const sos = find(GREY, 0xda);
  // stuffed 0xFF bytes are all 1 bits, and no Huffman code is all ones
  const ones = new Uint8Array(16).map((_, i) => (i % 2 === 0 ? 0xff : 0));
  const bytes = concatBytes([GREY.subarray(0, sos.offset + 10), ones, GREY.subarray(sos.end)]);
  throwsWith(
    () => decodeJpeg(bytes, "bad.jpg"),
    "FormatError",
    `Cannot read JPEG "bad.jpg": the decoder rejected it (invalid huffman sequence)`,
  );
});

// --- files made by libjpeg-turbo's tools (skipped without them, except under CI) ---

/** A 64x48 photo-like RGB picture: smooth gradients, a dark stroke and sharp-edged patches. */
function photo(): { width: number; height: number; rgb: Uint8Array } {
  const width = 64, height = 48;
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const stroke = Math.abs(x - 20 - y / 3) < 2.5;
      const patch = x >= 40 && y >= 24 ? [30, 60, 200] : null;
      const base = [200 + x / 2, 190 + y / 2, 170 + (x + y) / 4];
      rgb.set(stroke ? [40, 40, 60] : patch ?? base.map(Math.round), 3 * (y * width + x));
    }
  }
  return { width, height, rgb };
}

/** Our pixels against djpeg's (no fancy upsampling, like jpeg-js): every sample within `max`, the mean within 1. */
async function assertLikeDjpeg(jpeg: Uint8Array, what: string, max = 4): Promise<void> {
  const img = decodeJpeg(jpeg, `${what}.jpg`);
  const ref = decodePnm(await runTool("djpeg", ["-nosmooth", "-pnm"], jpeg));
  assert.equal(img.width, ref.width, `${what}: width`);
  assert.equal(img.height, ref.height, `${what}: height`);
  const ours = ref.channels === 1 ? Array.from(img.gray, (g) => Math.round(g * 255)) : img.rgb;
  assertClose(ours, ref.samples, max, what);
  let sum = 0;
  for (let i = 0; i < ref.samples.length; i++) sum += Math.abs(ours[i] - ref.samples[i]);
  assert.ok(sum / ref.samples.length <= 1, `${what}: mean difference ${sum / ref.samples.length}`);
}

libjpegTest(
  "decodeJpeg() reads what cjpeg writes (baseline, 4:4:4, greyscale, progressive, restarts, RGB) as djpeg does",
  async () => {
    const { width, height, rgb } = photo();
    const ppm = encodePnm(rgb, width, height, 3);
    const options: [string, string[]][] = [
      ["baseline 4:2:0", []],
      ["baseline 4:4:4", ["-sample", "1x1"]],
      ["quality 50", ["-quality", "50"]],
      ["greyscale", ["-grayscale"]],
      ["progressive", ["-progressive"]],
      ["progressive greyscale", ["-progressive", "-grayscale"]],
      ["restart every MCU", ["-restart", "1B"]],
      ["optimized Huffman tables", ["-optimize"]],
      ["RGB-coded", ["-rgb"]],
    ];
    for (const [what, args] of options) {
      const jpeg = await runTool("cjpeg", args, ppm);
      await assertLikeDjpeg(jpeg, what);
    }
  },
);

libjpegTest(
  "decodeJpeg() reads a file jpegtran made progressive to exactly the pixels of its baseline original",
  async () => {
    const { width, height, rgb } = photo();
    const baseline = await runTool("cjpeg", ["-quality", "85"], encodePnm(rgb, width, height, 3));
    const progressive = await runTool("jpegtran", ["-progressive"], baseline);
    assert.equal(checkJpeg(progressive, "p.jpg").coding, "progressive");
    assert.ok(checkJpeg(progressive, "p.jpg").scans > 5);
    assert.deepEqual(decodeJpeg(progressive, "p.jpg").rgb, decodeJpeg(baseline, "b.jpg").rgb);
  },
);

/** The jpegtran transform that turns an upright picture into what a camera stores with each orientation. */
const STORED_BY: Record<number, string[]> = {
  2: ["-flip", "horizontal"],
  3: ["-rotate", "180"],
  4: ["-flip", "vertical"],
  5: ["-transpose"],
  6: ["-rotate", "270"],
  7: ["-transverse"],
  8: ["-rotate", "90"],
};

libjpegTest(
  "decodeJpeg() turns files jpegtran rotated and flipped, tagged with each EXIF orientation, upright",
  async () => {
    const { width, height, rgb } = photo();
    const upright = await runTool("cjpeg", ["-quality", "90"], encodePnm(rgb, width, height, 3));
    const expected = decodeJpeg(upright, "upright.jpg");
    for (const [orientation, args] of Object.entries(STORED_BY)) {
      // -perfect: the 64x48 picture is a whole number of MCUs, so the transform is lossless
      const stored = await runTool("jpegtran", ["-perfect", "-copy", "none", ...args], upright);
      const img = decodeJpeg(insertAfterSoi(stored, exifSegment(Number(orientation))), "phone.jpg");
      assert.equal(img.width, width, `orientation ${orientation}`);
      assert.equal(img.height, height, `orientation ${orientation}`);
      // the inverse DCT rounds a turned block slightly differently
      assertClose(img.rgb, expected.rgb, 3, `orientation ${orientation}`);
    }
  },
);

libjpegTest("decodeJpeg() refuses the arithmetic-coded files cjpeg writes", async () => {
  const { width, height, rgb } = photo();
  const ppm = encodePnm(rgb, width, height, 3);
  const arithmetic = await runTool("cjpeg", ["-arithmetic"], ppm);
  throwsWith(
    () => decodeJpeg(arithmetic, "arith.jpg"),
    "FormatError",
    `Cannot read JPEG "arith.jpg": it is an arithmetic-coded JPEG ("SOF9"), which is not supported (baseline and progressive are)`,
  );
  const progressive = await runTool("cjpeg", ["-arithmetic", "-progressive"], ppm);
  throwsWith(
    () => decodeJpeg(progressive, "arith.jpg"),
    "FormatError",
    `Cannot read JPEG "arith.jpg": it is an arithmetic-coded progressive JPEG ("SOF10"), which is not supported (baseline and progressive are)`,
  );
});

// --- writing ---

Deno.test("encodeRgbJpeg() writes a baseline JPEG that decodeJpeg() reads back to the colours written", () => {
  const { width, height, rgb } = patches();
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba.set([rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], 255], 4 * i);
  const bytes = encodeRgbJpeg(rgba, width, height, 95);
  assert.deepEqual(bytes, encodeRgbJpeg(rgba, width, height, 95), "the same bytes every time");
  assert.equal(checkJpeg(bytes, "p.jpg").coding, "baseline");
  const img = decodeJpeg(bytes, "p.jpg");
  let worst = 0;
  for (let i = 0; i < rgb.length; i++) worst = Math.max(worst, Math.abs(img.rgb[i] - rgb[i]));
  assert.ok(worst <= 12, `worst channel error ${worst}`);
  assert.ok(encodeRgbJpeg(rgba, width, height, 30).length < bytes.length, "a lower quality, a smaller file");
});

Deno.test("encodeRgbJpeg() refuses a bad size, quality or sample count", () => {
  const rgba = new Uint8Array(4 * 4 * 4);
  throwsWith(
    () => encodeRgbJpeg(rgba, 0, 4, 90),
    "LimitError",
    "Cannot encode JPEG: size is 0x4, expected integers from 1 to 65535",
  );
  for (const q of [0, 101, 50.5]) {
    throwsWith(
      () => encodeRgbJpeg(rgba, 4, 4, q),
      "LimitError",
      `Cannot encode JPEG: quality is ${q}, expected an integer from 1 to 100`,
    );
  }
  throwsWith(
    () => encodeRgbJpeg(rgba, 4, 3, 90),
    "ShapeError",
    "Cannot encode JPEG: 64 samples given, expected 4x3x4",
  );
});
