/**
 * `deno task check`: let the model read handwritten digits from PNG files.
 *
 * @module
 */

import { hiddenSizes } from "../core/network/network.ts";
import { basename, extname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createTsBackend, loadParams } from "../core/kernels/backend.ts";
import { loadConfig } from "../core/training/config.ts";
import { InputFileError, isProjectError } from "../core/base/errors.ts";
import { type DecodedPng, encodeGrayPng, readPngFile } from "../core/formats/png.ts";
import { predictDigits, type Prediction } from "../core/training/predict.ts";
import { toAsciiArt, toMnistInput } from "../core/digits/preprocess.ts";
import { writeFileAtomic } from "../core/base/atomic_write.ts";
import { helpText, type OptionSpec, parseFlags, resultsDir, runMain, UsageError } from "./_cli.ts";
import { writeCheckSheet } from "../core/reports/run_files.ts";
import { type CheckResult } from "../core/reports/run.ts";
import { loadModel } from "./_model.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DEFAULT_CONFIG = join(ROOT, "config.yaml");

const OPTIONS: OptionSpec = {
  set: { type: "string", help: "read images/setN/*.png", valueName: "N" },
  dir: { type: "string", help: "read every PNG in a folder", valueName: "DIR" },
  file: { type: "string", multiple: true, help: "read these PNG files (repeatable)", valueName: "FILE" },
  weights: {
    type: "string",
    help: "weights file (default: output.weights of the config)",
    valueName: "FILE",
  },
  config: { type: "string", help: "config file (default: config.yaml of the project)", valueName: "FILE" },
  json: { type: "boolean", help: "print the results as JSON" },
  show: { type: "boolean", help: "print each 28×28 input the network saw as terminal art" },
  "save-preprocessed": { type: "string", help: "write each 28×28 input as a PNG into DIR", valueName: "DIR" },
  run: {
    type: "string",
    help: "folder for the check sheet (default: the run that trained the weights, else runs/model-<sha256>)",
    valueName: "DIR",
  },
  quiet: { type: "boolean", short: "q", help: "print only the results" },
  help: { type: "boolean", short: "h", help: "show this help" },
};

/** The outcome for one file. */
interface FileResult {
  file: string;
  expected: number | null;
  prediction: Prediction | null;
  error: string | null;
  input: Float32Array | null;
  image: DecodedPng | null;
}

async function main(): Promise<number> {
  const { values } = parseFlags(Deno.args, OPTIONS);
  if (values.help) {
    console.log(helpText(
      "deno task check (--set N | --dir DIR | --file FILE...) [options]",
      "Let the model read handwritten digits from PNG files. Each image is normalised the way MNIST was\n" +
        "(ink found and cropped, scaled to 20 px, centred by mass in 28×28). The true digit is the leading\n" +
        "digit of the file name (7.png, 7_b.png); files without one get only a prediction.",
      OPTIONS,
    ));
    return 0;
  }
  const files = await _inputFiles(values);
  const config = await loadConfig(resolve((values.config as string | undefined) ?? DEFAULT_CONFIG));
  const weightsPath = resolve((values.weights as string | undefined) ?? config.output.weights);
  const model = await loadModel(weightsPath, config.model.activation);

  const results: FileResult[] = [];
  for (const file of files) {
    const expected = /^(\d)/.exec(basename(file))?.[1];
    const result: FileResult = {
      file: relative(Deno.cwd(), file) || file,
      expected: expected === undefined ? null : Number(expected),
      prediction: null,
      error: null,
      input: null,
      image: null,
    };
    try {
      result.image = await readPngFile(file);
      result.input = toMnistInput(result.image, result.file);
    } catch (error) {
      if (!isProjectError(error)) throw error;
      result.error = error.message;
    }
    results.push(result);
  }
  const readable = results.filter((r) => r.input);
  if (readable.length === 0) {
    // nothing could be checked: the first error is the whole story
    throw results.length === 1 ? new InputFileError(results[0].error!) : new InputFileError(
      `Cannot check any of the ${results.length} files: ${results[0].error}`,
    );
  }
  const backend = createTsBackend(hiddenSizes(model.params), model.activation, Math.max(1, readable.length));
  loadParams(backend, model.params);
  predictDigits(backend, readable.map((r) => r.input!)).forEach((p, i) => readable[i].prediction = p);
  backend.dispose();

  const saveDir = values["save-preprocessed"] as string | undefined;
  if (saveDir) {
    await Deno.mkdir(saveDir, { recursive: true });
    for (const r of readable) {
      await writeFileAtomic(
        join(saveDir, basename(r.file, extname(r.file)) + "_28x28.png"),
        encodeGrayPng(r.input!, 28, 28),
      );
    }
  }

  const scored = results.filter((r) => r.prediction && r.expected !== null);
  const correct = scored.filter((r) => r.prediction!.predicted === r.expected).length;
  const result: CheckResult = {
    weights: relative(Deno.cwd(), weightsPath),
    weights_sha256: model.sha256,
    source: _describeSource(values),
    results: results.map((r) => ({
      file: r.file,
      expected: r.expected,
      predicted: r.prediction?.predicted ?? null,
      confidence: r.prediction?.confidence ?? null,
      probabilities: r.prediction?.probabilities ?? null,
      top3: r.prediction?.top3 ?? null,
      error: r.error,
    })),
    correct,
    total: scored.length,
  };
  const outDir = await resultsDir(config.output.runs_dir, values.run as string | undefined, model.sha256);
  await writeCheckSheet(
    outDir,
    result,
    results.map((r) => r.image && r.input ? { original: r.image, input: r.input } : null),
  );
  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
    return 0;
  }
  if (!values.quiet) console.log(model.line);
  console.log(_table(results, values.show === true));
  if (scored.length) {
    console.log(`\naccuracy ${correct}/${scored.length} (${(100 * correct / scored.length).toFixed(1)}%)`);
  }
  if (saveDir && !values.quiet) console.log(`28×28 inputs written to ${saveDir}`);
  if (!values.quiet) console.log(`check sheet ${relative(Deno.cwd(), join(outDir, "check_sheet.html"))}`);
  return 0;
}

