package dropout

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// keepChunk is a mask length at which the SIMD mask kernels change step:
// 1024 draws are one AVX-512 lockstep batch of 16 groups, two of AVX2's and
// NEON's batches of 8; the tests cover lengths around its multiples.
const keepChunk = 1024

// TestKeepBitsMatchesFillKeep: every path's keepBits writes exactly
// fillKeep's mask, word for word, at any length (across the SIMD paths'
// chunks of keepChunk draws), stream start (including counters that carry
// into the high word and wrap) and threshold (including t = 2³², nothing
// kept), whatever the bits held before, and nothing past ceil(n/64) words.
// It runs twice: with the default keepSIMDMin, and with the SIMD paths'
// kernels used from the first draw.
func TestKeepBitsMatchesFillKeep(t *testing.T) {
	defer func(v int) { keepSIMDMin = v }(keepSIMDMin)
	lengths := []int{}
	for n := 1; n <= 200; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 255, 256, 257, keepChunk-1, keepChunk, keepChunk+1, keepChunk+63, keepChunk+64,
		2*keepChunk, 2*keepChunk+5, 5*keepChunk-7, 70001)
	starts := []uint64{0, 1, 3, 1<<32 - 300, 1<<32 - 1, 1 << 32, 1<<64 - 300, 1<<64 - 1}
	thresholds := []uint64{0, 1, 1 << 31, 1<<32 - 1, 1 << 32}
	for _, simdMin := range []int{keepSIMDMin, 1} {
		keepSIMDMin = simdMin
		forEachKernel(t, func(t *testing.T, k *kernelSet) {
			r := rand.New(rand.NewPCG(61, 62))
			for i, n := range lengths {
				seed := r.Uint64()
				start := starts[i%len(starts)]
				if i%3 == 2 {
					start = r.Uint64()
				}
				tt := thresholds[i%len(thresholds)]
				if i%4 == 3 {
					tt = uint64(r.Uint32())
				}
				words := (n + 63) / 64
				want := make([]uint64, words)
				fillKeep(want, seed, start, n, tt)
				got := make([]uint64, words+1)
				for j := range got {
					got[j] = r.Uint64() // stale bits must be overwritten
				}
				guard := got[words]
				k.keepBits(got[:words], seed, start, n, tt)
				c := fmt.Sprintf("keepSIMDMin=%d n=%d start=%#x t=%#x", simdMin, n, start, tt)
				if got[words] != guard {
					t.Fatalf("%s: wrote past the mask", c)
				}
				for j := range want {
					if got[j] != want[j] {
						t.Fatalf("%s: word %d = %#x, want %#x", c, j, got[j], want[j])
					}
				}
			}
		})
	}
}

// TestKeepBitsDrawsMasks: the channel ops draw their masks with keepBits on
// every path, so a mask of many features (here 64·512, drawn in chunks on
// the SIMD paths) is the same on every path and equal to fillKeep's.
func TestKeepBitsDrawsMasks(t *testing.T) {
	shape := []int{64, 512, 2, 3}
	n := 64 * 512 * 2 * 3
	src, dst := make([]float32, n), make([]float32, n)
	want := make([]uint64, 64*512/64)
	fillKeep(want, 77, 5, 64*512, threshold(0.3))
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		g := NewGenerator(77)
		g.SetState(State{Seed: 77, Offset: 5})
		m, err := Dropout2d(dst, src, shape, 0.3, g)
		if err != nil {
			t.Fatal(err)
		}
		for j := range want {
			if m.bits[j] != want[j] {
				t.Fatalf("mask word %d = %#x, want %#x", j, m.bits[j], want[j])
			}
		}
	})
}
