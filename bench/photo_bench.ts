/**
 * `deno task bench:photos`: how well the shipped model reads MNIST digits photographed on paper.
 *
 * A fixed, seeded sample of MNIST digits (the 10,000 test digits, never trained on; or with
 * `--source validation` the 5,000 validation digits held out of training, the set to tune on) is
 * rendered under every condition of core/digits/photo.ts (pens, papers, lines, light, blur, noise,
 * a turn, JPEG qualities, phone photos), the same digits under each, and every photo is read the
 * way `deno task check` reads a file: its bytes decoded (core/formats/image.ts), made into the
 * network's 28 × 28 input (core/digits/preprocess.ts), predicted in batches with the weights. The
 * same digits as plain MNIST inputs are the baseline.
 *
 * Prints the table (docs/photo_bench.md), writes every count and every misread to
 * bench/results/photo_bench.json and a contact sheet (a few photos of each condition, the inputs
 * they became, what was read) to bench/results/photo_contact_sheet.png. With `--save-wrong DIR` the
 * misread photos and their inputs are written too, to look at.
 *
 * @module
 */

import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { hiddenSizes, initParams } from "../core/network/network.ts";
import { Rng } from "../core/network/rng.ts";
import { loadParams } from "../core/kernels/backend.ts";
import { createBackend } from "../core/kernels/backend_factory.ts";
import { loadConfig } from "../core/training/config.ts";
import { loadTestSet, loadTrainSet } from "../core/training/data_files.ts";
import { type Dataset, selectImages, splitValidation } from "../core/training/dataset.ts";
import { predictDigits } from "../core/training/predict.ts";
import { encodeGrayPng } from "../core/formats/png.ts";
import { encodeRgbJpeg } from "../core/formats/jpeg.ts";
import { PHOTO_CONDITIONS, photoFile, photoSample, photoSeed } from "../core/digits/photo.ts";
import { DIGIT_PIXELS } from "../core/reports/gallery.ts";
import {
  photoBenchOverall,
  type PhotoBenchResult,
  type PhotoBenchRow,
  photoBenchTable,
  photoSheetImage,
  photoSheetPng,
  type PhotoSheetRow,
} from "../core/reports/photo_report.ts";
import { helpText, type OptionSpec, parseFlags, runMain, UsageError } from "../scripts/_cli.ts";
import { loadModel } from "../scripts/_model.ts";
import { type PhotoJob, type PhotoJobResult, runPhotoJob } from "./_photo_reads.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
/** Photos per job sent to a worker. */
const JOB_SIZE = 50;
/** Batch of the prediction backend. */
const PREDICT_BATCH = 256;

const OPTIONS: OptionSpec = {
  count: {
    type: "string",
    help: "digits to photograph (default 1000; up to the set's size)",
    valueName: "N",
  },
  source: {
    type: "string",
    help: "test (the 10,000 test digits, default) or validation (the 5,000 held out of training, to tune on)",
    valueName: "SET",
  },
  conditions: {
    type: "string",
    help: "only these conditions, comma-separated (default: all)",
    valueName: "LIST",
  },
  seed: { type: "string", help: "seed of the sample and of every photo (default 1)", valueName: "N" },
  weights: {
    type: "string",
    help: "weights file (default: output.weights of the config)",
    valueName: "FILE",
  },
  config: { type: "string", help: "config file (default: config.yaml of the project)", valueName: "FILE" },
  workers: {
    type: "string",
    help: "threads that make and read the photos (default 2; 0: the main thread)",
    valueName: "N",
  },
  examples: {
    type: "string",
    help: "photos per condition on the contact sheet (default 6; 0: no sheet)",
    valueName: "N",
  },
  "sheet-jpeg": {
    type: "string",
    help: "write the contact sheet as a JPEG of this quality (1-100) instead of a PNG (about half the size)",
    valueName: "Q",
  },
  out: {
    type: "string",
    help: "folder for the JSON and the contact sheet (default bench/results)",
    valueName: "DIR",
  },
  "save-wrong": {
    type: "string",
    help: "write each misread photo and its 28×28 input into DIR",
    valueName: "DIR",
  },
  help: { type: "boolean", short: "h", help: "show this help" },
};

