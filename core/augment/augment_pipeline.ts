/**
 * Training-time augmentation on a second thread: a Deno Worker augments an epoch's images ahead of
 * the training loop, so distorting the next images overlaps with training on the current ones.
 *
 * The worker runs the same {@linkcode Augmenter} with one `new Rng(seed)` over the positions of the
 * epoch's order, one after the other, exactly as the in-thread loop does; so the images that
 * {@linkcode AugmentPipeline.next} hands out are the same bits, in the same order.
 *
 * Shared memory (SharedArrayBuffer), shapes row-major, D = 784:
 *
 * - images (N, D) bytes, copied once at creation;
 * - order (N) uint32, the current epoch's order, written by {@linkcode AugmentPipeline.begin};
 * - ring (R·C, D) float32: R = {@linkcode RING_CHUNKS} chunks of C images. Position p of the epoch
 *   lives in row p mod R·C. The worker fills chunks k + 1 and k + 2 while the caller reads chunk k;
 *   it starts chunk k only when the caller has released chunk k − R;
 * - control words (Int32Array, the `CTRL_*` indices) and the text of a worker error.
 *
 * Flow: the worker publishes `CTRL_PRODUCED` after every image; the caller publishes
 * `CTRL_CONSUMED` at every chunk boundary. Each side spins briefly, then sleeps in Atomics.wait on a
 * sequence word the other side bumps after every change it makes (`CTRL_WORKER_SEQ`,
 * `CTRL_CALLER_SEQ`), so no wake-up can be lost. A sleeping caller is woken only once
 * {@linkcode CALLER_WAKE_IMAGES} more images are ready, so when augmentation is the slower side
 * the caller pays one wake-up per 64 images, not one per image.
 *
 * Epochs: each is a generation (`CTRL_GENERATION`); the worker checks it before every image, so
 * {@linkcode AugmentPipeline.begin} can stop an unfinished epoch: it publishes a stop generation,
 * waits until the worker has acknowledged it (`CTRL_DONE`), and only then rewrites the order.
 *
 * Errors: the worker records an epoch's error (class name and message) in shared memory and
 * {@linkcode AugmentPipeline.next} throws it, rebuilt, at the position where it happened; a worker
 * that stops answering makes next() throw after 30 s instead of blocking for ever.
 *
 * @module
 */

import { Augmenter, type AugmentOptions } from "./augment.ts";
import { describeValue, FormatError, InputFileError, LimitError, ShapeError } from "../base/errors.ts";
import { D } from "../network/network.ts";
import { SEED_LIMIT } from "../network/rng.ts";

/** Chunks in the ring: the worker can run up to R − 1 chunks ahead of the chunk being read. */
export const RING_CHUNKS = 3;

/** Images per chunk when the caller does not say: 1024 · 784 · 4 bytes = 3.2 MB per chunk. */
export const DEFAULT_CHUNK = 1024;

/** The largest chunk: 65,536 images, 205 MB per chunk. */
export const MAX_CHUNK = 1 << 16;

/** The largest image count: the images must fit one SharedArrayBuffer of at most 2^31 − 1 bytes. */
export const MAX_IMAGES = Math.floor((2 ** 31 - 1) / D);

// Control words, as indices of an Int32Array. Words the caller writes sit on the first 64-byte lines,
// the ones the worker writes on later lines, so the two threads do not share a cache line they write.

/** The epoch (or stop) the caller asks for; bumped by every begin() and by dispose(). */
export const CTRL_GENERATION = 0;
/** What the current generation means: {@linkcode CMD_EPOCH}, {@linkcode CMD_STOP} or {@linkcode CMD_QUIT}. */
export const CTRL_COMMAND = 1;
/** Positions in the current epoch's order. */
export const CTRL_LENGTH = 2;
/** The epoch's augmentation seed, as int32 bits of the uint32. */
export const CTRL_SEED = 3;
/** Bumped by the caller after each change the worker may wait for; the worker sleeps on it. */
export const CTRL_WORKER_SEQ = 4;
/** Positions the caller has finished reading, published at chunk boundaries. */
export const CTRL_CONSUMED = 16;
/** While the caller sleeps in Atomics.wait: the produced count at which the worker wakes it; else 0. */
export const CTRL_CALLER_TARGET = 17;
/** Positions of the current epoch the worker has written to the ring. */
export const CTRL_PRODUCED = 32;
/** Bumped by the worker after each change the caller may wait for; the caller sleeps on it. */
export const CTRL_CALLER_SEQ = 33;
/** The last generation the worker has finished with (epoch done, stopped, or failed). */
export const CTRL_DONE = 34;
/** The generation whose epoch failed in the worker, 0 when none. */
export const CTRL_ERROR_GENERATION = 35;
/** Bytes of the failed error's text, "name\nmessage" in UTF-8. */
export const CTRL_ERROR_LENGTH = 36;
/** Number of control words. */
export const CTRL_WORDS = 48;

