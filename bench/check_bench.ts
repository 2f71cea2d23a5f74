/**
 * `deno task bench:check`: how fast `deno task check` reads a folder, and how much memory it needs,
 * as the folder grows from 100 to 10,000 files.
 *
 * It makes its folders itself, under bench/results/check_images/ (kept between runs, made again when
 * missing):
 * - mixed: digits drawn by the project's own hand (core/digits/draw_digits.ts) on canvases from
 *   28 × 28 to 1,200 × 900, dark ink on light paper and light on dark, saved as the kinds people have
 *   (PNG: 8- and 16-bit grey, grey with alpha, RGB, RGBA; and JPEG at quality 85); 1,000 distinct
 *   files, repeated under new names (hard links) up to 10,000;
 * - set1: copies of images/set1 (400 × 300 greyscale PNGs), the folder of the issue that asked for
 *   this bench.
 *
 * Each measurement runs the check task's own command (its deno.json permissions and environment) with `--jsonl` in a
 * child process, under the same peak-RSS wrapper as `deno task bench`, and reports wall time,
 * images/s and the child's peak resident memory.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import jpegJs from "jpeg-js";
import { PNG } from "pngjs";
import { drawDigit, SAMPLE_STYLES } from "../core/digits/draw_digits.ts";
import { Rng } from "../core/network/rng.ts";
import { helpText, type OptionSpec, parseFlags, runMain, UsageError } from "../scripts/_cli.ts";
import { runWithPeakRss } from "./run_bench.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const IMAGES_DIR = join(ROOT, "bench/results/check_images");
const RESULTS_FILE = join(ROOT, "bench/results/check_bench.json");
/** Distinct files of the mixed folder; the rest are hard links under new names. */
const DISTINCT = 1000;
/** Canvas sizes of the mixed folder, [width, height], drawn in turn. */
const CANVASES: readonly (readonly [number, number])[] = [
  [28, 28],
  [64, 64],
  [200, 150],
  [400, 300],
  [640, 480],
  [800, 600],
  [1200, 900],
];
/** PNG kinds of the mixed folder, saved in turn. */
const KINDS = ["gray8", "gray16", "gray-alpha", "rgb", "rgba", "jpeg"] as const;
/** JPEG quality of the mixed folder's JPEG files, as a phone or scanner saves them. */
const JPEG_QUALITY = 85;

const OPTIONS: OptionSpec = {
  sizes: { type: "string", help: "folder sizes to check (default 100,1000,10000)", valueName: "LIST" },
  folders: { type: "string", help: "which folders: mixed, set1 or both (default both)", valueName: "LIST" },
  workers: {
    type: "string",
    help: "pass --workers N to check (default: check's own default)",
    valueName: "N",
  },
  help: { type: "boolean", short: "h", help: "show this help" },
};

interface Measurement {
  readonly folder: string;
  readonly files: number;
  readonly seconds: number;
  readonly images_per_second: number;
  readonly peak_rss_mib: number;
  readonly read: number;
  readonly errors: number;
}

async function main(): Promise<number> {
  const { values } = parseFlags(Deno.args, OPTIONS);
  if (values.help) {
    console.log(helpText(
      "deno task bench:check [options]",
      "Time deno task check on folders of 100 to 10,000 digit images it makes itself, and report images/s\n" +
        "and peak memory.",
      OPTIONS,
    ));
    return 0;
  }
  const sizes = ((values.sizes as string | undefined) ?? "100,1000,10000").split(",").map((s) => {
    if (!/^[1-9]\d{0,5}$/.test(s) || Number(s) > 100_000) {
      throw new UsageError(`Cannot bench: --sizes has "${s}", expected counts from 1 to 100000`);
    }
    return Number(s);
  });
  const folders = ((values.folders as string | undefined) ?? "mixed,set1").split(",");
  for (const f of folders) {
    if (f !== "mixed" && f !== "set1") {
      throw new UsageError(`Cannot bench: --folders has "${f}", expected mixed or set1`);
    }
  }
  const workers = values.workers as string | undefined;
  const results: Measurement[] = [];
  for (const folder of folders) {
    const sources = folder === "mixed" ? await _mixedSources() : _set1Sources();
    for (const size of sizes) {
      const dir = await _folder(folder, sources, size);
      console.error(`checking ${size} files of ${folder} …`);
      results.push(await _measure(folder, dir, size, workers));
    }
  }
  console.log(_table(results));
  await Deno.writeTextFile(
    RESULTS_FILE,
    JSON.stringify({ date: new Date().toISOString(), workers: workers ?? "default", results }, null, 2) +
      "\n",
  );
  console.log(`\nresults in ${RESULTS_FILE.slice(ROOT.length)}`);
  return 0;
}

