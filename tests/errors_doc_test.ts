/**
 * Keeps docs/errors.md honest: every row of its tables must name test files that exist, test names
 * that occur in them, and a message whose fixed text those tests still hold.
 *
 * The rule, for each message in a row (an error line or a hint, in backticks):
 * - cut it at its placeholders (`<path>`, `"<path>"`, `<n>`, …) and at each ": " into literal pieces;
 *   the pieces must hold at least 20 characters between them;
 * - every piece must occur in one of the row's test files, read with string concatenations joined
 *   and backslash escapes removed (so `"a: " + "b"`, `"PK\\x03"` and `/0\.2 now/` read as the message
 *   does). Cutting at ": " lets a test build a message from a prefix constant, as most do:
 *   `${PREFIX}: file holds 0 images, expected at least 1`. Requiring every piece, not only the longest,
 *   catches a change anywhere in the message;
 * - only a row whose test cell says "text from `core/x.ts`" may find pieces in that source file
 *   instead: its test asserts the behaviour, or part of the line, not the whole text;
 * - rows of "Not yet covered by a test" name a source file and no test; their pieces must occur there.
 *
 * @module
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const DOC = "docs/errors.md";

/** The areas of docs/errors.md, in their agreed order. */
const SECTIONS = [
  "IDX and gzip files",
  "Dataset files",
  "Config",
  "npz, npy and weights files",
  "PNG images and digits",
  "Training runs and run folders",
  "Command line",
  "Not yet covered by a test",
] as const;
const UNCOVERED = "Not yet covered by a test";

const TABLE_HEADER = ["bad input", "error class", "exact message", "test"];
const UNCOVERED_HEADER = ["bad input", "error class", "exact message", "source"];

/** A class, optionally with the exit code the CLI gives it; "—" when the line is not an error. */
const CLASS_CELL =
  /^(FormatError|LimitError|ShapeError|InputFileError|UsageError|—)( \(exit (0|1|2|130)\))?$/;
/** Each core class and the built-in class it extends, which a test may assert instead. */
const CORE_CLASSES: Record<string, string> = {
  FormatError: "SyntaxError",
  LimitError: "RangeError",
  ShapeError: "TypeError",
  InputFileError: "InputFileError",
};

/** A placeholder such as `<path>` or `<first error>`, with the quotes around it when present. */
const PLACEHOLDER = /"?<[a-z][a-z0-9 _.-]*>"?/g;
/** Fixed text a message must hold at least, so that a row cannot check almost nothing. */
const MIN_FIXED_CHARS = 20;
/** Pieces shorter than this ("x", "][") say nothing and are not looked for. */
const MIN_PIECE_CHARS = 3;

interface DocRow {
  readonly section: string;
  /** 1-based line in docs/errors.md, for messages. */
  readonly line: number;
  readonly errorClass: string;
  readonly message: string;
  readonly ref: string;
}

interface Span {
  readonly text: string;
  /** A `hint:` line rather than an `error:` line: the cell says "hint" just before it. */
  readonly hint: boolean;
}

/** Reads project files once; null for a file that does not exist. */
type Reader = (path: string) => string | null;

// ---- parsing the page --------------------------------------------------------------------------

/** The cells of a Markdown table row; `\|` is a pipe inside a cell. */
function splitCells(line: string): string[] {
  const cells: string[] = [];
  let cell = "";
  for (let i = 1; i < line.length; i++) {
    if (line[i] === "\\" && line[i + 1] === "|") {
      cell += "|";
      i++;
    } else if (line[i] === "|") {
      cells.push(cell.trim());
      cell = "";
    } else {
      cell += line[i];
    }
  }
  return cells;
}

/** The `## ` headings in order, and every row of every table under them. */
function parseDoc(text: string): { headings: string[]; rows: DocRow[] } {
  const headings: string[] = [];
  const rows: DocRow[] = [];
  const lines = text.split("\n");
  let section = "";
  let inTable = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith("## ")) {
      section = line.slice(3).trim();
      headings.push(section);
      continue;
    }
    if (!line.startsWith("|")) {
      inTable = false;
      continue;
    }
    const cells = splitCells(line);
    const header = section === UNCOVERED ? UNCOVERED_HEADER : TABLE_HEADER;
    if (!inTable) {
      inTable = cells.join("|") === header.join("|");
      if (inTable) i++; // the |---| line
      continue;
    }
    assert.equal(cells.length, 4, `${DOC}:${i + 1}: expected 4 cells, got ${cells.length}`);
    rows.push({ section, line: i + 1, errorClass: cells[1], message: cells[2], ref: cells[3] });
  }
  return { headings, rows };
}

