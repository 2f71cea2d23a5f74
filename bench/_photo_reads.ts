/**
 * The work of the photo benchmark, shared by its worker threads and its main thread: make the
 * photos of a run of digits under one condition (core/digits/photo.ts) and read each back exactly
 * as `deno task check` reads a file.
 *
 * @module
 */

import { isProjectError } from "../core/base/errors.ts";
import { DIGIT_PIXELS } from "../core/reports/gallery.ts";
import { photoFile, readPhoto } from "../core/digits/photo.ts";
import { PHOTO_THUMBNAIL_SIDE, photoThumbnail, type RgbThumbnail } from "../core/reports/photo_report.ts";

/** A run of digits to photograph under one condition: positions [start, end) of the sample. */
export interface PhotoJob {
  readonly condition: string;
  readonly start: number;
  readonly end: number;
}

/** What came of a job. */
export interface PhotoJobResult extends PhotoJob {
  /** The inputs, (end − start, 784); zeros where nothing was read. */
  readonly inputs: Float32Array;
  /** Per photo: null when read, else the reason (no digit found). */
  readonly errors: (string | null)[];
  /** Thumbnails of the photos at positions below the sample's `thumbnails`, in order. */
  readonly thumbnails: RgbThumbnail[];
}

/**
 * Photograph and read the digits of a job.
 *
 * @param digits The sample's digits, (N, 784) bytes.
 * @param seeds Each digit's photo seed, (N).
 * @param thumbnails Keep thumbnails of the photos of the first this many positions.
 * @param job Which condition and positions.
 * @returns The inputs, errors and thumbnails.
 */
export function runPhotoJob(
  digits: Uint8Array,
  seeds: Uint32Array,
  thumbnails: number,
  job: PhotoJob,
): PhotoJobResult {
  const count = job.end - job.start;
  const inputs = new Float32Array(count * DIGIT_PIXELS);
  const errors: (string | null)[] = [];
  const thumbs: RgbThumbnail[] = [];
  for (let p = job.start; p < job.end; p++) {
    const photo = photoFile(
      digits.subarray(p * DIGIT_PIXELS, (p + 1) * DIGIT_PIXELS),
      job.condition,
      seeds[p],
    );
    if (p < thumbnails) {
      thumbs.push(photoThumbnail(photo.rgba, photo.width, photo.height, PHOTO_THUMBNAIL_SIDE));
    }
    try {
      const { input } = readPhoto(photo.bytes, `${job.condition} ${p}`);
      inputs.set(input, (p - job.start) * DIGIT_PIXELS);
      errors.push(null);
    } catch (error) {
      if (!isProjectError(error)) throw error;
      errors.push(error.message);
    }
  }
  return { ...job, inputs, errors, thumbnails: thumbs };
}
