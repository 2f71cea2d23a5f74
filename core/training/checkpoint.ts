/**
 * Per-epoch checkpoints: the weights after an epoch and the generator state that the next epoch
 * starts from, so a stopped run can continue bit-identically (`deno task train --resume RUN`).
 *
 * A checkpoint is two or three files in the run folder: checkpoint.npz (the weights, as
 * weights.npz), checkpoint_optimizer.npz (the optimizer's state arrays, such as momentum's "v_w0"
 * or Adam's "m_w0" and "v_w0"; none for plain SGD) and checkpoint.json (epoch, generator state,
 * the optimizer's step count, config, and the sha256 of each .npz, which ties them together: a set
 * torn by a crash between the writes is refused).
 *
 * @module
 */

import { join } from "node:path";
import { writeFileAtomic } from "../base/atomic_write.ts";
import { fileErrorReason, FormatError, InputFileError } from "../base/errors.ts";
import type { Params } from "../network/network.ts";
import type { OptimizerState } from "../network/optimizers.ts";
import { decodeNpz, encodeNpz } from "../formats/npz.ts";
import { sha256Hex } from "../base/sha256.ts";
import { decodeWeights, encodeWeights, MAX_WEIGHTS_BYTES } from "./weights.ts";

/** What a checkpoint restores. */
export interface Checkpoint {
  /** Epochs completed. */
  readonly epoch: number;
  /** The run generator's state after that epoch. */
  readonly rng: number[];
  /** The effective config of the run, as configToPlain gives it. */
  readonly config: Record<string, unknown>;
  readonly params: Params;
  /** The optimizer's state after that epoch. */
  readonly optimizer: OptimizerState;
}

/**
 * Write a checkpoint into a run folder: weights first, then the JSON that names their sha256.
 *
 * @param runDir The run folder.
 * @param checkpoint What to save.
 */
export async function writeCheckpoint(runDir: string, checkpoint: Checkpoint): Promise<void> {
  const bytes = encodeWeights(checkpoint.params);
  await writeFileAtomic(join(runDir, "checkpoint.npz"), bytes);
  const arrays = [...checkpoint.optimizer.arrays].map(([name, data]) => ({
    name,
    shape: [data.length],
    data,
  }));
  const optimizerBytes = encodeNpz(arrays);
  await writeFileAtomic(join(runDir, "checkpoint_optimizer.npz"), optimizerBytes);
  const meta = {
    epoch: checkpoint.epoch,
    rng: checkpoint.rng,
    weights_sha256: await sha256Hex(bytes),
    optimizer_step: checkpoint.optimizer.step,
    optimizer_sha256: await sha256Hex(optimizerBytes),
    config: checkpoint.config,
  };
  await writeFileAtomic(join(runDir, "checkpoint.json"), JSON.stringify(meta, null, 2) + "\n");
}

/**
 * Read the checkpoint of a run folder.
 *
 * @param runDir The run folder.
 * @throws {InputFileError} When the folder has no checkpoint.
 * @throws {FormatError} When checkpoint.json is malformed or does not match checkpoint.npz.
 */
export async function readCheckpoint(runDir: string): Promise<Checkpoint> {
  const metaPath = join(runDir, "checkpoint.json"), weightsPath = join(runDir, "checkpoint.npz");
  const optimizerPath = join(runDir, "checkpoint_optimizer.npz");
  let text: string, bytes: Uint8Array, optimizerBytes: Uint8Array;
  try {
    text = await Deno.readTextFile(metaPath);
    bytes = await Deno.readFile(weightsPath);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new InputFileError(
        `Cannot resume run "${runDir}": it has no checkpoint (train with --set train.checkpoint=true)`,
      );
    }
    const reason = fileErrorReason(error);
    if (reason) throw new InputFileError(`Cannot resume run "${runDir}": ${reason}`);
    throw error;
  }
  try {
    optimizerBytes = await Deno.readFile(optimizerPath);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new FormatError(
        `Cannot resume run "${runDir}": checkpoint_optimizer.npz is missing (a checkpoint of an older version ` +
          `has none: train that config again from the start)`,
      );
    }
    const reason = fileErrorReason(error);
    if (reason) throw new InputFileError(`Cannot resume run "${runDir}": ${reason}`);
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new FormatError(`Cannot resume run "${runDir}": checkpoint.json is not valid JSON`);
  }
  const meta = (parsed && typeof parsed === "object" ? parsed : {}) as {
    epoch?: unknown;
    rng?: unknown;
    weights_sha256?: unknown;
    optimizer_step?: unknown;
    optimizer_sha256?: unknown;
    config?: unknown;
  };
  if (
    !Number.isInteger(meta.epoch) || !_isRngState(meta.rng) || typeof meta.weights_sha256 !== "string" ||
    !Number.isInteger(meta.optimizer_step) || (meta.optimizer_step as number) < 0 ||
    typeof meta.optimizer_sha256 !== "string" || !meta.config || typeof meta.config !== "object"
  ) {
    throw new FormatError(
      `Cannot resume run "${runDir}": checkpoint.json lacks epoch, rng, weights_sha256, optimizer_step, ` +
        `optimizer_sha256 or config`,
    );
  }
  if (await sha256Hex(bytes) !== meta.weights_sha256) {
    throw new FormatError(`Cannot resume run "${runDir}": checkpoint.npz does not match checkpoint.json`);
  }
  if (await sha256Hex(optimizerBytes) !== meta.optimizer_sha256) {
    throw new FormatError(
      `Cannot resume run "${runDir}": checkpoint_optimizer.npz does not match checkpoint.json`,
    );
  }
  const optimizerArrays = new Map<string, Float32Array>();
  for (
    const [name, array] of decodeNpz(optimizerBytes, optimizerPath, { maxTotalBytes: MAX_WEIGHTS_BYTES })
  ) {
    optimizerArrays.set(
      name,
      array.data instanceof Float32Array ? array.data : Float32Array.from(array.data),
    );
  }
  return {
    epoch: meta.epoch as number,
    rng: meta.rng as number[],
    config: meta.config as Record<string, unknown>,
    params: decodeWeights(bytes, weightsPath),
    optimizer: { step: meta.optimizer_step as number, arrays: optimizerArrays },
  };
}

/** Four 32-bit words, not all zero: a state Rng.setState accepts. */
function _isRngState(value: unknown): value is number[] {
  return Array.isArray(value) && value.length === 4 &&
    value.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32) && value.some((w) => w !== 0);
}
