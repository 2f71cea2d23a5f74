/**
 * An in-process `deno task serve` server for tests: the shipped model, a token, a scratch images
 * folder, on a free port of 127.0.0.1; and a raw HTTP client for requests that fetch() would
 * tidy up first (paths with "..", bad headers, broken syntax).
 */

import { join } from "node:path";
import { encodeGrayPng } from "../core/formats/png.ts";
import { readWeightsFile } from "../core/training/weights.ts";
import { createServeHandler, type Handler, type ServeOptions } from "../core/serve/handler.ts";
import { loadPageAssets } from "../core/serve/page.ts";
import { LiveDigitReader } from "../core/serve/live_digit_reader.ts";
import { newToken } from "../core/serve/request_checks.ts";
import { startServer } from "../core/serve/server.ts";
import { TOKEN_HEADER } from "../core/serve/protocol.ts";
import { ROOT, scratchDir } from "./_run_task.ts";

/** A server under test. */
export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly origin: string;
  readonly token: string;
  /** The scratch folder that holds `images/` (and nothing else, unless the server escaped). */
  readonly root: string;
  readonly images: string;
  /** The handler itself, to call without the network. */
  readonly handler: Handler;
  /** Errors the server handed to onInternalError (500s): a test expects none. */
  readonly internalErrors: unknown[];
  /** Headers of a request from the page itself: Origin and token. */
  pageHeaders(extra?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

const params = await readWeightsFile(join(ROOT, "weights.npz"));

/** Start a server with the shipped weights, a fresh token and a scratch images folder holding set1/7.png. */
export async function startTestServer(options: Partial<ServeOptions> = {}): Promise<TestServer> {
  const root = await scratchDir("serve");
  const images = join(root, "images");
  await Deno.mkdir(join(images, "set1"), { recursive: true });
  await Deno.copyFile(join(ROOT, "images", "set1", "7.png"), join(images, "set1", "7.png"));
  const token = newToken();
  const reader = new LiveDigitReader(params, "relu");
  const assets = await loadPageAssets();
  const internalErrors: unknown[] = [];
  let handler: Handler | null = null;
  const { server, port, url } = startServer(
    (port) => {
      handler = createServeHandler({
        reader,
        model: "model weights.npz (the shipped one)",
        token,
        port,
        imagesDir: images,
        assets,
        onInternalError: (error) => internalErrors.push(error),
        ...options,
      });
      return handler;
    },
    0,
    true,
  );
  const origin = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    origin,
    token,
    root,
    images,
    handler: handler!,
    internalErrors,
    pageHeaders: (extra = {}) => ({ origin, [TOKEN_HEADER]: token, ...extra }),
    async close() {
      await server.shutdown();
      reader.dispose();
      await Deno.remove(root, { recursive: true });
    },
  };
}

/** A 7 drawn by the project (images/set3/7.png, 64 × 64 grey): small and quick to read. */
export const SEVEN_PNG: Uint8Array = await Deno.readFile(join(ROOT, "images", "set3", "7.png"));

/** A blank 40 × 40 white PNG: no digit. */
export const BLANK_PNG: Uint8Array = encodeGrayPng(new Uint8Array(1600).fill(255), 40, 40);

/** Every file and folder under a folder, as sorted relative paths (folders end in "/"). */
export async function tree(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = prefix + entry.name;
    out.push(entry.isDirectory ? `${path}/` : path);
    if (entry.isDirectory) out.push(...await tree(join(dir, entry.name), `${path}/`));
  }
  return out.sort();
}

/** A raw HTTP exchange: the status (0 when the server closed without answering) and the body. */
export interface RawAnswer {
  status: number;
  head: string;
  body: string;
}

/**
 * Send bytes as they are to the server and read until it closes the connection (the request
 * should say `Connection: close`), or until `timeoutMs`.
 */
export async function rawRequest(
  port: number,
  request: Uint8Array | string,
  timeoutMs = 5000,
): Promise<RawAnswer> {
  const bytes = typeof request === "string" ? new TextEncoder().encode(request) : request;
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => conn.close(), timeoutMs);
  const chunks: Uint8Array[] = [];
  try {
    let written = 0;
    while (written < bytes.length) written += await conn.write(bytes.subarray(written));
    await conn.closeWrite();
    const buffer = new Uint8Array(64 * 1024);
    while (true) {
      const n = await conn.read(buffer);
      if (n === null) break;
      chunks.push(buffer.slice(0, n));
    }
  } catch (error) {
    // a reset or a timeout: the answer so far is what there is
    if (
      !(error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.BadResource ||
        error instanceof Deno.errors.BrokenPipe || error instanceof Deno.errors.Interrupted)
    ) {
      throw error;
    }
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // already closed by the timer
    }
  }
  const text = new TextDecoder().decode(await new Blob(chunks as BlobPart[]).arrayBuffer());
  const split = text.indexOf("\r\n\r\n");
  const head = split < 0 ? text : text.slice(0, split);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
  return { status, head, body: split < 0 ? "" : text.slice(split + 4) };
}

/** Whether two byte arrays are equal (assert.deepEqual's diff of large arrays takes minutes when they differ). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
