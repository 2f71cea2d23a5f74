import assert from "node:assert/strict";
import { join } from "node:path";
import { zlibSync } from "fflate";
import { Buffer } from "node:buffer";
// @ts-types="@types/pngjs"
import { PNG } from "pngjs";
import {
  checkPng,
  compositeOnPaper,
  decodePng,
  DEFAULT_PNG_LIMITS,
  encodeGrayPng,
  pngDataLength,
  readPngFile,
} from "../core/formats/png.ts";
import { crc32 } from "../core/formats/crc32.ts";
import { FormatError, InputFileError, LimitError, ShapeError } from "../core/base/errors.ts";
import {
  buildPng,
  chunk,
  concat,
  ihdrData,
  listChunks,
  type PngSpec,
  rawImageData,
  SIGNATURE,
} from "./fixtures/png/build_png.ts";
import { withScratchDir } from "./_scratch_dir.ts";

// a 13x11 test pattern (odd sizes exercise partial bytes and every Adam7 pass), values in [0, 1]
const W = 13, H = 11;
const PATTERN = Array.from({ length: W * H }, (_, i) => ((i % W) * 7 + Math.floor(i / W) * 13) % 17 / 16);

function quantise(v: number, bits: number): number {
  return Math.round(v * (2 ** bits - 1));
}

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
      `${what}: pixel ${i} is ${actual[i]}, expected ${expected[i]}`,
    );
  }
}

function greySpec(bits: 1 | 2 | 4 | 8 | 16, interlace: 0 | 1): PngSpec {
  return {
    width: W,
    height: H,
    colorType: 0,
    bitDepth: bits,
    interlace,
    samples: PATTERN.map((v) => quantise(v, bits)),
  };
}

/**
 * The reference decoder: pngjs's RGBA samples (raw values, skipRescale) turned into luminance, alpha
 * and colour the way decodePng() documents it.
 */
function pngjsReference(bytes: Uint8Array, colorType: number, bitDepth: number) {
  const { data, width, height } = PNG.sync.read(Buffer.from(bytes), { skipRescale: true, checkCRC: false });
  const max = colorType === 3 ? 255 : 2 ** bitDepth - 1;
  const n = width * height;
  const gray = new Float32Array(n), alpha = new Float32Array(n), rgb = new Uint8Array(3 * n);
  let opaque = true, coloured = false;
  for (let i = 0; i < n; i++) {
    const [r, g, b, a] = [data[4 * i], data[4 * i + 1], data[4 * i + 2], data[4 * i + 3]];
    const grey = r === g && g === b;
    gray[i] = (grey ? r : 0.299 * r + 0.587 * g + 0.114 * b) / max;
    alpha[i] = a / max;
    opaque &&= a === max;
    coloured ||= !grey;
    for (const [c, v] of [r, g, b].entries()) rgb[3 * i + c] = Math.round((v * 255) / max);
  }
  return { width, height, gray, alpha: opaque ? null : alpha, rgb: coloured ? rgb : undefined };
}

/** A seeded stream of integers in [0, n) for test images (a 32-bit LCG). */
function lcg(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.floor((state / 2 ** 32) * n);
  };
}

const SMALL = buildPng({ width: 4, height: 3, colorType: 0, bitDepth: 8, samples: new Array(12).fill(200) });

function throwsWith(fn: () => unknown, name: string, message: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof Error);
    assert.equal(error.name, name);
    assert.equal(error.message, message);
    return true;
  });
}

for (const interlace of [0, 1] as const) {
  for (const bits of [1, 2, 4, 8, 16] as const) {
    Deno.test(`decodePng() reads ${bits}-bit grey${interlace ? ", interlaced," : ""} as sample / (2^${bits} - 1)`, () => {
      const img = decodePng(buildPng(greySpec(bits, interlace)), "grey.png");
      assert.equal(img.width, W);
      assert.equal(img.height, H);
      assert.equal(img.alpha, null);
      assertClose(img.gray, PATTERN.map((v) => quantise(v, bits) / (2 ** bits - 1)), 1e-6, `${bits}-bit`);
      // and every depth is the same picture, up to its quantisation
      assertClose(img.gray, PATTERN, 0.5 / (2 ** bits - 1) + 1e-6, `${bits}-bit vs pattern`);
    });
  }
}

