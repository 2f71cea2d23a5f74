import assert from "node:assert/strict";
import { FormatError, LimitError, ShapeError } from "../core/base/errors.ts";
import { decodeNpy, encodeNpy, NPY_MAX_PREFIX_BYTES, readNpyHeader } from "../core/formats/npy.ts";
import { Rng } from "../core/network/rng.ts";
import { fromBase64, pythonCanImport, pythonNumpy } from "./_python.ts";

// ---- python3 with numpy, when present ----

/** The tests that compare with numpy skip themselves where python3 or numpy is missing. */
const ignore = !(await pythonCanImport("numpy"));

// ---- hand-made files ----

/** An .npy file with any header text (no padding added) and version. */
function npy(header: string, data: Uint8Array = new Uint8Array(0), version = 1): Uint8Array {
  const text = new TextEncoder().encode(header);
  const lengthSize = version === 1 ? 2 : 4;
  const out = new Uint8Array(8 + lengthSize + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (lengthSize === 2) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  out.set(text, 8 + lengthSize);
  out.set(data, 8 + lengthSize + text.length);
  return out;
}

function dict(descr: string, fortran: string, shape: string): string {
  return `{'descr': ${descr}, 'fortran_order': ${fortran}, 'shape': ${shape}, }\n`;
}

const F4_3 = new Uint8Array(new Float32Array([1, 2, 3]).buffer);

function assertFails(bytes: Uint8Array, type: new (...a: never[]) => Error, state: string, name = "a.npy") {
  assert.throws(() => decodeNpy(bytes, name), {
    name: type.name,
    message: `Cannot read npy array "${name}": ${state}`,
  });
}

// ---- writing ----

Deno.test({
  name: "encodeNpy() writes the same bytes as numpy.save for every shape, NaN and -0 included",
  ignore,
  fn: async () => {
    const shapes = [[784, 128], [128], [10], [], [0], [3, 0], [1, 1, 1], [2, 3, 4], [5, 1, 2, 1, 3, 1, 1], [
      123456789,
      0,
    ], [1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 1]];
    const rng = new Rng(7);
    const arrays = shapes.map((shape) => {
      const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
      for (let i = 0; i < data.length; i++) data[i] = rng.nextNormal();
      if (data.length > 3) data.set([NaN, -0, Infinity], 0);
      return data;
    });
    const input = new Uint8Array(arrays.reduce((n, a) => n + a.byteLength, 0));
    let p = 0;
    for (const a of arrays) {
      input.set(new Uint8Array(a.buffer), p);
      p += a.byteLength;
    }
    const out = await pythonNumpy(
      `shapes = ${JSON.stringify(shapes)}
data = sys.stdin.buffer.read(); p = 0; out = {}
for i, shape in enumerate(shapes):
    n = int(np.prod(shape)) if shape else 1
    a = np.frombuffer(data, dtype="<f4", count=n, offset=p).reshape(shape); p += 4 * n
    b = io.BytesIO(); np.save(b, a); out[i] = base64.b64encode(b.getvalue()).decode()
print(json.dumps(out))`,
      input,
    );
    shapes.forEach((shape, i) => {
      const ours = encodeNpy(shape, arrays[i]);
      assert.deepEqual(ours, fromBase64(out[i]), `shape (${shape})`);
      assert.equal((ours.length - arrays[i].byteLength) % 64, 0);
    });
  },
});

Deno.test("encodeNpy() pads the header with spaces and a final newline to a multiple of 64 bytes", () => {
  const bytes = encodeNpy([784, 128], new Float32Array(784 * 128));
  const headerLength = bytes[8] | (bytes[9] << 8);
  const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
  assert.equal(10 + headerLength, 128);
  assert.match(header, /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(784, 128\), \} +\n$/);
  assert.deepEqual(Array.from(bytes.subarray(0, 8)), [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
});

Deno.test("encodeNpy() writes little-endian float32 data after the header", () => {
  const bytes = encodeNpy([2], new Float32Array([1, -2]));
  const view = new DataView(bytes.buffer, bytes.byteOffset + 128);
  assert.equal(view.getFloat32(0, true), 1);
  assert.equal(view.getFloat32(4, true), -2);
  assert.equal(bytes.length, 136);
});

Deno.test("encodeNpy() rejects a shape that does not match the data", () => {
  assert.throws(() => encodeNpy([2, 3], new Float32Array(5)), {
    name: "ShapeError",
    message: "Cannot write npy array: shape (2, 3) holds 6 values but the data has 5",
  });
  assert.throws(() => encodeNpy([-1], new Float32Array(0)), {
    name: "ShapeError",
    message: "Cannot write npy array: shape is (-1,), expected non-negative integers",
  });
  assert.throws(() => encodeNpy([1.5], new Float32Array(0)), ShapeError);
  assert.throws(() => encodeNpy(new Array(65).fill(1), new Float32Array(1)), {
    name: "ShapeError",
    message: "Cannot write npy array: shape has 65 dimensions, numpy allows 64",
  });
});

// ---- reading what numpy writes ----

Deno.test({
  name:
    "decodeNpy() reads numpy's float32 and float64 arrays in both byte orders, C and Fortran order, versions 1-3",
  ignore,
  fn: async () => {
    const out = await pythonNumpy(`out = {}
for dtype in ["<f4", "<f8", ">f4", ">f8"]:
    for shape in [(), (0,), (3, 0), (5,), (2, 3), (2, 3, 4), (1, 4, 1, 2)]:
        n = int(np.prod(shape))
        a = (np.arange(n, dtype="f8") * 0.5 - 3).astype(dtype).reshape(shape)
        for fortran in [False, True]:
            b = np.array(a, order="F" if fortran else "C")
            for version in [(1, 0), (2, 0), (3, 0)]:
                f = io.BytesIO(); np.lib.format.write_array(f, b, version=version)
                out[json.dumps([dtype, shape, fortran, version])] = base64.b64encode(f.getvalue()).decode()
print(json.dumps(out))`);
    let fortranFiles = 0;
    for (const [key, blob] of Object.entries(out)) {
      const [dtype, shape, fortran, version] = JSON.parse(key);
      const bytes = fromBase64(blob);
      const header = readNpyHeader(bytes, "x.npy");
      assert.deepEqual(header.version, version, key);
      // numpy only marks an array Fortran-ordered when it is not also C-contiguous
      if (header.fortranOrder) fortranFiles++;
      assert.equal(header.fortranOrder, fortran && shape.filter((d: number) => d > 1).length > 1, key);
      const array = decodeNpy(bytes, "x.npy");
      assert.equal(array.dtype, dtype, key);
      assert.deepEqual(array.shape, shape, key);
      assert.ok(
        dtype.endsWith("4") ? array.data instanceof Float32Array : array.data instanceof Float64Array,
      );
      const expected = Array.from({ length: array.data.length }, (_, i) => i * 0.5 - 3);
      assert.deepEqual(Array.from(array.data), expected, key);
    }
    assert.ok(fortranFiles >= 24, `only ${fortranFiles} Fortran-ordered files`);
  },
});

Deno.test("decodeNpy() reads back what encodeNpy() writes, bit for bit", () => {
  const data = new Float32Array([0, -0, 1.5e-45, -3.4028234663852886e38, NaN, Infinity, 0.1]);
  const array = decodeNpy(encodeNpy([7], data), "x.npy");
  assert.equal(array.dtype, "<f4");
  assert.deepEqual(new Uint8Array(array.data.buffer), new Uint8Array(data.buffer));
});

Deno.test("decodeNpy() turns Fortran-order data into C order", () => {
  // (2, 3) array [[1, 2, 3], [4, 5, 6]] stored column by column
  const data = new Uint8Array(new Float32Array([1, 4, 2, 5, 3, 6]).buffer);
  const array = decodeNpy(npy(dict("'<f4'", "True", "(2, 3)"), data), "f.npy");
  assert.deepEqual(Array.from(array.data), [1, 2, 3, 4, 5, 6]);
});

Deno.test("decodeNpy() swaps big-endian data into host order", () => {
  const data = new Uint8Array(8);
  new DataView(data.buffer).setFloat64(0, -2.5, false);
  const array = decodeNpy(npy(dict("'>f8'", "False", "(1,)"), data), "b.npy");
  assert.deepEqual(Array.from(array.data), [-2.5]);
  assert.equal(array.dtype, ">f8");
});

Deno.test("readNpyHeader() accepts the Python literal forms numpy has ever written", () => {
  const cases = [
    `{"shape": (3,), "fortran_order": False, "descr": "<f4"}`, // any key order, double quotes, no trailing comma
    `{'descr':u'<f4','fortran_order':False,'shape':(3 ,) , }`, // Python 2 unicode prefix, odd spacing
    `{'descr': '<f4',\n 'fortran_order': False,\n 'shape': (3L,)}`, // Python 2 long suffix (format 1.0)
    `  {'descr': '<f4', 'fortran_order': False, 'shape': (3,), }\t\r\n  `,
  ];
  for (const header of cases) {
    const h = readNpyHeader(npy(header, F4_3), "x.npy");
    assert.deepEqual([h.dtype, h.fortranOrder, h.shape], ["<f4", false, [3]], header);
  }
  const scalar = readNpyHeader(npy(dict("'<f8'", "False", "()"), new Uint8Array(8)), "x.npy");
  assert.deepEqual(scalar.shape, []);
});

Deno.test("readNpyHeader() checks a file's size given only its start", () => {
  const bytes = encodeNpy([1000], new Float32Array(1000));
  const h = readNpyHeader(bytes.subarray(0, 200), "x.npy", { totalBytes: bytes.length });
  assert.equal(h.dataBytes, 4000);
  assert.throws(() => readNpyHeader(bytes.subarray(0, 200), "x.npy", { totalBytes: 4000 }), {
    name: "FormatError",
    message: `Cannot read npy array "x.npy": data is 3872 bytes but shape (1000,) of "<f4" needs 4000`,
  });
  assert.ok(NPY_MAX_PREFIX_BYTES >= 10 + 40_000);
});

// ---- refusing bad files ----

Deno.test("decodeNpy() rejects a file whose magic string is wrong", () => {
  const bytes = encodeNpy([1], new Float32Array(1));
  bytes[1] = 0x4d;
  assertFails(
    bytes,
    FormatError,
    `file starts with 93 4d 55 4d 50 59, expected the npy magic string 93 4e 55 4d 50 59 ("\\x93NUMPY")`,
  );
  assertFails(
    new Uint8Array(5),
    FormatError,
    "file is 5 bytes, too short for the npy magic string and version",
  );
});

Deno.test("decodeNpy() rejects format versions other than 1.0, 2.0 and 3.0", () => {
  const bytes = encodeNpy([1], new Float32Array(1));
  bytes[6] = 4;
  assertFails(bytes, FormatError, "npy format version is 4.0, expected 1.0, 2.0 or 3.0");
  bytes[6] = 1;
  bytes[7] = 1;
  assertFails(bytes, FormatError, "npy format version is 1.1, expected 1.0, 2.0 or 3.0");
  assertFails(
    npy("", new Uint8Array(0), 2).subarray(0, 10),
    FormatError,
    "file is 10 bytes, too short for the npy header length",
  );
});

Deno.test("decodeNpy() rejects a header that runs past the end of the file", () => {
  const bytes = encodeNpy([1], new Float32Array(1)).subarray(0, 100);
  assertFails(bytes, FormatError, "header is 118 bytes but only 90 bytes follow its length field");
});

Deno.test("decodeNpy() rejects a header over numpy's 10,000-character cap", () => {
  const base = dict("'<f4'", "False", "(3,)");
  const long = base.replace("\n", " ".repeat(10_001 - base.length) + "\n");
  assert.equal(long.length, 10_001);
  assertFails(npy(long, F4_3), LimitError, "header is 10001 bytes, over numpy's limit of 10000 characters");
  assertFails(
    npy(long, F4_3, 2),
    LimitError,
    "header is 10001 bytes, over numpy's limit of 10000 characters",
  );
  // format 3.0 counts characters: 10,000 two-byte characters pass the byte check but not the count
  const wide = base + "\u00e9".repeat(10_000);
  assertFails(
    npy(wide, F4_3, 3),
    LimitError,
    "header is 10058 characters, over numpy's limit of 10000 characters",
  );
  assertFails(
    npy("x".repeat(40_001), F4_3, 3),
    LimitError,
    "header is 40001 bytes, over numpy's limit of 10000 characters",
  );
  // exactly at the cap is fine
  const edge = base.replace("\n", " ".repeat(10_000 - base.length) + "\n");
  assert.deepEqual(decodeNpy(npy(edge, F4_3), "a.npy").shape, [3]);
});

Deno.test({
  name: "numpy's own reader draws the header cap at the same place",
  ignore,
  fn: async () => {
    const base = dict("'<f4'", "False", "(3,)");
    const at = (n: number) => npy(base.replace("\n", " ".repeat(n - base.length) + "\n"), F4_3);
    const [good, bad] = [at(10_000), at(10_001)];
    const out = await pythonNumpy(
      `data = sys.stdin.buffer.read(); out = {}
for i, part in enumerate([data[:${good.length}], data[${good.length}:]]):
    try:
        out[i] = str(np.load(io.BytesIO(part), allow_pickle=False).tolist())
    except ValueError as e:
        out[i] = "refused: " + str(e).split("\\n")[0]
print(json.dumps(out))`,
      new Uint8Array([...good, ...bad]),
    );
    assert.deepEqual(out, {
      "0": "[1.0, 2.0, 3.0]",
      "1": "refused: Header info length (10001) is large and may not be safe to load securely.",
    });
  },
});

Deno.test("decodeNpy() rejects a format 3.0 header that is not UTF-8", () => {
  const bytes = npy(dict("'<f4'", "False", "(3,)"), F4_3, 3);
  bytes[13] = 0xff;
  assertFails(bytes, FormatError, "header is not valid UTF-8");
});

Deno.test("decodeNpy() rejects a header that is not a dict literal", () => {
  assertFails(npy("[1, 2]\n"), FormatError, "header is a list [1, 2], expected a dict");
  assertFails(
    npy("('<f4', False, (3,))"),
    FormatError,
    "header is a tuple ('<f4', False, (3,)), expected a dict",
  );
  assertFails(npy("None"), FormatError, "header is None, expected a dict");
  assertFails(npy("   \n"), FormatError, "header is empty");
  assertFails(npy("{'descr': '<f4'"), FormatError, `header ends where a "," or "}" should be`);
  assertFails(
    npy("{'descr' '<f4'}"),
    FormatError,
    `header has "'" at character 10 where a ":" should follow a dict key`,
  );
  assertFails(npy("{'descr': <f4}"), FormatError, `header has "<" at character 11 where a value should be`);
  assertFails(npy("{'descr': '<f4}"), FormatError, "header has an unterminated string");
  assertFails(npy("{} {}"), FormatError, `header has "{" at character 4 after the literal`);
  assertFails(
    npy("{'a': __import__('os')}"),
    FormatError,
    `header has "_" at character 7 where a value should be`,
  );
  assertFails(
    npy("{'a': '\\q'}"),
    FormatError,
    `header has an unsupported string escape "\\q" at character 8`,
  );
  assertFails(npy("(".repeat(40)), FormatError, "header nests brackets deeper than 32 levels");
});

Deno.test("decodeNpy() rejects a header with missing, extra or repeated keys", () => {
  assertFails(
    npy("{'descr': '<f4', 'shape': (3,)}", F4_3),
    FormatError,
    `header lacks the key "fortran_order"`,
  );
  assertFails(npy("{}", F4_3), FormatError, `header lacks the key "descr"`);
  assertFails(
    npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'x': 1}", F4_3),
    FormatError,
    `header has the key "x", expected only "descr", "fortran_order" and "shape"`,
  );
  assertFails(
    npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'shape': (3,)}", F4_3),
    FormatError,
    `header has the key "shape" twice`,
  );
  assertFails(npy("{1: 2}", F4_3), FormatError, `header has the key 1, expected string keys`);
});

