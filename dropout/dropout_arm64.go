//go:build gc && !purego

package dropout

// The NEON kernels, written by hand in dropout_arm64.s.

// scalePlanesNEONF32 is the scale-planes primitive for float32 (see
// typedKernels.scalePlanes): all n planes in one call, runs of planes with the
// same bit handled as one range, src of dropped planes not read.
//
//go:noescape
func scalePlanesNEONF32(dst, src []float32, bits []uint64, first, plane, n int, s float32)

// scalePlanesNEONF64 is scalePlanesNEONF32 for float64 (see
// typedKernels.scalePlanes).
//
//go:noescape
func scalePlanesNEONF64(dst, src []float64, bits []uint64, first, plane, n int, s float64)

// scaleRowsNEONF32 is the scale-rows primitive for float32 (see
// typedKernels.scaleRows): rows of len(v) elements, column j scaled by v[j]
// or set to +0 where v[j] is ±0.
//
//go:noescape
func scaleRowsNEONF32(dst, src, v []float32)

// scaleRowsNEONF64 is scaleRowsNEONF32 for float64 (see
// typedKernels.scaleRows).
//
//go:noescape
func scaleRowsNEONF64(dst, src, v []float64)

// affinePlanesNEONF32 is the affine-planes primitive for float32 (see
// typedKernels.affinePlanes): kept planes become src*a + b, a rounded
// multiply then a rounded add, dropped planes c without reading src.
//
//go:noescape
func affinePlanesNEONF32(dst, src []float32, bits []uint64, first, plane, n int, a, b, c float32)

// affinePlanesNEONF64 is affinePlanesNEONF32 for float64 (see
// typedKernels.affinePlanes).
//
//go:noescape
func affinePlanesNEONF64(dst, src []float64, bits []uint64, first, plane, n int, a, b, c float64)

// affineBitsNEONF32 is the affine-bits primitive for float32 (see
// typedKernels.affineBits): src·a + b where the bit is set, c elsewhere.
//
//go:noescape
func affineBitsNEONF32(dst, src []float32, bits []uint64, first int, a, b, c float32)

// affineBitsNEONF64 is affineBitsNEONF32 for float64 (see
// typedKernels.affineBits).
//
//go:noescape
func affineBitsNEONF64(dst, src []float64, bits []uint64, first int, a, b, c float64)

// scaleBitsNEONF32 is the scale-bits primitive for float32 (see
// typedKernels.scaleBits): dst[i] = src[i]*s where bit first+i of bits is
// set, +0 elsewhere.
//
//go:noescape
func scaleBitsNEONF32(dst, src []float32, bits []uint64, first int, s float32)

// scaleBitsNEONF64 is scaleBitsNEONF32 for float64 (see
// typedKernels.scaleBits).
//
//go:noescape
func scaleBitsNEONF64(dst, src []float64, bits []uint64, first int, s float64)

// dropoutPhiloxNEONF32 is the fused elementwise dropout primitive for
// float32 (see typedKernels.dropoutPhilox): the bit-plane stream decided in
// vector registers eight groups of 64 elements at a time (as
// keepPlanesNEON), element i kept iff its u >= t, the keep words written to
// bits unless it is nil.
//
//go:noescape
func dropoutPhiloxNEONF32(dst, src []float32, bits []uint64, seed, start uint64, t uint32, s float32)

// dropoutPhiloxNEONF64 is dropoutPhiloxNEONF32 for float64 (see
// typedKernels.dropoutPhilox).
//
//go:noescape
func dropoutPhiloxNEONF64(dst, src []float64, bits []uint64, seed, start uint64, t uint32, s float64)

// keepPlanesNEON sets bits[g], for every g in [0, len(bits)), to the keep
// word of group g of the bit-plane stream of seed from block start: bit l
// set iff lane l's u >= t, decideGroup's word for the blocks from
// start+16g, all 64 lanes (none cleared). Groups are decided eight at a
// time in lockstep. Precondition: len(bits) >= 1.
//
//go:noescape
func keepPlanesNEON(bits []uint64, seed, start uint64, t uint32)

// philoxRawNEON is the raw-bits primitive (see kernelSet.philoxRaw):
// len(dst)/4 whole Philox4x32-10 blocks from the 128-bit counter (lo, hi),
// dst[4i+j] word j of block (lo, hi)+i, under key (lo32 key, hi32 key);
// eight blocks at a time in vector registers.
//
//go:noescape
func philoxRawNEON(dst []uint32, key, lo, hi uint64)

