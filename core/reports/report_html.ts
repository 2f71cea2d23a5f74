/**
 * The run report: one self-contained HTML page with everything about a run — how it was configured,
 * how training went, how the saved weights score on the test set, which test digits fool it most,
 * and what it read in your own files.
 *
 * The page needs nothing but itself: charts are inline SVG, pictures are PNG data URIs, the style
 * is one inline `<style>`, and there is no JavaScript. A Content-Security-Policy meta tag forbids
 * every external request, so the page works opened from disk and cannot leak anything.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { Document, isScalar, isSeq, visit } from "yaml";
import { CHECK_GRID, DIGIT_GRID, splitGridPng } from "./gallery.ts";
import type { CheckItem, CheckResult, EvalResult, Run, RunEpoch } from "./run.ts";
import {
  type CheckSheet,
  checkSheetOf,
  SHEET_REST_ROWS,
  SHEET_WORST_ROWS,
  type SheetRow,
} from "./check_summary.ts";
import {
  confidenceHistogramSvg,
  confusionMatrixSvg,
  escapeXml as escapeHtml,
  perClassBarsSvg,
  probabilityBarsSvg,
  trainingCurvesSvgs,
} from "./svg_charts.ts";

const _CSS = `
:root { --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --page: #f3f4f6; --card: #ffffff;
  --blue: #2563eb; --green: #15803d; --red: #b91c1c; --amber: #b45309; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--page); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 1160px; margin: 0 auto; padding: 24px 20px 48px; }
header.top { display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px 16px; margin-bottom: 4px; }
h1 { font-size: 26px; margin: 0; }
h1 code { font-size: 22px; }
h2 { font-size: 19px; margin: 0 0 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
p { margin: 4px 0 10px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.92em; }
.muted { color: var(--muted); }
.small { font-size: 13px; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 13px; font-weight: 600;
  color: #fff; background: var(--muted); }
.badge.completed { background: var(--green); }
.badge.interrupted { background: var(--amber); }
.badge.diverged { background: var(--red); }
nav { margin: 8px 0 16px; font-size: 14px; }
nav a { color: var(--blue); text-decoration: none; margin-right: 14px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 18px 20px;
  margin: 16px 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 12px; margin: 16px 0; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; }
.card .label { font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); }
.card .value { font-size: 26px; font-weight: 650; line-height: 1.2; margin-top: 2px; }
.card .note { font-size: 12px; color: var(--muted); }
.charts { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.charts svg, figure.chart svg { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; }
figure.chart { margin: 8px 0 0; }
figure.chart figcaption { margin-top: 6px; }
table { border-collapse: collapse; font-size: 14px; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: middle; }
th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.03em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.best td { background: #eff6ff; font-weight: 600; }
.scroll { overflow-x: auto; }
pre.yaml { background: #f9fafb; border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px;
  font-size: 13px; line-height: 1.45; overflow-x: auto; margin: 0; }
.columns { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 20px; }
@media (max-width: 800px) { .columns { grid-template-columns: 1fr; } }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(104px, 1fr)); gap: 10px; }
.gallery figure { margin: 0; text-align: center; }
.gallery img { width: 84px; height: 84px; image-rendering: pixelated; border: 2px solid #dc2626; border-radius: 3px;
  display: block; margin: 0 auto; background: #000; }
.gallery figcaption { font-size: 13px; margin-top: 3px; line-height: 1.3; }
.gallery figcaption b { font-size: 15px; }
img.thumb { width: 96px; height: 96px; image-rendering: auto; border: 1px solid var(--line); border-radius: 3px;
  display: block; background: #f3f4f6; }
img.input { width: 96px; height: 96px; image-rendering: pixelated; border-radius: 3px; display: block; }
td.read { font-size: 30px; font-weight: 700; text-align: center; min-width: 56px; }
td.read.right { color: var(--green); }
td.read.wrong { color: var(--red); }
.verdict { font-size: 12px; font-weight: 600; white-space: nowrap; }
.verdict.right { color: var(--green); }
.verdict.wrong { color: var(--red); }
.error { color: var(--red); }
.warning { background: #fffbeb; border: 1px solid #fcd34d; color: #92400e; border-radius: 6px; padding: 8px 12px; }
footer { color: var(--muted); font-size: 12px; margin-top: 24px; }
`;

/** Forbid every request that does not come from the page itself: images may only be data: URIs. */
const _CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