for (const interlace of [0, 1] as const) {
  for (const bits of [8, 16] as const) {
    const max = 2 ** bits - 1;
    const tag = `${bits}-bit${interlace ? " interlaced" : ""}`;
    Deno.test(`decodePng() reads ${tag} RGB, grey+alpha and RGBA to the same grey as grey`, () => {
      const q = PATTERN.map((v) => quantise(v, bits));
      const expected = q.map((v) => v / max);
      const a = PATTERN.map((_, i) => (i * 5) % max);
      const rgb = decodePng(
        buildPng({
          width: W,
          height: H,
          colorType: 2,
          bitDepth: bits,
          interlace,
          samples: q.flatMap((v) => [v, v, v]),
        }),
        "rgb.png",
      );
      assertClose(rgb.gray, expected, 1e-6, "RGB");
      assert.equal(rgb.alpha, null);
      const ga = decodePng(
        buildPng({
          width: W,
          height: H,
          colorType: 4,
          bitDepth: bits,
          interlace,
          samples: q.flatMap((v, i) => [v, a[i]]),
        }),
        "ga.png",
      );
      assertClose(ga.gray, expected, 1e-6, "grey+alpha");
      assertClose(ga.alpha!, a.map((v) => v / max), 1e-6, "grey+alpha alpha");
      const rgba = decodePng(
        buildPng({
          width: W,
          height: H,
          colorType: 6,
          bitDepth: bits,
          interlace,
          samples: q.flatMap((v, i) => [v, v, v, a[i]]),
        }),
        "rgba.png",
      );
      assertClose(rgba.gray, expected, 1e-6, "RGBA");
      assertClose(rgba.alpha!, a.map((v) => v / max), 1e-6, "RGBA alpha");
    });
  }
}

for (const filter of [1, 2, 3, 4, "cycle"] as const) {
  Deno.test(`decodePng() agrees with pngjs on every colour type, bit depth and interlace, filter ${filter}`, () => {
    const depths: Record<number, (1 | 2 | 4 | 8 | 16)[]> = {
      0: [1, 2, 4, 8, 16],
      2: [8, 16],
      3: [1, 2, 4, 8],
      4: [8, 16],
      6: [8, 16],
    };
    const random = lcg(typeof filter === "number" ? filter : 5);
    for (const colorType of [0, 2, 3, 4, 6] as const) {
      for (const bitDepth of depths[colorType]) {
        for (const interlace of [0, 1] as const) {
          const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType];
          const levels = colorType === 3 ? 2 ** bitDepth : 2 ** bitDepth;
          // smooth ramps with noise, so the predictors see both runs and jumps
          const samples = Array.from(
            { length: W * H * channels },
            (_, i) => (Math.floor(i / channels) * 3 + random(4)) % levels,
          );
          const spec: PngSpec = { width: W, height: H, colorType, bitDepth, interlace, samples, filter };
          if (colorType === 3) {
            spec.palette = Array.from({ length: levels }, () => [random(256), random(256), random(256)]);
            spec.trns = Array.from({ length: Math.min(levels, 3) }, () => random(256));
          }
          if (colorType === 0) spec.trns = [0, samples[5]];
          if (colorType === 2) spec.trns = [0, samples[0], 0, samples[1], 0, samples[2]];
          const png = buildPng(spec);
          const what = `colour type ${colorType}, ${bitDepth} bits, interlace ${interlace}`;
          const ours = decodePng(png, "x.png");
          const reference = pngjsReference(png, colorType, bitDepth);
          assert.deepEqual(ours.gray, reference.gray, `${what}: luminance`);
          assert.deepEqual(ours.alpha, reference.alpha, `${what}: alpha`);
          assert.deepEqual(ours.rgb, reference.rgb, `${what}: colour`);
        }
      }
    }
  });
}

