import assert from "node:assert/strict";
import { formatConfusionTable, perClassScores } from "../core/reports/confusion_table.ts";

const names = ["0", "1", "2"];
const confusion = [[8, 2, 0], [0, 10, 0], [1, 0, 0]];

Deno.test("perClassScores() divides each diagonal count by its row total, NaN for an empty row", () => {
  const scores = perClassScores([[8, 2], [0, 0]], ["a", "b"]);
  assert.deepEqual(scores[0], { label: 0, name: "a", correct: 8, total: 10, accuracy: 0.8 });
  assert.ok(Number.isNaN(scores[1].accuracy));
});

Deno.test("formatConfusionTable() without colour is plain text with a row per class and its accuracy", () => {
  const table = formatConfusionTable(confusion, names, false);
  assert.ok(!table.includes("\x1b["));
  const lines = table.split("\n");
  assert.equal(lines.length, 4);
  assert.match(lines[0], /^true \\ predicted\s+0\s+1\s+2\s+accuracy$/);
  assert.match(lines[1], /^0\s+8\s+2\s+0\s+80\.00%$/);
  assert.match(lines[3], /^2\s+1\s+0\s+0\s+0\.00%$/);
});

Deno.test("formatConfusionTable() with colour paints the diagonal green and the largest mistakes red", () => {
  const table = formatConfusionTable(confusion, names, true);
  const ESC = String.fromCharCode(27);
  assert.match(table, new RegExp(`${ESC}\\[32m\\s+8${ESC}\\[0m`)); // the diagonal 8
  assert.match(table, new RegExp(`${ESC}\\[31;1m\\s+2${ESC}\\[0m`)); // the largest mistake
  // stripping the codes gives the plain table back
  const plain = table.replace(new RegExp(`${ESC}\\[[0-9;]*m`, "g"), "");
  assert.equal(plain, formatConfusionTable(confusion, names, false));
});
