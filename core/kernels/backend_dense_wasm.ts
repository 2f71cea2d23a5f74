/**
 * The WebAssembly SIMD backend for any network the TypeScript reference supports: any depth, every
 * activation, every optimizer, dropout. The generic kernels of core/kernels/dense.wat run on buffers
 * in one wasm linear memory; they take every address and size as arguments, so nothing about the
 * network is built into the module.
 *
 * Shapes as in core/network/network.ts: N = batch size, D = 784 pixels, sizes = [D, H₁, …, H_L, K],
 * K = 10 classes; row-major float32. Every buffer (parameters, gradients, optimizer state, batch
 * input, workspace) is placed once in a shared `WebAssembly.Memory`, and the backend's `params`,
 * `x`, `probs` and the optimizer's state arrays are `Float32Array` views of it: nothing is copied per
 * step. A view's `byteOffset` is its address for the kernels.
 *
 * A training step runs the reference's sequence (core/kernels/backend.ts `createTsBackend`): dropout
 * masks drawn in TypeScript by `drawDropoutMasks` straight into wasm memory, forward in wasm,
 * softmax and cross-entropy in TypeScript on the views (`softmaxCrossEntropy`), gradients zeroed,
 * backward in wasm, then the optimizer's update in wasm. The matrix products skip zeros through
 * lists of each layer's non-zero inputs, built once per pass: per sample for the forward pass
 * (`nonzero_rows`), per input for the weight gradients and plain SGD's w0 update
 * (`nonzero_columns`); dX = dZ·Wᵀ is `dense_forward` of dZ's lists through `transpose(W)`.
 * Results agree with the reference within |Δ| ≤ 1e-5 + 1e-4·|ref| (tests/backend_dense_wasm_test.ts;
 * docs/kernels.md says why they may differ in the last bits). With threads > 1 the big kernels' work
 * is cut between the calling thread and workers (core/kernels/dense_threads.ts); every run, on any
 * thread count, gives the same bytes.
 *
 * @module
 */

import {
  type Backend,
  checkBatchCall,
  checkImageRows,
  DEFAULT_TRAINING,
  type TrainingSetup,
  usesDropout,
} from "./backend.ts";
import { checkThreadCount, createModeChooser } from "./backend_threads.ts";
import { MAX_WASM_BYTES } from "./backend_wasm.ts";
import { createDensePool, DENSE_CONTROL_BYTES } from "./dense_threads.ts";
import { type DenseKernelExports, loadDenseKernelModule } from "./dense_kernels.ts";
import { LimitError, ShapeError } from "../base/errors.ts";
import { ACTIVATIONS, isActivation } from "../network/activations.ts";
import { softmaxCrossEntropy } from "../network/loss.ts";
import {
  type Activation,
  D,
  drawDropoutMasks,
  type Grads,
  type Hidden,
  K,
  layerSizes,
  type Params,
  type Workspace,
} from "../network/network.ts";
import {
  createOptimizer,
  type FirstLayerFactors,
  type Optimizer,
  stateArrayNames,
} from "../network/optimizers.ts";
import { Rng } from "../network/rng.ts";

const PAGE_BYTES = 65536;
/** Every buffer starts on a 64-byte boundary; nothing lives at address 0, the kernels' null. */
const ALIGN = 64;

/** Hands out 64-byte aligned byte ranges of the memory-to-be, from address 64 on. */
class _Arena {
  end = ALIGN;
  take(bytes: number): number {
    const at = this.end;
    this.end += Math.ceil(bytes / ALIGN) * ALIGN;
    return at;
  }
}

