/**
 * A worker of core/kernels/dense_threads.ts. It gets the compiled dense kernels, the shared memory,
 * the control block's address and its part in one message, answers "ready", then runs its part of
 * every job until told to quit ({@linkcode serveDenseJobs}).
 *
 * @module
 */

/// <reference lib="deno.worker" />

import type { DenseKernelExports } from "./dense_kernels.ts";
import { type DenseWorkerInit, serveDenseJobs } from "./dense_threads.ts";

self.onmessage = (event: MessageEvent<DenseWorkerInit>) => {
  self.onmessage = null;
  const { module, memory, control, thread, threads, generation } = event.data;
  let kernels;
  try {
    kernels = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as DenseKernelExports;
  } catch (error) {
    self.postMessage(error instanceof Error ? error.message : String(error));
    return;
  }
  self.postMessage("ready");
  serveDenseJobs(kernels, memory, control, thread, threads, generation);
  self.close();
};
