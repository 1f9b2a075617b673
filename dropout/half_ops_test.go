package dropout_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simdrop/simdrop/dropout"
)

// Every op in half precision is, by the contract, the float32 op on the
// widened tensor with its result rounded to the half type: one float32
// multiply, one rounding. These tests run every op form, forward and
// backward, in place and out, on every path, against that route with the
// same generator state: outputs and gradients bit for bit, masks equal.

type halfOp[T dropout.Float] struct {
	name  string
	shape []int
	call  func(dst, src []T, shape []int, p float64, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error)
}

func halfOps[T dropout.Float]() []halfOp[T] {
	return []halfOp[T]{
		{"Dropout1d", []int{3, 17, 45}, dropout.Dropout1d[T]},
		{"Dropout2d small planes", []int{4, 37, 3, 3}, dropout.Dropout2d[T]},
		{"Dropout2d", []int{2, 9, 19, 21}, dropout.Dropout2d[T]},
		{"Dropout3d", []int{2, 5, 3, 4, 7}, dropout.Dropout3d[T]},
		{"Dropout1dNLC", []int{3, 21, 13}, dropout.Dropout1dNLC[T]},
		{"Dropout2dNHWC", []int{3, 5, 7, 67}, dropout.Dropout2dNHWC[T]},
		{"Dropout3dNDHWC", []int{2, 3, 3, 4, 19}, dropout.Dropout3dNDHWC[T]},
		{"PositionDropout2d", []int{2, 3, 11, 13}, dropout.PositionDropout2d[T]},
		{"Dropout", []int{7, 1001}, dropout.Dropout[T]},
		{"Dropout long", []int{70001}, dropout.Dropout[T]},
		{"DropoutNoMask", []int{5, 333}, dropout.DropoutNoMask[T]},
		{"AlphaDropout", []int{9, 301}, dropout.AlphaDropout[T]},
		{"FeatureAlphaDropout", []int{3, 11, 5, 7}, dropout.FeatureAlphaDropout[T]},
		{"DropoutBroadcast", []int{5, 4, 33}, func(d, s []T, sh []int, p float64, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
			return dropout.DropoutBroadcast(d, s, sh, []int{5, 1, 33}, p, g, o...)
		}},
		{"StochasticDepth row", []int{67, 40}, func(d, s []T, sh []int, p float64, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
			return dropout.StochasticDepth(d, s, sh, p, dropout.Row, true, g, o...)
		}},
		{"StochasticDepth batch unscaled", []int{13, 40}, func(d, s []T, sh []int, p float64, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
			return dropout.StochasticDepth(d, s, sh, p, dropout.Batch, false, g, o...)
		}},
		{"DropConnect", []int{37, 29}, func(d, s []T, sh []int, p float64, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
			return dropout.DropConnect(d, s, sh[0], sh[1], p, g, o...)
		}},
		{"DropBlock2d", []int{3, 4, 19, 17}, func(d, s []T, sh []int, p float64, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
			return dropout.DropBlock2d(d, s, sh, p, 5, g, o...)
		}},
		{"DropBlock3d", []int{2, 3, 6, 7, 5}, func(d, s []T, sh []int, p float64, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
			return dropout.DropBlock3d(d, s, sh, p, 3, g, o...)
		}},
	}
}

// halfConv is what the tests need of a half type from outside the package.
type halfConv[T dropout.BFloat16 | dropout.Float16] struct {
	widen func(T) float32
	round func(float32) T
}

var (
	bfConv  = halfConv[dropout.BFloat16]{dropout.BFloat16.Float32, dropout.BFloat16From}
	f16Conv = halfConv[dropout.Float16]{dropout.Float16.Float32, dropout.Float16From}
)

// halfInput returns n values: mostly ordinary, some ±0, ±Inf, NaN,
// subnormal and near-overflow ones.
func halfInput[T dropout.BFloat16 | dropout.Float16](r *rand.Rand, hc halfConv[T], n int) []T {
	x := make([]T, n)
	specials := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-7, -3e-39, 65000, -60000, 1.5}
	for i := range x {
		if r.IntN(10) == 0 {
			x[i] = hc.round(specials[r.IntN(len(specials))])
		} else {
			x[i] = hc.round(float32(r.NormFloat64() * 4))
		}
	}
	return x
}

