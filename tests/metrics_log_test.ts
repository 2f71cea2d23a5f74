import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type FinalRecord,
  type HeaderRecord,
  MetricsLog,
  type MetricsRecord,
} from "../core/training/metrics_log.ts";
import type { EpochRecord } from "../core/training/train.ts";
import { withScratchDir } from "./_scratch_dir.ts";

/** Run `fn` in a fresh folder under runs/, removed afterwards. */
const inRunDir = (fn: (dir: string) => Promise<void>) => withScratchDir("metrics_log-", fn);

const HEADER: HeaderRecord = {
  type: "header",
  version: 1,
  started: "2026-01-02T03:04:05.000Z",
  deno: "2.9.6",
  config: { model: { hidden: 16 }, train: { epochs: 2 } },
  config_path: "config.yaml",
  seed: 42,
  datasets: { train_images: { path: "data/train", sha256: "ab".repeat(32) } },
};

const epoch = (n: number): EpochRecord => ({
  type: "epoch",
  epoch: n,
  learning_rate: 0.01,
  train_loss: 1 / n,
  train_accuracy: 0.9,
  val_loss: null,
  val_accuracy: null,
  seconds: 1.5,
  samples_per_second: 40_000,
});

const FINAL: FinalRecord = {
  type: "final",
  status: "completed",
  test_loss: 0.1,
  test_accuracy: 0.97,
  weights: "weights.npz",
  weights_sha256: "cd".repeat(32),
  seconds: 3,
  message: "done — «ok»",
};

/** The records of a JSON Lines file, checking each line is a complete JSON object. */
async function readLines(path: string): Promise<MetricsRecord[]> {
  const text = await Deno.readTextFile(path);
  assert.ok(text.endsWith("\n"), "the file ends with a newline");
  const lines = text.slice(0, -1).split("\n");
  return lines.map((line) => {
    assert.ok(line.startsWith("{") && line.endsWith("}") && !line.includes("\n"), line);
    return JSON.parse(line);
  });
}

Deno.test("MetricsLog.append() writes one JSON object per line, in order", async () => {
  await inRunDir(async (dir) => {
    const log = new MetricsLog(join(dir, "metrics.jsonl"));
    assert.equal(log.path, join(dir, "metrics.jsonl"));
    await log.append(HEADER);
    assert.deepEqual(await readLines(log.path), [HEADER]);
    await log.append(epoch(1));
    await log.append(epoch(2));
    await log.append(FINAL);
    assert.deepEqual(await readLines(log.path), [HEADER, epoch(1), epoch(2), FINAL]);
    const text = await Deno.readTextFile(log.path);
    assert.equal(text, [HEADER, epoch(1), epoch(2), FINAL].map((r) => JSON.stringify(r)).join("\n") + "\n");
  });
});

Deno.test("MetricsLog keeps the existing records it is given when resuming a run", async () => {
  await inRunDir(async (dir) => {
    const path = join(dir, "metrics.jsonl");
    const first = new MetricsLog(path);
    await first.append(HEADER);
    await first.append(epoch(1));
    // a resumed run re-reads the records and continues with the next epoch
    const resumed = new MetricsLog(path, await readLines(path));
    await resumed.append(epoch(2));
    assert.deepEqual(await readLines(path), [HEADER, epoch(1), epoch(2)]);
  });
});

Deno.test("MetricsLog replaces the whole file on each append, dropping lines it was not given", async () => {
  await inRunDir(async (dir) => {
    const path = join(dir, "metrics.jsonl");
    // e.g. the epochs after the checkpoint a run resumes from
    await Deno.writeTextFile(
      path,
      [HEADER, epoch(1), epoch(2), epoch(3)].map((r) => JSON.stringify(r)).join("\n"),
    );
    const log = new MetricsLog(path, [HEADER, epoch(1)]);
    await log.append(epoch(2));
    assert.deepEqual(await readLines(path), [HEADER, epoch(1), epoch(2)]);
  });
});

Deno.test("MetricsLog.append() rewrites atomically, leaving no temp file in the run folder", async () => {
  await inRunDir(async (dir) => {
    const log = new MetricsLog(join(dir, "metrics.jsonl"));
    for (let n = 1; n <= 5; n++) await log.append(epoch(n));
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["metrics.jsonl"]);
  });
});

Deno.test("MetricsLog.append() keeps lines valid JSON when a diverged epoch holds NaN or Infinity", async () => {
  await inRunDir(async (dir) => {
    const log = new MetricsLog(join(dir, "metrics.jsonl"));
    await log.append({ ...epoch(1), train_loss: NaN, train_accuracy: Infinity });
    const [record] = await readLines(log.path) as EpochRecord[];
    assert.equal(record.train_loss, null);
    assert.equal(record.train_accuracy, null);
  });
});

Deno.test("MetricsLog.append() rejects when the run folder is missing, creating nothing", async () => {
  await inRunDir(async (dir) => {
    const log = new MetricsLog(join(dir, "missing", "metrics.jsonl"));
    await assert.rejects(log.append(HEADER), Deno.errors.NotFound);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  });
});
