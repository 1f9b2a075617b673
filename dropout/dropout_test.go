package dropout

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// specials are mixed into every input: values whose products and dropping
// are easy to get wrong.
var specials64 = []float64{
	0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1),
	math.Float64frombits(0x7ff8000000000001), math.Float64frombits(0xfff4000000000abc), // quiet and signalling NaN with payloads
	math.SmallestNonzeroFloat64, -2.5e-310, math.MaxFloat64, -math.MaxFloat64,
	math.MaxFloat32, -math.MaxFloat32, 1e-45, -3e-39, // float32 extremes and subnormals
}

var specials32 = []float32{
	0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
	math.Float32frombits(0x7fa00001), math.Float32frombits(0xffc12345), math.Float32frombits(0x7f800001),
	math.SmallestNonzeroFloat32, -3e-39, math.MaxFloat32, -math.MaxFloat32,
}

// fill returns n values: normals with specials sprinkled in.
func fill[T float32 | float64](r *rand.Rand, n int) []T {
	x := make([]T, n)
	for i := range x {
		x[i] = T(r.NormFloat64() * 4)
		if r.IntN(8) == 0 {
			if isFloat32[T]() {
				x[i] = T(specials32[r.IntN(len(specials32))])
			} else {
				x[i] = T(specials64[r.IntN(len(specials64))])
			}
		}
	}
	return x
}

// sameBits reports the first index where a and b differ bit for bit, or -1.
func sameBits[T float32 | float64](a, b []T) int {
	if len(a) != len(b) {
		return 0
	}
	for i := range a {
		if bitsOf(a[i]) != bitsOf(b[i]) {
			return i
		}
	}
	return -1
}

// reference is channel dropout written as plainly as possible from the
// contract, given the keep decisions.
func reference[T float32 | float64](src []T, feats, plane int, kept func(int) bool, s T) []T {
	out := make([]T, len(src))
	for f := 0; f < feats; f++ {
		for j := f * plane; j < (f+1)*plane; j++ {
			if kept(f) {
				out[j] = src[j] * s
			} else {
				out[j] = 0
			}
		}
	}
	return out
}

type shapeCase struct {
	o     *op
	shape []int
}

var shapeCases = []shapeCase{
	{&opDropout2d, []int{2, 3, 5, 7}},
	{&opDropout2d, []int{1, 8, 4, 4}},
	{&opDropout2d, []int{3, 5, 1, 1}},
	{&opDropout2d, []int{2, 70, 7, 7}}, // >64 features: several mask words
	{&opDropout2d, []int{4, 3, 2}},     // unbatched C,H,W
	{&opDropout2d, []int{1, 2, 33, 31}},
	{&opDropout1d, []int{2, 3, 17}},
	{&opDropout1d, []int{5, 9}},
	{&opDropout3d, []int{2, 3, 2, 3, 4}},
	{&opDropout3d, []int{3, 2, 5, 1}},
}

func TestDropoutMatchesReference(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		testMatchesReference[float32](t)
		testMatchesReference[float64](t)
	})
}

func testMatchesReference[T float32 | float64](t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, sc := range shapeCases {
		for _, p := range []float64{0.1, 0.5, 1.0 / 3, 0.9, 0.999} {
			for _, inPlace := range []bool{false, true} {
				name := fmt.Sprintf("%T/%s%v/p=%v/inplace=%v", T(0), sc.o.name, sc.shape, p, inPlace)
				n := numel(sc.shape)
				src := fill[T](r, n)
				orig := append([]T(nil), src...)
				dst := make([]T, n)
				if inPlace {
					dst = src
				}
				g := NewGenerator(r.Uint64())
				m, err := call(sc.o, dst, src, sc.shape, nil, p, g, nil)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				feats, plane := m.Features(), n/m.Features()
				var s T
				if isFloat32[T]() {
					s = T(scale32(p))
				} else {
					s = T(scale64(p))
				}
				want := reference(orig, feats, plane, m.Kept, s)
				if i := sameBits(dst, want); i >= 0 {
					t.Fatalf("%s: dst[%d] = %v (%#x), want %v (%#x)", name, i, dst[i], bitsOf(dst[i]), want[i], bitsOf(want[i]))
				}
				if !inPlace {
					if i := sameBits(src, orig); i >= 0 {
						t.Fatalf("%s: src[%d] changed", name, i)
					}
				}
				// The decisions are the contract's: feature i kept iff draw i >= t.
				seed, start, count := m.Blocks()
				if want := 16 * (uint64(feats+63) / 64); count != want || g.Offset() != count {
					t.Fatalf("%s: used %d blocks, offset %d, want %d", name, count, g.Offset(), want)
				}
				for i := 0; i < feats; i++ {
					want := uint64(drawRef(seed, start, i)) >= threshold(p)
					if m.Kept(i) != want {
						t.Fatalf("%s: Kept(%d) = %v, want %v", name, i, m.Kept(i), want)
					}
				}
				// Backward is the same map on the gradient.
				dy := fill[T](r, n)
				dx := make([]T, n)
				if err := Backward(dx, dy, m); err != nil {
					t.Fatalf("%s: Backward: %v", name, err)
				}
				if i := sameBits(dx, reference(dy, feats, plane, m.Kept, s)); i >= 0 {
					t.Fatalf("%s: dx[%d] = %v, want dy·s or 0", name, i, dx[i])
				}
			}
		}
	}
}