/**
 * Build the report page of a run: summary, configuration, per-epoch table, training curves,
 * confusion matrix, per-class accuracy, the most confident mistakes, and the latest check.
 * Sections whose files are missing say so and what writes them.
 *
 * @param run A run read by readRun().
 * @returns A complete HTML document with every picture inline; the same run gives the same text.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildReportHtml } from "./report_html.ts";
 * const html = buildReportHtml({
 *   dir: "runs/demo", name: "demo", final: null, eval: null, check: null, mistakesPng: null, checkSheetPng: null,
 *   header: { type: "header", version: 1, started: "2024-01-01T00:00:00Z", deno: "2.9.6", config: { seed: 1 },
 *     config_path: "config.yaml", seed: 1, datasets: {} },
 *   epochs: [{ type: "epoch", epoch: 1, learning_rate: 0.1, train_loss: 0.4, train_accuracy: 0.9,
 *     val_loss: 0.3, val_accuracy: 0.92, seconds: 2, samples_per_second: 25000 }],
 * });
 * assert.ok(html.startsWith("<!DOCTYPE html>") && !html.includes("<script"));
 * ```
 */
export function buildReportHtml(run: Run): string {
  const title = `MNIST run ${run.name}`;
  const body: string[] = [];
  const status = run.final?.status ?? "incomplete";
  body.push(`<header class="top"><h1>MNIST run <code>${escapeHtml(run.name)}</code></h1>`);
  body.push(`<span class="badge ${escapeHtml(status)}">${escapeHtml(status)}</span></header>`);
  body.push(
    `<p class="muted small">started ${escapeHtml(run.header.started)} · Deno ${
      escapeHtml(run.header.deno)
    } · ` +
      `seed ${run.header.seed} · config <code>${escapeHtml(run.header.config_path)}</code> · folder <code>${
        escapeHtml(run.dir)
      }</code></p>`,
  );
  if (run.final === null) {
    body.push(
      `<p class="warning">metrics.jsonl has no final record: the run is still going, or it was stopped before it ` +
        `could finish. The curves show the epochs so far.</p>`,
    );
  } else if (run.final.message) {
    body.push(`<p class="warning">${escapeHtml(run.final.message)}</p>`);
  }
  body.push(
    `<nav><a href="#curves">Training</a><a href="#epochs">Epochs</a><a href="#evaluation">Test set</a>` +
      `<a href="#mistakes">Mistakes</a><a href="#check">Your digits</a><a href="#config">Configuration</a></nav>`,
  );
  body.push(_summaryCards(run));
  body.push(_curvesSection(run.epochs));
  body.push(_epochsSection(run.epochs));
  body.push(_evalSection(run));
  body.push(_mistakesSection(run.eval, run.mistakesPng));
  const check = checkOfRun(run);
  body.push(_checkSection(check && checkSheetOf(check), run.checkSheetPng, "check"));
  body.push(_configSection(run));
  body.push(
    `<footer>Built by <code>deno task report</code> from the files in <code>${
      escapeHtml(run.dir)
    }</code>. Everything on this page is inline; it makes no network request.</footer>`,
  );
  return _page(title, body.join("\n"));
}

