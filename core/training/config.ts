/**
 * Load `config.yaml` into a typed, deeply frozen, strictly validated {@linkcode Config}.
 *
 * The YAML keys are snake_case and the object uses the same names, so `train.learning_rate` in the
 * file is `config.train.learning_rate` in code. Every key is optional except the four data paths;
 * missing keys take the defaults listed on each field below.
 *
 * The parser accepts a deliberately small subset of YAML, and refuses the rest with a
 * {@linkcode FormatError} before any value is looked at:
 * - one document only, no directives (`%YAML`, `%TAG`), at most {@linkcode MAX_CONFIG_BYTES} bytes
 *   and {@linkcode MAX_CONFIG_DEPTH} levels of nested maps and lists;
 * - no anchors (`&a`), aliases (`*a`) or tags (`!!str`, `!custom`): an alias bomb is refused from the
 *   syntax tree, before anything is expanded;
 * - no duplicate keys, no unknown keys (with a did-you-mean hint);
 * - YAML 1.2 core schema: `yes` and `no` are strings, not booleans.
 *
 * Error classes carry the kind of problem:
 * - {@linkcode FormatError}: the text is not a YAML document this loader accepts (syntax, duplicate
 *   or unknown key, anchor, alias, tag, several documents, a malformed `--set`);
 * - {@linkcode ShapeError}: a value has the wrong YAML type (a string where a number belongs, a map
 *   where a scalar belongs) or a required key is missing;
 * - {@linkcode LimitError}: a value has the right type but is not allowed (out of range, not an
 *   integer, not one of the choices), or the file is too large or too deeply nested;
 * - {@linkcode InputFileError}: the file cannot be read, or an `npm:` path does not resolve to a file.
 *
 * Every message names the file and the key path and states exactly one problem, e.g.
 * `Cannot load config "config.yaml": "train.epochs" must be an integer from 1 to 1000, got 0`.
 * Integers must be written as integers (`1000`, not `1e3` or `1000.0`); integers are read as
 * BigInt, so a value beyond 2^53 - 1 is compared exactly rather than after rounding.
 *
 * @module
 */

import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Composer, isMap, isScalar, isSeq, LineCounter, Parser, stringify } from "yaml";
import type { CST } from "yaml";
import { fileErrorReason, FormatError, InputFileError, LimitError, ShapeError } from "../base/errors.ts";
import { type Activation, ACTIVATIONS } from "../network/activations.ts";
import { MAX_HIDDEN_LAYERS } from "../network/network.ts";
import { type OptimizerName, OPTIMIZERS } from "../network/optimizers.ts";
import type { TrainingSetup } from "../kernels/backend.ts";
import { MAX_SHAPE_POOL } from "../augment/shapes.ts";

/** Largest config file, or `--set` value, accepted: 64 KiB. */
export const MAX_CONFIG_BYTES = 64 * 1024;

/** Deepest nesting of maps and lists accepted; a valid config needs 3. */
export const MAX_CONFIG_DEPTH = 16;

/** The `source` of a config that was not read from a file; its relative paths resolve from the working folder. */
export const DEFAULTS_SOURCE = "<defaults>";

/** The four MNIST files a config names, in the order they appear under `data`. */
export const DATA_FILE_KEYS = ["train_images", "train_labels", "test_images", "test_labels"] as const;

/** The name of one of the four data files. */
export type DataFileKey = typeof DATA_FILE_KEYS[number];

/** Learning-rate schedules: constant, cosine decay to zero, or a step decay every `step_every` epochs. */
export type Schedule = "constant" | "cosine" | "step";

/** Which compute kernels to use: plain TypeScript or WebAssembly. */
export type Kernel = "ts" | "wasm";

/** Where the data comes from. Paths are absolute once loaded. */
export interface DataConfig {
  /** Training images, IDX (raw or gzip). Required. */
  readonly train_images: string;
  /** Training labels, IDX (raw or gzip). Required. */
  readonly train_labels: string;
  /** Test images, IDX (raw or gzip). Required. */
  readonly test_images: string;
  /** Test labels, IDX (raw or gzip). Required. */
  readonly test_labels: string;
  /** Expected SHA-256 digests (64 lowercase hex digits) of the files to verify before use. Default: none. */
  readonly sha256: Readonly<Partial<Record<DataFileKey, string>>>;
  /** Display names of the 10 classes, in label order. Default: the digits "0" to "9". */
  readonly class_names: readonly string[];
}

/** The network's shape. */
export interface ModelConfig {
  /**
   * Units of each hidden layer, [H₁, …, H_L]: 1 to 8 layers of 1 to 4096 units. The file may give
   * one number for one layer. Default: [128].
   */
  readonly hidden: readonly number[];
  /** Hidden-layer non-linearity. Default: "relu". */
  readonly activation: Activation;
  /**
   * Inverted-dropout rate of each hidden layer, in [0, 0.95]: one per hidden layer. The file may give
   * one number for every layer. Default: 0 (no dropout).
   */
  readonly dropout: readonly number[];
}

