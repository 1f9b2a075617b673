package dropout_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/simdrop/simdrop/dropout"
)

// layerKind is one kind of Layer with the functional call it wraps, so a
// Layer's result can be checked against a fresh call on the same stream.
type layerKind struct {
	name   string
	layer  func(g *dropout.Generator) (*dropout.Layer[float32], error)
	call   func(dst, src []float32, shape []int, g *dropout.Generator) (*dropout.Mask, error)
	shapes [][]int // large first, then smaller ones
}

func layerKinds() []layerKind {
	const p = 0.4
	chan4 := [][]int{{2, 3, 7, 7}, {2, 1, 4, 4}, {1, 1, 4, 4}, {1, 3, 2, 3}}
	return []layerKind{
		{"Dropout2d", func(g *dropout.Generator) (*dropout.Layer[float32], error) {
			return dropout.NewDropout2d[float32](p, g)
		},
			func(d, s []float32, sh []int, g *dropout.Generator) (*dropout.Mask, error) {
				return dropout.Dropout2d(d, s, sh, p, g)
			}, [][]int{{3, 70, 2, 2}, {2, 3, 5, 5}, {1, 1, 4, 4}}},
		{"Dropout", func(g *dropout.Generator) (*dropout.Layer[float32], error) { return dropout.NewDropout[float32](p, g) },
			func(d, s []float32, sh []int, g *dropout.Generator) (*dropout.Mask, error) {
				return dropout.Dropout(d, s, sh, p, g)
			}, [][]int{{3, 100}, {2, 37}, {5}}},
		{"AlphaDropout", func(g *dropout.Generator) (*dropout.Layer[float32], error) {
			return dropout.NewAlphaDropout[float32](p, g)
		},
			func(d, s []float32, sh []int, g *dropout.Generator) (*dropout.Mask, error) {
				return dropout.AlphaDropout(d, s, sh, p, g)
			}, [][]int{{3, 100}, {2, 37}, {5}}},
		{"StochasticDepth", func(g *dropout.Generator) (*dropout.Layer[float32], error) {
			return dropout.NewStochasticDepth[float32](p, dropout.Row, true, g)
		}, func(d, s []float32, sh []int, g *dropout.Generator) (*dropout.Mask, error) {
			return dropout.StochasticDepth(d, s, sh, p, dropout.Row, true, g)
		}, [][]int{{70, 3}, {9, 2}, {1, 4}}},
		{"DropBlock2d", func(g *dropout.Generator) (*dropout.Layer[float32], error) {
			return dropout.NewDropBlock2d[float32](p, 3, g)
		},
			func(d, s []float32, sh []int, g *dropout.Generator) (*dropout.Mask, error) {
				return dropout.DropBlock2d(d, s, sh, p, 3, g)
			}, chan4},
		{"DropBlock3d", func(g *dropout.Generator) (*dropout.Layer[float32], error) {
			return dropout.NewDropBlock3d[float32](p, 2, g)
		},
			func(d, s []float32, sh []int, g *dropout.Generator) (*dropout.Mask, error) {
				return dropout.DropBlock3d(d, s, sh, p, 2, g)
			}, [][]int{{2, 2, 5, 5, 5}, {1, 1, 3, 4, 4}, {1, 1, 2, 2, 3}}},
	}
}

// TestLayerReuseOnOtherShapes: a Layer that ran on one shape gives, on
// another (smaller or larger), exactly what a fresh functional call on the
// same stream gives — mask, kept count, values and gradient. Nothing a Layer
// keeps from an earlier call (mask words, seed bits, scale vectors, plans)
// may leak into a later one.
func TestLayerReuseOnOtherShapes(t *testing.T) {
	eachKernel(t, func(t *testing.T) {
		for _, k := range layerKinds() {
			g := dropout.NewGenerator(11)
			l, err := k.layer(g)
			if err != nil {
				t.Fatal(err)
			}
			// large → small → large again → small again
			order := append(append([][]int{}, k.shapes...), k.shapes[0])
			order = append(order, k.shapes[1:]...)
			for step, shape := range order {
				name := fmt.Sprintf("%s step %d shape %v", k.name, step, shape)
				n := 1
				for _, d := range shape {
					n *= d
				}
				src := make([]float32, n)
				for i := range src {
					src[i] = float32(i%13) - 4.5
				}
				state := g.State()
				y := make([]float32, n)
				if err := l.Forward(y, src, shape); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				fresh := dropout.NewGenerator(0)
				fresh.SetState(state)
				want := make([]float32, n)
				wm, err := k.call(want, src, shape, fresh)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				m := l.Mask()
				if m.Features() != wm.Features() || m.KeptCount() != wm.KeptCount() {
					t.Fatalf("%s: features %d kept %d, a fresh call gives %d, %d", name, m.Features(), m.KeptCount(), wm.Features(), wm.KeptCount())
				}
				for i := 0; i < m.Features(); i++ {
					if m.Kept(i) != wm.Kept(i) {
						t.Fatalf("%s: Kept(%d) = %v, fresh call %v", name, i, m.Kept(i), wm.Kept(i))
					}
				}
				for i := range y {
					if math.Float32bits(y[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s: y[%d] = %v, fresh call %v", name, i, y[i], want[i])
					}
				}
				dx, wantDx := make([]float32, n), make([]float32, n)
				if err := l.Backward(dx, src); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if err := dropout.Backward(wantDx, src, wm); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				for i := range dx {
					if math.Float32bits(dx[i]) != math.Float32bits(wantDx[i]) {
						t.Fatalf("%s: dx[%d] = %v, fresh call %v", name, i, dx[i], wantDx[i])
					}
				}
			}
		}
	})
}
