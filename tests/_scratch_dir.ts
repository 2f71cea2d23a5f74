/** Scratch folders for tests, under runs/ at the repository root (git-ignored, writable under `deno task test`). */

import { fileURLToPath } from "node:url";

const RUNS_DIR = fileURLToPath(new URL("../runs/", import.meta.url));

/** Run `fn` in a fresh folder under runs/ whose name starts with `prefix`; the folder is removed afterwards. */
export async function withScratchDir(prefix: string, fn: (dir: string) => Promise<void>): Promise<void> {
  await Deno.mkdir(RUNS_DIR, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: RUNS_DIR, prefix });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
