/**
 * People's digits: an image of a handwritten digit normalised the way MNIST's were, an image of a
 * whole number split into its digits, and the project's own drawn sample digits and numbers.
 *
 * @module
 */

export * from "./draw_digits.ts";
export * from "./preprocess.ts";
export * from "./split_number.ts";
