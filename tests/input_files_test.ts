import assert from "node:assert/strict";
import { join } from "node:path";
import { InputFileError } from "../core/base/errors.ts";
import { listImageFiles, naturalCompare } from "../core/check/input_files.ts";
import { withScratchDir } from "./_scratch_dir.ts";

/**
 * Make a symlink. Deno.symlink needs unscoped read and write permissions, which the test task does not
 * grant, so a child `deno eval` (which runs with every permission) makes it.
 */
async function symlink(target: string, path: string): Promise<void> {
  const code = `await Deno.symlink(${JSON.stringify(target)}, ${JSON.stringify(path)})`;
  const out = await new Deno.Command("deno", { args: ["eval", code], stdout: "null", stderr: "piped" })
    .output();
  assert.ok(out.success, `could not make the symlink ${path}: ${new TextDecoder().decode(out.stderr)}`);
}

async function touch(dir: string, ...names: string[]): Promise<void> {
  for (const name of names) {
    await Deno.mkdir(join(dir, name, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, name), "");
  }
}

Deno.test("listImageFiles() lists .png, .jpg and .jpeg files in natural order, whatever their case", async () => {
  await withScratchDir("list-", async (dir) => {
    await touch(dir, "10.png", "2.PNG", "1_b.jpeg", "3.Jpg", "1.png");
    const list = await listImageFiles(dir);
    // numbers by value; "_" sorts before "." as in a file manager (ICU collation)
    assert.deepEqual(list.files, ["1_b.jpeg", "1.png", "2.PNG", "3.Jpg", "10.png"].map((n) => join(dir, n)));
    assert.deepEqual(list.skipped, []);
  });
});

Deno.test("listImageFiles() reports each non-image file once, and passes over hidden files and the README", async () => {
  await withScratchDir("list-", async (dir) => {
    await touch(dir, "1.png", "notes.txt", ".DS_Store", "README.md", "scan.tiff");
    const list = await listImageFiles(dir);
    assert.deepEqual(list.files, [join(dir, "1.png")]);
    assert.deepEqual(list.skipped, [
      { path: join(dir, "notes.txt"), reason: "not a .png, .jpg or .jpeg file" },
      { path: join(dir, "scan.tiff"), reason: "not a .png, .jpg or .jpeg file" },
    ]);
  });
});

Deno.test("listImageFiles() counts sub-folders without reading them, and walks them with recursive", async () => {
  await withScratchDir("list-", async (dir) => {
    await touch(dir, "b/2.png", "a/1.png", "a/deeper/0.png", "9.png");
    const flat = await listImageFiles(dir);
    assert.deepEqual(flat.files, [join(dir, "9.png")]);
    assert.equal(flat.subfolders, 2);
    const deep = await listImageFiles(dir, { recursive: true });
    // a folder's own files first, then its sub-folders in natural order, depth first
    assert.deepEqual(deep.files, ["9.png", "a/1.png", "a/deeper/0.png", "b/2.png"].map((n) => join(dir, n)));
    assert.equal(deep.subfolders, 0);
  });
});

Deno.test("listImageFiles() reports a symlink loop, a self-link and a broken link once each, and reads the rest", async () => {
  await withScratchDir("list-", async (dir) => {
    await touch(dir, "1.png", "sub/2.png");
    await symlink("..", join(dir, "sub", "up")); // leads back to dir
    await symlink("self", join(dir, "self")); // a link to itself
    await symlink("missing.png", join(dir, "gone.png"));
    await symlink("sub", join(dir, "twin")); // a second way into sub
    const list = await listImageFiles(dir, { recursive: true });
    assert.deepEqual(list.files, [join(dir, "1.png"), join(dir, "sub", "2.png")]);
    const reasons = Object.fromEntries(list.skipped.map((s) => [s.path.slice(dir.length + 1), s.reason]));
    assert.deepEqual(reasons, {
      "gone.png": "a broken symlink",
      "self": "a symlink loop",
      "sub/up": `a symlink loop: it leads back to "${dir}"`,
      "twin": `it leads to "${join(dir, "sub")}", which is read already`,
    });
  });
});

Deno.test("listImageFiles() follows a symlink to an image file", async () => {
  await withScratchDir("list-", async (dir) => {
    await touch(dir, "store/7.png");
    await symlink(join("store", "7.png"), join(dir, "7_link.png"));
    assert.deepEqual((await listImageFiles(dir)).files, [join(dir, "7_link.png")]);
  });
});

Deno.test("listImageFiles() refuses a missing folder and a file given as a folder with one line", async () => {
  await withScratchDir("list-", async (dir) => {
    await touch(dir, "1.png");
    await assert.rejects(() => listImageFiles(join(dir, "nope")), {
      name: InputFileError.name,
      message: `Cannot check folder "${join(dir, "nope")}": it does not exist`,
    });
    await assert.rejects(() => listImageFiles(join(dir, "1.png")), {
      name: InputFileError.name,
      message: `Cannot check folder "${join(dir, "1.png")}": it is a file, not a folder`,
    });
  });
});

Deno.test("naturalCompare() orders numbers by value and breaks ties by code point", () => {
  assert.deepEqual(["10.png", "9.png", "9_b.png", "1.png"].sort(naturalCompare), [
    "1.png",
    "9_b.png",
    "9.png",
    "10.png",
  ]);
  assert.ok(naturalCompare("a.png", "A.png") !== 0);
});
