package dropout

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestNTThreshold: the store rule on the caches of the machines it was
// fitted to, and on caches no machine here has: an L3 capped at 64 L2s, the
// L2 as last level, nothing reported.
func TestNTThreshold(t *testing.T) {
	const KiB, MiB = 1 << 10, 1 << 20
	for _, c := range []struct {
		name  string
		cache cacheSizes
		want  int
	}{
		{"Intel Xeon VM, 480 MiB L3 shared with a host", cacheSizes{2 * MiB, 480 * MiB}, 48 * MiB},
		{"AMD Zen 4 VM", cacheSizes{1 * MiB, 32 * MiB}, 12 * MiB},
		{"AMD Zen 1, 8 MiB L3 per CCX", cacheSizes{512 * KiB, 8 * MiB}, 3 * MiB},
		{"a desktop with 36 MiB L3", cacheSizes{2 * MiB, 36 * MiB}, 27 * MiB / 2},
		{"L2 only (4 MiB, shared)", cacheSizes{4 * MiB, -1}, 3 * MiB / 2},
		{"L3 only", cacheSizes{-1, 16 * MiB}, 6 * MiB},
		{"nothing reported", cacheSizes{-1, -1}, 12 * MiB},
		{"zeros", cacheSizes{}, 12 * MiB},
	} {
		if got := ntThreshold(c.cache); got != c.want {
			t.Errorf("%s: ntThreshold(%+v) = %d, want %d", c.name, c.cache, got, c.want)
		}
	}
}

func TestUseNT(t *testing.T) {
	for _, c := range []struct {
		bytes   int
		inPlace bool
		want    bool
	}{
		{0, false, false},
		{ntMin - 1, false, false},
		{ntMin, false, true},
		{math.MaxInt, false, true},
		{ntMin, true, false},
		{math.MaxInt, true, false},
	} {
		if got := useNT(c.bytes, c.inPlace); got != c.want {
			t.Errorf("useNT(%d, inPlace=%v) = %v, want %v", c.bytes, c.inPlace, got, c.want)
		}
	}
}

// countingNT returns a copy of k whose non-temporal kernels count their calls
// in *calls, or nil if k has none.
func countingNT(k *kernelSet, calls *int) *kernelSet {
	if k.f32.scalePlanesNT == nil {
		return nil
	}
	c := *k
	c.f32.scalePlanesNT = func(dst, src []float32, bits []uint64, first, plane, n int, s float32) {
		*calls++
		k.f32.scalePlanesNT(dst, src, bits, first, plane, n, s)
	}
	c.f64.scalePlanesNT = func(dst, src []float64, bits []uint64, first, plane, n int, s float64) {
		*calls++
		k.f64.scalePlanesNT(dst, src, bits, first, plane, n, s)
	}
	return &c
}

