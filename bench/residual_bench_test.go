package bench

import (
	"testing"

	"github.com/simdrop/simdrop/dropout"
)

// BenchmarkResidual measures the fused residual form y = r + dropout(x)
// (and with a bias, y = r + dropout(x + b)) on 32×64×56×56, one goroutine,
// the path in use, beside Dropout alone (two streams) and beside Dropout
// followed by a separate add: a Go loop, and the package's own SIMD add (the
// fused form at p = 0, which keeps everything: t + r). op=... names:
//
//	dropout        Dropout(y, x)                      x read, y written
//	fused          Dropout(y, x, Residual(r, nil))    x, r read, y written
//	fused-bias     Dropout(y, x, Residual(r, b))      the same, plus b
//	separate-loop  Dropout(t, x); y[i] = t[i] + r[i]
//	separate-simd  Dropout(t, x); Dropout(y, t, p=0, Residual(r, nil))
//	depth-*        the same for StochasticDepth (x + drop_path(f(x)))
//
//	go test ./bench -run '^$' -bench 'Residual' -count 6
func BenchmarkResidual(b *testing.B) {
	shape := []int{32, 64, 56, 56}
	n := elements(shape)
	x, r := input(n), input(n)
	for i := range r {
		r[i] = -r[i]
	}
	bias := input(shape[3])
	y, t := make([]float32, n), make([]float32, n)
	g := dropout.NewGenerator(1)
	var m, m2 dropout.Mask
	defer dropout.SetParallelism(dropout.SetParallelism(1))
	run := func(name string, f func() error) {
		b.Run("op="+name, func(b *testing.B) {
			if err := f(); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(4 * n))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				g.SetState(dropout.State{Seed: 1})
				if err := f(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	none := dropout.Option{}
	drop := func(dst []float32, o dropout.Option) error {
		_, err := dropout.Dropout(dst, x, shape, 0.1, g, dropout.Into(&m), o)
		return err
	}
	run("dropout", func() error { return drop(y, none) })
	run("fused", func() error { return drop(y, dropout.Residual(r, nil)) })
	run("fused-bias", func() error { return drop(y, dropout.Residual(r, bias)) })
	run("separate-loop", func() error {
		if err := drop(t, none); err != nil {
			return err
		}
		for i := range y {
			y[i] = t[i] + r[i]
		}
		return nil
	})
	run("separate-simd", func() error {
		if err := drop(t, none); err != nil {
			return err
		}
		_, err := dropout.Dropout(y, t, shape, 0, g, dropout.Into(&m2), dropout.Residual(r, nil))
		return err
	})
	rows := []int{shape[0], n / shape[0]}
	depth := func(dst []float32, o dropout.Option) error {
		_, err := dropout.StochasticDepth(dst, x, rows, 0.2, dropout.Row, true, g, dropout.Into(&m), o)
		return err
	}
	run("depth", func() error { return depth(y, none) })
	run("depth-fused", func() error { return depth(y, dropout.Residual(r, nil)) })
	run("depth-separate-simd", func() error {
		if err := depth(t, none); err != nil {
			return err
		}
		_, err := dropout.StochasticDepth(y, t, rows, 0, dropout.Row, true, g, dropout.Into(&m2), dropout.Residual(r, nil))
		return err
	})
}
