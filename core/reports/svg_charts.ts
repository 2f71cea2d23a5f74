/**
 * Charts as SVG text: training curves, the confusion matrix, per-class accuracy and the small
 * probability bars of the check sheet.
 *
 * Every function is pure and deterministic: the same input gives the same bytes. Output uses only
 * SVG elements with presentation attributes and a generic system font: no scripts, no external
 * fonts or images, so a chart works as a standalone `.svg` file and inline in an HTML page.
 * Text from the caller (titles, class names) is escaped.
 *
 * @module
 */

import { LimitError, ShapeError } from "../base/errors.ts";

/** One line of a line chart: a name for the legend and one value per x position. */
export interface ChartSeries {
  /** Shown in the legend. */
  readonly name: string;
  /** One value per x; null, NaN and ±Infinity leave a gap in the line (e.g. a diverged epoch). */
  readonly values: readonly (number | null)[];
}

/** Titles, axes and value range of {@linkcode lineChartSvg}. */
export interface LineChartOptions {
  /** Shown above the plot. */
  readonly title: string;
  /** Label under the x axis. */
  readonly xLabel: string;
  /** Label beside the y axis. */
  readonly yLabel: string;
  /** Show y values as percentages (0.97 → "97%"). Default false. */
  readonly percent?: boolean;
  /** Start the y axis at zero (or lower) whatever the data. Default false. */
  readonly includeZero?: boolean;
  /** Never extend the y axis above this value (e.g. 1 for accuracies). */
  readonly yCeiling?: number;
  /** Width in pixels. Default 520. */
  readonly width?: number;
  /** Height in pixels. Default 320. */
  readonly height?: number;
}

/** The counts of one class, as in eval.json's `per_class`. */
export interface ClassCount {
  /** Shown beside the bar, e.g. "7". */
  readonly name: string;
  /** Test images of this class read correctly. */
  readonly correct: number;
  /** Test images of this class. */
  readonly total: number;
}

/** Which bars of {@linkcode probabilityBarsSvg} to colour. */
export interface ProbabilityBarsOptions {
  /** The class the network chose; its bar is coloured. Default: the most probable class. */
  readonly predicted?: number;
  /** The class the file should show, when known: its label is underlined, and the chosen bar is
   * green when it matches, red when it does not. */
  readonly expected?: number | null;
}

/** The values of one epoch that {@linkcode trainingCurvesSvgs} plots, as in metrics.jsonl. */
export interface EpochPoint {
  readonly epoch: number;
  readonly train_loss: number | null;
  readonly train_accuracy: number | null;
  readonly val_loss: number | null;
  readonly val_accuracy: number | null;
}

/** Line colours, one per series in order: blue, orange, green, purple. */
const _PALETTE = ["#2563eb", "#ea580c", "#16a34a", "#9333ea"] as const;
/** Dash patterns, one per series, so the lines differ without colour too. */
const _DASHES = ["", "7 4", "2 3", "10 3 2 3"] as const;
const _FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
const _INK = "#1f2937";
const _MUTED = "#6b7280";
const _GRID = "#e5e7eb";
/** A probability sum may be off by rounding; values above 1 by more than this are rejected. */
const _PROBABILITY_SLACK = 1e-3;

/**
 * Draw a line chart of one or more series over shared x values, with axes, ticks, tick labels,
 * a legend and a title. The y axis is fitted to the data with round tick values.
 *
 * @param x The x positions (e.g. epoch numbers), finite and strictly increasing.
 * @param series The lines; each has one value per x position.
 * @param options Title, axis labels and range settings.
 * @returns A standalone SVG document.
 * @throws {ShapeError} When there is no series or a series has a different length than `x`.
 * @throws {LimitError} When an x value is not finite or the x values do not increase.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lineChartSvg } from "./svg_charts.ts";
 * const svg = lineChartSvg([1, 2, 3], [
 *   { name: "train", values: [0.9, 0.5, 0.3] },
 *   { name: "validation", values: [0.8, 0.6, 0.5] },
 * ], { title: "Loss", xLabel: "epoch", yLabel: "loss", includeZero: true });
 * assert.ok(svg.startsWith("<svg") && svg.includes(">validation</text>"));
 * ```
 */
