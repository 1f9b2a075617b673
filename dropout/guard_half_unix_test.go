//go:build linux || darwin

package dropout

import (
	"fmt"
	"math/rand"
	"syscall"
	"testing"
)

// Memory safety of the half kernels: every primitive of every path runs
// with dst, src (and bits) flush against PROT_NONE pages, after the last
// element and before the first, at every length up to 130 and a few large
// ones; and the planes kernels run with the pages of dropped planes'
// src protected, so reading them faults.

func TestHalfGuardPages(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		t.Run("bf16", func(t *testing.T) { testHalfGuardPages(t, &k.bf16, &genericKernels.bf16, halfOf[BFloat16]()) })
		t.Run("f16", func(t *testing.T) { testHalfGuardPages(t, &k.f16, &genericKernels.f16, halfOf[Float16]()) })
	})
}

func testHalfGuardPages[T BFloat16 | Float16](t *testing.T, tab, gen *typedKernels[T, float32], hk halfKind[T]) {
	defer panicOnFault()() // per goroutine: each subtest has its own
	rng := rand.New(rand.NewSource(5))
	const maxN = 8193
	dstMem := newGuardedMem(t, 2*maxN)
	srcMem := newGuardedMem(t, 2*maxN)
	bitsMem := newGuardedMem(t, 8*(maxN/64+4))
	lengths := []int{}
	for n := 1; n <= 130; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 255, 256, 1000, 4097, maxN)
	abc := halfAffines[0]
	v := make([]float32, 37)
	for j := range v {
		if j%3 != 0 {
			v[j] = 1.5
		}
	}
	type prim struct {
		name string
		call func(tab *typedKernels[T, float32], dst, src []T, bits []uint64, first int)
	}
	prims := []prim{
		{"scaleBits", func(tb *typedKernels[T, float32], dst, src []T, bits []uint64, first int) {
			tb.scaleBits(dst, src, bits, first, 1.5)
		}},
		{"affineBits", func(tb *typedKernels[T, float32], dst, src []T, bits []uint64, first int) {
			tb.affineBits(dst, src, bits, first, abc[0], abc[1], abc[2])
		}},
		{"scalePlanes", func(tb *typedKernels[T, float32], dst, src []T, bits []uint64, first int) {
			tb.scalePlanes(dst, src, bits, first, 1, len(dst), 1.5)
		}},
		{"affinePlanes", func(tb *typedKernels[T, float32], dst, src []T, bits []uint64, first int) {
			tb.affinePlanes(dst, src, bits, first, 1, len(dst), abc[0], abc[1], abc[2])
		}},
		{"scaleRows", func(tb *typedKernels[T, float32], dst, src []T, bits []uint64, first int) {
			tb.scaleRows(dst, src, v[:min(len(v), len(dst))])
		}},
		{"dropoutPhilox", func(tb *typedKernels[T, float32], dst, src []T, bits []uint64, first int) {
			tb.dropoutPhilox(dst, src, bits[:(len(dst)+63)/64], 7, uint64(first), 1<<31, 1.5)
		}},
	}
	for _, p := range prims {
		for _, n := range lengths {
			for _, atEnd := range []bool{true, false} {
				for _, inPlace := range []bool{false, true} {
					first := rng.Intn(64)
					if p.name == "dropoutPhilox" {
						first = 0 // the bits are written from word 0
					}
					words := (first + n + 63) / 64
					bits := guardedSlice[uint64](bitsMem, words, atEnd)
					fillBits(bits, rng, rng.Intn(6), first, n)
					in := hk.pool(rng, n)
					src := guardedSlice[T](srcMem, n, atEnd)
					copy(src, in)
					dst := src
					if !inPlace {
						dst = guardedSlice[T](dstMem, n, !atEnd)
					}
					want := make([]T, n)
					wantBits := append([]uint64(nil), bits...)
					p.call(gen, want, append([]T(nil), in...), wantBits, first)
					what := fmt.Sprintf("%s n %d atEnd %v inPlace %v first %d", p.name, n, atEnd, inPlace, first)
					fail := func(f string, a ...any) { t.Errorf(what+": "+f, a...) }
					if !callSafely(fail, func() { p.call(tab, dst, src, bits, first) }, spanOf("dst", dst), spanOf("src", src), spanOf("bits", bits)) {
						return
					}
					for i := range want {
						if dst[i] != want[i] {
							t.Errorf("%s: element %d = %#04x, want %#04x", what, i, uint16(dst[i]), uint16(want[i]))
							return
						}
					}
				}
			}
		}
	}
}

// TestHalfDroppedPlanesUnread: the planes kernels must not read the src of
// a dropped plane. Planes are whole pages; those of dropped planes are made
// PROT_NONE.
func TestHalfDroppedPlanesUnread(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		t.Run("bf16", func(t *testing.T) { testHalfDroppedUnread(t, &k.bf16, &genericKernels.bf16, halfOf[BFloat16]()) })
		t.Run("f16", func(t *testing.T) { testHalfDroppedUnread(t, &k.f16, &genericKernels.f16, halfOf[Float16]()) })
	})
}

func testHalfDroppedUnread[T BFloat16 | Float16](t *testing.T, tab, gen *typedKernels[T, float32], hk halfKind[T]) {
	defer panicOnFault()()
	rng := rand.New(rand.NewSource(9))
	page := syscall.Getpagesize()
	plane := page / 2 // one page of halves
	const np = 12
	for trial := 0; trial < 8; trial++ {
		for _, alpha := range []bool{false, true} {
			srcMem := newGuardedMem(t, np*page)
			src := guardedSlice[T](srcMem, np*plane, false)
			copy(src, hk.pool(rng, len(src)))
			in := append([]T(nil), src...)
			bits := []uint64{rng.Uint64()}
			if trial == 0 {
				bits[0] = 0 // every plane dropped: src not read at all
			}
			for i := 0; i < np; i++ {
				if bits[0]>>i&1 == 0 {
					lo := srcMem.dataStart() + i*page
					srcMem.protect(t, lo, lo+page, syscall.PROT_NONE)
				}
			}
			dst, want := make([]T, len(src)), make([]T, len(src))
			abc := halfAffines[1]
			call := func(tb *typedKernels[T, float32], d, s []T) {
				if alpha {
					tb.affinePlanes(d, s, bits, 0, plane, np, abc[0], abc[1], abc[2])
				} else {
					tb.scalePlanes(d, s, bits, 0, plane, np, 1.5)
				}
			}
			call(gen, want, in)
			what := fmt.Sprintf("alpha %v bits %#x", alpha, bits[0]&(1<<np-1))
			if !callSafely(func(f string, a ...any) { t.Errorf(what+": "+f, a...) }, func() { call(tab, dst, src) }, spanOf("src", src), spanOf("dst", dst)) {
				return
			}
			if d := firstDiffHalf(dst, want); d >= 0 {
				t.Fatalf("%s: element %d = %#04x, want %#04x", what, d, uint16(dst[d]), uint16(want[d]))
			}
		}
	}
}

func firstDiffHalf[T BFloat16 | Float16](a, b []T) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}
