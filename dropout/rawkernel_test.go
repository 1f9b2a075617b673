package dropout

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// rawRefBlocks is blocks 0..n-1 of the raw stream from counter c, in dst's
// word order, from rawRef (a big.Int counter, the scalar Philox).
func rawRefBlocks(key uint64, c Counter, n int) []uint32 {
	w := make([]uint32, 4*n)
	for i := range n {
		b := rawRef(key, c, uint64(i))
		copy(w[4*i:], b[:])
	}
	return w
}

// rawCarryCounters are counters whose low half carries into the high half
// at every block of a call's first 64 (every lane of two batches of the
// widest kernel, 16 blocks, and of a 32-block batch), each with a high half
// that does not wrap and with the all-ones one that wraps at 2¹²⁸; then
// counters that carry nowhere.
func rawCarryCounters(r *rand.Rand) []Counter {
	var cs []Counter
	for q := uint64(1); q <= 64; q++ {
		cs = append(cs, Counter{-q, r.Uint64() >> 1}, Counter{-q, 1<<64 - 1})
	}
	return append(cs, Counter{0, 0}, Counter{r.Uint64() >> 1, r.Uint64()}, Counter{1 << 63, 1<<64 - 1})
}

// TestPhiloxRawKernel calls every path's philoxRaw directly at every block
// count 1..300 and a few large ones, from counters that carry into the high
// half at every block position of a batch and wrap at 2¹²⁸, at word
// offsets 0..15 of its buffer, with guard words before and after dst that
// must stay untouched.
func TestPhiloxRawKernel(t *testing.T) {
	const guard = 0x5a5aa5a5
	r := rand.New(rand.NewPCG(141, 142))
	counters := rawCarryCounters(r)
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		buf := make([]uint32, 4*300+32)
		for ci, c := range counters {
			key := r.Uint64()
			want := rawRefBlocks(key, c, 300)
			for n := 1; n <= 300; n++ {
				off := 1 + (n+ci)%16
				for i := range buf {
					buf[i] = guard
				}
				dst := buf[off : off+4*n]
				k.philoxRaw(dst, key, c.Lo, c.Hi)
				for j := range dst {
					if dst[j] != want[j] {
						t.Fatalf("ctr %#x n=%d: word %d (block %d) = %#x, want %#x", c, n, j, j/4, dst[j], want[j])
					}
				}
				for j, v := range buf {
					if (j < off || j >= off+4*n) && v != guard {
						t.Fatalf("ctr %#x n=%d: word %d outside dst (at %d..%d) written: %#x", c, n, j, off, off+4*n, v)
					}
				}
			}
		}
	})
}

// TestPhiloxRawKernelLarge: block counts of a few batches' worth and of a
// large call, each from a counter that carries into the high half in the
// middle of the call and wraps at 2¹²⁸, with a guard word after dst.
func TestPhiloxRawKernelLarge(t *testing.T) {
	r := rand.New(rand.NewPCG(143, 144))
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		for _, n := range []int{511, 512, 513, 1000, 4099, 65537} {
			for _, c := range []Counter{{-uint64(n / 2), 1<<64 - 1}, {-uint64(n/3 + 5), r.Uint64()}, {r.Uint64(), r.Uint64()}} {
				key := r.Uint64()
				name := fmt.Sprintf("n=%d ctr %#x", n, c)
				buf := make([]uint32, 4*n+1)
				buf[4*n] = 0xdeadbeef
				k.philoxRaw(buf[:4*n], key, c.Lo, c.Hi)
				want := rawRefBlocks(key, c, n)
				for j := range want {
					if buf[j] != want[j] {
						t.Fatalf("%s: word %d (block %d) = %#x, want %#x", name, j, j/4, buf[j], want[j])
					}
				}
				if buf[4*n] != 0xdeadbeef {
					t.Fatalf("%s: wrote past the end", name)
				}
			}
		}
	})
}
