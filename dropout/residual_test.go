package dropout_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simdrop/simdrop/dropout"
)

// The fused residual forms against the unfused route: t = x ⊕ b (the bias
// broadcast along the last dim), d = op(t) with the same generator state,
// then y = d ⊕ r where the op kept an element and y = r where it dropped
// it (r's bits: a dropped −0 or NaN residual is copied, not added to +0).
// Every op form but alpha, every element type, every path, in place
// (dst = residual) and out, with and without a bias.

// residualOps are the op forms with a fused residual form: halfOps' minus
// the alpha ones.
func residualOps[T dropout.Float]() []halfOp[T] {
	var ops []halfOp[T]
	for _, op := range halfOps[T]() {
		if op.name != "AlphaDropout" && op.name != "FeatureAlphaDropout" {
			ops = append(ops, op)
		}
	}
	return append(ops, halfOp[T]{"StochasticDepth rows of a transformer block", []int{4, 7, 96}, func(d, s []T, sh []int, p float64, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
		return dropout.StochasticDepth(d, s, sh, p, dropout.Row, true, g, o...)
	}})
}

// elemOps is what the route needs of element type T: its values in
// float64 arithmetic-free form. For the float types the route runs in T;
// for the half types in float32, rounded at the end.
type elemOps[T dropout.Float] struct {
	name   string
	random func(r *rand.Rand, n int) []T
	// route computes the expected output from x, r, b and the float32 or
	// float64 op's call.
	route func(op halfOp[T], x, r, b []T, p float64, seed uint64) ([]T, error)
	bits  func(a T) uint64
}

func TestResidualIsTheUnfusedRoute(t *testing.T) {
	t.Run("f32", func(t *testing.T) { testResidual(t, floatElem[float32]()) })
	t.Run("f64", func(t *testing.T) { testResidual(t, floatElem[float64]()) })
	t.Run("bf16", func(t *testing.T) { testResidual(t, halfElem(bfConv)) })
	t.Run("f16", func(t *testing.T) { testResidual(t, halfElem(f16Conv)) })
}

// keptOf returns, per element, whether m kept it: Backward of ones is s
// (never 0: s >= 1) where kept and +0 where dropped.
func keptOf(m *dropout.Mask) []bool {
	ones := make([]float64, m.Len())
	for i := range ones {
		ones[i] = 1
	}
	if err := dropout.Backward(ones, ones, m); err != nil {
		panic(err)
	}
	k := make([]bool, len(ones))
	for i, v := range ones {
		k[i] = v != 0
	}
	return k
}

func floatElem[T float32 | float64]() elemOps[T] {
	return elemOps[T]{
		name: fmt.Sprintf("%T", T(0)),
		random: func(r *rand.Rand, n int) []T {
			x := make([]T, n)
			for i := range x {
				switch r.IntN(20) {
				case 0:
					x[i] = T(math.NaN())
				case 1:
					x[i] = T(math.Copysign(0, -1))
				case 2:
					x[i] = T(math.Inf(1 - 2*r.IntN(2)))
				default:
					x[i] = T(r.NormFloat64())
				}
			}
			return x
		},
		route: func(op halfOp[T], x, r, b []T, p float64, seed uint64) ([]T, error) {
			tt := make([]T, len(x))
			for i := range x {
				tt[i] = x[i]
				if b != nil {
					tt[i] = x[i] + b[i%len(b)]
				}
			}
			d := make([]T, len(x))
			m, err := op.call(d, tt, op.shape, p, dropout.NewGenerator(seed))
			if err != nil {
				return nil, err
			}
			y := append([]T(nil), r...)
			for i, k := range keptOf(m) {
				if k {
					y[i] = d[i] + r[i]
					if y[i] != y[i] { // the default quiet NaN
						y[i] = T(math.Float32frombits(0x7FC00000))
						if _, ok := any(y[i]).(float64); ok {
							y[i] = T(math.Float64frombits(0x7FF8000000000000))
						}
					}
				}
			}
			return y, nil
		},
		bits: func(a T) uint64 {
			if v, ok := any(a).(float32); ok {
				return uint64(math.Float32bits(v))
			}
			return math.Float64bits(float64(a))
		},
	}
}

func halfElem[T dropout.BFloat16 | dropout.Float16](hc halfConv[T]) elemOps[T] {
	return elemOps[T]{
		name:   fmt.Sprintf("%T", T(0)),
		random: func(r *rand.Rand, n int) []T { return halfInput(r, hc, n) },
		route: func(op halfOp[T], x, r, b []T, p float64, seed uint64) ([]T, error) {
			var op32 halfOp[float32]
			for _, o := range residualOps[float32]() {
				if o.name == op.name {
					op32 = o
				}
			}
			tt := make([]float32, len(x))
			for i := range x {
				tt[i] = hc.widen(x[i])
				if b != nil {
					tt[i] += hc.widen(b[i%len(b)])
				}
			}
			d := make([]float32, len(x))
			m, err := op32.call(d, tt, op.shape, p, dropout.NewGenerator(seed))
			if err != nil {
				return nil, err
			}
			y := append([]T(nil), r...)
			for i, k := range keptOf(m) {
				if k {
					v := d[i] + hc.widen(r[i])
					if v != v {
						v = math.Float32frombits(0x7FC00000)
					}
					y[i] = hc.round(v)
				}
			}
			return y, nil
		},
		bits: func(a T) uint64 { return uint64(a) },
	}
}

