/**
 * A request fuzzer for the server of `deno task serve`: 1,500 seeded random and mutated requests
 * over real HTTP on 127.0.0.1, through fetch() and as raw bytes, in bursts of 8 at once. The
 * server answers every one with a status below 500, refusals with one JSON line; nothing is written
 * outside images/setN/; and a normal read and save still work afterwards.
 */

import assert from "node:assert/strict";
import { Rng } from "../core/network/rng.ts";
import { READ_PATH, SAVE_PATH, TOKEN_HEADER } from "../core/serve/protocol.ts";
import { rawRequest, sameBytes, SEVEN_PNG, startTestServer, type TestServer, tree } from "./_serve_server.ts";

const FETCH_REQUESTS = 1100;
const RAW_REQUESTS = 400;
const BURST = 8;

const SEVEN_B64 = btoa(String.fromCharCode(...SEVEN_PNG));
const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "FUZZ"];
const PATHS = [
  "/",
  "/page.js",
  "/page.css",
  READ_PATH,
  SAVE_PATH,
  "/api",
  "/api/",
  "/api/read/",
  "/api/save/../read",
  "/../deno.json",
  "/%2e%2e/%2e%2e/etc/passwd",
  "//etc/passwd",
  "/images/set1/7.png",
  "/page.js%00.png",
  "/%ff%fe",
  "/" + "a".repeat(5000),
];
const CONTENT_TYPES = [
  "application/json",
  "image/png",
  "application/octet-stream",
  "text/plain",
  "multipart/form-data; boundary=x",
  "application/x-www-form-urlencoded",
  "",
  "application/json; charset=utf-16",
];
const NASTY_VALUES: unknown[] = [
  "../../etc/passwd",
  "/etc/passwd",
  "%2e%2e%2f",
  "C:\\Windows",
  "\u0000",
  "",
  -1,
  0,
  1e308,
  -0,
  1.5,
  999999,
  1000000,
  2 ** 53,
  null,
  true,
  [],
  {},
  [1, 2, 3],
  { set: 1 },
  "7",
  "A".repeat(10_000),
];

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.nextInt(items.length)];
}

function randomBytes(rng: Rng, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => rng.nextInt(256));
}

/** Flip, drop, duplicate or insert a few bytes. */
function mutateBytes(rng: Rng, bytes: Uint8Array): Uint8Array {
  const out = [...bytes];
  const edits = 1 + rng.nextInt(4);
  for (let e = 0; e < edits && out.length > 0; e++) {
    const at = rng.nextInt(out.length);
    switch (rng.nextInt(5)) {
      case 0:
        out[at] ^= 1 << rng.nextInt(8);
        break;
      case 1:
        out.splice(at, 1 + rng.nextInt(8));
        break;
      case 2:
        out.splice(at, 0, ...out.slice(at, at + 1 + rng.nextInt(16)));
        break;
      case 3:
        out.splice(at, 0, ...randomBytes(rng, 1 + rng.nextInt(8)));
        break;
      default:
        out.length = at; // truncate
    }
  }
  return new Uint8Array(out);
}

/** A save body: valid, a field replaced by a nasty value, a field missing, or an extra field. */
function saveBody(rng: Rng): string {
  const body: Record<string, unknown> = { set: 1 + rng.nextInt(3), digit: rng.nextInt(10), png: SEVEN_B64 };
  switch (rng.nextInt(5)) {
    case 0:
      break;
    case 1:
      body[pick(rng, ["set", "digit", "png"])] = pick(rng, NASTY_VALUES);
      break;
    case 2:
      delete body[pick(rng, ["set", "digit", "png"])];
      break;
    case 3:
      // defineProperty: a plain assignment to "__proto__" would set the prototype, not a field
      Object.defineProperty(body, pick(rng, ["path", "file", "name", "__proto__", "constructor"]), {
        value: pick(rng, NASTY_VALUES),
        enumerable: true,
      });
      break;
    default:
      body.png = btoa(String.fromCharCode(...mutateBytes(rng, SEVEN_PNG)));
  }
  const text = JSON.stringify(body);
  return rng.nextFloat() < 0.2
    ? new TextDecoder().decode(mutateBytes(rng, new TextEncoder().encode(text)))
    : text;
}

/** One request for fetch(): a real request of the page, mutated in one to three ways. */
function fetchRequest(rng: Rng, s: TestServer): { url: string; init: RequestInit } {
  const kind = rng.nextInt(4);
  let method = kind < 2 ? "GET" : "POST";
  let path = [pick(rng, ["/", "/page.js", "/page.css"]), "/", READ_PATH, SAVE_PATH][kind];
  let query = kind === 2 && rng.nextFloat() < 0.5
    ? `?name=${encodeURIComponent(String(pick(rng, NASTY_VALUES)))}`
    : "";
  const headers: Record<string, string> = kind >= 2
    ? { ...s.pageHeaders(), "content-type": kind === 2 ? "image/png" : "application/json" }
    : {};
  let body: Uint8Array | string | null = kind === 2 ? SEVEN_PNG : kind === 3 ? saveBody(rng) : null;
  const mutations = 1 + rng.nextInt(3);
  for (let m = 0; m < mutations; m++) {
    switch (rng.nextInt(9)) {
      case 0:
        method = pick(rng, METHODS);
        break;
      case 1:
        path = pick(rng, PATHS);
        break;
      case 2:
        query = `?${pick(rng, ["name", "set", "x"])}=${encodeURIComponent(String(pick(rng, NASTY_VALUES)))}`;
        break;
      case 3:
        rng.nextFloat() < 0.5 ? delete headers.origin : headers.origin = pick(rng, [
          "https://evil.example",
          "null",
          `http://localhost:${s.port}`,
          `${s.origin}.evil.example`,
          "http://127.0.0.1",
        ]);
        break;
      case 4:
        rng.nextFloat() < 0.5
          ? delete headers[TOKEN_HEADER]
          : headers[TOKEN_HEADER] = s.token.slice(0, -1) + pick(rng, ["0", "x", ""]);
        break;
      case 5:
        headers["content-type"] = pick(rng, CONTENT_TYPES);
        break;
      case 6:
        body = typeof body === "string" || body === null
          ? mutateBytes(rng, new TextEncoder().encode(body ?? ""))
          : mutateBytes(rng, body);
        break;
      case 7:
        body = randomBytes(rng, rng.nextInt(rng.nextFloat() < 0.1 ? 2_000_000 : 4000));
        break;
      default:
        headers[`x-fuzz-${rng.nextInt(100)}`] = "v".repeat(rng.nextInt(2000));
    }
  }
  if (method === "GET" || method === "HEAD") body = null;
  return {
    url: `${s.origin}${path}${query}`,
    init: { method, headers, body: body as BodyInit | null, redirect: "manual" },
  };
}

