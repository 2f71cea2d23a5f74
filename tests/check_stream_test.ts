import assert from "node:assert/strict";
import { join } from "node:path";
import { LimitError } from "../core/base/errors.ts";
import { CheckCollector, checkItem, CheckJsonWriter, predictInOrder } from "../core/check/check_stream.ts";
import { type DigitRead, DigitReader } from "../core/check/digit_reader.ts";
import { createBackend } from "../core/kernels/backend_factory.ts";
import { loadParams } from "../core/kernels/backend.ts";
import { readWeightsFile } from "../core/training/weights.ts";
import { hiddenSizes } from "../core/network/network.ts";
import type { CheckItem } from "../core/reports/run.ts";
import { withScratchDir } from "./_scratch_dir.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** The sample sets' 30 files, plus files that cannot be read, in a fixed order. */
async function mixedFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const set of ["set1", "set2", "set3"]) {
    for (let d = 0; d < 10; d++) files.push(join(ROOT, "images", set, `${d}.png`));
  }
  await Deno.writeTextFile(join(dir, "4.png"), "not a png");
  files.splice(7, 0, join(dir, "4.png"), join(dir, "missing.png"));
  return files;
}

async function readAll(workers: number, files: string[]): Promise<DigitRead[]> {
  const reader = new DigitReader(workers);
  try {
    return await Array.fromAsync(reader.readAll(files));
  } finally {
    reader.dispose();
  }
}

Deno.test("DigitReader gives the same reads in the same order on 0, 1 and 2 worker threads", async () => {
  await withScratchDir("reader-", async (dir) => {
    const files = await mixedFiles(dir);
    const here = await readAll(0, files);
    assert.deepEqual(here.map((r) => r.index), files.map((_, i) => i));
    assert.match(here[7].error!, /^Cannot read image ".*4\.png": not a PNG or JPEG file/);
    assert.match(here[8].error!, /missing\.png/);
    for (const workers of [1, 2]) {
      const there = await readAll(workers, files);
      assert.deepEqual(there.map((r) => r.error), here.map((r) => r.error), `${workers} workers`);
      there.forEach((r, i) => {
        assert.deepEqual(
          r.digit?.input ?? null,
          here[i].digit?.input ?? null,
          `${workers} workers, file ${i}`,
        );
        assert.deepEqual(r.digit?.thumbnail ?? null, here[i].digit?.thumbnail ?? null);
      });
    }
  });
});

Deno.test("DigitReader refuses a worker count out of range", () => {
  assert.throws(() => new DigitReader(17), {
    name: LimitError.name,
    message: "Cannot start the file readers: 17 workers asked for, expected an integer in [0, 16]",
  });
});

Deno.test("predictInOrder() gives each file the prediction it gets alone, whatever the batch", async () => {
  await withScratchDir("predict-", async (dir) => {
    const files = await mixedFiles(dir);
    const reads = await readAll(0, files);
    const params = await readWeightsFile(join(ROOT, "weights.npz"));
    const predict = async (batch: number, list: DigitRead[]) => {
      const backend = await createBackend("wasm", hiddenSizes(params), "relu", batch);
      loadParams(backend, params);
      async function* stream() {
        yield* list;
      }
      const out = await Array.fromAsync(predictInOrder(stream(), backend));
      backend.dispose();
      return out;
    };
    const batched = await predict(8, reads);
    assert.deepEqual(batched.map((p) => p.read.index), reads.map((r) => r.index));
    for (const [i, read] of reads.entries()) {
      const [alone] = await predict(1, [read]);
      assert.deepEqual(batched[i].prediction, alone.prediction, `file ${i}`);
    }
    assert.equal(batched[7].prediction, null);
  });
});

Deno.test("CheckJsonWriter prints, piece by piece, exactly what JSON.stringify prints whole", () => {
  const head = { weights: "weights.npz", weights_sha256: "ab", source: "images/set1" };
  const items: CheckItem[] = [
    {
      file: "7.png",
      expected: 7,
      predicted: 7,
      confidence: 0.9,
      probabilities: [0, 0, 0, 0, 0, 0, 0, 0.9, 0.1, 0],
      top3: [[7, 0.9], [8, 0.1], [0, 0]],
      error: null,
    },
    checkItem("x.png", { read: { index: 1, path: "x.png", digit: null, error: "no" }, prediction: null }),
  ];
  for (const n of [0, 1, 2]) {
    const w = new CheckJsonWriter();
    const text = w.head(head) + items.slice(0, n).map((i) => w.item(i)).join("") + w.tail(1, 2);
    assert.equal(
      text,
      JSON.stringify({ ...head, results: items.slice(0, n), correct: 1, total: 2 }, null, 2),
    );
  }
});

Deno.test("CheckCollector counts as it goes and holds the pictures of only a few hundred of 5,000 files", () => {
  const c = new CheckCollector();
  const picture = {
    original: { width: 1, height: 1, gray: new Float32Array(1) },
    input: new Float32Array(784),
  };
  let most = 0;
  for (let i = 0; i < 5000; i++) {
    const expected = i % 10, predicted = i % 37 === 0 ? (expected + 1) % 10 : expected;
    c.add({
      file: `${expected}_${i}.png`,
      expected,
      predicted,
      confidence: (i * 7919 % 1000) / 1000,
      probabilities: null,
      top3: null,
      error: null,
    }, picture);
    most = Math.max(most, c.images.size);
  }
  assert.equal(c.files, 5000);
  assert.equal(c.read, 5000);
  assert.equal(c.total, 5000);
  assert.equal(c.correct, 5000 - Math.ceil(5000 / 37));
  assert.ok(most <= 3 * 200 + 200 + 64, `${most} pictures held at once`);
});
