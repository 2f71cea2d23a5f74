import assert from "node:assert/strict";
import { FormatError } from "../core/base/errors.ts";
import { DigitReader } from "../core/check/digit_reader.ts";
import { NumberAssembler, numberLine, pieceItem, pieceReads } from "../core/check/number_stream.ts";
import { parseCheckResult } from "../core/reports/run_files.ts";
import type { CheckItem } from "../core/reports/run.ts";
import { writeNumberImages } from "./_number_images.ts";

const item = (file: string, predicted: number | null, error: string | null = null): CheckItem => ({
  file,
  expected: null,
  predicted,
  confidence: predicted === null ? null : 0.9,
  probabilities: null,
  top3: null,
  error,
});

Deno.test("DigitReader with digits splits each file into its digits, the same on worker threads", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const paths = await writeNumberImages(dir);
    const here = new DigitReader(0, { digits: true });
    const there = new DigitReader(2, { digits: true });
    try {
      const a = await Array.fromAsync(pieceReads(here.readAll(paths)));
      const b = await Array.fromAsync(pieceReads(there.readAll(paths)));
      assert.deepEqual(a.map((r) => r.piece.count), [4, 4, 4, 4, 3, 3, 3, 2, 2, 2, 2]);
      assert.deepEqual(b.map((r) => [r.piece, r.digit!.input]), a.map((r) => [r.piece, r.digit!.input]));
    } finally {
      here.dispose();
      there.dispose();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pieceItem() expects each digit of the name's number only when as many digits were found", () => {
  const read = (count: number) => ({
    index: 0,
    path: "2026_b.png",
    digit: null,
    error: "x",
    piece: { at: 3, count, box: null, cut: false },
  });
  assert.equal(pieceItem("2026_b.png", { read: read(4), prediction: null }).expected, 6);
  assert.equal(pieceItem("2026_b.png", { read: read(5), prediction: null }).expected, null);
  assert.equal(pieceItem("2026_b.png", { read: read(5), prediction: null }).file, "2026_b.png [4/5]");
});

Deno.test("NumberAssembler counts a number read with a digit too many as wrong, and numberLine() says so", () => {
  const a = new NumberAssembler();
  const piece = (at: number) => ({ at, count: 3, box: [0, 0, 1, 1] as const, cut: at > 0 });
  a.add("47.png", item("47.png [1/3]", 4), piece(0));
  a.add("47.png", item("47.png [2/3]", 1), piece(1));
  const done = a.add("47.png", item("47.png [3/3]", 7), piece(2))!;
  assert.equal(done.number, "417");
  assert.ok(a.correct === 0 && a.total === 1 && a.read === 1);
  assert.equal(
    numberLine(done),
    "47.png reads 417 ✗ expected 47 (3 digits found)  digits 4 90.0%, 1 90.0% (cut), 7 90.0% (cut)",
  );
});

Deno.test("NumberAssembler passes on the error of a file that could not be read", () => {
  const a = new NumberAssembler();
  const done = a.add("x.png", item("x.png", null, "Cannot read"), {
    at: 0,
    count: 0,
    box: null,
    cut: false,
  })!;
  assert.deepEqual(done, { file: "x.png", expected: null, number: null, digits: [], error: "Cannot read" });
  assert.ok(a.read === 0 && a.total === 0);
});

Deno.test("parseCheckResult() keeps the numbers of check --digits and rejects a number that is not digits", () => {
  const value = {
    weights: "w.npz",
    weights_sha256: null,
    source: "s",
    correct: 0,
    total: 0,
    results: [],
    numbers: [{ file: "12.png", expected: "12", number: "17", error: null }],
  };
  assert.deepEqual(parseCheckResult(value, { action: "Cannot use check" }).numbers, value.numbers);
  assert.equal(
    parseCheckResult({ ...value, numbers: undefined }, { action: "Cannot use check" }).numbers,
    undefined,
  );
  const bad = { ...value, numbers: [{ file: "12.png", expected: "1x", number: null, error: null }] };
  assert.throws(
    () => parseCheckResult(bad, { action: "Cannot use check" }),
    (e: unknown) =>
      e instanceof FormatError &&
      e.message === 'Cannot use check: numbers[0] field "expected" is "1x", expected digits or null',
  );
});
