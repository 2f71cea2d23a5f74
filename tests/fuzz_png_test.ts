import assert from "node:assert/strict";
import { decodePng } from "../core/formats/png.ts";
import { toMnistInput } from "../core/digits/preprocess.ts";
import { crc32 } from "../core/formats/crc32.ts";
import { isProjectError } from "../core/base/errors.ts";
import { Rng } from "../core/network/rng.ts";
import { buildPng, concat, listChunks } from "./fixtures/png/build_png.ts";

/** Small valid PNGs of several colour types, depths and interlacing, each with a visible mark. */
function seeds(): Uint8Array[] {
  const mark = (w: number, h: number, lo: number, hi: number) =>
    Array.from({ length: w * h }, (_, i) => ((i % w) === Math.floor(w / 2) ? hi : lo));
  return [
    buildPng({ width: 6, height: 5, colorType: 0, bitDepth: 8, samples: mark(6, 5, 250, 10) }),
    buildPng({ width: 7, height: 3, colorType: 0, bitDepth: 1, samples: mark(7, 3, 1, 0) }),
    buildPng({
      width: 5,
      height: 4,
      colorType: 6,
      bitDepth: 8,
      interlace: 1,
      samples: mark(5, 4, 0, 255).flatMap((a) => [0, 0, 0, a]),
    }),
    buildPng({
      width: 7,
      height: 3,
      colorType: 3,
      bitDepth: 4,
      samples: mark(7, 3, 0, 2),
      palette: [[255, 255, 255], [128, 128, 128], [0, 0, 0]],
      trns: [255, 128],
    }),
    buildPng({
      width: 3,
      height: 3,
      colorType: 4,
      bitDepth: 16,
      interlace: 1,
      samples: mark(3, 3, 60000, 100).flatMap((g) => [g, 65535]),
    }),
    buildPng({
      width: 4,
      height: 4,
      colorType: 2,
      bitDepth: 8,
      samples: mark(4, 4, 240, 20).flatMap((g) => [g, g, g]),
    }),
  ];
}

/** Recompute the CRC of every chunk whose length still fits the file. */
function repairCrcs(png: Uint8Array): Uint8Array {
  const out = png.slice();
  const view = new DataView(out.buffer);
  for (const c of listChunks(out)) {
    const end = c.offset + 8 + c.length;
    if (end + 4 <= out.length) view.setUint32(end, crc32(out.subarray(c.offset + 4, end)));
  }
  return out;
}

type Mutation = (png: Uint8Array, rng: Rng) => Uint8Array;