interface Options {
  count: number;
  source: "test" | "validation";
  conditions: string[];
  seed: number;
  workers: number;
  examples: number;
  sheetJpeg: number | null;
  outDir: string;
  saveWrong: string | null;
}

async function main(): Promise<number> {
  const { values } = parseFlags(Deno.args, OPTIONS);
  if (values.help) {
    console.log(helpText(
      "deno task bench:photos [options]",
      "Render MNIST digits as photos of paper under each condition (pens, papers, lines, light, blur, noise,\n" +
        "a turn, JPEG, phone photos), read each photo the way deno task check reads a file, and print the\n" +
        "accuracy per condition beside the same digits as plain MNIST inputs. Writes photo_bench.json and\n" +
        "photo_contact_sheet.png.",
      OPTIONS,
    ));
    return 0;
  }
  const options = _options(values);
  const started = performance.now();
  const config = await loadConfig(
    resolve((values.config as string | undefined) ?? join(ROOT, "config.yaml")),
  );
  const weightsPath = resolve((values.weights as string | undefined) ?? config.output.weights);
  const model = await loadModel(weightsPath, config.model.activation);
  const set = await _digitSet(options.source, config);
  if (options.count > set.count) {
    throw new UsageError(
      `Cannot bench: --count is ${options.count}, but the ${options.source} set holds ${set.count} digits`,
    );
  }
  const sample = photoSample(set.count, options.count, options.seed);
  const data = selectImages(set, sample);
  const seeds = Uint32Array.from(sample, (index) => photoSeed(options.seed, index));
  console.error(model.line);
  console.error(
    `photographing ${options.count} ${options.source} digits under ${options.conditions.length} conditions ` +
      `(${options.count * options.conditions.length} photos) on ${options.workers || "the main"} thread${
        options.workers === 1 ? "" : "s"
      } …`,
  );

  const backend = await createBackend("wasm", hiddenSizes(model.params), model.activation, PREDICT_BATCH);
  loadParams(backend, model.params);
  const baseline = predictDigits(backend, _mnistInputs(data)).map((p) => p.predicted);
  const baselineCorrect = baseline.filter((p, i) => p === data.labels[i]).length;

  const results = await _photograph(data.pixels, seeds, options);
  const rows: PhotoBenchRow[] = [];
  const sheet: PhotoSheetRow[] = [];
  const misreads: {
    condition: string;
    index: number;
    label: number;
    read: number | null;
    error: string | null;
  }[] = [];
  for (const condition of options.conditions) {
    const jobs = results.filter((r) => r.condition === condition).sort((a, b) => a.start - b.start);
    const inputs: Float32Array[] = [], errors: (string | null)[] = [];
    for (const job of jobs) {
      for (let p = 0; p < job.end - job.start; p++) {
        inputs.push(job.inputs.subarray(p * DIGIT_PIXELS, (p + 1) * DIGIT_PIXELS));
      }
      errors.push(...job.errors);
    }
    const predicted = predictDigits(backend, inputs).map((p, i) => (errors[i] === null ? p.predicted : null));
    let correct = 0, unread = 0;
    for (let p = 0; p < options.count; p++) {
      if (errors[p] !== null) unread++;
      if (predicted[p] === data.labels[p]) correct++;
      else {
        misreads.push({
          condition,
          index: sample[p],
          label: data.labels[p],
          read: predicted[p],
          error: errors[p],
        });
      }
    }
    rows.push({ condition, images: options.count, correct, unread });
    const thumbnails = jobs.flatMap((j) => j.thumbnails);
    sheet.push({
      label: condition,
      note: `${((100 * correct) / options.count).toFixed(1)}%`,
      cells: thumbnails.map((photo, p) => ({
        photo,
        input: errors[p] === null ? inputs[p] : null,
        expected: data.labels[p],
        predicted: predicted[p],
      })),
    });
  }
  backend.dispose();

  const result: PhotoBenchResult = { rows, digits: options.count, baselineCorrect };
  const seconds = (performance.now() - started) / 1000;
  const command = _command(values);
  console.log(`${command}\n`);
  console.log(photoBenchTable(result));
  const overall = photoBenchOverall(result);
  console.log(
    `\n${overall.images} photos, ${(100 * overall.accuracy).toFixed(2)} % read right, in ${
      seconds.toFixed(0)
    } s`,
  );

  await Deno.mkdir(options.outDir, { recursive: true });
  const jsonPath = join(options.outDir, "photo_bench.json");
  const sheetPath = join(options.outDir, `photo_contact_sheet.${options.sheetJpeg === null ? "png" : "jpg"}`);
  await Deno.writeTextFile(
    jsonPath,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        command,
        weights: relative(ROOT, weightsPath),
        weights_sha256: model.sha256,
        source: options.source,
        seed: options.seed,
        digits: options.count,
        baseline_accuracy: baselineCorrect / options.count,
        overall_accuracy: overall.accuracy,
        seconds,
        conditions: rows.map((r) => ({ ...r, accuracy: r.correct / r.images })),
        misreads,
      },
      null,
      2,
    ) + "\n",
  );
  if (options.examples > 0) await Deno.writeFile(sheetPath, _sheetFile(sheet, options.sheetJpeg));
  console.log(
    `results in ${relative(Deno.cwd(), jsonPath)}${
      options.examples > 0 ? `, ${relative(Deno.cwd(), sheetPath)}` : ""
    }`,
  );
  if (options.saveWrong !== null) await _saveWrong(options.saveWrong, data, sample, seeds, misreads, results);
  return 0;
}

