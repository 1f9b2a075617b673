package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/simdrop/simdrop/dropout"
	"github.com/simdrop/simdrop/internal/baseline"
)

// shapes: L1 size, L2 size, the demo's two RGB images, DRAM size.
var shapes = [][4]int{
	{1, 8, 32, 32},
	{1, 32, 64, 64},
	{2, 3, 224, 224},
	{32, 64, 56, 56},
}

const p = 0.5

// input returns n values, every page written: a slice from make that is
// only read would map the zero page and never leave the cache.
func input(n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(i%1000)*0.001 - 0.5
	}
	return x
}

// elements is the element count of shape.
func elements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func shapeName(s [4]int) string { return fmt.Sprintf("%dx%dx%dx%d", s[0], s[1], s[2], s[3]) }

// BenchmarkDropout2d measures float32 Dropout2d as a training loop runs it
// (a Layer's Forward: mask drawing included, no allocation), out of place,
// p = 0.5, one goroutine, per kernel path and shape, beside copy() of the
// same buffers and the naive loop (BenchmarkParallel measures splitting). The generator is rewound every iteration so every iteration applies
// the same mask, and SetBytes counts the bytes actually moved: each kept
// plane is read and written, a dropped plane only written.
func BenchmarkDropout2d(b *testing.B) {
	for _, s := range shapes {
		numel := s[0] * s[1] * s[2] * s[3]
		plane := s[2] * s[3]
		src := input(numel)
		dst := make([]float32, numel)
		g := dropout.NewGenerator(1)
		m, err := dropout.Dropout2d(dst, src, s[:], p, g)
		if err != nil {
			b.Fatal(err)
		}
		moved := int64(4 * plane * (2*m.KeptCount() + (m.Features() - m.KeptCount())))
		shape := shapeName(s)

		b.Run("kernel=copy/shape="+shape, func(b *testing.B) {
			b.SetBytes(int64(8 * numel))
			for i := 0; i < b.N; i++ {
				copy(dst, src)
			}
		})
		b.Run("kernel=bound/shape="+shape, func(b *testing.B) {
			b.SetBytes(moved)
			for i := 0; i < b.N; i++ {
				baseline.Bound(dst, src, m, plane)
			}
		})
		b.Run("kernel=naive/shape="+shape, func(b *testing.B) {
			b.SetBytes(moved)
			for i := 0; i < b.N; i++ {
				baseline.Naive(dst, src, m, plane, 2)
			}
		})
		for _, k := range dropout.Kernels() {
			b.Run("kernel="+k+"/shape="+shape, func(b *testing.B) {
				prev := dropout.Kernel()
				defer dropout.UseKernel(prev)
				if err := dropout.UseKernel(k); err != nil {
					b.Fatal(err)
				}
				layer, err := dropout.NewDropout2d[float32](p, g)
				if err != nil {
					b.Fatal(err)
				}
				defer dropout.SetParallelism(dropout.SetParallelism(1))
				b.SetBytes(moved)
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					g.SetState(dropout.State{Seed: 1})
					if err := layer.Forward(dst, src, s[:]); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkTiny is the per-call overhead: a 1×8×4×4 forward through a Layer.
func BenchmarkTiny(b *testing.B) {
	for _, k := range dropout.Kernels() {
		b.Run("kernel="+k, func(b *testing.B) {
			prev := dropout.Kernel()
			defer dropout.UseKernel(prev)
			dropout.UseKernel(k)
			g := dropout.NewGenerator(1)
			layer, _ := dropout.NewDropout2d[float32](p, g)
			x := make([]float32, 8*16)
			y := make([]float32, len(x))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := layer.Forward(y, x, []int{1, 8, 4, 4}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParallel measures one forward with 1 and 2 goroutines, per shape,
// to place the size above which a call is split.
func BenchmarkParallel(b *testing.B) {
	for _, s := range [][4]int{{1, 32, 64, 64}, {2, 3, 224, 224}, {8, 256, 28, 28}, {32, 64, 56, 56}, {64, 64, 112, 112}} {
		numel := s[0] * s[1] * s[2] * s[3]
		src := input(numel)
		dst := make([]float32, numel)
		for _, w := range []int{1, 2} {
			b.Run(fmt.Sprintf("goroutines=%d/shape=%s", w, shapeName(s)), func(b *testing.B) {
				defer dropout.SetParallelism(dropout.SetParallelism(w))
				g := dropout.NewGenerator(1)
				layer, _ := dropout.NewDropout2d[float32](p, g)
				b.SetBytes(int64(8 * numel)) // effective: 2 × tensor bytes
				for i := 0; i < b.N; i++ {
					g.SetState(dropout.State{Seed: 1})
					if err := layer.Forward(dst, src, s[:]); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkLayouts compares channel dropout on one tensor in NCHW and in
// NHWC (the scale-rows kernel), per kernel path, for narrow and wide C, at
// L2 size (~512 KiB) and DRAM size (~25 MB); and stochastic depth (one
// decision per sample, the plane kernel with plane = C·H·W) at DRAM size.
func BenchmarkLayouts(b *testing.B) {
	type layoutCase struct {
		name  string
		shape []int
		run   func(dst, src []float32, shape []int, g *dropout.Generator) error
	}
	nchw := func(dst, src []float32, shape []int, g *dropout.Generator) error {
		_, err := dropout.Dropout2d(dst, src, shape, p, g)
		return err
	}
	nhwc := func(dst, src []float32, shape []int, g *dropout.Generator) error {
		_, err := dropout.Dropout2dNHWC(dst, src, shape, p, g)
		return err
	}
	depth := func(dst, src []float32, shape []int, g *dropout.Generator) error {
		_, err := dropout.StochasticDepth(dst, src, shape, p, dropout.Row, true, g)
		return err
	}
	var cases []layoutCase
	for _, size := range []struct {
		name  string
		n, hw int // N and H = W, chosen per C to reach the size
	}{{"L2", 1, 0}, {"DRAM", 32, 0}} {
		for _, c := range []int{3, 7, 16, 17, 64} {
			hw := 8
			for (hw+8)*(hw+8)*c*size.n*4 <= map[string]int{"L2": 512 << 10, "DRAM": 25 << 20}[size.name] {
				hw += 8
			}
			n := size.n
			cases = append(cases,
				layoutCase{fmt.Sprintf("layout=NCHW/size=%s/C=%d", size.name, c), []int{n, c, hw, hw}, nchw},
				layoutCase{fmt.Sprintf("layout=NHWC/size=%s/C=%d", size.name, c), []int{n, hw, hw, c}, nhwc})
		}
	}
	cases = append(cases,
		layoutCase{"layout=NCHW/size=DRAM/op=dropout2d", []int{32, 64, 56, 56}, nchw},
		layoutCase{"layout=NCHW/size=DRAM/op=stochasticdepth", []int{32, 64, 56, 56}, depth})
	for _, c := range cases {
		numel := elements(c.shape)
		src := input(numel)
		dst := make([]float32, numel)
		for _, k := range dropout.Kernels() {
			b.Run(c.name+"/kernel="+k, func(b *testing.B) {
				defer dropout.UseKernel(dropout.Kernel())
				defer dropout.SetParallelism(dropout.SetParallelism(1))
				dropout.UseKernel(k)
				g := dropout.NewGenerator(1)
				b.SetBytes(int64(8 * numel))
				for i := 0; i < b.N; i++ {
					g.SetState(dropout.State{Seed: 1})
					if err := c.run(dst, src, c.shape, g); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkElementwise measures elementwise Dropout and AlphaDropout
// (through a Layer, as a training loop calls it) per kernel path and shape,
// beside a math/rand/v2 loop, copy() and Dropout2d on the same tensor.
func BenchmarkElementwise(b *testing.B) {
	for _, s := range [][4]int{{1, 8, 32, 32}, {1, 32, 64, 64}, {32, 64, 56, 56}} {
		numel := s[0] * s[1] * s[2] * s[3]
		src := input(numel)
		dst := make([]float32, numel)
		shape := shapeName(s)
		b.Run("kernel=copy/shape="+shape, func(b *testing.B) {
			b.SetBytes(int64(8 * numel))
			for i := 0; i < b.N; i++ {
				copy(dst, src)
			}
		})
		b.Run("kernel=mathrand/shape="+shape, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			b.SetBytes(int64(8 * numel))
			for i := 0; i < b.N; i++ {
				baseline.NaiveElementwise(dst, src, r, p, 2)
			}
		})
		for _, k := range dropout.Kernels() {
			for _, op := range []string{"dropout", "dropout2d", "alphadropout"} {
				b.Run("op="+op+"/kernel="+k+"/shape="+shape, func(b *testing.B) {
					defer dropout.UseKernel(dropout.Kernel())
					defer dropout.SetParallelism(dropout.SetParallelism(1))
					dropout.UseKernel(k)
					g := dropout.NewGenerator(1)
					newLayer := dropout.NewDropout[float32]
					switch op {
					case "dropout2d":
						newLayer = dropout.NewDropout2d[float32]
					case "alphadropout":
						newLayer = dropout.NewAlphaDropout[float32]
					}
					layer, _ := newLayer(p, g)
					b.SetBytes(int64(8 * numel))
					for i := 0; i < b.N; i++ {
						g.SetState(dropout.State{Seed: 1})
						if err := layer.Forward(dst, src, s[:]); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

// BenchmarkElementwiseStep measures a training step of elementwise Dropout
// (Forward then Backward through a Layer) keeping the mask bits, and keeping
// none (Backward regenerates the draws), on the best path.
func BenchmarkElementwiseStep(b *testing.B) {
	for _, s := range [][4]int{{1, 32, 64, 64}, {32, 64, 56, 56}} {
		numel := s[0] * s[1] * s[2] * s[3]
		x, y := input(numel), make([]float32, numel)
		dy, dx := input(numel), make([]float32, numel)
		for _, mode := range []string{"bits", "regenerate"} {
			b.Run("mask="+mode+"/shape="+shapeName(s), func(b *testing.B) {
				defer dropout.SetParallelism(dropout.SetParallelism(1))
				g := dropout.NewGenerator(1)
				layer, _ := dropout.NewDropout[float32](p, g)
				layer.SetNoMask(mode == "regenerate")
				b.SetBytes(int64(16 * numel))
				for i := 0; i < b.N; i++ {
					g.SetState(dropout.State{Seed: 1})
					if err := layer.Forward(y, x, s[:]); err != nil {
						b.Fatal(err)
					}
					if err := layer.Backward(dx, dy); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkManyChannels measures Dropout2d where the planes are small and
// the channels many, as in the late layers of a CNN (7×7, 4×4), and
// Dropout1d on short sequences: there drawing one Philox word per channel
// costs as much as moving the data. One goroutine, per kernel path.
func BenchmarkManyChannels(b *testing.B) {
	for _, s := range [][]int{{64, 512, 7, 7}, {64, 512, 4, 4}, {64, 512, 16}} {
		numel := elements(s)
		src := input(numel)
		dst := make([]float32, numel)
		name := fmt.Sprint(s)
		newLayer := dropout.NewDropout2d[float32]
		if len(s) == 3 {
			newLayer = dropout.NewDropout1d[float32]
		}
		for _, k := range dropout.Kernels() {
			b.Run("kernel="+k+"/shape="+name, func(b *testing.B) {
				defer dropout.UseKernel(dropout.Kernel())
				defer dropout.SetParallelism(dropout.SetParallelism(1))
				dropout.UseKernel(k)
				g := dropout.NewGenerator(1)
				layer, _ := newLayer(p, g)
				b.SetBytes(int64(8 * numel))
				for i := 0; i < b.N; i++ {
					g.SetState(dropout.State{Seed: 1})
					if err := layer.Forward(dst, src, s); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkDropBlock measures DropBlock2d on 8×256×28×28 with 7×7 blocks at
// p = 0.1 (about a million seed positions, drawn as one mask) per kernel
// path, one goroutine.
func BenchmarkDropBlock(b *testing.B) {
	shape := []int{8, 256, 28, 28}
	numel := elements(shape)
	src, dst := input(numel), make([]float32, numel)
	for _, k := range dropout.Kernels() {
		b.Run("kernel="+k, func(b *testing.B) {
			defer dropout.UseKernel(dropout.Kernel())
			defer dropout.SetParallelism(dropout.SetParallelism(1))
			dropout.UseKernel(k)
			layer, _ := dropout.NewDropBlock2d[float32](0.1, 7, dropout.NewGenerator(1))
			b.SetBytes(int64(8 * numel))
			for i := 0; i < b.N; i++ {
				if err := layer.Forward(dst, src, shape); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
