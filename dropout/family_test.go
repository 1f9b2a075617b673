package dropout

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// broadcastRef is DropoutBroadcast written from its definition: element
// (i0, i1, ...) reads feature (j0, j1, ...) in row-major order of the noise
// shape, with jd = 0 where noise[d] = 1.
func broadcastRef[T float32 | float64](src []T, shape, noise []int, kept func(int) bool, s T) []T {
	out := make([]T, len(src))
	idx := make([]int, len(shape))
	for e := range src {
		f := 0
		for d := range shape {
			j := idx[d]
			if noise[d] == 1 {
				j = 0
			}
			f = f*noise[d] + j
		}
		if kept(f) {
			out[e] = src[e] * s
		}
		for d := len(shape) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out
}

// randomNoise returns a noise shape for shape: each dim kept or 1.
func randomNoise(r *rand.Rand, shape []int) []int {
	n := make([]int, len(shape))
	for i, d := range shape {
		n[i] = 1
		if r.IntN(2) == 0 {
			n[i] = d
		}
	}
	return n
}

func TestBroadcastMatchesReference(t *testing.T) {
	defer func(old float64) { minChunkNs = old }(minChunkNs)
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		testBroadcast[float32](t)
		testBroadcast[float64](t)
	})
}

func testBroadcast[T float32 | float64](t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	fixed := [][2][]int{
		{{2, 3, 4, 5}, {2, 3, 1, 1}},       // NCHW channels: planes
		{{2, 4, 5, 3}, {2, 1, 1, 3}},       // NHWC channels: rows of 3
		{{2, 4, 5, 17}, {2, 1, 1, 17}},     // rows of 17
		{{3, 7, 6, 6}, {3, 1, 6, 6}},       // positions
		{{2, 300, 3}, {2, 1, 3}},           // rows of 3, many rows
		{{4, 3, 2, 2}, {4, 1, 1, 1}},       // stochastic depth
		{{4, 3, 2, 2}, {1, 1, 1, 1}},       // one decision
		{{3, 5, 7}, {3, 5, 7}},             // elementwise
		{{2, 3, 2, 4, 5}, {1, 3, 1, 4, 1}}, // alternating
		{{1, 1, 9, 1}, {1, 1, 9, 1}},       // size-1 dims
		{{6, 1, 2, 300}, {6, 1, 1, 300}},   // wide rows, no replication
		{{5}, {5}}, {{7}, {1}},
		{{2, 2, 2, 2, 2, 2, 2, 3}, {2, 1, 2, 1, 2, 1, 2, 3}}, // rank 8
	}
	for i := 0; i < 40; i++ { // random shapes and noise
		rank := 1 + r.IntN(5)
		shape := make([]int, rank)
		for d := range shape {
			shape[d] = 1 + r.IntN(6)
		}
		fixed = append(fixed, [2][]int{shape, randomNoise(r, shape)})
	}
	for _, c := range fixed {
		shape, noise := c[0], c[1]
		for _, split := range []bool{false, true} {
			for _, inPlace := range []bool{false, true} {
				minChunkNs = 1e18 // never split
				if split {
					minChunkNs = 1e-9 // every call split across goroutines
				}
				name := fmt.Sprintf("%T shape %v noise %v split %v in place %v", T(0), shape, noise, split, inPlace)
				n := numel(shape)
				src := fill[T](r, n)
				orig := append([]T(nil), src...)
				dst := make([]T, n)
				if inPlace {
					dst = src
				}
				m, err := DropoutBroadcast(dst, src, shape, noise, 0.4, NewGenerator(r.Uint64()))
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				s := T(m.s64)
				if isFloat32[T]() {
					s = T(m.s32)
				}
				want := broadcastRef(orig, shape, noise, m.Kept, s)
				if i := firstDiff(dst, want); i >= 0 {
					t.Fatalf("%s: dst[%d] = %v (%#x), want %v (%#x)", name, i, dst[i], bitsOf(dst[i]), want[i], bitsOf(want[i]))
				}
				// Backward in a fresh buffer, and in the other element type
				// (whose scale vectors the mask does not hold).
				dx := make([]T, n)
				if err := Backward(dx, orig, m); err != nil {
					t.Fatal(err)
				}
				if i := firstDiff(dx, want); i >= 0 {
					t.Fatalf("%s: Backward dx[%d] = %v, want %v", name, i, dx[i], want[i])
				}
			}
		}
	}
}

