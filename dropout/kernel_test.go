package dropout

import (
	"errors"
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"
	"unsafe"
)

// The kernel proof: every usable path, run on the same cases, must give the
// generic oracle's output bit for bit, write nothing outside dst, and leave
// src alone when out of place. The generic path itself is checked against
// refScalePlanes, which states the contract one element at a time.

// float is the set of element types the kernels handle.
type float interface{ float32 | float64 }

// scaleFunc is the scale-planes primitive for one element type.
type scaleFunc[T float] func(dst, src []T, bits []uint64, first, plane, n int, s T)

// variant is one implementation of the scale-planes primitive in a path:
// its regular kernels, or its non-temporal ones.
type variant struct {
	name     string // "avx512", "avx512/nt"
	k        *kernelSet
	f32      func(dst, src []float32, bits []uint64, first, plane, n int, s float32)
	f64      func(dst, src []float64, bits []uint64, first, plane, n int, s float64)
	isOracle bool // the generic kernels, which every other variant is compared with
}

// kernelVariants returns every scale-planes variant of path k: the regular
// kernels, then the non-temporal ones where k has them.
func kernelVariants(k *kernelSet) []variant {
	vs := []variant{{name: k.name, k: k, f32: k.f32.scalePlanes, f64: k.f64.scalePlanes, isOracle: k == genericKernels}}
	if k.f32.scalePlanesNT != nil || k.f64.scalePlanesNT != nil {
		vs = append(vs, variant{name: k.name + "/nt", k: k, f32: k.f32.scalePlanesNT, f64: k.f64.scalePlanesNT})
	}
	return vs
}

// forEachVariant runs f once per variant of every usable path, within
// forEachKernel's subtest of the path: the regular kernels in it directly,
// the non-temporal ones, where the path has them, as the subtest "nt" (so
// "avx512/nt"), as forEachRowsVariant does for scale-rows.
func forEachVariant(t *testing.T, f func(t *testing.T, v variant)) {
	t.Helper()
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		vs := kernelVariants(k)
		f(t, vs[0])
		for _, v := range vs[1:] {
			t.Run("nt", func(t *testing.T) { f(t, v) })
		}
	})
}

// variantFn returns v's scale-planes kernel for T, nil if it has none.
func variantFn[T float](v variant) scaleFunc[T] {
	var f any
	switch any(T(0)).(type) {
	case float32:
		f = v.f32
	case float64:
		f = v.f64
	}
	return f.(func(dst, src []T, bits []uint64, first, plane, n int, s T))
}

// planesFunc is a plane primitive (scale-planes or affine-planes) with its
// scalar arguments chosen by index, so that one sweep serves both.
type planesFunc[T float] func(dst, src []T, bits []uint64, first, plane, n, param int)

// planesPrim is one plane primitive of one path, as the sweeps see it.
type planesPrim[T float] struct {
	kernel  planesFunc[T] // the path's kernel
	oracle  planesFunc[T] // what it must equal bit for bit
	nParams int           // the number of scalar argument sets
	param   func(i int) string
	// thin makes the sweep run one case in three, except the specials, in
	// short mode and under the race detector: for a primitive whose
	// kernels share their run walk with one that is swept in full.
	thin bool
}

// scalePrim is variant v's scale-planes primitive, param i selecting s =
// floatKind.scales[i]; it fails the test if v has no kernel for T.
func scalePrim[T float](t testing.TB, v variant) planesPrim[T] {
	kernel := variantFn[T](v)
	if kernel == nil {
		t.Fatalf("variant %s has no %T kernel", v.name, T(0))
	}
	oracle := variantFn[T](kernelVariants(genericKernels)[0])
	if v.isOracle {
		oracle = refScalePlanes[T]
	}
	scales := kind[T]().scales
	bind := func(f scaleFunc[T]) planesFunc[T] {
		return func(dst, src []T, bits []uint64, first, plane, n, i int) {
			f(dst, src, bits, first, plane, n, scales[i])
		}
	}
	return planesPrim[T]{
		kernel:  bind(kernel),
		oracle:  bind(oracle),
		nParams: len(scales),
		param:   func(i int) string { return fmt.Sprintf("s=%v", scales[i]) },
	}
}

