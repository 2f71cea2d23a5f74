/**
 * The server's one request handler: the page and its two files, {@linkcode READ_PATH} and
 * {@linkcode SAVE_PATH}, each behind the checks of request_checks.ts.
 *
 * Every refusal is a 4xx with a one-line JSON body, `{"error": "Cannot …"}`; the handler never
 * throws, so no request can stop the server. A failure that is no fault of the request (a bug, a
 * folder the server may not write) is a 500 with one line, and is handed to `onInternalError`.
 *
 * @module
 */

import { imageFormat } from "../formats/image.ts";
import { DEFAULT_IMAGE_LIMITS, type ImageLimits } from "../formats/image_limits.ts";
import { fileErrorReason, isProjectError } from "../base/errors.ts";
import type { LiveDigitReader } from "./live_digit_reader.ts";
import { type PageAssets, renderPage } from "./page.ts";
import { DRAWING_NAME, READ_PATH, SAVE_PATH, type Saved } from "./protocol.ts";
import { checkContentType, checkHost, checkPost, HttpError, readBody } from "./request_checks.ts";
import { nextFreeSet, parseSaveRequest, saveDigitPng } from "./save_digit.ts";

/** The largest save request: a drawing's PNG as base64 in JSON. */
export const MAX_SAVE_BODY_BYTES = 1024 * 1024;
/** Caps on a PNG to be saved: a drawing, far below the caps of a file to read. */
export const SAVE_PNG_LIMITS: Readonly<ImageLimits> = Object.freeze({
  maxFileBytes: 512 * 1024,
  maxWidth: 2048,
  maxHeight: 2048,
  maxPixels: 2048 * 2048,
});
/** The longest file name a read request may give (most file systems allow 255 bytes). */
export const MAX_NAME_CHARS = 255;

/** What the handler serves, and with what. */
export interface ServeOptions {
  /** The model, loaded. */
  readonly reader: LiveDigitReader;
  /** One line naming the model, shown on the page. */
  readonly model: string;
  /** The per-launch token (request_checks.ts newToken). */
  readonly token: string;
  /** The port the server listens on: Host and Origin must name it. */
  readonly port: number;
  /** The images folder sets are saved into. */
  readonly imagesDir: string;
  /** page.html, page.css and page.js. */
  readonly assets: PageAssets;
  /** Caps on an image to read; check's, DEFAULT_IMAGE_LIMITS, unless given. */
  readonly readLimits?: ImageLimits;
  /** Told of every 500: a bug, or a file-system failure. */
  readonly onInternalError?: (error: unknown) => void;
}