Deno.test("decodePng() agrees with pngjs on files pngjs writes with its adaptive filters", () => {
  const random = lcg(7);
  for (const colorType of [0, 2, 4, 6] as const) {
    for (const bitDepth of [8, 16] as const) {
      const w = 37, h = 23;
      // pngjs takes RGBA input at the output's depth (16-bit: a Uint16Array)
      const data = bitDepth === 8 ? new Uint8Array(w * h * 4) : new Uint16Array(w * h * 4);
      const top = 2 ** bitDepth - 1;
      for (let i = 0; i < w * h; i++) {
        const v = Math.min(top, ((i % w) * top) / w + random(top >> 3));
        const grey = colorType === 0 || colorType === 4;
        data.set(
          [v, grey ? v : random(top + 1), grey ? v : top - v, colorType >= 4 ? random(top + 1) : top],
          4 * i,
        );
      }
      const png = new Uint8Array(
        PNG.sync.write({ width: w, height: h, data } as unknown as PNG, {
          colorType,
          bitDepth,
          inputHasAlpha: true,
        }),
      );
      const ours = decodePng(png, "x.png");
      const reference = pngjsReference(png, colorType, bitDepth);
      const what = `colour type ${colorType}, ${bitDepth} bits`;
      assert.deepEqual(ours.gray, reference.gray, `${what}: luminance`);
      assert.deepEqual(ours.alpha, reference.alpha, `${what}: alpha`);
      assert.deepEqual(ours.rgb, reference.rgb, `${what}: colour`);
    }
  }
});

Deno.test("decodePng() keeps all 16 bits of a 16-bit sample", () => {
  const img = decodePng(
    buildPng({ width: 2, height: 1, colorType: 0, bitDepth: 16, samples: [0x1234, 0xfffe] }),
    "x",
  );
  assert.ok(Math.abs(img.gray[0] - 0x1234 / 65535) < 1e-7);
  assert.ok(img.gray[1] < 1 && Math.abs(img.gray[1] - 0xfffe / 65535) < 1e-7);
});

Deno.test("decodePng() reduces colour to luminance with the BT.601 weights", () => {
  const samples = [255, 0, 0, 0, 255, 0, 0, 0, 255, 200, 100, 50];
  const img = decodePng(buildPng({ width: 4, height: 1, colorType: 2, bitDepth: 8, samples }), "rgb.png");
  assertClose(
    img.gray,
    [0.299, 0.587, 0.114, (0.299 * 200 + 0.587 * 100 + 0.114 * 50) / 255],
    1e-6,
    "BT.601",
  );
});

for (const interlace of [0, 1] as const) {
  for (const bits of [1, 2, 4, 8] as const) {
    Deno.test(`decodePng() reads a ${bits}-bit palette${interlace ? " (interlaced)" : ""} with tRNS alpha`, () => {
      const n = 2 ** bits;
      const palette: [number, number, number][] = Array.from({ length: n }, (_, k) => {
        const g = Math.round((k * 255) / (n - 1));
        return [g, g, g];
      });
      const indices = PATTERN.map((v) => quantise(v, bits));
      const trns = [0, ...new Array(Math.min(n, 4) - 1).fill(128)];
      const img = decodePng(
        buildPng({
          width: W,
          height: H,
          colorType: 3,
          bitDepth: bits,
          interlace,
          samples: indices,
          palette,
          trns,
        }),
        "pal.png",
      );
      assertClose(img.gray, indices.map((k) => palette[k][0] / 255), 1e-6, "palette grey");
      assertClose(
        img.alpha!,
        indices.map((k) => (k < trns.length ? trns[k] : 255) / 255),
        1e-6,
        "palette alpha",
      );
    });
  }
}

