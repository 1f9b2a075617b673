//go:build linux || darwin

package dropout

import (
	"fmt"
	"math/rand"
	"syscall"
	"testing"
	"unsafe"
)

// Memory safety of the fused residual kernels: every primitive of every
// path and element type runs with dst, src, res, bias (and bits, v, db)
// flush against PROT_NONE pages, after the last element and before the
// first, at every length up to 130 and a few large ones, with biases short
// and long (the kernels copy a short row to the stack and the windows that
// cross a long row's end), in place and out; the results must be the
// generic kernel's. The planes and bits kernels also run with the pages of
// dropped elements' src protected, so reading them faults.

func TestResidualGuardPages(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		t.Run("f32", func(t *testing.T) { testResidualGuardPages(t, &k.f32, &genericKernels.f32, floatResid[float32]()) })
		t.Run("f64", func(t *testing.T) { testResidualGuardPages(t, &k.f64, &genericKernels.f64, floatResid[float64]()) })
		t.Run("bf16", func(t *testing.T) { testResidualGuardPages(t, &k.bf16, &genericKernels.bf16, halfResid[BFloat16]()) })
		t.Run("f16", func(t *testing.T) { testResidualGuardPages(t, &k.f16, &genericKernels.f16, halfResid[Float16]()) })
	})
}

// residualArgs are the slices of one call; the kernels' scalars are drawn
// alongside.
type residualArgs[T Float, S float32 | float64] struct {
	dst, src, res, bias []T
	bits                []uint64
	v                   []S
	first, phase        int
	plane, np           int
	s                   S
	noBits              bool // residualPhilox without bits
}

