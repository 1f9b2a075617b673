package dropout

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
	"unsafe"
)

// The scale-rows proof: every usable path must give the generic oracle's
// output bit for bit, write nothing outside dst, and change neither v nor,
// out of place, src. The generic path is checked against refScaleRows.

// rowsFunc is the scale-rows primitive for one element type.
type rowsFunc[T float] func(dst, src, v []T)

// rowsFn returns k's scale-rows kernel for T, or with nt its non-temporal
// one (nil if k has none).
func rowsFn[T float](k *kernelSet, nt bool) rowsFunc[T] {
	var f any
	switch any(T(0)).(type) {
	case float32:
		f = k.f32.scaleRows
		if nt {
			f = k.f32.scaleRowsNT
		}
	case float64:
		f = k.f64.scaleRows
		if nt {
			f = k.f64.scaleRowsNT
		}
	}
	return f.(func(dst, src, v []T))
}

// rowsOracle is what path k's scale-rows kernel (with nt, its non-temporal
// one) is compared with.
func rowsOracle[T float](k *kernelSet, nt bool) rowsFunc[T] {
	if k == genericKernels && !nt {
		return refScaleRows[T]
	}
	return rowsFn[T](genericKernels, false)
}

// forEachRowsVariant runs f once per scale-rows variant of every usable
// path, as forEachVariant does for scale-planes: the regular kernels as a
// subtest named after the path, then the non-temporal ones, where the path
// has them, as "<path>/nt".
func forEachRowsVariant(t *testing.T, f func(t *testing.T, k *kernelSet, nt bool)) {
	t.Helper()
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		f(t, k, false)
		if k.f32.scaleRowsNT != nil || k.f64.scaleRowsNT != nil {
			t.Run("nt", func(t *testing.T) { f(t, k, true) })
		}
	})
}

// refScaleRows is the scale-rows contract one element at a time. dst and
// src must not overlap.
func refScaleRows[T float](dst, src, v []T) {
	for i := range dst {
		j := i % len(v)
		if v[j] != 0 { // -0 == 0
			dst[i] = src[i] * v[j]
		} else {
			dst[i] = 0
		}
	}
}

// rowWidths are the len(v) every sweep tries: below, at and around the
// vector widths and the 4-vector steps of the AVX2 and AVX-512 kernels (8,
// 16, 32, 64 elements), the planner's shortest replicated vector (256), and
// a row longer than many of the tensors.
var rowWidths = []int{1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 100, 112, 127, 128, 129, 256, 272, 1000}

// Patterns of v.
const (
	vMixed = iota // scales with +0 and -0 among them
	vKeep         // no zero
	vDrop         // every element +0 or -0
	numVPatterns
)

var vPatternNames = [numVPatterns]string{"mixed", "keep", "drop"}

// rowScales returns the nonzero scales v is drawn from: the scale-planes
// scales, their negatives, and extremes whose products overflow or
// underflow.
func rowScales[T float](fk floatKind[T]) []T {
	var s []T
	for _, x := range fk.scales {
		s = append(s, x, -x)
	}
	huge, tiny := math.MaxFloat64, math.SmallestNonzeroFloat64
	if isFloat32[T]() {
		huge, tiny = math.MaxFloat32, math.SmallestNonzeroFloat32
	}
	return append(s, T(huge), T(-tiny), T(tiny), T(math.Inf(1)), T(math.Inf(-1)), 3e38, 1e-38)
}

// fillV writes a v of pattern pat.
func fillV[T float](v []T, rng *rand.Rand, pat int, scales []T) {
	negZero := T(math.Copysign(0, -1))
	for i := range v {
		switch r := rng.Intn(8); {
		case pat == vDrop || pat == vMixed && r < 2:
			v[i] = 0
			if rng.Intn(2) == 0 {
				v[i] = negZero
			}
		case rng.Intn(3) == 0:
			v[i] = scales[rng.Intn(len(scales))]
		default:
			v[i] = T(rng.NormFloat64() * 3)
			if v[i] == 0 {
				v[i] = 1
			}
		}
	}
}