/**
 * Build the check sheet page: for each checked file, its thumbnail, the 28 × 28 image the network
 * saw, the digit it read and the probability of every digit.
 *
 * @param check What the sheet shows of a check ({@linkcode checkSheetOf} of a whole check.json, or a
 *   CheckSheetBuilder's sheet of a streamed one).
 * @param sheetPng The check_sheet.png drawn for it (cut into the per-file pictures), or null.
 * @param tiles Those pictures already cut (two per shown file, as `gridCellPngs` makes them), so a
 *   large sheet need not be decoded again; null cuts them from `sheetPng`.
 * @param runName Shown in the title.
 * @returns A complete HTML document with every picture inline.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildCheckSheetHtml } from "./report_html.ts";
 * import { checkSheetOf } from "./check_summary.ts";
 * const html = buildCheckSheetHtml(checkSheetOf({ weights: "w.npz", source: "images/set1", correct: 0, total: 0, results: [] }),
 *   null, "demo");
 * assert.ok(html.includes("No files were checked"));
 * ```
 */
export function buildCheckSheetHtml(
  check: CheckSheet,
  sheetPng: Uint8Array | null,
  runName: string,
  tiles: readonly Uint8Array[] | null = null,
): string {
  const body = [
    `<header class="top"><h1>Check sheet <code>${escapeHtml(runName)}</code></h1></header>`,
    _checkSection(check, sheetPng, "check", tiles),
  ];
  return _page(`Check sheet ${runName}`, body.join("\n"));
}