/** How to train. */
export interface TrainConfig {
  /** Passes over the training set, an integer from 1 to 1000. Default: 10. */
  readonly epochs: number;
  /** Images per gradient step, an integer >= 1 (1 = per-image SGD). Default: 1. The caller checks it against the training size. */
  readonly batch_size: number;
  /** Step size, a finite number > 0 and <= 10. Default: 0.01. */
  readonly learning_rate: number;
  /** Learning-rate schedule. Default: "constant". */
  readonly schedule: Schedule;
  /** Epochs between decays, an integer >= 1; used only by the "step" schedule. Default: 5. */
  readonly step_every: number;
  /** Factor applied at each decay, in (0, 1]; used only by the "step" schedule. Default: 0.5. */
  readonly step_factor: number;
  /** Seed of the one random generator, an integer in [0, 2^32). Default: 42. */
  readonly seed: number;
  /** Images carved from the training set (never the test set) for validation, an integer >= 0. Default: 5000. */
  readonly validation: number;
  /** Use only the first N training images, 0 for all; an integer >= 0. Default: 0. */
  readonly subset: number;
  /** How gradients become updates: "sgd", "momentum" or "adam". Default: "sgd". */
  readonly optimizer: OptimizerName;
  /** μ of momentum, in [0, 0.999]. Default: 0.9. */
  readonly momentum: number;
  /** Nesterov's variant of momentum. Default: false. */
  readonly nesterov: boolean;
  /** β₁ of Adam, in [0, 0.999]. Default: 0.9. */
  readonly beta1: number;
  /** β₂ of Adam, in [0, 0.99999]. Default: 0.999. */
  readonly beta2: number;
  /** ε of Adam, > 0 and <= 1. Default: 1e-8. */
  readonly epsilon: number;
  /** λ of the L2 penalty (λ/2)·Σ w² on the weights (not the biases), in [0, 1]. Default: 0. */
  readonly weight_decay: number;
  /** Compute kernels. Default: "ts". */
  readonly kernel: Kernel;
  /** Worker threads, an integer from 1 to 16. Default: 1. */
  readonly threads: number;
  /** Write a checkpoint after every epoch. Default: false. */
  readonly checkpoint: boolean;
}

/** Random distortions of training images. */
export interface AugmentConfig {
  /** Augment at all. Default: false. */
  readonly enabled: boolean;
  /** Largest rotation, degrees in [0, 45]. Default: 10. */
  readonly rotate_degrees: number;
  /** Largest relative scale change, in [0, 0.5]. Default: 0.1. */
  readonly scale: number;
  /** Largest shift, pixels in [0, 6]. Default: 2. */
  readonly shift: number;
  /** Strength of stroke thickening or thinning, in [0, 1]. Default: 0.3. */
  readonly thickness: number;
  /** Largest shear (slant), as a fraction in [0, 1]. Default: 0.15. */
  readonly shear: number;
  /** Elastic distortion strength, in [0, 50]. Default: 24. */
  readonly elastic_alpha: number;
  /** Elastic distortion smoothness (Gaussian sigma, pixels), in [1, 10]. Default: 4. */
  readonly elastic_sigma: number;
  /** Chance that a sample is augmented, in [0, 1]. Default: 1. */
  readonly probability: number;
  /**
   * Drawn digits of shapes MNIST lacks (a flagged 1, a crossed 7, a closed 4, an open 9; see
   * core/augment/shapes.ts) added to the training set, never to validation, an integer from 0 to
   * 60000; 0 adds none. They are distorted like the rest when `enabled`. Default: 0.
   */
  readonly shapes: number;
}

/** Where results go. Paths are absolute once loaded. */
export interface OutputConfig {
  /** Weights file. Default: "weights.npz" beside the config file. */
  readonly weights: string;
  /** Folder for run logs. Default: "runs" beside the config file. */
  readonly runs_dir: string;
}

/** A validated, deeply frozen configuration. */
export interface Config {
  /** Absolute path of the config file, or {@linkcode DEFAULTS_SOURCE}. */
  readonly source: string;
  readonly data: DataConfig;
  readonly model: ModelConfig;
  readonly train: TrainConfig;
  readonly augment: AugmentConfig;
  readonly output: OutputConfig;
}

/**
 * Parse and validate config text.
 *
 * Relative paths resolve against the folder of `source` (the working folder when `source` is
 * {@linkcode DEFAULTS_SOURCE}); absolute paths stay; a path starting with `npm:` resolves through the
 * project's imports to a file inside `node_modules`. Overrides are applied on top of the file, in
 * order, before validation; each is `key.path=value`, the value is read as YAML (`3`, `sigmoid`,
 * `true`, `[a, b]`) and validated exactly like the file. Overridden paths also resolve against the
 * config file's folder, never the working folder.
 *
 * @param text The YAML text.
 * @param source The config file's path: named in messages and the base of relative paths.
 * @param overrides `--set` values such as `"train.epochs=3"`, applied in order.
 * @returns The frozen config with every default filled in.
 * @throws {FormatError} For text that is not an acceptable YAML document, unknown or duplicate keys, or a `--set` without `=`.
 * @throws {ShapeError} For a value of the wrong type, or a missing required key.
 * @throws {LimitError} For a value out of range, or text over {@linkcode MAX_CONFIG_BYTES}.
 * @throws {InputFileError} For an `npm:` path that does not resolve to a file.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseConfig } from "./config.ts";
 * const text = "data:\n  train_images: a\n  train_labels: b\n  test_images: c\n  test_labels: d\n";
 * const config = parseConfig(text, "/project/config.yaml", ["train.epochs=3"]);
 * assert.ok(config.train.epochs === 3);
 * assert.ok(config.data.train_images === "/project/a");
 * assert.deepEqual(config.model.hidden, [128]);
 * ```
 */
