import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { gzipSync } from "fflate";
import { type Config, DATA_FILE_KEYS, type DataFileKey, parseConfig } from "../core/training/config.ts";
import { loadTestSet, loadTrainSet, verifyDataFiles } from "../core/training/data_files.ts";
import { FormatError, InputFileError } from "../core/base/errors.ts";
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC } from "../core/formats/idx.ts";
import { D } from "../core/network/network.ts";
import { Rng } from "../core/network/rng.ts";
import { scratchDir } from "./_run_task.ts";

/** An IDX images file: magic, count, 28, 28 (big-endian uint32), then the pixels. */
function idxImages(pixels: Uint8Array): Uint8Array {
  const out = new Uint8Array(16 + pixels.length);
  const view = new DataView(out.buffer);
  [IDX_IMAGES_MAGIC, pixels.length / D, 28, 28].forEach((v, i) => view.setUint32(4 * i, v));
  out.set(pixels, 16);
  return out;
}

/** An IDX labels file: magic, count, then the labels. */
function idxLabels(labels: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + labels.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, IDX_LABELS_MAGIC);
  view.setUint32(4, labels.length);
  out.set(labels, 8);
  return out;
}

/** The file name each dataset key gets in a scratch folder. */
const FILE_NAMES: Record<DataFileKey, string> = {
  train_images: "train-images-idx3-ubyte",
  train_labels: "train-labels-idx1-ubyte",
  test_images: "t10k-images-idx3-ubyte.gz",
  test_labels: "t10k-labels-idx1-ubyte",
};

interface Fixture {
  dir: string;
  /** What each key's file holds, as written. */
  files: Record<DataFileKey, Uint8Array>;
  train: { pixels: Uint8Array; labels: Uint8Array };
  test: { pixels: Uint8Array; labels: Uint8Array };
  /** A config naming the four files relatively, plus any extra `data:` lines. */
  config(extraDataLines?: string[]): Config;
}

