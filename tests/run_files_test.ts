import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { PNG } from "pngjs";
import {
  latestRun,
  parseCheckResult,
  parseEvalResult,
  parseMetrics,
  prettyJson,
  readRun,
  writeCheckSheet,
  writeEvalPictures,
  writeTrainPictures,
} from "../core/reports/run_files.ts";
import { type EvalResult } from "../core/reports/run.ts";
import {
  buildFixtureRun,
  FIXTURE_RUN_DIR,
  fixtureCheck,
  fixtureCheckImages,
  fixtureEval,
} from "./fixtures/run/fixture.ts";
import { withScratchDir } from "./_scratch_dir.ts";

/** Run `fn` in a fresh folder under runs/, removed afterwards. */
const withTempDir = (fn: (dir: string) => Promise<void>) => withScratchDir("run_files_test_", fn);

async function fixtureMetricsLines(): Promise<string[]> {
  return (await Deno.readTextFile(join(FIXTURE_RUN_DIR, "metrics.jsonl"))).trimEnd().split("\n");
}

async function listNames(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

Deno.test("readRun() reads the fixture run: header, eight epochs, final record, eval, check and pictures", async () => {
  await withTempDir(async (dir) => {
    await buildFixtureRun(dir);
    const run = await readRun(dir);
    assert.equal(run.header.seed, 42);
    assert.equal(run.header.config_path, "config.yaml");
    assert.deepEqual(Object.keys(run.header.datasets), [
      "train_images",
      "train_labels",
      "test_images",
      "test_labels",
    ]);
    assert.deepEqual(run.epochs.map((e) => e.epoch), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(run.epochs[6].val_accuracy, 0.9786);
    assert.equal(run.final?.status, "completed");
    assert.equal(run.eval?.count, 10000);
    assert.equal(run.eval?.confusion.flat().reduce((a, b) => a + b, 0), 10000);
    assert.equal(run.eval?.mistakes.length, 12);
    assert.equal(run.check?.results.length, 11);
    assert.equal(run.check?.results[10].error?.startsWith("Cannot read PNG file"), true);
    assert.ok(run.mistakesPng && run.mistakesPng.length > 1000);
    assert.ok(run.checkSheetPng && run.checkSheetPng.length > 1000);
    assert.equal(run.name, dir.split("/").pop());
  });
});

Deno.test("readRun() reads a run that has only metrics.jsonl, without a final record", async () => {
  await withTempDir(async (dir) => {
    const lines = await fixtureMetricsLines();
    await Deno.writeTextFile(join(dir, "metrics.jsonl"), lines.slice(0, 4).join("\n") + "\n");
    const run = await readRun(dir);
    assert.equal(run.epochs.length, 3);
    assert.equal(run.final, null);
    assert.equal(run.eval, null);
    assert.equal(run.check, null);
    assert.equal(run.mistakesPng, null);
  });
});

Deno.test("readRun() rejects a corrupt metrics line with a FormatError naming the line", async () => {
  await withTempDir(async (dir) => {
    const lines = await fixtureMetricsLines();
    lines[2] = lines[2].slice(0, 40); // a torn third line
    const path = join(dir, "metrics.jsonl");
    await Deno.writeTextFile(path, lines.join("\n") + "\n");
    await assert.rejects(() => readRun(dir), {
      name: "FormatError",
      message: new RegExp(`^Cannot read metrics file "${path}": line 3 is not valid JSON \\(`),
    });
  });
});

Deno.test("readRun() rejects a run folder that does not exist", async () => {
  await withTempDir(async (dir) => {
    const missing = join(dir, "nope");
    await assert.rejects(() => readRun(missing), {
      name: "InputFileError",
      message: `Cannot read run "${missing}": the folder does not exist`,
    });
  });
});

Deno.test("readRun() rejects a folder without metrics.jsonl", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(() => readRun(dir), {
      name: "InputFileError",
      message: `Cannot read run "${dir}": "${join(dir, "metrics.jsonl")}" does not exist`,
    });
  });
});

