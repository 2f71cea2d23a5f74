/**
 * The library behind `deno task train`, `eval`, `check` and `report`: a 784 → H → 10 network
 * written from scratch, and everything needed to train it reproducibly and use it safely.
 *
 * Reading order for learners: {@link ./network.ts} (the math, see docs/math.md), {@link ./train.ts}
 * (the loop), {@link ./evaluate.ts} (scoring), then the readers and writers.
 *
 * | module | what it holds |
 * |---|---|
 * | network.ts | shapes, parameters, forward/backward pairs, softmax cross-entropy, SGD |
 * | backend.ts, backend_factory.ts | where the numbers live: TS reference kernels, WebAssembly SIMD, threads |
 * | train.ts | epochs of shuffled mini-batch SGD, schedules, validation, interrupt and divergence stops |
 * | evaluate.ts, predict.ts, confusion_table.ts | accuracy, loss, confusion matrix, single-digit predictions |
 * | rng.ts | the one seeded generator |
 * | config.ts | config.yaml: strict YAML, typed and frozen, `--set` overrides |
 * | idx.ts, gzip.ts, data_files.ts, dataset.ts, sha256.ts | MNIST-format datasets: strict readers, checksums, splits |
 * | npy.ts, zip.ts, npz.ts, weights.ts, checkpoint.ts, model_info.ts | weights.npz (numpy-compatible), checkpoints, weights.json |
 * | png.ts, preprocess.ts | people's PNG digits, normalised the way MNIST's were |
 * | augment.ts, augment_pipeline.ts | seeded training-time distortions, made in a worker ahead of training |
 * | metrics_log.ts, run_files.ts, svg_charts.ts, gallery.ts, report_html.ts | run folders, pictures and the HTML report |
 * | errors.ts, atomic_write.ts, crc32.ts | the project's error types, atomic file writes, CRC-32 |
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createTsBackend, initParams, loadParams, predictDigits, Rng } from "./mod.ts";
 * const backend = createTsBackend(16, "relu", 1);
 * loadParams(backend, initParams(16, "relu", new Rng(42)));
 * const [guess] = predictDigits(backend, [new Float32Array(784)]);
 * assert.ok(guess.predicted >= 0 && guess.predicted <= 9);
 * ```
 *
 * @module
 */

export {
  type Activation,
  activationBackward,
  activationForward,
  backward,
  createGrads,
  createWorkspace,
  D,
  firstLayerGradient,
  forward,
  type Grads,
  initParams,
  inputBackward,
  inputForward,
  K,
  outputBackward,
  outputForward,
  type Params,
  sgdStep,
  softmaxCrossEntropy,
  type Workspace,
  zeroGrads,
  zeroParams,
} from "./network.ts";
export { type Backend, type BackendKind, createTsBackend, loadParams } from "./backend.ts";
export { createBackend } from "./backend_factory.ts";
export {
  type EpochRecord,
  learningRateAt,
  trainEpochs,
  type TrainSettings,
  type TrainStatus,
} from "./train.ts";
export { evaluate, type Evaluation } from "./evaluate.ts";
export { predictDigits, type Prediction } from "./predict.ts";
export { formatConfusionTable, perClassScores } from "./confusion_table.ts";
export { Rng } from "./rng.ts";
export { type Config, configToPlain, formatConfig, loadConfig, parseConfig } from "./config.ts";
export { decodeIdxImages, decodeIdxLabels, loadIdxPair, readIdxFile } from "./idx.ts";
export { gunzip, isGzip } from "./gzip.ts";
export { type Dataset, firstImages, selectImages, splitValidation } from "./dataset.ts";
export { loadTestSet, loadTrainSet, verifyDataFiles } from "./data_files.ts";
export { sha256File, sha256Hex } from "./sha256.ts";
export { decodeNpy, encodeNpy } from "./npy.ts";
export { decodeNpz, encodeNpz } from "./npz.ts";
export { decodeZip, encodeZip } from "./zip.ts";
export { decodeWeights, encodeWeights, readWeightsFile, writeWeightsFile } from "./weights.ts";
export { readCheckpoint, writeCheckpoint } from "./checkpoint.ts";
export { encodeModelInfo, type ModelInfo, modelInfoPath, readModelInfo } from "./model_info.ts";
export { decodePng, readPngFile } from "./png.ts";
export { toAsciiArt, toMnistInput } from "./preprocess.ts";
export { Augmenter, loadAugmentKernels } from "./augment.ts";
export { AugmentPipeline } from "./augment_pipeline.ts";
export { MetricsLog } from "./metrics_log.ts";
export { readRun } from "./run_files.ts";
export { buildReportHtml } from "./report_html.ts";
export {
  confusionMatrixSvg,
  lineChartSvg,
  perClassBarsSvg,
  probabilityBarsSvg,
  trainingCurvesSvgs,
} from "./svg_charts.ts";
export { checkSheetPng, digitGalleryPng } from "./gallery.ts";
export {
  fileErrorReason,
  FormatError,
  InputFileError,
  isProjectError,
  LimitError,
  ShapeError,
} from "./errors.ts";
export { writeFileAtomic } from "./atomic_write.ts";
export { crc32 } from "./crc32.ts";
