package dropout

import (
	"fmt"
	"math"
	"math/rand"
	"reflect"
	"testing"
)

// The proof of the half kernels: on every usable path, each primitive of the
// BFloat16 and Float16 tables must give, bit for bit, what the float32
// generic kernel gives on the widened input, rounded to the half type — the
// contract of DESIGN.md stated through an independent route (the float32
// oracle and the exhaustively tested conversions of half.go) — and touch
// nothing outside its slices.

// halfKind is what the tests need of one half type.
type halfKind[T BFloat16 | Float16] struct {
	name     string
	specials []uint16
	widen    func(uint16) float32
	round    func(float32) uint16
}

func halfOf[T BFloat16 | Float16]() halfKind[T] {
	if isBF16[T]() {
		return halfKind[T]{
			name: "bf16",
			specials: []uint16{
				0x0000, 0x8000, 0x7F80, 0xFF80, // ±0, ±Inf
				0x7FC0, 0xFFC0, 0x7F81, 0xFF81, 0x7FFF, 0xFFFF, 0x7FA5, // NaNs: quiet, signalling, payloads
				0x0001, 0x8001, 0x007F, 0x807F, 0x0040, // subnormals
				0x0080, 0x8080, // least normals
				0x7F7F, 0xFF7F, 0x7F7E, // max finite
				0x3F80, 0xBF80, 0x3F81, 0x3FFF, 0x4049, // 1, −1, odd significands (ties when × 1.5)
			},
			widen: bf16ToF32, round: f32ToBF16,
		}
	}
	return halfKind[T]{
		name: "f16",
		specials: []uint16{
			0x0000, 0x8000, 0x7C00, 0xFC00, // ±0, ±Inf
			0x7E00, 0xFE00, 0x7C01, 0xFC01, 0x7FFF, 0xFFFF, 0x7D23, // NaNs
			0x0001, 0x8001, 0x03FF, 0x83FF, 0x0200, 0x0155, // subnormals
			0x0400, 0x8400, // least normals
			0x7BFF, 0xFBFF, 0x7BFE, 0x5BFF, // max finite, 255.9 (× 1000 overflows)
			0x3C00, 0xBC00, 0x3C01, 0x3FFF, 0x4248, // 1, −1, odd significands
		},
		widen: f16ToF32, round: f32ToF16,
	}
}

// pool returns n half values: a third specials, a third any 16-bit pattern
// (every special again, by chance), a third ordinary magnitudes.
func (hk halfKind[T]) pool(rng *rand.Rand, n int) []T {
	p := make([]T, n)
	for i := range p {
		switch rng.Intn(3) {
		case 0:
			p[i] = T(hk.specials[rng.Intn(len(hk.specials))])
		case 1:
			p[i] = T(rng.Uint32())
		default:
			p[i] = T(hk.round(float32(rng.NormFloat64() * math.Pow(10, float64(rng.Intn(9)-4)))))
		}
	}
	return p
}

func (hk halfKind[T]) widenAll(x []T) []float32 {
	f := make([]float32, len(x))
	for i, h := range x {
		f[i] = hk.widen(uint16(h))
	}
	return f
}

func (hk halfKind[T]) roundAll(f []float32) []T {
	x := make([]T, len(f))
	for i, v := range f {
		x[i] = T(hk.round(v))
	}
	return x
}

// halfScales are the kept scales tried: ties for most products (1.5, 1 +
// 2⁻⁷), PyTorch's scale for p = 0.1, one that overflows binary16 (p =
// 0.999), the identity, and a scale below one and a subnormal-making one
// (alpha's a can be anything).
var halfScales = []float32{1.5, 1 + 0x1p-7, scale32(0.1), scale32(0.999), 1, 2, 0.75, 0x1p-20, scale32(1.0 / 3)}

// halfAffines are alpha dropout constants (a, b, c), from real p and made up.
var halfAffines = func() [][3]float32 {
	var out [][3]float32
	for _, p := range []float64{0.1, 0.5, 0.9} {
		m := &Mask{}
		m.reset(&opAlphaDropout, []int{1}, []int{1}, 1, p, false)
		out = append(out, [3]float32{m.s32, m.b32, m.c32})
	}
	return append(out, [3]float32{1.5, -0.25, 70000}, [3]float32{0.75, 1e-6, -3e-8}, [3]float32{1000, 0, float32(math.NaN())})
}()

