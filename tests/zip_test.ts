import assert from "node:assert/strict";
import { deflateSync } from "fflate";
import { crc32 } from "../core/formats/crc32.ts";
import {
  decodeZip,
  encodeZip,
  listZip,
  readZipEntry,
  readZipEntryStart,
  type ZipLimits,
} from "../core/formats/zip.ts";
import { Rng } from "../core/network/rng.ts";
import { fromBase64, python, pythonCanImport } from "./_python.ts";

// ---- python3, when present ----

/** The tests that compare with python's zipfile skip themselves where python3 is missing. */
const ignore = !(await pythonCanImport("zipfile"));

// ---- reading an archive's layout independently of core/formats/zip.ts, to patch fields ----

interface Layout {
  /** Offset of each entry's local header, in central-directory order. */
  local: number[];
  /** Offset of each central-directory header. */
  central: number[];
  /** Offset of the end-of-central-directory record. */
  end: number;
}

function layout(zip: Uint8Array): Layout {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const end = zip.length - 22;
  assert.equal(view.getUint32(end, true), 0x06054b50);
  const count = view.getUint16(end + 10, true);
  let p = view.getUint32(end + 16, true);
  const local: number[] = [], central: number[] = [];
  for (let i = 0; i < count; i++) {
    central.push(p);
    local.push(view.getUint32(p + 42, true));
    p += 46 + view.getUint16(p + 28, true) + view.getUint16(p + 30, true) + view.getUint16(p + 32, true);
  }
  return { local, central, end };
}

function set16(bytes: Uint8Array, at: number, value: number): void {
  new DataView(bytes.buffer, bytes.byteOffset).setUint16(at, value, true);
}

function set32(bytes: Uint8Array, at: number, value: number): void {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(at, value, true);
}

const LIMITS: ZipLimits = { maxEntries: 100, maxTotalBytes: 1 << 24 };
const text = (s: string) => new TextEncoder().encode(s);

function sample(): Uint8Array {
  return encodeZip([{ name: "a.txt", data: text("hello") }, {
    name: "b.bin",
    data: new Uint8Array([1, 2, 3]),
  }]);
}

function assertFails(zip: Uint8Array, type: string, state: string, limits: ZipLimits = LIMITS) {
  assert.throws(() => decodeZip(zip, "t.zip", limits), {
    name: type,
    message: `Cannot read zip archive "t.zip": ${state}`,
  });
}

// ---- writing ----

Deno.test("encodeZip() gives identical bytes for identical input, entries in the given order", () => {
  const entries = [{ name: "z.npy", data: text("zz") }, { name: "a.npy", data: text("a") }];
  const first = encodeZip(entries), second = encodeZip(entries);
  assert.deepEqual(first, second);
  assert.deepEqual([...decodeZip(first, "t.zip", LIMITS).keys()], ["z.npy", "a.npy"]);
  // stored entries, no extra fields: 30 + name + data per local header, 46 + name per central header, 22 at the end
  assert.equal(first.length, 30 + 5 + 2 + 30 + 5 + 1 + 46 + 5 + 46 + 5 + 22);
});

Deno.test("encodeZip() writes a stored entry with the fixed 1980-01-01 timestamp and its CRC-32", () => {
  const zip = encodeZip([{ name: "a", data: text("123456789") }]);
  const view = new DataView(zip.buffer);
  assert.equal(view.getUint32(0, true), 0x04034b50);
  assert.equal(view.getUint16(8, true), 0); // stored
  assert.equal(view.getUint16(10, true), 0); // 00:00:00
  assert.equal(view.getUint16(12, true), (0 << 9) | (1 << 5) | 1); // 1980-01-01
  assert.equal(view.getUint32(14, true), 0xcbf43926);
  assert.equal(view.getUint16(28, true), 0); // no extra field
});

Deno.test({
  name: "encodeZip() output passes Python's zipfile checks, names, dates and contents",
  ignore,
  fn: async () => {
    const zip = encodeZip([
      { name: "w0.npy", data: text("first") },
      { name: "dir/ünï.npy", data: new Uint8Array(1000).fill(7) },
      { name: "empty", data: new Uint8Array(0) },
    ]);
    const out = await python(
      `z = zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read()))
print(json.dumps({"bad": z.testzip(), "names": z.namelist(), "dates": [list(i.date_time) for i in z.infolist()],
  "methods": [i.compress_type for i in z.infolist()], "first": z.read("w0.npy").decode(), "sum": sum(z.read("dir/ünï.npy"))}))`,
      zip,
    );
    assert.deepEqual(out, {
      bad: null,
      names: ["w0.npy", "dir/ünï.npy", "empty"],
      dates: [[1980, 1, 1, 0, 0, 0], [1980, 1, 1, 0, 0, 0], [1980, 1, 1, 0, 0, 0]],
      methods: [0, 0, 0],
      first: "first",
      sum: 7000,
    });
  },
});

