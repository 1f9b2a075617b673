package dropout

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Large tensors are split by planes across goroutines. The mask is drawn
// before the split, so the result does not depend on how many goroutines
// run: each chunk is the same kernel on a contiguous run of planes.

// parallelism is the most goroutines one call may use; 0 means GOMAXPROCS.
var parallelism atomic.Int64

// minChunkBytes is the least number of bytes of dst one goroutine is given:
// below it, handing work to another goroutine costs more than it saves.
// Measured with BenchmarkParallel (bench/): see minChunkBytes' history there.
var minChunkBytes = 1 << 20

// SetParallelism sets the most goroutines a single call may use to split a
// large tensor, and returns the previous setting: 1 turns splitting off, 0
// (the default) means runtime.GOMAXPROCS. Tensors below a few MiB are never
// split, so small calls start no goroutine. Results are bit-identical
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
	w := int(parallelism.Load())
	if w == 0 {
		w = runtime.GOMAXPROCS(0)
	}
	return max(1, min(w, bytes/minChunkBytes))
}

// chunk is one goroutine's share of a scale-planes call.
type chunk struct {
	k            *kernelSet
	dst32, src32 []float32
	dst64, src64 []float64
	bits         []uint64
	first, plane int
	n            int
	s32          float32
	s64          float64
	done         *sync.WaitGroup
}

func (c *chunk) run() {
	if c.dst32 != nil {
		c.k.scalePlanes32(c.dst32, c.src32, c.bits, c.first, c.plane, c.n, c.s32)
	} else {
		c.k.scalePlanes64(c.dst64, c.src64, c.bits, c.first, c.plane, c.n, c.s64)
	}
	if c.done != nil {
		c.done.Done()
	}
}

// The worker pool: started on the first split, one worker per extra
// goroutine ever asked for, idle on the channel between calls. Chunks travel
// by value, so a split allocates nothing in steady state.
var (
	poolMu   sync.Mutex
	poolSize int
	chunks   = make(chan chunk, 64)
	wgPool   = sync.Pool{New: func() any { return new(sync.WaitGroup) }}
)

func ensureWorkers(n int) {
	poolMu.Lock()
	for ; poolSize < n; poolSize++ {
		go func() {
			for c := range chunks {
				c.run()
			}
		}()
	}
	poolMu.Unlock()
}

// scalePlanesSplit runs the scale-planes kernel over n planes, in w
// contiguous chunks of planes when w > 1: chunk 0 on the calling goroutine,
// the others on the pool.
func scalePlanesSplit(w int, c chunk) {
	if w <= 1 || c.n < 2 {
		c.run()
		return
	}
	w = min(w, c.n)
	ensureWorkers(w - 1)
	wg := wgPool.Get().(*sync.WaitGroup)
	wg.Add(w - 1)
	mine := c
	for i := w - 1; i >= 0; i-- {
		lo, hi := c.n*i/w, c.n*(i+1)/w
		part := c
		part.first, part.n = c.first+lo, hi-lo
		a, b := lo*c.plane, hi*c.plane
		if c.dst32 != nil {
			part.dst32, part.src32 = c.dst32[a:b:b], c.src32[a:b:b]
		} else {
			part.dst64, part.src64 = c.dst64[a:b:b], c.src64[a:b:b]
		}
		if i == 0 {
			mine = part
			break
		}
		part.done = wg
		chunks <- part
	}
	mine.run()
	wg.Wait()
	wgPool.Put(wg)
}
