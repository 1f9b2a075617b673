package dropout

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// halfRef is an independent reading of round-to-nearest-even into a half
// type: the finite non-negative values of the type, sorted, searched for
// the two that bracket |x| (in float64, where every float32 and half value
// is exact), the nearer taken, a tie to the one with an even bit pattern;
// beyond the largest finite value, the midpoint to the next power of two
// (where the type's exponent would continue) decides between it and Inf.
type halfRef struct {
	vals []float64 // finite values ≥ 0 in increasing order
	bits []uint16  // their bit patterns
	inf  uint16
	next float64 // the value one step past the largest finite one
}

func newHalfRef(widen func(uint16) float32, inf uint16) *halfRef {
	r := &halfRef{inf: inf}
	for h := 0; h < int(inf); h++ {
		r.vals = append(r.vals, float64(widen(uint16(h))))
		r.bits = append(r.bits, uint16(h))
	}
	last := r.vals[len(r.vals)-1]
	r.next = last + (last - r.vals[len(r.vals)-2])
	return r
}

func (r *halfRef) round(x float32, nan func(x float32) uint16) uint16 {
	if x != x {
		return nan(x)
	}
	sign := uint16(0)
	if math.Signbit(float64(x)) {
		sign = 0x8000
	}
	a := math.Abs(float64(x))
	if math.IsInf(a, 0) {
		return sign | r.inf
	}
	last := r.vals[len(r.vals)-1]
	if a > last {
		if mid := (last + r.next) / 2; a < mid || a == mid && r.bits[len(r.bits)-1]&1 == 0 {
			return sign | r.bits[len(r.bits)-1]
		}
		return sign | r.inf
	}
	i := sort.SearchFloat64s(r.vals, a) // vals[i] >= a
	if r.vals[i] == a || i == 0 {
		return sign | r.bits[i]
	}
	lo, hi := r.vals[i-1], r.vals[i]
	switch {
	case a-lo < hi-a:
		return sign | r.bits[i-1]
	case a-lo > hi-a:
		return sign | r.bits[i]
	case r.bits[i-1]&1 == 0:
		return sign | r.bits[i-1]
	}
	return sign | r.bits[i]
}

// f16Value is binary16's value from its fields, in float64: the reference
// widening.
func f16Value(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp, man := int(h>>10&0x1F), float64(h&0x3FF)
	switch exp {
	case 0x1F:
		if man != 0 {
			return math.NaN()
		}
		return sign * math.Inf(1)
	case 0:
		return sign * man * 0x1p-24
	}
	return sign * (1 + man/1024) * math.Ldexp(1, exp-15)
}

// TestHalfWidening: every one of the 65536 patterns of each type widens to
// the value its fields give, NaNs to NaNs with the sign and top payload
// bits, and narrows back to itself.
func TestHalfWidening(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		x := f16ToF32(uint16(h))
		want := f16Value(uint16(h))
		switch {
		case math.IsNaN(want):
			b := math.Float32bits(x)
			if x == x || b>>31 != uint32(h>>15) || b>>13&0x3FF != uint32(h&0x3FF) {
				t.Fatalf("f16 %#04x widened to %#08x, want a NaN with its sign and payload", h, b)
			}
			continue
		case float64(x) != want || math.Signbit(float64(x)) != (h&0x8000 != 0):
			t.Fatalf("f16 %#04x widened to %v, want %v", h, x, want)
		}
		if back := f32ToF16(x); back != uint16(h) {
			t.Fatalf("f16 %#04x → %v → %#04x", h, x, back)
		}
		y := bf16ToF32(uint16(h))
		if y == y && f32ToBF16(y) != uint16(h) {
			t.Fatalf("bf16 %#04x → %v → %#04x", h, y, f32ToBF16(y))
		}
	}
}

// TestHalfRounding: narrowing float32 to either type equals halfRef's
// nearest-even choice, for the boundaries that matter — every midpoint
// between consecutive half values and its float32 neighbours, the overflow
// threshold, subnormals, ±0, ±Inf, NaNs with payloads, float32 max and
// subnormals — and for a million random bit patterns.
func TestHalfRounding(t *testing.T) {
	f16 := newHalfRef(f16ToF32, 0x7C00)
	bf16 := newHalfRef(bf16ToF32, 0x7F80)
	var xs []float32
	for _, r := range []*halfRef{f16, bf16} {
		for i := 0; i+1 < len(r.vals); i++ {
			mid := float32((r.vals[i] + r.vals[i+1]) / 2) // exact in float32
			for _, x := range []float32{mid, math.Nextafter32(mid, 0), math.Nextafter32(mid, float32(math.Inf(1))), float32(r.vals[i])} {
				xs = append(xs, x, -x)
			}
		}
	}
	xs = append(xs, 65504, 65519.996, 65520, 65536, 0x1p-24, 0x1p-25, math.Nextafter32(0x1p-25, 1), 0x1p-26,
		0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), math.MaxFloat32, -math.MaxFloat32,
		math.SmallestNonzeroFloat32, math.Float32frombits(0x7F800001), math.Float32frombits(0xFFC12345), math.Float32frombits(0x7FFFFFFF))
	r := rand.New(rand.NewPCG(161, 162))
	for range 1 << 20 {
		xs = append(xs, math.Float32frombits(r.Uint32()))
	}
	f16NaN := func(x float32) uint16 { return uint16(math.Float32bits(x)>>16&0x8000) | 0x7E00 }
	bf16NaN := func(float32) uint16 { return 0x7FC0 }
	for _, x := range xs {
		if got, want := f32ToF16(x), f16.round(x, f16NaN); got != want {
			t.Fatalf("f32ToF16(%v = %#08x) = %#04x, want %#04x", x, math.Float32bits(x), got, want)
		}
		if got, want := f32ToBF16(x), bf16.round(x, bf16NaN); got != want {
			t.Fatalf("f32ToBF16(%v = %#08x) = %#04x, want %#04x", x, math.Float32bits(x), got, want)
		}
	}
}
