/**
 * `deno task train`: train the network as config.yaml says, then write weights.npz, weights.json
 * and a metrics log in a new run folder.
 *
 * @module
 */

import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { AugmentPipeline } from "../core/augment/augment_pipeline.ts";
import { type Backend, loadParams, usesDropout } from "../core/kernels/backend.ts";
import { createBackend } from "../core/kernels/backend_factory.ts";
import {
  type Config,
  configToPlain,
  formatConfig,
  loadConfig,
  trainingSetup,
} from "../core/training/config.ts";
import { loadTestSet, loadTrainSet, verifyDataFiles } from "../core/training/data_files.ts";
import { appendImages, type Dataset, firstImages, splitValidation } from "../core/training/dataset.ts";
import { drawShapePool } from "../core/augment/shapes.ts";
import { LimitError } from "../core/base/errors.ts";
import { evaluate } from "../core/training/evaluate.ts";
import { type FinalRecord, MetricsLog, type MetricsRecord } from "../core/training/metrics_log.ts";
import { readCheckpoint, writeCheckpoint } from "../core/training/checkpoint.ts";
import { buildReportHtml } from "../core/reports/report_html.ts";
import { readRun, RUN_FILES, writeTrainPictures } from "../core/reports/run_files.ts";
import {
  encodeModelInfo,
  modelInfoPath,
  readModelInfo,
  relativizePaths,
} from "../core/training/model_info.ts";
import { initParams } from "../core/network/network.ts";
import { Rng } from "../core/network/rng.ts";
import { sha256Hex } from "../core/base/sha256.ts";
import { type EpochRecord, trainEpochs } from "../core/training/train.ts";
import { encodeWeights } from "../core/training/weights.ts";
import { writeFileAtomic } from "../core/base/atomic_write.ts";
import { helpText, type OptionSpec, parseFlags, runMain, UsageError } from "./_cli.ts";
import { ProgressLine } from "./_progress.ts";

const DEFAULT_CONFIG = fileURLToPath(new URL("../config.yaml", import.meta.url));

const OPTIONS: OptionSpec = {
  config: { type: "string", help: "config file (default: config.yaml of the project)", valueName: "FILE" },
  set: {
    type: "string",
    multiple: true,
    help: "override one value, e.g. --set train.epochs=3 (repeatable)",
    valueName: "KEY=VALUE",
  },
  resume: {
    type: "string",
    help: "continue a stopped run from its last checkpoint (needs train.checkpoint: true)",
    valueName: "RUN_DIR",
  },
  quiet: { type: "boolean", short: "q", help: "print only the result and errors" },
  help: { type: "boolean", short: "h", help: "show this help" },
};

