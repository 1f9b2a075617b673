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

// minChunkBytes is the least number of bytes of dst one goroutine is given:
// below it, handing work to another goroutine costs more than it saves, so a
// tensor is split only from 2·minChunkBytes = 16 MiB. BenchmarkParallel
// (bench/), Dropout2d float32, p = 0.5, avx512, medians of 6, 1 → 2
// goroutines, on a 2-core VM whose memory bandwidth one core nearly fills
// (copy() itself gains only 1.1–1.15× from a second goroutine there):
//
//	1×32×64×64     (0.5 MiB)  8.2 →  8.5 µs  (~)
//	2×3×224×224    (1.1 MiB)   26 →   26 µs  (~)
//	8×256×28×28    (6.1 MiB)  147 →  156 µs  (+6%)
//	32×64×56×56   (24.5 MiB)  731 →  614 µs  (−16%)
//	64×64×112×112  (196 MiB)  7.8 →  6.4 ms  (−18%)
var minChunkBytes = 8 << 20

// SetParallelism sets the most goroutines a single call may use to split a
// large tensor, and returns the previous setting: 1 turns splitting off, 0
// (the default) means runtime.GOMAXPROCS. Tensors below 16 MiB are never
// split (each goroutine gets at least 8 MiB), so small calls start no
// goroutine. Results are bit-identical
// whatever the setting.
func SetParallelism(n int) int {
	if n < 0 {
		n = 0
	}
	return int(parallelism.Swap(int64(n)))
}

// workersFor returns how many goroutines should share a tensor of the given
// size in bytes.
func workersFor(bytes int) int {
	if bytes < 2*minChunkBytes {
		return 1 // and skip GOMAXPROCS, which takes a lock
	}
	w := int(parallelism.Load())
	if w == 0 {
		w = runtime.GOMAXPROCS(0)
	}
	return max(1, min(w, bytes/minChunkBytes))
}

// job is one goroutine's share of a call: work units [lo, hi) of m's plan.
type job struct {
	m            *Mask
	k            *kernelSet
	backward     bool
	philox       bool // units are 64-element groups of the fused kernel
	nt           bool // scale-planes with non-temporal stores (see useNT)
	dst32, src32 []float32
	dst64, src64 []float64
	vec32        []float32 // scale vectors when m holds none for this type
	vec64        []float64
	lo, hi       int
	done         *sync.WaitGroup
}

func (j *job) run() {
	if j.dst32 != nil {
		vec := j.vec32
		if vec == nil {
			vec = j.m.vec32
		}
		runUnits(j, j.dst32, j.src32, vec)
	} else {
		vec := j.vec64
		if vec == nil {
			vec = j.m.vec64
		}
		runUnits(j, j.dst64, j.src64, vec)
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
