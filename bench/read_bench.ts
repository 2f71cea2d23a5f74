/**
 * How long `deno task check` spends on one file, step by step, for the 400 × 300 grey PNGs of
 * images/set1 (the folder issue 16 timed): decoding the PNG, each preprocessing step of
 * core/digits/preprocess.ts, the whole `toMnistInput`, and the sheet's thumbnail. Each bench reads
 * all ten files once per call, so its time divided by ten is the time per file.
 *
 * `deno bench --allow-read=. bench/read_bench.ts` (the throughput of whole folders, with workers and
 * peak memory, is `deno task bench:check`).
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { decodeImage } from "../core/formats/image.ts";
import {
  estimateBackground,
  flattenAlpha,
  isDarkInk,
  removeBackground,
  removeLines,
  removeSpecks,
  shrinkLarge,
  toMnistInput,
} from "../core/digits/preprocess.ts";
import { downscaleGray, THUMBNAIL_SIDE } from "../core/reports/gallery.ts";

const SET1 = fileURLToPath(new URL("../images/set1/", import.meta.url));
const files = Array.from({ length: 10 }, (_, d) => Deno.readFileSync(`${SET1}${d}.png`));
const images = files.map((bytes, d) => decodeImage(bytes, `${d}.png`));
/** Each image as the steps see it: the luminance, which way the ink is, the bright-ink image, and after each step. */
const steps = images.map((img) => {
  const flat = flattenAlpha(img)!;
  const { pixels, width, height } = shrinkLarge(flat, img.width, img.height);
  const dark = isDarkInk(pixels, width, height);
  const bright = dark ? pixels.map((v) => 1 - v) : pixels.slice();
  const even = removeBackground(bright, width, height, dark);
  const lined = removeLines(even, width, height);
  return { img, pixels, width, height, dark, bright, even, lined };
});
const group = "one file of images/set1, 400 x 300 grey PNG (x10)";

Deno.bench({ name: "decode PNG", group }, () => {
  files.forEach((bytes, d) => decodeImage(bytes, `${d}.png`));
});
Deno.bench({ name: "isDarkInk", group }, () => {
  for (const s of steps) isDarkInk(s.pixels, s.width, s.height);
});
Deno.bench({ name: "estimateBackground", group }, () => {
  for (const s of steps) estimateBackground(s.bright, s.width, s.height);
});
Deno.bench({ name: "removeBackground (with estimateBackground)", group }, () => {
  for (const s of steps) removeBackground(s.bright, s.width, s.height, s.dark);
});
Deno.bench({ name: "removeLines", group }, () => {
  for (const s of steps) removeLines(s.even, s.width, s.height);
});
Deno.bench({ name: "removeSpecks", group }, () => {
  for (const s of steps) removeSpecks(s.lined, s.width, s.height);
});
Deno.bench({ name: "toMnistInput (every step)", group, baseline: true }, () => {
  images.forEach((img, d) => toMnistInput(img, `${d}.png`));
});
Deno.bench({ name: "thumbnail for the sheet", group }, () => {
  for (const img of images) {
    downscaleGray({ width: img.width, height: img.height, gray: img.gray }, THUMBNAIL_SIDE);
  }
});