Deno.test("decodePng() makes the tRNS grey value of a grey image transparent", () => {
  const img = decodePng(
    buildPng({ width: 3, height: 1, colorType: 0, bitDepth: 8, samples: [10, 20, 10], trns: [0, 10] }),
    "trns.png",
  );
  assert.deepEqual(Array.from(img.alpha!), [0, 1, 0]);
  assert.ok(Math.abs(img.gray[1] - 20 / 255) < 1e-6);
});

Deno.test("decodePng() returns null alpha for an RGBA image whose pixels are all opaque", () => {
  const img = decodePng(
    buildPng({ width: 2, height: 1, colorType: 6, bitDepth: 8, samples: [1, 2, 3, 255, 4, 5, 6, 255] }),
    "x",
  );
  assert.equal(img.alpha, null);
});

Deno.test("decodePng() ignores ancillary chunks and trailing bytes after IEND", () => {
  const parts = listChunks(SMALL);
  const ihdrEnd = parts[1].offset;
  const text = chunk("tEXt", new TextEncoder().encode("Comment\0hello"));
  const png = concat(SMALL.subarray(0, ihdrEnd), text, SMALL.subarray(ihdrEnd), new Uint8Array([1, 2, 3]));
  assert.equal(decodePng(png, "x").gray[0], Math.fround(200 / 255));
});

// --- bad inputs ---

Deno.test("decodePng() rejects a JPEG renamed to .png", () => {
  const jpeg = new Uint8Array([
    0xff,
    0xd8,
    0xff,
    0xe0,
    0,
    16,
    0x4a,
    0x46,
    0x49,
    0x46,
    0,
    1,
    1,
    0,
    0,
    1,
    0,
    1,
    0,
    0,
  ]);
  throwsWith(
    () => decodePng(jpeg, "photo.png"),
    "FormatError",
    `Cannot read PNG "photo.png": not a PNG file (it starts like a JPEG)`,
  );
});

Deno.test("decodePng() rejects an empty file and unknown bytes", () => {
  throwsWith(
    () => decodePng(new Uint8Array(0), "e.png"),
    "FormatError",
    `Cannot read PNG "e.png": not a PNG file (it is empty)`,
  );
  throwsWith(
    () => decodePng(new TextEncoder().encode("hello world"), "t.png"),
    "FormatError",
    `Cannot read PNG "t.png": not a PNG file`,
  );
});

Deno.test("decodePng() rejects a PNG cut inside its IDAT chunk as truncated image data", () => {
  const idat = listChunks(SMALL).find((c) => c.type === "IDAT")!;
  const cut = SMALL.subarray(0, idat.offset + 12 + 3);
  throwsWith(
    () => decodePng(cut, "cut.png"),
    "FormatError",
    `Cannot read PNG "cut.png": image data is truncated (chunk "IDAT" at byte ${idat.offset} declares ${idat.length} bytes, only 3 remain)`,
  );
});

/** A 4x3 8-bit grey PNG: signature, IHDR, one IDAT chunk holding `idat`, IEND. */
function grey4x3(idat: Uint8Array): Uint8Array {
  return concat(
    SIGNATURE,
    chunk("IHDR", ihdrData(4, 3, 8, 0)),
    chunk("IDAT", idat),
    chunk("IEND", new Uint8Array(0)),
  );
}

Deno.test("decodePng() rejects a PNG whose compressed data stops early though its chunks are whole", () => {
  const raw = new Uint8Array(3 * 5).fill(7);
  for (let y = 0; y < 3; y++) raw[y * 5] = 0;
  const z = zlibSync(raw);
  const png = grey4x3(z.subarray(0, z.length - 6));
  throwsWith(
    () => decodePng(png, "short.png"),
    "FormatError",
    `Cannot read PNG "short.png": image data is truncated (the compressed stream ends early; the header needs 15 bytes)`,
  );
});

Deno.test("decodePng() rejects complete compressed data that holds fewer rows than the header declares", () => {
  // two rows of data for a three-row header: pngjs would zero-fill the last row silently
  const png = grey4x3(zlibSync(new Uint8Array(10)));
  throwsWith(
    () => decodePng(png, "rows.png"),
    "FormatError",
    `Cannot read PNG "rows.png": image data is truncated (it inflates to 10 bytes, the header needs 15)`,
  );
});