Deno.test("encodeZip() rejects empty and repeated names", () => {
  assert.throws(() => encodeZip([{ name: "", data: new Uint8Array(0) }]), {
    name: "FormatError",
    message: "Cannot write zip archive: an entry has an empty name",
  });
  assert.throws(
    () => encodeZip([{ name: "a", data: new Uint8Array(0) }, { name: "a", data: new Uint8Array(0) }]),
    {
      name: "FormatError",
      message: `Cannot write zip archive: entry "a" appears twice`,
    },
  );
});

// ---- reading what Python writes ----

Deno.test({
  name: "decodeZip() reads Python's stored, deflated, zip64-extra and streamed (data descriptor) archives",
  ignore,
  fn: async () => {
    const out = await python(`
class Pipe(io.RawIOBase):  # write-only and not seekable, like stdout into a pipe: zipfile uses data descriptors
    def __init__(self): self.buf = bytearray()
    def writable(self): return True
    def write(self, b): self.buf += b; return len(b)
big = bytes((i * 7919 + (i >> 8)) % 251 for i in range(300000))
import random
noise = random.Random(1).randbytes(100000)  # incompressible: the deflate data spans several 16 KiB chunks
files = {"small.npy": b"hello npz", "big.npy": big, "zeros.npy": bytes(1000000), "empty.npy": b"", "ünï.npy": b"u",
  "noise.npy": noise}
out = {"noise": base64.b64encode(noise).decode()}
for method in [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]:
    for zip64 in [False, True]:
        for pipe in [False, True]:
            f = Pipe() if pipe else io.BytesIO()
            with zipfile.ZipFile(f, "w", compression=method) as z:
                for name, data in files.items():
                    with z.open(name, "w", force_zip64=zip64) as w: w.write(data)
            out[json.dumps([method, zip64, pipe])] = base64.b64encode(bytes(f.buf) if pipe else f.getvalue()).decode()
print(json.dumps(out))`);
    const big = new Uint8Array(300000).map((_, i) => (i * 7919 + (i >> 8)) % 251);
    const noise = fromBase64(out.noise);
    delete out.noise;
    for (const [key, blob] of Object.entries(out)) {
      const zip = fromBase64(blob);
      const files = decodeZip(zip, "p.zip", { maxEntries: 6, maxTotalBytes: 1_400_010 });
      assert.deepEqual(
        [...files.keys()],
        ["small.npy", "big.npy", "zeros.npy", "empty.npy", "ünï.npy", "noise.npy"],
        key,
      );
      assert.deepEqual(files.get("noise.npy"), noise, key);
      assert.equal(new TextDecoder().decode(files.get("small.npy")), "hello npz", key);
      assert.deepEqual(files.get("big.npy"), big, key);
      assert.deepEqual(files.get("zeros.npy"), new Uint8Array(1000000), key);
      assert.equal(files.get("empty.npy")!.length, 0, key);
    }
    assert.equal(Object.keys(out).length, 8);
  },
});

Deno.test("decodeZip() reads names without the UTF-8 flag as code page 437", () => {
  const zip = encodeZip([{ name: "x.npy", data: text("a") }]);
  const { local, central } = layout(zip);
  zip[local[0] + 30] = zip[central[0] + 46] = 0x81; // "ü" in code page 437
  assert.deepEqual([...decodeZip(zip, "t.zip", LIMITS).keys()], ["ü.npy"]);
});

Deno.test("readZipEntryStart() uncompresses only the first bytes of a deflated entry", () => {
  const data = new Uint8Array(200_000).map((_, i) => i % 13);
  const zip = deflatedZip("d.bin", data);
  const [entry] = listZip(zip, "t.zip", LIMITS);
  assert.equal(entry.method, 8);
  assert.deepEqual(readZipEntryStart(zip, "t.zip", entry, 100), data.subarray(0, 100));
  assert.deepEqual(readZipEntryStart(zip, "t.zip", entry, 1 << 30).length, 200_000);
  assert.deepEqual(readZipEntry(zip, "t.zip", entry), data);
});

/** A zip of one deflated entry, laid out by hand (no extra fields, no data descriptor). */
function deflatedZip(name: string, data: Uint8Array, compressed = deflateSync(data)): Uint8Array {
  const stored = encodeZip([{ name, data: compressed }]);
  const { local, central } = layout(stored);
  for (const h of [local[0], central[0]]) {
    const shift = h === central[0] ? 2 : 0; // central headers have "version made by" first
    set16(stored, h + 8 + shift, 8);
    set32(stored, h + 14 + shift, crc32(data));
    set32(stored, h + 22 + shift, data.length);
  }
  return stored;
}

