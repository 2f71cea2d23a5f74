/**
 * Training-time augmentation of 28 × 28 MNIST images: seeded, reproducible, allocation-free.
 *
 * One call of {@linkcode Augmenter.apply} draws, from the `Rng` it is given:
 *
 * 1. an affine map about the source's centre of mass c: a rotation by θ, a horizontal shear k, a
 *    scale s_x, s_y per axis, then a shift t;
 * 2. an elastic displacement field d(p) with the statistics of Simard et al. (2003): uniform noise
 *    smoothed by a Gaussian of std σ, scaled by α (built here as a cubic B-spline on a coarse grid);
 * 3. a stroke-thickness change τ: a blend towards the grey-scale dilation (τ > 0) or erosion (τ < 0).
 *
 * The output pixel p reads the source, by bilinear interpolation, at
 *
 *   q = c + M·(p − c − t) + d(p),   M = (R(θ)·H(k)·S(s_x, s_y))⁻¹,
 *
 * in one resampling pass; the thickness blend follows, then the result is clamped to [0, 1].
 *
 * Coordinates: x to the right, y down, pixel centres at integers 0..27. A positive θ turns the
 * digit counter-clockwise as seen on screen. Shapes: images are (28, 28) row-major, 784 values.
 * docs/augmentation.md gives the derivations and the recommended defaults.
 *
 * Everything runs in TypeScript by default; `new Augmenter(options, await loadAugmentKernels())` runs
 * the resampling (the warp, the thickness blend, the byte conversion) in core/augment/augment.wat instead,
 * with the same output bytes, as the training pipeline's worker does.
 *
 * @module
 */

import { describeValue, LimitError, ShapeError } from "../base/errors.ts";
import { IMAGE_SIDE } from "../formats/idx.ts";
import { D } from "../network/network.ts";
import { Rng } from "../network/rng.ts";
import { compileWasmFile } from "../kernels/wasm_file.ts";

/** Strengths of the random transforms; each one is drawn uniformly in [−strength, strength]. */
export interface AugmentOptions {
  /** Largest rotation, in degrees, either way; in [0, 180]. */
  rotate_degrees: number;
  /** Largest relative change of each axis' scale: s_x, s_y ∈ [1 − scale, 1 + scale]; in [0, 0.5]. */
  scale: number;
  /** Largest shift along each axis, in pixels; in [0, 14]. */
  shift: number;
  /** Largest blend towards dilation (thicker) or erosion (thinner) strokes; in [0, 1]. */
  thickness: number;
  /** Simard's α, the scale of the elastic displacement field, in pixels; in [0, 100]. 0 turns it off. */
  elastic_alpha: number;
  /** Simard's σ, the std of the Gaussian that smooths the elastic field, in pixels; in [1, 28]. */
  elastic_sigma: number;
  /** Chance that an image is augmented at all; otherwise it is copied unchanged. In [0, 1]. */
  probability: number;
  /** Largest horizontal shear (slant) x' = x + k·y, as the slope k; in [0, 1]. Absent means 0. */
  shear?: number;
}

/** Recommended strengths (docs/augmentation.md explains the choice). */
export const DEFAULT_AUGMENT_OPTIONS: Readonly<Required<AugmentOptions>> = Object.freeze({
  rotate_degrees: 10,
  scale: 0.1,
  shift: 2,
  thickness: 0.3,
  elastic_alpha: 24,
  elastic_sigma: 4,
  probability: 1,
  shear: 0.15,
});

/**
 * What one call of {@linkcode Augmenter.apply} drew, and the elastic grid it used. The augmenter
 * overwrites one such record in place on every call (no allocation); copy values out to keep them.
 */
