//go:build gc && !purego

package dropout

import (
	"math"
	"testing"

	"github.com/klauspost/cpuid/v2"
)

// neonKernel returns the neon path. ASIMD is mandatory on arm64, so a build
// where the path is missing or reported unusable is a bug, not a skip.
func neonKernel(t *testing.T) *kernelSet {
	t.Helper()
	for _, k := range registry {
		if k.name == "neon" {
			if !k.usable {
				t.Fatal(`kernel "neon" is registered but not usable: CPU feature detection did not report ASIMD`)
			}
			return k
		}
	}
	t.Fatal(`kernel "neon" is not registered on arm64`)
	return nil
}

func TestNEONRegistered(t *testing.T) {
	t.Logf("cpuid: FP=%v ASIMD=%v (%s)", cpuid.CPU.Supports(cpuid.FP), cpuid.CPU.Supports(cpuid.ASIMD), cpuid.CPU.BrandName)
	k := neonKernel(t)
	if b := best(); b != k {
		t.Errorf("best() = %q, want %q", b.name, k.name)
	}
	if names := Kernels(); len(names) == 0 || names[0] != "neon" {
		t.Errorf("Kernels() = %q, want neon first", names)
	}
}

// halfVector is one kept element worked out by hand: want = round(x ⊗ s).
type halfVector struct {
	x    uint16
	s    float32
	want uint16
}

// Hand-worked kept elements for each half type: NaNs (signalling, both
// signs, payloads), overflow to Inf, ties to even (normal and subnormal),
// subnormal results, and a subnormal scale, none flushed.
var (
	bf16Vectors = []halfVector{
		{0x7F81, 2, 0x7FC0}, // signalling NaN → c10's NaN
		{0xFFC1, 2, 0x7FC0}, // every NaN is 0x7FC0, whatever its sign
		{0x7F7F, 2, 0x7F80}, // max finite doubled: +Inf
		{0xFF80, 2, 0xFF80},
		{0x3F80, 2, 0x4000},
		{0x0001, 2, 0x0002}, // subnormal
		{0x8000, 2, 0x8000},
		{0x3F80, 1 + 0x1p-8, 0x3F80}, // 1 + 2⁻⁸: a tie, to even
		{0x3F81, 1 + 0x1p-8, 0x3F82}, // just above a tie
		{0xBF80, 1 + 0x1p-8, 0xBF80},
		{0x3F81, 1.5, 0x3FC2}, // 65.5 ulps: a tie, to even
		{0x0001, 0.5, 0x0000}, // half the least subnormal: a tie, to 0
		{0x0003, 0.5, 0x0002}, // 1.5 subnormal ulps: to even
		{0x8001, 0.5, 0x8000},
		{0x3F80, 0x1p-133, 0x0001}, // a subnormal scale: not flushed
		{0x4000, 0x1p-133, 0x0002},
	}
	f16Vectors = []halfVector{
		{0x7C01, 2, 0x7E00}, // signalling NaN → quiet, sign kept
		{0xFD23, 2, 0xFE00}, // payload dropped, sign kept
		{0x7BFF, 2, 0x7C00}, // 65504·2: +Inf
		{0x3C00, 2, 0x4000},
		{0x7C00, 2, 0x7C00},
		{0xFC00, 2, 0xFC00},
		{0x0000, 2, 0x0000},
		{0x8000, 2, 0x8000},
		{0x0001, 2, 0x0002},   // subnormal
		{0x03FF, 2, 0x07FE},   // largest subnormal doubled: normal
		{0x0001, 0.5, 0x0000}, // half the least subnormal: a tie, to 0
		{0x0003, 0.5, 0x0002}, // to even
		{0x8001, 0.5, 0x8000},
		{0x0400, 0.5, 0x0200}, // least normal halved: subnormal
		{0x8003, 0.5, 0x8002},
		{0x3C00, 1 + 0x1p-11, 0x3C00}, // a tie, to even
		{0x3C01, 1 + 0x1p-11, 0x3C02}, // just above a tie
		{0x3C02, 1 + 0x1p-11, 0x3C03},
		{0x3C03, 1 + 0x1p-11, 0x3C04},
		{0x5000, 1000, 0x77D0}, // 32000
		{0x5A00, 1000, 0x7C00}, // 192000: +Inf
		{0xDA00, 1000, 0xFC00},
		{0x3C00, 65504, 0x7BFF},
		{0x3C00, 65520, 0x7C00}, // halfway to 65536: Inf
	}
)

