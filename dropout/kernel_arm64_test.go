//go:build gc && !purego

package dropout

import (
	"fmt"
	"math"
	"math/rand/v2"
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

// float is the element type of the kernels under test.
type float interface{ float32 | float64 }

func fbits[T float](x T) uint64 {
	switch v := any(x).(type) {
	case float32:
		return uint64(math.Float32bits(v))
	default:
		return math.Float64bits(any(x).(float64))
	}
}

func ffrom[T float](b uint64) T {
	var z T
	switch any(z).(type) {
	case float32:
		return T(math.Float32frombits(uint32(b)))
	default:
		return T(math.Float64frombits(b))
	}
}

// specials returns the values every comparison must contain: signed zeros,
// infinities, quiet and signalling NaNs with payloads of either sign,
// subnormals, the largest finite values and values next to 1.
func specials[T float]() []T {
	var z T
	if _, ok := any(z).(float32); ok {
		b := []uint64{
			0x00000000, 0x80000000, // ±0
			0x7f800000, 0xff800000, // ±Inf
			0x7fc00000, 0xffc00000, // default NaN, both signs
			0x7fa00001, 0xffc12345, 0x7fffffff, // quiet NaNs with payloads
			0x7f800001, 0xff800001, 0x7f812345, 0xffbfffff, // signalling NaNs
			0x00000001, 0x80000001, 0x007fffff, 0x807fffff, 0x00400000, // subnormals
			0x00800000, 0x80800000, // smallest normals
			0x7f7fffff, 0xff7fffff, // ±MaxFloat32
			0x3f800000, 0xbf800000, 0x3f800001, 0x3f7fffff, // ±1 and neighbours
		}
		out := make([]T, len(b))
		for i, v := range b {
			out[i] = ffrom[T](v)
		}
		return out
	}
	b := []uint64{
		0x0000000000000000, 0x8000000000000000,
		0x7ff0000000000000, 0xfff0000000000000,
		0x7ff8000000000000, 0xfff8000000000000,
		0x7ff4000000000001, 0xfff8123456789abc, 0x7fffffffffffffff,
		0x7ff0000000000001, 0xfff0000000000001, 0x7ff123456789abcd, 0xfff7ffffffffffff,
		0x0000000000000001, 0x8000000000000001, 0x000fffffffffffff, 0x800fffffffffffff, 0x0008000000000000,
		0x0010000000000000, 0x8010000000000000,
		0x7fefffffffffffff, 0xffefffffffffffff,
		0x3ff0000000000000, 0xbff0000000000000, 0x3ff0000000000001, 0x3fefffffffffffff,
	}
	out := make([]T, len(b))
	for i, v := range b {
		out[i] = ffrom[T](v)
	}
	return out
}

// valuePool returns size inputs: about one in eight a special value, the rest
// ordinary values of mixed magnitude and arbitrary bit patterns (which include
// more NaNs, infinities and subnormals).
func valuePool[T float](rng *rand.Rand, size int) []T {
	sp := specials[T]()
	pool := make([]T, size)
	for i := range pool {
		switch r := rng.IntN(8); {
		case r == 0:
			pool[i] = sp[rng.IntN(len(sp))]
		case r < 4:
			pool[i] = T(rng.NormFloat64() * math.Pow(2, float64(rng.IntN(40)-20)))
		default:
			pool[i] = ffrom[T](rng.Uint64())
		}
	}
	return pool
}

// scales returns scales to test: PyTorch-style 1/(1-p) for several p, exact
// powers of two, and extremes that overflow normal inputs to infinity or
// push them into the subnormal range (so rounding there is compared too).
func scales[T float]() []T {
	var out []T
	for _, p := range []float64{0.1, 0.2, 1.0 / 3, 0.5, 0.7, 0.9, 0.999} {
		out = append(out, T(1)/T(1-p))
	}
	return append(out, 1, 2, 0.75, T(math.Ldexp(1.2345, 100)), T(math.Ldexp(1.2345, -100)))
}

// scaleCase compares one call of the kernel under test with the generic
// oracle on the same input, bit for bit: the output, the guard values around
// dst and, out of place, src and the guard values around it.
type scaleCase[T float] struct {
	pool     []T
	sbuf     []T // src (and dst when in place), with guards
	dbuf     []T // dst out of place, with guards
	in, want []T
}

const guardLen = 8

func guardValue[T float]() T {
	var z T
	if _, ok := any(z).(float32); ok {
		return ffrom[T](0x7fbadbad) // a NaN payload no input uses
	}
	return ffrom[T](0x7ffbadbadbadbad1)
}

// guarded fills buf[:guardLen+off+total+guardLen] with guard values and
// returns the buffer and the total elements at guardLen+off.
func guarded[T float](buf []T, off, total int) (all, mid []T) {
	all = buf[:guardLen+off+total+guardLen]
	g := guardValue[T]()
	for i := range all {
		all[i] = g
	}
	return all, all[guardLen+off : guardLen+off+total]
}

func checkGuards[T float](t *testing.T, what string, all []T, off, total int) bool {
	t.Helper()
	g := fbits(guardValue[T]())
	for i, v := range all {
		if (i < guardLen+off || i >= guardLen+off+total) && fbits(v) != g {
			t.Errorf("%s: guard element %d outside [%d, %d) overwritten with %#x",
				what, i, guardLen+off, guardLen+off+total, fbits(v))
			return false
		}
	}
	return true
}

func (c *scaleCase[T]) check(t *testing.T, kern func(dst, src []T, bits []uint64, first, plane, n int, s T),
	bits []uint64, first, plane, n, soff, doff int, inPlace bool, s T, poolAt int) bool {
	t.Helper()
	total := n * plane
	in, want := c.in[:total], c.want[:total]
	for i := range in {
		in[i] = c.pool[(poolAt+i)%len(c.pool)]
	}
	scalePlanesGeneric(want, in, bits, first, plane, n, s)

	sAll, src := guarded(c.sbuf, soff, total)
	copy(src, in)
	dAll, dst := sAll, src
	if !inPlace {
		dAll, dst = guarded(c.dbuf, doff, total)
	} else {
		doff = soff
	}

	kern(dst, src, bits, first, plane, n, s)

	where := func() string {
		return fmt.Sprintf("first=%d plane=%d n=%d soff=%d doff=%d inPlace=%v s=%#x",
			first, plane, n, soff, doff, inPlace, fbits(s))
	}
	for i := range total {
		if fbits(dst[i]) != fbits(want[i]) {
			b := first + i/plane
			t.Errorf("%s: element %d (bit %d = %d): src %#x -> got %#x, want %#x",
				where(), i, b, bits[b>>6]>>(b&63)&1, fbits(in[i]), fbits(dst[i]), fbits(want[i]))
			return false
		}
	}
	if !checkGuards(t, where()+" dst", dAll, doff, total) {
		return false
	}
	if !inPlace {
		for i := range total {
			if fbits(src[i]) != fbits(in[i]) {
				t.Errorf("%s: src[%d] changed from %#x to %#x", where(), i, fbits(in[i]), fbits(src[i]))
				return false
			}
		}
		if !checkGuards(t, where()+" src", sAll, soff, total) {
			return false
		}
	}
	return true
}

func testScalePlanes[T float](t *testing.T, kern func(dst, src []T, bits []uint64, first, plane, n int, s T), seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x51fd0))
	planeLens := make([]int, 0, 310)
	for p := 1; p <= 300; p++ {
		planeLens = append(planeLens, p)
	}
	planeLens = append(planeLens, 1100, 4096+13)
	const maxN = 9
	maxTotal := (4096 + 13) * maxN
	c := &scaleCase[T]{
		pool: valuePool[T](rng, 1<<14+7),
		sbuf: make([]T, 2*guardLen+16+maxTotal),
		dbuf: make([]T, 2*guardLen+16+maxTotal),
		in:   make([]T, maxTotal),
		want: make([]T, maxTotal),
	}
	ss := scales[T]()
	bits := make([]uint64, 4) // bits 0..255; first+n <= 139

	fill := func(pattern int) {
		for i := range bits {
			switch pattern {
			case 0:
				bits[i] = rng.Uint64()
			case 1:
				bits[i] = 0
			case 2:
				bits[i] = ^uint64(0)
			}
		}
	}

	// Every plane length, every n, random and uniform masks, in place and
	// not, at random first bits and start offsets.
	for _, plane := range planeLens {
		for n := 1; n <= maxN; n++ {
			for pattern := range 3 {
				for _, inPlace := range []bool{false, true} {
					fill(pattern)
					first := rng.IntN(131)
					if !c.check(t, kern, bits, first, plane, n, rng.IntN(16), rng.IntN(16), inPlace,
						ss[rng.IntN(len(ss))], rng.IntN(len(c.pool))) {
						return
					}
				}
			}
		}
	}

	// Every first bit 0..130 (runs that start, end and cross word
	// boundaries), with small planes where run handling dominates.
	for first := 0; first <= 130; first++ {
		for n := 1; n <= maxN; n++ {
			for _, plane := range []int{1, 3, 4, 7, 16, 49} {
				fill(0)
				if !c.check(t, kern, bits, first, plane, n, rng.IntN(16), rng.IntN(16), rng.IntN(2) == 0,
					ss[rng.IntN(len(ss))], rng.IntN(len(c.pool))) {
					return
				}
			}
		}
	}

	// Long runs: all n planes in one run of each kind, for n up to 70 so the
	// run crosses a mask word.
	for _, pattern := range []int{1, 2} {
		fill(pattern)
		for n := 1; n <= 70; n++ {
			if !c.check(t, kern, bits, rng.IntN(64), 5, n, rng.IntN(16), rng.IntN(16), n%2 == 0,
				ss[rng.IntN(len(ss))], rng.IntN(len(c.pool))) {
				return
			}
		}
	}
}

