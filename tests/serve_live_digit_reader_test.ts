import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { encodeGrayPng, PNG_SIGNATURE } from "../core/formats/png.ts";
import { decodeImage, readImageFile } from "../core/formats/image.ts";
import { toMnistInput } from "../core/digits/preprocess.ts";
import { createTsBackend, loadParams } from "../core/kernels/backend.ts";
import { hiddenSizes } from "../core/network/network.ts";
import { predictDigits } from "../core/training/predict.ts";
import { readWeightsFile } from "../core/training/weights.ts";
import { LiveDigitReader } from "../core/serve/live_digit_reader.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const params = await readWeightsFile(`${ROOT}weights.npz`);

Deno.test("LiveDigitReader.read() reads images/set1..set3 exactly as check does: the same input, guess and probabilities", async () => {
  const reader = new LiveDigitReader(params, "relu");
  const backend = createTsBackend(hiddenSizes(params), "relu", 1);
  loadParams(backend, params);
  try {
    for (const set of [1, 2, 3]) {
      for (let digit = 0; digit <= 9; digit++) {
        const path = `${ROOT}images/set${set}/${digit}.png`;
        // check's path: readImageFile, toMnistInput, predictDigits on a TS backend
        const input = toMnistInput(await readImageFile(path), path);
        const [expected] = predictDigits(backend, [input]);
        const reading = reader.read(await Deno.readFile(path), path);
        assert.equal(reading.predicted, expected.predicted, path);
        assert.equal(reading.predicted, digit, path);
        assert.deepEqual(reading.probabilities, expected.probabilities, path);
        assert.deepEqual(reading.input, Array.from(input, (v) => (v === 0 ? 0 : Number(v.toPrecision(4)))));
        assert.equal(reading.name, path);
        assert.equal(reading.hidden.length, 1);
        assert.equal(reading.hidden[0].length, 256);
        assert.equal(reading.contributions.length, 784);
        assert.equal(reading.activation, "relu");
        assert.ok(reading.serverMs >= 0);
      }
    }
  } finally {
    reader.dispose();
    backend.dispose();
  }
});

Deno.test("LiveDigitReader.read() refuses what check refuses, with check's message", () => {
  const reader = new LiveDigitReader(params, "relu");
  const blank = encodeGrayPng(new Uint8Array(40 * 40).fill(255), 40, 40);
  const notPng = new TextEncoder().encode("hello, this is not a picture");
  const cut = encodeGrayPng(new Uint8Array(400).fill(7), 20, 20).subarray(0, 60);
  for (const [bytes, name] of [[blank, "blank.png"], [notPng, "text.png"], [cut, "cut.png"]] as const) {
    let expected: Error | null = null;
    try {
      toMnistInput(decodeImage(bytes, name), name);
    } catch (error) {
      expected = error as Error;
    }
    assert.ok(expected !== null, name);
    assert.throws(() => reader.read(bytes, name), (error: Error) => {
      assert.equal(error.constructor, expected!.constructor);
      assert.equal(error.message, expected!.message);
      return true;
    });
  }
  assert.throws(() => reader.read(blank, "blank.png"), {
    name: "LimitError",
    message: 'Cannot read digit "blank.png": no digit found (the image is blank)',
  });
  assert.throws(() => reader.read(notPng, "text.png"), {
    name: "FormatError",
    message: 'Cannot read image "text.png": not a PNG or JPEG file (it starts with the text "hello, t")',
  });
  reader.dispose();
});

Deno.test("LiveDigitReader.read() applies the limits it is given before decoding", () => {
  const reader = new LiveDigitReader(params, "relu");
  const png = encodeGrayPng(new Uint8Array(64 * 64).fill(200), 64, 64);
  assert.throws(
    () =>
      reader.read(png, "wide.png", { maxFileBytes: 1 << 20, maxWidth: 32, maxHeight: 1000, maxPixels: 1e6 }),
    { name: "LimitError", message: 'Cannot read PNG "wide.png": width is 64 pixels, the limit is 32' },
  );
  const big = new Uint8Array(100);
  big.set(PNG_SIGNATURE);
  assert.throws(
    () => reader.read(big, "big.png", { maxFileBytes: 99, maxWidth: 10, maxHeight: 10, maxPixels: 100 }),
    { name: "LimitError", message: 'Cannot read PNG "big.png": file is 100 bytes, the limit is 99' },
  );
  reader.dispose();
});