Deno.test("decodeNpy() refuses object arrays: pickles are never loaded", () => {
  for (const descr of ["|O", "O", "<O8"]) {
    assertFails(
      npy(dict(`'${descr}'`, "False", "(3,)"), F4_3),
      FormatError,
      `dtype "${descr}" is an object array, stored as a Python pickle: pickles are refused (allow_pickle is never supported)`,
    );
  }
});

Deno.test({
  name: "decodeNpy() refuses numpy's object arrays written with allow_pickle",
  ignore,
  fn: async () => {
    const out = await pythonNumpy(
      `b = io.BytesIO(); np.save(b, np.array([1, "a", None], dtype=object), allow_pickle=True)
print(json.dumps({"x": base64.b64encode(b.getvalue()).decode()}))`,
    );
    assert.throws(() => decodeNpy(fromBase64(out.x), "o.npy"), {
      name: "FormatError",
      message: `Cannot read npy array "o.npy": dtype "|O" is an object array, stored as a Python pickle: ` +
        `pickles are refused (allow_pickle is never supported)`,
    });
  },
});

Deno.test("decodeNpy() refuses integer, complex, string and other non-float32/64 dtypes, naming them", () => {
  const cases: [string, string][] = [
    ["<i4", " (int32)"],
    ["<i8", " (int64)"],
    ["|u1", " (uint8)"],
    ["|b1", " (bool)"],
    ["<c16", " (complex128)"],
    ["<U5", " (str)"],
    ["|S3", " (bytes)"],
    ["<f2", " (float16)"],
    ["<f16", " (float128)"],
    ["=f4", " (float32)"],
    ["<M8[ns]", " (datetime64)"],
    ["float32", ""],
  ];
  for (const [descr, what] of cases) {
    assertFails(
      npy(dict(`'${descr}'`, "False", "(3,)"), F4_3),
      FormatError,
      `dtype "${descr}"${what} is not supported, expected float32 or float64 ("<f4", "<f8", ">f4" or ">f8")`,
    );
  }
  assertFails(
    npy(dict("[('a', '<f4')]", "False", "(3,)"), F4_3),
    FormatError,
    `descr is [('a', '<f4')], expected a float dtype string ("<f4", "<f8", ">f4" or ">f8")`,
  );
});

