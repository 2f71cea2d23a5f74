import assert from "node:assert/strict";
import { loadParams } from "../core/backend.ts";
import { createBackend } from "../core/backend_factory.ts";
import type { BackendKind } from "../core/backend.ts";
import { D, initParams } from "../core/network.ts";
import { Rng } from "../core/rng.ts";

Deno.test("createBackend() makes the ts, wasm and threaded backends, which agree on a prediction", async () => {
  const params = initParams(16, "relu", new Rng(1));
  const probs: Float32Array[] = [];
  for (const [kind, threads] of [["ts", 1], ["wasm", 1], ["wasm", 2]] as const) {
    const backend = await createBackend(kind, 16, "relu", 3, threads);
    try {
      assert.equal(backend.kind, kind);
      assert.equal(backend.capacity, 3);
      assert.equal(backend.params.hidden, 16);
      loadParams(backend, params);
      for (let i = 0; i < 3 * D; i++) backend.x[i] = (i % 7) / 7;
      backend.predict(null, 0, 3);
      probs.push(backend.probs.slice(0, 30));
    } finally {
      backend.dispose();
    }
  }
  for (const p of probs.slice(1)) {
    for (let i = 0; i < p.length; i++) assert.ok(Math.abs(p[i] - probs[0][i]) <= 1e-6, `probability ${i}`);
  }
  assert.deepEqual(probs[1], probs[2]); // wasm on 1 or 2 threads: the same bytes
});

Deno.test("createBackend() rejects an unknown kind, a bad thread count and threads for ts", async () => {
  await assert.rejects(() => createBackend("gpu" as BackendKind, 8, "relu", 1), {
    name: "LimitError",
    message: 'Cannot create a backend: kind is "gpu", expected "ts" or "wasm"',
  });
  await assert.rejects(() => createBackend("wasm", 8, "relu", 1, 0), {
    name: "LimitError",
    message: "Cannot create a backend: thread count is 0, expected an integer in [1, 16]",
  });
  await assert.rejects(() => createBackend("ts", 8, "relu", 1, 2), {
    name: "LimitError",
    message: 'Cannot create a backend: the "ts" kernels run on 1 thread, 2 were asked for',
  });
  await assert.rejects(() => createBackend("ts", -1, "relu", 1), {
    name: "LimitError",
    message: "Cannot create the ts backend: hidden size is -1, expected a positive integer",
  });
});