// refScalePlanes is the scale-planes contract written as plainly as possible:
// element e belongs to plane e/plane, whose decision is bit first+e/plane.
// dst and src must not overlap.
func refScalePlanes[T float](dst, src []T, bits []uint64, first, plane, n int, s T) {
	for e := range dst {
		b := first + e/plane
		if bits[b/64]>>(b%64)&1 == 1 {
			dst[e] = src[e] * s
		} else {
			dst[e] = 0
		}
	}
}

// floatKind holds the test values of one element type.
type floatKind[T float] struct {
	name     string
	guard    T   // fills memory the kernel must not write: a NaN no product can give
	specials []T // ±0, ±Inf, NaN payloads, subnormals, extremes
	mags     []T // magnitudes random normals are multiplied by
	scales   []T
}

func kind[T float]() floatKind[T] {
	var k any
	switch any(T(0)).(type) {
	case float32:
		f := math.Float32frombits
		k = floatKind[float32]{
			name:  "float32",
			guard: f(0xff8badbd), // signalling: a multiply would quiet it
			specials: []float32{
				0, f(0x80000000), // ±0
				float32(math.Inf(1)), float32(math.Inf(-1)),
				f(0x7fc00000), f(0x7fa00001), f(0xffc12345), f(0x7f800001), f(0xff800001), f(0x7fffffff), // NaNs, quiet and signalling
				f(0x00000001), f(0x80000001), f(0x00400000), f(0x807fffff), f(0x007fffff), // subnormals
				f(0x00800000), f(0x80800000), // smallest normals
				math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32,
				1, -1, 0.5, 3e38, -1.7e38, // products overflow with s >= 2
			},
			mags: []float32{1, 1e-3, 1e4, 1e10, 1e-30, 1e-39, 1e-44, 1e36},
			scales: []float32{
				2, float32(1) / float32(0.7), 1.0000001, 1e30,
				1, float32(1) / float32(0.9), 0.5, 1e-30, // the kernel contract allows any s
			},
		}
	case float64:
		f := math.Float64frombits
		k = floatKind[float64]{
			name:  "float64",
			guard: f(0xfff0badbadbadbad),
			specials: []float64{
				0, f(0x8000000000000000),
				math.Inf(1), math.Inf(-1),
				f(0x7ff8000000000000), f(0x7ff4000000000001), f(0xfff8123456789abc), f(0x7ff0000000000001), f(0xfff0000000000001), f(0x7fffffffffffffff),
				f(0x0000000000000001), f(0x8000000000000001), f(0x0008000000000000), f(0x800fffffffffffff), f(0x000fffffffffffff),
				f(0x0010000000000000), f(0x8010000000000000),
				math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64,
				1, -1, 0.5, 1.7e308, -1e308,
				math.MaxFloat32, math.SmallestNonzeroFloat32, // float32 extremes are ordinary here
			},
			mags: []float64{1, 1e-3, 1e4, 1e10, 1e-300, 1e-310, 1e-322, 1e300},
			scales: []float64{
				2, float64(1) / float64(0.7), 1.0000000000000002, 1e300,
				1, float64(1) / float64(0.9), 0.5, 1e-300,
				1e30, // float32's large scale; a float64 product of it only overflows near 1e278
			},
		}
	}
	return k.(floatKind[T])
}

// pool returns n input values: random normals at assorted magnitudes with
// about one value in four taken from the specials.
func (fk floatKind[T]) pool(rng *rand.Rand, n int) []T {
	p := make([]T, n)
	for i := range p {
		if rng.Intn(4) == 0 {
			p[i] = fk.specials[rng.Intn(len(fk.specials))]
		} else {
			p[i] = T(rng.NormFloat64()) * fk.mags[rng.Intn(len(fk.mags))]
		}
	}
	return p
}

// bitsOf returns the bit pattern of x.
func bitsOf[T float](x T) uint64 {
	switch x := any(x).(type) {
	case float32:
		return uint64(math.Float32bits(x))
	case float64:
		return math.Float64bits(x)
	}
	panic("unreachable")
}

