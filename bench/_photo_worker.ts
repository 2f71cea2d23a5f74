/**
 * A worker of `deno task bench:photos`: it takes the sample once, then makes and reads the photos of
 * each job it is sent (bench/_photo_reads.ts) and answers with the inputs.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { type PhotoJob, runPhotoJob } from "./_photo_reads.ts";

/** The first message: the sample. */
export interface PhotoWorkerInit {
  readonly digits: Uint8Array;
  readonly seeds: Uint32Array;
  readonly thumbnails: number;
}

let sample: PhotoWorkerInit | null = null;

self.onmessage = (event: MessageEvent<PhotoWorkerInit | PhotoJob>) => {
  if (sample === null) {
    sample = event.data as PhotoWorkerInit;
    return;
  }
  const result = runPhotoJob(sample.digits, sample.seeds, sample.thumbnails, event.data as PhotoJob);
  self.postMessage(result, [result.inputs.buffer as ArrayBuffer]);
};
