/**
 * The server of `deno task serve` over real HTTP on 127.0.0.1: what it serves, and every request
 * it refuses, each with its status, its one-line JSON message, and no file touched.
 */

import assert from "node:assert/strict";
import { encodeGrayPng } from "../core/formats/png.ts";
import { MAX_SAVE_BODY_BYTES } from "../core/serve/handler.ts";
import { READ_PATH, type Reading, SAVE_PATH, type Saved, TOKEN_HEADER } from "../core/serve/protocol.ts";
import {
  BLANK_PNG,
  rawRequest,
  sameBytes,
  SEVEN_PNG,
  startTestServer,
  type TestServer,
  tree,
} from "./_serve_server.ts";

const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/** Run a test against a fresh server; check that nothing was written and no request hit a 500. */
async function withServer(fn: (s: TestServer) => Promise<void>, writes = false): Promise<void> {
  const s = await startTestServer();
  const before = await tree(s.root);
  try {
    await fn(s);
    if (!writes) assert.deepEqual(await tree(s.root), before, "a refused request touched a file");
    assert.deepEqual(s.internalErrors, []);
  } finally {
    await s.close();
  }
}

/** Expect a refusal: the status, a JSON body of exactly one one-line "error", and the message. */
async function expectRefusal(response: Response, status: number, message: string | RegExp): Promise<void> {
  const text = await response.text();
  assert.equal(response.status, status, text);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
  assert.ok(!text.includes("\n"), "the answer is one line");
  const body = JSON.parse(text);
  assert.deepEqual(Object.keys(body), ["error"]);
  if (typeof message === "string") assert.equal(body.error, message);
  else assert.match(body.error, message);
  assert.ok(!body.error.includes("\n"));
}