func testResidualGuardPages[T Float, S float32 | float64](t *testing.T, tab, gen *typedKernels[T, S], el residElem[T, S]) {
	defer panicOnFault()() // per goroutine: each subtest has its own
	rng := rand.New(rand.NewSource(6))
	const maxN = 8193
	size := int(unsafe.Sizeof(T(0)))
	dstMem, srcMem, resMem := newGuardedMem(t, size*maxN), newGuardedMem(t, size*maxN), newGuardedMem(t, size*maxN)
	biasMem := newGuardedMem(t, size*maxN)
	vMem := newGuardedMem(t, int(unsafe.Sizeof(S(0)))*maxN)
	bitsMem := newGuardedMem(t, 8*(maxN/64+4))
	lengths := []int{}
	for n := 1; n <= 130; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 255, 256, 1000, 4097, maxN)

	// divisor returns a random divisor of n, small ones likelier.
	divisor := func(n int) int {
		var ds []int
		for d := 1; d <= n && len(ds) < 12; d++ {
			if n%d == 0 {
				ds = append(ds, d)
			}
		}
		if rng.Intn(3) == 0 {
			return n
		}
		return ds[rng.Intn(len(ds))]
	}
	// biasLen returns 0 (no bias) or a bias length: short rows (copied to
	// the stack), long ones (read in place), any for the elementwise forms,
	// a divisor of row for the planes and rows forms.
	biasLen := func(n, row int) int {
		if rng.Intn(4) == 0 {
			return 0
		}
		if row > 0 {
			return divisor(row)
		}
		switch rng.Intn(4) {
		case 0:
			return 1 + rng.Intn(min(n, 127))
		case 1:
			return 128 + rng.Intn(200)
		case 2:
			return n
		}
		return 1 + rng.Intn(maxN)
	}

	type prim struct {
		name string
		// shape draws the call's first (and plane and np) for n elements,
		// and returns its bias length and v width (0: no v).
		shape func(a *residualArgs[T, S], n int) (nb, w int)
		call  func(tb *typedKernels[T, S], a residualArgs[T, S])
	}
	prims := []prim{
		{"residualBits", func(a *residualArgs[T, S], n int) (int, int) {
			a.first = rng.Intn(64)
			return biasLen(n, 0), 0
		}, func(tb *typedKernels[T, S], a residualArgs[T, S]) {
			tb.residualBits(a.dst, a.src, a.res, a.bias, a.bits, a.first, a.phase, a.s)
		}},
		{"residualPlanes", func(a *residualArgs[T, S], n int) (int, int) {
			a.first = rng.Intn(64)
			a.plane = divisor(n)
			a.np = n / a.plane
			return biasLen(n, a.plane), 0
		}, func(tb *typedKernels[T, S], a residualArgs[T, S]) {
			tb.residualPlanes(a.dst, a.src, a.res, a.bias, a.bits, a.first, a.plane, a.np, a.s)
		}},
		{"residualRows", func(a *residualArgs[T, S], n int) (int, int) {
			w := 1 + rng.Intn(min(n, 300))
			return biasLen(n, w), w
		}, func(tb *typedKernels[T, S], a residualArgs[T, S]) {
			tb.residualRows(a.dst, a.src, a.res, a.bias, a.v)
		}},
		{"residualPhilox", func(a *residualArgs[T, S], n int) (int, int) {
			a.first = 0 // the bits are written from word 0
			return biasLen(n, 0), 0
		}, func(tb *typedKernels[T, S], a residualArgs[T, S]) {
			bits := a.bits
			if a.noBits {
				bits = nil
			}
			tb.residualPhilox(a.dst, a.src, a.res, a.bias, bits, 7, uint64(a.phase)*5, 1<<31, a.phase, a.s)
		}},
	}
	for _, p := range prims {
		for _, n := range lengths {
			for _, atEnd := range []bool{true, false} {
				var a residualArgs[T, S]
				a.s = el.scales[rng.Intn(len(el.scales))]
				nb, w := p.shape(&a, n)
				if p.name == "residualPhilox" && rng.Intn(3) == 0 {
					a.noBits = true
				}
				words := (a.first + max(n, a.np) + 63) / 64
				a.bits = guardedSlice[uint64](bitsMem, words, atEnd)
				fillBits(a.bits, rng, rng.Intn(6), a.first, max(a.np, 1))
				if p.name != "residualPlanes" {
					fillBits(a.bits, rng, rng.Intn(6), a.first, n)
				}
				x, r := el.random(rng, n), el.random(rng, n)
				a.src = guardedSlice[T](srcMem, n, atEnd)
				a.res = guardedSlice[T](resMem, n, !atEnd)
				copy(a.src, x)
				copy(a.res, r)
				var b []T
				if nb > 0 {
					b = el.random(rng, nb)
					a.bias = guardedSlice[T](biasMem, nb, rng.Intn(2) == 0)
					copy(a.bias, b)
					a.phase = rng.Intn(nb)
				}
				if p.name == "residualPlanes" || p.name == "residualRows" {
					a.phase = 0
				}
				var v []S
				if w > 0 {
					v = make([]S, w)
					for j := range v {
						if rng.Intn(3) > 0 {
							v[j] = el.scales[rng.Intn(len(el.scales))]
						}
					}
					a.v = guardedSlice[S](vMem, w, rng.Intn(2) == 0)
					copy(a.v, v)
				}
				mode := rng.Intn(3) // 0 out of place, 1 dst = res, 2 dst = src
				switch mode {
				case 0:
					a.dst = guardedSlice[T](dstMem, n, rng.Intn(2) == 0)
				case 1:
					a.dst = a.res
				case 2:
					a.dst = a.src
				}
				want := a
				want.dst, want.src, want.res = make([]T, n), x, r
				want.bias, want.v = b, v
				want.bits = append([]uint64(nil), a.bits...)
				p.call(gen, want)
				what := fmt.Sprintf("%s n %d bias %d phase %d plane %d v %d bits %v atEnd %v mode %d", p.name, n, nb, a.phase, a.plane, w, !a.noBits, atEnd, mode)
				fail := func(f string, args ...any) { t.Errorf(what+": "+f, args...) }
				spans := []span{spanOf("dst", a.dst), spanOf("src", a.src), spanOf("res", a.res), spanOf("bits", a.bits)}
				if len(a.bias) > 0 {
					spans = append(spans, spanOf("bias", a.bias))
				}
				if len(a.v) > 0 {
					spans = append(spans, spanOf("v", a.v))
				}
				if !callSafely(fail, func() { p.call(tab, a) }, spans...) {
					return
				}
				for i := range want.dst {
					if !eqBits(a.dst[i], want.dst[i]) {
						t.Errorf("%s: element %d = %#x, want %#x", what, i, anyBits(a.dst[i]), anyBits(want.dst[i]))
						return
					}
				}
				for i := range want.bits {
					if a.bits[i] != want.bits[i] {
						t.Errorf("%s: bits[%d] = %#x, want %#x", what, i, a.bits[i], want.bits[i])
						return
					}
				}
			}
		}
	}

	// sumRows: db and dx each flush against a guard page.
	for _, n := range lengths {
		for _, atEnd := range []bool{true, false} {
			nb := 1 + rng.Intn(n)
			if rng.Intn(3) == 0 {
				nb = 1 + rng.Intn(min(n, 70))
			}
			in := el.random(rng, n)
			dx := guardedSlice[T](srcMem, n, atEnd)
			copy(dx, in)
			db := guardedSlice[T](dstMem, nb, !atEnd)
			want := make([]T, nb)
			gen.sumRows(want, in)
			what := fmt.Sprintf("sumRows n %d width %d atEnd %v", n, nb, atEnd)
			if !callSafely(func(f string, args ...any) { t.Errorf(what+": "+f, args...) }, func() { tab.sumRows(db, dx) }, spanOf("db", db), spanOf("dx", dx)) {
				return
			}
			for j := range want {
				if !eqBits(db[j], want[j]) {
					t.Errorf("%s: db[%d] = %#x, want %#x", what, j, anyBits(db[j]), anyBits(want[j]))
					return
				}
			}
		}
	}
}

