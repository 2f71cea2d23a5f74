/**
 * `deno task check`: let the model read handwritten digits from image files, streaming the results.
 *
 * @module
 */

import { basename, extname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { hiddenSizes } from "../core/network/network.ts";
import { loadParams } from "../core/kernels/backend.ts";
import { createBackend } from "../core/kernels/backend_factory.ts";
import { loadConfig } from "../core/training/config.ts";
import { InputFileError, isProjectError } from "../core/base/errors.ts";
import { encodeGrayPng } from "../core/formats/png.ts";
import { writeFileAtomic } from "../core/base/atomic_write.ts";
import { writeCheckPictures } from "../core/reports/run_files.ts";
import { CheckJsonFile } from "../core/reports/check_json_file.ts";
import { type ImageFileList, listImageFiles } from "../core/check/input_files.ts";
import { type DigitRead, DigitReader, MAX_READ_WORKERS } from "../core/check/digit_reader.ts";
import {
  NumberAssembler,
  numberLine,
  pieceItem,
  type PieceRead,
  pieceReads,
} from "../core/check/number_stream.ts";
import {
  CheckCollector,
  checkItem,
  CheckJsonWriter,
  CheckTable,
  predictInOrder,
} from "../core/check/check_stream.ts";
import { helpText, type OptionSpec, parseFlags, resultsDir, runMain, UsageError } from "./_cli.ts";
import { CheckProgress } from "./_progress.ts";
import { loadModel } from "./_model.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DEFAULT_CONFIG = join(ROOT, "config.yaml");

const OPTIONS: OptionSpec = {
  set: { type: "string", help: "read the images of images/setN", valueName: "N" },
  dir: { type: "string", help: "read every image (.png, .jpg, .jpeg) in a folder", valueName: "DIR" },
  file: { type: "string", multiple: true, help: "read these image files (repeatable)", valueName: "FILE" },
  recursive: { type: "boolean", short: "r", help: "with --dir or --set: read sub-folders too" },
  digits: {
    type: "boolean",
    help: "read each image as a whole number: split it into digits, left to right (2026.png expects 2026)",
  },
  weights: {
    type: "string",
    help: "weights file (default: output.weights of the config)",
    valueName: "FILE",
  },
  config: { type: "string", help: "config file (default: config.yaml of the project)", valueName: "FILE" },
  json: { type: "boolean", help: "print the results as JSON (streamed: one object, results in file order)" },
  jsonl: { type: "boolean", help: "print one JSON line per file, as each is read" },
  workers: {
    type: "string",
    help: "threads that read files (default: one per core for 16 files or more; 0 reads on the main thread)",
    valueName: "N",
  },
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

async function main(): Promise<number> {
  const { values } = parseFlags(Deno.args, OPTIONS);
  if (values.help) {
    console.log(helpText(
      "deno task check (--set N | --dir DIR | --file FILE...) [options]",
      "Let the model read handwritten digits from image files (PNG or JPEG, told by their bytes). Each image is\n" +
        "normalised the way MNIST " +
        "was (ink found and cropped, scaled to 20 px, centred by mass in 28×28). The true digit is the leading\n" +
        "digit of the file name (7.png, 7_b.png); files without one get only a prediction. With --digits each\n" +
        "image is a whole number, split into its digits by connected ink and read left to right; its name's\n" +
        "leading digits are the number expected (2026.png). Results stream as\n" +
        "files are read; files that cannot be read are listed with the reason and never stop the run.\n" +
        "Exit code: 0 when at least one file was read, 1 when none could be, 2 for bad options.",
      OPTIONS,
    ));
    return 0;
  }
  const format = _outputFormat(values);
  const { files, skipped, subfolders } = await _inputFiles(values);
  const workers = _workerCount(values.workers as string | undefined, files.length);
  const config = await loadConfig(resolve((values.config as string | undefined) ?? DEFAULT_CONFIG));
  const weightsPath = resolve((values.weights as string | undefined) ?? config.output.weights);
  const model = await loadModel(weightsPath, config.model.activation);
  const outDir = await resultsDir(config.output.runs_dir, values.run as string | undefined, model.sha256);
  const quiet = values.quiet === true;
  const saveDir = values["save-preprocessed"] as string | undefined;
  if (saveDir) await Deno.mkdir(saveDir, { recursive: true });

  for (const s of skipped) console.error(`note: skipping "${_name(s.path)}": ${s.reason}`);
  if (subfolders > 0 && !quiet) {
    console.error(
      `note: ${subfolders} sub-folder${subfolders === 1 ? "" : "s"} not read; add --recursive to read them`,
    );
  }
  const names = files.map(_name);
  const head = {
    weights: relative(Deno.cwd(), weightsPath),
    weights_sha256: model.sha256,
    source: _describeSource(values),
  };
  const json = new CheckJsonWriter();
  const digits = values.digits === true;
  // with --digits each row is a digit, named like "2026.png [1/4]"
  const table = new CheckTable(digits ? names.map((n) => `${n} [10/10]`) : names);
  const out = new _Stdout();
  if (format === "json") out.write(json.head(head));
  if (format === "table") {
    if (!quiet) out.line(model.line);
    out.line(table.header());
  }

  const collector = new CheckCollector();
  const numbers = new NumberAssembler();
  // check.json grows as the files are read; it replaces the run's check.json only when all are read
  const checkFile = CheckJsonFile.create(outDir, head, { numbers: digits });
  try {
    const backend = await createBackend("wasm", hiddenSizes(model.params), model.activation, PREDICT_BATCH);
    loadParams(backend, model.params);
    const reader = new DigitReader(workers, { digits });
    const progress = new CheckProgress(quiet || format === "table" && Deno.stdout.isTerminal(), files.length);
    try {
      const reads: AsyncIterable<DigitRead | PieceRead> = digits
        ? pieceReads(reader.readAll(names))
        : reader.readAll(names);
      for await (const result of predictInOrder(reads, backend)) {
        const file = names[result.read.index];
        const piece = "piece" in result.read ? result.read.piece : null;
        const item = "piece" in result.read
          ? pieceItem(file, { read: result.read, prediction: result.prediction })
          : checkItem(file, result);
        const digit = result.read.digit;
        collector.add(item, digit && { original: digit.thumbnail, input: digit.input });
        checkFile.add(item);
        if (format === "table") {
          out.line(table.line(item, values.show === true && digit ? digit.input : null));
        }
        // with --digits, JSON carries each number once its last digit is read
        const number = piece && numbers.add(file, item, piece);
        if (number) {
          checkFile.addNumber({
            file,
            expected: number.expected,
            number: number.number,
            error: number.error,
          });
          if (format === "table" && number.number !== null) out.line(numberLine(number));
        }
        const printed = piece ? number : item;
        if (printed && format === "json") out.write(json.item(printed));
        else if (printed && format === "jsonl") out.line(JSON.stringify(printed));
        if (saveDir && digit) {
          const stem = basename(file, extname(file)) + (piece ? `_${piece.at + 1}` : "");
          await writeFileAtomic(join(saveDir, stem + "_28x28.png"), encodeGrayPng(digit.input, 28, 28));
        }
        progress.update(collector.files);
      }
    } finally {
      progress.clear();
      reader.dispose();
      backend.dispose();
    }
    if (format === "json") {
      out.line(
        digits ? json.tail(numbers.correct, numbers.total) : json.tail(collector.correct, collector.total),
      );
    }
    out.flush();

    if (collector.read === 0) {
      // nothing could be checked: the first error is the whole story
      const first = collector.firstError!;
      throw new InputFileError(
        collector.files === 1 ? first : `Cannot check any of the ${collector.files} files: ${first}`,
      );
    }
    await checkFile.commit(collector.correct, collector.total);
  } finally {
    checkFile.discard(); // a check that stopped early leaves the run's check.json as it was
  }
  const { correct, total } = collector;
  const unread = collector.files - collector.read;
  let sheet = true;
  try {
    await writeCheckPictures(outDir, collector.sheet(head), collector.images);
  } catch (error) {
    // check.json is written first: the reads are kept whatever goes wrong with the pictures
    if (!isProjectError(error) && !_isFileSystemError(error)) throw error;
    sheet = false;
    console.error(`warning: the check sheet could not be drawn: ${error.message.split("\n")[0]}`);
  }
  if (format !== "table") return 0;
  if (total) console.log(`\naccuracy ${correct}/${total} (${(100 * correct / total).toFixed(1)}%)`);
  if (digits && numbers.total) {
    const { correct: right, total: all } = numbers;
    console.log(`numbers ${right}/${all} (${(100 * right / all).toFixed(1)}%) read as their names say`);
  }
  const filesRead = digits ? numbers.read : collector.read;
  const filesUnread = digits ? names.length - numbers.read : unread;
  if (!quiet && (filesUnread > 0 || skipped.length > 0)) {
    console.log(
      `${filesRead} of ${names.length} files read, ${filesUnread} could not be read` +
        `${skipped.length ? `, ${skipped.length} skipped (see the notes above)` : ""}`,
    );
  }
  if (saveDir && !quiet) console.log(`28×28 inputs written to ${saveDir}`);
  if (!quiet) {
    console.log(
      sheet
        ? `check sheet ${relative(Deno.cwd(), join(outDir, "check_sheet.html"))}`
        : `results ${relative(Deno.cwd(), join(outDir, "check.json"))}`,
    );
  }
  return 0;
}

/** An error of the file system (a Deno.errors class, or an OS error code such as ENOTEMPTY). */
function _isFileSystemError(error: unknown): error is Error {
  if (Object.values(Deno.errors).some((kind) => error instanceof kind)) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === "string" && /^E[A-Z]+$/.test(code);
}

/** Images predicted together: one call of the fast kernels. */
const PREDICT_BATCH = 64;

/** Stdout in large writes: a line per file is too many system calls for 10,000 files. */
class _Stdout {
  #parts: string[] = [];
  #size = 0;
  #last = performance.now();
  #encoder = new TextEncoder();
  #terminal = Deno.stdout.isTerminal();

  write(text: string): void {
    this.#parts.push(text);
    this.#size += text.length;
    if (this.#terminal || this.#size >= 1 << 16 || performance.now() - this.#last > 250) this.flush();
  }

  line(text: string): void {
    this.write(text + "\n");
  }

  flush(): void {
    if (this.#parts.length === 0) return;
    const bytes = this.#encoder.encode(this.#parts.join(""));
    this.#last = performance.now();
    this.#parts = [];
    this.#size = 0;
    for (let done = 0; done < bytes.length;) done += Deno.stdout.writeSync(bytes.subarray(done));
  }
}

function _outputFormat(values: Record<string, unknown>): "table" | "json" | "jsonl" {
  if (values.json && values.jsonl) throw new UsageError("Cannot check: give only one of --json and --jsonl");
  return values.json ? "json" : values.jsonl ? "jsonl" : "table";
}

/** --workers N, or both cores for folders of 16 files or more, none for fewer (starting workers costs more). */
function _workerCount(flag: string | undefined, files: number): number {
  if (flag === undefined) {
    return files >= 16 ? Math.min(MAX_DEFAULT_WORKERS, navigator.hardwareConcurrency || 1) : 0;
  }
  if (!/^\d{1,2}$/.test(flag) || Number(flag) > MAX_READ_WORKERS) {
    throw new UsageError(
      `Cannot check: --workers is "${flag}", expected an integer from 0 to ${MAX_READ_WORKERS}`,
    );
  }
  return Number(flag);
}

/** Reader workers when --workers is not given: one per core, up to this many. */
const MAX_DEFAULT_WORKERS = 4;

/** A path as messages show it: relative to the working folder when inside it, else absolute. */
function _name(path: string): string {
  const inside = relative(Deno.cwd(), path);
  return inside === "" || inside.startsWith("..") ? path : inside;
}

/** The image files to read, from --set, --dir or --file. */
async function _inputFiles(values: Record<string, unknown>): Promise<ImageFileList> {
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
  if (values.file) {
    return { files: (values.file as string[]).map((f) => resolve(f)), skipped: [], subfolders: 0 };
  }
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
  const name = _name(dir);
  const list = await listImageFiles(dir, { recursive: values.recursive === true }).catch((error) => {
    // name the folder as the user gave it, not as an absolute path
    if (error instanceof InputFileError) {
      throw new InputFileError(error.message.replace(`"${dir}"`, `"${name}"`));
    }
    throw error;
  });
  if (list.files.length === 0) {
    throw new InputFileError(
      `Cannot check folder "${name}": it holds no .png, .jpg or .jpeg files${
        list.subfolders ? ` (it has ${list.subfolders} sub-folders: add --recursive)` : ""
      }`,
    );
  }
  return list;
}

function _describeSource(values: Record<string, unknown>): string {
  if (values.set !== undefined) return `images/set${values.set}`;
  if (values.dir !== undefined) return values.dir as string;
  return (values.file as string[]).join(", ");
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
