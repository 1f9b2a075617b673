package dropout

import "math"

// The generic fused-residual kernels, the oracle of every SIMD one, with
// the contracts of typedKernels: element k of a call's range uses bias
// element (phase+k) mod len(bias) (bias nil: none); kept elements are
// ((x ⊕ b) ⊗ s) ⊕ r, each rounded (the conversions forbid fusing into an
// FMA), a NaN result the default quiet NaN (canonNaN), and dropped elements
// are r, its bits copied.

// canonNaN returns y, or the default quiet NaN (+, payload 0: 0x7FC00000,
// 0x7FF8000000000000) when y is a NaN. The fused forms add two or three
// inputs, and which NaN an add of two NaNs returns differs between CPUs
// (x86 the first operand's, ARM a signalling one first) and between
// operand orders a compiler may pick: one NaN for every NaN result keeps
// every path's bits equal.
func canonNaN[T float32 | float64](y T) T {
	if y != y {
		if isFloat32[T]() {
			return T(math.Float32frombits(0x7FC00000))
		}
		return T(math.Float64frombits(0x7FF8000000000000))
	}
	return y
}

// residualKeep sets d[k] = ((x[k] ⊕ b) ⊗ s) ⊕ r[k] for a range of equal
// lengths, bias from phase.
func residualKeep[T float32 | float64](d, x, r, b []T, phase int, s T) {
	x, r = x[:len(d)], r[:len(d)]
	if b == nil {
		for k := range d {
			d[k] = canonNaN(T(x[k]*s) + r[k])
		}
		return
	}
	for k := 0; k < len(d); {
		seg := b[phase:min(len(b), phase+len(d)-k)]
		dd, xx, rr := d[k:k+len(seg)], x[k:k+len(seg)], r[k:k+len(seg)]
		for j := range dd {
			dd[j] = canonNaN(T(T(xx[j]+seg[j])*s) + rr[j])
		}
		k += len(seg)
		phase = 0
	}
}

// biasAt returns the bias of element k of a range starting at phase.
func biasAt[T Float](b []T, phase, k int) T { return b[(phase+k)%len(b)] }

func residualPlanesGeneric[T float32 | float64](dst, src, res, bias []T, mask []uint64, first, plane, n int, s T) {
	for i := first; i < first+n; {
		j := runEnd(mask, i, first+n)
		lo, hi := (i-first)*plane, (j-first)*plane
		if mask[i>>6]>>(i&63)&1 == 1 {
			ph := 0
			if bias != nil {
				ph = lo % len(bias)
			}
			residualKeep(dst[lo:hi], src[lo:hi], res[lo:hi], bias, ph, s)
		} else {
			copy(dst[lo:hi], res[lo:hi])
		}
		i = j
	}
}

func residualRowsGeneric[T float32 | float64](dst, src, res, bias, v []T) {
	src, res = src[:len(dst)], res[:len(dst)]
	for k := range dst {
		vk := v[k%len(v)]
		if vk == 0 {
			dst[k] = res[k]
			continue
		}
		x := src[k]
		if bias != nil {
			x = T(x + biasAt(bias, 0, k))
		}
		dst[k] = canonNaN(T(x*vk) + res[k])
	}
}

func residualBitsGeneric[T float32 | float64](dst, src, res, bias []T, mask []uint64, first, phase int, s T) {
	src, res = src[:len(dst)], res[:len(dst)]
	for k := range dst {
		b := first + k
		if mask[b>>6]>>(b&63)&1 == 0 {
			dst[k] = res[k]
			continue
		}
		x := src[k]
		if bias != nil {
			x = T(x + biasAt(bias, phase, k))
		}
		dst[k] = canonNaN(T(x*s) + res[k])
	}
}

func residualPhiloxGeneric[T float32 | float64](dst, src, res, bias []T, bits []uint64, seed, start uint64, t uint32, phase int, s T) {
	k0, k1 := uint32(seed), uint32(seed>>32)
	n := len(dst)
	for i := 0; i < n; i += 64 {
		w := decideGroup(k0, k1, start+groupBlocks*uint64(i/64), t, lanes(n-i))
		if bits != nil {
			bits[i/64] = w
		}
		e := min(i+64, n)
		ph := phase
		if bias != nil {
			ph = (phase + i) % len(bias)
		}
		residualBitsGeneric(dst[i:e], src[i:e], res[i:e], bias, []uint64{w}, 0, ph, s)
	}
}