async function main(): Promise<number> {
  const { values } = parseFlags(Deno.args, OPTIONS);
  if (values.help) {
    console.log(helpText(
      "deno task train [--config FILE] [--set KEY=VALUE]...",
      "Train the network (784 → hidden layers → 10) as the config says. Writes the weights (output.weights), weights.json beside\n" +
        "them, and a run folder under output.runs_dir holding metrics.jsonl. Ctrl-C stops cleanly and keeps the\n" +
        "previous weights.",
      OPTIONS,
    ));
    return 0;
  }
  const quiet = values.quiet === true;
  const configPath = resolve((values.config as string | undefined) ?? DEFAULT_CONFIG);
  const config = await loadConfig(configPath, (values.set as string[] | undefined) ?? []);
  const say = (line: string) => quiet || console.log(line);
  say(`config ${relative(Deno.cwd(), configPath) || configPath}\n${_indent(formatConfig(config))}`);

  const started = performance.now();
  const datasets = await verifyDataFiles(config);
  let fullTrain: Dataset | null = firstImages(await loadTrainSet(config), config.train.subset);
  const test = await loadTestSet(config);
  const trainCount = fullTrain.count - config.train.validation;
  if (trainCount < 1) {
    throw new LimitError(
      `Cannot train: train.validation is ${config.train.validation} but the training set holds ${fullTrain.count} images`,
    );
  }
  if (config.train.batch_size > trainCount) {
    throw new LimitError(
      `Cannot train: train.batch_size is ${config.train.batch_size} but only ${trainCount} training images remain`,
    );
  }

  // one generator for the whole run, in a fixed order of use: weights, split, then per-epoch draws
  const rng = new Rng(config.train.seed);
  const backend = await _createBackend(config);
  loadParams(backend, initParams(config.model.hidden, config.model.activation, rng));
  // with augmentation the training images go to shared memory, so its worker reads them without a copy
  const split = splitValidation(fullTrain, config.train.validation, rng, config.augment.enabled);
  fullTrain = null; // only the two parts are used from here on: let the 47 MB go
  const validation = split.validation;
  // the drawn shapes join the training part only; their seed is drawn only when there are any, so
  // runs without them keep the stream (and the bytes) they always had
  const shapes = config.augment.shapes;
  const train = shapes > 0
    ? appendImages(split.train, drawShapePool(shapes, new Rng(rng.nextUint32())), config.augment.enabled)
    : split.train;

  const resumeDir = values.resume as string | undefined;
  const runDir = resumeDir ? resolve(resumeDir) : _newRunDir(config, configPath);
  // every check comes before anything is written: a refused run leaves no folder behind
  const checkpoint = resumeDir ? await readCheckpoint(runDir) : null;
  if (checkpoint) _assertSameConfig(runDir, checkpoint.config, configToPlain(config));
  const weightsPath = await _weightsPath(config, runDir);
  let startEpoch = 0, log: MetricsLog, earlier: MetricsRecord[] = [];
  if (checkpoint) {
    loadParams(backend, checkpoint.params);
    backend.optimizer.setState(checkpoint.optimizer);
    rng.setState(checkpoint.rng);
    startEpoch = checkpoint.epoch;
    earlier = await _recordsBefore(runDir, startEpoch);
    log = new MetricsLog(join(runDir, "metrics.jsonl"), earlier);
    say(`resuming after epoch ${startEpoch} of ${config.train.epochs}`);
  } else {
    await Deno.mkdir(runDir, { recursive: true });
    log = new MetricsLog(join(runDir, "metrics.jsonl"));
    await log.append({
      type: "header",
      version: 1,
      started: new Date().toISOString(),
      deno: Deno.version.deno,
      config: configToPlain(config),
      config_path: configPath,
      seed: config.train.seed,
      datasets,
    });
  }
  await writeFileAtomic(join(dirname(runDir), "LATEST"), basename(runDir) + "\n");
  // distortions are made in a worker, one epoch ahead of the training loop on this thread
  const augmenter = config.augment.enabled
    ? await AugmentPipeline.create(config.augment, train.pixels, train.count)
    : null;
  const drawn = shapes > 0 ? ` (${shapes} of them drawn shapes)` : "";
  say(`data  ${train.count} training${drawn}, ${validation.count} validation, ${test.count} test images`);
  say(`run   ${relative(Deno.cwd(), runDir)}`);

  const controller = new AbortController();
  const onSigint = () => controller.abort();
  Deno.addSignalListener("SIGINT", onSigint);
  const progress = new ProgressLine(quiet, config.train.epochs);
  const epochRecords = earlier.filter((r) => r.type === "epoch");
  let status;
  try {
    status = await trainEpochs(backend, train, validation.count ? validation : null, config.train, rng, {
      augmenter,
      dropout: usesDropout(trainingSetup(config)),
      signal: controller.signal,
      startEpoch,
      onProgress: (epoch, done, total, loss) => progress.update(epoch, done, total, loss),
      onEpoch: async (record: EpochRecord) => {
        progress.epochDone(record);
        await log.append(record);
        epochRecords.push(record);
        await writeTrainPictures(runDir, epochRecords);
        if (config.train.checkpoint) {
          await writeCheckpoint(runDir, {
            epoch: record.epoch,
            rng: rng.getState(),
            config: configToPlain(config),
            params: backend.params,
            optimizer: backend.optimizer.getState(),
          });
        }
      },
    });
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
    augmenter?.dispose();
    progress.clear();
  }

  const seconds = (performance.now() - started) / 1000;
  const final = (fields: Partial<FinalRecord>): FinalRecord => ({
    type: "final",
    status: "completed",
    test_loss: null,
    test_accuracy: null,
    weights: null,
    weights_sha256: null,
    seconds,
    ...fields,
  });
  if (status === "interrupted") {
    await log.append(final({ status: "interrupted" }));
    console.error(
      `interrupted: weights were not written; "${relative(Deno.cwd(), weightsPath)}" is unchanged`,
    );
    return 130;
  }
  if (status === "diverged") {
    const message =
      `Cannot train: the loss became NaN or infinite (is train.learning_rate ${config.train.learning_rate} too high?)`;
    await log.append(final({ status: "diverged", message }));
    throw new LimitError(message);
  }

  const scored = evaluate(backend, test);
  const bytes = encodeWeights(backend.params);
  const weightsSha = await sha256Hex(bytes);
  await Deno.mkdir(dirname(weightsPath), { recursive: true });
  await writeFileAtomic(weightsPath, bytes);
  await writeFileAtomic(
    modelInfoPath(weightsPath),
    encodeModelInfo({
      format: "mnist-mlp-weights",
      version: 1,
      weights_sha256: weightsSha,
      config: _recordedConfig(config, weightsPath),
      seed: config.train.seed,
      datasets: Object.fromEntries(Object.entries(datasets).map(([k, v]) => [k, v.sha256])),
      test_accuracy: scored.accuracy,
      test_loss: scored.loss,
      deno: Deno.version.deno,
    }),
  );
  await log.append(final({
    test_loss: scored.loss,
    test_accuracy: scored.accuracy,
    weights: weightsPath,
    weights_sha256: weightsSha,
  }));
  backend.dispose();
  const reportPath = join(runDir, RUN_FILES.report);
  await writeFileAtomic(reportPath, buildReportHtml(await readRun(runDir)));
  console.log(
    `test accuracy ${(scored.accuracy * 100).toFixed(2)}%  loss ${scored.loss.toFixed(4)}  ` +
      `(${seconds.toFixed(1)} s)`,
  );
  console.log(`weights ${relative(Deno.cwd(), weightsPath)}  sha256 ${weightsSha}`);
  console.log(`log     ${relative(Deno.cwd(), log.path)}`);
  console.log(`report  ${relative(Deno.cwd(), reportPath)}`);
  return 0;
}