export function lineChartSvg(
  x: readonly number[],
  series: readonly ChartSeries[],
  options: LineChartOptions,
): string {
  if (series.length === 0) throw new ShapeError(`Cannot draw chart "${options.title}": no series given`);
  for (const s of series) {
    if (s.values.length !== x.length) {
      throw new ShapeError(
        `Cannot draw chart "${options.title}": series "${s.name}" has ${s.values.length} values, expected ${x.length}`,
      );
    }
  }
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      throw new LimitError(
        `Cannot draw chart "${options.title}": x value ${i} is ${x[i]}, expected a finite number`,
      );
    }
    if (i > 0 && x[i] <= x[i - 1]) {
      throw new LimitError(
        `Cannot draw chart "${options.title}": x values must increase, but ${x[i]} follows ${x[i - 1]}`,
      );
    }
  }
  const width = options.width ?? 520, height = options.height ?? 320;
  const left = 64, right = 18, top = 58, bottom = 50;
  const plotW = width - left - right, plotH = height - top - bottom;

  const finite = series.flatMap((s) => s.values.filter(_isFiniteNumber));
  const yAxis = _niceAxis(finite, options);
  const xMin = x.length > 0 ? x[0] : 0, xMax = x.length > 0 ? x[x.length - 1] : 1;
  const xPad = xMax === xMin ? 0.5 : 0;
  const xLo = xMin - xPad, xHi = xMax + xPad;
  const px = (v: number) => left + (v - xLo) / (xHi - xLo) * plotW;
  const py = (v: number) => top + plotH - (v - yAxis.lo) / (yAxis.hi - yAxis.lo) * plotH;
  const yText = (v: number) =>
    options.percent ? `${_fixed(v * 100, yAxis.percentDecimals)}%` : _fixed(v, yAxis.decimals);

  const out: string[] = [];
  out.push(_svgOpen(width, height, options.title));
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(_text(left - 52, 24, options.title, { size: 15, weight: "600" }));

  // y grid, ticks and labels
  out.push(`<g class="y-axis" font-size="11" fill="${_MUTED}">`);
  for (const t of yAxis.ticks) {
    const y = _n(py(t));
    out.push(`<line x1="${left}" y1="${y}" x2="${left + plotW}" y2="${y}" stroke="${_GRID}"/>`);
    out.push(`<line x1="${left - 4}" y1="${y}" x2="${left}" y2="${y}" stroke="${_MUTED}"/>`);
    out.push(_text(left - 7, py(t) + 4, yText(t), { anchor: "end" }));
  }
  out.push("</g>");

  // x ticks: whole numbers, at most about ten of them
  out.push(`<g class="x-axis" font-size="11" fill="${_MUTED}">`);
  for (const t of _xTicks(xMin, xMax)) {
    const xx = _n(px(t));
    out.push(`<line x1="${xx}" y1="${top + plotH}" x2="${xx}" y2="${top + plotH + 4}" stroke="${_MUTED}"/>`);
    out.push(_text(px(t), top + plotH + 17, String(t), { anchor: "middle" }));
  }
  out.push("</g>");

  out.push(
    `<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#9ca3af"/>`,
  );
  out.push(_text(left + plotW / 2, height - 10, options.xLabel, { anchor: "middle", size: 12, fill: _INK }));
  out.push(
    `<text x="0" y="0" transform="translate(15 ${_n(top + plotH / 2)}) rotate(-90)" text-anchor="middle" ` +
      `font-size="12" fill="${_INK}">${escapeXml(options.yLabel)}</text>`,
  );

  if (finite.length === 0) {
    out.push(
      _text(left + plotW / 2, top + plotH / 2, "no data", { anchor: "middle", size: 13, fill: _MUTED }),
    );
  }

  // the lines: one polyline per unbroken run of finite values, a dot on every point
  series.forEach((s, k) => {
    const color = _PALETTE[k % _PALETTE.length], dash = _DASHES[k % _DASHES.length];
    out.push(`<g class="series" data-series="${escapeXml(s.name)}">`);
    let run: string[] = [];
    const flush = () => {
      if (run.length > 1) {
        out.push(
          `<polyline points="${run.join(" ")}" fill="none" stroke="${color}" stroke-width="2"` +
            `${dash ? ` stroke-dasharray="${dash}"` : ""} stroke-linejoin="round"/>`,
        );
      }
      run = [];
    };
    s.values.forEach((v, i) => {
      if (_isFiniteNumber(v)) run.push(`${_n(px(x[i]))},${_n(py(v))}`);
      else flush();
    });
    flush();
    if (x.length <= 60) {
      s.values.forEach((v, i) => {
        if (!_isFiniteNumber(v)) return;
        out.push(
          `<circle cx="${_n(px(x[i]))}" cy="${_n(py(v))}" r="2.8" fill="${color}">` +
            `<title>${
              escapeXml(`${s.name}, ${options.xLabel} ${x[i]}: ${_tooltip(v, options.percent)}`)
            }</title></circle>`,
        );
      });
    }
    out.push("</g>");
  });

  // legend, in a row under the title
  out.push(`<g class="legend" font-size="12" fill="${_INK}">`);
  let lx = left;
  series.forEach((s, k) => {
    const color = _PALETTE[k % _PALETTE.length], dash = _DASHES[k % _DASHES.length];
    out.push(
      `<line x1="${lx}" y1="42" x2="${lx + 24}" y2="42" stroke="${color}" stroke-width="2.5"` +
        `${dash ? ` stroke-dasharray="${dash}"` : ""}/>`,
    );
    out.push(_text(lx + 30, 46, s.name));
    lx += 30 + _textWidth(s.name, 12) + 22;
  });
  out.push("</g>");
  out.push("</svg>");
  return out.join("\n") + "\n";
}

