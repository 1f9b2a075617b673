package dropout

import (
	"fmt"
	"math/rand"
	"testing"
	"unsafe"
)

// The edges of the elementwise primitives, on every path: every length up
// to a few vector steps and around the step sizes (16 and 32 elements, 64
// decision bits), start offsets of 0 to 63 bytes, guard elements on both
// sides of dst, src and bits, Philox streams whose block number carries
// into the high word or wraps at 2^64 at each position of a step, and
// thresholds at the ends of the unsigned range.

// edgeLengths are every length to 200, then a few around multiples of 32
// and 64 elements and one long enough for many steps.
var edgeLengths = func() []int {
	var ns []int
	for n := 1; n <= 200; n++ {
		ns = append(ns, n)
	}
	return append(ns, 223, 224, 225, 255, 256, 257, 319, 320, 321, 511, 512, 513, 1023, 1024, 1025, 1100)
}()

// philoxRef is the dropoutPhilox contract stated one element at a time,
// with the plain bit-plane oracle drawRef (block numbers wrapping at 2^64):
// element i is kept iff u_i >= t. bits must hold ceil(len(dst)/64) words;
// it is written whole.
func philoxRef[T float](dst, src []T, bits []uint64, seed, start uint64, t uint32, s T) {
	clear(bits)
	for i := range dst {
		if drawRef(seed, start, i) >= t {
			dst[i] = src[i] * s
			bits[i/64] |= 1 << (i % 64)
		} else {
			dst[i] = 0
		}
	}
}

// placement describes where a case put dst and src, for failure messages.
func placement(dstOff, srcOff int, inPlace bool) string {
	if inPlace {
		return fmt.Sprintf("in place at +%d", dstOff)
	}
	return fmt.Sprintf("out of place, dst at +%d, src at +%d", dstOff, srcOff)
}

// refScaleBits is the scaleBits contract one element at a time.
func refScaleBits[T float](dst, src []T, bits []uint64, first int, s T) {
	for i := range dst {
		b := first + i
		if bits[b/64]>>(b%64)&1 == 1 {
			dst[i] = src[i] * s
		} else {
			dst[i] = 0
		}
	}
}

// edgeStarts are stream starts at which the block number carries from
// 2^32-1 to 2^32, or wraps from 2^64-1 to 0, at each of the first 12
// blocks of a call (the lanes of both register sets of the first step and
// the start of the second), and a few plain ones.
var edgeStarts = func() []uint64 {
	var ss []uint64
	for d := uint64(1); d <= 12; d++ {
		ss = append(ss, 1<<32-d, -d)
	}
	return append(ss, 0, 1, 5, 1<<32, 1<<63-3, 0x123456789abcdef)
}()

// edgeThresholds: keep all, keep none, the sign bit of the draw (a signed
// compare would get these wrong), and PyTorch-like ones.
var edgeThresholds = []uint32{0, 1, 1 << 31, 1<<31 - 1, 1<<31 + 1, 1<<32 - 1, uint32(threshold(0.3)), uint32(threshold(0.9))}

// elementwiseBuffers holds the arenas of one edge sweep.
type elementwiseBuffers[T float] struct {
	fk                         floatKind[T]
	pool, want, saved          []T
	srcArena, dstArena         []T
	bitsArena, wantBits, saveB []uint64
}

const bitsGuard = 0xa5a5a5a5deadbeef

func newElementwiseBuffers[T float](rng *rand.Rand, maxN int) *elementwiseBuffers[T] {
	fk := kind[T]()
	arena := maxN + 3*guardElems[T]() + 64
	words := maxN/64 + 4
	return &elementwiseBuffers[T]{
		fk:        fk,
		pool:      fk.pool(rng, maxN+4096),
		want:      make([]T, maxN),
		saved:     make([]T, arena),
		srcArena:  make([]T, arena),
		dstArena:  make([]T, arena),
		bitsArena: make([]uint64, words),
		wantBits:  make([]uint64, words),
		saveB:     make([]uint64, words),
	}
}