export interface AugmentDraw {
  /** False when the image was copied unchanged (the `probability` gate said no). */
  applied: boolean;
  /** Rotation θ in radians; positive is counter-clockwise on screen. */
  angle: number;
  /** Scale s_x along x. */
  scale_x: number;
  /** Scale s_y along y. */
  scale_y: number;
  /** Horizontal shear slope k. */
  shear: number;
  /** Shift t_x in pixels (positive moves the digit right). */
  shift_x: number;
  /** Shift t_y in pixels (positive moves the digit down). */
  shift_y: number;
  /** Thickness blend τ ∈ [−1, 1]: positive dilates, negative erodes. */
  thickness: number;
  /** x of the centre c the affine map turns about: the source's centre of mass (13.5 if blank). */
  centre_x: number;
  /** y of the centre c. */
  centre_y: number;
  /** B-spline coefficients of the x displacement in pixels, (G, G) row-major (all 0 when α = 0). */
  readonly field_x: Float64Array;
  /** B-spline coefficients of the y displacement in pixels, (G, G). */
  readonly field_y: Float64Array;
  /** G, control points per axis of the elastic grid. */
  readonly grid_side: number;
  /** h, the spacing of the control points in pixels: σ·√3. */
  readonly grid_step: number;
  /** Pixel coordinate of control point 1 along each axis (point k sits at origin + (k − 1)·h). */
  readonly grid_origin: number;
}

// Padded work images: PAD zero pixels on each side, so bilinear taps and the 3 × 3 neighbourhood
// never need bounds checks. Shape (PADDED_SIDE, PADDED_SIDE) row-major.
const PAD = 2;
const PADDED_SIDE = IMAGE_SIDE + 2 * PAD; // 32
// Clamping a source coordinate to [−1, 28] keeps every tap inside the padding; points outside the
// image then read the zero border, exactly as if the image were surrounded by black.
const COORD_MIN = -1;
const COORD_MAX = IMAGE_SIDE;
// Middle of the image: the fallback centre for a blank image, and the centre of the elastic grid.
const IMAGE_CENTRE = (IMAGE_SIDE - 1) / 2;
// ∫ β₃(u)² du for the cubic B-spline β₃, equal to β₇(0) = 151/315
const BSPLINE_SQUARE_INTEGRAL = 151 / 315;

type OptionName = keyof AugmentOptions;

// [name, lowest, highest]; the order is also the order of the error checks
const OPTION_RANGES: readonly (readonly [OptionName, number, number])[] = [
  ["rotate_degrees", 0, 180],
  ["scale", 0, 0.5],
  ["shift", 0, 14],
  ["thickness", 0, 1],
  ["elastic_alpha", 0, 100],
  ["elastic_sigma", 1, 28],
  ["probability", 0, 1],
  ["shear", 0, 1],
];

/** Byte offsets of the work arrays in the memory of core/augment/augment.wasm (see core/augment/augment.wat). */
const WASM_SRC = 0, WASM_WARPED = 8192, WASM_WEIGHT = 16384, WASM_FIRST = 17280;
const WASM_ROWS_X = 17408, WASM_ROWS_Y = 22784, WASM_DST = 28160, WASM_BYTES = 31296, WASM_SUMS = 32128;
/** Control rows of the elastic grid that core/augment/augment.wasm has room for; σ ≥ 1 needs at most 19. */
const WASM_MAX_GRID_SIDE = 24;

/** core/augment/augment.wasm instantiated: the resampling half of {@linkcode Augmenter.apply} in WebAssembly. */
export interface AugmentKernels {
  readonly memory: WebAssembly.Memory;
  /** #warp of Augmenter: warped = src at q = p + (M − I)·(p − o) − t + d(p), bilinear. */
  warp(
    a00: number,
    m01: number,
    m10: number,
    a11: number,
    ox: number,
    oy: number,
    tx: number,
    ty: number,
    elastic: number,
  ): void;
  /** #thicknessAndStore of Augmenter, into the memory's float32 dst. */
  thickness_store(tau: number): void;
  /** A byte image into src, / 255, with its mass and first moments (Σ v, Σ v·x, Σ v·y). */
  load_bytes(): void;
}

/**
 * Read, compile and instantiate core/augment/augment.wasm (built from core/augment/augment.wat by
 * scripts/build_wasm.ts), for an {@linkcode Augmenter} that resamples in WebAssembly.
 *
 * @returns A fresh instance with its own memory: one per Augmenter.
 * @throws {InputFileError} When the file cannot be read.
 * @throws {FormatError} When it is not a valid wasm module for this engine.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Augmenter, DEFAULT_AUGMENT_OPTIONS, loadAugmentKernels } from "./augment.ts";
 * const fast = new Augmenter(DEFAULT_AUGMENT_OPTIONS, await loadAugmentKernels());
 * assert.ok(fast.options.elastic_sigma === 4);
 * ```
 */
