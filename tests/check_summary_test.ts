import assert from "node:assert/strict";
import { ShapeError } from "../core/base/errors.ts";
import { Rng } from "../core/network/rng.ts";
import {
  CheckSheetBuilder,
  checkSheetOf,
  compareForSheet,
  SHEET_ERROR_ROWS,
  SheetRowKeeper,
  sheetRows,
  summariseCheck,
} from "../core/reports/check_summary.ts";
import type { CheckItem } from "../core/reports/run.ts";
import { confidenceHistogramSvg } from "../core/reports/svg_charts.ts";

function item(expected: number | null, predicted: number | null, confidence: number | null): CheckItem {
  return {
    file: "x.png",
    expected,
    predicted,
    confidence,
    probabilities: null,
    top3: null,
    error: predicted === null ? "cannot read" : null,
  };
}

/** A seeded stream of results: some unreadable, some unlabelled, some wrong, confidences with ties. */
function randomResults(count: number, seed: number): CheckItem[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const r = rng.nextFloat();
    if (r < 0.05) return item(3, null, null);
    const expected = r < 0.3 ? null : Math.floor(rng.nextFloat() * 10);
    const wrong = rng.nextFloat() < 0.15;
    const predicted = expected === null ? 4 : wrong ? (expected + 1) % 10 : expected;
    return item(expected, predicted, Math.round(rng.nextFloat() * 50) / 50); // ties on purpose
  });
}

Deno.test("sheetRows() puts mistakes first, the most confident first, then the least confident reads", () => {
  const results = [
    item(1, 1, 0.99),
    item(2, 3, 0.6),
    item(4, 4, 0.5),
    item(5, 6, 0.9),
    item(null, 7, 0.4),
    item(8, 8, 0.97),
    item(0, null, null),
  ];
  assert.deepEqual(sheetRows(results, 4, 1), { worst: [3, 1, 4, 2], rest: [0] });
});

Deno.test("sheetRows() shows every read file in file order when all fit", () => {
  const results = [item(1, 2, 0.9), item(0, null, null), item(3, 3, 0.5)];
  assert.deepEqual(sheetRows(results), { worst: [], rest: [0, 2] });
});

Deno.test("sheetRows() caps both parts whatever the number of files", () => {
  const rows = sheetRows(randomResults(5000, 1));
  assert.equal(rows.worst.length, 200);
  assert.equal(rows.rest.length, 200);
  assert.equal(new Set([...rows.worst, ...rows.rest]).size, 400);
});

Deno.test("SheetRowKeeper keeps the pictures of every row sheetRows picks, and few others", () => {
  for (
    const [count, worst, rest, seed] of [[3000, 20, 10, 1], [500, 50, 50, 2], [60, 20, 10, 3], [
      10,
      20,
      10,
      4,
    ]]
  ) {
    const results = randomResults(count, seed);
    const keeper = new SheetRowKeeper(worst, rest);
    const kept = new Set<number>();
    let most = 0;
    results.forEach((r, i) => {
      const { keep, drop } = keeper.offer(r, i);
      for (const d of drop) {
        assert.ok(kept.has(d), `dropped ${d}, which was not kept`);
        kept.delete(d);
      }
      if (keep) kept.add(i);
      most = Math.max(most, kept.size);
    });
    const rows = sheetRows(results, worst, rest);
    for (const i of [...rows.worst, ...rows.rest]) {
      assert.ok(kept.has(i), `row ${i} of ${count} was not kept`);
    }
    assert.ok(most <= 3 * worst + rest + 64, `${most} pictures held at once for caps ${worst} + ${rest}`);
  }
});

Deno.test("CheckSheetBuilder streams to the sheet a whole check gives: same rows, counts and unread files", () => {
  for (
    const [count, worst, rest, seed] of [[3000, 20, 10, 5], [500, 50, 50, 6], [60, 20, 10, 7], [
      10,
      20,
      10,
      8,
    ], [
      0,
      20,
      10,
      9,
    ]]
  ) {
    const results = randomResults(count, seed).map((r, i) => ({ ...r, file: `${i}.png` }));
    const builder = new CheckSheetBuilder(worst, rest);
    let most = 0;
    const kept = new Set<number>();
    results.forEach((r, i) => {
      const { index, keep, drop } = builder.add(r);
      assert.equal(index, i);
      for (const d of drop) kept.delete(d);
      if (keep) kept.add(i);
      most = Math.max(most, kept.size);
    });
    const head = { weights: "w.npz", source: "s", correct: 1, total: 2 };
    const sheet = builder.sheet(head);
    const rows = sheetRows(results, worst, rest);
    assert.deepEqual(sheet.worst.map((r) => r.index), rows.worst);
    assert.deepEqual(sheet.rest.map((r) => r.index), rows.rest);
    for (const r of [...sheet.worst, ...sheet.rest]) assert.equal(r.item, results[r.index]);
    assert.deepEqual(sheet.summary, summariseCheck(results));
    const unread = results.filter((r) => r.predicted === null);
    assert.deepEqual(sheet.unread, unread.slice(0, SHEET_ERROR_ROWS));
    assert.deepEqual([sheet.weights, sheet.source, sheet.correct, sheet.total], ["w.npz", "s", 1, 2]);
    assert.deepEqual(checkSheetOf({ ...head, results }, worst, rest), sheet);
    assert.ok(most <= 3 * worst + rest + 64, `${most} rows held at once for caps ${worst} + ${rest}`);
  }
});

Deno.test("compareForSheet() is a total order: ties in confidence go by file order", () => {
  const a = { index: 1, wrong: false, confidence: 0.5 }, b = { index: 2, wrong: false, confidence: 0.5 };
  assert.ok(compareForSheet(a, b) < 0 && compareForSheet(b, a) > 0 && compareForSheet(a, a) === 0);
});

Deno.test("summariseCheck() counts reads, errors, the confusion of labelled files and the confidence bins", () => {
  const s = summariseCheck([
    item(1, 1, 1),
    item(2, 3, 0.35),
    item(null, 4, 0.05),
    item(5, null, null),
  ]);
  assert.deepEqual([s.files, s.read, s.errors, s.labelled, s.correct], [4, 3, 1, 2, 1]);
  assert.equal(s.confusion[1][1], 1);
  assert.equal(s.confusion[2][3], 1);
  assert.equal(s.histogram.right[9], 1); // a confidence of exactly 1 lands in the last bin
  assert.equal(s.histogram.wrong[3], 1);
  assert.equal(s.histogram.unlabelled[0], 1);
});

Deno.test("confidenceHistogramSvg() draws one column per bin and refuses bins of different lengths", () => {
  const svg = confidenceHistogramSvg({ right: [1, 2], wrong: [0, 3], unlabelled: [4, 0] });
  assert.equal(svg.split('class="hist-bin"').length - 1, 2);
  assert.ok(svg.includes('data-right="2" data-wrong="3" data-unlabelled="0"'));
  assert.throws(() => confidenceHistogramSvg({ right: [1], wrong: [], unlabelled: [1] }), {
    name: ShapeError.name,
    message: "Cannot draw confidence histogram: 1, 0 and 1 bins, expected the same number, at least 1",
  });
});
