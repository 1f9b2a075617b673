//go:build gc && !purego && (linux || darwin)

package dropout

import (
	"math/rand/v2"
	"os"
	"runtime/debug"
	"syscall"
	"testing"
	"unsafe"
)

// pages is an anonymous mapping whose pages can be made inaccessible, so that
// a kernel touching memory it must not read or write faults.
type pages struct {
	mem  []byte
	size int // page size
}

func mapPages(t *testing.T, n int) *pages {
	t.Helper()
	size := os.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, n*size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	return &pages{mem: mem, size: size}
}

// protect makes pages [i, j) inaccessible (or accessible again).
func (p *pages) protect(t *testing.T, i, j int, none bool) {
	t.Helper()
	prot := syscall.PROT_READ | syscall.PROT_WRITE
	if none {
		prot = syscall.PROT_NONE
	}
	if err := syscall.Mprotect(p.mem[i*p.size:j*p.size], prot); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
}

// floats returns the n elements of type T starting at byte off.
func floatsAt[T float](p *pages, off, n int) []T {
	return unsafe.Slice((*T)(unsafe.Pointer(&p.mem[off])), n)
}

// noFault runs f and turns a memory fault into a test failure.
func noFault(t *testing.T, what string, f func()) {
	t.Helper()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s: %v", what, r)
		}
	}()
	f()
}

func TestNEONStaysInBounds(t *testing.T) {
	k := neonKernel(t)
	t.Run("float32", func(t *testing.T) { testStaysInBounds(t, k.scalePlanes32, 3) })
	t.Run("float64", func(t *testing.T) { testStaysInBounds(t, k.scalePlanes64, 4) })
}

// testStaysInBounds puts src and dst flush against inaccessible pages, at
// the start or at the end, for every total length of a few planes, in place
// and out of place. Any read or write outside the slices faults.
func testStaysInBounds[T float](t *testing.T, kern func(dst, src []T, bits []uint64, first, plane, n int, s T), seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0xfa017))
	var z T
	esize := int(unsafe.Sizeof(z))
	// Page 0 and 2 are inaccessible; the slices live in page 1.
	sp, dp := mapPages(t, 3), mapPages(t, 3)
	sp.protect(t, 0, 1, true)
	sp.protect(t, 2, 3, true)
	dp.protect(t, 0, 1, true)
	dp.protect(t, 2, 3, true)
	size := sp.size
	pool := valuePool[T](rng, 1024)
	bits := make([]uint64, 1)
	s := scales[T]()[0]

	for plane := 1; plane <= 40; plane++ {
		for n := 1; n <= 5; n++ {
			total := plane * n
			for _, atEnd := range []bool{false, true} {
				for _, inPlace := range []bool{false, true} {
					off := size
					if atEnd {
						off = 2*size - total*esize
					}
					src := floatsAt[T](sp, off, total)
					dst := floatsAt[T](dp, off, total)
					if inPlace {
						dst = src
					}
					for i := range src {
						src[i] = pool[rng.IntN(len(pool))]
					}
					bits[0] = rng.Uint64()
					first := rng.IntN(64 - n)
					want := make([]T, total)
					scalePlanesGeneric(want, src, bits, first, plane, n, s)
					noFault(t, "kernel", func() { kern(dst, src, bits, first, plane, n, s) })
					for i := range want {
						if fbits(dst[i]) != fbits(want[i]) {
							t.Fatalf("plane=%d n=%d atEnd=%v inPlace=%v: element %d = %#x, want %#x",
								plane, n, atEnd, inPlace, i, fbits(dst[i]), fbits(want[i]))
						}
					}
				}
			}
		}
	}
}

// TestNEONDroppedSourceNotRead gives each plane a page of its own and makes
// the pages of dropped planes inaccessible: the kernel must never read them.
func TestNEONDroppedSourceNotRead(t *testing.T) {
	k := neonKernel(t)
	t.Run("float32", func(t *testing.T) { testDroppedSourceNotRead(t, k.scalePlanes32) })
	t.Run("float64", func(t *testing.T) { testDroppedSourceNotRead(t, k.scalePlanes64) })
}

func testDroppedSourceNotRead[T float](t *testing.T, kern func(dst, src []T, bits []uint64, first, plane, n int, s T)) {
	const n = 6
	var z T
	sp, dp := mapPages(t, n), mapPages(t, n)
	plane := sp.size / int(unsafe.Sizeof(z))
	src := floatsAt[T](sp, 0, n*plane)
	dst := floatsAt[T](dp, 0, n*plane)
	sv := specials[T]()
	for i := range src {
		src[i] = sv[i%len(sv)]
	}
	s := scales[T]()[3]
	for mask := range uint64(1 << n) {
		for _, first := range []int{0, 61} {
			bits := []uint64{mask << first, mask >> (64 - first)}
			if first == 0 {
				bits[1] = 0
			}
			for i := range n {
				if mask>>i&1 == 0 {
					sp.protect(t, i, i+1, true)
				}
			}
			for i := range dst {
				dst[i] = 1
			}
			noFault(t, "kernel", func() { kern(dst, src, bits, first, plane, n, s) })
			sp.protect(t, 0, n, false)
			for i := range dst {
				want := T(0)
				if mask>>(i/plane)&1 == 1 {
					want = src[i] * s
				}
				if fbits(dst[i]) != fbits(want) {
					t.Fatalf("mask=%06b first=%d: element %d = %#x, want %#x", mask, first, i, fbits(dst[i]), fbits(want))
				}
			}
		}
	}
}