// sumRowsGeneric sets db[j] to the sum over the rows of dx (rows of
// len(db), the last possibly partial) of their column j, added in row order
// in T, a NaN sum the default quiet NaN (see canonNaN; Inf − Inf, too, is
// a different NaN on x86 and ARM).
func sumRowsGeneric[T float32 | float64](db, dx []T) {
	clear(db)
	for r := 0; r < len(dx); r += len(db) {
		row := dx[r:min(r+len(db), len(dx))]
		for j, v := range row {
			db[j] += v
		}
	}
	for j, v := range db {
		db[j] = canonNaN(v)
	}
}

// The half types: everything widened to float32, the same operations in
// float32, one rounding to T; dropped elements copy r's bits.

func residualKeepHalf(d, x, r, b []uint16, phase int, s float32, bf bool) {
	x, r = x[:len(d)], r[:len(d)]
	for k := range d {
		v := widenHalf(x[k], bf)
		if b != nil {
			v += widenHalf(b[(phase+k)%len(b)], bf)
		}
		d[k] = roundHalf(canonNaN(float32(v*s)+widenHalf(r[k], bf)), bf)
	}
}

func residualPlanesHalf[T BFloat16 | Float16](dst, src, res, bias []T, mask []uint64, first, plane, n int, s float32) {
	d, x, r, b, bf := as16(dst), as16(src), as16(res), as16(bias), isBF16[T]()
	if bias == nil {
		b = nil
	}
	for i := first; i < first+n; {
		j := runEnd(mask, i, first+n)
		lo, hi := (i-first)*plane, (j-first)*plane
		if mask[i>>6]>>(i&63)&1 == 1 {
			residualKeepHalf(d[lo:hi], x[lo:hi], r[lo:hi], b, lo, s, bf)
		} else {
			copy(d[lo:hi], r[lo:hi])
		}
		i = j
	}
}

func residualRowsHalf[T BFloat16 | Float16](dst, src, res, bias []T, v []float32) {
	d, x, r, b, bf := as16(dst), as16(src), as16(res), as16(bias), isBF16[T]()
	if bias == nil {
		b = nil
	}
	x, r = x[:len(d)], r[:len(d)]
	for k := range d {
		vk := v[k%len(v)]
		if vk == 0 {
			d[k] = r[k]
			continue
		}
		residualKeepHalf(d[k:k+1], x[k:k+1], r[k:k+1], b, k, vk, bf)
	}
}

func residualBitsHalf[T BFloat16 | Float16](dst, src, res, bias []T, mask []uint64, first, phase int, s float32) {
	d, x, r, b, bf := as16(dst), as16(src), as16(res), as16(bias), isBF16[T]()
	if bias == nil {
		b = nil
	}
	x, r = x[:len(d)], r[:len(d)]
	for k := range d {
		bit := first + k
		if mask[bit>>6]>>(bit&63)&1 == 0 {
			d[k] = r[k]
			continue
		}
		residualKeepHalf(d[k:k+1], x[k:k+1], r[k:k+1], b, phase+k, s, bf)
	}
}

func residualPhiloxHalf[T BFloat16 | Float16](dst, src, res, bias []T, bits []uint64, seed, start uint64, t uint32, phase int, s float32) {
	k0, k1 := uint32(seed), uint32(seed>>32)
	n := len(dst)
	for i := 0; i < n; i += 64 {
		w := decideGroup(k0, k1, start+groupBlocks*uint64(i/64), t, lanes(n-i))
		if bits != nil {
			bits[i/64] = w
		}
		e := min(i+64, n)
		residualBitsHalf(dst[i:e], src[i:e], res[i:e], bias, []uint64{w}, 0, phase+i, s)
	}
}

// sumRowsHalf is sumRowsGeneric for a half type: float32 sums, 256 columns
// at a time, each rounded once at the end (a NaN sum as canonNaN's).
func sumRowsHalf[T BFloat16 | Float16](db, dx []T) {
	d, x, bf := as16(db), as16(dx), isBF16[T]()
	var acc [256]float32
	for c0 := 0; c0 < len(d); c0 += len(acc) {
		a := acc[:min(len(acc), len(d)-c0)]
		clear(a)
		for r := c0; r < len(x); r += len(d) {
			row := x[r:min(r+len(a), len(x))]
			for j, v := range row {
				a[j] += widenHalf(v, bf)
			}
		}
		for j, v := range a {
			d[c0+j] = roundHalf(canonNaN(v), bf)
		}
	}
}