/**
 * Draw the loss chart and the accuracy chart of a training run: train against validation, per epoch.
 *
 * @param epochs The epoch records of metrics.jsonl, in order.
 * @returns The two charts as standalone SVG documents.
 * @throws {LimitError} When the epoch numbers do not increase.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { trainingCurvesSvgs } from "./svg_charts.ts";
 * const { loss, accuracy } = trainingCurvesSvgs([
 *   { epoch: 1, train_loss: 0.4, train_accuracy: 0.89, val_loss: 0.3, val_accuracy: 0.91 },
 *   { epoch: 2, train_loss: 0.2, train_accuracy: 0.94, val_loss: 0.2, val_accuracy: 0.95 },
 * ]);
 * assert.ok(loss.includes(">Loss per epoch</text>") && accuracy.includes(">Accuracy per epoch</text>"));
 * ```
 */
export function trainingCurvesSvgs(epochs: readonly EpochPoint[]): { loss: string; accuracy: string } {
  const x = epochs.map((e) => e.epoch);
  const loss = lineChartSvg(x, [
    { name: "train", values: epochs.map((e) => e.train_loss) },
    { name: "validation", values: epochs.map((e) => e.val_loss) },
  ], { title: "Loss per epoch", xLabel: "epoch", yLabel: "cross-entropy loss", includeZero: true });
  const accuracy = lineChartSvg(x, [
    { name: "train", values: epochs.map((e) => e.train_accuracy) },
    { name: "validation", values: epochs.map((e) => e.val_accuracy) },
  ], { title: "Accuracy per epoch", xLabel: "epoch", yLabel: "accuracy", percent: true, yCeiling: 1 });
  return { loss, accuracy };
}

/**
 * Place standalone SVG charts side by side in one SVG document (e.g. loss and accuracy in
 * curves.svg). Each part keeps its own size, read from its root `width` and `height`.
 *
 * @param parts SVG documents whose root element has numeric width and height attributes.
 * @param gap Pixels between two parts. Default 16.
 * @returns One standalone SVG document.
 * @throws {ShapeError} When there is no part or a part has no numeric root width and height.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sideBySideSvg } from "./svg_charts.ts";
 * const box = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="20"></svg>';
 * assert.ok(sideBySideSvg([box, box], 5).includes('width="25" height="20"'));
 * ```
 */
