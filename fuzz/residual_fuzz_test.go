package fuzz

import (
	"math"
	"testing"

	"github.com/simdrop/simdrop/dropout"
)

// FuzzResidualMatchesGeneric runs the fused residual forms (elementwise
// Dropout, DropoutNoMask, Dropout2d, Dropout2dNHWC, StochasticDepth,
// DropBlock2d) with and without a bias on fuzzed bit patterns (NaN, Inf and
// subnormals in kept and dropped lanes) in float32 and BFloat16, on every
// usable path: each output, and Backward's dx and bias gradient, must equal
// the generic path's bit for bit, in place (dst = residual) and out.
func FuzzResidualMatchesGeneric(f *testing.F) {
	f.Add([]byte{0x7f, 0xc0, 0, 1, 0xff, 0x80, 0, 0}, uint8(2), uint8(3), uint8(7), uint8(9), 0.5, uint64(1), uint8(0), true, false)
	f.Add([]byte("residual"), uint8(1), uint8(9), uint8(1), uint8(77), 0.1, uint64(9), uint8(1), false, true)
	f.Add([]byte{0, 0, 0x80, 0x7f, 1, 0, 0x80, 0xff}, uint8(3), uint8(2), uint8(13), uint8(11), 0.9, uint64(0), uint8(5), true, true)
	f.Fuzz(func(t *testing.T, data []byte, n, c, h, w uint8, p float64, seed uint64, which uint8, withBias, inPlace bool) {
		if !(p >= 0 && p <= 1) {
			p = math.Abs(math.Mod(p, 1))
			if math.IsNaN(p) {
				p = 0.5
			}
		}
		shape := []int{1 + int(n%4), 1 + int(c%40), 1 + int(h%20), 1 + int(w%80)}
		numel := shape[0] * shape[1] * shape[2] * shape[3]
		x32, r32, b32 := values32(data, numel), values32(append(data, 3), numel), values32(append(data, 5), shape[3])
		bits := values16(data, 2*numel+shape[3])
		xh, rh, bh := make([]dropout.BFloat16, numel), make([]dropout.BFloat16, numel), make([]dropout.BFloat16, shape[3])
		for i := range xh {
			xh[i], rh[i] = dropout.BFloat16(bits[i]), dropout.BFloat16(bits[numel+i])
		}
		for i := range bh {
			bh[i] = dropout.BFloat16(bits[2*numel+i])
		}
		if !withBias {
			b32, bh = nil, nil
		}
		fuzzResidual(t, x32, r32, b32, shape, p, seed, which%6, inPlace, func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) })
		fuzzResidual(t, xh, rh, bh, shape, p, seed, which%6, inPlace, func(a, b dropout.BFloat16) bool { return a == b })
	})
}

func fuzzResidual[T float32 | dropout.BFloat16](t *testing.T, x, r, b []T, shape []int, p float64, seed uint64, which uint8, inPlace bool, same func(a, b T) bool) {
	op := func(dst, src []T, o ...dropout.Option) (*dropout.Mask, error) {
		g := dropout.NewGenerator(seed)
		switch which {
		case 0:
			return dropout.Dropout(dst, src, shape, p, g, o...)
		case 1:
			return dropout.DropoutNoMask(dst, src, shape, p, g, o...)
		case 2:
			return dropout.Dropout2d(dst, src, shape, p, g, o...)
		case 3:
			return dropout.Dropout2dNHWC(dst, src, shape, p, g, o...)
		case 4:
			return dropout.StochasticDepth(dst, src, shape, p, dropout.Row, true, g, o...)
		}
		return dropout.DropBlock2d(dst, src, shape, p, 3, g, o...)
	}
	kernels := dropout.Kernels()
	prev := dropout.Kernel()
	defer dropout.UseKernel(prev)
	var want, wantDx, wantDb []T
	for i := len(kernels) - 1; i >= 0; i-- { // generic first
		if err := dropout.UseKernel(kernels[i]); err != nil {
			t.Fatal(err)
		}
		res := append([]T(nil), r...)
		dst := make([]T, len(x))
		if inPlace {
			dst = res
		}
		m, err := op(dst, x, dropout.Residual(res, b))
		if err != nil {
			t.Fatalf("%s: %v", kernels[i], err)
		}
		dx, db := make([]T, len(x)), make([]T, shape[3])
		if err := dropout.Backward(dx, x, m, dropout.BiasGrad(db)); err != nil {
			t.Fatalf("%s: Backward: %v", kernels[i], err)
		}
		if want == nil {
			want, wantDx, wantDb = dst, dx, db
			continue
		}
		for j := range want {
			if !same(dst[j], want[j]) {
				t.Fatalf("%s: y[%d] = %v, generic %v", kernels[i], j, dst[j], want[j])
			}
			if !same(dx[j], wantDx[j]) {
				t.Fatalf("%s: dx[%d] = %v, generic %v", kernels[i], j, dx[j], wantDx[j])
			}
		}
		for j := range wantDb {
			if !same(db[j], wantDb[j]) {
				t.Fatalf("%s: db[%d] = %v, generic %v", kernels[i], j, db[j], wantDb[j])
			}
		}
	}
}
