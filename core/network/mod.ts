/**
 * The network itself: shapes, parameters, the forward and backward pass of every layer, the loss,
 * and the seeded generator that initialises it. Read this folder first, next to docs/math.md.
 *
 * @module
 */

export * from "./input.ts";
export * from "./network.ts";
export * from "./rng.ts";
