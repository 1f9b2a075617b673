package dropout

import "github.com/klauspost/cpuid/v2"

// Store strategy: regular stores, or non-temporal ones that bypass the caches.
//
// A regular store to a line that is not in cache first reads the line (read
// for ownership), so out of place a kept plane costs a read of src, a read of
// dst and a write of dst, and a dropped plane a read and a write of dst.
// Non-temporal stores skip that read, but they also evict dst from the caches
// and cost more than a cached store: they only pay once src and dst no longer
// fit in cache. BenchmarkStores (store_bench_test.go) measures both.

// ntThreshold is the size of dst, in bytes, from which an out-of-place call
// uses the non-temporal kernels: about where src and dst together stop
// fitting in the last-level cache, 3/8 of it (src and dst then fill 3/4).
// The cache is what cpuid reports, with two corrections:
//
//   - An L3 larger than 64 L2s is a server's L3 seen from a virtual machine
//     or a process on a few of its many cores, shared with cores this
//     process does not run on: only 64 L2s' worth of it is counted.
//   - With no L3 reported the L2 is the last level; with no cache reported
//     at all, 32 MiB is assumed (a 12 MiB threshold).
//
// The rule was fitted to BenchmarkStores (store_bench_test.go), float32
// planes of 56×56 at p = 0.5 (case=mixed), medians of 6–8 runs, regular →
// non-temporal, on three machines:
//
//	Intel Xeon VM (family 6 model 167; 2 MiB L2, 480 MiB L3 reported):
//	  avx512 20 MiB 1.11 → 1.23 ms (+11%); 25.7 MB 1.37 → 1.52 ms (+11%);
//	  64 MiB 5.05 → 3.94 ms (−22%); 128 MiB 17.4 → 7.9 ms (−55%);
//	  avx2 the same within 4%. Rule: min(480, 128) MiB → 48 MiB.
//	AMD EPYC VM (Zen 4; 1 MiB L2, 32 MiB L3): avx512 8 MiB 279 → 317 µs
//	  (+14%); 12 MiB 788 → 510 µs (−35%); 16 MiB 1632 → 970 µs (−41%).
//	  Rule: 32 MiB → 12 MiB.
//	AMD EPYC (Zen 1; 512 KiB L2, 8 MiB L3 per CCX): Dropout2d on 6.1 MiB
//	  ran at 0.66× copy()'s speed with regular stores. Rule: 8 MiB → 3 MiB.
//
// Below the threshold regular stores win by 20–100% (1 MiB on the Xeon:
// 23 → 46 µs).
func ntThreshold(c cacheSizes) int {
	llc := c.l3
	switch {
	case llc > 0 && c.l2 > 0:
		llc = min(llc, 64*c.l2)
	case llc <= 0 && c.l2 > 0:
		llc = c.l2
	case llc <= 0:
		llc = 32 << 20
	}
	return llc / 8 * 3
}

// cacheSizes is what the machine-dependent rules know of the CPU's caches:
// bytes of L2 per core and of L3, as cpuid reports them (0 or less: not
// reported).
type cacheSizes struct{ l2, l3 int }

// ntMin is the threshold useNT applies: ntThreshold of this CPU's caches,
// lowered by tests that send small tensors down the non-temporal path.
var ntMin = ntThreshold(cacheSizes{cpuid.CPU.Cache.L2, cpuid.CPU.Cache.L3})

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

// scalePlanesFor returns the scale-planes kernel of k: the non-temporal one
// when nt (useNT's choice for the call) and k has it, the regular one
// otherwise.
func (k *typedKernels[T, S]) scalePlanesFor(nt bool) func(dst, src []T, bits []uint64, first, plane, n int, s S) {
	if nt && k.scalePlanesNT != nil {
		return k.scalePlanesNT
	}
	return k.scalePlanes
}

// scaleRowsFor returns the scale-rows kernel of k: the non-temporal one when
// nt and k has it, the regular one otherwise.
func (k *typedKernels[T, S]) scaleRowsFor(nt bool) func(dst, src []T, v []S) {
	if nt && k.scaleRowsNT != nil {
		return k.scaleRowsNT
	}
	return k.scaleRows
}
