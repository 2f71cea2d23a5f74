/**
 * Reading the project's compiled WebAssembly modules (core/kernels/kernels.wasm, core/augment/augment.wasm), with the
 * project's errors.
 *
 * @module
 */

import { FormatError, InputFileError } from "../base/errors.ts";

/**
 * Read and compile a .wasm file.
 *
 * @param url Where the file is, usually `new URL("./x.wasm", import.meta.url)`.
 * @param what What it holds, for the messages: "wasm kernels", "augmentation kernels".
 * @returns The compiled module, which can be instantiated many times and posted to workers.
 * @throws {InputFileError} When the file cannot be read.
 * @throws {FormatError} When it is not a valid wasm module for this engine.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compileWasmFile } from "./wasm_file.ts";
 * const module = await compileWasmFile(new URL("../augment/augment.wasm", import.meta.url), "augmentation kernels");
 * assert.ok(WebAssembly.Module.exports(module).some((e) => e.name === "warp"));
 * ```
 */
export async function compileWasmFile(url: URL, what: string): Promise<WebAssembly.Module> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = await Deno.readFile(url);
  } catch (error) {
    throw new InputFileError(`Cannot read the ${what} "${url.pathname}": ${_message(error)}`);
  }
  try {
    return await WebAssembly.compile(bytes);
  } catch (error) {
    throw new FormatError(`Cannot compile the ${what} "${url.pathname}": ${_message(error)}`);
  }
}

function _message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
