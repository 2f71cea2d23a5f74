/// <reference lib="dom" />
/**
 * The page of `deno task serve` in a real browser: headless Chromium (Debian's `chromium` package)
 * driven by playwright-core, as tests/report_browser_test.ts drives it. The server is the task's
 * own script with the task's permissions; the digits are drawn with the mouse as polylines of the
 * project's pen paths (core/digits/draw_digits.ts). A screenshot is kept at
 * runs/test-artifacts/serve.png (docs/serve.png is a copy of it).
 *
 * Skipped when /usr/bin/chromium is missing or the test may not run it, unless CI is set: under CI
 * it must run (and fails when Chromium is missing).
 * Permissions this file needs: --allow-read=.,/usr/bin/chromium --allow-write=runs,images
 * --allow-run=deno,/usr/bin/chromium --allow-net=127.0.0.1 --allow-env --allow-sys=homedir,osRelease.
 * It writes one new set, images/setN for the first free N from 900, and removes it afterwards.
 */

import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import type { Page } from "playwright-core";
import { ROOT, runTask, scratchDir } from "./_run_task.ts";
import {
  CHROMIUM,
  chromiumAvailable,
  digitStrokes,
  drawOnPage,
  isCi,
  launchChromium,
  startServe,
} from "./_serve_page.ts";

const SCREENSHOT = join(ROOT, "runs", "test-artifacts", "serve.png");
const ignore = !chromiumAvailable() && !isCi();

/** What the result panel shows. */
async function shown(page: Page) {
  return await page.evaluate(() => {
    const text = (selector: string) => document.querySelector(selector)!.textContent!.trim();
    // the canvases hold pixels that are not black (the input) or not white (the heat map)
    const inked = (selector: string, blank: number) => {
      const canvas = document.querySelector<HTMLCanvasElement>(selector)!;
      // read a copy, once, so the page's own canvas is never read back (Chromium warns when it is, often)
      const copy = document.createElement("canvas");
      copy.width = canvas.width;
      copy.height = canvas.height;
      const context = copy.getContext("2d", { willReadFrequently: true })!;
      context.drawImage(canvas, 0, 0);
      const data = context.getImageData(0, 0, copy.width, copy.height).data;
      let count = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] > 0 && [0, 1, 2].some((c) => Math.abs(data[i + c] - blank) > 8)) count++;
      }
      return count;
    };
    const seen = document.querySelector<HTMLCanvasElement>("#seen")!;
    const bars = [...document.querySelectorAll<HTMLElement>(".bar")];
    return {
      state: document.querySelector<HTMLElement>("#result")!.dataset.state,
      guess: text("#guess"),
      status: text("#status"),
      confidence: text("#confidence"),
      bars: bars.map((bar) => ({
        digit: Number(bar.dataset.digit),
        width: parseFloat(bar.querySelector<HTMLElement>(".fill")!.style.width || "0"),
        top: bar.classList.contains("top"),
        visible: bar.getBoundingClientRect().height > 0,
      })),
      seenPixels: inked("#seen", 0),
      seenSize: [seen.width, seen.height, seen.getBoundingClientRect().width],
      pushPixels: inked("#push", 255),
      hiddenGrids: [...document.querySelectorAll<HTMLCanvasElement>("#hidden canvas")].map((
        c,
      ) => [c.width, c.height]),
      saveDisabled: [...document.querySelectorAll<HTMLButtonElement>("#save-digits button")].every((b) =>
        b.disabled
      ),
    };
  });
}

async function expectBlank(page: Page): Promise<void> {
  const view = await shown(page);
  assert.equal(view.state, "blank");
  assert.equal(view.guess, "", "a blank canvas gets no guess");
  assert.equal(view.status, "draw a digit");
  assert.equal(view.confidence, "");
  assert.ok(view.bars.every((bar) => bar.width === 0 && !bar.top));
  assert.equal(view.seenPixels, 0);
  assert.ok(view.saveDisabled, "nothing to save");
}

/** The first set number from 900 whose folder does not exist. */
async function freeSet(): Promise<number> {
  for (let n = 900;; n++) {
    try {
      await Deno.stat(join(ROOT, "images", `set${n}`));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return n;
      throw error;
    }
  }
}