function _createBackend(config: Config): Promise<Backend> {
  // room for evaluation batches of 500 even when training one image at a time
  const capacity = Math.max(config.train.batch_size, 500);
  return createBackend(
    config.train.kernel,
    config.model.hidden,
    config.model.activation,
    capacity,
    config.train.threads,
    trainingSetup(config),
  );
}

/**
 * The config as weights.json records it: what decides the weights' bytes, with paths relative to the
 * weights' folder. Thread count, checkpointing and the runs folder change nothing in the result, so
 * they are left out, and changing them never diverts the shipped model.
 */
function _recordedConfig(config: Config, weightsPath: string): Record<string, unknown> {
  const plain = configToPlain(config) as {
    train: Record<string, unknown>;
    output: Record<string, unknown>;
  };
  delete plain.train.threads;
  delete plain.train.checkpoint;
  delete plain.output.runs_dir;
  return relativizePaths(plain, dirname(weightsPath));
}

/** A new run folder under output.runs_dir, named by the start time and the config file. */
function _newRunDir(config: Config, configPath: string): string {
  const stamp = new Date().toISOString().replace(/[:]/g, "-").replace(/\.\d+Z$/, "Z");
  return join(config.output.runs_dir, `${stamp}-${basename(configPath).replace(/\.ya?ml$/i, "")}`);
}

/**
 * Where this run writes its weights: where the config says, unless a model trained from a different
 * config already sits there (the shipped weights.npz). Then they go into the run folder, so the
 * shipped model is never silently replaced by a different one.
 */
async function _weightsPath(config: Config, runDir: string): Promise<string> {
  const configured = config.output.weights;
  const existing = await readModelInfo(modelInfoPath(configured));
  if (existing && JSON.stringify(existing.config) !== JSON.stringify(_recordedConfig(config, configured))) {
    const weightsPath = join(runDir, basename(configured));
    console.error(
      `note: "${relative(Deno.cwd(), configured)}" was trained from a different config; ` +
        `this run writes its weights to "${relative(Deno.cwd(), weightsPath)}" instead`,
    );
    return weightsPath;
  }
  return configured;
}

/** Refuse to resume with a config other than the checkpoint's, naming the first difference. */
function _assertSameConfig(
  runDir: string,
  saved: Record<string, unknown>,
  current: Record<string, unknown>,
): void {
  const flat = (o: unknown, prefix = ""): [string, string][] =>
    o && typeof o === "object" && !Array.isArray(o)
      ? Object.entries(o).flatMap(([k, v]) => flat(v, prefix ? `${prefix}.${k}` : k))
      : [[prefix, JSON.stringify(o)]];
  const before = new Map(flat(saved));
  for (const [key, value] of flat(current)) {
    if (before.get(key) !== value) {
      throw new LimitError(
        `Cannot resume run "${runDir}": "${key}" is ${value} now but was ${
          before.get(key) ?? "unset"
        } in the checkpoint`,
      );
    }
  }
}

/** The run's metrics records up to a completed epoch: the header and those epochs' records. */
async function _recordsBefore(runDir: string, epoch: number): Promise<MetricsRecord[]> {
  const text = await Deno.readTextFile(join(runDir, "metrics.jsonl"));
  const records = text.trim().split("\n").map((line) => JSON.parse(line) as MetricsRecord);
  return records.filter((r) => r.type === "header" || (r.type === "epoch" && r.epoch <= epoch));
}

function _indent(text: string): string {
  return text.trimEnd().split("\n").map((l) => "  " + l).join("\n");
}

if (import.meta.main) {
  await runMain(
    main,
    (error) =>
      error instanceof UsageError
        ? undefined
        : error.message.includes("config")
        ? "fix the value in the config file, or override it with --set KEY=VALUE"
        : undefined,
  );
}
