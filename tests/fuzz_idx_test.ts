/**
 * Seeded mutation fuzzing of the IDX and gzip readers.
 *
 * Every mutated file must either decode or be refused with one of the project's own errors
 * (isProjectError), quickly. A failure names the seed and case index; `mutate(bases, mutations,
 * caseRng(SEED, i))` rebuilds that exact input. The seed is fixed; set FUZZ_SEED to explore others.
 */

import assert from "node:assert/strict";
import { deflateSync, gunzipSync, gzipSync } from "fflate";
import { crc32 } from "../core/formats/crc32.ts";
import { isProjectError } from "../core/base/errors.ts";
import { gunzip } from "../core/formats/gzip.ts";
import {
  decodeIdxImages,
  decodeIdxLabels,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  MAX_IDX_ITEMS,
} from "../core/formats/idx.ts";
import { Rng } from "../core/network/rng.ts";
import { idxHeader, idxImages, idxLabels } from "./_idx_bytes.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 0x1d8c_2051);
const CASES = 10_000;
/** No single case may take longer than this, in milliseconds. */
const MAX_CASE_MS = 200;
/** Decompressed-size cap for the gzip cases: twice the largest base file. */
const GZIP_CAP = 2 * (16 + 20 * 784);

// ---- valid inputs ------------------------------------------------------------------------------

/** About 80 % zero pixels, like MNIST. */
const sparsePixel = (rng: Rng) => rng.nextFloat() < 0.2 ? rng.nextInt(256) : 0;

/** A valid labels file of `count` labels 0–9. */
function randomLabels(count: number, rng: Rng): Uint8Array {
  return idxLabels(Array.from({ length: count }, () => rng.nextInt(10)));
}

/** A gzip member with every optional header field (FEXTRA, FNAME, FCOMMENT, FHCRC). */
function gzipWithAllFields(data: Uint8Array): Uint8Array {
  const text = (s: string) => [...new TextEncoder().encode(s), 0];
  const head = [0x1f, 0x8b, 8, 0x1e, 1, 2, 3, 4, 2, 3, 4, 0, 9, 9, 9, 9, ...text("f.idx"), ...text("c")];
  const crc16 = crc32(new Uint8Array(head)) & 0xffff;
  const deflate = deflateSync(data, { level: 6 });
  const out = new Uint8Array(head.length + 2 + deflate.length + 8);
  out.set([...head, crc16 & 0xff, crc16 >> 8]);
  out.set(deflate, head.length + 2);
  const view = new DataView(out.buffer);
  view.setUint32(out.length - 8, crc32(data), true);
  view.setUint32(out.length - 4, data.length, true);
  return out;
}

type Kind = "images" | "labels";

interface Base {
  readonly kind: Kind;
  readonly bytes: Uint8Array;
}

function idxBases(kind: Kind): Base[] {
  const rng = new Rng(SEED);
  return [3, 7, 20].map((count) => ({
    kind,
    bytes: kind === "images" ? idxImages(count, rng, sparsePixel) : randomLabels(count, rng),
  }));
}

function gzipBases(): Base[] {
  const bases: Base[] = [];
  for (const { kind, bytes } of [...idxBases("images"), ...idxBases("labels")]) {
    for (const level of [0, 1, 9] as const) bases.push({ kind, bytes: gzipSync(bytes, { level, mtime: 0 }) });
    bases.push({ kind, bytes: gzipWithAllFields(bytes) });
  }
  return bases;
}

// ---- mutations ---------------------------------------------------------------------------------

type Mutation = (b: Uint8Array, rng: Rng) => [Uint8Array, string];

function setUint32(b: Uint8Array, at: number, value: number, littleEndian: boolean): Uint8Array {
  const out = b.slice();
  if (at >= 0 && at + 4 <= out.length) new DataView(out.buffer).setUint32(at, value >>> 0, littleEndian);
  return out;
}

