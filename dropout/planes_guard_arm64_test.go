//go:build gc && !purego && (linux || darwin)

package dropout

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestPlanesNEONGuardPages: the NEON bit-plane kernels with every buffer
// flush against a PROT_NONE page, after its end or before its start, at the
// lengths where a batch of 8 groups (512 elements) ends or a call ends
// inside one: keepPlanesNEON at 1 to 17 and 63 to 65 groups, and the fused
// kernels at every length from 448 to 576 and around 1024 and 4096
// elements, with and without a mask, in place and not. TestElementwiseGuardPages
// covers the lengths to 300 and a few large ones.
func TestPlanesNEONGuardPages(t *testing.T) {
	k := neonKernel(t)
	const maxLen = 4097
	r := rand.New(rand.NewPCG(119, 120))
	bitsMem := newGuardedMem(t, 8*bitWords(0, maxLen))
	want := make([]uint64, bitWords(0, maxLen))

	var groups []int
	for g := 1; g <= 17; g++ {
		groups = append(groups, g)
	}
	groups = append(groups, 63, 64, 65)
	for i, g := range groups {
		for _, atEnd := range []bool{true, false} {
			seed, start, tt := r.Uint64(), r.Uint64(), r.Uint32()
			for j := range want[:g] {
				want[j] = decideGroup(uint32(seed), uint32(seed>>32), start+groupBlocks*uint64(j), tt, ^uint64(0))
			}
			bits := guardedSlice[uint64](bitsMem, g, atEnd)
			c := fmt.Sprintf("keepPlanes groups=%d at end %v (case %d)", g, atEnd, i)
			guardedCall(t, c, func() { keepPlanesNEON(bits, seed, start, tt) })
			for j := range bits {
				if bits[j] != want[j] {
					t.Fatalf("%s: word %d = %#x, want %#x", c, j, bits[j], want[j])
				}
			}
		}
	}

	t.Run("float32", func(t *testing.T) { testPlanesNEONGuardPages[float32](t, k, bitsMem) })
	t.Run("float64", func(t *testing.T) { testPlanesNEONGuardPages[float64](t, k, bitsMem) })
}

func testPlanesNEONGuardPages[T float](t *testing.T, k *kernelSet, bitsMem *guardedMem) {
	const maxLen = 4097
	size := int(unsafe.Sizeof(T(0)))
	dstMem, srcMem := newGuardedMem(t, maxLen*size), newGuardedMem(t, maxLen*size)
	r := rand.New(rand.NewPCG(121, 122))
	pool := fill[T](r, maxLen)
	want := make([]T, maxLen)
	wantBits := make([]uint64, bitWords(0, maxLen))
	var lengths []int
	for n := 448; n <= 576; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 1023, 1024, 1025, 4095, 4096, 4097)
	for i, n := range lengths {
		atEnd, inPlace, withBits := i%2 == 0, i%3 == 0, i%4 != 3
		seed, start, tt := r.Uint64(), r.Uint64(), r.Uint32()
		c := fmt.Sprintf("%T n=%d at end %v in place %v mask %v", T(0), n, atEnd, inPlace, withBits)
		dst := guardedSlice[T](dstMem, n, atEnd)
		src := dst
		if !inPlace {
			src = guardedSlice[T](srcMem, n, !atEnd)
		}
		var bits []uint64
		if withBits {
			bits = guardedSlice[uint64](bitsMem, bitWords(0, n), atEnd)
		}
		dropoutPhiloxGeneric(want[:n], pool[:n], wantBits[:bitWords(0, n)], seed, start, tt, T(1.5))
		copy(src, pool[:n])
		guardedCall(t, c, func() { philoxT(k, dst, src, bits, seed, start, tt, T(1.5)) })
		if j := firstDiff(dst, want[:n]); j >= 0 {
			t.Fatalf("%s: dst[%d] = %#x, want %#x", c, j, bitsOf(dst[j]), bitsOf(want[j]))
		}
		for j := range bits {
			if bits[j] != wantBits[j] {
				t.Fatalf("%s: bits[%d] = %#x, want %#x", c, j, bits[j], wantBits[j])
			}
		}
	}
}

// guardedCall runs f with memory faults turned into panics, and fails with
// case c if one happens.
func guardedCall(t *testing.T, c string, f func()) {
	t.Helper()
	defer func() {
		if e := recover(); e != nil {
			t.Fatalf("%s: kernel faulted: %v", c, e)
		}
	}()
	restore := panicOnFault()
	defer restore()
	f()
}