// TestChannelsLastMatchesChannelsFirst: for the same seed, the NHWC call drops
// the same channels as the NCHW call, and its output is the NCHW output
// transposed.
func TestChannelsLastMatchesChannelsFirst(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		r := rand.New(rand.NewPCG(31, 32))
		for _, c := range []int{1, 3, 7, 16, 17, 64, 300} {
			for _, batched := range []bool{true, false} {
				n, h, w := 3, 5, 4
				x := fill[float32](r, n*c*h*w)
				// x is NCHW; xt is the same tensor in NHWC.
				xt := make([]float32, len(x))
				for i := 0; i < n; i++ {
					for ch := 0; ch < c; ch++ {
						for p := 0; p < h*w; p++ {
							xt[(i*h*w+p)*c+ch] = x[(i*c+ch)*h*w+p]
						}
					}
				}
				first, last := []int{n, c, h, w}, []int{n, h, w, c}
				if !batched {
					x, xt = x[:c*h*w], xt[:c*h*w]
					first, last = []int{c, h, w}, []int{h, w, c}
					n = 1
				}
				y := make([]float32, len(x))
				yt := make([]float32, len(x))
				m1, err1 := Dropout2d(y, x, first, 0.5, NewGenerator(uint64(c)))
				m2, err2 := Dropout2dNHWC(yt, xt, last, 0.5, NewGenerator(uint64(c)))
				if err1 != nil || err2 != nil {
					t.Fatal(err1, err2)
				}
				for f := 0; f < n*c; f++ {
					if m1.Kept(f) != m2.Kept(f) {
						t.Fatalf("C=%d: feature %d kept %v (NCHW) vs %v (NHWC)", c, f, m1.Kept(f), m2.Kept(f))
					}
				}
				for i := 0; i < n; i++ {
					for ch := 0; ch < c; ch++ {
						for p := 0; p < h*w; p++ {
							a, b := y[(i*c+ch)*h*w+p], yt[(i*h*w+p)*c+ch]
							if bitsOf(a) != bitsOf(b) {
								t.Fatalf("C=%d batched=%v: n=%d c=%d pos=%d: NCHW %v, NHWC %v", c, batched, i, ch, p, a, b)
							}
						}
					}
				}
			}
		}
	})
}

func TestStochasticDepth(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		shape := []int{64, 3, 4, 4}
		x := make([]float64, 64*48)
		for i := range x {
			x[i] = float64(i%48) - 20
		}
		for _, scaleByKeep := range []bool{true, false} {
			y := make([]float64, len(x))
			m, err := StochasticDepth(y, x, shape, 0.3, Row, scaleByKeep, NewGenerator(3))
			if err != nil {
				t.Fatal(err)
			}
			if m.Features() != 64 || m.KeptCount() == 0 || m.KeptCount() == 64 {
				t.Fatalf("row mode: %d of %d kept, want a mix of 64", m.KeptCount(), m.Features())
			}
			s := 1 / (1 - 0.3)
			if !scaleByKeep {
				s = 1
			}
			for i := 0; i < 64; i++ {
				for j := i * 48; j < (i+1)*48; j++ {
					want := 0.0
					if m.Kept(i) {
						want = x[j] * s
					}
					if y[j] != want {
						t.Fatalf("scaleByKeep=%v sample %d: y[%d] = %v, want %v", scaleByKeep, i, j, y[j], want)
					}
				}
			}
			mb, err := StochasticDepth(y, x, shape, 0.3, Batch, scaleByKeep, NewGenerator(3))
			if err != nil || mb.Features() != 1 {
				t.Fatalf("batch mode: %v, features %d", err, mb.Features())
			}
		}
	})
	if _, err := StochasticDepth[float32](nil, nil, []int{0}, 0.5, "rows", true, nil); err == nil {
		t.Error(`mode "rows" accepted`)
	}
}