// apiNTCase runs, with the counting path nt (see countingNT) and then with
// generic, Dropout2d out of place and in place, each followed by Backward in
// place and out of place, on data starting off elements into its allocation,
// and requires nt's results to equal generic's bit for bit. It returns how
// many of the six calls nt sent down its non-temporal kernels.
func apiNTCase[T float32 | float64](t *testing.T, nt *kernelSet, calls *int, shape []int, off int, p float64, seed uint64) int {
	t.Helper()
	n := numel(shape)
	r := rand.New(rand.NewPCG(seed, 7))
	buf := fill[T](r, n+off)
	src := buf[off:]
	dstBuf := make([]T, n+off)
	before := *calls
	for _, inPlace := range []bool{false, true} {
		name := fmt.Sprintf("%T%v/off=%d/p=%v/inplace=%v", T(0), shape, off, p, inPlace)
		run := func(k *kernelSet) (out, dx []T) {
			active.Store(k)
			out = append([]T(nil), src...)
			dst := dstBuf[off:]
			if inPlace {
				dst = out
			} else {
				clear(dst)
			}
			m, err := Dropout2d(dst, out, shape, p, NewGenerator(seed))
			if err != nil {
				t.Fatalf("%s: %s: %v", name, k.name, err)
			}
			if !inPlace {
				out = append(out[:0], dst...)
			}
			dx = append([]T(nil), src...)
			if err := Backward(dx, dx, m); err != nil { // in place
				t.Fatalf("%s: %s: Backward: %v", name, k.name, err)
			}
			dy := append([]T(nil), src...)
			d := dstBuf[off:]
			if err := Backward(d, dy, m); err != nil { // out of place
				t.Fatalf("%s: %s: Backward: %v", name, k.name, err)
			}
			if i := sameBits(dx, d); i >= 0 {
				t.Fatalf("%s: %s: Backward in place and out of place differ at %d", name, k.name, i)
			}
			return out, dx
		}
		gotY, gotDX := run(nt)
		wantY, wantDX := run(genericKernels)
		if i := sameBits(gotY, wantY); i >= 0 {
			t.Fatalf("%s: %s: y[%d] = %#x, generic %#x", name, nt.name, i, bitsOf(gotY[i]), bitsOf(wantY[i]))
		}
		if i := sameBits(gotDX, wantDX); i >= 0 {
			t.Fatalf("%s: %s: dx[%d] = %#x, generic %#x", name, nt.name, i, bitsOf(gotDX[i]), bitsOf(wantDX[i]))
		}
	}
	return *calls - before
}

// TestNTThroughAPI sends Dropout2d and Backward down the non-temporal kernels
// of every path that has them, with the threshold lowered to 0, at every start
// offset within a vector, and compares them with the generic path. In place
// must keep to the regular kernels.
func TestNTThroughAPI(t *testing.T) {
	defer SetParallelism(SetParallelism(1)) // count one kernel call per op
	defer func(old int) { ntMin = old }(ntMin)
	ntMin = 0
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		var calls int
		nt := countingNT(k, &calls)
		if nt == nil {
			t.Skipf("path %s has no non-temporal kernels", k.name)
		}
		seed := uint64(0)
		for _, shape := range [][]int{{1, 1, 1, 2}, {2, 3, 5, 7}, {2, 16, 9, 9}, {3, 8, 31, 33}, {1, 9, 64, 64}} {
			for off := range 16 {
				for _, p := range []float64{0.2, 0.5, 0.9} {
					seed++
					// The three out-of-place calls (see apiNTCase); never
					// the three in place.
					if got := apiNTCase[float32](t, nt, &calls, shape, off, p, seed); got != 3 {
						t.Fatalf("float32 %v: %d calls of the non-temporal kernels, want 3 (the out-of-place ones)", shape, got)
					}
					if got := apiNTCase[float64](t, nt, &calls, shape, off, p, seed); got != 3 {
						t.Fatalf("float64 %v: %d calls of the non-temporal kernels, want 3", shape, got)
					}
				}
			}
		}
	})
}

// TestNTAboveThreshold: a tensor of exactly ntMin takes the non-temporal
// kernels with the real threshold, and one a plane smaller does not.
func TestNTAboveThreshold(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("large tensors")
	}
	defer SetParallelism(SetParallelism(1)) // count one kernel call per op
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		var calls int
		nt := countingNT(k, &calls)
		if nt == nil {
			t.Skipf("path %s has no non-temporal kernels", k.name)
		}
		hw := 4 * 1024 // float32 planes of 16 KiB
		c := ntMin / (4 * hw)
		if got := apiNTCase[float32](t, nt, &calls, []int{1, c, 64, 64}, 3, 0.5, 1); got != 3 {
			t.Errorf("%d bytes: %d calls of the non-temporal kernels, want 3", ntMin, got)
		}
		if got := apiNTCase[float32](t, nt, &calls, []int{1, c - 1, 64, 64}, 5, 0.5, 2); got != 0 {
			t.Errorf("%d bytes: %d calls of the non-temporal kernels, want 0", ntMin-4*hw, got)
		}
	})
}
