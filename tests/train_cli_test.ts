import assert from "node:assert/strict";
import { isOneLineError, ROOT, runTask, scratchDir, taskFlags } from "./_run_task.ts";

/** A quick training: 1,500 images of the CI config, one epoch. */
function quickArgs(dir: string, extra: string[] = []): string[] {
  return [
    "--config",
    "tests/ci.yaml",
    "--quiet",
    "--set",
    "train.subset=1500",
    "--set",
    "train.validation=300",
    "--set",
    "train.epochs=1",
    "--set",
    `output.weights=${dir}/weights.npz`,
    "--set",
    `output.runs_dir=${dir}/runs`,
    ...extra,
  ];
}

Deno.test("train gives byte-identical weights.npz for the same seed and different bytes for another seed", async () => {
  const a = await scratchDir("seed-a"), b = await scratchDir("seed-b"), c = await scratchDir("seed-c");
  for (const [dir, seed] of [[a, 7], [b, 7], [c, 8]] as const) {
    const r = await runTask("train", quickArgs(dir, ["--set", `train.seed=${seed}`]));
    assert.equal(r.code, 0, r.stderr);
  }
  const bytes = async (dir: string) => await Deno.readFile(`${dir}/weights.npz`);
  assert.deepEqual(await bytes(a), await bytes(b));
  assert.notDeepEqual(await bytes(a), await bytes(c));
  assert.equal(await Deno.readTextFile(`${a}/weights.json`), await Deno.readTextFile(`${b}/weights.json`));
});

Deno.test("train writes a metrics log with a header, one record per epoch and a final record", async () => {
  const dir = await scratchDir("log");
  const r = await runTask("train", quickArgs(dir, ["--set", "train.epochs=2"]));
  assert.equal(r.code, 0, r.stderr);
  const runName = (await Deno.readTextFile(`${dir}/runs/LATEST`)).trim();
  const lines = (await Deno.readTextFile(`${dir}/runs/${runName}/metrics.jsonl`)).trim().split("\n");
  const records = lines.map((l) => JSON.parse(l));
  assert.deepEqual(records.map((x) => x.type), ["header", "epoch", "epoch", "final"]);
  assert.equal(records[0].seed, 7);
  assert.equal(records[0].deno, Deno.version.deno);
  assert.match(records[0].datasets.train_images.sha256, /^ba891046/);
  assert.equal(records[0].config.train.epochs, 2);
  for (
    const key of ["train_loss", "train_accuracy", "val_loss", "val_accuracy", "seconds", "samples_per_second"]
  ) {
    assert.equal(typeof records[1][key], "number", key);
  }
  assert.equal(records[3].status, "completed");
  assert.ok(records[3].test_accuracy > 0.7, `test accuracy ${records[3].test_accuracy}`);
});

Deno.test("train refuses a bad config with one line naming the key and the file, and writes nothing", async () => {
  const dir = await scratchDir("badconfig");
  const r = await runTask("train", quickArgs(dir, ["--set", "train.learning_rate=0"]));
  assert.equal(r.code, 1);
  assert.ok(isOneLineError(r.stderr), r.stderr);
  assert.match(r.stderr, /"train\.learning_rate" must be a finite number > 0/);
  assert.deepEqual([...Deno.readDirSync(dir)], []);
});

Deno.test("train refuses an unknown flag with a usage error", async () => {
  const r = await runTask("train", ["--epochs", "3"]);
  assert.equal(r.code, 2);
  assert.ok(isOneLineError(r.stderr), r.stderr);
  assert.match(r.stderr, /^error: Cannot parse arguments: unknown flag "--epochs"$/m);
});

Deno.test("train refuses a batch size larger than the training set", async () => {
  const dir = await scratchDir("batch");
  const r = await runTask("train", quickArgs(dir, ["--set", "train.batch_size=5000"]));
  assert.equal(r.code, 1);
  assert.ok(isOneLineError(r.stderr), r.stderr);
  assert.match(r.stderr, /train\.batch_size is 5000 but only 1200 training images remain/);
});

