/**
 * weights.json: what a weights.npz is — the config it came from, the data it saw, how well it does.
 *
 * The file holds no times and no absolute paths, so retraining the same config on another machine
 * writes the same bytes and leaves `git status` clean.
 *
 * @module
 */

import { isAbsolute, relative } from "node:path";
import { fileErrorReason, FormatError, InputFileError } from "../base/errors.ts";

/** The contents of weights.json. */
export interface ModelInfo {
  readonly format: "mnist-mlp-weights";
  readonly version: 1;
  /** SHA-256 of weights.npz. */
  readonly weights_sha256: string;
  /** Effective config, paths relative to the folder of weights.json. */
  readonly config: Record<string, unknown>;
  readonly seed: number;
  /** SHA-256 of each dataset file, by config key. */
  readonly datasets: Record<string, string>;
  readonly test_accuracy: number;
  readonly test_loss: number;
  readonly deno: string;
}

/**
 * The metadata file that goes with a weights file: `weights.npz` → `weights.json`.
 *
 * @param weightsPath Path of the .npz file.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { modelInfoPath } from "./model_info.ts";
 * assert.ok(modelInfoPath("/a/weights.npz") === "/a/weights.json");
 * ```
 */
export function modelInfoPath(weightsPath: string): string {
  return weightsPath.replace(/\.npz$/i, "") + ".json";
}

/**
 * Rewrite every absolute path value of a plain config object relative to a folder, so the record
 * does not depend on where the project was cloned.
 *
 * @param plain The effective config as a plain object.
 * @param base The folder the paths become relative to.
 */
export function relativizePaths(plain: Record<string, unknown>, base: string): Record<string, unknown> {
  const walk = (value: unknown): unknown => {
    if (typeof value === "string" && isAbsolute(value)) return relative(base, value) || ".";
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === "object") {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, k === "source" ? undefined : walk(v)]),
      );
    }
    return value;
  };
  return JSON.parse(JSON.stringify(walk(plain)));
}

/**
 * Serialise model metadata as stable, pretty JSON with a final newline.
 *
 * @param info The metadata.
 */
export function encodeModelInfo(info: ModelInfo): string {
  return JSON.stringify(info, null, 2) + "\n";
}

/**
 * Read weights.json if it exists.
 *
 * @param path The metadata file.
 * @returns The metadata, or null when there is no such file.
 * @throws {FormatError} When the file is not valid metadata JSON.
 */
export async function readModelInfo(path: string): Promise<ModelInfo | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    const reason = fileErrorReason(error);
    if (reason) throw new InputFileError(`Cannot read model info "${path}": ${reason}`);
    throw error;
  }
  let info: unknown;
  try {
    info = JSON.parse(text);
  } catch {
    throw new FormatError(`Cannot read model info "${path}": not valid JSON`);
  }
  if (!info || typeof info !== "object" || (info as ModelInfo).format !== "mnist-mlp-weights") {
    throw new FormatError(`Cannot read model info "${path}": "format" is not "mnist-mlp-weights"`);
  }
  return info as ModelInfo;
}