export function parseConfig(text: string, source: string, overrides: string[] = []): Config {
  const absolute = source === DEFAULTS_SOURCE ? source : resolve(source);
  const ctx: _Context = {
    source,
    baseDir: source === DEFAULTS_SOURCE ? resolve(".") : dirname(absolute),
  };
  let root = _parseYaml(text, ctx, null);
  if (root.kind === "scalar" && root.value === null) root = { kind: "map", entries: new Map(), origin: null };
  if (root.kind !== "map") {
    _fail(ctx, null, ShapeError, `the document must be a map of sections, got ${_got(root)}`);
  }
  for (const override of overrides) _applyOverride(root, override, ctx);

  const sections: Record<string, unknown> = {};
  for (const [name, node] of root.entries) {
    if (!Object.hasOwn(_SCHEMA, name)) _unknownKey(ctx, node.origin, name, Object.keys(_SCHEMA));
    sections[name] = _readSection(name as _SectionName, node, ctx);
  }
  const model = (sections.model ?? _readSection("model", undefined, ctx)) as ModelConfig;
  if (model.dropout.length !== model.hidden.length) {
    if (model.dropout.length !== 1) {
      _fail(
        ctx,
        null,
        LimitError,
        `"model.dropout" must give one rate for every layer or one per hidden layer: it lists ${model.dropout.length}, ` +
          `"model.hidden" has ${model.hidden.length} ${model.hidden.length === 1 ? "layer" : "layers"}`,
      );
    }
    (model as { dropout: readonly number[] }).dropout = model.hidden.map(() => model.dropout[0]);
  }
  const config = {
    source: absolute,
    data: sections.data ?? _readSection("data", undefined, ctx),
    model,
    train: sections.train ?? _readSection("train", undefined, ctx),
    augment: sections.augment ?? _readSection("augment", undefined, ctx),
    output: sections.output ?? _readSection("output", undefined, ctx),
  } as Config;
  return _deepFreeze(config);
}

/**
 * Read a config file and validate it with {@linkcode parseConfig}.
 *
 * @param path The config file; relative paths inside it resolve against its folder.
 * @param overrides `--set` values such as `"train.epochs=3"`, applied in order.
 * @returns The frozen config.
 * @throws {InputFileError} When the file is missing or cannot be read.
 * @throws {LimitError} When the file is over {@linkcode MAX_CONFIG_BYTES}.
 * @throws {FormatError} When the file is not UTF-8, and as {@linkcode parseConfig} does.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadConfig } from "./config.ts";
 * import { fileURLToPath } from "node:url";
 * const path = fileURLToPath(new URL("../../tests/fixtures/config/valid.yaml", import.meta.url));
 * const config = await loadConfig(path, ["model.activation=sigmoid"]);
 * assert.ok(config.model.activation === "sigmoid");
 * assert.ok(config.source === path);
 * ```
 */