export function sideBySideSvg(parts: readonly string[], gap = 16): string {
  if (parts.length === 0) throw new ShapeError("Cannot join charts: no chart given");
  const sizes = parts.map((svg, i) => {
    const root = svg.match(/<svg\b[^>]*>/)?.[0] ?? "";
    const w = Number(root.match(/\swidth="([0-9.]+)"/)?.[1]);
    const h = Number(root.match(/\sheight="([0-9.]+)"/)?.[1]);
    if (!(w > 0) || !(h > 0)) {
      throw new ShapeError(
        `Cannot join charts: chart ${i} has no numeric width and height on its <svg> element`,
      );
    }
    return { w, h };
  });
  const width = sizes.reduce((sum, s) => sum + s.w, 0) + gap * (parts.length - 1);
  const height = Math.max(...sizes.map((s) => s.h));
  const out = [_svgOpen(width, height, "Charts")];
  let x = 0;
  parts.forEach((svg, i) => {
    // a nested <svg> keeps the part's own coordinate system; x moves it right
    out.push(svg.trim().replace(/^<svg\b/, `<svg x="${_n(x)}" y="0"`));
    x += sizes[i].w + gap;
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}

/**
 * Draw a confusion matrix as a heatmap with the count written in every cell. Row = true class,
 * column = predicted class. Diagonal cells (right answers) are blue, darker for a larger share of
 * their row; off-diagonal cells (mistakes) are red, darker for more mistakes. Each cell is a
 * `<rect class="cm-cell" data-true="i" data-predicted="j" data-count="n">`.
 *
 * @param confusion K rows of K non-negative integer counts: confusion[true][predicted].
 * @param classNames K names shown on both axes.
 * @returns A standalone SVG document.
 * @throws {ShapeError} When the matrix is not K × K for K class names, or K is 0.
 * @throws {LimitError} When a count is not a non-negative safe integer.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { confusionMatrixSvg } from "./svg_charts.ts";
 * const svg = confusionMatrixSvg([[5, 1], [0, 7]], ["cat", "dog"]);
 * assert.ok(svg.split('class="cm-cell"').length - 1 === 4);
 * assert.ok(svg.includes('data-count="7"'));
 * ```
 */
export function confusionMatrixSvg(
  confusion: readonly (readonly number[])[],
  classNames: readonly string[],
): string {
  const k = classNames.length;
  if (k === 0) throw new ShapeError("Cannot draw confusion matrix: no class names given");
  if (confusion.length !== k) {
    throw new ShapeError(`Cannot draw confusion matrix: it has ${confusion.length} rows, expected ${k}`);
  }
  confusion.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== k) {
      throw new ShapeError(
        `Cannot draw confusion matrix: row ${i} has ${
          Array.isArray(row) ? row.length : "no"
        } columns, expected ${k}`,
      );
    }
    row.forEach((v, j) => {
      if (!Number.isSafeInteger(v) || v < 0) {
        throw new LimitError(
          `Cannot draw confusion matrix: cell [${i}][${j}] is ${JSON.stringify(v)}, expected a count`,
        );
      }
    });
  });
  const cell = Math.max(28, Math.min(44, Math.floor(440 / k)));
  const left = 64, top = 84, rightCol = 56;
  const width = left + k * cell + rightCol + 10, height = top + k * cell + 38;
  const rowTotals = confusion.map((row) => row.reduce((a, b) => a + b, 0));
  let maxOff = 0;
  confusion.forEach((row, i) => row.forEach((v, j) => i !== j && v > maxOff && (maxOff = v)));
  const total = rowTotals.reduce((a, b) => a + b, 0);
  const fontSize = cell >= 40 ? 12 : 10;

  const out: string[] = [_svgOpen(width, height, "Confusion matrix")];
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(_text(12, 24, "Confusion matrix", { size: 15, weight: "600" }));
  out.push(
    _text(12, 43, `rows: true digit · columns: predicted digit · ${total} images`, {
      size: 11,
      fill: _MUTED,
    }),
  );
  out.push(_text(left + k * cell / 2, top - 26, "predicted", { anchor: "middle", size: 12, fill: _INK }));
  out.push(
    `<text x="0" y="0" transform="translate(18 ${
      _n(top + k * cell / 2)
    }) rotate(-90)" text-anchor="middle" ` +
      `font-size="12" fill="${_INK}">true</text>`,
  );
  out.push(
    _text(left + k * cell + rightCol / 2 + 4, top - 8, "total", { anchor: "middle", size: 11, fill: _MUTED }),
  );
  out.push(`<g class="cm-labels" font-size="12" fill="${_INK}">`);
  classNames.forEach((name, i) => {
    out.push(_text(left + i * cell + cell / 2, top - 8, name, { anchor: "middle" }));
    out.push(_text(left - 8, top + i * cell + cell / 2 + 4, name, { anchor: "end" }));
  });
  out.push("</g>");

  out.push(`<g class="cm-cells" font-size="${fontSize}">`);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const v = confusion[i][j];
      let fill: string, ink: string;
      if (i === j) {
        const share = rowTotals[i] > 0 ? v / rowTotals[i] : 0;
        fill = _mix([239, 246, 255], [29, 78, 216], share);
        ink = share > 0.5 ? "#ffffff" : _INK;
      } else if (v === 0) {
        fill = "#ffffff";
        ink = "#d1d5db";
      } else {
        // square root, so a cell with 2 mistakes still shows next to one with 40
        const t = 0.15 + 0.85 * Math.sqrt(v / maxOff);
        fill = _mix([254, 242, 242], [185, 28, 28], t);
        ink = t > 0.6 ? "#ffffff" : "#7f1d1d";
      }
      const x = left + j * cell, y = top + i * cell;
      out.push(
        `<rect class="cm-cell" x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#e5e7eb" ` +
          `data-true="${i}" data-predicted="${j}" data-count="${v}"><title>${
            escapeXml(`true ${classNames[i]}, predicted ${classNames[j]}: ${v}`)
          }</title></rect>`,
      );
      out.push(
        _text(x + cell / 2, y + cell / 2 + fontSize * 0.36, String(v), { anchor: "middle", fill: ink }),
      );
    }
    out.push(
      _text(left + k * cell + rightCol / 2 + 4, top + i * cell + cell / 2 + 4, String(rowTotals[i]), {
        anchor: "middle",
        size: 11,
        fill: _MUTED,
      }),
    );
  }
  out.push("</g>");
  out.push(
    `<rect x="${left}" y="${top}" width="${k * cell}" height="${k * cell}" fill="none" stroke="#9ca3af"/>`,
  );
  out.push("</svg>");
  return out.join("\n") + "\n";
}

