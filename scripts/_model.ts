/**
 * Load a model for eval and check: the weights, the activation they were trained with, and one
 * line that says which model this is.
 *
 * @module
 */

import { relative } from "node:path";
import type { Params } from "../core/network/network.ts";
import { type Activation, ACTIVATIONS, isActivation } from "../core/network/activations.ts";
import { FormatError } from "../core/base/errors.ts";
import { modelInfoPath, readModelInfo } from "../core/training/model_info.ts";
import { sha256Hex } from "../core/base/sha256.ts";
import { readWeightsFile } from "../core/training/weights.ts";

/** A model ready to run. */
export interface LoadedModel {
  readonly params: Params;
  readonly activation: Activation;
  readonly sha256: string;
  /** e.g. `model weights.npz (sha256 3f2a…, layers 784-256-10 relu, seed 42, test accuracy 98.21%)`. */
  readonly line: string;
}

/**
 * Read a weights file and the weights.json beside it. The activation comes from weights.json when
 * it describes these exact weights, otherwise from the config.
 *
 * @param weightsPath The .npz file.
 * @param configActivation The config's model.activation, the fallback.
 */
export async function loadModel(weightsPath: string, configActivation: Activation): Promise<LoadedModel> {
  const params = await readWeightsFile(weightsPath);
  const sha256 = await sha256Hex(await Deno.readFile(weightsPath));
  const info = await readModelInfo(modelInfoPath(weightsPath)).catch(() => null);
  const name = relative(Deno.cwd(), weightsPath);
  const short = sha256.slice(0, 12);
  if (!info || info.weights_sha256 !== sha256) {
    const why = info ? "weights.json beside it describes other weights" : "no weights.json beside it";
    return {
      params,
      sha256,
      activation: configActivation,
      line: `model ${name} (sha256 ${short}…, layers ${
        params.sizes.join("-")
      } ${configActivation} from the config; ${why})`,
    };
  }
  const model = info.config.model as { activation?: unknown } | undefined;
  const activation = model?.activation ?? "relu"; // weights.json of the first versions named none: relu
  if (!isActivation(activation)) {
    throw new FormatError(
      `Cannot load model "${name}": weights.json names the activation ${JSON.stringify(activation)}, ` +
        `expected one of ${ACTIVATIONS.map((a) => `"${a}"`).join(", ")}`,
    );
  }
  return {
    params,
    sha256,
    activation,
    line:
      `model ${name} (sha256 ${short}…, layers ${params.sizes.join("-")} ${activation}, seed ${info.seed}, ` +
      `test accuracy ${(info.test_accuracy * 100).toFixed(2)}%)`,
  };
}