func testResidual[T dropout.Float](t *testing.T, e elemOps[T]) {
	rnd := rand.New(rand.NewPCG(15, 16))
	eachKernel(t, func(t *testing.T) {
		for _, op := range residualOps[T]() {
			for pi, p := range []float64{0.3, 0, 1} {
				for bi, withBias := range []bool{true, false} {
					for _, inPlace := range []bool{(pi+bi)%2 == 0} { // in place and out, alternately
						what := fmt.Sprintf("%s p %v bias %v in place %v", op.name, p, withBias, inPlace)
						n := 1
						for _, d := range op.shape {
							n *= d
						}
						x, r := e.random(rnd, n), e.random(rnd, n)
						var b []T
						if withBias {
							b = e.random(rnd, op.shape[len(op.shape)-1])
						}
						seed := rnd.Uint64()
						want, err := e.route(op, x, r, b, p, seed)
						if err != nil {
							t.Fatalf("%s: route: %v", what, err)
						}
						dst := make([]T, n)
						if inPlace {
							dst = r // accumulate into the residual
						}
						if _, err := op.call(dst, x, op.shape, p, dropout.NewGenerator(seed), dropout.Residual(r, b)); err != nil {
							t.Fatalf("%s: %v", what, err)
						}
						for i := range want {
							if e.bits(dst[i]) != e.bits(want[i]) {
								t.Fatalf("%s: y[%d] = %#x, want %#x", what, i, e.bits(dst[i]), e.bits(want[i]))
							}
						}
					}
				}
			}
		}
	})
}

// TestBiasGrad: Backward with BiasGrad writes dx as without it and db[j] =
// the row-order sum of column j of dx in T (float32 for the half types).
func TestBiasGrad(t *testing.T) {
	rnd := rand.New(rand.NewPCG(17, 18))
	eachKernel(t, func(t *testing.T) {
		for _, shape := range [][]int{{7, 300}, {2, 3, 5, 33}, {1, 1}, {64, 1}, {3, 1000}} {
			n := 1
			for _, d := range shape {
				n *= d
			}
			cols := shape[len(shape)-1]
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(rnd.NormFloat64())
			}
			m, err := dropout.Dropout(make([]float32, n), x, shape, 0.3, dropout.NewGenerator(5))
			if err != nil {
				t.Fatal(err)
			}
			dy := make([]float32, n)
			for i := range dy {
				dy[i] = float32(rnd.NormFloat64())
			}
			dx, dxPlain, db := make([]float32, n), make([]float32, n), make([]float32, cols)
			if err := dropout.Backward(dxPlain, dy, m); err != nil {
				t.Fatal(err)
			}
			if err := dropout.Backward(dx, dy, m, dropout.BiasGrad(db)); err != nil {
				t.Fatal(err)
			}
			for i := range dx {
				if math.Float32bits(dx[i]) != math.Float32bits(dxPlain[i]) {
					t.Fatalf("shape %v: dx[%d] differs with BiasGrad", shape, i)
				}
			}
			for j := 0; j < cols; j++ {
				var s float32
				for i := j; i < n; i += cols {
					s += dx[i]
				}
				if math.Float32bits(db[j]) != math.Float32bits(s) {
					t.Fatalf("shape %v: db[%d] = %v, want %v", shape, j, db[j], s)
				}
			}
			// The half types: float32 sums of the widened dx, rounded once.
			hx := make([]dropout.BFloat16, n)
			for i := range hx {
				hx[i] = dropout.BFloat16From(dy[i])
			}
			hdx, hdb := make([]dropout.BFloat16, n), make([]dropout.BFloat16, cols)
			if err := dropout.Backward(hdx, hx, m, dropout.BiasGrad(hdb)); err != nil {
				t.Fatal(err)
			}
			for j := 0; j < cols; j++ {
				var s float32
				for i := j; i < n; i += cols {
					s += hdx[i].Float32()
				}
				if hdb[j] != dropout.BFloat16From(s) {
					t.Fatalf("shape %v: bf16 db[%d] = %#x, want %#x", shape, j, uint16(hdb[j]), uint16(dropout.BFloat16From(s)))
				}
			}
		}
	})
}