function _page(title: string, body: string): string {
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${_CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${_CSS}</style>`,
    "</head>",
    "<body>",
    "<main>",
    body,
    "</main>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

function _summaryCards(run: Run): string {
  const cards: string[] = [];
  const card = (label: string, value: string, note = "") =>
    cards.push(
      `<div class="card"><div class="label">${escapeHtml(label)}</div><div class="value">${
        escapeHtml(value)
      }</div>${note ? `<div class="note">${escapeHtml(note)}</div>` : ""}</div>`,
    );
  const ev = run.eval;
  const testAccuracy = ev?.accuracy ?? run.final?.test_accuracy ?? null;
  const testLoss = ev ? ev.loss : run.final?.test_loss ?? null;
  card(
    "Test accuracy",
    testAccuracy === null ? "—" : _percent(testAccuracy, 2),
    ev
      ? `${_count(Math.round(ev.accuracy * ev.count))} of ${_count(ev.count)} (eval.json)`
      : "from metrics.jsonl",
  );
  card("Test loss", testLoss === null ? "—" : testLoss.toFixed(4), "mean cross-entropy");
  const best = _bestEpoch(run.epochs);
  card(
    "Best validation accuracy",
    best === null ? "—" : _percent(best.val_accuracy!, 2),
    best === null ? "no validation data" : `epoch ${best.epoch}`,
  );
  const planned = _plannedEpochs(run.header.config);
  card(
    "Epochs",
    `${run.epochs.length}${planned !== null ? ` / ${planned}` : ""}`,
    run.final?.status ?? "incomplete",
  );
  const seconds = run.final?.seconds ?? run.epochs.reduce((sum, e) => sum + e.seconds, 0);
  const speeds = run.epochs.map((e) => e.samples_per_second).filter((v): v is number => v !== null);
  card(
    "Training time",
    _duration(seconds),
    speeds.length > 0 ? `median ${_count(Math.round(_median(speeds)))} samples/s` : "",
  );
  return `<div class="cards">${cards.join("")}</div>`;
}

function _curvesSection(epochs: readonly RunEpoch[]): string {
  const out = [`<section id="curves"><h2>Training curves</h2>`];
  if (epochs.length === 0) {
    out.push(`<p class="muted">No epoch has finished yet.</p></section>`);
    return out.join("\n");
  }
  const { loss, accuracy } = trainingCurvesSvgs(epochs);
  out.push(
    `<p class="muted small">Solid blue: the training batches during the epoch. Dashed orange: the held-out ` +
      `validation images after the epoch. Validation loss rising while training loss falls means over-fitting.</p>`,
  );
  out.push(`<div class="charts">${_inlineSvg(loss)}${_inlineSvg(accuracy)}</div></section>`);
  return out.join("\n");
}

function _epochsSection(epochs: readonly RunEpoch[]): string {
  const best = _bestEpoch(epochs);
  const rows = epochs.map((e) =>
    `<tr${e === best ? ' class="best"' : ""}><td class="num">${e.epoch}</td><td class="num">${
      _num(e.learning_rate, 4)
    }</td>` +
    `<td class="num">${_maybe(e.train_loss, (v) => v.toFixed(4))}</td><td class="num">${
      _maybe(e.train_accuracy, (v) => _percent(v, 2))
    }</td>` +
    `<td class="num">${_maybe(e.val_loss, (v) => v.toFixed(4))}</td><td class="num">${
      _maybe(e.val_accuracy, (v) => _percent(v, 2))
    }</td>` +
    `<td class="num">${e.seconds.toFixed(1)}</td><td class="num">${
      _maybe(e.samples_per_second, (v) => _count(Math.round(v)))
    }</td></tr>`
  );
  return [
    `<section id="epochs"><h2>Per-epoch metrics</h2>`,
    best ? `<p class="muted small">The highlighted row has the best validation accuracy.</p>` : "",
    `<div class="scroll"><table><thead><tr><th class="num">epoch</th><th class="num">learning rate</th>` +
    `<th class="num">train loss</th><th class="num">train accuracy</th><th class="num">validation loss</th>` +
    `<th class="num">validation accuracy</th><th class="num">seconds</th><th class="num">samples/s</th></tr></thead>`,
    `<tbody>${rows.join("\n")}</tbody></table></div></section>`,
  ].join("\n");
}

function _evalSection(run: Run): string {
  const ev = run.eval;
  const out = [`<section id="evaluation"><h2>Test-set evaluation</h2>`];
  if (ev === null) {
    out.push(
      `<p class="muted">Not evaluated yet: <code>deno task eval</code> writes eval.json.</p></section>`,
    );
    return out.join("\n");
  }
  out.push(
    `<p>${_percent(ev.accuracy, 2)} of ${_count(ev.count)} test images read correctly` +
      `${ev.loss === null ? "" : `, mean loss ${ev.loss.toFixed(4)}`}. Weights <code>${
        escapeHtml(ev.weights)
      }</code> ` +
      `<span class="muted small">sha256 ${escapeHtml(ev.weights_sha256.slice(0, 16))}…</span></p>`,
  );
  const trained = run.final?.weights_sha256 ?? null;
  if (trained !== null && trained !== ev.weights_sha256) {
    out.push(
      `<p class="warning">eval.json scored different weights (sha256 ${
        escapeHtml(ev.weights_sha256.slice(0, 16))
      }…) than this run saved (${escapeHtml(trained.slice(0, 16))}…).</p>`,
    );
  }
  out.push(
    `<div class="columns"><figure class="chart">${
      _inlineSvg(confusionMatrixSvg(ev.confusion, ev.per_class.map((c) => c.name)))
    }<figcaption class="muted small">Each row is a true digit, each column the digit the network read. The blue ` +
      `diagonal counts right answers; red cells count mistakes, darker for more.</figcaption></figure>`,
  );
  out.push(
    `<figure class="chart">${
      _inlineSvg(perClassBarsSvg(ev.per_class))
    }<figcaption class="muted small">The share ` +
      `of each digit's test images read correctly, with the counts; the weakest digit is orange.</figcaption>` +
      `</figure></div></section>`,
  );
  return out.join("\n");
}