Deno.test("decodePng() rejects image data longer than the header declares, and a deflate bomb, fast", () => {
  const png = grey4x3(zlibSync(new Uint8Array(16)));
  throwsWith(
    () => decodePng(png, "long.png"),
    "FormatError",
    `Cannot read PNG "long.png": image data is too long (it inflates to more than the 15 bytes the header needs)`,
  );
  // 64 MB of zeros in about 250 KB: refused after the first 16 KB step, never inflated whole
  const bomb = grey4x3(zlibSync(new Uint8Array(64_000_000), { level: 1 }));
  const start = performance.now();
  assert.throws(() => decodePng(bomb, "bomb.png"), FormatError);
  assert.ok(performance.now() - start < 2000, "the bomb took too long");
});

Deno.test("decodePng() rejects a PNG with no IDAT chunk", () => {
  const png = concat(SIGNATURE, chunk("IHDR", ihdrData(4, 3, 8, 0)), chunk("IEND", new Uint8Array(0)));
  throwsWith(
    () => decodePng(png, "empty.png"),
    "FormatError",
    `Cannot read PNG "empty.png": image data is truncated (no "IDAT" chunk)`,
  );
});

Deno.test("decodePng() rejects a PNG with no IEND chunk", () => {
  const iend = listChunks(SMALL).find((c) => c.type === "IEND")!;
  throwsWith(
    () => decodePng(SMALL.subarray(0, iend.offset), "noend.png"),
    "FormatError",
    `Cannot read PNG "noend.png": file is truncated (no "IEND" chunk after byte ${iend.offset})`,
  );
});

Deno.test("decodePng() rejects a chunk whose CRC does not match", () => {
  const idat = listChunks(SMALL).find((c) => c.type === "IDAT")!;
  const bad = SMALL.slice();
  bad[idat.offset + 9] ^= 0x10;
  const view = new DataView(bad.buffer);
  const stored = view.getUint32(idat.offset + 8 + idat.length);
  const computed = crc32(bad.subarray(idat.offset + 4, idat.offset + 8 + idat.length));
  const hex = (n: number) => "0x" + n.toString(16).padStart(8, "0");
  throwsWith(
    () => decodePng(bad, "crc.png"),
    "FormatError",
    `Cannot read PNG "crc.png": chunk "IDAT" at byte ${idat.offset} has CRC ${hex(stored)}, computed ${
      hex(computed)
    }`,
  );
});

/** A 68-byte PNG: signature, IHDR, an 11-byte IDAT, IEND. */
function tinyPngDeclaring(width: number, height: number): Uint8Array {
  // a zlib header and 9 bytes of a stored block; never inflated, the header is refused first
  const idat = new Uint8Array([0x78, 0x01, 0x01, 0x04, 0x00, 0xfb, 0xff, 0, 0, 0, 0]);
  return concat(
    SIGNATURE,
    chunk("IHDR", ihdrData(width, height, 8, 6)),
    chunk("IDAT", idat),
    chunk("IEND", new Uint8Array(0)),
  );
}

Deno.test("decodePng() refuses a 68-byte file declaring 30000x30000 pixels before allocating", () => {
  const png = tinyPngDeclaring(30000, 30000);
  assert.equal(png.length, 68);
  const start = performance.now();
  throwsWith(
    () => decodePng(png, "huge.png"),
    "LimitError",
    `Cannot read PNG "huge.png": width is 30000 pixels, the limit is 8000`,
  );
  assert.ok(performance.now() - start < 100, "refusing took too long");
});

