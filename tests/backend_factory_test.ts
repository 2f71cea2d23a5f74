import assert from "node:assert/strict";
import { type Backend, DEFAULT_TRAINING, loadParams } from "../core/kernels/backend.ts";
import { createBackend, fusedKernelsFit } from "../core/kernels/backend_factory.ts";
import { DEFAULT_OPTIMIZER } from "../core/network/optimizers.ts";
import type { BackendKind } from "../core/kernels/backend.ts";
import { LimitError } from "../core/base/errors.ts";
import { PIXEL_TO_INPUT } from "../core/network/input.ts";
import { D, initParams, K } from "../core/network/network.ts";
import { Rng } from "../core/network/rng.ts";

Deno.test("createBackend() makes the ts, wasm and threaded backends, which agree on a prediction", async () => {
  const params = initParams(16, "relu", new Rng(1));
  const probs: Float32Array[] = [];
  for (const [kind, threads] of [["ts", 1], ["wasm", 1], ["wasm", 2]] as const) {
    const backend = await createBackend(kind, 16, "relu", 3, threads);
    try {
      assert.equal(backend.kind, kind);
      assert.equal(backend.capacity, 3);
      assert.deepEqual(backend.params.sizes, [D, 16, K]);
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

/** Every backend kind, with the thread counts worth testing. */
const KINDS = [["ts", 1], ["wasm", 1], ["wasm", 2]] as const;

/** Run `body` on a backend of every kind (H = 8, relu), disposing each after. */
async function onEveryBackend(
  capacity: number,
  body: (backend: Backend, what: string) => void,
): Promise<void> {
  for (const [kind, threads] of KINDS) {
    const backend = await createBackend(kind, 8, "relu", capacity, threads);
    try {
      body(backend, `${kind} ${threads}`);
    } finally {
      backend.dispose();
    }
  }
}

/** Assert that `call` throws a LimitError with exactly `message`. */
function assertRefuses(call: () => void, message: string, what: string): void {
  assert.throws(call, (e) => e instanceof LimitError && e.message === message, what);
}

Deno.test("loadImages() writes PIXEL_TO_INPUT's float for every byte value, in every backend", async () => {
  // 3 images: bytes 0..255 in a scattered order, a blank one, and one with lone bytes among zeros
  const pixels = new Uint8Array(3 * D);
  for (let i = 0; i < D; i++) pixels[i] = (i * 37) % 256;
  for (let i = 0; i < D; i += 17) pixels[2 * D + i] = 255 - (i % 256);
  const expected = Float32Array.from(pixels, (p) => PIXEL_TO_INPUT[p]);
  for (let p = 0; p < 256; p++) assert.equal(PIXEL_TO_INPUT[p], Math.fround(p / 255));
  await onEveryBackend(3, (backend, what) => {
    backend.x.fill(0.5); // stale rows must be overwritten, zeros included
    backend.loadImages(pixels, 0, 3);
    assert.deepEqual(backend.x.slice(0, 3 * D), expected, what);
  });
});

Deno.test("loadImages() takes rows in the given order from start, or in sequence without one", async () => {
  const count = 5;
  const pixels = new Uint8Array(count * D);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7 + (i >> 9)) % 251;
  const row = (image: number) =>
    Float32Array.from(pixels.subarray(image * D, (image + 1) * D), (p) => p / 255);
  await onEveryBackend(3, (backend, what) => {
    backend.loadImages(pixels, 1, 3, [4, 2, 0, 3, 1]); // rows: images 2, 0, 3
    for (const [r, image] of [2, 0, 3].entries()) {
      assert.deepEqual(backend.x.slice(r * D, (r + 1) * D), row(image), `${what} row ${r}`);
    }
    backend.loadImages(pixels, 3, 2); // rows: images 3, 4
    assert.deepEqual(backend.x.slice(0, D), row(3), what);
    assert.deepEqual(backend.x.slice(D, 2 * D), row(4), what);
    assert.deepEqual(backend.x.slice(2 * D, 3 * D), row(3), `${what}: row 2 is left alone`);
  });
});

Deno.test("loadImages() refuses a bad batch size, partial images and rows outside the images or order", async () => {
  const pixels = new Uint8Array(4 * D);
  await onEveryBackend(3, (backend, what) => {
    assertRefuses(
      () => backend.loadImages(pixels, 0, 4),
      "Cannot load images: batch size is 4, expected an integer in [1, 3]",
      what,
    );
    assertRefuses(
      () => backend.loadImages(pixels, 0, 0),
      "Cannot load images: batch size is 0, expected an integer in [1, 3]",
      what,
    );
    assertRefuses(
      () => backend.loadImages(pixels.subarray(1), 0, 1),
      `Cannot load images: ${4 * D - 1} bytes are not whole images of 784 pixels`,
      what,
    );
    assertRefuses(
      () => backend.loadImages(pixels, 2, 3),
      "Cannot load images: rows 2 to 4 are not all in the images, which holds 4",
      what,
    );
    assertRefuses(
      () => backend.loadImages(pixels, -1, 1),
      "Cannot load images: rows -1 to -1 are not all in the images, which holds 4",
      what,
    );
    assertRefuses(
      () => backend.loadImages(pixels, 1, 2, [0, 1]),
      "Cannot load images: rows 1 to 2 are not all in the order, which holds 2",
      what,
    );
    assertRefuses(
      () => backend.loadImages(pixels, 0, 2, [3, 4]),
      "Cannot load images: order[1] is 4, expected an image index in [0, 3]",
      what,
    );
    assertRefuses(
      () => backend.loadImages(pixels, 0, 1, [0.5]),
      "Cannot load images: order[0] is 0.5, expected an image index in [0, 3]",
      what,
    );
  });
});

Deno.test("predictImages() gives the bytes of loadImages() then predict(), in every backend, with and without labels", async () => {
  // 12 images: the first holds every byte value; the others are sparse, with blank 16-pixel groups
  const count = 12, n = 9, start = 2;
  const pixels = new Uint8Array(count * D);
  for (let i = 0; i < D; i++) pixels[i] = (i * 37) % 256;
  const rng = new Rng(6);
  for (let i = D; i < pixels.length; i++) pixels[i] = rng.nextFloat() < 0.8 ? 0 : 1 + rng.nextInt(255);
  pixels.copyWithin(start * D, 0, D); // image 2, predicted in row 0, holds every byte value too
  const labels = Uint8Array.from({ length: count }, () => rng.nextInt(K));
  const params = initParams(40, "relu", new Rng(9));
  for (const [kind, threads] of [...KINDS, ["wasm", 3]] as const) {
    const backend = await createBackend(kind, 40, "relu", 10, threads);
    try {
      loadParams(backend, params);
      backend.loadImages(pixels, start, n);
      const loss = backend.predict(labels, start, n);
      const probs = backend.probs.slice(0, n * K);
      backend.probs.fill(0);
      const direct = backend.predictImages(pixels, start, n, labels);
      const what = `${kind} ${threads}`;
      assert.ok(Object.is(direct, loss), `${what}: loss ${direct} vs ${loss}`);
      assert.ok(loss > 0);
      assert.deepEqual(backend.probs.slice(0, n * K), probs, `${what}: probabilities`);
      backend.probs.fill(0);
      assert.equal(backend.predictImages(pixels, start, n, null), 0, `${what}: no labels, no loss`);
      assert.deepEqual(backend.probs.slice(0, n * K), probs, `${what}: probabilities without labels`);
    } finally {
      backend.dispose();
    }
  }
});

Deno.test("predictImages() refuses a bad batch size, rows outside the images and bad labels", async () => {
  const pixels = new Uint8Array(4 * D);
  await onEveryBackend(3, (backend, what) => {
    assertRefuses(
      () => backend.predictImages(pixels, 0, 4, null),
      "Cannot load images: batch size is 4, expected an integer in [1, 3]",
      what,
    );
    assertRefuses(
      () => backend.predictImages(pixels.subarray(1), 0, 1, null),
      `Cannot load images: ${4 * D - 1} bytes are not whole images of 784 pixels`,
      what,
    );
    assertRefuses(
      () => backend.predictImages(pixels, 2, 3, null),
      "Cannot load images: rows 2 to 4 are not all in the images, which holds 4",
      what,
    );
    assertRefuses(
      () => backend.predictImages(pixels, 1, 3, [0, 1, 2]),
      "Cannot predict: labels from offset 1 do not cover 3 rows, there are 3 labels",
      what,
    );
    assertRefuses(
      () => backend.predictImages(pixels, 0, 2, [0, 10]),
      "Cannot predict: label at index 1 is 10, expected an integer in [0, 9]",
      what,
    );
  });
});

Deno.test("createBackend() routes one relu layer with plain SGD to the fused kernels and every other network to the generic ones", () => {
  const sgd = DEFAULT_TRAINING,
    adam = { ...DEFAULT_TRAINING, optimizer: { ...DEFAULT_OPTIMIZER, name: "adam" as const } };
  assert.ok(fusedKernelsFit(16, "relu", sgd));
  assert.ok(fusedKernelsFit([16], "sigmoid", sgd));
  assert.ok(!fusedKernelsFit([16, 8], "relu", sgd));
  assert.ok(!fusedKernelsFit(16, "tanh", sgd));
  assert.ok(!fusedKernelsFit(16, "relu", adam));
  assert.ok(
    !fusedKernelsFit(16, "relu", { ...sgd, optimizer: { ...DEFAULT_OPTIMIZER, weightDecay: 0.001 } }),
  );
  assert.ok(!fusedKernelsFit(16, "relu", { ...sgd, dropout: [0.1] }));
});

Deno.test("a two-hidden-layer Adam network with dropout trains to the same bytes on 1, 2 and 3 wasm threads", async () => {
  const training = {
    optimizer: { ...DEFAULT_OPTIMIZER, name: "adam" as const, weightDecay: 0.0001 },
    dropout: [0.2, 0.1],
  };
  const results: Float32Array[][] = [];
  for (const threads of [1, 2, 3]) {
    const backend = await createBackend("wasm", [24, 12], "leaky_relu", 8, threads, training);
    try {
      loadParams(backend, initParams([24, 12], "leaky_relu", new Rng(4)));
      backend.seedDropout(99);
      const rng = new Rng(5), labels = new Uint8Array(8);
      for (let step = 0; step < 5; step++) {
        for (let i = 0; i < 8 * D; i++) backend.x[i] = rng.nextFloat() < 0.2 ? rng.nextFloat() : 0;
        for (let r = 0; r < 8; r++) labels[r] = rng.nextInt(K);
        backend.trainStep(labels, 0, 8, 0.01);
      }
      results.push([...backend.params.w, ...backend.params.b].map((a) => a.slice()));
    } finally {
      backend.dispose();
    }
  }
  assert.deepEqual(results[1], results[0]);
  assert.deepEqual(results[2], results[0]);
});
