import assert from "node:assert/strict";
import { join } from "node:path";
import { D, K, type Params } from "../core/network/network.ts";
import { encodeNpz, listNpz, type NpzInput } from "../core/formats/npz.ts";
import { Rng } from "../core/network/rng.ts";
import {
  decodeWeights,
  encodeWeights,
  readWeightsFile,
  weightsArrayNames,
  writeWeightsFile,
} from "../core/training/weights.ts";
import { encodeZip } from "../core/formats/zip.ts";
import { fromBase64, pythonCanImport, pythonNumpy } from "./_python.ts";
import { withScratchDir } from "./_scratch_dir.ts";

// ---- python3 with numpy, when present ----

/** The tests that compare with numpy skip themselves where python3 or numpy is missing. */
const ignore = !(await pythonCanImport("numpy"));

// ---- fixtures ----

function randomParams(hidden: number | number[], seed: number): Params {
  const rng = new Rng(seed);
  const fill = (n: number) => Float32Array.from({ length: n }, () => rng.nextNormal());
  const sizes = [D, ...(typeof hidden === "number" ? [hidden] : hidden), K];
  const layers = sizes.slice(1).map((out, l) => ({ inputs: sizes[l], out }));
  // draw order: w0, b0, w1, b1, …
  const drawn = layers.map(({ inputs, out }) => [fill(inputs * out), fill(out)]);
  return { sizes, w: drawn.map(([w]) => w), b: drawn.map(([, b]) => b) };
}

/** Parameters like `params` with one array replaced, such as "b1" or "w0". */
function withArray(params: Params, key: string, data: Float32Array): Params {
  const l = Number(key.slice(1));
  const swap = (arrays: readonly Float32Array[]) => arrays.map((a, i) => (i === l ? data : a));
  return key[0] === "w" ? { ...params, w: swap(params.w) } : { ...params, b: swap(params.b) };
}

/** The array "wN" or "bN" of `params`. */
function arrayOf(params: Params, key: string): Float32Array {
  return (key[0] === "w" ? params.w : params.b)[Number(key.slice(1))];
}

/** A weights file with the canonical arrays of `params`, some of them replaced or removed. */
function weightsNpz(params: Params, changes: Record<string, NpzInput | null> = {}): Uint8Array {
  const h = params.sizes[1];
  const arrays: NpzInput[] = [
    { name: "w0", shape: [D, h], data: params.w[0] },
    { name: "b0", shape: [h], data: params.b[0] },
    { name: "w1", shape: [h, K], data: params.w[1] },
    { name: "b1", shape: [K], data: params.b[1] },
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
    assert.deepEqual(back.sizes, [D, hidden, K]);
    for (const key of ["w0", "b0", "w1", "b1"]) {
      assert.ok(arrayOf(back, key) instanceof Float32Array);
      assert.deepEqual(arrayOf(back, key), arrayOf(params, key), key);
    }
    assert.equal(back.w.length, 2);
    assert.equal(back.b.length, 2);
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
    assert.deepEqual(out.w0, [[D, 3], "float32", Array.from(P3.w[0])]);
    assert.deepEqual(out.b0, [[3], "float32", Array.from(P3.b[0])]);
    assert.deepEqual(out.w1, [[3, K], "float32", Array.from(P3.w[1])]);
    assert.deepEqual(out.b1, [[K], "float32", Array.from(P3.b[1])]);
  },
});

Deno.test("decodeWeights() gives back exactly the arrays of 2 and 3 hidden layers that encodeWeights() wrote", () => {
  for (const hidden of [[5, 4], [6, 5, 3], [16, 16]]) {
    const params = randomParams(hidden, hidden.length);
    const bytes = encodeWeights(params);
    assert.deepEqual(encodeWeights(params), bytes);
    assert.deepEqual(listNpz(bytes, "w.npz"), weightsArrayNames(hidden.length + 1));
    const back = decodeWeights(bytes, "w.npz");
    assert.deepEqual(back.sizes, [D, ...hidden, K]);
    assert.equal(back.w.length, hidden.length + 1);
    assert.equal(back.b.length, hidden.length + 1);
    for (let l = 0; l <= hidden.length; l++) {
      assert.ok(back.w[l] instanceof Float32Array && back.b[l] instanceof Float32Array);
      assert.deepEqual(back.w[l], params.w[l], `w${l}`);
      assert.deepEqual(back.b[l], params.b[l], `b${l}`);
    }
  }
});

