;; The tree learner's hot loops, in WebAssembly: histograms, partitions, per-code lists and
;; in-bag gathers over the bins of any feature. Numeric bins are bytes; categorical codes are
;; 32-bit. The primary categorical's codes are read as keys (code << shift | partner bin): with
;; shift 8 the low byte is the bin of the partner numeric feature, so one load gives both and one
;; pass builds the node's code list and the partner's histogram (`listAndHistogram`).
;;
;; Node 20's optimising compiler re-checks every typed-array argument of a JavaScript loop on
;; each iteration; compiled WebAssembly reads one linear memory with no such checks, and runs
;; these loops 2-3x faster. Every argument is a byte address in the grower's memory (arrays:
;; their first element) or an element index; sums run in the same order as the reference
;; kernels in reference.ts, so results are bit-identical.
;;
;; Edit this file, then run `npm run build:kernels` (writes kernels-wasm.ts); a test checks the
;; two agree.
(module
  (import "env" "memory" (memory 1))

  ;; Per-code list (code = key >> 8, row count, gradient sum, hessian sum; entries from element
  ;; `at`) and the histogram of the partner's bins (key & 255; 3 doubles per bin at `hist`) of
  ;; rows idx[start..end), whose codes ascend. Writes [lowest, highest] bin touched to `range`; returns the number of list entries.
  (func (export "listAndHistogram")
    (param $idx i32) (param $start i32) (param $end i32) (param $keys i32) (param $g i32) (param $h i32)
    (param $lCode i32) (param $lCount i32) (param $lG i32) (param $lH i32) (param $at i32)
    (param $hist i32) (param $range i32) (result i32)
    (local $k i32) (local $prev i32) (local $first i32) (local $sg f64) (local $sh f64)
    (local $lo i32) (local $hi i32) (local $i i32) (local $j i32) (local $key i32) (local $c i32)
    (local $gj f64) (local $hj f64) (local $b i32) (local $q i32)
    (local.set $k (i32.sub (local.get $at) (i32.const 1)))
    (local.set $prev (i32.const -1))
    (local.set $first (local.get $start))
    (local.set $lo (i32.const 0x7fffffff))
    (local.set $hi (i32.const -1))
    (local.set $i (local.get $start))
    (block $done
      (br_if $done (i32.ge_s (local.get $i) (local.get $end)))
      (loop $row
        (local.set $j (i32.load (i32.add (local.get $idx) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $key (i32.load (i32.add (local.get $keys) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $gj (f64.load (i32.add (local.get $g) (i32.shl (local.get $j) (i32.const 3)))))
        (local.set $hj (f64.load (i32.add (local.get $h) (i32.shl (local.get $j) (i32.const 3)))))
        (local.set $c (i32.shr_s (local.get $key) (i32.const 8)))
        (if (i32.ne (local.get $c) (local.get $prev))
          (then
            ;; A new code: flush the sums of the previous one.
            (if (i32.ge_s (local.get $k) (local.get $at))
              (then
                (i32.store (i32.add (local.get $lCount) (i32.shl (local.get $k) (i32.const 2))) (i32.sub (local.get $i) (local.get $first)))
                (f64.store (i32.add (local.get $lG) (i32.shl (local.get $k) (i32.const 3))) (local.get $sg))
                (f64.store (i32.add (local.get $lH) (i32.shl (local.get $k) (i32.const 3))) (local.get $sh))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (local.set $prev (local.get $c))
            (local.set $first (local.get $i))
            (i32.store (i32.add (local.get $lCode) (i32.shl (local.get $k) (i32.const 2))) (local.get $c))
            (local.set $sg (f64.const 0))
            (local.set $sh (f64.const 0))))
        (local.set $sg (f64.add (local.get $sg) (local.get $gj)))
        (local.set $sh (f64.add (local.get $sh) (local.get $hj)))
        (local.set $b (i32.and (local.get $key) (i32.const 255)))
        (local.set $q (i32.add (local.get $hist) (i32.mul (local.get $b) (i32.const 24))))
        (f64.store (local.get $q) (f64.add (f64.load (local.get $q)) (local.get $gj)))
        (f64.store offset=8 (local.get $q) (f64.add (f64.load offset=8 (local.get $q)) (local.get $hj)))
        (f64.store offset=16 (local.get $q) (f64.add (f64.load offset=16 (local.get $q)) (f64.const 1)))
        (local.set $lo (select (local.get $b) (local.get $lo) (i32.lt_s (local.get $b) (local.get $lo))))
        (local.set $hi (select (local.get $b) (local.get $hi) (i32.gt_s (local.get $b) (local.get $hi))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $row (i32.lt_s (local.get $i) (local.get $end)))))
    (if (i32.ge_s (local.get $k) (local.get $at))
      (then
        (i32.store (i32.add (local.get $lCount) (i32.shl (local.get $k) (i32.const 2))) (i32.sub (local.get $end) (local.get $first)))
        (f64.store (i32.add (local.get $lG) (i32.shl (local.get $k) (i32.const 3))) (local.get $sg))
        (f64.store (i32.add (local.get $lH) (i32.shl (local.get $k) (i32.const 3))) (local.get $sh))))
    (i32.store (local.get $range) (local.get $lo))
    (i32.store offset=4 (local.get $range) (local.get $hi))
    (i32.sub (i32.add (local.get $k) (i32.const 1)) (local.get $at)))

  ;; Histogram (3 doubles per bin at `hist`) of rows idx[start..end), bin = keys[j] & mask (32-bit
  ;; keys: 255 for the partner's bin in packed keys, -1 for plain codes); [lowest, highest] bin to
  ;; `range`.
  (func (export "histogram")
    (param $hist i32) (param $idx i32) (param $start i32) (param $end i32) (param $keys i32) (param $mask i32)
    (param $g i32) (param $h i32) (param $range i32)
    (local $lo i32) (local $hi i32) (local $i i32) (local $j i32) (local $b i32) (local $q i32)
    (local.set $lo (i32.const 0x7fffffff))
    (local.set $hi (i32.const -1))
    (local.set $i (local.get $start))
    (block $done
      (br_if $done (i32.ge_s (local.get $i) (local.get $end)))
      (loop $row
        (local.set $j (i32.load (i32.add (local.get $idx) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $b (i32.and (i32.load (i32.add (local.get $keys) (i32.shl (local.get $j) (i32.const 2)))) (local.get $mask)))
        (local.set $q (i32.add (local.get $hist) (i32.mul (local.get $b) (i32.const 24))))
        (f64.store (local.get $q)
          (f64.add (f64.load (local.get $q)) (f64.load (i32.add (local.get $g) (i32.shl (local.get $j) (i32.const 3))))))
        (f64.store offset=8 (local.get $q)
          (f64.add (f64.load offset=8 (local.get $q)) (f64.load (i32.add (local.get $h) (i32.shl (local.get $j) (i32.const 3))))))
        (f64.store offset=16 (local.get $q) (f64.add (f64.load offset=16 (local.get $q)) (f64.const 1)))
        (local.set $lo (select (local.get $b) (local.get $lo) (i32.lt_s (local.get $b) (local.get $lo))))
        (local.set $hi (select (local.get $b) (local.get $hi) (i32.gt_s (local.get $b) (local.get $hi))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $row (i32.lt_s (local.get $i) (local.get $end)))))
    (i32.store (local.get $range) (local.get $lo))
    (i32.store offset=4 (local.get $range) (local.get $hi)))

  ;; The same over byte bins (a numeric feature): bin = bins[j].
  (func (export "histogram8")
    (param $hist i32) (param $idx i32) (param $start i32) (param $end i32) (param $bins i32)
    (param $g i32) (param $h i32) (param $range i32)
    (local $lo i32) (local $hi i32) (local $i i32) (local $j i32) (local $b i32) (local $q i32)
    (local.set $lo (i32.const 0x7fffffff))
    (local.set $hi (i32.const -1))
    (local.set $i (local.get $start))
    (block $done
      (br_if $done (i32.ge_s (local.get $i) (local.get $end)))
      (loop $row
        (local.set $j (i32.load (i32.add (local.get $idx) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $b (i32.load8_u (i32.add (local.get $bins) (local.get $j))))
        (local.set $q (i32.add (local.get $hist) (i32.mul (local.get $b) (i32.const 24))))
        (f64.store (local.get $q)
          (f64.add (f64.load (local.get $q)) (f64.load (i32.add (local.get $g) (i32.shl (local.get $j) (i32.const 3))))))
        (f64.store offset=8 (local.get $q)
          (f64.add (f64.load offset=8 (local.get $q)) (f64.load (i32.add (local.get $h) (i32.shl (local.get $j) (i32.const 3))))))
        (f64.store offset=16 (local.get $q) (f64.add (f64.load offset=16 (local.get $q)) (f64.const 1)))
        (local.set $lo (select (local.get $b) (local.get $lo) (i32.lt_s (local.get $b) (local.get $lo))))
        (local.set $hi (select (local.get $b) (local.get $hi) (i32.gt_s (local.get $b) (local.get $hi))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $row (i32.lt_s (local.get $i) (local.get $end)))))
    (i32.store (local.get $range) (local.get $lo))
    (i32.store offset=4 (local.get $range) (local.get $hi)))

  ;; Stable partition of idx[start..end): rows whose bin (keys[j] & mask) is <= threshold or ==
  ;; missing first (missing = -1 for none; threshold -1 and missing = k split on "code == k").
  ;; `scratch` holds the right side meanwhile. Returns the first position of the right side.
  (func (export "partition")
    (param $idx i32) (param $scratch i32) (param $start i32) (param $end i32) (param $keys i32) (param $mask i32)
    (param $threshold i32) (param $missing i32) (result i32)
    (local $w i32) (local $r i32) (local $i i32) (local $j i32) (local $b i32) (local $left i32)
    (local.set $w (local.get $start))
    (local.set $i (local.get $start))
    (block $done
      (br_if $done (i32.ge_s (local.get $i) (local.get $end)))
      (loop $row
        (local.set $j (i32.load (i32.add (local.get $idx) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $b (i32.and (i32.load (i32.add (local.get $keys) (i32.shl (local.get $j) (i32.const 2)))) (local.get $mask)))
        (local.set $left (i32.or (i32.le_s (local.get $b) (local.get $threshold)) (i32.eq (local.get $b) (local.get $missing))))
        ;; Branch-free: write the row to both sides, advance the side it belongs to.
        (i32.store (i32.add (local.get $idx) (i32.shl (local.get $w) (i32.const 2))) (local.get $j))
        (i32.store (i32.add (local.get $scratch) (i32.shl (local.get $r) (i32.const 2))) (local.get $j))
        (local.set $w (i32.add (local.get $w) (local.get $left)))
        (local.set $r (i32.sub (i32.add (local.get $r) (i32.const 1)) (local.get $left)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $row (i32.lt_s (local.get $i) (local.get $end)))))
    (memory.copy
      (i32.add (local.get $idx) (i32.shl (local.get $w) (i32.const 2)))
      (local.get $scratch)
      (i32.shl (local.get $r) (i32.const 2)))
    (local.get $w))

  ;; The same over byte bins (a numeric feature).
  (func (export "partition8")
    (param $idx i32) (param $scratch i32) (param $start i32) (param $end i32) (param $bins i32)
    (param $threshold i32) (param $missing i32) (result i32)
    (local $w i32) (local $r i32) (local $i i32) (local $j i32) (local $b i32) (local $left i32)
    (local.set $w (local.get $start))
    (local.set $i (local.get $start))
    (block $done
      (br_if $done (i32.ge_s (local.get $i) (local.get $end)))
      (loop $row
        (local.set $j (i32.load (i32.add (local.get $idx) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $b (i32.load8_u (i32.add (local.get $bins) (local.get $j))))
        (local.set $left (i32.or (i32.le_s (local.get $b) (local.get $threshold)) (i32.eq (local.get $b) (local.get $missing))))
        (i32.store (i32.add (local.get $idx) (i32.shl (local.get $w) (i32.const 2))) (local.get $j))
        (i32.store (i32.add (local.get $scratch) (i32.shl (local.get $r) (i32.const 2))) (local.get $j))
        (local.set $w (i32.add (local.get $w) (local.get $left)))
        (local.set $r (i32.sub (i32.add (local.get $r) (i32.const 1)) (local.get $left)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $row (i32.lt_s (local.get $i) (local.get $end)))))
    (memory.copy
      (i32.add (local.get $idx) (i32.shl (local.get $w) (i32.const 2)))
      (local.get $scratch)
      (i32.shl (local.get $r) (i32.const 2)))
    (local.get $w))

  ;; Per-code list (code = keys[j] >> shift, row count, gradient sum, hessian sum; entries from
  ;; element `at`) of rows idx[start..end), whose codes ascend. Returns the number of entries.
  (func (export "codeList")
    (param $idx i32) (param $start i32) (param $end i32) (param $keys i32) (param $shift i32) (param $g i32) (param $h i32)
    (param $lCode i32) (param $lCount i32) (param $lG i32) (param $lH i32) (param $at i32) (result i32)
    (local $k i32) (local $prev i32) (local $first i32) (local $sg f64) (local $sh f64)
    (local $i i32) (local $j i32) (local $c i32)
    (local.set $k (i32.sub (local.get $at) (i32.const 1)))
    (local.set $prev (i32.const -1))
    (local.set $first (local.get $start))
    (local.set $i (local.get $start))
    (block $done
      (br_if $done (i32.ge_s (local.get $i) (local.get $end)))
      (loop $row
        (local.set $j (i32.load (i32.add (local.get $idx) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $c (i32.shr_s (i32.load (i32.add (local.get $keys) (i32.shl (local.get $j) (i32.const 2)))) (local.get $shift)))
        (if (i32.ne (local.get $c) (local.get $prev))
          (then
            (if (i32.ge_s (local.get $k) (local.get $at))
              (then
                (i32.store (i32.add (local.get $lCount) (i32.shl (local.get $k) (i32.const 2))) (i32.sub (local.get $i) (local.get $first)))
                (f64.store (i32.add (local.get $lG) (i32.shl (local.get $k) (i32.const 3))) (local.get $sg))
                (f64.store (i32.add (local.get $lH) (i32.shl (local.get $k) (i32.const 3))) (local.get $sh))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (local.set $prev (local.get $c))
            (local.set $first (local.get $i))
            (i32.store (i32.add (local.get $lCode) (i32.shl (local.get $k) (i32.const 2))) (local.get $c))
            (local.set $sg (f64.const 0))
            (local.set $sh (f64.const 0))))
        (local.set $sg (f64.add (local.get $sg) (f64.load (i32.add (local.get $g) (i32.shl (local.get $j) (i32.const 3))))))
        (local.set $sh (f64.add (local.get $sh) (f64.load (i32.add (local.get $h) (i32.shl (local.get $j) (i32.const 3))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $row (i32.lt_s (local.get $i) (local.get $end)))))
    (if (i32.ge_s (local.get $k) (local.get $at))
      (then
        (i32.store (i32.add (local.get $lCount) (i32.shl (local.get $k) (i32.const 2))) (i32.sub (local.get $end) (local.get $first)))
        (f64.store (i32.add (local.get $lG) (i32.shl (local.get $k) (i32.const 3))) (local.get $sg))
        (f64.store (i32.add (local.get $lH) (i32.shl (local.get $k) (i32.const 3))) (local.get $sh))))
    (i32.sub (i32.add (local.get $k) (i32.const 1)) (local.get $at)))

  ;; The larger child's list = the parent's list (entries at..at+len of lCode/lCount/lG/lH)
  ;; minus the smaller child's (entries s0..s0+lenS of sCode/sCount/sG/sH, codes ascending, a
  ;; subset of the parent's), in place: each entry is written at or before the one read, and
  ;; entries left with no rows are dropped. Returns the new length.
  (func (export "subtractList")
    (param $lCode i32) (param $lCount i32) (param $lG i32) (param $lH i32) (param $at i32) (param $len i32)
    (param $sCode i32) (param $sCount i32) (param $sG i32) (param $sH i32) (param $s0 i32) (param $lenS i32)
    (result i32)
    (local $sEnd i32) (local $k i32) (local $next i32) (local $w i32) (local $e i32) (local $stop i32)
    (local $c i32) (local $cnt i32)
    (local.set $sEnd (i32.add (local.get $s0) (local.get $lenS)))
    (local.set $k (local.get $s0))
    (local.set $next
      (if (result i32) (i32.lt_s (local.get $k) (local.get $sEnd))
        (then (i32.load (i32.add (local.get $sCode) (i32.shl (local.get $k) (i32.const 2)))))
        (else (i32.const -1))))
    (local.set $w (local.get $at))
    (local.set $e (local.get $at))
    (local.set $stop (i32.add (local.get $at) (local.get $len)))
    (block $done
      (br_if $done (i32.ge_s (local.get $e) (local.get $stop)))
      (loop $entry
        (local.set $c (i32.load (i32.add (local.get $lCode) (i32.shl (local.get $e) (i32.const 2)))))
        (if (i32.eq (local.get $c) (local.get $next))
          (then
            (local.set $cnt
              (i32.sub
                (i32.load (i32.add (local.get $lCount) (i32.shl (local.get $e) (i32.const 2))))
                (i32.load (i32.add (local.get $sCount) (i32.shl (local.get $k) (i32.const 2))))))
            (if (i32.gt_s (local.get $cnt) (i32.const 0))
              (then
                (i32.store (i32.add (local.get $lCode) (i32.shl (local.get $w) (i32.const 2))) (local.get $c))
                (i32.store (i32.add (local.get $lCount) (i32.shl (local.get $w) (i32.const 2))) (local.get $cnt))
                (f64.store (i32.add (local.get $lG) (i32.shl (local.get $w) (i32.const 3)))
                  (f64.sub
                    (f64.load (i32.add (local.get $lG) (i32.shl (local.get $e) (i32.const 3))))
                    (f64.load (i32.add (local.get $sG) (i32.shl (local.get $k) (i32.const 3))))))
                (f64.store (i32.add (local.get $lH) (i32.shl (local.get $w) (i32.const 3)))
                  (f64.sub
                    (f64.load (i32.add (local.get $lH) (i32.shl (local.get $e) (i32.const 3))))
                    (f64.load (i32.add (local.get $sH) (i32.shl (local.get $k) (i32.const 3))))))
                (local.set $w (i32.add (local.get $w) (i32.const 1)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (local.set $next
              (if (result i32) (i32.lt_s (local.get $k) (local.get $sEnd))
                (then (i32.load (i32.add (local.get $sCode) (i32.shl (local.get $k) (i32.const 2)))))
                (else (i32.const -1)))))
          (else
            (i32.store (i32.add (local.get $lCode) (i32.shl (local.get $w) (i32.const 2))) (local.get $c))
            (i32.store (i32.add (local.get $lCount) (i32.shl (local.get $w) (i32.const 2)))
              (i32.load (i32.add (local.get $lCount) (i32.shl (local.get $e) (i32.const 2)))))
            (f64.store (i32.add (local.get $lG) (i32.shl (local.get $w) (i32.const 3)))
              (f64.load (i32.add (local.get $lG) (i32.shl (local.get $e) (i32.const 3)))))
            (f64.store (i32.add (local.get $lH) (i32.shl (local.get $w) (i32.const 3)))
              (f64.load (i32.add (local.get $lH) (i32.shl (local.get $e) (i32.const 3)))))
            (local.set $w (i32.add (local.get $w) (i32.const 1)))))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br_if $entry (i32.lt_s (local.get $e) (local.get $stop)))))
    (i32.sub (local.get $w) (local.get $at)))

  ;; dst[i] = src[pos[i]] for i < n (32-bit elements): a tree's in-bag keys or codes.
  (func (export "gather")
    (param $dst i32) (param $src i32) (param $pos i32) (param $n i32)
    (local $i i32)
    (block $done
      (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
      (loop $row
        (i32.store (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2)))
          (i32.load (i32.add (local.get $src)
            (i32.shl (i32.load (i32.add (local.get $pos) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 2)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $row (i32.lt_s (local.get $i) (local.get $n))))))

;; dst[i] = src[pos[i]] for i < n (bytes): a tree's in-bag bins of a numeric feature.
  (func (export "gather8")
    (param $dst i32) (param $src i32) (param $pos i32) (param $n i32)
    (local $i i32)
    (block $done
      (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
      (loop $row
        (i32.store8 (i32.add (local.get $dst) (local.get $i))
          (i32.load8_u (i32.add (local.get $src)
            (i32.load (i32.add (local.get $pos) (i32.shl (local.get $i) (i32.const 2)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $row (i32.lt_s (local.get $i) (local.get $n))))))

  ;; "Code k vs the rest" over list entries [from, from + len): the entry whose split scores
  ;; highest, T(gL)^2/(hL + lambda) + T(G - gL)^2/(H - hL + lambda) (T the L1 soft threshold),
  ;; above `target`, within the size limits and not the unknown code; -1 if none. Scores are
  ;; compared as fractions num/den against the best so far, dividing only for a new best.
  (func (export "scanCodeList")
    (param $lCode i32) (param $lCount i32) (param $lG i32) (param $lH i32) (param $from i32) (param $len i32)
    (param $unknown i32) (param $G f64) (param $H f64) (param $target f64)
    (param $minLeaf f64) (param $maxLeft f64) (param $minChildWeight f64) (param $lambda f64) (param $alpha f64)
    (result i32)
    (local $e i32) (local $end i32) (local $pick i32) (local $gL f64) (local $hL f64) (local $a f64) (local $b f64)
    (local $d1 f64) (local $d2 f64) (local $num f64) (local $den f64) (local $nL f64)
    (local.set $pick (i32.const -1))
    (local.set $e (local.get $from))
    (local.set $end (i32.add (local.get $from) (local.get $len)))
    (block $done
      (br_if $done (i32.ge_s (local.get $e) (local.get $end)))
      (loop $entry
        (local.set $hL (f64.load (i32.add (local.get $lH) (i32.shl (local.get $e) (i32.const 3)))))
        (local.set $gL (f64.load (i32.add (local.get $lG) (i32.shl (local.get $e) (i32.const 3)))))
        (local.set $a (f64.max (f64.sub (f64.abs (local.get $gL)) (local.get $alpha)) (f64.const 0)))
        (local.set $b (f64.max (f64.sub (f64.abs (f64.sub (local.get $G) (local.get $gL))) (local.get $alpha)) (f64.const 0)))
        (local.set $d1 (f64.add (local.get $hL) (local.get $lambda)))
        (local.set $d2 (f64.add (f64.sub (local.get $H) (local.get $hL)) (local.get $lambda)))
        (local.set $num
          (f64.add
            (f64.mul (f64.mul (local.get $a) (local.get $a)) (local.get $d2))
            (f64.mul (f64.mul (local.get $b) (local.get $b)) (local.get $d1))))
        (local.set $den (f64.mul (local.get $d1) (local.get $d2)))
        (if (f64.gt (local.get $num) (f64.mul (local.get $target) (local.get $den)))
          (then
            (local.set $nL (f64.convert_i32_s (i32.load (i32.add (local.get $lCount) (i32.shl (local.get $e) (i32.const 2))))))
            (if (i32.and
                  (i32.and
                    (i32.and (f64.ge (local.get $nL) (local.get $minLeaf)) (f64.le (local.get $nL) (local.get $maxLeft)))
                    (i32.and (f64.gt (local.get $den) (f64.const 0)) (f64.ge (local.get $hL) (local.get $minChildWeight))))
                  (i32.and
                    (f64.ge (f64.sub (local.get $H) (local.get $hL)) (local.get $minChildWeight))
                    (i32.ne (i32.load (i32.add (local.get $lCode) (i32.shl (local.get $e) (i32.const 2)))) (local.get $unknown))))
              (then
                (local.set $target (f64.div (local.get $num) (local.get $den)))
                (local.set $pick (local.get $e))))))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br_if $entry (i32.lt_s (local.get $e) (local.get $end)))))
    (local.get $pick))
)
