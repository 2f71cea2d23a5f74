/**
 * The one seeded pseudo-random generator of the project.
 *
 * xoshiro128** (Blackman and Vigna, 2018): 128 bits of state, 32-bit output, period 2^128 - 1. The
 * state is filled from the 32-bit seed by SplitMix32, so nearby seeds give unrelated streams. Every
 * random draw (weight initialisation, shuffling, the validation split, augmentation) takes an `Rng`
 * as an argument: there is no global generator, and `Math.random()` is never used.
 *
 * @module
 */

import { LimitError } from "../base/errors.ts";

/** Largest seed plus one: seeds are integers in [0, 2^32). */
export const SEED_LIMIT = 2 ** 32;

/** A seeded random generator; the same seed always gives the same sequence. */
export class Rng {
  #s = new Uint32Array(4);

  /**
   * Create a generator from a seed.
   *
   * @param seed An integer in [0, 2^32).
   * @throws {LimitError} When the seed is not such an integer.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Rng } from "./rng.ts";
   * const a = new Rng(42), b = new Rng(42);
   * assert.ok(a.nextUint32() === b.nextUint32());
   * ```
   */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed >= SEED_LIMIT) {
      throw new LimitError(`Cannot seed the generator: seed is ${seed}, expected an integer in [0, 2^32)`);
    }
    // SplitMix32 fills the four state words; it never leaves them all zero.
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.#s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  /** The next 32 random bits, as an unsigned integer. */
  nextUint32(): number {
    const s = this.#s;
    const result = Math.imul(_rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = _rotl(s[3], 11);
    return result;
  }

  /** A uniform float in [0, 1) with 32 bits of resolution. */
  nextFloat(): number {
    return this.nextUint32() / SEED_LIMIT;
  }

  /**
   * A uniform integer in [0, n), without modulo bias (rejection sampling).
   *
   * @param n The number of possible values, an integer 1 ≤ n ≤ 2^32.
   * @throws {LimitError} When n is not such an integer.
   */
  nextInt(n: number): number {
    if (!(n >= 1 && n <= SEED_LIMIT && Number.isInteger(n))) {
      throw new LimitError(`Cannot draw an integer below ${n}: expected a whole number from 1 to 2^32`);
    }
    // reject the top partial block of 2^32 so each residue is equally likely
    const limit = SEED_LIMIT - (SEED_LIMIT % n);
    let r: number;
    do r = this.nextUint32(); while (r >= limit);
    return r % n;
  }

  /** A standard normal draw (mean 0, variance 1), by the Box–Muller transform. */
  nextNormal(): number {
    // u1 in (0, 1] so log(u1) is finite
    const u1 = 1 - this.nextFloat();
    const u2 = this.nextFloat();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /**
   * Shuffle an array in place (Fisher–Yates), so every order is equally likely.
   *
   * @param items The array to shuffle.
   * @returns The same array.
   */
  shuffle<T extends { length: number; [i: number]: number } | unknown[]>(items: T): T {
    const a = items as unknown as unknown[];
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
    return items;
  }

  /** The generator's state, to save in a checkpoint. */
  getState(): number[] {
    return Array.from(this.#s);
  }

  /**
   * Restore a state returned by {@linkcode Rng.getState}.
   *
   * @throws {LimitError} When the state is not four 32-bit words, not all zero.
   */
  setState(state: readonly number[]): void {
    if (
      state.length !== 4 || state.some((w) => !Number.isInteger(w) || w < 0 || w >= SEED_LIMIT) ||
      state.every((w) => w === 0)
    ) {
      throw new LimitError(`Cannot restore the generator: state is [${state}], expected four uint32 words`);
    }
    this.#s.set(state);
  }
}

function _rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
