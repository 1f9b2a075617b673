//go:build linux || darwin

package dropout

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// The memory-safety proof of guard_unix_test.go for the elementwise
// primitives: dst, src and bits flush against PROT_NONE pages, at either end,
// so a kernel touching one byte outside them faults.

// TestElementwiseGuardPages runs the elementwise primitives of every usable
// path with every buffer flush against a guard page on one side or the
// other, at lengths 1..300 and a few large ones; results must match the
// generic kernels.
func TestElementwiseGuardPages(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		t.Run("float32", func(t *testing.T) { testElementwiseGuardPages[float32](t, k) })
		t.Run("float64", func(t *testing.T) { testElementwiseGuardPages[float64](t, k) })
	})
}

func testElementwiseGuardPages[T float32 | float64](t *testing.T, k *kernelSet) {
	const maxLen = 1<<16 + 13
	size := int(unsafe.Sizeof(T(0)))
	dstMem, srcMem := newGuardedMem(t, maxLen*size), newGuardedMem(t, maxLen*size)
	bitsMem := newGuardedMem(t, 8*bitWords(127, maxLen))
	r := rand.New(rand.NewPCG(101, 102))
	pool := fill[T](r, maxLen)
	want := make([]T, maxLen)
	wantBits := make([]uint64, bitWords(0, maxLen))
	failures := 0

	// call runs f with faults turned into panics, failing with the case.
	call := func(c string, f func()) bool {
		defer func() {
			if e := recover(); e != nil {
				if fe, ok := e.(interface{ Addr() uintptr }); ok {
					t.Errorf("%s: kernel faulted at %#x", c, fe.Addr())
				} else {
					t.Errorf("%s: kernel panicked: %v", c, e)
				}
				failures++
			}
		}()
		restore := panicOnFault()
		defer restore()
		f()
		return true
	}
	report := func(c string, format string, args ...any) {
		t.Errorf(c+": "+format, args...)
		failures++
	}

	lengths := []int{}
	for n := 1; n <= 300; n++ {
		lengths = append(lengths, n)
	}
	// Where a lockstep batch of 8 groups (AVX2, NEON) ends, around one of 16
	// (AVX-512) and the fused kernels' chunks of 4096.
	for n := 448; n <= 576; n += 3 {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 1000, 1023, 1024, 1025, 4095, 4096, 4097, 4099, maxLen)
	placements := [][3]bool{ // dst, src, bits flush at the end
		{true, true, true}, {false, false, false}, {true, false, true}, {false, true, false},
	}
	for i, n := range lengths {
		for pi, pl := range placements {
			inPlace := (i+pi)%3 == 0
			c := fmt.Sprintf("%T n=%d dst at end %v, src at end %v, bits at end %v, in place %v", T(0), n, pl[0], pl[1], pl[2], inPlace)
			in := pool[r.IntN(maxLen-n+1):][:n]
			dst := guardedSlice[T](dstMem, n, pl[0])
			src := dst
			if !inPlace {
				src = guardedSlice[T](srcMem, n, pl[1])
			}

			// dropoutPhilox, with the mask words exactly ceil(n/64), or none.
			seed, start, tt := r.Uint64(), r.Uint64(), uint32(r.Uint64())
			withBits := (i+pi)%4 != 3
			var bits []uint64
			if withBits {
				bits = guardedSlice[uint64](bitsMem, bitWords(0, n), pl[2])
			}
			dropoutPhiloxGeneric(want[:n], in, wantBits[:bitWords(0, n)], seed, start, tt, T(1.5))
			copy(src, in)
			call("dropoutPhilox "+c, func() { typed[T](k).dropoutPhilox(dst, src, bits, seed, start, tt, T(1.5)) })
			if j := firstDiff(dst, want[:n]); j >= 0 {
				report("dropoutPhilox "+c, "dst[%d] = %#x, want %#x", j, bitsOf(dst[j]), bitsOf(want[j]))
			}
			for j := range bits {
				if bits[j] != wantBits[j] {
					report("dropoutPhilox "+c, "bits[%d] = %#x, want %#x", j, bits[j], wantBits[j])
					break
				}
			}

			// scaleBits, with the mask words exactly those bits first..first+n-1 need.
			first := (i*7 + pi*31) % 128
			mask := guardedSlice[uint64](bitsMem, bitWords(first, n), pl[2])
			for j := range mask {
				mask[j] = r.Uint64()
			}
			scaleBitsGeneric(want[:n], in, mask, first, T(0.75))
			copy(src, in)
			call(fmt.Sprintf("scaleBits first=%d %s", first, c), func() { typed[T](k).scaleBits(dst, src, mask, first, T(0.75)) })
			if j := firstDiff(dst, want[:n]); j >= 0 {
				report(fmt.Sprintf("scaleBits first=%d %s", first, c), "dst[%d] = %#x, want %#x", j, bitsOf(dst[j]), bitsOf(want[j]))
			}

			// affineBits, the same words, dropped elements c = -1.75.
			affineBitsGeneric(want[:n], in, mask, first, T(0.75), T(0.5), T(-1.75))
			copy(src, in)
			call(fmt.Sprintf("affineBits first=%d %s", first, c), func() { typed[T](k).affineBits(dst, src, mask, first, T(0.75), T(0.5), T(-1.75)) })
			if j := firstDiff(dst, want[:n]); j >= 0 {
				report(fmt.Sprintf("affineBits first=%d %s", first, c), "dst[%d] = %#x, want %#x", j, bitsOf(dst[j]), bitsOf(want[j]))
			}
			if failures >= maxFailures {
				t.Fatal("too many failures; stopping")
			}
		}
	}
}

// TestKeepBitsGuardPages: every path's keepBits, with the mask words flush
// against a PROT_NONE page after the last word or before the first, at
// lengths up to a few chunks, matches fillKeep and touches nothing outside.
func TestKeepBitsGuardPages(t *testing.T) {
	defer func(v int) { keepSIMDMin = v }(keepSIMDMin)
	keepSIMDMin = 1
	const maxLen = 66*64 + 77
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		mem := newGuardedMem(t, 8*bitWords(0, maxLen))
		r := rand.New(rand.NewPCG(103, 104))
		want := make([]uint64, bitWords(0, maxLen))
		lengths := []int{}
		for n := 1; n <= 300; n++ {
			lengths = append(lengths, n)
		}
		for g := 6; g <= 17; g++ { // every end of an 8- or 16-group batch
			lengths = append(lengths, 64*g-1, 64*g)
		}
		lengths = append(lengths, 63*64, 64*64, 65*64+1, keepChunk, keepChunk+1, 2*keepChunk-1, maxLen)
		for i, n := range lengths {
			atEnd := i%2 == 0
			bits := guardedSlice[uint64](mem, bitWords(0, n), atEnd)
			seed, start, tt := r.Uint64(), r.Uint64(), uint64(r.Uint32())
			fillKeep(want[:len(bits)], seed, start, n, tt)
			restore := panicOnFault()
			ok := callSafely(func(format string, args ...any) {
				t.Errorf("n=%d bits at end %v: keepBits: "+format, append([]any{n, atEnd}, args...)...)
			}, func() { k.keepBits(bits, seed, start, n, tt) }, spanOf("bits", bits))
			restore()
			if !ok {
				t.FailNow()
			}
			for j := range bits {
				if bits[j] != want[j] {
					t.Fatalf("n=%d bits at end %v: word %d = %#x, want %#x", n, atEnd, j, bits[j], want[j])
				}
			}
		}
	})
}
