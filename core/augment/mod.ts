/**
 * Training-time augmentation: seeded distortions of MNIST images (rotation, scale, shift, shear,
 * thickness, elastic), in WebAssembly, made in a worker ahead of the training loop; and drawn digit
 * shapes MNIST lacks, as a test set and as an optional pool for the training set.
 *
 * @module
 */

export * from "./augment.ts";
export { AugmentPipeline } from "./augment_pipeline.ts";
export * from "./shapes.ts";