/** One raw request: a valid request's bytes, mutated. */
function rawBytes(rng: Rng, s: TestServer): Uint8Array {
  const body = rng.nextFloat() < 0.5 ? saveBody(rng) : "";
  const lines = body
    ? [
      `POST ${SAVE_PATH} HTTP/1.1`,
      `Host: 127.0.0.1:${s.port}`,
      `Origin: ${s.origin}`,
      `${TOKEN_HEADER}: ${s.token}`,
      "Content-Type: application/json",
      `Content-Length: ${new TextEncoder().encode(body).length}`,
    ]
    : [`GET ${pick(rng, PATHS)} HTTP/1.1`, `Host: 127.0.0.1:${s.port}`];
  const text = [...lines, "Connection: close", "", body].join("\r\n");
  return mutateBytes(rng, new TextEncoder().encode(text));
}

async function checkAnswer(response: Response, method: string, what: string): Promise<void> {
  const text = await response.text();
  assert.ok(response.status < 500, `${what}: ${response.status} ${text.slice(0, 200)}`);
  // a HEAD answer has no body
  if (
    method !== "HEAD" && response.status >= 400 &&
    response.headers.get("content-type")?.startsWith("application/json")
  ) {
    const body = JSON.parse(text);
    assert.equal(typeof body.error, "string", what);
    assert.ok(!text.includes("\n") && body.error.startsWith("Cannot "), `${what}: ${text.slice(0, 200)}`);
  }
}

Deno.test(`the server answers ${FETCH_REQUESTS + RAW_REQUESTS} random and mutated requests without a 5xx or a crash, writes only into images/setN, and still works afterwards`, async () => {
  const s = await startTestServer();
  const USERS_SEVEN = await Deno.readFile(`${s.images}/set1/7.png`);
  const rng = new Rng(13);
  let answered = 0, rawAnswered = 0, unanswerable = 0;
  try {
    for (let start = 0; start < FETCH_REQUESTS; start += BURST) {
      const burst = Array.from(
        { length: Math.min(BURST, FETCH_REQUESTS - start) },
        () => fetchRequest(rng, s),
      );
      await Promise.all(burst.map(async ({ url, init }) => {
        const what = `${init.method} ${url.slice(0, 120)}`;
        await checkAnswer(await fetch(url, init), init.method!, what);
        answered++;
      }));
    }
    for (let start = 0; start < RAW_REQUESTS; start += BURST) {
      const burst = Array.from({ length: Math.min(BURST, RAW_REQUESTS - start) }, () => rawBytes(rng, s));
      const answers = await Promise.all(burst.map((bytes) => rawRequest(s.port, bytes)));
      for (const [i, answer] of answers.entries()) {
        const sent = new TextDecoder().decode(burst[i]);
        const what = `${JSON.stringify(sent.slice(0, 400))}: ${answer.head}`;
        // a request cut inside its head cannot be answered: the server may only close the connection
        if (answer.status === 0 && !sent.includes("\r\n\r\n")) unanswerable++;
        else assert.ok(answer.status >= 100 && answer.status < 500, what);
        rawAnswered++;
      }
    }
    assert.equal(answered, FETCH_REQUESTS);
    assert.equal(rawAnswered, RAW_REQUESTS);
    assert.ok(unanswerable < RAW_REQUESTS / 4, `${unanswerable} raw requests were cut inside their head`);
    assert.deepEqual(s.internalErrors, []);

    // nothing outside images/setN/<digit>[_letters].png, and the user's file untouched
    for (const path of await tree(s.root)) {
      assert.match(path, /^images\/(set[1-9]\d{0,5}\/(\d(_[a-z]{1,2})?\.png)?)?$/, path);
    }
    assert.ok(
      sameBytes(await Deno.readFile(`${s.images}/set1/7.png`), USERS_SEVEN),
      "the user's 7.png changed",
    );

    // a normal read and a normal save still work
    const read = await fetch(`${s.url}${READ_PATH.slice(1)}?name=7.png`, {
      method: "POST",
      headers: s.pageHeaders({ "content-type": "image/png" }),
      body: SEVEN_PNG as BodyInit,
    });
    assert.equal(read.status, 200);
    assert.equal((await read.json()).predicted, 7);
    const saved = await fetch(s.url + SAVE_PATH.slice(1), {
      method: "POST",
      headers: s.pageHeaders({ "content-type": "application/json" }),
      body: JSON.stringify({ set: 9, digit: 7, png: SEVEN_B64 }),
    });
    assert.equal(saved.status, 201);
    assert.equal((await saved.json()).file, "images/set9/7.png");
  } finally {
    await s.close();
  }
});
