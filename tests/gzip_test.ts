import assert from "node:assert/strict";
import { deflateSync, gzipSync } from "fflate";
import { crc32 } from "../core/formats/crc32.ts";
import { gunzip, isGzip } from "../core/formats/gzip.ts";
import { Rng } from "../core/network/rng.ts";
import { pythonCanImport } from "./_python.ts";
import { withScratchDir } from "./_scratch_dir.ts";

const NAME = "x.gz";
const PREFIX = `Cannot decompress gzip file "${NAME}"`;

const HAVE_PYTHON = await pythonCanImport("zlib");

/** Bytes of mixed entropy: runs, text-like bytes and noise, so encoders use every block type. */
function sampleData(length: number, rng: Rng): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length;) {
    const kind = rng.nextInt(3), run = Math.min(length - i, 1 + rng.nextInt(300));
    for (let j = 0; j < run; j++, i++) {
      out[i] = kind === 0 ? 0 : kind === 1 ? 97 + rng.nextInt(6) : rng.nextInt(256);
    }
  }
  return out;
}

/** Writes bits in deflate order: fields lowest bit first, Huffman codes highest bit first. */
class BitWriter {
  bytes: number[] = [];
  #count = 0;
  bit(b: number): this {
    if (this.#count % 8 === 0) this.bytes.push(0);
    if (b) this.bytes[this.bytes.length - 1] |= 1 << (this.#count % 8);
    this.#count++;
    return this;
  }
  field(value: number, bits: number): this {
    for (let i = 0; i < bits; i++) this.bit((value >> i) & 1);
    return this;
  }
  code(code: number, bits: number): this {
    for (let i = bits - 1; i >= 0; i--) this.bit((code >> i) & 1);
    return this;
  }
  done(): Uint8Array {
    return new Uint8Array(this.bytes);
  }
}

/** A gzip member around a raw deflate stream; the trailer describes `data` unless overridden. */
function frame(
  deflate: Uint8Array,
  data: Uint8Array,
  options: { header?: Uint8Array; crc?: number; isize?: number } = {},
): Uint8Array {
  const header = options.header ?? new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
  const out = new Uint8Array(header.length + deflate.length + 8);
  out.set(header);
  out.set(deflate, header.length);
  const view = new DataView(out.buffer);
  view.setUint32(out.length - 8, options.crc ?? crc32(data), true);
  view.setUint32(out.length - 4, options.isize ?? data.length, true);
  return out;
}

/** A header with the given flag byte followed by the given optional fields. */
function header(flags: number, ...fields: number[][]): Uint8Array {
  return new Uint8Array([0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 3, ...fields.flat()]);
}

const TEXT = new TextEncoder().encode(
  "the quick brown fox jumps over the lazy dog, again and again and again",
);

Deno.test("isGzip() tells gzip bytes by their first two bytes", () => {
  assert.equal(isGzip(gzipSync(TEXT)), true);
  assert.equal(isGzip(new Uint8Array([0x1f, 0x8b])), true);
  assert.equal(isGzip(new Uint8Array([0x1f])), false);
  assert.equal(isGzip(new Uint8Array([0, 0, 8, 3])), false);
  assert.equal(isGzip(new Uint8Array(0)), false);
});

Deno.test("gunzip() round-trips fflate output at every level, from empty to 200 kB", () => {
  const rng = new Rng(1);
  for (const length of [0, 1, 2, 100, 5000, 70_000, 200_000]) {
    const data = sampleData(length, rng);
    for (let level = 0; level <= 9; level++) {
      const packed = gzipSync(data, { level: level as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9, mtime: 0 });
      assert.deepEqual(gunzip(packed, NAME, length), data, `length ${length}, level ${level}`);
    }
  }
});

Deno.test("gunzip() reads the optional header fields FEXTRA, FNAME, FCOMMENT and FHCRC", () => {
  const deflate = deflateSync(TEXT);
  const encode = (text: string) => [...new TextEncoder().encode(text), 0];
  const fields = header(0x02 | 0x04 | 0x08 | 0x10, [3, 0, 65, 66, 67], encode("a.idx"), encode("hi"));
  // FHCRC: the low 16 bits of the CRC-32 of every header byte before it
  const crc16 = crc32(fields) & 0xffff;
  const withHcrc = new Uint8Array([...fields, crc16 & 0xff, crc16 >> 8]);
  assert.deepEqual(gunzip(frame(deflate, TEXT, { header: withHcrc }), NAME, 1000), TEXT);
  assert.deepEqual(gunzip(gzipSync(TEXT, { filename: "digits.idx", mtime: 0 }), NAME, 1000), TEXT);
});

Deno.test(
  "gunzip() round-trips zlib output for every strategy, level and window size",
  { ignore: !HAVE_PYTHON },
  async () => {
    await withScratchDir("gzip_test_", async (dir) => {
      // zlib is an independent encoder: its Huffman trees, block splits and stored blocks differ
      // from fflate's; wbits = 16 + w gives gzip framing
      const script = `
import random, sys, zlib
out = sys.argv[1]
rng = random.Random(3)
def sample(n):
    b = bytearray()
    while len(b) < n:
        k, r = rng.randrange(3), rng.randrange(1, 400)
        b += bytes(r) if k == 0 else bytes(rng.choice(b"abcdef") for _ in range(r)) if k == 1 else rng.randbytes(r)
    return bytes(b[:n])
i = 0
for n in (0, 1, 300, 40000, 150000):
    data = sample(n)
    for strategy in (zlib.Z_DEFAULT_STRATEGY, zlib.Z_FILTERED, zlib.Z_HUFFMAN_ONLY, zlib.Z_RLE, zlib.Z_FIXED):
        for level, wbits, mem in ((0, 15, 8), (1, 9, 1), (6, 15, 8), (9, 15, 9), (9, 10, 2)):
            c = zlib.compressobj(level, zlib.DEFLATED, 16 + wbits, mem, strategy)
            open(f"{out}/{i}.gz", "wb").write(c.compress(data) + c.flush())
            open(f"{out}/{i}.raw", "wb").write(data)
            i += 1
print(i)
`;
      const result = await new Deno.Command("python3", { args: ["-c", script, dir] }).output();
      assert.equal(result.success, true, new TextDecoder().decode(result.stderr));
      const files = Number(new TextDecoder().decode(result.stdout));
      assert.equal(files, 125);
      for (let i = 0; i < files; i++) {
        const raw = await Deno.readFile(`${dir}/${i}.raw`);
        assert.deepEqual(
          gunzip(await Deno.readFile(`${dir}/${i}.gz`), `${i}.gz`, raw.length),
          raw,
          `file ${i}`,
        );
      }
    });
  },
);

Deno.test("gunzip() rejects an empty file", () => {
  assert.throws(() => gunzip(new Uint8Array(0), NAME, 100), {
    name: "FormatError",
    message: `${PREFIX}: file is empty`,
  });
});

Deno.test("gunzip() rejects bytes that do not start with the gzip magic", () => {
  assert.throws(() => gunzip(new Uint8Array([0, 0, 8, 3]), NAME, 100), {
    name: "FormatError",
    message: `${PREFIX}: file starts with "00 00", expected the gzip magic bytes "1f 8b"`,
  });
});

Deno.test("gunzip() rejects a file that ends inside the gzip header", () => {
  const packed = gzipSync(TEXT, { filename: "a.idx" });
  for (const length of [1, 2, 9, 12]) {
    assert.throws(() => gunzip(packed.subarray(0, length), NAME, 1000), {
      name: "FormatError",
      message: `${PREFIX}: file is truncated: it ends inside the gzip header`,
    }, `length ${length}`);
  }
  // FEXTRA declares more bytes than the file holds
  assert.throws(() => gunzip(header(0x04, [200, 0, 1, 2]), NAME, 1000), {
    name: "FormatError",
    message: `${PREFIX}: file is truncated: it ends inside the gzip header`,
  });
});

Deno.test("gunzip() rejects a compression method other than deflate", () => {
  const packed = gzipSync(TEXT);
  packed[2] = 7;
  assert.throws(() => gunzip(packed, NAME, 1000), {
    name: "FormatError",
    message: `${PREFIX}: compression method is 7, expected 8 (deflate)`,
  });
});

Deno.test("gunzip() rejects header flags with a reserved bit set", () => {
  const packed = gzipSync(TEXT);
  packed[3] |= 0x20;
  assert.throws(() => gunzip(packed, NAME, 1000), {
    name: "FormatError",
    message: `${PREFIX}: header flags are 0x20, reserved bits 5 to 7 must be 0`,
  });
});

Deno.test("gunzip() rejects a header CRC-16 that does not match the header", () => {
  const fields = header(0x02, [0x34, 0x12]);
  const actual = crc32(fields.subarray(0, 10)) & 0xffff;
  const packed = frame(deflateSync(TEXT), TEXT, { header: fields });
  assert.throws(() => gunzip(packed, NAME, 1000), {
    name: "FormatError",
    message: `${PREFIX}: header CRC-16 is 0x${actual.toString(16).padStart(4, "0")}, expected 0x1234`,
  });
});

Deno.test("gunzip() rejects a file cut inside the deflate data", () => {
  const packed = gzipSync(sampleData(5000, new Rng(2)));
  assert.throws(() => gunzip(packed.subarray(0, 10 + 100), NAME, 10_000), {
    name: "FormatError",
    message: `${PREFIX}: file is truncated: the deflate data ends early`,
  });
});

Deno.test("gunzip() rejects a file cut inside the trailer", () => {
  const packed = gzipSync(TEXT);
  for (const cut of [1, 4, 8]) {
    assert.throws(() => gunzip(packed.subarray(0, packed.length - cut), NAME, 1000), {
      name: "FormatError",
      message: `${PREFIX}: file is truncated: it ends inside the 8-byte trailer`,
    }, `cut ${cut}`);
  }
});

Deno.test("gunzip() rejects a CRC-32 that does not match the data", () => {
  const actual = crc32(TEXT);
  const packed = frame(deflateSync(TEXT), TEXT, { crc: actual ^ 1 });
  const hex = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, "0")}`;
  assert.throws(() => gunzip(packed, NAME, 1000), {
    name: "FormatError",
    message: `${PREFIX}: CRC-32 is ${hex(actual)}, expected ${hex(actual ^ 1)} from the trailer`,
  });
});

Deno.test("gunzip() rejects a trailer size that does not match the data, larger or smaller", () => {
  for (const isize of [TEXT.length + 1, TEXT.length - 1, 0]) {
    assert.throws(() => gunzip(frame(deflateSync(TEXT), TEXT, { isize }), NAME, 1000), {
      name: "FormatError",
      message: `${PREFIX}: deflate data holds ${TEXT.length} bytes, but the trailer declares ${isize}`,
    });
  }
});

Deno.test("gunzip() refuses a trailer size over the limit before inflating", () => {
  const packed = frame(deflateSync(TEXT), TEXT, { isize: 0xffffffff });
  assert.throws(() => gunzip(packed, NAME, 1000), {
    name: "LimitError",
    message: `${PREFIX}: trailer declares 4294967295 uncompressed bytes, over the limit of 1000`,
  });
});

Deno.test("gunzip() refuses data that inflates past the limit even when the trailer understates it", () => {
  // 1 MB of zeros deflates to about 1 kB: a small bomb with a forged 10-byte trailer
  const zeros = new Uint8Array(1_000_000);
  const packed = frame(deflateSync(zeros), zeros, { isize: 10 });
  assert.throws(() => gunzip(packed, NAME, 4096), {
    name: "LimitError",
    message: `${PREFIX}: data inflates to more than the limit of 4096 bytes`,
  });
  assert.ok(packed.length < 4096);
});

Deno.test("gunzip() rejects a file of two gzip members", () => {
  const one = gzipSync(TEXT);
  const two = new Uint8Array([...one, ...one]);
  assert.throws(() => gunzip(two, NAME, 1000), {
    name: "FormatError",
    message: `${PREFIX}: a second gzip member starts at byte ${one.length}, expected a single member`,
  });
});

Deno.test("gunzip() rejects bytes after the trailer", () => {
  const one = gzipSync(TEXT);
  assert.throws(() => gunzip(new Uint8Array([...one, 0]), NAME, 1000), {
    name: "FormatError",
    message:
      `${PREFIX}: 1 trailing byte follows the gzip member, expected the file to end at byte ${one.length}`,
  });
  assert.throws(() => gunzip(new Uint8Array([...one, 1, 2, 3]), NAME, 1000), {
    name: "FormatError",
    message:
      `${PREFIX}: 3 trailing bytes follow the gzip member, expected the file to end at byte ${one.length}`,
  });
});

Deno.test("gunzip() rejects an invalid maxBytes", () => {
  for (const max of [-1, 1.5, 2 ** 32]) {
    assert.throws(() => gunzip(gzipSync(TEXT), NAME, max), {
      name: "LimitError",
      message: `${PREFIX}: maxBytes is ${max}, expected an integer from 0 to 4294967295`,
    });
  }
});

/** Each crafted deflate stream, and the reason the scanner must give for refusing it. */
const CORRUPT_STREAMS: [string, Uint8Array, string][] = [
  [
    "a reserved block type 3",
    new BitWriter().field(1, 1).field(3, 2).done(),
    "block type is 3, which is reserved",
  ],
  [
    "a stored block whose length and complement disagree",
    new Uint8Array([0x01, 5, 0, 0, 0, 1, 2, 3, 4, 5]),
    "stored block length 5 does not match its one's complement 0",
  ],
  [
    // fixed block: length 3 (code 257 = 0000001) at distance 1 (code 0 = 00000) with no data before it
    "a back-reference before the start of the data",
    new BitWriter().field(1, 1).field(1, 2).code(1, 7).code(0, 5).code(0, 7).done(),
    "distance 1 reaches before the start of the data at byte 0",
  ],
  [
    // fixed block: literal "A" (0x30 + 65, 8 bits), then length code 286 (0b11000110)
    "length code 286",
    new BitWriter().field(1, 1).field(1, 2).code(0x30 + 65, 8).code(0xc6, 8).code(0, 7).done(),
    "length code 286 is invalid",
  ],
  [
    // fixed block: literal "A", length 3, distance code 30 (11110)
    "distance code 30",
    new BitWriter().field(1, 1).field(1, 2).code(0x30 + 65, 8).code(1, 7).code(30, 5).code(0, 7).done(),
    "distance code 30 is invalid",
  ],
  [
    "a dynamic block with 287 literal/length codes",
    new BitWriter().field(1, 1).field(2, 2).field(30, 5).field(0, 5).field(0, 4).done(),
    "block declares 287 literal/length codes, expected at most 286",
  ],
  [
    "a dynamic block with 31 distance codes",
    new BitWriter().field(1, 1).field(2, 2).field(0, 5).field(30, 5).field(0, 4).done(),
    "block declares 31 distance codes, expected at most 30",
  ],
  [
    // code-length code: symbols 16, 17 and 18 all of length 1
    "an over-subscribed code-length code",
    new BitWriter().field(1, 1).field(2, 2).field(0, 5).field(0, 5).field(0, 4).field(1, 3).field(1, 3).field(
      1,
      3,
    )
      .field(0, 3).done(),
    "code-length code is over-subscribed",
  ],
  [
    // code-length code: 0 -> "0", 16 -> "1"; the first length is a repeat (16)
    "a repeat of a previous code length at the start",
    new BitWriter().field(1, 1).field(2, 2).field(0, 5).field(0, 5).field(0, 4).field(1, 3).field(0, 3).field(
      0,
      3,
    )
      .field(1, 3).code(1, 1).field(0, 2).done(),
    "code length repeat has no previous length",
  ],
  [
    // code-length code: 0 -> "0", 18 -> "1"; 138 + 138 zeros overrun the 258 lengths
    "a zero run past the last code length",
    new BitWriter().field(1, 1).field(2, 2).field(0, 5).field(0, 5).field(0, 4).field(0, 3).field(0, 3).field(
      1,
      3,
    )
      .field(1, 3).code(1, 1).field(127, 7).code(1, 1).field(127, 7).done(),
    "code length repeat runs past the last code",
  ],
  [
    // code-length code: 0 -> "0", 18 -> "1"; 138 + 120 zeros leave symbol 256 without a code
    "a dynamic block without an end-of-block code",
    new BitWriter().field(1, 1).field(2, 2).field(0, 5).field(0, 5).field(0, 4).field(0, 3).field(0, 3).field(
      1,
      3,
    )
      .field(1, 3).code(1, 1).field(127, 7).code(1, 1).field(109, 7).done(),
    "block has no end-of-block code",
  ],
  [
    // code-length code: only symbol 0, code "0"; the bit "1" is no code at all
    "bits that match no Huffman code",
    new BitWriter().field(1, 1).field(2, 2).field(0, 5).field(0, 5).field(0, 4).field(0, 3).field(0, 3).field(
      0,
      3,
    )
      .field(1, 3).code(1, 1).field(0, 7).done(),
    "a Huffman code matches no symbol",
  ],
];

for (const [what, deflate, reason] of CORRUPT_STREAMS) {
  Deno.test(`gunzip() rejects deflate data with ${what}`, () => {
    assert.throws(() => gunzip(frame(deflate, new Uint8Array(0)), NAME, 1000), {
      name: "FormatError",
      message: `${PREFIX}: deflate data is corrupt: ${reason}`,
    });
  });
}