Deno.test("readRun() rejects an eval.json whose confusion counts do not add up to its count", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "metrics.jsonl"), (await fixtureMetricsLines()).join("\n"));
    const bad = { ...(await fixtureEval()), count: 9999 };
    await Deno.writeTextFile(join(dir, "eval.json"), JSON.stringify(bad));
    await assert.rejects(() => readRun(dir), {
      name: "FormatError",
      message: `Cannot read eval file "${
        join(dir, "eval.json")
      }": the confusion counts add up to 10000, expected "count" 9999`,
    });
  });
});

Deno.test("readRun() rejects a check.json that is not JSON", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "metrics.jsonl"), (await fixtureMetricsLines()).join("\n"));
    await Deno.writeTextFile(join(dir, "check.json"), "{ nope");
    await assert.rejects(() => readRun(dir), {
      name: "FormatError",
      message: new RegExp(`^Cannot read check file "${join(dir, "check.json")}": it is not valid JSON`),
    });
  });
});

Deno.test("parseMetrics() names the line and field of a record with a wrong value", async () => {
  const lines = await fixtureMetricsLines();
  lines[3] = lines[3].replace('"train_loss":0.0987', '"train_loss":"low"');
  assert.throws(() => parseMetrics(lines.join("\n"), "m.jsonl"), {
    name: "FormatError",
    message:
      'Cannot read metrics file "m.jsonl": line 4 field "train_loss" is "low", expected a number or null',
  });
});

Deno.test("parseMetrics() rejects a line that is JSON but not an object", () => {
  assert.throws(() => parseMetrics("[1, 2]\n", "m.jsonl"), {
    name: "FormatError",
    message: 'Cannot read metrics file "m.jsonl": line 1 is an array, expected an object',
  });
});

Deno.test("parseMetrics() rejects records before the header, a skipped epoch and lines after the final record", async () => {
  const lines = await fixtureMetricsLines();
  assert.throws(() => parseMetrics(lines.slice(1).join("\n"), "m.jsonl"), {
    name: "FormatError",
    message:
      'Cannot read metrics file "m.jsonl": line 1 has type "epoch", expected the "header" record first',
  });
  assert.throws(() => parseMetrics([lines[0], lines[1], lines[3]].join("\n"), "m.jsonl"), {
    name: "FormatError",
    message: 'Cannot read metrics file "m.jsonl": line 3 is epoch 3, expected epoch 2',
  });
  assert.throws(() => parseMetrics([...lines, lines[1]].join("\n"), "m.jsonl"), {
    name: "FormatError",
    message: 'Cannot read metrics file "m.jsonl": line 11 follows the final record, expected nothing',
  });
});

Deno.test("parseMetrics() rejects an unknown version and an unknown record type", async () => {
  const lines = await fixtureMetricsLines();
  assert.throws(() => parseMetrics(lines[0].replace('"version":1', '"version":2'), "m.jsonl"), {
    name: "FormatError",
    message: 'Cannot read metrics file "m.jsonl": line 1 field "version" is 2, expected 1',
  });
  assert.throws(() => parseMetrics([lines[0], '{"type":"note"}'].join("\n"), "m.jsonl"), {
    name: "FormatError",
    message:
      'Cannot read metrics file "m.jsonl": line 2 has type "note", expected "header", "epoch" or "final"',
  });
  assert.throws(() => parseMetrics("\n\n", "m.jsonl"), {
    name: "FormatError",
    message: 'Cannot read metrics file "m.jsonl": the file is empty, expected a "header" record',
  });
});