/**
 * Draw the accuracy of each class as horizontal bars, with the exact share and counts written
 * beside each bar and the weakest class in orange. The axis starts below the lowest accuracy at a
 * round value (said under the title), so small differences between classes stay visible.
 *
 * @param perClass One entry per class, in display order.
 * @returns A standalone SVG document.
 * @throws {ShapeError} When the list is empty.
 * @throws {LimitError} When a count is not a non-negative safe integer or correct exceeds total.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { perClassBarsSvg } from "./svg_charts.ts";
 * const svg = perClassBarsSvg([{ name: "0", correct: 97, total: 100 }, { name: "1", correct: 99, total: 100 }]);
 * assert.ok(svg.split('class="bar"').length - 1 === 2 && svg.includes("97.0% (97/100)"));
 * ```
 */
export function perClassBarsSvg(perClass: readonly ClassCount[]): string {
  if (perClass.length === 0) throw new ShapeError("Cannot draw per-class accuracy: no class given");
  perClass.forEach((c, i) => {
    if (
      !Number.isSafeInteger(c.correct) || !Number.isSafeInteger(c.total) || c.correct < 0 || c.total < 0 ||
      c.correct > c.total
    ) {
      throw new LimitError(
        `Cannot draw per-class accuracy: class ${i} has correct ${JSON.stringify(c.correct)} of total ${
          JSON.stringify(c.total)
        }, expected counts with correct ≤ total`,
      );
    }
  });
  const shares = perClass.map((c) => c.total > 0 ? c.correct / c.total : null);
  const known = shares.filter(_isFiniteNumber);
  const worst = known.length > 0 ? Math.min(...known) : 1;
  // the axis shows at least twice the largest error rate, from a round value
  const span = Math.max(2 * (1 - worst), 0.02);
  const step = _niceStep(span, 4);
  const lo = Math.max(0, Math.floor((1 - span) / step + 1e-9) * step);
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= 1 + 1e-9; t += step) ticks.push(t);
  const decimals = Math.max(0, -Math.floor(Math.log10(step * 100) + 1e-9)) + (_isHalfStep(step) ? 1 : 0);

  const left = 48, barW = 300, right = 140, top = 66, rowH = 26;
  const width = left + barW + right, height = top + perClass.length * rowH + 30;
  const bx = (v: number) => left + (v - lo) / (1 - lo) * barW;

  const out: string[] = [_svgOpen(width, height, "Accuracy per class")];
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(_text(12, 24, "Accuracy per class", { size: 15, weight: "600" }));
  out.push(
    _text(12, 43, lo > 0 ? `test set · axis starts at ${_fixed(lo * 100, decimals)}%` : "test set", {
      size: 11,
      fill: _MUTED,
    }),
  );
  out.push(`<g class="x-axis" font-size="10" fill="${_MUTED}">`);
  for (const t of ticks) {
    const x = _n(bx(t));
    out.push(
      `<line x1="${x}" y1="${top - 6}" x2="${x}" y2="${top + perClass.length * rowH}" stroke="${_GRID}"/>`,
    );
    out.push(_text(bx(t), height - 12, `${_fixed(t * 100, decimals)}%`, { anchor: "middle" }));
  }
  out.push("</g>");
  out.push(`<g class="bars" font-size="12">`);
  perClass.forEach((c, i) => {
    const y = top + i * rowH;
    const share = shares[i];
    out.push(_text(left - 10, y + rowH / 2 + 4, c.name, { anchor: "end", fill: _INK, weight: "600" }));
    if (share === null) {
      out.push(_text(left + 4, y + rowH / 2 + 4, "no test images", { fill: _MUTED }));
      return;
    }
    const w = Math.max(1, bx(Math.max(share, lo)) - left);
    const color = share === worst && known.length > 1 ? "#ea580c" : "#2563eb";
    out.push(
      `<rect class="bar" x="${left}" y="${y + 4}" width="${_n(w)}" height="${rowH - 8}" fill="${color}" ` +
        `data-class="${escapeXml(c.name)}" data-accuracy="${_n6(share)}"><title>${
          escapeXml(`${c.name}: ${c.correct} of ${c.total} correct`)
        }</title></rect>`,
    );
    out.push(
      _text(left + barW + 8, y + rowH / 2 + 4, `${_fixed(share * 100, 1)}% (${c.correct}/${c.total})`, {
        fill: _INK,
      }),
    );
  });
  out.push("</g>");
  out.push(
    `<line x1="${left}" y1="${top - 6}" x2="${left}" y2="${top + perClass.length * rowH}" stroke="#9ca3af"/>`,
  );
  out.push("</svg>");
  return out.join("\n") + "\n";
}

