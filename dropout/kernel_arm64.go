//go:build gc && !purego

package dropout

import "github.com/klauspost/cpuid/v2"

// archKernels lists this architecture's assembly paths, fastest first.
var archKernels = []*kernelSet{{
	name:     "neon",
	philoxNs: 1.3, // not measured on arm64 hardware: generic's, so calls split no earlier than there
	rawNs:    40,  // likewise
	usable:   haveASIMD(),
	f32: typedKernels[float32, float32]{
		scalePlanes:   scalePlanesNEONF32,
		scaleRows:     scaleRowsNEONF32,
		affinePlanes:  affinePlanesNEONF32,
		scaleBits:     scaleBitsNEONF32,
		dropoutPhilox: dropoutPhiloxNEONF32,
		affineBits:    affineBitsNEONF32,

		residualPlanes: residualPlanesNEONF32,
		residualRows:   residualRowsNEONF32,
		residualBits:   residualBitsNEONF32,
		residualPhilox: residualPhiloxNEONF32,
		sumRows:        sumRowsNEONF32,
	},
	f64: typedKernels[float64, float64]{
		scalePlanes:   scalePlanesNEONF64,
		scaleRows:     scaleRowsNEONF64,
		affinePlanes:  affinePlanesNEONF64,
		scaleBits:     scaleBitsNEONF64,
		dropoutPhilox: dropoutPhiloxNEONF64,
		affineBits:    affineBitsNEONF64,

		residualPlanes: residualPlanesNEONF64,
		residualRows:   residualRowsNEONF64,
		residualBits:   residualBitsNEONF64,
		residualPhilox: residualPhiloxNEONF64,
		sumRows:        sumRowsNEONF64,
	},
	bf16: typedKernels[BFloat16, float32]{
		scalePlanes:   scalePlanesNEONBF16,
		scaleRows:     scaleRowsNEONBF16,
		affinePlanes:  affinePlanesNEONBF16,
		scaleBits:     scaleBitsNEONBF16,
		dropoutPhilox: dropoutPhiloxNEONBF16,
		affineBits:    affineBitsNEONBF16,

		residualPlanes: residualPlanesNEONBF16,
		residualRows:   residualRowsNEONBF16,
		residualBits:   residualBitsNEONBF16,
		residualPhilox: residualPhiloxNEONBF16,
		sumRows:        sumRowsNEONBF16,
	},
	f16: typedKernels[Float16, float32]{
		scalePlanes:   scalePlanesNEONF16,
		scaleRows:     scaleRowsNEONF16,
		affinePlanes:  affinePlanesNEONF16,
		scaleBits:     scaleBitsNEONF16,
		dropoutPhilox: dropoutPhiloxNEONF16,
		affineBits:    affineBitsNEONF16,

		residualPlanes: residualPlanesNEONF16,
		residualRows:   residualRowsNEONF16,
		residualBits:   residualBitsNEONF16,
		residualPhilox: residualPhiloxNEONF16,
		sumRows:        sumRowsNEONF16,
	},
	keepPlanes: keepPlanesNEON,
	philoxRaw:  philoxRawNEON,
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