function _mistakesSection(ev: EvalResult | null, png: Uint8Array | null): string {
  const out = [`<section id="mistakes"><h2>Most confident mistakes</h2>`];
  if (ev === null) {
    out.push(
      `<p class="muted">Not evaluated yet: <code>deno task eval</code> writes mistakes.png.</p></section>`,
    );
    return out.join("\n");
  }
  if (ev.mistakes.length === 0) {
    out.push(`<p>The network read every test image correctly.</p></section>`);
    return out.join("\n");
  }
  out.push(
    `<p class="muted small">The test images the network got wrong while most sure of itself, most confident ` +
      `first, exactly as it saw them (28 × 28, white ink on black). Caption: true digit → digit read, and the ` +
      `probability it gave that wrong answer.</p>`,
  );
  const tiles = _split(png, ev.mistakes.length, DIGIT_GRID);
  if (tiles === null) {
    out.push(
      png === null
        ? `<p class="muted">mistakes.png is missing; run <code>deno task eval</code> again to draw it.</p>`
        : `<p class="muted">mistakes.png does not match eval.json (drawn for another evaluation?); shown whole.</p>` +
          `<p><img src="${_dataUri(png)}" alt="most confident mistakes" width="${
            _pngWidth(png)
          }" style="max-width:100%;height:auto"></p>`,
    );
  }
  out.push(`<div class="gallery">`);
  ev.mistakes.forEach((m, i) => {
    const trueName = ev.per_class[m.label]?.name ?? String(m.label);
    const readName = ev.per_class[m.predicted]?.name ?? String(m.predicted);
    const alt = `test image ${m.index}: a ${trueName} read as ${readName}`;
    const img = tiles
      ? `<img src="${_dataUri(tiles[i])}" width="84" height="84" alt="${escapeHtml(alt)}">`
      : "";
    out.push(
      `<figure>${img}<figcaption><b>${escapeHtml(trueName)} → ${escapeHtml(readName)}</b> ${
        _confidence(m.confidence)
      }<br><span class="muted small">#${m.index}</span></figcaption></figure>`,
    );
  });
  out.push(`</div></section>`);
  return out.join("\n");
}

/**
 * The run's check results, when they were made with the weights this run trained (their sha256s
 * match); a check of other weights, or one whose check.json names none, belongs to another model.
 *
 * @param run A run read back by readRun.
 * @returns `run.check`, or null.
 */
export function checkOfRun(run: Run): CheckResult | null {
  const trained = run.final?.weights_sha256 ?? null;
  if (run.check === null || trained === null) return null;
  return run.check.weights_sha256 === trained ? run.check : null;
}

