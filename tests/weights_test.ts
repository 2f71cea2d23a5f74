import assert from "node:assert/strict";
import { join } from "node:path";
import { D, K, type Params } from "../core/network/network.ts";
import { encodeNpz, type NpzInput } from "../core/formats/npz.ts";
import { Rng } from "../core/network/rng.ts";
import { decodeWeights, encodeWeights, readWeightsFile, writeWeightsFile } from "../core/training/weights.ts";
import { encodeZip } from "../core/formats/zip.ts";
import { fromBase64, pythonCanImport, pythonNumpy } from "./_python.ts";
import { withScratchDir } from "./_scratch_dir.ts";

// ---- python3 with numpy, when present ----

/** The tests that compare with numpy skip themselves where python3 or numpy is missing. */
const ignore = !(await pythonCanImport("numpy"));

// ---- fixtures ----

function randomParams(hidden: number, seed: number): Params {
  const rng = new Rng(seed);
  const fill = (n: number) => Float32Array.from({ length: n }, () => rng.nextNormal());
  return { hidden, w0: fill(D * hidden), b0: fill(hidden), w1: fill(hidden * K), b1: fill(K) };
}

/** A weights file with the canonical arrays of `params`, some of them replaced or removed. */
function weightsNpz(params: Params, changes: Record<string, NpzInput | null> = {}): Uint8Array {
  const h = params.hidden;
  const arrays: NpzInput[] = [
    { name: "w0", shape: [D, h], data: params.w0 },
    { name: "b0", shape: [h], data: params.b0 },
    { name: "w1", shape: [h, K], data: params.w1 },
    { name: "b1", shape: [K], data: params.b1 },
  ];
  const out = arrays.filter((a) => changes[a.name] !== null).map((a) => changes[a.name] ?? a);
  for (const [name, a] of Object.entries(changes)) if (a && !arrays.some((x) => x.name === name)) out.push(a);
  return encodeNpz(out);
}

function assertFails(bytes: Uint8Array, type: string, state: string) {
  assert.throws(() => decodeWeights(bytes, "weights.npz"), {
    name: type,
    message: `Cannot load weights "weights.npz": ${state}`,
  });
}

const P3 = randomParams(3, 1);

// ---- round trip ----

Deno.test("decodeWeights() gives back exactly the arrays encodeWeights() wrote, and encoding is deterministic", () => {
  for (const hidden of [1, 3, 128]) {
    const params = randomParams(hidden, hidden);
    const bytes = encodeWeights(params);
    assert.deepEqual(encodeWeights(params), bytes);
    const back = decodeWeights(bytes, "w.npz");
    assert.equal(back.hidden, hidden);
    for (const key of ["w0", "b0", "w1", "b1"] as const) {
      assert.ok(back[key] instanceof Float32Array);
      assert.deepEqual(back[key], params[key], key);
    }
  }
});

Deno.test({
  name:
    "numpy.load(allow_pickle=False) reads our weights file with the right names, shapes, dtype and values",
  ignore,
  fn: async () => {
    const out = await pythonNumpy(
      `d = np.load(io.BytesIO(sys.stdin.buffer.read()), allow_pickle=False)
print(json.dumps({k: [list(d[k].shape), str(d[k].dtype), d[k].ravel().tolist()] for k in d.files} | {"order": d.files}))`,
      encodeWeights(P3),
    );
    assert.deepEqual(out.order, ["w0", "b0", "w1", "b1"]);
    assert.deepEqual(out.w0, [[D, 3], "float32", Array.from(P3.w0)]);
    assert.deepEqual(out.b0, [[3], "float32", Array.from(P3.b0)]);
    assert.deepEqual(out.w1, [[3, K], "float32", Array.from(P3.w1)]);
    assert.deepEqual(out.b1, [[K], "float32", Array.from(P3.b1)]);
  },
});

// ---- reading what numpy writes ----