// firstDiff returns the first index where a and b differ bit for bit, or -1.
func firstDiff[T float](a, b []T) int {
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	switch a := any(a).(type) {
	case []float32:
		b := any(b).([]float32)
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				return i
			}
		}
	case []float64:
		b := any(b).([]float64)
		for i := range a {
			if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
				return i
			}
		}
	}
	return -1
}

// firstNot returns the first index of s not holding exactly v, or -1.
func firstNot[T float](s []T, v T) int {
	switch s := any(s).(type) {
	case []float32:
		want := math.Float32bits(any(v).(float32))
		for i := range s {
			if math.Float32bits(s[i]) != want {
				return i
			}
		}
	case []float64:
		want := math.Float64bits(any(v).(float64))
		for i := range s {
			if math.Float64bits(s[i]) != want {
				return i
			}
		}
	}
	return -1
}

// Bit patterns. Bits outside [first, first+n) are set to the opposite of
// what the pattern puts inside where that is defined, random otherwise, so
// a kernel that looks at a neighbour's bit gives a wrong result.
const (
	patDrop      = iota // every plane dropped
	patKeep             // every plane kept
	patAlternate        // kept, dropped, kept, ... or the reverse
	patRandom           // independent fair bits
	patRuns             // runs of 1 to 70 equal bits
	numPatterns
)

var patternNames = [numPatterns]string{"drop", "keep", "alternate", "random", "runs"}

// fillBits writes pattern pat for planes [first, first+n) into bits, which
// must hold at least first+n bits; every other bit of bits is filled too.
func fillBits(bits []uint64, rng *rand.Rand, pat, first, n int) {
	for i := range bits {
		switch pat {
		case patDrop:
			bits[i] = ^uint64(0)
		case patKeep:
			bits[i] = 0
		default:
			bits[i] = rng.Uint64()
		}
	}
	set := func(b int, v bool) {
		if v {
			bits[b/64] |= 1 << (b % 64)
		} else {
			bits[b/64] &^= 1 << (b % 64)
		}
	}
	phase := rng.Intn(2)
	v, left := rng.Intn(2) == 1, 0
	for b := first; b < first+n; b++ {
		switch pat {
		case patDrop:
			set(b, false)
		case patKeep:
			set(b, true)
		case patAlternate:
			set(b, (b-first+phase)%2 == 1)
		case patRuns:
			if left == 0 {
				v, left = !v, 1+rng.Intn(70)
			}
			set(b, v)
			left--
		}
	}
}

// bitWords is the exact number of mask words a call with first and n needs.
func bitWords(first, n int) int { return (first + n + 63) / 64 }

var firsts = []int{0, 1, 63, 64, 65, 127}

// scaleCase is one call of a scale-planes kernel.
type scaleCase struct {
	plane, n, first int
	pat             int
	srcOff, dstOff  int // elements past a 64-byte boundary
	inPlace         bool
	scale           int // the planesPrim param: s or (a, b, c)
}

func (c scaleCase) String() string {
	where := placement(c.dstOff, c.srcOff, c.inPlace)
	return fmt.Sprintf("plane=%d n=%d first=%d bits=%s scale#%d, %s (elements past a 64-byte boundary)",
		c.plane, c.n, c.first, patternNames[c.pat], c.scale, where)
}

// guardElems is the number of guard elements (64 bytes) on each side of a
// buffer in scaleRunner.
func guardElems[T float]() int { return 64 / int(unsafe.Sizeof(T(0))) }

// scaleRunner runs scaleCases of one plane primitive against one path and
// checks them.
type scaleRunner[T float] struct {
	t    *testing.T
	fk   floatKind[T]
	prim planesPrim[T]
	rng  *rand.Rand
	pool []T
	// scratch, reused by every case
	srcArena, dstArena, want, saved []T
	bits                            []uint64
	failures                        int
}

const maxFailures = 10

