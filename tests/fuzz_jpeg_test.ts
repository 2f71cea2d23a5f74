import assert from "node:assert/strict";
import { decodeJpeg } from "../core/formats/jpeg.ts";
import { decodeImage } from "../core/formats/image.ts";
import { toMnistInput } from "../core/digits/preprocess.ts";
import { concatBytes } from "../core/base/bytes.ts";
import { isProjectError } from "../core/base/errors.ts";
import { Rng } from "../core/network/rng.ts";
import {
  buildJpeg,
  exifSegment,
  insertAfterSoi,
  type JpegSegment,
  listSegments,
  rgbToYcbcr,
} from "./fixtures/jpeg/build_jpeg.ts";

/** A picture with a visible mark: a dark column on light paper, (height, width) bytes. */
function mark(width: number, height: number): number[] {
  return Array.from({ length: width * height }, (_, i) => ((i % width) === Math.floor(width / 2) ? 20 : 230));
}

/** Small valid JPEGs of every kind the reader supports, each with its segments listed. */
function seeds(): { bytes: Uint8Array; segments: JpegSegment[] }[] {
  const grey16 = mark(16, 16);
  const wide = mark(32, 16);
  // the mark on paper with a blue tint
  const rgb = new Uint8Array(32 * 16 * 3).map((_, i) => (i % 3 === 2 ? 200 : wide[Math.floor(i / 3)]));
  const [y, cb, cr] = rgbToYcbcr(rgb);
  const colour = [{ plane: y, h: 2, v: 2 }, { plane: cb }, { plane: cr }];
  const ink = mark(16, 8);
  const files = [
    buildJpeg({ width: 16, height: 16, components: [{ plane: grey16 }] }),
    buildJpeg({ width: 32, height: 16, orientation: 6, components: colour }),
    buildJpeg({ width: 32, height: 16, progressive: true, components: colour }),
    buildJpeg({
      width: 16,
      height: 16,
      progressive: true,
      restartInterval: 1,
      components: [{ plane: grey16 }],
    }),
    buildJpeg({ width: 32, height: 16, quality: 50, restartInterval: 2, components: colour }),
    buildJpeg({
      width: 16,
      height: 8,
      adobeTransform: 0,
      components: [ink, ink, ink, ink].map((plane) => ({ plane })),
    }),
    buildJpeg({
      width: 16,
      height: 8,
      progressive: true,
      adobeTransform: 2,
      components: [ink, ink.map(() => 128), ink.map(() => 128), ink].map((plane) => ({ plane })),
    }),
    buildJpeg({
      width: 16,
      height: 8,
      adobeTransform: 0,
      components: [ink, ink, ink].map((plane) => ({ plane })),
    }),
  ];
  return files.map((bytes) => ({ bytes, segments: listSegments(bytes) }));
}

type Seed = ReturnType<typeof seeds>[number];
type Mutation = (seed: Seed, rng: Rng) => Uint8Array;

const pick = <T>(items: readonly T[], rng: Rng): T => items[rng.nextInt(items.length)];

/** The segments with one of these markers. */
const withMarker = (seed: Seed, ...markers: number[]) =>
  seed.segments.filter((s) => markers.includes(s.marker));

/** The entropy-coded data of a scan: from after its header to the next marker. */
function scanData(seed: Seed, scan: JpegSegment): [number, number] {
  return [scan.offset + 2 + ((seed.bytes[scan.offset + 2] << 8) | seed.bytes[scan.offset + 3]), scan.end];
}