export async function loadConfig(path: string, overrides: string[] = []): Promise<Config> {
  let bytes: Uint8Array;
  try {
    using file = await Deno.open(path, { read: true });
    const info = await file.stat();
    if (info.isDirectory) throw new InputFileError(`Cannot read config "${path}": it is a directory`);
    // read at most one byte past the cap, so a huge file is never loaded whole
    const buffer = new Uint8Array(MAX_CONFIG_BYTES + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const n = await file.read(buffer.subarray(filled));
      if (n === null) break;
      filled += n;
    }
    if (filled > MAX_CONFIG_BYTES) {
      // a special file (a pipe, /dev/zero) reports size 0, so its true size is unknown
      const size = info.size >= filled ? `${info.size} bytes` : `over ${MAX_CONFIG_BYTES} bytes`;
      throw new LimitError(`Cannot load config "${path}": file is ${size}, the limit is ${MAX_CONFIG_BYTES}`);
    }
    bytes = buffer.subarray(0, filled);
  } catch (error) {
    if (error instanceof InputFileError || error instanceof LimitError) throw error;
    throw new InputFileError(`Cannot read config "${path}": ${_ioReason(error)}`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new FormatError(`Cannot load config "${path}": file is not valid UTF-8 text`);
  }
  return parseConfig(text, path, overrides);
}

/**
 * How the config trains, as a backend takes it: the optimizer with its hyperparameters and the
 * dropout rate of each hidden layer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseConfig, trainingSetup } from "./config.ts";
 * const text = "data: {train_images: a, train_labels: b, test_images: c, test_labels: d}\ntrain: {optimizer: adam}";
 * assert.equal(trainingSetup(parseConfig(text, "/p/config.yaml")).optimizer.name, "adam");
 * ```
 */
export function trainingSetup(config: Config): TrainingSetup {
  const t = config.train;
  return {
    optimizer: {
      name: t.optimizer,
      weightDecay: t.weight_decay,
      momentum: t.momentum,
      nesterov: t.nesterov,
      beta1: t.beta1,
      beta2: t.beta2,
      epsilon: t.epsilon,
    },
    dropout: config.model.dropout,
  };
}

/**
 * The effective config as a plain, JSON-able object with the same shape as `config.yaml`.
 *
 * The `source` is left out, so the result can be written back as a config file.
 *
 * @param config A loaded config.
 * @returns Fresh plain objects and arrays, safe to modify.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configToPlain, parseConfig } from "./config.ts";
 * const text = "data: {train_images: a, train_labels: b, test_images: c, test_labels: d}";
 * const plain = configToPlain(parseConfig(text, "/p/config.yaml"));
 * assert.ok(JSON.stringify(plain).includes('"learning_rate":0.01'));
 * ```
 */
export function configToPlain(config: Config): Record<string, unknown> {
  return {
    data: {
      ...config.data,
      sha256: { ...config.data.sha256 },
      class_names: [...config.data.class_names],
    },
    model: {
      ...config.model,
      // one layer, or one rate for all, reads back as the single number a person would write
      hidden: config.model.hidden.length === 1 ? config.model.hidden[0] : [...config.model.hidden],
      dropout: config.model.dropout.every((p) => p === config.model.dropout[0])
        ? config.model.dropout[0]
        : [...config.model.dropout],
    },
    train: { ...config.train },
    augment: { ...config.augment },
    output: { ...config.output },
  };
}

/**
 * The effective config as YAML text, for printing; {@linkcode parseConfig} reads it back unchanged.
 *
 * @param config A loaded config.
 * @returns YAML text ending with a newline.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatConfig, parseConfig } from "./config.ts";
 * const text = "data: {train_images: a, train_labels: b, test_images: c, test_labels: d}";
 * const yaml = formatConfig(parseConfig(text, "/p/config.yaml"));
 * assert.ok(yaml.includes("  hidden: 128\n"));
 * ```
 */
export function formatConfig(config: Config): string {
  return stringify(configToPlain(config), { lineWidth: 0, aliasDuplicateObjects: false });
}

// ---------------------------------------------------------------------------------------------
// Parsing: text -> a small tree of maps, lists and scalars that remembers where each value came from

/** Who wrote a value: `null` for the config file, else the `--set` text it came from. */
type _Origin = string | null;

type _Tree =
  | { readonly kind: "map"; readonly entries: Map<string, _Tree>; readonly origin: _Origin }
  | { readonly kind: "list"; readonly items: readonly _Tree[]; readonly origin: _Origin }
  | { readonly kind: "scalar"; readonly value: unknown; readonly token: string; readonly origin: _Origin };

type _MapTree = Extract<_Tree, { kind: "map" }>;

interface _Context {
  /** The config path as given, for messages. */
  readonly source: string;
  /** The folder relative paths resolve against. */
  readonly baseDir: string;
}

type _ErrorClass = typeof FormatError | typeof LimitError | typeof ShapeError | typeof InputFileError;

const _COMPOSE_OPTIONS = {
  version: "1.2",
  schema: "core",
  merge: false,
  resolveKnownTags: false,
  intAsBigInt: true,
  // duplicates are found while building the tree, where the full key path is known
  uniqueKeys: false,
  strict: true,
} as const;

function _fail(ctx: _Context, origin: _Origin, ErrorClass: _ErrorClass, problem: string): never {
  const where = origin === null
    ? `Cannot load config "${ctx.source}"`
    : `Cannot apply --set ${_quote(origin)} to config "${ctx.source}"`;
  throw new ErrorClass(`${where}: ${problem}`);
}

/** Parse one YAML document into a tree; `origin` says whether `text` is the file or a `--set` value. */
function _parseYaml(text: string, ctx: _Context, origin: _Origin): _Tree {
  const what = origin === null ? "file" : "value";
  // bytes >= UTF-16 units, so only near the cap is the exact UTF-8 length needed
  const size = text.length > MAX_CONFIG_BYTES / 3 ? new TextEncoder().encode(text).length : text.length;
  if (size > MAX_CONFIG_BYTES) {
    _fail(ctx, origin, LimitError, `${what} is ${size} bytes, the limit is ${MAX_CONFIG_BYTES}`);
  }
  const lines = new LineCounter();
  const at = (offset: number) => origin === null ? ` at line ${lines.linePos(offset).line}` : "";
  const cst = Array.from(new Parser(lines.addNewLine).parse(text));

  const documents = cst.filter((token) => token.type === "document").length;
  if (documents > 1) _fail(ctx, origin, FormatError, `${what} holds ${documents} YAML documents, expected 1`);
  const directive = cst.find((token) => token.type === "directive");
  if (directive !== undefined && directive.type === "directive") {
    _fail(
      ctx,
      origin,
      FormatError,
      `directive ${_quote(directive.source)}${at(directive.offset)} is not allowed`,
    );
  }
  const found = _scanCst(cst);
  if (found.property !== undefined) {
    const { type, source, offset } = found.property;
    _fail(ctx, origin, FormatError, `${type} ${_quote(source)}${at(offset)} is not allowed`);
  }
  if (found.tooDeep !== undefined) {
    _fail(
      ctx,
      origin,
      LimitError,
      `maps and lists nest more than ${MAX_CONFIG_DEPTH} levels deep${at(found.tooDeep)}`,
    );
  }

  const [doc] = Array.from(new Composer(_COMPOSE_OPTIONS).compose(cst, true, text.length));
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem !== undefined) {
    const message = problem.message.replace(/\s+/g, " ").trim().replace(/\.$/, "");
    _fail(ctx, origin, FormatError, `invalid YAML${at(problem.pos[0])}: ${message}`);
  }
  return _toTree(doc.contents, "", text, ctx, origin, at);
}

