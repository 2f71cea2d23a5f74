import assert from "node:assert/strict";
import { crc32 } from "../core/formats/crc32.ts";
import { encodeGrayPng } from "../core/formats/png.ts";
import { isOneLineError, ROOT, runTask, scratchDir, taskFlags, taskScript } from "./_run_task.ts";

/** A 40×40 black "1" on white paper, as PNG bytes. */
function onePng(): Uint8Array {
  const gray = new Uint8Array(1600).fill(255);
  for (let y = 6; y < 34; y++) for (let x = 18; x < 22; x++) gray[y * 40 + x] = 0;
  return encodeGrayPng(gray, 40, 40);
}

async function expectOneLineError(args: string[], message: RegExp, code = 1): Promise<void> {
  const r = await runTask("check", args);
  assert.equal(r.code, code, r.stdout + r.stderr);
  assert.ok(isOneLineError(r.stderr), r.stderr);
  assert.match(r.stderr, message);
}

Deno.test("check --set 1 reads the project's own sample set and prints the table and accuracy", async () => {
  const dir = await scratchDir("check-set1");
  const r = await runTask("check", ["--set", "1", "--run", dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^model weights\.npz \(sha256 [0-9a-f]{12}…/m);
  assert.match(r.stdout, /file\s+expected\s+predicted\s+confidence\s+top-3/);
  assert.match(r.stdout, /^images\/set1\/7\.png\s+7\s+7 ✓/m);
  assert.match(r.stdout, /^accuracy 10\/10 \(100\.0%\)$/m);
  for (const name of ["check.json", "check_sheet.png", "check_sheet.html"]) await Deno.stat(`${dir}/${name}`);
});

Deno.test("check creates the folder for its sheet when it does not exist yet", async () => {
  const dir = `${await scratchDir("check-newdir")}/not/yet/there`;
  const r = await runTask("check", ["--set", "3", "--run", dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok((await Deno.stat(`${dir}/check_sheet.html`)).isFile);
});

Deno.test("check --json gives the same results for scripts", async () => {
  const r = await runTask("check", ["--set", "2", "--json", "--run", await scratchDir("check-json")]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.total, 10);
  assert.equal(out.results.length, 10);
  assert.deepEqual(Object.keys(out.results[0]).sort(), [
    "confidence",
    "error",
    "expected",
    "file",
    "predicted",
    "probabilities",
    "top3",
  ]);
  assert.equal(out.results[0].top3.length, 3);
});

Deno.test("check prints only the prediction for a file name without a leading digit", async () => {
  const dir = await scratchDir("check-noname");
  await Deno.writeFile(`${dir}/mine.png`, onePng());
  const r = await runTask("check", ["--file", `${dir}/mine.png`, "--run", dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /mine\.png\s+-\s+\d /);
  assert.doesNotMatch(r.stdout, /^accuracy/m);
});

Deno.test("check --show draws each 28×28 input and --save-preprocessed writes it", async () => {
  const dir = await scratchDir("check-show");
  await Deno.writeFile(`${dir}/1.png`, onePng());
  const r = await runTask("check", [
    "--file",
    `${dir}/1.png`,
    "--show",
    "--save-preprocessed",
    `${dir}/seen`,
    "--run",
    dir,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.split("\n").filter((l) => /[@%#]/.test(l)).length >= 10, r.stdout);
  assert.ok((await Deno.stat(`${dir}/seen/1_28x28.png`)).size > 0);
});

Deno.test("check skips a non-image file in a set folder with a note", async () => {
  const dir = await scratchDir("check-skip");
  await Deno.writeFile(`${dir}/1.png`, onePng());
  await Deno.writeTextFile(`${dir}/notes.txt`, "hello");
  const r = await runTask("check", ["--dir", dir, "--run", dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^note: skipping ".*notes\.txt": not a \.png, \.jpg or \.jpeg file$/m);
});

Deno.test("check reads a file by its bytes: a cut JPEG named .png gets the JPEG reader's one line", async () => {
  const dir = await scratchDir("check-jpeg");
  await Deno.writeFile(
    `${dir}/3.png`,
    new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1]),
  );
  await expectOneLineError(
    ["--file", `${dir}/3.png`, "--run", dir],
    /^error: Cannot read JPEG ".*3\.png": file is truncated \(segment "APP0" at byte 2 declares 14 bytes, only 6 remain\)$/m,
  );
});

Deno.test("check refuses a truncated PNG with one line", async () => {
  const dir = await scratchDir("check-trunc");
  const bytes = onePng();
  await Deno.writeFile(`${dir}/1.png`, bytes.subarray(0, bytes.length - 30));
  await expectOneLineError(["--file", `${dir}/1.png`, "--run", dir], /Cannot read PNG ".*1\.png": /);
});

Deno.test("check refuses huge declared dimensions before decoding", async () => {
  const dir = await scratchDir("check-huge");
  const bytes = onePng().slice();
  const view = new DataView(bytes.buffer);
  view.setUint32(16, 30000); // IHDR width
  view.setUint32(20, 30000); // IHDR height
  view.setUint32(29, crc32(bytes.subarray(12, 29))); // a valid CRC, so only the size is wrong
  await Deno.writeFile(`${dir}/1.png`, bytes);
  const started = performance.now();
  await expectOneLineError(["--file", `${dir}/1.png`, "--run", dir], /30000/);
  assert.ok(performance.now() - started < 10_000);
});

Deno.test("check says no digit found for a blank image", async () => {
  const dir = await scratchDir("check-blank");
  await Deno.writeFile(`${dir}/4.png`, encodeGrayPng(new Uint8Array(900).fill(255), 30, 30));
  await expectOneLineError(["--file", `${dir}/4.png`, "--run", dir], /no digit found \(the image is blank\)/);
});

Deno.test("check refuses a missing set folder and names the sets", async () => {
  const r = await runTask("check", ["--set", "99"]);
  assert.equal(r.code, 1);
  assert.ok(isOneLineError(r.stderr), r.stderr);
  assert.match(r.stderr, /^error: Cannot check folder "images\/set99": it does not exist$/m);
  assert.match(r.stderr, /^hint: the sets are images\/set1, images\/set2/m);
});

Deno.test("check refuses an empty set folder", async () => {
  const dir = await scratchDir("check-empty");
  await expectOneLineError(["--dir", dir], /it holds no \.png, \.jpg or \.jpeg files/);
});

Deno.test("check refuses --set abc as a usage error", async () => {
  await expectOneLineError(["--set", "abc"], /--set is "abc", expected a positive integer such as 1/, 2);
});

Deno.test("check refuses a flag without its value", async () => {
  await expectOneLineError(["--set"], /flag "--set" needs a value/, 2);
});

Deno.test("check without a source says what to give", async () => {
  await expectOneLineError([], /say what to read with --set N, --dir DIR or --file FILE/, 2);
});

Deno.test("check with missing weights says to train first", async () => {
  const r = await runTask("check", ["--set", "1", "--weights", "runs/no-such/weights.npz"]);
  assert.equal(r.code, 1);
  assert.ok(isOneLineError(r.stderr), r.stderr);
  assert.match(r.stderr, /^error: Cannot load weights ".*runs\/no-such\/weights\.npz": no such file$/m);
  assert.match(r.stderr, /^hint: run "deno task train" first, or pass --weights FILE$/m);
});

Deno.test("check --help prints usage and options", async () => {
  const r = await runTask("check", ["--help"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Usage: deno task check/);
  for (
    const flag of [
      "--set N",
      "--dir DIR",
      "--file FILE",
      "--weights FILE",
      "--json",
      "--show",
      "--save-preprocessed DIR",
    ]
  ) {
    assert.ok(r.stdout.includes(flag), flag);
  }
  assert.ok(!r.stdout.includes("\x1b["));
});

Deno.test("check refuses two sources at once as a usage error", async () => {
  await expectOneLineError(
    ["--set", "1", "--dir", "images/set2"],
    /^error: Cannot check: give only one of --set, --dir and --file, got --set and --dir$/m,
    2,
  );
});

Deno.test("check --dir refuses a file given as the folder", async () => {
  await expectOneLineError(
    ["--dir", "images/set1/1.png"],
    /^error: Cannot check folder "images\/set1\/1\.png": it is a file, not a folder$/m,
  );
});

Deno.test("check says when no file of a folder could be read", async () => {
  const dir = await scratchDir("check-allbad");
  await Deno.writeTextFile(`${dir}/1.png`, "not a png");
  await Deno.writeTextFile(`${dir}/2.png`, "not a png either");
  await expectOneLineError(
    ["--dir", dir, "--run", dir],
    /^error: Cannot check any of the 2 files: Cannot read image ".*1\.png": not a PNG or JPEG file /m,
  );
});

Deno.test("check explains a folder its task may not read, in one line", async () => {
  const r = await runTask("check", ["--dir", "/etc"]);
  assert.equal(r.code, 1);
  assert.ok(isOneLineError(r.stderr), r.stderr);
  assert.match(r.stderr, /^error: Cannot check folder "\/etc": permission denied$/m);
  assert.match(r.stderr, /^hint: the check task may read only the project folder/m);
});

Deno.test("check explains a file its task may not read, with what to run instead", async () => {
  const r = await runTask("check", ["--file", "/etc/hostname.png"]);
  assert.equal(r.code, 1);
  assert.ok(isOneLineError(r.stderr), r.stderr);
  assert.match(r.stderr, /^error: Cannot read image "\/etc\/hostname\.png": permission denied$/m);
  assert.match(
    r.stderr,
    /^hint: the check task may read only the project folder: put the images inside it, or run deno run/m,
  );
});

Deno.test("check refuses an unexpected bare argument", async () => {
  await expectOneLineError(
    ["images/set1"],
    /^error: Cannot parse arguments: unexpected argument "images\/set1"$/m,
    2,
  );
});

Deno.test("check writes its sheet into the run that trained the weights it used, and the report of another run leaves it out", async () => {
  const dir = await scratchDir("check-model-run");
  const config = (await Deno.readTextFile(new URL("./ci.yaml", import.meta.url)))
    .replace(/^output:[\s\S]*$/m, "output:\n  weights: a/weights.npz\n  runs_dir: runs\n")
    .replace("subset: 6000", "subset: 1500")
    .replace("epochs: 2", "epochs: 1")
    .replace("validation: 1000", "validation: 300");
  await Deno.writeTextFile(`${dir}/config.yaml`, config);
  const train = async (weights: string, seed: number) => {
    const r = await runTask("train", [
      "--config",
      `${dir}/config.yaml`,
      "--quiet",
      "--set",
      `output.weights=${weights}`,
      "--set",
      `train.seed=${seed}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    return (await Deno.readTextFile(`${dir}/runs/LATEST`)).trim();
  };
  const runA = await train("a/weights.npz", 1);
  const runB = await train("b/weights.npz", 2); // the newest run, of another model
  assert.notEqual(runA, runB);

  const r = await runTask("check", [
    "--set",
    "1",
    "--config",
    `${dir}/config.yaml`,
    "--weights",
    `${dir}/a/weights.npz`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const checkA = JSON.parse(await Deno.readTextFile(`${dir}/runs/${runA}/check.json`));
  assert.match(checkA.weights_sha256, /^[0-9a-f]{64}$/);
  await assert.rejects(Deno.stat(`${dir}/runs/${runB}/check.json`));
  assert.ok(r.stdout.includes(`runs/${runA}/check_sheet.html`), r.stdout);

  // a copy of check.json in run B (as an earlier version would have written it) is not B's model's check
  await Deno.copyFile(`${dir}/runs/${runA}/check.json`, `${dir}/runs/${runB}/check.json`);
  for (const run of [runA, runB]) {
    const made = await runTask("report", ["--runs-dir", `${dir}/runs`, run]);
    assert.equal(made.code, 0, made.stderr);
  }
  const reportA = await Deno.readTextFile(`${dir}/runs/${runA}/report.html`);
  const reportB = await Deno.readTextFile(`${dir}/runs/${runB}/report.html`);
  assert.ok(reportA.includes(`${checkA.correct} of ${checkA.total} read correctly`), "run A shows its check");
  assert.ok(!reportB.includes("read correctly"), "run B shows no check of run A's weights");
  assert.ok(reportB.includes("No check yet"), "run B says it has no check of its own");

  // weights no run trained (a copy elsewhere) get a folder named after them
  await Deno.mkdir(`${dir}/c`);
  const weightsC = `${dir}/c/weights.npz`;
  await Deno.copyFile(new URL("../weights.npz", import.meta.url), weightsC);
  const c = await runTask("check", [
    "--set",
    "1",
    "--config",
    `${dir}/config.yaml`,
    "--weights",
    weightsC,
    "--json",
  ]);
  assert.equal(c.code, 0, c.stderr);
  const sha = JSON.parse(c.stdout).weights_sha256 as string;
  await Deno.stat(`${dir}/runs/model-${sha.slice(0, 12)}/check.json`);
});

/** A folder of the three sample sets (30 labelled files) and two files that cannot be read. */
async function mixedFolder(name: string): Promise<{ dir: string; run: string }> {
  const run = await scratchDir(name), dir = `${run}/in`;
  await Deno.mkdir(dir);
  for (const set of ["set1", "set2", "set3"]) {
    await Deno.mkdir(`${dir}/${set}`);
    for (let d = 0; d < 10; d++) {
      await Deno.copyFile(
        new URL(`../images/${set}/${d}.png`, import.meta.url),
        `${dir}/${set}/${d}_${set}.png`,
      );
    }
  }
  await Deno.writeTextFile(`${dir}/set2/5_broken.png`, "not a png");
  await Deno.writeFile(`${dir}/set3/blank.png`, encodeGrayPng(new Uint8Array(64).fill(255), 8, 8));
  return { dir, run };
}

Deno.test("check --json gives the same bytes on 0, 1 and 2 workers, and each file's result is what it gets alone", async () => {
  const { dir, run } = await mixedFolder("check-workers");
  const outputs: string[] = [];
  for (const workers of ["0", "1", "2"]) {
    const r = await runTask("check", [
      "--dir",
      dir,
      "--recursive",
      "--json",
      "--workers",
      workers,
      "--run",
      run,
    ]);
    assert.equal(r.code, 0, r.stderr);
    outputs.push(r.stdout);
  }
  assert.equal(outputs[1], outputs[0]);
  assert.equal(outputs[2], outputs[0]);
  const all = JSON.parse(outputs[0]);
  assert.equal(all.results.length, 32);
  assert.equal(all.total, 30); // labelled and read: blank.png names no digit, 5_broken.png cannot be read
  for (const item of all.results.filter((_: unknown, i: number) => i % 4 === 0)) {
    const alone = await runTask("check", ["--file", item.file, "--json", "--run", run]);
    const result = JSON.parse(alone.stdout).results[0];
    assert.deepEqual(result, item, item.file);
  }
});

Deno.test("check --jsonl prints one JSON line per file, in file order, errors included", async () => {
  const { dir, run } = await mixedFolder("check-jsonl");
  const r = await runTask("check", ["--dir", dir, "-r", "--jsonl", "--run", run]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n").map((line) => JSON.parse(line));
  assert.equal(lines.length, 32);
  assert.match(lines[0].file, /set1\/0_set1\.png$/);
  assert.ok(lines.some((l) => l.file.endsWith("5_broken.png") && l.error.startsWith("Cannot read image")));
});

Deno.test("check reads the rest of a folder with a symlink loop, an unreadable file and a text file, reporting each once", async () => {
  const { dir, run } = await mixedFolder("check-problems");
  await Deno.writeTextFile(`${dir}/notes.txt`, "my digits");
  await Deno.copyFile(new URL("../images/set1/3.png", import.meta.url), `${dir}/3_secret.png`);
  // Deno.symlink needs unscoped permissions; a child deno eval makes the link
  const link = await new Deno.Command("deno", {
    args: ["eval", `await Deno.symlink("..", ${JSON.stringify(`${dir}/set1/back`)})`],
  }).output();
  assert.ok(link.success);
  // unreadable even for root: the check runs with its task's permissions minus this one file
  const args = ["--dir", dir, "--recursive", "--run", run];
  const out = await new Deno.Command("deno", {
    args: ["run", ...taskFlags("check"), `--deny-read=${dir}/3_secret.png`, taskScript("check"), ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
  }).output();
  const stdout = new TextDecoder().decode(out.stdout), stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  const count = (text: string, what: string) => text.split("\n").filter((line) => line.includes(what)).length;
  assert.equal(count(stderr, "notes.txt"), 1, stderr);
  assert.match(stderr, /^note: skipping ".*notes\.txt": not a \.png, \.jpg or \.jpeg file$/m);
  assert.equal(count(stderr, "set1/back"), 1, stderr);
  assert.match(
    stderr,
    /^note: skipping ".*set1\/back": a symlink loop: it leads back to ".*check-problems-[^"]*\/in"$/m,
  );
  assert.equal(count(stdout, "3_secret.png"), 1, stdout);
  assert.match(stdout, /3_secret\.png\s+3\s+error: Cannot read image ".*3_secret\.png": permission denied/);
  assert.match(stdout, /^accuracy \d+\/30 /m);
  assert.match(stdout, /^30 of 33 files read, 3 could not be read, 2 skipped \(see the notes above\)$/m);
});

Deno.test("check exits 1 with one line when no file of a folder can be read", async () => {
  const dir = await scratchDir("check-none");
  await Deno.writeTextFile(`${dir}/1.png`, "text");
  await Deno.writeTextFile(`${dir}/2.png`, "more text");
  const r = await runTask("check", ["--dir", dir, "--jsonl", "--run", dir]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^error: Cannot check any of the 2 files: Cannot read image ".*1\.png": not a PNG or JPEG file /m,
  );
  assert.equal(r.stdout.trim().split("\n").length, 2, "the reads are printed all the same");
  // check.json is written as the files are read; a check that read nothing leaves no trace of it
  const left = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
  assert.deepEqual(left, ["1.png", "2.png"]);
});

Deno.test("check of more files than the sheet shows writes a capped sheet with a summary, mistakes first", async () => {
  const dir = await scratchDir("check-large");
  await Deno.mkdir(`${dir}/many`);
  const one = onePng();
  for (let i = 0; i < 450; i++) await Deno.writeFile(`${dir}/many/${i % 3 === 0 ? 7 : 1}_${i}.png`, one);
  const r = await runTask("check", ["--dir", `${dir}/many`, "--quiet", "--run", dir]);
  assert.equal(r.code, 0, r.stderr);
  const check = JSON.parse(await Deno.readTextFile(`${dir}/check.json`));
  assert.equal(check.results.length, 450);
  assert.deepEqual([check.correct, check.total], [300, 450]);
  assert.ok(!(await Array.fromAsync(Deno.readDir(dir))).some((e) => e.name.endsWith(".tmp")));
  const html = await Deno.readTextFile(`${dir}/check_sheet.html`);
  const rows = html.split('<img class="thumb"').length - 1;
  assert.equal(rows, 400);
  assert.ok(html.indexOf('class="cm-cell"') < html.indexOf("Mistakes and least confident reads"));
  assert.ok(html.includes('class="hist-bin"'));
  assert.match(html, /The first 200 other files in order; 50 more are not shown here/);
  // a sheet of 150 wrong 7s (all read as 1) lists the mistakes first
  const firstRow = html.slice(html.indexOf("Mistakes and least confident reads"));
  assert.match(firstRow, /<code>[^<]*\/7_\d+\.png<\/code>/);
});

Deno.test("check keeps its reads when the sheet cannot be drawn, and says so in one line", async () => {
  const dir = await scratchDir("check-nosheet");
  await Deno.mkdir(`${dir}/check_sheet.png`); // a folder where the picture should go
  await Deno.writeTextFile(`${dir}/check_sheet.png/keep`, "");
  const r = await runTask("check", ["--set", "1", "--run", dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^accuracy 10\/10/m);
  assert.match(r.stderr, /^warning: the check sheet could not be drawn: /m);
  assert.equal(JSON.parse(await Deno.readTextFile(`${dir}/check.json`)).results.length, 10);
});

Deno.test("check says how many sub-folders it did not read", async () => {
  const { dir, run } = await mixedFolder("check-subfolders");
  await Deno.copyFile(new URL("../images/set1/1.png", import.meta.url), `${dir}/1.png`);
  const r = await runTask("check", ["--dir", dir, "--run", run]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^note: 3 sub-folders not read; add --recursive to read them$/m);
  assert.match(r.stdout, /^accuracy 1\/1 /m);
});

Deno.test("check refuses --json with --jsonl, and a bad --workers, as usage errors", async () => {
  await expectOneLineError(
    ["--set", "1", "--json", "--jsonl"],
    /^error: Cannot check: give only one of --json and --jsonl$/m,
    2,
  );
  await expectOneLineError(
    ["--set", "1", "--workers", "many"],
    /^error: Cannot check: --workers is "many", expected an integer from 0 to 16$/m,
    2,
  );
});
