/**
 * Drive `deno task serve` as a person would: start the task's script with exactly the task's
 * permissions, open its page in headless Chromium (Debian's `chromium`, through playwright-core,
 * as tests/report_browser_test.ts does), and draw digits on the canvas with the mouse.
 *
 * Used by tests/serve_browser_test.ts and bench/serve_latency.ts, so the benchmark draws what the
 * test draws. Needs --allow-run=deno,/usr/bin/chromium, --allow-net=127.0.0.1 (to ask the server
 * directly), --allow-read, --allow-write=runs, --allow-env and --allow-sys=homedir,osRelease.
 */

import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { DIGIT_PATHS } from "../core/digits/draw_digits.ts";
import { CANVAS_SIDE } from "../core/serve/protocol.ts";
import { ROOT, taskFlags, taskScript } from "./_run_task.ts";
import { launchChromium as launchBrowser } from "./_chromium.ts";

export { CHROMIUM, chromiumAvailable, isCi } from "./_chromium.ts";

/** Where Chromium's temporary profile goes (TMPDIR), inside runs/, so /tmp is not written. */
const BROWSER_TMP = join(ROOT, "runs", "test-artifacts", "serve-tmp");

/** A running `deno task serve`. */
export interface ServeProcess {
  /** The page's address, as the server printed it. */
  readonly url: string;
  /** Everything printed on stdout up to "serving …". */
  readonly banner: string;
  /** Send Ctrl-C (SIGINT) and wait: the exit code and the rest of the output. */
  stop(): Promise<{ code: number; stdout: string; stderr: string }>;
}

/**
 * Start scripts/serve.ts as `deno task serve` would, with the task's permissions, on a free port
 * (--port 0 unless args say otherwise), and wait for its "serving URL" line.
 */
export async function startServe(args: string[] = ["--port", "0"]): Promise<ServeProcess> {
  const child = new Deno.Command("deno", {
    args: ["run", ...taskFlags("serve"), taskScript("serve"), ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const decoder = new TextDecoder();
  const out = child.stdout.getReader();
  let stdout = "";
  const stderrText = new Response(child.stderr).text();
  while (!/serving (\S+)/.test(stdout)) {
    const { done, value } = await out.read();
    if (done) {
      const status = await child.status;
      throw new Error(`serve exited with ${status.code} before serving:\n${stdout}${await stderrText}`);
    }
    stdout += decoder.decode(value, { stream: true });
  }
  const url = /serving (\S+)/.exec(stdout)![1];
  const banner = stdout;
  return {
    url,
    banner,
    async stop() {
      child.kill("SIGINT");
      while (true) {
        const { done, value } = await out.read();
        if (done) break;
        stdout += decoder.decode(value, { stream: true });
      }
      const status = await child.status;
      return { code: status.code, stdout, stderr: await stderrText };
    },
  };
}

/** Launch headless Chromium with its temporary profile under runs/; close it with `browser.close()`. */
export function launchChromium(): Promise<Browser> {
  return launchBrowser(BROWSER_TMP);
}

type Point = [number, number];

/**
 * The strokes of a digit, as canvas points: the project's own pen paths (core/digits/draw_digits.ts
 * DIGIT_PATHS, without the seeded hand's jitter) in a box `height` tall and 0.7 as wide, centred
 * at (cx, cy) of the canvas. Curves are cut into 12 segments each.
 */
export function digitStrokes(
  digit: number,
  height = 190,
  cx = CANVAS_SIDE / 2,
  cy = CANVAS_SIDE / 2,
): Point[][] {
  const width = 0.7 * height;
  const toCanvas = ([u, v]: Point): Point => [cx + (u - 0.5) * width, cy + (v - 0.5) * height];
  return DIGIT_PATHS[digit].map((path) => _flatten(path).map(toCanvas));
}

/** Points along an M/L/C path in the unit box. */
function _flatten(path: string): Point[] {
  const tokens = path.trim().split(/\s+/);
  const points: Point[] = [];
  let i = 0;
  const read = (): Point => [Number(tokens[i++]), Number(tokens[i++])];
  while (i < tokens.length) {
    const op = tokens[i++];
    if (op === "M" || op === "L") {
      points.push(read());
      continue;
    }
    const p0 = points[points.length - 1], p1 = read(), p2 = read(), p3 = read();
    for (let s = 1; s <= 12; s++) {
      const t = s / 12, m = 1 - t;
      // cubic Bézier: m³ p0 + 3 m² t p1 + 3 m t² p2 + t³ p3
      const a = m * m * m, b = 3 * m * m * t, c = 3 * m * t * t, d = t * t * t;
      points.push([
        a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0],
        a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1],
      ]);
    }
  }
  return points;
}

/**
 * Draw strokes on the page's canvas with the mouse (pointer events, as a person's mouse makes),
 * and wait after each stroke for the page to show the reading of that stroke's end.
 *
 * @returns The page's own measure for each stroke: ms from the stroke's end to the guess shown.
 */
export async function drawOnPage(page: Page, strokes: Point[][]): Promise<number[]> {
  const box = (await page.locator("#pad").boundingBox())!;
  const scale = box.width / CANVAS_SIDE;
  const at = ([x, y]: Point): Point => [box.x + x * scale, box.y + y * scale];
  const latencies: number[] = [];
  for (const stroke of strokes) {
    const before = Number(await page.locator("#result").getAttribute("data-stroke") ?? "0");
    await page.mouse.move(...at(stroke[0]));
    await page.mouse.down();
    for (const point of stroke.slice(1)) await page.mouse.move(...at(point));
    await page.mouse.up();
    await page.waitForSelector(`#result[data-stroke="${before + 1}"]`);
    latencies.push(Number(await page.locator("#latency").getAttribute("data-ms")));
  }
  return latencies;
}