function _options(values: Record<string, unknown>): Options {
  const int = (name: string, fallback: number, lo: number, hi: number) => {
    const text = values[name] as string | undefined;
    if (text === undefined) return fallback;
    if (!/^\d+$/.test(text) || Number(text) < lo || Number(text) > hi) {
      throw new UsageError(
        `Cannot bench: --${name} is "${text}", expected a whole number from ${lo} to ${hi}`,
      );
    }
    return Number(text);
  };
  const source = (values.source as string | undefined) ?? "test";
  if (source !== "test" && source !== "validation") {
    throw new UsageError(`Cannot bench: --source is "${source}", expected test or validation`);
  }
  const known = PHOTO_CONDITIONS.map((c) => c.name);
  const conditions = values.conditions === undefined
    ? known
    : (values.conditions as string).split(",").map((c) => c.trim());
  for (const c of conditions) {
    if (!known.includes(c)) {
      throw new UsageError(
        `Cannot bench: --conditions has "${c}", expected some of ${known.map((k) => `"${k}"`).join(", ")}`,
      );
    }
  }
  return {
    count: int("count", 1000, 1, 10_000),
    source,
    conditions,
    seed: int("seed", 1, 0, 2 ** 32 - 1),
    workers: int("workers", 2, 0, 16),
    examples: int("examples", 6, 0, 20),
    sheetJpeg: values["sheet-jpeg"] === undefined ? null : int("sheet-jpeg", 85, 1, 100),
    outDir: resolve((values.out as string | undefined) ?? join(ROOT, "bench/results")),
    saveWrong: (values["save-wrong"] as string | undefined) ?? null,
  };
}

/**
 * The digits to photograph: the test set, or the validation digits exactly as `deno task train`
 * holds them out (one generator seeded with train.seed draws the initial weights, then the split).
 */
async function _digitSet(
  source: "test" | "validation",
  config: Awaited<ReturnType<typeof loadConfig>>,
): Promise<Dataset> {
  if (source === "test") return await loadTestSet(config);
  const rng = new Rng(config.train.seed);
  initParams(config.model.hidden, config.model.activation, rng); // the draws scripts/train.ts makes first
  return splitValidation(await loadTrainSet(config), config.train.validation, rng).validation;
}

/** The digits as the network's plain MNIST inputs, pixels / 255. */
function _mnistInputs(data: Dataset): Float32Array[] {
  return Array.from({ length: data.count }, (_, i) => {
    const input = new Float32Array(DIGIT_PIXELS);
    for (let j = 0; j < DIGIT_PIXELS; j++) input[j] = data.pixels[i * DIGIT_PIXELS + j] / 255;
    return input;
  });
}

