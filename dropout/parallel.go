package dropout

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Large tensors are split across goroutines into contiguous ranges of the
// plan's work units (planes, or groups of rows). The mask is drawn before the
// split, so the result does not depend on how many goroutines run: each range
// is the same kernel on its own elements.

// parallelism is the most goroutines one call may use; 0 means GOMAXPROCS.
var parallelism atomic.Int64

// A call is split by the time it would take one goroutine, estimated from
// what it does: the plane and row kernels move memory at about
// memNsPerByte of dst; the fused elementwise kernels are bound by Philox,
// at their path's philoxNs per element. A goroutine is given at least
// minChunkNs of work: handing a part to a pool goroutine costs a wake-up,
// which on the VMs measured is tens of µs. Every call split in two, Dropout and
// Dropout2d float32, p = 0.5, avx512, medians of 6, 1 → 2 goroutines
// (Intel Xeon VM, family 6 model 167, 2 cores):
//
//	                      Dropout                Dropout2d
//	1×8×32×32           1.6 →  2.5 µs (+58%)     0.57 → 1.3 µs (+131%)
//	1×32×64×64           21 →   30 µs (+48%)       11 →  15 µs (+40%)
//	2×3×224×224          72 →   94 µs (+31%)       30 →  49 µs (+63%)
//	8×256×28×28         488 →  381 µs (−22%)      335 → 295 µs (−12%)
//	32×64×56×56        2.00 → 1.13 ms (−43%)     1.51 → 0.88 ms (−42%)
//
// So a split pays from about 200 µs of work, two chunks of minChunkNs; on
// the AMD EPYC VM measured before, Dropout2d gained nothing at 147 µs
// (6.1 MiB, +6%) and 16% at 731 µs. The per-byte and per-element costs are
// the same measurements' (32×64×56×56 and 1×32×64×64).
var minChunkNs = 100e3

// memNsPerByte is the estimated cost of the plane and row kernels per byte
// of dst: 0.02–0.06 ns on every path from L2 to DRAM (Dropout2d float32,
// 1×32×64×64 and 32×64×56×56, avx512, avx2 and generic).
const memNsPerByte = 0.05

// SetParallelism sets the most goroutines a single call may use to split a
// large tensor, and returns the previous setting: 1 turns splitting off, 0
// (the default) means runtime.GOMAXPROCS. A call is split only when one
// goroutine would take about 200 µs or more (channel dropout of some 4 MiB;
// elementwise dropout of a million elements on AVX-512, a quarter of that on
// the generic path), each goroutine getting at least 100 µs of it, so small
// calls start no goroutine. Results are bit-identical whatever the setting.
func SetParallelism(n int) int {
	if n < 0 {
		n = 0
	}
	return int(parallelism.Swap(int64(n)))
}

// workersFor returns how many goroutines should share a call estimated to
// take ns nanoseconds on one: one per minChunkNs of work, at most the
// parallelism setting (GOMAXPROCS by default).
func workersFor(ns float64) int {
	if ns < 2*minChunkNs {
		return 1 // and skip GOMAXPROCS, which takes a lock
	}
	w := int(parallelism.Load())
	if w == 0 {
		w = runtime.GOMAXPROCS(0)
	}
	return max(1, int(min(float64(w), ns/minChunkNs)))
}

// job is one goroutine's share of a call: work units [lo, hi) of m's plan.
type job struct {
	m            *Mask
	k            *kernelSet
	backward     bool
	philox       bool     // units are 64-element groups of the fused kernel
	nt           bool     // scale-planes with non-temporal stores (see useNT)
	kind         elemKind // which pair of slices below holds dst and src
	dst32, src32 []float32
	dst64, src64 []float64
	dstBF, srcBF []BFloat16
	dstF16       []Float16
	srcF16       []Float16
	vec32        []float32 // scale vectors when m holds none for this type (float32 ones for the half types)
	vec64        []float64
	res          resid // the fused residual form, if res.set (a copy: the caller's options stay on its stack)
	lo, hi       int
	done         *sync.WaitGroup
	// Raw Philox bits (PhiloxBits32/64): units are blocks of raw, counted
	// from rawCtr.
	raw    []uint32
	rawKey uint64
	rawCtr Counter
}

func (j *job) run() {
	if j.raw != nil {
		c := j.rawCtr.Add(uint64(j.lo))
		j.k.philoxRaw(j.raw[4*j.lo:4*j.hi], j.rawKey, c.Lo, c.Hi)
	} else if j.kind == kindF64 {
		vec := j.vec64
		if vec == nil {
			vec = j.m.vec64
		}
		runUnits(j, j.dst64, j.src64, vec)
	} else {
		vec := j.vec32
		if vec == nil {
			vec = j.m.vec32
		}
		switch j.kind {
		case kindF32:
			runUnits(j, j.dst32, j.src32, vec)
		case kindBF16:
			runUnits(j, j.dstBF, j.srcBF, vec)
		default:
			runUnits(j, j.dstF16, j.srcF16, vec)
		}
	}
	if j.done != nil {
		j.done.Done()
	}
}

// The worker pool: started on the first split, one worker per extra
// goroutine ever asked for, idle on the channel between calls. Jobs travel
// by value, so a split allocates nothing in steady state.
var (
	poolMu   sync.Mutex
	poolSize int
	jobs     = make(chan job, 64)
	wgPool   = sync.Pool{New: func() any { return new(sync.WaitGroup) }}
)

func ensureWorkers(n int) {
	poolMu.Lock()
	for ; poolSize < n; poolSize++ {
		go func() {
			for j := range jobs {
				j.run()
			}
		}()
	}
	poolMu.Unlock()
}

// split runs j's units in w contiguous ranges when w > 1: the first on the
// calling goroutine, the others on the pool.
func split(w int, j *job) {
	n := j.hi - j.lo
	if w <= 1 || n < 2 {
		j.run()
		return
	}
	w = min(w, n)
	ensureWorkers(w - 1)
	wg := wgPool.Get().(*sync.WaitGroup)
	wg.Add(w - 1)
	lo := j.lo
	for i := w - 1; i >= 1; i-- {
		part := *j
		part.lo, part.hi = lo+n*i/w, lo+n*(i+1)/w
		part.done = wg
		jobs <- part
	}
	j.hi = lo + n/w
	j.run()
	wg.Wait()
	wgPool.Put(wg)
}