func newScaleRunner[T float](t *testing.T, prim planesPrim[T], maxLen int) *scaleRunner[T] {
	// The same seed for every path: each path sees exactly the same cases.
	rng := rand.New(rand.NewSource(1))
	fk := kind[T]()
	arena := maxLen + 3*guardElems[T]() + 64
	return &scaleRunner[T]{
		t:        t,
		fk:       fk,
		prim:     prim,
		rng:      rng,
		pool:     fk.pool(rng, maxLen+4096),
		srcArena: make([]T, arena),
		dstArena: make([]T, arena),
		want:     make([]T, maxLen),
		saved:    make([]T, arena),
		bits:     make([]uint64, bitWords(127, 1<<16)),
	}
}

// place returns a region of arena: guard elements, then n data elements
// starting off elements past a 64-byte boundary, then guard elements. The
// whole region is filled with guard.
func place[T float](arena []T, off, n int, guard T) (region []T, lo int) {
	a := 0
	for uintptr(unsafe.Pointer(&arena[a]))%64 != 0 {
		a++
	}
	g := guardElems[T]()
	region = arena[a : a+g+off+n+g]
	for i := range region {
		region[i] = guard
	}
	return region, g + off
}

// run executes c and reports any difference; it returns false once too
// many cases have failed.
func (r *scaleRunner[T]) run(c scaleCase) bool {
	t := r.t
	length := c.plane * c.n
	bits := r.bits[:bitWords(c.first, c.n)]
	fillBits(bits, r.rng, c.pat, c.first, c.n)
	s := r.prim.param(c.scale)
	in := r.pool[r.rng.Intn(len(r.pool)-length+1):][:length]

	want := r.want[:length]
	r.prim.oracle(want, in, bits, c.first, c.plane, c.n, c.scale)

	var dstRegion, srcRegion []T
	var dst, src []T
	var dlo int
	if c.inPlace {
		dstRegion, dlo = place(r.dstArena, c.dstOff, length, r.fk.guard)
		dst = dstRegion[dlo : dlo+length]
		src = dst
		copy(src, in)
	} else {
		var slo int
		srcRegion, slo = place(r.srcArena, c.srcOff, length, r.fk.guard)
		src = srcRegion[slo : slo+length]
		copy(src, in)
		dstRegion, dlo = place(r.dstArena, c.dstOff, length, r.fk.guard)
		dst = dstRegion[dlo : dlo+length]
		copy(r.saved, srcRegion)
	}

	ok := true
	fail := func(format string, args ...any) {
		ok = false
		t.Errorf("%v (%s, %s): "+format, append([]any{c, r.fk.name, s}, args...)...)
	}
	if !callKernel(r.prim.kernel, dst, src, bits, c.first, c.plane, c.n, c.scale, fail) {
		return r.failed()
	}
	if i := firstDiff(dst, want); i >= 0 {
		fail("dst[%d] (plane %d, bit %d = %d) = %#x, want %#x (src %#x)",
			i, i/c.plane, c.first+i/c.plane, bits[(c.first+i/c.plane)/64]>>((c.first+i/c.plane)%64)&1,
			bitsOf(dst[i]), bitsOf(want[i]), bitsOf(in[i]))
	}
	if i := firstNot(dstRegion[:dlo], r.fk.guard); i >= 0 {
		fail("wrote %d elements before dst", dlo-i)
	}
	if i := firstNot(dstRegion[dlo+length:], r.fk.guard); i >= 0 {
		fail("wrote dst[%d], past the end", length+i)
	}
	if !c.inPlace {
		if i := firstDiff(srcRegion, r.saved[:len(srcRegion)]); i >= 0 {
			fail("changed the source or its guards (src region index %d)", i)
		}
	}
	if !ok {
		return r.failed()
	}
	return true
}

func (r *scaleRunner[T]) failed() bool {
	r.failures++
	if r.failures >= maxFailures {
		r.t.Errorf("too many failures; stopping")
		return false
	}
	return true
}

// callKernel calls kernel and turns a panic into a failure naming the case.
// A memory fault (see debug.SetPanicOnFault) is reported with its address
// placed relative to dst, src and bits.
func callKernel[T float](kernel planesFunc[T], dst, src []T, bits []uint64, first, plane, n, param int, fail func(string, ...any)) (ok bool) {
	return callSafely(fail, func() { kernel(dst, src, bits, first, plane, n, param) },
		spanOf("dst", dst), spanOf("src", src), spanOf("bits", bits))
}