/** Every job of every condition, on worker threads (or the main thread with --workers 0). */
async function _photograph(
  digits: Uint8Array,
  seeds: Uint32Array,
  options: Options,
): Promise<PhotoJobResult[]> {
  const jobs: PhotoJob[] = [];
  for (const condition of options.conditions) {
    for (let start = 0; start < options.count; start += JOB_SIZE) {
      jobs.push({ condition, start, end: Math.min(options.count, start + JOB_SIZE) });
    }
  }
  const results: PhotoJobResult[] = [];
  const progress = () => {
    if (Deno.stderr.isTerminal()) {
      Deno.stderr.writeSync(new TextEncoder().encode(`\r${results.length} of ${jobs.length} jobs done`));
    }
  };
  if (options.workers === 0) {
    for (const job of jobs) {
      results.push(runPhotoJob(digits, seeds, options.examples, job));
      progress();
    }
    return results;
  }
  let next = 0;
  const run = (worker: Worker) =>
    new Promise<void>((done, fail) => {
      const send = () => {
        if (next === jobs.length) return done();
        worker.postMessage(jobs[next++]);
      };
      worker.onmessage = (event: MessageEvent<PhotoJobResult>) => {
        results.push(event.data);
        progress();
        send();
      };
      worker.onerror = (event) => {
        event.preventDefault();
        fail(new Error(`a photo worker failed: ${event.message}`));
      };
      worker.postMessage({ digits, seeds, thumbnails: options.examples });
      send();
    });
  const workers = Array.from(
    { length: Math.min(options.workers, jobs.length) },
    () => new Worker(new URL("./_photo_worker.ts", import.meta.url), { type: "module" }),
  );
  try {
    await Promise.all(workers.map(run));
  } finally {
    for (const w of workers) w.terminate();
    if (Deno.stderr.isTerminal()) Deno.stderr.writeSync(new TextEncoder().encode("\n"));
  }
  return results;
}

/** Write each misread photo (made again: the same seed gives the same bytes) and its input. */
async function _saveWrong(
  dir: string,
  data: Dataset,
  sample: Uint32Array,
  seeds: Uint32Array,
  misreads: { condition: string; index: number; label: number; read: number | null }[],
  results: PhotoJobResult[],
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const position = new Map(Array.from(sample, (index, p) => [index, p]));
  for (const m of misreads) {
    const p = position.get(m.index)!;
    const photo = photoFile(
      data.pixels.subarray(p * DIGIT_PIXELS, (p + 1) * DIGIT_PIXELS),
      m.condition,
      seeds[p],
    );
    const name = `${m.condition.replaceAll(" ", "_")}_${m.index}_${m.label}_read_${m.read ?? "none"}`;
    await Deno.writeFile(join(dir, `${name}.${photo.format === "png" ? "png" : "jpg"}`), photo.bytes);
    const job = results.find((r) => r.condition === m.condition && r.start <= p && p < r.end)!;
    const input = job.inputs.subarray((p - job.start) * DIGIT_PIXELS, (p - job.start + 1) * DIGIT_PIXELS);
    await Deno.writeFile(join(dir, `${name}_input.png`), encodeGrayPng(input, 28, 28));
  }
  console.log(`${misreads.length} misread photos and their inputs in ${relative(Deno.cwd(), dir)}`);
}

/** The contact sheet as a PNG, or as a JPEG of the given quality. */
function _sheetFile(rows: PhotoSheetRow[], jpegQuality: number | null): Uint8Array {
  if (jpegQuality === null) return photoSheetPng(rows);
  const { width, height, rgba } = photoSheetImage(rows);
  return encodeRgbJpeg(rgba, width, height, jpegQuality);
}

/** The command line that made these numbers, as a person would type it. */
function _command(values: Record<string, unknown>): string {
  const parts = ["deno task bench:photos"];
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || name === "help") continue;
    const text = String(value);
    parts.push(`--${name} ${/[\s,]/.test(text) ? `"${text}"` : text}`);
  }
  return parts.join(" ");
}

if (import.meta.main) {
  await runMain(
    main,
    (error) => (error.message.includes("weights") ? 'run "deno task train" first' : undefined),
  );
}
