/**
 * `deno task eval`: score saved weights on the test set the config names.
 *
 * @module
 */

import { hiddenSizes } from "../core/network/network.ts";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadParams } from "../core/kernels/backend.ts";
import { createBackend } from "../core/kernels/backend_factory.ts";
import { loadConfig } from "../core/training/config.ts";
import { formatConfusionTable, perClassScores } from "../core/reports/confusion_table.ts";
import { loadTestSet } from "../core/training/data_files.ts";
import { evaluate } from "../core/training/evaluate.ts";
import { loadModel } from "./_model.ts";
import { helpText, type OptionSpec, parseFlags, resultsDir, runMain, useColor } from "./_cli.ts";
import { writeEvalPictures } from "../core/reports/run_files.ts";
import { type EvalResult, type Mistake } from "../core/reports/run.ts";

const DEFAULT_CONFIG = fileURLToPath(new URL("../config.yaml", import.meta.url));

const OPTIONS: OptionSpec = {
  weights: {
    type: "string",
    help: "weights file (default: output.weights of the config)",
    valueName: "FILE",
  },
  config: {
    type: "string",
    help: "config naming the test set (default: config.yaml of the project)",
    valueName: "FILE",
  },
  json: { type: "boolean", help: "print the results as JSON" },
  run: {
    type: "string",
    help: "folder for the pictures (default: the run that trained the weights, else runs/model-<sha256>)",
    valueName: "DIR",
  },
  quiet: { type: "boolean", short: "q", help: "print only the results" },
  help: { type: "boolean", short: "h", help: "show this help" },
};

async function main(): Promise<number> {
  const { values } = parseFlags(Deno.args, OPTIONS);
  if (values.help) {
    console.log(helpText(
      "deno task eval [--weights FILE] [--config FILE] [--json]",
      "Score saved weights on the test set: accuracy, loss, per-class accuracy and the confusion matrix.\n" +
        "Reads weights written by train, or by numpy (float32 or float64; w0 stored as (H, 784) is transposed).",
      OPTIONS,
    ));
    return 0;
  }
  const config = await loadConfig(resolve((values.config as string | undefined) ?? DEFAULT_CONFIG));
  const weightsPath = resolve((values.weights as string | undefined) ?? config.output.weights);
  const model = await loadModel(weightsPath, config.model.activation);
  const test = await loadTestSet(config);

  // the config's kernels, so eval reproduces the accuracy train measured
  const backend = await createBackend(config.train.kernel, hiddenSizes(model.params), model.activation, 500);
  loadParams(backend, model.params);
  const scored = evaluate(backend, test);
  backend.dispose();
  const names = config.data.class_names;
  const result: EvalResult = {
    weights: relative(Deno.cwd(), weightsPath),
    weights_sha256: model.sha256,
    count: scored.count,
    loss: scored.loss,
    accuracy: scored.accuracy,
    per_class: perClassScores(scored.confusion, names).map((c) => ({
      ...c,
      accuracy: Number.isNaN(c.accuracy) ? null : c.accuracy,
    })),
    confusion: scored.confusion,
    mistakes: _mostConfidentMistakes(test.labels, scored.predicted, scored.confidence, 36),
  };
  const outDir = await resultsDir(config.output.runs_dir, values.run as string | undefined, model.sha256);
  await writeEvalPictures(outDir, result, test.pixels);

  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
    return 0;
  }
  if (!values.quiet) console.log(model.line);
  console.log(
    `test accuracy ${(scored.accuracy * 100).toFixed(2)}% (${
      Math.round(scored.accuracy * scored.count)
    }/${scored.count})` +
      `  loss ${scored.loss.toFixed(4)}\n`,
  );
  console.log(formatConfusionTable(scored.confusion, names, useColor()));
  if (!values.quiet) {
    console.log(`\npictures in ${relative(Deno.cwd(), outDir)} (deno task report builds the page)`);
  }
  return 0;
}

/** The wrongly read images, most confident first (ties: lower index first). */
function _mostConfidentMistakes(
  labels: Uint8Array,
  predicted: Uint8Array,
  confidence: Float32Array,
  limit: number,
): Mistake[] {
  const wrong: Mistake[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (predicted[i] !== labels[i]) {
      wrong.push({ index: i, label: labels[i], predicted: predicted[i], confidence: confidence[i] });
    }
  }
  return wrong.sort((a, b) => b.confidence - a.confidence || a.index - b.index).slice(0, limit);
}

if (import.meta.main) {
  await runMain(
    main,
    (error) =>
      error.message.startsWith("Cannot load weights") && error.message.endsWith("no such file")
        ? 'run "deno task train" first, or pass --weights FILE'
        : undefined,
  );
}