/** Counts per confidence bin, split by verdict, for {@linkcode confidenceHistogramSvg}. */
export interface ConfidenceHistogram {
  /** Right reads per bin. */
  readonly right: readonly number[];
  /** Wrong reads per bin. */
  readonly wrong: readonly number[];
  /** Reads of files whose name told no digit, per bin. */
  readonly unlabelled: readonly number[];
}

/**
 * Draw how sure the network was of its reads: one stacked column per confidence bin (bin i holds
 * confidences in [i / B, (i + 1) / B), the last one includes 1), right reads green, wrong red,
 * unlabelled blue. Each column is a `<g class="hist-bin" data-right="r" data-wrong="w" data-unlabelled="u">`.
 *
 * @param histogram B counts per verdict.
 * @returns A standalone SVG document.
 * @throws {ShapeError} When the three lists are empty or differ in length.
 * @throws {LimitError} When a count is not a non-negative safe integer.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { confidenceHistogramSvg } from "./svg_charts.ts";
 * const svg = confidenceHistogramSvg({ right: [0, 1, 9], wrong: [2, 1, 0], unlabelled: [0, 0, 0] });
 * assert.ok(svg.split('class="hist-bin"').length - 1 === 3 && svg.includes('data-right="9"'));
 * ```
 */
export function confidenceHistogramSvg(histogram: ConfidenceHistogram): string {
  const { right, wrong, unlabelled } = histogram;
  const bins = right.length;
  if (bins === 0 || wrong.length !== bins || unlabelled.length !== bins) {
    throw new ShapeError(
      `Cannot draw confidence histogram: ${right.length}, ${wrong.length} and ${unlabelled.length} bins, expected the same number, at least 1`,
    );
  }
  for (const [name, list] of [["right", right], ["wrong", wrong], ["unlabelled", unlabelled]] as const) {
    list.forEach((v, i) => {
      if (!Number.isSafeInteger(v) || v < 0) {
        throw new LimitError(
          `Cannot draw confidence histogram: ${name}[${i}] is ${JSON.stringify(v)}, expected a count`,
        );
      }
    });
  }
  const totals = right.map((r, i) => r + wrong[i] + unlabelled[i]);
  const most = Math.max(1, ...totals);
  const left = 48, top = 44, plotW = 360, plotH = 150, bottom = 40;
  const width = left + plotW + 16, height = top + plotH + bottom;
  const colW = plotW / bins;
  const y = (v: number) => top + plotH - v / most * plotH;
  const out: string[] = [_svgOpen(width, height, "Confidence of the reads")];
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(_text(12, 24, "Confidence of the reads", { size: 15, weight: "600" }));
  out.push(`<g class="y-axis" font-size="10" fill="${_MUTED}">`);
  for (const t of [0, most]) {
    out.push(`<line x1="${left}" y1="${_n(y(t))}" x2="${left + plotW}" y2="${_n(y(t))}" stroke="${_GRID}"/>`);
    out.push(_text(left - 6, y(t) + 3, String(t), { anchor: "end" }));
  }
  out.push("</g>");
  const colours = [["right", "#16a34a"], ["wrong", "#dc2626"], ["unlabelled", "#2563eb"]] as const;
  for (let i = 0; i < bins; i++) {
    const x = left + i * colW;
    out.push(
      `<g class="hist-bin" data-right="${right[i]}" data-wrong="${wrong[i]}" data-unlabelled="${
        unlabelled[i]
      }">` +
        `<title>${
          escapeXml(
            `confidence ${_fixed(100 * i / bins, 0)}–${_fixed(100 * (i + 1) / bins, 0)}%: ${
              right[i]
            } right, ` +
              `${wrong[i]} wrong, ${unlabelled[i]} unlabelled`,
          )
        }</title>`,
    );
    let base = 0;
    for (const [name, colour] of colours) {
      const v = histogram[name][i];
      if (v === 0) continue;
      out.push(
        `<rect x="${_n(x + 1)}" y="${_n(y(base + v))}" width="${_n(colW - 2)}" height="${
          _n(y(base) - y(base + v))
        }" fill="${colour}"/>`,
      );
      base += v;
    }
    out.push("</g>");
  }
  out.push(`<g class="x-axis" font-size="10" fill="${_MUTED}">`);
  for (let i = 0; i <= bins; i += Math.max(1, Math.round(bins / 5))) {
    out.push(_text(left + i * colW, top + plotH + 14, `${_fixed(100 * i / bins, 0)}%`, { anchor: "middle" }));
  }
  out.push("</g>");
  out.push(
    _text(
      left + plotW / 2,
      height - 8,
      "probability of the digit read (green right, red wrong, blue unlabelled)",
      {
        anchor: "middle",
        size: 11,
        fill: _MUTED,
      },
    ),
  );
  out.push("</svg>");
  return out.join("\n") + "\n";
}

