/**
 * People's digits: an image of a handwritten digit normalised the way MNIST's were, and the
 * project's own drawn sample digits.
 *
 * @module
 */

export * from "./draw_digits.ts";
export * from "./preprocess.ts";