// ---- refusing bad archives ----

Deno.test("decodeZip() rejects a file that is not a zip archive", () => {
  assertFails(
    text("<html>hello</html>"),
    "FormatError",
    `file starts with 3c 68 74 6d, expected a zip signature 50 4b 03 04 ("PK\\x03\\x04")`,
  );
  assertFails(new Uint8Array([0x50, 0x4b]), "FormatError", "file is 2 bytes, too short for a zip archive");
});

Deno.test("decodeZip() rejects an archive without an end-of-central-directory record", () => {
  const zip = sample();
  assertFails(
    zip.subarray(0, zip.length - 1),
    "FormatError",
    "no end-of-central-directory record found, the file may be truncated",
  );
  assertFails(
    zip.subarray(0, 40),
    "FormatError",
    "no end-of-central-directory record found, the file may be truncated",
  );
  // an end record whose comment length does not reach the end of the file does not count
  const padded = new Uint8Array([...zip, 0]);
  assertFails(padded, "FormatError", "no end-of-central-directory record found, the file may be truncated");
});

Deno.test("decodeZip() finds the end record behind an archive comment", () => {
  const zip = sample();
  const comment = text("PK\x05\x06 a comment that holds the end record's signature");
  const withComment = new Uint8Array([...zip, ...comment]);
  set16(withComment, zip.length - 2, comment.length);
  assert.deepEqual([...decodeZip(withComment, "t.zip", LIMITS).keys()], ["a.txt", "b.bin"]);
});

Deno.test("decodeZip() rejects an entry whose CRC-32 does not match its data", () => {
  const zip = sample();
  zip[layout(zip).local[0] + 30 + 5] ^= 0x20; // "hello" -> "Hello"
  assertFails(
    zip,
    "FormatError",
    `entry "a.txt" fails its CRC-32 check: computed 0xf7d18982, stored 0x3610a686`,
  );
});

Deno.test("decodeZip() rejects sizes that disagree between headers or with the data", () => {
  let zip = sample();
  set32(zip, layout(zip).local[1] + 22, 4);
  assertFails(
    zip,
    "FormatError",
    `entry "b.bin": uncompressed size is 4 in the local header, 3 in the central directory`,
  );
  zip = sample();
  set32(zip, layout(zip).local[0] + 14, 1);
  assertFails(
    zip,
    "FormatError",
    `entry "a.txt": CRC-32 is 1 in the local header, 907060870 in the central directory`,
  );
  zip = sample();
  set32(zip, layout(zip).central[1] + 24, 2);
  assertFails(
    zip,
    "FormatError",
    `entry "b.bin" is stored but its compressed size 3 differs from its size 2`,
  );
  zip = sample();
  const c = layout(zip).central[1];
  set32(zip, c + 20, 2);
  set32(zip, c + 24, 2);
  assertFails(
    zip,
    "FormatError",
    `entry "b.bin": uncompressed size is 3 in the local header, 2 in the central directory`,
  );
});

Deno.test("decodeZip() rejects deflated data that makes more or fewer bytes than declared", () => {
  const data = new Uint8Array(5000).fill(9);
  const zip = deflatedZip("d.bin", data);
  const { local, central } = layout(zip);
  set32(zip, local[0] + 22, 4000);
  set32(zip, central[0] + 24, 4000);
  assertFails(zip, "FormatError", `entry "d.bin" inflates to more than its declared 4000 bytes`);
  set32(zip, local[0] + 22, 6000);
  set32(zip, central[0] + 24, 6000);
  assertFails(zip, "FormatError", `entry "d.bin" inflates to 5000 bytes, expected 6000`);
});

Deno.test("decodeZip() rejects corrupt deflate data, and an fflate error never escapes", () => {
  const data = new Uint8Array(5000).map((_, i) => i % 7);
  const compressed = deflateSync(data);
  assertFails(
    deflatedZip("d.bin", data, compressed.subarray(0, 10)),
    "FormatError",
    `entry "d.bin" is not valid deflate data (unexpected EOF)`,
  );
  assertFails(
    deflatedZip("d.bin", data, new Uint8Array(100).fill(0xff)),
    "FormatError",
    `entry "d.bin" is not valid deflate data (invalid block type)`,
  );
});