/** The code spans of a cell, single or double backticks. */
function codeSpans(cell: string): Span[] {
  const spans: Span[] = [];
  const pattern = /(`+)([\s\S]*?[^`])\1(?!`)/g;
  for (let m = pattern.exec(cell); m !== null; m = pattern.exec(cell)) {
    let text = m[2];
    // CommonMark strips one space on each side when both are present (needed to quote a backtick)
    if (text.length > 2 && text.startsWith(" ") && text.endsWith(" ")) text = text.slice(1, -1);
    spans.push({ text, hint: /\bhint\s*$/.test(cell.slice(0, m.index)) });
  }
  return spans;
}

/** The test names a cell quotes, outside its code spans. */
function quotedNames(cell: string): string[] {
  const outside = cell.replace(/(`+)[\s\S]*?\1/g, "");
  return [...outside.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
}

// ---- the rule ----------------------------------------------------------------------------------

/** The literal pieces of a message: cut at placeholders and at each ": ". */
function messagePieces(message: string): string[] {
  return message.replace(PLACEHOLDER, "\0").split(/\0|: /).map((p) => p.trim())
    .filter((p) => p.length >= MIN_PIECE_CHARS);
}

/** The literal pieces of a test name: cut at placeholders only. */
function namePieces(name: string): string[] {
  return name.split(PLACEHOLDER).map((p) => p.trim()).filter((p) => p.length >= MIN_PIECE_CHARS);
}

