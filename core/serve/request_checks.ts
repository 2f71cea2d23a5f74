/**
 * Who may ask the server what: the checks every request passes before the server does any work.
 *
 * The server holds files on the user's disk, and any web page the user visits can send requests
 * to 127.0.0.1. So:
 *
 * - the Host header must name the server itself ({@linkcode checkHost}): a page that rebinds its
 *   own domain name to 127.0.0.1 cannot read the page, and so never sees the token;
 * - a POST must come from the page itself ({@linkcode checkPost}): its Origin header is the
 *   server's, and it carries the per-launch token embedded in the page ({@linkcode newToken}),
 *   in a custom header, which another origin cannot send without a CORS preflight that the server
 *   never grants;
 * - bodies are read up to a cap and no further ({@linkcode readBody}).
 *
 * A refusal is an {@linkcode HttpError}: a status and one line in the house format.
 *
 * @module
 */

import { TOKEN_HEADER } from "./protocol.ts";

/** The address the server listens on, and the only one it answers to. */
export const HOSTNAME = "127.0.0.1";
/** Bytes of randomness in a token: 256 bits, as hex. */
const TOKEN_BYTES = 32;
/** The longest Origin, Host or token quoted back in a message. */
const QUOTE_CHARS = 80;

/** A refused request: the HTTP status to answer with, and a one-line message. */
export class HttpError extends Error {
  override name = "HttpError";
  /** The 4xx status. */
  readonly status: number;

  /**
   * @param status The HTTP status, 400–499.
   * @param message One line, e.g. `Cannot accept request to "/api/save": it has no Origin header`.
   */
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * A fresh per-launch token: 32 random bytes from the system's secure generator, as 64 hex digits.
 *
 * @returns The token.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newToken } from "./request_checks.ts";
 * assert.match(newToken(), /^[0-9a-f]{64}$/);
 * assert.notEqual(newToken(), newToken());
 * ```
 */
export function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(TOKEN_BYTES));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The Host headers the server answers to: 127.0.0.1 and localhost, with its port.
 *
 * @param port The port the server listens on.
 * @returns e.g. ["127.0.0.1:8000", "localhost:8000"].
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { allowedHosts } from "./request_checks.ts";
 * assert.deepEqual(allowedHosts(8000), ["127.0.0.1:8000", "localhost:8000"]);
 * ```
 */
export function allowedHosts(port: number): string[] {
  return [`${HOSTNAME}:${port}`, `localhost:${port}`];
}

/**
 * Refuse a request whose Host header is not the server's own address.
 *
 * @param request The request.
 * @param port The port the server listens on.
 * @returns The host, e.g. "127.0.0.1:8000".
 * @throws {HttpError} 403 when the Host header is missing or names another host.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkHost } from "./request_checks.ts";
 * const request = new Request("http://127.0.0.1:8000/");
 * request.headers.set("host", "evil.example:8000");
 * assert.throws(() => checkHost(request, 8000), /Host is "evil.example:8000", expected "127.0.0.1:8000"/);
 * ```
 */
export function checkHost(request: Request, port: number): string {
  const host = request.headers.get("host");
  const hosts = allowedHosts(port);
  if (host === null || !hosts.includes(host.toLowerCase())) {
    const got = host === null ? "it has no Host header" : `Host is ${_quote(host)}`;
    throw new HttpError(403, `Cannot accept request: ${got}, expected "${hosts[0]}"`);
  }
  return host.toLowerCase();
}

/**
 * Refuse a POST that does not come from the page itself: its Origin must be the server's own
 * (`http://` and the host it was sent to) and its token header the page's token.
 *
 * @param request The request.
 * @param host The request's host, as {@linkcode checkHost} returned it.
 * @param token The per-launch token.
 * @param path The path, for messages.
 * @throws {HttpError} 403 when the Origin is missing or foreign, or the token missing or wrong.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkPost, TOKEN_HEADER } from "./mod.ts";
 * const post = (origin: string) =>
 *   new Request("http://127.0.0.1:8000/api/save", { method: "POST", headers: { origin, [TOKEN_HEADER]: "t0k" } });
 * checkPost(post("http://127.0.0.1:8000"), "127.0.0.1:8000", "t0k", "/api/save");
 * assert.throws(
 *   () => checkPost(post("https://evil.example"), "127.0.0.1:8000", "t0k", "/api/save"),
 *   /Origin is "https:\/\/evil.example", expected "http:\/\/127.0.0.1:8000"/,
 * );
 * ```
 */
