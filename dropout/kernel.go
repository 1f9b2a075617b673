package dropout

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"unsafe"
)

// kernelSet is one path's table of primitives: a table per element type
// (typedKernels) and the type-free ones. Every field has the contract of its
// generic twin; the caller checks lengths, aliasing and shapes, so a kernel
// only ever sees valid arguments.
type kernelSet struct {
	name   string
	usable bool // the CPU and OS support every feature the path's code needs

	// philoxNs is the estimated time of dropoutPhilox per element, in ns,
	// for splitting calls across goroutines (see minChunkNs): medians of
	// Dropout float32 on 1×32×64×64 and 32×64×56×56 (BenchmarkElementwise).
	philoxNs float64
	// rawNs is the estimated time of philoxRaw per block, in ns, for the
	// same purpose: medians of BenchmarkPhiloxBits, one goroutine.
	rawNs float64

	// The primitives of each element type, one table each; the half types
	// compute in float32 and take float32 scales.
	f32  typedKernels[float32, float32]
	f64  typedKernels[float64, float64]
	bf16 typedKernels[BFloat16, float32]
	f16  typedKernels[Float16, float32]

	// keepPlanes: for every g in [0, len(bits)), bits[g] is the keep word of
	// group g of the bit-plane stream of seed from block start (its blocks
	// start+16g ... start+16g+15): bit l set iff lane l's u >= t, all 64
	// lanes, as decideGroup gives it. Precondition: len(bits) >= 1. Every
	// mask of a channel-wise op and every DropBlock seed is drawn with it,
	// through keepBits.
	keepPlanes func(bits []uint64, seed, start uint64, t uint32)

	// philoxRaw: raw Philox4x32-10 output, len(dst)/4 whole blocks (len(dst)
	// a multiple of 4): dst[4i+j] is word j of the block with the 128-bit
	// counter (lo, hi) + i (words lo32 lo, hi32 lo, lo32 hi, hi32 hi), under
	// key (lo32 key, hi32 key). PhiloxBits32/64 run on it.
	philoxRaw func(dst []uint32, key, lo, hi uint64)
}

