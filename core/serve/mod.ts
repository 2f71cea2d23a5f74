/**
 * `deno task serve`: a page on 127.0.0.1 to draw digits on and watch the network read them, live.
 *
 * The network runs here, on the server, in the code `deno task check` runs (docs/serve.md says
 * why): a drawing reaches it as the PNG file a user would save, and is read by decodeImage,
 * toMnistInput and predictDigits, as check reads a file. Read in this order:
 *
 * - protocol.ts: the paths, the token header and the JSON the page and the server exchange;
 * - live_digit_reader.ts: `LiveDigitReader`, an image read as check reads it, plus what the page shows;
 * - inside.ts: `lookInside`, the hidden activations and each pixel's push on the guess;
 * - request_checks.ts: who may ask what (Host, Origin, the per-launch token, body caps);
 * - save_digit.ts: "save as digit d" into images/setN/, never overwriting, never outside images/;
 * - handler.ts: `createServeHandler`, the routes, every refusal a 4xx with one JSON line;
 * - server.ts: `startServer` on 127.0.0.1, the port asked for or the next free one;
 * - page.ts: the page's files (page.html, page.css, page.js bundled from _page.ts).
 *
 * @module
 */

export * from "./handler.ts";
export * from "./inside.ts";
export * from "./page.ts";
export * from "./protocol.ts";
export * from "./live_digit_reader.ts";
export * from "./request_checks.ts";
export * from "./save_digit.ts";
export * from "./server.ts";
