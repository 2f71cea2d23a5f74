/**
 * How long after the end of a stroke the page of `deno task serve` shows the guess.
 *
 * Starts scripts/serve.ts with the serve task's permissions, opens the page in headless Chromium,
 * and draws the digits 0–9 with the mouse, round after round, as tests/serve_browser_test.ts does.
 * The page itself measures each stroke: from the pointerup event's timestamp to the moment the
 * guess is in the page (the PNG encoded, the server's answer received and drawn). The server's
 * own time (decoding, preprocessing, the network) comes with each answer. Prints medians, the
 * 90th percentile and the worst; the first stroke, which meets a cold server, is reported apart.
 *
 *   deno run --allow-read=.,/usr/bin/chromium --allow-write=runs --allow-run=deno,/usr/bin/chromium \
 *     --allow-net=127.0.0.1 --allow-env --allow-sys=homedir,osRelease bench/serve_latency.ts [--rounds 5]
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  CHROMIUM,
  chromiumAvailable,
  digitStrokes,
  drawOnPage,
  launchChromium,
  startServe,
} from "../tests/_serve_page.ts";

const { values } = parseArgs({ args: Deno.args, options: { rounds: { type: "string", default: "5" } } });
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(
    `error: Cannot benchmark: --rounds is "${values.rounds}", expected a whole number of at least 1`,
  );
  Deno.exit(2);
}
if (!chromiumAvailable()) {
  console.error(
    `error: Cannot benchmark: "${CHROMIUM}" is missing or not allowed; run: apt-get install -y chromium`,
  );
  Deno.exit(1);
}

const serve = await startServe();
const browser = await launchChromium();
const strokes: number[] = [];
const server: number[] = [];
let first = NaN;
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.goto(serve.url);
  for (let round = 0; round < rounds; round++) {
    for (let digit = 0; digit <= 9; digit++) {
      await page.click("#clear");
      const ms = await drawOnPage(page, digitStrokes(digit));
      const serverMs = Number(await page.locator("#latency").getAttribute("data-server-ms"));
      if (Number.isNaN(first)) first = ms.shift()!;
      strokes.push(...ms);
      server.push(serverMs);
    }
    console.error(`round ${round + 1}/${rounds}: ${strokes.length} strokes`);
  }
} finally {
  await browser.close();
  await serve.stop();
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const line = (label: string, values: number[]) =>
  console.log(
    `${label.padEnd(34)} median ${quantile(values, 0.5).toFixed(1).padStart(5)} ms   p90 ${
      quantile(values, 0.9).toFixed(1).padStart(5)
    } ms   worst ${Math.max(...values).toFixed(1).padStart(6)} ms   (${values.length})`,
  );
console.log(`stroke end to guess on the page, ${rounds} rounds of the digits 0–9 in headless Chromium`);
line("stroke end → guess shown", strokes);
line("of which the server's reading", server);
console.log(`first stroke, cold server: ${first.toFixed(1)} ms`);
