import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeSampleSet, SAMPLE_STYLES } from "../core/digits/draw_digits.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SETS = Object.keys(SAMPLE_STYLES) as (keyof typeof SAMPLE_STYLES)[];

function committed(set: string, digit: number): Uint8Array {
  return Deno.readFileSync(join(ROOT, "images", set, `${digit}.png`));
}

Deno.test("makeSampleSet() reproduces the committed images/set1..set3 byte for byte", () => {
  for (const set of SETS) {
    const files = makeSampleSet(SAMPLE_STYLES[set]);
    assert.equal(files.length, 10);
    files.forEach((bytes, digit) =>
      assert.deepEqual(bytes, committed(set, digit), `images/${set}/${digit}.png differs`)
    );
  }
});

Deno.test("scripts/make_images.ts, run with write access to one folder only, writes the same 30 files there", async () => {
  const runs = join(ROOT, "runs");
  await Deno.mkdir(runs, { recursive: true });
  const out = await Deno.makeTempDir({ dir: runs, prefix: "make_images_" });
  try {
    const { code, stderr } = await new Deno.Command("deno", {
      args: ["run", `--allow-write=${out}`, "scripts/make_images.ts", "--out", out],
      cwd: ROOT,
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    for (const set of SETS) {
      for (let digit = 0; digit <= 9; digit++) {
        assert.deepEqual(
          Deno.readFileSync(join(out, set, `${digit}.png`)),
          committed(set, digit),
          `${set}/${digit}.png`,
        );
      }
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("scripts/make_images.ts rejects an unknown flag with exit code 2", async () => {
  const { code, stderr } = await new Deno.Command("deno", {
    args: ["run", "scripts/make_images.ts", "--bogus"],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(code, 2);
  assert.match(
    new TextDecoder().decode(stderr),
    /usage: deno run --allow-write=images scripts\/make_images.ts/,
  );
});