Deno.test("decodePng() refuses a declared height or pixel count over its limit", () => {
  throwsWith(
    () => decodePng(tinyPngDeclaring(10, 9000), "tall.png"),
    "LimitError",
    `Cannot read PNG "tall.png": height is 9000 pixels, the limit is 8000`,
  );
  throwsWith(
    () => decodePng(tinyPngDeclaring(7000, 7000), "big.png"),
    "LimitError",
    `Cannot read PNG "big.png": image is 7000x7000 = 49000000 pixels, the limit is 40000000`,
  );
  const limits = { ...DEFAULT_PNG_LIMITS, maxPixels: 100 };
  throwsWith(
    () => decodePng(tinyPngDeclaring(11, 10), "small.png", limits),
    "LimitError",
    `Cannot read PNG "small.png": image is 11x10 = 110 pixels, the limit is 100`,
  );
});

Deno.test("decodePng() rejects a width or height of 0", () => {
  throwsWith(
    () => decodePng(tinyPngDeclaring(0, 5), "w0.png"),
    "FormatError",
    `Cannot read PNG "w0.png": image is 0x5 pixels, expected at least 1x1`,
  );
  throwsWith(
    () => decodePng(tinyPngDeclaring(5, 0), "h0.png"),
    "FormatError",
    `Cannot read PNG "h0.png": image is 5x0 pixels, expected at least 1x1`,
  );
});

Deno.test("decodePng() refuses a file over the size limit", () => {
  const big = new Uint8Array(DEFAULT_PNG_LIMITS.maxFileBytes + 1);
  big.set(SMALL);
  throwsWith(
    () => decodePng(big, "big.png"),
    "LimitError",
    `Cannot read PNG "big.png": file is ${
      DEFAULT_PNG_LIMITS.maxFileBytes + 1
    } bytes, the limit is ${DEFAULT_PNG_LIMITS.maxFileBytes}`,
  );
});

Deno.test("decodePng() rejects a file that does not start with IHDR or repeats it", () => {
  const [ihdr, idat] = listChunks(SMALL);
  const swapped = concat(
    SIGNATURE,
    SMALL.subarray(idat.offset, idat.offset + 12 + idat.length),
    SMALL.subarray(ihdr.offset),
  );
  throwsWith(
    () => decodePng(swapped, "order.png"),
    "FormatError",
    `Cannot read PNG "order.png": first chunk is "IDAT", expected "IHDR"`,
  );
  const twice = concat(
    SMALL.subarray(0, idat.offset),
    SMALL.subarray(ihdr.offset, idat.offset),
    SMALL.subarray(idat.offset),
  );
  throwsWith(
    () => decodePng(twice, "twice.png"),
    "FormatError",
    `Cannot read PNG "twice.png": chunk "IHDR" at byte 33 repeats the header`,
  );
});

Deno.test("decodePng() rejects IHDR fields the PNG format does not allow", () => {
  const withHeader = (data: Uint8Array) =>
    concat(SIGNATURE, chunk("IHDR", data), SMALL.subarray(listChunks(SMALL)[1].offset));
  const cases: [Uint8Array, string][] = [
    [ihdrData(4, 3, 4, 2), "bit depth is 4 for colour type 2, expected one of 8, 16"],
    [ihdrData(4, 3, 16, 3), "bit depth is 16 for colour type 3, expected one of 1, 2, 4, 8"],
    [ihdrData(4, 3, 8, 5), "colour type is 5, expected 0, 2, 3, 4 or 6"],
    [ihdrData(4, 3, 8, 0, 2), "interlace method is 2, expected 0 or 1"],
    [ihdrData(4, 3, 8, 0).subarray(0, 12), `chunk "IHDR" has length 12, expected 13`],
  ];
  for (const [data, state] of cases) {
    throwsWith(
      () => decodePng(withHeader(data), "h.png"),
      "FormatError",
      `Cannot read PNG "h.png": ${state}`,
    );
  }
  const compression = ihdrData(4, 3, 8, 0);
  compression[10] = 1;
  throwsWith(
    () => decodePng(withHeader(compression), "h.png"),
    "FormatError",
    `Cannot read PNG "h.png": compression method is 1, expected 0`,
  );
});