// typedKernels is one path's primitives for element type T with scales of
// type S (T itself for float32 and float64, float32 for the half types).
// Every field has the contract of its generic twin in dropout_generic.go
// (half_generic.go for the half types); the caller checks lengths, aliasing
// and shapes, so a kernel only ever sees valid arguments.
//
// For a half type, "src·s" below is round(float32(src) ⊗ s): the element
// widened to float32 (exact), one float32 multiply, one rounding to T (to
// nearest, ties to even; see half.go); "src·a + b" is
// round((float32(src) ⊗ a) ⊕ b) and a dropped alpha element is round(c).
type typedKernels[T Float, S float32 | float64] struct {
	// scalePlanes: for i in [0, n) with b = first+i, plane i of dst
	// (dst[i*plane:(i+1)*plane]) becomes the same plane of src times s when
	// bit b of bits is set (bits[b/64]>>(b%64)&1 == 1), and +0 otherwise,
	// without reading src. Preconditions: n >= 1, plane >= 1,
	// len(dst) == len(src) == n*plane, len(bits)*64 >= first+n, first >= 0,
	// and dst and src are either the same slice or disjoint.
	scalePlanes func(dst, src []T, bits []uint64, first, plane, n int, s S)

	// scalePlanesNT, where the path has it (nil otherwise, e.g. generic and
	// neon), is scalePlanes with the same contract and results, but writing
	// dst with non-temporal stores that bypass the caches: faster once dst
	// no longer fits in cache, slower while it does, and dst is not left in
	// cache for the next layer. apply chooses between the two with useNT.
	scalePlanesNT func(dst, src []T, bits []uint64, first, plane, n int, s S)

	// scaleRows: for i in [0, len(dst)) with j = i % len(v), dst[i] is
	// src[i]·v[j] when v[j] != 0, and +0 when v[j] == 0 (whatever src[i]
	// holds, NaN and Inf included). v is a row of per-column scales applied
	// to consecutive rows; the last row may be partial. Preconditions:
	// len(dst) == len(src) >= 1, len(v) >= 1, v holds no NaN, and dst and
	// src are the same slice or disjoint (v overlaps neither).
	scaleRows func(dst, src []T, v []S)

	// scaleRowsNT, where the path has it (nil otherwise), is scaleRows
	// writing dst with non-temporal stores, as scalePlanesNT is to
	// scalePlanes; apply chooses between the two with useNT.
	scaleRowsNT func(dst, src []T, v []S)

	// affinePlanes: as scalePlanes, but a kept plane becomes src·a + b (a
	// rounded multiply, then a rounded add: never fused) and a dropped plane
	// is filled with c, its src not read. Alpha dropout runs on it.
	affinePlanes func(dst, src []T, bits []uint64, first, plane, n int, a, b, c S)

	// scaleBits: elementwise scale-planes (planes of one element): for i in
	// [0, len(dst)) with b = first+i, dst[i] = src[i]·s if bit b of bits is
	// set, else +0 (whatever src[i] holds). Preconditions: len(dst) ==
	// len(src) >= 1, len(bits)*64 >= first+len(dst), first >= 0; dst and src
	// the same slice or disjoint.
	scaleBits func(dst, src []T, bits []uint64, first int, s S)

	// dropoutPhilox: elementwise dropout with the randomness generated in
	// the kernel, from the bit-plane stream (philox.go): element i is lane
	// i%64 of group i/64, whose planes come from Philox4x32-10 blocks
	// start+16·(i/64) ... +15 under key (lo32(seed), hi32(seed)), block
	// numbers wrapping at 2⁶⁴; the element is kept iff its u >= t:
	// dst[i] = src[i]·s if kept, else +0 (whatever src[i] holds). The
	// result is decideGroup's; a kernel may stop a group at any plane from
	// which every lane is decided. When bits is not nil, bits[i/64] is set to
	// the keep word of the group, every word up to element len(dst)-1 is
	// written whole, and bits past the last element are 0. Preconditions:
	// len(dst) == len(src) >= 1; bits nil or len(bits) >= ceil(len(dst)/64);
	// dst and src the same slice or disjoint, bits overlapping neither.
	dropoutPhilox func(dst, src []T, bits []uint64, seed, start uint64, t uint32, s S)

	// affineBits: as scaleBits, but a kept element becomes src·a + b (a
	// multiply, then an add, each rounded, never fused) and a dropped one
	// c, whatever src holds. The elementwise form of affinePlanes, for
	// alpha dropout with one decision per element. Preconditions as
	// scaleBits.
	affineBits func(dst, src []T, bits []uint64, first int, a, b, c S)

	// The fused residual forms (residual.go) of scalePlanes, scaleRows,
	// scaleBits and dropoutPhilox, with the same decisions and
	// preconditions, and res of dst's length (the same slice as dst, or
	// disjoint from it). bias, nil (no add) or of len(bias) >= 1 elements
	// that overlap no output, is broadcast along the rows of the range:
	// element k adds bias[(phase+k) mod len(bias)], phase in
	// [0, len(bias)); the planes and rows kernels' ranges start at a row
	// (planes and rows are whole rows of the last dim), so they have no
	// phase. A kept element becomes ((src ⊕ bias) ⊗ s) ⊕ res, each
	// operation rounded once in that order (never fused; the half types in
	// float32, then one rounding to T), a NaN result the default quiet NaN
	// (canonNaN); a dropped one becomes res, its bits copied, src not read
	// (but for one case: AVX2 has no 16-bit masked load, so its half
	// kernels of the rows, bits and Philox forms read src by pairs of
	// elements counted from the range's start, and a dropped element is
	// read, its value unused, when the other one of its pair is kept).
	residualPlanes func(dst, src, res, bias []T, bits []uint64, first, plane, n int, s S)
	residualRows   func(dst, src, res, bias []T, v []S)
	residualBits   func(dst, src, res, bias []T, bits []uint64, first, phase int, s S)
	residualPhilox func(dst, src, res, bias []T, bits []uint64, seed, start uint64, t uint32, phase int, s S)

	// sumRows: db[j] = Σ over the rows of dx (rows of len(db) elements, the
	// last possibly partial) of column j, added in row order in T (the half
	// types in float32, rounded once at the end). Preconditions:
	// len(db) >= 1, db overlaps nothing. The bias gradient (BiasGrad).
	sumRows func(db, dx []T)
}

// typed returns k's table for float type T.
func typed[T float32 | float64](k *kernelSet) *typedKernels[T, T] {
	if isFloat32[T]() {
		return (*typedKernels[T, T])(unsafe.Pointer(&k.f32))
	}
	return (*typedKernels[T, T])(unsafe.Pointer(&k.f64))
}

// typed32 returns k's table for T, a type whose kernels take float32
// scales: float32, BFloat16 or Float16 (never float64).
func typed32[T Float](k *kernelSet) *typedKernels[T, float32] {
	switch kindOf[T]() {
	case kindBF16:
		return (*typedKernels[T, float32])(unsafe.Pointer(&k.bf16))
	case kindF16:
		return (*typedKernels[T, float32])(unsafe.Pointer(&k.f16))
	}
	return (*typedKernels[T, float32])(unsafe.Pointer(&k.f32))
}

