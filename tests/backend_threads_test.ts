import { concatBytes } from "../core/base/bytes.ts";
import assert from "node:assert/strict";
import { type Backend, loadParams } from "../core/kernels/backend.ts";
import {
  createThreadedBackend,
  CTRL_WORDS,
  MAX_THREADS,
  queueTasks,
  taskChunks,
  taskCount,
  taskRows,
} from "../core/kernels/backend_threads.ts";
import {
  CONTROL_OFFSET,
  createWasmBackend,
  HIDDEN_CHUNKS,
  PART_ENTRY_BYTES,
  PART_TABLE,
} from "../core/kernels/backend_wasm.ts";
import { loadInputRow } from "../core/network/input.ts";
import { type Activation, D, initParams, K } from "../core/network/network.ts";
import { Rng } from "../core/network/rng.ts";

/** Train a backend for `steps` seeded steps; return the bytes of its parameters, losses and probabilities. */
function train(backend: Backend, activation: Activation, n: number, steps: number, seed: number): Uint8Array {
  const hidden = backend.params.sizes[1];
  const rng = new Rng(seed);
  const params = initParams(hidden, activation, rng);
  for (let j = 0; j < hidden; j++) params.b[0][j] = rng.nextNormal() * 0.1;
  loadParams(backend, params);
  const losses = new Float64Array(steps + 1);
  const labels = new Uint8Array(n);
  for (let step = 0; step < steps; step++) {
    for (let i = 0; i < n * D; i++) backend.x[i] = rng.nextFloat() < 0.8 ? 0 : rng.nextFloat();
    for (let s = 0; s < n; s++) labels[s] = rng.nextInt(K);
    losses[step] = backend.trainStep(labels, 0, n, n === 1 ? 0.01 : 0.1);
  }
  losses[steps] = backend.predict(labels, 0, n);
  const [w0, w1] = backend.params.w, [b0, b1] = backend.params.b;
  const parts = [w0, b0, w1, b1, backend.probs.subarray(0, n * K), losses];
  return concatBytes(parts.map((p) => new Uint8Array(p.slice().buffer)));
}

/**
 * `count` random sparse images (80 % paper), a copy of them to hold, an order that visits them out of
 * sequence, and a label for each, all from the seed.
 */
function sparseImages(count: number, seed: number) {
  const pixels = new Uint8Array(count * D);
  const rng = new Rng(seed);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.nextFloat() < 0.8 ? 0 : rng.nextInt(256);
  const held = pixels.slice();
  const order = Uint32Array.from({ length: count }, (_, i) => (i * 53) % count);
  const labels = Uint8Array.from({ length: count }, () => rng.nextInt(K));
  return { pixels, held, order, labels };
}

for (const activation of ["relu", "sigmoid"] as const) {
  Deno.test(`threaded backend gives the same bytes for 1, 2 and 3 threads and the wasm backend (${activation})`, async () => {
    for (const [hidden, n] of [[130, 64], [128, 1], [7, 5]]) {
      const single = await createWasmBackend(hidden, activation, n);
      const expected = train(single, activation, n, 10, hidden + n);
      single.dispose();
      for (const threads of [1, 2, 3]) {
        const backend = await createThreadedBackend(hidden, activation, n, threads);
        try {
          const actual = train(backend, activation, n, 10, hidden + n);
          assert.ok(
            actual.length === expected.length && actual.every((v, i) => v === expected[i]),
            `H = ${hidden}, N = ${n}, ${threads} threads: bytes differ from the single-thread backend`,
          );
        } finally {
          backend.dispose();
        }
      }
    }
  });
}