// placeIO places n elements of input in dst and src regions starting off
// elements past a 64-byte boundary, surrounded by guard elements, and
// returns dst, src and a check that reports writes outside dst and any
// change to src's region when out of place.
func (b *elementwiseBuffers[T]) placeIO(in []T, dstOff, srcOff int, inPlace bool) (dst, src []T, check func(fail func(string, ...any))) {
	n := len(in)
	dstRegion, dlo := place(b.dstArena, dstOff, n, b.fk.guard)
	dst = dstRegion[dlo : dlo+n]
	var srcRegion []T
	if inPlace {
		src = dst
	} else {
		var slo int
		srcRegion, slo = place(b.srcArena, srcOff, n, b.fk.guard)
		src = srcRegion[slo : slo+n]
	}
	copy(src, in)
	if !inPlace {
		copy(b.saved, srcRegion)
	}
	return dst, src, func(fail func(string, ...any)) {
		if i := firstNot(dstRegion[:dlo], b.fk.guard); i >= 0 {
			fail("wrote %d elements before dst", dlo-i)
		}
		if i := firstNot(dstRegion[dlo+n:], b.fk.guard); i >= 0 {
			fail("wrote dst[%d], past the end", n+i)
		}
		if !inPlace {
			if i := firstDiff(srcRegion, b.saved[:len(srcRegion)]); i >= 0 {
				fail("changed the source or its guards (src region index %d)", i)
			}
		}
	}
}

// TestDropoutPhiloxEdges runs every path's fused Philox kernel at the
// edges listed above, against philoxRef.
func TestDropoutPhiloxEdges(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		t.Run("float32", func(t *testing.T) { testDropoutPhiloxEdges[float32](t, k) })
		t.Run("float64", func(t *testing.T) { testDropoutPhiloxEdges[float64](t, k) })
	})
}

func testDropoutPhiloxEdges[T float](t *testing.T, k *kernelSet) {
	rng := rand.New(rand.NewSource(81))
	b := newElementwiseBuffers[T](rng, 1100)
	maxOff := 64 / int(unsafe.Sizeof(T(0)))
	failures, ctr := 0, 0
	for _, n := range edgeLengths {
		for rep := range 3 {
			ctr++
			start := edgeStarts[ctr%len(edgeStarts)]
			th := edgeThresholds[ctr%len(edgeThresholds)]
			if ctr%5 == 0 {
				th = rng.Uint32()
			}
			seed := rng.Uint64()
			s := b.fk.scales[ctr%len(b.fk.scales)]
			dstOff, srcOff := rng.Intn(maxOff), rng.Intn(maxOff)
			inPlace := rep == 1
			withBits := rep != 2 || ctr%2 == 0
			words := (n + 63) / 64
			in := b.pool[rng.Intn(len(b.pool)-n+1):][:n]

			want, wantBits := b.want[:n], b.wantBits[:words]
			philoxRef(want, in, wantBits, seed, start, th, s)

			dst, src, check := b.placeIO(in, dstOff, srcOff, inPlace)
			for i := range b.bitsArena {
				b.bitsArena[i] = bitsGuard
			}
			var bits []uint64
			if withBits {
				bits = b.bitsArena[1 : 1+words]
			}

			ok := true
			fail := func(format string, args ...any) {
				ok = false
				where := placement(dstOff, srcOff, inPlace)
				t.Errorf("n=%d seed=%#x start=%#x t=%#x s=%v bits=%v, %s: "+format,
					append([]any{n, seed, start, th, s, withBits, where}, args...)...)
			}
			typed[T](k).dropoutPhilox(dst, src, bits, seed, start, th, s)
			if i := firstDiff(dst, want); i >= 0 {
				fail("dst[%d] = %#x, want %#x (src %#x, draw %#x)", i, bitsOf(dst[i]), bitsOf(want[i]), bitsOf(in[i]), drawRef(seed, start, i))
			}
			check(fail)
			for i, w := range b.bitsArena {
				switch {
				case withBits && i >= 1 && i <= words:
					if w != wantBits[i-1] {
						fail("bits[%d] = %#x, want %#x", i-1, w, wantBits[i-1])
					}
				case w != bitsGuard:
					fail("wrote outside bits (arena word %d = %#x, bits are words 1..%d)", i, w, words)
				}
			}
			if !ok {
				failures++
				if failures >= maxFailures {
					t.Fatalf("too many failures; stopping")
				}
			}
		}
	}
}

// TestScaleBitsEdges runs every path's scaleBits kernel at every length to
// 200 and around the step sizes, with first at every bit position of a
// word and past it, every bit pattern, start offsets of 0 to 63 bytes and
// guard elements, against refScaleBits.
func TestScaleBitsEdges(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		t.Run("float32", func(t *testing.T) { testBitsEdges(t, k, scaleBitsOp[float32]()) })
		t.Run("float64", func(t *testing.T) { testBitsEdges(t, k, scaleBitsOp[float64]()) })
	})
}

