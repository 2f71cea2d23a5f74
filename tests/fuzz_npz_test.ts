import { concatBytes } from "../core/base/bytes.ts";
import assert from "node:assert/strict";
import { Zip, ZipDeflate, zipSync } from "fflate";
import { isProjectError } from "../core/base/errors.ts";
import { D, K, type Params } from "../core/network/network.ts";
import { encodeNpy } from "../core/formats/npy.ts";
import { Rng } from "../core/network/rng.ts";
import { decodeWeights } from "../core/training/weights.ts";
import { encodeZip } from "../core/formats/zip.ts";

// Seeded mutation fuzzing of the weights loader: every outcome must be a success or one of the
// project's own errors, never an engine error (RangeError from a typed array, TypeError from
// undefined, an fflate Error) and never a hang.

const SEED = 20_240_611;
const CASES = 10_500;
// far above the ~0.1-2 ms a case takes, far below a hang
const MAX_CASE_MS = 1_000;

type Entries = [string, Uint8Array][];
type Builder = (entries: Entries) => Uint8Array;

const MTIME = new Date(1980, 0, 1);

/** The three ways an archive is laid out: our stored writer, fflate's deflate, fflate's streaming (data descriptors). */
const BUILDERS: Record<string, Builder> = {
  stored: (entries) => encodeZip(entries.map(([name, data]) => ({ name, data }))),
  deflated: (entries) =>
    zipSync(Object.fromEntries(entries.map(([name, data]) => [name, [data, { level: 6, mtime: MTIME }]]))),
  streamed: (entries) => {
    const chunks: Uint8Array[] = [];
    const zip = new Zip((error, chunk) => {
      if (error) throw error;
      chunks.push(chunk);
    });
    for (const [name, data] of entries) {
      const file = new ZipDeflate(name, { level: 6 });
      file.mtime = MTIME;
      zip.add(file);
      file.push(data, true);
    }
    zip.end();
    return concatBytes(chunks);
  },
};

function smallParams(rng: Rng): Params {
  const h = 4;
  const fill = (n: number) => Float32Array.from({ length: n }, () => rng.nextNormal());
  // draw order w0, b0, w1, b1: the seeded mutations below depend on it
  const w0 = fill(D * h), b0 = fill(h), w1 = fill(h * K), b1 = fill(K);
  return { sizes: [D, h, K], w: [w0, w1], b: [b0, b1] };
}

function npyEntries(p: Params): Entries {
  return [
    ["w0.npy", encodeNpy([D, p.sizes[1]], p.w[0])],
    ["b0.npy", encodeNpy([p.sizes[1]], p.b[0])],
    ["w1.npy", encodeNpy([p.sizes[1], K], p.w[1])],
    ["b1.npy", encodeNpy([K], p.b[1])],
  ];
}

/** Offsets of every zip signature (local, central, end, descriptor) in the bytes: the targets of header mutations. */
function signatures(zip: Uint8Array): number[] {
  const found: number[] = [];
  for (let i = 0; i + 4 <= zip.length; i++) {
    if (
      zip[i] === 0x50 && zip[i + 1] === 0x4b && [1, 3, 5, 7].includes(zip[i + 2]) &&
      zip[i + 3] === zip[i + 2] + 1
    ) {
      found.push(i);
    }
  }
  return found;
}