export async function loadAugmentKernels(): Promise<AugmentKernels> {
  const module = await compileWasmFile(new URL("./augment.wasm", import.meta.url), "augmentation kernels");
  return new WebAssembly.Instance(module).exports as unknown as AugmentKernels;
}

/** Draws random augmentations of MNIST images into a caller's buffer. */
export class Augmenter {
  /** The validated strengths, with `shear` filled in. */
  readonly options: Readonly<Required<AugmentOptions>>;
  /** What the latest {@linkcode Augmenter.apply} call drew; overwritten in place by each call. */
  readonly last: AugmentDraw;

  // The work arrays below live in the kernels' memory when there are kernels, else in plain arrays.
  // source in [0, 1] with a zero border: (PADDED_SIDE, PADDED_SIDE)
  #src: Float64Array;
  // warped image with a zero border: (PADDED_SIDE, PADDED_SIDE)
  #warped: Float64Array;
  // byte value v → v / 255, so Uint8 sources convert by lookup
  #byteToUnit = new Float64Array(256);
  // cubic B-spline weights of each pixel coordinate: (IMAGE_SIDE, 4), and the first control index
  #splineWeight: Float64Array;
  #splineFirst: Int32Array;
  // field coefficients summed along x for every control row: (G, IMAGE_SIDE), one per field
  #rowsX: Float64Array;
  #rowsY: Float64Array;
  // the kernels that run #warp, #thicknessAndStore and the byte conversion, with views of their
  // input bytes, their sums and their float32 output; null to run them in TypeScript
  #wasm: {
    readonly kernels: AugmentKernels;
    readonly bytes: Uint8Array;
    readonly sums: Float64Array;
    readonly dst: Float32Array;
  } | null;
  // half-width of the uniform coefficient noise, so the field's std matches Simard's (see docs)
  #fieldAmplitude: number;

  /**
   * Validate the strengths and set up every buffer and table the augmenter will need.
   *
   * @param options The strengths; see {@linkcode AugmentOptions} for each range.
   * @param kernels From {@linkcode loadAugmentKernels}, to resample in WebAssembly (same output bytes,
   *   about twice as fast); omit to run everything in TypeScript. One instance per Augmenter.
   * @throws {ShapeError} When options is not an object or a value is not a number.
   * @throws {LimitError} When a value lies outside its range.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Augmenter, DEFAULT_AUGMENT_OPTIONS } from "./augment.ts";
   * const augmenter = new Augmenter(DEFAULT_AUGMENT_OPTIONS);
   * assert.ok(augmenter.last.grid_side === 7);
   * ```
   */
  constructor(options: AugmentOptions, kernels?: AugmentKernels) {
    this.options = Object.freeze(_validateOptions(options));
    const { elastic_alpha: alpha, elastic_sigma: sigma } = this.options;
    const buffer = kernels ? kernels.memory.buffer : null;
    const f64 = (at: number, length: number) =>
      buffer ? new Float64Array(buffer, at, length) : new Float64Array(length);
    this.#wasm = kernels
      ? {
        kernels,
        bytes: new Uint8Array(kernels.memory.buffer, WASM_BYTES, D),
        sums: new Float64Array(kernels.memory.buffer, WASM_SUMS, 3),
        dst: new Float32Array(kernels.memory.buffer, WASM_DST, D),
      }
      : null;
    this.#src = f64(WASM_SRC, PADDED_SIDE * PADDED_SIDE);
    this.#warped = f64(WASM_WARPED, PADDED_SIDE * PADDED_SIDE);
    this.#splineWeight = f64(WASM_WEIGHT, IMAGE_SIDE * 4);
    this.#splineFirst = buffer ? new Int32Array(buffer, WASM_FIRST, IMAGE_SIDE) : new Int32Array(IMAGE_SIDE);

    for (let v = 0; v < 256; v++) this.#byteToUnit[v] = v / 255;

    // Control spacing h = σ·√3 gives the B-spline field the autocorrelation width of Simard's
    // (the B-spline autocorrelation β₇ has variance (2/3)·h², the Gaussian one 2σ²).
    const step = sigma * Math.sqrt(3);
    // n intervals cover the pixel centres 0..27, plus 3 control points for the cubic's support
    const intervals = Math.ceil((IMAGE_SIDE - 1) / step);
    const side = intervals + 3;
    const origin = IMAGE_CENTRE - intervals * step / 2;
    for (let x = 0; x < IMAGE_SIDE; x++) {
      const t = (x - origin) / step; // in [0, intervals], up to rounding at the ends
      const i = Math.max(0, Math.min(Math.floor(t), intervals - 1));
      const u = t - i;
      _splineWeights(u, this.#splineWeight, 4 * x);
      this.#splineFirst[x] = i;
    }
    // Simard: var d = α²·var(U)·Σ G_σ² = α²/3 · 1/(4πσ²). Ours, with coefficients U(−a, a):
    // var d = a²/3 · (∫β₃²)². Equal when a = α / (σ·√(4π)·∫β₃²).
    this.#fieldAmplitude = alpha / (sigma * Math.sqrt(4 * Math.PI) * BSPLINE_SQUARE_INTEGRAL);
    if (kernels && side > WASM_MAX_GRID_SIDE) {
      // unreachable while elastic_sigma >= 1 (19 rows at most); a guard for a wider range later
      throw new LimitError(
        `Cannot set up the augmenter: elastic_sigma ${sigma} needs ${side} control rows, the wasm kernels hold ${WASM_MAX_GRID_SIDE}`,
      );
    }
    this.#rowsX = f64(WASM_ROWS_X, side * IMAGE_SIDE);
    this.#rowsY = f64(WASM_ROWS_Y, side * IMAGE_SIDE);

    this.last = {
      applied: false,
      angle: 0,
      scale_x: 1,
      scale_y: 1,
      shear: 0,
      shift_x: 0,
      shift_y: 0,
      thickness: 0,
      centre_x: IMAGE_CENTRE,
      centre_y: IMAGE_CENTRE,
      field_x: new Float64Array(side * side),
      field_y: new Float64Array(side * side),
      grid_side: side,
      grid_step: step,
      grid_origin: origin,
    };
  }

  /**
   * Write an augmented copy of an image into `dst`. Allocates nothing; all randomness comes from `rng`,
   * so the same generator state gives the same output bits.
   *
   * @param src The image, 784 values row-major: bytes 0..255, or floats in [0, 1].
   * @param dst Receives the augmented image, 784 floats in [0, 1]; may be `src` itself.
   * @param rng The project's seeded generator; advanced by the draws.
   * @throws {ShapeError} When src or dst is not a 784-value array of the accepted kind, or rng is not an Rng.
   * @throws {LimitError} When a float source value is not in [0, 1].
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Augmenter, DEFAULT_AUGMENT_OPTIONS } from "./augment.ts";
   * import { Rng } from "../network/rng.ts";
   * const image = new Uint8Array(784);
   * image[14 * 28 + 14] = 255;
   * const a = new Float32Array(784), b = new Float32Array(784);
   * const augmenter = new Augmenter(DEFAULT_AUGMENT_OPTIONS);
   * augmenter.apply(image, a, new Rng(7));
   * augmenter.apply(image, b, new Rng(7));
   * assert.ok(a.every((v, i) => v === b[i] && v >= 0 && v <= 1));
   * ```
   */
  apply(src: Uint8Array | Float32Array, dst: Float32Array, rng: Rng): void {
    _checkImages(src, dst);
    if (!(rng instanceof Rng)) {
      throw new ShapeError(`Cannot augment the image: rng is ${describeValue(rng)}, expected an Rng`);
    }
    const o = this.options;
    const draw = this.last;
    const srcPad = this.#src;

    // source → padded float buffer, and its centre of mass on the way
    let mass = 0, sumX = 0, sumY = 0;
    const wasm = this.#wasm;
    if (src instanceof Uint8Array && wasm) {
      wasm.bytes.set(src);
      wasm.kernels.load_bytes();
      mass = wasm.sums[0], sumX = wasm.sums[1], sumY = wasm.sums[2];
    } else if (src instanceof Uint8Array) {
      const lut = this.#byteToUnit;
      for (let y = 0; y < IMAGE_SIDE; y++) {
        const row = (y + PAD) * PADDED_SIDE + PAD;
        for (let x = 0; x < IMAGE_SIDE; x++) {
          const v = lut[src[y * IMAGE_SIDE + x]];
          srcPad[row + x] = v;
          mass += v;
          sumX += v * x;
          sumY += v * y;
        }
      }
    } else {
      for (let y = 0; y < IMAGE_SIDE; y++) {
        const row = (y + PAD) * PADDED_SIDE + PAD;
        for (let x = 0; x < IMAGE_SIDE; x++) {
          const v = src[y * IMAGE_SIDE + x];
          if (!(v >= 0 && v <= 1)) {
            throw new LimitError(
              `Cannot augment the image: pixel ${y * IMAGE_SIDE + x} is ${v}, expected a value in [0, 1]`,
            );
          }
          srcPad[row + x] = v;
          mass += v;
          sumX += v * x;
          sumY += v * y;
        }
      }
    }

    // the probability gate: copy unchanged when it says no
    draw.applied = o.probability >= 1 || (o.probability > 0 && rng.nextFloat() < o.probability);
    if (!draw.applied) {
      for (let y = 0; y < IMAGE_SIDE; y++) {
        const row = (y + PAD) * PADDED_SIDE + PAD;
        for (let x = 0; x < IMAGE_SIDE; x++) dst[y * IMAGE_SIDE + x] = srcPad[row + x];
      }
      return;
    }

    // Draws, in a fixed order; a strength of 0 draws nothing and leaves the exact neutral value.
    draw.angle = o.rotate_degrees > 0 ? _uniform(rng, o.rotate_degrees) * (Math.PI / 180) : 0;
    draw.scale_x = o.scale > 0 ? 1 + _uniform(rng, o.scale) : 1;
    draw.scale_y = o.scale > 0 ? 1 + _uniform(rng, o.scale) : 1;
    draw.shear = o.shear > 0 ? _uniform(rng, o.shear) : 0;
    draw.shift_x = o.shift > 0 ? _uniform(rng, o.shift) : 0;
    draw.shift_y = o.shift > 0 ? _uniform(rng, o.shift) : 0;
    draw.thickness = o.thickness > 0 ? _uniform(rng, o.thickness) : 0;
    draw.centre_x = mass > 0 ? sumX / mass : IMAGE_CENTRE;
    draw.centre_y = mass > 0 ? sumY / mass : IMAGE_CENTRE;
    if (o.elastic_alpha > 0) this.#drawField(rng);

    if (wasm) {
      const m = this.#affine();
      wasm.kernels.warp(m.a00, m.m01, m.m10, m.a11, m.ox, m.oy, m.tx, m.ty, o.elastic_alpha > 0 ? 1 : 0);
      wasm.kernels.thickness_store(draw.thickness);
      dst.set(wasm.dst);
      return;
    }
    this.#warp();
    this.#thicknessAndStore(dst);
  }

  /**
   * The latest image after the warp and before the thickness blend, in float64 with a zero border of
   * 2: (32, 32) row-major, pixel (x, y) at (y + 2) · 32 + x + 2. A view the next call overwrites; for
   * inspection and tests.
   */
  get warped(): Float64Array {
    return this.#warped;
  }

  /** The affine part of the warp from the latest draw: M − I's entries, the centre o = c + t and t. */
  #affine(): {
    a00: number;
    m01: number;
    m10: number;
    a11: number;
    ox: number;
    oy: number;
    tx: number;
    ty: number;
  } {
    const d = this.last;
    const cos = Math.cos(d.angle), sin = Math.sin(d.angle), k = d.shear;
    // M = S⁻¹·H⁻¹·R⁻¹ with R = [[cos, sin], [−sin, cos]] (y down), H = [[1, k], [0, 1]]
    const m00 = (cos - k * sin) / d.scale_x, m01 = (-sin - k * cos) / d.scale_x;
    const m10 = sin / d.scale_y, m11 = cos / d.scale_y;
    // written as M − I so that the neutral draw gives q = p exactly, not p ± rounding
    return {
      a00: m00 - 1,
      m01,
      m10,
      a11: m11 - 1,
      ox: d.centre_x + d.shift_x,
      oy: d.centre_y + d.shift_y,
      tx: d.shift_x,
      ty: d.shift_y,
    };
  }

  /** Draw the B-spline coefficients U(−a, a) of both fields, then sum each control row along x. */
  #drawField(rng: Rng): void {
    const { field_x: fx, field_y: fy, grid_side: side } = this.last;
    const a = this.#fieldAmplitude;
    const n = side * side;
    // two coefficients per 32-bit draw: 16 bits each, centred bins so the noise is symmetric
    for (let i = 0; i < n; i++) {
      const bits = rng.nextUint32();
      fx[i] = a * (((bits & 0xffff) + 0.5) / 32768 - 1);
      fy[i] = a * (((bits >>> 16) + 0.5) / 32768 - 1);
    }
    // rows[r, x] = Σ_j coef[r, first(x) + j] · w(x)_j, j = 0..3: the x half of the separable sum
    const w = this.#splineWeight, first = this.#splineFirst;
    const rowsX = this.#rowsX, rowsY = this.#rowsY;
    for (let r = 0; r < side; r++) {
      for (let x = 0; x < IMAGE_SIDE; x++) {
        const c = r * side + first[x], k = 4 * x;
        rowsX[r * IMAGE_SIDE + x] = fx[c] * w[k] + fx[c + 1] * w[k + 1] + fx[c + 2] * w[k + 2] +
          fx[c + 3] * w[k + 3];
        rowsY[r * IMAGE_SIDE + x] = fy[c] * w[k] + fy[c + 1] * w[k + 1] + fy[c + 2] * w[k + 2] +
          fy[c + 3] * w[k + 3];
      }
    }
  }

  /** One bilinear resampling pass: warped(p) = src(q), q = p + (M − I)·(p − c − t) − t + d(p). */
  #warp(): void {
    const src = this.#src, out = this.#warped;
    const { a00, m01, m10, a11, ox, oy, tx, ty } = this.#affine();
    const elastic = this.options.elastic_alpha > 0;
    const w = this.#splineWeight, first = this.#splineFirst;
    const rowsX = this.#rowsX, rowsY = this.#rowsY;

    for (let y = 0; y < IMAGE_SIDE; y++) {
      // the y half of the separable B-spline sum: rows first(y)..first(y)+3 with weights w(y)
      const r0 = first[y] * IMAGE_SIDE, r1 = r0 + IMAGE_SIDE, r2 = r1 + IMAGE_SIDE, r3 = r2 + IMAGE_SIDE;
      const wy0 = w[4 * y], wy1 = w[4 * y + 1], wy2 = w[4 * y + 2], wy3 = w[4 * y + 3];
      const ay = y - oy;
      const baseX = m01 * ay - tx, baseY = a11 * ay - ty;
      const outRow = (y + PAD) * PADDED_SIDE + PAD;
      for (let x = 0; x < IMAGE_SIDE; x++) {
        const ax = x - ox;
        let qx = x + (a00 * ax + baseX);
        let qy = y + (m10 * ax + baseY);
        if (elastic) {
          qx += wy0 * rowsX[r0 + x] + wy1 * rowsX[r1 + x] + wy2 * rowsX[r2 + x] + wy3 * rowsX[r3 + x];
          qy += wy0 * rowsY[r0 + x] + wy1 * rowsY[r1 + x] + wy2 * rowsY[r2 + x] + wy3 * rowsY[r3 + x];
        }
        qx = qx < COORD_MIN ? COORD_MIN : qx > COORD_MAX ? COORD_MAX : qx;
        qy = qy < COORD_MIN ? COORD_MIN : qy > COORD_MAX ? COORD_MAX : qy;
        // qx + PAD ≥ 1, so truncation is floor
        const ix = (qx + PAD) | 0, iy = (qy + PAD) | 0;
        const fx = qx + PAD - ix, fy = qy + PAD - iy;
        const i = iy * PADDED_SIDE + ix;
        const v00 = src[i], v01 = src[i + 1], v10 = src[i + PADDED_SIDE], v11 = src[i + PADDED_SIDE + 1];
        const top = v00 + fx * (v01 - v00);
        const bottom = v10 + fx * (v11 - v10);
        out[outRow + x] = top + fy * (bottom - top);
      }
    }
  }

  /** dst = warped + |τ|·(dilate or erode(warped) − warped), 4-neighbour cross, clamped to [0, 1]. */
  #thicknessAndStore(dst: Float32Array): void {
    const img = this.#warped;
    const tau = this.last.thickness;
    const strength = tau < 0 ? -tau : tau;
    // one loop per case, so the per-pixel work has no data-dependent branch but the clamp
    for (let y = 0; y < IMAGE_SIDE; y++) {
      const row = (y + PAD) * PADDED_SIDE + PAD;
      const out = y * IMAGE_SIDE;
      if (tau > 0) {
        for (let x = 0; x < IMAGE_SIDE; x++) {
          const i = row + x, c = img[i];
          const l = img[i - 1], r = img[i + 1], u = img[i - PADDED_SIDE], b = img[i + PADDED_SIDE];
          const h = l > r ? l : r, w = u > b ? u : b, n = h > w ? h : w;
          const m = n > c ? n : c;
          const v = c + strength * (m - c);
          dst[out + x] = v > 1 ? 1 : v;
        }
      } else if (tau < 0) {
        for (let x = 0; x < IMAGE_SIDE; x++) {
          const i = row + x, c = img[i];
          const l = img[i - 1], r = img[i + 1], u = img[i - PADDED_SIDE], b = img[i + PADDED_SIDE];
          const h = l < r ? l : r, w = u < b ? u : b, n = h < w ? h : w;
          const m = n < c ? n : c;
          const v = c + strength * (m - c);
          dst[out + x] = v < 0 ? 0 : v > 1 ? 1 : v;
        }
      } else {
        for (let x = 0; x < IMAGE_SIDE; x++) {
          const v = img[row + x];
          dst[out + x] = v < 0 ? 0 : v > 1 ? 1 : v;
        }
      }
    }
  }
}