/**
 * Find, without recursion, the first anchor, alias or tag in the syntax tree, and the first
 * collection nested deeper than MAX_CONFIG_DEPTH.
 */
function _scanCst(tokens: CST.Token[]): {
  property?: { type: "anchor" | "alias" | "tag"; source: string; offset: number };
  tooDeep?: number;
} {
  let property: { type: "anchor" | "alias" | "tag"; source: string; offset: number } | undefined;
  let tooDeep: number | undefined;
  const stack: Array<[unknown, number]> = tokens.map((token) => [token, 0]);
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (Array.isArray(item)) {
      for (const child of item) stack.push([child, depth]);
      continue;
    }
    if (typeof item !== "object" || item === null) continue;
    const token = item as { type?: unknown; source?: unknown; offset?: unknown };
    let inner = depth;
    if (
      (token.type === "anchor" || token.type === "alias" || token.type === "tag") &&
      typeof token.source === "string" && typeof token.offset === "number" &&
      (property === undefined || token.offset < property.offset)
    ) {
      property = { type: token.type, source: token.source, offset: token.offset };
    } else if (token.type === "block-map" || token.type === "block-seq" || token.type === "flow-collection") {
      inner = depth + 1;
      if (inner > MAX_CONFIG_DEPTH && typeof token.offset === "number") {
        if (tooDeep === undefined || token.offset < tooDeep) tooDeep = token.offset;
        continue;
      }
    }
    for (const value of Object.values(item)) {
      if (typeof value === "object" && value !== null) stack.push([value, inner]);
    }
  }
  return { property, tooDeep };
}

/** Turn a composed YAML node into a tree; depth is bounded by _scanCst, so recursion is safe. */
function _toTree(
  node: unknown,
  path: string,
  text: string,
  ctx: _Context,
  origin: _Origin,
  at: (offset: number) => string,
): _Tree {
  if (isMap(node)) {
    const entries = new Map<string, _Tree>();
    for (const pair of node.items) {
      const key = pair.key;
      let name = "";
      if (isScalar(key)) {
        name = typeof key.value === "string" ? key.value : _token(key, text);
      } else if (key !== null && key !== undefined) {
        const offset = isMap(key) || isSeq(key) ? key.range?.[0] ?? 0 : 0;
        _fail(
          ctx,
          origin,
          FormatError,
          `a ${isSeq(key) ? "list" : "map"} used as a key${at(offset)} is not allowed`,
        );
      }
      const keyPath = path === "" ? name : `${path}.${name}`;
      if (entries.has(name)) {
        const offset = isScalar(key) ? key.range?.[0] ?? 0 : 0;
        _fail(ctx, origin, FormatError, `duplicate key ${_quote(keyPath)}${at(offset)}`);
      }
      entries.set(name, _toTree(pair.value, keyPath, text, ctx, origin, at));
    }
    return { kind: "map", entries, origin };
  }
  if (isSeq(node)) {
    const items = node.items.map((item, i) => _toTree(item, `${path}[${i}]`, text, ctx, origin, at));
    return { kind: "list", items, origin };
  }
  if (isScalar(node)) return { kind: "scalar", value: node.value, token: _token(node, text), origin };
  return { kind: "scalar", value: null, token: "", origin };
}

function _token(node: { range?: [number, number, number] | null }, text: string): string {
  return node.range ? text.slice(node.range[0], node.range[1]) : "";
}

// ---------------------------------------------------------------------------------------------
// Overrides

