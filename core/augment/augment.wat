;; The resampling half of core/augment/augment.ts's Augmenter.apply in WebAssembly: the bilinear warp and the
;; thickness blend, for the training pipeline's worker. Augmenter.apply draws everything in
;; TypeScript (the random numbers, the affine matrix, the elastic field's row sums) into this
;; module's memory, then calls $warp and $thickness_store instead of its own #warp and
;; #thicknessAndStore, which stay as the reference.
;;
;; Every line below is the TypeScript method's arithmetic in the same order: float64 operations
;; (JavaScript numbers are float64, and neither side fuses a multiply-add), comparisons written as
;; selects in the same sense, and the float32 store rounding to nearest. So the output bytes are the
;; TypeScript ones; tests/augment_test.ts checks that image by image.
;;
;; Memory (one page, not shared; Augmenter's work arrays are views of it), byte offsets:
;;       0 src (32, 32) f64: the source in [0, 1] with a zero border of 2
;;    8192 warped (32, 32) f64: the warped image, same border
;;   16384 spline weights (28, 4) f64: w(x)_0..3 of the cubic B-spline at pixel x
;;   17280 spline first (28) i32: the first of the 4 control points of pixel x
;;   17408 rowsX (G, 28) f64, G <= 24: the x half of the x displacement's separable sum
;;   22784 rowsY (G, 28) f64: the same for the y displacement
;;   28160 dst (784) f32: the augmented image
;;   31296 bytes (784) u8: a byte source image, for $load_bytes
;;   32128 its sums Σ v, Σ v·x, Σ v·y, f64
(module
  (memory (export "memory") 1)

;; warped(p) = src(q), q = p + (M − I)·(p − c − t) − t + d(p), for the 28 × 28 pixels p = (x, y);
  ;; a00 = M00 − 1, m01 = M01, m10 = M10, a11 = M11 − 1, (ox, oy) = c + t, (tx, ty) = t; the
  ;; elastic displacement d is added when $elastic is 1. q is clamped to [−1, 28] and sampled
  ;; bilinearly from the padded source. Two pixels x, x + 1 at a time, one per f64x2 lane; the four
  ;; taps of each are gathered with scalar loads.
  (func (export "warp") (param $a00 f64) (param $m01 f64) (param $m10 f64) (param $a11 f64)
    (param $ox f64) (param $oy f64) (param $tx f64) (param $ty f64) (param $elastic i32)
    (local $y i32) (local $x i32) (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $out i32) (local $e i32) (local $ia i32) (local $ib i32)
    (local $fy v128) (local $fx v128) (local $ax v128) (local $ay f64) (local $baseX v128) (local $baseY v128)
    (local $wy0 v128) (local $wy1 v128) (local $wy2 v128) (local $wy3 v128)
    (local $va00 v128) (local $vm10 v128) (local $vox v128)
    (local $qx v128) (local $qy v128) (local $gx v128) (local $gy v128) (local $ix v128) (local $iy v128)
    (local $v00 v128) (local $v01 v128) (local $v10 v128) (local $v11 v128) (local $top v128) (local $bottom v128)
    (local.set $va00 (f64x2.splat (local.get $a00)))
    (local.set $vm10 (f64x2.splat (local.get $m10)))
    (local.set $vox (f64x2.splat (local.get $ox)))
    (loop $row
      (local.set $fy (f64x2.splat (f64.convert_i32_s (local.get $y))))
      ;; the y half of the separable B-spline sum: rows first(y)..first(y)+3, as byte offsets of rowsX
      (local.set $r0
        (i32.mul (i32.load offset=17280 (i32.shl (local.get $y) (i32.const 2))) (i32.const 224)))
      (local.set $r1 (i32.add (local.get $r0) (i32.const 224)))
      (local.set $r2 (i32.add (local.get $r1) (i32.const 224)))
      (local.set $r3 (i32.add (local.get $r2) (i32.const 224)))
      (local.set $wy0 (v128.load64_splat offset=16384 (i32.shl (local.get $y) (i32.const 5))))
      (local.set $wy1 (v128.load64_splat offset=16392 (i32.shl (local.get $y) (i32.const 5))))
      (local.set $wy2 (v128.load64_splat offset=16400 (i32.shl (local.get $y) (i32.const 5))))
      (local.set $wy3 (v128.load64_splat offset=16408 (i32.shl (local.get $y) (i32.const 5))))
      (local.set $ay (f64.sub (f64.convert_i32_s (local.get $y)) (local.get $oy)))
      (local.set $baseX (f64x2.splat (f64.sub (f64.mul (local.get $m01) (local.get $ay)) (local.get $tx))))
      (local.set $baseY (f64x2.splat (f64.sub (f64.mul (local.get $a11) (local.get $ay)) (local.get $ty))))
      ;; byte offset of warped[y + 2, 2]
      (local.set $out (i32.add (i32.const 8192) (i32.shl (i32.add (i32.shl (local.get $y) (i32.const 5)) (i32.const 66)) (i32.const 3))))
      (local.set $fx (v128.const f64x2 0 1))
      (local.set $e (i32.const 0))
      (loop $column
        (local.set $ax (f64x2.sub (local.get $fx) (local.get $vox)))
        (local.set $qx (f64x2.add (local.get $fx) (f64x2.add (f64x2.mul (local.get $va00) (local.get $ax)) (local.get $baseX))))
        (local.set $qy (f64x2.add (local.get $fy) (f64x2.add (f64x2.mul (local.get $vm10) (local.get $ax)) (local.get $baseY))))
        (if (local.get $elastic)
          (then
            (local.set $qx
              (f64x2.add (local.get $qx)
                (f64x2.add
                  (f64x2.add
                    (f64x2.add
                      (f64x2.mul (local.get $wy0) (v128.load offset=17408 (i32.add (local.get $r0) (local.get $e))))
                      (f64x2.mul (local.get $wy1) (v128.load offset=17408 (i32.add (local.get $r1) (local.get $e)))))
                    (f64x2.mul (local.get $wy2) (v128.load offset=17408 (i32.add (local.get $r2) (local.get $e)))))
                  (f64x2.mul (local.get $wy3) (v128.load offset=17408 (i32.add (local.get $r3) (local.get $e)))))))
            (local.set $qy
              (f64x2.add (local.get $qy)
                (f64x2.add
                  (f64x2.add
                    (f64x2.add
                      (f64x2.mul (local.get $wy0) (v128.load offset=22784 (i32.add (local.get $r0) (local.get $e))))
                      (f64x2.mul (local.get $wy1) (v128.load offset=22784 (i32.add (local.get $r1) (local.get $e)))))
                    (f64x2.mul (local.get $wy2) (v128.load offset=22784 (i32.add (local.get $r2) (local.get $e)))))
                  (f64x2.mul (local.get $wy3) (v128.load offset=22784 (i32.add (local.get $r3) (local.get $e)))))))))
        ;; q < −1 ? −1 : q > 28 ? 28 : q, lane by lane (bitselect takes its first operand where the mask is set)
        (local.set $qx
          (v128.bitselect (v128.const f64x2 -1 -1)
            (v128.bitselect (v128.const f64x2 28 28) (local.get $qx) (f64x2.gt (local.get $qx) (v128.const f64x2 28 28)))
            (f64x2.lt (local.get $qx) (v128.const f64x2 -1 -1))))
        (local.set $qy
          (v128.bitselect (v128.const f64x2 -1 -1)
            (v128.bitselect (v128.const f64x2 28 28) (local.get $qy) (f64x2.gt (local.get $qy) (v128.const f64x2 28 28)))
            (f64x2.lt (local.get $qy) (v128.const f64x2 -1 -1))))
        ;; q + 2 >= 1, so truncation is floor; g = the fractions
        (local.set $gx (f64x2.add (local.get $qx) (v128.const f64x2 2 2)))
        (local.set $gy (f64x2.add (local.get $qy) (v128.const f64x2 2 2)))
        (local.set $ix (i32x4.trunc_sat_f64x2_s_zero (local.get $gx)))
        (local.set $iy (i32x4.trunc_sat_f64x2_s_zero (local.get $gy)))
        (local.set $gx (f64x2.sub (local.get $gx) (f64x2.convert_low_i32x4_s (local.get $ix))))
        (local.set $gy (f64x2.sub (local.get $gy) (f64x2.convert_low_i32x4_s (local.get $iy))))
        ;; byte offsets (iy · 32 + ix) · 8 of the top-left taps, lanes 0 and 1
        (local.set $ix (i32x4.shl (i32x4.add (i32x4.shl (local.get $iy) (i32.const 5)) (local.get $ix)) (i32.const 3)))
        (local.set $ia (i32x4.extract_lane 0 (local.get $ix)))
        (local.set $ib (i32x4.extract_lane 1 (local.get $ix)))
        (local.set $v00 (v128.load64_lane 1 (local.get $ib) (v128.load64_zero (local.get $ia))))
        (local.set $v01 (v128.load64_lane offset=8 1 (local.get $ib) (v128.load64_zero offset=8 (local.get $ia))))
        (local.set $v10 (v128.load64_lane offset=256 1 (local.get $ib) (v128.load64_zero offset=256 (local.get $ia))))
        (local.set $v11 (v128.load64_lane offset=264 1 (local.get $ib) (v128.load64_zero offset=264 (local.get $ia))))
        (local.set $top (f64x2.add (local.get $v00) (f64x2.mul (local.get $gx) (f64x2.sub (local.get $v01) (local.get $v00)))))
        (local.set $bottom (f64x2.add (local.get $v10) (f64x2.mul (local.get $gx) (f64x2.sub (local.get $v11) (local.get $v10)))))
        (v128.store (local.get $out)
          (f64x2.add (local.get $top) (f64x2.mul (local.get $gy) (f64x2.sub (local.get $bottom) (local.get $top)))))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (local.set $fx (f64x2.add (local.get $fx) (v128.const f64x2 2 2)))
        (local.set $e (i32.add (local.get $e) (i32.const 16)))
        (br_if $column (i32.lt_u (local.get $e) (i32.const 224))))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br_if $row (i32.lt_u (local.get $y) (i32.const 28)))))

;; dst = warped + |τ|·(m − warped), clamped to [0, 1] and stored as float32, where m is the
  ;; largest (τ > 0, dilate) or smallest (τ < 0, erode) of the pixel and its 4 neighbours;
  ;; τ = 0 only clamps. Two pixels at a time; each lane makes the TypeScript comparisons, as
  ;; bitselects, in the same order.
  (func (export "thickness_store") (param $tau f64)
    (local $mode i32) (local $y i32) (local $i i32) (local $end i32) (local $o i32)
    (local $strength v128) (local $c v128) (local $l v128) (local $r v128) (local $u v128) (local $b v128)
    (local $h v128) (local $w v128) (local $n v128) (local $m v128) (local $v v128)
    (local.set $strength
      (f64x2.splat (select (f64.neg (local.get $tau)) (local.get $tau) (f64.lt (local.get $tau) (f64.const 0)))))
    ;; 1 dilate, 2 erode, 0 clamp only (τ = 0 or NaN)
    (local.set $mode
      (select (i32.const 1) (select (i32.const 2) (i32.const 0) (f64.lt (local.get $tau) (f64.const 0)))
        (f64.gt (local.get $tau) (f64.const 0))))
    (local.set $o (i32.const 28160))
    (loop $row
      ;; byte offsets of warped[y + 2, 2] and warped[y + 2, 30]
      (local.set $i (i32.add (i32.const 8192) (i32.shl (i32.add (i32.shl (local.get $y) (i32.const 5)) (i32.const 66)) (i32.const 3))))
      (local.set $end (i32.add (local.get $i) (i32.const 224)))
      (loop $pair
        (local.set $c (v128.load (local.get $i)))
        (if (local.get $mode)
          (then
            (local.set $l (v128.load (i32.sub (local.get $i) (i32.const 8))))
            (local.set $r (v128.load offset=8 (local.get $i)))
            (local.set $u (v128.load (i32.sub (local.get $i) (i32.const 256))))
            (local.set $b (v128.load offset=256 (local.get $i)))
            (if (i32.eq (local.get $mode) (i32.const 1))
              (then
                ;; h = l > r ? l : r, w = u > b ? u : b, n = h > w ? h : w, m = n > c ? n : c
                (local.set $h (v128.bitselect (local.get $l) (local.get $r) (f64x2.gt (local.get $l) (local.get $r))))
                (local.set $w (v128.bitselect (local.get $u) (local.get $b) (f64x2.gt (local.get $u) (local.get $b))))
                (local.set $n (v128.bitselect (local.get $h) (local.get $w) (f64x2.gt (local.get $h) (local.get $w))))
                (local.set $m (v128.bitselect (local.get $n) (local.get $c) (f64x2.gt (local.get $n) (local.get $c)))))
              (else
                ;; the same with <
                (local.set $h (v128.bitselect (local.get $l) (local.get $r) (f64x2.lt (local.get $l) (local.get $r))))
                (local.set $w (v128.bitselect (local.get $u) (local.get $b) (f64x2.lt (local.get $u) (local.get $b))))
                (local.set $n (v128.bitselect (local.get $h) (local.get $w) (f64x2.lt (local.get $h) (local.get $w))))
                (local.set $m (v128.bitselect (local.get $n) (local.get $c) (f64x2.lt (local.get $n) (local.get $c))))))
            (local.set $v
              (f64x2.add (local.get $c) (f64x2.mul (local.get $strength) (f64x2.sub (local.get $m) (local.get $c))))))
          (else
            (local.set $v (local.get $c))))
        ;; dilate: v > 1 ? 1 : v; otherwise v < 0 ? 0 : v > 1 ? 1 : v
        (local.set $v
          (v128.bitselect (v128.const f64x2 1 1) (local.get $v) (f64x2.gt (local.get $v) (v128.const f64x2 1 1))))
        (if (i32.ne (local.get $mode) (i32.const 1))
          (then
            (local.set $v
              (v128.bitselect (v128.const f64x2 0 0) (local.get $v) (f64x2.lt (local.get $v) (v128.const f64x2 0 0))))))
        (v128.store64_lane 0 (local.get $o) (f32x4.demote_f64x2_zero (local.get $v)))
        (local.set $o (i32.add (local.get $o) (i32.const 8)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $pair (i32.lt_u (local.get $i) (local.get $end))))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br_if $row (i32.lt_u (local.get $y) (i32.const 28)))))

  ;; src[y + 2, x + 2] = bytes[y, x] / 255 for the 784 bytes at 31296, and at 32128 the sums
  ;; Σ v, Σ v·x, Σ v·y in pixel order, as Augmenter.apply makes them for a byte image. A group of
  ;; 16 zero bytes is written as zeros and left out of the sums: adding v = 0 changes none of them
  ;; (they start at +0 and never become −0), so they are the sums over every pixel.
  (func (export "load_bytes")
    (local $p i32) (local $q i32) (local $x i32) (local $y i32) (local $out i32)
    (local $v f64) (local $mass f64) (local $sumX f64) (local $sumY f64)
    (loop $group
      (if (v128.any_true (v128.load offset=31296 (local.get $p)))
        (then
          (local.set $q (i32.add (local.get $p) (i32.const 16)))
          (loop $pixel
            (local.set $y (i32.div_u (local.get $p) (i32.const 28)))
            (local.set $x (i32.sub (local.get $p) (i32.mul (local.get $y) (i32.const 28))))
            (local.set $v (f64.div (f64.convert_i32_u (i32.load8_u offset=31296 (local.get $p))) (f64.const 255)))
            (f64.store (i32.shl (i32.add (i32.add (i32.shl (local.get $y) (i32.const 5)) (local.get $x)) (i32.const 66)) (i32.const 3))
              (local.get $v))
            (local.set $mass (f64.add (local.get $mass) (local.get $v)))
            (local.set $sumX (f64.add (local.get $sumX) (f64.mul (local.get $v) (f64.convert_i32_u (local.get $x)))))
            (local.set $sumY (f64.add (local.get $sumY) (f64.mul (local.get $v) (f64.convert_i32_u (local.get $y)))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br_if $pixel (i32.lt_u (local.get $p) (local.get $q)))))
        (else
          (local.set $q (i32.add (local.get $p) (i32.const 16)))
          (loop $zero
            (local.set $y (i32.div_u (local.get $p) (i32.const 28)))
            (f64.store
              (i32.shl (i32.add (i32.add (i32.shl (local.get $y) (i32.const 5)) (i32.sub (local.get $p) (i32.mul (local.get $y) (i32.const 28)))) (i32.const 66)) (i32.const 3))
              (f64.const 0))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br_if $zero (i32.lt_u (local.get $p) (local.get $q))))))
      (br_if $group (i32.lt_u (local.get $p) (i32.const 784))))
    (f64.store offset=32128 (i32.const 0) (local.get $mass))
    (f64.store offset=32136 (i32.const 0) (local.get $sumX))
    (f64.store offset=32144 (i32.const 0) (local.get $sumY)))
)