/**
 * The WebAssembly SIMD backend for a network of any depth, on the calling thread and `threads − 1`
 * workers.
 *
 * @param hidden The hidden layer sizes.
 * @param activation The hidden non-linearity.
 * @param capacity The largest batch N.
 * @param training The optimizer and dropout; plain SGD without dropout when left out.
 * @param threads T, 1 to 16: the same bytes for every T.
 * @param choose With T > 1, called at each training step with its row count: true cuts the step's
 *   big kernels between the threads, false runs it on the calling thread alone (the same bytes);
 *   by default whichever was faster lately (`createModeChooser` of core/kernels/backend_threads.ts).
 *   Predictions are always cut.
 * @returns A backend whose parameters are all 0 until set, with `params`, `x`, `probs` and the
 *   optimizer's state viewing wasm memory; dispose() stops its workers.
 * @throws {RangeError} For hidden sizes `layerSizes` refuses.
 * @throws {LimitError} For a bad activation, capacity or thread count, or a memory over 2 GiB.
 * @throws {InputFileError} When core/kernels/dense.wasm cannot be read.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createDenseWasmBackend } from "./backend_dense_wasm.ts";
 * const b = await createDenseWasmBackend([8, 4], "tanh", 2);
 * b.x.fill(0.5);
 * b.predict(null, 0, 2);
 * assert.ok(Math.abs(b.probs[0] - 0.1) < 1e-6); // zero weights: uniform probabilities
 * const loss = b.trainStep([3, 7], 0, 2, 0.1);
 * assert.ok(Math.abs(loss - 2 * Math.log(10)) < 1e-5);
 * b.dispose();
 * ```
 */
