import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { compileWasmFile } from "../core/kernels/wasm_file.ts";
import { withScratchDir } from "./_scratch_dir.ts";

Deno.test("compileWasmFile() compiles the project's modules", async () => {
  for (const [file, name] of [["kernels/kernels.wasm", "predict_rows"], ["augment/augment.wasm", "warp"]]) {
    const module = await compileWasmFile(new URL(`../core/${file}`, import.meta.url), "test module");
    assert.ok(WebAssembly.Module.exports(module).some((e) => e.name === name), `${file} exports ${name}`);
  }
});

Deno.test("compileWasmFile() says which file is missing or not WebAssembly, with the project's error classes", async () => {
  await withScratchDir("wasm-file", async (dir) => {
    const missing = pathToFileURL(join(dir, "missing.wasm"));
    await assert.rejects(() => compileWasmFile(missing, "augmentation kernels"), (error: Error) => {
      assert.equal(error.name, "InputFileError");
      assert.ok(
        error.message.startsWith(`Cannot read the augmentation kernels "${missing.pathname}": `),
        error.message,
      );
      return true;
    });
    const garbage = join(dir, "garbage.wasm");
    await Deno.writeFile(garbage, new Uint8Array([0, 0x61, 0x73, 0x6d, 9, 9, 9, 9]));
    await assert.rejects(() => compileWasmFile(pathToFileURL(garbage), "wasm kernels"), (error: Error) => {
      assert.equal(error.name, "FormatError");
      assert.ok(error.message.startsWith(`Cannot compile the wasm kernels "${garbage}": `), error.message);
      return true;
    });
  });
});
