package dropout

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// drawRef is feature i's 32-bit number u_i in the bit-plane stream of seed
// from block start, assembled from all 32 planes of its group with the
// scalar Philox (itself checked against Random123's vectors): the plain
// oracle of the stream, with no early stop.
func drawRef(seed, start uint64, i int) uint32 {
	g, l := uint64(i/64), uint(i%64)
	var u uint32
	for j := 0; j < 32; j++ {
		w := philoxBlock(seed, start+groupBlocks*g+uint64(j/2))
		h := j % 2
		pl := uint64(w[2*h]) | uint64(w[2*h+1])<<32
		u |= uint32(pl>>l&1) << (31 - j)
	}
	return u
}

// TestDropoutPhiloxMatchesStream: every path's fused kernel keeps element i
// iff draw i >= t, scales it exactly, writes the same mask bits, at any
// stream start (including counters that carry into the high word and wrap),
// any length, any alignment, in place or not.
func TestDropoutPhiloxMatchesStream(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		testDropoutPhilox[float32](t, k)
		testDropoutPhilox[float64](t, k)
	})
}

func testDropoutPhilox[T float32 | float64](t *testing.T, k *kernelSet) {
	r := rand.New(rand.NewPCG(51, 52))
	starts := []uint64{0, 1, 3, 1<<32 - 3, 1<<32 - 1, 1 << 32, 1<<64 - 2, 1<<64 - 1}
	lengths := []int{1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 255, 256, 257, 1000, 4099}
	for iter := 0; iter < 3*len(lengths); iter++ {
		n := lengths[iter%len(lengths)]
		seed := r.Uint64()
		start := starts[iter%len(starts)]
		if iter%3 == 2 {
			start = r.Uint64()
		}
		tt := uint32(r.Uint64())
		if iter%5 == 0 {
			tt = 0
		} else if iter%5 == 1 {
			tt = 1<<32 - 1
		}
		s := T(1.25)
		off := iter % 16
		inPlace := iter%2 == 1
		src := fill[T](r, n+off)[off:]
		orig := append([]T(nil), src...)
		dst := make([]T, n+off)[off:]
		if inPlace {
			dst = src
		}
		bits := make([]uint64, (n+63)/64+1)
		for i := range bits {
			bits[i] = ^uint64(0) // must be overwritten
		}
		guard := bits[len(bits)-1]
		name := fmt.Sprintf("%T n=%d start=%#x t=%#x off=%d inplace=%v", T(0), n, start, tt, off, inPlace)
		typed[T](k).dropoutPhilox(dst, src, bits[:len(bits)-1], seed, start, tt, s)
		if bits[len(bits)-1] != guard {
			t.Fatalf("%s: wrote past the mask", name)
		}
		for i := 0; i < len(bits)-1; i++ {
			for b := 0; b < 64; b++ {
				e := i*64 + b
				want := e < n && drawRef(seed, start, e) >= tt
				if got := bits[i]>>b&1 == 1; got != want {
					t.Fatalf("%s: mask bit %d = %v, want %v", name, e, got, want)
				}
			}
		}
		for i := 0; i < n; i++ {
			want := T(0)
			if drawRef(seed, start, i) >= tt {
				want = orig[i] * s
			}
			if bitsOf(dst[i]) != bitsOf(want) {
				t.Fatalf("%s: dst[%d] = %v (%#x), want %v (%#x)", name, i, dst[i], bitsOf(dst[i]), want, bitsOf(want))
			}
		}
		// Without a mask: the same values.
		dst2 := make([]T, n)
		typed[T](k).dropoutPhilox(dst2, orig, nil, seed, start, tt, s)
		if i := firstDiff(dst2, dst); i >= 0 {
			t.Fatalf("%s: without a mask, dst[%d] differs", name, i)
		}
	}
}

// TestScaleBitsMatchesReference: every path's elementwise bitmask kernel, at
// every bit offset and alignment.
func TestScaleBitsMatchesReference(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		testScaleBits[float32](t, k)
		testScaleBits[float64](t, k)
	})
}

func testScaleBits[T float32 | float64](t *testing.T, k *kernelSet) {
	r := rand.New(rand.NewPCG(61, 62))
	for n := 1; n <= 300; n += 1 + n/16 {
		for _, first := range []int{0, 1, 5, 63, 64, 70, 127} {
			off := (n + first) % 16
			inPlace := (n+first)%2 == 0
			bits := make([]uint64, (first+n+63)/64+1)
			for i := range bits {
				bits[i] = r.Uint64()
			}
			src := fill[T](r, n+off)[off:]
			orig := append([]T(nil), src...)
			dst := make([]T, n+off+1)[off : off+n]
			if inPlace {
				dst = src
			}
			s := T(3.5)
			scaleBitsT(k, dst, src, &Mask{bits: bits, s32: 3.5, s64: 3.5}, first)
			for i := 0; i < n; i++ {
				want := T(0)
				if b := first + i; bits[b/64]>>(b%64)&1 == 1 {
					want = orig[i] * s
				}
				if bitsOf(dst[i]) != bitsOf(want) {
					t.Fatalf("%T n=%d first=%d: dst[%d] = %#x, want %#x", T(0), n, first, i, bitsOf(dst[i]), bitsOf(want))
				}
			}
		}
	}
}