Deno.test("threaded loadImages() and predict() split by rows give the single-thread bytes, with and without labels", async () => {
  const n = 70, count = 90;
  const pixels = new Uint8Array(count * D);
  const rng = new Rng(4);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.nextFloat() < 0.8 ? 0 : rng.nextInt(256);
  const order = Uint32Array.from({ length: count }, (_, i) => (i * 37) % count);
  const labels = Uint8Array.from({ length: count }, () => rng.nextInt(K));
  const params = initParams(40, "relu", new Rng(8));
  const run = (backend: Backend) => {
    try {
      loadParams(backend, params);
      backend.loadImages(pixels, 10, n, order);
      const x = backend.x.slice(0, n * D);
      const loss = backend.predict(labels, 5, n);
      const probs = backend.probs.slice(0, n * K);
      const none = backend.predict(null, 0, n);
      return { x, loss, probs, none, probsAgain: backend.probs.slice(0, n * K) };
    } finally {
      backend.dispose();
    }
  };
  const expected = run(await createWasmBackend(40, "relu", n));
  for (const threads of [2, 3, MAX_THREADS]) {
    const actual = run(await createThreadedBackend(40, "relu", n, threads));
    assert.deepEqual(actual.x, expected.x, `${threads} threads: x`);
    assert.ok(
      Object.is(actual.loss, expected.loss),
      `${threads} threads: loss ${actual.loss} vs ${expected.loss}`,
    );
    assert.deepEqual(actual.probs, expected.probs, `${threads} threads: probabilities`);
    assert.equal(actual.none, 0);
    assert.deepEqual(actual.probsAgain, expected.probs);
  }
});

Deno.test("threaded loadImages() and predictImages() of held images, and training on them, give the single-thread bytes", async () => {
  const n = 33, count = 100;
  const pixels = new Uint8Array(count * D);
  const rng = new Rng(12);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.nextFloat() < 0.8 ? 0 : rng.nextInt(256);
  const order = Uint32Array.from({ length: count }, (_, i) => (i * 41) % count);
  const labels = Uint8Array.from({ length: count }, () => rng.nextInt(K));
  const params = initParams(24, "relu", new Rng(2));
  const run = (backend: Backend) => {
    try {
      loadParams(backend, params);
      backend.holdImages!(pixels);
      const losses: number[] = [];
      for (let start = 0; start + n <= count; start += n) {
        backend.loadImages(pixels, start, n, order);
        losses.push(backend.trainStep(labels, start, n, 0.1));
      }
      const predicted = backend.predictImages(pixels, 50, n, labels);
      return {
        losses,
        w0: backend.params.w[0].slice(),
        x: backend.x.slice(0, n * D),
        predicted,
        probs: backend.probs.slice(0, n * K),
      };
    } finally {
      backend.dispose();
    }
  };
  const expected = run(await createWasmBackend(24, "relu", n));
  for (const threads of [2, 3]) {
    const actual = run(await createThreadedBackend(24, "relu", n, threads));
    assert.deepEqual(actual, expected, `${threads} threads`);
  }
});