function _checkSection(
  check: CheckSheet | null,
  png: Uint8Array | null,
  id: string,
  cut: readonly Uint8Array[] | null = null,
): string {
  const out = [`<section id="${id}"><h2>Your digits</h2>`];
  if (check === null) {
    out.push(
      `<p class="muted">No check yet: <code>deno task check --set 1</code> reads your own image files and ` +
        `writes check.json.</p></section>`,
    );
    return out.join("\n");
  }
  const s = check.summary;
  if (s.files === 0) {
    out.push(`<p class="muted">No files were checked.</p></section>`);
    return out.join("\n");
  }
  const summary = check.total > 0
    ? `${_count(check.correct)} of ${_count(check.total)} read correctly (${
      _percent(check.correct / check.total, 1)
    }; the expected digit comes from the file name).`
    : "No file name told the expected digit, so nothing is marked right or wrong.";
  out.push(
    `<p>${escapeHtml(summary)} ${_count(s.files)} files, ${_count(s.read)} read${
      s.errors ? `, <b>${_count(s.errors)} could not be read</b>` : ""
    }. Source <code>${escapeHtml(check.source)}</code>, weights <code>${
      escapeHtml(check.weights)
    }</code>.</p>`,
  );
  if (s.read > 0) {
    out.push(`<div class="charts">`);
    if (s.labelled > 0) {
      out.push(
        `<figure class="chart">${
          _inlineSvg(confusionMatrixSvg(s.confusion, DIGIT_NAMES))
        }<figcaption class="muted small">The labelled files: each row the digit the file name says, each ` +
          `column the digit read.</figcaption></figure>`,
      );
    }
    out.push(
      `<figure class="chart">${
        _inlineSvg(confidenceHistogramSvg(s.histogram))
      }<figcaption class="muted small">How sure the network was: wrong reads at high confidence are the ` +
        `worrying ones.</figcaption></figure></div>`,
    );
  }
  const rows = { worst: check.worst, rest: check.rest };
  const shown = [...rows.worst, ...rows.rest];
  const tiles = cut?.length === 2 * shown.length ? cut : _split(png, 2 * shown.length, CHECK_GRID);
  if (tiles === null && png !== null) {
    out.push(`<p class="muted">check_sheet.png does not match check.json; its pictures are left out.</p>`);
  }
  const table = (part: readonly SheetRow[], offset: number) => {
    out.push(
      `<div class="scroll"><table class="check"><thead><tr><th>file</th><th>original</th><th>network input</th>` +
        `<th class="num">expected</th><th>read as</th><th>probabilities</th></tr></thead><tbody>`,
    );
    part.forEach((row, i) => {
      const t = offset + i;
      out.push(_checkRow(row.item, tiles?.[2 * t] ?? null, tiles?.[2 * t + 1] ?? null));
    });
    out.push(`</tbody></table></div>`);
  };
  const explain =
    `<p class="muted small">Each row: the file as drawn (shrunk), the 28 × 28 image the network ` +
    `saw after preprocessing, the digit it read, and its probability for every digit (the chosen bar is green ` +
    `when right, red when wrong; the expected digit is underlined).</p>`;
  if (rows.worst.length === 0) { // every read file fits: all of them, in file order
    out.push(explain);
    table(shown, 0);
  } else {
    out.push(
      `<h3>Mistakes and least confident reads</h3>`,
      `<p class="muted small">Every mistake, the most confident first, then the reads the network was least ` +
        `sure of; at most ${_count(SHEET_WORST_ROWS)} rows.</p>`,
      explain,
    );
    table(rows.worst, 0);
    const hidden = s.read - shown.length;
    out.push(
      `<h3>The rest</h3>`,
      `<p class="muted small">The first ${_count(rows.rest.length)} other files in order; ${
        _count(hidden)
      } more are not shown here (at most ${
        _count(SHEET_WORST_ROWS + SHEET_REST_ROWS)
      } files get pictures). ` +
        `check.json lists every file.</p>`,
    );
    table(rows.rest, rows.worst.length);
  }
  if (s.errors > 0) {
    out.push(
      `<h3>Files that could not be read</h3><div class="scroll"><table class="check"><thead><tr><th>file</th>` +
        `<th>why</th></tr></thead><tbody>`,
    );
    for (const r of check.unread) {
      out.push(
        `<tr><td><code>${escapeHtml(r.file)}</code></td><td class="error">${
          escapeHtml(r.error ?? "no prediction")
        }</td></tr>`,
      );
    }
    out.push(`</tbody></table></div>`);
    if (s.errors > check.unread.length) {
      out.push(
        `<p class="muted small">and ${
          _count(s.errors - check.unread.length)
        } more; check.json lists them all.</p>`,
      );
    }
  }
  out.push(`</section>`);
  return out.join("\n");
}

const DIGIT_NAMES = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

function _checkRow(r: CheckItem, thumb: Uint8Array | null, input: Uint8Array | null): string {
  const file = `<td><code>${escapeHtml(r.file)}</code></td>`;
  if (r.error !== null || r.predicted === null || r.probabilities === null) {
    return `<tr>${file}<td colspan="5" class="error">${escapeHtml(r.error ?? "no prediction")}</td></tr>`;
  }
  const verdict = r.expected === null ? "" : r.expected === r.predicted ? "right" : "wrong";
  const img = (bytes: Uint8Array | null, cls: string, size: number, alt: string) =>
    bytes === null
      ? `<td class="muted small">—</td>`
      : `<td><img class="${cls}" src="${_dataUri(bytes)}" width="${size}" height="${size}" alt="${
        escapeHtml(alt)
      }"></td>`;
  const confidence = r.confidence ?? r.probabilities[r.predicted];
  return `<tr>${file}${img(thumb, "thumb", 96, `${r.file} as drawn`)}${
    img(input, "input", 96, `${r.file} as the network saw it`)
  }` +
    `<td class="num">${r.expected ?? "—"}</td>` +
    `<td class="read ${verdict}">${r.predicted}<div class="verdict ${verdict}">${_confidence(confidence)}${
      verdict ? ` · ${verdict}` : ""
    }</div></td>` +
    `<td>${
      _inlineSvg(probabilityBarsSvg(r.probabilities, { predicted: r.predicted, expected: r.expected }))
    }</td></tr>`;
}