Deno.test("decodeZip() rejects compression methods other than stored and deflate", () => {
  const zip = sample();
  const { local, central } = layout(zip);
  set16(zip, local[0] + 8, 12);
  set16(zip, central[0] + 10, 12);
  assertFails(
    zip,
    "FormatError",
    `entry "a.txt" uses compression method 12, expected 0 (stored) or 8 (deflate)`,
  );
});

Deno.test("decodeZip() rejects encrypted entries", () => {
  for (const flag of [0x0001, 0x0041, 0x2000]) {
    const zip = sample();
    const { local, central } = layout(zip);
    set16(zip, local[1] + 6, flag);
    set16(zip, central[1] + 8, flag);
    assertFails(zip, "FormatError", `entry "b.bin" is encrypted, which is not supported`);
  }
  const zip = sample();
  set16(zip, layout(zip).central[1] + 8, 0x0010);
  assertFails(zip, "FormatError", `entry "b.bin" has the unsupported flags 0x10`);
  const other = sample();
  set16(other, layout(other).local[1] + 6, 0x0800);
  assertFails(
    other,
    "FormatError",
    `entry "b.bin": flags are 0x800 in the local header, 0x0 in the central directory`,
  );
});

Deno.test("decodeZip() rejects two entries with the same name", () => {
  const zip = encodeZip([{ name: "w0.npy", data: text("1") }, { name: "w1.npy", data: text("2") }]);
  const { local, central } = layout(zip);
  zip[local[1] + 31] = zip[central[1] + 47] = "0".charCodeAt(0);
  assertFails(zip, "FormatError", `entry "w0.npy" appears twice`);
});

Deno.test({
  name: "decodeZip() rejects Python's archives with a repeated name",
  ignore,
  fn: async () => {
    const out = await python(`warnings.simplefilter("ignore")
f = io.BytesIO()
with zipfile.ZipFile(f, "w") as z:
    z.writestr("w0.npy", b"one"); z.writestr("w0.npy", b"two")
print(json.dumps({"zip": base64.b64encode(f.getvalue()).decode()}))`);
    assertFails(fromBase64(out.zip), "FormatError", `entry "w0.npy" appears twice`);
  },
});

Deno.test("decodeZip() rejects offsets that overlap or fall outside the archive", () => {
  // entry "a" holds a complete local header of "b" as its data; b's directory entry points into it
  const inner = encodeZip([{ name: "b", data: text("xyz") }]).subarray(0, 30 + 1 + 3);
  let zip = encodeZip([{ name: "a", data: inner }, { name: "b", data: text("xyz") }]);
  set32(zip, layout(zip).central[1] + 42, 31);
  assertFails(zip, "FormatError", `entries "a" and "b" overlap`);

  zip = sample();
  const { central, end } = layout(zip);
  set32(zip, central[1] + 42, end + 5);
  assertFails(zip, "FormatError", `entry "b.bin": no local file header at offset ${end + 5}`);
  zip = sample();
  set32(zip, central[1] + 42, 3);
  assertFails(zip, "FormatError", `entry "b.bin": no local file header at offset 3`);
  zip = sample();
  set32(zip, end + 16, central[0] + 1);
  assertFails(
    zip,
    "FormatError",
    `central directory at offset ${central[0] + 1} of ${
      end - central[0]
    } bytes does not end where the end record starts (offset ${end})`,
  );
  zip = sample();
  set32(zip, central[1] + 20, 300);
  set32(zip, central[1] + 24, 300);
  set32(zip, layout(zip).local[1] + 18, 300);
  set32(zip, layout(zip).local[1] + 22, 300);
  assertFails(zip, "FormatError", `entry "b.bin": its 300 bytes of data run past offset ${central[0]}`);
  zip = sample();
  set16(zip, central[1] + 28, 300);
  assertFails(zip, "FormatError", `central directory entry 1 runs past the end of the directory`);
  zip = sample();
  set16(zip, end + 8, 3);
  set16(zip, end + 10, 3);
  assertFails(zip, "FormatError", `central directory entry 2 at offset ${end} is not a file header`);
  zip = sample();
  set16(zip, end + 8, 1);
  set16(zip, end + 10, 1);
  assertFails(zip, "FormatError", `central directory has ${end - central[1]} bytes after its 1 entries`);
});

Deno.test("decodeZip() rejects multi-disk and zip64 end records", () => {
  let zip = sample();
  set16(zip, layout(zip).end + 4, 1);
  assertFails(zip, "FormatError", "it spans several disks, which is not supported");
  zip = sample();
  set16(zip, layout(zip).end + 8, 1);
  assertFails(zip, "FormatError", "it spans several disks, which is not supported");
  zip = sample();
  set32(zip, layout(zip).end + 16, 0xffffffff);
  assertFails(zip, "FormatError", "it has a zip64 end-of-central-directory record, which is not supported");
});

