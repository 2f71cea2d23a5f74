/**
 * Per-epoch checkpoints: the weights after an epoch and the generator state that the next epoch
 * starts from, so a stopped run can continue bit-identically (`deno task train --resume RUN`).
 *
 * A checkpoint is two files in the run folder: checkpoint.npz (the weights, as weights.npz) and
 * checkpoint.json (epoch, generator state, config, and the sha256 of checkpoint.npz, which ties the
 * two together: a pair torn by a crash between the two writes is refused).
 *
 * @module
 */

import { join } from "node:path";
import { writeFileAtomic } from "../base/atomic_write.ts";
import { fileErrorReason, FormatError, InputFileError } from "../base/errors.ts";
import type { Params } from "../network/network.ts";
import { sha256Hex } from "../base/sha256.ts";
import { decodeWeights, encodeWeights } from "./weights.ts";

/** What a checkpoint restores. */
export interface Checkpoint {
  /** Epochs completed. */
  readonly epoch: number;
  /** The run generator's state after that epoch. */
  readonly rng: number[];
  /** The effective config of the run, as configToPlain gives it. */
  readonly config: Record<string, unknown>;
  readonly params: Params;
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
  const meta = {
    epoch: checkpoint.epoch,
    rng: checkpoint.rng,
    weights_sha256: await sha256Hex(bytes),
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
  let text: string, bytes: Uint8Array;
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
    config?: unknown;
  };
  if (
    !Number.isInteger(meta.epoch) || !_isRngState(meta.rng) || typeof meta.weights_sha256 !== "string" ||
    !meta.config || typeof meta.config !== "object"
  ) {
    throw new FormatError(
      `Cannot resume run "${runDir}": checkpoint.json lacks epoch, rng, weights_sha256 or config`,
    );
  }
  if (await sha256Hex(bytes) !== meta.weights_sha256) {
    throw new FormatError(`Cannot resume run "${runDir}": checkpoint.npz does not match checkpoint.json`);
  }
  return {
    epoch: meta.epoch as number,
    rng: meta.rng as number[],
    config: meta.config as Record<string, unknown>,
    params: decodeWeights(bytes, weightsPath),
  };
}

/** Four 32-bit words, not all zero: a state Rng.setState accepts. */
function _isRngState(value: unknown): value is number[] {
  return Array.isArray(value) && value.length === 4 &&
    value.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32) && value.some((w) => w !== 0);
}
