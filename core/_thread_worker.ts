/**
 * A kernel worker of core/backend_threads.ts. It gets the compiled kernels and the shared memory in
 * one message, answers "ready", then serves phases until told to quit: it waits for the generation
 * word to change (spinning, then Atomics.wait), runs forward_part or backward_part on its own
 * chunks, and counts itself done.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { CONTROL_OFFSET, instantiateKernels } from "./backend_wasm.ts";
import {
  CMD_BACKWARD,
  CMD_FORWARD,
  CMD_QUIT,
  CTRL_COMMAND,
  CTRL_DONE,
  CTRL_ERROR,
  CTRL_GENERATION,
  CTRL_LR,
  CTRL_ROWS,
  CTRL_WORDS,
  SPIN_POLLS,
  type WorkerInit,
} from "./backend_threads.ts";

self.onmessage = (event: MessageEvent<WorkerInit>) => {
  self.onmessage = null;
  const { module, memory, c0, c1 } = event.data;
  let kernels;
  try {
    kernels = instantiateKernels(module, memory);
  } catch (error) {
    self.postMessage(error instanceof Error ? error.message : String(error));
    return;
  }
  const ctrl = new Int32Array(memory.buffer, CONTROL_OFFSET, CTRL_WORDS);
  const ctrlFloat = new Float32Array(memory.buffer, CONTROL_OFFSET, CTRL_WORDS);
  let seen = Atomics.load(ctrl, CTRL_GENERATION);
  self.postMessage("ready");
  for (;;) {
    let polls = 0;
    while (Atomics.load(ctrl, CTRL_GENERATION) === seen) {
      if (++polls >= SPIN_POLLS) {
        Atomics.wait(ctrl, CTRL_GENERATION, seen);
        polls = 0;
      }
    }
    seen = Atomics.load(ctrl, CTRL_GENERATION);
    const command = ctrl[CTRL_COMMAND];
    if (command === CMD_QUIT) break;
    try {
      if (command === CMD_FORWARD) kernels.forward_part(c0, c1, ctrl[CTRL_ROWS]);
      else if (command === CMD_BACKWARD) kernels.backward_part(c0, c1, ctrl[CTRL_ROWS], ctrlFloat[CTRL_LR]);
    } catch {
      Atomics.store(ctrl, CTRL_ERROR, 1);
    }
    Atomics.add(ctrl, CTRL_DONE, 1);
    Atomics.notify(ctrl, CTRL_DONE);
  }
  self.close();
};