// TestAlphaDropout: kept x → x·a + α·a·p and dropped → α·a·(p−1), against
// the float64 evaluation of the formula. The bound is 2 ulp (of T) of the
// larger term, |x·a| or α·a·p for kept values and α·a for dropped ones: the
// constants are rounded to T, then the product and the sum are each rounded
// once (as PyTorch does; bench/torch_parity.py checks the bits against it),
// and the dropped value's two terms cancel.
func TestAlphaDropout(t *testing.T) {
	const alpha = 1.7580993408473766
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		r := rand.New(rand.NewPCG(41, 42))
		for _, p := range []float64{0.05, 0.2, 0.5, 0.9} {
			for _, feature := range []bool{false, true} {
				shape := []int{4, 6, 5, 3}
				n := 4 * 6 * 5 * 3
				x32 := make([]float32, n)
				x64 := make([]float64, n)
				for i := range x32 {
					x32[i] = float32(r.NormFloat64() * 3)
					x64[i] = float64(x32[i])
				}
				x32[7] = float32(math.NaN())
				y32, y64 := make([]float32, n), make([]float64, n)
				call32 := AlphaDropout[float32]
				call64 := AlphaDropout[float64]
				if feature {
					call32, call64 = FeatureAlphaDropout[float32], FeatureAlphaDropout[float64]
				}
				m32, err := call32(y32, x32, shape, p, NewGenerator(9))
				if err != nil {
					t.Fatal(err)
				}
				m64, err := call64(y64, x64, shape, p, NewGenerator(9))
				if err != nil {
					t.Fatal(err)
				}
				a := 1 / math.Sqrt((alpha*alpha*p+1)*(1-p))
				per := 1
				if feature {
					per = 15
				}
				if m32.Features() != n/per {
					t.Fatalf("features %d, want %d", m32.Features(), n/per)
				}
				for i := 0; i < n; i++ {
					kept := m32.Kept(i / per)
					if kept != m64.Kept(i/per) {
						t.Fatal("float32 and float64 masks differ for the same seed")
					}
					want := alpha * a * (p - 1)
					if kept {
						want = x64[i]*a + alpha*a*p
					}
					if math.IsNaN(float64(x32[i])) && kept {
						if !math.IsNaN(float64(y32[i])) {
							t.Fatalf("kept NaN gave %v", y32[i])
						}
						continue
					}
					mag := math.Max(math.Abs(x64[i]*a), alpha*a*p)
					// float32: a and α·a·p are rounded (u = 2⁻²⁴ each), then
					// x·a32 and the sum: |y − want| ≤ (2|x·a| + α·a·p + |y|)·u.
					bound := (2*math.Abs(x64[i]*a) + alpha*a*p + math.Abs(want)) * 0x1p-24
					if !kept {
						mag = alpha * a // −α·a + α·a·p cancels: the error is that of its terms
						bound = (alpha*a + alpha*a*p + math.Abs(want)) * 0x1p-24
					}
					if d := math.Abs(float64(y32[i]) - want); d > bound {
						t.Fatalf("p=%v float32 element %d (kept %v): %v, want %v ± %g", p, i, kept, y32[i], want, bound)
					}
					if d := math.Abs(y64[i] - want); d > 2*mag*0x1p-52 {
						t.Fatalf("p=%v float64 element %d: %v, want %v", p, i, y64[i], want)
					}
				}
				// Backward: dy·a where kept, +0 where dropped.
				dx := make([]float32, n)
				dy := make([]float32, n)
				for i := range dy {
					dy[i] = 1
				}
				if err := Backward(dx, dy, m32); err != nil {
					t.Fatal(err)
				}
				for i := range dx {
					want := float32(0)
					if m32.Kept(i / per) {
						want = float32(a)
					}
					if dx[i] != want {
						t.Fatalf("Backward dx[%d] = %v, want %v", i, dx[i], want)
					}
				}
			}
		}
		// p = 1: all +0.
		y := []float32{1, 2, 3}
		if _, err := AlphaDropout(y, y, []int{3}, 1, nil); err != nil || y[0] != 0 || y[1] != 0 || y[2] != 0 {
			t.Errorf("p=1: %v %v", y, err)
		}
	})
}