Deno.test("train --help prints usage, options and defaults", async () => {
  const r = await runTask("train", ["--help"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Usage: deno task train/);
  assert.match(r.stdout, /--set KEY=VALUE/);
  assert.match(r.stdout, /default: config\.yaml/);
});

Deno.test("train leaves the previous weights.npz byte-identical when interrupted with SIGINT", async () => {
  const dir = await scratchDir("sigint");
  const previous = new TextEncoder().encode("previous weights");
  await Deno.writeFile(`${dir}/weights.npz`, previous);
  const child = new Deno.Command("deno", {
    args: [
      "run",
      ...taskFlags("train"),
      "scripts/train.ts",
      ...quickArgs(dir, [
        "--set",
        "train.subset=0",
        "--set",
        "train.epochs=50",
        "--set",
        "train.batch_size=1",
      ]),
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // wait until training has started (the run folder's log exists), then press Ctrl-C
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const latest = (await Deno.readTextFile(`${dir}/runs/LATEST`)).trim();
      await Deno.stat(`${dir}/runs/${latest}/metrics.jsonl`);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  await new Promise((r) => setTimeout(r, 300));
  const sent = performance.now();
  child.kill("SIGINT");
  const status = await child.output();
  const stoppedIn = performance.now() - sent;
  assert.equal(status.code, 130, new TextDecoder().decode(status.stderr));
  assert.ok(stoppedIn < 1000, `took ${stoppedIn} ms to stop`);
  assert.deepEqual(await Deno.readFile(`${dir}/weights.npz`), previous);
  const latest = (await Deno.readTextFile(`${dir}/runs/LATEST`)).trim();
  const records = (await Deno.readTextFile(`${dir}/runs/${latest}/metrics.jsonl`)).trim().split("\n").map((
    l,
  ) => JSON.parse(l));
  assert.equal(records.at(-1).status, "interrupted");
  assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort(), [
    "runs",
    "weights.npz",
  ]);
});

/** The resume test's variants: today's SGD network, and a deeper one whose optimizer and dropout keep state. */
const RESUME_CASES: readonly { readonly name: string; readonly extra: readonly string[] }[] = [
  { name: "plain SGD", extra: [] },
  {
    name: "two hidden layers, Adam with weight decay and dropout",
    extra: [
      "--set",
      "model.hidden=[32,16]",
      "--set",
      "model.dropout=0.2",
      "--set",
      "train.optimizer=adam",
      "--set",
      "train.learning_rate=0.002",
      "--set",
      "train.weight_decay=0.0001",
    ],
  },
];

for (const { name, extra } of RESUME_CASES) {
  Deno.test(`train interrupted after a checkpoint and resumed gives the same bytes as one uninterrupted run (${name})`, async () => {
    const whole = await scratchDir("whole"), parts = await scratchDir("parts");
    const args = (dir: string) =>
      quickArgs(dir, [
        "--set",
        "train.epochs=6",
        "--set",
        "train.checkpoint=true",
        "--set",
        "augment.enabled=true",
        ...extra,
      ]);
    const r = await runTask("train", args(whole));
    assert.equal(r.code, 0, r.stderr);

    const child = new Deno.Command("deno", {
      args: ["run", ...taskFlags("train"), "scripts/train.ts", ...args(parts)],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // stop it as soon as the first epoch's checkpoint exists
    let runDir = "";
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      try {
        runDir = `${parts}/runs/${(await Deno.readTextFile(`${parts}/runs/LATEST`)).trim()}`;
        await Deno.stat(`${runDir}/checkpoint.json`);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    child.kill("SIGINT");
    const stopped = await child.output();
    const epochsDone = JSON.parse(await Deno.readTextFile(`${runDir}/checkpoint.json`)).epoch;
    if (stopped.code === 0) {
      throw new Error("the run finished before it could be interrupted; make the test run longer");
    }
    assert.equal(stopped.code, 130);
    assert.ok(epochsDone < 6);
    await assert.rejects(Deno.stat(`${parts}/weights.npz`));

    const resumed = await runTask("train", [...args(parts), "--resume", runDir]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(
      await Deno.readFile(`${parts}/weights.npz`),
      await Deno.readFile(`${whole}/weights.npz`),
    );
    const types = (await Deno.readTextFile(`${runDir}/metrics.jsonl`)).trim().split("\n").map((l) =>
      JSON.parse(l).type
    );
    // one record per epoch: those before the checkpoint kept, the rest written by the resumed run
    assert.deepEqual(types, ["header", ...new Array(6).fill("epoch"), "final"]);
  });
}

Deno.test("train --resume refuses a config that differs from the checkpoint's", async () => {
  const dir = await scratchDir("resume-diff");
  const r = await runTask(
    "train",
    quickArgs(dir, ["--set", "train.checkpoint=true", "--set", "train.learning_rate=0.05"]),
  );
  assert.equal(r.code, 0, r.stderr);
  const runDir = `${dir}/runs/${(await Deno.readTextFile(`${dir}/runs/LATEST`)).trim()}`;
  const again = await runTask("train", [
    ...quickArgs(dir, ["--set", "train.checkpoint=true", "--set", "train.learning_rate=0.2"]),
    "--resume",
    runDir,
  ]);
  assert.equal(again.code, 1);
  assert.ok(isOneLineError(again.stderr), again.stderr);
  assert.match(again.stderr, /"train\.learning_rate" is 0\.2 now but was 0\.05 in the checkpoint/);
});

Deno.test("train with a different config never replaces a model trained from another config", async () => {
  const dir = await scratchDir("shipped");
  const first = await runTask("train", quickArgs(dir));
  assert.equal(first.code, 0, first.stderr);
  const shipped = await Deno.readFile(`${dir}/weights.npz`);

  // the same config with a thread count or checkpointing that cannot change the bytes writes in place
  const same = await runTask("train", quickArgs(dir, ["--set", "train.checkpoint=true"]));
  assert.equal(same.code, 0, same.stderr);
  assert.doesNotMatch(same.stderr, /note:/);
  assert.deepEqual(await Deno.readFile(`${dir}/weights.npz`), shipped);

  const other = await runTask("train", quickArgs(dir, ["--set", "train.learning_rate=0.02"]));
  assert.equal(other.code, 0, other.stderr);
  assert.match(
    other.stderr,
    /^note: ".*weights\.npz" was trained from a different config; this run writes its weights to ".*\/runs\/.*\/weights\.npz" instead$/m,
  );
  assert.deepEqual(await Deno.readFile(`${dir}/weights.npz`), shipped);
  const runDir = `${dir}/runs/${(await Deno.readTextFile(`${dir}/runs/LATEST`)).trim()}`;
  assert.notDeepEqual(await Deno.readFile(`${runDir}/weights.npz`), shipped);
  assert.ok((await Deno.stat(`${runDir}/weights.json`)).isFile);
});

Deno.test("train with augment.shapes adds that many drawn shapes to the training part, never to validation", async () => {
  const dir = await scratchDir("shapes");
  const args = quickArgs(dir, ["--set", "augment.shapes=40"]).filter((a) => a !== "--quiet");
  const r = await runTask("train", args);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^data {2}1240 training \(40 of them drawn shapes\), 300 validation, 10000 test images$/m,
  );
  const runName = (await Deno.readTextFile(`${dir}/runs/LATEST`)).trim();
  const header = JSON.parse((await Deno.readTextFile(`${dir}/runs/${runName}/metrics.jsonl`)).split("\n")[0]);
  assert.equal(header.config.augment.shapes, 40);
  const plain = await scratchDir("shapes-none");
  assert.equal((await runTask("train", quickArgs(plain))).code, 0);
  assert.notDeepEqual(await Deno.readFile(`${dir}/weights.npz`), await Deno.readFile(`${plain}/weights.npz`));
});

Deno.test("train refuses a validation split that leaves no training images", async () => {
  const dir = await scratchDir("valsplit");
  const r = await runTask(
    "train",
    quickArgs(dir, ["--set", "train.subset=300", "--set", "train.validation=300"]),
  );
  assert.equal(r.code, 1);
  assert.ok(isOneLineError(r.stderr), r.stderr);
  assert.match(
    r.stderr,
    /^error: Cannot train: train\.validation is 300 but the training set holds 300 images$/m,
  );
});

Deno.test("train refuses a damaged weights.json beside the weights before writing anything", async () => {
  const dir = await scratchDir("badinfo");
  await Deno.writeTextFile(`${dir}/weights.npz`, "previous");
  await Deno.writeTextFile(`${dir}/weights.json`, "{ not json");
  const r = await runTask("train", quickArgs(dir));
  assert.equal(r.code, 1);
  assert.ok(isOneLineError(r.stderr), r.stderr);
  assert.match(r.stderr, /^error: Cannot read model info ".*weights\.json": not valid JSON$/m);
  assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort(), [
    "weights.json",
    "weights.npz",
  ]);
  assert.equal(await Deno.readTextFile(`${dir}/weights.npz`), "previous");
});
