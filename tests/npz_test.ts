import assert from "node:assert/strict";
import { deflateSync } from "fflate";
import { crc32 } from "../core/formats/crc32.ts";
import { encodeNpy } from "../core/formats/npy.ts";
import { decodeNpz, encodeNpz, listNpz } from "../core/formats/npz.ts";
import { encodeZip } from "../core/formats/zip.ts";
import { fromBase64, pythonCanImport, pythonNumpy } from "./_python.ts";

// ---- python3 with numpy, when present ----

/** The tests that compare with numpy skip themselves where python3 or numpy is missing. */
const ignore = !(await pythonCanImport("numpy"));

/** A zip of one deflated entry, laid out by hand; `size` is the uncompressed size it declares. */
function deflatedZip(name: string, data: Uint8Array, size = data.length): Uint8Array {
  const zip = encodeZip([{ name, data: deflateSync(data) }]);
  const view = new DataView(zip.buffer);
  const central = view.getUint32(zip.length - 22 + 16, true);
  for (const [h, shift] of [[0, 0], [central, 2]]) {
    view.setUint16(h + 8 + shift, 8, true); // method: deflate
    view.setUint32(h + 14 + shift, crc32(data), true);
    view.setUint32(h + 22 + shift, size, true);
  }
  return zip;
}