/** A forged 32-bit field: the edge cases a parser gets wrong, or noise. */
function forgedValue(rng: Rng, near: number): number {
  const choices = [0, 1, near - 1, near + 1, MAX_IDX_ITEMS, MAX_IDX_ITEMS + 1, 0x7fffffff, 0xffffffff];
  return rng.nextInt(4) === 0 ? rng.nextUint32() : choices[rng.nextInt(choices.length)];
}

// mutations of an empty buffer (an earlier truncation may leave one) leave it empty
const truncate: Mutation = (b, rng) => {
  if (b.length === 0) return [b, "truncate an empty file"];
  const at = rng.nextInt(b.length);
  return [b.slice(0, at), `truncate at ${at}`];
};
const flipBits: Mutation = (b, rng) => {
  if (b.length === 0) return [b, "flip no bits of an empty file"];
  const out = b.slice(), flips: number[] = [];
  for (let k = 1 + rng.nextInt(4); k > 0; k--) {
    const bit = rng.nextInt(out.length * 8);
    out[bit >> 3] ^= 1 << (bit & 7);
    flips.push(bit);
  }
  return [out, `flip bits ${flips.join(",")}`];
};
const flipHeaderBits: Mutation = (b, rng) => {
  if (b.length === 0) return [b, "flip no header bit of an empty file"];
  const out = b.slice(), bit = rng.nextInt(Math.min(out.length, 24) * 8);
  out[bit >> 3] ^= 1 << (bit & 7);
  return [out, `flip header bit ${bit}`];
};
const setByte: Mutation = (b, rng) => {
  if (b.length === 0) return [b, "set no byte of an empty file"];
  const out = b.slice(), at = rng.nextInt(out.length), value = rng.nextInt(256);
  out[at] = value;
  return [out, `set byte ${at} to ${value}`];
};
const append: Mutation = (b, rng) => {
  const extra = Uint8Array.from({ length: 1 + rng.nextInt(20) }, () => rng.nextInt(256));
  return [new Uint8Array([...b, ...extra]), `append ${extra.length} random bytes`];
};
const cutRange: Mutation = (b, rng) => {
  if (b.length === 0) return [b, "cut nothing from an empty file"];
  const at = rng.nextInt(b.length), n = 1 + rng.nextInt(16);
  return [new Uint8Array([...b.subarray(0, at), ...b.subarray(at + n)]), `cut ${n} bytes at ${at}`];
};
const insertRange: Mutation = (b, rng) => {
  const at = rng.nextInt(b.length + 1);
  const extra = Uint8Array.from({ length: 1 + rng.nextInt(16) }, () => rng.nextInt(256));
  return [
    new Uint8Array([...b.subarray(0, at), ...extra, ...b.subarray(at)]),
    `insert ${extra.length} at ${at}`,
  ];
};
const forgeCount: Mutation = (b, rng) => {
  const count = forgedValue(rng, b.length > 8 ? new DataView(b.buffer, b.byteOffset).getUint32(4) : 0);
  return [setUint32(b, 4, count, false), `count ${count}`];
};
const forgeSides: Mutation = (b, rng) => {
  const at = rng.nextInt(2) === 0 ? 8 : 12, value = forgedValue(rng, 28);
  return [setUint32(b, at, value, false), `dimension at ${at} = ${value}`];
};
const swapMagic: Mutation = (b, rng) => {
  const out = b.slice();
  const how = rng.nextInt(3);
  if (how === 0) out.subarray(0, 4).reverse();
  else if (out.length >= 4) {
    out.set(idxHeader(how === 1 ? IDX_IMAGES_MAGIC : IDX_LABELS_MAGIC).subarray(0, 4));
  }
  return [out, ["byte-swap magic", "images magic", "labels magic"][how]];
};
const forgeIsize: Mutation = (b, rng) => {
  const isize = forgedValue(
    rng,
    b.length >= 4 ? new DataView(b.buffer, b.byteOffset).getUint32(b.length - 4, true) : 0,
  );
  return [setUint32(b, b.length - 4, isize, true), `ISIZE ${isize}`];
};
const forgeCrc: Mutation = (b, rng) => {
  const crc = rng.nextUint32();
  return [setUint32(b, b.length - 8, crc, true), `CRC ${crc}`];
};
const forgeFlags: Mutation = (b, rng) => {
  const out = b.slice(), flags = rng.nextInt(256);
  if (out.length > 3) out[3] = flags;
  return [out, `flags ${flags}`];
};
const secondMember: Mutation = (b, rng) => {
  const member = gzipSync(Uint8Array.from({ length: rng.nextInt(40) }, () => rng.nextInt(4)));
  return [new Uint8Array([...b, ...member]), `append a ${member.length}-byte gzip member`];
};