export async function createDenseWasmBackend(
  hidden: Hidden,
  activation: Activation,
  capacity: number,
  training: TrainingSetup = DEFAULT_TRAINING,
  threads = 1,
  choose: (n: number) => boolean = createModeChooser(),
): Promise<Backend> {
  const sizes = layerSizes(hidden), layers = sizes.length - 1, last = layers - 1;
  if (!isActivation(activation)) {
    throw new LimitError(
      `Cannot create the wasm backend: activation is "${activation}", expected one of ${
        ACTIVATIONS.map((a) => `"${a}"`).join(", ")
      }`,
    );
  }
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new LimitError(
      `Cannot create the wasm backend: capacity is ${capacity}, expected a positive integer`,
    );
  }
  checkThreadCount(threads, "create the wasm backend");
  const dropout = usesDropout(training), settings = training.optimizer;
  // a probe learns the optimizer's state lengths and whether it needs grads.w[0], allocating nothing
  const stateLengths: number[] = [];
  const dense = createOptimizer(settings, sizes, (length) => {
    stateLengths.push(length);
    return new Float32Array(0);
  }).denseFirstLayer;

  // Layout: every buffer's byte address, sized for the network and the capacity.
  const arena = new _Arena(), N = capacity, outs = sizes.slice(1), hid = outs.slice(0, -1);
  const f32 = (count: number) => arena.take(count * 4);
  const at = {
    control: arena.take(DENSE_CONTROL_BYTES), // the jobs of core/kernels/dense_threads.ts
    w: outs.map((o, l) => f32(sizes[l] * o)), // w_l (sizes[l], sizes[l + 1])
    b: outs.map((o) => f32(o)), // b_l (sizes[l + 1])
    gW: outs.map((o, l) => f32(l === 0 && !dense ? 0 : sizes[l] * o)), // dL/dw_l; w0's only when dense
    gB: outs.map((o) => f32(o)),
    state: stateLengths.map((length) => f32(length)), // the optimizer's arrays, in stateArrayNames order
    x: f32(N * D), // (N, D)
    pixels: arena.take(N * D), // (N, D) bytes, for load_pixels
    z: outs.map((o) => f32(N * o)), // z_l (N, sizes[l + 1]); the last is the logits
    act: hid.map((h) => f32(N * h)), // act(z_l) of the hidden layers
    a: dropout ? hid.map((h) => f32(N * h)) : null, // act ⊙ mask
    mask: dropout ? hid.map((h) => f32(N * h)) : null,
    dZ: outs.map((o) => f32(N * o)), // dL/dz_l; the last is dLogits
    probs: f32(N * K),
    // the non-zero inputs of each layer: per sample (nonzero_rows) and per input (nonzero_columns)
    rows: outs.map((_, l) => ({ idx: f32(N * sizes[l]), val: f32(N * sizes[l]), cnt: f32(N) })),
    dZRows: outs.map((o) => ({ idx: f32(N * o), val: f32(N * o), cnt: f32(N) })), // of dZ_l, for dX
    wT: outs.map((o, l) => f32(l === 0 ? 0 : sizes[l] * o)), // w_lᵀ (sizes[l + 1], sizes[l]), for dX
    zeros: f32(Math.max(...sizes) + 4), // never written: the zero bias of dX = dZ·Wᵀ
    columns: outs.map((_, l) => ({
      start: f32(sizes[l] + 1),
      row: f32(N * sizes[l]),
      val: f32(N * sizes[l]),
    })),
    scaled: f32(N * D), // float32(−lr·x) of the column list of x, for sgd_first_layer
    slack: arena.take(ALIGN), // dense.wat's $madd_rest reads up to 12 bytes past a row
  };
  const gradEnd = at.state.length > 0 ? at.state[0] : at.x;
  if (arena.end > MAX_WASM_BYTES) {
    throw new LimitError(
      `Cannot create the wasm backend: layers ${
        sizes.join("-")
      } and capacity ${capacity} need ${arena.end} bytes, ` +
        `expected at most ${MAX_WASM_BYTES}`,
    );
  }
  const module = await loadDenseKernelModule();
  const pages = Math.ceil(arena.end / PAGE_BYTES);
  // shared, so that workers can run parts of the kernels on it
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const own = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as DenseKernelExports;
  const pool = threads > 1 ? await createDensePool(module, memory, own, at.control, threads) : null;
  const k = pool ? pool.kernels : own;
  const view = (address: number, count: number) => new Float32Array(memory.buffer, address, count);

  const params: Params = {
    sizes,
    w: at.w.map((p, l) => view(p, sizes[l] * sizes[l + 1])),
    b: at.b.map((p, l) => view(p, sizes[l + 1])),
  };
  const grads: Grads = {
    w: at.gW.map((p, l) => view(p, l === 0 && !dense ? 0 : sizes[l] * sizes[l + 1])),
    b: at.gB.map((p, l) => view(p, sizes[l + 1])),
  };
  const allGrads = view(at.gW[0], (gradEnd - at.gW[0]) / 4); // every gW and gB, laid out together
  const act = at.act.map((p, l) => view(p, N * hid[l]));
  const mask = at.mask ? at.mask.map((p, l) => view(p, N * hid[l])) : null;
  const z = at.z.map((p, l) => view(p, N * outs[l])), dZ = at.dZ.map((p, l) => view(p, N * outs[l]));
  // the reference's workspace, of views: drawDropoutMasks writes the masks straight into wasm memory
  const ws: Workspace = {
    capacity,
    z,
    act,
    a: at.a ? at.a.map((p, l) => view(p, N * hid[l])) : act,
    mask,
    dZ,
    logits: z[last],
    probs: view(at.probs, N * K),
    dLogits: dZ[last],
  };
  const x = view(at.x, N * D);
  const pixels = new Uint8Array(memory.buffer, at.pixels, N * D);
  /** n while the row lists of layer 0 are those of x's first n rows (this step's forward pass), else −1. */
  let rowsOfX = -1;
  /** The column lists of the first layer's input for plain SGD's update of w0 from its factors. */
  const firstColumns = (first: FirstLayerFactors, xAt: number, dZ0At: number) => {
    const r = at.rows[0], c = at.columns[0];
    if (!(xAt === at.x && first.n === rowsOfX)) k.nonzero_rows(xAt, first.n, D, r.idx, r.val, r.cnt);
    k.nonzero_columns(r.idx, r.val, r.cnt, first.n, D, sizes[1], c.start, c.row, c.val);
    return { ...c, scaled: at.scaled, dZ0: dZ0At };
  };
  const optimizer = _wasmOptimizer(k, memory, training, sizes, at.state, firstColumns);
  const actId = ACTIVATIONS.indexOf(activation);
  const aIn = at.a ?? at.act; // the input of layer l + 1 in training

  /** Forward pass of the first n rows; with train, through the dropout masks. */
  const forwardPass = (n: number, train: boolean) => {
    for (let l = 0; l <= last; l++) {
      const input = l === 0 ? at.x : (train ? aIn : at.act)[l - 1], r = at.rows[l];
      k.nonzero_rows(input, n, sizes[l], r.idx, r.val, r.cnt);
      k.dense_forward(r.cnt, r.idx, r.val, n, sizes[l], sizes[l + 1], at.w[l], at.b[l], at.z[l]);
      if (l === last) break;
      const len = n * sizes[l + 1];
      k.activation_forward(at.z[l], at.act[l], len, actId);
      if (train && at.mask && at.a) k.dropout_apply(at.act[l], at.mask[l], at.a[l], len); // a = act(z) ⊙ m
    }
  };
  /** Backward pass of the first n rows into the zeroed gradients, as `backward` of network.ts. */
  const backwardPass = (n: number) => {
    /** The column lists of layer l's input, from its row lists of the forward pass. */
    const columns = (l: number) => {
      const r = at.rows[l], c = at.columns[l];
      k.nonzero_columns(r.idx, r.val, r.cnt, n, sizes[l], sizes[l + 1], c.start, c.row, c.val);
      return c;
    };
    for (let l = last; l >= 1; l--) {
      const dA = at.dZ[l - 1], c = columns(l), I = sizes[l], O = sizes[l + 1], r = at.dZRows[l];
      k.dense_backward(at.dZ[l], n, I, O, at.gW[l], at.gB[l], c.start, c.row, c.val);
      // dA = dL/da_{l−1} = dZ_l·w_lᵀ, over the non-zero dZ_l; turned into dL/dz_{l−1} below
      k.transpose(at.w[l], I, O, at.wT[l]);
      k.nonzero_rows(at.dZ[l], n, O, r.idx, r.val, r.cnt);
      k.dense_forward(r.cnt, r.idx, r.val, n, O, I, at.wT[l], at.zeros, dA);
      const len = n * sizes[l];
      if (at.mask) k.dropout_apply(dA, at.mask[l - 1], dA, len); // through a = act ⊙ m
      k.activation_backward(at.z[l - 1], at.act[l - 1], dA, len, actId);
    }
    // layer 0: nothing flows back to x, which is data
    k.dense_backward(at.dZ[0], n, sizes[0], sizes[1], 0, at.gB[0], 0, 0, 0);
    if (dense) {
      const c = columns(0);
      k.first_layer_gradient(c.start, c.row, c.val, at.dZ[0], sizes[0], sizes[1], at.gW[0]);
    }
  };
  /** Copy the images' bytes into wasm memory and turn them into rows 0 … n − 1 of x. */
  const fillRows = (from: Uint8Array, start: number, n: number, order?: ArrayLike<number>) => {
    if (!order) pixels.set(from.subarray(start * D, (start + n) * D));
    else {
      for (let r = 0; r < n; r++) {
        const image = order[start + r] * D;
        pixels.set(from.subarray(image, image + D), r * D);
      }
    }
    k.load_pixels(at.pixels, at.x, n * D);
  };
  const predictRows = (labels: ArrayLike<number> | null, offset: number, n: number) => {
    pool?.cutCalls(true);
    forwardPass(n, false);
    return softmaxCrossEntropy(ws.logits, labels, offset, n, ws.probs, null);
  };
  let dropoutRng = new Rng(0);
  let disposed = false;
  const checkLive = () => {
    if (disposed) throw new Error("Cannot use the wasm backend: it was disposed");
  };
  return {
    kind: "wasm",
    params,
    activation,
    optimizer,
    capacity,
    x,
    probs: ws.probs,
    seedDropout(seed) {
      dropoutRng = new Rng(seed);
    },
    loadImages(from, start, n, order) {
      checkLive();
      checkImageRows(from, start, n, order, capacity);
      fillRows(from, start, n, order);
    },
    trainStep(labels, offset, n, lr) {
      checkLive();
      checkBatchCall("run a training step", labels, offset, n, lr, capacity);
      pool?.cutCalls(choose(n)); // on all threads or on this one, whichever was faster lately
      if (dropout) drawDropoutMasks(ws, n, training.dropout, dropoutRng);
      forwardPass(n, true);
      rowsOfX = n;
      const loss = softmaxCrossEntropy(ws.logits, labels, offset, n, ws.probs, ws.dLogits);
      allGrads.fill(0); // the one place gradients are zeroed
      backwardPass(n);
      optimizer.step(params, grads, lr, { x, dZ0: dZ[0], n });
      rowsOfX = -1;
      return loss;
    },
    predict(labels, offset, n) {
      checkLive();
      checkBatchCall("predict", labels, offset, n, 0, capacity);
      return predictRows(labels, offset, n);
    },
    predictImages(from, start, n, labels) {
      checkLive();
      checkImageRows(from, start, n, undefined, capacity);
      checkBatchCall("predict", labels, start, n, 0, capacity);
      fillRows(from, start, n);
      return predictRows(labels, start, n);
    },
    dispose() {
      disposed = true;
      pool?.dispose();
    },
  };
}