/** A request handler for Deno.serve. */
export type Handler = (request: Request) => Promise<Response>;

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
};
const PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * Make the handler of `deno task serve`.
 *
 * | request | answer |
 * |---|---|
 * | `GET /` | the page, with the token and the model |
 * | `GET /page.js`, `GET /page.css` | its script and style |
 * | `POST /api/read?name=F` + a PNG or JPEG file | 200 and a `Reading`, or 422 with check's message |
 * | `POST /api/save` + `SaveRequest` JSON | 201 and a `Saved` (protocol.ts) |
 *
 * @param options The model, the token, the port, the images folder, the page's files.
 * @returns The handler; it never throws.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createServeHandler, LiveDigitReader, initParams, loadPageAssets, Rng } from "../mod.ts";
 * const handle = createServeHandler({
 *   reader: new LiveDigitReader(initParams(16, "relu", new Rng(1)), "relu"),
 *   model: "a test model", token: "t0k", port: 8000, imagesDir: "images", assets: await loadPageAssets(),
 * });
 * const host = "127.0.0.1:8000";
 * const page = await handle(new Request(`http://${host}/`, { headers: { host } }));
 * assert.equal(page.status, 200);
 * assert.ok((await page.text()).includes('content="t0k"'));
 * const foreign = await handle(new Request(`http://${host}/api/save`, {
 *   method: "POST", headers: { host, origin: "https://evil.example" }, body: "{}",
 * }));
 * assert.equal(foreign.status, 403);
 * ```
 */
export function createServeHandler(options: ServeOptions): Handler {
  const { assets, port, token } = options;
  const readLimits = options.readLimits ?? DEFAULT_IMAGE_LIMITS;

  const routes: Record<string, { method: string; answer: (request: Request) => Promise<Response> }> = {
    "/": {
      method: "GET",
      answer: async () => {
        const html = renderPage(assets.html, {
          token,
          model: options.model,
          nextSet: await nextFreeSet(options.imagesDir),
        });
        return _send(200, html, "text/html; charset=utf-8", { "content-security-policy": PAGE_POLICY });
      },
    },
    "/page.js": {
      method: "GET",
      answer: () => Promise.resolve(_send(200, assets.js, "text/javascript; charset=utf-8")),
    },
    "/page.css": {
      method: "GET",
      answer: () => Promise.resolve(_send(200, assets.css, "text/css; charset=utf-8")),
    },
    [READ_PATH]: {
      method: "POST",
      answer: async (request) => {
        const name = _readName(new URL(request.url).searchParams);
        checkContentType(request, ["image/png", "image/jpeg", "application/octet-stream"], READ_PATH);
        const max = readLimits.maxFileBytes;
        // check's message for a file over the cap (readImageFile, core/formats/image.ts)
        const bytes = await readBody(
          request,
          max,
          (n) => `Cannot read image "${name}": file is ${n ?? `over ${max}`} bytes, the limit is ${max}`,
        );
        return _json(200, _unprocessable(() => options.reader.read(bytes, name, readLimits)));
      },
    },
    [SAVE_PATH]: {
      method: "POST",
      answer: async (request) => {
        checkContentType(request, ["application/json"], SAVE_PATH);
        const body = await readBody(
          request,
          MAX_SAVE_BODY_BYTES,
          (n) =>
            `Cannot save drawing: the body is ${
              n ?? `over ${MAX_SAVE_BODY_BYTES}`
            } bytes, the limit is ${MAX_SAVE_BODY_BYTES}`,
        );
        const order = parseSaveRequest(body);
        // only a PNG that reads as a digit is saved, under the caps of a drawing
        if (imageFormat(order.png) !== "png") {
          throw new HttpError(422, `Cannot save drawing: "png" holds no PNG file${_sniffed(order.png)}`);
        }
        _unprocessable(() => options.reader.read(order.png, DRAWING_NAME, SAVE_PNG_LIMITS));
        const where = `images/set${order.set}`;
        let name: string;
        try {
          name = await saveDigitPng(options.imagesDir, order);
        } catch (error) {
          const reason = fileErrorReason(error);
          if (reason === null) throw error;
          options.onInternalError?.(error);
          return _json(500, { error: `Cannot save into "${where}": ${reason}` });
        }
        const saved: Saved = {
          file: `${where}/${name}`,
          set: order.set,
          check: `deno task check --set ${order.set}`,
        };
        return _json(201, saved);
      },
    },
  };

  return async (request: Request): Promise<Response> => {
    let path = "?";
    try {
      const host = checkHost(request, port);
      path = _path(request.url);
      if (!Object.hasOwn(routes, path)) {
        throw new HttpError(404, `Cannot serve ${_quote(path)}: no such page`);
      }
      const route = routes[path];
      if (request.method !== route.method) {
        throw new HttpError(
          405,
          `Cannot serve ${_quote(path)}: method ${
            _quote(request.method)
          } is not allowed, use ${route.method}`,
        );
      }
      if (route.method === "POST") checkPost(request, host, token, path);
      return await route.answer(request);
    } catch (error) {
      await request.body?.cancel().catch(() => {});
      if (error instanceof HttpError) {
        const extra: Record<string, string> = error.status === 405 ? { allow: routes[path].method } : {};
        return _json(error.status, { error: error.message }, extra);
      }
      options.onInternalError?.(error);
      const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return _json(500, { error: `Cannot answer ${_quote(path)}: internal error (${what.split("\n")[0]})` });
    }
  };
}

/**
 * The path of a request as it was sent, not normalised: "/./page.css/.." or "/%2e%2e/x" matches no
 * route, rather than being tidied into one.
 */
function _path(url: string): string {
  const afterHost = url.indexOf("/", url.indexOf("//") + 2);
  if (afterHost < 0) return "/";
  const end = url.slice(afterHost).search(/[?#]/);
  return end < 0 ? url.slice(afterHost) : url.slice(afterHost, afterHost + end);
}

/** The `name` of a read request: a file name for messages, never a path the server opens. */
function _readName(params: URLSearchParams): string {
  const name = params.get("name");
  if (name === null) return DRAWING_NAME;
  // no folder separators, no control characters (0–31, 127), not "." or ".."
  const plain = [...name].every((c) => c !== "/" && c !== "\\" && c >= " " && c !== "\x7f");
  if (name.length < 1 || name.length > MAX_NAME_CHARS || !plain || name === "." || name === "..") {
    throw new HttpError(
      400,
      `Cannot read image: "name" must be a file name without folders, 1 to ${MAX_NAME_CHARS} characters, got ${
        _quote(name)
      }`,
    );
  }
  return name;
}

/** Run a reading; the project's errors (check's messages) become 422. */
function _unprocessable<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (isProjectError(error)) throw new HttpError(422, error.message.split("\n")[0]);
    throw error;
  }
}

/** " (it is a JPEG)" or "", for a message. */
function _sniffed(bytes: Uint8Array): string {
  return imageFormat(bytes) === "jpeg" ? " (it is a JPEG)" : "";
}

function _send(status: number, body: string, type: string, extra: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { ...SECURITY_HEADERS, "content-type": type, ...extra } });
}

function _json(status: number, body: unknown, extra: Record<string, string> = {}): Response {
  return _send(status, JSON.stringify(body), "application/json; charset=utf-8", extra);
}

/** A value from the request for a message: JSON-quoted, at most 80 characters. */
function _quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
