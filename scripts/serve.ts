/**
 * `deno task serve`: a local page to draw digits on and watch the network read them, live.
 *
 * @module
 */

import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../core/training/config.ts";
import { LiveDigitReader } from "../core/serve/live_digit_reader.ts";
import { createServeHandler } from "../core/serve/handler.ts";
import { loadPageAssets } from "../core/serve/page.ts";
import { newToken } from "../core/serve/request_checks.ts";
import { DEFAULT_PORT, PORT_TRIES, startServer } from "../core/serve/server.ts";
import { helpText, type OptionSpec, parseFlags, runMain, UsageError } from "./_cli.ts";
import { loadModel } from "./_model.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DEFAULT_CONFIG = join(ROOT, "config.yaml");
const IMAGES_DIR = join(ROOT, "images");

const OPTIONS: OptionSpec = {
  port: {
    type: "string",
    help: `port on 127.0.0.1 (default: the first free one from ${DEFAULT_PORT}; 0: any free port)`,
    valueName: "N",
  },
  weights: {
    type: "string",
    help: "weights file (default: output.weights of the config)",
    valueName: "FILE",
  },
  config: { type: "string", help: "config file (default: config.yaml of the project)", valueName: "FILE" },
  help: { type: "boolean", short: "h", help: "show this help" },
};

async function main(): Promise<number> {
  const { values } = parseFlags(Deno.args, OPTIONS);
  if (values.help) {
    console.log(helpText(
      "deno task serve [--port N] [--weights FILE]",
      "Open a page on 127.0.0.1 to draw digits on and watch the network read them as you draw: the guess,\n" +
        "the probability of each digit, the 28×28 image it sees, its hidden layer and each pixel's push.\n" +
        "Drop a PNG on the page to read it as check does; save drawings into images/setN for check --set N.\n" +
        "Ctrl-C stops the server.",
      OPTIONS,
    ));
    return 0;
  }
  const port = _port(values.port as string | undefined);
  const config = await loadConfig(resolve((values.config as string | undefined) ?? DEFAULT_CONFIG));
  const model = await loadModel(
    resolve((values.weights as string | undefined) ?? config.output.weights),
    config.model.activation,
  );
  const reader = new LiveDigitReader(model.params, model.activation);
  const assets = await loadPageAssets();
  const token = newToken();
  const listening = startServer(
    (actual) =>
      createServeHandler({
        reader,
        model: model.line,
        token,
        port: actual,
        imagesDir: IMAGES_DIR,
        assets,
        onInternalError: (error) => console.error("error: the server failed on a request:", error),
      }),
    port ?? DEFAULT_PORT,
    port !== null,
  );
  const stop = () => void listening.server.shutdown();
  Deno.addSignalListener("SIGINT", stop);
  console.log(model.line);
  if (port === null && listening.port !== DEFAULT_PORT) {
    console.log(`port ${DEFAULT_PORT} is in use; using ${listening.port}`);
  }
  console.log(`serving ${listening.url} (Ctrl-C stops)`);
  await listening.server.finished;
  Deno.removeSignalListener("SIGINT", stop);
  reader.dispose();
  console.log("stopped");
  return 0;
}

/** --port as a number, or null when not given. */
function _port(value: string | undefined): number | null {
  if (value === undefined) return null;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new UsageError(`Cannot serve: --port is "${value}", expected a whole number from 0 to 65535`);
  }
  return Number(value);
}

if (import.meta.main) {
  await runMain(main, (error) => {
    if (error.message.startsWith("Cannot load weights") && error.message.endsWith("no such file")) {
      return 'run "deno task train" first, or pass --weights FILE';
    }
    if (error.message.startsWith("Cannot serve on") && error.message.includes("in use")) {
      return `pass another --port N, or --port 0 for any free port (without --port, ${DEFAULT_PORT} to ${
        DEFAULT_PORT + PORT_TRIES - 1
      } are tried)`;
    }
    if (error.message.endsWith(": permission denied")) {
      return "the serve task may read only the project folder: put the weights inside it";
    }
    return undefined;
  });
}