/** The distinct files of the mixed folder, made once: [name, path]. */
async function _mixedSources(): Promise<string[]> {
  const dir = join(IMAGES_DIR, "mixed-sources-v2"); // v2: with JPEG files
  const done = join(dir, "DONE");
  const paths: string[] = [];
  for (let i = 0; i < DISTINCT; i++) {
    const extension = KINDS[i % KINDS.length] === "jpeg" ? "jpg" : "png";
    paths.push(join(dir, `${i % 10}_${String(i).padStart(4, "0")}.${extension}`));
  }
  if (await _exists(done)) return paths;
  await Deno.mkdir(dir, { recursive: true });
  console.error(`drawing ${DISTINCT} digit images into ${dir.slice(ROOT.length)} (once) …`);
  const rng = new Rng(2026);
  for (let i = 0; i < DISTINCT; i++) {
    const [width, height] = CANVASES[i % CANVASES.length];
    const light = i % 4 !== 3; // one in four is light ink on dark paper
    const side = Math.min(width, height);
    const style = {
      ...SAMPLE_STYLES.set1,
      width,
      height,
      paper: light ? 0.92 : 0.1,
      ink: light ? 0.12 : 0.95,
      penRadius: Math.max(1, side / 40),
      digitHeight: side * 0.6,
      offCentre: 0.5,
    };
    const img = drawDigit(i % 10, style, rng);
    await Deno.writeFile(paths[i], _encode(img.pixels, width, height, KINDS[i % KINDS.length]));
  }
  await Deno.writeTextFile(done, "");
  return paths;
}

function _set1Sources(): string[] {
  return Array.from({ length: 10 }, (_, d) => join(ROOT, "images/set1", `${d}.png`));
}

/** A folder of `size` files cycling through the sources, as hard links (made once). */
async function _folder(name: string, sources: readonly string[], size: number): Promise<string> {
  const dir = join(IMAGES_DIR, `${name}-v2-${size}`);
  const done = join(dir, ".done");
  if (await _exists(done)) return dir;
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
  for (let i = 0; i < size; i++) {
    const source = sources[i % sources.length];
    const digit = source.slice(source.lastIndexOf("/") + 1)[0];
    const target = join(dir, `${digit}_${String(i).padStart(5, "0")}${extname(source)}`);
    try {
      await Deno.link(source, target);
    } catch {
      await Deno.copyFile(source, target); // another file system
    }
  }
  await Deno.writeTextFile(done, "");
  return dir;
}

