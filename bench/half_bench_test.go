package bench

import (
	"testing"

	"github.com/simdrop/simdrop/dropout"
)

// benchOp is an op at a fixed p, generic in the element type.
type benchOp[T dropout.Float] struct {
	name  string
	shape []int
	call  func(dst, src []T, shape []int, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error)
}

func halfBenchOps[T dropout.Float]() []benchOp[T] {
	dense := []int{32, 64, 56, 56}
	return []benchOp[T]{
		{"Dropout2d", dense, func(d, s []T, sh []int, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
			return dropout.Dropout2d(d, s, sh, 0.5, g, o...)
		}},
		{"Dropout2d-L2", []int{1, 32, 64, 64}, func(d, s []T, sh []int, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
			return dropout.Dropout2d(d, s, sh, 0.5, g, o...)
		}},
		{"Dropout2dNHWC", []int{32, 56, 56, 64}, func(d, s []T, sh []int, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
			return dropout.Dropout2dNHWC(d, s, sh, 0.5, g, o...)
		}},
		{"Dropout", dense, func(d, s []T, sh []int, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
			return dropout.Dropout(d, s, sh, 0.1, g, o...)
		}},
		{"Dropout-L2", []int{1, 32, 64, 64}, func(d, s []T, sh []int, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
			return dropout.Dropout(d, s, sh, 0.1, g, o...)
		}},
		{"AlphaDropout", dense, func(d, s []T, sh []int, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
			return dropout.AlphaDropout(d, s, sh, 0.1, g, o...)
		}},
		{"StochasticDepth", []int{32, 64 * 56 * 56}, func(d, s []T, sh []int, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
			return dropout.StochasticDepth(d, s, sh, 0.2, dropout.Row, true, g, o...)
		}},
		{"DropBlock2d", []int{8, 256, 28, 28}, func(d, s []T, sh []int, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
			return dropout.DropBlock2d(d, s, sh, 0.1, 7, g, o...)
		}},
	}
}

// BenchmarkHalf measures the ops in half precision (type=bf16, f16) beside
// float32 (type=f32) and beside the route a half-precision user had
// without them (type=bf16-route, f16-route): widen the tensor to float32,
// run the float32 op, round the result back — three passes over memory.
// Out of place, one goroutine, the path in use (SIMDROP_KERNEL chooses),
// the generator rewound and the Mask reused every iteration. SetBytes is
// the half tensor's bytes read and written, the same for every type, so
// MB/s compares times.
//
//	go test ./bench -run '^$' -bench 'Half' -count 6
func BenchmarkHalf(b *testing.B) {
	ops32, opsBF, opsF16 := halfBenchOps[float32](), halfBenchOps[dropout.BFloat16](), halfBenchOps[dropout.Float16]()
	defer dropout.SetParallelism(dropout.SetParallelism(1))
	for i := range ops32 {
		name, shape := ops32[i].name, ops32[i].shape
		n := elements(shape)
		x32 := input(n)
		b.Run("op="+name+"/type=f32", func(b *testing.B) {
			runOp(b, ops32[i], make([]float32, n), x32)
		})
		xb := make([]dropout.BFloat16, n)
		xh := make([]dropout.Float16, n)
		for j, v := range x32 {
			xb[j], xh[j] = dropout.BFloat16From(v), dropout.Float16From(v)
		}
		b.Run("op="+name+"/type=bf16", func(b *testing.B) {
			runOp(b, opsBF[i], make([]dropout.BFloat16, n), xb)
		})
		b.Run("op="+name+"/type=f16", func(b *testing.B) {
			runOp(b, opsF16[i], make([]dropout.Float16, n), xh)
		})
		b.Run("op="+name+"/type=bf16-route", func(b *testing.B) {
			runRoute(b, ops32[i], make([]dropout.BFloat16, n), xb, dropout.BFloat16.Float32, dropout.BFloat16From)
		})
		b.Run("op="+name+"/type=f16-route", func(b *testing.B) {
			runRoute(b, ops32[i], make([]dropout.Float16, n), xh, dropout.Float16.Float32, dropout.Float16From)
		})
	}
}

func runOp[T dropout.Float](b *testing.B, op benchOp[T], dst, src []T) {
	g := dropout.NewGenerator(1)
	m, err := op.call(dst, src, op.shape, g)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(4 * len(src)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		g.SetState(dropout.State{Seed: 1})
		if _, err := op.call(dst, src, op.shape, g, dropout.Into(m)); err != nil {
			b.Fatal(err)
		}
	}
}

func runRoute[T dropout.BFloat16 | dropout.Float16](b *testing.B, op benchOp[float32], dst, src []T, widen func(T) float32, round func(float32) T) {
	g := dropout.NewGenerator(1)
	buf := make([]float32, len(src))
	m, err := op.call(buf, buf, op.shape, g)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(4 * len(src)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		g.SetState(dropout.State{Seed: 1})
		for j, v := range src {
			buf[j] = widen(v)
		}
		if _, err := op.call(buf, buf, op.shape, g, dropout.Into(m)); err != nil {
			b.Fatal(err)
		}
		for j, v := range buf {
			dst[j] = round(v)
		}
	}
}
