/**
 * bench/photo_bench.ts (`deno task bench:photos`) on a handful of digits: it prints its table, writes
 * its JSON and contact sheet where it is told, and refuses bad options in one line.
 */

import assert from "node:assert/strict";
import { decodePng } from "../core/formats/png.ts";
import { isOneLineError, ROOT, scratchDir, taskFlags, taskScript } from "./_run_task.ts";

/** Run the bench with its task's permissions, except that it may write into runs/ instead of bench/results. */
async function bench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const flags = taskFlags("bench:photos").map((
    f,
  ) => (f.startsWith("--allow-write") ? "--allow-write=runs" : f));
  const out = await new Deno.Command("deno", {
    args: ["run", ...flags, taskScript("bench:photos"), ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("bench:photos on 4 digits prints the table and writes its JSON and contact sheet", async () => {
  const dir = await scratchDir("photo-bench");
  const r = await bench(["--count", "4", "--conditions", "clean,jpeg q30", "--examples", "2", "--out", dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^deno task bench:photos --count 4 --conditions "clean,jpeg q30" --examples 2 --out /,
  );
  assert.match(r.stdout, /\| MNIST input \(baseline\) \| 4 \| \d+\.\d\d % \| \| \|/);
  assert.match(r.stdout, /\| clean \| 4 \| \d+\.\d\d % \| [+-]\d+\.\d\d \| \d \|/);
  assert.match(r.stdout, /\| jpeg q30 \| 4 \|/);
  assert.match(r.stdout, /\| \*\*all photos\*\* \| 8 \|/);
  const json = JSON.parse(await Deno.readTextFile(`${dir}/photo_bench.json`));
  assert.equal(json.digits, 4);
  assert.equal(json.source, "test");
  assert.deepEqual(json.conditions.map((c: { condition: string }) => c.condition), ["clean", "jpeg q30"]);
  assert.ok(
    json.overall_accuracy >= 0 && json.overall_accuracy <= 1 && typeof json.weights_sha256 === "string",
  );
  const sheet = decodePng(await Deno.readFile(`${dir}/photo_contact_sheet.png`), "sheet");
  assert.ok(sheet.width > 2 * 64 && sheet.height > 2 * 64);
});

Deno.test("bench:photos refuses a bad count, source or condition in one line", async () => {
  for (
    const [args, message] of [
      [["--count", "0"], 'Cannot bench: --count is "0", expected a whole number from 1 to 10000'],
      [["--source", "train"], 'Cannot bench: --source is "train", expected test or validation'],
      [
        ["--conditions", "clean,purple pen"],
        'Cannot bench: --conditions has "purple pen", expected some of "clean", ',
      ],
      [
        ["--source", "validation", "--count", "6000"],
        "Cannot bench: --count is 6000, but the validation set holds 5000 digits",
      ],
    ] as const
  ) {
    const r = await bench([...args]);
    assert.equal(r.code, 2, `${args}: ${r.stderr}`);
    assert.ok(isOneLineError(r.stderr), r.stderr);
    assert.ok(r.stderr.includes(`error: ${message}`), r.stderr);
  }
});
