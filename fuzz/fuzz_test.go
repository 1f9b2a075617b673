package fuzz

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/simdrop/simdrop/dropout"
)

// values turns fuzz bytes into n float32s (raw bit patterns, so every NaN
// payload, subnormal and infinity appears), recycling the bytes as needed.
func values32(data []byte, n int) []float32 {
	x := make([]float32, n)
	if len(data) < 4 {
		data = append(data, 1, 2, 3, 4)
	}
	for i := range x {
		j := (i * 4) % (len(data) - 3)
		x[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[j:]) ^ uint32(i)*0x9e3779b9)
	}
	return x
}

func values64(data []byte, n int) []float64 {
	x := make([]float64, n)
	if len(data) < 8 {
		data = append(data, 1, 2, 3, 4, 5, 6, 7, 8)
	}
	for i := range x {
		j := (i * 8) % (len(data) - 7)
		x[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[j:]) ^ uint64(i)*0x9e3779b97f4a7c15)
	}
	return x
}

// place returns a slice of n elements starting off elements into a larger
// buffer, so kernels see every start alignment.
func place[T float32 | float64](x []T, off int) []T {
	buf := make([]T, off+len(x)+16)
	copy(buf[off:], x)
	return buf[off : off+len(x) : off+len(x)]
}

func sameBits32(a, b []float32) int {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

func sameBits64(a, b []float64) int {
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return i
		}
	}
	return -1
}

// FuzzKernelsMatchGeneric runs Dropout2d (channels of any size, the
// scale-planes kernel; up to 316 features, whose mask the SIMD paths draw
// with their bit-plane keepPlanes kernel from 192 on) on every usable path and
// requires each result to equal the generic path's bit for bit, forward and
// backward, in place and out.
func FuzzKernelsMatchGeneric(f *testing.F) {
	f.Add([]byte("seed corpus: small planes"), uint8(2), uint8(3), uint8(7), uint8(7), 0.5, uint64(1), uint8(0), uint8(0), false)
	f.Add([]byte{0x7f, 0xc0, 0, 1, 0xff, 0x80, 0, 0}, uint8(1), uint8(70), uint8(1), uint8(1), 0.3, uint64(9), uint8(3), uint8(5), true)
	f.Add([]byte{0, 0, 0x80, 0x7f}, uint8(3), uint8(2), uint8(33), uint8(31), 0.9, uint64(0), uint8(15), uint8(1), false)
	f.Fuzz(func(t *testing.T, data []byte, n, c, h, w uint8, p float64, seed uint64, offSrc, offDst uint8, inPlace bool) {
		if !(p > 0 && p < 1) {
			p = math.Abs(math.Mod(p, 1))
			if math.IsNaN(p) {
				p = 0.5
			}
		}
		shape := []int{int(n % 5), int(c % 80), int(h % 40), int(w % 40)}
		numel := shape[0] * shape[1] * shape[2] * shape[3]
		kernels := dropout.Kernels()
		prev := dropout.Kernel()
		defer dropout.UseKernel(prev)

		var want32 []float32
		var want64 []float64
		var wantGrad32 []float32
		for i := len(kernels) - 1; i >= 0; i-- { // generic first
			if err := dropout.UseKernel(kernels[i]); err != nil {
				t.Fatal(err)
			}
			src32 := place(values32(data, numel), int(offSrc%16))
			src64 := place(values64(data, numel), int(offSrc%8))
			dst32, dst64 := place(make([]float32, numel), int(offDst%16)), place(make([]float64, numel), int(offDst%8))
			if inPlace {
				dst32, dst64 = src32, src64
			}
			m32, err := dropout.Dropout2d(dst32, src32, shape, p, dropout.NewGenerator(seed))
			if err != nil {
				t.Fatalf("%s: %v", kernels[i], err)
			}
			if _, err := dropout.Dropout2d(dst64, src64, shape, p, dropout.NewGenerator(seed)); err != nil {
				t.Fatalf("%s: %v", kernels[i], err)
			}
			grad := place(values32(append(data, 7), numel), int(offDst%16))
			if err := dropout.Backward(grad, grad, m32); err != nil {
				t.Fatalf("%s: Backward: %v", kernels[i], err)
			}
			if want32 == nil {
				want32, want64, wantGrad32 = dst32, dst64, grad
				continue
			}
			if j := sameBits32(dst32, want32); j >= 0 {
				t.Fatalf("%s: float32 dst[%d] = %#x, generic %#x", kernels[i], j, math.Float32bits(dst32[j]), math.Float32bits(want32[j]))
			}
			if j := sameBits64(dst64, want64); j >= 0 {
				t.Fatalf("%s: float64 dst[%d] = %#x, generic %#x", kernels[i], j, math.Float64bits(dst64[j]), math.Float64bits(want64[j]))
			}
			if j := sameBits32(grad, wantGrad32); j >= 0 {
				t.Fatalf("%s: Backward dx[%d] differs from generic", kernels[i], j)
			}
		}
	})
}

