package gorgoniadrop

import (
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/simdrop/simdrop/dropout"
)

// BenchmarkStep times one forward and one backward call of a dropout node's
// ops on a 32×64×56×56 float32 tensor, p = 0.2, as a TapeMachine runs them
// after Reset (Do, which allocates the output):
//
//   - op=simdrop: this package's Dropout2d (channel-wise);
//   - op=simdrop-elementwise: this package's Dropout (elementwise, the same
//     job as gorgonia's);
//   - op=gorgonia: gorgonia.Dropout (elementwise);
//   - op=simdrop-prealloc: Dropout2d through UsePreallocDo, no allocation.
//
// SetBytes counts x and y of the forward and dy and dx of the backward.
func BenchmarkStep(b *testing.B) {
	shape := []int{32, 64, 56, 56}
	const p = 0.2
	n := numel(shape)
	r := rand.New(rand.NewPCG(1, 2))
	xv := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(randSlice[float32](r, n)))
	dyv := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(randSlice[float32](r, n)))

	// ops builds y = dropout(x) in a graph and returns the forward op and
	// the backward op SymDiff adds.
	ops := func(b *testing.B, node func(*G.Node) (*G.Node, error)) (fwd, bwd G.Op) {
		g := G.NewGraph()
		x := G.NewTensor(g, tensor.Float32, 4, G.WithShape(shape...), G.WithName("x"))
		dy := G.NewTensor(g, tensor.Float32, 4, G.WithShape(shape...), G.WithName("dy"))
		y, err := node(x)
		if err != nil {
			b.Fatal(err)
		}
		dx, err := y.Op().(G.SDOp).SymDiff(G.Nodes{x}, y, dy)
		if err != nil {
			b.Fatal(err)
		}
		return y.Op(), dx[0].Op()
	}
	viaDo := func(b *testing.B, fwd, bwd G.Op, withX bool) {
		b.SetBytes(int64(4 * 4 * n))
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			y, err := fwd.Do(xv)
			if err != nil {
				b.Fatal(err)
			}
			args := []G.Value{y, dyv}
			if withX { // gorgonia's backward reads (x, y, dy)
				args = []G.Value{xv, y, dyv}
			}
			if _, err := bwd.Do(args...); err != nil {
				b.Fatal(err)
			}
		}
	}
	shapeName := "shape=32x64x56x56"
	b.Run("op=simdrop/"+shapeName, func(b *testing.B) {
		fwd, bwd := ops(b, func(x *G.Node) (*G.Node, error) { return Dropout2d(x, p, dropout.NewGenerator(1)) })
		viaDo(b, fwd, bwd, false)
	})
	b.Run("op=simdrop-elementwise/"+shapeName, func(b *testing.B) {
		fwd, bwd := ops(b, func(x *G.Node) (*G.Node, error) { return Dropout(x, p, dropout.NewGenerator(1)) })
		viaDo(b, fwd, bwd, false)
	})
	b.Run("op=gorgonia/"+shapeName, func(b *testing.B) {
		fwd, bwd := ops(b, func(x *G.Node) (*G.Node, error) { return G.Dropout(x, p) })
		viaDo(b, fwd, bwd, true)
	})
	b.Run("op=simdrop-prealloc/"+shapeName, func(b *testing.B) {
		fwd, bwd := ops(b, func(x *G.Node) (*G.Node, error) { return Dropout2d(x, p, dropout.NewGenerator(1)) })
		y := tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float32))
		dx := tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float32))
		f, bk := fwd.(G.UsePreallocDoer), bwd.(G.UsePreallocDoer)
		fwdIn, bwdIn := []G.Value{xv}, []G.Value{y, dyv}
		b.SetBytes(int64(4 * 4 * n))
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := f.UsePreallocDo(y, fwdIn...); err != nil {
				b.Fatal(err)
			}
			if _, err := bk.UsePreallocDo(dx, bwdIn...); err != nil {
				b.Fatal(err)
			}
		}
	})
}