Deno.test("decodeZip() checks zip64 extra fields and data descriptors against the central directory", () => {
  // rebuild sample() with a local zip64 extra field (both sizes), as Python writes for numpy
  const base = encodeZip([{ name: "a", data: text("hey") }]);
  const extra = new Uint8Array(20);
  set16(extra, 0, 1);
  set16(extra, 2, 16);
  set32(extra, 4, 3);
  set32(extra, 12, 3);
  const zip = new Uint8Array([...base.subarray(0, 31), ...extra, ...base.subarray(31)]);
  set16(zip, 28, 20); // extra field length
  set32(zip, 18, 0xffffffff); // sizes moved to the zip64 field
  set32(zip, 22, 0xffffffff);
  set32(zip, zip.length - 22 + 16, 30 + 1 + 20 + 3); // the central directory moved by 20 bytes
  assert.equal(new TextDecoder().decode(decodeZip(zip, "t.zip", LIMITS).get("a")), "hey");
  const wrong = zip.slice();
  set32(wrong, 31 + 4, 4);
  assertFails(
    wrong,
    "FormatError",
    `entry "a": uncompressed size is 4 in the local header, 3 in the central directory`,
  );
  const torn = zip.slice();
  set16(torn, 31 + 2, 30);
  assertFails(torn, "FormatError", `entry "a": its extra field is malformed`);
});

Deno.test({
  name: "decodeZip() rejects a data descriptor that disagrees with the central directory",
  ignore,
  fn: async () => {
    const out = await python(`
class Pipe(io.RawIOBase):
    def __init__(self): self.buf = bytearray()
    def writable(self): return True
    def write(self, b): self.buf += b; return len(b)
f = Pipe()
with zipfile.ZipFile(f, "w") as z:
    with z.open("a.npy", "w") as w: w.write(b"abc")
print(json.dumps({"zip": base64.b64encode(bytes(f.buf)).decode()}))`);
    const zip = fromBase64(out.zip);
    const descriptor = 30 + 5 + 3;
    assert.deepEqual(Array.from(zip.subarray(descriptor, descriptor + 4)), [0x50, 0x4b, 0x07, 0x08]);
    assert.equal(decodeZip(zip, "t.zip", LIMITS).get("a.npy")!.length, 3);
    zip[descriptor + 8] ^= 1; // compressed size
    assertFails(
      zip,
      "FormatError",
      `entry "a.npy": its data descriptor disagrees with the central directory`,
    );
  },
});

Deno.test("decodeZip() enforces the entry count, total size and per-entry caps before uncompressing", () => {
  const zip = sample();
  assertFails(zip, "LimitError", "it has 2 entries, over the limit of 1", {
    maxEntries: 1,
    maxTotalBytes: 100,
  });
  assertFails(zip, "LimitError", "its entries declare at least 8 bytes, over the limit of 7", {
    maxEntries: 2,
    maxTotalBytes: 7,
  });
  assertFails(zip, "LimitError", `entry "a.txt" declares 5 bytes, over its limit of 4`, {
    ...LIMITS,
    maxEntryBytes: () => 4,
  });
  // a deflate bomb's declared size is checked before a single byte is inflated
  const bomb = deflatedZip("bomb", new Uint8Array(10_000_000));
  assertFails(bomb, "LimitError", "its entries declare at least 10000000 bytes, over the limit of 9999999", {
    maxEntries: 1,
    maxTotalBytes: 9_999_999,
  });
  assert.ok(bomb.length < 20_000);
  // a size no deflate stream of that length can reach is refused before allocating it
  const liar = deflatedZip("liar", text("x"));
  const { local, central } = layout(liar);
  set32(liar, local[0] + 22, 500_000_000);
  set32(liar, central[0] + 24, 500_000_000);
  assertFails(
    liar,
    "FormatError",
    `entry "liar" declares 500000000 bytes from 3 compressed bytes, more than deflate can produce`,
    { maxEntries: 1, maxTotalBytes: 1 << 30 },
  );
});

Deno.test("decodeZip() round-trips random archives made by encodeZip()", () => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 50; trial++) {
    const entries = Array.from({ length: rng.nextInt(5) }, (_, i) => ({
      name: `e${i}-${rng.nextInt(1000)}.npy`,
      data: new Uint8Array(rng.nextInt(300)).map(() => rng.nextInt(256)),
    }));
    const files = decodeZip(encodeZip(entries), "r.zip", LIMITS);
    assert.deepEqual([...files.entries()], entries.map((e) => [e.name, e.data]));
  }
});