function _applyOverride(root: _MapTree, override: string, ctx: _Context): void {
  const equals = override.indexOf("=");
  if (equals < 0) _fail(ctx, override, FormatError, `expected key=value, e.g. "train.epochs=3"`);
  const keyPath = override.slice(0, equals).trim();
  const parts = keyPath.split(".");
  const [sectionName, fieldName] = parts;
  if (!Object.hasOwn(_SCHEMA, sectionName)) _unknownKey(ctx, override, sectionName, Object.keys(_SCHEMA));
  const specs = _SCHEMA[sectionName as _SectionName] as Record<string, _Field<unknown>>;
  if (parts.length === 1) {
    _fail(ctx, override, FormatError, `${_quote(keyPath)} is a section, not a key (e.g. "train.epochs")`);
  }
  if (!Object.hasOwn(specs, fieldName)) {
    _unknownKey(ctx, override, `${sectionName}.${fieldName}`, Object.keys(specs));
  }
  const subKeys = specs[fieldName].keys;
  if (parts.length > 3 || (parts.length === 3 && subKeys === undefined)) {
    _unknownKey(ctx, override, keyPath, []);
  }
  if (parts.length === 3 && !subKeys!.includes(parts[2])) _unknownKey(ctx, override, keyPath, subKeys!);

  const value = _parseYaml(override.slice(equals + 1), ctx, override);
  const section = _childMap(root, sectionName, sectionName, ctx, override);
  if (parts.length === 2) {
    section.entries.set(fieldName, value);
  } else {
    _childMap(section, fieldName, `${sectionName}.${fieldName}`, ctx, override).entries.set(parts[2], value);
  }
}

/** The map under `key`, created when missing or empty. */
function _childMap(parent: _MapTree, key: string, keyPath: string, ctx: _Context, origin: string): _MapTree {
  const child = parent.entries.get(key);
  if (child?.kind === "map") return child;
  if (child !== undefined && !(child.kind === "scalar" && child.value === null)) {
    _fail(ctx, child.origin, ShapeError, `${_quote(keyPath)} must be a map, got ${_got(child)}`);
  }
  const created: _MapTree = { kind: "map", entries: new Map(), origin };
  parent.entries.set(key, created);
  return created;
}

// ---------------------------------------------------------------------------------------------
// Validation: one field spec per key

interface _Field<T> {
  /** The value for a key that is absent, or undefined when the key is required. */
  fallback(ctx: _Context): T | undefined;
  /** Validate and convert a present value; `key` is the full key path. */
  read(node: _Tree, key: string, ctx: _Context): T;
  /** For a map-valued field, the keys allowed inside it. */
  readonly keys?: readonly string[];
}

type _Specs<T> = { readonly [K in keyof T]-?: _Field<T[K]> };

/** Largest integer a double holds exactly: 2^53 - 1. */
const _SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function _int(min: number, max: number | undefined, fallback: number, range?: string): _Field<number> {
  const wanted = range ?? (max === undefined ? `an integer >= ${min}` : `an integer from ${min} to ${max}`);
  return {
    fallback: () => fallback,
    read(node, key, ctx) {
      const value = _numeric(node, key, wanted, ctx);
      const bad = typeof value !== "bigint" || value < BigInt(min) ||
        (max !== undefined && value > BigInt(max));
      if (bad) _fail(ctx, node.origin, LimitError, `${_quote(key)} must be ${wanted}, got ${_got(node)}`);
      if (value > _SAFE) {
        _fail(
          ctx,
          node.origin,
          LimitError,
          `${_quote(key)} must be an integer <= 2^53 - 1, got ${_got(node)}`,
        );
      }
      return Number(value);
    },
  };
}

/** A finite number in [min, max], or (min, max] when `openMin`. */
function _number(min: number, max: number, fallback: number, openMin = false): _Field<number> {
  const wanted = openMin ? `a finite number > ${min} and <= ${max}` : `a finite number from ${min} to ${max}`;
  return {
    fallback: () => fallback,
    read(node, key, ctx) {
      const value = _numeric(node, key, wanted, ctx);
      // Number() of a huge BigInt rounds, but every bound here is far below 2^53
      const x = Number(value);
      if (!Number.isFinite(x) || x < min || (openMin && x === min) || x > max) {
        _fail(ctx, node.origin, LimitError, `${_quote(key)} must be ${wanted}, got ${_got(node)}`);
      }
      return x === 0 ? 0 : x; // no -0
    },
  };
}

function _numeric(node: _Tree, key: string, wanted: string, ctx: _Context): number | bigint {
  if (node.kind === "scalar" && (typeof node.value === "number" || typeof node.value === "bigint")) {
    return node.value;
  }
  return _fail(ctx, node.origin, ShapeError, `${_quote(key)} must be ${wanted}, got ${_got(node)}`);
}

function _choice<T extends string>(choices: readonly T[], fallback: T): _Field<T> {
  const wanted = `one of ${choices.map((c) => `"${c}"`).join(", ")}`;
  return {
    fallback: () => fallback,
    read(node, key, ctx) {
      if (node.kind !== "scalar" || typeof node.value !== "string") {
        _fail(ctx, node.origin, ShapeError, `${_quote(key)} must be ${wanted}, got ${_got(node)}`);
      }
      if (!(choices as readonly string[]).includes(node.value)) {
        _fail(ctx, node.origin, LimitError, `${_quote(key)} must be ${wanted}, got ${_got(node)}`);
      }
      return node.value as T;
    },
  };
}

/**
 * One value for every hidden layer, or a list of 1 to `most` values, one per layer, each read by
 * `one`. With `wanted`, a map is refused with that description.
 */
