package dropout

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestParallelBitIdentical: splitting a call across goroutines gives the same
// bits as one goroutine, for every path, for chunk boundaries that fall
// inside mask words and on every goroutine count up to more than there are
// planes.
func TestParallelBitIdentical(t *testing.T) {
	defer SetParallelism(SetParallelism(0))
	defer func(old int) { minChunkBytes = old }(minChunkBytes)
	minChunkBytes = 1 // split whatever the size
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		r := rand.New(rand.NewPCG(8, 9))
		for _, shape := range [][]int{{3, 67, 5, 7}, {2, 130, 3, 1}, {1, 5, 40, 40}, {1, 1, 9, 9}} {
			for _, inPlace := range []bool{false, true} {
				n := shape[0] * shape[1] * shape[2] * shape[3]
				src := fill[float32](r, n)
				var want []float32
				for _, w := range []int{1, 2, 3, 4, 7, 64, 1000} {
					SetParallelism(w)
					x := append([]float32(nil), src...)
					dst := make([]float32, n)
					if inPlace {
						dst = x
					}
					if _, err := Dropout2d(dst, x, shape, 0.4, NewGenerator(5)); err != nil {
						t.Fatal(err)
					}
					if w == 1 {
						want = dst
						continue
					}
					if i := firstDiff(dst, want); i >= 0 {
						t.Fatalf("%v in place %v, %d goroutines: dst[%d] = %#x, one goroutine gives %#x",
							shape, inPlace, w, i, bitsOf(dst[i]), bitsOf(want[i]))
					}
				}
			}
		}
	})
}

func TestWorkersFor(t *testing.T) {
	defer SetParallelism(SetParallelism(0))
	for _, c := range []struct{ setting, bytes, want int }{
		{1, 1 << 30, 1},
		{2, 1 << 30, 2},
		{4, 3 * minChunkBytes, 3},
		{4, minChunkBytes - 1, 1},
		{8, 0, 1},
	} {
		SetParallelism(c.setting)
		if got := workersFor(c.bytes); got != c.want {
			t.Errorf("SetParallelism(%d): workersFor(%d) = %d, want %d", c.setting, c.bytes, got, c.want)
		}
	}
	if prev := SetParallelism(-3); prev != 8 {
		t.Errorf("SetParallelism returned %d, want the previous 8", prev)
	}
	if got := SetParallelism(0); got != 0 {
		t.Errorf("a negative setting was stored as %d, want 0 (GOMAXPROCS)", got)
	}
}

// TestParallelAllocatesNothing: a split training step allocates nothing once
// the pool is warm.
func TestParallelAllocatesNothing(t *testing.T) {
	defer SetParallelism(SetParallelism(2))
	defer func(old int) { minChunkBytes = old }(minChunkBytes)
	minChunkBytes = 1
	l, _ := NewDropout2d[float64](0.5, NewGenerator(1))
	x := make([]float64, 4*16*8*8)
	y, dy, dx := make([]float64, len(x)), make([]float64, len(x)), make([]float64, len(x))
	step := func() {
		if err := l.Forward(y, x, []int{4, 16, 8, 8}); err != nil {
			panic(err)
		}
		if err := l.Backward(dx, dy); err != nil {
			panic(fmt.Sprint(err))
		}
	}
	step()
	if a := testing.AllocsPerRun(100, step); a != 0 {
		t.Errorf("split training step allocates %v times, want 0", a)
	}
}