Deno.test("threaded steps see x however it was filled: loaded, held, written, kept, or its source replaced", async () => {
  const n = 40;
  const { pixels, held, order, labels } = sparseImages(120, 21);
  const params = initParams(36, "relu", new Rng(5));
  const run = (backend: Backend) => {
    try {
      loadParams(backend, params);
      backend.holdImages!(held);
      const losses: number[] = [];
      const x = backend.x; // a view taken before any loadImages, written only before the first
      x.fill(0.25, 0, 3 * D);
      losses.push(backend.trainStep(labels, 0, n, 0.1)); // rows written through the view
      x.fill(0.75, 3 * D, 6 * D); // and again after a step, as the training loop's augmenter does
      losses.push(backend.trainStep(labels, 0, n, 0.1));
      backend.loadImages(held, 10, n); // gathered from the held images
      losses.push(backend.trainStep(labels, 10, n, 0.1));
      losses.push(backend.trainStep(labels, 10, n, 0.1)); // the same rows again
      backend.loadImages(pixels, 50, n); // copied in
      losses.push(backend.trainStep(labels, 50, n, 0.1));
      backend.x[7] = 1; // one number written after loading
      losses.push(backend.trainStep(labels, 50, n, 0.1));
      backend.loadImages(pixels, 0, 2); // a batch too small for the workers: the caller's lane only
      losses.push(backend.trainStep(labels, 0, 2, 0.1));
      losses.push(backend.trainStep(labels, 0, n, 0.1)); // rows 2.. kept from before, row 0, 1 new
      backend.loadImages(pixels, 20, n); // copied in, then the bytes overwritten by a prediction
      losses.push(backend.predictImages(pixels, 60, n, labels));
      losses.push(backend.trainStep(labels, 20, n, 0.1));
      backend.loadImages(held, 70, n, order); // two batches in a row: the second one counts
      backend.loadImages(held, 5, n, order);
      losses.push(backend.trainStep(labels, 5, n, 0.1));
      backend.loadImages(held, 30, n); // gathered, then other images held in their place
      backend.holdImages!(pixels.slice().reverse());
      losses.push(backend.trainStep(labels, 30, n, 0.1));
      return { losses, w0: backend.params.w[0].slice(), x: backend.x.slice(0, n * D) };
    } finally {
      backend.dispose();
    }
  };
  const expected = run(await createWasmBackend(36, "relu", n));
  // each batch on all threads or on the calling thread alone, as the mode chooser may decide
  const ways: [string, () => (n: number) => boolean][] = [
    ["all threads", () => () => true],
    ["the calling thread", () => () => false],
    ["alternating", () => {
      let i = 0;
      return () => i++ % 2 === 0;
    }],
    ["seeded", () => {
      const rng = new Rng(77);
      return () => rng.nextFloat() < 0.5;
    }],
  ];
  for (const threads of [2, 3]) {
    for (const [way, choose] of ways) {
      const actual = run(await createThreadedBackend(36, "relu", n, threads, choose()));
      const what = `${threads} threads, ${way}`;
      assert.deepEqual(actual.losses, expected.losses, `${what}: losses`);
      // compared as one boolean each: a diff of arrays this long would take gigabytes to print
      assert.ok(actual.w0.every((v, i) => Object.is(v, expected.w0[i])), `${what}: w0 differs`);
      assert.ok(actual.x.every((v, i) => Object.is(v, expected.x[i])), `${what}: x differs`);
    }
  }
});

Deno.test("a step right after loadImages, whose load lists the rows itself, gives the bytes of the rows written into x", async () => {
  // loadImages lists the rows and builds the sample masks, and the step then skips its lists phase;
  // a step whose rows were written through x lists them itself. Both must train alike, also when a
  // prediction lists other rows in between, or the step is smaller than the batch loaded.
  const n = 40;
  const { pixels, held, order, labels } = sparseImages(120, 23);
  const params = initParams(36, "relu", new Rng(6));
  const run = (backend: Backend, load: boolean) => {
    try {
      loadParams(backend, params);
      backend.holdImages!(held);
      const rows = (images: Uint8Array, start: number, rowCount: number, rowOrder?: Uint32Array) => {
        if (load) return backend.loadImages(images, start, rowCount, rowOrder);
        const x = backend.x;
        for (let r = 0; r < rowCount; r++) {
          loadInputRow(images, rowOrder ? rowOrder[start + r] : start + r, x, r);
        }
      };
      const losses: number[] = [];
      rows(pixels, 0, n); // copied in
      losses.push(backend.trainStep(labels, 0, n, 0.1));
      rows(held, 10, n, order); // gathered
      losses.push(backend.trainStep(labels, 10, n, 0.1));
      rows(held, 20, n); // a prediction of other images in between
      losses.push(backend.predictImages(held, 70, n, labels));
      losses.push(backend.trainStep(labels, 20, n, 0.1));
      rows(pixels, 30, n); // a prediction from x in between
      losses.push(backend.predict(labels, 30, n));
      losses.push(backend.trainStep(labels, 30, n, 0.1));
      rows(held, 50, n); // a step of fewer rows than loaded
      losses.push(backend.trainStep(labels, 50, n - 7, 0.1));
      rows(pixels, 60, 1); // per-image
      losses.push(backend.trainStep(labels, 60, 1, 0.01));
      return { losses, w0: backend.params.w[0].slice() };
    } finally {
      backend.dispose();
    }
  };
  const expected = run(await createWasmBackend(36, "relu", n), false);
  for (const threads of [1, 2]) {
    for (const load of [true, false]) {
      const backend = threads === 1
        ? await createWasmBackend(36, "relu", n)
        : await createThreadedBackend(36, "relu", n, threads);
      const actual = run(backend, load);
      const what = `${threads} thread(s), ${load ? "loaded" : "written"}`;
      assert.deepEqual(actual.losses, expected.losses, `${what}: losses`);
      assert.ok(actual.w0.every((v, i) => Object.is(v, expected.w0[i])), `${what}: w0 differs`);
    }
  }
});