// rowsCase is one call of a scale-rows kernel.
type rowsCase struct {
	length, width        int // len(dst), len(v)
	vpat                 int
	srcOff, dstOff, vOff int // elements past a 64-byte boundary
	inPlace              bool
}

func (c rowsCase) String() string {
	where := placement(c.dstOff, c.srcOff, c.inPlace)
	return fmt.Sprintf("len=%d len(v)=%d v=%s at +%d, %s (elements past a 64-byte boundary)",
		c.length, c.width, vPatternNames[c.vpat], c.vOff, where)
}

// rowsRunner runs rowsCases against one path and checks them.
type rowsRunner[T float] struct {
	t              *testing.T
	fk             floatKind[T]
	kernel, oracle rowsFunc[T]
	rng            *rand.Rand
	pool, scales   []T
	// scratch, reused by every case
	srcArena, dstArena, vArena, want, saved, savedV []T
	failures                                        int
}

func newRowsRunner[T float](t *testing.T, k *kernelSet, nt bool, maxLen int) *rowsRunner[T] {
	rng := rand.New(rand.NewSource(3))
	fk := kind[T]()
	arena := maxLen + 3*guardElems[T]() + 64
	varena := 1000 + 3*guardElems[T]() + 64
	return &rowsRunner[T]{
		t:        t,
		fk:       fk,
		kernel:   rowsFn[T](k, nt),
		oracle:   rowsOracle[T](k, nt),
		rng:      rng,
		pool:     fk.pool(rng, maxLen+4096),
		scales:   rowScales(fk),
		srcArena: make([]T, arena),
		dstArena: make([]T, arena),
		vArena:   make([]T, varena),
		want:     make([]T, maxLen),
		saved:    make([]T, arena),
		savedV:   make([]T, varena),
	}
}

func (r *rowsRunner[T]) run(c rowsCase) bool {
	in := r.pool[r.rng.Intn(len(r.pool)-c.length+1):][:c.length]
	return r.runWith(c, in)
}

// runWith executes c on the input in and reports any difference; it
// returns false once too many cases have failed.
func (r *rowsRunner[T]) runWith(c rowsCase, in []T) bool {
	t := r.t
	vRegion, vlo := place(r.vArena, c.vOff, c.width, r.fk.guard)
	v := vRegion[vlo : vlo+c.width]
	fillV(v, r.rng, c.vpat, r.scales)
	copy(r.savedV, vRegion)

	want := r.want[:c.length]
	r.oracle(want, in, v)

	var dstRegion, srcRegion []T
	var dst, src []T
	var dlo int
	if c.inPlace {
		dstRegion, dlo = place(r.dstArena, c.dstOff, c.length, r.fk.guard)
		dst = dstRegion[dlo : dlo+c.length]
		src = dst
		copy(src, in)
	} else {
		var slo int
		srcRegion, slo = place(r.srcArena, c.srcOff, c.length, r.fk.guard)
		src = srcRegion[slo : slo+c.length]
		copy(src, in)
		dstRegion, dlo = place(r.dstArena, c.dstOff, c.length, r.fk.guard)
		dst = dstRegion[dlo : dlo+c.length]
		copy(r.saved, srcRegion)
	}

	ok := true
	fail := func(format string, args ...any) {
		ok = false
		t.Errorf("%v (%s): "+format, append([]any{c, r.fk.name}, args...)...)
	}
	if !callSafely(fail, func() { r.kernel(dst, src, v) }, spanOf("dst", dst), spanOf("src", src), spanOf("v", v)) {
		return r.failed()
	}
	if i := firstDiff(dst, want); i >= 0 {
		j := i % c.width
		fail("dst[%d] (column %d, v=%#x) = %#x, want %#x (src %#x)",
			i, j, bitsOf(v[j]), bitsOf(dst[i]), bitsOf(want[i]), bitsOf(in[i]))
	}
	if i := firstNot(dstRegion[:dlo], r.fk.guard); i >= 0 {
		fail("wrote %d elements before dst", dlo-i)
	}
	if i := firstNot(dstRegion[dlo+c.length:], r.fk.guard); i >= 0 {
		fail("wrote dst[%d], past the end", c.length+i)
	}
	if !c.inPlace {
		if i := firstDiff(srcRegion, r.saved[:len(srcRegion)]); i >= 0 {
			fail("changed the source or its guards (src region index %d)", i)
		}
	}
	if i := firstDiff(vRegion, r.savedV[:len(vRegion)]); i >= 0 {
		fail("changed v or its guards (v region index %d)", i)
	}
	if !ok {
		return r.failed()
	}
	return true
}