// nonneg returns v mod m in [0, m).
func nonneg(v int64, m int) int { return int((v%int64(m) + int64(m)) % int64(m)) }

// FuzzAPINeverPanics feeds arbitrary shapes, lengths, probabilities and
// overlaps to the public API: it must return a result or an error, never
// panic, and on error leave memory and the generator untouched.
func FuzzAPINeverPanics(f *testing.F) {
	f.Add(int64(2), int64(3), int64(4), int64(4), int64(0), uint8(4), 0.5, uint16(96), uint16(96), int16(0))
	f.Add(int64(-1), int64(3), int64(4), int64(4), int64(0), uint8(4), 0.5, uint16(48), uint16(48), int16(0))
	f.Add(int64(1<<40), int64(1<<40), int64(4), int64(4), int64(0), uint8(4), 0.5, uint16(0), uint16(0), int16(0))
	f.Add(int64(2), int64(3), int64(4), int64(4), int64(0), uint8(3), math.NaN(), uint16(48), uint16(48), int16(5))
	f.Fuzz(func(t *testing.T, d0, d1, d2, d3, d4 int64, rank uint8, p float64, lenDst, lenSrc uint16, shift int16) {
		dims := []int{int(d0), int(d1), int(d2), int(d3), int(d4)}
		shape := dims[:int(rank)%6]
		// A noise shape that fits when d4 is even, and one that does not
		// (a dim neither 1 nor the shape's, or the wrong rank) otherwise.
		noise := make([]int, len(shape))
		for i, d := range shape {
			noise[i] = d
			if (i+int(d4))%2 == 1 {
				noise[i] = 1
			}
		}
		if d4%4 == 1 && len(noise) > 0 {
			noise[0] += 2
		} else if d4%4 == 3 {
			noise = append(noise, 1)
		}
		modes := []string{"row", "batch", "rows", ""}
		// dst and src are windows of one buffer: shift 0 is in place, small
		// shifts overlap, large ones are disjoint.
		const span = 4096
		buf := make([]float32, 3*span)
		for i := range buf {
			buf[i] = float32(i)
		}
		dst := buf[span : span+int(lenDst%span)]
		off := span + int(shift)%span
		src := buf[off : off+int(lenSrc%span)]
		before := append([]float32(nil), buf...)
		// The same windows of a buffer of 16-bit elements, for the half types.
		hbuf := make([]uint16, 3*span)
		for i := range hbuf {
			hbuf[i] = uint16(i * 0x9e37)
		}
		hdst, hsrc := hbuf[span:span+len(dst)], hbuf[off:off+len(src)]
		bd, bs := dropout.BFloat16s(hdst), dropout.BFloat16s(hsrc)
		fd, fs := dropout.Float16s(hdst), dropout.Float16s(hsrc)
		hbefore := append([]uint16(nil), hbuf...)
		g := dropout.NewGenerator(1)
		var reused dropout.Mask
		for _, op := range []func() (*dropout.Mask, error){
			func() (*dropout.Mask, error) { return dropout.Dropout1d(dst, src, shape, p, g) },
			func() (*dropout.Mask, error) { return dropout.Dropout2d(dst, src, shape, p, g) },
			func() (*dropout.Mask, error) { return dropout.Dropout3d(dst, src, shape, p, g) },
			func() (*dropout.Mask, error) { return dropout.Dropout1dNLC(dst, src, shape, p, g) },
			func() (*dropout.Mask, error) { return dropout.Dropout2dNHWC(dst, src, shape, p, g) },
			func() (*dropout.Mask, error) { return dropout.Dropout3dNDHWC(dst, src, shape, p, g) },
			func() (*dropout.Mask, error) { return dropout.PositionDropout2d(dst, src, shape, p, g) },
			func() (*dropout.Mask, error) { return dropout.DropoutBroadcast(dst, src, shape, noise, p, g) },
			func() (*dropout.Mask, error) {
				return dropout.StochasticDepth(dst, src, shape, p, dropout.DepthMode(modes[int(d4&3)%len(modes)]), d3&1 == 0, g)
			},
			func() (*dropout.Mask, error) { return dropout.AlphaDropout(dst, src, shape, p, g) },
			func() (*dropout.Mask, error) { return dropout.FeatureAlphaDropout(dst, src, shape, p, g) },
			func() (*dropout.Mask, error) { return dropout.DropBlock2d(dst, src, shape, p, int(d3%9)-1, g) },
			func() (*dropout.Mask, error) { return dropout.DropBlock3d(dst, src, shape, p, int(d4%9)-1, g) },
			func() (*dropout.Mask, error) { return dropout.Dropout(dst, src, shape, p, g) },
			func() (*dropout.Mask, error) { return dropout.DropoutNoMask(dst, src, shape, p, g) },
			func() (*dropout.Mask, error) { return dropout.DropConnect(dst, src, int(d0), int(d1), p, g) },
			// The fused residual forms: residual and bias windows of the
			// same buffer, fitting or not, overlapping or not.
			func() (*dropout.Mask, error) {
				ro := span + nonneg(d4, span)
				rl := min(len(src), len(buf)-ro)
				bo := nonneg(d3, 3*span)
				return dropout.Dropout(dst, src, shape, p, g, dropout.Residual(buf[ro:ro+rl], buf[bo:bo+min(nonneg(d2, 64), len(buf)-bo)]))
			},
			func() (*dropout.Mask, error) {
				return dropout.Dropout2d(dst, src, shape, p, g, dropout.Residual(dst, nil))
			},
			func() (*dropout.Mask, error) {
				return dropout.StochasticDepth(bd, bs, shape, p, dropout.Row, true, g, dropout.Residual(bd, bs[:min(len(bs), nonneg(d1, 32))]))
			},
			func() (*dropout.Mask, error) {
				return dropout.AlphaDropout(dst, src, shape, p, g, dropout.Residual(dst, nil))
			},
			// The half types.
			func() (*dropout.Mask, error) { return dropout.Dropout2d(bd, bs, shape, p, g) },
			func() (*dropout.Mask, error) { return dropout.Dropout2dNHWC(fd, fs, shape, p, g) },
			func() (*dropout.Mask, error) { return dropout.Dropout(fd, fs, shape, p, g) },
			func() (*dropout.Mask, error) { return dropout.AlphaDropout(bd, bs, shape, p, g) },
			func() (*dropout.Mask, error) { return dropout.DropBlock2d(fd, fs, shape, p, int(d3%9)-1, g) },
			func() (*dropout.Mask, error) {
				return dropout.StochasticDepth(bd, bs, shape, p, dropout.DepthMode(modes[int(d4&3)%len(modes)]), d3&1 == 0, g)
			},
			// Parts of a larger call, with the first sample and the total
			// fuzzed, and a reused mask; masks made from bytes.
			func() (*dropout.Mask, error) {
				return dropout.Dropout2d(dst, src, shape, p, g, dropout.Part(dropout.State{Seed: 3, Offset: uint64(d4)}, int(d2), int(d3)))
			},
			func() (*dropout.Mask, error) {
				return dropout.Dropout(dst, src, shape, p, g, dropout.Into(&reused), dropout.Part(dropout.State{Seed: 3}, int(d3), int(d2)))
			},
			func() (*dropout.Mask, error) {
				return dropout.DropBlock2d(dst, src, shape, p, int(d3%9)-1, g, dropout.Part(dropout.State{Seed: 3}, int(d2%5), int(d1)))
			},
			func() (*dropout.Mask, error) {
				return dropout.DropoutBroadcast(dst, src, shape, noise, p, g, dropout.Into(&reused), dropout.Part(dropout.State{}, 0, int(d0)))
			},
			func() (*dropout.Mask, error) {
				keep := make([]byte, int(lenSrc%97))
				for i := range keep {
					keep[i] = byte(i * int(d1))
				}
				m, err := dropout.MaskFromBytes(shape, noise, p, keep)
				if err != nil {
					return nil, err
				}
				// The mask applied to the buffers, which need not fit it:
				// Backward refuses a wrong length or an overlap, writing
				// nothing (checked as for any error).
				if err := dropout.Backward(dst, src, m); err != nil {
					if !errors.Is(err, dropout.ErrMask) && !errors.Is(err, dropout.ErrOverlap) {
						t.Fatalf("Backward with an imported mask: unclassified error %v", err)
					}
					return nil, err
				}
				return m, nil
			},
		} {
			m, err := op()
			if err != nil {
				if m != nil {
					t.Fatal("mask returned with an error")
				}
				if !errors.Is(err, dropout.ErrProbability) && !errors.Is(err, dropout.ErrShape) &&
					!errors.Is(err, dropout.ErrLength) && !errors.Is(err, dropout.ErrOverlap) &&
					!errors.Is(err, dropout.ErrMode) && !errors.Is(err, dropout.ErrMask) && !errors.Is(err, dropout.ErrOption) {
					t.Fatalf("unclassified error %v", err)
				}
				if g.Offset() != 0 {
					t.Fatal("randomness drawn on error")
				}
				for i := range buf {
					if math.Float32bits(buf[i]) != math.Float32bits(before[i]) {
						t.Fatalf("buf[%d] written on error %v", i, err)
					}
				}
				for i := range hbuf {
					if hbuf[i] != hbefore[i] {
						t.Fatalf("hbuf[%d] written on error %v", i, err)
					}
				}
				continue
			}
			// A mask that worked also runs backward on the same buffers,
			// in every element type.
			if err := dropout.Backward(dst, src, m); err != nil {
				t.Fatalf("Backward after a successful forward: %v", err)
			}
			if err := dropout.Backward(dst[:len(dst)/2], src, m); err == nil && len(dst) > 0 {
				t.Fatal("Backward accepted a short dx")
			}
			if err := dropout.Backward(bd, bs, m); err != nil {
				t.Fatalf("Backward (bf16) after a successful forward: %v", err)
			}
			if err := dropout.Backward(fd[:len(fd)/2], fs, m); err == nil && len(fd) > 0 {
				t.Fatal("Backward (f16) accepted a short dx")
			}
			// A bias gradient of a fuzzed window: an error must be
			// classified and write nothing.
			bo := nonneg(d2, 3*span)
			db := buf[bo : bo+min(nonneg(d3, 70), len(buf)-bo)]
			saved := append([]float32(nil), buf...)
			if err := dropout.Backward(dst, src, m, dropout.BiasGrad(db)); err != nil {
				if !errors.Is(err, dropout.ErrLength) && !errors.Is(err, dropout.ErrOverlap) && !errors.Is(err, dropout.ErrOption) {
					t.Fatalf("Backward with BiasGrad: unclassified error %v", err)
				}
				for i := range buf {
					if math.Float32bits(buf[i]) != math.Float32bits(saved[i]) {
						t.Fatalf("buf[%d] written by a failed Backward: %v", i, err)
					}
				}
			}
			g = dropout.NewGenerator(1)
			before = append(before[:0], buf...)
			hbefore = append(hbefore[:0], hbuf...)
		}
	})
}