Deno.test("threaded backend with 16 threads, one chunk per task, still gives the same bytes", async () => {
  const single = await createWasmBackend(64, "relu", 8);
  const expected = train(single, "relu", 8, 3, 1);
  single.dispose();
  const backend = await createThreadedBackend(64, "relu", 8, MAX_THREADS);
  try {
    assert.deepEqual(train(backend, "relu", 8, 3, 1), expected);
  } finally {
    backend.dispose();
  }
});

Deno.test("tasks cover every chunk once, and every thread has a home share of them", () => {
  for (let threads = 1; threads <= MAX_THREADS; threads++) {
    const tasks = taskCount(threads);
    let chunk = 0;
    for (let t = 0; t < tasks; t++) {
      const [c0, c1] = taskChunks(t, tasks);
      assert.equal(c0, chunk);
      assert.ok(c1 > c0, `task ${t} of ${tasks} has no chunk`);
      chunk = c1;
    }
    assert.equal(chunk, HIDDEN_CHUNKS);
    // the workers' home tasks first, in thread order, then the calling thread's (thread 0): the first
    // half of the chunks, whose logits a worker adds up in the forward phase, belongs to a worker
    let task = 0;
    for (let i = 1; i <= threads; i++) {
      const q = i % threads;
      const [t0, t1] = queueTasks(q, threads, tasks);
      assert.equal(t0, task);
      assert.ok(t1 > t0, `thread ${q} of ${threads} has no task`);
      task = t1;
    }
    assert.equal(task, tasks);
    if (threads > 1) {
      assert.ok(queueTasks(0, threads, tasks)[0] >= tasks / 2, "the calling thread has first-half tasks");
    }
  }
});

Deno.test("a phase of rows cuts them into consecutive ranges that cover each row once", () => {
  for (const threads of [2, 3, 16]) {
    const tasks = taskCount(threads);
    for (const n of [4, 5, 15, 16, 17, 1000]) {
      let next = 0;
      for (let task = 0; task < tasks; task++) {
        const [s0, s1] = taskRows(task, tasks, n);
        assert.equal(s0, next, `${threads} threads, n = ${n}, task ${task}`);
        assert.ok(s1 >= s0 && s1 - s0 <= Math.ceil(n / tasks));
        next = s1;
      }
      assert.equal(next, n);
    }
  }
});

Deno.test("createThreadedBackend() rejects a thread count outside [1, 16]", async () => {
  for (const threads of [0, 17, 1.5, NaN]) {
    await assert.rejects(() => createThreadedBackend(8, "relu", 1, threads), {
      name: "LimitError",
      message: `Cannot create the wasm backend: thread count is ${threads}, expected an integer in [1, 16]`,
    });
  }
  await assert.rejects(() => createThreadedBackend(0, "relu", 1, 2), {
    name: "LimitError",
    message: "Cannot create the wasm backend: hidden size is 0, expected a positive integer",
  });
});

Deno.test("threaded backend refuses calls after dispose() and disposes twice without harm", async () => {
  const backend = await createThreadedBackend(8, "relu", 2, 2);
  backend.x.fill(0.5);
  backend.predict(null, 0, 2);
  backend.dispose();
  backend.dispose();
  assert.throws(() => backend.trainStep([0, 1], 0, 2, 0.1), {
    message: "Cannot use the wasm backend: it was disposed",
  });
});

Deno.test("the control words end where the kernels' part table starts, and the table before the gather sink", () => {
  assert.equal(CONTROL_OFFSET + 4 * CTRL_WORDS, PART_TABLE);
  assert.ok(PART_TABLE + PART_ENTRY_BYTES * HIDDEN_CHUNKS <= 1984);
});