// halfCase is one call of a primitive, on a sub-slice of guarded arenas.
type halfCase struct {
	n, dstOff, srcOff int
	inPlace           bool
}

const halfGuard = 8 // elements either side of dst and src that must not change

// halfArena places n elements at off inside a buffer of guard values.
func halfArena[T BFloat16 | Float16](rng *rand.Rand, n, off int) (all, region []T, sentinel T) {
	sentinel = T(rng.Uint32() | 1)
	all = make([]T, halfGuard+off+n+halfGuard)
	for i := range all {
		all[i] = sentinel
	}
	return all, all[halfGuard+off : halfGuard+off+n : halfGuard+off+n], sentinel
}

// halfCheck compares got with want bit for bit and the guards with the
// sentinel; it reports the first difference and returns false.
func halfCheck[T BFloat16 | Float16](t *testing.T, what string, all []T, lo int, got, want []T, sentinel T) bool {
	t.Helper()
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s: element %d of %d = %#04x, want %#04x", what, i, len(want), uint16(got[i]), uint16(want[i]))
			return false
		}
	}
	for i := range all {
		if (i < lo || i >= lo+len(got)) && all[i] != sentinel {
			t.Errorf("%s: wrote outside dst at %d (dst is [%d, %d))", what, i-lo, 0, len(got))
			return false
		}
	}
	return true
}

// halfLengths are the lengths every primitive is run at: every length up to
// 200, then around vector and chunk sizes, and a large odd one.
func halfLengths() []int {
	var ls []int
	for n := 1; n <= 200; n++ {
		ls = append(ls, n)
	}
	ls = append(ls, 255, 256, 257, 511, 1000, 1023, 1025, 4095, 4097, 8191, 8193, 65553)
	if testing.Short() {
		ls = append(ls[:130:130], 257, 1025, 4097)
	}
	return ls
}

func TestHalfKernelsMatchFloat32(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		t.Run("bf16", func(t *testing.T) { testHalfKernels(t, k, &k.bf16, halfOf[BFloat16]()) })
		t.Run("f16", func(t *testing.T) { testHalfKernels(t, k, &k.f16, halfOf[Float16]()) })
	})
}