// callSafely calls f and turns a panic into a failure. A memory fault (see
// debug.SetPanicOnFault) is reported with its address placed relative to
// the nearest of spans.
func callSafely(fail func(string, ...any), f func(), spans ...span) (ok bool) {
	defer func() {
		e := recover()
		if e == nil {
			return
		}
		ok = false
		if f, isFault := e.(interface{ Addr() uintptr }); isFault {
			fail("kernel faulted at %#x: %s", f.Addr(), whereIs(f.Addr(), spans...))
			return
		}
		fail("kernel panicked: %v", e)
	}()
	f()
	return true
}

// span is a named slice's memory, for reporting a fault address.
type span struct {
	name     string
	lo, size uintptr
}

func spanOf[E any](name string, s []E) span {
	return span{name, uintptr(unsafe.Pointer(unsafe.SliceData(s))), uintptr(len(s)) * unsafe.Sizeof(*new(E))}
}

// whereIs describes addr relative to the nearest of spans, e.g. "4 bytes
// past the end of src".
func whereIs(addr uintptr, spans ...span) string {
	best, dist := "", ^uintptr(0)
	for _, sp := range spans {
		switch {
		case addr < sp.lo && sp.lo-addr < dist:
			dist = sp.lo - addr
			best = fmt.Sprintf("%d bytes before %s", dist, sp.name)
		case addr >= sp.lo+sp.size && addr-(sp.lo+sp.size) < dist:
			dist = addr - (sp.lo + sp.size)
			best = fmt.Sprintf("%d bytes past the end of %s", dist, sp.name)
		case addr >= sp.lo && addr < sp.lo+sp.size:
			return fmt.Sprintf("inside %s at byte %d", sp.name, addr-sp.lo)
		}
	}
	return best
}

// lengthsStep returns how far to move from plane to the next plane length
// tried with n planes: every length for n <= 3, fewer for more planes. In
// short mode, and under the race detector (which slows the checking code
// twentyfold and has nothing to find in a single-goroutine kernel), long
// planes are sampled.
func lengthsStep(plane, n int) int {
	switch {
	case (testing.Short() || raceEnabled) && plane > 160:
		return 13
	case n <= 3:
		return 1
	case plane < 80:
		return 1
	default:
		return 17
	}
}

// The byte offsets that matter most: a vector of 16, 32 or 64 bytes starting
// anywhere, for lengths around the vector widths.
var offsetPlanes = []int{1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 129, 255, 257}

