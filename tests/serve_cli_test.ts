/**
 * `deno task serve` as a user runs it: scripts/serve.ts with exactly the task's permissions.
 */

import assert from "node:assert/strict";
import { READ_PATH } from "../core/serve/protocol.ts";
import { DEFAULT_PORT, PORT_TRIES, startServer } from "../core/serve/server.ts";
import { isOneLineError, runTask } from "./_run_task.ts";
import { startServe } from "./_serve_page.ts";
import { SEVEN_PNG } from "./_serve_server.ts";

const hello = () => () => Promise.resolve(new Response("hello"));

/** A port of 127.0.0.1 held open by this test, and so in use. */
function holdPort(): Deno.TcpListener {
  return Deno.listen({ hostname: "127.0.0.1", port: 0 });
}

Deno.test("serve --help prints the usage and the flags", async () => {
  const r = await runTask("serve", ["--help"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Usage: deno task serve \[--port N\] \[--weights FILE\]/);
  for (const flag of ["--port N", "--weights FILE", "--config FILE"]) {
    assert.ok(r.stdout.includes(flag), flag);
  }
});

Deno.test("serve prints the model and its URL on 127.0.0.1, serves the page offline, and stops cleanly on Ctrl-C", async () => {
  const serve = await startServe();
  assert.match(
    serve.banner,
    /^model weights\.npz \(sha256 [0-9a-f]{12}…, layers 784-256-10 relu, seed 42, test accuracy/,
  );
  assert.match(serve.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const page = await fetch(serve.url);
  const html = await page.text();
  assert.equal(page.status, 200);
  assert.ok(html.includes("test accuracy"), "the page names the model");
  const token = /name="serve-token" content="([0-9a-f]{64})"/.exec(html)![1];
  const reading = await fetch(`${serve.url}${READ_PATH.slice(1)}?name=7.png`, {
    method: "POST",
    headers: { origin: serve.url.slice(0, -1), "x-serve-token": token, "content-type": "image/png" },
    body: SEVEN_PNG as BodyInit,
  });
  assert.equal((await reading.json()).predicted, 7);
  const stopped = await serve.stop();
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.match(stopped.stdout, /\nstopped\n$/);
  assert.equal(stopped.stderr, "");
  await assert.rejects(() => fetch(serve.url), TypeError, "the port is closed");
});

Deno.test("serve --port N on a port in use says so in one line, with a hint, and exits 1", async () => {
  const held = holdPort();
  try {
    const r = await runTask("serve", ["--port", String(held.addr.port)]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(isOneLineError(r.stderr), r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`^error: Cannot serve on 127\\.0\\.0\\.1:${held.addr.port}: the port is in use$`, "m"),
    );
    assert.match(
      r.stderr,
      /^hint: pass another --port N, or --port 0 for any free port \(without --port, 8000 to 8009 are tried\)$/m,
    );
  } finally {
    held.close();
  }
});

Deno.test("serve --port refuses a value that is not a port number, exit 2", async () => {
  for (const port of ["abc", "65536", "80.5", "", "0x50"]) {
    const r = await runTask("serve", ["--port", port]);
    assert.equal(r.code, 2, `${port}: ${r.stderr}`);
    assert.ok(isOneLineError(r.stderr), r.stderr);
    assert.ok(
      r.stderr.startsWith(
        `error: Cannot serve: --port is "${port}", expected a whole number from 0 to 65535\n`,
      ),
      r.stderr,
    );
  }
});

Deno.test("serve --weights with a missing file says so, with check's hint, and exits 1", async () => {
  const r = await runTask("serve", ["--weights", "runs/no-such/weights.npz", "--port", "0"]);
  assert.equal(r.code, 1, r.stderr);
  assert.ok(isOneLineError(r.stderr), r.stderr);
  assert.match(r.stderr, /^error: Cannot load weights ".*runs\/no-such\/weights\.npz": no such file$/m);
  assert.match(r.stderr, /^hint: run "deno task train" first, or pass --weights FILE$/m);
});

Deno.test("startServer() without an exact port moves on to the next free one, and with one refuses a port in use", async () => {
  assert.equal(DEFAULT_PORT, 8000);
  assert.equal(PORT_TRIES, 10);
  const held = holdPort();
  const port = held.addr.port;
  try {
    const next = startServer(hello, port, false);
    assert.ok(next.port > port && next.port < port + PORT_TRIES, `${next.port}`);
    assert.equal(next.url, `http://127.0.0.1:${next.port}/`);
    assert.equal(await (await fetch(next.url)).text(), "hello");
    await next.server.shutdown();
    assert.throws(() => startServer(hello, port, true), {
      name: "LimitError",
      message: `Cannot serve on 127.0.0.1:${port}: the port is in use`,
    });
  } finally {
    held.close();
  }
});

Deno.test("startServer() says when every port it may try is in use", () => {
  const held: Deno.TcpListener[] = [holdPort()];
  const first = held[0].addr.port;
  try {
    for (let p = first + 1; p < first + PORT_TRIES; p++) {
      try {
        held.push(Deno.listen({ hostname: "127.0.0.1", port: p }));
      } catch {
        return; // another program holds one of them: this case cannot be set up here
      }
    }
    assert.throws(() => startServer(hello, first, false), {
      name: "LimitError",
      message: `Cannot serve on 127.0.0.1: ports ${first} to ${first + PORT_TRIES - 1} are all in use`,
    });
  } finally {
    for (const listener of held) listener.close();
  }
});
