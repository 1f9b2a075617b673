// Package baseline holds the reference implementations that benchmarks and
// the bench report measure the kernels against: what a Go programmer would
// write first, and the memory-traffic bound of channel dropout.
package baseline

import (
	"math/rand/v2"

	"github.com/simdrop/simdrop/dropout"
)

// Naive is channel dropout as one would first write it in Go: a branch per
// plane, a multiply per element, and a zeroing loop (which the compiler turns
// into memclr). Feature f of m covers dst[f*plane:(f+1)*plane].
func Naive(dst, src []float32, m *dropout.Mask, plane int, s float32) {
	for f := 0; f < m.Features(); f++ {
		d, x := dst[f*plane:(f+1)*plane], src[f*plane:(f+1)*plane]
		if m.Kept(f) {
			for i := range d {
				d[i] = x[i] * s
			}
		} else {
			for i := range d {
				d[i] = 0
			}
		}
	}
}

// Bound moves exactly the bytes channel dropout must move, with the runtime's
// memmove and memclr: each kept plane is copied (no multiply), each dropped
// plane cleared. No dropout can beat it by much; it is the yardstick for
// "at the memory wall".
func Bound(dst, src []float32, m *dropout.Mask, plane int) {
	for f := 0; f < m.Features(); f++ {
		d := dst[f*plane : (f+1)*plane]
		if m.Kept(f) {
			copy(d, src[f*plane:(f+1)*plane])
		} else {
			clear(d)
		}
	}
}

// NaiveElementwise is elementwise dropout as one would first write it in
// Go, with math/rand/v2: a uniform draw, a branch and a multiply per element.
func NaiveElementwise(dst, src []float32, r *rand.Rand, p float64, s float32) {
	src = src[:len(dst)]
	for i := range dst {
		if r.Float64() < p {
			dst[i] = 0
		} else {
			dst[i] = src[i] * s
		}
	}
}