func TestHalfOpsAreFloat32OpsRounded(t *testing.T) {
	t.Run("bf16", func(t *testing.T) { testHalfOps(t, bfConv) })
	t.Run("f16", func(t *testing.T) { testHalfOps(t, f16Conv) })
}

func testHalfOps[T dropout.BFloat16 | dropout.Float16](t *testing.T, hc halfConv[T]) {
	r := rand.New(rand.NewPCG(14, 15))
	ops, ops32 := halfOps[T](), halfOps[float32]()
	eachKernel(t, func(t *testing.T) {
		for i, op := range ops {
			for _, p := range []float64{0.1, 0.5, 0.999, 0, 1} {
				for _, inPlace := range []bool{false, true} {
					what := fmt.Sprintf("%s p %v inPlace %v", op.name, p, inPlace)
					n := 1
					for _, d := range op.shape {
						n *= d
					}
					x := halfInput(r, hc, n)
					x32 := widenAll(hc, x)
					seed := r.Uint64()
					dst := make([]T, n)
					if inPlace {
						dst = append([]T(nil), x...)
						x = dst
					}
					d32 := make([]float32, n)
					m, err := op.call(dst, x, op.shape, p, dropout.NewGenerator(seed))
					m32, err32 := ops32[i].call(d32, x32, op.shape, p, dropout.NewGenerator(seed))
					if err != nil || err32 != nil {
						t.Fatalf("%s: errors %v, %v", what, err, err32)
					}
					if !sameHalf(t, what+" forward", dst, roundAll(hc, d32)) {
						return
					}
					if m.KeptCount() != m32.KeptCount() || m.Features() != m32.Features() {
						t.Fatalf("%s: kept %d of %d, float32 kept %d of %d", what, m.KeptCount(), m.Features(), m32.KeptCount(), m32.Features())
					}
					k1, k2 := make([]byte, m.Features()), make([]byte, m32.Features())
					if m.Bytes(k1) != nil || m32.Bytes(k2) != nil || string(k1) != string(k2) {
						t.Fatalf("%s: masks differ", what)
					}
					dy := halfInput(r, hc, n)
					dx, dx32 := make([]T, n), make([]float32, n)
					if inPlace {
						dx = append([]T(nil), dy...)
						dy = dx
					}
					dy32 := widenAll(hc, dy)
					if err := dropout.Backward(dx, dy, m); err != nil {
						t.Fatalf("%s: Backward: %v", what, err)
					}
					if err := dropout.Backward(dx32, dy32, m32); err != nil {
						t.Fatalf("%s: Backward float32: %v", what, err)
					}
					if !sameHalf(t, what+" backward", dx, roundAll(hc, dx32)) {
						return
					}
				}
			}
		}
	})
}

// TestHalfLayerIsFloat32LayerRounded runs training steps of half Layers
// beside float32 ones from the same seed, reusing buffers, and checks the
// steady-state step allocates nothing.
func TestHalfLayerIsFloat32LayerRounded(t *testing.T) {
	t.Run("bf16", func(t *testing.T) { testHalfLayer(t, bfConv) })
	t.Run("f16", func(t *testing.T) { testHalfLayer(t, f16Conv) })
}