func TestDropoutEndpoints(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		testEndpoints[float32](t)
		testEndpoints[float64](t)
	})
}

func testEndpoints[T float32 | float64](t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	shape := []int{2, 5, 3, 3}
	src := fill[T](r, 90)
	orig := append([]T(nil), src...)
	g := NewGenerator(1)

	// p = 0: a bit-exact copy (signalling NaNs too), every feature kept.
	dst := make([]T, len(src))
	m, err := Dropout2d(dst, src, shape, 0, g)
	if err != nil {
		t.Fatal(err)
	}
	if i := sameBits(dst, orig); i >= 0 {
		t.Errorf("p=0: dst[%d] = %#x, want %#x", i, bitsOf(dst[i]), bitsOf(orig[i]))
	}
	if m.KeptCount() != 10 || g.Offset() != 0 {
		t.Errorf("p=0: kept %d of 10, offset %d, want all kept and offset 0", m.KeptCount(), g.Offset())
	}
	if _, err := Dropout2d(src, src, shape, 0, g); err != nil || sameBits(src, orig) >= 0 {
		t.Errorf("p=0 in place: err %v or data changed", err)
	}
	dx := make([]T, len(src))
	if err := Backward(dx, src, m); err != nil || sameBits(dx, orig) >= 0 {
		t.Errorf("p=0 Backward: err %v or not a copy", err)
	}

	// p = 1: all +0, none kept, and Backward gives zero gradients.
	for i := range dst {
		dst[i] = -1
	}
	m, err = Dropout2d(dst, src, shape, 1, g)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range dst {
		if bitsOf(v) != 0 {
			t.Fatalf("p=1: dst[%d] = %v, want +0", i, v)
		}
	}
	if m.KeptCount() != 0 || g.Offset() != 0 {
		t.Errorf("p=1: kept %d, offset %d, want 0 and 0", m.KeptCount(), g.Offset())
	}
	if err := Backward(dx, src, m); err != nil || sameBits(dx, make([]T, len(dx))) >= 0 {
		t.Errorf("p=1 Backward: err %v or nonzero gradient", err)
	}
}

// TestDroppedNaNBecomesZero: NaN and Inf in dropped planes give +0, as the
// source of a dropped plane is never read.
func TestDroppedNaNBecomesZero(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		src := make([]float32, 64*9)
		for i := range src {
			src[i] = float32(math.NaN())
			if i%3 == 0 {
				src[i] = float32(math.Inf(-1))
			}
		}
		dst := make([]float32, len(src))
		m, err := Dropout2d(dst, src, []int{4, 16, 3, 3}, 0.5, NewGenerator(9))
		if err != nil {
			t.Fatal(err)
		}
		if m.KeptCount() == 0 || m.KeptCount() == m.Features() {
			t.Fatalf("kept %d of %d: want a mix for this seed", m.KeptCount(), m.Features())
		}
		for f := 0; f < m.Features(); f++ {
			for _, v := range dst[f*9 : f*9+9] {
				if !m.Kept(f) && math.Float32bits(v) != 0 {
					t.Fatalf("dropped feature %d holds %v, want +0", f, v)
				}
				if m.Kept(f) && !math.IsNaN(float64(v)) && !math.IsInf(float64(v), -1) {
					t.Fatalf("kept feature %d holds %v, want NaN or -Inf", f, v)
				}
			}
		}
	})
}