async function _measure(
  folder: string,
  dir: string,
  size: number,
  workers: string | undefined,
): Promise<Measurement> {
  const deno = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const command: string = deno.tasks.check.command;
  const flags = command.split(/\s+/).filter((part) => part.startsWith("--"));
  // the task's environment (NAME=value before "deno run": glibc's malloc settings) goes to the child too
  const env = Object.fromEntries(
    command.split(/\s+/).filter((part) => /^[A-Z_][A-Z0-9_]*=/.test(part)).map((part) => part.split("=", 2)),
  );
  const argv = [
    Deno.execPath(),
    "run",
    "--no-prompt",
    ...flags,
    "scripts/check.ts",
    "--dir",
    dir.slice(ROOT.length),
    "--jsonl",
    "--run",
    "runs/bench-check",
    ...(workers === undefined ? [] : ["--workers", workers]),
  ];
  const start = performance.now();
  const run = await runWithPeakRss(argv, { set: env, unset: [] });
  const seconds = (performance.now() - start) / 1000;
  if (run === null || run.exit_code !== 0) {
    throw new Error(
      `Cannot bench check: the check of ${dir} failed (exit code ${run?.exit_code ?? "unknown"})`,
    );
  }
  const lines = run.stdout.trim().split("\n").map((line) => JSON.parse(line));
  if (lines.length !== size) throw new Error(`Cannot bench check: ${lines.length} results for ${size} files`);
  const errors = lines.filter((l) => l.error !== null).length;
  return {
    folder,
    files: size,
    seconds,
    images_per_second: size / seconds,
    peak_rss_mib: run.peak_rss_kib / 1024,
    read: size - errors,
    errors,
  };
}

function _table(results: readonly Measurement[]): string {
  const lines = [
    "| folder | files | wall time | images/s | peak RSS | read | errors |",
    "|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of results) {
    lines.push(
      `| ${r.folder} | ${r.files.toLocaleString("en")} | ${r.seconds.toFixed(1)} s | ${
        r.images_per_second.toFixed(0)
      } | ${r.peak_rss_mib.toFixed(0)} MB | ${r.read} | ${r.errors} |`,
    );
  }
  return lines.join("\n");
}

/** A drawn image as a file of the given kind. Luminance in [0, 1]; alpha kinds make the paper clear. */
function _encode(
  pixels: Float32Array,
  width: number,
  height: number,
  kind: typeof KINDS[number],
): Uint8Array {
  if (kind === "jpeg") {
    // blue-black ink, as the RGB kinds, through jpeg-js's encoder (baseline, 4:2:0)
    const data = new Uint8Array(width * height * 4);
    for (let i = 0; i < pixels.length; i++) {
      const v = Math.round(pixels[i] * 255);
      data.set([Math.round(v * 0.9), Math.round(v * 0.95), v, 255], 4 * i);
    }
    return new Uint8Array(
      jpegJs.encode({ data: Buffer.from(data.buffer), width, height }, JPEG_QUALITY).data,
    );
  }
  const colorType = kind === "rgb" ? 2 : kind === "rgba" ? 6 : kind === "gray-alpha" ? 4 : 0;
  const bitDepth = kind === "gray16" ? 16 : 8;
  const png = new PNG({ width, height, colorType, inputColorType: 6, bitDepth, inputHasAlpha: true });
  let inkLevel = 0;
  for (const v of pixels) inkLevel += v;
  const paperIsLight = inkLevel / pixels.length > 0.5;
  for (let i = 0; i < pixels.length; i++) {
    const v = Math.round(pixels[i] * 255);
    const o = 4 * i;
    if (kind === "rgb" || kind === "rgba") {
      // blue-black ink: a little colour, as a pen has
      png.data[o] = Math.round(v * 0.9);
      png.data[o + 1] = Math.round(v * 0.95);
      png.data[o + 2] = v;
    } else {
      png.data[o] = png.data[o + 1] = png.data[o + 2] = v;
    }
    // with alpha on light paper: the ink opaque, the paper see-through (as a drawing app saves it)
    const ink = paperIsLight ? 1 - pixels[i] : pixels[i];
    const clearPaper = (kind === "rgba" || kind === "gray-alpha") && paperIsLight;
    png.data[o + 3] = clearPaper ? Math.round(Math.min(1, ink * 1.4) * 255) : 255;
  }
  if (bitDepth === 16) {
    // pngjs reads 16-bit samples from the data as Uint16 values (native order)
    const wide = new Uint16Array(png.data.length);
    for (let i = 0; i < wide.length; i++) wide[i] = png.data[i] * 257;
    png.data = Buffer.from(wide.buffer);
  }
  return new Uint8Array(PNG.sync.write(png, { colorType, bitDepth, inputColorType: 6, inputHasAlpha: true }));
}

async function _exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

if (import.meta.main) await runMain(main);