function _perLayer(
  one: _Field<number>,
  noun: string,
  most: number,
  fallback: readonly number[],
  wanted?: string,
): _Field<readonly number[]> {
  return {
    fallback: () => fallback,
    read(node, key, ctx) {
      if (node.kind === "map" && wanted) {
        _fail(ctx, node.origin, ShapeError, `${_quote(key)} must be ${wanted}, got ${_got(node)}`);
      }
      if (node.kind !== "list") return [one.read(node, key, ctx)];
      if (node.items.length < 1 || node.items.length > most) {
        _fail(
          ctx,
          node.origin,
          LimitError,
          `${_quote(key)} must list 1 to ${most} ${noun}, got ${node.items.length}`,
        );
      }
      return node.items.map((item, i) => one.read(item, `${key}[${i}]`, ctx));
    },
  };
}

function _boolean(fallback: boolean): _Field<boolean> {
  return {
    fallback: () => fallback,
    read(node, key, ctx) {
      if (node.kind !== "scalar" || typeof node.value !== "boolean") {
        _fail(ctx, node.origin, ShapeError, `${_quote(key)} must be true or false, got ${_got(node)}`);
      }
      return node.value;
    },
  };
}

/** A path; `fallback` undefined makes the key required. */
function _path(fallback?: string): _Field<string> {
  return {
    fallback: (ctx) => fallback === undefined ? undefined : resolve(ctx.baseDir, fallback),
    read(node, key, ctx) {
      const p = _text(node, key, "a path", ctx);
      if (p.includes("\0")) {
        _fail(
          ctx,
          node.origin,
          LimitError,
          `${_quote(key)} must be a path without NUL characters, got ${_got(node)}`,
        );
      }
      if (!p.startsWith("npm:")) return resolve(ctx.baseDir, p);
      try {
        const url = import.meta.resolve(p);
        if (url.startsWith("file:")) return fileURLToPath(url);
      } catch {
        // an unresolvable specifier is reported below like any non-file result
      }
      return _fail(
        ctx,
        node.origin,
        InputFileError,
        `${_quote(key)} is ${_quote(p)}, which does not resolve to a local file`,
      );
    },
  };
}

/** A non-empty string. */
function _text(node: _Tree, key: string, wanted: string, ctx: _Context): string {
  if (node.kind !== "scalar" || typeof node.value !== "string") {
    _fail(ctx, node.origin, ShapeError, `${_quote(key)} must be ${wanted}, got ${_got(node)}`);
  }
  if (node.value === "") _fail(ctx, node.origin, LimitError, `${_quote(key)} must be ${wanted}, got ""`);
  return node.value;
}

function _digests(): _Field<Readonly<Partial<Record<DataFileKey, string>>>> {
  return {
    keys: DATA_FILE_KEYS,
    fallback: () => ({}),
    read(node, key, ctx) {
      const entries = _entries(node, key, ctx);
      const digests: Partial<Record<DataFileKey, string>> = {};
      for (const [name, value] of entries) {
        if (!(DATA_FILE_KEYS as readonly string[]).includes(name)) {
          _unknownKey(ctx, value.origin, `${key}.${name}`, DATA_FILE_KEYS);
        }
        const wanted = "64 hexadecimal digits";
        const digest = _text(value, `${key}.${name}`, wanted, ctx);
        if (!/^[0-9a-fA-F]{64}$/.test(digest)) {
          _fail(
            ctx,
            value.origin,
            LimitError,
            `${_quote(`${key}.${name}`)} must be ${wanted}, got ${_got(value)}`,
          );
        }
        digests[name as DataFileKey] = digest.toLowerCase();
      }
      return digests;
    },
  };
}

function _classNames(fallback: readonly string[]): _Field<readonly string[]> {
  return {
    fallback: () => fallback,
    read(node, key, ctx) {
      if (node.kind !== "list") {
        _fail(ctx, node.origin, ShapeError, `${_quote(key)} must be a list of 10 names, got ${_got(node)}`);
      }
      if (node.items.length !== 10) {
        _fail(
          ctx,
          node.origin,
          LimitError,
          `${_quote(key)} must list exactly 10 names, got ${node.items.length}`,
        );
      }
      return node.items.map((item, i) => _text(item, `${key}[${i}]`, "a non-empty string", ctx));
    },
  };
}

/** The entries of a map value; an empty value counts as an empty map. */
function _entries(node: _Tree, key: string, ctx: _Context): Map<string, _Tree> {
  if (node.kind === "map") return node.entries;
  if (node.kind === "scalar" && node.value === null) return new Map();
  return _fail(ctx, node.origin, ShapeError, `${_quote(key)} must be a map, got ${_got(node)}`);
}