Deno.test({
  name: "numpy.load(allow_pickle=False) reads our weights files of 2 and 3 hidden layers",
  ignore,
  fn: async () => {
    for (const hidden of [[5, 4], [6, 5, 3]]) {
      const params = randomParams(hidden, 7);
      const out = await pythonNumpy(
        `d = np.load(io.BytesIO(sys.stdin.buffer.read()), allow_pickle=False)
print(json.dumps({k: [list(d[k].shape), str(d[k].dtype), d[k].ravel().tolist()] for k in d.files} | {"order": d.files}))`,
        encodeWeights(params),
      );
      assert.deepEqual(out.order, weightsArrayNames(hidden.length + 1));
      params.w.forEach((w, l) => {
        const [inputs, outputs] = [params.sizes[l], params.sizes[l + 1]];
        assert.deepEqual(out[`w${l}`], [[inputs, outputs], "float32", Array.from(w)], `w${l}`);
        assert.deepEqual(out[`b${l}`], [[outputs], "float32", Array.from(params.b[l])], `b${l}`);
      });
    }
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
      assert.deepEqual(params.sizes, [D, h, K], key);
      assert.deepEqual(
        Array.from(params.w[0]),
        Array.from({ length: D * h }, (_, i) => ((i % 101) - 50) / 8),
        key,
      );
      assert.deepEqual(Array.from(params.b[0]), Array.from({ length: h }, (_, i) => i / 4), key);
      assert.deepEqual(Array.from(params.w[1]), Array.from({ length: h * K }, (_, i) => (i % 7) - 3), key);
      assert.deepEqual(Array.from(params.b[1]), Array.from({ length: K }, (_, i) => i - 4.5), key);
    };
    for (const key of ["f8", "turned", "fortran"]) {
      expect(decodeWeights(fromBase64(out[key]), `${key}.npz`), 5, key);
    }
    expect(decodeWeights(fromBase64(out.square784), "s.npz"), 784, "square784");
    expect(decodeWeights(fromBase64(out.square10), "s.npz"), 10, "square10");
  },
});