/** Mutations that fit any file, first in both lists below. */
const BYTE_MUTATIONS: Mutation[] = [
  truncate,
  flipBits,
  flipHeaderBits,
  setByte,
  append,
  cutRange,
  insertRange,
];
const IDX_MUTATIONS: Mutation[] = [...BYTE_MUTATIONS, forgeCount, forgeSides, swapMagic];
const GZIP_MUTATIONS: Mutation[] = [...BYTE_MUTATIONS, forgeIsize, forgeCrc, forgeFlags, secondMember];

/** The generator of case `index`, so any single case can be rebuilt on its own. */
function caseRng(seed: number, index: number): Rng {
  return new Rng((seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0);
}

/** Apply one to three random mutations to a random base file. */
function mutate(
  bases: Base[],
  mutations: Mutation[],
  rng: Rng,
): { base: Base; bytes: Uint8Array; steps: string[] } {
  const base = bases[rng.nextInt(bases.length)];
  let bytes = base.bytes;
  const steps: string[] = [];
  for (let k = 1 + rng.nextInt(3); k > 0; k--) {
    const [out, step] = mutations[rng.nextInt(mutations.length)](bytes, rng);
    bytes = out;
    steps.push(step);
  }
  return { base, bytes, steps };
}

// ---- the harness -------------------------------------------------------------------------------

/** Decode a file as its base kind, checking what a successful decode promises. */
function decodeAs(kind: Kind, bytes: Uint8Array): void {
  if (kind === "images") {
    const { count, pixels } = decodeIdxImages(bytes, "fuzz");
    assert.ok(count >= 1 && count <= MAX_IDX_ITEMS && pixels.length === count * 784, "inconsistent images");
  } else {
    const { count, labels } = decodeIdxLabels(bytes, "fuzz");
    assert.ok(count >= 1 && labels.length === count && labels.every((v) => v < 10), "inconsistent labels");
  }
}

interface FuzzReport {
  decoded: number;
  refused: number;
  /** Distinct refusal messages with their numbers and quoted names blanked out. */
  reasons: Set<string>;
  slowestMs: number;
}

/** Run CASES mutated inputs through `run`, failing on any non-project error or slow case. */
function fuzz(
  label: string,
  bases: Base[],
  mutations: Mutation[],
  run: (base: Base, bytes: Uint8Array) => void,
) {
  const report: FuzzReport = { decoded: 0, refused: 0, reasons: new Set(), slowestMs: 0 };
  const failures: string[] = [];
  for (let i = 0; i < CASES; i++) {
    const { base, bytes, steps } = mutate(bases, mutations, caseRng(SEED, i));
    const where = `${label} seed ${SEED} case ${i} (${steps.join("; ")})`;
    const start = performance.now();
    try {
      run(base, bytes);
      report.decoded++;
    } catch (error) {
      if (!isProjectError(error)) {
        failures.push(`${where}: ${error instanceof Error ? error.stack : String(error)}`);
        continue;
      }
      report.refused++;
      report.reasons.add(error.message.replace(/"[^"]*"/g, '""').replace(/0x[0-9a-f]+|\d+/g, "#"));
    }
    const ms = performance.now() - start;
    report.slowestMs = Math.max(report.slowestMs, ms);
    if (ms > MAX_CASE_MS) failures.push(`${where}: took ${ms.toFixed(1)} ms, over ${MAX_CASE_MS} ms`);
  }
  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failing cases`);
  return report;
}

for (const [kind, reader] of [["images", "decodeIdxImages"], ["labels", "decodeIdxLabels"]] as const) {
  Deno.test(`${reader}() decodes or refuses with a project error ${CASES} mutated ${kind} files`, () => {
    const report = fuzz(kind, idxBases(kind), IDX_MUTATIONS, (base, bytes) => decodeAs(base.kind, bytes));
    // the mutations reach past the header: successes and many distinct refusals
    assert.ok(report.decoded > 100, `only ${report.decoded} decoded`);
    assert.ok(report.reasons.size >= 12, [...report.reasons].join("\n"));
  });
}

Deno.test(`gunzip() decodes or refuses with a project error ${CASES} mutated gzip files`, () => {
  const report = fuzz("gzip", gzipBases(), GZIP_MUTATIONS, (base, bytes) => {
    const out = gunzip(bytes, "fuzz.gz", GZIP_CAP);
    // whatever the strict reader accepts, fflate's lenient reader must read the same way
    assert.deepEqual(out, gunzipSync(bytes), "gunzip() and fflate disagree");
    decodeAs(base.kind, out);
  });
  assert.ok(report.decoded > 50, `only ${report.decoded} decoded`);
  assert.ok(report.reasons.size >= 20, [...report.reasons].join("\n"));
});

// ---- exhaustive checks on one small file -------------------------------------------------------

Deno.test("gunzip(), decodeIdxImages() and decodeIdxLabels() refuse every proper prefix of a valid file", () => {
  const rng = new Rng(SEED);
  const images = idxImages(2, rng, sparsePixel), labels = randomLabels(5, rng);
  const files: [string, Uint8Array, (b: Uint8Array) => unknown][] = [
    ["images", images, (b) => decodeIdxImages(b, "fuzz")],
    ["labels", labels, (b) => decodeIdxLabels(b, "fuzz")],
    ["gzip level 0", gzipSync(images, { level: 0 }), (b) => gunzip(b, "fuzz.gz", GZIP_CAP)],
    ["gzip level 9", gzipSync(images, { level: 9 }), (b) => gunzip(b, "fuzz.gz", GZIP_CAP)],
    ["gzip with every header field", gzipWithAllFields(labels), (b) => gunzip(b, "fuzz.gz", GZIP_CAP)],
  ];
  for (const [what, bytes, read] of files) {
    read(bytes);
    for (let length = 0; length < bytes.length; length++) {
      assert.throws(
        () => read(bytes.subarray(0, length)),
        { name: "FormatError" },
        `${what} cut to ${length}`,
      );
    }
  }
});

Deno.test("gunzip() never returns wrong data for any single-bit flip of a gzip file", () => {
  const data = randomLabels(20, new Rng(SEED));
  const packed = gzipSync(data, { level: 9 });
  // bytes 4-9 (MTIME, XFL, OS) and FLG bit 0 (FTEXT) are informational: flipping them must change nothing
  const informational = (bit: number) => (bit >> 3 >= 4 && bit >> 3 <= 9) || bit === 3 * 8;
  let refused = 0;
  for (let bit = 0; bit < packed.length * 8; bit++) {
    const flipped = packed.slice();
    flipped[bit >> 3] ^= 1 << (bit & 7);
    let out: Uint8Array | undefined;
    try {
      out = gunzip(flipped, "fuzz.gz", GZIP_CAP);
    } catch (error) {
      assert.ok(isProjectError(error), `bit ${bit}: ${error}`);
      assert.ok(!informational(bit), `bit ${bit} is informational but was refused: ${error}`);
      refused++;
      continue;
    }
    // a flip in deflate padding, or one that happens to encode the same bytes, is harmless
    assert.deepEqual(out, data, `bit ${bit} was accepted with different data`);
  }
  // everything but the informational bits and a few harmless deflate bits is refused
  assert.ok(
    refused >= (packed.length - 6) * 8 - 8 - 16,
    `only ${refused} of ${packed.length * 8} flips refused`,
  );
});