func testHalfKernels[T BFloat16 | Float16](t *testing.T, k *kernelSet, tab *typedKernels[T, float32], hk halfKind[T]) {
	f := &genericKernels.f32
	rng := rand.New(rand.NewSource(int64(len(k.name))*7 + int64(len(hk.name))))
	lengths := halfLengths()

	// run calls the kernel on a fresh case of n elements and checks it
	// against want (computed from the widened input).
	run := func(prim string, n int, want func(src []float32) []float32, call func(dst, src []T)) bool {
		c := halfCase{n: n, dstOff: rng.Intn(8), srcOff: rng.Intn(8), inPlace: rng.Intn(4) == 0}
		if c.inPlace {
			c.dstOff = c.srcOff
		}
		srcAll, src, srcSent := halfArena[T](rng, n, c.srcOff)
		copy(src, hk.pool(rng, n))
		in := append([]T(nil), src...)
		expect := hk.roundAll(want(hk.widenAll(in)))
		dstAll, dst, dstSent := srcAll, src, srcSent
		if !c.inPlace {
			dstAll, dst, dstSent = halfArena[T](rng, n, c.dstOff)
		}
		what := fmt.Sprintf("%s %+v", prim, c)
		if !callSafely(func(f string, a ...any) { t.Errorf(what+": "+f, a...) }, func() { call(dst, src) }) {
			return false
		}
		if !halfCheck(t, what, dstAll, halfGuard+c.dstOff, dst, expect, dstSent) {
			return false
		}
		if !c.inPlace && !halfCheck(t, what+" (src)", srcAll, halfGuard+c.srcOff, src, in, srcSent) {
			return false
		}
		return true
	}
	bitsFor := func(first, n int) []uint64 {
		b := make([]uint64, (first+n+63)/64)
		fillBits(b, rng, rng.Intn(6), first, n)
		return b
	}

	t.Run("scaleBits", func(t *testing.T) {
		for _, n := range lengths {
			first, s := rng.Intn(128), halfScales[rng.Intn(len(halfScales))]
			bits := bitsFor(first, n)
			if !run("scaleBits", n, func(x []float32) []float32 {
				d := make([]float32, len(x))
				f.scaleBits(d, x, bits, first, s)
				return d
			}, func(dst, src []T) { tab.scaleBits(dst, src, bits, first, s) }) {
				return
			}
		}
	})
	t.Run("affineBits", func(t *testing.T) {
		for _, n := range lengths {
			first, abc := rng.Intn(128), halfAffines[rng.Intn(len(halfAffines))]
			bits := bitsFor(first, n)
			if !run("affineBits", n, func(x []float32) []float32 {
				d := make([]float32, len(x))
				f.affineBits(d, x, bits, first, abc[0], abc[1], abc[2])
				return d
			}, func(dst, src []T) { tab.affineBits(dst, src, bits, first, abc[0], abc[1], abc[2]) }) {
				return
			}
		}
	})
	t.Run("scalePlanes", func(t *testing.T) {
		for plane := 1; plane <= 70; plane++ {
			for _, np := range []int{1, 2, 3, 7, 20} {
				if testing.Short() && plane > 20 && np > 3 {
					continue
				}
				first, s := rng.Intn(128), halfScales[rng.Intn(len(halfScales))]
				bits := bitsFor(first, np)
				if !run(fmt.Sprintf("scalePlanes plane %d n %d first %d", plane, np, first), plane*np, func(x []float32) []float32 {
					d := make([]float32, len(x))
					f.scalePlanes(d, x, bits, first, plane, np, s)
					return d
				}, func(dst, src []T) { tab.scalePlanes(dst, src, bits, first, plane, np, s) }) {
					return
				}
			}
		}
		for _, plane := range []int{127, 128, 129, 1000, 3136, 4097} {
			first, s, np := rng.Intn(128), halfScales[rng.Intn(len(halfScales))], 1+rng.Intn(9)
			bits := bitsFor(first, np)
			if !run(fmt.Sprintf("scalePlanes plane %d n %d first %d", plane, np, first), plane*np, func(x []float32) []float32 {
				d := make([]float32, len(x))
				f.scalePlanes(d, x, bits, first, plane, np, s)
				return d
			}, func(dst, src []T) { tab.scalePlanes(dst, src, bits, first, plane, np, s) }) {
				return
			}
		}
	})
	t.Run("affinePlanes", func(t *testing.T) {
		for plane := 1; plane <= 70; plane++ {
			for _, np := range []int{1, 3, 20} {
				first, abc := rng.Intn(128), halfAffines[rng.Intn(len(halfAffines))]
				bits := bitsFor(first, np)
				if !run(fmt.Sprintf("affinePlanes plane %d n %d first %d", plane, np, first), plane*np, func(x []float32) []float32 {
					d := make([]float32, len(x))
					f.affinePlanes(d, x, bits, first, plane, np, abc[0], abc[1], abc[2])
					return d
				}, func(dst, src []T) { tab.affinePlanes(dst, src, bits, first, plane, np, abc[0], abc[1], abc[2]) }) {
					return
				}
			}
		}
	})
	t.Run("scaleRows", func(t *testing.T) {
		for _, n := range lengths {
			w := 1 + rng.Intn(min(n, 300))
			if rng.Intn(3) == 0 {
				w = n
			}
			v := make([]float32, w)
			for j := range v {
				if rng.Intn(3) > 0 {
					v[j] = halfScales[rng.Intn(len(halfScales))]
				}
			}
			if !run(fmt.Sprintf("scaleRows width %d", w), n, func(x []float32) []float32 {
				d := make([]float32, len(x))
				f.scaleRows(d, x, v)
				return d
			}, func(dst, src []T) { tab.scaleRows(dst, src, v) }) {
				return
			}
		}
	})
	t.Run("dropoutPhilox", func(t *testing.T) {
		ts := []uint32{0, 1, 1 << 31, 0xE6666666, 0x19999999, 0xFFFFFFFF}
		for _, n := range lengths {
			seed, start := rng.Uint64(), rng.Uint64()
			if rng.Intn(4) == 0 {
				start = ^uint64(0) - uint64(rng.Intn(64)) // the block number wraps in the call
			}
			th, s := ts[rng.Intn(len(ts))], halfScales[rng.Intn(len(halfScales))]
			withBits := rng.Intn(2) == 0
			var wantBits []uint64
			var gotBits []uint64
			if withBits {
				wantBits = make([]uint64, (n+63)/64)
				gotBits = make([]uint64, (n+63)/64+1)
				for i := range gotBits {
					gotBits[i] = rng.Uint64()
				}
			}
			guardWord := uint64(0)
			if withBits {
				guardWord = gotBits[len(gotBits)-1]
			}
			ok := run(fmt.Sprintf("dropoutPhilox seed %#x start %#x t %#x bits %v", seed, start, th, withBits), n, func(x []float32) []float32 {
				d := make([]float32, len(x))
				f.dropoutPhilox(d, x, wantBits, seed, start, th, s)
				return d
			}, func(dst, src []T) {
				var b []uint64
				if withBits {
					b = gotBits[:len(gotBits)-1]
				}
				tab.dropoutPhilox(dst, src, b, seed, start, th, s)
			})
			if !ok {
				return
			}
			if withBits {
				for i := range wantBits {
					if gotBits[i] != wantBits[i] {
						t.Fatalf("dropoutPhilox n %d: bits[%d] = %#x, want %#x", n, i, gotBits[i], wantBits[i])
					}
				}
				if gotBits[len(gotBits)-1] != guardWord {
					t.Fatalf("dropoutPhilox n %d: wrote the word past bits", n)
				}
			}
		}
	})
}

