/**
 * Training and using a network: config.yaml, datasets, the epoch loop, evaluation, single-digit
 * predictions, and the files a model is saved in (weights.npz, weights.json, checkpoints).
 *
 * @module
 */

export * from "./checkpoint.ts";
export * from "./config.ts";
export * from "./data_files.ts";
export * from "./dataset.ts";
export * from "./evaluate.ts";
export * from "./metrics_log.ts";
export * from "./model_info.ts";
export * from "./predict.ts";
export * from "./train.ts";
export * from "./weights.ts";