/** The PNG files to read, from --set, --dir or --file. */
async function _inputFiles(values: Record<string, unknown>): Promise<string[]> {
  const chosen = ["set", "dir", "file"].filter((k) => values[k] !== undefined);
  if (chosen.length !== 1) {
    throw new UsageError(
      chosen.length
        ? `Cannot check: give only one of --set, --dir and --file, got ${
          chosen.map((k) => `--${k}`).join(" and ")
        }`
        : "Cannot check: say what to read with --set N, --dir DIR or --file FILE",
    );
  }
  if (values.file) return (values.file as string[]).map((f) => resolve(f));
  let dir: string;
  if (values.set !== undefined) {
    const set = values.set as string;
    if (!/^[1-9]\d{0,5}$/.test(set)) {
      throw new UsageError(`Cannot check: --set is "${set}", expected a positive integer such as 1`);
    }
    dir = join(ROOT, "images", `set${set}`);
  } else {
    dir = resolve(values.dir as string);
  }
  const name = relative(Deno.cwd(), dir) || dir;
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new InputFileError(`Cannot check folder "${name}": it does not exist`);
    }
    if (error instanceof Error && /not a directory/i.test(error.message)) {
      throw new InputFileError(`Cannot check folder "${name}": it is a file, not a folder`);
    }
    throw error;
  }
  const files = entries.filter((e) => e.isFile).map((e) => e.name).sort(_natural);
  const pngs = files.filter((f) => f.toLowerCase().endsWith(".png"));
  for (const skipped of files.filter((f) => !f.toLowerCase().endsWith(".png") && !f.startsWith("."))) {
    if (skipped.toLowerCase() !== "readme.md") {
      console.error(`note: skipping "${join(name, skipped)}": not a .png file`);
    }
  }
  if (pngs.length === 0) throw new InputFileError(`Cannot check folder "${name}": it holds no .png files`);
  return pngs.map((f) => join(dir, f));
}

function _describeSource(values: Record<string, unknown>): string {
  if (values.set !== undefined) return `images/set${values.set}`;
  if (values.dir !== undefined) return values.dir as string;
  return (values.file as string[]).join(", ");
}

function _natural(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}

function _table(results: FileResult[], show: boolean): string {
  const width = Math.max(4, ...results.map((r) => r.file.length));
  const lines = [`${"file".padEnd(width)}  expected  predicted  confidence  top-3`];
  for (const r of results) {
    const expected = (r.expected ?? "-").toString().padStart(8);
    if (!r.prediction) {
      lines.push(`${r.file.padEnd(width)}  ${expected}  error: ${r.error}`);
      continue;
    }
    const p = r.prediction;
    const mark = r.expected === null ? " " : p.predicted === r.expected ? "✓" : "✗";
    const top3 = p.top3.map(([k, q]) => `${k} ${(q * 100).toFixed(1)}%`).join(", ");
    lines.push(
      `${r.file.padEnd(width)}  ${expected}  ${String(p.predicted).padStart(8)} ${mark}  ` +
        `${(p.confidence * 100).toFixed(1).padStart(9)}%  ${top3}`,
    );
    if (show && r.input) lines.push(toAsciiArt(r.input));
  }
  return lines.join("\n");
}

if (import.meta.main) {
  await runMain(main, (error) => {
    if (error.message.startsWith("Cannot load weights") && error.message.endsWith("no such file")) {
      return 'run "deno task train" first, or pass --weights FILE';
    }
    if (error.message.endsWith(": permission denied")) {
      return "the check task may read only the project folder: put the images inside it, or run " +
        "deno run --allow-read=.,<folder> --allow-write=runs --allow-env scripts/check.ts ...";
    }
    if (error.message.startsWith("Cannot check folder") && error.message.includes("images/set")) {
      return "the sets are images/set1, images/set2, ...; or read any folder with --dir DIR";
    }
    return undefined;
  });
}
