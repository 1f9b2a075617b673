package dropout

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"
)

// rawRef is block i of the raw stream from counter c, computed with a
// 128-bit counter held in a big.Int (c + i mod 2¹²⁸) and the scalar Philox,
// independently of Counter.Add and of every kernel.
func rawRef(key uint64, c Counter, i uint64) [4]uint32 {
	n := new(big.Int).SetUint64(c.Hi)
	n.Lsh(n, 64).Or(n, new(big.Int).SetUint64(c.Lo))
	n.Add(n, new(big.Int).SetUint64(i))
	n.And(n, new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1)))
	var w [4]uint32
	for j := range w {
		w[j] = uint32(new(big.Int).Rsh(n, uint(32*j)).Uint64())
	}
	return philox4x32(w, [2]uint32{uint32(key), uint32(key >> 32)})
}

// TestPhiloxBitsKnownAnswers: Random123's philox4x32-10 vectors through
// PhiloxBits32 and PhiloxBits64 on every path, counter words 2 and 3 set.
func TestPhiloxBitsKnownAnswers(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		for _, v := range philoxKAT {
			c := Counter{uint64(v.ctr[0]) | uint64(v.ctr[1])<<32, uint64(v.ctr[2]) | uint64(v.ctr[3])<<32}
			key := uint64(v.key[0]) | uint64(v.key[1])<<32
			got := make([]uint32, 4)
			if next := PhiloxBits32(got, key, c); next != c.Add(1) || [4]uint32(got) != v.want {
				t.Errorf("PhiloxBits32 ctr %#x key %#x: %#x (next %+v), want %#x", v.ctr, v.key, got, next, v.want)
			}
			got64 := make([]uint64, 2)
			PhiloxBits64(got64, key, c)
			if want := [2]uint64{uint64(v.want[0]) | uint64(v.want[1])<<32, uint64(v.want[2]) | uint64(v.want[3])<<32}; [2]uint64(got64) != want {
				t.Errorf("PhiloxBits64 ctr %#x key %#x: %#x, want %#x", v.ctr, v.key, got64, want)
			}
		}
	})
}

// TestPhiloxBitsMatchReference: every path, every length to 200 and some
// large ones (split across goroutines), counters whose low half carries into
// the high half inside the call, and the wrap at 2¹²⁸.
func TestPhiloxBitsMatchReference(t *testing.T) {
	defer func(old float64) { minChunkNs = old }(minChunkNs)
	r := rand.New(rand.NewPCG(131, 132))
	counters := []Counter{{0, 0}, {1<<64 - 3, 0}, {1<<64 - 1, 7}, {1<<64 - 2, 1<<64 - 1}, {5, 1<<64 - 1}, {r.Uint64(), r.Uint64()}}
	var lengths []int
	for n := 0; n <= 200; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 1023, 4096, 4099, 70001)
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		for _, split := range []bool{false, true} {
			minChunkNs = 1e18
			if split {
				minChunkNs = 1e-9
			}
			for i, n := range lengths {
				if split && n < 1000 && n%7 != 0 {
					continue
				}
				c := counters[i%len(counters)]
				key := r.Uint64()
				name := fmt.Sprintf("n=%d ctr %+v split %v", n, c, split)
				got := make([]uint32, n+1)
				got[n] = 0xdeadbeef
				if next := PhiloxBits32(got[:n], key, c); next != c.Add(uint64(n+3)/4) {
					t.Fatalf("%s: next counter %+v, want %+v", name, next, c.Add(uint64(n+3)/4))
				}
				for j := 0; j < n; j++ {
					if want := rawRef(key, c, uint64(j/4))[j%4]; got[j] != want {
						t.Fatalf("%s: word %d = %#x, want %#x", name, j, got[j], want)
					}
				}
				got64 := make([]uint64, n+1)
				got64[n] = 0xdeadbeef
				if next := PhiloxBits64(got64[:n], key, c); next != c.Add(uint64(n+1)/2) {
					t.Fatalf("%s: 64-bit next counter %+v", name, next)
				}
				for j := 0; j < n; j++ {
					w := rawRef(key, c, uint64(j/2))
					want := uint64(w[2*(j%2)]) | uint64(w[2*(j%2)+1])<<32
					if got64[j] != want {
						t.Fatalf("%s: value %d = %#x, want %#x", name, j, got64[j], want)
					}
				}
				if got[n] != 0xdeadbeef || got64[n] != 0xdeadbeef {
					t.Fatalf("%s: wrote past the end", name)
				}
			}
		}
	})
}

// TestCounterAdd: the 128-bit add carries and wraps.
func TestCounterAdd(t *testing.T) {
	for _, c := range []struct {
		in, want Counter
		n        uint64
	}{
		{Counter{1, 2}, Counter{4, 2}, 3},
		{Counter{1<<64 - 1, 2}, Counter{0, 3}, 1},
		{Counter{1<<64 - 1, 1<<64 - 1}, Counter{1, 0}, 2},
	} {
		if got := c.in.Add(c.n); got != c.want {
			t.Errorf("%+v.Add(%d) = %+v, want %+v", c.in, c.n, got, c.want)
		}
	}
}