function save(s: TestServer, body: unknown, headers = s.pageHeaders()): Promise<Response> {
  return fetch(s.url + SAVE_PATH.slice(1), {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

function read(s: TestServer, png: Uint8Array, name?: string, headers = s.pageHeaders()): Promise<Response> {
  const query = name === undefined ? "" : `?name=${encodeURIComponent(name)}`;
  return fetch(`${s.url}${READ_PATH.slice(1)}${query}`, {
    method: "POST",
    headers: { "content-type": "image/png", ...headers },
    body: png as BodyInit,
  });
}

Deno.test("the server serves the page with its token and model, its script and style, with a strict content policy", async () => {
  await withServer(async (s) => {
    const page = await fetch(s.url);
    const html = await page.text();
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type")!, /^text\/html/);
    assert.ok(html.includes(`<meta name="serve-token" content="${s.token}">`));
    assert.ok(html.includes("model weights.npz (the shipped one)"));
    assert.ok(html.includes('value="2"'), "offers set 2, the first free one");
    assert.match(page.headers.get("content-security-policy")!, /frame-ancestors 'none'/);
    assert.equal(page.headers.get("x-frame-options"), "DENY");
    assert.equal(page.headers.get("cache-control"), "no-store");
    for (const [path, type] of [["page.js", "text/javascript"], ["page.css", "text/css"]]) {
      const asset = await fetch(s.url + path);
      assert.equal(asset.status, 200);
      assert.ok(asset.headers.get("content-type")!.startsWith(type));
      assert.ok((await asset.text()).length > 1000);
    }
  });
});

Deno.test("POST /api/read reads a PNG as check does and answers the guess, the 28×28 input and the inside", async () => {
  await withServer(async (s) => {
    const response = await read(s, SEVEN_PNG, "7.png");
    assert.equal(response.status, 200);
    const reading: Reading = await response.json();
    assert.equal(reading.predicted, 7);
    assert.equal(reading.name, "7.png");
    assert.equal(reading.probabilities.length, 10);
    assert.equal(reading.input.length, 784);
    assert.deepEqual(reading.hidden.map((a) => a.length), [256]);
    assert.equal(reading.contributions.length, 784);
    // without a name, the page's drawing
    assert.equal((await (await read(s, SEVEN_PNG)).json()).name, "drawing.png");
  });
});

Deno.test("POST /api/read answers check's own message, with 422, for a blank image and for bytes that are no image", async () => {
  await withServer(async (s) => {
    await expectRefusal(
      await read(s, BLANK_PNG, "blank.png"),
      422,
      'Cannot read digit "blank.png": no digit found (the image is blank)',
    );
    await expectRefusal(
      await read(s, new TextEncoder().encode("GIF89a..."), "photo.png"),
      422,
      'Cannot read image "photo.png": not a PNG or JPEG file (it starts like a GIF)',
    );
  });
});

Deno.test("POST /api/save writes the drawing into images/setN under its digit's name, never over a file", async () => {
  await withServer(async (s) => {
    const saved: Saved[] = [];
    for (let i = 0; i < 2; i++) {
      const response = await save(s, { set: 1, digit: 7, png: base64(SEVEN_PNG) });
      assert.equal(response.status, 201);
      saved.push(await response.json());
    }
    assert.deepEqual(saved.map((x) => x.file), ["images/set1/7_b.png", "images/set1/7_c.png"]);
    assert.equal(saved[0].check, "deno task check --set 1");
    assert.deepEqual(await tree(s.images), ["set1/", "set1/7.png", "set1/7_b.png", "set1/7_c.png"]);
    assert.ok(
      sameBytes(await Deno.readFile(`${s.images}/set1/7_b.png`), SEVEN_PNG),
      "7_b.png holds the PNG sent",
    );
    const fresh = await save(s, { set: 12, digit: 3, png: base64(SEVEN_PNG) });
    assert.equal((await fresh.json()).file, "images/set12/3.png");
  }, true);
});

Deno.test("a POST with a foreign Origin is refused with 403, for saving and for reading, and touches no file", async () => {
  await withServer(async (s) => {
    const foreign = { origin: "https://evil.example", [TOKEN_HEADER]: s.token };
    await expectRefusal(
      await save(s, { set: 1, digit: 7, png: base64(SEVEN_PNG) }, foreign),
      403,
      `Cannot accept request to "/api/save": Origin is "https://evil.example", expected "${s.origin}"`,
    );
    await expectRefusal(
      await read(s, SEVEN_PNG, "7.png", foreign),
      403,
      `Cannot accept request to "/api/read": Origin is "https://evil.example", expected "${s.origin}"`,
    );
    // another port of this machine is another origin
    await expectRefusal(
      await save(
        s,
        { set: 1, digit: 7, png: base64(SEVEN_PNG) },
        s.pageHeaders({ origin: "http://127.0.0.1:1" }),
      ),
      403,
      `Cannot accept request to "/api/save": Origin is "http://127.0.0.1:1", expected "${s.origin}"`,
    );
    await expectRefusal(
      await save(s, { set: 1, digit: 7, png: base64(SEVEN_PNG) }, { [TOKEN_HEADER]: s.token }),
      403,
      `Cannot accept request to "/api/save": it has no Origin header, expected "${s.origin}"`,
    );
  });
});

Deno.test("a POST without the page's token, or with a wrong one, is refused with 403 and touches no file", async () => {
  await withServer(async (s) => {
    await expectRefusal(
      await save(s, { set: 1, digit: 7, png: base64(SEVEN_PNG) }, { origin: s.origin }),
      403,
      'Cannot accept request to "/api/save": it has no x-serve-token header (reload the page)',
    );
    await expectRefusal(
      await save(
        s,
        { set: 1, digit: 7, png: base64(SEVEN_PNG) },
        s.pageHeaders({ [TOKEN_HEADER]: "0".repeat(64) }),
      ),
      403,
      'Cannot accept request to "/api/save": the x-serve-token header is wrong (reload the page)',
    );
  });
});

Deno.test("an oversize body is refused with 413 before it is read, for saving and for reading, and touches no file", async () => {
  await withServer(async (s) => {
    const huge = JSON.stringify({ set: 1, digit: 7, png: "A".repeat(MAX_SAVE_BODY_BYTES) });
    await expectRefusal(
      await save(s, huge),
      413,
      `Cannot save drawing: the body is ${huge.length} bytes, the limit is 1048576`,
    );
    // reading: check's 20 MiB cap, and check's message
    const big = new Uint8Array(20 * 1024 * 1024 + 1);
    await expectRefusal(
      await read(s, big, "big.png"),
      413,
      'Cannot read image "big.png": file is 20971521 bytes, the limit is 20971520',
    );
    // a PNG under the body cap but over a drawing's size cap is not saved, nor a file that is no PNG
    await expectRefusal(
      await save(s, { set: 1, digit: 7, png: base64(new TextEncoder().encode("GIF89a")) }),
      422,
      'Cannot save drawing: "png" holds no PNG file',
    );
    const wide = encodeGrayPng(new Uint8Array(3000 * 2).fill(255), 3000, 2);
    await expectRefusal(
      await save(s, { set: 1, digit: 7, png: base64(wide) }),
      422,
      'Cannot read PNG "drawing.png": width is 3000 pixels, the limit is 2048',
    );
  });
});

Deno.test("malformed JSON is refused with 400 and touches no file", async () => {
  await withServer(async (s) => {
    for (const body of ["{", "", '{"set": 1, "digit": 7, "png": "', "[1, 2", "{set: 1}", "null x"]) {
      await expectRefusal(await save(s, body), 400, "Cannot save drawing: the body is not valid JSON");
    }
    await expectRefusal(
      await save(s, "[]"),
      400,
      'Cannot save drawing: the body must be a JSON object with "set", "digit" and "png", got an array',
    );
  });
});

Deno.test("path traversal is refused: ../, absolute paths and %2e%2e in the URL, the set, the file name", async () => {
  await withServer(async (s) => {
    // in the URL: fetch would tidy these paths up, so they go out raw
    for (
      const path of [
        "/../deno.json",
        "/..%2fdeno.json",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E/deno.json",
        "//etc/passwd",
        "/etc/passwd",
        "/core/serve/page.ts",
        "/page.js/../../deno.json",
        "/./page.css/..",
        "/images/set1/7.png",
      ]
    ) {
      const answer = await rawRequest(
        s.port,
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nConnection: close\r\n\r\n`,
      );
      assert.ok([404, 400].includes(answer.status), `${path}: ${answer.head}`);
      assert.ok(!answer.body.includes('"tasks"') && !answer.body.includes("root:"), path);
      if (answer.status === 404) {
        assert.match(JSON.parse(answer.body).error, /^Cannot serve ".*": no such page$/);
      }
    }
    // in the set: only a whole number names a folder
    for (const set of ["../../etc", "/etc", "%2e%2e", "..%2f..%2fx", "1/../../../tmp"]) {
      await expectRefusal(
        await save(s, { set, digit: 7, png: base64(SEVEN_PNG) }),
        400,
        `Cannot save drawing: "set" must be a whole number from 1 to 999999, got ${JSON.stringify(set)}`,
      );
    }
    // a file name is never taken from the request
    await expectRefusal(
      await save(s, { set: 1, digit: 7, png: base64(SEVEN_PNG), file: "../../../x.png" }),
      400,
      'Cannot save drawing: unknown field "file"',
    );
    // the name of a file to read is for messages only, and still must be a plain name
    for (const name of ["../x.png", "/etc/passwd", "a\\b.png", "..", "x\ny.png"]) {
      await expectRefusal(
        await read(s, SEVEN_PNG, name),
        400,
        `Cannot read image: "name" must be a file name without folders, 1 to 255 characters, got ${
          JSON.stringify(name)
        }`,
      );
    }
  });
});

Deno.test("the server refuses another Host (DNS rebinding), an unknown path, a wrong method and a wrong Content-Type", async () => {
  await withServer(async (s) => {
    const rebound = await rawRequest(
      s.port,
      `GET / HTTP/1.1\r\nHost: rebind.example:${s.port}\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(rebound.status, 403);
    assert.equal(
      JSON.parse(rebound.body).error,
      `Cannot accept request: Host is "rebind.example:${s.port}", expected "127.0.0.1:${s.port}"`,
    );
    assert.ok(!rebound.body.includes(s.token));
    await expectRefusal(await fetch(s.url + "nope"), 404, 'Cannot serve "/nope": no such page');
    const get = await fetch(s.url + "api/save");
    assert.equal(get.headers.get("allow"), "POST");
    await expectRefusal(get, 405, 'Cannot serve "/api/save": method "GET" is not allowed, use POST');
    await expectRefusal(
      await fetch(s.url, { method: "POST", headers: s.pageHeaders(), body: "x" }),
      405,
      'Cannot serve "/": method "POST" is not allowed, use GET',
    );
    // a CORS preflight is never granted
    const preflight = await fetch(s.url + "api/save", {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    assert.equal(preflight.status, 405);
    assert.equal(preflight.headers.get("access-control-allow-origin"), null);
    await preflight.body?.cancel();
    await expectRefusal(
      await save(s, "{}", s.pageHeaders({ "content-type": "text/plain" })),
      415,
      'Cannot accept request to "/api/save": Content-Type is "text/plain", expected "application/json"',
    );
  });
});