const _SCHEMA: {
  readonly data: _Specs<DataConfig>;
  readonly model: _Specs<ModelConfig>;
  readonly train: _Specs<TrainConfig>;
  readonly augment: _Specs<AugmentConfig>;
  readonly output: _Specs<OutputConfig>;
} = {
  data: {
    train_images: _path(),
    train_labels: _path(),
    test_images: _path(),
    test_labels: _path(),
    sha256: _digests(),
    class_names: _classNames(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]),
  },
  model: {
    hidden: _perLayer(
      _int(1, 4096, 0),
      "sizes",
      MAX_HIDDEN_LAYERS,
      [128],
      `an integer from 1 to 4096, or a list of 1 to ${MAX_HIDDEN_LAYERS} of them`,
    ),
    activation: _choice<Activation>(ACTIVATIONS, "relu"),
    dropout: _perLayer(_number(0, 0.95, 0), "rates", MAX_HIDDEN_LAYERS, [0]),
  },
  train: {
    epochs: _int(1, 1000, 10),
    batch_size: _int(1, undefined, 1),
    learning_rate: _number(0, 10, 0.01, true),
    schedule: _choice<Schedule>(["constant", "cosine", "step"], "constant"),
    step_every: _int(1, undefined, 5),
    step_factor: _number(0, 1, 0.5, true),
    seed: _int(0, 2 ** 32 - 1, 42, "an integer in [0, 2^32)"),
    validation: _int(0, undefined, 5000),
    subset: _int(0, undefined, 0),
    optimizer: _choice<OptimizerName>(OPTIMIZERS, "sgd"),
    momentum: _number(0, 0.999, 0.9),
    nesterov: _boolean(false),
    beta1: _number(0, 0.999, 0.9),
    beta2: _number(0, 0.99999, 0.999),
    epsilon: _number(0, 1, 1e-8, true),
    weight_decay: _number(0, 1, 0),
    kernel: _choice<Kernel>(["ts", "wasm"], "ts"),
    threads: _int(1, 16, 1),
    checkpoint: _boolean(false),
  },
  augment: {
    enabled: _boolean(false),
    rotate_degrees: _number(0, 45, 10),
    scale: _number(0, 0.5, 0.1),
    shift: _number(0, 6, 2),
    thickness: _number(0, 1, 0.3),
    shear: _number(0, 1, 0.15),
    elastic_alpha: _number(0, 50, 24),
    elastic_sigma: _number(1, 10, 4),
    probability: _number(0, 1, 1),
    shapes: _int(0, MAX_SHAPE_POOL, 0),
  },
  output: {
    weights: _path("weights.npz"),
    runs_dir: _path("runs"),
  },
};

type _SectionName = keyof typeof _SCHEMA;

/** Validate one section: present keys in file order, then defaults and required keys in schema order. */
function _readSection(name: _SectionName, node: _Tree | undefined, ctx: _Context): unknown {
  const specs = _SCHEMA[name] as Record<string, _Field<unknown>>;
  const entries = node === undefined ? new Map<string, _Tree>() : _entries(node, name, ctx);
  const read: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    if (!Object.hasOwn(specs, key)) _unknownKey(ctx, value.origin, `${name}.${key}`, Object.keys(specs));
    read[key] = specs[key].read(value, `${name}.${key}`, ctx);
  }
  const section: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const value = Object.hasOwn(read, key) ? read[key] : spec.fallback(ctx);
    if (value === undefined) _fail(ctx, null, ShapeError, `missing required key ${_quote(`${name}.${key}`)}`);
    section[key] = value;
  }
  return section;
}

// ---------------------------------------------------------------------------------------------
// Messages

function _unknownKey(ctx: _Context, origin: _Origin, keyPath: string, known: readonly string[]): never {
  const name = keyPath.slice(keyPath.lastIndexOf(".") + 1);
  const suggestion = _didYouMean(name, known);
  let hint = "";
  if (suggestion !== undefined) hint = ` (did you mean "${suggestion}"?)`;
  else if (known.length > 0) hint = ` (expected one of ${known.map((k) => `"${k}"`).join(", ")})`;
  return _fail(ctx, origin, FormatError, `unknown key ${_quote(keyPath)}${hint}`);
}

/** The known key closest to `name`: Levenshtein distance <= 2, else a shared prefix of 3+ characters. */
function _didYouMean(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = _levenshtein(name, candidate, bestDistance);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  if (best !== undefined) return best;
  return known.find((k) => (name.length >= 3 && k.startsWith(name)) || name.startsWith(k));
}

/** Edit distance between a and b, or `limit` when it is at least `limit`. */
function _levenshtein(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      rowMin = Math.min(rowMin, current[j]);
    }
    if (rowMin >= limit) return limit;
    previous = current;
  }
  return Math.min(previous[b.length], limit);
}

/** How a value reads in a message: the token as written for scalars, quoted for strings. */
function _got(node: _Tree): string {
  if (node.kind === "map") return "a map";
  if (node.kind === "list") return "a list";
  if (typeof node.value === "string") return _quote(node.value);
  const token = node.token.trim();
  if (token === "") return "nothing";
  return token.length > 40 ? `${token.slice(0, 37)}...` : token;
}

/** A value in double quotes, escaped, and shortened when long. */
function _quote(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
}

function _ioReason(error: unknown): string {
  return fileErrorReason(error) ?? (error instanceof Error ? error.message : String(error));
}

function _deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) _deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