// TestNEONHalfVectors runs the hand-worked vectors through every neon half
// primitive with every element kept: 21 copies of each, so that the 16-,
// 4- and 1-element code all see it. The affine kernels take a = s and
// b = -0, which leaves every product as it is (-0 included).
func TestNEONHalfVectors(t *testing.T) {
	k := neonKernel(t)
	t.Run("bf16", func(t *testing.T) { testHalfVectors(t, k.bf16, bf16Vectors) })
	t.Run("f16", func(t *testing.T) { testHalfVectors(t, k.f16, f16Vectors) })
}

func testHalfVectors[T BFloat16 | Float16](t *testing.T, k typedKernels[T, float32], vs []halfVector) {
	const n = 21
	negZero := float32(math.Copysign(0, -1))
	ones := []uint64{^uint64(0)}
	for _, v := range vs {
		src := make([]T, n)
		for i := range src {
			src[i] = T(v.x)
		}
		keep := make([]uint64, 1)
		run := map[string]func(dst []T){
			"scaleBits":    func(dst []T) { k.scaleBits(dst, src, ones, 0, v.s) },
			"affineBits":   func(dst []T) { k.affineBits(dst, src, ones, 0, v.s, negZero, 0) },
			"scalePlanes":  func(dst []T) { k.scalePlanes(dst, src, ones, 0, n, 1, v.s) },
			"affinePlanes": func(dst []T) { k.affinePlanes(dst, src, ones, 0, n, 1, v.s, negZero, 0) },
			"scaleRows":    func(dst []T) { k.scaleRows(dst, src, []float32{v.s}) },
			// t = 1 drops only u = 0; keep records which were kept.
			"dropoutPhilox": func(dst []T) { k.dropoutPhilox(dst, src, keep, 1, 2, 1, v.s) },
		}
		for name, f := range run {
			keep[0] = ^uint64(0)
			dst := make([]T, n)
			f(dst)
			for i, d := range dst {
				if keep[0]>>i&1 == 1 && uint16(d) != v.want {
					t.Errorf("%s: %#04x·%v = %#04x (element %d), want %#04x", name, v.x, v.s, uint16(d), i, v.want)
					break
				}
			}
		}
	}
}

// nanCase gives the bits of element type T's NaNs and infinities: a quiet
// NaN of sign 1 with a payload, a signalling NaN with another payload, the
// default quiet NaN (what every NaN result of the fused forms must be), ±Inf
// and one.
type nanCase[T Float] struct {
	quiet, signalling, canon, inf, negInf, one T
}

// TestNEONResidualNaN puts the operands on which NEON's NaN rule (the first
// signalling operand, quietened, else the first quiet one) differs from the
// first-operand rule of x86 into every chunk size of the neon residual
// kernels (21 elements: 16, 4 and 1; 8, 2 and 1 for float64) and sumRows:
// every NaN result must be the default quiet NaN, and a dropped element
// res's signalling NaN bit for bit.
func TestNEONResidualNaN(t *testing.T) {
	k := neonKernel(t)
	f32 := math.Float32frombits
	f64 := math.Float64frombits
	t.Run("f32", func(t *testing.T) {
		testResidualNaN(t, &k.f32, &genericKernels.f32, nanCase[float32]{
			f32(0xFFC12345), f32(0x7F800123), f32(0x7FC00000), f32(0x7F800000), f32(0xFF800000), 1}, 1.5)
	})
	t.Run("f64", func(t *testing.T) {
		testResidualNaN(t, &k.f64, &genericKernels.f64, nanCase[float64]{
			f64(0xFFF8000000012345), f64(0x7FF0000000000123), f64(0x7FF8000000000000), math.Inf(1), math.Inf(-1), 1}, 1.5)
	})
	t.Run("bf16", func(t *testing.T) {
		testResidualNaN(t, &k.bf16, &genericKernels.bf16, nanCase[BFloat16]{0xFFC1, 0x7F81, 0x7FC0, 0x7F80, 0xFF80, 0x3F80}, 1.5)
	})
	t.Run("f16", func(t *testing.T) {
		testResidualNaN(t, &k.f16, &genericKernels.f16, nanCase[Float16]{0xFE23, 0x7C01, 0x7E00, 0x7C00, 0xFC00, 0x3C00}, 1.5)
	})
}

