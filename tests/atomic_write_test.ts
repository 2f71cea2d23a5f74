import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileAtomic } from "../core/base/atomic_write.ts";
import { Rng } from "../core/network/rng.ts";
import { withScratchDir } from "./_scratch_dir.ts";

/** Run `fn` in a fresh folder under runs/, removed afterwards. */
const inScratch = (fn: (dir: string) => Promise<void>) => withScratchDir("atomic_write-", fn);

/** Names in a folder, sorted. */
function listing(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

Deno.test("writeFileAtomic() writes a string as UTF-8 into a new file", async () => {
  await inScratch(async (dir) => {
    const path = join(dir, "note.txt");
    await writeFileAtomic(path, "héllo, wörld ✓\n");
    assert.deepEqual(await Deno.readFile(path), new TextEncoder().encode("héllo, wörld ✓\n"));
    assert.deepEqual(listing(dir), ["note.txt"]);
  });
});

Deno.test("writeFileAtomic() writes bytes exactly, including a large buffer and an empty one", async () => {
  await inScratch(async (dir) => {
    const rng = new Rng(1);
    const big = Uint8Array.from({ length: 3 * 1024 * 1024 + 17 }, () => rng.nextInt(256));
    await writeFileAtomic(join(dir, "big.bin"), big);
    assert.deepEqual(await Deno.readFile(join(dir, "big.bin")), big);
    await writeFileAtomic(join(dir, "empty.bin"), new Uint8Array());
    assert.equal((await Deno.stat(join(dir, "empty.bin"))).size, 0);
    // a view writes only its own bytes
    await writeFileAtomic(join(dir, "view.bin"), big.subarray(10, 20));
    assert.deepEqual(await Deno.readFile(join(dir, "view.bin")), big.slice(10, 20));
    assert.deepEqual(listing(dir), ["big.bin", "empty.bin", "view.bin"]);
  });
});

Deno.test("writeFileAtomic() replaces a longer existing file completely, leaving no temp file", async () => {
  await inScratch(async (dir) => {
    const path = join(dir, "metrics.jsonl");
    await Deno.writeTextFile(path, "old contents that are longer than the new ones\n");
    await writeFileAtomic(path, "new\n");
    assert.equal(await Deno.readTextFile(path), "new\n");
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    assert.deepEqual(await Deno.readFile(path), new Uint8Array([1, 2, 3]));
    assert.deepEqual(listing(dir), ["metrics.jsonl"]);
  });
});

Deno.test("writeFileAtomic() swaps in a new file, so a reader that opened the old one still sees it whole", async () => {
  await inScratch(async (dir) => {
    const path = join(dir, "weights.npz");
    await Deno.writeTextFile(path, "old");
    using reader = await Deno.open(path, { read: true });
    await writeFileAtomic(path, "new contents");
    const buffer = new Uint8Array(64);
    const n = await reader.read(buffer);
    assert.equal(new TextDecoder().decode(buffer.subarray(0, n ?? 0)), "old");
    assert.equal(await Deno.readTextFile(path), "new contents");
  });
});

Deno.test("writeFileAtomic() rejects when the target folder is missing, and leaves no temp file", async () => {
  await inScratch(async (dir) => {
    await Deno.writeTextFile(join(dir, "keep.txt"), "keep");
    await assert.rejects(writeFileAtomic(join(dir, "missing", "x.txt"), "data"), Deno.errors.NotFound);
    assert.deepEqual(listing(dir), ["keep.txt"]);
    assert.equal(await Deno.readTextFile(join(dir, "keep.txt")), "keep");
  });
});

Deno.test("writeFileAtomic() rejects when the target is a directory, which it leaves untouched", async () => {
  await inScratch(async (dir) => {
    const target = join(dir, "weights.npz");
    await Deno.mkdir(target);
    await Deno.writeTextFile(join(target, "inside.txt"), "inside");
    await assert.rejects(writeFileAtomic(target, "data"), Deno.errors.IsADirectory);
    assert.ok((await Deno.stat(target)).isDirectory);
    assert.deepEqual(listing(target), ["inside.txt"]);
    assert.equal(await Deno.readTextFile(join(target, "inside.txt")), "inside");
    assert.deepEqual(listing(dir), ["weights.npz"]);
  });
});

Deno.test("writeFileAtomic() keeps the old file untouched when the temp file cannot be created", async () => {
  await inScratch(async (dir) => {
    // 250 characters is a legal name, but ".<name>.<pid>.tmp" is over the 255-byte name limit
    const path = join(dir, "a".repeat(250));
    await Deno.writeTextFile(path, "old");
    await assert.rejects(writeFileAtomic(path, "new"));
    assert.equal(await Deno.readTextFile(path), "old");
    assert.deepEqual(listing(dir), ["a".repeat(250)]);
  });
});

Deno.test({
  name: "writeFileAtomic() lets two overlapping writes of one file both finish with one whole version",
  async fn() {
    await inScratch(async (dir) => {
      const path = join(dir, "x.txt");
      await Promise.all([
        writeFileAtomic(path, "a".repeat(1_000_000)),
        writeFileAtomic(path, "b".repeat(500)),
      ]);
      const result = await Deno.readTextFile(path);
      assert.ok(result === "a".repeat(1_000_000) || result === "b".repeat(500));
      assert.deepEqual(listing(dir), ["x.txt"]);
    });
  },
});