// TestDropoutElementwise: the public op against the stream, both mask modes,
// Backward, and splits across goroutines.
func TestDropoutElementwise(t *testing.T) {
	defer func(old float64) { minChunkNs = old }(minChunkNs)
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		r := rand.New(rand.NewPCG(71, 72))
		for _, shape := range [][]int{{1}, {63}, {65}, {3, 5, 7}, {2, 3, 64, 65}, {1000, 3}} {
			for _, split := range []bool{false, true} {
				minChunkNs = 1e18 // never split
				if split {
					minChunkNs = 1e-9
				}
				n := numel(shape)
				x := fill[float32](r, n)
				y1, y2 := make([]float32, n), make([]float32, n)
				seed := r.Uint64()
				m1, err := Dropout(y1, x, shape, 0.3, NewGenerator(seed))
				if err != nil {
					t.Fatal(err)
				}
				m2, err := DropoutNoMask(y2, x, shape, 0.3, NewGenerator(seed))
				if err != nil {
					t.Fatal(err)
				}
				if m1.Features() != n || len(m2.bits) != 0 {
					t.Fatalf("features %d, no-mask bits %d", m1.Features(), len(m2.bits))
				}
				if i := firstDiff(y1, y2); i >= 0 {
					t.Fatalf("%v: mask and no-mask forwards differ at %d", shape, i)
				}
				_, start, _ := m1.Blocks()
				th := uint32(threshold(0.3))
				for i := 0; i < n; i++ {
					want := drawRef(seed, start, i) >= th
					if m1.Kept(i) != want || m2.Kept(i) != want {
						t.Fatalf("%v split=%v: element %d kept %v/%v, want %v", shape, split, i, m1.Kept(i), m2.Kept(i), want)
					}
					w := float32(0)
					if want {
						w = x[i] * scale32(0.3)
					}
					if bitsOf(y1[i]) != bitsOf(w) {
						t.Fatalf("%v: y[%d] = %v, want %v", shape, i, y1[i], w)
					}
				}
				dy := fill[float32](r, n)
				dx1, dx2 := make([]float32, n), make([]float32, n)
				if err := Backward(dx1, dy, m1); err != nil {
					t.Fatal(err)
				}
				if err := Backward(dx2, dy, m2); err != nil {
					t.Fatal(err)
				}
				for i := 0; i < n; i++ {
					w := float32(0)
					if m1.Kept(i) {
						w = dy[i] * scale32(0.3)
					}
					if bitsOf(dx1[i]) != bitsOf(w) || bitsOf(dx2[i]) != bitsOf(w) {
						t.Fatalf("%v: dx[%d] = %v / %v, want %v", shape, i, dx1[i], dx2[i], w)
					}
				}
				if m1.KeptCount() != m2.KeptCount() {
					t.Fatal("KeptCount differs between mask modes")
				}
			}
		}
	})
}

// TestElementwiseDroppedIgnoreSrc: a dropped element is +0 whatever its
// source holds (NaN with any payload, ±Inf, huge values), on every path, for
// the elementwise primitives (affineBits: c); kept NaNs and Infs are
// multiplied as Go does.
func TestElementwiseDroppedIgnoreSrc(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		testDroppedIgnoreSrc[float32](t, k)
		testDroppedIgnoreSrc[float64](t, k)
	})
}

func testDroppedIgnoreSrc[T float32 | float64](t *testing.T, k *kernelSet) {
	fk := kind[T]()
	var nasty []T
	for _, v := range fk.specials {
		if v != v || v > 1e30 || v < -1e30 {
			nasty = append(nasty, v) // NaNs, ±Inf, ±max
		}
	}
	const n = 300
	src := make([]T, n)
	for i := range src {
		src[i] = nasty[i%len(nasty)]
	}
	seed, start := uint64(0x5eed), uint64(1<<32-20)
	tt := uint32(1 << 31)
	dst := make([]T, n)
	bits := make([]uint64, (n+63)/64)
	typed[T](k).dropoutPhilox(dst, src, bits, seed, start, tt, T(2))
	dropped := 0
	for i := range dst {
		keep := drawRef(seed, start, i) >= tt
		want := src[i] * 2
		if !keep {
			want, dropped = 0, dropped+1
		}
		if bitsOf(dst[i]) != bitsOf(want) {
			t.Fatalf("%T dropoutPhilox: element %d (kept %v) of src %#x = %#x, want %#x", T(0), i, keep, bitsOf(src[i]), bitsOf(dst[i]), bitsOf(want))
		}
	}
	if dropped == 0 || dropped == n {
		t.Fatalf("%d of %d dropped: the test proves nothing", dropped, n)
	}
	for first := 0; first < 70; first += 23 {
		b := make([]uint64, (first+n+63)/64)
		for i := range b {
			b[i] = 0x9a5c3e17f0b2d468 * uint64(i+first+1)
		}
		typed[T](k).scaleBits(dst, src, b, first, T(2))
		for i := range dst {
			want := src[i] * 2
			if bb := first + i; b[bb/64]>>(bb%64)&1 == 0 {
				want = 0
			}
			if bitsOf(dst[i]) != bitsOf(want) {
				t.Fatalf("%T scaleBits first=%d: element %d of src %#x = %#x, want %#x", T(0), first, i, bitsOf(src[i]), bitsOf(dst[i]), bitsOf(want))
			}
		}
		typed[T](k).affineBits(dst, src, b, first, T(2), T(0.5), T(-1.25))
		for i := range dst {
			want := T(src[i]*2) + 0.5
			if bb := first + i; b[bb/64]>>(bb%64)&1 == 0 {
				want = -1.25
			}
			if bitsOf(dst[i]) != bitsOf(want) {
				t.Fatalf("%T affineBits first=%d: element %d of src %#x = %#x, want %#x", T(0), first, i, bitsOf(src[i]), bitsOf(dst[i]), bitsOf(want))
			}
		}
	}
}
