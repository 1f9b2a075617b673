package dropout

import "unsafe"

// The generic kernels of the half types: the oracle of every SIMD half
// kernel, with the contracts of typedKernels. Each computes in float32: the
// element widened exactly, one float32 multiply (alpha: then one float32
// add), one rounding to T (half.go). The loops work on the uint16 bits;
// bf says which of the two formats they hold.

func isBF16[T BFloat16 | Float16]() bool { return kindOf[T]() == kindBF16 }

// widenHalf and roundHalf convert one element of either format.
func widenHalf(h uint16, bf bool) float32 {
	if bf {
		return bf16ToF32(h)
	}
	return f16ToF32(h)
}

func roundHalf(f float32, bf bool) uint16 {
	if bf {
		return f32ToBF16(f)
	}
	return f32ToF16(f)
}

// mulRound sets d[i] = round(widen(x[i]) ⊗ s); d and x have equal lengths
// and are the same slice or disjoint.
func mulRound(d, x []uint16, s float32, bf bool) {
	x = x[:len(d)]
	if bf {
		for i := range d {
			d[i] = f32ToBF16(bf16ToF32(x[i]) * s)
		}
		return
	}
	for i := range d {
		d[i] = f32ToF16(f16ToF32(x[i]) * s)
	}
}

// affineRound sets d[i] = round((widen(x[i]) ⊗ a) ⊕ b).
func affineRound(d, x []uint16, a, b float32, bf bool) {
	x = x[:len(d)]
	for i := range d {
		d[i] = roundHalf(float32(widenHalf(x[i], bf)*a)+b, bf) // the conversion forbids an FMA
	}
}

// mulRoundWord sets d[j] = round(widen(x[j]) ⊗ s) where bit j of w is set
// and +0 where it is clear (x[j] is read either way; the zeroing is a mask,
// not a branch).
func mulRoundWord(d, x []uint16, w uint64, s float32, bf bool) {
	x = x[:len(d)]
	if bf {
		for j := range d {
			d[j] = f32ToBF16(bf16ToF32(x[j])*s) & -uint16(w>>j&1)
		}
		return
	}
	for j := range d {
		d[j] = f32ToF16(f16ToF32(x[j])*s) & -uint16(w>>j&1)
	}
}

// scalePlanesHalf is scalePlanesGeneric for a half type: kept planes become
// round(src ⊗ s), dropped ones +0, src not read.
func scalePlanesHalf[T BFloat16 | Float16](dst, src []T, mask []uint64, first, plane, n int, s float32) {
	d, x, bf := as16(dst), as16(src[:len(dst)]), isBF16[T]()
	for i := first; i < first+n; {
		j := runEnd(mask, i, first+n)
		lo, hi := (i-first)*plane, (j-first)*plane
		if mask[i>>6]>>(i&63)&1 == 1 {
			mulRound(d[lo:hi], x[lo:hi], s, bf)
		} else {
			clear(d[lo:hi])
		}
		i = j
	}
}

// scaleRowsHalf is scaleRowsGeneric for a half type: column j of every row
// becomes round(src ⊗ v[j]), or +0 where v[j] == 0 (src not used).
func scaleRowsHalf[T BFloat16 | Float16](dst, src []T, v []float32) {
	d, x, bf := as16(dst), as16(src[:len(dst)]), isBF16[T]()
	for r := 0; r < len(d); r += len(v) {
		dr := d[r:min(r+len(v), len(d))]
		xr := x[r : r+len(dr)]
		for j := range dr {
			if v[j] == 0 {
				dr[j] = 0
			} else {
				dr[j] = roundHalf(widenHalf(xr[j], bf)*v[j], bf)
			}
		}
	}
}

// affinePlanesHalf is affinePlanesGeneric for a half type: kept planes
// become round((src ⊗ a) ⊕ b), dropped ones round(c), src not read.
func affinePlanesHalf[T BFloat16 | Float16](dst, src []T, mask []uint64, first, plane, n int, a, b, c float32) {
	d, x, bf := as16(dst), as16(src[:len(dst)]), isBF16[T]()
	fill := roundHalf(c, bf)
	for i := first; i < first+n; {
		j := runEnd(mask, i, first+n)
		lo, hi := (i-first)*plane, (j-first)*plane
		if mask[i>>6]>>(i&63)&1 == 1 {
			affineRound(d[lo:hi], x[lo:hi], a, b, bf)
		} else {
			for k := lo; k < hi; k++ {
				d[k] = fill
			}
		}
		i = j
	}
}

// scaleBitsHalf is scaleBitsGeneric for a half type.
func scaleBitsHalf[T BFloat16 | Float16](dst, src []T, mask []uint64, first int, s float32) {
	d, x, bf := as16(dst), as16(src[:len(dst)]), isBF16[T]()
	for i := 0; i < len(d); {
		b := first + i
		n := min(64-b&63, len(d)-i)
		mulRoundWord(d[i:i+n], x[i:i+n], mask[b>>6]>>(b&63), s, bf)
		i += n
	}
}

// affineBitsHalf is affineBitsGeneric for a half type: kept elements become
// round((src ⊗ a) ⊕ b), dropped ones round(c).
func affineBitsHalf[T BFloat16 | Float16](dst, src []T, mask []uint64, first int, a, b, c float32) {
	d, x, bf := as16(dst), as16(src[:len(dst)]), isBF16[T]()
	fill := roundHalf(c, bf)
	for i := range d {
		bit := first + i
		v := roundHalf(float32(widenHalf(x[i], bf)*a)+b, bf)
		keep := -uint16(mask[bit>>6] >> (bit & 63) & 1)
		d[i] = v&keep | fill&^keep
	}
}

// dropoutPhiloxHalf is dropoutPhiloxGeneric for a half type: two groups of
// 64 elements decided at a time with decidePair, then applied.
func dropoutPhiloxHalf[T BFloat16 | Float16](dst, src []T, bits []uint64, seed, start uint64, t uint32, s float32) {
	k0, k1 := uint32(seed), uint32(seed>>32)
	d, x, bf := as16(dst), as16(src[:len(dst)]), isBF16[T]()
	n := len(d)
	i := 0
	for ; i+64 < n; i += 128 {
		b := start + groupBlocks*uint64(i/64)
		w0, w1 := decidePair(k0, k1, b, b+groupBlocks, t, ^uint64(0), lanes(n-i-64))
		if bits != nil {
			bits[i/64], bits[i/64+1] = w0, w1
		}
		mulRoundWord(d[i:i+64], x[i:i+64], w0, s, bf)
		e := min(i+128, n)
		mulRoundWord(d[i+64:e], x[i+64:e], w1, s, bf)
	}
	if i < n {
		w := decideGroup(k0, k1, start+groupBlocks*uint64(i/64), t, lanes(n-i))
		if bits != nil {
			bits[i/64] = w
		}
		mulRoundWord(d[i:], x[i:], w, s, bf)
	}
}

// as16 views a half slice as its uint16 bits, sharing memory.
func as16[T BFloat16 | Float16](x []T) []uint16 {
	return unsafe.Slice((*uint16)(unsafe.Pointer(unsafe.SliceData(x))), len(x))
}
