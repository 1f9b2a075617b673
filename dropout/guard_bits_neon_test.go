//go:build linux && arm64

// The elementwise primitives (scaleBits, dropoutPhilox) against PROT_NONE
// pages on arm64, where the NEON kernels' tails go one element at a time.
// It reuses guard_unix_test.go's mappings.

package dropout

import (
	"fmt"
	"math/rand"
	"testing"
	"unsafe"
)

// bitsGuardPlacement says which guard page each of dst, src and bits is
// flush against, and whether dst and src are the same slice.
type bitsGuardPlacement struct {
	dstAtEnd, srcAtEnd, bitsAtEnd, inPlace bool
}

func (p bitsGuardPlacement) String() string {
	side := func(atEnd bool) string {
		if atEnd {
			return "end"
		}
		return "start"
	}
	if p.inPlace {
		return fmt.Sprintf("in place flush at %s, bits at %s", side(p.dstAtEnd), side(p.bitsAtEnd))
	}
	return fmt.Sprintf("dst flush at %s, src at %s, bits at %s", side(p.dstAtEnd), side(p.srcAtEnd), side(p.bitsAtEnd))
}

// bitsGuardPlacements lists the eight out-of-place placements and the four
// in place.
var bitsGuardPlacements = func() []bitsGuardPlacement {
	var ps []bitsGuardPlacement
	for i := range 8 {
		ps = append(ps, bitsGuardPlacement{i&1 != 0, i&2 != 0, i&4 != 0, false})
	}
	for i := range 4 {
		ps = append(ps, bitsGuardPlacement{i&1 != 0, i&1 != 0, i&2 != 0, true})
	}
	return ps
}()

// bitsGuardLengths are every length to 300, each in one placement (they
// rotate), the shortest ones in every placement, and a few large ones.
func bitsGuardLengths(big int) (n []int, allPlacements func(n int) bool) {
	for i := 1; i <= 300; i++ {
		n = append(n, i)
	}
	n = append(n, 1000, 4096, 4099, big)
	return n, func(n int) bool { return n <= 40 || n%32 == 0 || n%32 == 31 }
}

// bitsGuardMem holds the mappings of one sweep: dst, src and bits each
// between two PROT_NONE pages.
type bitsGuardMem[T float] struct {
	dst, src, bits *guardedMem
	pool, want     []T
	wantBits       []uint64
	fk             floatKind[T]
}

func newBitsGuardMem[T float](t *testing.T, rng *rand.Rand, maxN int) *bitsGuardMem[T] {
	size := maxN * int(unsafe.Sizeof(T(0)))
	fk := kind[T]()
	return &bitsGuardMem[T]{
		dst:      newGuardedMem(t, size),
		src:      newGuardedMem(t, size),
		bits:     newGuardedMem(t, 8*bitWords(127, maxN)),
		pool:     fk.pool(rng, maxN+4096),
		want:     make([]T, maxN),
		wantBits: make([]uint64, bitWords(0, maxN)),
		fk:       fk,
	}
}

// io places in as src, and dst, flush against the guard pages of p.
func (m *bitsGuardMem[T]) io(in []T, p bitsGuardPlacement) (dst, src []T) {
	dst = guardedSlice[T](m.dst, len(in), p.dstAtEnd)
	src = dst
	if !p.inPlace {
		src = guardedSlice[T](m.src, len(in), p.srcAtEnd)
		for i := range dst {
			dst[i] = m.fk.guard
		}
	}
	copy(src, in)
	return dst, src
}

func testScaleBitsGuardNEON[T float](t *testing.T, k *kernelSet) {
	const big = 1<<16 + 13
	rng := rand.New(rand.NewSource(91))
	m := newBitsGuardMem[T](t, rng, big)
	lengths, all := bitsGuardLengths(big)
	failures, ctr := 0, 0
	try := func(n int, p bitsGuardPlacement) bool {
		ctr++
		first := (ctr * 13) % 128
		pat := ctr % numPatterns
		s := m.fk.scales[ctr%len(m.fk.scales)]
		bits := guardedSlice[uint64](m.bits, bitWords(first, n), p.bitsAtEnd)
		fillBits(bits, rng, pat, first, n)
		in := m.pool[rng.Intn(len(m.pool)-n+1):][:n]
		want := m.want[:n]
		refScaleBits(want, in, bits, first, s)
		dst, src := m.io(in, p)

		ok := true
		fail := func(format string, args ...any) {
			ok = false
			t.Errorf("n=%d first=%d bits=%s s=%v, %v: "+format, append([]any{n, first, patternNames[pat], s, p}, args...)...)
		}
		restore := panicOnFault()
		called := callSafely(fail, func() { scaleBitsOf(k, dst, src, bits, first, s) },
			spanOf("dst", dst), spanOf("src", src), spanOf("bits", bits))
		restore()
		if called {
			if i := firstDiff(dst, want); i >= 0 {
				fail("dst[%d] = %#x, want %#x", i, bitsOf(dst[i]), bitsOf(want[i]))
			}
			if !p.inPlace {
				if i := firstDiff(src, in); i >= 0 {
					fail("changed src[%d]", i)
				}
			}
		}
		if !ok {
			failures++
			return failures < maxFailures
		}
		return true
	}
	for i, n := range lengths {
		switch {
		case n > 300 && (testing.Short() || raceEnabled) && i%2 == 0:
			continue
		case all(n):
			for _, p := range bitsGuardPlacements {
				if !try(n, p) {
					t.Fatal("too many failures; stopping")
				}
			}
		default:
			if !try(n, bitsGuardPlacements[ctr%len(bitsGuardPlacements)]) {
				t.Fatal("too many failures; stopping")
			}
		}
	}
}