// TestHalfKernelsPresent: on a CPU with a SIMD path, that path's half
// tables hold its own kernels, not the generic ones or nil: a missing kernel
// is a failure here, not a fallback that passes every comparison.
func TestHalfKernelsPresent(t *testing.T) {
	gen := func(f any) uintptr { return reflect.ValueOf(f).Pointer() }
	for _, k := range registry {
		if !k.usable || k == genericKernels {
			continue
		}
		for _, c := range []struct {
			name   string
			fn, gf any
		}{
			{"bf16.scalePlanes", k.bf16.scalePlanes, genericKernels.bf16.scalePlanes},
			{"bf16.scaleRows", k.bf16.scaleRows, genericKernels.bf16.scaleRows},
			{"bf16.affinePlanes", k.bf16.affinePlanes, genericKernels.bf16.affinePlanes},
			{"bf16.scaleBits", k.bf16.scaleBits, genericKernels.bf16.scaleBits},
			{"bf16.dropoutPhilox", k.bf16.dropoutPhilox, genericKernels.bf16.dropoutPhilox},
			{"bf16.affineBits", k.bf16.affineBits, genericKernels.bf16.affineBits},
			{"f16.scalePlanes", k.f16.scalePlanes, genericKernels.f16.scalePlanes},
			{"f16.scaleRows", k.f16.scaleRows, genericKernels.f16.scaleRows},
			{"f16.affinePlanes", k.f16.affinePlanes, genericKernels.f16.affinePlanes},
			{"f16.scaleBits", k.f16.scaleBits, genericKernels.f16.scaleBits},
			{"f16.dropoutPhilox", k.f16.dropoutPhilox, genericKernels.f16.dropoutPhilox},
			{"f16.affineBits", k.f16.affineBits, genericKernels.f16.affineBits},
		} {
			if reflect.ValueOf(c.fn).IsNil() {
				t.Errorf("path %s has no %s kernel", k.name, c.name)
			} else if gen(c.fn) == gen(c.gf) {
				t.Errorf("path %s: %s is the generic kernel", k.name, c.name)
			}
		}
	}
}
