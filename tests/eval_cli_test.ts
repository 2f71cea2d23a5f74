import assert from "node:assert/strict";
import { isOneLineError, runTask, scratchDir } from "./_run_task.ts";

const hasNumpy = (() => {
  try {
    return new Deno.Command("python3", { args: ["-c", "import numpy"] }).outputSync().code === 0;
  } catch {
    return false;
  }
})();

Deno.test("eval scores the shipped model and says which model it uses", async () => {
  const r = await runTask("eval", ["--run", await scratchDir("eval-shipped")]);
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(await Deno.readTextFile(new URL("../weights.json", import.meta.url)));
  assert.match(
    r.stdout,
    /^model weights\.npz \(sha256 [0-9a-f]{12}…, layers 784-256-10 relu, seed 42, test accuracy \d+\.\d\d%\)$/m,
  );
  assert.ok(r.stdout.includes(`test accuracy ${(info.test_accuracy * 100).toFixed(2)}%`), r.stdout);
  assert.match(r.stdout, /^true \\ predicted\s+0\s+1\s+2\s+3\s+4\s+5\s+6\s+7\s+8\s+9\s+accuracy$/m);
  assert.equal(r.stdout.match(/^\d\s+(\d+\s+){10}\d+\.\d\d%$/gm)?.length, 10);
});

Deno.test("eval --json gives accuracy, loss, per-class accuracy, the confusion matrix and mistakes", async () => {
  const dir = await scratchDir("eval-json");
  const r = await runTask("eval", ["--json", "--run", dir]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.count, 10_000);
  assert.ok(out.accuracy > 0.98);
  assert.equal(out.per_class.length, 10);
  assert.equal(out.confusion.flat().reduce((a: number, b: number) => a + b, 0), 10_000);
  assert.ok(out.mistakes.length > 0 && out.mistakes[0].confidence >= out.mistakes.at(-1).confidence);
  for (const name of ["eval.json", "confusion.svg", "per_class.svg", "mistakes.png"]) {
    await Deno.stat(`${dir}/${name}`);
  }
});

Deno.test("eval prints no colour codes with NO_COLOR or when not a terminal", async () => {
  const r = await runTask("eval", ["--run", await scratchDir("eval-nocolor")], { NO_COLOR: "1" });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stdout.includes("\x1b["), "escape codes in the output");
});

Deno.test({
  name: "eval reads float64 weights written by numpy with w0 stored as (H, 784)",
  ignore: !hasNumpy,
  async fn() {
    const dir = await scratchDir("eval-numpy");
    const script = [
      "import numpy as np, sys",
      "d = np.load('weights.npz', allow_pickle=False)",
      "np.savez_compressed(sys.argv[1], w0=d['w0'].T.astype(np.float64), b0=d['b0'].astype(np.float64),",
      "                    w1=d['w1'].astype(np.float64), b1=d['b1'].astype(np.float64))",
    ].join("\n");
    const made = new Deno.Command("python3", {
      args: ["-c", script, `${dir}/numpy.npz`],
      cwd: new URL("..", import.meta.url),
    })
      .outputSync();
    assert.equal(made.code, 0, new TextDecoder().decode(made.stderr));
    const ours = JSON.parse((await runTask("eval", ["--json", "--run", dir])).stdout);
    const theirs = await runTask("eval", ["--json", "--weights", `${dir}/numpy.npz`, "--run", dir]);
    assert.equal(theirs.code, 0, theirs.stderr);
    assert.equal(JSON.parse(theirs.stdout).accuracy, ours.accuracy);
  },
});

Deno.test("eval with missing weights says to train first", async () => {
  const r = await runTask("eval", ["--weights", "runs/no-such/weights.npz"]);
  assert.equal(r.code, 1);
  assert.ok(isOneLineError(r.stderr), r.stderr);
  assert.match(r.stderr, /^hint: run "deno task train" first, or pass --weights FILE$/m);
});

Deno.test("eval refuses a weights file that is not an npz with one line", async () => {
  const dir = await scratchDir("eval-bad");
  await Deno.writeTextFile(`${dir}/weights.npz`, "<html>not weights</html>");
  const r = await runTask("eval", ["--weights", `${dir}/weights.npz`]);
  assert.equal(r.code, 1);
  assert.ok(isOneLineError(r.stderr), r.stderr);
  assert.match(r.stderr, /expected a zip signature/);
});

for (const task of ["train", "eval", "check", "report"]) {
  Deno.test(`${task} --help prints usage and every option, without colour codes`, async () => {
    const r = await runTask(task, ["--help"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Usage: deno task ${task}`));
    assert.match(r.stdout, /^Options:$/m);
    assert.match(r.stdout, /--help/);
    assert.ok(!r.stdout.includes("\x1b["));
  });
}

Deno.test("eval refuses weights whose weights.json names an activation it does not know, in one line", async () => {
  const dir = await scratchDir("eval-unknown-activation");
  await Deno.copyFile(new URL("../weights.npz", import.meta.url), `${dir}/weights.npz`);
  const info = JSON.parse(await Deno.readTextFile(new URL("../weights.json", import.meta.url)));
  info.config.model.activation = "swish";
  await Deno.writeTextFile(`${dir}/weights.json`, JSON.stringify(info, null, 2) + "\n");
  const r = await runTask("eval", [
    "--weights",
    `${dir}/weights.npz`,
    "--run",
    await scratchDir("eval-swish-run"),
  ]);
  assert.equal(r.code, 1);
  assert.ok(isOneLineError(r.stderr), r.stderr);
  assert.match(
    r.stderr,
    /Cannot load model ".*weights\.npz": weights\.json names the activation "swish", expected one of "relu", "leaky_relu", "tanh", "sigmoid", "elu"/,
  );
});