// The half kernels widen each element to float32 exactly, multiply (and
// add) in float32 with the vector instructions of the float32 kernels, and
// round once to the element's type as f32ToBF16 and f32ToF16 do; each has
// the contract of its generic twin in half_generic.go.

// scalePlanesNEONBF16 is scalePlanesNEONF32 for bfloat16 (see
// typedKernels.scalePlanes): kept planes round(src ⊗ s), dropped planes +0
// without reading src.
//
//go:noescape
func scalePlanesNEONBF16(dst, src []BFloat16, bits []uint64, first, plane, n int, s float32)

// scalePlanesNEONF16 is scalePlanesNEONBF16 for binary16.
//
//go:noescape
func scalePlanesNEONF16(dst, src []Float16, bits []uint64, first, plane, n int, s float32)

// scaleRowsNEONBF16 is scaleRowsNEONF32 for bfloat16 (see
// typedKernels.scaleRows): column j round(src ⊗ v[j]), or +0 where v[j] is
// ±0.
//
//go:noescape
func scaleRowsNEONBF16(dst, src []BFloat16, v []float32)

// scaleRowsNEONF16 is scaleRowsNEONBF16 for binary16.
//
//go:noescape
func scaleRowsNEONF16(dst, src []Float16, v []float32)

// affinePlanesNEONBF16 is affinePlanesNEONF32 for bfloat16 (see
// typedKernels.affinePlanes): kept planes round((src ⊗ a) ⊕ b), dropped
// planes round(c) without reading src.
//
//go:noescape
func affinePlanesNEONBF16(dst, src []BFloat16, bits []uint64, first, plane, n int, a, b, c float32)

// affinePlanesNEONF16 is affinePlanesNEONBF16 for binary16.
//
//go:noescape
func affinePlanesNEONF16(dst, src []Float16, bits []uint64, first, plane, n int, a, b, c float32)

// scaleBitsNEONBF16 is scaleBitsNEONF32 for bfloat16 (see
// typedKernels.scaleBits): round(src ⊗ s) where the bit is set, +0
// elsewhere.
//
//go:noescape
func scaleBitsNEONBF16(dst, src []BFloat16, bits []uint64, first int, s float32)

// scaleBitsNEONF16 is scaleBitsNEONBF16 for binary16.
//
//go:noescape
func scaleBitsNEONF16(dst, src []Float16, bits []uint64, first int, s float32)

// dropoutPhiloxNEONBF16 is dropoutPhiloxNEONF32 for bfloat16 (see
// typedKernels.dropoutPhilox): the same keep words, kept elements
// round(src ⊗ s), dropped ones +0.
//
//go:noescape
func dropoutPhiloxNEONBF16(dst, src []BFloat16, bits []uint64, seed, start uint64, t uint32, s float32)

// dropoutPhiloxNEONF16 is dropoutPhiloxNEONBF16 for binary16.
//
//go:noescape
func dropoutPhiloxNEONF16(dst, src []Float16, bits []uint64, seed, start uint64, t uint32, s float32)

// affineBitsNEONBF16 is affineBitsNEONF32 for bfloat16 (see
// typedKernels.affineBits): round((src ⊗ a) ⊕ b) where the bit is set,
// round(c) elsewhere.
//
//go:noescape
func affineBitsNEONBF16(dst, src []BFloat16, bits []uint64, first int, a, b, c float32)

// affineBitsNEONF16 is affineBitsNEONBF16 for binary16.
//
//go:noescape
func affineBitsNEONF16(dst, src []Float16, bits []uint64, first int, a, b, c float32)

// The fused residual kernels (see typedKernels.residualPlanes and the
// fields after it): a kept element is ((src ⊕ bias) ⊗ s) ⊕ res, three
// vector operations each rounded once, never fused, a NaN result the
// default quiet NaN; the half types widen the three inputs to float32 and
// round the result once. A dropped element is res's bits. The bias row is
// walked with a pointer that wraps at its end. Each kernel has one body,
// written once as a macro in dropout_arm64.s and instantiated per type.

// residualPlanesNEONF32 is the fused residual form of scalePlanesNEONF32
// (see typedKernels.residualPlanes): kept planes ((src ⊕ bias) ⊗ s) ⊕ res,
// dropped planes res, their src not read.
//
//go:noescape
func residualPlanesNEONF32(dst, src, res, bias []float32, bits []uint64, first, plane, n int, s float32)

// residualPlanesNEONF64 is residualPlanesNEONF32 for float64.
//
//go:noescape
func residualPlanesNEONF64(dst, src, res, bias []float64, bits []uint64, first, plane, n int, s float64)

