/**
 * A kernel worker of core/kernels/backend_threads.ts. It gets the compiled kernels, the shared memory and
 * its thread index in one message, answers "ready", then serves phases until told to quit: it waits
 * for the generation word to change (spinning, then Atomics.wait) and claims tasks with
 * {@linkcode servePhase}, its home queue first.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { CONTROL_OFFSET, instantiateKernels } from "./backend_wasm.ts";
import { waitForChange } from "./_worker_sync.ts";
import {
  CTRL_GENERATION,
  CTRL_QUIT,
  CTRL_WORDS,
  servePhase,
  WORKER_SPIN_POLLS,
  type WorkerInit,
} from "./backend_threads.ts";

self.onmessage = (event: MessageEvent<WorkerInit>) => {
  self.onmessage = null;
  const { module, memory, layout, thread, threads } = event.data;
  let kernels;
  try {
    kernels = instantiateKernels(module, memory);
    kernels.set_lane(thread * layout.laneBytes); // its own x, pixel lists and sample masks
  } catch (error) {
    self.postMessage(error instanceof Error ? error.message : String(error));
    return;
  }
  const ctrl = new Int32Array(memory.buffer, CONTROL_OFFSET, CTRL_WORDS);
  const ctrlFloat = new Float32Array(memory.buffer, CONTROL_OFFSET, CTRL_WORDS);
  let seen = Atomics.load(ctrl, CTRL_GENERATION);
  self.postMessage("ready");
  for (;;) {
    seen = waitForChange(ctrl, CTRL_GENERATION, seen, WORKER_SPIN_POLLS);
    if (Atomics.load(ctrl, CTRL_QUIT) !== 0) break;
    servePhase(ctrl, ctrlFloat, kernels, seen, thread, threads);
  }
  self.close();
};