func TestNEONScalePlanesMatchesGeneric(t *testing.T) {
	k := neonKernel(t)
	t.Run("float32", func(t *testing.T) { testScalePlanes(t, k.scalePlanes32, 1) })
	t.Run("float64", func(t *testing.T) { testScalePlanes(t, k.scalePlanes64, 2) })
}

// TestNEONMultiplyIsGoMultiply checks every special value times every scale
// (and every special value as the scale, except NaN, which no caller can
// pass) against Go's own x*s, element by element, at every position of the
// vector loop, the 1-vector loop and the scalar tail.
func TestNEONMultiplyIsGoMultiply(t *testing.T) {
	k := neonKernel(t)
	t.Run("float32", func(t *testing.T) { testMultiplyIsGoMultiply(t, k.scalePlanes32) })
	t.Run("float64", func(t *testing.T) { testMultiplyIsGoMultiply(t, k.scalePlanes64) })
}

func testMultiplyIsGoMultiply[T float](t *testing.T, kern func(dst, src []T, bits []uint64, first, plane, n int, s T)) {
	sp := specials[T]()
	ss := scales[T]()
	for _, s := range sp {
		if s == s {
			ss = append(ss, s)
		}
	}
	bits := []uint64{^uint64(0)}
	for _, s := range ss {
		// Lengths 16+4+3 reach all three loops; rotate so every value
		// visits every lane of each.
		const total = 23
		src := make([]T, total)
		dst := make([]T, total)
		for rot := range len(sp) {
			for i := range src {
				src[i] = sp[(i+rot)%len(sp)]
			}
			kern(dst, src, bits, 0, total, 1, s)
			for i := range src {
				if got, want := fbits(dst[i]), fbits(src[i]*s); got != want {
					t.Fatalf("%#x * %#x: got %#x, want %#x", fbits(src[i]), fbits(s), got, want)
				}
			}
		}
	}
}
