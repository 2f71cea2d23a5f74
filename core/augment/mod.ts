/**
 * Training-time augmentation: seeded distortions of MNIST images (rotation, scale, shift, shear,
 * thickness, elastic), in WebAssembly, made in a worker ahead of the training loop.
 *
 * @module
 */

export * from "./augment.ts";
export { AugmentPipeline } from "./augment_pipeline.ts";
