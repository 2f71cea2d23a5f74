/**
 * Micro-benchmark of core/augment/augment.ts: microseconds per 28 × 28 image.
 *
 * Run: `deno bench --allow-read=. bench/augment_bench.ts` (it reads core/augment/augment.wasm). The work per
 * image hardly depends on its content, so the inputs are synthetic digit-like strokes drawn here
 * rather than MNIST. "wasm" rows resample in core/augment/augment.wasm, as the training pipeline's worker does;
 * the others run all in TypeScript.
 *
 * @module
 */

import {
  Augmenter,
  type AugmentKernels,
  type AugmentOptions,
  DEFAULT_AUGMENT_OPTIONS,
  loadAugmentKernels,
} from "../core/augment/augment.ts";
import { IMAGE_SIDE } from "../core/formats/idx.ts";
import { D } from "../core/network/network.ts";
import { Rng } from "../core/network/rng.ts";

const IMAGE_COUNT = 64;

/** Soft-edged elliptic rings of varied size and position, as bytes: stand-ins for digits. */
function syntheticDigits(count: number, rng: Rng): Uint8Array[] {
  const images: Uint8Array[] = [];
  for (let n = 0; n < count; n++) {
    const image = new Uint8Array(D);
    const cx = 12 + 4 * rng.nextFloat(), cy = 12 + 4 * rng.nextFloat();
    const rx = 3 + 5 * rng.nextFloat(), ry = 6 + 4 * rng.nextFloat();
    for (let y = 0; y < IMAGE_SIDE; y++) {
      for (let x = 0; x < IMAGE_SIDE; x++) {
        // distance from an ellipse outline, turned into a soft 2-pixel stroke
        const r = Math.hypot((x - cx) / rx, (y - cy) / ry);
        const v = Math.max(0, 1 - Math.abs(r - 1) * Math.min(rx, ry) / 1.5);
        image[y * IMAGE_SIDE + x] = Math.round(255 * v);
      }
    }
    images.push(image);
  }
  return images;
}

const images = syntheticDigits(IMAGE_COUNT, new Rng(1));
const dst = new Float32Array(D);
const off: AugmentOptions = {
  rotate_degrees: 0,
  scale: 0,
  shift: 0,
  thickness: 0,
  elastic_alpha: 0,
  elastic_sigma: DEFAULT_AUGMENT_OPTIONS.elastic_sigma,
  probability: 1,
  shear: 0,
};

function bench(name: string, options: AugmentOptions, baseline = false, kernels?: AugmentKernels): void {
  const augmenter = new Augmenter(options, kernels);
  const rng = new Rng(2);
  let i = 0;
  Deno.bench({
    name,
    group: "augment one image",
    baseline,
    fn() {
      augmenter.apply(images[i++ % IMAGE_COUNT], dst, rng);
    },
  });
}

bench("full pipeline, default strengths", DEFAULT_AUGMENT_OPTIONS, true);
bench("full pipeline, default strengths, wasm", DEFAULT_AUGMENT_OPTIONS, false, await loadAugmentKernels());
bench("copy only (probability 0)", { ...DEFAULT_AUGMENT_OPTIONS, probability: 0 });
bench("affine only (rotate, scale, shear, shift)", {
  ...off,
  rotate_degrees: 10,
  scale: 0.1,
  shear: 0.15,
  shift: 2,
});
bench("affine + elastic, no thickness", { ...DEFAULT_AUGMENT_OPTIONS, thickness: 0 });
bench("thickness only", { ...off, thickness: 0.3 });
bench("thickness only, wasm", { ...off, thickness: 0.3 }, false, await loadAugmentKernels());