/**
 * The optimizer of a wasm backend: `createOptimizer`'s state arrays placed in wasm memory (so its
 * getState/setState and their checks are the reference's), with the step done by the kernels.
 *
 * @param state The addresses laid out for the state arrays, in {@linkcode stateArrayNames} order.
 * @param firstColumns Builds the column lists of the first layer's factors (at the given addresses of
 *   x and dZ0) for plain SGD's update of w0, and says where they are.
 */
function _wasmOptimizer(
  k: DenseKernelExports,
  memory: WebAssembly.Memory,
  training: TrainingSetup,
  sizes: readonly number[],
  state: readonly number[],
  firstColumns: (
    first: FirstLayerFactors,
    x: number,
    dZ0: number,
  ) => { start: number; row: number; val: number; scaled: number; dZ0: number },
): Optimizer {
  const settings = training.optimizer, layers = sizes.length - 1;
  const names = stateArrayNames(settings.name, layers);
  const arrays = new Map<string, Float32Array>();
  let next = 0;
  const base = createOptimizer(settings, sizes, (length) => {
    const array = new Float32Array(memory.buffer, state[next], length);
    arrays.set(names[next++], array);
    return array;
  });
  let steps = 0; // the base optimizer never steps: its count is kept here
  /** The address of an array, which must be a view of this backend's memory. */
  const address = (array: Float32Array) => {
    if (array.buffer !== memory.buffer) {
      throw new ShapeError(
        "Cannot run the wasm optimizer: its arrays must be views of the backend's wasm memory",
      );
    }
    return array.byteOffset;
  };
  const step = (params: Params, grads: Grads, lr: number, first: FirstLayerFactors) => {
    const lambda = settings.weightDecay;
    if (lambda !== 0) {
      params.w.forEach((w, l) => k.weight_decay(address(grads.w[l]), address(w), w.length, lambda)); // g += λ·w
    }
    steps++;
    const { beta1, beta2, epsilon } = settings;
    const correct1 = 1 - beta1 ** steps, correct2 = 1 - beta2 ** steps; // Adam's bias corrections
    for (let l = 0; l < layers; l++) {
      for (
        const [p, g, key] of [[params.w[l], grads.w[l], `w${l}`], [params.b[l], grads.b[l], `b${l}`]] as const
      ) {
        switch (settings.name) {
          case "sgd":
            if (key === "w0" && !base.denseFirstLayer) {
              const c = firstColumns(first, address(first.x), address(first.dZ0));
              k.sgd_first_layer(address(p), c.start, c.row, c.val, c.scaled, c.dZ0, sizes[0], sizes[1], lr);
            } else k.sgd(address(p), address(g), p.length, lr);
            break;
          case "momentum":
            k.momentum(
              address(p),
              address(g),
              address(arrays.get(`v_${key}`)!),
              p.length,
              lr,
              settings.momentum,
              settings.nesterov ? 1 : 0,
            );
            break;
          case "adam":
            k.adam(
              address(p),
              address(g),
              address(arrays.get(`m_${key}`)!),
              address(arrays.get(`v_${key}`)!),
              p.length,
              lr,
              beta1,
              1 - beta1,
              beta2,
              1 - beta2,
              epsilon,
              correct1,
              correct2,
            );
            break;
        }
      }
    }
  };
  return {
    settings,
    denseFirstLayer: base.denseFirstLayer,
    step,
    getState() {
      return { step: steps, arrays: base.getState().arrays };
    },
    setState(saved) {
      base.setState(saved); // checks the names, lengths and step, and copies into wasm memory
      steps = saved.step;
    },
  };
}
