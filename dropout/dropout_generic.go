package dropout

import (
	"math"
	"math/bits"
)

// The generic kernels: portable Go, always compiled, and the oracle that every
// other path is tested against bit for bit.

// scalePlanesGeneric is the scale-planes primitive (see kernelSet). Runs of
// consecutive planes with the same decision are handled as one contiguous
// range, so small planes (7×7) cost one loop setup per run, not per plane.
func scalePlanesGeneric[T float32 | float64](dst, src []T, mask []uint64, first, plane, n int, s T) {
	src = src[:len(dst)]
	for i := first; i < first+n; {
		keep := mask[i>>6]>>(i&63)&1 == 1
		j := runEnd(mask, i, first+n)
		lo, hi := (i-first)*plane, (j-first)*plane
		if keep {
			scaleSlice(dst[lo:hi], src[lo:hi], s)
		} else {
			clear(dst[lo:hi])
		}
		i = j
	}
}

// runEnd returns the smallest j in (i, end] such that bit j differs from
// bit i, or end if bits i..end-1 all agree.
func runEnd(mask []uint64, i, end int) int {
	want := mask[i>>6] >> (i & 63) & 1
	flip := -want // all ones when looking for a clear bit
	j := i
	for j < end {
		w := (mask[j>>6] ^ flip) >> (j & 63) // set bits differ from want
		if w != 0 {
			return min(j+bits.TrailingZeros64(w), end)
		}
		j = (j | 63) + 1
	}
	return end
}

// scaleSlice sets d[i] = s[i] * k; d and s have equal lengths and are the same
// slice or disjoint.
func scaleSlice[T float32 | float64](d, s []T, k T) {
	s = s[:len(d)]
	i := 0
	for ; i <= len(d)-8; i += 8 {
		dd := d[i : i+8 : i+8]
		ss := s[i : i+8 : i+8]
		dd[0] = ss[0] * k
		dd[1] = ss[1] * k
		dd[2] = ss[2] * k
		dd[3] = ss[3] * k
		dd[4] = ss[4] * k
		dd[5] = ss[5] * k
		dd[6] = ss[6] * k
		dd[7] = ss[7] * k
	}
	for ; i < len(d); i++ {
		d[i] = s[i] * k
	}
}

// scaleRowsGeneric is the scale-rows-by-vector primitive (see kernelSet):
// consecutive rows of len(v) elements, each column j scaled by v[j], or set
// to +0 where v[j] == 0. The zeroing is a bit mask, not a branch, so it costs
// the same whatever the pattern of v.
func scaleRowsGeneric[T float32 | float64](dst, src, v []T) {
	src = src[:len(dst)]
	for len(dst) > 0 {
		w := min(len(v), len(dst))
		d, x, vv := dst[:w], src[:w], v[:w]
		for j := range d {
			d[j] = keepOrZero(x[j]*vv[j], vv[j])
		}
		dst, src = dst[w:], src[w:]
	}
}

// keepOrZero returns x when v != 0 and +0 when v is ±0, without a branch:
// the bits of x are ANDed with all ones or all zeros.
func keepOrZero[T float32 | float64](x, v T) T {
	if isFloat32[T]() {
		b := math.Float32bits(float32(v)) << 1 // drop the sign: ±0 → 0
		m := -((b | -b) >> 31)                 // all ones iff b != 0
		return T(math.Float32frombits(math.Float32bits(float32(x)) & m))
	}
	b := math.Float64bits(float64(v)) << 1
	m := -((b | -b) >> 63)
	return T(math.Float64frombits(math.Float64bits(float64(x)) & m))
}

// affinePlanesGeneric is the affine-planes primitive (see kernelSet): kept
// planes become src·a + b, dropped ones c.
func affinePlanesGeneric[T float32 | float64](dst, src []T, mask []uint64, first, plane, n int, a, b, c T) {
	src = src[:len(dst)]
	for i := first; i < first+n; {
		keep := mask[i>>6]>>(i&63)&1 == 1
		j := runEnd(mask, i, first+n)
		lo, hi := (i-first)*plane, (j-first)*plane
		d := dst[lo:hi]
		if keep {
			x := src[lo:hi]
			for k := range d {
				d[k] = T(x[k]*a) + b // the conversion forbids fusing into an FMA
			}
		} else {
			for k := range d {
				d[k] = c
			}
		}
		i = j
	}
}