// TestResidualLayer: a Layer's Forward with Residual in training and
// evaluation mode, Backward with BiasGrad, and no allocation per step.
func TestResidualLayer(t *testing.T) {
	shape := []int{8, 16, 64}
	n := 8 * 16 * 64
	rnd := rand.New(rand.NewPCG(19, 20))
	x, r, b := make([]float32, n), make([]float32, n), make([]float32, 64)
	for i := range x {
		x[i], r[i] = float32(rnd.NormFloat64()), float32(rnd.NormFloat64())
	}
	for i := range b {
		b[i] = float32(rnd.NormFloat64())
	}
	l, err := dropout.NewDropout[float32](0.1, dropout.NewGenerator(3))
	if err != nil {
		t.Fatal(err)
	}
	y := make([]float32, n)
	if err := l.Forward(y, x, shape, dropout.Residual(r, b)); err != nil {
		t.Fatal(err)
	}
	want, _ := floatElem[float32]().route(halfOp[float32]{"Dropout", shape, dropout.Dropout[float32]}, x, r, b, 0.1, 3)
	for i := range want {
		if math.Float32bits(y[i]) != math.Float32bits(want[i]) {
			t.Fatalf("training: y[%d] = %v, want %v", i, y[i], want[i])
		}
	}
	l.Eval()
	if err := l.Forward(y, x, shape, dropout.Residual(r, b)); err != nil {
		t.Fatal(err)
	}
	for i := range y {
		if w := (x[i] + b[i%64]) + r[i]; math.Float32bits(y[i]) != math.Float32bits(w) {
			t.Fatalf("eval: y[%d] = %v, want %v", i, y[i], w)
		}
	}
	l.Train()
	dy, dx, db := make([]float32, n), make([]float32, n), make([]float32, 64)
	allocs := testing.AllocsPerRun(20, func() {
		if l.Forward(y, x, shape, dropout.Residual(r, b)) != nil || l.Backward(dx, dy, dropout.BiasGrad(db)) != nil {
			panic("step failed")
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per fused training step, want 0", allocs)
	}
	var m dropout.Mask
	allocs = testing.AllocsPerRun(20, func() {
		if _, err := dropout.Dropout(y, x, shape, 0.1, nil, dropout.Into(&m), dropout.Residual(r, b)); err != nil {
			panic(err)
		}
		if dropout.Backward(dx, dy, &m, dropout.BiasGrad(db)) != nil {
			panic("backward failed")
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per functional fused step, want 0", allocs)
	}
}

// TestResidualBadInput: every misuse is an error naming it, and nothing is
// written.
func TestResidualBadInput(t *testing.T) {
	shape := []int{4, 10}
	buf := make([]float32, 200)
	for i := range buf {
		buf[i] = float32(i)
	}
	x, y, r, b := buf[0:40], buf[40:80], buf[80:120], buf[120:130]
	before := append([]float32(nil), buf...)
	l, _ := dropout.NewDropout[float32](0.5, nil)
	cases := []struct {
		name string
		call func() error
		want error
	}{
		{"alpha", func() error {
			_, err := dropout.AlphaDropout(y, x, shape, 0.5, nil, dropout.Residual(r, nil))
			return err
		}, dropout.ErrOption},
		{"type", func() error {
			_, err := dropout.Dropout(y, x, shape, 0.5, nil, dropout.Residual(make([]float64, 40), nil))
			return err
		}, dropout.ErrOption},
		{"residual length", func() error {
			_, err := dropout.Dropout(y, x, shape, 0.5, nil, dropout.Residual(r[:39], nil))
			return err
		}, dropout.ErrLength},
		{"bias length", func() error {
			_, err := dropout.Dropout(y, x, shape, 0.5, nil, dropout.Residual(r, b[:4]))
			return err
		}, dropout.ErrLength},
		{"bias overlaps dst", func() error {
			_, err := dropout.Dropout(y, x, shape, 0.5, nil, dropout.Residual(r, y[5:15]))
			return err
		}, dropout.ErrOverlap},
		{"residual overlaps dst", func() error {
			_, err := dropout.Dropout(y, x, shape, 0.5, nil, dropout.Residual(buf[41:81], nil))
			return err
		}, dropout.ErrOverlap},
		{"BiasGrad in a forward call", func() error {
			_, err := dropout.Dropout(y, x, shape, 0.5, nil, dropout.BiasGrad(b))
			return err
		}, dropout.ErrOption},
		{"Into in Layer.Forward", func() error { return l.Forward(y, x, shape, dropout.Into(new(dropout.Mask))) }, dropout.ErrOption},
	}
	for _, c := range cases {
		err := c.call()
		if !errors.Is(err, c.want) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.want)
		}
		for i := range buf {
			if buf[i] != before[i] {
				t.Fatalf("%s: buf[%d] written", c.name, i)
			}
		}
	}
	m, err := dropout.Dropout(y, x, shape, 0.5, nil)
	if err != nil {
		t.Fatal(err)
	}
	copy(before, buf)
	for _, c := range []struct {
		name string
		opt  dropout.Option
		want error
	}{
		{"Residual in Backward", dropout.Residual(r, nil), dropout.ErrOption},
		{"db length", dropout.BiasGrad(b[:9]), dropout.ErrLength},
		{"db type", dropout.BiasGrad(make([]float64, 10)), dropout.ErrOption},
		{"db overlaps dx", dropout.BiasGrad(x[30:40]), dropout.ErrOverlap},
	} {
		if err := dropout.Backward(x, y, m, c.opt); !errors.Is(err, c.want) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.want)
		}
		for i := range buf {
			if buf[i] != before[i] {
				t.Fatalf("%s: buf[%d] written", c.name, i)
			}
		}
	}
}
