import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { PNG } from "pngjs";
import { buildCheckSheetHtml, buildReportHtml } from "../core/reports/report_html.ts";
import { checkSheetOf } from "../core/reports/check_summary.ts";
import { readRun } from "../core/reports/run_files.ts";
import { type Run } from "../core/reports/run.ts";
import { buildFixtureRun, fixtureCheck, makeScratchDir } from "./fixtures/run/fixture.ts";

/** The fixture run, built once into a temporary folder and read back. */
async function fixtureRun(): Promise<Run> {
  const dir = await makeScratchDir("report_html_test_");
  try {
    await buildFixtureRun(dir);
    return await readRun(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const RUN = await fixtureRun();

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

/** Every value of an attribute in the page. */
function attributes(html: string, name: string): string[] {
  return [...html.matchAll(new RegExp(`\\s${name}="([^"]*)"`, "g"))].map((m) => m[1]);
}

Deno.test("buildReportHtml() makes one page with every section of the run", () => {
  const html = buildReportHtml(RUN);
  assert.ok(html.startsWith('<!DOCTYPE html>\n<html lang="en">'));
  assert.ok(html.trimEnd().endsWith("</html>"));
  for (const id of ["curves", "epochs", "evaluation", "mistakes", "check", "config"]) {
    assert.equal(count(html, `<section id="${id}">`), 1, id);
  }
  assert.ok(html.includes(">Loss per epoch</text>") && html.includes(">Accuracy per epoch</text>"));
  assert.ok(html.includes(">Confusion matrix</text>") && html.includes(">Accuracy per class</text>"));
  // one table row per epoch, the best validation epoch (7) highlighted
  assert.equal(count(html, '<tr class="best"><td class="num">7</td>'), 1);
  assert.equal(count(html, '<tr><td class="num">'), 7);
  assert.ok(html.includes("97.79%"));
});

Deno.test("buildReportHtml() makes no external reference: no http(s) URL, script, stylesheet link or frame", () => {
  const html = buildReportHtml(RUN);
  assert.ok(!/https?:\/\//i.test(html), html.match(/.{40}https?:\/\/.{40}/i)?.[0] ?? "");
  assert.ok(!/<script|<link|<iframe|<object|<embed|@import|url\(/i.test(html));
  assert.ok(
    html.includes(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:;`),
  );
});

Deno.test("buildReportHtml() inlines every image as a PNG data URI that decodes", () => {
  const html = buildReportHtml(RUN);
  const sources = attributes(html, "src");
  // 12 mistakes, and 10 readable check files with two pictures each
  assert.equal(sources.length, 12 + 20);
  for (const src of sources) {
    assert.ok(src.startsWith("data:image/png;base64,"), src.slice(0, 40));
    const png = PNG.sync.read(Buffer.from(src.slice("data:image/png;base64,".length), "base64"));
    assert.ok(png.width === 84 || png.width === 96, String(png.width));
  }
  assert.deepEqual(attributes(html, "href").filter((h) => !h.startsWith("#")), []);
});

Deno.test("buildReportHtml() draws the confusion matrix inline with 100 cells adding up to the test count", () => {
  const html = buildReportHtml(RUN);
  const evaluation = html.slice(
    html.indexOf('<section id="evaluation">'),
    html.indexOf('<section id="mistakes">'),
  );
  const counts = attributes(evaluation, "data-count").map(Number);
  assert.equal(counts.length, 100);
  assert.equal(counts.reduce((a, b) => a + b, 0), 10000);
  assert.equal(count(evaluation, 'class="cm-cell"'), 100);
});

Deno.test("buildReportHtml() captions each mistake with true digit, digit read and confidence", () => {
  const html = buildReportHtml(RUN);
  assert.ok(html.includes('<b>4 → 9</b> 99.8%<br><span class="muted small">#9473</span>'));
  assert.equal(count(html, "<figure><img"), 12);
  assert.ok(html.includes('alt="test image 9473: a 4 read as 9"'));
});

Deno.test("buildReportHtml() lists every checked file: right ones green, the wrong one red, the error in words", () => {
  const html = buildReportHtml(RUN);
  assert.ok(html.includes("9 of 10 read correctly"));
  assert.equal(count(html, '<td class="read right">'), 9);
  assert.equal(count(html, '<td class="read wrong">4<div class="verdict wrong">62.1% · wrong</div>'), 1);
  assert.ok(html.includes("the first 8 bytes are not the PNG signature"));
  assert.equal(count(html, 'class="prob"'), 10 * 10);
});

Deno.test("buildReportHtml() shows the configuration as YAML and the data files with their hashes", () => {
  const html = buildReportHtml(RUN);
  assert.ok(html.includes('<pre class="yaml">data:\n  dir: data/mnist\n'));
  assert.ok(html.includes("  hidden: 128\n"));
  assert.ok(html.includes("<td><code>data/mnist/t10k-images-idx3-ubyte.gz</code></td>"));
});

Deno.test("buildReportHtml() gives the same page for the same run", () => {
  assert.equal(buildReportHtml(RUN), buildReportHtml(RUN));
});

Deno.test("buildReportHtml() escapes text from the run's files", () => {
  const html = buildReportHtml({
    ...RUN,
    name: "<img src=x onerror=alert(1)>",
    header: { ...RUN.header, config: { note: "</pre><script>alert(1)</script>" } },
  });
  assert.ok(!html.includes("<script>") && !html.includes("<img src=x"));
  assert.ok(html.includes("&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
});

Deno.test("buildReportHtml() says what is missing for a run still training", () => {
  const html = buildReportHtml({
    ...RUN,
    epochs: RUN.epochs.slice(0, 2),
    final: null,
    eval: null,
    check: null,
    mistakesPng: null,
    checkSheetPng: null,
  });
  assert.ok(html.includes("metrics.jsonl has no final record"));
  assert.ok(html.includes("<code>deno task eval</code> writes eval.json"));
  assert.ok(html.includes("<code>deno task check --set 1</code>"));
  assert.ok(html.includes('<span class="badge incomplete">incomplete</span>'));
  assert.equal(count(html, "<img"), 0);
});

Deno.test("buildReportHtml() warns when eval.json scored other weights than the run saved", () => {
  const html = buildReportHtml({ ...RUN, final: { ...RUN.final!, weights_sha256: "0".repeat(64) } });
  assert.ok(html.includes("eval.json scored different weights"));
});

Deno.test("buildReportHtml() falls back to the whole gallery when mistakes.png does not match eval.json", () => {
  const html = buildReportHtml({ ...RUN, eval: { ...RUN.eval!, mistakes: RUN.eval!.mistakes.slice(0, 5) } });
  assert.ok(html.includes("mistakes.png does not match eval.json"));
  assert.equal(count(html, 'alt="most confident mistakes"'), 1);
  assert.equal(count(html, "<figure><figcaption>"), 5);
});

Deno.test("buildCheckSheetHtml() makes a self-contained page of the check alone", async () => {
  const html = buildCheckSheetHtml(checkSheetOf(await fixtureCheck()), RUN.checkSheetPng, "demo");
  assert.ok(html.includes("<title>Check sheet demo</title>"));
  assert.equal(count(html, 'src="data:image/png;base64,'), 20);
  assert.ok(!/https?:\/\//i.test(html));
});

Deno.test("buildReportHtml() shows a check of 5,000 files as a summary and at most 400 rows, mistakes first", () => {
  const base = RUN.check!.results.find((r) => r.predicted !== null)!;
  const results = Array.from({ length: 5000 }, (_, i) => {
    const expected = i % 10, predicted = i % 50 === 0 ? (expected + 1) % 10 : expected;
    return { ...base, file: `big/${expected}_${i}.png`, expected, predicted, confidence: 0.5 + (i % 7) / 20 };
  });
  const check = { ...RUN.check!, results, correct: 4900, total: 5000 };
  const html = buildReportHtml({ ...RUN, check, checkSheetPng: null });
  const section = html.slice(html.indexOf('<section id="check">'));
  assert.ok(section.includes("4\u2009900 of 5\u2009000 read correctly")); // thin spaces group the thousands
  assert.ok(section.indexOf('class="cm-cell"') < section.indexOf("Mistakes and least confident reads"));
  assert.ok(section.includes('class="hist-bin"'));
  assert.equal(section.split('<td class="read ').length - 1, 400);
  assert.match(section, /4\u2009600 more are not shown here/);
  // the first row of the mistakes is a mistake: a file whose digit was read as the next one
  const first = section.slice(section.indexOf("Mistakes and least confident reads")).match(
    /big\/(\d)_(\d+)\.png/,
  )!;
  assert.equal(Number(first[2]) % 50, 0);
  assert.ok(html.length < 2_000_000, `${html.length} characters`);
});
