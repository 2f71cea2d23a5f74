import assert from "node:assert/strict";
import {
  allowedHosts,
  checkContentType,
  checkHost,
  checkPost,
  HttpError,
  newToken,
  readBody,
} from "../core/serve/request_checks.ts";
import { TOKEN_HEADER } from "../core/serve/protocol.ts";

const HOST = "127.0.0.1:8000";
const TOKEN = "a".repeat(64);

function refused(status: number, message: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof HttpError, String(error));
    assert.equal(error.status, status);
    assert.equal(error.message, message);
    return true;
  };
}

function post(headers: Record<string, string>, body: BodyInit | null = "{}"): Request {
  return new Request(`http://${HOST}/api/save`, { method: "POST", headers, body });
}

Deno.test("newToken() gives 64 hex digits from the secure generator, a new one each launch", () => {
  const tokens = new Set(Array.from({ length: 100 }, newToken));
  assert.equal(tokens.size, 100);
  for (const token of tokens) assert.match(token, /^[0-9a-f]{64}$/);
});

Deno.test("checkHost() accepts 127.0.0.1 and localhost on the server's port and refuses any other Host", () => {
  assert.deepEqual(allowedHosts(8000), ["127.0.0.1:8000", "localhost:8000"]);
  const withHost = (host: string) => {
    const request = new Request(`http://${HOST}/`);
    request.headers.set("host", host);
    return request;
  };
  assert.equal(checkHost(withHost("127.0.0.1:8000"), 8000), "127.0.0.1:8000");
  assert.equal(checkHost(withHost("LOCALHOST:8000"), 8000), "localhost:8000");
  // a DNS-rebinding page: its own name, resolved to 127.0.0.1
  assert.throws(
    () => checkHost(withHost("rebind.example:8000"), 8000),
    refused(403, 'Cannot accept request: Host is "rebind.example:8000", expected "127.0.0.1:8000"'),
  );
  assert.throws(
    () => checkHost(withHost("127.0.0.1:8001"), 8000),
    refused(403, 'Cannot accept request: Host is "127.0.0.1:8001", expected "127.0.0.1:8000"'),
  );
  const long = "h".repeat(200);
  assert.throws(() => checkHost(withHost(long), 8000), (error: HttpError) => {
    assert.equal(
      error.message,
      `Cannot accept request: Host is "${"h".repeat(80)}…", expected "127.0.0.1:8000"`,
    );
    return true;
  });
});

Deno.test("checkPost() refuses a foreign Origin, a missing Origin, and a missing or wrong token", () => {
  const origin = `http://${HOST}`;
  checkPost(post({ origin, [TOKEN_HEADER]: TOKEN }), HOST, TOKEN, "/api/save");
  assert.throws(
    () =>
      checkPost(post({ origin: "https://evil.example", [TOKEN_HEADER]: TOKEN }), HOST, TOKEN, "/api/save"),
    refused(
      403,
      'Cannot accept request to "/api/save": Origin is "https://evil.example", expected "http://127.0.0.1:8000"',
    ),
  );
  assert.throws(
    () => checkPost(post({ origin: "null", [TOKEN_HEADER]: TOKEN }), HOST, TOKEN, "/api/save"),
    refused(403, 'Cannot accept request to "/api/save": Origin is "null", expected "http://127.0.0.1:8000"'),
  );
  assert.throws(
    () => checkPost(post({ [TOKEN_HEADER]: TOKEN }), HOST, TOKEN, "/api/save"),
    refused(
      403,
      'Cannot accept request to "/api/save": it has no Origin header, expected "http://127.0.0.1:8000"',
    ),
  );
  assert.throws(
    () => checkPost(post({ origin }), HOST, TOKEN, "/api/save"),
    refused(403, 'Cannot accept request to "/api/save": it has no x-serve-token header (reload the page)'),
  );
  for (const wrong of ["", "b".repeat(64), TOKEN.slice(1), TOKEN + "a"]) {
    assert.throws(
      () => checkPost(post({ origin, [TOKEN_HEADER]: wrong }), HOST, TOKEN, "/api/save"),
      refused(
        403,
        'Cannot accept request to "/api/save": the x-serve-token header is wrong (reload the page)',
      ),
    );
  }
});

Deno.test("checkContentType() accepts the expected media types with parameters, and refuses others with 415", () => {
  const typed = (type: string | null) =>
    new Request(`http://${HOST}/`, {
      method: "POST",
      body: "x",
      headers: type ? { "content-type": type } : {},
    });
  checkContentType(typed("application/json; charset=utf-8"), ["application/json"], "/api/save");
  checkContentType(typed("Image/PNG"), ["image/png", "application/octet-stream"], "/api/read");
  assert.throws(
    () => checkContentType(typed("text/plain;charset=UTF-8"), ["application/json"], "/api/save"),
    refused(
      415,
      'Cannot accept request to "/api/save": Content-Type is "text/plain;charset=UTF-8", expected "application/json"',
    ),
  );
  const bare = new Request(`http://${HOST}/`, { method: "POST", body: new Uint8Array(1) });
  assert.throws(
    () => checkContentType(bare, ["image/png", "application/octet-stream"], "/api/read"),
    refused(
      415,
      'Cannot accept request to "/api/read": it has no Content-Type, expected "image/png" or "application/octet-stream"',
    ),
  );
});

Deno.test("readBody() refuses a declared or streamed body over its cap, and reads one at the cap", async () => {
  const tooLarge = (n: number | null) => `body is ${n ?? "over 10"} bytes, the limit is 10`;
  assert.deepEqual(
    await readBody(post({}, "0123456789"), 10, tooLarge),
    new TextEncoder().encode("0123456789"),
  );
  assert.deepEqual(await readBody(post({}, null), 10, tooLarge), new Uint8Array(0));
  // a declared length over the cap is refused before any byte is read
  await assert.rejects(
    () => readBody(post({ "content-length": "11" }, "0123456789A"), 10, tooLarge),
    refused(413, "body is 11 bytes, the limit is 10"),
  );
  await assert.rejects(
    () => readBody(post({}, "0123456789A"), 10, tooLarge),
    refused(413, "body is over 10 bytes, the limit is 10"),
  );
  // no Content-Length: a stream that goes on and on is cut off at the cap
  let pulled = 0;
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      controller.enqueue(new Uint8Array(4));
    },
  });
  await assert.rejects(
    () => readBody(new Request(`http://${HOST}/`, { method: "POST", body: endless }), 10, tooLarge),
    refused(413, "body is over 10 bytes, the limit is 10"),
  );
  assert.ok(pulled <= 4, `read ${pulled} chunks`);
});