// residualRowsNEONF32 is the fused residual form of scaleRowsNEONF32 (see
// typedKernels.residualRows): column j ((src ⊕ bias) ⊗ v[j]) ⊕ res, or res
// where v[j] is ±0.
//
//go:noescape
func residualRowsNEONF32(dst, src, res, bias, v []float32)

// residualRowsNEONF64 is residualRowsNEONF32 for float64.
//
//go:noescape
func residualRowsNEONF64(dst, src, res, bias, v []float64)

// residualBitsNEONF32 is the fused residual form of scaleBitsNEONF32 (see
// typedKernels.residualBits): ((src ⊕ bias) ⊗ s) ⊕ res where the bit is
// set, res elsewhere, bias from element phase of its row.
//
//go:noescape
func residualBitsNEONF32(dst, src, res, bias []float32, bits []uint64, first, phase int, s float32)

// residualBitsNEONF64 is residualBitsNEONF32 for float64.
//
//go:noescape
func residualBitsNEONF64(dst, src, res, bias []float64, bits []uint64, first, phase int, s float64)

// residualPhiloxNEONF32 is the fused residual form of dropoutPhiloxNEONF32
// (see typedKernels.residualPhilox): the same keep words (written to bits
// unless it is nil), each applied as residualBitsNEONF32 applies a mask
// word.
//
//go:noescape
func residualPhiloxNEONF32(dst, src, res, bias []float32, bits []uint64, seed, start uint64, t uint32, phase int, s float32)

// residualPhiloxNEONF64 is residualPhiloxNEONF32 for float64.
//
//go:noescape
func residualPhiloxNEONF64(dst, src, res, bias []float64, bits []uint64, seed, start uint64, t uint32, phase int, s float64)

// residualPlanesNEONBF16 is residualPlanesNEONF32 for bfloat16, computed
// in float32 and rounded once.
//
//go:noescape
func residualPlanesNEONBF16(dst, src, res, bias []BFloat16, bits []uint64, first, plane, n int, s float32)

// residualPlanesNEONF16 is residualPlanesNEONBF16 for binary16.
//
//go:noescape
func residualPlanesNEONF16(dst, src, res, bias []Float16, bits []uint64, first, plane, n int, s float32)

// residualRowsNEONBF16 is residualRowsNEONF32 for bfloat16, computed in
// float32 and rounded once.
//
//go:noescape
func residualRowsNEONBF16(dst, src, res, bias []BFloat16, v []float32)

// residualRowsNEONF16 is residualRowsNEONBF16 for binary16.
//
//go:noescape
func residualRowsNEONF16(dst, src, res, bias []Float16, v []float32)

// residualBitsNEONBF16 is residualBitsNEONF32 for bfloat16, computed in
// float32 and rounded once.
//
//go:noescape
func residualBitsNEONBF16(dst, src, res, bias []BFloat16, bits []uint64, first, phase int, s float32)

// residualBitsNEONF16 is residualBitsNEONBF16 for binary16.
//
//go:noescape
func residualBitsNEONF16(dst, src, res, bias []Float16, bits []uint64, first, phase int, s float32)

// residualPhiloxNEONBF16 is residualPhiloxNEONF32 for bfloat16, computed
// in float32 and rounded once.
//
//go:noescape
func residualPhiloxNEONBF16(dst, src, res, bias []BFloat16, bits []uint64, seed, start uint64, t uint32, phase int, s float32)

// residualPhiloxNEONF16 is residualPhiloxNEONBF16 for binary16.
//
//go:noescape
func residualPhiloxNEONF16(dst, src, res, bias []Float16, bits []uint64, seed, start uint64, t uint32, phase int, s float32)

// sumRowsNEONF32 is the bias gradient for float32 (see
// typedKernels.sumRows): db[j] the sum of column j of the rows of dx in row
// order, a NaN sum the default quiet NaN; 16 columns at a time in
// registers down all the rows, then 4, then 1.
//
//go:noescape
func sumRowsNEONF32(db, dx []float32)

// sumRowsNEONF64 is sumRowsNEONF32 for float64, with float64 sums, 8
// columns at a time, then 2, then 1.
//
//go:noescape
func sumRowsNEONF64(db, dx []float64)

// sumRowsNEONBF16 is sumRowsNEONF32 for bfloat16: float32 sums of the
// widened elements, each rounded once at the end.
//
//go:noescape
func sumRowsNEONBF16(db, dx []BFloat16)

// sumRowsNEONF16 is sumRowsNEONBF16 for binary16.
//
//go:noescape
func sumRowsNEONF16(db, dx []Float16)