const MUTATIONS: Record<string, Mutation> = {
  truncate: (png, rng) => png.subarray(0, rng.nextInt(png.length)),
  flipBits: (png, rng) => {
    const out = png.slice();
    for (let k = 1 + rng.nextInt(8); k > 0; k--) out[rng.nextInt(out.length)] ^= 1 << rng.nextInt(8);
    return out;
  },
  // flips past the signature with every CRC repaired, so they reach the header, inflater and pngjs
  flipBitsKeepCrc: (png, rng) => {
    const out = png.slice();
    for (let k = 1 + rng.nextInt(4); k > 0; k--) out[8 + rng.nextInt(out.length - 8)] ^= 1 << rng.nextInt(8);
    return repairCrcs(out);
  },
  forgeDimensions: (png, rng) => {
    const out = png.slice();
    const view = new DataView(out.buffer);
    const pick = () =>
      [
        0,
        1,
        2,
        7,
        8000,
        8001,
        40_000,
        0x7fffffff,
        0xffffffff,
        rng.nextUint32(),
        1 + rng.nextInt(64),
      ][rng.nextInt(11)];
    if (rng.nextInt(2) === 0) view.setUint32(16, pick());
    if (rng.nextInt(2) === 0) view.setUint32(20, pick());
    return repairCrcs(out);
  },
  forgeHeaderFields: (png, rng) => {
    const out = png.slice();
    out[24 + rng.nextInt(5)] = rng.nextInt(2) === 0
      ? rng.nextInt(256)
      : [0, 1, 2, 3, 4, 6, 8, 16][rng.nextInt(8)];
    return repairCrcs(out);
  },
  forgeChunkLength: (png, rng) => {
    const out = png.slice();
    const chunks = listChunks(out);
    const c = chunks[rng.nextInt(chunks.length)];
    const view = new DataView(out.buffer);
    const forged = rng.nextInt(2) === 0 ? c.length + rng.nextInt(9) - 4 : rng.nextUint32();
    view.setUint32(c.offset, forged >>> 0);
    return out;
  },
  swapMagic: (png, rng) => {
    const out = png.slice();
    const magics = [[0xff, 0xd8, 0xff, 0xe0], [0x47, 0x49, 0x46, 0x38], [0x42, 0x4d], [
      0x89,
      0x50,
      0x4e,
      0x47,
      0x0d,
      0x0a,
      0x0a,
      0x1a,
    ]];
    if (rng.nextInt(2) === 0) out.set(magics[rng.nextInt(magics.length)]);
    else {
      const i = rng.nextInt(8), j = rng.nextInt(8);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  },
  reorderChunks: (png, rng) => {
    const chunks = listChunks(png).map((c) => png.subarray(c.offset, c.offset + 12 + c.length));
    const op = rng.nextInt(3);
    const i = rng.nextInt(chunks.length), j = rng.nextInt(chunks.length);
    if (op === 0) [chunks[i], chunks[j]] = [chunks[j], chunks[i]];
    else if (op === 1) chunks.splice(i, 1);
    else chunks.splice(i, 0, chunks[j]);
    return concat(png.subarray(0, 8), ...chunks);
  },
  randomImageData: (png, rng) => {
    const idat = listChunks(png).find((c) => c.type === "IDAT")!;
    const data = Uint8Array.from({ length: rng.nextInt(64) }, () => rng.nextInt(256));
    if (data.length >= 2 && rng.nextInt(2) === 0) data.set([0x78, 0x9c]);
    const view = new DataView(new ArrayBuffer(4));
    view.setUint32(0, data.length);
    const chunk = concat(
      new Uint8Array(view.buffer),
      png.subarray(idat.offset + 4, idat.offset + 8),
      data,
      new Uint8Array(4),
    );
    return repairCrcs(
      concat(png.subarray(0, idat.offset), chunk, png.subarray(idat.offset + 12 + idat.length)),
    );
  },
};

Deno.test("decodePng() and toMnistInput() either succeed or throw a project error on 12,000 mutated PNGs", () => {
  const rng = new Rng(20240611);
  const bases = seeds();
  const kinds = Object.keys(MUTATIONS);
  const outcomes: Record<string, { ok: number; refused: number }> = {};
  for (const kind of kinds) outcomes[kind] = { ok: 0, refused: 0 };
  let slowest = 0;
  const cases = 12_000;
  for (let n = 0; n < cases; n++) {
    const kind = kinds[n % kinds.length];
    const png = MUTATIONS[kind](bases[rng.nextInt(bases.length)], rng);
    const start = performance.now();
    try {
      const img = decodePng(png, "fuzz.png");
      assert.equal(img.gray.length, img.width * img.height);
      try {
        const input = toMnistInput(img, "fuzz.png");
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
      outcomes[kind].refused++;
    }
    const elapsed = performance.now() - start;
    slowest = Math.max(slowest, elapsed);
    assert.ok(elapsed < 1000, `case ${n} (${kind}) took ${elapsed.toFixed(0)} ms`);
  }
  // every kind of mutation was refused at least sometimes; the CRC-preserving ones also decode sometimes
  for (const kind of kinds) assert.ok(outcomes[kind].refused > 0, `${kind} was never refused`);
  for (const kind of ["flipBitsKeepCrc", "forgeHeaderFields", "reorderChunks"]) {
    assert.ok(outcomes[kind].ok > 0, `${kind} never decoded`);
  }
  assert.ok(slowest < 1000);
  if (Deno.env.get("FUZZ_REPORT")) console.log(outcomes, `slowest ${slowest.toFixed(1)} ms`);
});
