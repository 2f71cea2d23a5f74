/**
 * The library behind `deno task train`, `eval`, `check`, `report` and `serve`: a network of dense layers
 * written from scratch, and everything needed to train it reproducibly and use it safely.
 *
 * One folder per concern, each with a `mod.ts` that documents and re-exports it. Read them in this
 * order; docs/architecture.md draws how data flows through them.
 *
 * | folder | what it holds |
 * |---|---|
 * | network/ | the math: shapes, parameters, dense layers, activations, softmax cross-entropy, SGD, momentum and Adam, the seeded generator |
 * | training/ | config.yaml, datasets, the epoch loop, evaluation, predictions, weights.npz, weights.json, checkpoints |
 * | kernels/ | where the numbers live: TS reference kernels, WebAssembly SIMD, worker threads |
 * | formats/ | strict readers and exact writers: IDX, gzip, zip, .npy, .npz, PNG, JPEG, CRC-32 |
 * | digits/ | people's digit images, normalised the way MNIST's were; the project's drawn samples; MNIST digits as photos of paper |
 * | augment/ | seeded training-time distortions, made in a worker ahead of training |
 * | reports/ | run folders, SVG charts, PNG galleries, the confusion table, the HTML report |
 * | check/ | `deno task check` as a stream: folders walked, files read on worker threads, results in order |
 * | serve/ | the draw-a-digit page on 127.0.0.1: requests checked, digits read and saved, the page's files |
 * | base/ | error types, atomic file writes, SHA-256, byte helpers |
 *
 * Imports point one way, down this list of levels: base ← formats ← network ← kernels ← digits ←
 * augment ← training ← reports ← check ← serve (tests/architecture_test.ts holds them to it, and to no
 * cycles).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createTsBackend, initParams, loadParams, predictDigits, Rng } from "./mod.ts";
 * const backend = createTsBackend(16, "relu", 1);
 * loadParams(backend, initParams(16, "relu", new Rng(42)));
 * const [guess] = predictDigits(backend, [new Float32Array(784)]);
 * assert.ok(guess.predicted >= 0 && guess.predicted <= 9);
 * ```
 *
 * @module
 */

export * from "./network/mod.ts";
export * from "./training/mod.ts";
export * from "./kernels/mod.ts";
export * from "./formats/mod.ts";
export * from "./digits/mod.ts";
export * from "./augment/mod.ts";
export * from "./reports/mod.ts";
export * from "./check/mod.ts";
export * from "./serve/mod.ts";
export * from "./base/mod.ts";