// testPlanes sweeps one plane primitive of one path: lengths, bit patterns,
// offsets, in place and out of place, large planes and special values.
func testPlanes[T float](t *testing.T, prim planesPrim[T]) {
	const big = 1<<16 + 13
	r := newScaleRunner[T](t, prim, 3*big)
	nScales := prim.nParams
	thin := prim.thin && (testing.Short() || raceEnabled)
	run := func(c scaleCase, ctr int) bool {
		if thin && ctr%3 != 0 {
			return true
		}
		return r.run(c)
	}
	maxOff := 64 / int(unsafe.Sizeof(T(0))) // 0..63 bytes

	// Every plane length up to 1100 (a stride for n > 2), every bit pattern,
	// in place and out of place; first, offsets and scale vary case by case.
	ctr := 0
	for n := 1; n <= 9; n++ {
		for plane := 1; plane <= 1100; plane += lengthsStep(plane, n) {
			for pat := range numPatterns {
				for _, inPlace := range []bool{false, true} {
					ctr++
					c := scaleCase{
						plane: plane, n: n, pat: pat, inPlace: inPlace,
						first:  firsts[ctr%len(firsts)],
						srcOff: r.rng.Intn(maxOff),
						dstOff: r.rng.Intn(maxOff),
						scale:  ctr % nScales,
					}
					if !run(c, ctr) {
						return
					}
				}
			}
		}
	}

	// Every pair of start offsets, for lengths around the vector widths.
	for _, plane := range offsetPlanes {
		for n := 1; n <= 3; n++ {
			for so := range maxOff {
				for do := range maxOff + 1 {
					ctr++
					c := scaleCase{
						plane: plane, n: n, srcOff: so, dstOff: do,
						first: firsts[ctr%len(firsts)],
						pat:   ctr % numPatterns,
						scale: ctr % nScales,
					}
					if do == maxOff { // in place at so
						c.inPlace, c.dstOff = true, so
					}
					if !run(c, ctr) {
						return
					}
				}
			}
		}
	}

	// Every plane length up to the plane-by-plane paths' limit (64 bytes) and
	// well past it, at every bit position of first, with runs that cross a
	// word of bits.
	for plane := 1; plane <= 66; plane++ {
		for first := range 64 {
			ctr++
			c := scaleCase{
				plane: plane, n: 70, first: first,
				pat:     ctr % numPatterns,
				inPlace: ctr%5 == 0,
				srcOff:  r.rng.Intn(maxOff),
				dstOff:  r.rng.Intn(maxOff),
				scale:   ctr % nScales,
			}
			if !run(c, ctr) {
				return
			}
		}
	}

	// A few large planes.
	for _, pn := range [][2]int{{4096, 1}, {4096, 2}, {4096, 5}, {4096, 9}, {big, 1}, {big, 2}, {big, 3}, {1 << 16, 2}} {
		for pat := range numPatterns {
			for _, inPlace := range []bool{false, true} {
				ctr++
				c := scaleCase{
					plane: pn[0], n: pn[1], pat: pat, inPlace: inPlace,
					first:  firsts[ctr%len(firsts)],
					srcOff: r.rng.Intn(maxOff),
					dstOff: r.rng.Intn(maxOff),
					scale:  ctr % nScales,
				}
				if !run(c, ctr) {
					return
				}
			}
		}
	}

	// Every special value under every scale, in every lane position.
	for si := range nScales {
		for _, pat := range []int{patKeep, patRandom} {
			ctr++
			plane := len(r.fk.specials)
			in := make([]T, plane*9)
			for i := range in {
				in[i] = r.fk.specials[(i+si)%plane]
			}
			c := scaleCase{plane: plane, n: 9, pat: pat, first: firsts[ctr%len(firsts)], scale: si}
			// run draws its input from the pool at random; pin it here.
			if !r.runWith(c, in) {
				return
			}
		}
	}
}

// runWith is run with a fixed input in place of a random pool slice.
func (r *scaleRunner[T]) runWith(c scaleCase, in []T) bool {
	saved := r.pool
	r.pool = in
	defer func() { r.pool = saved }()
	return r.run(c)
}

// TestScalePlanesMatchesGeneric checks every variant (regular and
// non-temporal stores) of every usable path against the generic oracle, and
// the generic path against the per-element reference.
func TestScalePlanesMatchesGeneric(t *testing.T) {
	for _, k := range registry {
		if !k.usable {
			t.Logf("path %s is not usable on this CPU: not tested", k.name)
		}
	}
	forEachVariant(t, func(t *testing.T, v variant) {
		t.Run("float32", func(t *testing.T) { testPlanes(t, scalePrim[float32](t, v)) })
		t.Run("float64", func(t *testing.T) { testPlanes(t, scalePrim[float64](t, v)) })
	})
}

// TestUseKernelUnsupported: a registered path the CPU cannot run is refused
// with an error that names it and wraps ErrKernel, and the selection stays.
func TestUseKernelUnsupported(t *testing.T) {
	k := &kernelSet{name: "unrunnable"}
	registry = append(registry, k)
	defer func() { registry = registry[:len(registry)-1] }()
	prev := Kernel()
	err := UseKernel("unrunnable")
	if err == nil || !errors.Is(err, ErrKernel) || !strings.Contains(err.Error(), `"unrunnable"`) || !strings.Contains(err.Error(), "not supported") {
		t.Errorf("UseKernel of an unusable path = %v, want an error naming it and wrapping ErrKernel", err)
	}
	if Kernel() != prev {
		t.Errorf("the selection changed to %q", Kernel())
	}
}