/**
 * Draw a small bar chart of class probabilities (one bar per digit), for the check sheet. The
 * chosen class is coloured: green when it matches the expected class, red when it does not, blue
 * when nothing is expected; the expected class's label is underlined.
 *
 * @param probabilities One probability per class, each in [0, 1].
 * @param options Which bars to mark.
 * @returns A standalone SVG document, 200 × 74 pixels for ten classes.
 * @throws {ShapeError} When the list is empty.
 * @throws {LimitError} When a probability is not a number in [0, 1] or a marked class is out of range.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { probabilityBarsSvg } from "./svg_charts.ts";
 * const p = [0.01, 0.01, 0.9, 0.01, 0.01, 0.02, 0.01, 0.01, 0.01, 0.01];
 * const svg = probabilityBarsSvg(p, { expected: 2 });
 * assert.ok(svg.split('class="prob"').length - 1 === 10 && svg.includes("#16a34a"));
 * ```
 */
export function probabilityBarsSvg(
  probabilities: readonly number[],
  options: ProbabilityBarsOptions = {},
): string {
  const k = probabilities.length;
  if (k === 0) throw new ShapeError("Cannot draw probabilities: no value given");
  probabilities.forEach((p, i) => {
    if (typeof p !== "number" || !(p >= 0 && p <= 1 + _PROBABILITY_SLACK)) {
      throw new LimitError(
        `Cannot draw probabilities: value ${i} is ${JSON.stringify(p)}, expected a number in [0, 1]`,
      );
    }
  });
  let best = 0;
  for (let i = 1; i < k; i++) if (probabilities[i] > probabilities[best]) best = i;
  const predicted = options.predicted ?? best;
  const expected = options.expected ?? null;
  for (const [what, v] of [["predicted", predicted], ["expected", expected]] as const) {
    if (v !== null && (!Number.isInteger(v) || v < 0 || v >= k)) {
      throw new LimitError(
        `Cannot draw probabilities: ${what} class is ${v}, expected an integer in [0, ${k - 1}]`,
      );
    }
  }
  const barW = 14, pitch = 19, left = 6, top = 8, plotH = 44;
  const width = left * 2 + k * pitch - (pitch - barW), height = top + plotH + 22;
  const out: string[] = [_svgOpen(width, height, "Class probabilities")];
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(
    `<line x1="${left - 2}" y1="${top + plotH}" x2="${width - left + 2}" y2="${
      top + plotH
    }" stroke="#9ca3af"/>`,
  );
  probabilities.forEach((p, i) => {
    const x = left + i * pitch;
    const h = Math.max(p > 0 ? 1 : 0, Math.min(1, p) * plotH);
    const color = i !== predicted
      ? "#cbd5e1"
      : expected === null
      ? "#2563eb"
      : expected === predicted
      ? "#16a34a"
      : "#dc2626";
    out.push(`<rect x="${x}" y="${top}" width="${barW}" height="${plotH}" fill="#f8fafc"/>`);
    out.push(
      `<rect class="prob" x="${x}" y="${_n(top + plotH - h)}" width="${barW}" height="${
        _n(h)
      }" fill="${color}" ` +
        `data-class="${i}" data-probability="${_n6(p)}"><title>${i}: ${_fixed(p * 100, 1)}%</title></rect>`,
    );
    out.push(
      _text(x + barW / 2, top + plotH + 14, String(i), {
        anchor: "middle",
        size: 11,
        fill: i === predicted ? _INK : _MUTED,
        weight: i === predicted ? "700" : undefined,
        decoration: i === expected ? "underline" : undefined,
      }),
    );
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}

/**
 * Escape text for XML and HTML content and attribute values: `& < > " '` become entities, and
 * control characters that XML 1.0 forbids become U+FFFD.
 *
 * @param text Any string.
 * @returns The escaped string.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeXml } from "./svg_charts.ts";
 * assert.ok(escapeXml(`a<b & "c"`) === "a&lt;b &amp; &quot;c&quot;");
 * ```
 */
export function escapeXml(text: string): string {
  return String(text)
    // deno-lint-ignore no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "\ufffd")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function _svgOpen(width: number, height: number, label: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${_n(width)}" height="${_n(height)}" ` +
    `viewBox="0 0 ${_n(width)} ${_n(height)}" role="img" aria-label="${escapeXml(label)}" ` +
    `font-family="${_FONT}" fill="${_INK}">`;
}

function _text(
  x: number,
  y: number,
  text: string,
  style: {
    anchor?: "start" | "middle" | "end";
    size?: number;
    weight?: string;
    fill?: string;
    decoration?: string;
  } = {},
): string {
  const attrs = [`x="${_n(x)}"`, `y="${_n(y)}"`];
  if (style.anchor && style.anchor !== "start") attrs.push(`text-anchor="${style.anchor}"`);
  if (style.size) attrs.push(`font-size="${style.size}"`);
  if (style.weight) attrs.push(`font-weight="${style.weight}"`);
  if (style.fill) attrs.push(`fill="${style.fill}"`);
  if (style.decoration) attrs.push(`text-decoration="${style.decoration}"`);
  return `<text ${attrs.join(" ")}>${escapeXml(text)}</text>`;
}

/** A y axis: its ends, its ticks, and how many decimals the tick labels need. */
interface _Axis {
  lo: number;
  hi: number;
  ticks: number[];
  decimals: number;
  percentDecimals: number;
}

function _niceAxis(values: readonly number[], options: LineChartOptions): _Axis {
  let lo = values.length > 0 ? Math.min(...values) : 0;
  let hi = values.length > 0 ? Math.max(...values) : 1;
  if (options.includeZero) lo = Math.min(lo, 0);
  if (hi === lo) {
    const pad = Math.abs(hi) * 0.05 || 0.5;
    lo -= pad;
    hi += pad;
    if (options.includeZero && lo < 0 && Math.min(...values) >= 0) lo = 0;
  }
  const step = _niceStep(hi - lo, 5);
  lo = Math.floor(lo / step + 1e-9) * step;
  hi = Math.ceil(hi / step - 1e-9) * step;
  if (
    options.yCeiling !== undefined && hi > options.yCeiling && Math.max(...values, lo) <= options.yCeiling
  ) {
    hi = options.yCeiling;
  }
  const ticks: number[] = [];
  for (let i = 0; lo + i * step <= hi + step * 1e-6; i++) ticks.push(lo + i * step);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9)) + (_isHalfStep(step) ? 1 : 0);
  const percentDecimals = Math.max(0, -Math.floor(Math.log10(step * 100) + 1e-9)) +
    (_isHalfStep(step) ? 1 : 0);
  return { lo, hi, ticks, decimals, percentDecimals };
}

