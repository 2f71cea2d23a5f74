import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { InputFileError } from "../core/base/errors.ts";
import { Rng } from "../core/network/rng.ts";
import { sha256File, sha256Hex } from "../core/base/sha256.ts";
import { withScratchDir } from "./_scratch_dir.ts";

/** Run `fn` in a fresh folder under runs/, removed afterwards. */
const inScratch = (fn: (dir: string) => Promise<void>) => withScratchDir("sha256-", fn);

const text = (s: string) => new TextEncoder().encode(s);

// ---- sha256Hex ---------------------------------------------------------------------------------

Deno.test('sha256Hex() gives the FIPS 180-2 digests of the empty string and of "abc"', async () => {
  assert.equal(
    await sha256Hex(new Uint8Array()),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  assert.equal(
    await sha256Hex(text("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(
    await sha256Hex(text("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  );
});

Deno.test("sha256Hex() returns 64 lowercase hex digits matching node:crypto on random data", async () => {
  const rng = new Rng(256);
  for (const length of [1, 55, 56, 63, 64, 65, 1000, 100_003]) {
    const bytes = Uint8Array.from({ length }, () => rng.nextInt(256));
    const digest = await sha256Hex(bytes);
    assert.match(digest, /^[0-9a-f]{64}$/);
    assert.equal(digest, createHash("sha256").update(bytes).digest("hex"), `length ${length}`);
  }
});

Deno.test("sha256Hex() hashes only the bytes of the view it is given", async () => {
  const bytes = text("xxabcyy");
  assert.equal(await sha256Hex(bytes.subarray(2, 5)), await sha256Hex(text("abc")));
});

// ---- sha256File --------------------------------------------------------------------------------

Deno.test("sha256File() equals sha256Hex() of the file's bytes", async () => {
  await inScratch(async (dir) => {
    const rng = new Rng(3);
    const bytes = Uint8Array.from({ length: 70_001 }, () => rng.nextInt(256));
    const path = join(dir, "train-images-idx3-ubyte");
    await Deno.writeFile(path, bytes);
    assert.equal(await sha256File(path, "IDX file"), await sha256Hex(bytes));
    await Deno.writeFile(join(dir, "empty"), new Uint8Array());
    assert.equal(await sha256File(join(dir, "empty"), "IDX file"), await sha256Hex(new Uint8Array()));
  });
});

Deno.test("sha256File() refuses a missing file with an InputFileError naming what it is", async () => {
  await inScratch(async (dir) => {
    const path = join(dir, "missing.idx");
    await assert.rejects(sha256File(path, "IDX file"), (error: unknown) => {
      assert.ok(error instanceof InputFileError, `got ${error}`);
      assert.equal(error.message, `Cannot read IDX file "${path}": no such file`);
      return true;
    });
    await assert.rejects(sha256File(path, "weights file"), {
      name: "InputFileError",
      message: `Cannot read weights file "${path}": no such file`,
    });
  });
});

Deno.test("sha256File() refuses a directory with an InputFileError", async () => {
  await inScratch(async (dir) => {
    await assert.rejects(sha256File(dir, "IDX file"), (error: unknown) => {
      assert.ok(error instanceof InputFileError, `got ${error}`);
      assert.equal(error.message, `Cannot read IDX file "${dir}": it is a directory`);
      return true;
    });
  });
});

Deno.test({
  name: "sha256File() refuses a path through a regular file with an InputFileError",
  async fn() {
    await inScratch(async (dir) => {
      await Deno.writeTextFile(join(dir, "file"), "x");
      await assert.rejects(sha256File(join(dir, "file", "x"), "IDX file"), InputFileError);
    });
  },
});