// genericTyped is the generic path's table for T: the twins in
// dropout_generic.go.
func genericTyped[T float32 | float64]() typedKernels[T, T] {
	return typedKernels[T, T]{
		scalePlanes:   scalePlanesGeneric[T],
		scaleRows:     scaleRowsGeneric[T],
		affinePlanes:  affinePlanesGeneric[T],
		scaleBits:     scaleBitsGeneric[T],
		dropoutPhilox: dropoutPhiloxGeneric[T],
		affineBits:    affineBitsGeneric[T],

		residualPlanes: residualPlanesGeneric[T],
		residualRows:   residualRowsGeneric[T],
		residualBits:   residualBitsGeneric[T],
		residualPhilox: residualPhiloxGeneric[T],
		sumRows:        sumRowsGeneric[T],
	}
}

// genericHalf is the generic path's table for a half type: the twins in
// half_generic.go.
func genericHalf[T BFloat16 | Float16]() typedKernels[T, float32] {
	return typedKernels[T, float32]{
		scalePlanes:   scalePlanesHalf[T],
		scaleRows:     scaleRowsHalf[T],
		affinePlanes:  affinePlanesHalf[T],
		scaleBits:     scaleBitsHalf[T],
		dropoutPhilox: dropoutPhiloxHalf[T],
		affineBits:    affineBitsHalf[T],

		residualPlanes: residualPlanesHalf[T],
		residualRows:   residualRowsHalf[T],
		residualBits:   residualBitsHalf[T],
		residualPhilox: residualPhiloxHalf[T],
		sumRows:        sumRowsHalf[T],
	}
}

var genericKernels = &kernelSet{
	name:       "generic",
	usable:     true,
	philoxNs:   1.3, // 1.19 and 1.50 (Intel Xeon VM)
	rawNs:      40,  // 10.1 ns a word (Intel Xeon VM)
	f32:        genericTyped[float32](),
	f64:        genericTyped[float64](),
	bf16:       genericHalf[BFloat16](),
	f16:        genericHalf[Float16](),
	keepPlanes: keepPlanesGeneric,
	philoxRaw:  philoxRawGeneric,
}

// keepBits draws a mask with k: bits[i>>6] bit i&63 is set iff feature i's
// u >= t, for i in [0, n); the rest of the last word is cleared; t = 2³²
// keeps nothing; len(bits) is ceil(n/64). It is fillKeep's result on every
// path: a few draws (keepScalar) go to fillKeep, the others to the path's
// keepPlanes.
func (k *kernelSet) keepBits(bits []uint64, seed, start uint64, n int, t uint64) {
	if keepScalar(n, t) {
		fillKeep(bits, seed, start, n, t)
		return
	}
	k.keepPlanes(bits, seed, start, uint32(t))
	trimTail(bits, n)
}

// registry lists every path compiled into this build, fastest first, usable
// on this CPU or not; generic is always last. archKernels comes from the
// architecture's kernel file, or is empty in the purego build.
var registry = append(append([]*kernelSet(nil), archKernels...), genericKernels)

// active is the path every call uses.
var active atomic.Pointer[kernelSet]

func init() {
	active.Store(best())
	if name, ok := os.LookupEnv("SIMDROP_KERNEL"); ok && name != "" {
		if err := UseKernel(name); err != nil {
			// An explicit choice that cannot be honoured must not pass
			// unnoticed (a benchmark would silently measure the wrong path).
			fmt.Fprintf(os.Stderr, "simdrop: SIMDROP_KERNEL: %v; using %q\n", err, Kernel())
		}
	}
}

func best() *kernelSet {
	for _, k := range registry {
		if k.usable {
			return k
		}
	}
	return genericKernels
}

func current() *kernelSet { return active.Load() }

// Kernels returns the names of the kernel paths usable on this CPU, fastest
// first. The list always ends with "generic", the portable Go path that every
// other path is tested against.
func Kernels() []string {
	var names []string
	for _, k := range registry {
		if k.usable {
			names = append(names, k.name)
		}
	}
	return names
}

// Kernel returns the name of the kernel path in use.
func Kernel() string { return current().name }

// UseKernel selects the kernel path used by every later call, process-wide.
// The name must be one of Kernels(); an unknown name, or a path this CPU
// cannot run, is an error wrapping ErrKernel and leaves the selection
// unchanged. At start-up the
// fastest usable path is chosen, or the one named by the SIMDROP_KERNEL
// environment variable.
func UseKernel(name string) error {
	for _, k := range registry {
		if k.name != name {
			continue
		}
		if !k.usable {
			return fmt.Errorf("dropout: kernel %q is not supported by this CPU (usable: %s): %w", name, strings.Join(Kernels(), ", "), ErrKernel)
		}
		active.Store(k)
		return nil
	}
	return fmt.Errorf("dropout: unknown kernel %q (usable: %s): %w", name, strings.Join(Kernels(), ", "), ErrKernel)
}
