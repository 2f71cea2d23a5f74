import assert from "node:assert/strict";
import { FormatError, InputFileError, isProjectError, LimitError, ShapeError } from "../core/base/errors.ts";

const CLASSES = [
  { Class: FormatError, name: "FormatError", Base: SyntaxError },
  { Class: LimitError, name: "LimitError", Base: RangeError },
  { Class: ShapeError, name: "ShapeError", Base: TypeError },
  { Class: InputFileError, name: "InputFileError", Base: Error },
] as const;

for (const { Class, name, Base } of CLASSES) {
  Deno.test(`${name} extends ${Base.name} and carries its own name and the message`, () => {
    const error = new Class(`Cannot read "x": ${name} test`);
    assert.ok(error instanceof Class);
    assert.ok(error instanceof Base);
    assert.ok(error instanceof Error);
    assert.equal(Object.getPrototypeOf(Class.prototype), Base.prototype);
    assert.equal(error.name, name);
    assert.equal(error.message, `Cannot read "x": ${name} test`);
    assert.equal(String(error), `${name}: Cannot read "x": ${name} test`);
    assert.ok(error.stack?.includes(name));
  });

  Deno.test(`isProjectError() is true for a ${name}`, () => {
    assert.equal(isProjectError(new Class("bad input")), true);
  });

  Deno.test(`${name} keeps a cause passed to it`, () => {
    const cause = new Error("inner");
    assert.equal(new Class("outer", { cause }).cause, cause);
  });
}

Deno.test("the four project error types are distinct: none is an instance of another", () => {
  for (const a of CLASSES) {
    for (const b of CLASSES) {
      if (a !== b) assert.ok(!(new a.Class("x") instanceof b.Class), `${a.name} instanceof ${b.name}`);
    }
  }
});

for (
  const [label, value] of [
    ["a plain Error", new Error("x")],
    ["a TypeError", new TypeError("x is undefined")],
    ["a RangeError", new RangeError("offset is out of bounds")],
    ["a SyntaxError", new SyntaxError("Unexpected token")],
    ["a Deno.errors.NotFound", new Deno.errors.NotFound("no such file")],
    ["an Error renamed FormatError", Object.assign(new Error("x"), { name: "FormatError" })],
    ["a plain object that looks like one", { name: "LimitError", message: "x" }],
    ["a string", "FormatError"],
    ["null", null],
    ["undefined", undefined],
  ] as const
) {
  Deno.test(`isProjectError() is false for ${label}`, () => {
    assert.equal(isProjectError(value), false);
  });
}
