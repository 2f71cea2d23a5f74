/**
 * The shape of core/: no import cycles, and imports that point only down the levels of the folders,
 * as core/mod.ts lists them. Each rule is first checked on a made-up graph that breaks it, so the
 * checks themselves are known to fail when they should.
 */
import assert from "node:assert/strict";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const CORE_DIR = fileURLToPath(new URL("../core/", import.meta.url));

/** The folders of core/, lowest first: a module may import from its own folder or a lower one. */
const LEVELS = [
  "base",
  "formats",
  "network",
  "kernels",
  "digits",
  "augment",
  "training",
  "reports",
  "check",
  "serve",
];

/** Import graph: module path (relative to core/) → the core modules it imports. */
type Graph = Map<string, string[]>;

/** Every .ts file below a folder, as paths relative to it. */
function tsFiles(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory) out.push(...tsFiles(join(dir, entry.name), path));
    else if (entry.name.endsWith(".ts")) out.push(path);
  }
  return out.sort();
}

/**
 * The static imports and re-exports of each module of core/ (type-only ones included: a cycle of
 * types is still a cycle for a reader). JSDoc examples, whose lines start with "*", are not imports.
 */
function coreGraph(): Graph {
  const graph: Graph = new Map();
  const spec =
    /^(?:import|export)(?:\s+type)?\s*(?:\*|\{[^}]*\}|\w+(?:\s*,\s*\{[^}]*\})?)\s*from\s+"(\.[^"]+)"/gm;
  for (const file of tsFiles(CORE_DIR)) {
    const text = Deno.readTextFileSync(join(CORE_DIR, file));
    const targets: string[] = [];
    for (const match of text.matchAll(spec)) {
      targets.push(normalize(join(dirname(file), match[1])));
    }
    graph.set(file, targets);
  }
  return graph;
}

/** One import cycle as a path a → b → … → a, or null when there is none. */
function findCycle(graph: Graph): string[] | null {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, "done");
    return null;
  };
  for (const node of graph.keys()) {
    if (!state.has(node)) {
      const found = visit(node);
      if (found) return found;
    }
  }
  return null;
}

/** Imports from a folder to a higher one (core/mod.ts, the top, may import anything). */
function layeringViolations(graph: Graph): string[] {
  const level = (path: string) => LEVELS.indexOf(path.split("/")[0]);
  const out: string[] = [];
  for (const [from, targets] of graph) {
    if (!from.includes("/")) continue;
    for (const to of targets) {
      if (level(to) > level(from)) out.push(`${from} imports ${to}`);
    }
  }
  return out;
}

Deno.test("findCycle() finds a cycle of three modules and none in a chain", () => {
  const cyclic: Graph = new Map([["a.ts", ["b.ts"]], ["b.ts", ["c.ts"]], ["c.ts", ["a.ts"]], ["d.ts", [
    "a.ts",
  ]]]);
  assert.deepEqual(findCycle(cyclic), ["a.ts", "b.ts", "c.ts", "a.ts"]);
  assert.equal(findCycle(new Map([["a.ts", ["b.ts"]], ["b.ts", ["c.ts"]], ["c.ts", []]])), null);
});

Deno.test("layeringViolations() reports a formats module that imports a training module", () => {
  const graph: Graph = new Map([
    ["formats/npz.ts", ["training/weights.ts", "base/errors.ts"]],
    ["training/weights.ts", ["formats/npz.ts"]],
  ]);
  assert.deepEqual(layeringViolations(graph), ["formats/npz.ts imports training/weights.ts"]);
});

Deno.test("every folder of core/ has a level, and every module sits in a folder or is core/mod.ts", () => {
  const folders = [...Deno.readDirSync(CORE_DIR)].filter((e) => e.isDirectory).map((e) => e.name);
  assert.deepEqual([...folders].sort(), [...LEVELS].sort());
  for (const file of tsFiles(CORE_DIR)) assert.ok(file.includes("/") || file === "mod.ts", file);
});

Deno.test("the modules of core/ import each other without a cycle", () => {
  const graph = coreGraph();
  assert.ok(graph.size > 40, `read only ${graph.size} modules`);
  const edges = [...graph.values()].reduce((sum, targets) => sum + targets.length, 0);
  assert.ok(edges > 100, `read only ${edges} imports`);
  for (const targets of graph.values()) {
    for (const to of targets) assert.ok(graph.has(to), `import of a missing module ${to}`);
  }
  const cycle = findCycle(graph);
  assert.equal(cycle, null, `import cycle: ${cycle?.join(" → ")}`);
});

Deno.test("no folder of core/ imports from a higher one (base ← formats ← network ← … ← serve)", () => {
  assert.deepEqual(layeringViolations(coreGraph()), []);
});

Deno.test("the level order in this test is the one core/mod.ts tells its readers", () => {
  const doc = Deno.readTextFileSync(join(CORE_DIR, "mod.ts"));
  const told = doc.match(/levels: ([a-z ←*\n]+)\(/)?.[1].replace(/[\s*]+/g, " ").trim();
  assert.equal(told, LEVELS.join(" ← "));
  assert.equal(relative(CORE_DIR, join(CORE_DIR, "network")), "network");
});
