/**
 * The report in a real browser: headless Chromium (Debian's `chromium` package) driven by
 * playwright-core opens report.html from disk, as a person would, and checks what they would see.
 * A full-page screenshot is kept at runs/test-artifacts/report.png.
 *
 * Skipped when /usr/bin/chromium is missing or the test may not run it, unless CI is set: under CI
 * it must run (and fails when Chromium is missing).
 * Permissions this file needs: --allow-read=.,/usr/bin/chromium --allow-write=runs
 * --allow-run=/usr/bin/chromium --allow-env --allow-sys=homedir,osRelease. Playwright reads its PW_*
 * variables, and talks to Chromium over a pipe, so no network permission is needed; its temporary
 * browser profile goes to runs/test-artifacts/tmp (TMPDIR is pointed there for the test), so /tmp
 * is not written.
 */

import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { buildReportHtml } from "../core/reports/report_html.ts";
import { readRun } from "../core/reports/run_files.ts";
import { buildFixtureRun, TEST_ARTIFACTS_DIR } from "./fixtures/run/fixture.ts";
import { runTask, scratchDir } from "./_run_task.ts";
import { CHROMIUM, chromiumAvailable, isCi, launchChromium } from "./_chromium.ts";

Deno.test({
  name: "report.html opened from disk in Chromium loads every picture, logs no error and requests nothing",
  // outside CI, skip when Chromium is missing or not allowed to run; under CI, run and fail instead
  ignore: !chromiumAvailable() && !isCi(),
  // playwright keeps a few timers and pipes of its own alive between calls
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    assert.ok(
      chromiumAvailable(),
      `Chromium is not installed at "${CHROMIUM}" or may not run; run: apt-get install -y chromium`,
    );
    const runDir = join(TEST_ARTIFACTS_DIR, "browser-run");
    await Deno.remove(runDir, { recursive: true }).catch(() => {});
    await buildFixtureRun(runDir);
    const run = await readRun(runDir);
    const reportPath = join(runDir, "report.html");
    await Deno.writeTextFile(reportPath, buildReportHtml(run));

    // 12 mistakes + 10 readable check files × 2 pictures
    await _checkInBrowser(reportPath, {
      images: 12 + 2 * 10,
      evalCount: run.eval!.count,
      title: "MNIST run browser-run",
      screenshot: "report.png",
    });
  },
});

/** Open a report in Chromium and check what a person would see; save a full-page screenshot. */
async function _checkInBrowser(
  reportPath: string,
  expect: { images: number; evalCount: number; title: string; screenshot: string },
): Promise<void> {
  // playwright and Chromium make their temporary profile under TMPDIR: keep it inside runs/
  const tmp = join(TEST_ARTIFACTS_DIR, "tmp");
  const browser = await launchChromium(tmp);
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") {
        problems.push(`${message.type()}: ${message.text()}`);
      }
    });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    page.on("requestfailed", (request) => problems.push(`request failed: ${request.url().slice(0, 80)}`));

    const url = pathToFileURL(reportPath).href;
    await page.goto(url, { waitUntil: "load" });

    const images = await page.$$eval("img", (imgs) =>
      imgs.map((img) => ({
        src: img.getAttribute("src") ?? "",
        complete: img.complete,
        naturalWidth: img.naturalWidth,
      })));
    assert.equal(images.length, expect.images);
    for (const img of images) {
      assert.ok(
        img.src.startsWith("data:image/png;base64,"),
        `image is not inline: ${img.src.slice(0, 60)}`,
      );
      assert.ok(img.complete && img.naturalWidth > 0, `image did not load: ${img.src.slice(0, 60)}`);
    }

    const counts = await page.$$eval(
      "#evaluation svg rect.cm-cell",
      (cells) => cells.map((cell) => Number(cell.getAttribute("data-count"))),
    );
    assert.equal(counts.length, 100);
    assert.equal(counts.reduce((a, b) => a + b, 0), expect.evalCount);

    // the charts are drawn at a readable size, not collapsed
    const chartSizes = await page.$$eval("section svg", (svgs) =>
      svgs.map((svg) => {
        const box = svg.getBoundingClientRect();
        return { width: box.width, height: box.height };
      }));
    assert.ok(chartSizes.length >= 4);
    for (const size of chartSizes) assert.ok(size.width >= 150 && size.height >= 60, JSON.stringify(size));

    assert.equal((await page.textContent("h1"))?.trim(), expect.title);
    assert.deepEqual(problems, []);
    // the page itself and its data: pictures; never the network
    for (const request of requests) {
      assert.ok(
        request === url || request.startsWith("data:"),
        `unexpected request: ${request.slice(0, 80)}`,
      );
    }

    const screenshot = join(TEST_ARTIFACTS_DIR, expect.screenshot);
    await Deno.mkdir(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    assert.ok((await Deno.stat(screenshot)).size > 10_000);
  } finally {
    await browser.close();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

Deno.test({
  name: "after train, eval and check, deno task report builds a page that works in Chromium",
  ignore: !chromiumAvailable() && !isCi(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await scratchDir("report-pipeline");
    const trained = await runTask("train", [
      "--config",
      "tests/ci.yaml",
      "--quiet",
      "--set",
      "train.subset=3000",
      "--set",
      `output.weights=${dir}/weights.npz`,
      "--set",
      `output.runs_dir=${dir}/runs`,
    ]);
    assert.equal(trained.code, 0, trained.stderr);
    const runDir = `${dir}/runs/${(await Deno.readTextFile(`${dir}/runs/LATEST`)).trim()}`;
    const evaluated = await runTask("eval", [
      "--config",
      "tests/ci.yaml",
      "--weights",
      `${dir}/weights.npz`,
      "--run",
      runDir,
    ]);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    const checked = await runTask("check", [
      "--set",
      "1",
      "--weights",
      `${dir}/weights.npz`,
      "--run",
      runDir,
    ]);
    assert.equal(checked.code, 0, checked.stderr);
    const reported = await runTask("report", [runDir]);
    assert.equal(reported.code, 0, reported.stderr);
    const reportPath = reported.stdout.trim();
    assert.equal(reportPath, join(runDir, "report.html"));
    const mistakes = JSON.parse(await Deno.readTextFile(join(runDir, "eval.json"))).mistakes.length;
    await _checkInBrowser(reportPath, {
      images: mistakes + 2 * 10,
      evalCount: 10_000,
      title: `MNIST run ${runDir.split("/").at(-1)}`,
      screenshot: "report-pipeline.png",
    });
  },
});