/** Four small synthetic IDX files (3 training, 2 test images; test images gzipped) in a scratch folder. */
async function withDataFiles(fn: (fixture: Fixture) => Promise<void>): Promise<void> {
  const dir = await scratchDir("data_files");
  try {
    const rng = new Rng(10);
    const random = (n: number, max: number) => Uint8Array.from({ length: n }, () => rng.nextInt(max));
    const train = { pixels: random(3 * D, 256), labels: new Uint8Array([7, 0, 9]) };
    const test = { pixels: random(2 * D, 256), labels: new Uint8Array([4, 1]) };
    const files: Record<DataFileKey, Uint8Array> = {
      train_images: idxImages(train.pixels),
      train_labels: idxLabels(train.labels),
      test_images: gzipSync(idxImages(test.pixels)),
      test_labels: idxLabels(test.labels),
    };
    for (const key of DATA_FILE_KEYS) await Deno.writeFile(join(dir, FILE_NAMES[key]), files[key]);
    const config = (extra: string[] = []) => {
      const lines = DATA_FILE_KEYS.map((key) => `  ${key}: ${FILE_NAMES[key]}`);
      return parseConfig(`data:\n${[...lines, ...extra].join("\n")}\n`, join(dir, "config.yaml"));
    };
    await fn({ dir, files, train, test, config });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

// ---- verifyDataFiles ---------------------------------------------------------------------------

Deno.test("verifyDataFiles() returns the absolute path and sha256 of each of the four files", async () => {
  await withDataFiles(async ({ dir, files, config }) => {
    const records = await verifyDataFiles(config());
    assert.deepEqual(Object.keys(records), [...DATA_FILE_KEYS]);
    for (const key of DATA_FILE_KEYS) {
      // the digest is of the bytes on disk, so the gzipped file is hashed compressed
      assert.deepEqual(records[key], { path: join(dir, FILE_NAMES[key]), sha256: sha256(files[key]) }, key);
    }
  });
});

Deno.test("verifyDataFiles() accepts configured digests that match, in either case", async () => {
  await withDataFiles(async ({ files, config }) => {
    const lines = [
      "  sha256:",
      `    train_images: ${sha256(files.train_images)}`,
      `    test_labels: ${sha256(files.test_labels).toUpperCase()}`,
    ];
    const records = await verifyDataFiles(config(lines));
    assert.equal(records.train_images.sha256, sha256(files.train_images));
    assert.equal(records.test_labels.sha256, sha256(files.test_labels));
  });
});

for (const key of DATA_FILE_KEYS) {
  Deno.test(`verifyDataFiles() refuses a ${key} file whose sha256 differs from the config`, async () => {
    await withDataFiles(async ({ dir, files, config }) => {
      const expected = "0123456789abcdef".repeat(4);
      const promise = verifyDataFiles(config(["  sha256:", `    ${key}: ${expected}`]));
      await assert.rejects(promise, (error: unknown) => {
        assert.ok(error instanceof FormatError, `got ${error}`);
        assert.equal(
          error.message,
          `Cannot use dataset file "${join(dir, FILE_NAMES[key])}" (data.${key}): ` +
            `its sha256 is ${sha256(files[key])}, the config expects ${expected}`,
        );
        return true;
      });
    });
  });
}

Deno.test("verifyDataFiles() refuses a changed file before parsing it, even when it is not IDX", async () => {
  await withDataFiles(async ({ dir, files, config }) => {
    const path = join(dir, FILE_NAMES.train_labels);
    const cfg = config(["  sha256:", `    train_labels: ${sha256(files.train_labels)}`]);
    await Deno.writeTextFile(path, "<html>404 not found</html>");
    await assert.rejects(verifyDataFiles(cfg), {
      name: "FormatError",
      message: `Cannot use dataset file "${path}" (data.train_labels): its sha256 is ` +
        `${sha256(new TextEncoder().encode("<html>404 not found</html>"))}, the config expects ${
          sha256(files.train_labels)
        }`,
    });
  });
});

Deno.test("verifyDataFiles() hashes without parsing: a non-IDX file with no digest configured passes", async () => {
  await withDataFiles(async ({ dir, config }) => {
    await Deno.writeTextFile(join(dir, FILE_NAMES.test_labels), "not IDX");
    const records = await verifyDataFiles(config());
    assert.equal(records.test_labels.sha256, sha256(new TextEncoder().encode("not IDX")));
  });
});

Deno.test("verifyDataFiles() refuses a missing dataset file with an InputFileError naming it", async () => {
  await withDataFiles(async ({ dir, config }) => {
    const path = join(dir, FILE_NAMES.test_images);
    await Deno.remove(path);
    await assert.rejects(verifyDataFiles(config()), (error: unknown) => {
      assert.ok(error instanceof InputFileError, `got ${error}`);
      assert.equal(error.message, `Cannot read IDX file "${path}": no such file`);
      return true;
    });
  });
});

Deno.test("verifyDataFiles() refuses a dataset path that is a folder with an InputFileError", async () => {
  await withDataFiles(async ({ dir, config }) => {
    const path = join(dir, FILE_NAMES.train_images);
    await Deno.remove(path);
    await Deno.mkdir(path);
    await assert.rejects(verifyDataFiles(config()), {
      name: "InputFileError",
      message: `Cannot read IDX file "${path}": it is a directory`,
    });
  });
});

// ---- loadTrainSet / loadTestSet ----------------------------------------------------------------

Deno.test("loadTrainSet() and loadTestSet() read the configured files, raw or gzip", async () => {
  await withDataFiles(async ({ train, test, config }) => {
    const cfg = config();
    const trainSet = await loadTrainSet(cfg);
    assert.equal(trainSet.count, 3);
    assert.deepEqual(trainSet.pixels, train.pixels);
    assert.deepEqual(trainSet.labels, train.labels);
    const testSet = await loadTestSet(cfg);
    assert.equal(testSet.count, 2);
    assert.deepEqual(testSet.pixels, test.pixels);
    assert.deepEqual(testSet.labels, test.labels);
  });
});

Deno.test("loadTrainSet() refuses a label beyond the configured classes with a LimitError", async () => {
  await withDataFiles(async ({ dir, config }) => {
    const path = join(dir, FILE_NAMES.train_labels);
    await Deno.writeFile(path, idxLabels(new Uint8Array([1, 10, 2])));
    await assert.rejects(loadTrainSet(config()), {
      name: "LimitError",
      message: `Cannot read IDX file "${path}": label at index 1 is 10, expected 0 to 9`,
    });
  });
});