/** Commands of a generation. */
export const CMD_EPOCH = 1;
export const CMD_STOP = 2;
export const CMD_QUIT = 3;

/** Bytes kept of a worker error's text; a longer one is cut. */
export const ERROR_TEXT_BYTES = 2048;

/** Polls of a control word (about 6 ns each) before the caller sleeps: about 25 µs, two images. */
export const CALLER_SPIN_POLLS = 1 << 12;

/**
 * Images the worker produces, once the caller sleeps, before it wakes the caller (fewer at the end of
 * an epoch): one wake-up per 64 images, not one per image, when augmentation is the slower side.
 */
export const CALLER_WAKE_IMAGES = 64;

/** Polls before the worker sleeps; it waits for a whole chunk to be read, so it sleeps soon. */
export const WORKER_SPIN_POLLS = 1 << 10;

/** How long the caller waits for a worker that makes no progress before it gives up, in ms. */
const STALL_TIMEOUT_MS = 30_000;

/** Longest single sleep of the caller, in ms, between checks of the stall timeout. */
const SLEEP_SLICE_MS = 100;

/** The one message a worker gets: shared memory, sizes and the validated options. */
export interface AugmentWorkerInit {
  readonly options: Readonly<Required<AugmentOptions>>;
  /** (N, D) bytes. */
  readonly images: SharedArrayBuffer;
  /** N. */
  readonly count: number;
  /** (N) uint32. */
  readonly order: SharedArrayBuffer;
  /** (R·C, D) float32. */
  readonly ring: SharedArrayBuffer;
  /** C, images per chunk. */
  readonly chunk: number;
  /** {@linkcode CTRL_WORDS} int32, then {@linkcode ERROR_TEXT_BYTES} bytes of error text. */
  readonly control: SharedArrayBuffer;
}

/** What a worker answers to its init message. */
export type AugmentWorkerReply = "ready" | { readonly name: string; readonly message: string };

/** Augments a whole epoch's images in a worker, ahead of the training loop. */
export class AugmentPipeline {
  #worker: Worker | null;
  readonly #ctrl: Int32Array;
  readonly #errorText: Uint8Array;
  readonly #order: Uint32Array;
  // one view per ring row, (D) each, made once so next() copies without allocating
  readonly #rows: Float32Array[];
  readonly #count: number;
  readonly #chunk: number;
  #generation = 0;
  #begun = false;
  #crash: string | null = null;
  // the current epoch: its length, the next position to hand out, and the latest PRODUCED seen
  #length = 0;
  #position = 0;
  #produced = 0;

