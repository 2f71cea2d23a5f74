/**
 * Listen on 127.0.0.1, and nowhere else, with Deno's built-in `Deno.serve`: on the port asked
 * for, or, when none was asked for, on the first free one from {@linkcode DEFAULT_PORT}.
 *
 * @module
 */

import { LimitError } from "../base/errors.ts";
import type { Handler } from "./handler.ts";
import { HOSTNAME } from "./request_checks.ts";

/** The port tried first when none is asked for. */
export const DEFAULT_PORT = 8000;
/** Ports tried from the default one before giving up: DEFAULT_PORT … DEFAULT_PORT + 9. */
export const PORT_TRIES = 10;

/** A server listening. */
export interface Listening {
  /** Stop it with `server.shutdown()`; `server.finished` settles when it has stopped. */
  readonly server: Deno.HttpServer<Deno.NetAddr>;
  /** The port it listens on. */
  readonly port: number;
  /** The page's address, e.g. "http://127.0.0.1:8000/". */
  readonly url: string;
}

/**
 * Start the server on 127.0.0.1. With `exact`, on `port` or not at all (0 lets the system choose
 * a free port); otherwise on the first free port of port … port + {@linkcode PORT_TRIES} − 1.
 *
 * @param makeHandler Builds the handler once the port is known (Host and Origin checks need it).
 * @param port The port to try (first).
 * @param exact Whether only `port` will do.
 * @returns The server, its port and its address.
 * @throws {LimitError} When the port is in use (every port tried, without `exact`), or the
 *   system does not allow it.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startServer } from "./server.ts";
 * const { server, url } = startServer(() => () => Promise.resolve(new Response("hi")), 0, true);
 * assert.equal(await (await fetch(url)).text(), "hi");
 * await server.shutdown();
 * ```
 */
export function startServer(makeHandler: (port: number) => Handler, port: number, exact: boolean): Listening {
  const last = exact ? port : port + PORT_TRIES - 1;
  for (let p = port; p <= last; p++) {
    let handler: Handler | null = null;
    let server: Deno.HttpServer<Deno.NetAddr>;
    try {
      server = Deno.serve(
        { hostname: HOSTNAME, port: p, onListen: () => {} },
        (request) => handler!(request),
      );
    } catch (error) {
      if (error instanceof Deno.errors.AddrInUse) {
        if (p < last) continue;
        throw new LimitError(
          exact || port === last
            ? `Cannot serve on ${HOSTNAME}:${p}: the port is in use`
            : `Cannot serve on ${HOSTNAME}: ports ${port} to ${last} are all in use`,
        );
      }
      if (error instanceof Deno.errors.PermissionDenied) {
        throw new LimitError(`Cannot serve on ${HOSTNAME}:${p}: the system does not allow this port`);
      }
      throw error;
    }
    const actual = server.addr.port;
    handler = makeHandler(actual);
    return { server, port: actual, url: `http://${HOSTNAME}:${actual}/` };
  }
  throw new LimitError(`Cannot serve on ${HOSTNAME}:${port}: the port is out of range`);
}