Deno.test({
  name: "decodeWeights() reads a numpy file of 2 hidden layers, float64, with (out, in) matrices transposed",
  ignore,
  fn: async () => {
    const out = await pythonNumpy(`
w0 = (np.arange(784 * 6) % 101 - 50.0).reshape(784, 6) / 8
w1 = (np.arange(6 * 4) % 7 - 3.0).reshape(6, 4)
w2 = (np.arange(4 * 10) % 5 - 2.5).reshape(4, 10)
b0, b1, b2 = np.arange(6) / 4.0, np.arange(4) - 1.5, np.arange(10) - 4.5
out = {}
for name, arrays, compressed in [
    ("plain", dict(w0=w0, b0=b0, w1=w1, b1=b1, w2=w2, b2=b2), False),
    ("turned", dict(w0=w0.T.copy(), b0=b0[None, :], w1=w1.T.copy(), b1=b1[:, None], w2=w2.T.copy(), b2=b2), True),
    ("mixed", dict(w0=w0.astype(np.float32), b0=b0, w1=np.asfortranarray(w1.T), b1=b1, w2=w2, b2=b2[None, :]), True),
]:
    f = io.BytesIO(); (np.savez_compressed if compressed else np.savez)(f, **arrays)
    out[name] = base64.b64encode(f.getvalue()).decode()
sq = (np.arange(8 * 8) % 9 - 4.0).reshape(8, 8)  # a square hidden-to-hidden matrix is never transposed
f = io.BytesIO()
np.savez(f, w0=np.zeros((784, 8)), b0=np.zeros(8), w1=sq, b1=np.zeros(8), w2=np.zeros((8, 10)), b2=np.zeros(10))
out["square"] = base64.b64encode(f.getvalue()).decode()
print(json.dumps(out))`);
    for (const key of ["plain", "turned", "mixed"]) {
      const params = decodeWeights(fromBase64(out[key]), `${key}.npz`);
      assert.deepEqual(params.sizes, [D, 6, 4, K], key);
      // values are those of the (in, out) matrices in C order, whichever way the file held them
      assert.deepEqual(
        Array.from(params.w[0]),
        Array.from({ length: D * 6 }, (_, i) => ((i % 101) - 50) / 8),
        key,
      );
      assert.deepEqual(Array.from(params.w[1]), Array.from({ length: 6 * 4 }, (_, i) => (i % 7) - 3), key);
      assert.deepEqual(Array.from(params.w[2]), Array.from({ length: 4 * K }, (_, i) => (i % 5) - 2.5), key);
      assert.deepEqual(Array.from(params.b[0]), Array.from({ length: 6 }, (_, i) => i / 4), key);
      assert.deepEqual(Array.from(params.b[1]), Array.from({ length: 4 }, (_, i) => i - 1.5), key);
      assert.deepEqual(Array.from(params.b[2]), Array.from({ length: K }, (_, i) => i - 4.5), key);
    }
    const square = decodeWeights(fromBase64(out.square), "square.npz");
    assert.deepEqual(square.sizes, [D, 8, 8, K]);
    assert.deepEqual(Array.from(square.w[1]), Array.from({ length: 64 }, (_, i) => (i % 9) - 4));
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
  // "w2" or "b2" would make it a two-hidden-layer file (see the next tests); these names are no layer's
  const extra = { name: "w_avg", shape: [1], data: new Float32Array(1) };
  assertFails(
    weightsNpz(P3, { w_avg: extra }),
    "FormatError",
    `it has the unexpected array "w_avg", expected "w0", "b0", "w1" and "b1" only`,
  );
  assertFails(
    weightsNpz(P3, { w_avg: extra, lr: { ...extra, name: "lr" } }),
    "FormatError",
    `it has the unexpected arrays "w_avg" and "lr", expected "w0", "b0", "w1" and "b1" only`,
  );
});

Deno.test("decodeWeights() rejects a file with w0, b0, w1, b1 and w2 but no b2, naming b2", () => {
  const w2 = { name: "w2", shape: [K, K], data: new Float32Array(K * K) };
  assertFails(
    weightsNpz(P3, { w2 }),
    "FormatError",
    `array "b2" is missing, expected "w0", "b0", "w1", "b1", "w2" and "b2"`,
  );
  // the same for any depth: the highest index names the last layer
  const b3 = { name: "b3", shape: [K], data: new Float32Array(K) };
  assertFails(
    weightsNpz(P3, { b3 }),
    "FormatError",
    `arrays "w2", "b2" and "w3" are missing, expected "w0", "b0", "w1", "b1", "w2", "b2", "w3" and "b3"`,
  );
});

Deno.test("decodeWeights() rejects a deeper file whose layers do not fit together, naming the array", () => {
  const deep = randomParams([5, 4], 11);
  const file = (changes: Record<string, NpzInput>) =>
    encodeNpz(
      deep.w.flatMap((w, l) => [
        changes[`w${l}`] ?? { name: `w${l}`, shape: [deep.sizes[l], deep.sizes[l + 1]], data: w },
        changes[`b${l}`] ?? { name: `b${l}`, shape: [deep.sizes[l + 1]], data: deep.b[l] },
      ]),
    );
  assert.deepEqual(decodeWeights(file({}), "weights.npz"), deep);
  const cases: [string, number[], string][] = [
    ["w1", [6, 4], `array "w1" has shape (6, 4) but w0 says H = 5`],
    ["b1", [5], `array "b1" has shape (5,) but w1 says H = 4`],
    ["w2", [4, 9], `array "w2" has shape (4, 9) but w1 says H = 4`],
    ["w2", [4], `array "w2" has shape (4,) but w1 says H = 4`],
    ["b2", [9], `array "b2" has shape (9,), expected (10,)`],
  ];
  for (const [name, shape, state] of cases) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    assertFails(file({ [name]: { name, shape, data } }), "ShapeError", state);
  }
  const data = deep.w[2].slice();
  data[4 * K - 1] = NaN;
  assertFails(
    file({ w2: { name: "w2", shape: [4, K], data } }),
    "LimitError",
    `array "w2" holds NaN at index (3, 9)`,
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
    const data = arrayOf(P3, key).slice();
    data[index] = value;
    const bytes = weightsNpz(withArray(P3, key, data));
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

Deno.test("encodeWeights() rejects parameters whose arrays do not match their sizes, or hold NaN", () => {
  assert.throws(() => encodeWeights({ ...P3, sizes: [D, 0, K] }), {
    name: "ShapeError",
    message: "Cannot write weights: layer sizes are [784, 0, 10], expected [784, H…, 10]",
  });
  assert.throws(() => encodeWeights({ ...P3, sizes: [D, K] }), {
    name: "ShapeError",
    message: "Cannot write weights: layer sizes are [784, 10], expected [784, H…, 10]",
  });
  assert.throws(() => encodeWeights({ ...P3, sizes: [D, 4, K] }), {
    name: "ShapeError",
    message: `Cannot write weights: array "w0" has 2352 values, expected 784 × 4 = 3136 float32 values`,
  });
  assert.throws(() => encodeWeights(withArray(P3, "b1", new Float32Array(9))), {
    name: "ShapeError",
    message: `Cannot write weights: array "b1" has 9 values, expected 10 float32 values`,
  });
  assert.throws(() => encodeWeights({ ...P3, sizes: [D, 3, 3, K] }), {
    name: "ShapeError",
    message: "Cannot write weights: 2 weight matrices for the 3 layers of [784, 3, 3, 10]",
  });
  const w1 = P3.w[1].slice();
  w1[12] = NaN;
  assert.throws(() => encodeWeights(withArray(P3, "w1", w1)), {
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
    assert.deepEqual(back.w[1], P3.w[1]);
    // overwriting leaves no temporary file behind
    await writeWeightsFile(path, randomParams(2, 9));
    assert.deepEqual((await readWeightsFile(path)).sizes, [D, 2, K]);
    const deep = randomParams([5, 4, 3], 10);
    await writeWeightsFile(path, deep);
    assert.deepEqual(await readWeightsFile(path), deep);
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
