import assert from "node:assert/strict";
import { isOneLineError, runTask, scratchDir } from "./_run_task.ts";

Deno.test("report refuses two runs at once as a usage error", async () => {
  const r = await runTask("report", ["a", "b"]);
  assert.equal(r.code, 2);
  assert.ok(isOneLineError(r.stderr), r.stderr);
  assert.match(r.stderr, /^error: Cannot choose a run: 2 runs given, expected at most one$/m);
  assert.match(r.stderr, /^hint: run with --help for the options$/m);
});

Deno.test("report without any run says to train first", async () => {
  const dir = await scratchDir("report-none");
  const r = await runTask("report", ["--runs-dir", dir]);
  assert.equal(r.code, 1);
  assert.ok(isOneLineError(r.stderr), r.stderr);
  assert.match(r.stderr, /^error: Cannot find the latest run: ".*LATEST" does not exist$/m);
  assert.match(r.stderr, /^hint: run "deno task train" first, or name a run: deno task report <run>$/m);
});
