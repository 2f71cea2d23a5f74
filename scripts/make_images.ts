/**
 * Make the project's own sample digits: images/set1..set3/0.png..9.png.
 *
 * Deterministic: the same code always writes the same bytes (tests/make_images_test.ts checks the
 * committed files against a fresh run).
 *
 * Usage: deno run --allow-write=images scripts/make_images.ts [--out DIR]
 * (plain writes, not core/base/atomic_write.ts: its rename would also need --allow-read)
 *
 * @module
 */

import { parseArgs } from "node:util";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeSampleSet, SAMPLE_STYLES } from "../core/digits/draw_digits.ts";

const DEFAULT_OUT = fileURLToPath(new URL("../images", import.meta.url));

async function main(): Promise<number> {
  let out: string;
  try {
    const { values } = parseArgs({ args: Deno.args, options: { out: { type: "string" } }, strict: true });
    out = values.out ?? DEFAULT_OUT;
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    console.error("usage: deno run --allow-write=images scripts/make_images.ts [--out DIR]");
    return 2;
  }
  for (const [set, style] of Object.entries(SAMPLE_STYLES)) {
    const dir = join(out, set);
    await Deno.mkdir(dir, { recursive: true });
    const files = makeSampleSet(style);
    for (let digit = 0; digit < files.length; digit++) {
      await Deno.writeFile(join(dir, `${digit}.png`), files[digit]);
    }
    console.log(`wrote ${dir}/0.png..9.png (${style.width}x${style.height})`);
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main());
