/**
 * Build core/kernels/kernels.wasm from its source core/kernels/kernels.wat with wabt (the WebAssembly Binary
 * Toolkit, npm "wabt"). The output holds no names and no timestamps, so the same source always
 * gives the same bytes; tests/build_wasm_test.ts rebuilds it and compares with the committed file.
 *
 * Usage: deno run --allow-read=. --allow-write=core scripts/build_wasm.ts
 *
 * @module
 */

import wabtInit from "wabt";
import { writeFileAtomic } from "../core/base/atomic_write.ts";
import { FormatError } from "../core/base/errors.ts";

/** The WebAssembly proposals the kernels use: 128-bit SIMD, shared memory, memory.fill. */
export const WASM_FEATURES = { simd: true, threads: true, bulk_memory: true } as const;

/** Where the kernels' source and binary live. */
export const KERNELS_WAT_URL: URL = new URL("../core/kernels/kernels.wat", import.meta.url);
export const KERNELS_WASM_URL: URL = new URL("../core/kernels/kernels.wasm", import.meta.url);
export const DENSE_WAT_URL: URL = new URL("../core/kernels/dense.wat", import.meta.url);
export const DENSE_WASM_URL: URL = new URL("../core/kernels/dense.wasm", import.meta.url);
export const AUGMENT_WAT_URL: URL = new URL("../core/augment/augment.wat", import.meta.url);
export const AUGMENT_WASM_URL: URL = new URL("../core/augment/augment.wasm", import.meta.url);
/** Every module the build makes: [source, binary]. */
export const WASM_MODULES: readonly (readonly [URL, URL])[] = [
  [KERNELS_WAT_URL, KERNELS_WASM_URL],
  [DENSE_WAT_URL, DENSE_WASM_URL],
  [AUGMENT_WAT_URL, AUGMENT_WASM_URL],
];

/**
 * Assemble WebAssembly text into a binary module, deterministically.
 *
 * @param source The .wat text.
 * @param name The file name used in error messages.
 * @returns The module bytes, without a name section.
 * @throws {FormatError} When the text does not parse or the module does not validate.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildWasm } from "./build_wasm.ts";
 * const bytes = await buildWasm('(module (func (export "one") (result i32) (i32.const 1)))', "one.wat");
 * assert.ok(bytes[0] === 0 && bytes[1] === 0x61); // "\0asm"
 * ```
 */
export async function buildWasm(source: string, name: string): Promise<Uint8Array<ArrayBuffer>> {
  const wabt = await wabtInit();
  let module;
  try {
    module = wabt.parseWat(name, source, WASM_FEATURES);
  } catch (error) {
    throw new FormatError(`Cannot assemble "${name}": ${_firstLine(error)}`);
  }
  try {
    module.resolveNames();
    // validate() takes the feature set too, although index.d.ts does not declare it
    (module.validate as (features: typeof WASM_FEATURES) => void)(WASM_FEATURES);
    // slice(): a copy the caller owns, outside wabt's heap
    return module.toBinary({ log: false, write_debug_names: false, canonicalize_lebs: true }).buffer.slice();
  } catch (error) {
    throw new FormatError(`Cannot assemble "${name}": ${_firstLine(error)}`);
  } finally {
    module.destroy();
  }
}

/** wabt's messages start with "parseWat failed:" and put the first diagnostic on the next line. */
function _firstLine(error: unknown): string {
  const lines = (error instanceof Error ? error.message : String(error)).split("\n").map((l) => l.trim());
  const line = lines.find((l) => l !== "" && !l.endsWith("failed:")) ?? "unknown error";
  return line.replace(/\.$/, ""); // house style: no trailing period
}

async function main(): Promise<void> {
  for (const [wat, wasm] of WASM_MODULES) {
    const bytes = await buildWasm(await Deno.readTextFile(wat), relativeName(wat));
    await writeFileAtomic(wasm.pathname, bytes);
    console.log(`${relativeName(wasm)}: ${bytes.length} bytes`);
  }
}

/** "core/kernels/kernels.wasm" for a file of the project. */
function relativeName(url: URL): string {
  return url.pathname.split("/").slice(-3).join("/");
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    console.error(error instanceof FormatError ? error.message : error);
    Deno.exit(1);
  }
}