Deno.test("parseMetrics() accepts null losses of a diverged run and a final record without test scores", async () => {
  const lines = await fixtureMetricsLines();
  const epoch = JSON.parse(lines[1]);
  const diverged = { ...epoch, train_loss: null, train_accuracy: null, val_loss: null, val_accuracy: null };
  const final = {
    type: "final",
    status: "diverged",
    test_loss: null,
    test_accuracy: null,
    weights: null,
    weights_sha256: null,
    seconds: 3,
    message: "loss became NaN",
  };
  const { epochs, final: end } = parseMetrics(
    [lines[0], JSON.stringify(diverged), JSON.stringify(final)].join("\n"),
    "m.jsonl",
  );
  assert.equal(epochs[0].train_loss, null);
  assert.equal(end?.status, "diverged");
  assert.equal(end?.message, "loss became NaN");
});

Deno.test("parseEvalResult() rejects a mistake whose class is out of range", async () => {
  const ev = await fixtureEval();
  const bad = { ...ev, mistakes: [{ index: 1, label: 10, predicted: 3, confidence: 0.9 }] };
  assert.throws(() => parseEvalResult(bad, { action: "Cannot use eval" }), {
    name: "FormatError",
    message: 'Cannot use eval: mistakes[0] field "label" is 10, expected an integer in [0, 9]',
  });
});

Deno.test("parseCheckResult() rejects a result with neither a prediction nor an error", async () => {
  const check = await fixtureCheck();
  const bad = { ...check, results: [{ ...check.results[0], predicted: null }] };
  assert.throws(() => parseCheckResult(bad, { action: "Cannot use check" }), {
    name: "FormatError",
    message:
      'Cannot use check: results[0] has no "predicted" or "probabilities" and no "error", expected one or the other',
  });
});

Deno.test("latestRun() follows LATEST to the run folder it names", async () => {
  await withTempDir(async (runs) => {
    await Deno.mkdir(join(runs, "2024-05-01T10-00-00"));
    await Deno.writeTextFile(join(runs, "LATEST"), "2024-05-01T10-00-00\n");
    assert.equal(await latestRun(runs), join(runs, "2024-05-01T10-00-00"));
  });
});

Deno.test("latestRun() rejects a missing LATEST, one naming a missing folder, and one holding a path", async () => {
  await withTempDir(async (runs) => {
    const latest = join(runs, "LATEST");
    await assert.rejects(() => latestRun(runs), {
      name: "InputFileError",
      message: `Cannot find the latest run: "${latest}" does not exist`,
    });
    await Deno.writeTextFile(latest, "gone");
    await assert.rejects(() => latestRun(runs), {
      name: "InputFileError",
      message: `Cannot find the latest run: "${latest}" names "gone", but "${
        join(runs, "gone")
      }" is not a folder`,
    });
    await Deno.writeTextFile(latest, "../elsewhere");
    await assert.rejects(() => latestRun(runs), {
      name: "FormatError",
      message: `Cannot find the latest run: "${latest}" holds "../elsewhere", expected a run folder name`,
    });
  });
});

Deno.test("writeTrainPictures() writes curves.svg with the loss and accuracy charts", async () => {
  await withTempDir(async (dir) => {
    const { header, epochs } = parseMetrics((await fixtureMetricsLines()).join("\n"), "m.jsonl");
    const paths = await writeTrainPictures(dir, [header, ...epochs]);
    assert.deepEqual(paths, [join(dir, "curves.svg")]);
    const svg = await Deno.readTextFile(paths[0]);
    assert.ok(svg.includes(">Loss per epoch</text>") && svg.includes(">Accuracy per epoch</text>"));
    assert.equal(svg.split("<polyline").length - 1, 4);
    assert.deepEqual(await listNames(dir), ["curves.svg"]);
  });
});

Deno.test("writeTrainPictures() rejects epoch records out of order", async () => {
  await withTempDir(async (dir) => {
    const { epochs } = parseMetrics((await fixtureMetricsLines()).join("\n"), "m.jsonl");
    await assert.rejects(() => writeTrainPictures(dir, [epochs[1], epochs[0]]), {
      name: "FormatError",
      message: "Cannot draw training curves: epoch record 0 is epoch 2, expected epoch 1",
    });
  });
});

