import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const deno = JSON.parse(Deno.readTextFileSync(fileURLToPath(new URL("../deno.json", import.meta.url))));
const tasks: Record<string, { description: string; command: string }> = deno.tasks;

/** Tasks that must run other programs, and exactly which. */
const RUN_ALLOWED: Record<string, string> = {
  // the tests spawn the scripts as a user would, numpy for the interop tests, and Chromium for the report
  test: "deno,python3,/usr/bin/chromium",
  // the benchmark runs the numpy reference side by side
  bench: "python3",
};

function flags(command: string): string[] {
  return command.split(/\s+/).filter((part) => part.startsWith("-"));
}

Deno.test("every deno.json task has a one-line description", () => {
  for (const [name, task] of Object.entries(tasks)) {
    assert.equal(typeof task.description, "string", name);
    assert.ok(task.description.length > 10 && !task.description.includes("\n"), name);
  }
});

Deno.test("no deno.json task runs with -A, network access or unlisted program runs", () => {
  for (const [name, task] of Object.entries(tasks)) {
    for (const flag of flags(task.command)) {
      assert.ok(!/^(-A|--allow-all)$/.test(flag), `${name}: ${flag}`);
      assert.ok(!flag.startsWith("--allow-net"), `${name}: ${flag}`);
      assert.ok(!flag.startsWith("--allow-ffi") && !flag.startsWith("--allow-import"), `${name}: ${flag}`);
      if (flag.startsWith("--allow-run")) {
        assert.equal(flag, `--allow-run=${RUN_ALLOWED[name]}`, `${name} may not run programs: ${flag}`);
      }
    }
  }
});

Deno.test("every deno.json task but test lists exactly the paths it reads and writes", () => {
  for (const [name, task] of Object.entries(tasks)) {
    if (name === "test") continue;
    for (const flag of flags(task.command)) {
      if (/^--allow-(read|write|env|sys)$/.test(flag)) {
        assert.fail(`${name}: ${flag} grants everything; list what it needs`);
      }
    }
  }
  // the reads and writes of the user-facing tasks, spelled out so a change is a conscious one
  const grants = (name: string) => flags(tasks[name].command).filter((f) => f.startsWith("--allow")).sort();
  assert.deepEqual(grants("train"), [
    "--allow-env=LOG_TOKENS,LOG_STREAM",
    "--allow-read=.,/usr/share/datasets",
    "--allow-write=.",
  ]);
  assert.deepEqual(grants("eval"), [
    "--allow-env=LOG_TOKENS,LOG_STREAM,NO_COLOR",
    "--allow-read=.,/usr/share/datasets",
    "--allow-write=runs",
  ]);
  assert.deepEqual(grants("check"), [
    "--allow-env=LOG_TOKENS,LOG_STREAM,NO_COLOR",
    "--allow-read=.,../shared/sample-digits",
    "--allow-write=runs",
  ]);
  assert.deepEqual(grants("report"), ["--allow-read=.", "--allow-write=runs"]);
  assert.deepEqual(grants("build:wasm"), ["--allow-read=.", "--allow-write=core"]);
});

Deno.test("deno.json pins every import to an exact version and uses the committed lockfile frozen", () => {
  for (const [name, spec] of Object.entries(deno.imports as Record<string, string>)) {
    assert.match(spec, /^npm:(@[^/@]+\/)?[^@]+@\d+\.\d+\.\d+$/, name);
  }
  assert.deepEqual(deno.lock, { frozen: true });
  assert.ok(Deno.statSync(fileURLToPath(new URL("../deno.lock", import.meta.url))).isFile);
});
