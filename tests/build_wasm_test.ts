import assert from "node:assert/strict";
import { buildWasm, WASM_MODULES } from "../scripts/build_wasm.ts";

for (const [wat, wasm] of WASM_MODULES) {
  const name = (url: URL) => url.pathname.split("/").slice(-3).join("/");
  Deno.test(`buildWasm() rebuilds ${name(wasm)} byte for byte from ${name(wat)}`, async () => {
    const built = await buildWasm(await Deno.readTextFile(wat), name(wat));
    const committed = await Deno.readFile(wasm);
    assert.equal(
      built.length,
      committed.length,
      'run "deno run --allow-read=. --allow-write=core scripts/build_wasm.ts"',
    );
    assert.ok(
      built.every((v, i) => v === committed[i]),
      `${name(wasm)} is stale: rebuild it from ${name(wat)}`,
    );
  });
}

Deno.test("buildWasm() gives the same bytes on every run and writes no name section", async () => {
  const source = '(module (func $answer (export "answer") (result i32) (i32.const 42)))';
  const a = await buildWasm(source, "answer.wat"), b = await buildWasm(source, "answer.wat");
  assert.deepEqual(a, b);
  const module = new WebAssembly.Module(a);
  assert.deepEqual(WebAssembly.Module.customSections(module, "name"), []);
  const { answer } = new WebAssembly.Instance(module).exports as { answer: () => number };
  assert.equal(answer(), 42);
});

Deno.test("buildWasm() accepts SIMD and shared memory", async () => {
  const source = `(module (import "env" "memory" (memory 1 1 shared))
    (func (export "sum4") (param $p i32) (result f32)
      (f32x4.extract_lane 0 (f32x4.add (v128.load (local.get $p)) (v128.load (local.get $p))))))`;
  const bytes = await buildWasm(source, "sum4.wat");
  assert.ok(WebAssembly.validate(bytes));
});

Deno.test("buildWasm() rejects text that does not parse, naming the file and the line", async () => {
  await assert.rejects(() => buildWasm("(module (func (i32.bogus)))", "bad.wat"), (error: Error) => {
    assert.equal(error.name, "FormatError");
    assert.match(error.message, /^Cannot assemble "bad\.wat": bad\.wat:1:\d+: error: /);
    return true;
  });
});

Deno.test("buildWasm() rejects a module that does not validate", async () => {
  await assert.rejects(
    () => buildWasm("(module (func (result i32) (f32.const 1)))", "typed.wat"),
    (error: Error) => {
      assert.equal(error.name, "FormatError");
      assert.match(error.message, /^Cannot assemble "typed\.wat": typed\.wat:1:\d+: error: type mismatch/);
      return true;
    },
  );
});