const INTERESTING_32 = [0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const HEADER_CHARS = "(),:'\"0123456789-{}[] L\nTrueFalsNo<>fiO|\\x";

interface Case {
  kind: string;
  bytes: Uint8Array;
}

/** One seeded mutation of a valid archive (`base`) or of its npy members (`entries`, rebuilt with valid CRCs). */
function mutate(rng: Rng, base: Uint8Array, entries: Entries, build: Builder): Case {
  const kind = rng.nextInt(9);
  const bytes = base.slice();
  const view = new DataView(bytes.buffer);
  const sigs = signatures(base);
  const pick = <T>(items: readonly T[]): T => items[rng.nextInt(items.length)];
  const u32 = () => (rng.nextInt(2) ? pick(INTERESTING_32) : rng.nextUint32());
  switch (kind) {
    case 0: // truncation
      return { kind: "truncate", bytes: bytes.subarray(0, rng.nextInt(bytes.length)) };
    case 1: { // random bit flips anywhere
      for (let n = 1 + rng.nextInt(8); n > 0; n--) bytes[rng.nextInt(bytes.length)] ^= 1 << rng.nextInt(8);
      return { kind: "bit flips", bytes };
    }
    case 2: { // byte changes inside zip headers
      for (let n = 1 + rng.nextInt(4); n > 0; n--) {
        const at = Math.min(bytes.length - 1, pick(sigs) + rng.nextInt(46));
        bytes[at] = rng.nextInt(2) ? rng.nextInt(256) : bytes[at] ^ 0xff;
      }
      return { kind: "header bytes", bytes };
    }
    case 3: { // forged size fields (local: +18/+22, central: +20/+24, end: counts, size, offset)
      const at = pick(sigs);
      const sig = bytes[at + 2];
      const field = sig === 1
        ? pick([20, 24])
        : sig === 3
        ? pick([18, 22])
        : sig === 5
        ? pick([8, 10, 12, 16])
        : 8;
      if (sig === 5 && field <= 10) view.setUint16(at + field, rng.nextInt(0x10000), true);
      else if (at + field + 4 <= bytes.length) view.setUint32(at + field, u32(), true);
      return { kind: "forged size", bytes };
    }
    case 4: { // forged CRC in the local header, the central header or both
      const at = pick(sigs);
      const field = bytes[at + 2] === 1 ? 16 : bytes[at + 2] === 3 ? 14 : 4;
      if (at + field + 4 <= bytes.length) view.setUint32(at + field, u32(), true);
      return { kind: "forged crc", bytes };
    }
    case 5: { // forged npy header length or version, rebuilt with valid CRCs
      const copy = entries.map(([n, d]) => [n, d.slice()] as [string, Uint8Array]);
      const npy = pick(copy)[1];
      if (rng.nextInt(3) === 0) npy[6] = pick([0, 1, 2, 3, 4, 255]);
      const v = new DataView(npy.buffer);
      if (rng.nextInt(2)) {
        v.setUint16(
          8,
          rng.nextInt(2) ? rng.nextInt(0x10000) : v.getUint16(8, true) + rng.nextInt(5) - 2,
          true,
        );
      } else v.setUint32(8, u32(), true);
      return { kind: "forged npy length", bytes: build(copy) };
    }
    case 6: { // swapped magic: zip signatures exchanged, or the npy magic string damaged
      if (rng.nextInt(2)) {
        const a = pick(sigs), b = pick(sigs.filter((x) => bytes[x + 2] !== bytes[a + 2]));
        const t = bytes.slice(a, a + 4);
        bytes.copyWithin(a, b, b + 4);
        bytes.set(t, b);
        return { kind: "swapped zip magic", bytes };
      }
      const copy = entries.map(([n, d]) => [n, d.slice()] as [string, Uint8Array]);
      const npy = pick(copy)[1];
      const i = rng.nextInt(6), j = rng.nextInt(6);
      [npy[i], npy[j]] = [npy[j], npy[i] ^ (i === j ? 1 : 0)];
      return { kind: "swapped npy magic", bytes: build(copy) };
    }
    case 7: { // npy header text edits, rebuilt with valid CRCs
      const copy = entries.map(([n, d]) => [n, d.slice()] as [string, Uint8Array]);
      const npy = pick(copy)[1];
      const headerEnd = 10 + (npy[8] | (npy[9] << 8));
      for (let n = 1 + rng.nextInt(3); n > 0; n--) {
        npy[10 + rng.nextInt(headerEnd - 10)] = HEADER_CHARS.charCodeAt(rng.nextInt(HEADER_CHARS.length));
      }
      return { kind: "npy header text", bytes: build(copy) };
    }
    default: { // npy data length or values changed, rebuilt with valid CRCs
      const copy = entries.map(([n, d]) => [n, d.slice()] as [string, Uint8Array]);
      const i = rng.nextInt(copy.length);
      const npy = copy[i][1];
      if (rng.nextInt(2)) copy[i][1] = npy.subarray(0, npy.length - 1 - rng.nextInt(8));
      else npy[128 + rng.nextInt(npy.length - 128)] = 0xff; // may make a NaN
      return { kind: "npy data", bytes: build(copy) };
    }
  }
}

Deno.test(`decodeWeights() survives ${CASES} seeded mutations of stored, deflated and streamed archives`, () => {
  const rng = new Rng(SEED);
  const params = smallParams(rng);
  const entries = npyEntries(params);
  const bases = Object.entries(BUILDERS).map(([name, build]) => ({ name, build, bytes: build(entries) }));
  for (const base of bases) {
    const back = decodeWeights(base.bytes, `${base.name}.npz`);
    assert.deepEqual(back.w[0], params.w[0], `the ${base.name} base archive must load`);
  }
  // the streamed base really uses data descriptors (general purpose flag bit 3)
  assert.equal(bases[2].bytes[6] & 0x08, 0x08);

  const outcomes: Record<string, number> = {};
  let slowest = 0;
  for (let i = 0; i < CASES; i++) {
    const base = bases[i % bases.length];
    const { kind, bytes } = mutate(rng, base.bytes, entries, base.build);
    const started = performance.now();
    let outcome: string;
    try {
      const p = decodeWeights(bytes, "fuzz.npz");
      // a success must still be a well-formed parameter set
      const layers = p.sizes.length - 1;
      assert.ok(layers >= 2, `case ${i}`);
      assert.equal(p.sizes[0], D, `case ${i}`);
      assert.equal(p.sizes[layers], K, `case ${i}`);
      assert.ok(p.sizes.every((h) => Number.isInteger(h) && h >= 1), `case ${i}`);
      assert.equal(p.w.length, layers, `case ${i}`);
      assert.equal(p.b.length, layers, `case ${i}`);
      for (let l = 0; l < layers; l++) {
        assert.equal(p.w[l].length, p.sizes[l] * p.sizes[l + 1], `case ${i}`);
        assert.equal(p.b[l].length, p.sizes[l + 1], `case ${i}`);
      }
      for (const a of [...p.w, ...p.b]) {
        assert.ok(a instanceof Float32Array, `case ${i}: not float32`);
        assert.ok(a.every(Number.isFinite), `case ${i}: non-finite value`);
      }
      outcome = "loaded";
    } catch (error) {
      if (!isProjectError(error)) {
        assert.fail(
          `case ${i} (${base.name}, ${kind}) threw a non-project error: ${(error as Error)?.stack ?? error}`,
        );
      }
      assert.doesNotMatch(error.message, /undefined|NaN bytes|\[object/, `case ${i}: ${error.message}`);
      outcome = error.name;
    }
    if (kind === "truncate") assert.notEqual(outcome, "loaded", `case ${i}: a truncated archive loaded`);
    const ms = performance.now() - started;
    slowest = Math.max(slowest, ms);
    assert.ok(ms < MAX_CASE_MS, `case ${i} (${base.name}, ${kind}) took ${ms.toFixed(0)} ms`);
    const key = `${kind}: ${outcome}`;
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  }
  // every mutation kind was tried, and most mutations were caught
  const kinds = new Set(Object.keys(outcomes).map((k) => k.split(":")[0]));
  assert.equal(kinds.size, 10, [...kinds].join(", "));
  const loaded = Object.entries(outcomes).filter(([k]) => k.endsWith("loaded")).reduce(
    (n, [, v]) => n + v,
    0,
  );
  assert.ok(loaded < CASES / 4, `${loaded} of ${CASES} mutated archives loaded`);
  assert.ok(slowest < MAX_CASE_MS);
});