// TestResidualDroppedSrcUnread: the fused residual kernels must not read the
// src of a dropped element. residualPlanes runs on planes of one page each
// and residualBits on pages of elements whose bits are all clear; the src
// pages of the dropped ones are PROT_NONE.
func TestResidualDroppedSrcUnread(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		t.Run("f32", func(t *testing.T) { testResidualDroppedUnread(t, &k.f32, &genericKernels.f32, floatResid[float32]()) })
		t.Run("f64", func(t *testing.T) { testResidualDroppedUnread(t, &k.f64, &genericKernels.f64, floatResid[float64]()) })
		t.Run("bf16", func(t *testing.T) { testResidualDroppedUnread(t, &k.bf16, &genericKernels.bf16, halfResid[BFloat16]()) })
		t.Run("f16", func(t *testing.T) { testResidualDroppedUnread(t, &k.f16, &genericKernels.f16, halfResid[Float16]()) })
	})
}

func testResidualDroppedUnread[T Float, S float32 | float64](t *testing.T, tab, gen *typedKernels[T, S], el residElem[T, S]) {
	defer panicOnFault()()
	rng := rand.New(rand.NewSource(10))
	page := syscall.Getpagesize()
	plane := page / int(unsafe.Sizeof(T(0))) // one page of elements
	const np = 12
	for trial := 0; trial < 8; trial++ {
		for _, elementwise := range []bool{false, true} {
			srcMem := newGuardedMem(t, np*page)
			src := guardedSlice[T](srcMem, np*plane, false)
			copy(src, el.random(rng, len(src)))
			in := append([]T(nil), src...)
			res := el.random(rng, len(src))
			pages := rng.Uint64()
			if trial == 0 {
				pages = 0 // everything dropped: src not read at all
			}
			var bias []T
			if trial%3 != 2 {
				bias = el.random(rng, []int{plane, plane / 2, 7, 1}[rng.Intn(4)])
				if plane%len(bias) != 0 {
					bias = bias[:1]
				}
			}
			// bits: one per plane, or one per element with the pages' bits
			// all set or all clear (the rest random within kept pages).
			var bits []uint64
			if elementwise {
				bits = make([]uint64, np*plane/64)
				for i := range bits {
					if pages>>(i*64/plane)&1 == 1 {
						bits[i] = rng.Uint64()
					}
				}
			} else {
				bits = []uint64{pages}
			}
			for i := 0; i < np; i++ {
				if pages>>i&1 == 0 {
					lo := srcMem.dataStart() + i*page
					srcMem.protect(t, lo, lo+page, syscall.PROT_NONE)
				}
			}
			s := el.scales[rng.Intn(len(el.scales))]
			call := func(tb *typedKernels[T, S], d, x []T) {
				if elementwise {
					tb.residualBits(d, x, res, bias, bits, 0, 0, s)
				} else {
					tb.residualPlanes(d, x, res, bias, bits, 0, plane, np, s)
				}
			}
			dst, want := make([]T, len(src)), make([]T, len(src))
			call(gen, want, in)
			what := fmt.Sprintf("elementwise %v pages %#x bias %d", elementwise, pages&(1<<np-1), len(bias))
			if !callSafely(func(f string, a ...any) { t.Errorf(what+": "+f, a...) }, func() { call(tab, dst, src) }, spanOf("src", src), spanOf("dst", dst)) {
				return
			}
			for i := range want {
				if !eqBits(dst[i], want[i]) {
					t.Fatalf("%s: element %d = %#x, want %#x", what, i, anyBits(dst[i]), anyBits(want[i]))
				}
			}
		}
	}
}
