/**
 * `deno task check` at scale: which files a folder holds ({@linkcode listImageFiles}), reading them
 * on worker threads with results in a fixed order ({@linkcode DigitReader}), predicting them in
 * batches and printing each result as it is known ({@linkcode predictInOrder}, {@linkcode CheckTable},
 * {@linkcode CheckJsonWriter}), keeping only the pictures the check sheet shows ({@linkcode CheckCollector});
 * with `--digits`, every file as a whole number split into its digits and put back together
 * ({@linkcode pieceReads}, {@linkcode NumberAssembler}).
 *
 * @module
 */

export * from "./check_stream.ts";
export * from "./digit_reader.ts";
export * from "./input_files.ts";
export * from "./number_stream.ts";
export * from "./read_digit.ts";