function _configSection(run: Run): string {
  const datasets = Object.entries(run.header.datasets).map(([name, d]) =>
    `<tr><td>${escapeHtml(name)}</td><td><code>${escapeHtml(d.path)}</code></td><td><code title="${
      escapeHtml(d.sha256)
    }">${escapeHtml(d.sha256.slice(0, 16))}…</code></td></tr>`
  );
  return [
    `<section id="config"><h2>Configuration</h2>`,
    `<p class="muted small">The effective configuration of the run (after defaults and command-line overrides), ` +
    `from the header of metrics.jsonl.</p>`,
    `<pre class="yaml">${escapeHtml(_yaml(run.header.config))}</pre>`,
    datasets.length > 0
      ? `<h3>Data files</h3><div class="scroll"><table><thead><tr><th>dataset</th><th>path</th><th>sha256</th></tr>` +
        `</thead><tbody>${datasets.join("")}</tbody></table></div>`
      : "",
    `</section>`,
  ].join("\n");
}

/** YAML of the configuration; a list of plain values stays on one line, e.g. `class_names: [ "0", "1" ]`. */
function _yaml(config: Record<string, unknown>): string {
  const doc = new Document(config);
  visit(doc, {
    Seq(_, node) {
      if (isSeq(node) && node.items.every(isScalar)) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 100 }).trimEnd();
}

/** An SVG document ready to sit inside HTML: the XML namespace is implied there. */
function _inlineSvg(svg: string): string {
  return svg.replaceAll(' xmlns="http://www.w3.org/2000/svg"', "").trim();
}

function _split(png: Uint8Array | null, count: number, grid: typeof DIGIT_GRID): Uint8Array[] | null {
  if (png === null) return null;
  try {
    return splitGridPng(png, count, grid);
  } catch {
    return null;
  }
}

function _dataUri(png: Uint8Array): string {
  return `data:image/png;base64,${
    Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString("base64")
  }`;
}

/** Width from a PNG's IHDR chunk (bytes 16–19), for the img width attribute. */
function _pngWidth(png: Uint8Array): number {
  return png.length >= 24 ? new DataView(png.buffer, png.byteOffset).getUint32(16) : 0;
}

function _bestEpoch(epochs: readonly RunEpoch[]): RunEpoch | null {
  let best: RunEpoch | null = null;
  for (const e of epochs) {
    if (e.val_accuracy !== null && (best === null || e.val_accuracy > best.val_accuracy!)) best = e;
  }
  return best;
}

function _plannedEpochs(config: Record<string, unknown>): number | null {
  const train = config.train;
  if (train === null || typeof train !== "object") return null;
  const epochs = (train as Record<string, unknown>).epochs;
  return Number.isSafeInteger(epochs) ? epochs as number : null;
}

function _median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function _maybe(v: number | null, format: (v: number) => string): string {
  return v === null ? `<span class="muted">—</span>` : format(v);
}

function _percent(v: number, decimals: number): string {
  return `${(v * 100).toFixed(decimals)}%`;
}

/** A probability as a percentage with one decimal, rounded down so that 0.9996 does not read 100.0%. */
function _confidence(p: number): string {
  return `${(Math.floor(p * 1000 + 1e-9) / 10).toFixed(1)}%`;
}

function _num(v: number, significant: number): string {
  return String(Number(v.toPrecision(significant)));
}

/** An integer with thin spaces between thousands, the same in every locale. */
function _count(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "\u2009");
}

function _duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60), s = Math.round(seconds % 60);
  if (m < 60) return `${m} min ${s} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