Deno.test("decodeNpy() rejects a fortran_order that is not True or False", () => {
  assertFails(
    npy(dict("'<f4'", "1", "(3,)"), F4_3),
    FormatError,
    "fortran_order is 1, expected True or False",
  );
  assertFails(
    npy(dict("'<f4'", "'no'", "(3,)"), F4_3),
    FormatError,
    "fortran_order is 'no', expected True or False",
  );
});

Deno.test("decodeNpy() rejects shape literals that are not tuples of non-negative integers", () => {
  const cases: [string, string][] = [
    ["(3, -1)", "(3, -1)"],
    ["(3, 'a')", "(3, 'a')"],
    ["[3]", "[3]"],
    ["3", "3"],
    ["(3)", "3"], // parentheses alone make no tuple
    ["(True, 3)", "(True, 3)"],
    ["(3, None)", "(3, None)"],
  ];
  for (const [literal, shown] of cases) {
    assertFails(
      npy(dict("'<f4'", "False", literal), F4_3),
      FormatError,
      `shape is ${shown}, expected a tuple of non-negative integers`,
    );
  }
  for (const literal of ["(3.0,)", "(0x3,)", "(03,)", "(3,,)", "(3L,)"]) {
    assert.throws(
      () => decodeNpy(npy(dict("'<f4'", "False", literal), F4_3, 3), "a.npy"),
      FormatError,
      literal,
    );
  }
  assertFails(
    npy(dict("'<f4'", "False", `(${new Array(65).fill(0).join(", ")})`)),
    FormatError,
    "shape has 65 dimensions, numpy allows 64",
  );
});