Deno.test({
  name: "decodeWeights() reads numpy float64 weights, transposed w0 and w1, and (1, H) or (H, 1) biases",
  ignore,
  fn: async () => {
    const out = await pythonNumpy(`
def layers(h):
    w0 = (np.arange(784 * h) % 101 - 50.0).reshape(784, h) / 8   # value at (i, j) is ((i*h + j) % 101 - 50) / 8
    w1 = (np.arange(h * 10) % 7 - 3.0).reshape(h, 10)
    return w0, np.arange(h) / 4.0, w1, np.arange(10) - 4.5
out = {}
w0, b0, w1, b1 = layers(5)
for name, arrays, compressed in [
    ("f8", dict(w0=w0, b0=b0, w1=w1, b1=b1), False),
    ("turned", dict(w0=w0.T.copy(), b0=b0[None, :], w1=w1.T.copy(), b1=b1[:, None]), True),
    ("fortran", dict(w0=np.asfortranarray(w0.astype(">f4")), b0=b0[:, None], w1=np.asfortranarray(w1), b1=b1[None, :]), True),
]:
    f = io.BytesIO(); (np.savez_compressed if compressed else np.savez)(f, **arrays)
    out[name] = base64.b64encode(f.getvalue()).decode()
for h in [784, 10]:  # square layers are never transposed
    w0, b0, w1, b1 = layers(h)
    f = io.BytesIO(); np.savez(f, w0=w0, b0=b0, w1=w1, b1=b1); out[f"square{h}"] = base64.b64encode(f.getvalue()).decode()
print(json.dumps(out))`);
    const expect = (params: Params, h: number, key: string) => {
      assert.equal(params.hidden, h, key);
      assert.deepEqual(
        Array.from(params.w0),
        Array.from({ length: D * h }, (_, i) => ((i % 101) - 50) / 8),
        key,
      );
      assert.deepEqual(Array.from(params.b0), Array.from({ length: h }, (_, i) => i / 4), key);
      assert.deepEqual(Array.from(params.w1), Array.from({ length: h * K }, (_, i) => (i % 7) - 3), key);
      assert.deepEqual(Array.from(params.b1), Array.from({ length: K }, (_, i) => i - 4.5), key);
    };
    for (const key of ["f8", "turned", "fortran"]) {
      expect(decodeWeights(fromBase64(out[key]), `${key}.npz`), 5, key);
    }
    expect(decodeWeights(fromBase64(out.square784), "s.npz"), 784, "square784");
    expect(decodeWeights(fromBase64(out.square10), "s.npz"), 10, "square10");
  },
});

// ---- refusing bad files ----

Deno.test("decodeWeights() rejects a file with missing arrays, naming them", () => {
  assertFails(
    weightsNpz(P3, { b1: null }),
    "FormatError",
    `array "b1" is missing, expected "w0", "b0", "w1" and "b1"`,
  );
  assertFails(
    weightsNpz(P3, { w0: null, w1: null, b1: null }),
    "FormatError",
    `arrays "w0", "w1" and "b1" are missing, expected "w0", "b0", "w1" and "b1"`,
  );
  assertFails(
    encodeNpz([]),
    "FormatError",
    `arrays "w0", "b0", "w1" and "b1" are missing, expected "w0", "b0", "w1" and "b1"`,
  );
});

Deno.test("decodeWeights() rejects a file with extra arrays, naming them", () => {
  const extra = { name: "w2", shape: [1], data: new Float32Array(1) };
  assertFails(
    weightsNpz(P3, { w2: extra }),
    "FormatError",
    `it has the unexpected array "w2", expected "w0", "b0", "w1" and "b1" only`,
  );
  assertFails(
    weightsNpz(P3, { w2: extra, lr: { ...extra, name: "lr" } }),
    "FormatError",
    `it has the unexpected arrays "w2" and "lr", expected "w0", "b0", "w1" and "b1" only`,
  );
});

Deno.test("decodeWeights() rejects a file holding the same array twice", () => {
  // five entries of 36-byte local headers; the last, "b2.npy", is renamed "b1.npy" in both of its headers
  const entries = ["w0", "b0", "w1", "b1", "b2"].map((name) => ({
    name: `${name}.npy`,
    data: new Uint8Array(0),
  }));
  const zip = encodeZip(entries);
  const view = new DataView(zip.buffer);
  const central = view.getUint32(zip.length - 22 + 16, true) + 4 * (46 + 6);
  zip[central + 46 + 1] = zip[4 * 36 + 30 + 1] = "1".charCodeAt(0);
  assert.throws(() => decodeWeights(zip, "weights.npz"), {
    name: "FormatError",
    message: `Cannot read zip archive "weights.npz": entry "b1.npy" appears twice`,
  });
});

