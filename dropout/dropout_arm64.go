//go:build gc && !purego

package dropout

// The NEON kernels, written by hand in dropout_arm64.s.

// scalePlanesNEONF32 is the scale-planes primitive for float32 (see
// kernelSet.scalePlanes32): all n planes in one call, runs of planes with the
// same bit handled as one range, src of dropped planes not read.
//
//go:noescape
func scalePlanesNEONF32(dst, src []float32, bits []uint64, first, plane, n int, s float32)

// scalePlanesNEONF64 is scalePlanesNEONF32 for float64 (see
// kernelSet.scalePlanes64).
//
//go:noescape
func scalePlanesNEONF64(dst, src []float64, bits []uint64, first, plane, n int, s float64)
