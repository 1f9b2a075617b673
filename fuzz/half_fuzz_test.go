package fuzz

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/simdrop/simdrop/dropout"
)

// values16 turns fuzz bytes into n 16-bit patterns (every NaN, subnormal
// and infinity of both half formats can appear), recycling the bytes.
func values16(data []byte, n int) []uint16 {
	x := make([]uint16, n)
	if len(data) < 2 {
		data = append(data, 1, 2)
	}
	for i := range x {
		j := (i * 2) % (len(data) - 1)
		x[i] = binary.LittleEndian.Uint16(data[j:]) ^ uint16(i*0x9e37)
	}
	return x
}

// FuzzHalfMatchesGeneric runs Dropout2d, elementwise Dropout and
// AlphaDropout in BFloat16 and Float16 on fuzzed bit patterns and shapes,
// on every usable path: each result must equal the generic path's bit for
// bit and the float32 op on the widened tensor rounded to the half type,
// forward and backward, in place and out.
func FuzzHalfMatchesGeneric(f *testing.F) {
	f.Add([]byte{0x7f, 0xc0, 0x7c, 0x01, 0x00, 0x01, 0x7b, 0xff}, uint8(2), uint8(3), uint8(7), uint8(7), 0.5, uint64(1), uint8(0), uint8(1), false, uint8(0))
	f.Add([]byte("half precision"), uint8(1), uint8(70), uint8(1), uint8(3), 0.999, uint64(9), uint8(3), uint8(5), true, uint8(1))
	f.Add([]byte{0, 0x80, 0x80, 0x7f}, uint8(3), uint8(2), uint8(33), uint8(31), 0.1, uint64(0), uint8(15), uint8(2), false, uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, n, c, h, w uint8, p float64, seed uint64, offSrc, offDst uint8, inPlace bool, which uint8) {
		if !(p >= 0 && p <= 1) {
			p = math.Abs(math.Mod(p, 1))
			if math.IsNaN(p) {
				p = 0.5
			}
		}
		shape := []int{int(n % 5), int(c % 80), int(h % 40), int(w % 40)}
		numel := shape[0] * shape[1] * shape[2] * shape[3]
		bits := values16(data, numel)
		fuzzHalf(t, bits, shape, p, seed, int(offSrc%16), int(offDst%16), inPlace, which%3, dropout.BFloat16.Float32, dropout.BFloat16From)
		fuzzHalf(t, bits, shape, p, seed, int(offSrc%16), int(offDst%16), inPlace, which%3, dropout.Float16.Float32, dropout.Float16From)
	})
}

func fuzzHalf[T dropout.BFloat16 | dropout.Float16](t *testing.T, bits []uint16, shape []int, p float64, seed uint64, offSrc, offDst int, inPlace bool, which uint8,
	widen func(T) float32, round func(float32) T) {
	numel := len(bits)
	op := func(dst, src []T) (*dropout.Mask, error) {
		switch which {
		case 0:
			return dropout.Dropout2d(dst, src, shape, p, dropout.NewGenerator(seed))
		case 1:
			return dropout.Dropout(dst, src, shape, p, dropout.NewGenerator(seed))
		}
		return dropout.AlphaDropout(dst, src, shape, p, dropout.NewGenerator(seed))
	}
	op32 := func(dst, src []float32) (*dropout.Mask, error) {
		switch which {
		case 0:
			return dropout.Dropout2d(dst, src, shape, p, dropout.NewGenerator(seed))
		case 1:
			return dropout.Dropout(dst, src, shape, p, dropout.NewGenerator(seed))
		}
		return dropout.AlphaDropout(dst, src, shape, p, dropout.NewGenerator(seed))
	}
	in := make([]T, numel)
	for i, b := range bits {
		in[i] = T(b)
	}
	// The float32 route: widen, the float32 op, round.
	x32 := make([]float32, numel)
	for i, v := range in {
		x32[i] = widen(v)
	}
	y32 := make([]float32, numel)
	m32, err := op32(y32, x32)
	if err != nil {
		t.Fatal(err)
	}
	g32 := make([]float32, numel)
	for i := range g32 {
		g32[i] = widen(in[numel-1-i])
	}
	if err := dropout.Backward(g32, g32, m32); err != nil {
		t.Fatal(err)
	}
	kernels := dropout.Kernels()
	prev := dropout.Kernel()
	defer dropout.UseKernel(prev)
	for _, k := range kernels {
		if err := dropout.UseKernel(k); err != nil {
			t.Fatal(err)
		}
		src := place16(in, offSrc)
		dst := place16(make([]T, numel), offDst)
		if inPlace {
			dst = src
		}
		m, err := op(dst, src)
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		for i := range dst {
			if want := round(y32[i]); dst[i] != want {
				t.Fatalf("%s: dst[%d] = %#04x, want %#04x (float32 route)", k, i, uint16(dst[i]), uint16(want))
			}
		}
		grad := place16(make([]T, numel), offDst)
		for i := range grad {
			grad[i] = in[numel-1-i]
		}
		if err := dropout.Backward(grad, grad, m); err != nil {
			t.Fatalf("%s: Backward: %v", k, err)
		}
		for i := range grad {
			if want := round(g32[i]); grad[i] != want {
				t.Fatalf("%s: dx[%d] = %#04x, want %#04x (float32 route)", k, i, uint16(grad[i]), uint16(want))
			}
		}
	}
}

// place16 is place for the half types.
func place16[T dropout.BFloat16 | dropout.Float16](x []T, off int) []T {
	buf := make([]T, off+len(x)+16)
	copy(buf[off:], x)
	return buf[off : off+len(x) : off+len(x)]
}
