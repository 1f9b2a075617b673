//go:build gc && !purego

package dropout

import "github.com/klauspost/cpuid/v2"

// archKernels lists this architecture's assembly paths, fastest first.
var archKernels = []*kernelSet{{
	name:          "neon",
	philoxNs:      1.3, // not measured on arm64 hardware: generic's, so calls split no earlier than there
	rawNs:         40,  // likewise
	usable:        haveASIMD(),
	scalePlanes32: scalePlanesNEONF32,
	scalePlanes64: scalePlanesNEONF64,
	scaleRows32:   scaleRowsNEONF32,
	scaleRows64:   scaleRowsNEONF64,

	affinePlanes32: affinePlanesNEONF32,
	affinePlanes64: affinePlanesNEONF64,

	scaleBits32: scaleBitsNEONF32,
	scaleBits64: scaleBitsNEONF64,

	affineBits32: affineBitsNEONF32,
	affineBits64: affineBitsNEONF64,

	dropoutPhilox32: dropoutPhiloxNEONF32,
	dropoutPhilox64: dropoutPhiloxNEONF64,

	keepPlanes: keepPlanesNEON,

	philoxRaw: philoxRawNEON,
}}

// haveASIMD reports whether the CPU has Advanced SIMD (NEON). cpuid learns
// the CPU's features from the OS (HWCAP on Linux, sysctl on Darwin, the ID
// registers on FreeBSD); where it has no source (Windows, OpenBSD, NetBSD)
// it reports no feature at all, not even FP. ASIMD is mandatory in ARMv8-A
// and Go's own runtime uses it unconditionally on arm64, so an empty report
// means "unknown", not "absent".
func haveASIMD() bool {
	if cpuid.CPU.Supports(cpuid.FP) {
		return cpuid.CPU.Supports(cpuid.ASIMD)
	}
	return true
}
