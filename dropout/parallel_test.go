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
	defer func(old float64) { minChunkNs = old }(minChunkNs)
	minChunkNs = 1e-9 // split whatever the size
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
	for _, c := range []struct {
		setting int
		ns      float64
		want    int
	}{
		{1, 1e12, 1},
		{2, 1e12, 2},
		{4, 3 * minChunkNs, 3},
		{4, 3.9 * minChunkNs, 3},
		{4, 2*minChunkNs - 1, 1},
		{8, 0, 1},
	} {
		SetParallelism(c.setting)
		if got := workersFor(c.ns); got != c.want {
			t.Errorf("SetParallelism(%d): workersFor(%v) = %d, want %d", c.setting, c.ns, got, c.want)
		}
	}
	// The estimates the rule is fed: a call splits from 200 µs of work.
	for _, c := range []struct {
		name  string
		ns    float64
		split bool
	}{
		{"Dropout2d 2×3×224×224 (1.2 MB)", 4 * 2 * 3 * 224 * 224 * memNsPerByte, false},
		{"Dropout2d 8×256×28×28 (6.4 MB)", 4 * 8 * 256 * 28 * 28 * memNsPerByte, true},
		{"avx512 Dropout 2×3×224×224", 2 * 3 * 224 * 224 * 0.2, false},
		{"avx512 Dropout 8×256×28×28", 8 * 256 * 28 * 28 * 0.2, true},
		{"generic Dropout 1×32×64×64", 32 * 64 * 64 * genericKernels.philoxNs, false},
		{"generic Dropout 2×32×64×64", 2 * 32 * 64 * 64 * genericKernels.philoxNs, true},
	} {
		SetParallelism(2)
		if got := workersFor(c.ns) > 1; got != c.split {
			t.Errorf("%s: %v ns: split %v, want %v", c.name, c.ns, got, c.split)
		}
	}
	SetParallelism(8)
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
	defer func(old float64) { minChunkNs = old }(minChunkNs)
	minChunkNs = 1e-9
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