Deno.test("decodeNpy() rejects data whose length is not prod(shape) × itemsize", () => {
  assertFails(
    npy(dict("'<f4'", "False", "(2, 2)"), F4_3),
    FormatError,
    `data is 12 bytes but shape (2, 2) of "<f4" needs 16`,
  );
  assertFails(
    npy(dict("'<f8'", "False", "(1,)"), F4_3),
    FormatError,
    `data is 12 bytes but shape (1,) of "<f8" needs 8`,
  );
  assertFails(
    npy(dict("'<f4'", "False", "(0,)"), F4_3),
    FormatError,
    `data is 12 bytes but shape (0,) of "<f4" needs 0`,
  );
  const whole = encodeNpy([3], new Float32Array(3));
  assertFails(
    whole.subarray(0, whole.length - 1),
    FormatError,
    `data is 11 bytes but shape (3,) of "<f4" needs 12`,
  );
});

Deno.test("decodeNpy() caps the data a shape may claim, without overflowing", () => {
  assertFails(
    npy(dict("'<f8'", "False", "(100000, 100000, 100000)")),
    LimitError,
    `shape (100000, 100000, 100000) of "<f8" needs 8000000000000000 bytes of data, over the limit of 536870912`,
  );
  assertFails(
    npy(dict("'<f4'", "False", `(${"9".repeat(40)}, 0)`)),
    LimitError,
    `shape (${"9".repeat(40)}, 0) has the dimension ${"9".repeat(40)}, over the limit of 2^53 - 1`,
  );
  assert.throws(() => decodeNpy(encodeNpy([3], new Float32Array(3)), "a.npy", 11), {
    name: "LimitError",
    message:
      `Cannot read npy array "a.npy": shape (3,) of "<f4" needs 12 bytes of data, over the limit of 11`,
  });
  assert.equal(
    decodeNpy(npy(dict("'<f4'", "False", `(${"9".repeat(15)}, 0)`)), "a.npy").shape[0],
    999999999999999,
  );
  for (const maxBytes of [-1, 1.5, Infinity, NaN]) {
    assert.throws(() => decodeNpy(encodeNpy([3], new Float32Array(3)), "a.npy", maxBytes), {
      name: "LimitError",
      message: `Cannot read npy array "a.npy": maxBytes is ${maxBytes}, expected a non-negative integer`,
    });
  }
});