func testResidualNaN[T Float, S float32 | float64](t *testing.T, tab, gen *typedKernels[T, S], c nanCase[T], s S) {
	const n = 21
	// Kept element i: case i%4 of (x, b, r), each a NaN result.
	x := make([]T, n)
	b := make([]T, n)
	r := make([]T, n)
	for i := range x {
		switch i % 4 {
		case 0: // x quiet, b signalling: NEON returns b's payload
			x[i], b[i], r[i] = c.quiet, c.signalling, c.one
		case 1: // r signalling after a quiet x ⊕ b
			x[i], b[i], r[i] = c.one, c.quiet, c.signalling
		case 2: // Inf − Inf (a default NaN of either sign), then a quiet r
			x[i], b[i], r[i] = c.inf, c.negInf, c.quiet
		default: // both NaNs signalling
			x[i], b[i], r[i] = c.signalling, c.one, c.signalling
		}
	}
	keepAll := []uint64{^uint64(0)}
	alternate := []uint64{0x5555555555555555}
	v := []S{s, 0, s, s, 0, s, s}
	check := func(name string, got []T, kept func(i int) bool) {
		t.Helper()
		want := make([]T, n)
		switch name {
		case "residualBits":
			gen.residualBits(want, x, r, b, alternate, 0, 0, s)
		case "residualBits no bias":
			gen.residualBits(want, x, r, nil, keepAll, 0, 0, s)
		case "residualPlanes":
			gen.residualPlanes(want, x, r, b, alternate, 0, 1, n, s)
		case "residualRows":
			gen.residualRows(want, x, r, b, v)
		case "residualPhilox":
			gen.residualPhilox(want, x, r, b, nil, 1, 2, 1<<31, 0, s)
		}
		for i := range got {
			if !eqBits(got[i], want[i]) {
				t.Errorf("%s: element %d = %#x, want %#x", name, i, anyBits(got[i]), anyBits(want[i]))
			}
			if kept(i) && !eqBits(got[i], c.canon) {
				t.Errorf("%s: kept element %d = %#x, want the default NaN %#x", name, i, anyBits(got[i]), anyBits(c.canon))
			}
			if !kept(i) && !eqBits(got[i], r[i]) {
				t.Errorf("%s: dropped element %d = %#x, want res's %#x", name, i, anyBits(got[i]), anyBits(r[i]))
			}
		}
	}
	even := func(i int) bool { return i%2 == 0 }
	dst := make([]T, n)
	tab.residualBits(dst, x, r, b, alternate, 0, 0, s)
	check("residualBits", dst, even)
	// Without a bias: (x ⊗ s) ⊕ r, a NaN in every lane too.
	dst = make([]T, n)
	tab.residualBits(dst, x, r, nil, keepAll, 0, 0, s)
	check("residualBits no bias", dst, func(int) bool { return true })
	dst = make([]T, n)
	tab.residualPlanes(dst, x, r, b, alternate, 0, 1, n, s)
	check("residualPlanes", dst, even)
	dst = make([]T, n)
	tab.residualRows(dst, x, r, b, v)
	check("residualRows", dst, func(i int) bool { return v[i%len(v)] != 0 })
	bits := make([]uint64, 1)
	dst = make([]T, n)
	tab.residualPhilox(dst, x, r, b, bits, 1, 2, 1<<31, 0, s)
	check("residualPhilox", dst, func(i int) bool { return bits[0]>>i&1 == 1 })

	// sumRows: three rows; column j sums x[j], b[j], r[j] (NaN or Inf − Inf
	// in every column).
	dx := append(append(append([]T(nil), x...), b...), r...)
	db, want := make([]T, n), make([]T, n)
	tab.sumRows(db, dx)
	gen.sumRows(want, dx)
	for j := range db {
		if !eqBits(db[j], want[j]) || !eqBits(db[j], c.canon) {
			t.Errorf("sumRows: db[%d] = %#x, want the default NaN %#x (generic %#x)", j, anyBits(db[j]), anyBits(c.canon), anyBits(want[j]))
		}
	}
}
