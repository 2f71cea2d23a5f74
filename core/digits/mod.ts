/**
 * People's digits: an image of a handwritten digit normalised the way MNIST's were, an image of a
 * whole number split into its digits, the project's own drawn sample digits and numbers, and photos of
 * paper made from MNIST digits for the photo benchmark.
 *
 * @module
 */

export * from "./draw_digits.ts";
export * from "./photo.ts";
export * from "./preprocess.ts";
export * from "./split_number.ts";
