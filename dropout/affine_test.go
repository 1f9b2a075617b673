package dropout

import (
	"fmt"
	"math"
	"testing"
)

// The affine-planes proof reuses the scale-planes sweeps (testPlanes and the
// guard-page tests): the same lengths, bit patterns, offsets and specials,
// with (a, b, c) in place of s.

// affineFunc is the affine-planes primitive for one element type.
type affineFunc[T float] func(dst, src []T, bits []uint64, first, plane, n int, a, b, c T)

// affineFn returns k's affine-planes kernel for T.
func affineFn[T float](k *kernelSet) affineFunc[T] {
	var f any
	switch any(T(0)).(type) {
	case float32:
		f = k.f32.affinePlanes
	case float64:
		f = k.f64.affinePlanes
	}
	return f.(func(dst, src []T, bits []uint64, first, plane, n int, a, b, c T))
}

// refAffinePlanes is the affine-planes contract one element at a time. dst
// and src must not overlap.
func refAffinePlanes[T float](dst, src []T, bits []uint64, first, plane, n int, a, b, c T) {
	for e := range dst {
		bit := first + e/plane
		if bits[bit/64]>>(bit%64)&1 == 1 {
			p := T(src[e] * a) // rounded here: the conversion forbids an FMA
			dst[e] = p + b
		} else {
			dst[e] = c
		}
	}
}

// affineParams returns the (a, b, c) triples the affine sweeps use.
func affineParams[T float]() [][3]T {
	// Alpha dropout for p: kept x → a·x + b, dropped → a·α' + b, with
	// α' = -λα of SELU.
	alpha := func(p float64) [3]T {
		const alphaP = -1.7580993408473766
		a := 1 / math.Sqrt((1-p)*(1+p*alphaP*alphaP))
		b := -a * alphaP * p
		return [3]T{T(a), T(b), T(a*alphaP + b)}
	}
	var one T = 1
	eps := math.Nextafter(1, 2) - 1
	big, huge := 1e30, math.MaxFloat64
	sNaN := T(math.Float64frombits(0x7ff4000000000001))
	if isFloat32[T]() {
		eps = float64(math.Nextafter32(1, 2) - 1)
		huge = math.MaxFloat32
		sNaN = T(math.Float32frombits(0x7fa00001))
	} else {
		big = 1e300
	}
	return [][3]T{
		alpha(0.1),
		{1.2, 0.6, -1.7},
		alpha(0.5),
		alpha(0.9),
		{1, -1, 0},                       // x*a+b cancels for x = 1: +0
		{-1, 1, T(math.Copysign(0, -1))}, // and for x = 1 again; c = -0
		{one + T(eps), -1, 3},            // a fused multiply-add gives other bits near x = 1
		{3, T(-1) / 3, 0.5},              // cancels near x = 1/9
		{1, T(math.Copysign(0, -1)), 7},  // x + -0 is x, and -0 for x = -0
		{T(big), 1, T(huge)},             // products overflow
		{0.5, T(-huge), sNaN},            // sums overflow; a dropped plane holds a signalling NaN as is
		{0, 1, T(math.Inf(1))},           // Inf·0 is the default NaN
		{T(eps), T(eps) * T(eps), T(math.Inf(-1))},
	}
}

// affinePrim is path k's affine-planes primitive, param i selecting
// affineParams()[i]; the generic path is compared with refAffinePlanes.
func affinePrim[T float](k *kernelSet) planesPrim[T] {
	ps := affineParams[T]()
	bind := func(f affineFunc[T]) planesFunc[T] {
		return func(dst, src []T, bits []uint64, first, plane, n, i int) {
			f(dst, src, bits, first, plane, n, ps[i][0], ps[i][1], ps[i][2])
		}
	}
	oracle := affineFn[T](genericKernels)
	if k == genericKernels {
		oracle = refAffinePlanes[T]
	}
	return planesPrim[T]{
		kernel:  bind(affineFn[T](k)),
		oracle:  bind(oracle),
		nParams: len(ps),
		param: func(i int) string {
			return fmt.Sprintf("a=%v b=%v c=%v", ps[i][0], ps[i][1], ps[i][2])
		},
		thin: true, // the run walk is scale-planes', proved in full
	}
}

// TestAffinePlanesMatchesGeneric checks every usable path's affine-planes
// kernel against the generic oracle, and the generic kernel against the
// per-element reference.
func TestAffinePlanesMatchesGeneric(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		t.Run("float32", func(t *testing.T) { testPlanes(t, affinePrim[float32](k)) })
		t.Run("float64", func(t *testing.T) { testPlanes(t, affinePrim[float64](k)) })
	})
}