Deno.test("decodePng() rejects a palette image without PLTE, and an index outside the palette", () => {
  const noPlte = buildPng({ width: 2, height: 1, colorType: 3, bitDepth: 8, samples: [0, 1] });
  throwsWith(
    () => decodePng(noPlte, "p.png"),
    "FormatError",
    `Cannot read PNG "p.png": palette image has no "PLTE" chunk before its data`,
  );
  const outside = buildPng({
    width: 2,
    height: 1,
    colorType: 3,
    bitDepth: 8,
    samples: [0, 5],
    palette: [[0, 0, 0], [9, 9, 9]],
  });
  throwsWith(
    () => decodePng(outside, "p.png"),
    "FormatError",
    `Cannot read PNG "p.png": pixel (1, 0) has palette index 5, the palette has 2 colours`,
  );
});

Deno.test("decodePng() rejects a row filter type over 4", () => {
  const data = rawImageData({
    width: 4,
    height: 3,
    colorType: 0,
    bitDepth: 8,
    samples: new Array(12).fill(9),
  });
  data[5] = 7; // the second row's filter byte
  const png = concat(
    SIGNATURE,
    chunk("IHDR", ihdrData(4, 3, 8, 0)),
    chunk("IDAT", zlibSync(data)),
    chunk("IEND", new Uint8Array(0)),
  );
  throwsWith(
    () => decodePng(png, "f.png"),
    "FormatError",
    `Cannot read PNG "f.png": row 1 of the image data has filter type 7, expected 0 to 4`,
  );
});

Deno.test("decodePng() rejects a critical chunk it does not know, and skips an ancillary one", () => {
  const chunks = listChunks(SMALL);
  const idat = chunks.find((c) => c.type === "IDAT")!;
  const insert = (extra: Uint8Array) =>
    concat(SMALL.subarray(0, idat.offset), extra, SMALL.subarray(idat.offset));
  throwsWith(
    () => decodePng(insert(chunk("ABCD", new Uint8Array(3))), "c.png"),
    "FormatError",
    `Cannot read PNG "c.png": chunk "ABCD" at byte ${idat.offset} is critical and not one this reader knows`,
  );
  assert.equal(decodePng(insert(chunk("abCD", new Uint8Array(3))), "c.png").width, 4);
});

Deno.test("decodePng() rejects a tRNS chunk before the palette, longer than it, or of the wrong length", () => {
  const head = (colorType: number) => [SIGNATURE, chunk("IHDR", ihdrData(2, 1, 8, colorType))];
  const tail = (
    raw: number[],
  ) => [chunk("IDAT", zlibSync(new Uint8Array(raw))), chunk("IEND", new Uint8Array(0))];
  const plte = chunk("PLTE", new Uint8Array([0, 0, 0, 9, 9, 9]));
  throwsWith(
    () =>
      decodePng(concat(...head(3), chunk("tRNS", new Uint8Array([0])), plte, ...tail([0, 0, 1])), "t.png"),
    "FormatError",
    `Cannot read PNG "t.png": chunk "tRNS" comes before the palette ("PLTE")`,
  );
  throwsWith(
    () => decodePng(concat(...head(3), plte, chunk("tRNS", new Uint8Array(3)), ...tail([0, 0, 1])), "t.png"),
    "FormatError",
    `Cannot read PNG "t.png": chunk "tRNS" has 3 alphas for a palette of 2 colours`,
  );
  throwsWith(
    () => decodePng(concat(...head(0), chunk("tRNS", new Uint8Array(1)), ...tail([0, 0, 1])), "t.png"),
    "FormatError",
    `Cannot read PNG "t.png": chunk "tRNS" has length 1, expected 2 for colour type 0`,
  );
});

Deno.test("decodePng() rejects a chunk with an invalid type or an impossible length", () => {
  const bad = SMALL.slice();
  bad[33 + 4] = 0x31; // "1DAT"
  throwsWith(
    () => decodePng(bad, "t.png"),
    "FormatError",
    `Cannot read PNG "t.png": chunk at byte 33 has an invalid type`,
  );
  const long = SMALL.slice();
  new DataView(long.buffer).setUint32(33, 0x80000000);
  throwsWith(
    () => decodePng(long, "l.png"),
    "FormatError",
    `Cannot read PNG "l.png": chunk "IDAT" at byte 33 declares length 2147483648, the maximum is 2147483647`,
  );
});