const MUTATIONS: Record<string, Mutation> = {
  truncate: ({ bytes }, rng) => bytes.subarray(0, rng.nextInt(bytes.length)),
  flipBits: ({ bytes }, rng) => {
    const out = bytes.slice();
    for (let k = 1 + rng.nextInt(8); k > 0; k--) out[rng.nextInt(out.length)] ^= 1 << rng.nextInt(8);
    return out;
  },
  // flips inside the entropy-coded data only: the markers stay whole, so jpeg-js decodes the damage
  flipScanData: (seed, rng) => {
    const out = seed.bytes.slice();
    const [from, to] = scanData(seed, pick(withMarker(seed, 0xda), rng));
    for (let k = 1 + rng.nextInt(4); k > 0; k--) out[from + rng.nextInt(to - from)] ^= 1 << rng.nextInt(8);
    return out;
  },
  randomScanData: (seed, rng) => {
    const [from, to] = scanData(seed, pick(withMarker(seed, 0xda), rng));
    const data = Uint8Array.from({ length: rng.nextInt(2 * (to - from) + 1) }, () => rng.nextInt(256));
    return concatBytes([seed.bytes.subarray(0, from), data, seed.bytes.subarray(to)]);
  },
  forgeDimensions: (seed, rng) => {
    const out = seed.bytes.slice();
    const sof = withMarker(seed, 0xc0, 0xc2)[0];
    const sizes = [0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 64, 8000, 8001, 65535];
    for (const at of [5, 7]) {
      if (rng.nextInt(2) === 0) continue;
      const v = rng.nextInt(3) === 0 ? rng.nextInt(65536) : pick(sizes, rng);
      out.set([v >> 8, v & 255], sof.offset + at);
    }
    return out;
  },
  forgeFrameFields: (seed, rng) => {
    const out = seed.bytes.slice();
    const sof = withMarker(seed, 0xc0, 0xc2)[0];
    const at = pick([1, 4, 9, ...Array.from({ length: sof.end - sof.offset - 10 }, (_, i) => 10 + i)], rng);
    out[sof.offset + at] = rng.nextInt(2) === 0
      ? rng.nextInt(256)
      : pick([0, 1, 2, 3, 4, 8, 12, 0x11, 0x12, 0x21, 0x22, 0x44, 0x55, 0xc0, 0xc1, 0xc2, 0xc3, 0xc9], rng);
    return out;
  },
  forgeScanHeader: (seed, rng) => {
    const out = seed.bytes.slice();
    const sos = pick(withMarker(seed, 0xda), rng);
    const [from] = scanData(seed, sos);
    out[sos.offset + 4 + rng.nextInt(from - sos.offset - 4)] = rng.nextInt(2) === 0
      ? rng.nextInt(256)
      : pick([0, 1, 2, 3, 4, 5, 6, 63, 64, 0x01, 0x10, 0x11, 0xff], rng);
    return out;
  },
  forgeTables: (seed, rng) => {
    const out = seed.bytes.slice();
    const table = pick(withMarker(seed, 0xc4, 0xdb), rng);
    out[table.offset + 4 + rng.nextInt(table.end - table.offset - 4)] = rng.nextInt(256);
    return out;
  },
  forgeSegmentLength: (seed, rng) => {
    const out = seed.bytes.slice();
    const s = pick(seed.segments.filter((s) => s.marker !== 0xd8 && s.marker !== 0xd9), rng);
    const length = (out[s.offset + 2] << 8) | out[s.offset + 3];
    const forged = rng.nextInt(2) === 0 ? Math.max(0, length + rng.nextInt(9) - 4) : rng.nextInt(65536);
    out.set([forged >> 8, forged & 255], s.offset + 2);
    return out;
  },
  reorderSegments: (seed, rng) => {
    const parts = seed.segments.map((s) => seed.bytes.subarray(s.offset, s.end));
    const i = 1 + rng.nextInt(parts.length - 1), j = 1 + rng.nextInt(parts.length - 1);
    const op = rng.nextInt(3);
    if (op === 0) [parts[i], parts[j]] = [parts[j], parts[i]];
    else if (op === 1) parts.splice(i, 1);
    else parts.splice(i, 0, parts[j]);
    return concatBytes(parts);
  },
  forgeExif: (seed, rng) => {
    const exif = exifSegment(
      rng.nextInt(3) === 0 ? rng.nextInt(65536) : rng.nextInt(10),
      rng.nextInt(2) === 0,
    );
    for (let k = rng.nextInt(3); k > 0; k--) exif[4 + rng.nextInt(exif.length - 4)] = rng.nextInt(256);
    return insertAfterSoi(seed.bytes, exif);
  },
  insertMarker: (seed, rng) => {
    const at = 2 + rng.nextInt(seed.bytes.length - 2);
    const marker = new Uint8Array([
      0xff,
      rng.nextInt(2) === 0 ? rng.nextInt(256) : pick([0xd0, 0xd8, 0xd9, 0xda, 0xc4, 0xe1], rng),
    ]);
    return concatBytes([seed.bytes.subarray(0, at), marker, seed.bytes.subarray(at)]);
  },
};

Deno.test("decodeJpeg() and toMnistInput() either succeed or throw a project error on 12,000 mutated JPEGs", () => {
  const rng = new Rng(20260114);
  const bases = seeds();
  const kinds = Object.keys(MUTATIONS);
  const outcomes: Record<string, { ok: number; refused: number }> = {};
  for (const kind of kinds) outcomes[kind] = { ok: 0, refused: 0 };
  let slowest = 0;
  const cases = 12_000;
  for (let n = 0; n < cases; n++) {
    const kind = kinds[n % kinds.length];
    const jpeg = MUTATIONS[kind](bases[rng.nextInt(bases.length)], rng);
    const start = performance.now();
    try {
      // every other case goes through the format detection too
      const img = n % 2 === 0 ? decodeJpeg(jpeg, "fuzz.jpg") : decodeImage(jpeg, "fuzz.png");
      assert.equal(img.gray.length, img.width * img.height);
      assert.equal(img.rgb?.length, img.width * img.height * 3);
      assert.ok(img.gray.every((v) => v >= 0 && v <= 1), `case ${n} (${kind}): luminance out of [0, 1]`);
      try {
        const input = toMnistInput(img, "fuzz.jpg");
        assert.equal(input.length, 784);
        assert.ok(input.every((v) => v >= 0 && v <= 1), `case ${n} (${kind}): input out of [0, 1]`);
      } catch (error) {
        if (!isProjectError(error)) throw error;
      }
      outcomes[kind].ok++;
    } catch (error) {
      if (!isProjectError(error)) {
        throw new Error(`case ${n} (${kind}) threw a non-project error: ${error}`, { cause: error });
      }
      assert.ok(!error.message.includes("\n"), `case ${n} (${kind}): a message of more than one line`);
      outcomes[kind].refused++;
    }
    const elapsed = performance.now() - start;
    slowest = Math.max(slowest, elapsed);
    assert.ok(elapsed < 1000, `case ${n} (${kind}) took ${elapsed.toFixed(0)} ms`);
  }
  // every kind of mutation was refused at least sometimes, but broken EXIF data, which is ignored
  for (const kind of kinds.filter((k) => k !== "forgeExif")) {
    assert.ok(outcomes[kind].refused > 0, `${kind} was never refused`);
  }
  assert.equal(outcomes.forgeExif.refused, 0, "broken EXIF data stopped a file from being read");
  // the mutations that keep the markers whole also decode sometimes
  for (const kind of ["flipScanData", "randomScanData", "forgeDimensions", "forgeExif", "forgeTables"]) {
    assert.ok(outcomes[kind].ok > 0, `${kind} never decoded`);
  }
  if (Deno.env.get("FUZZ_REPORT")) console.log(outcomes, `slowest ${slowest.toFixed(1)} ms`);
});