Deno.test("writeEvalPictures() writes the confusion matrix, per-class bars, mistakes gallery and eval.json", async () => {
  await withTempDir(async (dir) => {
    const ev = await fixtureEval();
    const pixels = new Uint8Array(ev.count * 784).fill(7);
    const paths = await writeEvalPictures(dir, ev, pixels);
    assert.deepEqual(paths.map((p) => p.slice(dir.length + 1)), [
      "confusion.svg",
      "per_class.svg",
      "mistakes.png",
      "eval.json",
    ]);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(join(dir, "eval.json"))), ev);
    const confusion = await Deno.readTextFile(join(dir, "confusion.svg"));
    assert.equal(confusion.split('class="cm-cell"').length - 1, 100);
    const png = PNG.sync.read(Buffer.from(await Deno.readFile(join(dir, "mistakes.png"))));
    assert.deepEqual([png.width, png.height], [6 * 88 + 7 * 6, 2 * 88 + 3 * 6]);
    // no temporary files left behind
    assert.deepEqual(await listNames(dir), ["confusion.svg", "eval.json", "mistakes.png", "per_class.svg"]);
  });
});

Deno.test("writeEvalPictures() rejects a mistake that points past the test images", async () => {
  await withTempDir(async (dir) => {
    const ev: EvalResult = await fixtureEval();
    await assert.rejects(() => writeEvalPictures(dir, ev, new Uint8Array(100 * 784)), {
      name: "LimitError",
      message: "Cannot write evaluation pictures: mistakes[0] has index 9473, but there are 100 test images",
    });
    await assert.rejects(() => writeEvalPictures(dir, ev, new Uint8Array(785)), {
      name: "ShapeError",
      message: "Cannot write evaluation pictures: the test images hold 785 bytes, expected a multiple of 784",
    });
    assert.deepEqual(await listNames(dir), []);
  });
});

Deno.test("writeCheckSheet() writes the sheet picture, its page and check.json, which reads back equal", async () => {
  await withTempDir(async (dir) => {
    const check = await fixtureCheck();
    const paths = await writeCheckSheet(dir, check, await fixtureCheckImages(check));
    assert.deepEqual(paths.map((p) => p.slice(dir.length + 1)), [
      "check.json",
      "check_sheet.png",
      "check_sheet.html",
    ]);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(join(dir, "check.json"))), check);
    const png = PNG.sync.read(Buffer.from(await Deno.readFile(join(dir, "check_sheet.png"))));
    // the file that could not be read is listed by name, with no pictures: 10 rows of 11 results
    assert.deepEqual([png.width, png.height], [2 * 100 + 3 * 6, 10 * 100 + 11 * 6]);
    const html = await Deno.readTextFile(join(dir, "check_sheet.html"));
    assert.equal(html.split('src="data:image/png;base64,').length - 1, 20);
  });
});

Deno.test("writeCheckSheet() rejects an image list that does not match the results", async () => {
  await withTempDir(async (dir) => {
    const check = await fixtureCheck();
    await assert.rejects(() => writeCheckSheet(dir, check, []), {
      name: "ShapeError",
      message: "Cannot write check sheet: 0 image pairs for 11 results, expected one per result",
    });
  });
});

Deno.test("prettyJson() keeps arrays of numbers on one line and matrices one row per line", () => {
  const text = prettyJson({ a: [1, 2, 3], m: Array.from({ length: 10 }, () => Array(10).fill(1000)) });
  assert.deepEqual(JSON.parse(text).a, [1, 2, 3]);
  const lines = text.split("\n");
  assert.ok(lines.includes('  "a": [1, 2, 3],'));
  assert.equal(lines.filter((l) => l.trim().startsWith("[1000,")).length, 10);
});
