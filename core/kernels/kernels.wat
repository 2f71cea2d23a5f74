;; The network's kernels in WebAssembly with 128-bit SIMD (f32x4), for core/kernels/backend_wasm.ts.
;;
;; Shape legend, as in core/network/network.ts: N = batch size, D = 784 pixels, H = hidden units,
;; K = 10 classes; every matrix is row-major float32.
;;
;; Every buffer lives in the one imported memory; a header at byte 0, written once by
;; createWasmCore() in core/kernels/backend_wasm.ts, holds H, the activation and the byte address of
;; each buffer (i32 each):
;;
;;    0 H          4 activation (0 relu, 1 sigmoid)   8 NC, the hidden chunks   12 capacity
;;   16 w0 (D, H)  20 b0 (H)   24 w1 (H, K)   28 b1 (K)   32 x (capacity, D)
;;   36 z0 (capacity, H)   40 a0 (capacity, H)   44 logits (capacity, K)   48 dLogits (capacity, K)
;;   52 dZ0 (capacity, H)  56 partials (NC, capacity, 12): the logits of each hidden chunk
;;      (the kernels reach w0, z0, a0 and dZ0 through the part table below, not through words 16,
;;      36, 40 and 52; with several parts, w0 at word 16 is the (D, H) copy TypeScript reads)
;;   60 nzIdx (capacity, D) i32: byte offset i * S of the w0 row of each non-zero pixel i
;;   64 nzVal (capacity, D): the value of each non-zero pixel   68 nzCount (capacity) i32
;;   72 masks (ceil(capacity / 64), D) i64: bit s % 64 of masks[s / 64, i] is set when x[s, i] != 0
;;   76 pixels (capacity, D) u8: images as bytes, for $load_batch and $scan_pixels
;;   80 held images (M, D) u8, or 0: a data set kept in wasm memory (holdImages in backend_wasm.ts)
;;   84 rows (2 capacity) i32: which held image each row of x is gathered from, then the next batch's
;;      ($gather_batch)
;;   88 S, the row stride in bytes of w0, z0, a0 and dZ0   92 P, the number of parts (below)
;;   96 w1Q (ceil(H / 4), K, 4): w1 by quads of hidden units, written by $transpose_w1 for $delta_rows
;;  100 probs (capacity, K)   104 labels (capacity) u8: a step's classes, for dLogits
;;  108 rowStats (capacity, 2) f64: each row's largest logit and sum of exponentials ($softmax_rows)
;;  112 groupBits (49, R) u16 with R = ceil(capacity / 64) * 64: bit i of groupBits[g, s] is set when
;;      x[s, 16 g + i] != 0, written while a batch is listed and read by $masks_from_bits
;; Bytes 256 to 1407 hold the thread control words of core/kernels/backend_threads.ts (not used here),
;; bytes 1408 to 1919 the part table (below: where each part's w0, z0, a0 and dZ0 are),
;; bytes 1984 to 1991 a sink that $gather_batch writes its touching loads into (its own cache line, away
;; from the header every kernel reads), and bytes 2048 to 2303 the swizzle table of the scans, written by
;; $init.
;;
;; A batch loaded from bytes ($load_batch, $gather_batch) comes with its pixel lists and sample masks.
;; A training step is four phases, each cut into independent parts (core/kernels/backend_threads.ts runs
;; the parts on several threads; one thread runs each over the whole batch):
;;   lists     when x was not loaded from bytes, every row ($list_rows): the rows' pixel lists, as $scan
;;             makes them, and the pixels' sample masks, as $sample_masks makes them.
;;   forward   hidden chunks [c0, c1) ($forward_part): z0 and a0 of their units, their partial logits.
;;   softmax   rows [s0, s1): $output_reduce, then $softmax_rows (probs, dLogits, and each row's
;;             largest logit and sum, from which TypeScript takes the loss). core/kernels/
;;             backend_threads.ts runs it on the calling thread: for a batch of 64 it takes less
;;             time than handing half of it to another thread. There the forward phase's last task
;;             of the first half of the chunks adds b1 and their partial logits ($output_reduce_part),
;;             and the softmax adds the second half's.
;;   backward  hidden chunks [c0, c1) ($backward_part): dZ0 of their units ($delta_rows), then the
;;             updates of their w1 rows and b0 entries ($hidden_update) and w0 columns ($input_update).
;; A row's numbers in lists and softmax depend on that row only, a unit's numbers in forward and
;; backward on that unit and the batch; every update sums over the batch's samples in increasing order.
;; So the bytes never depend on how rows, pixels or chunks are cut into parts or spread over threads.
;; Chunk c is [chunk_start(c), chunk_start(c + 1)); the logits are summed per chunk, then the chunks
;; in order ($output_reduce): the order in which the shipped model was trained.
;;
;; Arithmetic is IEEE float32 (an f32x4 lane rounds as an f32 does), each product rounded and then
;; added, never fused: relaxed SIMD's f32x4.relaxed_madd is one fused multiply-add on CPUs with FMA
;; and a multiply then an add elsewhere, so its bytes would depend on the machine (and it measured no
;; faster here, docs/kernels.md). So the same inputs give the same bytes on every run and machine.
;; Each sum runs in a fixed order, stated at its kernel.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; ------------------------------------------------------------------------------------------
  ;; Hidden chunks: the logits are summed per chunk of hidden units, then the chunks in order.

  ;; First hidden unit of chunk c: 4 * floor(c * Q / NC) with Q = ceil(H / 4) quads, capped at H.
  ;; chunk_start(NC) = H, so chunk c is [chunk_start(c), chunk_start(c + 1)).
  (func $chunk_start (export "chunk_start") (param $c i32) (result i32)
    (local $h i32) (local $j i32)
    (local.set $h (i32.load (i32.const 0)))
    (local.set $j
      (i32.shl
        (i32.div_u
          (i32.mul (local.get $c) (i32.shr_u (i32.add (local.get $h) (i32.const 3)) (i32.const 2)))
          (i32.load (i32.const 8)))
        (i32.const 2)))
    (select (local.get $j) (local.get $h) (i32.lt_u (local.get $j) (local.get $h))))

  ;; ------------------------------------------------------------------------------------------
  ;; Parts: the hidden units are laid out in P parts (header word 92) of whole chunks, each part's
  ;; columns of w0, z0, a0 and dZ0 in a slab of its own with rows of S bytes (header word 88); the
  ;; part table at byte 1408 has one 32-byte entry per part: its first unit, its end unit, and the
  ;; bases of w0, z0, a0 and dZ0 from which element [r, j] of a unit j of the part is at
  ;; base + r S + 4 j (each base is the slab's address minus 4 times the first unit). With P = 1 the
  ;; slab is the whole (D, H) or (capacity, H) buffer and S = 4H.

  ;; The address just past the last entry of the part table.
  (func $parts_end (result i32)
    (i32.add (i32.const 1408) (i32.shl (i32.load (i32.const 92)) (i32.const 5))))

  ;; The entry of the part that holds unit j (the last part for j >= H).
  (func $part_of (param $j i32) (result i32)
    (local $part i32) (local $last i32)
    (local.set $part (i32.const 1408))
    (local.set $last (i32.sub (call $parts_end) (i32.const 32)))
    (block $found
      (loop $next
        (br_if $found (i32.ge_u (local.get $part) (local.get $last)))
        (br_if $found (i32.lt_u (local.get $j) (i32.load offset=4 (local.get $part))))
        (local.set $part (i32.add (local.get $part) (i32.const 32)))
        (br $next)))
    (local.get $part))

  (func $min_u (param $a i32) (param $b i32) (result i32)
    (select (local.get $a) (local.get $b) (i32.lt_u (local.get $a) (local.get $b))))

  (func $max_u (param $a i32) (param $b i32) (result i32)
    (select (local.get $a) (local.get $b) (i32.gt_u (local.get $a) (local.get $b))))

  ;; ------------------------------------------------------------------------------------------
  ;; Lanes: with several threads, each has a lane of its own of the batch's buffers x, nzIdx, nzVal,
  ;; nzCount, masks and groupBits, at the addresses of the header plus $lane bytes (set_lane; 0 for
  ;; the calling thread, whose lane is the one TypeScript sees). A thread reads and writes only its own lane, so
  ;; what one core writes of a batch never has to travel to the other: each lists the whole batch.

  (global $lane (mut i32) (i32.const 0))

  ;; This instance's lane: the byte distance from the header's buffers to its own.
  (func $set_lane (export "set_lane") (param $bytes i32)
    (global.set $lane (local.get $bytes)))

  (func $lane_x (result i32) (i32.add (i32.load (i32.const 32)) (global.get $lane)))
  (func $lane_nzIdx (result i32) (i32.add (i32.load (i32.const 60)) (global.get $lane)))
  (func $lane_nzVal (result i32) (i32.add (i32.load (i32.const 64)) (global.get $lane)))
  (func $lane_nzCount (result i32) (i32.add (i32.load (i32.const 68)) (global.get $lane)))
  (func $lane_masks (result i32) (i32.add (i32.load (i32.const 72)) (global.get $lane)))
  (func $lane_bits (result i32) (i32.add (i32.load (i32.const 112)) (global.get $lane)))

  ;; Rows s0 <= s < s1 of this thread's lane of x = those of x (the calling thread's lane).
  (func $copy_rows (export "copy_rows") (param $s0 i32) (param $s1 i32)
    (local $src i32) (local $dst i32) (local $end i32)
    (local.set $src (i32.add (i32.load (i32.const 32)) (i32.mul (local.get $s0) (i32.const 3136))))
    (local.set $end (i32.add (i32.load (i32.const 32)) (i32.mul (local.get $s1) (i32.const 3136))))
    (local.set $dst (i32.add (local.get $src) (global.get $lane)))
    (block $done
      (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
      (loop $copy
        (v128.store offset=0 (local.get $dst) (v128.load offset=0 (local.get $src)))
        (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $src)))
        (v128.store offset=32 (local.get $dst) (v128.load offset=32 (local.get $src)))
        (v128.store offset=48 (local.get $dst) (v128.load offset=48 (local.get $src)))
        (local.set $src (i32.add (local.get $src) (i32.const 64)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
        (br_if $copy (i32.lt_u (local.get $src) (local.get $end))))))

  ;; ------------------------------------------------------------------------------------------
  ;; exp and the activations, four lanes at a time.

  ;; e^x for each lane (Cephes expf): x = n ln2 + r with n = round(x / ln2) and |r| <= ln2 / 2,
  ;; e^r by a degree-7 polynomial (relative error about 1e-7), then 2^n = 2^n1 * 2^(n - n1) so each
  ;; factor stays a normal float. x is clamped to [-87.3, 88.8]: below, e^x < 1.2e-38 is returned as
  ;; about 1.2e-38 (so 1 / (1 + e^x) is exactly 1 either way); above, the product overflows to +inf.
  ;; NaN stays NaN.
  (func $exp4 (param $x v128) (result v128)
    (local $n v128) (local $r v128) (local $p v128) (local $ni v128) (local $n1 v128)
    (local.set $x
      (f32x4.min
        (f32x4.max (local.get $x) (v128.const f32x4 -87.3 -87.3 -87.3 -87.3))
        (v128.const f32x4 88.8 88.8 88.8 88.8)))
    ;; n = round(x * log2(e))
    (local.set $n
      (f32x4.nearest
        (f32x4.mul
          (local.get $x)
          (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341))))
    ;; r = x - n ln2, with ln2 split in two (Cody-Waite) so n * ln2_hi is exact
    (local.set $r
      (f32x4.sub
        (local.get $x)
        (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
    (local.set $r
      (f32x4.add
        (local.get $r)
        (f32x4.mul (local.get $n) (v128.const f32x4 2.12194440e-4 2.12194440e-4 2.12194440e-4 2.12194440e-4))))
    ;; e^r = 1 + r + r^2 (c0 + c1 r + ... + c5 r^5)
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
    ;; 2^n1 * 2^(n - n1), n1 = floor(n / 2): n in [-126, 128] keeps both exponents in [-63, 64]
    (local.set $ni (i32x4.trunc_sat_f32x4_s (local.get $n)))
    (local.set $n1 (i32x4.shr_s (local.get $ni) (i32.const 1)))
    (f32x4.mul
      (f32x4.mul
        (local.get $p)
        (i32x4.shl (i32x4.add (local.get $n1) (v128.const i32x4 127 127 127 127)) (i32.const 23)))
      (i32x4.shl
        (i32x4.add (i32x4.sub (local.get $ni) (local.get $n1)) (v128.const i32x4 127 127 127 127))
        (i32.const 23))))

  ;; a = act(z) for each lane. relu: z if z > 0 else +0 (NaN gives 0, as in network.ts).
  ;; sigmoid: 1 / (1 + e^-z).
  (func $act4 (param $z v128) (param $act i32) (result v128)
    (if (result v128) (local.get $act)
      (then
        (f32x4.div
          (v128.const f32x4 1 1 1 1)
          (f32x4.add (v128.const f32x4 1 1 1 1) (call $exp4 (f32x4.neg (local.get $z))))))
      (else
        (v128.and (local.get $z) (f32x4.gt (local.get $z) (v128.const f32x4 0 0 0 0))))))

  ;; ap[0..len) = act(zp[0..len)); the last len % 4 values go one at a time through $act4's lane 0.
  (func $activation_forward (param $zp i32) (param $ap i32) (param $len i32)
    (local $act i32) (local $end i32)
    (local.set $act (i32.load (i32.const 4)))
    (local.set $end (i32.add (local.get $zp) (i32.shl (i32.and (local.get $len) (i32.const -4)) (i32.const 2))))
    (block $quads
      (br_if $quads (i32.ge_u (local.get $zp) (local.get $end)))
      (loop $q
        (v128.store (local.get $ap) (call $act4 (v128.load (local.get $zp)) (local.get $act)))
        (local.set $zp (i32.add (local.get $zp) (i32.const 16)))
        (local.set $ap (i32.add (local.get $ap) (i32.const 16)))
        (br_if $q (i32.lt_u (local.get $zp) (local.get $end)))))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $len) (i32.const 3)) (i32.const 2))))
    (block $tail
      (br_if $tail (i32.ge_u (local.get $zp) (local.get $end)))
      (loop $t
        (f32.store (local.get $ap)
          (f32x4.extract_lane 0 (call $act4 (v128.load32_splat (local.get $zp)) (local.get $act))))
        (local.set $zp (i32.add (local.get $zp) (i32.const 4)))
        (local.set $ap (i32.add (local.get $ap) (i32.const 4)))
        (br_if $t (i32.lt_u (local.get $zp) (local.get $end))))))

  ;; ------------------------------------------------------------------------------------------
  ;; Softmax.

  ;; e^x of both float64 lanes by fdlibm's method (Sun's e_exp.c), step for step and branch for
  ;; branch, so a lane gets the double that function returns (within 1 ulp of e^x):
  ;;   |x| < 2^-28:  1 + x
  ;;   else k = 0 when |x| < 0x1.62e43p-2 (about ln2 / 2; fdlibm compares the high word), otherwise
  ;;   k = trunc(x / ln2 ± 1/2) with the sign of x; hi = x − k ln2_hi, lo = k ln2_lo, r = hi − lo,
  ;;   t = r², c = r − t (P1 + t (P2 + t (P3 + t (P4 + t P5)))), y = 1 − ((lo − r c / (2 − c)) − hi)
  ;;   (for k = 0 this is fdlibm's 1 − (r c / (c − 2) − r), negated twice), then y 2^k: k added to
  ;;   y's exponent bits, or for k < −1021 k + 1000 added and y multiplied by 2^-1000 (one rounding,
  ;;   into the subnormals); x < −745.13321910194110842 gives +0, x > 709.782712893383973096 +inf,
  ;;   NaN NaN. Every branch is computed and the lanes pick theirs (v128.bitselect).
  (func $exp2d (param $x v128) (result v128)
    (local $ax v128) (local $k v128) (local $hi v128) (local $lo v128) (local $r v128) (local $t v128)
    (local $c v128) (local $y v128) (local $ki v128) (local $e v128)
    (local.set $ax (f64x2.abs (local.get $x)))
    (local.set $k
      (f64x2.trunc
        (f64x2.add
          (f64x2.mul (local.get $x) (v128.const f64x2 1.44269504088896338700e+00 1.44269504088896338700e+00))
          (v128.or (v128.const f64x2 0.5 0.5) (v128.and (local.get $x) (v128.const i64x2 0x8000000000000000 0x8000000000000000))))))
    (local.set $k
      (v128.andnot (local.get $k) (f64x2.lt (local.get $ax) (v128.const f64x2 0x1.62e43p-2 0x1.62e43p-2))))
    (local.set $hi
      (f64x2.sub (local.get $x)
        (f64x2.mul (local.get $k) (v128.const f64x2 6.93147180369123816490e-01 6.93147180369123816490e-01))))
    (local.set $lo (f64x2.mul (local.get $k) (v128.const f64x2 1.90821492927058770002e-10 1.90821492927058770002e-10)))
    (local.set $r (f64x2.sub (local.get $hi) (local.get $lo)))
    (local.set $t (f64x2.mul (local.get $r) (local.get $r)))
    (local.set $c
      (f64x2.sub (local.get $r)
        (f64x2.mul (local.get $t)
          (f64x2.add (v128.const f64x2 1.66666666666666019037e-01 1.66666666666666019037e-01)
            (f64x2.mul (local.get $t)
              (f64x2.add (v128.const f64x2 -2.77777777770155933842e-03 -2.77777777770155933842e-03)
                (f64x2.mul (local.get $t)
                  (f64x2.add (v128.const f64x2 6.61375632143793436117e-05 6.61375632143793436117e-05)
                    (f64x2.mul (local.get $t)
                      (f64x2.add (v128.const f64x2 -1.65339022054652515390e-06 -1.65339022054652515390e-06)
                        (f64x2.mul (local.get $t)
                          (v128.const f64x2 4.13813679705723846039e-08 4.13813679705723846039e-08))))))))))))
    (local.set $y
      (f64x2.sub (v128.const f64x2 1 1)
        (f64x2.sub
          (f64x2.sub (local.get $lo)
            (f64x2.div (f64x2.mul (local.get $r) (local.get $c)) (f64x2.sub (v128.const f64x2 2 2) (local.get $c))))
          (local.get $hi))))
    ;; y 2^k through the exponent bits
    (local.set $ki (i64x2.extend_low_i32x4_s (i32x4.trunc_sat_f64x2_s_zero (local.get $k))))
    (local.set $e
      (v128.bitselect
        (f64x2.mul
          (i64x2.add (local.get $y) (i64x2.shl (i64x2.add (local.get $ki) (v128.const i64x2 1000 1000)) (i32.const 52)))
          (v128.const f64x2 0x1p-1000 0x1p-1000))
        (i64x2.add (local.get $y) (i64x2.shl (local.get $ki) (i32.const 52)))
        (i64x2.lt_s (local.get $ki) (v128.const i64x2 -1021 -1021))))
    (local.set $e
      (v128.bitselect (f64x2.add (v128.const f64x2 1 1) (local.get $x)) (local.get $e)
        (f64x2.lt (local.get $ax) (v128.const f64x2 0x1p-28 0x1p-28))))
    (local.set $e
      (v128.andnot (local.get $e) (f64x2.lt (local.get $x) (v128.const f64x2 -7.45133219101941108420e+02 -7.45133219101941108420e+02))))
    (v128.bitselect (v128.const f64x2 inf inf) (local.get $e)
      (f64x2.gt (local.get $x) (v128.const f64x2 7.09782712893383973096e+02 7.09782712893383973096e+02))))

  ;; e^x of one float64, $exp2d's lane 0: for the tests, which hold it to fdlibm's exp.
  (func $exp_f64 (export "exp_f64") (param $x f64) (result f64)
    (f64x2.extract_lane 0 (call $exp2d (f64x2.splat (local.get $x)))))

  ;; The softmax of rows s0 <= s < s1 from their logits (header 44), as softmaxRow in
  ;; core/network/loss.ts computes it, in float64 from the float32 logits:
  ;;   m = the largest logit (a NaN logit makes the row NaN, as there), e_k = e^(logits[s, k] − m)
  ;;   ($exp2d), Σ = e_0 + e_1 + … + e_9 in that order, probs[s, k] = e_k / Σ rounded to float32
  ;;   (header 100), rowStats[s] = (m, Σ) as two float64 (header 108; the caller's loss of the row is
  ;;   log Σ − (logits[s, y] − m)), and when $n > 0 also dLogits[s, k] = (probs[s, k] − [k = y]) / n
  ;;   rounded to float32, with y = labels[s] (header 104, u8).
  ;; softmaxRow takes e^x from V8's Math.exp, which differs from fdlibm's in the last bit of the
  ;; double for about 8 % of arguments (20 M checked). That moves a float32 probability only when
  ;; e_k / Σ lies within about 1e-16 of the midpoint between two floats, about 4 in a billion: the
  ;; shipped model's training met none (its weights are the bytes the TypeScript softmax gave), but Σ,
  ;; so the loss, can differ in its last bits (docs/kernels.md, "Softmax").
  (func $softmax_rows (export "softmax_rows") (param $s0 i32) (param $s1 i32) (param $n i32)
    (local $s i32) (local $lp i32) (local $pp i32) (local $dp i32) (local $sp i32)
    (local $la v128) (local $lb v128) (local $lc v128) (local $m v128) (local $md v128)
    (local $e0 v128) (local $e1 v128) (local $e2 v128) (local $e3 v128) (local $e4 v128)
    (local $sum f64) (local $sv v128) (local $nv v128) (local $y v128) (local $pa v128) (local $pb v128) (local $pc v128)
    (local.set $nv (f64x2.splat (f64.convert_i32_u (local.get $n))))
    (local.set $s (local.get $s0))
    (block $rows
      (br_if $rows (i32.ge_u (local.get $s) (local.get $s1)))
      (loop $row
        (local.set $lp (i32.add (i32.load (i32.const 44)) (i32.mul (local.get $s) (i32.const 40))))
        (local.set $la (v128.load offset=0 (local.get $lp)))
        (local.set $lb (v128.load offset=16 (local.get $lp)))
        (local.set $lc (v128.load64_zero offset=32 (local.get $lp)))
        (local.set $m
          (f32x4.max (f32x4.max (local.get $la) (local.get $lb))
            (i8x16.shuffle 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 (local.get $lc) (local.get $lc))))
        (local.set $m
          (f32x4.max (local.get $m)
            (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $m) (local.get $m))))
        (local.set $m
          (f32x4.max (local.get $m)
            (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $m) (local.get $m))))
        (local.set $md (f64x2.promote_low_f32x4 (local.get $m)))
        (local.set $e0 (call $exp2d (f64x2.sub (f64x2.promote_low_f32x4 (local.get $la)) (local.get $md))))
        (local.set $e1 (call $exp2d (f64x2.sub
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $la) (local.get $la))) (local.get $md))))
        (local.set $e2 (call $exp2d (f64x2.sub (f64x2.promote_low_f32x4 (local.get $lb)) (local.get $md))))
        (local.set $e3 (call $exp2d (f64x2.sub
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $lb) (local.get $lb))) (local.get $md))))
        (local.set $e4 (call $exp2d (f64x2.sub (f64x2.promote_low_f32x4 (local.get $lc)) (local.get $md))))
        (local.set $sum
          (f64.add (f64.add (f64.add (f64.add (f64.add (f64.add (f64.add (f64.add (f64.add
            (f64x2.extract_lane 0 (local.get $e0)) (f64x2.extract_lane 1 (local.get $e0)))
            (f64x2.extract_lane 0 (local.get $e1))) (f64x2.extract_lane 1 (local.get $e1)))
            (f64x2.extract_lane 0 (local.get $e2))) (f64x2.extract_lane 1 (local.get $e2)))
            (f64x2.extract_lane 0 (local.get $e3))) (f64x2.extract_lane 1 (local.get $e3)))
            (f64x2.extract_lane 0 (local.get $e4))) (f64x2.extract_lane 1 (local.get $e4))))
        (local.set $sv (f64x2.splat (local.get $sum)))
        (local.set $pa
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (f64x2.div (local.get $e0) (local.get $sv)))
            (f32x4.demote_f64x2_zero (f64x2.div (local.get $e1) (local.get $sv)))))
        (local.set $pb
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (f64x2.div (local.get $e2) (local.get $sv)))
            (f32x4.demote_f64x2_zero (f64x2.div (local.get $e3) (local.get $sv)))))
        (local.set $pc (f32x4.demote_f64x2_zero (f64x2.div (local.get $e4) (local.get $sv))))
        (local.set $pp (i32.add (i32.load (i32.const 100)) (i32.mul (local.get $s) (i32.const 40))))
        (v128.store offset=0 (local.get $pp) (local.get $pa))
        (v128.store offset=16 (local.get $pp) (local.get $pb))
        (v128.store64_lane offset=32 0 (local.get $pp) (local.get $pc))
        (local.set $sp (i32.add (i32.load (i32.const 108)) (i32.shl (local.get $s) (i32.const 4))))
        (f64.store offset=0 (local.get $sp) (f64.promote_f32 (f32x4.extract_lane 0 (local.get $m))))
        (f64.store offset=8 (local.get $sp) (local.get $sum))
        (if (local.get $n)
          (then
            (local.set $y (i32x4.splat (i32.load8_u (i32.add (i32.load (i32.const 104)) (local.get $s)))))
            (local.set $dp (i32.add (i32.load (i32.const 48)) (i32.mul (local.get $s) (i32.const 40))))
            (v128.store offset=0 (local.get $dp) (call $grad4 (local.get $pa) (local.get $y) (v128.const i32x4 0 1 2 3) (local.get $nv)))
            (v128.store offset=16 (local.get $dp) (call $grad4 (local.get $pb) (local.get $y) (v128.const i32x4 4 5 6 7) (local.get $nv)))
            (v128.store64_lane offset=32 0 (local.get $dp)
              (call $grad4 (local.get $pc) (local.get $y) (v128.const i32x4 8 9 10 11) (local.get $nv)))))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br_if $row (i32.lt_u (local.get $s) (local.get $s1))))))

  ;; (p − [k = y]) / n in float64, rounded to float32, for the four classes k whose probabilities are
  ;; p's lanes (f32 p, i32 k and y, f64 n).
  (func $grad4 (param $p v128) (param $y v128) (param $k v128) (param $nv v128) (result v128)
    (local $hot v128)
    (local.set $hot (v128.and (i32x4.eq (local.get $y) (local.get $k)) (v128.const f32x4 1 1 1 1)))
    (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
      (f32x4.demote_f64x2_zero
        (f64x2.div
          (f64x2.sub (f64x2.promote_low_f32x4 (local.get $p)) (f64x2.promote_low_f32x4 (local.get $hot)))
          (local.get $nv)))
      (f32x4.demote_f64x2_zero
        (f64x2.div
          (f64x2.sub
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $p) (local.get $p)))
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $hot) (local.get $hot))))
          (local.get $nv)))))

  ;; ------------------------------------------------------------------------------------------
  ;; Input rows from bytes.

  ;; Row s of a batch from its 784 bytes at src, in this thread's lane: x[s, i] = src[i] / 255; the
  ;; row's list of non-zero pixels, the same entries $scan would list from that x; and, for each
  ;; group g of 16 pixels, the bits of its non-zero pixels in groupBits[g, s] ($masks_from_bits turns
  ;; them into the sample masks once every row is done).
  ;; The division is float32's, which rounds the exact quotient once; core/network/input.ts's
  ;; PIXEL_TO_INPUT rounds it to a double first and then to a float, and double rounding through a
  ;; double is harmless for a quotient (53 >= 2 * 24 + 2 bits), so the floats are the same
  ;; (tests/backend_factory_test.ts checks all 256). 16 pixels at a time: a group of paper (all 0)
  ;; costs one test (and four zero stores of x); in the others each quad is converted, then packed
  ;; into the list without branches, as in $scan.
  (func $row_from_bytes (param $src i32) (param $s i32)
    (local $rowBytes i32) (local $send i32) (local $xp i32) (local $bp i32) (local $bstep i32) (local $ip i32)
    (local $ip0 i32) (local $vp i32) (local $bits i32) (local $m i32) (local $count i32)
    (local $ne v128)
    (local $v v128) (local $f0 v128) (local $f1 v128) (local $f2 v128) (local $f3 v128) (local $sh v128)
    (local $idx v128) (local $step v128)
    (local.set $rowBytes (i32.load (i32.const 88)))
    (local.set $step (i32x4.splat (i32.shl (local.get $rowBytes) (i32.const 2))))
    (local.set $send (i32.add (local.get $src) (i32.const 784)))
    (local.set $xp (i32.add (call $lane_x) (i32.mul (local.get $s) (i32.const 3136))))
    ;; groupBits[g, s] is at groupBits + 2 (g R + s)
    (local.set $bstep (call $bits_stride))
    (local.set $bp (i32.add (call $lane_bits) (i32.shl (local.get $s) (i32.const 1))))
    (local.set $ip0 (i32.add (call $lane_nzIdx) (i32.mul (local.get $s) (i32.const 3136))))
    (local.set $ip (local.get $ip0))
    (local.set $vp (i32.add (call $lane_nzVal) (i32.mul (local.get $s) (i32.const 3136))))
    (local.set $idx (i32x4.mul (i32x4.splat (local.get $rowBytes)) (v128.const i32x4 0 1 2 3)))
    (loop $group
      (local.set $v (v128.load (local.get $src)))
      (local.set $ne (i8x16.ne (local.get $v) (v128.const i32x4 0 0 0 0)))
      (local.set $bits (i8x16.bitmask (local.get $ne)))
      (i32.store16 (local.get $bp) (local.get $bits))
      (if (local.get $bits)
        (then
          (local.set $f0
            (f32x4.div (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (local.get $v))))
              (v128.const f32x4 255 255 255 255)))
          (local.set $f1
            (f32x4.div (f32x4.convert_i32x4_u (i32x4.extend_high_i16x8_u (i16x8.extend_low_i8x16_u (local.get $v))))
              (v128.const f32x4 255 255 255 255)))
          (local.set $f2
            (f32x4.div (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (i16x8.extend_high_i8x16_u (local.get $v))))
              (v128.const f32x4 255 255 255 255)))
          (local.set $f3
            (f32x4.div (f32x4.convert_i32x4_u (i32x4.extend_high_i16x8_u (i16x8.extend_high_i8x16_u (local.get $v))))
              (v128.const f32x4 255 255 255 255)))
          (v128.store offset=0 (local.get $xp) (local.get $f0))
          (v128.store offset=16 (local.get $xp) (local.get $f1))
          (v128.store offset=32 (local.get $xp) (local.get $f2))
          (v128.store offset=48 (local.get $xp) (local.get $f3))
          ;; quad 0: pixels 0 to 3 of the group
          (local.set $m (i32.and (i32.shr_u (local.get $bits) (i32.const 0)) (i32.const 15)))
          (local.set $sh (v128.load offset=2048 (i32.shl (local.get $m) (i32.const 4))))
          (v128.store (local.get $vp) (i8x16.swizzle (local.get $f0) (local.get $sh)))
          (v128.store (local.get $ip) (i8x16.swizzle (local.get $idx) (local.get $sh)))
          (local.set $count (i32.shl (i32.popcnt (local.get $m)) (i32.const 2)))
          (local.set $vp (i32.add (local.get $vp) (local.get $count)))
          (local.set $ip (i32.add (local.get $ip) (local.get $count)))
          (local.set $idx (i32x4.add (local.get $idx) (local.get $step)))
          ;; quad 1: pixels 4 to 7 of the group
          (local.set $m (i32.and (i32.shr_u (local.get $bits) (i32.const 4)) (i32.const 15)))
          (local.set $sh (v128.load offset=2048 (i32.shl (local.get $m) (i32.const 4))))
          (v128.store (local.get $vp) (i8x16.swizzle (local.get $f1) (local.get $sh)))
          (v128.store (local.get $ip) (i8x16.swizzle (local.get $idx) (local.get $sh)))
          (local.set $count (i32.shl (i32.popcnt (local.get $m)) (i32.const 2)))
          (local.set $vp (i32.add (local.get $vp) (local.get $count)))
          (local.set $ip (i32.add (local.get $ip) (local.get $count)))
          (local.set $idx (i32x4.add (local.get $idx) (local.get $step)))
          ;; quad 2: pixels 8 to 11 of the group
          (local.set $m (i32.and (i32.shr_u (local.get $bits) (i32.const 8)) (i32.const 15)))
          (local.set $sh (v128.load offset=2048 (i32.shl (local.get $m) (i32.const 4))))
          (v128.store (local.get $vp) (i8x16.swizzle (local.get $f2) (local.get $sh)))
          (v128.store (local.get $ip) (i8x16.swizzle (local.get $idx) (local.get $sh)))
          (local.set $count (i32.shl (i32.popcnt (local.get $m)) (i32.const 2)))
          (local.set $vp (i32.add (local.get $vp) (local.get $count)))
          (local.set $ip (i32.add (local.get $ip) (local.get $count)))
          (local.set $idx (i32x4.add (local.get $idx) (local.get $step)))
          ;; quad 3: pixels 12 to 15 of the group
          (local.set $m (i32.and (i32.shr_u (local.get $bits) (i32.const 12)) (i32.const 15)))
          (local.set $sh (v128.load offset=2048 (i32.shl (local.get $m) (i32.const 4))))
          (v128.store (local.get $vp) (i8x16.swizzle (local.get $f3) (local.get $sh)))
          (v128.store (local.get $ip) (i8x16.swizzle (local.get $idx) (local.get $sh)))
          (local.set $count (i32.shl (i32.popcnt (local.get $m)) (i32.const 2)))
          (local.set $vp (i32.add (local.get $vp) (local.get $count)))
          (local.set $ip (i32.add (local.get $ip) (local.get $count)))
          (local.set $idx (i32x4.add (local.get $idx) (local.get $step)))
        )
        (else
          (v128.store offset=0 (local.get $xp) (v128.const i32x4 0 0 0 0))
          (v128.store offset=16 (local.get $xp) (v128.const i32x4 0 0 0 0))
          (v128.store offset=32 (local.get $xp) (v128.const i32x4 0 0 0 0))
          (v128.store offset=48 (local.get $xp) (v128.const i32x4 0 0 0 0))
          (local.set $idx (i32x4.add (local.get $idx) (i32x4.shl (local.get $step) (i32.const 2))))))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $xp (i32.add (local.get $xp) (i32.const 64)))
      (local.set $bp (i32.add (local.get $bp) (local.get $bstep)))
      (br_if $group (i32.lt_u (local.get $src) (local.get $send))))
    (i32.store
      (i32.add (call $lane_nzCount) (i32.shl (local.get $s) (i32.const 2)))
      (i32.shr_u (i32.sub (local.get $ip) (local.get $ip0)) (i32.const 2))))

  ;; The byte distance between groupBits[g, s] and groupBits[g + 1, s]: 2 R.
  (func $bits_stride (result i32)
    (i32.shl (i32.and (i32.add (i32.load (i32.const 12)) (i32.const 63)) (i32.const -64)) (i32.const 1)))

  ;; The sample masks of this lane's rows 0 <= s < n, from their groupBits: bit s mod 64 of
  ;; masks[s / 64, i] is bit i mod 16 of groupBits[i / 16, s], and every bit of rows n to the end of
  ;; the last 64-row group is 0, as $sample_masks makes them. For n = 1 none: a step of one row
  ;; updates w0 over its pixel list ($input_update_one). 16 rows of a group at a time: their
  ;; low bytes (pixels 0 to 7) in one vector and their high bytes (pixels 8 to 15) in another; a
  ;; shift left by 7 − p brings pixel p's bit to the top of each byte (i16x8.shl, since no bit crosses
  ;; into a byte's top bit for a shift under 8), and i8x16.bitmask gathers the 16 rows' bits: the
  ;; 16 bits of pixel p's mask word for those rows, stored as one u16.
  (func $masks_from_bits (param $n i32)
    (local $g i32) (local $b i32) (local $blocks i32) (local $bp i32) (local $mp i32)
    (local $bits i32) (local $masks i32) (local $stride i32)
    (local $valid i32) (local $lo v128) (local $hi v128) (local $v0 v128) (local $v1 v128)
    (if (i32.le_u (local.get $n) (i32.const 1)) (then (return)))
    (local.set $bits (call $lane_bits))
    (local.set $masks (call $lane_masks))
    (local.set $stride (call $bits_stride))
    ;; the 16-row blocks that hold rows below n; the rest of their last 64-row group's words is 0
    (local.set $blocks (i32.shr_u (i32.add (local.get $n) (i32.const 15)) (i32.const 4)))
    (if (i32.and (local.get $n) (i32.const 63))
      (then
        (memory.fill
          (i32.add (local.get $masks) (i32.mul (i32.shr_u (local.get $n) (i32.const 6)) (i32.const 6272)))
          (i32.const 0) (i32.const 6272))))
    (loop $group
      (local.set $b (i32.const 0))
      (block $done
        (loop $block
          (br_if $done (i32.ge_u (local.get $b) (local.get $blocks)))
          (local.set $bp
            (i32.add (local.get $bits)
              (i32.add (i32.mul (local.get $g) (local.get $stride)) (i32.shl (local.get $b) (i32.const 5)))))
          (local.set $v0 (v128.load offset=0 (local.get $bp)))
          (local.set $v1 (v128.load offset=16 (local.get $bp)))
          (local.set $lo
            (i8x16.shuffle 0 2 4 6 8 10 12 14 16 18 20 22 24 26 28 30 (local.get $v0) (local.get $v1)))
          (local.set $hi
            (i8x16.shuffle 1 3 5 7 9 11 13 15 17 19 21 23 25 27 29 31 (local.get $v0) (local.get $v1)))
          ;; the block's rows below n: (1 << clamp(n − 16 b, 0, 16)) − 1
          (local.set $valid
            (i32.sub
              (i32.shl (i32.const 1)
                (call $min_u (i32.const 16)
                  (select (i32.sub (local.get $n) (i32.shl (local.get $b) (i32.const 4))) (i32.const 0)
                    (i32.gt_u (local.get $n) (i32.shl (local.get $b) (i32.const 4))))))
              (i32.const 1)))
          ;; masks[b / 4, 16 g + p] bits 16 (b mod 4) to 16 (b mod 4) + 15
          (local.set $mp
            (i32.add
              (i32.add (local.get $masks) (i32.mul (i32.shr_u (local.get $b) (i32.const 2)) (i32.const 6272)))
              (i32.add (i32.shl (local.get $g) (i32.const 7)) (i32.shl (i32.and (local.get $b) (i32.const 3)) (i32.const 1)))))
          (i32.store16 offset=0 (local.get $mp)
            (i32.and (local.get $valid) (i8x16.bitmask (i16x8.shl (local.get $lo) (i32.const 7)))))
          (i32.store16 offset=64 (local.get $mp)
            (i32.and (local.get $valid) (i8x16.bitmask (i16x8.shl (local.get $hi) (i32.const 7)))))
          (i32.store16 offset=8 (local.get $mp)
            (i32.and (local.get $valid) (i8x16.bitmask (i16x8.shl (local.get $lo) (i32.const 6)))))
          (i32.store16 offset=72 (local.get $mp)
            (i32.and (local.get $valid) (i8x16.bitmask (i16x8.shl (local.get $hi) (i32.const 6)))))
          (i32.store16 offset=16 (local.get $mp)
            (i32.and (local.get $valid) (i8x16.bitmask (i16x8.shl (local.get $lo) (i32.const 5)))))
          (i32.store16 offset=80 (local.get $mp)
            (i32.and (local.get $valid) (i8x16.bitmask (i16x8.shl (local.get $hi) (i32.const 5)))))
          (i32.store16 offset=24 (local.get $mp)
            (i32.and (local.get $valid) (i8x16.bitmask (i16x8.shl (local.get $lo) (i32.const 4)))))
          (i32.store16 offset=88 (local.get $mp)
            (i32.and (local.get $valid) (i8x16.bitmask (i16x8.shl (local.get $hi) (i32.const 4)))))
          (i32.store16 offset=32 (local.get $mp)
            (i32.and (local.get $valid) (i8x16.bitmask (i16x8.shl (local.get $lo) (i32.const 3)))))
          (i32.store16 offset=96 (local.get $mp)
            (i32.and (local.get $valid) (i8x16.bitmask (i16x8.shl (local.get $hi) (i32.const 3)))))
          (i32.store16 offset=40 (local.get $mp)
            (i32.and (local.get $valid) (i8x16.bitmask (i16x8.shl (local.get $lo) (i32.const 2)))))
          (i32.store16 offset=104 (local.get $mp)
            (i32.and (local.get $valid) (i8x16.bitmask (i16x8.shl (local.get $hi) (i32.const 2)))))
          (i32.store16 offset=48 (local.get $mp)
            (i32.and (local.get $valid) (i8x16.bitmask (i16x8.shl (local.get $lo) (i32.const 1)))))
          (i32.store16 offset=112 (local.get $mp)
            (i32.and (local.get $valid) (i8x16.bitmask (i16x8.shl (local.get $hi) (i32.const 1)))))
          (i32.store16 offset=56 (local.get $mp)
            (i32.and (local.get $valid) (i8x16.bitmask (i16x8.shl (local.get $lo) (i32.const 0)))))
          (i32.store16 offset=120 (local.get $mp)
            (i32.and (local.get $valid) (i8x16.bitmask (i16x8.shl (local.get $hi) (i32.const 0)))))
          (local.set $b (i32.add (local.get $b) (i32.const 1)))
          (br $block)))
      (local.set $g (i32.add (local.get $g) (i32.const 1)))
      (br_if $group (i32.lt_u (local.get $g) (i32.const 49)))))

  ;; A batch of n rows from the pixels buffer (header 76, row s at pixels + 784 s): x, the pixel lists
  ;; and, for n > 1, the sample masks of rows 0 <= s < n, as $scan and $sample_masks would make them
  ;; from that x.
  (func $load_batch (export "load_batch") (param $n i32)
    (local $s i32)
    (block $rows
      (br_if $rows (i32.ge_u (local.get $s) (local.get $n)))
      (loop $row
        (call $row_from_bytes
          (i32.add (i32.load (i32.const 76)) (i32.mul (local.get $s) (i32.const 784))) (local.get $s))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br_if $row (i32.lt_u (local.get $s) (local.get $n)))))
    (call $masks_from_bits (local.get $n)))

  ;; $load_batch of n rows gathered from the held images (header 80): row s from the image that the
  ;; row index buffer (header 84, i32) names at entry s. Then the images of entries n <= t < t1 (the
  ;; next batch's, which the caller knows from its order) are touched: one load per 64-byte line, all
  ;; independent so the CPU overlaps their cache misses (wasm has no prefetch), their xor stored at
  ;; byte 1984 so the loads cannot be dropped. The next call then finds its rows in cache instead of
  ;; waiting for memory row after row.
  (func $gather_batch (export "gather_batch") (param $n i32) (param $t1 i32)
    (local $s i32) (local $src i32) (local $end i32) (local $sink i64)
    (block $rows
      (br_if $rows (i32.ge_u (local.get $s) (local.get $n)))
      (loop $row
        (call $row_from_bytes (call $held_image (local.get $s)) (local.get $s))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br_if $row (i32.lt_u (local.get $s) (local.get $n)))))
    (call $masks_from_bits (local.get $n))
    (block $next
      (br_if $next (i32.ge_u (local.get $s) (local.get $t1)))
      (loop $row
        (local.set $src (call $held_image (local.get $s)))
        (local.set $end (i32.add (local.get $src) (i32.const 784)))
        (loop $line
          (local.set $sink (i64.xor (local.get $sink) (i64.load (local.get $src))))
          (local.set $src (i32.add (local.get $src) (i32.const 64)))
          (br_if $line (i32.lt_u (local.get $src) (local.get $end))))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br_if $row (i32.lt_u (local.get $s) (local.get $t1)))))
    (i64.store (i32.const 1984) (local.get $sink)))

  ;; The address of the held image of row index entry s: held + rows[s] * 784.
  (func $held_image (param $s i32) (result i32)
    (i32.add (i32.load (i32.const 80))
      (i32.mul (i32.load (i32.add (i32.load (i32.const 84)) (i32.shl (local.get $s) (i32.const 2)))) (i32.const 784))))

  ;; ------------------------------------------------------------------------------------------
  ;; Input sparsity.

  ;; Write the compaction table of the scans at byte 2048 of the header: for each 4-bit mask m of the
  ;; non-zero lanes of a quad, the i8x16.swizzle indices that move those lanes, in order, to the
  ;; front (255 selects 0). Called once, before any other kernel.
  (func $init (export "init")
    (v128.store offset=2048
      (i32.const 0)
      (v128.const i8x16 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255))
    (v128.store offset=2064 (i32.const 0) (v128.const i8x16 0 1 2 3 255 255 255 255 255 255 255 255 255 255 255 255))
    (v128.store offset=2080 (i32.const 0) (v128.const i8x16 4 5 6 7 255 255 255 255 255 255 255 255 255 255 255 255))
    (v128.store offset=2096 (i32.const 0) (v128.const i8x16 0 1 2 3 4 5 6 7 255 255 255 255 255 255 255 255))
    (v128.store offset=2112
      (i32.const 0)
      (v128.const i8x16 8 9 10 11 255 255 255 255 255 255 255 255 255 255 255 255))
    (v128.store offset=2128 (i32.const 0) (v128.const i8x16 0 1 2 3 8 9 10 11 255 255 255 255 255 255 255 255))
    (v128.store offset=2144 (i32.const 0) (v128.const i8x16 4 5 6 7 8 9 10 11 255 255 255 255 255 255 255 255))
    (v128.store offset=2160 (i32.const 0) (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 255 255 255 255))
    (v128.store offset=2176
      (i32.const 0)
      (v128.const i8x16 12 13 14 15 255 255 255 255 255 255 255 255 255 255 255 255))
    (v128.store offset=2192 (i32.const 0) (v128.const i8x16 0 1 2 3 12 13 14 15 255 255 255 255 255 255 255 255))
    (v128.store offset=2208 (i32.const 0) (v128.const i8x16 4 5 6 7 12 13 14 15 255 255 255 255 255 255 255 255))
    (v128.store offset=2224 (i32.const 0) (v128.const i8x16 0 1 2 3 4 5 6 7 12 13 14 15 255 255 255 255))
    (v128.store offset=2240 (i32.const 0) (v128.const i8x16 8 9 10 11 12 13 14 15 255 255 255 255 255 255 255 255))
    (v128.store offset=2256 (i32.const 0) (v128.const i8x16 0 1 2 3 8 9 10 11 12 13 14 15 255 255 255 255))
    (v128.store offset=2272 (i32.const 0) (v128.const i8x16 4 5 6 7 8 9 10 11 12 13 14 15 255 255 255 255))
    (v128.store offset=2288 (i32.const 0) (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)))

  ;; For each row s0 <= s < s1 of x: the list of its non-zero pixels i in increasing order
  ;; (nzIdx[s, m] = i * S, nzVal[s, m] = x[s, i], nzCount[s]). A group of 16 pixels that are all +0
  ;; is skipped with one test; in the others each quad is packed without branches: the mask of its
  ;; non-zero lanes picks a swizzle from the $init table, and the lists advance by its popcount (0 for
  ;; a quad of zeros). The packed stores may write up to 3 entries past the end of a list, never past
  ;; its row of D entries. -0 counts as 0, NaN as non-zero, as in the TS `xi === 0` test.
  (func $scan (export "scan") (param $s0 i32) (param $s1 i32)
    (call $scan_from (local.get $s0) (local.get $s1) (call $lane_x)))

  ;; $scan of the rows of the x at address $x (row s at x + 3136 s): this thread's lane of x, or for a
  ;; prediction from x, x itself (the caller's lane), whichever thread lists its rows.
  (func $scan_from (param $s0 i32) (param $s1 i32) (param $x i32)
    (local $s i32) (local $rowBytes i32) (local $xp i32) (local $xend i32) (local $ip i32) (local $ip0 i32)
    (local $vp i32) (local $m i32) (local $count i32) (local $gend i32)
    (local $v v128) (local $sh v128) (local $idx v128) (local $step v128) (local $step4 v128)
    (local.set $rowBytes (i32.load (i32.const 88)))
    (local.set $step (i32x4.splat (i32.shl (local.get $rowBytes) (i32.const 2))))
    (local.set $step4 (i32x4.shl (local.get $step) (i32.const 2)))
    (local.set $s (local.get $s0))
    (block $samples
      (br_if $samples (i32.ge_u (local.get $s) (local.get $s1)))
      (loop $sample
        (local.set $xp (i32.add (local.get $x) (i32.mul (local.get $s) (i32.const 3136))))
        (local.set $xend (i32.add (local.get $xp) (i32.const 3136)))
        (local.set $ip0 (i32.add (call $lane_nzIdx) (i32.mul (local.get $s) (i32.const 3136))))
        (local.set $ip (local.get $ip0))
        (local.set $vp (i32.add (call $lane_nzVal) (i32.mul (local.get $s) (i32.const 3136))))
        ;; w0 row offsets of the 4 pixels of the current quad: (4q + l) * 4H
        (local.set $idx (i32x4.mul (i32x4.splat (local.get $rowBytes)) (v128.const i32x4 0 1 2 3)))
        ;; 16 pixels at a time: a group whose bits are all 0 (paper) is skipped with one test; within
        ;; the others every quad is packed without a branch (an all-zero quad packs nothing), since
        ;; which quads of a digit's row hold ink is too irregular for the branch predictor.
        (loop $group
          (if (v128.any_true
                (v128.or
                  (v128.or (v128.load offset=0 (local.get $xp)) (v128.load offset=16 (local.get $xp)))
                  (v128.or (v128.load offset=32 (local.get $xp)) (v128.load offset=48 (local.get $xp)))))
            (then
              (local.set $gend (i32.add (local.get $xp) (i32.const 64)))
              (loop $quad
                (local.set $v (v128.load (local.get $xp)))
                (local.set $m (i32x4.bitmask (f32x4.ne (local.get $v) (v128.const f32x4 0 0 0 0))))
                (local.set $sh (v128.load offset=2048 (i32.shl (local.get $m) (i32.const 4))))
                (v128.store (local.get $vp) (i8x16.swizzle (local.get $v) (local.get $sh)))
                (v128.store (local.get $ip) (i8x16.swizzle (local.get $idx) (local.get $sh)))
                (local.set $count (i32.shl (i32.popcnt (local.get $m)) (i32.const 2)))
                (local.set $vp (i32.add (local.get $vp) (local.get $count)))
                (local.set $ip (i32.add (local.get $ip) (local.get $count)))
                (local.set $xp (i32.add (local.get $xp) (i32.const 16)))
                (local.set $idx (i32x4.add (local.get $idx) (local.get $step)))
                (br_if $quad (i32.lt_u (local.get $xp) (local.get $gend)))))
            (else
              (local.set $xp (i32.add (local.get $xp) (i32.const 64)))
              (local.set $idx (i32x4.add (local.get $idx) (local.get $step4)))))
          (br_if $group (i32.lt_u (local.get $xp) (local.get $xend))))
        (i32.store
          (i32.add (call $lane_nzCount) (i32.shl (local.get $s) (i32.const 2)))
          (i32.shr_u (i32.sub (local.get $ip) (local.get $ip0)) (i32.const 2)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br_if $sample (i32.lt_u (local.get $s) (local.get $s1))))))

  ;; The pixel lists and sample masks of rows 0 <= s < n of this thread's lane of x: $scan of those
  ;; rows and $sample_masks of every pixel (for n > 1, $masks_from_bits), for a batch the caller
  ;; wrote into x. One pass over x lists
  ;; each row and keeps the bits of each group's non-zero pixels (f32x4.ne, as $sample_masks tests)
  ;; in groupBits; $masks_from_bits then turns them into the masks.
  (func $list_rows (export "list_rows") (param $n i32)
    (local $s i32) (local $rowBytes i32) (local $xp i32) (local $xend i32) (local $ip i32) (local $ip0 i32)
    (local $vp i32) (local $m i32) (local $count i32) (local $gend i32) (local $bp i32) (local $bstep i32)
    (local $bits i32) (local $shift i32)
    (local $v v128) (local $ne v128) (local $sh v128) (local $idx v128) (local $step v128)
    (local.set $rowBytes (i32.load (i32.const 88)))
    (local.set $step (i32x4.splat (i32.shl (local.get $rowBytes) (i32.const 2))))
    (local.set $bstep (call $bits_stride))
    (block $samples
      (br_if $samples (i32.ge_u (local.get $s) (local.get $n)))
      (loop $sample
        (local.set $xp (i32.add (call $lane_x) (i32.mul (local.get $s) (i32.const 3136))))
        (local.set $xend (i32.add (local.get $xp) (i32.const 3136)))
        (local.set $bp (i32.add (call $lane_bits) (i32.shl (local.get $s) (i32.const 1))))
        (local.set $ip0 (i32.add (call $lane_nzIdx) (i32.mul (local.get $s) (i32.const 3136))))
        (local.set $ip (local.get $ip0))
        (local.set $vp (i32.add (call $lane_nzVal) (i32.mul (local.get $s) (i32.const 3136))))
        (local.set $idx (i32x4.mul (i32x4.splat (local.get $rowBytes)) (v128.const i32x4 0 1 2 3)))
        (loop $group
          (if (v128.any_true
                (v128.or
                  (v128.or (v128.load offset=0 (local.get $xp)) (v128.load offset=16 (local.get $xp)))
                  (v128.or (v128.load offset=32 (local.get $xp)) (v128.load offset=48 (local.get $xp)))))
            (then
              (local.set $gend (i32.add (local.get $xp) (i32.const 64)))
              (local.set $bits (i32.const 0))
              (local.set $shift (i32.const 0))
              (loop $quad
                (local.set $v (v128.load (local.get $xp)))
                (local.set $ne (f32x4.ne (local.get $v) (v128.const f32x4 0 0 0 0)))
                (local.set $m (i32x4.bitmask (local.get $ne)))
                (local.set $sh (v128.load offset=2048 (i32.shl (local.get $m) (i32.const 4))))
                (v128.store (local.get $vp) (i8x16.swizzle (local.get $v) (local.get $sh)))
                (v128.store (local.get $ip) (i8x16.swizzle (local.get $idx) (local.get $sh)))
                (local.set $bits (i32.or (local.get $bits) (i32.shl (local.get $m) (local.get $shift))))
                (local.set $shift (i32.add (local.get $shift) (i32.const 4)))
                (local.set $count (i32.shl (i32.popcnt (local.get $m)) (i32.const 2)))
                (local.set $vp (i32.add (local.get $vp) (local.get $count)))
                (local.set $ip (i32.add (local.get $ip) (local.get $count)))
                (local.set $xp (i32.add (local.get $xp) (i32.const 16)))
                (local.set $idx (i32x4.add (local.get $idx) (local.get $step)))
                (br_if $quad (i32.lt_u (local.get $xp) (local.get $gend))))
              (i32.store16 (local.get $bp) (local.get $bits)))
            (else
              (i32.store16 (local.get $bp) (i32.const 0))
              (local.set $xp (i32.add (local.get $xp) (i32.const 64)))
              (local.set $idx (i32x4.add (local.get $idx) (i32x4.shl (local.get $step) (i32.const 2))))))
          (local.set $bp (i32.add (local.get $bp) (local.get $bstep)))
          (br_if $group (i32.lt_u (local.get $xp) (local.get $xend))))
        (i32.store
          (i32.add (call $lane_nzCount) (i32.shl (local.get $s) (i32.const 2)))
          (i32.shr_u (i32.sub (local.get $ip) (local.get $ip0)) (i32.const 2)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br_if $sample (i32.lt_u (local.get $s) (local.get $n)))))
    (call $masks_from_bits (local.get $n)))

  ;; $scan from byte images instead of x: for each row s0 <= s < s1, the image at byte address
  ;; images + 784 s (the pixels buffer, or a run of held images), nzIdx, nzVal and nzCount as $scan
  ;; gives them for the x that $load_batch would make ($row_from_bytes: the same f32x4.div by 255,
  ;; non-zero exactly where the byte is), without writing x or the masks. For predictions. The list
  ;; half of $row_from_bytes, kept as a loop of its own: one function with a flag for the x and mask
  ;; stores listed the test set 9 % slower.
  (func $scan_pixels (export "scan_pixels") (param $s0 i32) (param $s1 i32) (param $images i32)
    (local $s i32) (local $rowBytes i32) (local $src i32) (local $send i32) (local $ip i32) (local $ip0 i32)
    (local $vp i32) (local $bits i32) (local $m i32) (local $count i32)
    (local $v v128) (local $sh v128) (local $idx v128) (local $step v128) (local $step4 v128)
    (local.set $rowBytes (i32.load (i32.const 88)))
    (local.set $step (i32x4.splat (i32.shl (local.get $rowBytes) (i32.const 2))))
    (local.set $step4 (i32x4.shl (local.get $step) (i32.const 2)))
    (local.set $s (local.get $s0))
    (block $samples
      (br_if $samples (i32.ge_u (local.get $s) (local.get $s1)))
      (loop $sample
        (local.set $src (i32.add (local.get $images) (i32.mul (local.get $s) (i32.const 784))))
        (local.set $send (i32.add (local.get $src) (i32.const 784)))
        (local.set $ip0 (i32.add (call $lane_nzIdx) (i32.mul (local.get $s) (i32.const 3136))))
        (local.set $ip (local.get $ip0))
        (local.set $vp (i32.add (call $lane_nzVal) (i32.mul (local.get $s) (i32.const 3136))))
        (local.set $idx (i32x4.mul (i32x4.splat (local.get $rowBytes)) (v128.const i32x4 0 1 2 3)))
        ;; 16 pixels at a time; a group of paper (all 0) is skipped with one test
        (loop $group
          (local.set $v (v128.load (local.get $src)))
          (local.set $bits (i8x16.bitmask (i8x16.ne (local.get $v) (v128.const i32x4 0 0 0 0))))
          (if (local.get $bits)
            (then
              ;; quad 0: pixels 0 to 3 of the group
              (local.set $m (i32.and (local.get $bits) (i32.const 15)))
              (local.set $sh (v128.load offset=2048 (i32.shl (local.get $m) (i32.const 4))))
              (v128.store (local.get $vp)
                (i8x16.swizzle
                  (f32x4.div (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (local.get $v))))
                    (v128.const f32x4 255 255 255 255))
                  (local.get $sh)))
              (v128.store (local.get $ip) (i8x16.swizzle (local.get $idx) (local.get $sh)))
              (local.set $count (i32.shl (i32.popcnt (local.get $m)) (i32.const 2)))
              (local.set $vp (i32.add (local.get $vp) (local.get $count)))
              (local.set $ip (i32.add (local.get $ip) (local.get $count)))
              (local.set $idx (i32x4.add (local.get $idx) (local.get $step)))
              ;; quad 1: pixels 4 to 7 of the group
              (local.set $m (i32.and (i32.shr_u (local.get $bits) (i32.const 4)) (i32.const 15)))
              (local.set $sh (v128.load offset=2048 (i32.shl (local.get $m) (i32.const 4))))
              (v128.store (local.get $vp)
                (i8x16.swizzle
                  (f32x4.div (f32x4.convert_i32x4_u (i32x4.extend_high_i16x8_u (i16x8.extend_low_i8x16_u (local.get $v))))
                    (v128.const f32x4 255 255 255 255))
                  (local.get $sh)))
              (v128.store (local.get $ip) (i8x16.swizzle (local.get $idx) (local.get $sh)))
              (local.set $count (i32.shl (i32.popcnt (local.get $m)) (i32.const 2)))
              (local.set $vp (i32.add (local.get $vp) (local.get $count)))
              (local.set $ip (i32.add (local.get $ip) (local.get $count)))
              (local.set $idx (i32x4.add (local.get $idx) (local.get $step)))
              ;; quad 2: pixels 8 to 11 of the group
              (local.set $m (i32.and (i32.shr_u (local.get $bits) (i32.const 8)) (i32.const 15)))
              (local.set $sh (v128.load offset=2048 (i32.shl (local.get $m) (i32.const 4))))
              (v128.store (local.get $vp)
                (i8x16.swizzle
                  (f32x4.div (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (i16x8.extend_high_i8x16_u (local.get $v))))
                    (v128.const f32x4 255 255 255 255))
                  (local.get $sh)))
              (v128.store (local.get $ip) (i8x16.swizzle (local.get $idx) (local.get $sh)))
              (local.set $count (i32.shl (i32.popcnt (local.get $m)) (i32.const 2)))
              (local.set $vp (i32.add (local.get $vp) (local.get $count)))
              (local.set $ip (i32.add (local.get $ip) (local.get $count)))
              (local.set $idx (i32x4.add (local.get $idx) (local.get $step)))
              ;; quad 3: pixels 12 to 15 of the group
              (local.set $m (i32.and (i32.shr_u (local.get $bits) (i32.const 12)) (i32.const 15)))
              (local.set $sh (v128.load offset=2048 (i32.shl (local.get $m) (i32.const 4))))
              (v128.store (local.get $vp)
                (i8x16.swizzle
                  (f32x4.div (f32x4.convert_i32x4_u (i32x4.extend_high_i16x8_u (i16x8.extend_high_i8x16_u (local.get $v))))
                    (v128.const f32x4 255 255 255 255))
                  (local.get $sh)))
              (v128.store (local.get $ip) (i8x16.swizzle (local.get $idx) (local.get $sh)))
              (local.set $count (i32.shl (i32.popcnt (local.get $m)) (i32.const 2)))
              (local.set $vp (i32.add (local.get $vp) (local.get $count)))
              (local.set $ip (i32.add (local.get $ip) (local.get $count)))
              (local.set $idx (i32x4.add (local.get $idx) (local.get $step))))
            (else (local.set $idx (i32x4.add (local.get $idx) (local.get $step4)))))
          (local.set $src (i32.add (local.get $src) (i32.const 16)))
          (br_if $group (i32.lt_u (local.get $src) (local.get $send))))
        (i32.store
          (i32.add (call $lane_nzCount) (i32.shl (local.get $s) (i32.const 2)))
          (i32.shr_u (i32.sub (local.get $ip) (local.get $ip0)) (i32.const 2)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br_if $sample (i32.lt_u (local.get $s) (local.get $s1))))))

  ;; ------------------------------------------------------------------------------------------
  ;; Layer 0 forward: z0 = x·w0 + b0 over the non-zero pixels, a0 = act(z0).

  ;; One sample, 32 hidden units: z[0..32) = b[0..32) + v[0] * w0[idx[0] + 0..32) + v[1] * ... over
  ;; the pixel list in order, the 8 quads of z held in registers while the list streams past.
  ;; wb = &w0[0, j], bp = &b0[j], zp = &z0[s, j]. The count mod 4 first entries go one at a time,
  ;; then four per turn; each z quad is still summed one entry after the other, so the bytes are those
  ;; of one entry at a time ($fwd1 and $fwd0 below; tests/backend_wasm_test.ts compares them).
  (func $fwd8 (param $ip i32) (param $iend i32) (param $vp i32) (param $wb i32) (param $bp i32) (param $zp i32)
    (local $p i32) (local $q i32) (local $r i32) (local $t i32) (local $v v128) (local $u v128)
    (local $c v128) (local $d v128)
    (local $z0 v128) (local $z1 v128) (local $z2 v128) (local $z3 v128)
    (local $z4 v128) (local $z5 v128) (local $z6 v128) (local $z7 v128)
    (local.set $z0 (v128.load offset=0 (local.get $bp)))
    (local.set $z1 (v128.load offset=16 (local.get $bp)))
    (local.set $z2 (v128.load offset=32 (local.get $bp)))
    (local.set $z3 (v128.load offset=48 (local.get $bp)))
    (local.set $z4 (v128.load offset=64 (local.get $bp)))
    (local.set $z5 (v128.load offset=80 (local.get $bp)))
    (local.set $z6 (v128.load offset=96 (local.get $bp)))
    (local.set $z7 (v128.load offset=112 (local.get $bp)))
    ;; entries one at a time until a multiple of 4 is left
    (block $aligned
      (loop $one
        (br_if $aligned (i32.eqz (i32.and (i32.sub (local.get $iend) (local.get $ip)) (i32.const 12))))
        (local.set $p (i32.add (local.get $wb) (i32.load (local.get $ip))))
        (local.set $v (v128.load32_splat (local.get $vp)))
        (local.set $z0 (f32x4.add (local.get $z0) (f32x4.mul (local.get $v) (v128.load offset=0 (local.get $p)))))
        (local.set $z1 (f32x4.add (local.get $z1) (f32x4.mul (local.get $v) (v128.load offset=16 (local.get $p)))))
        (local.set $z2 (f32x4.add (local.get $z2) (f32x4.mul (local.get $v) (v128.load offset=32 (local.get $p)))))
        (local.set $z3 (f32x4.add (local.get $z3) (f32x4.mul (local.get $v) (v128.load offset=48 (local.get $p)))))
        (local.set $z4 (f32x4.add (local.get $z4) (f32x4.mul (local.get $v) (v128.load offset=64 (local.get $p)))))
        (local.set $z5 (f32x4.add (local.get $z5) (f32x4.mul (local.get $v) (v128.load offset=80 (local.get $p)))))
        (local.set $z6 (f32x4.add (local.get $z6) (f32x4.mul (local.get $v) (v128.load offset=96 (local.get $p)))))
        (local.set $z7 (f32x4.add (local.get $z7) (f32x4.mul (local.get $v) (v128.load offset=112 (local.get $p)))))
        (local.set $ip (i32.add (local.get $ip) (i32.const 4)))
        (local.set $vp (i32.add (local.get $vp) (i32.const 4)))
        (br $one)))
    (block $done
      (br_if $done (i32.ge_u (local.get $ip) (local.get $iend)))
      (loop $m
        (local.set $p (i32.add (local.get $wb) (i32.load offset=0 (local.get $ip))))
        (local.set $q (i32.add (local.get $wb) (i32.load offset=4 (local.get $ip))))
        (local.set $r (i32.add (local.get $wb) (i32.load offset=8 (local.get $ip))))
        (local.set $t (i32.add (local.get $wb) (i32.load offset=12 (local.get $ip))))
        (local.set $v (v128.load32_splat offset=0 (local.get $vp)))
        (local.set $u (v128.load32_splat offset=4 (local.get $vp)))
        (local.set $c (v128.load32_splat offset=8 (local.get $vp)))
        (local.set $d (v128.load32_splat offset=12 (local.get $vp)))
        (local.set $z0
          (f32x4.add
            (f32x4.add
              (f32x4.add
                (f32x4.add (local.get $z0) (f32x4.mul (local.get $v) (v128.load offset=0 (local.get $p))))
                (f32x4.mul (local.get $u) (v128.load offset=0 (local.get $q))))
              (f32x4.mul (local.get $c) (v128.load offset=0 (local.get $r))))
            (f32x4.mul (local.get $d) (v128.load offset=0 (local.get $t)))))
        (local.set $z1
          (f32x4.add
            (f32x4.add
              (f32x4.add
                (f32x4.add (local.get $z1) (f32x4.mul (local.get $v) (v128.load offset=16 (local.get $p))))
                (f32x4.mul (local.get $u) (v128.load offset=16 (local.get $q))))
              (f32x4.mul (local.get $c) (v128.load offset=16 (local.get $r))))
            (f32x4.mul (local.get $d) (v128.load offset=16 (local.get $t)))))
        (local.set $z2
          (f32x4.add
            (f32x4.add
              (f32x4.add
                (f32x4.add (local.get $z2) (f32x4.mul (local.get $v) (v128.load offset=32 (local.get $p))))
                (f32x4.mul (local.get $u) (v128.load offset=32 (local.get $q))))
              (f32x4.mul (local.get $c) (v128.load offset=32 (local.get $r))))
            (f32x4.mul (local.get $d) (v128.load offset=32 (local.get $t)))))
        (local.set $z3
          (f32x4.add
            (f32x4.add
              (f32x4.add
                (f32x4.add (local.get $z3) (f32x4.mul (local.get $v) (v128.load offset=48 (local.get $p))))
                (f32x4.mul (local.get $u) (v128.load offset=48 (local.get $q))))
              (f32x4.mul (local.get $c) (v128.load offset=48 (local.get $r))))
            (f32x4.mul (local.get $d) (v128.load offset=48 (local.get $t)))))
        (local.set $z4
          (f32x4.add
            (f32x4.add
              (f32x4.add
                (f32x4.add (local.get $z4) (f32x4.mul (local.get $v) (v128.load offset=64 (local.get $p))))
                (f32x4.mul (local.get $u) (v128.load offset=64 (local.get $q))))
              (f32x4.mul (local.get $c) (v128.load offset=64 (local.get $r))))
            (f32x4.mul (local.get $d) (v128.load offset=64 (local.get $t)))))
        (local.set $z5
          (f32x4.add
            (f32x4.add
              (f32x4.add
                (f32x4.add (local.get $z5) (f32x4.mul (local.get $v) (v128.load offset=80 (local.get $p))))
                (f32x4.mul (local.get $u) (v128.load offset=80 (local.get $q))))
              (f32x4.mul (local.get $c) (v128.load offset=80 (local.get $r))))
            (f32x4.mul (local.get $d) (v128.load offset=80 (local.get $t)))))
        (local.set $z6
          (f32x4.add
            (f32x4.add
              (f32x4.add
                (f32x4.add (local.get $z6) (f32x4.mul (local.get $v) (v128.load offset=96 (local.get $p))))
                (f32x4.mul (local.get $u) (v128.load offset=96 (local.get $q))))
              (f32x4.mul (local.get $c) (v128.load offset=96 (local.get $r))))
            (f32x4.mul (local.get $d) (v128.load offset=96 (local.get $t)))))
        (local.set $z7
          (f32x4.add
            (f32x4.add
              (f32x4.add
                (f32x4.add (local.get $z7) (f32x4.mul (local.get $v) (v128.load offset=112 (local.get $p))))
                (f32x4.mul (local.get $u) (v128.load offset=112 (local.get $q))))
              (f32x4.mul (local.get $c) (v128.load offset=112 (local.get $r))))
            (f32x4.mul (local.get $d) (v128.load offset=112 (local.get $t)))))
        (local.set $ip (i32.add (local.get $ip) (i32.const 16)))
        (local.set $vp (i32.add (local.get $vp) (i32.const 16)))
        (br_if $m (i32.lt_u (local.get $ip) (local.get $iend)))))
    (v128.store offset=0 (local.get $zp) (local.get $z0))
    (v128.store offset=16 (local.get $zp) (local.get $z1))
    (v128.store offset=32 (local.get $zp) (local.get $z2))
    (v128.store offset=48 (local.get $zp) (local.get $z3))
    (v128.store offset=64 (local.get $zp) (local.get $z4))
    (v128.store offset=80 (local.get $zp) (local.get $z5))
    (v128.store offset=96 (local.get $zp) (local.get $z6))
    (v128.store offset=112 (local.get $zp) (local.get $z7)))

  ;; $fwd8 for 4 hidden units, one entry at a time: the plain reference of the blocked loop.
  (func $fwd1 (param $ip i32) (param $iend i32) (param $vp i32) (param $wb i32) (param $bp i32) (param $zp i32)
    (local $z v128)
    (local.set $z (v128.load (local.get $bp)))
    (block $done
      (br_if $done (i32.ge_u (local.get $ip) (local.get $iend)))
      (loop $m
        (local.set $z
          (f32x4.add
            (local.get $z)
            (f32x4.mul
              (v128.load32_splat (local.get $vp))
              (v128.load (i32.add (local.get $wb) (i32.load (local.get $ip)))))))
        (local.set $ip (i32.add (local.get $ip) (i32.const 4)))
        (local.set $vp (i32.add (local.get $vp) (i32.const 4)))
        (br_if $m (i32.lt_u (local.get $ip) (local.get $iend)))))
    (v128.store (local.get $zp) (local.get $z)))

  ;; $fwd1 for 1 hidden unit, in lane 0 (v128.load32_zero reads the one weight), so a unit past the
  ;; last whole quad rounds as a lane does.
  (func $fwd0 (param $ip i32) (param $iend i32) (param $vp i32) (param $wb i32) (param $bp i32) (param $zp i32)
    (local $z v128)
    (local.set $z (v128.load32_zero (local.get $bp)))
    (block $done
      (br_if $done (i32.ge_u (local.get $ip) (local.get $iend)))
      (loop $m
        (local.set $z
          (f32x4.add
            (local.get $z)
            (f32x4.mul
              (v128.load32_zero (local.get $vp))
              (v128.load32_zero (i32.add (local.get $wb) (i32.load (local.get $ip)))))))
        (local.set $ip (i32.add (local.get $ip) (i32.const 4)))
        (local.set $vp (i32.add (local.get $vp) (i32.const 4)))
        (br_if $m (i32.lt_u (local.get $ip) (local.get $iend)))))
    (v128.store32_lane 0 (local.get $zp) (local.get $z)))

  ;; z0[s, j0..j1) = x[s]·w0[:, j0..j1) + b0[j0..j1) and a0 = act(z0) there, for s0 <= s < s1; needs
  ;; the pixel lists of those rows. Blocks of 32 units, then of 4, then single units; each unit's sum
  ;; runs over the row's pixels in increasing order, whatever block it falls in.
  (func $hidden_forward (export "hidden_forward") (param $j0 i32) (param $j1 i32) (param $s0 i32) (param $s1 i32)
    (local $part i32) (local $end i32) (local $lo i32) (local $hi i32)
    (local.set $part (i32.const 1408))
    (local.set $end (call $parts_end))
    (loop $parts
      (local.set $lo (call $max_u (local.get $j0) (i32.load offset=0 (local.get $part))))
      (local.set $hi (call $min_u (local.get $j1) (i32.load offset=4 (local.get $part))))
      (if (i32.lt_u (local.get $lo) (local.get $hi))
        (then (call $hidden_forward_in (local.get $lo) (local.get $hi) (local.get $s0) (local.get $s1) (local.get $part))))
      (local.set $part (i32.add (local.get $part) (i32.const 32)))
      (br_if $parts (i32.lt_u (local.get $part) (local.get $end)))))

  ;; $hidden_forward of units [j0, j1) of the part whose entry is at $part.
  (func $hidden_forward_in (param $j0 i32) (param $j1 i32) (param $s0 i32) (param $s1 i32) (param $part i32)
    (local $s i32) (local $rowBytes i32) (local $ip i32) (local $iend i32) (local $vp i32)
    (local $zrow i32) (local $jb i32) (local $jend i32) (local $w0 i32) (local $b0 i32)
    (local.set $rowBytes (i32.load (i32.const 88)))
    (local.set $w0 (i32.load offset=8 (local.get $part)))
    (local.set $b0 (i32.load (i32.const 20)))
    (local.set $jend (i32.shl (local.get $j1) (i32.const 2)))
    (local.set $s (local.get $s0))
    (block $samples
      (br_if $samples (i32.ge_u (local.get $s) (local.get $s1)))
      (loop $sample
        (local.set $ip (i32.add (call $lane_nzIdx) (i32.mul (local.get $s) (i32.const 3136))))
        (local.set $vp (i32.add (call $lane_nzVal) (i32.mul (local.get $s) (i32.const 3136))))
        (local.set $iend
          (i32.add (local.get $ip)
            (i32.shl
              (i32.load (i32.add (call $lane_nzCount) (i32.shl (local.get $s) (i32.const 2))))
              (i32.const 2))))
        (local.set $zrow (i32.add (i32.load offset=12 (local.get $part)) (i32.mul (local.get $s) (local.get $rowBytes))))
        (local.set $jb (i32.shl (local.get $j0) (i32.const 2)))
        (block $b8
          (loop $l8
            (br_if $b8 (i32.gt_u (i32.add (local.get $jb) (i32.const 128)) (local.get $jend)))
            (call $fwd8 (local.get $ip) (local.get $iend) (local.get $vp)
              (i32.add (local.get $w0) (local.get $jb)) (i32.add (local.get $b0) (local.get $jb))
              (i32.add (local.get $zrow) (local.get $jb)))
            (local.set $jb (i32.add (local.get $jb) (i32.const 128)))
            (br $l8)))
        (block $b1
          (loop $l1
            (br_if $b1 (i32.gt_u (i32.add (local.get $jb) (i32.const 16)) (local.get $jend)))
            (call $fwd1 (local.get $ip) (local.get $iend) (local.get $vp)
              (i32.add (local.get $w0) (local.get $jb)) (i32.add (local.get $b0) (local.get $jb))
              (i32.add (local.get $zrow) (local.get $jb)))
            (local.set $jb (i32.add (local.get $jb) (i32.const 16)))
            (br $l1)))
        (block $b0
          (loop $l0
            (br_if $b0 (i32.ge_u (local.get $jb) (local.get $jend)))
            (call $fwd0 (local.get $ip) (local.get $iend) (local.get $vp)
              (i32.add (local.get $w0) (local.get $jb)) (i32.add (local.get $b0) (local.get $jb))
              (i32.add (local.get $zrow) (local.get $jb)))
            (local.set $jb (i32.add (local.get $jb) (i32.const 4)))
            (br $l0)))
        (call $activation_forward
          (i32.add (local.get $zrow) (i32.shl (local.get $j0) (i32.const 2)))
          (i32.add
            (i32.add (i32.load offset=16 (local.get $part)) (i32.mul (local.get $s) (local.get $rowBytes)))
            (i32.shl (local.get $j0) (i32.const 2)))
          (i32.sub (local.get $j1) (local.get $j0)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br_if $sample (i32.lt_u (local.get $s) (local.get $s1))))))

  ;; ------------------------------------------------------------------------------------------
  ;; Layer 1: z1 = a0·w1 + b1 forward, dZ0 = (dLogits·w1ᵀ) ⊙ act'(z0) backward, both per row.

  ;; w1Q[q, k, l] = w1[4q + l, k] (0 for 4q + l >= H): w1 by quads of hidden units, each quad's ten
  ;; class vectors W_k = w1[4q..4q+3, k] side by side (160 bytes), the layout in which $delta_rows reads
  ;; w1. Called before a training step's phases, whenever w1 may have changed. A whole quad of
  ;; units is read as 4 rows of w1 and transposed in registers, 4 x 4 floats at a time (k 0..3, 4..7,
  ;; then 8, 9 as 2 x 4); the last H mod 4 units go one float at a time, the rest of their quad 0.
  (func $transpose_w1 (export "transpose_w1")
    (local $j i32) (local $k i32) (local $h i32) (local $hq i32) (local $src i32) (local $dst i32)
    (local $end i32) (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)
    (local $u0 v128) (local $u1 v128) (local $u2 v128) (local $u3 v128)
    (local.set $h (i32.load (i32.const 0)))
    (local.set $hq (i32.and (local.get $h) (i32.const -4)))
    (local.set $src (i32.load (i32.const 24)))
    (local.set $dst (i32.load (i32.const 96)))
    (block $quads
      (br_if $quads (i32.ge_u (local.get $j) (local.get $hq)))
      (loop $quad
        ;; k = 0..3 and 4..7: rows r_l = w1[j + l, k0..k0+3]; W_k0+c = (r0[c], r1[c], r2[c], r3[c])
        (local.set $k (i32.const 0))
        (loop $block
          (local.set $r0 (v128.load offset=0 (i32.add (local.get $src) (local.get $k))))
          (local.set $r1 (v128.load offset=40 (i32.add (local.get $src) (local.get $k))))
          (local.set $r2 (v128.load offset=80 (i32.add (local.get $src) (local.get $k))))
          (local.set $r3 (v128.load offset=120 (i32.add (local.get $src) (local.get $k))))
          ;; u0 = (r0.0, r1.0, r0.1, r1.1), u1 = (r0.2, r1.2, r0.3, r1.3), u2, u3 the same of r2, r3
          (local.set $u0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
          (local.set $u1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
          (local.set $u2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
          (local.set $u3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
          (v128.store offset=0 (i32.add (local.get $dst) (i32.shl (local.get $k) (i32.const 2)))
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u0) (local.get $u2)))
          (v128.store offset=16 (i32.add (local.get $dst) (i32.shl (local.get $k) (i32.const 2)))
            (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u0) (local.get $u2)))
          (v128.store offset=32 (i32.add (local.get $dst) (i32.shl (local.get $k) (i32.const 2)))
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u1) (local.get $u3)))
          (v128.store offset=48 (i32.add (local.get $dst) (i32.shl (local.get $k) (i32.const 2)))
            (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u1) (local.get $u3)))
          (local.set $k (i32.add (local.get $k) (i32.const 16)))
          (br_if $block (i32.lt_u (local.get $k) (i32.const 32))))
        ;; k = 8, 9: W8 = (r0.8, r1.8, r2.8, r3.8), W9 the same of .9
        (local.set $u0
          (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23
            (v128.load64_zero offset=32 (local.get $src)) (v128.load64_zero offset=72 (local.get $src))))
        (local.set $u2
          (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23
            (v128.load64_zero offset=112 (local.get $src)) (v128.load64_zero offset=152 (local.get $src))))
        (v128.store offset=128 (local.get $dst)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u0) (local.get $u2)))
        (v128.store offset=144 (local.get $dst)
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u0) (local.get $u2)))
        (local.set $src (i32.add (local.get $src) (i32.const 160)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 160)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br_if $quad (i32.lt_u (local.get $j) (local.get $hq)))))
    (if (i32.lt_u (local.get $hq) (local.get $h))
      (then
        ;; the last quad: its units past H stay 0
        (memory.fill (local.get $dst) (i32.const 0) (i32.const 160))
        (loop $unit
          (local.set $end (i32.add (local.get $src) (i32.const 40)))
          (local.set $k (local.get $dst))
          (loop $class
            (f32.store (local.get $k) (f32.load (local.get $src)))
            (local.set $src (i32.add (local.get $src) (i32.const 4)))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br_if $class (i32.lt_u (local.get $src) (local.get $end))))
          (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $unit (i32.lt_u (local.get $j) (local.get $h)))))))

  ;; partials[c, s, 0..K) = Σ_{j in chunk c} a0[s, j] * w1[j, 0..K) for chunks c0 <= c < c1 and
  ;; s0 <= s < s1; a row of w1 is read as quads k 0..3, 4..7 and the pair 8..9 (lanes 10, 11 are 0).
  ;; Two samples per turn share each load of a w1 row; each sample's sum runs over j in order, as
  ;; one sample at a time would.
  (func $output_partial (export "output_partial") (param $c0 i32) (param $c1 i32) (param $s0 i32) (param $s1 i32)
    (local $c i32) (local $s i32) (local $rowBytes i32) (local $ja i32) (local $len i32)
    (local $ap i32) (local $aend i32) (local $wp i32) (local $wp0 i32) (local $pp i32) (local $a0 i32)
    (local $v v128) (local $u v128) (local $wa v128) (local $wb v128) (local $wc v128)
    (local $pa v128) (local $pb v128) (local $pc v128) (local $qa v128) (local $qb v128) (local $qc v128)
    (local.set $rowBytes (i32.load (i32.const 88)))
    (local.set $c (local.get $c0))
    (block $chunks
      (br_if $chunks (i32.ge_u (local.get $c) (local.get $c1)))
      (loop $chunk
        (local.set $ja (call $chunk_start (local.get $c)))
        (local.set $len
          (i32.shl (i32.sub (call $chunk_start (i32.add (local.get $c) (i32.const 1))) (local.get $ja)) (i32.const 2)))
        (local.set $wp0 (i32.add (i32.load (i32.const 24)) (i32.mul (local.get $ja) (i32.const 40))))
        (local.set $a0 (i32.load offset=16 (call $part_of (local.get $ja))))
        (local.set $pp
          (i32.add (i32.load (i32.const 56))
            (i32.mul (i32.add (i32.mul (local.get $c) (i32.load (i32.const 12))) (local.get $s0)) (i32.const 48))))
        (local.set $s (local.get $s0))
        (block $pairs
          (loop $pair
            (br_if $pairs (i32.gt_u (i32.add (local.get $s) (i32.const 2)) (local.get $s1)))
            (local.set $pa (v128.const i32x4 0 0 0 0))
            (local.set $pb (v128.const i32x4 0 0 0 0))
            (local.set $pc (v128.const i32x4 0 0 0 0))
            (local.set $qa (v128.const i32x4 0 0 0 0))
            (local.set $qb (v128.const i32x4 0 0 0 0))
            (local.set $qc (v128.const i32x4 0 0 0 0))
            (local.set $ap
              (i32.add
                (i32.add (local.get $a0) (i32.mul (local.get $s) (local.get $rowBytes)))
                (i32.shl (local.get $ja) (i32.const 2))))
            (local.set $aend (i32.add (local.get $ap) (local.get $len)))
            (local.set $wp (local.get $wp0))
            (block $units
              (br_if $units (i32.ge_u (local.get $ap) (local.get $aend)))
              (loop $unit
                (local.set $v (v128.load32_splat (local.get $ap)))
                (local.set $u (v128.load32_splat (i32.add (local.get $ap) (local.get $rowBytes))))
                (local.set $wa (v128.load offset=0 (local.get $wp)))
                (local.set $wb (v128.load offset=16 (local.get $wp)))
                (local.set $wc (v128.load64_zero offset=32 (local.get $wp)))
                (local.set $pa (f32x4.add (local.get $pa) (f32x4.mul (local.get $v) (local.get $wa))))
                (local.set $pb (f32x4.add (local.get $pb) (f32x4.mul (local.get $v) (local.get $wb))))
                (local.set $pc (f32x4.add (local.get $pc) (f32x4.mul (local.get $v) (local.get $wc))))
                (local.set $qa (f32x4.add (local.get $qa) (f32x4.mul (local.get $u) (local.get $wa))))
                (local.set $qb (f32x4.add (local.get $qb) (f32x4.mul (local.get $u) (local.get $wb))))
                (local.set $qc (f32x4.add (local.get $qc) (f32x4.mul (local.get $u) (local.get $wc))))
                (local.set $ap (i32.add (local.get $ap) (i32.const 4)))
                (local.set $wp (i32.add (local.get $wp) (i32.const 40)))
                (br_if $unit (i32.lt_u (local.get $ap) (local.get $aend)))))
            (v128.store offset=0 (local.get $pp) (local.get $pa))
            (v128.store offset=16 (local.get $pp) (local.get $pb))
            (v128.store offset=32 (local.get $pp) (local.get $pc))
            (v128.store offset=48 (local.get $pp) (local.get $qa))
            (v128.store offset=64 (local.get $pp) (local.get $qb))
            (v128.store offset=80 (local.get $pp) (local.get $qc))
            (local.set $pp (i32.add (local.get $pp) (i32.const 96)))
            (local.set $s (i32.add (local.get $s) (i32.const 2)))
            (br $pair)))
        ;; an odd last sample alone
        (if (i32.lt_u (local.get $s) (local.get $s1))
          (then
            (local.set $pa (v128.const i32x4 0 0 0 0))
            (local.set $pb (v128.const i32x4 0 0 0 0))
            (local.set $pc (v128.const i32x4 0 0 0 0))
            (local.set $ap
              (i32.add
                (i32.add (local.get $a0) (i32.mul (local.get $s) (local.get $rowBytes)))
                (i32.shl (local.get $ja) (i32.const 2))))
            (local.set $aend (i32.add (local.get $ap) (local.get $len)))
            (local.set $wp (local.get $wp0))
            (block $units
              (br_if $units (i32.ge_u (local.get $ap) (local.get $aend)))
              (loop $unit
                (local.set $v (v128.load32_splat (local.get $ap)))
                (local.set $pa (f32x4.add (local.get $pa) (f32x4.mul (local.get $v) (v128.load offset=0 (local.get $wp)))))
                (local.set $pb (f32x4.add (local.get $pb) (f32x4.mul (local.get $v) (v128.load offset=16 (local.get $wp)))))
                (local.set $pc
                  (f32x4.add (local.get $pc) (f32x4.mul (local.get $v) (v128.load64_zero offset=32 (local.get $wp)))))
                (local.set $ap (i32.add (local.get $ap) (i32.const 4)))
                (local.set $wp (i32.add (local.get $wp) (i32.const 40)))
                (br_if $unit (i32.lt_u (local.get $ap) (local.get $aend)))))
            (v128.store offset=0 (local.get $pp) (local.get $pa))
            (v128.store offset=16 (local.get $pp) (local.get $pb))
            (v128.store offset=32 (local.get $pp) (local.get $pc))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br_if $chunk (i32.lt_u (local.get $c) (local.get $c1))))))

  ;; logits[s] = b1 + partials[0, s] + partials[1, s] + ... + partials[NC - 1, s], in that order,
  ;; for s0 <= s < s1.
  (func $output_reduce (export "output_reduce") (param $s0 i32) (param $s1 i32)
    (call $output_reduce_part (local.get $s0) (local.get $s1) (i32.const 0) (i32.load (i32.const 8))))

  ;; The additions of $output_reduce for chunks c0 <= c < c1 only, for s0 <= s < s1: from b1 when
  ;; c0 = 0, else from the logits the chunks before c0 left, so the chunks [0, c) and then [c, NC)
  ;; give the bytes of all chunks at once (each sum is a float32 either way). With two threads, the
  ;; thread that owns the first half of the chunks adds them as soon as they are done, so the calling
  ;; thread reads one sum a row of them instead of every chunk's partial logits.
  (func $output_reduce_part (export "output_reduce_part") (param $s0 i32) (param $s1 i32) (param $c0 i32) (param $c1 i32)
    (local $s i32) (local $c i32) (local $stride i32) (local $pp i32) (local $lp i32) (local $from i32)
    (local $la v128) (local $lb v128) (local $lc v128)
    (local.set $stride (i32.mul (i32.load (i32.const 12)) (i32.const 48)))
    (local.set $s (local.get $s0))
    (block $samples
      (br_if $samples (i32.ge_u (local.get $s) (local.get $s1)))
      (loop $sample
        (local.set $lp (i32.add (i32.load (i32.const 44)) (i32.mul (local.get $s) (i32.const 40))))
        (local.set $from (select (i32.load (i32.const 28)) (local.get $lp) (i32.eqz (local.get $c0))))
        (local.set $la (v128.load offset=0 (local.get $from)))
        (local.set $lb (v128.load offset=16 (local.get $from)))
        (local.set $lc (v128.load64_zero offset=32 (local.get $from)))
        (local.set $pp
          (i32.add (i32.load (i32.const 56))
            (i32.add (i32.mul (local.get $c0) (local.get $stride)) (i32.mul (local.get $s) (i32.const 48)))))
        (local.set $c (local.get $c0))
        (block $chunks
          (br_if $chunks (i32.ge_u (local.get $c) (local.get $c1)))
          (loop $chunk
            (local.set $la (f32x4.add (local.get $la) (v128.load offset=0 (local.get $pp))))
            (local.set $lb (f32x4.add (local.get $lb) (v128.load offset=16 (local.get $pp))))
            (local.set $lc (f32x4.add (local.get $lc) (v128.load offset=32 (local.get $pp))))
            (local.set $pp (i32.add (local.get $pp) (local.get $stride)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br_if $chunk (i32.lt_u (local.get $c) (local.get $c1)))))
        (v128.store offset=0 (local.get $lp) (local.get $la))
        (v128.store offset=16 (local.get $lp) (local.get $lb))
        (v128.store64_lane offset=32 0 (local.get $lp) (local.get $lc))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br_if $sample (i32.lt_u (local.get $s) (local.get $s1))))))

  ;; logits[s] = a0[s]·w1 + b1 for s0 <= s < s1: the partial logits of every chunk, then their sum in
  ;; chunk order ($output_partial, $output_reduce).
  (func $output_forward (export "output_forward") (param $s0 i32) (param $s1 i32)
    (call $output_partial (i32.const 0) (i32.load (i32.const 8)) (local.get $s0) (local.get $s1))
    (call $output_reduce (local.get $s0) (local.get $s1)))

  ;; The forward pass of rows [s0, s1) from their pixel lists: z0, a0 and logits.
  (func $forward_rows (export "forward_rows") (param $s0 i32) (param $s1 i32)
    (call $hidden_forward (i32.const 0) (i32.load (i32.const 0)) (local.get $s0) (local.get $s1))
    (call $output_forward (local.get $s0) (local.get $s1)))

  ;; Prediction of rows [s0, s1): their pixel lists (from x, or when $images is not 0 from the byte
  ;; images there, row s at images + 784 s), then the forward pass, computed as in a training step,
  ;; then their probabilities and rowStats ($softmax_rows without dLogits).
  (func $predict_rows (export "predict_rows") (param $s0 i32) (param $s1 i32) (param $images i32)
    (if (local.get $images)
      (then (call $scan_pixels (local.get $s0) (local.get $s1) (local.get $images)))
      (else (call $scan_from (local.get $s0) (local.get $s1) (i32.load (i32.const 32)))))
    (call $forward_rows (local.get $s0) (local.get $s1))
    (call $softmax_rows (local.get $s0) (local.get $s1) (i32.const 0)))

  ;; For each row s0 <= s < s1 and hidden unit j0 <= j < j1 (j0 a multiple of 4; j1 too, or H), with
  ;; w1 before its update (w1Q):
  ;;   dA0[s, j] = Σ_k dLogits[s, k] w1[j, k]                 (dL/da0 = dLogits·w1ᵀ)
  ;;   dZ0[s, j] = dA0[s, j] * act'(z0[s, j])                  (relu: z > 0 ? 1 : 0; sigmoid: a(1 − a))
  ;; four units j..j+3 per vector (the lanes), with l_k = dLogits[s, k] splatted and W_k = w1[j..j+3, k]:
  ;;   dA0 = (((l0 W0 + l4 W4) + l8 W8) + ((l2 W2 + l6 W6) + 0))
  ;;         + (((l1 W1 + l5 W5) + l9 W9) + ((l3 W3 + l7 W7) + 0))
  ;; the order (t0 + t2) + (t1 + t3) of a horizontal sum of the quads of k 0..3, 4..7 and 8, 9, 0, 0,
  ;; the + 0 included (it turns −0 into +0): the order in which the shipped model was trained. W_k
  ;; come from w1Q ($transpose_w1); the H mod 4 last units are the first lanes of one more quad (the
  ;; other lanes read past the row and are not stored). relu's factor is a mask, so dA0 is kept
  ;; exactly (−0, NaN and z <= 0 give +0).
  (func $delta_rows (export "delta_rows") (param $s0 i32) (param $s1 i32) (param $j0 i32) (param $j1 i32)
    (local $part i32) (local $end i32) (local $lo i32) (local $hi i32)
    (local.set $part (i32.const 1408))
    (local.set $end (call $parts_end))
    (loop $parts
      (local.set $lo (call $max_u (local.get $j0) (i32.load offset=0 (local.get $part))))
      (local.set $hi (call $min_u (local.get $j1) (i32.load offset=4 (local.get $part))))
      (if (i32.lt_u (local.get $lo) (local.get $hi))
        (then (call $delta_rows_in (local.get $s0) (local.get $s1) (local.get $lo) (local.get $hi) (local.get $part))))
      (local.set $part (i32.add (local.get $part) (i32.const 32)))
      (br_if $parts (i32.lt_u (local.get $part) (local.get $end)))))

  ;; $delta_rows of units [j0, j1) of the part whose entry is at $part. $hb = 4H bytes (for the last
  ;; units' lanes), $rowBytes the row stride of z0, a0 and dZ0.
  (func $delta_rows_in (param $s0 i32) (param $s1 i32) (param $j0 i32) (param $j1 i32) (param $part i32)
    (local $s i32) (local $act i32) (local $rowBytes i32) (local $hb i32) (local $hq i32) (local $j i32) (local $jend i32)
    (local $w i32) (local $dl i32) (local $e i32) (local $z0 i32) (local $a0 i32) (local $dZ0 i32)
    (local $l0 v128) (local $l1 v128) (local $l2 v128) (local $l3 v128) (local $l4 v128)
    (local $l5 v128) (local $l6 v128) (local $l7 v128) (local $l8 v128) (local $l9 v128)
    (local $da v128) (local $a v128)
    (local.set $act (i32.load (i32.const 4)))
    (local.set $rowBytes (i32.load (i32.const 88)))
    (local.set $hb (i32.shl (i32.load (i32.const 0)) (i32.const 2)))
    (local.set $hq (i32.and (local.get $hb) (i32.const -16)))
    (local.set $jend (i32.shl (local.get $j1) (i32.const 2)))
    (local.set $s (local.get $s0))
    (block $rows
      (br_if $rows (i32.ge_u (local.get $s) (local.get $s1)))
      (loop $row
        (local.set $dl (i32.add (i32.load (i32.const 48)) (i32.mul (local.get $s) (i32.const 40))))
        (local.set $l0 (v128.load32_splat offset=0 (local.get $dl)))
        (local.set $l1 (v128.load32_splat offset=4 (local.get $dl)))
        (local.set $l2 (v128.load32_splat offset=8 (local.get $dl)))
        (local.set $l3 (v128.load32_splat offset=12 (local.get $dl)))
        (local.set $l4 (v128.load32_splat offset=16 (local.get $dl)))
        (local.set $l5 (v128.load32_splat offset=20 (local.get $dl)))
        (local.set $l6 (v128.load32_splat offset=24 (local.get $dl)))
        (local.set $l7 (v128.load32_splat offset=28 (local.get $dl)))
        (local.set $l8 (v128.load32_splat offset=32 (local.get $dl)))
        (local.set $l9 (v128.load32_splat offset=36 (local.get $dl)))
        (local.set $e (i32.mul (local.get $s) (local.get $rowBytes)))
        (local.set $z0 (i32.add (i32.load offset=12 (local.get $part)) (local.get $e)))
        (local.set $a0 (i32.add (i32.load offset=16 (local.get $part)) (local.get $e)))
        (local.set $dZ0 (i32.add (i32.load offset=20 (local.get $part)) (local.get $e)))
        (local.set $j (i32.shl (local.get $j0) (i32.const 2)))
        (block $units
          (br_if $units (i32.ge_u (local.get $j) (local.get $jend)))
          (loop $unit
            ;; w = &w1Q[j / 4, 0, 0]: W_k at offset 16k
            (local.set $w (i32.add (i32.load (i32.const 96)) (i32.mul (local.get $j) (i32.const 10))))
            (local.set $da
              (f32x4.add
                (f32x4.add
                  (f32x4.add
                    (f32x4.add
                      (f32x4.mul (local.get $l0) (v128.load offset=0 (local.get $w)))
                      (f32x4.mul (local.get $l4) (v128.load offset=64 (local.get $w))))
                    (f32x4.mul (local.get $l8) (v128.load offset=128 (local.get $w))))
                  (f32x4.add
                    (f32x4.add
                      (f32x4.mul (local.get $l2) (v128.load offset=32 (local.get $w)))
                      (f32x4.mul (local.get $l6) (v128.load offset=96 (local.get $w))))
                    (v128.const f32x4 0 0 0 0)))
                (f32x4.add
                  (f32x4.add
                    (f32x4.add
                      (f32x4.mul (local.get $l1) (v128.load offset=16 (local.get $w)))
                      (f32x4.mul (local.get $l5) (v128.load offset=80 (local.get $w))))
                    (f32x4.mul (local.get $l9) (v128.load offset=144 (local.get $w))))
                  (f32x4.add
                    (f32x4.add
                      (f32x4.mul (local.get $l3) (v128.load offset=48 (local.get $w)))
                      (f32x4.mul (local.get $l7) (v128.load offset=112 (local.get $w))))
                    (v128.const f32x4 0 0 0 0)))))
            (if (local.get $act)
              (then
                (local.set $a (v128.load (i32.add (local.get $a0) (local.get $j))))
                (local.set $da
                  (f32x4.mul (local.get $da)
                    (f32x4.mul (local.get $a) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $a))))))
              (else
                (local.set $da
                  (v128.and (local.get $da)
                    (f32x4.gt (v128.load (i32.add (local.get $z0) (local.get $j))) (v128.const f32x4 0 0 0 0))))))
            (if (i32.lt_u (local.get $j) (local.get $hq))
              (then (v128.store (i32.add (local.get $dZ0) (local.get $j)) (local.get $da)))
              (else
                ;; the last H mod 4 units: lanes 0 (and 1, 2) only
                (v128.store32_lane 0 (i32.add (local.get $dZ0) (local.get $j)) (local.get $da))
                (if (i32.gt_u (i32.sub (local.get $hb) (local.get $j)) (i32.const 4))
                  (then (v128.store32_lane offset=4 1 (i32.add (local.get $dZ0) (local.get $j)) (local.get $da))))
                (if (i32.gt_u (i32.sub (local.get $hb) (local.get $j)) (i32.const 8))
                  (then (v128.store32_lane offset=8 2 (i32.add (local.get $dZ0) (local.get $j)) (local.get $da))))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br_if $unit (i32.lt_u (local.get $j) (local.get $jend)))))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br_if $row (i32.lt_u (local.get $s) (local.get $s1))))))

  ;; ------------------------------------------------------------------------------------------
  ;; Updates: every gradient is summed over the batch's samples in increasing order and applied as
  ;; soon as it is summed, θ −= lr · g (a multiply, then a subtraction); gradients are never stored.

  ;; b1 -= lr * Σ_s dLogits[s] (dL/db1 of the mean loss; dLogits already carries the 1 / N).
  (func $bias1_update (export "bias1_update") (param $n i32) (param $lr f32)
    (local $s i32) (local $dp i32) (local $b1 i32) (local $lrv v128)
    (local $ga v128) (local $gb v128) (local $gc v128)
    (local.set $dp (i32.load (i32.const 48)))
    (block $samples
      (br_if $samples (i32.ge_u (local.get $s) (local.get $n)))
      (loop $sample
        (local.set $ga (f32x4.add (local.get $ga) (v128.load offset=0 (local.get $dp))))
        (local.set $gb (f32x4.add (local.get $gb) (v128.load offset=16 (local.get $dp))))
        (local.set $gc (f32x4.add (local.get $gc) (v128.load64_zero offset=32 (local.get $dp))))
        (local.set $dp (i32.add (local.get $dp) (i32.const 40)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br_if $sample (i32.lt_u (local.get $s) (local.get $n)))))
    (local.set $b1 (i32.load (i32.const 28)))
    (local.set $lrv (f32x4.splat (local.get $lr)))
    (v128.store offset=0 (local.get $b1)
      (f32x4.sub (v128.load offset=0 (local.get $b1)) (f32x4.mul (local.get $lrv) (local.get $ga))))
    (v128.store offset=16 (local.get $b1)
      (f32x4.sub (v128.load offset=16 (local.get $b1)) (f32x4.mul (local.get $lrv) (local.get $gb))))
    (v128.store64_lane offset=32 0 (local.get $b1)
      (f32x4.sub (v128.load64_zero offset=32 (local.get $b1)) (f32x4.mul (local.get $lrv) (local.get $gc)))))

  ;; w1[j, :] -= lr * Σ_s a0[s, j] dLogits[s, :] of unit j (dL/dw1 = a0ᵀ·dLogits), its row read as
  ;; quads k 0..3, 4..7 and the pair 8..9 (lanes 10 and 11 zero). $two = 1 does units j and j + 1
  ;; together, sharing the dLogits loads; each unit's sums are those of $two = 0.
  (func $w1_update (param $j i32) (param $two i32) (param $n i32) (param $lrv v128) (param $part i32)
    (local $s i32) (local $rowBytes i32) (local $ap i32) (local $dp i32) (local $wp i32)
    (local $la v128) (local $lb v128) (local $lc v128) (local $v v128) (local $u v128)
    (local $ga v128) (local $gb v128) (local $gc v128) (local $ha v128) (local $hb v128) (local $hc v128)
    (local.set $rowBytes (i32.load (i32.const 88)))
    (local.set $ap (i32.add (i32.load offset=16 (local.get $part)) (i32.shl (local.get $j) (i32.const 2))))
    (local.set $dp (i32.load (i32.const 48)))
    (block $samples
      (br_if $samples (i32.ge_u (local.get $s) (local.get $n)))
      (loop $sample
        (local.set $la (v128.load offset=0 (local.get $dp)))
        (local.set $lb (v128.load offset=16 (local.get $dp)))
        (local.set $lc (v128.load64_zero offset=32 (local.get $dp)))
        (local.set $v (v128.load32_splat (local.get $ap)))
        (local.set $ga (f32x4.add (local.get $ga) (f32x4.mul (local.get $v) (local.get $la))))
        (local.set $gb (f32x4.add (local.get $gb) (f32x4.mul (local.get $v) (local.get $lb))))
        (local.set $gc (f32x4.add (local.get $gc) (f32x4.mul (local.get $v) (local.get $lc))))
        (if (local.get $two)
          (then
            (local.set $u (v128.load32_splat offset=4 (local.get $ap)))
            (local.set $ha (f32x4.add (local.get $ha) (f32x4.mul (local.get $u) (local.get $la))))
            (local.set $hb (f32x4.add (local.get $hb) (f32x4.mul (local.get $u) (local.get $lb))))
            (local.set $hc (f32x4.add (local.get $hc) (f32x4.mul (local.get $u) (local.get $lc))))))
        (local.set $ap (i32.add (local.get $ap) (local.get $rowBytes)))
        (local.set $dp (i32.add (local.get $dp) (i32.const 40)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br_if $sample (i32.lt_u (local.get $s) (local.get $n)))))
    (local.set $wp (i32.add (i32.load (i32.const 24)) (i32.mul (local.get $j) (i32.const 40))))
    (v128.store offset=0 (local.get $wp)
      (f32x4.sub (v128.load offset=0 (local.get $wp)) (f32x4.mul (local.get $lrv) (local.get $ga))))
    (v128.store offset=16 (local.get $wp)
      (f32x4.sub (v128.load offset=16 (local.get $wp)) (f32x4.mul (local.get $lrv) (local.get $gb))))
    (v128.store64_lane offset=32 0 (local.get $wp)
      (f32x4.sub (v128.load64_zero offset=32 (local.get $wp)) (f32x4.mul (local.get $lrv) (local.get $gc))))
    (if (local.get $two)
      (then
        (v128.store offset=40 (local.get $wp)
          (f32x4.sub (v128.load offset=40 (local.get $wp)) (f32x4.mul (local.get $lrv) (local.get $ha))))
        (v128.store offset=56 (local.get $wp)
          (f32x4.sub (v128.load offset=56 (local.get $wp)) (f32x4.mul (local.get $lrv) (local.get $hb))))
        (v128.store64_lane offset=72 0 (local.get $wp)
          (f32x4.sub (v128.load64_zero offset=72 (local.get $wp)) (f32x4.mul (local.get $lrv) (local.get $hc)))))))

  ;; For the units j0 <= j < j1: w1[j, :] (two units at a time, $w1_update) and
  ;; b0[j] -= lr * Σ_s dZ0[s, j] (dL/db0; four units per vector, the rest in lane 0).
  (func $hidden_update (export "hidden_update") (param $j0 i32) (param $j1 i32) (param $n i32) (param $lr f32)
    (local $part i32) (local $end i32) (local $lo i32) (local $hi i32)
    (local.set $part (i32.const 1408))
    (local.set $end (call $parts_end))
    (loop $parts
      (local.set $lo (call $max_u (local.get $j0) (i32.load offset=0 (local.get $part))))
      (local.set $hi (call $min_u (local.get $j1) (i32.load offset=4 (local.get $part))))
      (if (i32.lt_u (local.get $lo) (local.get $hi))
        (then (call $hidden_update_in (local.get $lo) (local.get $hi) (local.get $n) (local.get $lr) (local.get $part))))
      (local.set $part (i32.add (local.get $part) (i32.const 32)))
      (br_if $parts (i32.lt_u (local.get $part) (local.get $end)))))

  ;; $hidden_update of units [j0, j1) of the part whose entry is at $part.
  (func $hidden_update_in (param $j0 i32) (param $j1 i32) (param $n i32) (param $lr f32) (param $part i32)
    (local $j i32) (local $s i32) (local $rowBytes i32) (local $dp i32) (local $bp i32) (local $lrv v128)
    (local $g v128)
    (local.set $lrv (f32x4.splat (local.get $lr)))
    (local.set $rowBytes (i32.load (i32.const 88)))
    (local.set $j (local.get $j0))
    (block $pairs
      (loop $pair
        (br_if $pairs (i32.gt_u (i32.add (local.get $j) (i32.const 2)) (local.get $j1)))
        (call $w1_update (local.get $j) (i32.const 1) (local.get $n) (local.get $lrv) (local.get $part))
        (local.set $j (i32.add (local.get $j) (i32.const 2)))
        (br $pair)))
    (if (i32.lt_u (local.get $j) (local.get $j1))
      (then (call $w1_update (local.get $j) (i32.const 0) (local.get $n) (local.get $lrv) (local.get $part))))
    (local.set $j (local.get $j0))
    (block $quads
      (loop $quad
        (br_if $quads (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $j1)))
        (local.set $g (v128.const i32x4 0 0 0 0))
        (local.set $dp (i32.add (i32.load offset=20 (local.get $part)) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $s (i32.const 0))
        (block $samples
          (br_if $samples (i32.ge_u (local.get $s) (local.get $n)))
          (loop $sample
            (local.set $g (f32x4.add (local.get $g) (v128.load (local.get $dp))))
            (local.set $dp (i32.add (local.get $dp) (local.get $rowBytes)))
            (local.set $s (i32.add (local.get $s) (i32.const 1)))
            (br_if $sample (i32.lt_u (local.get $s) (local.get $n)))))
        (local.set $bp (i32.add (i32.load (i32.const 20)) (i32.shl (local.get $j) (i32.const 2))))
        (v128.store
          (local.get $bp)
          (f32x4.sub (v128.load (local.get $bp)) (f32x4.mul (local.get $lrv) (local.get $g))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $quad)))
    (block $units
      (loop $unit
        (br_if $units (i32.ge_u (local.get $j) (local.get $j1)))
        (local.set $g (v128.const i32x4 0 0 0 0))
        (local.set $dp (i32.add (i32.load offset=20 (local.get $part)) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $s (i32.const 0))
        (block $samples
          (br_if $samples (i32.ge_u (local.get $s) (local.get $n)))
          (loop $sample
            (local.set $g (f32x4.add (local.get $g) (v128.load32_zero (local.get $dp))))
            (local.set $dp (i32.add (local.get $dp) (local.get $rowBytes)))
            (local.set $s (i32.add (local.get $s) (i32.const 1)))
            (br_if $sample (i32.lt_u (local.get $s) (local.get $n)))))
        (local.set $bp (i32.add (i32.load (i32.const 20)) (i32.shl (local.get $j) (i32.const 2))))
        (v128.store32_lane 0 (local.get $bp)
          (f32x4.sub (v128.load32_zero (local.get $bp)) (f32x4.mul (local.get $lrv) (local.get $g))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $unit))))

  ;; The sample masks of pixels [i0, i1) (multiples of 16) for the first n rows of x: bit s % 64 of
  ;; masks[s / 64, i] is set when x[s, i] != 0 (-0 counts as 0, NaN as non-zero). The 16 masks of a
  ;; group of 16 pixels stay in registers while the samples pass; a sample whose 16 pixels are all +0
  ;; is skipped with one test. A step's masks come from $masks_from_bits, after $list_rows or
  ;; $row_from_bytes kept each row's bits; this pixel-major loop is the reference tests hold them to.
  (func $sample_masks (export "sample_masks") (param $i0 i32) (param $i1 i32) (param $n i32)
    (local $g i32) (local $s i32) (local $send i32) (local $i i32) (local $xp i32) (local $mp i32)
    (local $bit v128) (local $q0 v128) (local $q1 v128) (local $q2 v128) (local $q3 v128)
    (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $m3 v128)
    (local $m4 v128) (local $m5 v128) (local $m6 v128) (local $m7 v128)
    (block $groups
      (loop $group
        (br_if $groups (i32.ge_u (i32.shl (local.get $g) (i32.const 6)) (local.get $n)))
        (local.set $send (i32.add (i32.shl (local.get $g) (i32.const 6)) (i32.const 64)))
        (if (i32.gt_u (local.get $send) (local.get $n)) (then (local.set $send (local.get $n))))
        (local.set $i (local.get $i0))
        (block $pixels
          (loop $pixel
            (br_if $pixels (i32.ge_u (local.get $i) (local.get $i1)))
            (local.set $m0 (v128.const i32x4 0 0 0 0))
            (local.set $m1 (v128.const i32x4 0 0 0 0))
            (local.set $m2 (v128.const i32x4 0 0 0 0))
            (local.set $m3 (v128.const i32x4 0 0 0 0))
            (local.set $m4 (v128.const i32x4 0 0 0 0))
            (local.set $m5 (v128.const i32x4 0 0 0 0))
            (local.set $m6 (v128.const i32x4 0 0 0 0))
            (local.set $m7 (v128.const i32x4 0 0 0 0))
            (local.set $s (i32.shl (local.get $g) (i32.const 6)))
            (local.set $xp
              (i32.add (call $lane_x)
                (i32.add (i32.mul (local.get $s) (i32.const 3136)) (i32.shl (local.get $i) (i32.const 2)))))
            (loop $sample
              (local.set $q0 (v128.load offset=0 (local.get $xp)))
              (local.set $q1 (v128.load offset=16 (local.get $xp)))
              (local.set $q2 (v128.load offset=32 (local.get $xp)))
              (local.set $q3 (v128.load offset=48 (local.get $xp)))
              (if (v128.any_true (v128.or (v128.or (local.get $q0) (local.get $q1)) (v128.or (local.get $q2) (local.get $q3))))
                (then
                  (local.set $bit
                    (i64x2.splat (i64.shl (i64.const 1) (i64.extend_i32_u (i32.and (local.get $s) (i32.const 63))))))
                  ;; a lane of f32x4.ne is all ones for a non-zero pixel: its mask gets the sample's bit
                  (local.set $q0 (f32x4.ne (local.get $q0) (v128.const f32x4 0 0 0 0)))
                  (local.set $q1 (f32x4.ne (local.get $q1) (v128.const f32x4 0 0 0 0)))
                  (local.set $q2 (f32x4.ne (local.get $q2) (v128.const f32x4 0 0 0 0)))
                  (local.set $q3 (f32x4.ne (local.get $q3) (v128.const f32x4 0 0 0 0)))
                  (local.set $m0
                    (v128.or (local.get $m0) (v128.and (local.get $bit) (i64x2.extend_low_i32x4_s (local.get $q0)))))
                  (local.set $m1
                    (v128.or (local.get $m1) (v128.and (local.get $bit) (i64x2.extend_high_i32x4_s (local.get $q0)))))
                  (local.set $m2
                    (v128.or (local.get $m2) (v128.and (local.get $bit) (i64x2.extend_low_i32x4_s (local.get $q1)))))
                  (local.set $m3
                    (v128.or (local.get $m3) (v128.and (local.get $bit) (i64x2.extend_high_i32x4_s (local.get $q1)))))
                  (local.set $m4
                    (v128.or (local.get $m4) (v128.and (local.get $bit) (i64x2.extend_low_i32x4_s (local.get $q2)))))
                  (local.set $m5
                    (v128.or (local.get $m5) (v128.and (local.get $bit) (i64x2.extend_high_i32x4_s (local.get $q2)))))
                  (local.set $m6
                    (v128.or (local.get $m6) (v128.and (local.get $bit) (i64x2.extend_low_i32x4_s (local.get $q3)))))
                  (local.set $m7
                    (v128.or
                      (local.get $m7)
                      (v128.and (local.get $bit) (i64x2.extend_high_i32x4_s (local.get $q3)))))))
              (local.set $xp (i32.add (local.get $xp) (i32.const 3136)))
              (local.set $s (i32.add (local.get $s) (i32.const 1)))
              (br_if $sample (i32.lt_u (local.get $s) (local.get $send))))
            (local.set $mp
              (i32.add (call $lane_masks)
                (i32.add (i32.mul (local.get $g) (i32.const 6272)) (i32.shl (local.get $i) (i32.const 3)))))
            (v128.store offset=0 (local.get $mp) (local.get $m0))
            (v128.store offset=16 (local.get $mp) (local.get $m1))
            (v128.store offset=32 (local.get $mp) (local.get $m2))
            (v128.store offset=48 (local.get $mp) (local.get $m3))
            (v128.store offset=64 (local.get $mp) (local.get $m4))
            (v128.store offset=80 (local.get $mp) (local.get $m5))
            (v128.store offset=96 (local.get $mp) (local.get $m6))
            (v128.store offset=112 (local.get $mp) (local.get $m7))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $pixel)))
        (local.set $g (i32.add (local.get $g) (i32.const 1)))
        (br $group))))

  ;; w0 update for one sample (n = 1), 32 units: w0[i, j..j+32) += x[i] * (−lr dZ0[0, j..j+32)) for
  ;; each non-zero pixel i; the scaled dZ0 quads stay in registers. wb = &w0[0, j], dp = &dZ0[0, j].
  (func $upd8s (param $ip i32) (param $iend i32) (param $vp i32) (param $wb i32) (param $dp i32) (param $nlr v128)
    (local $p i32) (local $v v128)
    (local $d0 v128) (local $d1 v128) (local $d2 v128) (local $d3 v128)
    (local $d4 v128) (local $d5 v128) (local $d6 v128) (local $d7 v128)
    (local.set $d0 (f32x4.mul (local.get $nlr) (v128.load offset=0 (local.get $dp))))
    (local.set $d1 (f32x4.mul (local.get $nlr) (v128.load offset=16 (local.get $dp))))
    (local.set $d2 (f32x4.mul (local.get $nlr) (v128.load offset=32 (local.get $dp))))
    (local.set $d3 (f32x4.mul (local.get $nlr) (v128.load offset=48 (local.get $dp))))
    (local.set $d4 (f32x4.mul (local.get $nlr) (v128.load offset=64 (local.get $dp))))
    (local.set $d5 (f32x4.mul (local.get $nlr) (v128.load offset=80 (local.get $dp))))
    (local.set $d6 (f32x4.mul (local.get $nlr) (v128.load offset=96 (local.get $dp))))
    (local.set $d7 (f32x4.mul (local.get $nlr) (v128.load offset=112 (local.get $dp))))
    (block $done
      (br_if $done (i32.ge_u (local.get $ip) (local.get $iend)))
      (loop $m
        (local.set $p (i32.add (local.get $wb) (i32.load (local.get $ip))))
        (local.set $v (v128.load32_splat (local.get $vp)))
        (v128.store offset=0 (local.get $p)
          (f32x4.add (v128.load offset=0 (local.get $p)) (f32x4.mul (local.get $v) (local.get $d0))))
        (v128.store offset=16 (local.get $p)
          (f32x4.add (v128.load offset=16 (local.get $p)) (f32x4.mul (local.get $v) (local.get $d1))))
        (v128.store offset=32 (local.get $p)
          (f32x4.add (v128.load offset=32 (local.get $p)) (f32x4.mul (local.get $v) (local.get $d2))))
        (v128.store offset=48 (local.get $p)
          (f32x4.add (v128.load offset=48 (local.get $p)) (f32x4.mul (local.get $v) (local.get $d3))))
        (v128.store offset=64 (local.get $p)
          (f32x4.add (v128.load offset=64 (local.get $p)) (f32x4.mul (local.get $v) (local.get $d4))))
        (v128.store offset=80 (local.get $p)
          (f32x4.add (v128.load offset=80 (local.get $p)) (f32x4.mul (local.get $v) (local.get $d5))))
        (v128.store offset=96 (local.get $p)
          (f32x4.add (v128.load offset=96 (local.get $p)) (f32x4.mul (local.get $v) (local.get $d6))))
        (v128.store offset=112 (local.get $p)
          (f32x4.add (v128.load offset=112 (local.get $p)) (f32x4.mul (local.get $v) (local.get $d7))))
        (local.set $ip (i32.add (local.get $ip) (i32.const 4)))
        (local.set $vp (i32.add (local.get $vp) (i32.const 4)))
        (br_if $m (i32.lt_u (local.get $ip) (local.get $iend))))))

  ;; $upd8s for 4 units.
  (func $upd1s (param $ip i32) (param $iend i32) (param $vp i32) (param $wb i32) (param $dp i32) (param $nlr v128)
    (local $p i32) (local $d v128)
    (local.set $d (f32x4.mul (local.get $nlr) (v128.load (local.get $dp))))
    (block $done
      (br_if $done (i32.ge_u (local.get $ip) (local.get $iend)))
      (loop $m
        (local.set $p (i32.add (local.get $wb) (i32.load (local.get $ip))))
        (v128.store (local.get $p)
          (f32x4.add (v128.load (local.get $p)) (f32x4.mul (v128.load32_splat (local.get $vp)) (local.get $d))))
        (local.set $ip (i32.add (local.get $ip) (i32.const 4)))
        (local.set $vp (i32.add (local.get $vp) (i32.const 4)))
        (br_if $m (i32.lt_u (local.get $ip) (local.get $iend))))))

  ;; $upd8s for 1 unit, in lane 0.
  (func $upd0s (param $ip i32) (param $iend i32) (param $vp i32) (param $wb i32) (param $dp i32) (param $nlr v128)
    (local $p i32) (local $d v128)
    (local.set $d (f32x4.mul (local.get $nlr) (v128.load32_zero (local.get $dp))))
    (block $done
      (br_if $done (i32.ge_u (local.get $ip) (local.get $iend)))
      (loop $m
        (local.set $p (i32.add (local.get $wb) (i32.load (local.get $ip))))
        (v128.store32_lane 0 (local.get $p)
          (f32x4.add (v128.load32_zero (local.get $p)) (f32x4.mul (v128.load32_zero (local.get $vp)) (local.get $d))))
        (local.set $ip (i32.add (local.get $ip) (i32.const 4)))
        (local.set $vp (i32.add (local.get $vp) (i32.const 4)))
        (br_if $m (i32.lt_u (local.get $ip) (local.get $iend))))))

  ;; w0 update for a batch, one pixel i and 32 units: g = Σ_s x[s, i] * dZ0[s, j..j+32) over the
  ;; samples whose bit is set in the masks of pixel i (increasing s), then w0[i, j..j+32) -= lr * g.
  ;; wp = &w0[i, j], mp = &masks[0, i], xp = &x[0, i], dp = &dZ0[0, j]. Two samples per turn, summed
  ;; one after the other as one at a time would.
  (func $upd8b (param $wp i32) (param $mp i32) (param $groups i32) (param $xp i32) (param $dp i32)
    (param $rowBytes i32) (param $lrv v128)
    (local $g i32) (local $mask i64) (local $s i32) (local $q i32) (local $r i32) (local $v v128) (local $u v128)
    (local $g0 v128) (local $g1 v128) (local $g2 v128) (local $g3 v128)
    (local $g4 v128) (local $g5 v128) (local $g6 v128) (local $g7 v128)
    (loop $group
      (local.set $mask (i64.load (local.get $mp)))
      (block $bits
        (br_if $bits (i64.eqz (local.get $mask)))
        (loop $bit
          (local.set $s (i32.add (i32.shl (local.get $g) (i32.const 6)) (i32.wrap_i64 (i64.ctz (local.get $mask)))))
          (local.set $mask (i64.and (local.get $mask) (i64.sub (local.get $mask) (i64.const 1))))
          (local.set $v (v128.load32_splat (i32.add (local.get $xp) (i32.mul (local.get $s) (i32.const 3136)))))
          (local.set $q (i32.add (local.get $dp) (i32.mul (local.get $s) (local.get $rowBytes))))
          (if (i64.eqz (local.get $mask))
            (then
              (local.set $g0
                (f32x4.add (local.get $g0) (f32x4.mul (local.get $v) (v128.load offset=0 (local.get $q)))))
              (local.set $g1
                (f32x4.add (local.get $g1) (f32x4.mul (local.get $v) (v128.load offset=16 (local.get $q)))))
              (local.set $g2
                (f32x4.add (local.get $g2) (f32x4.mul (local.get $v) (v128.load offset=32 (local.get $q)))))
              (local.set $g3
                (f32x4.add (local.get $g3) (f32x4.mul (local.get $v) (v128.load offset=48 (local.get $q)))))
              (local.set $g4
                (f32x4.add (local.get $g4) (f32x4.mul (local.get $v) (v128.load offset=64 (local.get $q)))))
              (local.set $g5
                (f32x4.add (local.get $g5) (f32x4.mul (local.get $v) (v128.load offset=80 (local.get $q)))))
              (local.set $g6
                (f32x4.add (local.get $g6) (f32x4.mul (local.get $v) (v128.load offset=96 (local.get $q)))))
              (local.set $g7
                (f32x4.add (local.get $g7) (f32x4.mul (local.get $v) (v128.load offset=112 (local.get $q)))))
              (br $bits)))
          ;; a second sample in the same turn: (g + a) + b, the order of one at a time
          (local.set $s (i32.add (i32.shl (local.get $g) (i32.const 6)) (i32.wrap_i64 (i64.ctz (local.get $mask)))))
          (local.set $mask (i64.and (local.get $mask) (i64.sub (local.get $mask) (i64.const 1))))
          (local.set $u (v128.load32_splat (i32.add (local.get $xp) (i32.mul (local.get $s) (i32.const 3136)))))
          (local.set $r (i32.add (local.get $dp) (i32.mul (local.get $s) (local.get $rowBytes))))
          (local.set $g0
            (f32x4.add
              (f32x4.add (local.get $g0) (f32x4.mul (local.get $v) (v128.load offset=0 (local.get $q))))
              (f32x4.mul (local.get $u) (v128.load offset=0 (local.get $r)))))
          (local.set $g1
            (f32x4.add
              (f32x4.add (local.get $g1) (f32x4.mul (local.get $v) (v128.load offset=16 (local.get $q))))
              (f32x4.mul (local.get $u) (v128.load offset=16 (local.get $r)))))
          (local.set $g2
            (f32x4.add
              (f32x4.add (local.get $g2) (f32x4.mul (local.get $v) (v128.load offset=32 (local.get $q))))
              (f32x4.mul (local.get $u) (v128.load offset=32 (local.get $r)))))
          (local.set $g3
            (f32x4.add
              (f32x4.add (local.get $g3) (f32x4.mul (local.get $v) (v128.load offset=48 (local.get $q))))
              (f32x4.mul (local.get $u) (v128.load offset=48 (local.get $r)))))
          (local.set $g4
            (f32x4.add
              (f32x4.add (local.get $g4) (f32x4.mul (local.get $v) (v128.load offset=64 (local.get $q))))
              (f32x4.mul (local.get $u) (v128.load offset=64 (local.get $r)))))
          (local.set $g5
            (f32x4.add
              (f32x4.add (local.get $g5) (f32x4.mul (local.get $v) (v128.load offset=80 (local.get $q))))
              (f32x4.mul (local.get $u) (v128.load offset=80 (local.get $r)))))
          (local.set $g6
            (f32x4.add
              (f32x4.add (local.get $g6) (f32x4.mul (local.get $v) (v128.load offset=96 (local.get $q))))
              (f32x4.mul (local.get $u) (v128.load offset=96 (local.get $r)))))
          (local.set $g7
            (f32x4.add
              (f32x4.add (local.get $g7) (f32x4.mul (local.get $v) (v128.load offset=112 (local.get $q))))
              (f32x4.mul (local.get $u) (v128.load offset=112 (local.get $r)))))
          (br_if $bit (i64.ne (local.get $mask) (i64.const 0)))))
      (local.set $mp (i32.add (local.get $mp) (i32.const 6272)))
      (local.set $g (i32.add (local.get $g) (i32.const 1)))
      (br_if $group (i32.lt_u (local.get $g) (local.get $groups))))
    (v128.store offset=0 (local.get $wp)
      (f32x4.sub (v128.load offset=0 (local.get $wp)) (f32x4.mul (local.get $lrv) (local.get $g0))))
    (v128.store offset=16 (local.get $wp)
      (f32x4.sub (v128.load offset=16 (local.get $wp)) (f32x4.mul (local.get $lrv) (local.get $g1))))
    (v128.store offset=32 (local.get $wp)
      (f32x4.sub (v128.load offset=32 (local.get $wp)) (f32x4.mul (local.get $lrv) (local.get $g2))))
    (v128.store offset=48 (local.get $wp)
      (f32x4.sub (v128.load offset=48 (local.get $wp)) (f32x4.mul (local.get $lrv) (local.get $g3))))
    (v128.store offset=64 (local.get $wp)
      (f32x4.sub (v128.load offset=64 (local.get $wp)) (f32x4.mul (local.get $lrv) (local.get $g4))))
    (v128.store offset=80 (local.get $wp)
      (f32x4.sub (v128.load offset=80 (local.get $wp)) (f32x4.mul (local.get $lrv) (local.get $g5))))
    (v128.store offset=96 (local.get $wp)
      (f32x4.sub (v128.load offset=96 (local.get $wp)) (f32x4.mul (local.get $lrv) (local.get $g6))))
    (v128.store offset=112 (local.get $wp)
      (f32x4.sub (v128.load offset=112 (local.get $wp)) (f32x4.mul (local.get $lrv) (local.get $g7)))))

  ;; $upd8b for 4 units, one sample at a time: the plain reference of the blocked loop.
  (func $upd1b (param $wp i32) (param $mp i32) (param $groups i32) (param $xp i32) (param $dp i32)
    (param $rowBytes i32) (param $lrv v128)
    (local $g i32) (local $mask i64) (local $s i32) (local $acc v128)
    (loop $group
      (local.set $mask (i64.load (local.get $mp)))
      (block $bits
        (br_if $bits (i64.eqz (local.get $mask)))
        (loop $bit
          (local.set $s (i32.add (i32.shl (local.get $g) (i32.const 6)) (i32.wrap_i64 (i64.ctz (local.get $mask)))))
          (local.set $mask (i64.and (local.get $mask) (i64.sub (local.get $mask) (i64.const 1))))
          (local.set $acc
            (f32x4.add
              (local.get $acc)
              (f32x4.mul
                (v128.load32_splat (i32.add (local.get $xp) (i32.mul (local.get $s) (i32.const 3136))))
                (v128.load (i32.add (local.get $dp) (i32.mul (local.get $s) (local.get $rowBytes)))))))
          (br_if $bit (i64.ne (local.get $mask) (i64.const 0)))))
      (local.set $mp (i32.add (local.get $mp) (i32.const 6272)))
      (local.set $g (i32.add (local.get $g) (i32.const 1)))
      (br_if $group (i32.lt_u (local.get $g) (local.get $groups))))
    (v128.store (local.get $wp)
      (f32x4.sub (v128.load (local.get $wp)) (f32x4.mul (local.get $lrv) (local.get $acc)))))

  ;; $upd1b for 1 unit, in lane 0.
  (func $upd0b (param $wp i32) (param $mp i32) (param $groups i32) (param $xp i32) (param $dp i32)
    (param $rowBytes i32) (param $lrv v128)
    (local $g i32) (local $mask i64) (local $s i32) (local $acc v128)
    (loop $group
      (local.set $mask (i64.load (local.get $mp)))
      (block $bits
        (br_if $bits (i64.eqz (local.get $mask)))
        (loop $bit
          (local.set $s (i32.add (i32.shl (local.get $g) (i32.const 6)) (i32.wrap_i64 (i64.ctz (local.get $mask)))))
          (local.set $mask (i64.and (local.get $mask) (i64.sub (local.get $mask) (i64.const 1))))
          (local.set $acc
            (f32x4.add
              (local.get $acc)
              (f32x4.mul
                (v128.load32_zero (i32.add (local.get $xp) (i32.mul (local.get $s) (i32.const 3136))))
                (v128.load32_zero (i32.add (local.get $dp) (i32.mul (local.get $s) (local.get $rowBytes)))))))
          (br_if $bit (i64.ne (local.get $mask) (i64.const 0)))))
      (local.set $mp (i32.add (local.get $mp) (i32.const 6272)))
      (local.set $g (i32.add (local.get $g) (i32.const 1)))
      (br_if $group (i32.lt_u (local.get $g) (local.get $groups))))
    (v128.store32_lane 0 (local.get $wp)
      (f32x4.sub (v128.load32_zero (local.get $wp)) (f32x4.mul (local.get $lrv) (local.get $acc)))))

  ;; w0[:, j0..j1) -= lr * Σ_s x[s, i] dZ0[s, j0..j1) for every pixel i some sample has (dL/dw0 = xᵀ·dZ0
  ;; stays factored), walking per pixel the samples set in its masks ($masks_from_bits):
  ;; each w0 row a batch touches is read and written once per block of units. Blocks of 32 units,
  ;; then of 4, then single units, as in $hidden_forward.
  (func $input_update (export "input_update") (param $j0 i32) (param $j1 i32) (param $n i32) (param $lr f32)
    (local $part i32) (local $end i32) (local $lo i32) (local $hi i32)
    (local.set $part (i32.const 1408))
    (local.set $end (call $parts_end))
    (loop $parts
      (local.set $lo (call $max_u (local.get $j0) (i32.load offset=0 (local.get $part))))
      (local.set $hi (call $min_u (local.get $j1) (i32.load offset=4 (local.get $part))))
      (if (i32.lt_u (local.get $lo) (local.get $hi))
        (then (call $input_update_in (local.get $lo) (local.get $hi) (local.get $n) (local.get $lr) (local.get $part))))
      (local.set $part (i32.add (local.get $part) (i32.const 32)))
      (br_if $parts (i32.lt_u (local.get $part) (local.get $end)))))

  ;; $input_update of units [j0, j1) of the part whose entry is at $part.
  (func $input_update_in (param $j0 i32) (param $j1 i32) (param $n i32) (param $lr f32) (param $part i32)
    (local $jb i32) (local $jend i32) (local $w0 i32) (local $dZ0 i32) (local $lrv v128) (local $i i32)
    (local $mp i32) (local $g i32) (local $groups i32) (local $any i64) (local $rowBytes i32) (local $wrow i32)
    (local $xp i32)
    (local.set $rowBytes (i32.load (i32.const 88)))
    (local.set $w0 (i32.load offset=8 (local.get $part)))
    (local.set $dZ0 (i32.load offset=20 (local.get $part)))
    (local.set $jend (i32.shl (local.get $j1) (i32.const 2)))
    (local.set $groups (i32.shr_u (i32.add (local.get $n) (i32.const 63)) (i32.const 6)))
    (local.set $lrv (f32x4.splat (local.get $lr)))
    (loop $pixel
      (local.set $mp (i32.add (call $lane_masks) (i32.shl (local.get $i) (i32.const 3))))
      ;; skip the pixel when no sample of the batch has it
      (local.set $any (i64.const 0))
      (local.set $g (i32.const 0))
      (loop $group
        (local.set $any
          (i64.or (local.get $any) (i64.load (i32.add (local.get $mp) (i32.mul (local.get $g) (i32.const 6272))))))
        (local.set $g (i32.add (local.get $g) (i32.const 1)))
        (br_if $group (i32.lt_u (local.get $g) (local.get $groups))))
      (if (i64.ne (local.get $any) (i64.const 0))
        (then
          (local.set $wrow (i32.add (local.get $w0) (i32.mul (local.get $i) (local.get $rowBytes))))
          (local.set $xp (i32.add (call $lane_x) (i32.shl (local.get $i) (i32.const 2))))
          (local.set $jb (i32.shl (local.get $j0) (i32.const 2)))
          (block $c8
            (loop $m8
              (br_if $c8 (i32.gt_u (i32.add (local.get $jb) (i32.const 128)) (local.get $jend)))
              (call $upd8b (i32.add (local.get $wrow) (local.get $jb)) (local.get $mp) (local.get $groups)
                (local.get $xp) (i32.add (local.get $dZ0) (local.get $jb)) (local.get $rowBytes) (local.get $lrv))
              (local.set $jb (i32.add (local.get $jb) (i32.const 128)))
              (br $m8)))
          (block $c1
            (loop $m1
              (br_if $c1 (i32.gt_u (i32.add (local.get $jb) (i32.const 16)) (local.get $jend)))
              (call $upd1b (i32.add (local.get $wrow) (local.get $jb)) (local.get $mp) (local.get $groups)
                (local.get $xp) (i32.add (local.get $dZ0) (local.get $jb)) (local.get $rowBytes) (local.get $lrv))
              (local.set $jb (i32.add (local.get $jb) (i32.const 16)))
              (br $m1)))
          (block $c0
            (loop $m0
              (br_if $c0 (i32.ge_u (local.get $jb) (local.get $jend)))
              (call $upd0b (i32.add (local.get $wrow) (local.get $jb)) (local.get $mp) (local.get $groups)
                (local.get $xp) (i32.add (local.get $dZ0) (local.get $jb)) (local.get $rowBytes) (local.get $lrv))
              (local.set $jb (i32.add (local.get $jb) (i32.const 4)))
              (br $m0)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $pixel (i32.lt_u (local.get $i) (i32.const 784)))))

  ;; w0[i, :] -= lr * x[0, i] dZ0[0, :] for a batch of one (per-image SGD), over the pixel list of
  ;; row 0 ($scan): computed as w0[i, :] += x[0, i] * (−lr dZ0[0, :]).
  (func $input_update_one (export "input_update_one") (param $lr f32)
    (local $part i32) (local $end i32)
    (local.set $part (i32.const 1408))
    (local.set $end (call $parts_end))
    (loop $parts
      (call $input_update_one_in (local.get $lr) (local.get $part))
      (local.set $part (i32.add (local.get $part) (i32.const 32)))
      (br_if $parts (i32.lt_u (local.get $part) (local.get $end)))))

  ;; $input_update_one of the units of the part whose entry is at $part.
  (func $input_update_one_in (param $lr f32) (param $part i32)
    (local $ip i32) (local $iend i32) (local $vp i32) (local $jb i32) (local $jend i32) (local $w0 i32)
    (local $dZ0 i32) (local $nlr v128)
    (local.set $w0 (i32.load offset=8 (local.get $part)))
    (local.set $dZ0 (i32.load offset=20 (local.get $part)))
    (local.set $jb (i32.shl (i32.load offset=0 (local.get $part)) (i32.const 2)))
    (local.set $jend (i32.shl (i32.load offset=4 (local.get $part)) (i32.const 2)))
    (local.set $ip (call $lane_nzIdx))
    (local.set $vp (call $lane_nzVal))
    (local.set $iend (i32.add (local.get $ip) (i32.shl (i32.load (call $lane_nzCount)) (i32.const 2))))
    (local.set $nlr (f32x4.splat (f32.neg (local.get $lr))))
    (block $b8
      (loop $l8
        (br_if $b8 (i32.gt_u (i32.add (local.get $jb) (i32.const 128)) (local.get $jend)))
        (call $upd8s (local.get $ip) (local.get $iend) (local.get $vp)
          (i32.add (local.get $w0) (local.get $jb)) (i32.add (local.get $dZ0) (local.get $jb)) (local.get $nlr))
        (local.set $jb (i32.add (local.get $jb) (i32.const 128)))
        (br $l8)))
    (block $b1
      (loop $l1
        (br_if $b1 (i32.gt_u (i32.add (local.get $jb) (i32.const 16)) (local.get $jend)))
        (call $upd1s (local.get $ip) (local.get $iend) (local.get $vp)
          (i32.add (local.get $w0) (local.get $jb)) (i32.add (local.get $dZ0) (local.get $jb)) (local.get $nlr))
        (local.set $jb (i32.add (local.get $jb) (i32.const 16)))
        (br $l1)))
    (block $b0
      (loop $l0
        (br_if $b0 (i32.ge_u (local.get $jb) (local.get $jend)))
        (call $upd0s (local.get $ip) (local.get $iend) (local.get $vp)
          (i32.add (local.get $w0) (local.get $jb)) (i32.add (local.get $dZ0) (local.get $jb)) (local.get $nlr))
        (local.set $jb (i32.add (local.get $jb) (i32.const 4)))
        (br $l0))))

  ;; ------------------------------------------------------------------------------------------
  ;; The parts of a training step's phases (core/kernels/backend_threads.ts runs them on threads; one
  ;; thread runs each over the whole batch).

  ;; Forward of chunks [c0, c1) for the first n rows: z0 and a0 of their hidden units, then their
  ;; partial logits.
  (func $forward_part (export "forward_part") (param $c0 i32) (param $c1 i32) (param $n i32)
    (call $hidden_forward
      (call $chunk_start (local.get $c0)) (call $chunk_start (local.get $c1)) (i32.const 0) (local.get $n))
    (call $output_partial (local.get $c0) (local.get $c1) (i32.const 0) (local.get $n)))

  ;; Backward and update of chunks [c0, c1) for the first n rows (n > 1): dZ0 of their hidden units
  ;; (w1Q before the update), then their w1 rows and b0 entries, then their w0 columns.
  (func $backward_part (export "backward_part") (param $c0 i32) (param $c1 i32) (param $n i32) (param $lr f32)
    (local $j0 i32) (local $j1 i32)
    (local.set $j0 (call $chunk_start (local.get $c0)))
    (local.set $j1 (call $chunk_start (local.get $c1)))
    (call $delta_rows (i32.const 0) (local.get $n) (local.get $j0) (local.get $j1))
    (call $hidden_update (local.get $j0) (local.get $j1) (local.get $n) (local.get $lr))
    (call $input_update (local.get $j0) (local.get $j1) (local.get $n) (local.get $lr))))