/** Source text as a message reads: "a" + "b" joined, backslash escapes (string and regex) removed. */
function normalise(source: string): string {
  let text = source.replace(/(["'`])\s*\+\s*(["'`])/g, "");
  // twice: a regex written in a string, "\\(", is escaped twice
  for (let i = 0; i < 2; i++) text = text.replace(/\\([^A-Za-z0-9\s])/g, "$1");
  return text;
}

/** Everything wrong with one row; empty when it is honest. */
function checkRow(row: DocRow, read: Reader): string[] {
  const problems: string[] = [];
  const refSpans = codeSpans(row.ref).map((s) => s.text);
  const tests = refSpans.filter((p) => p.startsWith("tests/"));
  const sources = refSpans.filter((p) => p.startsWith("core/") || p.startsWith("scripts/"));
  const stray = refSpans.filter((p) => !tests.includes(p) && !sources.includes(p));
  if (stray.length > 0) problems.push(`names ${stray.join(", ")}, which is no test or source file`);

  const uncovered = row.section === UNCOVERED;
  if (uncovered) {
    if (tests.length > 0) problems.push("names a test file, so it belongs in its own section");
    if (sources.length === 0) problems.push("names no source file");
  } else {
    if (tests.length === 0) problems.push("names no test file");
    if (sources.length > 0 && !row.ref.includes("text from")) {
      problems.push('names a source file without saying "text from"');
    }
  }

  const texts = new Map<string, string>();
  for (const path of [...tests, ...sources]) {
    const text = read(path);
    if (text === null) problems.push(`names ${path}, which does not exist`);
    else texts.set(path, text);
  }
  const testTexts = tests.flatMap((p) => texts.has(p) ? [normalise(texts.get(p)!)] : []);
  const sourceTexts = sources.flatMap((p) => texts.has(p) ? [normalise(texts.get(p)!)] : []);
  // pieces must be found in the tests; a "text from" row may find them in its sources too
  const haystacks = uncovered ? sourceTexts : [...testTexts, ...sourceTexts];

  const names = quotedNames(row.ref);
  if (!uncovered && names.length === 0) problems.push("quotes no test name");
  for (const name of names) {
    const missing = namePieces(name).filter((piece) => !testTexts.some((t) => t.includes(piece)));
    if (missing.length > 0) problems.push(`test "${name}" is not in ${tests.join(", ")}`);
  }

  if (!CLASS_CELL.test(row.errorClass)) problems.push(`error class "${row.errorClass}" is not a known class`);
  const className = row.errorClass.split(" ")[0];
  if (Object.hasOwn(CORE_CLASSES, className) && !row.errorClass.includes("(exit")) {
    const accepted = [className, CORE_CLASSES[className]];
    if (![...texts.values()].some((t) => accepted.some((n) => t.includes(n)))) {
      problems.push(`error class ${className} (or ${CORE_CLASSES[className]}) appears in none of its files`);
    }
  }

  const spans = codeSpans(row.message);
  if (spans.length === 0) problems.push("quotes no message in backticks");
  for (const span of spans) {
    const pieces = messagePieces(span.text);
    const fixed = pieces.reduce((sum, p) => sum + p.length, 0);
    if (fixed < MIN_FIXED_CHARS) {
      problems.push(`message "${span.text}" has only ${fixed} fixed characters, expected ${MIN_FIXED_CHARS}`);
    }
    for (const piece of pieces) {
      if (!haystacks.some((t) => t.includes(piece))) {
        problems.push(`"${piece}" of "${span.text}" is in none of ${[...tests, ...sources].join(", ")}`);
      }
    }
    if (!span.hint && className !== "—" && (!/^[A-Z]/.test(span.text) || span.text.endsWith("."))) {
      problems.push(`message "${span.text}" is not in the house format (sentence case, no final period)`);
    }
  }
  return problems.map((p) => `${DOC}:${row.line} (${row.section}): ${p}`);
}

function fileReader(): Reader {
  const cache = new Map<string, string | null>();
  return (path) => {
    if (!cache.has(path)) {
      let text: string | null;
      try {
        text = Deno.readTextFileSync(ROOT + path);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
        text = null;
      }
      cache.set(path, text);
    }
    return cache.get(path)!;
  };
}

// ---- the tests ---------------------------------------------------------------------------------

const read = fileReader();
const { headings, rows } = parseDoc(Deno.readTextFileSync(ROOT + DOC));

Deno.test("docs/errors.md has one table per area, in the agreed order", () => {
  assert.deepEqual(headings.filter((h) => (SECTIONS as readonly string[]).includes(h)), [...SECTIONS]);
  for (const section of SECTIONS) {
    assert.ok(rows.some((row) => row.section === section), `section "${section}" has no table rows`);
  }
  assert.deepEqual(rows.filter((row) => !(SECTIONS as readonly string[]).includes(row.section)), []);
});

for (const section of SECTIONS) {
  Deno.test(`docs/errors.md rows of "${section}" match their tests and the code`, () => {
    const problems = rows.filter((row) => row.section === section).flatMap((row) => checkRow(row, read));
    assert.deepEqual(problems, []);
  });
}

Deno.test("docs/errors.md lists each message once per section", () => {
  const seen = new Map<string, number>();
  const repeats: string[] = [];
  for (const row of rows) {
    const key = `${row.section}\0${row.errorClass}\0${row.message}`;
    if (seen.has(key)) repeats.push(`${DOC}:${row.line} repeats line ${seen.get(key)}: ${row.message}`);
    else seen.set(key, row.line);
  }
  assert.deepEqual(repeats, []);
});

Deno.test("the docs/errors.md check catches a changed message, test name or test file in every row", () => {
  const changed = (row: DocRow, edit: Partial<DocRow>) => checkRow({ ...row, ...edit }, read);
  for (const row of rows) {
    assert.deepEqual(checkRow(row, read), [], `${DOC}:${row.line} must pass as written`);
    // a word appended to the last message: the message no longer exists anywhere
    const message = row.message.replace(/`([^`]*)`(?![\s\S]*`)/, "`$1 no longer`");
    assert.notDeepEqual(changed(row, { message }), [], `${DOC}:${row.line}: a changed message passed`);
    if (row.section === UNCOVERED) continue;
    const name = quotedNames(row.ref)[0];
    const renamed = row.ref.replace(`"${name}"`, `"${name.replace(" ", " never ")}"`);
    assert.notDeepEqual(changed(row, { ref: renamed }), [], `${DOC}:${row.line}: a renamed test passed`);
    const moved = row.ref.replace(/`tests\/([a-z_]+)_test\.ts`/, "`tests/$1_gone_test.ts`");
    assert.notDeepEqual(changed(row, { ref: moved }), [], `${DOC}:${row.line}: a missing test file passed`);
  }
  // a message with too little fixed text to mean anything
  const vague = { ...rows[0], message: '`Cannot read "<path>": <reason>`' };
  assert.notDeepEqual(checkRow(vague, read), []);
});

Deno.test("messagePieces() cuts a message at its placeholders and at each colon", () => {
  assert.deepEqual(
    messagePieces('Cannot load dataset: "<images>" holds 3 images but "<labels>" holds 2 labels'),
    ["Cannot load dataset", "holds 3 images but", "holds 2 labels"],
  );
  // "<f4" and "<=" are text, not placeholders
  assert.deepEqual(messagePieces('data is 12 bytes but shape (2, 2) of "<f4" needs 16'), [
    'data is 12 bytes but shape (2, 2) of "<f4" needs 16',
  ]);
  assert.deepEqual(messagePieces('"train.learning_rate" must be > 0 and <= 10, got <value>'), [
    '"train.learning_rate" must be > 0 and <= 10, got',
  ]);
});