/**
 * The plain reference of {@linkcode Augmenter.apply}: the same output from the same draw, written
 * the obvious slow way (direct B-spline double sum, bounds-checked bilinear sampling). Tests compare
 * the fast kernel against it; it is not meant for training.
 *
 * @param src The image, 784 bytes 0..255 or floats in [0, 1].
 * @param dst Receives the result, 784 floats.
 * @param draw A draw, usually `augmenter.last` right after `augmenter.apply(src, ...)`.
 * @throws {ShapeError} When src or dst is not a 784-value array of the accepted kind.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Augmenter, augmentReference, DEFAULT_AUGMENT_OPTIONS } from "./augment.ts";
 * import { Rng } from "../network/rng.ts";
 * const image = new Uint8Array(784).map((_, i) => (i * 37) % 256);
 * const fast = new Float32Array(784), slow = new Float32Array(784);
 * const augmenter = new Augmenter(DEFAULT_AUGMENT_OPTIONS);
 * augmenter.apply(image, fast, new Rng(3));
 * augmentReference(image, slow, augmenter.last);
 * assert.ok(fast.every((v, i) => Math.abs(v - slow[i]) < 1e-5));
 * ```
 */
export function augmentReference(src: Uint8Array | Float32Array, dst: Float32Array, draw: AugmentDraw): void {
  _checkImages(src, dst);
  const at = (x: number, y: number): number => {
    if (x < 0 || y < 0 || x >= IMAGE_SIDE || y >= IMAGE_SIDE) return 0;
    const v = src[y * IMAGE_SIDE + x];
    return src instanceof Uint8Array ? v / 255 : v;
  };
  if (!draw.applied) {
    for (let i = 0; i < D; i++) dst[i] = at(i % IMAGE_SIDE, Math.floor(i / IMAGE_SIDE));
    return;
  }
  const c = Math.cos(draw.angle), s = Math.sin(draw.angle), k = draw.shear;
  const m = [
    [(c - k * s) / draw.scale_x, (-s - k * c) / draw.scale_x],
    [s / draw.scale_y, c / draw.scale_y],
  ];
  const warped = new Float64Array(D);
  for (let y = 0; y < IMAGE_SIDE; y++) {
    for (let x = 0; x < IMAGE_SIDE; x++) {
      // d(p) = Σ_ij coef[i, j] · β₃((y − y_i)/h) · β₃((x − x_j)/h), control point j at origin + (j − 1)·h
      let dx = 0, dy = 0;
      for (let i = 0; i < draw.grid_side; i++) {
        const by = _bspline((y - draw.grid_origin) / draw.grid_step - (i - 1));
        for (let j = 0; j < draw.grid_side; j++) {
          const b = by * _bspline((x - draw.grid_origin) / draw.grid_step - (j - 1));
          dx += draw.field_x[i * draw.grid_side + j] * b;
          dy += draw.field_y[i * draw.grid_side + j] * b;
        }
      }
      // q = c + M·(p − c − t) + d(p)
      const ax = x - draw.centre_x - draw.shift_x, ay = y - draw.centre_y - draw.shift_y;
      const qx = draw.centre_x + m[0][0] * ax + m[0][1] * ay + dx;
      const qy = draw.centre_y + m[1][0] * ax + m[1][1] * ay + dy;
      const x0 = Math.floor(qx), y0 = Math.floor(qy), fx = qx - x0, fy = qy - y0;
      warped[y * IMAGE_SIDE + x] = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) +
        fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
    }
  }
  const w = (x: number, y: number): number =>
    x < 0 || y < 0 || x >= IMAGE_SIDE || y >= IMAGE_SIDE ? 0 : warped[y * IMAGE_SIDE + x];
  for (let y = 0; y < IMAGE_SIDE; y++) {
    for (let x = 0; x < IMAGE_SIDE; x++) {
      const cross = [w(x, y), w(x - 1, y), w(x + 1, y), w(x, y - 1), w(x, y + 1)];
      const target = draw.thickness > 0 ? Math.max(...cross) : Math.min(...cross);
      const v = w(x, y) + Math.abs(draw.thickness) * (target - w(x, y));
      dst[y * IMAGE_SIDE + x] = Math.min(1, Math.max(0, v));
    }
  }
}