// --- helpers ---

Deno.test("pngDataLength() counts filter bytes and packed rows, per Adam7 pass when interlaced", () => {
  assert.equal(pngDataLength({ width: 10, height: 3, bitDepth: 1, colorType: 0, interlace: 0 }), 9);
  assert.equal(
    pngDataLength({ width: 2, height: 2, bitDepth: 16, colorType: 6, interlace: 0 }),
    2 * (1 + 16),
  );
  // 1x1 interlaced: only the first pass holds a pixel
  assert.equal(pngDataLength({ width: 1, height: 1, bitDepth: 8, colorType: 2, interlace: 1 }), 4);
  // agrees with an independent writer on the 13x11 pattern, for every colour type and depth
  for (const spec of [greySpec(1, 1), greySpec(16, 1), greySpec(4, 0)]) {
    assert.equal(checkPng(buildPng(spec), "x").width, W);
  }
});

Deno.test("compositeOnPaper() blends straight alpha onto the paper", () => {
  const out = compositeOnPaper(new Float32Array([0, 1, 0.5]), new Float32Array([1, 0, 0.5]), 0.2);
  assertClose(out, [0, 0.2, 0.35], 1e-6, "composite");
  assert.deepEqual(Array.from(compositeOnPaper(new Float32Array([0.25]), null, 1)), [0.25]);
});

Deno.test("encodeGrayPng() with the zlib compressor gives the same pixels as with fflate", () => {
  const pixels = Uint8Array.from({ length: 37 * 23 }, (_, i) => (i * 7) % 256);
  const portable = encodeGrayPng(pixels, 37, 23);
  const native = encodeGrayPng(pixels, 37, 23, { compressor: "zlib" });
  assert.deepEqual(decodePng(native, "n.png").gray, decodePng(portable, "p.png").gray);
  assert.deepEqual(encodeGrayPng(pixels, 37, 23), portable, "fflate gives the same bytes every time");
});

Deno.test("encodeGrayPng() round-trips floats and bytes through decodePng", () => {
  const floats = new Float32Array(PATTERN);
  const back = decodePng(encodeGrayPng(floats, W, H), "f.png");
  assertClose(back.gray, PATTERN, 0.5 / 255 + 1e-6, "floats");
  const bytes = new Uint8Array(PATTERN.map((v) => Math.round(v * 255)));
  assertClose(
    decodePng(encodeGrayPng(bytes, W, H), "b.png").gray,
    Array.from(bytes, (b) => b / 255),
    1e-6,
    "bytes",
  );
  assert.throws(() => encodeGrayPng(new Uint8Array(5), 2, 2), ShapeError);
  assert.throws(() => encodeGrayPng(new Uint8Array(0), 0, 0), LimitError);
});

Deno.test("readPngFile() rejects a missing file, a folder and an oversize file before reading", async () => {
  await withScratchDir("png_test_", async (dir) => {
    await assert.rejects(readPngFile(join(dir, "none.png")), {
      name: "InputFileError",
      message: `Cannot read PNG "${join(dir, "none.png")}": file does not exist`,
    });
    await assert.rejects(readPngFile(dir), {
      name: "InputFileError",
      message: `Cannot read PNG "${dir}": not a file`,
    });
    const path = join(dir, "a.png");
    await Deno.writeFile(path, SMALL);
    assert.equal((await readPngFile(path)).width, 4);
    await assert.rejects(readPngFile(path, { ...DEFAULT_PNG_LIMITS, maxFileBytes: 10 }), {
      name: "LimitError",
      message: `Cannot read PNG "${path}": file is ${SMALL.length} bytes, the limit is 10`,
    });
  });
  assert.ok(new InputFileError("x") instanceof Error);
});
