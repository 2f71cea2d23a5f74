import assert from "node:assert/strict";
import { join } from "node:path";
import {
  digitFileName,
  MAX_FILES_PER_DIGIT,
  nextFreeSet,
  parseSaveRequest,
  saveDigitPng,
} from "../core/serve/save_digit.ts";
import { HttpError } from "../core/serve/request_checks.ts";
import { scratchDir } from "./_run_task.ts";
import { tree } from "./_serve_server.ts";

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

function refused(status: number, message: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof HttpError, String(error));
    assert.equal(error.status, status);
    assert.equal(error.message, message);
    return true;
  };
}

/**
 * Make a symbolic link. Deno.symlink needs unscoped --allow-write, which the test task does not
 * grant, so a child deno (which `deno eval` runs with every permission) makes it.
 */
async function symlink(target: string, path: string): Promise<void> {
  const out = await new Deno.Command("deno", {
    args: ["eval", `Deno.symlinkSync(${JSON.stringify(target)}, ${JSON.stringify(path)})`],
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
}

Deno.test("parseSaveRequest() reads a set, a digit and a base64 PNG", () => {
  const order = parseSaveRequest(json({ set: 999999, digit: 0, png: btoa("\x89PNG") }));
  assert.deepEqual(order, { set: 999999, digit: 0, png: new Uint8Array([0x89, 0x50, 0x4e, 0x47]) });
});

Deno.test("parseSaveRequest() refuses malformed JSON and a body that is not an object", () => {
  for (const text of ["{", "", "{'set': 1}", "\xff\xfe", '{"set": 1,}']) {
    assert.throws(
      () => parseSaveRequest(new TextEncoder().encode(text)),
      refused(400, "Cannot save drawing: the body is not valid JSON"),
    );
  }
  assert.throws(
    () => parseSaveRequest(new Uint8Array([0x7b, 0xff, 0x7d])),
    refused(400, "Cannot save drawing: the body is not valid JSON"),
  );
  for (
    const [value, kind] of [[[1, 2], "an array"], [null, "null"], ["x", "a string"], [7, "a number"]] as const
  ) {
    assert.throws(
      () => parseSaveRequest(json(value)),
      refused(
        400,
        `Cannot save drawing: the body must be a JSON object with "set", "digit" and "png", got ${kind}`,
      ),
    );
  }
});

Deno.test("parseSaveRequest() refuses path traversal in the set: ../, absolute paths, %2e%2e, and any non-number", () => {
  for (
    const set of ["../../etc", "/etc/passwd", "%2e%2e", "..%2f..", "1/../../x", "4", "set4", "C:\\x", "1e3"]
  ) {
    assert.throws(
      () => parseSaveRequest(json({ set, digit: 7, png: "" })),
      refused(
        400,
        `Cannot save drawing: "set" must be a whole number from 1 to 999999, got ${JSON.stringify(set)}`,
      ),
    );
  }
  for (const set of [0, -1, 1.5, 1000000, 1e21, true, null, [4], { n: 4 }]) {
    assert.throws(
      () => parseSaveRequest(json({ set, digit: 7, png: "" })),
      refused(
        400,
        `Cannot save drawing: "set" must be a whole number from 1 to 999999, got ${JSON.stringify(set)}`,
      ),
    );
  }
  assert.throws(
    () => parseSaveRequest(json({ digit: 7, png: "" })),
    refused(400, 'Cannot save drawing: "set" must be a whole number from 1 to 999999, got nothing'),
  );
});

Deno.test("parseSaveRequest() refuses a digit outside 0–9, a png that is not base64, and unknown fields such as a path", () => {
  for (const digit of [-1, 10, 7.5, "7", "../7"]) {
    assert.throws(
      () => parseSaveRequest(json({ set: 4, digit, png: "" })),
      refused(
        400,
        `Cannot save drawing: "digit" must be a whole number from 0 to 9, got ${JSON.stringify(digit)}`,
      ),
    );
  }
  for (const png of ["abc", "a b=", "****", 12, null]) {
    assert.throws(
      () => parseSaveRequest(json({ set: 4, digit: 7, png })),
      refused(
        400,
        `Cannot save drawing: "png" must be a PNG file as base64 text, got ${JSON.stringify(png)}`,
      ),
    );
  }
  for (const key of ["path", "file", "name", "__proto__"]) {
    const body = new TextEncoder().encode(
      `{"set": 4, "digit": 7, "png": "", ${JSON.stringify(key)}: "../../x.png"}`,
    );
    assert.throws(
      () => parseSaveRequest(body),
      refused(400, `Cannot save drawing: unknown field ${JSON.stringify(key)}`),
    );
  }
});

Deno.test("digitFileName() names a digit's files 7.png, 7_b.png … 7_z.png, 7_aa.png … 7_zz.png, all distinct", () => {
  const names = Array.from({ length: MAX_FILES_PER_DIGIT }, (_, n) => digitFileName(7, n));
  assert.equal(new Set(names).size, MAX_FILES_PER_DIGIT);
  assert.deepEqual(names.slice(0, 3), ["7.png", "7_b.png", "7_c.png"]);
  assert.equal(names[25], "7_z.png");
  assert.equal(names[26], "7_aa.png");
  assert.equal(names.at(-1), "7_zz.png");
  for (const name of names) assert.match(name, /^7(_[a-z]{1,2})?\.png$/);
  assert.throws(() => digitFileName(7, MAX_FILES_PER_DIGIT), RangeError);
  assert.throws(() => digitFileName(10, 0), RangeError);
});

Deno.test("saveDigitPng() makes the set folder, names files by digit and never overwrites one", async () => {
  const images = await scratchDir("serve-save");
  await Deno.mkdir(join(images, "set5"));
  await Deno.writeTextFile(join(images, "set5", "7.png"), "the user's own file");
  const png = new Uint8Array([1, 2, 3]);
  assert.equal(await saveDigitPng(images, { set: 5, digit: 7, png }), "7_b.png");
  assert.equal(await saveDigitPng(images, { set: 5, digit: 7, png }), "7_c.png");
  assert.equal(await saveDigitPng(images, { set: 6, digit: 0, png }), "0.png");
  assert.equal(await Deno.readTextFile(join(images, "set5", "7.png")), "the user's own file");
  assert.deepEqual(await Deno.readFile(join(images, "set5", "7_b.png")), png);
  assert.deepEqual(await tree(images), [
    "set5/",
    "set5/7.png",
    "set5/7_b.png",
    "set5/7_c.png",
    "set6/",
    "set6/0.png",
  ]);
  await Deno.remove(images, { recursive: true });
});

Deno.test("saveDigitPng() gives 20 saves at once 20 different files", async () => {
  const images = await scratchDir("serve-race");
  const names = await Promise.all(
    Array.from(
      { length: 20 },
      (_, i) => saveDigitPng(images, { set: 1, digit: 3, png: new Uint8Array([i]) }),
    ),
  );
  assert.equal(new Set(names).size, 20);
  const contents = await Promise.all(names.map((name) => Deno.readFile(join(images, "set1", name))));
  assert.deepEqual(contents.map((c) => c[0]).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i));
  assert.equal((await tree(images)).length, 21, "no temporary file is left");
  await Deno.remove(images, { recursive: true });
});

Deno.test("saveDigitPng() refuses a set that is a file or a link out of images/, and writes nothing", async () => {
  const root = await scratchDir("serve-escape");
  const images = join(root, "images"), outside = join(root, "outside");
  await Deno.mkdir(images);
  await Deno.mkdir(outside);
  await Deno.writeTextFile(join(images, "set2"), "a file, not a folder");
  await symlink(outside, join(images, "set3"));
  const png = new Uint8Array([1]);
  await assert.rejects(
    () => saveDigitPng(images, { set: 2, digit: 1, png }),
    refused(409, 'Cannot save into "images/set2": it is a file, not a folder'),
  );
  await assert.rejects(
    () => saveDigitPng(images, { set: 3, digit: 1, png }),
    refused(409, 'Cannot save into "images/set3": it is a link, not a folder'),
  );
  assert.deepEqual(await tree(outside), []);
  assert.deepEqual(await tree(images), ["set2", "set3"]);
  await Deno.remove(root, { recursive: true });
});

Deno.test("saveDigitPng() refuses a digit whose every name is taken", async () => {
  const images = await scratchDir("serve-full");
  await Deno.mkdir(join(images, "set1"));
  for (let n = 0; n < MAX_FILES_PER_DIGIT; n++) {
    await Deno.writeFile(join(images, "set1", digitFileName(4, n)), new Uint8Array());
  }
  await assert.rejects(
    () => saveDigitPng(images, { set: 1, digit: 4, png: new Uint8Array([1]) }),
    refused(409, 'Cannot save into "images/set1": digit 4 has all its 702 names taken; use another set'),
  );
  assert.equal((await tree(images)).length, MAX_FILES_PER_DIGIT + 1);
  await Deno.remove(images, { recursive: true });
});

Deno.test("nextFreeSet() offers the lowest set number not taken", async () => {
  const images = await scratchDir("serve-next");
  assert.equal(await nextFreeSet(images), 1);
  for (const name of ["set1", "set2", "set4"]) await Deno.mkdir(join(images, name));
  assert.equal(await nextFreeSet(images), 3);
  assert.equal(await nextFreeSet(join(images, "missing")), 1);
  await Deno.remove(images, { recursive: true });
});
