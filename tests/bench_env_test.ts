// The bench's numpy side runs without the machine's OpenBLAS tuning variables, and only those: the
// environment changes (childEnv), the wrapper that applies them, and the core check that warns when
// numpy's OpenBLAS is not on the CPU's best kernels. The wrapper tests need python3; the core report
// test needs numpy too.

import assert from "node:assert/strict";
import {
  blasCoreCheck,
  childEnv,
  MALLOC_ENV,
  NUMPY_UNSET_ENV,
  numpyEnvironment,
  runWithPeakRss,
} from "../bench/run_bench.ts";
import { pythonCanImport } from "./_python.ts";

const NO_PYTHON = !(await pythonCanImport("json"));
const NO_NUMPY = !(await pythonCanImport("numpy"));

/** What the machine sets, plus variables that must survive: another OPENBLAS_ one and a marker. */
const MACHINE_ENV: Record<string, string> = {
  OPENBLAS_CORETYPE: "Haswell",
  OPENBLAS_L2_SIZE: "262144",
  OPENBLAS_VERBOSE: "0",
  BENCH_ENV_TEST_MARKER: "kept = yes",
};

const AVX512_FLAGS = ["avx", "avx2", "avx512f", "avx512vl"];
const AVX2_FLAGS = ["avx", "avx2"];

/** Run `body` with MACHINE_ENV set in this process's environment, then restore what was there. */
async function _withMachineEnv<T>(body: () => Promise<T>): Promise<T> {
  const saved = Object.keys(MACHINE_ENV).map((name) => [name, Deno.env.get(name)] as const);
  for (const [name, value] of Object.entries(MACHINE_ENV)) Deno.env.set(name, value);
  try {
    return await body();
  } finally {
    for (const [name, value] of saved) {
      value === undefined ? Deno.env.delete(name) : Deno.env.set(name, value);
    }
  }
}

/** The environment a child of the wrapper sees, run with `side`'s changes. */
async function _childEnvironment(side: "ours" | "numpy"): Promise<Record<string, string>> {
  const wrapped = await runWithPeakRss(
    ["python3", "-c", "import json, os; print(json.dumps(dict(os.environ)))"],
    childEnv(side, 3),
  );
  assert.ok(wrapped, "the wrapper printed no report");
  assert.equal(wrapped.exit_code, 0);
  return JSON.parse(wrapped.stdout);
}