Deno.test("decodeWeights() rejects layer shapes that do not fit together", () => {
  const p128 = randomParams(128, 2);
  const cases: [Params, string, number[], string][] = [
    [p128, "w1", [64, 10], `array "w1" has shape (64, 10) but w0 says H = 128`],
    [P3, "w1", [3, 9], `array "w1" has shape (3, 9) but w0 says H = 3`],
    [P3, "b0", [4], `array "b0" has shape (4,) but w0 says H = 3`],
    [P3, "b0", [3, 3], `array "b0" has shape (3, 3) but w0 says H = 3`],
    [P3, "b1", [9], `array "b1" has shape (9,), expected (10,)`],
  ];
  for (const [params, name, shape, state] of cases) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    assertFails(weightsNpz(params, { [name]: { name, shape, data } }), "ShapeError", state);
  }
  for (const shape of [[784, 0], [0, 784], [3, 5], [784], [784, 3, 1]]) {
    const n = shape.reduce((a, b) => a * b, 1);
    assertFails(
      weightsNpz(P3, { w0: { name: "w0", shape, data: new Float32Array(n) } }),
      "ShapeError",
      `array "w0" has shape ${
        shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`
      }, expected (784, H) with H ≥ 1`,
    );
  }
});

Deno.test("decodeWeights() rejects NaN and infinities, naming the array and the index", () => {
  const cases: [string, number, number, string][] = [
    ["w0", 3 * 3 + 2, NaN, "NaN at index (3, 2)"],
    ["b0", 1, Infinity, "Infinity at index (1,)"],
    ["w1", 29, -Infinity, "-Infinity at index (2, 9)"],
    ["b1", 0, NaN, "NaN at index (0,)"],
  ];
  for (const [key, index, value, where] of cases) {
    const params = { ...P3, [key]: P3[key as "w0"].slice() };
    params[key as "w0"][index] = value;
    const bytes = weightsNpz(params);
    assertFails(bytes, "LimitError", `array "${key}" holds ${where}`);
  }
});

Deno.test({
  name: "decodeWeights() rejects float64 values outside the float32 range",
  ignore,
  fn: async () => {
    const out = await pythonNumpy(`w0 = np.zeros((784, 2)); w0[5, 1] = 1e300
f = io.BytesIO(); np.savez(f, w0=w0, b0=np.zeros(2), w1=np.zeros((2, 10)), b1=np.zeros(10))
print(json.dumps({"x": base64.b64encode(f.getvalue()).decode()}))`);
    assertFails(
      fromBase64(out.x),
      "LimitError",
      `array "w0" holds 1e+300 at index (5, 1), outside the float32 range`,
    );
  },
});

Deno.test({
  name: "decodeWeights() refuses integer arrays and pickled object arrays from numpy",
  ignore,
  fn: async () => {
    const out = await pythonNumpy(`out = {}
for name, w0 in [("int", np.zeros((784, 2), dtype=np.int64)), ("object", np.array([None, 1], dtype=object))]:
    f = io.BytesIO(); np.savez(f, w0=w0, b0=np.zeros(2), w1=np.zeros((2, 10)), b1=np.zeros(10))
    out[name] = base64.b64encode(f.getvalue()).decode()
print(json.dumps(out))`);
    assert.throws(() => decodeWeights(fromBase64(out.int), "weights.npz"), {
      name: "FormatError",
      message: `Cannot read npy array "weights.npz/w0.npy": dtype "<i8" (int64) is not supported, ` +
        `expected float32 or float64 ("<f4", "<f8", ">f4" or ">f8")`,
    });
    assert.throws(() => decodeWeights(fromBase64(out.object), "weights.npz"), {
      name: "FormatError",
      message:
        `Cannot read npy array "weights.npz/w0.npy": dtype "|O" is an object array, stored as a Python ` +
        `pickle: pickles are refused (allow_pickle is never supported)`,
    });
  },
});

Deno.test("encodeWeights() rejects parameters whose arrays do not match hidden, or hold NaN", () => {
  assert.throws(() => encodeWeights({ ...P3, hidden: 0 }), {
    name: "ShapeError",
    message: "Cannot write weights: hidden is 0, expected a positive integer",
  });
  assert.throws(() => encodeWeights({ ...P3, hidden: 4 }), {
    name: "ShapeError",
    message: `Cannot write weights: array "w0" has 2352 values, expected 784 × 4 = 3136 float32 values`,
  });
  assert.throws(() => encodeWeights({ ...P3, b1: new Float32Array(9) }), {
    name: "ShapeError",
    message: `Cannot write weights: array "b1" has 9 values, expected 10 float32 values`,
  });
  const w1 = P3.w1.slice();
  w1[12] = NaN;
  assert.throws(() => encodeWeights({ ...P3, w1 }), {
    name: "LimitError",
    message: `Cannot write weights: array "w1" holds NaN at index (1, 2)`,
  });
});

// ---- files ----

Deno.test("writeWeightsFile() and readWeightsFile() round-trip through a file", async () => {
  await withScratchDir("weights_test_", async (dir) => {
    const path = join(dir, "weights.npz");
    await writeWeightsFile(path, P3);
    assert.deepEqual(await Deno.readFile(path), encodeWeights(P3));
    const back = await readWeightsFile(path);
    assert.deepEqual(back.w1, P3.w1);
    // overwriting leaves no temporary file behind
    await writeWeightsFile(path, randomParams(2, 9));
    assert.equal((await readWeightsFile(path)).hidden, 2);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["weights.npz"]);
  });
});

Deno.test("readWeightsFile() reports a missing file or a directory", async () => {
  await withScratchDir("weights_test_", async (dir) => {
    const missing = join(dir, "nope.npz");
    await assert.rejects(readWeightsFile(missing), {
      name: "InputFileError",
      message: `Cannot load weights "${missing}": no such file`,
    });
    await assert.rejects(readWeightsFile(dir), {
      name: "InputFileError",
      message: `Cannot load weights "${dir}": it is a directory`,
    });
    const bad = join(dir, "bad.npz");
    await Deno.writeTextFile(bad, "not a zip");
    await assert.rejects(readWeightsFile(bad), {
      name: "FormatError",
      message:
        `Cannot read zip archive "${bad}": file starts with 6e 6f 74 20, expected a zip signature 50 4b 03 04 ("PK\\x03\\x04")`,
    });
  });
});

Deno.test("writeWeightsFile() reports a missing folder", async () => {
  await withScratchDir("weights_test_", async (dir) => {
    const path = join(dir, "no", "weights.npz");
    await assert.rejects(writeWeightsFile(path, P3), {
      name: "InputFileError",
      message: `Cannot write weights "${path}": folder "${join(dir, "no")}" does not exist`,
    });
  });
});
