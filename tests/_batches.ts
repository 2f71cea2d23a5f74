/** Input batches for the network and backend tests. */

import { D } from "../core/network/network.ts";
import type { Rng } from "../core/network/rng.ts";

/** A batch of `n` inputs, (n, D) row-major, with about 80 % zero pixels, like MNIST. */
export function sparseBatch(n: number, rng: Rng): Float32Array {
  const x = new Float32Array(n * D);
  for (let i = 0; i < x.length; i++) x[i] = rng.nextFloat() < 0.2 ? rng.nextFloat() : 0;
  return x;
}