export function checkPost(request: Request, host: string, token: string, path: string): void {
  const refuse = (state: string) => new HttpError(403, `Cannot accept request to "${path}": ${state}`);
  const origin = request.headers.get("origin");
  const expected = `http://${host}`;
  if (origin === null) throw refuse(`it has no Origin header, expected "${expected}"`);
  if (origin.toLowerCase() !== expected) throw refuse(`Origin is ${_quote(origin)}, expected "${expected}"`);
  const sent = request.headers.get(TOKEN_HEADER);
  if (sent === null) throw refuse(`it has no ${TOKEN_HEADER} header (reload the page)`);
  if (!_sameText(sent, token)) throw refuse(`the ${TOKEN_HEADER} header is wrong (reload the page)`);
}

/**
 * Refuse a request whose Content-Type is not one of those expected.
 *
 * @param request The request.
 * @param expected The media types accepted, e.g. ["application/json"]; parameters are ignored.
 * @param path The path, for messages.
 * @throws {HttpError} 415 otherwise.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkContentType } from "./request_checks.ts";
 * const request = new Request("http://x/", { method: "POST", body: "{}", headers: { "content-type": "text/plain" } });
 * assert.throws(() => checkContentType(request, ["application/json"], "/api/save"), /Content-Type is "text\/plain"/);
 * ```
 */
export function checkContentType(request: Request, expected: readonly string[], path: string): void {
  const type = request.headers.get("content-type");
  const media = type?.split(";")[0].trim().toLowerCase() ?? "";
  if (!expected.includes(media)) {
    const got = type === null ? "it has no Content-Type" : `Content-Type is ${_quote(type)}`;
    throw new HttpError(
      415,
      `Cannot accept request to "${path}": ${got}, expected ${expected.map((t) => `"${t}"`).join(" or ")}`,
    );
  }
}

/**
 * Read a request body up to a cap: a declared Content-Length over the cap is refused before
 * anything is read, and a body that streams past the cap is cut off there.
 *
 * @param request The request.
 * @param maxBytes The largest body accepted.
 * @param tooLarge The message for a body over the cap, given its size when declared (else null).
 * @returns The body.
 * @throws {HttpError} 413 with `tooLarge`'s message when the body is over the cap; 400 when the
 *   body cannot be read.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readBody } from "./request_checks.ts";
 * const request = new Request("http://x/", { method: "POST", body: "0123456789", headers: { "content-length": "10" } });
 * await assert.rejects(() => readBody(request, 4, (n) => `body is ${n} bytes, the limit is 4`), /body is 10 bytes/);
 * ```
 */
export async function readBody(
  request: Request,
  maxBytes: number,
  tooLarge: (declared: number | null) => string,
): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes) {
    await request.body?.cancel().catch(() => {});
    throw new HttpError(413, tooLarge(Number(declared)));
  }
  if (request.body === null) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        throw new HttpError(413, tooLarge(null));
      }
      parts.push(value);
    }
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError(400, `Cannot accept request: the body could not be read (${_firstLine(error)})`);
  } finally {
    reader.releaseLock();
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    body.set(part, offset);
    offset += part.length;
  }
  return body;
}

/** Compare two strings in time that depends on their lengths only, not on where they differ. */
function _sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** A header value quoted for a message: JSON-escaped, shortened to {@linkcode QUOTE_CHARS}. */
function _quote(value: string): string {
  return JSON.stringify(value.length > QUOTE_CHARS ? `${value.slice(0, QUOTE_CHARS)}…` : value);
}

function _firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0];
}
