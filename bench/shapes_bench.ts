/**
 * `deno task bench:shapes`: how well a model reads digit shapes MNIST lacks (issue 14): a 1 with a
 * long flag (with and without a base), a 7 with a crossbar (and the continental 7 with its flag), a
 * 4 with a closed top, a 9 whose loop is open or which stands on a straight stem; and, as a control,
 * MNIST's own shapes of 0-9 drawn by the same hands.
 *
 * Every image is drawn with the project's hand (core/digits/draw_digits.ts) from its own seed, in
 * four hands different from the training pool's (core/augment/shapes.ts), saved as PNG bytes and
 * read the way `deno task check` reads a file (decodeImage, toMnistInput, the wasm kernels).
 *
 * @module
 */

import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { drawShapeTest, SHAPE_TEST_ROWS, shapeDigit, type ShapeRow } from "../core/augment/shapes.ts";
import { loadParams } from "../core/kernels/backend.ts";
import { createBackend } from "../core/kernels/backend_factory.ts";
import { hiddenSizes } from "../core/network/network.ts";
import { predictDigits } from "../core/training/predict.ts";
import { loadModel } from "../scripts/_model.ts";
import { helpText, type OptionSpec, parseFlags, runMain, UsageError } from "../scripts/_cli.ts";

const DEFAULT_WEIGHTS = fileURLToPath(new URL("../weights.npz", import.meta.url));

const OPTIONS: OptionSpec = {
  weights: { type: "string", help: "weights file (default: the shipped weights.npz)", valueName: "FILE" },
  count: { type: "string", help: "images per shape (default 200)", valueName: "N" },
  json: { type: "boolean", help: "print the results as JSON" },
  help: { type: "boolean", short: "h", help: "show this help" },
};

/** How one shape was read. */
interface RowResult {
  readonly shape: string;
  readonly digit: number;
  readonly count: number;
  readonly correct: number;
  readonly accuracy: number;
  /** How often each digit was read, (10). */
  readonly read_as: number[];
  /** Mean confidence of the wrong readings, or null when there are none. */
  readonly wrong_confidence: number | null;
}

async function main(): Promise<number> {
  const { values } = parseFlags(Deno.args, OPTIONS);
  if (values.help) {
    console.log(helpText(
      "deno task bench:shapes [--weights FILE] [--count N] [--json]",
      "Read seeded drawings of digit shapes MNIST lacks (flagged 1, crossed 7, closed 4, open 9) and of\n" +
        "MNIST's own shapes, as check reads files, and print the accuracy per shape.",
      OPTIONS,
    ));
    return 0;
  }
  const count = Number(values.count ?? "200");
  if (!Number.isInteger(count) || count < 1 || count > 100_000) {
    throw new UsageError(
      `Cannot run the shapes bench: --count is "${values.count}", expected an integer from 1 to 100000`,
    );
  }
  const weightsPath = resolve((values.weights as string | undefined) ?? DEFAULT_WEIGHTS);
  const model = await loadModel(weightsPath, "relu");
  const backend = await createBackend("wasm", hiddenSizes(model.params), model.activation, 500);
  loadParams(backend, model.params);
  const rows = SHAPE_TEST_ROWS.map((row) => _readRow(row, count, backend));
  backend.dispose();
  const summary = _summary(rows);
  if (values.json) {
    console.log(JSON.stringify(
      { weights: relative(Deno.cwd(), weightsPath), weights_sha256: model.sha256, count, rows, summary },
      null,
      2,
    ));
    return 0;
  }
  console.log(model.line);
  console.log(`${count} images per shape\n`);
  console.log("shape        accuracy  most often misread as");
  for (const r of rows) {
    const wrong = r.read_as.map((n, d) => [d, n]).filter(([d, n]) => d !== r.digit && n > 0)
      .sort((a, b) => b[1] - a[1]).slice(0, 3).map(([d, n]) => `${d} (${n})`).join(", ");
    const conf = r.wrong_confidence === null
      ? ""
      : `, mean confidence ${(r.wrong_confidence * 100).toFixed(0)}%`;
    console.log(
      `${r.shape.padEnd(12)} ${_percent(r.accuracy).padStart(7)}   ${wrong || "-"}${wrong ? conf : ""}`,
    );
  }
  console.log(
    `\nshapes MNIST lacks ${_percent(summary.variants)}  (1 ${_percent(summary.by_digit["1"])}, 7 ${
      _percent(summary.by_digit["7"])
    }, 4 ${_percent(summary.by_digit["4"])}, 9 ${_percent(summary.by_digit["9"])}); MNIST's shapes ${
      _percent(summary.mnist_shapes)
    }`,
  );
  return 0;
}

function _readRow(row: ShapeRow, count: number, backend: Parameters<typeof predictDigits>[0]): RowResult {
  const digit = shapeDigit(row);
  const predictions = predictDigits(backend, drawShapeTest(row, count));
  const readAs = new Array(10).fill(0);
  let wrongConfidence = 0;
  for (const p of predictions) {
    readAs[p.predicted]++;
    if (p.predicted !== digit) wrongConfidence += p.confidence;
  }
  const wrong = count - readAs[digit];
  return {
    shape: typeof row === "number" ? `mnist-${row}` : row,
    digit,
    count,
    correct: readAs[digit],
    accuracy: readAs[digit] / count,
    read_as: readAs,
    wrong_confidence: wrong > 0 ? wrongConfidence / wrong : null,
  };
}

/** Accuracy over the variants, per digit of the variants, and over MNIST's shapes. */
function _summary(rows: RowResult[]) {
  const mean = (list: RowResult[]) =>
    list.reduce((s, r) => s + r.correct, 0) / list.reduce((s, r) => s + r.count, 0);
  const variants = rows.filter((r) => !r.shape.startsWith("mnist-"));
  return {
    variants: mean(variants),
    by_digit: Object.fromEntries(
      [1, 7, 4, 9].map((d) => [String(d), mean(variants.filter((r) => r.digit === d))]),
    ),
    mnist_shapes: mean(rows.filter((r) => r.shape.startsWith("mnist-"))),
  };
}

function _percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

if (import.meta.main) await runMain(main);