/** A uniform draw in [−r, r). */
function _uniform(rng: Rng, r: number): number {
  return r * (2 * rng.nextFloat() - 1);
}

/** The centred cubic B-spline β₃(u), supported on (−2, 2). */
function _bspline(u: number): number {
  const a = Math.abs(u);
  if (a >= 2) return 0;
  if (a >= 1) return (2 - a) ** 3 / 6;
  return (4 - 6 * a * a + 3 * a * a * a) / 6;
}

/** The four cubic B-spline weights at fraction u ∈ [0, 1] of an interval, written to out[at..at+3]. */
function _splineWeights(u: number, out: Float64Array, at: number): void {
  const u2 = u * u, u3 = u2 * u, v = 1 - u;
  out[at] = v * v * v / 6;
  out[at + 1] = (3 * u3 - 6 * u2 + 4) / 6;
  out[at + 2] = (-3 * u3 + 3 * u2 + 3 * u + 1) / 6;
  out[at + 3] = u3 / 6;
}

function _checkImages(src: unknown, dst: unknown): void {
  if (!(src instanceof Uint8Array || src instanceof Float32Array) || src.length !== D) {
    throw new ShapeError(
      `Cannot augment the image: source is ${
        describeValue(src)
      }, expected a Uint8Array or Float32Array of ${D} values`,
    );
  }
  if (!(dst instanceof Float32Array) || dst.length !== D) {
    throw new ShapeError(
      `Cannot augment the image: destination is ${
        describeValue(dst)
      }, expected a Float32Array of ${D} values`,
    );
  }
}

function _validateOptions(options: unknown): Required<AugmentOptions> {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new ShapeError(
      `Cannot create the augmenter: options are ${describeValue(options)}, expected an object`,
    );
  }
  // other keys (such as the config section's `enabled`) are not ours and are ignored
  const record = options as Record<string, unknown>;
  const out: Record<string, number> = {};
  for (const [name, low, high] of OPTION_RANGES) {
    const value = name === "shear" && record[name] === undefined ? 0 : record[name];
    if (typeof value !== "number") {
      throw new ShapeError(
        `Cannot create the augmenter: option "${name}" is ${describeValue(value)}, expected a number`,
      );
    }
    if (!(value >= low && value <= high)) {
      throw new LimitError(
        `Cannot create the augmenter: option "${name}" is ${value}, expected a number in [${low}, ${high}]`,
      );
    }
    out[name] = value;
  }
  return out as unknown as Required<AugmentOptions>;
}
