/**
 * The network itself: shapes, parameters, the dense layer, the activations, the loss, the
 * optimizers, the seeded generator and the pixel-to-input conversion. Read this folder first, next
 * to docs/math.md: network.ts, then layers.ts, activations.ts, loss.ts and optimizers.ts.
 *
 * @module
 */

export * from "./activations.ts";
export * from "./input.ts";
export * from "./layers.ts";
export * from "./loss.ts";
export * from "./network.ts";
export * from "./optimizers.ts";
export * from "./rng.ts";
