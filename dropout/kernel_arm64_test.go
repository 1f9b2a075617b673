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
