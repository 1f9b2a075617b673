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
	if isFloat32[T]() {
		scaleRows32(as[float32](dst), as[float32](src), as[float32](v))
	} else {
		scaleRows64(as[float64](dst), as[float64](src), as[float64](v))
	}
}

// scaleRows32 and scaleRows64 work through v in blocks of up to 256
// columns: the keep masks of a block are computed once, then every row's
// slice of those columns is one multiply and one AND per element.
func scaleRows32(dst, src, v []float32) {
	src = src[:len(dst)]
	var masks [256]uint32
	for c0 := 0; c0 < len(v); c0 += len(masks) {
		vv := v[c0:min(c0+len(masks), len(v))]
		mm := masks[:len(vv)]
		for j := range mm {
			b := math.Float32bits(vv[j]) << 1 // drop the sign: ±0 → 0
			mm[j] = -((b | -b) >> 31)         // all ones iff v[j] != 0
		}
		for r := c0; r < len(dst); r += len(v) {
			d := dst[r:min(r+len(vv), len(dst))]
			x, vr, mr := src[r:r+len(d)], vv[:len(d)], mm[:len(d)]
			for j := range d {
				d[j] = math.Float32frombits(math.Float32bits(x[j]*vr[j]) & mr[j])
			}
		}
	}
}

func scaleRows64(dst, src, v []float64) {
	src = src[:len(dst)]
	var masks [256]uint64
	for c0 := 0; c0 < len(v); c0 += len(masks) {
		vv := v[c0:min(c0+len(masks), len(v))]
		mm := masks[:len(vv)]
		for j := range mm {
			b := math.Float64bits(vv[j]) << 1
			mm[j] = -((b | -b) >> 63)
		}
		for r := c0; r < len(dst); r += len(v) {
			d := dst[r:min(r+len(vv), len(dst))]
			x, vr, mr := src[r:r+len(d)], vv[:len(d)], mm[:len(d)]
			for j := range d {
				d[j] = math.Float64frombits(math.Float64bits(x[j]*vr[j]) & mr[j])
			}
		}
	}
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

// scaleBitsGeneric is the elementwise scale primitive (see kernelSet): one
// mask word drives 64 elements, each kept or zeroed by a bit mask rather
// than a branch, so a random mask costs no mispredictions.
func scaleBitsGeneric[T float32 | float64](dst, src []T, mask []uint64, first int, s T) {
	src = src[:len(dst)]
	for i := 0; i < len(dst); {
		b := first + i
		w := mask[b>>6] >> (b & 63)
		n := min(64-b&63, len(dst)-i)
		applyWord(dst[i:i+n], src[i:i+n], w, s)
		i += n
	}
}

// affineBitsGeneric is the elementwise affine primitive (see kernelSet): one
// mask word drives 64 elements, each selected by a bit mask rather than a
// branch.
func affineBitsGeneric[T float32 | float64](dst, src []T, mask []uint64, first int, a, b, c T) {
	src = src[:len(dst)]
	for i := 0; i < len(dst); {
		bit := first + i
		w := mask[bit>>6] >> (bit & 63)
		n := min(64-bit&63, len(dst)-i)
		d, x := dst[i:i+n], src[i:i+n]
		for j := range d {
			d[j] = selectBit(w>>j&1, T(x[j]*a)+b, c) // the conversion forbids an FMA
		}
		i += n
	}
}

// selectBit returns v if bit is 1 and c if it is 0, without a branch.
func selectBit[T float32 | float64](bit uint64, v, c T) T {
	if isFloat32[T]() {
		m := -uint32(bit)
		return T(math.Float32frombits(math.Float32bits(float32(v))&m | math.Float32bits(float32(c))&^m))
	}
	m := -bit
	return T(math.Float64frombits(math.Float64bits(float64(v))&m | math.Float64bits(float64(c))&^m))
}

// applyWord sets d[j] = s·x[j] where bit j of w is set, +0 where it is clear.
func applyWord[T float32 | float64](d, x []T, w uint64, s T) {
	if isFloat32[T]() {
		applyWord32(as[float32](d), as[float32](x), w, float32(s))
	} else {
		applyWord64(as[float64](d), as[float64](x), w, float64(s))
	}
}

func applyWord32(d, x []float32, w uint64, s float32) {
	if len(d) == 64 { // a whole word: no bounds checks, four lanes a step
		dd, xx := (*[64]float32)(d), (*[64]float32)(x)
		for j := 0; j < 64; j += 4 {
			dd[j] = math.Float32frombits(math.Float32bits(xx[j]*s) & -uint32(w&1))
			dd[j+1] = math.Float32frombits(math.Float32bits(xx[j+1]*s) & -uint32(w>>1&1))
			dd[j+2] = math.Float32frombits(math.Float32bits(xx[j+2]*s) & -uint32(w>>2&1))
			dd[j+3] = math.Float32frombits(math.Float32bits(xx[j+3]*s) & -uint32(w>>3&1))
			w >>= 4
		}
		return
	}
	x = x[:len(d)]
	for j := range d {
		m := -uint32(w >> j & 1)
		d[j] = math.Float32frombits(math.Float32bits(x[j]*s) & m)
	}
}

func applyWord64(d, x []float64, w uint64, s float64) {
	if len(d) == 64 {
		dd, xx := (*[64]float64)(d), (*[64]float64)(x)
		for j := 0; j < 64; j += 4 {
			dd[j] = math.Float64frombits(math.Float64bits(xx[j]*s) & -(w & 1))
			dd[j+1] = math.Float64frombits(math.Float64bits(xx[j+1]*s) & -(w >> 1 & 1))
			dd[j+2] = math.Float64frombits(math.Float64bits(xx[j+2]*s) & -(w >> 2 & 1))
			dd[j+3] = math.Float64frombits(math.Float64bits(xx[j+3]*s) & -(w >> 3 & 1))
			w >>= 4
		}
		return
	}
	x = x[:len(d)]
	for j := range d {
		m := -(w >> j & 1)
		d[j] = math.Float64frombits(math.Float64bits(x[j]*s) & m)
	}
}

// dropoutPhiloxGeneric is the fused elementwise dropout primitive (see
// kernelSet): two groups of 64 elements at a time, decided from their bit
// planes in lockstep with decidePair, then applied with applyWord.
func dropoutPhiloxGeneric[T float32 | float64](dst, src []T, bits []uint64, seed, start uint64, t uint32, s T) {
	k0, k1 := uint32(seed), uint32(seed>>32)
	src = src[:len(dst)]
	n := len(dst)
	i := 0
	for ; i+64 < n; i += 128 {
		b := start + groupBlocks*uint64(i/64)
		w0, w1 := decidePair(k0, k1, b, b+groupBlocks, t, ^uint64(0), lanes(n-i-64))
		if bits != nil {
			bits[i/64], bits[i/64+1] = w0, w1
		}
		applyWord(dst[i:i+64], src[i:i+64], w0, s)
		e := min(i+128, n)
		applyWord(dst[i+64:e], src[i+64:e], w1, s)
	}
	if i < n {
		w := decideGroup(k0, k1, start+groupBlocks*uint64(i/64), t, lanes(n-i))
		if bits != nil {
			bits[i/64] = w
		}
		applyWord(dst[i:], src[i:], w, s)
	}
}