// FuzzBroadcastMatchesGeneric runs DropoutBroadcast, AlphaDropout,
// FeatureAlphaDropout, DropBlock and elementwise Dropout (every primitive:
// scale-planes, scale-rows, affine-planes, scale-bits, affine-bits, the
// fused bit-plane dropout kernel and keepPlanes) on every usable path with arbitrary shapes, noise
// shapes and data, and requires each result to equal the generic path's bit
// for bit, forward and backward.
func FuzzBroadcastMatchesGeneric(f *testing.F) {
	f.Add([]byte("nhwc"), uint64(0x0203040506), uint8(0b1001), uint8(4), 0.5, uint64(1), uint8(0), uint8(3))
	f.Add([]byte{0xff, 0xc0, 0, 0}, uint64(0x1103081107), uint8(0b0110), uint8(4), 0.25, uint64(2), uint8(1), uint8(0))
	f.Add([]byte{1, 2, 3}, uint64(0x2103), uint8(0b11), uint8(2), 0.7, uint64(3), uint8(2), uint8(9))
	f.Fuzz(func(t *testing.T, data []byte, dims uint64, noiseBits, rank uint8, p float64, seed uint64, opSel, off uint8) {
		if !(p > 0 && p < 1) {
			p = math.Abs(math.Mod(p, 1))
			if math.IsNaN(p) || p == 0 {
				p = 0.5
			}
		}
		r := 1 + int(rank)%6
		shape := make([]int, r)
		noise := make([]int, r)
		numel := 1
		for i := range shape {
			shape[i] = 1 + int(dims>>(8*i)&0xff)%20
			if numel*shape[i] > 1<<15 {
				shape[i] = 1
			}
			numel *= shape[i]
			noise[i] = 1
			if noiseBits>>i&1 == 1 {
				noise[i] = shape[i]
			}
		}
		run := func(dst, src []float32, g *dropout.Generator) (*dropout.Mask, error) {
			switch opSel % 5 {
			case 3:
				if r == 4 {
					return dropout.DropBlock2d(dst, src, shape, p, 1+int(off%5), g)
				}
				if r == 5 {
					return dropout.DropBlock3d(dst, src, shape, p, 1+int(off%5), g)
				}
				return dropout.Dropout(dst, src, shape, p, g)
			case 4:
				return dropout.DropoutNoMask(dst, src, shape, p, g)
			case 1:
				return dropout.AlphaDropout(dst, src, shape, p, g)
			case 2:
				if r < 2 {
					return dropout.AlphaDropout(dst, src, shape, p, g)
				}
				return dropout.FeatureAlphaDropout(dst, src, shape, p, g)
			}
			return dropout.DropoutBroadcast(dst, src, shape, noise, p, g)
		}
		kernels := dropout.Kernels()
		prev := dropout.Kernel()
		defer dropout.UseKernel(prev)
		var want, wantGrad []float32
		for i := len(kernels) - 1; i >= 0; i-- { // generic first
			if err := dropout.UseKernel(kernels[i]); err != nil {
				t.Fatal(err)
			}
			src := place(values32(data, numel), int(off%16))
			dst := place(make([]float32, numel), int(off/16%16))
			m, err := run(dst, src, dropout.NewGenerator(seed))
			if err != nil {
				t.Fatalf("%s: shape %v noise %v: %v", kernels[i], shape, noise, err)
			}
			grad := place(values32(append(data, 9), numel), int(off%7))
			if err := dropout.Backward(grad, grad, m); err != nil {
				t.Fatal(err)
			}
			if want == nil {
				want, wantGrad = dst, grad
				continue
			}
			if j := sameBits32(dst, want); j >= 0 {
				t.Fatalf("%s: shape %v noise %v op %d: dst[%d] = %#x, generic %#x", kernels[i], shape, noise, opSel%5, j, math.Float32bits(dst[j]), math.Float32bits(want[j]))
			}
			if j := sameBits32(grad, wantGrad); j >= 0 {
				t.Fatalf("%s: shape %v noise %v: Backward dx[%d] differs from generic", kernels[i], shape, noise, j)
			}
		}
	})
}