Deno.test("childEnv() removes exactly OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE on the numpy side", () => {
  assert.deepEqual([...NUMPY_UNSET_ENV], ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"]);
  const env = childEnv("numpy", 2);
  assert.deepEqual([...env.unset], ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"]);
  assert.deepEqual(env.set, {
    OPENBLAS_NUM_THREADS: "2",
    OMP_NUM_THREADS: "2",
    MKL_NUM_THREADS: "2",
    MALLOC_MMAP_THRESHOLD_: "33554432",
    MALLOC_TRIM_THRESHOLD_: "2147483647",
  });
  assert.deepEqual({ ...MALLOC_ENV }, {
    MALLOC_MMAP_THRESHOLD_: "33554432",
    MALLOC_TRIM_THRESHOLD_: "2147483647",
  });
  assert.ok(Object.keys(env.set).every((name) => !env.unset.includes(name)));
});

Deno.test("childEnv() removes nothing on our side and gives it the same thread budget", () => {
  const env = childEnv("ours", 2);
  assert.deepEqual([...env.unset], []);
  assert.deepEqual(env.set, childEnv("numpy", 2).set);
});

Deno.test({
  name: "the numpy side's process loses the two variables and keeps every other one",
  ignore: NO_PYTHON,
  fn: () =>
    _withMachineEnv(async () => {
      // compared with our side's child, not with this process: python3 may be a shell shim (pyenv)
      // that rewrites PATH and "_" and adds its own variables on both sides alike
      const ours = await _childEnvironment("ours");
      const numpy = await _childEnvironment("numpy");
      for (const name of NUMPY_UNSET_ENV) {
        assert.equal(ours[name], MACHINE_ENV[name], `${name} did not reach our side`);
        assert.ok(!(name in numpy), `${name} reached the numpy side`);
      }
      const kept = Object.keys(ours).filter((name) => !NUMPY_UNSET_ENV.includes(name)).sort();
      assert.deepEqual(Object.keys(numpy).sort(), kept);
      for (const name of kept) assert.equal(numpy[name], ours[name], name);
      assert.equal(numpy.OPENBLAS_VERBOSE, "0");
      assert.equal(numpy.BENCH_ENV_TEST_MARKER, "kept = yes");
      assert.equal(numpy.OPENBLAS_NUM_THREADS, "3");
      // the bench's own environment is untouched: tests and CI keep the machine's settings
      assert.equal(Deno.env.get("OPENBLAS_CORETYPE"), "Haswell");
    }),
});

Deno.test({
  name: "our side's process keeps the machine's OpenBLAS variables",
  ignore: NO_PYTHON,
  fn: () =>
    _withMachineEnv(async () => {
      const child = await _childEnvironment("ours");
      for (const [name, value] of Object.entries(MACHINE_ENV)) assert.equal(child[name], value, name);
    }),
});

Deno.test("blasCoreCheck() wants an AVX-512 core on a CPU with avx512f", () => {
  for (const core of ["SkylakeX", "Cooperlake", "SapphireRapids", "skylakex"]) {
    assert.equal(blasCoreCheck(core, AVX512_FLAGS).best, true, core);
  }
  for (const core of ["Haswell", "Zen", "Sandybridge", "Prescott"]) {
    assert.equal(blasCoreCheck(core, AVX512_FLAGS).best, false, core);
  }
  assert.deepEqual(blasCoreCheck("Haswell", AVX512_FLAGS).expected, [
    "SkylakeX",
    "Cooperlake",
    "SapphireRapids",
  ]);
});

Deno.test("blasCoreCheck() wants Haswell or Zen on a CPU with avx2 and no avx512f", () => {
  assert.equal(blasCoreCheck("Haswell", AVX2_FLAGS).best, true);
  assert.equal(blasCoreCheck("Zen", AVX2_FLAGS).best, true);
  assert.equal(blasCoreCheck("Sandybridge", AVX2_FLAGS).best, false);
  assert.deepEqual(blasCoreCheck("Sandybridge", AVX2_FLAGS).expected, ["Haswell", "Zen"]);
});

Deno.test("blasCoreCheck() does not judge an unknown core or a CPU without avx2", () => {
  assert.deepEqual(blasCoreCheck(null, AVX512_FLAGS).best, null);
  assert.deepEqual(blasCoreCheck("", AVX512_FLAGS).best, null);
  assert.deepEqual(blasCoreCheck("Sandybridge", ["avx"]), { best: null, expected: [] });
  assert.deepEqual(blasCoreCheck("Haswell", []), { best: null, expected: [] });
});

Deno.test({
  name: "numpyEnvironment() reports numpy's version and the OpenBLAS core it loads without the two variables",
  ignore: NO_NUMPY,
  fn: () =>
    _withMachineEnv(async () => {
      const report = await numpyEnvironment(childEnv("numpy", 1));
      assert.match(report.numpy, /^\d+\.\d+/);
      assert.ok(Array.isArray(report.cpu_flags));
      assert.deepEqual(Object.keys(report.openblas_env).filter((n) => NUMPY_UNSET_ENV.includes(n)), []);
      assert.deepEqual(report.check, blasCoreCheck(report.blas_core, report.cpu_flags));
      assert.equal(report.warning === null, report.check.best !== false);
      if (!/openblas/i.test(report.blas)) {
        assert.equal(report.blas_core, null); // MKL or Accelerate: nothing to read
        return;
      }
      assert.equal(typeof report.blas_core, "string");
      assert.ok(report.blas_core!.length > 0);
      assert.ok(String(report.blas_config).includes(report.blas_core!));
    }),
});

Deno.test({
  name: "numpyEnvironment() warns when OPENBLAS_CORETYPE keeps OpenBLAS on Haswell on an AVX-512 CPU",
  ignore: NO_NUMPY,
  fn: () =>
    _withMachineEnv(async () => {
      // our side's changes keep the machine's variables: numpy as the tests and CI run it
      const report = await numpyEnvironment(childEnv("ours", 1));
      assert.equal(report.openblas_env.OPENBLAS_CORETYPE, "Haswell");
      // only an OpenBLAS built for every x86 core (DYNAMIC_ARCH) can be forced to Haswell
      if (!/DYNAMIC_ARCH/.test(String(report.blas_config)) || !report.cpu_flags.includes("avx2")) return;
      assert.equal(report.blas_core, "Haswell");
      if (!report.cpu_flags.includes("avx512f")) return;
      assert.equal(report.check.best, false);
      assert.match(
        report.warning ?? "",
        /^WARNING: numpy's OpenBLAS runs its "Haswell" kernels, but this CPU's best/,
      );
    }),
});
