/** IDX files built byte by byte, independently of core/formats/idx.ts, for the IDX and gzip tests. */

import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, IMAGE_SIDE } from "../core/formats/idx.ts";
import type { Rng } from "../core/network/rng.ts";

/** An IDX header: the magic number, then each dimension, all big-endian uint32. */
export function idxHeader(magic: number, ...dims: number[]): Uint8Array {
  const out = new Uint8Array(4 * (1 + dims.length));
  const view = new DataView(out.buffer);
  [magic, ...dims].forEach((v, i) => view.setUint32(4 * i, v));
  return out;
}

/** A valid images file of `count` 28×28 images, each pixel `pixel(rng)` in row-major order; uniform by default. */
export function idxImages(
  count: number,
  rng: Rng,
  pixel: (rng: Rng) => number = (r) => r.nextInt(256),
): Uint8Array {
  const out = new Uint8Array(16 + count * IMAGE_SIDE * IMAGE_SIDE);
  out.set(idxHeader(IDX_IMAGES_MAGIC, count, IMAGE_SIDE, IMAGE_SIDE));
  for (let i = 16; i < out.length; i++) out[i] = pixel(rng);
  return out;
}

/** A valid labels file holding the given labels. */
export function idxLabels(labels: readonly number[]): Uint8Array {
  return new Uint8Array([...idxHeader(IDX_LABELS_MAGIC, labels.length), ...labels]);
}
