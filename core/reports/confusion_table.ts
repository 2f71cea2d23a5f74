/**
 * The confusion matrix and per-class accuracy as a plain-text table, optionally coloured.
 *
 * @module
 */

/** Per-class counts and accuracy derived from a confusion matrix. */
export interface ClassScore {
  readonly label: number;
  readonly name: string;
  readonly correct: number;
  readonly total: number;
  readonly accuracy: number;
}

/**
 * Per-class accuracy: the diagonal of each row over the row's sum.
 *
 * @param confusion confusion[true][predicted], (K, K).
 * @param names Class names, (K).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { perClassScores } from "./confusion_table.ts";
 * const s = perClassScores([[3, 1], [0, 2]], ["a", "b"]);
 * assert.ok(s[0].accuracy === 0.75 && s[1].accuracy === 1);
 * ```
 */
export function perClassScores(confusion: number[][], names: readonly string[]): ClassScore[] {
  return confusion.map((row, label) => {
    const total = row.reduce((a, b) => a + b, 0);
    return {
      label,
      name: names[label],
      correct: row[label],
      total,
      accuracy: total ? row[label] / total : NaN,
    };
  });
}

/**
 * Render the confusion matrix (rows: true class, columns: predicted) with a per-class accuracy column.
 * With colour, the diagonal is green and off-diagonal cells get redder as their count grows.
 *
 * @param confusion confusion[true][predicted], (K, K).
 * @param names Class names, (K).
 * @param color Whether to use ANSI colours.
 * @returns The table, one line per class plus a header.
 */
export function formatConfusionTable(
  confusion: number[][],
  names: readonly string[],
  color: boolean,
): string {
  const scores = perClassScores(confusion, names);
  const width = Math.max(
    5,
    ...confusion.flat().map((v) => String(v).length + 1),
    ...names.map((n) => n.length + 1),
  );
  const label = Math.max(6, ...names.map((n) => n.length));
  const maxOff = Math.max(1, ...confusion.flatMap((row, i) => row.filter((_, j) => j !== i)));
  const paint = (text: string, code: string) => color ? `\x1b[${code}m${text}\x1b[0m` : text;
  const lines = [
    "true \\ predicted".padEnd(label + 1) + names.map((n) => n.padStart(width)).join("") + "   accuracy",
  ];
  confusion.forEach((row, i) => {
    const cells = row.map((v, j) => {
      const text = String(v).padStart(width);
      if (i === j) return paint(text, "32");
      if (v === 0) return paint(text, "2");
      return paint(text, v / maxOff > 0.5 ? "31;1" : "33");
    });
    const acc = Number.isNaN(scores[i].accuracy) ? "-" : `${(scores[i].accuracy * 100).toFixed(2)}%`;
    lines.push(names[i].padEnd(label + 1) + cells.join("") + acc.padStart(11));
  });
  return lines.join("\n");
}
