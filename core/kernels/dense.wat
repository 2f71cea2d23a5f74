;; Generic kernels of a dense network of any depth in WebAssembly with 128-bit SIMD, for
;; core/kernels/backend_dense_wasm.ts. They mirror the TypeScript reference of core/network/
;; (layers.ts, activations.ts, optimizers.ts) function by function.
;;
;; Shape legend, as in core/network/network.ts: N = batch size, I = inputs of a layer, O = its
;; outputs (D = 784 pixels for the first layer, K = 10 classes for the last); row-major float32.
;; W: (I, O), W[i * O + o] connects input i to output o.
;;
;; Nothing about the network is built in: every kernel takes the byte address of each buffer it
;; touches and the sizes in elements, so one instance serves any layer sizes and batch. A null
;; address (0) means "leave this output out" where a kernel says so; the backend never places a
;; buffer at address 0. Sizes need not be multiples of 4: each loop does whole quads (f32x4) and
;; then the last len % 4 values one at a time.
;;
;; Activation ids are the indices of ACTIVATIONS in core/network/activations.ts:
;;   0 relu, 1 leaky_relu (slope 0.01 = LEAKY_SLOPE), 2 tanh, 3 sigmoid.
;;
;; The matrix products skip zero inputs through lists of the non-zero values: nonzero_rows lists
;; each row of a layer's input (used by dense_forward), nonzero_columns lists each input's samples
;; (used by the weight gradients and plain SGD's w0 update). Both are built once per pass and
;; reused. dX = dZ·Wᵀ is dense_forward of dZ's lists through transpose(W).
;;
;; Arithmetic, chosen so that results are the same bytes on every run and machine:
;; - The sums of the matrix products (dense_forward, dX, the weight gradients and the sparse SGD
;;   update) are float32, f32x4.mul then f32x4.add (no fused multiply-add), each output summed in
;;   the reference's order: z = b, then + x[i]·W[i, :] for i = 0, 1, ...; dX[s, i] = 0, then
;;   + dZ[s, o]·W[i, o] for o = 0, 1, ...; gradients sample after sample. 32 outputs are summed in
;;   registers at a time (their order per output unchanged), so no sum depends on the blocking.
;;   The reference multiplies and adds in float64 and rounds once on store, so these sums may
;;   differ from it in the last bits.
;; - The element-wise kernels whose reference formula has float64 constants or several operations
;;   (leaky_relu, every activation derivative, weight decay, sgd, momentum, adam) compute in f64x2
;;   and round to float32 on store, exactly as the TypeScript does, so they give the reference's
;;   bytes for the same inputs.
;; - tanh and sigmoid use exp by Cephes' expf (relative error about 1e-7), where the reference
;;   calls Math.tanh and Math.exp.
(module
  (import "env" "memory" (memory 1 32768 shared))

  ;; ------------------------------------------------------------------------------------------
  ;; Vector helpers.

  ;; y[0..len) += a · u[0..len)
  (func $axpy (param $y i32) (param $u i32) (param $len i32) (param $a f32)
    (local $end i32) (local $va v128)
    (local.set $va (f32x4.splat (local.get $a)))
    (local.set $end (i32.add (local.get $y) (i32.shl (i32.and (local.get $len) (i32.const -4)) (i32.const 2))))
    (block $quads
      (br_if $quads (i32.ge_u (local.get $y) (local.get $end)))
      (loop $q
        (v128.store (local.get $y)
          (f32x4.add (v128.load (local.get $y)) (f32x4.mul (local.get $va) (v128.load (local.get $u)))))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (local.set $u (i32.add (local.get $u) (i32.const 16)))
        (br_if $q (i32.lt_u (local.get $y) (local.get $end)))))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $len) (i32.const 3)) (i32.const 2))))
    (block $tail
      (br_if $tail (i32.ge_u (local.get $y) (local.get $end)))
      (loop $t
        (f32.store (local.get $y)
          (f32.add (f32.load (local.get $y)) (f32.mul (local.get $a) (f32.load (local.get $u)))))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (local.set $u (i32.add (local.get $u) (i32.const 4)))
        (br_if $t (i32.lt_u (local.get $y) (local.get $end))))))

  ;; Two (one when $one is set) float32 values at p, widened to f64x2.
  (func $ld (param $p i32) (param $one i32) (result v128)
    (if (result v128) (local.get $one)
      (then (f64x2.promote_low_f32x4 (v128.load32_zero (local.get $p))))
      (else (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $p))))))

  ;; Store the two lanes (one when $one is set) of v at p, each rounded to float32.
  (func $st (param $p i32) (param $v v128) (param $one i32)
    (if (local.get $one)
      (then (v128.store32_lane 0 (local.get $p) (f32x4.demote_f64x2_zero (local.get $v))))
      (else (v128.store64_lane 0 (local.get $p) (f32x4.demote_f64x2_zero (local.get $v))))))

  ;; The f64x2 lanes rounded to float32 and back: the value a Float32Array stores and reads again.
  (func $round (param $v v128) (result v128)
    (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (local.get $v))))

  ;; ------------------------------------------------------------------------------------------
  ;; Dense layers.

  ;; dst[0 .. 32) = init[0 .. 32) + v[0]·src[o₀ …] + v[1]·src[o₁ …] + … for the count entries of a list,
  ;; oₖ = idx[k]·mul bytes: 32 outputs (8 quads) summed in registers, each in list order. The kernel of
  ;; the forward pass and dX (a W or Wᵀ row per non-zero input) and of the weight gradients (a dZ row
  ;; per sample).
  (func $madd8 (param $dst i32) (param $init i32) (param $src i32) (param $idx i32) (param $val i32)
    (param $count i32) (param $mul i32)
    (local $end i32) (local $p i32) (local $r i32) (local $v v128) (local $u v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128) (local $a5 v128)
    (local $a6 v128) (local $a7 v128)
    (local.set $a0 (v128.load offset=0 (local.get $init)))
    (local.set $a1 (v128.load offset=16 (local.get $init)))
    (local.set $a2 (v128.load offset=32 (local.get $init)))
    (local.set $a3 (v128.load offset=48 (local.get $init)))
    (local.set $a4 (v128.load offset=64 (local.get $init)))
    (local.set $a5 (v128.load offset=80 (local.get $init)))
    (local.set $a6 (v128.load offset=96 (local.get $init)))
    (local.set $a7 (v128.load offset=112 (local.get $init)))
    (local.set $end (i32.add (local.get $idx) (i32.shl (local.get $count) (i32.const 2))))
    ;; an odd entry first, then two per turn: a + x + y is summed (a + x) + y, the order of one at a time
    (if (i32.and (local.get $count) (i32.const 1))
      (then
        (local.set $p (i32.add (local.get $src) (i32.mul (i32.load (local.get $idx)) (local.get $mul))))
        (local.set $v (v128.load32_splat (local.get $val)))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $v) (v128.load offset=0 (local.get $p)))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $v) (v128.load offset=16 (local.get $p)))))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $v) (v128.load offset=32 (local.get $p)))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $v) (v128.load offset=48 (local.get $p)))))
        (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $v) (v128.load offset=64 (local.get $p)))))
        (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $v) (v128.load offset=80 (local.get $p)))))
        (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $v) (v128.load offset=96 (local.get $p)))))
        (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $v) (v128.load offset=112 (local.get $p)))))
        (local.set $idx (i32.add (local.get $idx) (i32.const 4)))
        (local.set $val (i32.add (local.get $val) (i32.const 4)))))
    (block $done
      (br_if $done (i32.ge_u (local.get $idx) (local.get $end)))
      (loop $entry
        (local.set $p (i32.add (local.get $src) (i32.mul (i32.load (local.get $idx)) (local.get $mul))))
        (local.set $r (i32.add (local.get $src) (i32.mul (i32.load offset=4 (local.get $idx)) (local.get $mul))))
        (local.set $v (v128.load32_splat (local.get $val)))
        (local.set $u (v128.load32_splat offset=4 (local.get $val)))
        (local.set $a0
          (f32x4.add (f32x4.add (local.get $a0) (f32x4.mul (local.get $v) (v128.load offset=0 (local.get $p))))
            (f32x4.mul (local.get $u) (v128.load offset=0 (local.get $r)))))
        (local.set $a1
          (f32x4.add (f32x4.add (local.get $a1) (f32x4.mul (local.get $v) (v128.load offset=16 (local.get $p))))
            (f32x4.mul (local.get $u) (v128.load offset=16 (local.get $r)))))
        (local.set $a2
          (f32x4.add (f32x4.add (local.get $a2) (f32x4.mul (local.get $v) (v128.load offset=32 (local.get $p))))
            (f32x4.mul (local.get $u) (v128.load offset=32 (local.get $r)))))
        (local.set $a3
          (f32x4.add (f32x4.add (local.get $a3) (f32x4.mul (local.get $v) (v128.load offset=48 (local.get $p))))
            (f32x4.mul (local.get $u) (v128.load offset=48 (local.get $r)))))
        (local.set $a4
          (f32x4.add (f32x4.add (local.get $a4) (f32x4.mul (local.get $v) (v128.load offset=64 (local.get $p))))
            (f32x4.mul (local.get $u) (v128.load offset=64 (local.get $r)))))
        (local.set $a5
          (f32x4.add (f32x4.add (local.get $a5) (f32x4.mul (local.get $v) (v128.load offset=80 (local.get $p))))
            (f32x4.mul (local.get $u) (v128.load offset=80 (local.get $r)))))
        (local.set $a6
          (f32x4.add (f32x4.add (local.get $a6) (f32x4.mul (local.get $v) (v128.load offset=96 (local.get $p))))
            (f32x4.mul (local.get $u) (v128.load offset=96 (local.get $r)))))
        (local.set $a7
          (f32x4.add (f32x4.add (local.get $a7) (f32x4.mul (local.get $v) (v128.load offset=112 (local.get $p))))
            (f32x4.mul (local.get $u) (v128.load offset=112 (local.get $r)))))
        (local.set $idx (i32.add (local.get $idx) (i32.const 8)))
        (local.set $val (i32.add (local.get $val) (i32.const 8)))
        (br_if $entry (i32.lt_u (local.get $idx) (local.get $end)))))
    (v128.store offset=0 (local.get $dst) (local.get $a0))
    (v128.store offset=16 (local.get $dst) (local.get $a1))
    (v128.store offset=32 (local.get $dst) (local.get $a2))
    (v128.store offset=48 (local.get $dst) (local.get $a3))
    (v128.store offset=64 (local.get $dst) (local.get $a4))
    (v128.store offset=80 (local.get $dst) (local.get $a5))
    (v128.store offset=96 (local.get $dst) (local.get $a6))
    (v128.store offset=112 (local.get $dst) (local.get $a7)))

  ;; The same for the last r < 32 outputs of a row, in one pass over the list: nq = r div 4 whole quads
  ;; and a quad of which only the first t = r mod 4 lanes count. That last quad is loaded whole and
  ;; its other lanes are masked to 0, so it reads up to 12 bytes past the row (the backend leaves
  ;; slack after its last buffer) and stores only its t lanes; a lane rounds like a scalar f32.
  (func $madd_rest (param $dst i32) (param $init i32) (param $src i32) (param $idx i32) (param $val i32)
    (param $count i32) (param $mul i32) (param $r i32)
    (local $end i32) (local $p i32) (local $v v128) (local $nq i32) (local $mask v128) (local $t i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128) (local $a5 v128)
    (local $a6 v128) (local $a7 v128)
    (local.set $nq (i32.shr_u (local.get $r) (i32.const 2)))
    (local.set $t (i32.and (local.get $r) (i32.const 3)))
    ;; lane j of the last quad counts when j < t
    (local.set $mask (i32x4.gt_s (i32x4.splat (local.get $t)) (v128.const i32x4 0 1 2 3)))
    ;; accumulator q < nq holds quad q; accumulator nq the masked quad
    (if (i32.le_u (i32.const 0) (local.get $nq))
      (then (local.set $a0 (v128.and (v128.load offset=0 (local.get $init))
        (select (local.get $mask) (v128.const i32x4 -1 -1 -1 -1) (i32.eq (i32.const 0) (local.get $nq)))))))
    (if (i32.le_u (i32.const 1) (local.get $nq))
      (then (local.set $a1 (v128.and (v128.load offset=16 (local.get $init))
        (select (local.get $mask) (v128.const i32x4 -1 -1 -1 -1) (i32.eq (i32.const 1) (local.get $nq)))))))
    (if (i32.le_u (i32.const 2) (local.get $nq))
      (then (local.set $a2 (v128.and (v128.load offset=32 (local.get $init))
        (select (local.get $mask) (v128.const i32x4 -1 -1 -1 -1) (i32.eq (i32.const 2) (local.get $nq)))))))
    (if (i32.le_u (i32.const 3) (local.get $nq))
      (then (local.set $a3 (v128.and (v128.load offset=48 (local.get $init))
        (select (local.get $mask) (v128.const i32x4 -1 -1 -1 -1) (i32.eq (i32.const 3) (local.get $nq)))))))
    (if (i32.le_u (i32.const 4) (local.get $nq))
      (then (local.set $a4 (v128.and (v128.load offset=64 (local.get $init))
        (select (local.get $mask) (v128.const i32x4 -1 -1 -1 -1) (i32.eq (i32.const 4) (local.get $nq)))))))
    (if (i32.le_u (i32.const 5) (local.get $nq))
      (then (local.set $a5 (v128.and (v128.load offset=80 (local.get $init))
        (select (local.get $mask) (v128.const i32x4 -1 -1 -1 -1) (i32.eq (i32.const 5) (local.get $nq)))))))
    (if (i32.le_u (i32.const 6) (local.get $nq))
      (then (local.set $a6 (v128.and (v128.load offset=96 (local.get $init))
        (select (local.get $mask) (v128.const i32x4 -1 -1 -1 -1) (i32.eq (i32.const 6) (local.get $nq)))))))
    (if (i32.le_u (i32.const 7) (local.get $nq))
      (then (local.set $a7 (v128.and (v128.load offset=112 (local.get $init))
        (select (local.get $mask) (v128.const i32x4 -1 -1 -1 -1) (i32.eq (i32.const 7) (local.get $nq)))))))
    (local.set $end (i32.add (local.get $idx) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $idx) (local.get $end)))
      (loop $entry
        (local.set $p (i32.add (local.get $src) (i32.mul (i32.load (local.get $idx)) (local.get $mul))))
        (local.set $v (v128.load32_splat (local.get $val)))
        (if (i32.le_u (i32.const 0) (local.get $nq))
          (then
            (local.set $a0
              (f32x4.add (local.get $a0) (f32x4.mul (local.get $v) (v128.load offset=0 (local.get $p)))))))
        (if (i32.le_u (i32.const 1) (local.get $nq))
          (then
            (local.set $a1
              (f32x4.add (local.get $a1) (f32x4.mul (local.get $v) (v128.load offset=16 (local.get $p)))))))
        (if (i32.le_u (i32.const 2) (local.get $nq))
          (then
            (local.set $a2
              (f32x4.add (local.get $a2) (f32x4.mul (local.get $v) (v128.load offset=32 (local.get $p)))))))
        (if (i32.le_u (i32.const 3) (local.get $nq))
          (then
            (local.set $a3
              (f32x4.add (local.get $a3) (f32x4.mul (local.get $v) (v128.load offset=48 (local.get $p)))))))
        (if (i32.le_u (i32.const 4) (local.get $nq))
          (then
            (local.set $a4
              (f32x4.add (local.get $a4) (f32x4.mul (local.get $v) (v128.load offset=64 (local.get $p)))))))
        (if (i32.le_u (i32.const 5) (local.get $nq))
          (then
            (local.set $a5
              (f32x4.add (local.get $a5) (f32x4.mul (local.get $v) (v128.load offset=80 (local.get $p)))))))
        (if (i32.le_u (i32.const 6) (local.get $nq))
          (then
            (local.set $a6
              (f32x4.add (local.get $a6) (f32x4.mul (local.get $v) (v128.load offset=96 (local.get $p)))))))
        (if (i32.le_u (i32.const 7) (local.get $nq))
          (then
            (local.set $a7
              (f32x4.add (local.get $a7) (f32x4.mul (local.get $v) (v128.load offset=112 (local.get $p)))))))
        (local.set $idx (i32.add (local.get $idx) (i32.const 4)))
        (local.set $val (i32.add (local.get $val) (i32.const 4)))
        (br_if $entry (i32.lt_u (local.get $idx) (local.get $end)))))
    (if (i32.lt_u (i32.const 0) (local.get $nq)) (then (v128.store offset=0 (local.get $dst) (local.get $a0))))
    (if (i32.lt_u (i32.const 1) (local.get $nq)) (then (v128.store offset=16 (local.get $dst) (local.get $a1))))
    (if (i32.lt_u (i32.const 2) (local.get $nq)) (then (v128.store offset=32 (local.get $dst) (local.get $a2))))
    (if (i32.lt_u (i32.const 3) (local.get $nq)) (then (v128.store offset=48 (local.get $dst) (local.get $a3))))
    (if (i32.lt_u (i32.const 4) (local.get $nq)) (then (v128.store offset=64 (local.get $dst) (local.get $a4))))
    (if (i32.lt_u (i32.const 5) (local.get $nq)) (then (v128.store offset=80 (local.get $dst) (local.get $a5))))
    (if (i32.lt_u (i32.const 6) (local.get $nq)) (then (v128.store offset=96 (local.get $dst) (local.get $a6))))
    (if (i32.lt_u (i32.const 7) (local.get $nq)) (then (v128.store offset=112 (local.get $dst) (local.get $a7))))
    ;; the first t lanes of the last quad
    (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $nq) (i32.const 4))))
    (local.set $v
      (select (local.get $a7)
        (select (local.get $a6)
          (select (local.get $a5)
            (select (local.get $a4)
              (select (local.get $a3)
                (select (local.get $a2)
                  (select (local.get $a1) (local.get $a0) (local.get $nq))
                  (i32.eq (local.get $nq) (i32.const 2)))
                (i32.eq (local.get $nq) (i32.const 3)))
              (i32.eq (local.get $nq) (i32.const 4)))
            (i32.eq (local.get $nq) (i32.const 5)))
          (i32.eq (local.get $nq) (i32.const 6)))
        (i32.eq (local.get $nq) (i32.const 7))))
    (if
      (i32.gt_u (local.get $t) (i32.const 0))
      (then (f32.store offset=0 (local.get $dst) (f32x4.extract_lane 0 (local.get $v)))))
    (if
      (i32.gt_u (local.get $t) (i32.const 1))
      (then (f32.store offset=4 (local.get $dst) (f32x4.extract_lane 1 (local.get $v)))))
    (if
      (i32.gt_u (local.get $t) (i32.const 2))
      (then (f32.store offset=8 (local.get $dst) (f32x4.extract_lane 2 (local.get $v))))))

  ;; $madd8 for outputs [o, o + 32), or $madd_rest for outputs [o, out) when fewer than 32 remain: dst,
  ;; init and src advance by 4·o bytes. Returns the next o.
  (func $madd (param $o i32) (param $out i32) (param $dst i32) (param $init i32) (param $src i32) (param $idx i32)
    (param $val i32) (param $count i32) (param $mul i32) (result i32)
    (local $ob i32)
    (local.set $ob (i32.shl (local.get $o) (i32.const 2)))
    (if (i32.le_u (i32.add (local.get $o) (i32.const 32)) (local.get $out))
      (then
        (call $madd8 (i32.add (local.get $dst) (local.get $ob)) (i32.add (local.get $init) (local.get $ob))
          (i32.add (local.get $src) (local.get $ob)) (local.get $idx) (local.get $val) (local.get $count) (local.get $mul))
        (return (i32.add (local.get $o) (i32.const 32)))))
    (call $madd_rest (i32.add (local.get $dst) (local.get $ob)) (i32.add (local.get $init) (local.get $ob))
      (i32.add (local.get $src) (local.get $ob)) (local.get $idx) (local.get $val) (local.get $count) (local.get $mul)
      (i32.sub (local.get $out) (local.get $o)))
    (local.get $out))

  ;; Per-sample lists of the non-zero inputs of x (N, I): for sample s, the indices i with x[s, i] != 0
  ;; in increasing order go to idx[s·I …] (i32) with their values to val[s·I …], and their number to
  ;; cnt[s]. −0 counts as 0 and NaN as non-zero, as the reference's `xi === 0`. A quad of four zeros
  ;; costs one test; the other quads store all four lanes and advance by the non-zero ones.
  (func (export "nonzero_rows") (param $x i32) (param $n i32) (param $in i32) (param $idx i32) (param $val i32)
    (param $cnt i32)
    (local $s i32) (local $i i32) (local $k i32) (local $q v128) (local $m i32) (local $iq i32) (local $xi f32)
    (local $ip i32) (local $vp i32)
    (local.set $iq (i32.and (local.get $in) (i32.const -4)))
    (block $samples
      (loop $sample
        (br_if $samples (i32.ge_u (local.get $s) (local.get $n)))
        (local.set $ip (i32.add (local.get $idx) (i32.shl (i32.mul (local.get $s) (local.get $in)) (i32.const 2))))
        (local.set $vp (i32.add (local.get $val) (i32.shl (i32.mul (local.get $s) (local.get $in)) (i32.const 2))))
        (local.set $k (i32.const 0))
        (local.set $i (i32.const 0))
        (block $quads
          (loop $quad
            (br_if $quads (i32.ge_u (local.get $i) (local.get $iq)))
            (local.set $q (v128.load (local.get $x)))
            (local.set $m (i32x4.bitmask (f32x4.ne (local.get $q) (v128.const f32x4 0 0 0 0))))
            (if (local.get $m)
              (then
                (i32.store (i32.add (local.get $ip) (i32.shl (local.get $k) (i32.const 2))) (local.get $i))
                (f32.store
                  (i32.add (local.get $vp) (i32.shl (local.get $k) (i32.const 2)))
                  (f32x4.extract_lane 0 (local.get $q)))
                (local.set $k (i32.add (local.get $k) (i32.and (local.get $m) (i32.const 1))))
                (i32.store
                  (i32.add (local.get $ip) (i32.shl (local.get $k) (i32.const 2)))
                  (i32.add (local.get $i) (i32.const 1)))
                (f32.store
                  (i32.add (local.get $vp) (i32.shl (local.get $k) (i32.const 2)))
                  (f32x4.extract_lane 1 (local.get $q)))
                (local.set $k (i32.add (local.get $k) (i32.and (i32.shr_u (local.get $m) (i32.const 1)) (i32.const 1))))
                (i32.store
                  (i32.add (local.get $ip) (i32.shl (local.get $k) (i32.const 2)))
                  (i32.add (local.get $i) (i32.const 2)))
                (f32.store
                  (i32.add (local.get $vp) (i32.shl (local.get $k) (i32.const 2)))
                  (f32x4.extract_lane 2 (local.get $q)))
                (local.set $k (i32.add (local.get $k) (i32.and (i32.shr_u (local.get $m) (i32.const 2)) (i32.const 1))))
                (i32.store
                  (i32.add (local.get $ip) (i32.shl (local.get $k) (i32.const 2)))
                  (i32.add (local.get $i) (i32.const 3)))
                (f32.store
                  (i32.add (local.get $vp) (i32.shl (local.get $k) (i32.const 2)))
                  (f32x4.extract_lane 3 (local.get $q)))
                (local.set $k (i32.add (local.get $k) (i32.shr_u (local.get $m) (i32.const 3))))))
            (local.set $x (i32.add (local.get $x) (i32.const 16)))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $quad)))
        (block $tail
          (loop $one
            (br_if $tail (i32.ge_u (local.get $i) (local.get $in)))
            (local.set $xi (f32.load (local.get $x)))
            (if (f32.ne (local.get $xi) (f32.const 0))
              (then
                (i32.store (i32.add (local.get $ip) (i32.shl (local.get $k) (i32.const 2))) (local.get $i))
                (f32.store (i32.add (local.get $vp) (i32.shl (local.get $k) (i32.const 2))) (local.get $xi))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))))
            (local.set $x (i32.add (local.get $x) (i32.const 4)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $one)))
        (i32.store (i32.add (local.get $cnt) (i32.shl (local.get $s) (i32.const 2))) (local.get $k))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $sample))))

  ;; The same non-zero inputs listed per input instead (a transpose of the lists of nonzero_rows, by
  ;; counting): input i's entries are [start[i], start[i + 1]) of row (the byte offset s·4·O of
  ;; sample s's row of dZ) and val (x[s, i]), in sample order. start: (I + 1) i32; row, val: (N·I).
  (func (export "nonzero_columns") (param $idx i32) (param $val i32) (param $cnt i32) (param $n i32) (param $in i32)
    (param $out i32) (param $start i32) (param $row i32) (param $cval i32)
    (local $s i32) (local $k i32) (local $c i32) (local $i i32) (local $p i32) (local $sum i32) (local $t i32)
    (local $ip i32) (local $vp i32) (local $rowb i32)
    (memory.fill (local.get $start) (i32.const 0) (i32.shl (i32.add (local.get $in) (i32.const 1)) (i32.const 2)))
    ;; count each input's entries into start[i + 1]
    (block $counted
      (loop $count_sample
        (br_if $counted (i32.ge_u (local.get $s) (local.get $n)))
        (local.set $ip (i32.add (local.get $idx) (i32.shl (i32.mul (local.get $s) (local.get $in)) (i32.const 2))))
        (local.set $c (i32.load (i32.add (local.get $cnt) (i32.shl (local.get $s) (i32.const 2)))))
        (local.set $k (i32.const 0))
        (block $entries
          (loop $entry
            (br_if $entries (i32.ge_u (local.get $k) (local.get $c)))
            (local.set $p (i32.add (local.get $start)
              (i32.shl (i32.add (i32.load (i32.add (local.get $ip) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 1))
                (i32.const 2))))
            (i32.store (local.get $p) (i32.add (i32.load (local.get $p)) (i32.const 1)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $entry)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $count_sample)))
    ;; start[i] = Σ_{j < i} count[j]
    (local.set $i (i32.const 1))
    (block $summed
      (loop $prefix
        (br_if $summed (i32.gt_u (local.get $i) (local.get $in)))
        (local.set $p (i32.add (local.get $start) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $sum (i32.add (local.get $sum) (i32.load (local.get $p))))
        (i32.store (local.get $p) (local.get $sum))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $prefix)))
    ;; fill in sample order, start[i] serving as input i's cursor; afterwards start[i] is the end of
    ;; input i, the start of input i + 1, and one shift restores the starts
    (local.set $rowb (i32.shl (local.get $out) (i32.const 2)))
    (local.set $s (i32.const 0))
    (block $filled
      (loop $fill_sample
        (br_if $filled (i32.ge_u (local.get $s) (local.get $n)))
        (local.set $ip (i32.add (local.get $idx) (i32.shl (i32.mul (local.get $s) (local.get $in)) (i32.const 2))))
        (local.set $vp (i32.add (local.get $val) (i32.shl (i32.mul (local.get $s) (local.get $in)) (i32.const 2))))
        (local.set $c (i32.load (i32.add (local.get $cnt) (i32.shl (local.get $s) (i32.const 2)))))
        (local.set $k (i32.const 0))
        (block $entries
          (loop $entry
            (br_if $entries (i32.ge_u (local.get $k) (local.get $c)))
            (local.set $p (i32.add (local.get $start)
              (i32.shl (i32.load (i32.add (local.get $ip) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 2))))
            (local.set $t (i32.shl (i32.load (local.get $p)) (i32.const 2)))
            (i32.store (i32.add (local.get $row) (local.get $t)) (i32.mul (local.get $s) (local.get $rowb)))
            (f32.store (i32.add (local.get $cval) (local.get $t))
              (f32.load (i32.add (local.get $vp) (i32.shl (local.get $k) (i32.const 2)))))
            (i32.store (local.get $p) (i32.add (i32.load (local.get $p)) (i32.const 1)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $entry)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $fill_sample)))
    (memory.copy (i32.add (local.get $start) (i32.const 4)) (local.get $start) (i32.shl (local.get $in) (i32.const 2)))
    (i32.store (local.get $start) (i32.const 0)))

  ;; z = x·W + b for the n rows of x, from x's non-zero lists (nonzero_rows): each output starts at
  ;; b[o] and adds x[s, i]·W[i, o] for the listed i in increasing order (as denseForward in
  ;; core/network/layers.ts). Blocks of 32 outputs (then the rest, in one block) are summed in
  ;; registers, one block at a time over all samples, so the block's columns of W stay in cache.
  ;; lists: cnt (N) i32, idx and val (N, I); W: (I, O), b: (O), z: (N, O).
  (func (export "dense_forward") (param $cnt i32) (param $idx i32) (param $val i32) (param $n i32) (param $in i32)
    (param $out i32) (param $w i32) (param $b i32) (param $z i32)
    (call $dense_forward_columns (local.get $cnt) (local.get $idx) (local.get $val) (local.get $n) (local.get $in)
      (local.get $out) (local.get $w) (local.get $b) (local.get $z) (i32.const 0) (local.get $out)))

  ;; dense_forward of outputs [o0, o1) alone (of O = out): the same sums, a share of the columns of W,
  ;; b and z, for a thread of core/kernels/dense_threads.ts.
  (func $dense_forward_columns (export "dense_forward_columns") (param $cnt i32) (param $idx i32) (param $val i32)
    (param $n i32) (param $in i32) (param $out i32) (param $w i32) (param $b i32) (param $z i32) (param $o0 i32)
    (param $o1 i32)
    (local $o i32) (local $next i32) (local $s i32) (local $rowb i32) (local $xrowb i32)
    (local.set $rowb (i32.shl (local.get $out) (i32.const 2)))
    (local.set $xrowb (i32.shl (local.get $in) (i32.const 2)))
    (local.set $o (local.get $o0))
    (block $blocks
      (loop $block
        (br_if $blocks (i32.ge_u (local.get $o) (local.get $o1)))
        (local.set $s (i32.const 0))
        (block $samples
          (loop $sample
            (br_if $samples (i32.ge_u (local.get $s) (local.get $n)))
            (local.set $next (call $madd (local.get $o) (local.get $o1)
              (i32.add (local.get $z) (i32.mul (local.get $s) (local.get $rowb))) (local.get $b) (local.get $w)
              (i32.add (local.get $idx) (i32.mul (local.get $s) (local.get $xrowb)))
              (i32.add (local.get $val) (i32.mul (local.get $s) (local.get $xrowb)))
              (i32.load (i32.add (local.get $cnt) (i32.shl (local.get $s) (i32.const 2)))) (local.get $rowb)))
            (local.set $s (i32.add (local.get $s) (i32.const 1)))
            (br $sample)))
        (local.set $o (local.get $next))
        (br $block))))

  ;; g[i, :] += Σₛ v(s, i)·dZ[s, :] for every input i, over its column list (nonzero_columns: the
  ;; samples with x[s, i] != 0, in sample order, v(s, i) from val), blocks of 32 outputs of the row of
  ;; g summed in registers, for the outputs [o0, o1) of O = out (all of them: 0, out).
  ;; g: (I, O), dZ: (N, O).
  (func $outer_columns (export "outer_columns") (param $start i32) (param $row i32) (param $val i32) (param $in i32)
    (param $out i32) (param $dz i32) (param $g i32) (param $o0 i32) (param $o1 i32)
    (local $i i32) (local $c0 i32) (local $c1 i32) (local $o i32) (local $gr i32) (local $rowb i32)
    (local.set $rowb (i32.shl (local.get $out) (i32.const 2)))
    (block $inputs
      (loop $input
        (br_if $inputs (i32.ge_u (local.get $i) (local.get $in)))
        (local.set $c0 (i32.load (i32.add (local.get $start) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $c1 (i32.load offset=4 (i32.add (local.get $start) (i32.shl (local.get $i) (i32.const 2)))))
        (if (i32.lt_u (local.get $c0) (local.get $c1))
          (then
            (local.set $gr (i32.add (local.get $g) (i32.mul (local.get $i) (local.get $rowb))))
            (local.set $o (local.get $o0))
            (block $blocks
              (loop $block
                (br_if $blocks (i32.ge_u (local.get $o) (local.get $o1)))
                (local.set $o (call $madd (local.get $o) (local.get $o1) (local.get $gr) (local.get $gr) (local.get $dz)
                  (i32.add (local.get $row) (i32.shl (local.get $c0) (i32.const 2)))
                  (i32.add (local.get $val) (i32.shl (local.get $c0) (i32.const 2)))
                  (i32.sub (local.get $c1) (local.get $c0)) (i32.const 1)))
                (br $block)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $input))))

  ;; Parameter gradients of a dense layer, as denseBackward in core/network/layers.ts: gB += Σₛ dZ[s, :]
  ;; (sample order; skipped when gB is 0) and gW += xᵀ·dZ over x's column lists (nonzero_columns;
  ;; skipped when gW is 0).
  ;; dX = dZ·Wᵀ is dense_forward of dZ's row lists through transpose(W), with a zero bias.
  ;; dZ: (N, O), gW: (I, O), gB: (O); start, row, val as nonzero_columns.
  (func (export "dense_backward") (param $dz i32) (param $n i32) (param $in i32) (param $out i32) (param $gw i32)
    (param $gb i32) (param $start i32) (param $row i32) (param $val i32)
    (call $dense_backward_columns (local.get $dz) (local.get $n) (local.get $in) (local.get $out) (local.get $gw)
      (local.get $gb) (local.get $start) (local.get $row) (local.get $val) (i32.const 0) (local.get $out)))

  ;; dense_backward of the outputs [o0, o1) of O = out alone: those entries of gB, those columns of gW.
  (func $dense_backward_columns (export "dense_backward_columns") (param $dz i32) (param $n i32) (param $in i32)
    (param $out i32) (param $gw i32) (param $gb i32) (param $start i32) (param $row i32) (param $val i32)
    (param $o0 i32) (param $o1 i32)
    (local $s i32) (local $rowb i32) (local $ob i32)
    (local.set $rowb (i32.shl (local.get $out) (i32.const 2)))
    (local.set $ob (i32.shl (local.get $o0) (i32.const 2)))
    (if (local.get $gb)
      (then
        (block $samples
          (loop $sample
            (br_if $samples (i32.ge_u (local.get $s) (local.get $n)))
            (call $axpy (i32.add (local.get $gb) (local.get $ob))
              (i32.add (i32.add (local.get $dz) (i32.mul (local.get $s) (local.get $rowb))) (local.get $ob))
              (i32.sub (local.get $o1) (local.get $o0)) (f32.const 1))
            (local.set $s (i32.add (local.get $s) (i32.const 1)))
            (br $sample)))))
    (if (local.get $gw)
      (then (call $outer_columns (local.get $start) (local.get $row) (local.get $val) (local.get $in) (local.get $out)
        (local.get $dz) (local.get $gw) (local.get $o0) (local.get $o1)))))

  ;; t = wᵀ: t[c, r] = w[r, c] for a (R, C) matrix w, so that dX = dZ·Wᵀ can run as dense_forward.
  ;; Blocks of 4 × 4 are transposed in registers (i8x16.shuffle), the edges one value at a time.
  ;; w: (R, C), t: (C, R).
  (func (export "transpose") (param $w i32) (param $rows i32) (param $cols i32) (param $t i32)
    (local $r i32) (local $c i32) (local $r4 i32) (local $c4 i32) (local $wrb i32) (local $trb i32)
    (local $p i32)
    (local $q i32) (local $a v128) (local $b v128) (local $e v128) (local $d v128) (local $t0 v128)
    (local $t1 v128)
    (local $t2 v128) (local $t3 v128)
    (local.set $wrb (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $trb (i32.shl (local.get $rows) (i32.const 2)))
    (local.set $r4 (i32.and (local.get $rows) (i32.const -4)))
    (local.set $c4 (i32.and (local.get $cols) (i32.const -4)))
    (block $rows_done
      (loop $row4
        (br_if $rows_done (i32.ge_u (local.get $c) (local.get $c4)))
        (local.set $r (i32.const 0))
        (block $cols_done
          (loop $col4
            (br_if $cols_done (i32.ge_u (local.get $r) (local.get $r4)))
            (local.set $p (i32.add (local.get $w)
              (i32.add (i32.mul (local.get $r) (local.get $wrb)) (i32.shl (local.get $c) (i32.const 2)))))
            (local.set $a (v128.load (local.get $p)))
            (local.set $b (v128.load (i32.add (local.get $p) (local.get $wrb))))
            (local.set $e (v128.load (i32.add (local.get $p) (i32.shl (local.get $wrb) (i32.const 1)))))
            (local.set $d (v128.load (i32.add (local.get $p) (i32.mul (local.get $wrb) (i32.const 3)))))
            ;; (a0 b0 a1 b1), (a2 b2 a3 b3), (e0 d0 e1 d1), (e2 d2 e3 d3)
            (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b)))
            (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b)))
            (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $e) (local.get $d)))
            (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $e) (local.get $d)))
            (local.set $q (i32.add (local.get $t)
              (i32.add (i32.mul (local.get $c) (local.get $trb)) (i32.shl (local.get $r) (i32.const 2)))))
            (v128.store (local.get $q)
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
            (v128.store (i32.add (local.get $q) (local.get $trb))
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
            (v128.store (i32.add (local.get $q) (i32.shl (local.get $trb) (i32.const 1)))
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
            (v128.store (i32.add (local.get $q) (i32.mul (local.get $trb) (i32.const 3)))
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
            (local.set $r (i32.add (local.get $r) (i32.const 4)))
            (br $col4)))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (br $row4)))
    ;; the edges: columns c4 … C − 1 of every row, then rows r4 … R − 1 of columns 0 … c4 − 1
    (local.set $r (i32.const 0))
    (block $edge_rows
      (loop $edge_row
        (br_if $edge_rows (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $c (select (i32.const 0) (local.get $c4) (i32.ge_u (local.get $r) (local.get $r4))))
        (block $edge_cols
          (loop $edge_col
            (br_if $edge_cols (i32.ge_u (local.get $c) (local.get $cols)))
            (f32.store
              (i32.add
                (local.get $t)
                (i32.add (i32.mul (local.get $c) (local.get $trb)) (i32.shl (local.get $r) (i32.const 2))))
              (f32.load
                (i32.add
                  (local.get $w)
                  (i32.add (i32.mul (local.get $r) (local.get $wrb)) (i32.shl (local.get $c) (i32.const 2))))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $edge_col)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $edge_row))))

  ;; g += xᵀ·dZ0 over x's column lists (the non-zero pixels), as firstLayerGradient in
  ;; core/network/layers.ts. start, row, val: nonzero_columns of x; dZ0: (N, H), g: (D, H).
  (func (export "first_layer_gradient") (param $start i32) (param $row i32) (param $val i32) (param $dz i32)
    (param $in i32) (param $hidden i32) (param $g i32)
    (call $outer_columns (local.get $start) (local.get $row) (local.get $val) (local.get $in) (local.get $hidden)
      (local.get $dz) (local.get $g) (i32.const 0) (local.get $hidden)))

  ;; ------------------------------------------------------------------------------------------
  ;; Activations.

  ;; e^x for each lane (Cephes expf), as $exp4 in core/kernels/kernels.wat: x = n ln2 + r with
  ;; n = round(x / ln2), e^r by a degree-7 polynomial, then 2^n = 2^n1 · 2^(n − n1). x is clamped
  ;; to [−87.3, 88.8]: above, the product overflows to +inf. NaN stays NaN.
  (func $exp4 (param $x v128) (result v128)
    (local $n v128) (local $r v128) (local $p v128) (local $ni v128) (local $n1 v128)
    (local.set $x
      (f32x4.min
        (f32x4.max (local.get $x) (v128.const f32x4 -87.3 -87.3 -87.3 -87.3))
        (v128.const f32x4 88.8 88.8 88.8 88.8)))
    (local.set $n
      (f32x4.nearest
        (f32x4.mul
          (local.get $x)
          (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341))))
    (local.set $r
      (f32x4.sub
        (local.get $x)
        (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
    (local.set $r
      (f32x4.add
        (local.get $r)
        (f32x4.mul (local.get $n) (v128.const f32x4 2.12194440e-4 2.12194440e-4 2.12194440e-4 2.12194440e-4))))
    (local.set $p (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
    (local.set $p
      (f32x4.add
        (f32x4.mul (local.get $p) (local.get $r))
        (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
    (local.set $p
      (f32x4.add
        (f32x4.mul (local.get $p) (local.get $r))
        (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
    (local.set $p
      (f32x4.add
        (f32x4.mul (local.get $p) (local.get $r))
        (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
    (local.set $p
      (f32x4.add
        (f32x4.mul (local.get $p) (local.get $r))
        (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
    (local.set $p
      (f32x4.add
        (f32x4.mul (local.get $p) (local.get $r))
        (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
    (local.set $p
      (f32x4.add
        (f32x4.add (f32x4.mul (local.get $p) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r))
        (v128.const f32x4 1 1 1 1)))
    (local.set $ni (i32x4.trunc_sat_f32x4_s (local.get $n)))
    (local.set $n1 (i32x4.shr_s (local.get $ni) (i32.const 1)))
    (f32x4.mul
      (f32x4.mul
        (local.get $p)
        (i32x4.shl (i32x4.add (local.get $n1) (v128.const i32x4 127 127 127 127)) (i32.const 23)))
      (i32x4.shl
        (i32x4.add (i32x4.sub (local.get $ni) (local.get $n1)) (v128.const i32x4 127 127 127 127))
        (i32.const 23))))

  ;; tanh of each lane (Cephes tanhf): for |x| < 0.625, x + x·s·P(s) with s = x²; above,
  ;; sign(x)·(1 − 2 / (e^{2|x|} + 1)), which reaches 1 where e^{2|x|} overflows. NaN stays NaN.
  (func $tanh4 (param $x v128) (result v128)
    (local $ax v128) (local $s v128) (local $p v128) (local $big v128)
    (local.set $ax (f32x4.abs (local.get $x)))
    (local.set $s (f32x4.mul (local.get $x) (local.get $x)))
    (local.set $p (v128.const f32x4 -5.70498872745e-3 -5.70498872745e-3 -5.70498872745e-3 -5.70498872745e-3))
    (local.set $p
      (f32x4.add
        (f32x4.mul (local.get $p) (local.get $s))
        (v128.const f32x4 2.06390887954e-2 2.06390887954e-2 2.06390887954e-2 2.06390887954e-2)))
    (local.set $p
      (f32x4.add
        (f32x4.mul (local.get $p) (local.get $s))
        (v128.const f32x4 -5.37397155531e-2 -5.37397155531e-2 -5.37397155531e-2 -5.37397155531e-2)))
    (local.set $p
      (f32x4.add
        (f32x4.mul (local.get $p) (local.get $s))
        (v128.const f32x4 1.33314422036e-1 1.33314422036e-1 1.33314422036e-1 1.33314422036e-1)))
    (local.set $p
      (f32x4.add
        (f32x4.mul (local.get $p) (local.get $s))
        (v128.const f32x4 -3.33332819422e-1 -3.33332819422e-1 -3.33332819422e-1 -3.33332819422e-1)))
    (local.set $p
      (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $s)) (local.get $x)) (local.get $x)))
    (local.set $big
      (f32x4.sub
        (v128.const f32x4 1 1 1 1)
        (f32x4.div
          (v128.const f32x4 2 2 2 2)
          (f32x4.add (call $exp4 (f32x4.add (local.get $ax) (local.get $ax))) (v128.const f32x4 1 1 1 1)))))
    ;; give the large branch the sign of x
    (local.set $big
      (v128.or
        (local.get $big)
        (v128.and (local.get $x) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))
    (v128.bitselect (local.get $big) (local.get $p)
      (f32x4.ge (local.get $ax) (v128.const f32x4 0.625 0.625 0.625 0.625))))

  ;; tanh (2), sigmoid (3) or elu (4) of each lane; sigmoid = 1 / (1 + e^−z); elu = z if z > 0,
  ;; else α·(e^z − 1) with α = 1 (ELU_ALPHA in activations.ts). Any other id traps.
  (func $act4 (param $z v128) (param $act i32) (result v128)
    (block $elu
      (block $sigmoid
        (block $tanh
          (block $bad
            (br_table $bad $bad $tanh $sigmoid $elu $bad (local.get $act)))
          (unreachable))
        (return (call $tanh4 (local.get $z))))
      (return
        (f32x4.div
          (v128.const f32x4 1 1 1 1)
          (f32x4.add (v128.const f32x4 1 1 1 1) (call $exp4 (f32x4.neg (local.get $z)))))))
    (v128.bitselect
      (local.get $z)
      (f32x4.sub (call $exp4 (local.get $z)) (v128.const f32x4 1 1 1 1))
      (f32x4.gt (local.get $z) (v128.const f32x4 0 0 0 0))))

  ;; relu (0) or leaky_relu (1) of each f64x2 lane: z if z > 0, else 0 or 0.01·z (NaN gives 0 or NaN,
  ;; as in activations.ts).
  (func $act2 (param $z v128) (param $act i32) (result v128)
    (v128.bitselect
      (local.get $z)
      (if (result v128) (local.get $act)
        (then (f64x2.mul (local.get $z) (v128.const f64x2 0.01 0.01)))
        (else (v128.const i32x4 0 0 0 0)))
      (f64x2.gt (local.get $z) (v128.const f64x2 0 0))))

  ;; a = act(z) for len values. relu (whole quads in f32x4, which gives the same bytes) and
  ;; leaky_relu in f64x2 (the reference's bytes); tanh and sigmoid in f32x4, the last len % 4 values
  ;; through lane 0.
  (func (export "activation_forward") (param $z i32) (param $a i32) (param $len i32) (param $act i32)
    (local $end i32) (local $one i32) (local $v v128)
    ;; relu of whole quads in f32x4, z if z > 0 else +0: the bytes of the f64x2 path; then the rest
    (if (i32.eqz (local.get $act))
      (then
        (local.set $end (i32.add (local.get $z) (i32.shl (i32.and (local.get $len) (i32.const -4)) (i32.const 2))))
        (block $quads
          (br_if $quads (i32.ge_u (local.get $z) (local.get $end)))
          (loop $quad
            (local.set $v (v128.load (local.get $z)))
            (v128.store (local.get $a) (v128.and (local.get $v) (f32x4.gt (local.get $v) (v128.const f32x4 0 0 0 0))))
            (local.set $z (i32.add (local.get $z) (i32.const 16)))
            (local.set $a (i32.add (local.get $a) (i32.const 16)))
            (br_if $quad (i32.lt_u (local.get $z) (local.get $end)))))
        (local.set $len (i32.and (local.get $len) (i32.const 3)))))
    (if (i32.lt_u (local.get $act) (i32.const 2))
      (then
        (local.set $end (i32.add (local.get $z) (i32.shl (local.get $len) (i32.const 2))))
        (block $done
          (loop $pair
            (br_if $done (i32.ge_u (local.get $z) (local.get $end)))
            (local.set $one (i32.eq (i32.sub (local.get $end) (local.get $z)) (i32.const 4)))
            (call $st (local.get $a) (call $act2 (call $ld (local.get $z) (local.get $one)) (local.get $act))
              (local.get $one))
            (local.set $z (i32.add (local.get $z) (i32.const 8)))
            (local.set $a (i32.add (local.get $a) (i32.const 8)))
            (br $pair)))
        (return)))
    (local.set $end (i32.add (local.get $z) (i32.shl (i32.and (local.get $len) (i32.const -4)) (i32.const 2))))
    (block $quads
      (br_if $quads (i32.ge_u (local.get $z) (local.get $end)))
      (loop $q
        (v128.store (local.get $a) (call $act4 (v128.load (local.get $z)) (local.get $act)))
        (local.set $z (i32.add (local.get $z) (i32.const 16)))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (br_if $q (i32.lt_u (local.get $z) (local.get $end)))))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $len) (i32.const 3)) (i32.const 2))))
    (block $tail
      (br_if $tail (i32.ge_u (local.get $z) (local.get $end)))
      (loop $t
        (f32.store (local.get $a)
          (f32x4.extract_lane 0 (call $act4 (v128.load32_splat (local.get $z)) (local.get $act))))
        (local.set $z (i32.add (local.get $z) (i32.const 4)))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (br_if $t (i32.lt_u (local.get $z) (local.get $end))))))

  ;; dL/dz from dL/da for each f64x2 lane, as activationBackward in activations.ts:
  ;; relu d if z > 0 else 0; leaky_relu d if z > 0 else 0.01·d; tanh d·(1 − a²); sigmoid d·(a·(1 − a));
  ;; elu d if z > 0 else d·(a + α), α = 1. Any other id traps.
  (func $dact2 (param $z v128) (param $a v128) (param $d v128) (param $act i32) (result v128)
    (block $elu
      (block $sigmoid
        (block $tanh
          (block $leaky
            (block $relu
              (block $bad
                (br_table $relu $leaky $tanh $sigmoid $elu $bad (local.get $act)))
              (unreachable))
            (return (v128.and (local.get $d) (f64x2.gt (local.get $z) (v128.const f64x2 0 0)))))
          (return
            (v128.bitselect (local.get $d) (f64x2.mul (local.get $d) (v128.const f64x2 0.01 0.01))
              (f64x2.gt (local.get $z) (v128.const f64x2 0 0)))))
        (return
          (f64x2.mul (local.get $d)
            (f64x2.sub (v128.const f64x2 1 1) (f64x2.mul (local.get $a) (local.get $a))))))
      (return
        (f64x2.mul (local.get $d)
          (f64x2.mul (local.get $a) (f64x2.sub (v128.const f64x2 1 1) (local.get $a))))))
    (v128.bitselect (local.get $d) (f64x2.mul (local.get $d) (f64x2.add (local.get $a) (v128.const f64x2 1 1)))
      (f64x2.gt (local.get $z) (v128.const f64x2 0 0))))

  ;; d = d ⊙ act'(z) in place for len values, in f64x2 rounded to float32: the reference's bytes
  ;; (relu's whole quads in f32x4, which gives the same bytes).
  ;; z: pre-activations, a: act(z) before dropout, d: on entry dL/da, on return dL/dz.
  (func (export "activation_backward") (param $z i32) (param $a i32) (param $d i32) (param $len i32) (param $act i32)
    (local $end i32) (local $one i32)
    ;; relu of whole quads in f32x4, d if z > 0 else +0: the bytes of the f64x2 path; then the rest
    (if (i32.eqz (local.get $act))
      (then
        (local.set $end (i32.add (local.get $d) (i32.shl (i32.and (local.get $len) (i32.const -4)) (i32.const 2))))
        (block $quads
          (br_if $quads (i32.ge_u (local.get $d) (local.get $end)))
          (loop $quad
            (v128.store (local.get $d)
              (v128.and (v128.load (local.get $d)) (f32x4.gt (v128.load (local.get $z)) (v128.const f32x4 0 0 0 0))))
            (local.set $z (i32.add (local.get $z) (i32.const 16)))
            (local.set $a (i32.add (local.get $a) (i32.const 16)))
            (local.set $d (i32.add (local.get $d) (i32.const 16)))
            (br_if $quad (i32.lt_u (local.get $d) (local.get $end)))))
        (local.set $len (i32.and (local.get $len) (i32.const 3)))))
    (local.set $end (i32.add (local.get $d) (i32.shl (local.get $len) (i32.const 2))))
    (block $done
      (loop $pair
        (br_if $done (i32.ge_u (local.get $d) (local.get $end)))
        (local.set $one (i32.eq (i32.sub (local.get $end) (local.get $d)) (i32.const 4)))
        (call $st (local.get $d)
          (call $dact2 (call $ld (local.get $z) (local.get $one)) (call $ld (local.get $a) (local.get $one))
            (call $ld (local.get $d) (local.get $one)) (local.get $act))
          (local.get $one))
        (local.set $z (i32.add (local.get $z) (i32.const 8)))
        (local.set $a (i32.add (local.get $a) (i32.const 8)))
        (local.set $d (i32.add (local.get $d) (i32.const 8)))
        (br $pair))))

  ;; dst = src ⊙ mask for len values (dst may be src): a = act ⊙ m forward, dA ⊙ m backward. A
  ;; float32 product rounds once, as the reference's does.
  (func (export "dropout_apply") (param $src i32) (param $mask i32) (param $dst i32) (param $len i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $src) (i32.shl (i32.and (local.get $len) (i32.const -4)) (i32.const 2))))
    (block $quads
      (br_if $quads (i32.ge_u (local.get $src) (local.get $end)))
      (loop $q
        (v128.store (local.get $dst) (f32x4.mul (v128.load (local.get $src)) (v128.load (local.get $mask))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $mask (i32.add (local.get $mask) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br_if $q (i32.lt_u (local.get $src) (local.get $end)))))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $len) (i32.const 3)) (i32.const 2))))
    (block $tail
      (br_if $tail (i32.ge_u (local.get $src) (local.get $end)))
      (loop $t
        (f32.store (local.get $dst) (f32.mul (f32.load (local.get $src)) (f32.load (local.get $mask))))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (local.set $mask (i32.add (local.get $mask) (i32.const 4)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (br_if $t (i32.lt_u (local.get $src) (local.get $end))))))

  ;; ------------------------------------------------------------------------------------------
  ;; Optimizers (core/network/optimizers.ts), element-wise in f64x2, each result rounded to float32
  ;; on store: the reference's bytes. Four values per turn (one f32x4 load and store of each array,
  ;; its two halves widened to f64x2), then two, then one for an odd last value.

  ;; g += λ·w for len values: the gradient of (λ/2)·Σ w².
  (func (export "weight_decay") (param $g i32) (param $w i32) (param $len i32) (param $lambda f64)
    (local $end i32) (local $end4 i32) (local $h0 v128) (local $h1 v128) (local $Lg v128) (local $Lw v128)
    (local $one i32) (local $vl v128)
    (local.set $vl (f64x2.splat (local.get $lambda)))
    (local.set $end (i32.add (local.get $g) (i32.shl (local.get $len) (i32.const 2))))
    ;; four values per turn, two f64x2 halves, while four remain; then the pairs below
    (local.set $end4 (i32.add (local.get $g) (i32.shl (i32.and (local.get $len) (i32.const -4)) (i32.const 2))))
    (block $quads
      (br_if $quads (i32.ge_u (local.get $g) (local.get $end4)))
      (loop $quad
        (local.set $Lg (v128.load (local.get $g)))
        (local.set $Lw (v128.load (local.get $w)))
        (local.set $h0
          (f64x2.add
            (f64x2.promote_low_f32x4 (local.get $Lg))
            (f64x2.mul (local.get $vl) (f64x2.promote_low_f32x4 (local.get $Lw)))))
        (local.set $h1
          (f64x2.add
            (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $Lg) (local.get $Lg)))
            (f64x2.mul
              (local.get $vl)
              (f64x2.promote_low_f32x4
                (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $Lw) (local.get $Lw))))))
        (v128.store (local.get $g) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero (local.get $h0))
            (f32x4.demote_f64x2_zero (local.get $h1))))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $w (i32.add (local.get $w) (i32.const 16)))
        (br_if $quad (i32.lt_u (local.get $g) (local.get $end4)))))
    (block $done
      (loop $pair
        (br_if $done (i32.ge_u (local.get $g) (local.get $end)))
        (local.set $one (i32.eq (i32.sub (local.get $end) (local.get $g)) (i32.const 4)))
        (call $st (local.get $g)
          (f64x2.add (call $ld (local.get $g) (local.get $one))
            (f64x2.mul (local.get $vl) (call $ld (local.get $w) (local.get $one))))
          (local.get $one))
        (local.set $g (i32.add (local.get $g) (i32.const 8)))
        (local.set $w (i32.add (local.get $w) (i32.const 8)))
        (br $pair))))

  ;; θ −= lr·g for len values.
  (func (export "sgd") (param $p i32) (param $g i32) (param $len i32) (param $lr f64)
    (local $end i32) (local $end4 i32) (local $h0 v128) (local $h1 v128) (local $Lp v128) (local $Lg v128)
    (local $one i32) (local $vlr v128)
    (local.set $vlr (f64x2.splat (local.get $lr)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $len) (i32.const 2))))
    ;; four values per turn, two f64x2 halves, while four remain; then the pairs below
    (local.set $end4 (i32.add (local.get $p) (i32.shl (i32.and (local.get $len) (i32.const -4)) (i32.const 2))))
    (block $quads
      (br_if $quads (i32.ge_u (local.get $p) (local.get $end4)))
      (loop $quad
        (local.set $Lp (v128.load (local.get $p)))
        (local.set $Lg (v128.load (local.get $g)))
        (local.set $h0
          (f64x2.sub
            (f64x2.promote_low_f32x4 (local.get $Lp))
            (f64x2.mul (local.get $vlr) (f64x2.promote_low_f32x4 (local.get $Lg)))))
        (local.set $h1
          (f64x2.sub
            (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $Lp) (local.get $Lp)))
            (f64x2.mul
              (local.get $vlr)
              (f64x2.promote_low_f32x4
                (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $Lg) (local.get $Lg))))))
        (v128.store (local.get $p) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero (local.get $h0))
            (f32x4.demote_f64x2_zero (local.get $h1))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (br_if $quad (i32.lt_u (local.get $p) (local.get $end4)))))
    (block $done
      (loop $pair
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $one (i32.eq (i32.sub (local.get $end) (local.get $p)) (i32.const 4)))
        (call $st (local.get $p)
          (f64x2.sub (call $ld (local.get $p) (local.get $one))
            (f64x2.mul (local.get $vlr) (call $ld (local.get $g) (local.get $one))))
          (local.get $one))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (local.set $g (i32.add (local.get $g) (i32.const 8)))
        (br $pair))))

  ;; Plain SGD on w0 from its factors: w0[i, :] −= float32(lr·x[s, i])·dZ0[s, :] for every sample s
  ;; and every non-zero pixel i, sample after sample (float32 products and sums), over x's column
  ;; lists (nonzero_columns): the factors float32(−lr·x[s, i]) into scaled (N·D) (scale_columns),
  ;; then outer_columns. w0: (D, H), dZ0: (N, H).
  (func (export "sgd_first_layer") (param $w0 i32) (param $start i32) (param $row i32) (param $val i32)
    (param $scaled i32) (param $dz i32) (param $in i32) (param $hidden i32) (param $lr f64)
    (call $scale_columns (local.get $start) (local.get $val) (local.get $scaled) (local.get $in) (local.get $lr))
    (call $outer_columns (local.get $start) (local.get $row) (local.get $scaled) (local.get $in) (local.get $hidden)
      (local.get $dz) (local.get $w0) (i32.const 0) (local.get $hidden)))

  ;; scaled[k] = float32(−lr·val[k]) in f64 for the entries of the in inputs' column lists.
  (func $scale_columns (export "scale_columns") (param $start i32) (param $val i32) (param $scaled i32) (param $in i32)
    (param $lr f64)
    (local $k i32) (local $end i32)
    (local.set $k (i32.shl (i32.load (local.get $start)) (i32.const 2)))
    (local.set $end
      (i32.shl (i32.load (i32.add (local.get $start) (i32.shl (local.get $in) (i32.const 2)))) (i32.const 2)))
    (block $done
      (loop $entry
        (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
        (f32.store (i32.add (local.get $scaled) (local.get $k))
          (f32.demote_f64 (f64.mul (f64.neg (local.get $lr))
            (f64.promote_f32 (f32.load (i32.add (local.get $val) (local.get $k)))))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $entry))))

  ;; Momentum (PyTorch's convention) for len values: v ← μ·v + g; θ ← θ − lr·v, or with Nesterov
  ;; ($nesterov = 1) θ ← θ − lr·(g + μ·v), v as stored (float32).
  (func (export "momentum") (param $p i32) (param $g i32) (param $v i32) (param $len i32) (param $lr f64)
    (param $mu f64) (param $nesterov i32)
    (local $end i32) (local $end4 i32) (local $g0 v128) (local $g1 v128) (local $v0 v128) (local $v1 v128)
    (local $vlr v128) (local $Lp v128) (local $Lg v128) (local $Lv v128) (local $one i32) (local $vg v128)
    (local $vv v128) (local $vmu v128)
    (local.set $vmu (f64x2.splat (local.get $mu)))
    (local.set $vlr (f64x2.splat (local.get $lr)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $len) (i32.const 2))))
    ;; four values per turn, two f64x2 halves, while four remain; then the pairs below
    (local.set $end4 (i32.add (local.get $p) (i32.shl (i32.and (local.get $len) (i32.const -4)) (i32.const 2))))
    (block $quads
      (br_if $quads (i32.ge_u (local.get $p) (local.get $end4)))
      (loop $quad
        (local.set $Lp (v128.load (local.get $p)))
        (local.set $Lg (v128.load (local.get $g)))
        (local.set $Lv (v128.load (local.get $v)))
        (local.set $g0 (f64x2.promote_low_f32x4 (local.get $Lg)))
        (local.set $v0
          (f64x2.promote_low_f32x4
            (f32x4.demote_f64x2_zero
              (f64x2.add (f64x2.mul (local.get $vmu) (f64x2.promote_low_f32x4 (local.get $Lv))) (local.get $g0)))))
        (local.set $g1
          (f64x2.promote_low_f32x4
            (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $Lg) (local.get $Lg))))
        (local.set $v1
          (f64x2.promote_low_f32x4
            (f32x4.demote_f64x2_zero
              (f64x2.add
                (f64x2.mul
                  (local.get $vmu)
                  (f64x2.promote_low_f32x4
                    (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $Lv) (local.get $Lv))))
                (local.get $g1)))))
        (v128.store (local.get $v) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero (local.get $v0))
            (f32x4.demote_f64x2_zero (local.get $v1))))
        (if (local.get $nesterov)
          (then
            (local.set $v0 (f64x2.add (local.get $g0) (f64x2.mul (local.get $vmu) (local.get $v0))))
            (local.set $v1 (f64x2.add (local.get $g1) (f64x2.mul (local.get $vmu) (local.get $v1))))))
        (local.set $v0
          (f64x2.sub (f64x2.promote_low_f32x4 (local.get $Lp)) (f64x2.mul (local.get $vlr) (local.get $v0))))
        (local.set $v1
          (f64x2.sub
            (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $Lp) (local.get $Lp)))
            (f64x2.mul (local.get $vlr) (local.get $v1))))
        (v128.store (local.get $p) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero (local.get $v0))
            (f32x4.demote_f64x2_zero (local.get $v1))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $v (i32.add (local.get $v) (i32.const 16)))
        (br_if $quad (i32.lt_u (local.get $p) (local.get $end4)))))
    (block $done
      (loop $pair
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $one (i32.eq (i32.sub (local.get $end) (local.get $p)) (i32.const 4)))
        (local.set $vg (call $ld (local.get $g) (local.get $one)))
        (local.set $vv
          (call $round
            (f64x2.add (f64x2.mul (local.get $vmu) (call $ld (local.get $v) (local.get $one))) (local.get $vg))))
        (call $st (local.get $v) (local.get $vv) (local.get $one))
        (if (local.get $nesterov)
          (then (local.set $vv (f64x2.add (local.get $vg) (f64x2.mul (local.get $vmu) (local.get $vv))))))
        (call $st (local.get $p)
          (f64x2.sub (call $ld (local.get $p) (local.get $one))
            (f64x2.mul (f64x2.splat (local.get $lr)) (local.get $vv)))
          (local.get $one))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (local.set $g (i32.add (local.get $g) (i32.const 8)))
        (local.set $v (i32.add (local.get $v) (i32.const 8)))
        (br $pair))))

  ;; Adam (Kingma & Ba 2015) for len values: m ← β₁·m + (1 − β₁)·g; v ← β₂·v + (1 − β₂)·g·g;
  ;; θ ← θ − lr·(m / c₁) / (√(v / c₂) + ε), m and v as stored (float32). The caller passes 1 − β₁,
  ;; 1 − β₂ and the bias corrections c₁ = 1 − β₁ᵗ, c₂ = 1 − β₂ᵗ, computed in TypeScript as the
  ;; reference computes them.
  (func (export "adam") (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $len i32)
    (param $lr f64) (param $beta1 f64) (param $omb1 f64) (param $beta2 f64) (param $omb2 f64) (param $eps f64)
    (param $c1 f64) (param $c2 f64)
    (local $end i32) (local $end4 i32) (local $g0 v128) (local $g1 v128) (local $m0 v128) (local $m1 v128)
    (local $v0 v128)
    (local $v1 v128) (local $vlr v128) (local $b1 v128) (local $o1 v128) (local $b2 v128) (local $o2 v128)
    (local $vc1 v128)
    (local $vc2 v128) (local $veps v128) (local $Lp v128) (local $Lg v128) (local $Lm v128) (local $Lv v128)
    (local $one i32) (local $vg v128) (local $vm v128) (local $vv v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $len) (i32.const 2))))
    (local.set $vlr (f64x2.splat (local.get $lr)))
    (local.set $b1 (f64x2.splat (local.get $beta1)))
    (local.set $o1 (f64x2.splat (local.get $omb1)))
    (local.set $b2 (f64x2.splat (local.get $beta2)))
    (local.set $o2 (f64x2.splat (local.get $omb2)))
    (local.set $vc1 (f64x2.splat (local.get $c1)))
    (local.set $vc2 (f64x2.splat (local.get $c2)))
    (local.set $veps (f64x2.splat (local.get $eps)))
    ;; four values per turn, two f64x2 halves, while four remain; then the pairs below
    (local.set $end4 (i32.add (local.get $p) (i32.shl (i32.and (local.get $len) (i32.const -4)) (i32.const 2))))
    (block $quads
      (br_if $quads (i32.ge_u (local.get $p) (local.get $end4)))
      (loop $quad
        (local.set $Lp (v128.load (local.get $p)))
        (local.set $Lg (v128.load (local.get $g)))
        (local.set $Lm (v128.load (local.get $m)))
        (local.set $Lv (v128.load (local.get $v)))
        (local.set $g0 (f64x2.promote_low_f32x4 (local.get $Lg)))
        (local.set $m0
          (f64x2.promote_low_f32x4
            (f32x4.demote_f64x2_zero
              (f64x2.add
                (f64x2.mul (local.get $b1) (f64x2.promote_low_f32x4 (local.get $Lm)))
                (f64x2.mul (local.get $o1) (local.get $g0))))))
        (local.set $v0
          (f64x2.promote_low_f32x4
            (f32x4.demote_f64x2_zero
              (f64x2.add
                (f64x2.mul (local.get $b2) (f64x2.promote_low_f32x4 (local.get $Lv)))
                (f64x2.mul (f64x2.mul (local.get $o2) (local.get $g0)) (local.get $g0))))))
        (local.set $g1
          (f64x2.promote_low_f32x4
            (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $Lg) (local.get $Lg))))
        (local.set $m1
          (f64x2.promote_low_f32x4
            (f32x4.demote_f64x2_zero
              (f64x2.add
                (f64x2.mul
                  (local.get $b1)
                  (f64x2.promote_low_f32x4
                    (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $Lm) (local.get $Lm))))
                (f64x2.mul (local.get $o1) (local.get $g1))))))
        (local.set $v1
          (f64x2.promote_low_f32x4
            (f32x4.demote_f64x2_zero
              (f64x2.add
                (f64x2.mul
                  (local.get $b2)
                  (f64x2.promote_low_f32x4
                    (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $Lv) (local.get $Lv))))
                (f64x2.mul (f64x2.mul (local.get $o2) (local.get $g1)) (local.get $g1))))))
        (v128.store (local.get $m) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero (local.get $m0))
            (f32x4.demote_f64x2_zero (local.get $m1))))
        (v128.store (local.get $v) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero (local.get $v0))
            (f32x4.demote_f64x2_zero (local.get $v1))))
        (local.set $g0
          (f64x2.sub (f64x2.promote_low_f32x4 (local.get $Lp))
            (f64x2.div (f64x2.mul (local.get $vlr) (f64x2.div (local.get $m0) (local.get $vc1)))
              (f64x2.add (f64x2.sqrt (f64x2.div (local.get $v0) (local.get $vc2))) (local.get $veps)))))
        (local.set $g1
          (f64x2.sub (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $Lp) (local.get $Lp)))
            (f64x2.div (f64x2.mul (local.get $vlr) (f64x2.div (local.get $m1) (local.get $vc1)))
              (f64x2.add (f64x2.sqrt (f64x2.div (local.get $v1) (local.get $vc2))) (local.get $veps)))))
        (v128.store (local.get $p) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero (local.get $g0))
            (f32x4.demote_f64x2_zero (local.get $g1))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $m (i32.add (local.get $m) (i32.const 16)))
        (local.set $v (i32.add (local.get $v) (i32.const 16)))
        (br_if $quad (i32.lt_u (local.get $p) (local.get $end4)))))
    (block $done
      (loop $pair
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $one (i32.eq (i32.sub (local.get $end) (local.get $p)) (i32.const 4)))
        (local.set $vg (call $ld (local.get $g) (local.get $one)))
        (local.set $vm
          (call $round
            (f64x2.add
              (f64x2.mul (f64x2.splat (local.get $beta1)) (call $ld (local.get $m) (local.get $one)))
              (f64x2.mul (f64x2.splat (local.get $omb1)) (local.get $vg)))))
        (local.set $vv
          (call $round
            (f64x2.add
              (f64x2.mul (f64x2.splat (local.get $beta2)) (call $ld (local.get $v) (local.get $one)))
              (f64x2.mul (f64x2.mul (f64x2.splat (local.get $omb2)) (local.get $vg)) (local.get $vg)))))
        (call $st (local.get $m) (local.get $vm) (local.get $one))
        (call $st (local.get $v) (local.get $vv) (local.get $one))
        (call $st (local.get $p)
          (f64x2.sub (call $ld (local.get $p) (local.get $one))
            (f64x2.div
              (f64x2.mul (f64x2.splat (local.get $lr)) (f64x2.div (local.get $vm) (f64x2.splat (local.get $c1))))
              (f64x2.add (f64x2.sqrt (f64x2.div (local.get $vv) (f64x2.splat (local.get $c2))))
                (f64x2.splat (local.get $eps)))))
          (local.get $one))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (local.set $g (i32.add (local.get $g) (i32.const 8)))
        (local.set $m (i32.add (local.get $m) (i32.const 8)))
        (local.set $v (i32.add (local.get $v) (i32.const 8)))
        (br $pair))))

  ;; ------------------------------------------------------------------------------------------
  ;; Input rows from bytes.

  ;; x[k] = pixels[k] / 255 for k < count (a multiple of 16: whole images of 784 bytes), as float32
  ;; division, which gives PIXEL_TO_INPUT's floats of core/network/input.ts (see $load_pixels in
  ;; core/kernels/kernels.wat). A group of 16 paper pixels (0) is written as zeros without dividing.
  (func (export "load_pixels") (param $src i32) (param $dst i32) (param $count i32)
    (local $end i32) (local $v v128) (local $h v128)
    (local.set $end (i32.add (local.get $src) (local.get $count)))
    (block $done
      (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
      (loop $group
        (local.set $v (v128.load (local.get $src)))
        (if (v128.any_true (local.get $v))
          (then
            (local.set $h (i16x8.extend_low_i8x16_u (local.get $v)))
            (v128.store offset=0 (local.get $dst)
              (f32x4.div (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (local.get $h)))
                (v128.const f32x4 255 255 255 255)))
            (v128.store offset=16 (local.get $dst)
              (f32x4.div (f32x4.convert_i32x4_u (i32x4.extend_high_i16x8_u (local.get $h)))
                (v128.const f32x4 255 255 255 255)))
            (local.set $h (i16x8.extend_high_i8x16_u (local.get $v)))
            (v128.store offset=32 (local.get $dst)
              (f32x4.div (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (local.get $h)))
                (v128.const f32x4 255 255 255 255)))
            (v128.store offset=48 (local.get $dst)
              (f32x4.div (f32x4.convert_i32x4_u (i32x4.extend_high_i16x8_u (local.get $h)))
                (v128.const f32x4 255 255 255 255))))
          (else
            (v128.store offset=0 (local.get $dst) (v128.const i32x4 0 0 0 0))
            (v128.store offset=16 (local.get $dst) (v128.const i32x4 0 0 0 0))
            (v128.store offset=32 (local.get $dst) (v128.const i32x4 0 0 0 0))
            (v128.store offset=48 (local.get $dst) (v128.const i32x4 0 0 0 0))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
        (br_if $group (i32.lt_u (local.get $src) (local.get $end))))))
)
