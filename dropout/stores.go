package dropout

// Store strategy: regular stores, or non-temporal ones that bypass the caches.
//
// A regular store to a line that is not in cache first reads the line (read
// for ownership), so out of place a kept plane costs a read of src, a read of
// dst and a write of dst, and a dropped plane a read and a write of dst.
// Non-temporal stores skip that read, but they also evict dst from the caches
// and cost more than a cached store: they only pay once src and dst no longer
// fit in cache. BenchmarkStores (store_bench_test.go) measures both.

// ntMinBytes is the size of dst, in bytes, from which an out-of-place call
// uses the non-temporal kernels: about where src and dst together stop fitting
// in the L3 cache. BenchmarkStores, float32, planes of 56×56 at p = 0.5
// (case=mixed), medians of 8 runs, µs, regular → non-temporal, avx512 and
// avx2 (AMD EPYC, 1 MiB L2 per core, 32 MiB L3, shared with other jobs):
//
//	dst size   avx512                 avx2
//	8 MiB       279 →  317 (+14%, ~)    270 →  346 (+28%, ~)   unloaded: +23%, +35%
//	12 MiB      788 →  510 (−35%)       822 →  516 (−37%, ~)
//	16 MiB     1632 →  970 (−41%)      1786 →  804 (−55%)
//	25.7 MB    3183 → 1397 (−56%)      2416 → 1500 (−38%)
//	64 MiB     6848 → 2760 (−60%)      4612 → 2975 (−35%)
//
// Below 8 MiB regular stores win by 20–70% (1 MiB: 17.0 → 24.8 µs). With
// every plane kept or every plane dropped the crossover is the same.
const ntMinBytes = 12 << 20

// ntMin is the threshold useNT applies: ntMinBytes, lowered by tests that
// send small tensors down the non-temporal path.
var ntMin = ntMinBytes

// useNT reports whether a call writing bytes bytes of dst should use
// non-temporal stores. A caller that splits one tensor across goroutines
// passes the whole tensor's size: what matters is whether the tensor stays in
// cache, not the size of one part.
//
// In place never does: src has just been read into the cache, so a regular
// store needs no read for ownership there, and a non-temporal store to a
// cached line costs more. BenchmarkStores, case=inplace (mixed planes), µs,
// regular → non-temporal, avx512 and avx2: 1 MiB 11.5 → 47.0 and 11.5 → 46.2;
// 16 MiB 254 → 1203 and 720 → 1759; 64 MiB 2276 → 3025 (+33%) and
// 2688 → 4347 (+62%).
func useNT(bytes int, inPlace bool) bool {
	return !inPlace && bytes >= ntMin
}

// scalePlanesFor returns the scale-planes kernels of k: the non-temporal ones
// when nt (useNT's choice for the call) and k has them, the regular ones
// otherwise.
func (k *kernelSet) scalePlanesFor(nt bool) (
	func(dst, src []float32, bits []uint64, first, plane, n int, s float32),
	func(dst, src []float64, bits []uint64, first, plane, n int, s float64),
) {
	if nt && k.scalePlanesNT32 != nil && k.scalePlanesNT64 != nil {
		return k.scalePlanesNT32, k.scalePlanesNT64
	}
	return k.scalePlanes32, k.scalePlanes64
}

// scaleRowsFor returns the scale-rows kernels of k: the non-temporal ones
// when nt and k has them, the regular ones otherwise.
func (k *kernelSet) scaleRowsFor(nt bool) (func(dst, src, v []float32), func(dst, src, v []float64)) {
	if nt && k.scaleRowsNT32 != nil && k.scaleRowsNT64 != nil {
		return k.scaleRowsNT32, k.scaleRowsNT64
	}
	return k.scaleRows32, k.scaleRows64
}