/** A round step (1, 2, 2.5 or 5 times a power of ten) giving about `count` intervals over `span`. */
function _niceStep(span: number, count: number): number {
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  const nice = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10;
  return nice * magnitude;
}

/** Whether a step is 2.5 × 10^n, whose tick labels need one more decimal. */
function _isHalfStep(step: number): boolean {
  const norm = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
  return Math.abs(norm - 2.5) < 1e-6;
}

function _xTicks(lo: number, hi: number): number[] {
  const first = Math.ceil(lo), last = Math.floor(hi);
  if (last < first) return [];
  const step = Math.max(1, Math.ceil((last - first) / 10));
  const ticks: number[] = [];
  for (let t = first; t <= last; t += step) ticks.push(t);
  return ticks;
}

function _tooltip(v: number, percent?: boolean): string {
  return percent ? `${_fixed(v * 100, 2)}%` : String(Number(v.toPrecision(5)));
}

/** A rough text width for the legend layout: 0.6 em per character. */
function _textWidth(text: string, size: number): number {
  return Math.ceil(text.length * size * 0.6);
}

/** Mix two RGB colours: t = 0 gives a, t = 1 gives b. */
function _mix(a: readonly number[], b: readonly number[], t: number): string {
  const c = a.map((v, i) => Math.round(v + (b[i] - v) * Math.min(1, Math.max(0, t))));
  return `#${c.map((v) => v.toString(16).padStart(2, "0")).join("")}`;
}

function _isFiniteNumber(v: number | null): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

/** A coordinate with at most two decimals and no trailing zeros, so output is stable and short. */
function _n(v: number): string {
  const r = Math.round(v * 100) / 100;
  return String(Object.is(r, -0) ? 0 : r);
}

function _n6(v: number): string {
  return String(Math.round(v * 1e6) / 1e6);
}

function _fixed(v: number, decimals: number): string {
  const s = v.toFixed(decimals);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}
