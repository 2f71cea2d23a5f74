import assert from "node:assert/strict";
import { encodeGrayPng } from "../core/formats/png.ts";
import { runTask, scratchDir } from "./_run_task.ts";
import { writeNumberImages } from "./_number_images.ts";

Deno.test("check --digits reads the project's own numbers digit by digit: lined paper, light on dark, pencil, touching", async () => {
  const dir = await scratchDir("check-digits");
  await writeNumberImages(dir);
  const r = await runTask("check", ["--dir", dir, "--digits", "--run", dir]);
  assert.equal(r.code, 0, r.stderr);
  const name = dir.slice(dir.indexOf("runs/tests/"));
  assert.match(r.stdout, new RegExp(`^${name}/2026\\.png \\[1/4\\]\\s+2\\s+2 ✓`, "m"));
  assert.match(r.stdout, new RegExp(`^${name}/2026\\.png reads 2026 ✓  digits 2 \\d+\\.\\d%, 0 `, "m"));
  assert.match(r.stdout, new RegExp(`^${name}/314\\.png reads 314 ✓  digits 3 `, "m"));
  assert.match(r.stdout, new RegExp(`^${name}/90_pencil\\.png reads 90 ✓  digits 9 `, "m"));
  assert.match(
    r.stdout,
    new RegExp(`^${name}/35_touching\\.png reads 35 ✓  digits 3 \\d+\\.\\d% \\(cut\\), 5 `, "m"),
  );
  assert.match(r.stdout, /^accuracy 11\/11 \(100\.0%\)$/m);
  assert.match(r.stdout, /^numbers 4\/4 \(100\.0%\) read as their names say$/m);
  // the sheet shows each digit as its own row, and check.json keeps the numbers
  const check = JSON.parse(await Deno.readTextFile(`${dir}/check.json`));
  assert.equal(check.results.length, 11);
  // files in natural order: 35_touching, 90_pencil, 314, 2026
  assert.equal(check.results[0].file, `${name}/35_touching.png [1/2]`);
  assert.equal(check.results[10].file, `${name}/2026.png [4/4]`);
  assert.deepEqual(check.numbers.map((n: { number: string }) => n.number), ["35", "90", "314", "2026"]);
  assert.ok((await Deno.stat(`${dir}/check_sheet.html`)).isFile);
});

Deno.test("check --digits --jsonl prints one line per file with the number and its digits", async () => {
  const dir = await scratchDir("check-digits-jsonl");
  const [path] = await writeNumberImages(dir);
  const r = await runTask("check", ["--file", path, "--digits", "--jsonl", "--run", dir]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(lines.length, 1);
  const [number] = lines;
  assert.ok(number.expected === "2026" && number.number === "2026" && number.error === null);
  assert.deepEqual(number.digits.map((d: { predicted: number }) => d.predicted), [2, 0, 2, 6]);
  assert.equal(number.digits[3].file.endsWith("2026.png [4/4]"), true);
  assert.equal(number.digits[0].box.length, 4);
  assert.ok(number.digits.every((d: { confidence: number; cut: boolean }) => d.confidence > 0.5 && !d.cut));
});

Deno.test("check --digits --json counts numbers, and a blank file is reported without stopping the others", async () => {
  const dir = await scratchDir("check-digits-json");
  const paths = await writeNumberImages(dir);
  await Deno.writeFile(`${dir}/77.png`, encodeGrayPng(new Float32Array(40 * 20).fill(1), 40, 20));
  const r = await runTask("check", [
    "--file",
    paths[1],
    "--file",
    `${dir}/77.png`,
    "--digits",
    "--json",
    "--run",
    dir,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.ok(out.correct === 1 && out.total === 1);
  assert.equal(out.results[0].number, "314");
  assert.equal(out.results[1].number, null);
  assert.match(
    out.results[1].error,
    /^Cannot read number ".*77\.png": no digit found \(the image is blank\)$/,
  );
});