func (r *rowsRunner[T]) failed() bool {
	r.failures++
	if r.failures >= maxFailures {
		r.t.Errorf("too many failures; stopping")
		return false
	}
	return true
}

func testScaleRows[T float](t *testing.T, k *kernelSet, nt bool) {
	const big = 1<<16 + 13
	r := newRowsRunner[T](t, k, nt, big)
	maxOff := 64 / int(unsafe.Sizeof(T(0))) // 0..63 bytes
	ctr := 0
	next := func(c rowsCase) bool {
		ctr++
		if c.vOff < 0 {
			c.vOff = r.rng.Intn(maxOff)
		}
		return r.run(c)
	}

	// Every length up to 600 with every row width; offsets, v's pattern,
	// and in or out of place vary case by case. Short mode and the race
	// detector sample the lengths.
	step := 1
	if testing.Short() || raceEnabled {
		step = 7
	}
	for _, w := range rowWidths {
		for n := 1; n <= 600; n += step {
			c := rowsCase{
				length: n, width: w, vOff: -1,
				vpat:    ctr % numVPatterns,
				inPlace: ctr%3 == 0,
				srcOff:  r.rng.Intn(maxOff),
				dstOff:  r.rng.Intn(maxOff),
			}
			if !next(c) {
				return
			}
		}
	}

	// Every pair of start offsets, for lengths and widths around the
	// vector widths.
	for _, n := range []int{1, 3, 4, 5, 15, 16, 17, 33, 65, 100} {
		for _, w := range []int{1, 2, 3, 4, 5, 8, 16, 17, 33} {
			for so := range maxOff {
				for do := range maxOff + 1 {
					if (testing.Short() || raceEnabled) && (so+do+n+w)%5 != 0 {
						continue
					}
					c := rowsCase{length: n, width: w, srcOff: so, dstOff: do, vOff: -1, vpat: ctr % numVPatterns}
					if do == maxOff { // in place at so
						c.inPlace, c.dstOff = true, so
					}
					if !next(c) {
						return
					}
				}
			}
		}
	}

	// A few large tensors.
	for _, n := range []int{4096, 4099, big} {
		for _, w := range rowWidths {
			for _, inPlace := range []bool{false, true} {
				c := rowsCase{
					length: n, width: w, vOff: -1, inPlace: inPlace,
					vpat:   ctr % numVPatterns,
					srcOff: r.rng.Intn(maxOff),
					dstOff: r.rng.Intn(maxOff),
				}
				if !next(c) {
					return
				}
			}
		}
	}

	// Every special value in every column of several widths.
	specials := r.fk.specials
	for _, w := range []int{1, 3, 4, 7, 16, 17, 33} {
		in := make([]T, len(specials)*w*2)
		for i := range in {
			in[i] = specials[(i/w+i)%len(specials)]
		}
		for vpat := range numVPatterns {
			ctr++
			c := rowsCase{length: len(in), width: w, vpat: vpat, vOff: ctr % maxOff, inPlace: ctr%2 == 0}
			if !r.runWith(c, in) {
				return
			}
		}
	}
}

// TestScaleRowsMatchesGeneric checks every usable path's scale-rows kernel
// against the generic oracle, and the generic kernel against the
// per-element reference.
func TestScaleRowsMatchesGeneric(t *testing.T) {
	forEachRowsVariant(t, func(t *testing.T, k *kernelSet, nt bool) {
		t.Run("float32", func(t *testing.T) { testScaleRows[float32](t, k, nt) })
		t.Run("float64", func(t *testing.T) { testScaleRows[float64](t, k, nt) })
	})
}