func testHalfLayer[T dropout.BFloat16 | dropout.Float16](t *testing.T, hc halfConv[T]) {
	r := rand.New(rand.NewPCG(16, 17))
	type mk struct {
		name  string
		shape []int
		new   func(g *dropout.Generator) (*dropout.Layer[T], error)
		new32 func(g *dropout.Generator) (*dropout.Layer[float32], error)
	}
	layers := []mk{
		{"Dropout2d", []int{4, 16, 9, 9}, func(g *dropout.Generator) (*dropout.Layer[T], error) { return dropout.NewDropout2d[T](0.3, g) },
			func(g *dropout.Generator) (*dropout.Layer[float32], error) {
				return dropout.NewDropout2d[float32](0.3, g)
			}},
		{"Dropout", []int{8, 300}, func(g *dropout.Generator) (*dropout.Layer[T], error) { return dropout.NewDropout[T](0.1, g) },
			func(g *dropout.Generator) (*dropout.Layer[float32], error) {
				return dropout.NewDropout[float32](0.1, g)
			}},
		{"AlphaDropout", []int{8, 300}, func(g *dropout.Generator) (*dropout.Layer[T], error) { return dropout.NewAlphaDropout[T](0.2, g) },
			func(g *dropout.Generator) (*dropout.Layer[float32], error) {
				return dropout.NewAlphaDropout[float32](0.2, g)
			}},
		{"StochasticDepth", []int{16, 100}, func(g *dropout.Generator) (*dropout.Layer[T], error) {
			return dropout.NewStochasticDepth[T](0.2, dropout.Row, true, g)
		}, func(g *dropout.Generator) (*dropout.Layer[float32], error) {
			return dropout.NewStochasticDepth[float32](0.2, dropout.Row, true, g)
		}},
		{"DropBlock2d", []int{2, 4, 14, 14}, func(g *dropout.Generator) (*dropout.Layer[T], error) { return dropout.NewDropBlock2d[T](0.2, 3, g) },
			func(g *dropout.Generator) (*dropout.Layer[float32], error) {
				return dropout.NewDropBlock2d[float32](0.2, 3, g)
			}},
	}
	eachKernel(t, func(t *testing.T) {
		for _, lk := range layers {
			seed := r.Uint64()
			l, err := lk.new(dropout.NewGenerator(seed))
			l32, err32 := lk.new32(dropout.NewGenerator(seed))
			if err != nil || err32 != nil {
				t.Fatal(err, err32)
			}
			n := 1
			for _, d := range lk.shape {
				n *= d
			}
			x, y, dy, dx := halfInput(r, hc, n), make([]T, n), halfInput(r, hc, n), make([]T, n)
			x32, y32, dy32, dx32 := widenAll(hc, x), make([]float32, n), widenAll(hc, dy), make([]float32, n)
			for step := 0; step < 3; step++ {
				if err := l.Forward(y, x, lk.shape); err != nil {
					t.Fatal(err)
				}
				if err := l32.Forward(y32, x32, lk.shape); err != nil {
					t.Fatal(err)
				}
				if err := l.Backward(dx, dy); err != nil {
					t.Fatal(err)
				}
				if err := l32.Backward(dx32, dy32); err != nil {
					t.Fatal(err)
				}
				if !sameHalf(t, fmt.Sprintf("%s step %d forward", lk.name, step), y, roundAll(hc, y32)) ||
					!sameHalf(t, fmt.Sprintf("%s step %d backward", lk.name, step), dx, roundAll(hc, dx32)) {
					return
				}
			}
			allocs := testing.AllocsPerRun(20, func() {
				if l.Forward(y, x, lk.shape) != nil || l.Backward(dx, dy) != nil {
					panic("step failed")
				}
			})
			if allocs != 0 {
				t.Errorf("%s: %v allocations per training step, want 0", lk.name, allocs)
			}
		}
	})
}

func widenAll[T dropout.BFloat16 | dropout.Float16](hc halfConv[T], x []T) []float32 {
	f := make([]float32, len(x))
	for i, h := range x {
		f[i] = hc.widen(h)
	}
	return f
}

func roundAll[T dropout.BFloat16 | dropout.Float16](hc halfConv[T], f []float32) []T {
	x := make([]T, len(f))
	for i, v := range f {
		x[i] = hc.round(v)
	}
	return x
}

func sameHalf[T dropout.BFloat16 | dropout.Float16](t *testing.T, what string, got, want []T) bool {
	t.Helper()
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s: element %d of %d = %#04x, want %#04x", what, i, len(want), uint16(got[i]), uint16(want[i]))
			return false
		}
	}
	return true
}