// TestAffineBitsEdges is TestScaleBitsEdges for affineBits, against
// refAffineBits, with c one of the special values in turn (NaN, ±Inf, ±0
// among them) so that a dropped element must be c exactly, whatever src
// holds there.
func TestAffineBitsEdges(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		t.Run("float32", func(t *testing.T) { testBitsEdges(t, k, affineBitsOp[float32]()) })
		t.Run("float64", func(t *testing.T) { testBitsEdges(t, k, affineBitsOp[float64]()) })
	})
}

// bitsOp is one bit-driven primitive under test: run calls k's kernel and
// ref computes the contract, both with case number ctr choosing scalars.
type bitsOp[T float] struct {
	run func(k *kernelSet, dst, src []T, bits []uint64, first int, ctr int)
	ref func(dst, src []T, bits []uint64, first int, ctr int)
}

func scaleBitsOp[T float]() bitsOp[T] {
	fk := kind[T]()
	s := func(ctr int) T { return fk.scales[ctr%len(fk.scales)] }
	return bitsOp[T]{
		run: func(k *kernelSet, dst, src []T, bits []uint64, first, ctr int) {
			typed[T](k).scaleBits(dst, src, bits, first, s(ctr))
		},
		ref: func(dst, src []T, bits []uint64, first, ctr int) { refScaleBits(dst, src, bits, first, s(ctr)) },
	}
}

func affineBitsOp[T float]() bitsOp[T] {
	fk := kind[T]()
	abc := func(ctr int) (a, b, c T) {
		return fk.scales[ctr%len(fk.scales)], fk.scales[(ctr/3)%len(fk.scales)], fk.specials[ctr%len(fk.specials)]
	}
	return bitsOp[T]{
		run: func(k *kernelSet, dst, src []T, bits []uint64, first, ctr int) {
			a, b, c := abc(ctr)
			typed[T](k).affineBits(dst, src, bits, first, a, b, c)
		},
		ref: func(dst, src []T, bits []uint64, first, ctr int) {
			a, b, c := abc(ctr)
			refAffineBits(dst, src, bits, first, a, b, c)
		},
	}
}

// refAffineBits is the affineBits contract one element at a time.
func refAffineBits[T float](dst, src []T, bits []uint64, first int, a, b, c T) {
	for i := range dst {
		if bit := first + i; bits[bit/64]>>(bit%64)&1 == 1 {
			dst[i] = T(src[i]*a) + b
		} else {
			dst[i] = c
		}
	}
}

func testBitsEdges[T float](t *testing.T, k *kernelSet, op bitsOp[T]) {
	rng := rand.New(rand.NewSource(82))
	b := newElementwiseBuffers[T](rng, 1100)
	maxOff := 64 / int(unsafe.Sizeof(T(0)))
	failures, ctr := 0, 0
	for _, n := range edgeLengths {
		for rep := range 4 {
			ctr++
			// first at every position of a word in turn, in the first word
			// or the second.
			first := (ctr*7)%64 + 64*(rep%2)
			pat := ctr % numPatterns
			dstOff, srcOff := rng.Intn(maxOff), rng.Intn(maxOff)
			inPlace := rep == 3
			words := bitWords(first, n)
			bits := b.bitsArena[:words]
			fillBits(bits, rng, pat, first, n)
			copy(b.saveB, bits)
			in := b.pool[rng.Intn(len(b.pool)-n+1):][:n]

			want := b.want[:n]
			op.ref(want, in, bits, first, ctr)
			dst, src, check := b.placeIO(in, dstOff, srcOff, inPlace)

			ok := true
			fail := func(format string, args ...any) {
				ok = false
				where := placement(dstOff, srcOff, inPlace)
				t.Errorf("n=%d first=%d bits=%s case %d, %s: "+format,
					append([]any{n, first, patternNames[pat], ctr, where}, args...)...)
			}
			op.run(k, dst, src, bits, first, ctr)
			if i := firstDiff(dst, want); i >= 0 {
				bit := first + i
				fail("dst[%d] (bit %d = %d) = %#x, want %#x (src %#x)", i, bit, bits[bit/64]>>(bit%64)&1, bitsOf(dst[i]), bitsOf(want[i]), bitsOf(in[i]))
			}
			check(fail)
			for i := range bits {
				if bits[i] != b.saveB[i] {
					fail("changed bits[%d]", i)
				}
			}
			if !ok {
				failures++
				if failures >= maxFailures {
					t.Fatalf("too many failures; stopping")
				}
			}
		}
	}
}