Deno.test({
  name:
    "the serve page in Chromium reads the digits 0–9 drawn with the mouse, shows the 28×28 input, the bars and the inside, saves a set that check reads, and logs no error",
  ignore,
  // playwright keeps a few timers and pipes of its own alive between calls
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    assert.ok(
      chromiumAvailable(),
      `Chromium is not installed at "${CHROMIUM}" or may not run; run: apt-get install -y chromium`,
    );
    const serve = await startServe();
    const browser = await launchChromium();
    const set = await freeSet();
    const setDir = join(ROOT, "images", `set${set}`);
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 940 } });
      const problems: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error" || message.type() === "warning") {
          problems.push(`${message.type()}: ${message.text()}`);
        }
      });
      page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
      const requests: string[] = [];
      page.on("request", (request) => requests.push(request.url()));
      await page.goto(serve.url, { waitUntil: "load" });

      assert.match(
        (await page.textContent("#model"))!,
        /^model weights\.npz \(sha256 [0-9a-f]{12}…, layers 784-256-10 relu, seed 42, test accuracy \d+\.\d\d%\)$/,
      );
      await expectBlank(page);

      for (let digit = 0; digit <= 9; digit++) {
        await page.click("#clear");
        await expectBlank(page);
        await drawOnPage(page, digitStrokes(digit));
        const view = await shown(page);
        assert.equal(view.state, "guess", `${digit}: ${view.status}`);
        assert.equal(
          view.guess,
          String(digit),
          `drew ${digit}, the page reads ${view.guess} (${view.confidence})`,
        );
        assert.match(view.confidence, /^\d+\.\d% sure$/);
        assert.deepEqual(view.bars.map((bar) => bar.digit), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert.ok(view.bars.every((bar) => bar.visible));
        assert.deepEqual(view.bars.filter((bar) => bar.top).map((bar) => bar.digit), [digit]);
        const total = view.bars.reduce((sum, bar) => sum + bar.width, 0);
        assert.ok(Math.abs(total - 100) < 1, `the bars add up to ${total}%`);
        assert.deepEqual(view.seenSize, [28, 28, 224], "the 28×28 input, enlarged 8 times");
        assert.ok(view.seenPixels > 40, `the input shows ${view.seenPixels} inked pixels`);
        assert.ok(view.pushPixels > 40, `the heat map shows ${view.pushPixels} pixels`);
        assert.deepEqual(view.hiddenGrids, [[16, 16]], "256 hidden units as a 16×16 grid");
        assert.ok(!view.saveDisabled);
        assert.match((await page.getAttribute("#latency", "data-ms"))!, /^\d+\.\d\d$/);
      }

      // while a stroke is being drawn, the guess comes before the pen is lifted
      await page.click("#clear");
      const strokesEnded = await page.getAttribute("#result", "data-stroke");
      const box = (await page.locator("#pad").boundingBox())!;
      const [seven] = digitStrokes(7);
      await page.mouse.move(box.x + seven[0][0], box.y + seven[0][1]);
      await page.mouse.down();
      for (const [x, y] of seven) await page.mouse.move(box.x + x, box.y + y);
      await page.waitForFunction(() =>
        document.querySelector("#result")!.getAttribute("data-state") === "guess"
      );
      assert.equal(await page.getAttribute("#result", "data-stroke"), strokesEnded, "the pen is still down");
      assert.equal(await page.textContent("#guess"), "7");
      await page.mouse.up();

      // undo takes strokes back one by one, down to no guess
      await page.click("#clear");
      await drawOnPage(page, digitStrokes(4));
      await page.click("#undo");
      await page.waitForFunction(() =>
        document.querySelector("#result")!.getAttribute("data-state") === "guess"
      );
      await page.click("#undo");
      await page.waitForFunction(() =>
        document.querySelector("#result")!.getAttribute("data-state") === "blank"
      );
      await expectBlank(page);

      // a screenshot for the README: a 5, with everything it shows
      await page.click("#clear");
      await drawOnPage(page, digitStrokes(5));
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      assert.ok((await Deno.stat(SCREENSHOT)).size > 20_000);

      // save into a new set, then deno task check --set N reads it back
      await page.fill("#set", String(set));
      const saves: [number, string][] = [[3, "3.png"], [7, "7.png"], [3, "3_b.png"]];
      for (const [digit, file] of saves) {
        await page.click("#clear");
        await drawOnPage(page, digitStrokes(digit, 170 + 10 * file.length));
        await page.click(`#save-digits button[data-digit="${digit}"]`);
        await page.waitForFunction(() =>
          document.querySelector("#saved")!.getAttribute("data-state") !== null &&
          !document.querySelector("#saved")!.textContent!.startsWith("saving")
        );
        assert.equal(
          await page.textContent("#saved"),
          `saved images/set${set}/${file}; read the set with deno task check --set ${set}`,
        );
        await page.evaluate(() => document.querySelector("#saved")!.removeAttribute("data-state"));
      }
      const checked = await runTask("check", [
        "--set",
        String(set),
        "--run",
        await scratchDir("serve-check"),
      ]);
      assert.equal(checked.code, 0, checked.stderr);
      for (const [digit, file] of saves) {
        assert.match(
          checked.stdout,
          new RegExp(`^images/set${set}/${file.replace(".", "\\.")}\\s+${digit}\\s+${digit} ✓`, "m"),
        );
      }
      assert.match(checked.stdout, /^accuracy 3\/3 \(100\.0%\)$/m);

      // a PNG file chosen or dropped is read as check reads it: the same guess and confidence
      const file = join(ROOT, "images", "set2", "6.png");
      const byCheck = await runTask("check", [
        "--file",
        file,
        "--json",
        "--run",
        await scratchDir("serve-file"),
      ]);
      assert.equal(byCheck.code, 0, byCheck.stderr);
      const expected = JSON.parse(byCheck.stdout).results[0];
      await page.setInputFiles("#file", file);
      await page.waitForFunction(() => document.querySelector("#status")!.textContent!.includes("6.png"));
      let view = await shown(page);
      assert.equal(view.guess, String(expected.predicted));
      assert.equal(view.confidence, `${(expected.confidence * 100).toFixed(1)}% sure`);
      assert.equal(view.status, "the network reads 6.png as");
      assert.ok(view.saveDisabled, "a file is not saved as a drawing");
      const bytes = [...await Deno.readFile(join(ROOT, "images", "set3", "2.png"))];
      const dropped = await page.evaluateHandle((bytes) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], "dropped_2.png", { type: "image/png" }));
        return transfer;
      }, bytes);
      await page.dispatchEvent("#pad-frame", "drop", { dataTransfer: dropped });
      await page.waitForFunction(() =>
        document.querySelector("#status")!.textContent!.includes("dropped_2.png")
      );
      view = await shown(page);
      assert.equal(view.guess, "2");

      // drawing again replaces the file
      await drawOnPage(page, digitStrokes(1));
      assert.equal((await shown(page)).guess, "1");

      assert.deepEqual(problems, []);

      // a file that is no image gets check's own message (and the browser logs the 422 answer)
      const notes = join(await scratchDir("serve-notes"), "notes.png");
      await Deno.writeTextFile(notes, "my shopping list");
      const checkedNotes =
        JSON.parse((await runTask("check", ["--file", notes, "--json", "--run", dirname(notes)])).stdout)
          .results[0];
      await page.setInputFiles("#file", notes);
      await page.waitForFunction(() =>
        document.querySelector("#result")!.getAttribute("data-state") === "error"
      );
      assert.equal(
        await page.textContent("#status"),
        checkedNotes.error.replace(checkedNotes.file, "notes.png"),
      );
      assert.match(
        (await page.textContent("#status"))!,
        /^Cannot read image "notes\.png": not a PNG or JPEG file/,
      );
      assert.deepEqual(problems, [
        "error: Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)",
      ]);

      // everything came from the server: no CDN, no other host
      const origin = serve.url.slice(0, -1);
      for (const request of requests) {
        assert.ok(
          request.startsWith(origin) || request.startsWith("data:"),
          `unexpected request: ${request}`,
        );
      }
    } finally {
      // Ctrl-C while the page is still open (its connection kept alive) stops the server cleanly
      const stopped = await serve.stop();
      await browser.close();
      await Deno.remove(setDir, { recursive: true }).catch(() => {});
      assert.equal(stopped.code, 0, stopped.stderr);
      assert.match(stopped.stdout, /\nstopped\n$/);
    }
  },
});