  private constructor(worker: Worker, init: AugmentWorkerInit) {
    this.#worker = worker;
    this.#ctrl = new Int32Array(init.control, 0, CTRL_WORDS);
    this.#errorText = new Uint8Array(init.control, 4 * CTRL_WORDS, ERROR_TEXT_BYTES);
    this.#order = new Uint32Array(init.order);
    const ring = new Float32Array(init.ring);
    this.#rows = Array.from({ length: ring.length / D }, (_, r) => ring.subarray(r * D, (r + 1) * D));
    this.#count = init.count;
    this.#chunk = init.chunk;
    // an error the worker's loop did not catch; seen when this thread's event loop runs
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.#crash = event.message;
    };
  }

  /**
   * Start the worker; images (N, 784) bytes are copied once into shared memory.
   *
   * The worker needs read access to core/ (it loads core/augment/_augment_worker.ts and what that imports):
   * the permissions of `deno task train` are enough.
   *
   * @param options The augmentation strengths, checked exactly as `new Augmenter(options)` does.
   * @param images The training images, (N, 784) bytes row-major; later changes are not seen.
   * @param count N, the number of images.
   * @param chunk C, images per chunk of the ring, 1 to {@linkcode MAX_CHUNK}; at most N are used.
   * @returns A started pipeline; call {@linkcode AugmentPipeline.dispose} when done.
   * @throws {ShapeError} For options of the wrong type, or images that are not N · 784 bytes.
   * @throws {LimitError} For an option out of range, or a count or chunk that is not an allowed integer.
   * @throws {Error} When the worker cannot start.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Augmenter, DEFAULT_AUGMENT_OPTIONS } from "./augment.ts";
   * import { AugmentPipeline } from "./augment_pipeline.ts";
   * import { Rng } from "../network/rng.ts";
   * const images = new Uint8Array(3 * 784).map((_, i) => (i * 7) % 256);
   * const pipeline = await AugmentPipeline.create(DEFAULT_AUGMENT_OPTIONS, images, 3);
   * try {
   *   pipeline.begin(new Uint32Array([2, 0, 1]), 42);
   *   const got = new Float32Array(784), want = new Float32Array(784);
   *   const augmenter = new Augmenter(DEFAULT_AUGMENT_OPTIONS), rng = new Rng(42);
   *   for (const index of [2, 0, 1]) {
   *     pipeline.next(got);
   *     augmenter.apply(images.subarray(index * 784, (index + 1) * 784), want, rng);
   *     assert.deepEqual(got, want);
   *   }
   * } finally {
   *   pipeline.dispose();
   * }
   * ```
   */
  static async create(
    options: AugmentOptions,
    images: Uint8Array,
    count: number,
    chunk: number = DEFAULT_CHUNK,
  ): Promise<AugmentPipeline> {
    // the same checks and messages as the in-thread augmenter, before any worker starts
    const checked = new Augmenter(options).options;
    if (!Number.isInteger(count) || count < 1 || count > MAX_IMAGES) {
      throw new LimitError(
        `Cannot create the augmentation pipeline: image count is ${count}, expected an integer in [1, ${MAX_IMAGES}]`,
      );
    }
    if (!(images instanceof Uint8Array) || images.length !== count * D) {
      throw new ShapeError(
        `Cannot create the augmentation pipeline: images are ${
          describeValue(images)
        }, expected a Uint8Array of ${count} × ${D} values`,
      );
    }
    if (!Number.isInteger(chunk) || chunk < 1 || chunk > MAX_CHUNK) {
      throw new LimitError(
        `Cannot create the augmentation pipeline: chunk is ${chunk}, expected an integer in [1, ${MAX_CHUNK}]`,
      );
    }
    const c = Math.min(chunk, count);
    // images that already fill a SharedArrayBuffer are shared with the worker as they are (they must
    // not change while the pipeline runs); any others are copied once
    let shared: SharedArrayBuffer;
    if (
      images.buffer instanceof SharedArrayBuffer && images.byteOffset === 0 &&
      images.buffer.byteLength === count * D
    ) {
      shared = images.buffer;
    } else {
      shared = new SharedArrayBuffer(count * D);
      new Uint8Array(shared).set(images);
    }
    const init: AugmentWorkerInit = {
      options: checked,
      images: shared,
      count,
      order: new SharedArrayBuffer(4 * count),
      ring: new SharedArrayBuffer(4 * RING_CHUNKS * c * D),
      chunk: c,
      control: new SharedArrayBuffer(4 * CTRL_WORDS + ERROR_TEXT_BYTES),
    };
    const worker = await _startWorker(init);
    return new AugmentPipeline(worker, init);
  }

  /**
   * Begin an epoch: images will be consumed in `order`, augmented with a generator seeded by `seed`
   * (exactly as `new Rng(seed)` then `apply` per position in order on one thread would). Returns at
   * once; the worker starts producing. An unfinished epoch is stopped first: this waits only until
   * the worker has finished the image it is on.
   *
   * @param order Indices of the images, one per position; copied, so the caller may reuse it. Its
   *   length is at most N; an index of N or more is reported by {@linkcode AugmentPipeline.next} at
   *   its position.
   * @param seed The augmentation generator's seed, an integer in [0, 2^32).
   * @throws {ShapeError} When order is not a Uint32Array.
   * @throws {LimitError} When order is longer than N, or the seed is not an allowed integer.
   * @throws {Error} When the pipeline is disposed, or the worker does not stop its epoch.
   */
  begin(order: Uint32Array, seed: number): void {
    this.#checkOpen("begin an augmentation epoch");
    if (!(order instanceof Uint32Array)) {
      throw new ShapeError(
        `Cannot begin an augmentation epoch: order is ${describeValue(order)}, expected a Uint32Array`,
      );
    }
    if (order.length > this.#count) {
      throw new LimitError(
        `Cannot begin an augmentation epoch: order has ${order.length} positions, expected at most ${this.#count}`,
      );
    }
    if (!Number.isInteger(seed) || seed < 0 || seed >= SEED_LIMIT) {
      throw new LimitError(
        `Cannot begin an augmentation epoch: seed is ${seed}, expected an integer in [0, 2^32)`,
      );
    }
    const ctrl = this.#ctrl;
    if (Atomics.load(ctrl, CTRL_DONE) !== this.#generation) {
      // the worker may still read the order or write the ring: stop it before touching either
      this.#publish(CMD_STOP);
      const stop = this.#generation;
      this.#waitForWorker("begin an augmentation epoch", 1, () => Atomics.load(ctrl, CTRL_DONE) === stop);
    }
    this.#order.set(order);
    ctrl[CTRL_LENGTH] = order.length;
    ctrl[CTRL_SEED] = seed | 0;
    Atomics.store(ctrl, CTRL_PRODUCED, 0);
    Atomics.store(ctrl, CTRL_CONSUMED, 0);
    this.#publish(CMD_EPOCH); // the atomic store of the generation publishes the words above
    this.#begun = true;
    this.#length = order.length;
    this.#position = 0;
    this.#produced = 0;
  }

  /**
   * Copy the augmented image of the next position of the order into dst (784 floats). Blocks
   * (Atomics.wait) until the worker has produced it. Positions are consumed strictly in order.
   *
   * @param dst Receives the image, 784 floats in [0, 1].
   * @throws {ShapeError} When dst is not a Float32Array of 784 values.
   * @throws {LimitError} When no epoch has begun or all its positions were consumed; or the
   *   worker's own error for this position (such as an image index of N or more), rebuilt with
   *   its class and message.
   * @throws {Error} When the pipeline is disposed, or the worker makes no progress for 30 s.
   */
  next(dst: Float32Array): void {
    if (!(dst instanceof Float32Array) || dst.length !== D) {
      throw new ShapeError(
        `Cannot take the next augmented image: destination is ${
          describeValue(dst)
        }, expected a Float32Array of ${D} values`,
      );
    }
    this.#checkOpen("take the next augmented image");
    if (!this.#begun) throw new LimitError("Cannot take the next augmented image: no epoch has begun");
    const p = this.#position;
    if (p >= this.#length) {
      throw new LimitError(
        `Cannot take the next augmented image: ${p} of ${this.#length} positions of the epoch are consumed`,
      );
    }
    if (p >= this.#produced) this.#awaitPosition(p);
    const ringImages = this.#rows.length;
    dst.set(this.#rows[p % ringImages]);
    const done = p + 1;
    this.#position = done;
    if (done % this.#chunk === 0 || done === this.#length) {
      // release the chunk just read, so the worker may overwrite it
      Atomics.store(this.#ctrl, CTRL_CONSUMED, done);
      this.#wakeWorker();
    }
  }

  /** Stop the worker. Must be called; calling it again does nothing. */
  dispose(): void {
    if (this.#worker === null) return;
    this.#publish(CMD_QUIT);
    this.#worker.terminate();
    this.#worker = null;
  }

  /** Start a new generation with the given command and wake the worker. */
  #publish(command: number): void {
    this.#generation = (this.#generation + 1) | 0;
    this.#ctrl[CTRL_COMMAND] = command;
    Atomics.store(this.#ctrl, CTRL_GENERATION, this.#generation);
    this.#wakeWorker();
  }

  #wakeWorker(): void {
    Atomics.add(this.#ctrl, CTRL_WORKER_SEQ, 1);
    Atomics.notify(this.#ctrl, CTRL_WORKER_SEQ);
  }

  /** Wait until position p is produced, or throw the worker's error for this epoch. */
  #awaitPosition(p: number): void {
    const ctrl = this.#ctrl, generation = this.#generation;
    // the worker can write positions up to the last chunk boundary read plus a full ring, no further
    const released = p - p % this.#chunk;
    const target = Math.min(p + CALLER_WAKE_IMAGES, this.#length, released + this.#rows.length);
    this.#waitForWorker("take the next augmented image", target, () => {
      const produced = Atomics.load(ctrl, CTRL_PRODUCED);
      if (produced > p) {
        this.#produced = produced;
        return true;
      }
      if (Atomics.load(ctrl, CTRL_ERROR_GENERATION) === generation) throw this.#workerError();
      return false;
    });
  }

  /**
   * Spin, then sleep on the caller's sequence word, until ready() holds; give up after a long stall.
   * A sleeping caller is woken when the produced count reaches `target`, or the worker finishes.
   */
  #waitForWorker(action: string, target: number, ready: () => boolean): void {
    const ctrl = this.#ctrl;
    for (let polls = 0; polls < CALLER_SPIN_POLLS; polls++) if (ready()) return;
    if (this.#crash !== null) {
      throw new Error(`Cannot ${action}: the augmentation worker stopped: ${this.#crash}`);
    }
    let last = Atomics.load(ctrl, CTRL_CALLER_SEQ), since = performance.now();
    Atomics.store(ctrl, CTRL_CALLER_TARGET, target);
    try {
      for (;;) {
        const seq = Atomics.load(ctrl, CTRL_CALLER_SEQ);
        // checked after the target is up and seq is read: a later change bumps seq, and notifies
        // once the target is reached
        if (ready()) return;
        Atomics.wait(ctrl, CTRL_CALLER_SEQ, seq, SLEEP_SLICE_MS);
        const now = performance.now(), current = Atomics.load(ctrl, CTRL_CALLER_SEQ);
        if (current !== last) {
          last = current;
          since = now;
        } else if (now - since > STALL_TIMEOUT_MS) {
          throw new Error(
            `Cannot ${action}: the augmentation worker made no progress for ${STALL_TIMEOUT_MS} ms`,
          );
        }
      }
    } finally {
      Atomics.store(ctrl, CTRL_CALLER_TARGET, 0);
    }
  }

  /** The worker's error for the current epoch, rebuilt with its class and message. */
  #workerError(): Error {
    const ctrl = this.#ctrl;
    const length = Math.min(Atomics.load(ctrl, CTRL_ERROR_LENGTH), ERROR_TEXT_BYTES);
    // slice() copies into an unshared buffer, which TextDecoder accepts
    const text = new TextDecoder().decode(this.#errorText.slice(0, length));
    const cut = text.indexOf("\n");
    return errorFromWorker(text.slice(0, cut), text.slice(cut + 1));
  }

  #checkOpen(action: string): void {
    if (this.#worker === null) throw new Error(`Cannot ${action}: the augmentation pipeline is disposed`);
  }
}

/**
 * Rebuild an error a worker reported by class name and message: the project's error types keep
 * their class and message; anything else (a bug) becomes an Error that says where it happened.
 *
 * @param name The error's class name, such as "LimitError".
 * @param message Its message.
 * @returns The error to throw on the calling thread.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorFromWorker } from "./augment_pipeline.ts";
 * import { LimitError } from "../base/errors.ts";
 * assert.ok(errorFromWorker("LimitError", "Cannot x: y") instanceof LimitError);
 * assert.equal(errorFromWorker("TypeError", "z").message, "Cannot augment in the worker: TypeError: z");
 * ```
 */
export function errorFromWorker(name: string, message: string): Error {
  switch (name) {
    case "LimitError":
      return new LimitError(message);
    case "ShapeError":
      return new ShapeError(message);
    case "FormatError":
      return new FormatError(message);
    case "InputFileError":
      return new InputFileError(message);
    default:
      return new Error(`Cannot augment in the worker: ${name}: ${message}`);
  }
}

/** Create the worker, hand it the shared memory, and wait until it has built its augmenter. */
function _startWorker(init: AugmentWorkerInit): Promise<Worker> {
  const worker = new Worker(new URL("./_augment_worker.ts", import.meta.url), { type: "module" });
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      worker.onmessage = null;
      worker.onerror = null;
      worker.terminate();
      reject(error);
    };
    worker.onmessage = (event: MessageEvent<AugmentWorkerReply>) => {
      const reply = event.data;
      if (reply === "ready") {
        worker.onmessage = null;
        worker.onerror = null;
        resolve(worker);
      } else fail(errorFromWorker(reply.name, reply.message));
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      fail(new Error(`Cannot start the augmentation worker: ${event.message}`));
    };
    worker.postMessage(init);
  });
}
