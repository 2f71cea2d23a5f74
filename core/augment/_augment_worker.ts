/**
 * The worker of core/augment/augment_pipeline.ts. It gets the shared memory and the validated options in
 * one message, builds its {@linkcode Augmenter}, answers "ready", then serves generations until told
 * to quit: for an epoch it augments position after position of the shared order into the ring, with
 * one `new Rng(seed)`, checking before each image that the caller has not moved on, and waiting
 * whenever the ring is full.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { Augmenter, loadAugmentKernels } from "./augment.ts";
import {
  type AugmentWorkerInit,
  type AugmentWorkerReply,
  CMD_EPOCH,
  CMD_QUIT,
  CTRL_CALLER_SEQ,
  CTRL_CALLER_TARGET,
  CTRL_COMMAND,
  CTRL_CONSUMED,
  CTRL_DONE,
  CTRL_ERROR_GENERATION,
  CTRL_ERROR_LENGTH,
  CTRL_GENERATION,
  CTRL_LENGTH,
  CTRL_PRODUCED,
  CTRL_SEED,
  CTRL_WORDS,
  CTRL_WORKER_SEQ,
  ERROR_TEXT_BYTES,
  WORKER_SPIN_POLLS,
} from "./augment_pipeline.ts";
import { LimitError } from "../base/errors.ts";
import { D } from "../network/network.ts";
import { Rng } from "../network/rng.ts";

self.onmessage = async (event: MessageEvent<AugmentWorkerInit>) => {
  self.onmessage = null;
  const init = event.data;
  let augmenter: Augmenter;
  try {
    // resampling in WebAssembly: the same bytes as the TypeScript augmenter, about 30 % faster
    augmenter = new Augmenter(init.options, await loadAugmentKernels());
  } catch (error) {
    const reply: AugmentWorkerReply = error instanceof Error
      ? { name: error.name, message: error.message }
      : { name: "Error", message: String(error) };
    self.postMessage(reply);
    return;
  }
  const ctrl = new Int32Array(init.control, 0, CTRL_WORDS);
  const errorText = new Uint8Array(init.control, 4 * CTRL_WORDS, ERROR_TEXT_BYTES);
  self.postMessage("ready" satisfies AugmentWorkerReply);

  let seen = 0;
  for (;;) {
    _waitForCaller(ctrl, () => Atomics.load(ctrl, CTRL_GENERATION) !== seen);
    seen = Atomics.load(ctrl, CTRL_GENERATION);
    const command = Atomics.load(ctrl, CTRL_COMMAND);
    if (command === CMD_QUIT) break;
    if (command === CMD_EPOCH) {
      try {
        _runEpoch(init, ctrl, augmenter, seen);
      } catch (error) {
        _reportError(ctrl, errorText, seen, error);
      }
    }
    Atomics.store(ctrl, CTRL_DONE, seen);
    _wakeCaller(ctrl, Infinity);
  }
  self.close();
};

/**
 * Augment the positions of epoch `generation` into the ring, in order; return early when the caller
 * starts another generation.
 */
function _runEpoch(
  init: AugmentWorkerInit,
  ctrl: Int32Array,
  augmenter: Augmenter,
  generation: number,
): void {
  const length = ctrl[CTRL_LENGTH], rng = new Rng(ctrl[CTRL_SEED] >>> 0);
  const { count, chunk } = init;
  const images = new Uint8Array(init.images);
  const order = new Uint32Array(init.order);
  const ring = new Float32Array(init.ring);
  const ringImages = ring.length / D;
  // one view per ring row, (D) each, made once per epoch
  const rows = Array.from({ length: ringImages }, (_, r) => ring.subarray(r * D, (r + 1) * D));
  let consumed = 0;
  for (let p = 0; p < length; p++) {
    if (p % chunk === 0 && p >= ringImages) {
      // chunk k = p / C reuses the rows of chunk k − R: wait until the caller has read all of it
      const needed = p - ringImages + chunk;
      if (consumed < needed) {
        _waitForCaller(ctrl, () => {
          consumed = Atomics.load(ctrl, CTRL_CONSUMED);
          return consumed >= needed || Atomics.load(ctrl, CTRL_GENERATION) !== generation;
        });
      }
    }
    if (Atomics.load(ctrl, CTRL_GENERATION) !== generation) return;
    const index = order[p];
    if (index >= count) {
      throw new LimitError(
        `Cannot augment position ${p} of the epoch: image index is ${index}, expected an index below ${count}`,
      );
    }
    augmenter.apply(images.subarray(index * D, (index + 1) * D), rows[p % ringImages], rng);
    Atomics.store(ctrl, CTRL_PRODUCED, p + 1);
    _wakeCaller(ctrl, p + 1);
  }
}

/** Record an epoch's error for the caller: "name\nmessage" in UTF-8, then the generation that failed. */
function _reportError(ctrl: Int32Array, errorText: Uint8Array, generation: number, error: unknown): void {
  const text = error instanceof Error ? `${error.name}\n${error.message}` : `Error\n${String(error)}`;
  const bytes = new TextEncoder().encode(text).subarray(0, ERROR_TEXT_BYTES);
  errorText.set(bytes);
  ctrl[CTRL_ERROR_LENGTH] = bytes.length;
  Atomics.store(ctrl, CTRL_ERROR_GENERATION, generation); // publishes the words above
}

/**
 * Bump the caller's sequence word, and notify a sleeping caller whose target `produced` reaches
 * (Infinity, for the end of a generation, reaches every target).
 */
function _wakeCaller(ctrl: Int32Array, produced: number): void {
  Atomics.add(ctrl, CTRL_CALLER_SEQ, 1);
  const target = Atomics.load(ctrl, CTRL_CALLER_TARGET);
  if (target !== 0 && produced >= target) Atomics.notify(ctrl, CTRL_CALLER_SEQ);
}

/** Spin, then sleep on the worker's sequence word, until ready() holds. */
function _waitForCaller(ctrl: Int32Array, ready: () => boolean): void {
  for (let polls = 0; polls < WORKER_SPIN_POLLS; polls++) if (ready()) return;
  for (;;) {
    const seq = Atomics.load(ctrl, CTRL_WORKER_SEQ);
    // checked after reading seq: a change after this check bumps seq and notifies
    if (ready()) return;
    Atomics.wait(ctrl, CTRL_WORKER_SEQ, seq);
  }
}
