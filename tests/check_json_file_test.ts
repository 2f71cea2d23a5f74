import assert from "node:assert/strict";
import { join } from "node:path";
import { FormatError, ShapeError } from "../core/base/errors.ts";
import { CheckJsonFile } from "../core/reports/check_json_file.ts";
import { parseCheckResult, prettyJson } from "../core/reports/run_files.ts";
import type { CheckItem, CheckNumber } from "../core/reports/run.ts";
import { withScratchDir } from "./_scratch_dir.ts";

const withTempDir = (fn: (dir: string) => Promise<void>) => withScratchDir("check_json_file_test_", fn);

const HEAD = { weights: "weights.npz", weights_sha256: "ab".repeat(32), source: "images/set1" };

function read(i: number): CheckItem {
  const probabilities = Array.from({ length: 10 }, (_, k) => k === i % 10 ? 0.91 : 0.01);
  return {
    file: `images/set1/${i % 10}_${i}.png`,
    expected: i % 10,
    predicted: i % 10,
    confidence: 0.91,
    probabilities,
    top3: [[i % 10, 0.91], [(i + 1) % 10, 0.01], [(i + 2) % 10, 0.01]],
    error: null,
  };
}

const UNREAD: CheckItem = {
  file: "notes.png",
  expected: null,
  predicted: null,
  confidence: null,
  probabilities: null,
  top3: null,
  error: 'Cannot read PNG "notes.png": not a PNG file (its first bytes are 48 65 6c 6c)',
};

/** The files of a folder whose names start with a dot: the temporary files a check leaves. */
async function hidden(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).filter((n) => n.startsWith("."));
}

Deno.test("CheckJsonFile writes, a result at a time, exactly what prettyJson prints for the whole check", async () => {
  await withTempDir(async (dir) => {
    for (const count of [0, 1, 3, 700]) {
      const results = Array.from({ length: count }, (_, i) => i === 1 ? UNREAD : read(i));
      const file = CheckJsonFile.create(dir, HEAD);
      for (const r of results) file.add(r);
      const path = await file.commit(count - 1 > 0 ? count - 1 : 0, count);
      assert.equal(path, join(dir, "check.json"));
      const whole = { ...HEAD, results, correct: count - 1 > 0 ? count - 1 : 0, total: count };
      const text = await Deno.readTextFile(path);
      assert.equal(text, prettyJson(whole) + "\n", `${count} results`);
      assert.deepEqual(parseCheckResult(JSON.parse(text), { action: "test" }), whole);
      assert.deepEqual(await hidden(dir), []);
    }
  });
});

Deno.test("CheckJsonFile with numbers ends check.json with them, as prettyJson prints them", async () => {
  await withTempDir(async (dir) => {
    for (const [digits, count] of [[0, 0], [4, 1], [4, 2], [2, 0]]) {
      const results = Array.from({ length: digits }, (_, i) => read(i));
      const numbers: CheckNumber[] = Array.from({ length: count }, (_, i) => ({
        file: `${i}12.png`,
        expected: `${i}12`,
        number: i === 1 ? null : `${i}12`,
        error: i === 1 ? "no ink" : null,
      }));
      const file = CheckJsonFile.create(dir, HEAD, { numbers: true });
      // numbers come as their last digit is read: interleaved with the digits
      results.forEach((r, i) => {
        file.add(r);
        if (i % 2 === 1 && numbers[(i - 1) / 2]) file.addNumber(numbers[(i - 1) / 2]);
      });
      const text = await Deno.readTextFile(await file.commit(digits, digits));
      assert.equal(text, prettyJson({ ...HEAD, results, correct: digits, total: digits, numbers }) + "\n");
    }
  });
});

Deno.test("CheckJsonFile leaves the run's check.json as it was until commit, and when discarded", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "check.json");
    await Deno.writeTextFile(path, "the old check\n");
    const file = CheckJsonFile.create(dir, HEAD);
    for (let i = 0; i < 2000; i++) file.add(read(i)); // more than one buffer's worth reaches the disk
    assert.equal(await Deno.readTextFile(path), "the old check\n");
    assert.equal((await hidden(dir)).length, 1);
    file.discard();
    file.discard();
    assert.equal(await Deno.readTextFile(path), "the old check\n");
    assert.deepEqual(await hidden(dir), []);
  });
});

Deno.test("CheckJsonFile refuses a malformed result, a number without numbers, and a bad head", async () => {
  await withTempDir(async (dir) => {
    const file = CheckJsonFile.create(dir, HEAD);
    assert.throws(() => file.add({ ...read(0), predicted: 12 }), {
      name: FormatError.name,
      message: /^Cannot write check\.json: results\[0\] field "predicted" is 12/,
    });
    assert.throws(() => file.addNumber({ file: "1.png", expected: "1", number: "1", error: null }), {
      name: ShapeError.name,
      message: "Cannot write check.json: it was created without numbers",
    });
    file.discard();
    assert.throws(() => CheckJsonFile.create(dir, { ...HEAD, source: 3 as unknown as string }), {
      name: FormatError.name,
      message: /^Cannot write check\.json: field "source"/,
    });
    assert.deepEqual(await hidden(dir), []);
  });
});
