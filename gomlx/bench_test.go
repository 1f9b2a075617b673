package gomlx

import (
	"testing"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego" // the baseline, registered as "go"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers"

	"github.com/simdrop/simdrop/dropout"
)

// benchBackends are the baseline, plain simplego ("go"), and this backend.
var benchBackends = []string{"go", BackendName}

func mustBackend(b *testing.B, name string) backends.Backend {
	be, err := backends.NewWithConfig(name)
	if err != nil {
		b.Fatal(err)
	}
	return be
}

// BenchmarkRNGBitGenerator draws 6.4 M uint32 with one RNGBitGenerator
// call, the op alone in its graph; SetBytes counts the bytes written.
func BenchmarkRNGBitGenerator(b *testing.B) {
	const n = 6_400_000
	for _, name := range benchBackends {
		b.Run("backend="+name, func(b *testing.B) {
			be := mustBackend(b, name)
			bld := be.Builder("rng")
			p, err := bld.Parameter("state", backends.RNGStateShape, nil)
			must(b, err)
			ns, v, err := bld.RNGBitGenerator(p, shapes.Make(dtypes.Uint32, n))
			must(b, err)
			exec, err := bld.Compile([]backends.Op{ns, v}, nil)
			must(b, err)
			defer exec.Finalize()
			state, err := be.BufferFromFlatData(0, []uint64{1, 2, 3}, backends.RNGStateShape)
			must(b, err)
			b.SetBytes(4 * n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				out, err := exec.Execute([]backends.Buffer{state}, nil, 0)
				if err != nil {
					b.Fatal(err)
				}
				for _, o := range out {
					_ = be.BufferFinalize(o)
				}
			}
		})
	}
}

// BenchmarkDropoutStep is one layers.Dropout forward and backward (the
// gradient of the sum of its output) on a 1024×1024 float32 tensor at rate
// 0.5, through a context.Exec.
func BenchmarkDropoutStep(b *testing.B) {
	const rows, cols = 1024, 1024
	for _, name := range benchBackends {
		b.Run("backend="+name, func(b *testing.B) {
			be := mustBackend(b, name)
			ctx := context.New()
			must(b, ctx.SetRNGStateFromSeed(1))
			exec := context.MustNewExec(be, ctx, func(ctx *context.Context, x *graph.Node) []*graph.Node {
				g := x.Graph()
				ctx.SetTraining(g, true)
				y := layers.Dropout(ctx, x, graph.Scalar(g, dtypes.Float32, 0.5))
				return []*graph.Node{y, graph.Gradient(graph.ReduceAllSum(y), x)[0]}
			})
			x := tensors.FromFlatDataAndDimensions(make([]float32, rows*cols), rows, cols)
			for _, o := range exec.MustExec(x) { // compile outside the timing
				_ = o.FinalizeAll()
			}
			b.SetBytes(3 * 4 * rows * cols) // x read, y and dx written
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for _, o := range exec.MustExec(x) {
					_ = o.FinalizeAll()
				}
			}
		})
	}
}

// BenchmarkPhiloxBits32 is dropout.PhiloxBits32 alone on the 6.4 M words of
// BenchmarkRNGBitGenerator: what the op costs without the graph around it.
func BenchmarkPhiloxBits32(b *testing.B) {
	dst := make([]uint32, 6_400_000)
	b.SetBytes(4 * int64(len(dst)))
	for i := 0; i < b.N; i++ {
		dropout.PhiloxBits32(dst, 1, dropout.Counter{Lo: 2, Hi: 3})
	}
}