const ARRAYS = [
  { name: "w0", shape: [3, 2], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
  { name: "b0", shape: [2], data: new Float32Array([-0.5, 0.25]) },
  { name: "scalar", shape: [], data: new Float32Array([7]) },
  { name: "empty", shape: [0, 4], data: new Float32Array(0) },
];

// ---- writing ----

Deno.test("encodeNpz() round-trips through decodeNpz() and gives identical bytes each time", () => {
  const bytes = encodeNpz(ARRAYS);
  assert.deepEqual(encodeNpz(ARRAYS), bytes);
  const arrays = decodeNpz(bytes, "t.npz");
  assert.deepEqual([...arrays.keys()], ["w0", "b0", "scalar", "empty"]);
  for (const { name, shape, data } of ARRAYS) {
    const got = arrays.get(name)!;
    assert.deepEqual(got.shape, shape);
    assert.equal(got.dtype, "<f4");
    assert.deepEqual(got.data, data);
  }
  assert.deepEqual(listNpz(bytes, "t.npz"), ["w0", "b0", "scalar", "empty"]);
});

Deno.test({
  name: "encodeNpz() output loads in numpy, each member byte-identical to numpy.save",
  ignore,
  fn: async () => {
    const out = await pythonNumpy(
      `data = sys.stdin.buffer.read()
npz = np.load(io.BytesIO(data), allow_pickle=False)
z = zipfile.ZipFile(io.BytesIO(data))
same = {}
for key in npz.files:
    b = io.BytesIO(); np.save(b, npz[key]); same[key] = b.getvalue() == z.read(key + ".npy")
print(json.dumps({"files": npz.files, "same": same,
  "arrays": {k: [list(npz[k].shape), str(npz[k].dtype), npz[k].ravel().tolist()] for k in npz.files}}))`,
      encodeNpz(ARRAYS),
    );
    assert.deepEqual(out, {
      files: ["w0", "b0", "scalar", "empty"],
      same: { w0: true, b0: true, scalar: true, empty: true },
      arrays: {
        w0: [[3, 2], "float32", [1, 2, 3, 4, 5, 6]],
        b0: [[2], "float32", [-0.5, 0.25]],
        scalar: [[], "float32", [7]],
        empty: [[0, 4], "float32", []],
      },
    });
  },
});

Deno.test("encodeNpz() rejects an empty array name", () => {
  assert.throws(() => encodeNpz([{ name: "", shape: [], data: new Float32Array(1) }]), {
    name: "FormatError",
    message: "Cannot write npz file: an array has an empty name",
  });
});

// ---- reading what numpy writes ----

Deno.test({
  name:
    "decodeNpz() reads numpy's savez and savez_compressed: f4/f8, both byte orders, Fortran order, npy 1.0-3.0",
  ignore,
  fn: async () => {
    const out = await pythonNumpy(`
class Pipe(io.RawIOBase):  # not seekable: zipfile writes data descriptors, as for np.savez(sys.stdout.buffer, ...)
    def __init__(self): self.buf = bytearray()
    def writable(self): return True
    def write(self, b): self.buf += b; return len(b)
arrays = {}
for dtype in ["<f4", "<f8", ">f4", ">f8"]:
    a = (np.arange(24, dtype="f8") * 0.25 - 2).reshape(2, 3, 4).astype(dtype)
    arrays["c" + dtype[2] + ("le" if dtype[0] == "<" else "be")] = a  # e.g. c4le: C order, <f4
    arrays["f" + dtype[2] + ("le" if dtype[0] == "<" else "be")] = np.asfortranarray(a)
arrays["big"] = (np.arange(300 * 300, dtype="f8") % 97).reshape(300, 300).astype("<f4")
out = {}
for compressed in [False, True]:
    for pipe in [False, True]:
        f = Pipe() if pipe else io.BytesIO()
        (np.savez_compressed if compressed else np.savez)(f, **arrays)
        out[f"savez {compressed} {pipe}"] = base64.b64encode(bytes(f.buf) if pipe else f.getvalue()).decode()
# npy format 2.0 and 3.0 members, as numpy.lib.format.write_array writes them
for method in [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]:
    f = io.BytesIO()
    with zipfile.ZipFile(f, "w", compression=method) as z:
        for version in [(1, 0), (2, 0), (3, 0)]:
            with z.open(f"v{version[0]}.npy", "w", force_zip64=True) as w:
                np.lib.format.write_array(w, np.asfortranarray(arrays["c8be"]), version=version)
    out[f"versions {method}"] = base64.b64encode(f.getvalue()).decode()
print(json.dumps(out))`);
    const expected = Array.from({ length: 24 }, (_, i) => i * 0.25 - 2);
    const big = Array.from({ length: 90000 }, (_, i) => i % 97);
    for (const [key, blob] of Object.entries(out)) {
      const arrays = decodeNpz(fromBase64(blob), "n.npz");
      if (key.startsWith("versions")) {
        assert.deepEqual([...arrays.keys()], ["v1", "v2", "v3"], key);
      } else {
        assert.equal(arrays.size, 9, key);
        assert.deepEqual(Array.from(arrays.get("big")!.data), big, key);
      }
      for (const [name, array] of arrays) {
        if (name === "big") continue;
        const dtype = name.startsWith("v") ? ">f8" : `${name.endsWith("le") ? "<" : ">"}f${name[1]}`;
        assert.equal(array.dtype, dtype, `${key} ${name}`);
        assert.deepEqual(array.shape, [2, 3, 4], `${key} ${name}`);
        assert.deepEqual(Array.from(array.data), expected, `${key} ${name}`);
      }
    }
    assert.equal(Object.keys(out).length, 6);
  },
});

Deno.test("decodeNpz() reads an archive with no arrays as an empty map", () => {
  assert.equal(decodeNpz(encodeNpz([]), "e.npz").size, 0);
});

// ---- refusing bad files ----

Deno.test("decodeNpz() rejects an entry that is not an .npy file", () => {
  for (const name of ["notes.txt", ".npy", "w0.NPY"]) {
    const zip = encodeZip([{ name: "w0.npy", data: encodeNpy([1], new Float32Array(1)) }, {
      name,
      data: new Uint8Array(1),
    }]);
    assert.throws(() => decodeNpz(zip, "x.npz"), {
      name: "FormatError",
      message: `Cannot read npz file "x.npz": entry "${name}" is not an .npy file`,
    });
    assert.throws(() => listNpz(zip, "x.npz"), { name: "FormatError" });
  }
});

Deno.test("decodeNpz() names the archive and the entry when an array is malformed", () => {
  const npy = encodeNpy([2], new Float32Array(2));
  npy[0] = 0x92;
  assert.throws(() => decodeNpz(encodeZip([{ name: "w1.npy", data: npy }]), "m.npz"), {
    name: "FormatError",
    message:
      `Cannot read npy array "m.npz/w1.npy": file starts with 92 4e 55 4d 50 59, expected the npy magic string ` +
      `93 4e 55 4d 50 59 ("\\x93NUMPY")`,
  });
  const header = new TextEncoder().encode("{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }\n");
  const ints = new Uint8Array([
    0x93,
    0x4e,
    0x55,
    0x4d,
    0x50,
    0x59,
    1,
    0,
    header.length,
    0,
    ...header,
    1,
    0,
    0,
    0,
  ]);
  assert.throws(() => decodeNpz(encodeZip([{ name: "n.npy", data: ints }]), "m.npz"), {
    name: "FormatError",
    message: `Cannot read npy array "m.npz/n.npy": dtype "<i4" (int32) is not supported, ` +
      `expected float32 or float64 ("<f4", "<f8", ">f4" or ">f8")`,
  });
});

Deno.test("decodeNpz() checks a deflated entry's declared size against its npy header before inflating it", () => {
  const npy = encodeNpy([3], new Float32Array([1, 2, 3]));
  assert.equal(decodeNpz(deflatedZip("a.npy", npy), "d.npz").get("a")!.data[2], 3);
  // inflating it all would fail on the size; the header check comes first and says why
  assert.throws(() => decodeNpz(deflatedZip("a.npy", npy, npy.length + 100), "d.npz"), {
    name: "FormatError",
    message: `Cannot read npy array "d.npz/a.npy": data is 112 bytes but shape (3,) of "<f4" needs 12`,
  });
  // a header claiming more than the entry holds, in a stored entry
  const short = encodeNpy([3], new Float32Array(3)).subarray(0, 136);
  assert.throws(() => decodeNpz(encodeZip([{ name: "s.npy", data: short }]), "d.npz"), {
    name: "FormatError",
    message: `Cannot read npy array "d.npz/s.npy": data is 8 bytes but shape (3,) of "<f4" needs 12`,
  });
});

Deno.test("decodeNpz() enforces its caps on entries, total bytes and each array", () => {
  const bytes = encodeNpz(ARRAYS);
  assert.throws(() => decodeNpz(bytes, "c.npz", { maxEntries: 3 }), {
    name: "LimitError",
    message: `Cannot read zip archive "c.npz": it has 4 entries, over the limit of 3`,
  });
  assert.throws(() => decodeNpz(bytes, "c.npz", { maxTotalBytes: 200 }), {
    name: "LimitError",
    message: `Cannot read zip archive "c.npz": its entries declare at least 288 bytes, over the limit of 200`,
  });
  assert.throws(() => decodeNpz(bytes, "c.npz", { maxArrayBytes: (key) => (key === "w0" ? 23 : 1000) }), {
    name: "LimitError",
    message:
      `Cannot read npy array "c.npz/w0.npy": shape (3, 2) of "<f4" needs 24 bytes of data, over the limit of 23`,
  });
  assert.throws(() => decodeNpz(bytes, "c.npz", { maxEntries: -1 }), {
    name: "LimitError",
    message:
      `Cannot read npz file "c.npz": limits are -1 entries and 536870912 bytes, expected non-negative integers`,
  });
});

Deno.test("decodeNpz() rejects a zip-level fault with the zip reader's message", () => {
  const bytes = encodeNpz(ARRAYS);
  assert.throws(() => decodeNpz(bytes.subarray(0, bytes.length - 5), "z.npz"), {
    name: "FormatError",
    message:
      `Cannot read zip archive "z.npz": no end-of-central-directory record found, the file may be truncated`,
  });
  const flipped = bytes.slice();
  flipped[30 + 6 + 128] ^= 0x80; // the first float of w0
  assert.throws(() => decodeNpz(flipped, "z.npz"), {
    name: "FormatError",
    message:
      `Cannot read zip archive "z.npz": entry "w0.npy" fails its CRC-32 check: computed 0x78fb4a95, stored 0x3542bfff`,
  });
});
