import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const deno = JSON.parse(Deno.readTextFileSync(fileURLToPath(new URL("../deno.json", import.meta.url))));
const tasks: Record<string, { description: string; command: string }> = deno.tasks;

/** Tasks that must run other programs, and exactly which. */
const RUN_ALLOWED: Record<string, string> = {
  // the tests spawn the scripts as a user would, numpy for the interop tests, Chromium for the report,
  // and libjpeg-turbo's tools to write and read JPEGs independently of jpeg-js
  test: "deno,python3,/usr/bin/chromium,/usr/bin/cjpeg,/usr/bin/djpeg,/usr/bin/jpegtran",
  // the benchmark runs the numpy reference side by side
  bench: "python3",
  // the check benchmark runs the check task under python3's peak-memory wrapper
  "bench:check": "python3",
};

/**
 * Tasks that may use the network, and only on this machine: `serve` listens on 127.0.0.1, and the
 * tests talk to the servers they start. Each may name 127.0.0.1, with or without a port, and
 * nothing else.
 */
const NET_ALLOWED = new Set(["serve", "test"]);

/** Why a --allow-net flag is too broad for a task, or null when it grants only 127.0.0.1. */
function netProblem(name: string, flag: string): string | null {
  if (!NET_ALLOWED.has(name)) return `${name} may not use the network: ${flag}`;
  const hosts = flag.match(/^--allow-net=(.+)$/)?.[1].split(",") ?? [""];
  const local = hosts.every((host) => /^127\.0\.0\.1(:\d{1,5})?$/.test(host));
  return local ? null : `${name} may reach only 127.0.0.1: ${flag}`;
}

function flags(command: string): string[] {
  return command.split(/\s+/).filter((part) => part.startsWith("-"));
}

Deno.test("every deno.json task has a one-line description", () => {
  for (const [name, task] of Object.entries(tasks)) {
    assert.equal(typeof task.description, "string", name);
    assert.ok(task.description.length > 10 && !task.description.includes("\n"), name);
  }
});

Deno.test("netProblem() accepts 127.0.0.1 for serve and test, and refuses anything broader or elsewhere", () => {
  for (
    const flag of [
      "--allow-net=127.0.0.1",
      "--allow-net=127.0.0.1:8000",
      "--allow-net=127.0.0.1:0,127.0.0.1:9",
    ]
  ) {
    assert.equal(netProblem("serve", flag), null, flag);
    assert.equal(netProblem("test", flag), null, flag);
  }
  for (
    const flag of [
      "--allow-net",
      "--allow-net=",
      "--allow-net=0.0.0.0",
      "--allow-net=localhost",
      "--allow-net=127.0.0.1,example.com",
      "--allow-net=127.0.0.10",
      "--allow-net=127.0.0.1:80:80",
      "--allow-net=127.0.0.1.example.com",
      "--allow-net=[::1]",
    ]
  ) {
    assert.equal(netProblem("serve", flag), `serve may reach only 127.0.0.1: ${flag}`);
  }
  assert.equal(
    netProblem("check", "--allow-net=127.0.0.1"),
    "check may not use the network: --allow-net=127.0.0.1",
  );
});

Deno.test("no deno.json task runs with -A or unlisted program runs, and only serve and test reach 127.0.0.1", () => {
  for (const [name, task] of Object.entries(tasks)) {
    for (const flag of flags(task.command)) {
      assert.ok(!/^(-A|--allow-all)$/.test(flag), `${name}: ${flag}`);
      if (flag.startsWith("--allow-net")) assert.equal(netProblem(name, flag), null);
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
  assert.deepEqual(grants("serve"), [
    "--allow-env=LOG_TOKENS,LOG_STREAM",
    "--allow-net=127.0.0.1",
    "--allow-read=.",
    "--allow-write=images",
  ]);
  assert.deepEqual(grants("build:wasm"), ["--allow-read=.", "--allow-write=core"]);
});

Deno.test("deno.json pins every import to an exact version and uses the committed lockfile frozen", () => {
  for (const [name, spec] of Object.entries(deno.imports as Record<string, string>)) {
    assert.match(spec, /^npm:(@[^/@]+\/)?[^@]+@\d+\.\d+\.\d+$/, name);
  }
  assert.deepEqual(deno.lock, { frozen: true });
  assert.ok(Deno.statSync(fileURLToPath(new URL("../deno.lock", import.meta.url))).isFile);
});