func testDropoutPhiloxGuardNEON[T float](t *testing.T, k *kernelSet) {
	const big = 1<<16 + 13
	rng := rand.New(rand.NewSource(92))
	m := newBitsGuardMem[T](t, rng, big)
	lengths, all := bitsGuardLengths(big)
	failures, ctr := 0, 0
	try := func(n int, p bitsGuardPlacement) bool {
		ctr++
		withBits := ctr%3 != 0
		seed, start := rng.Uint64(), edgeStarts[ctr%len(edgeStarts)]
		th := edgeThresholds[ctr%len(edgeThresholds)]
		s := m.fk.scales[ctr%len(m.fk.scales)]
		words := bitWords(0, n)
		var bits []uint64
		if withBits {
			bits = guardedSlice[uint64](m.bits, words, p.bitsAtEnd)
			for i := range bits {
				bits[i] = bitsGuard
			}
		}
		in := m.pool[rng.Intn(len(m.pool)-n+1):][:n]
		want, wantBits := m.want[:n], m.wantBits[:words]
		philoxRef(want, in, wantBits, seed, start, th, s)
		dst, src := m.io(in, p)

		ok := true
		fail := func(format string, args ...any) {
			ok = false
			t.Errorf("n=%d seed=%#x start=%#x t=%#x s=%v bits=%v, %v: "+format,
				append([]any{n, seed, start, th, s, withBits, p}, args...)...)
		}
		restore := panicOnFault()
		called := callSafely(fail, func() { dropoutPhiloxOf(k, dst, src, bits, seed, start, th, s) },
			spanOf("dst", dst), spanOf("src", src), spanOf("bits", bits))
		restore()
		if called {
			if i := firstDiff(dst, want); i >= 0 {
				fail("dst[%d] = %#x, want %#x", i, bitsOf(dst[i]), bitsOf(want[i]))
			}
			for i := range bits {
				if bits[i] != wantBits[i] {
					fail("bits[%d] = %#x, want %#x", i, bits[i], wantBits[i])
					break
				}
			}
			if !p.inPlace {
				if i := firstDiff(src, in); i >= 0 {
					fail("changed src[%d]", i)
				}
			}
		}
		if !ok {
			failures++
			return failures < maxFailures
		}
		return true
	}
	for i, n := range lengths {
		switch {
		case n > 300 && (testing.Short() || raceEnabled) && i%2 == 0:
			continue
		case all(n):
			for _, p := range bitsGuardPlacements {
				if !try(n, p) {
					t.Fatal("too many failures; stopping")
				}
			}
		default:
			if !try(n, bitsGuardPlacements[ctr%len(bitsGuardPlacements)]) {
				t.Fatal("too many failures; stopping")
			}
		}
	}
}

// TestScaleBitsGuardPagesARM64 runs every usable path's scaleBits kernel
// (neon and generic) with dst, src and bits each flush against a
// PROT_NONE page, at the end or at the start, so any read or write outside
// them faults.
func TestScaleBitsGuardPagesARM64(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		t.Run("float32", func(t *testing.T) { testScaleBitsGuardNEON[float32](t, k) })
		t.Run("float64", func(t *testing.T) { testScaleBitsGuardNEON[float64](t, k) })
	})
}

// TestDropoutPhiloxGuardPagesARM64 is TestScaleBitsGuardPagesARM64 for the
// fused Philox kernel, with and without bits.
func TestDropoutPhiloxGuardPagesARM64(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		t.Run("float32", func(t *testing.T) { testDropoutPhiloxGuardNEON[float32](t, k) })
		t.Run("float64", func(t *testing.T) { testDropoutPhiloxGuardNEON[float64](t, k) })
	})
}
