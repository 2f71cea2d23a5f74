import assert from "node:assert/strict";
import { crc32 } from "../core/formats/crc32.ts";
import { Rng } from "../core/network/rng.ts";
import { pythonCanImport } from "./_python.ts";

const text = (s: string) => new TextEncoder().encode(s);

const HAVE_PYTHON = await pythonCanImport("zlib");

Deno.test('crc32() of "123456789" is the CRC-32 check value 0xcbf43926', () => {
  assert.equal(crc32(text("123456789")), 0xcbf43926);
});

Deno.test("crc32() of no bytes is 0", () => {
  assert.equal(crc32(new Uint8Array()), 0);
});

Deno.test("crc32() matches published values for short inputs", () => {
  assert.equal(crc32(text("a")), 0xe8b7be43);
  assert.equal(crc32(text("The quick brown fox jumps over the lazy dog")), 0x414fa339);
  assert.equal(crc32(new Uint8Array(32)), 0x190a55ad); // 32 zero bytes
  assert.equal(crc32(new Uint8Array(32).fill(0xff)), 0xff6cab0b);
});

Deno.test("crc32() returns an unsigned 32-bit integer and reads only the view it is given", () => {
  const bytes = text("xx123456789yy");
  const value = crc32(bytes.subarray(2, 11));
  assert.equal(value, 0xcbf43926);
  assert.ok(Number.isInteger(value) && value >= 0 && value < 2 ** 32);
});

Deno.test("crc32() changes when any single bit of the input flips", () => {
  const bytes = text("flip one bit");
  const base = crc32(bytes);
  for (let i = 0; i < bytes.length * 8; i++) {
    const copy = bytes.slice();
    copy[i >> 3] ^= 1 << (i & 7);
    assert.notEqual(crc32(copy), base, `bit ${i}`);
  }
});

Deno.test({
  name: "crc32() agrees with python3's zlib.crc32 on random buffers",
  ignore: !HAVE_PYTHON,
  async fn() {
    const rng = new Rng(32);
    const buffers = [0, 1, 2, 3, 7, 64, 255, 256, 1000, 4096, 65_537].map((length) =>
      Uint8Array.from({ length }, () => rng.nextInt(256))
    );
    const hex = buffers.map((b) => Array.from(b, (v) => v.toString(16).padStart(2, "0")).join(""));
    const child = new Deno.Command("python3", {
      args: [
        "-c",
        "import sys, zlib\nfor line in sys.stdin.read().split('\\n'):\n print(zlib.crc32(bytes.fromhex(line)))",
      ],
      stdin: "piped",
      stdout: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(text(hex.join("\n")));
    await writer.close();
    const { success, stdout } = await child.output();
    assert.ok(success);
    const expected = new TextDecoder().decode(stdout).trim().split("\n").map(Number);
    assert.deepEqual(buffers.map(crc32), expected);
  },
});
