package dropout

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Random123's published known-answer vectors for philox4x32 with 10 rounds
// (tests/kat_vectors of the Random123 distribution): counter, key, output.
var philoxKAT = []struct {
	ctr  [4]uint32
	key  [2]uint32
	want [4]uint32
}{
	{[4]uint32{0, 0, 0, 0}, [2]uint32{0, 0}, [4]uint32{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
	{[4]uint32{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, [2]uint32{0xffffffff, 0xffffffff}, [4]uint32{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
	{[4]uint32{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, [2]uint32{0xa4093822, 0x299f31d0}, [4]uint32{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
}

func TestPhiloxKnownAnswers(t *testing.T) {
	for _, v := range philoxKAT {
		if got := philox4x32(v.ctr, v.key); got != v.want {
			t.Errorf("philox4x32(%08x, %08x) = %08x, want %08x", v.ctr, v.key, got, v.want)
		}
	}
	// The stream's block 0 of seed 0 is the all-zero vector.
	if got := philoxBlock(0, 0); got != philoxKAT[0].want {
		t.Errorf("philoxBlock(0, 0) = %08x, want %08x", got, philoxKAT[0].want)
	}
}

func TestPhiloxBlockLayout(t *testing.T) {
	// seed lo32 is key word 0, hi32 key word 1; block lo32 is counter word
	// 0, hi32 counter word 1.
	seed, b := uint64(0x299f31d0a4093822), uint64(0x85a308d3243f6a88)
	want := philox4x32([4]uint32{0x243f6a88, 0x85a308d3, 0, 0}, [2]uint32{0xa4093822, 0x299f31d0})
	if got := philoxBlock(seed, b); got != want {
		t.Errorf("philoxBlock = %08x, want %08x", got, want)
	}
}

func TestThreshold(t *testing.T) {
	for _, c := range []struct {
		p    float64
		want uint64
	}{
		{0.5, 1 << 31},
		{0.25, 1 << 30},
		{math.Nextafter(1, 0), 1<<32 - 1}, // rounds to 2^32, clamped
		{1.0 / (1 << 33), 1},              // exactly half: rounds away from zero
		{0.99 / (1 << 33), 0},
		{0.3, 1288490189}, // 0.3·2^32 = 1288490188.8
	} {
		if got := threshold(c.p); got != c.want {
			t.Errorf("threshold(%v) = %d, want %d", c.p, got, c.want)
		}
	}
}

// TestFillKeep checks the word-packed decisions against a per-feature
// reading of the contract: feature i is kept iff its bit-plane number u_i
// (drawRef, assembled from all 32 planes) is >= t.
func TestFillKeep(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, k := range []int{1, 3, 4, 5, 63, 64, 65, 127, 128, 129, 1000} {
		for range 5 {
			seed, start := r.Uint64(), r.Uint64()>>r.IntN(64)
			p := r.Float64()
			tt := threshold(p)
			bits := make([]uint64, (k+63)/64)
			for i := range bits {
				bits[i] = r.Uint64() // stale contents must be overwritten
			}
			fillKeep(bits, seed, start, k, tt)
			for i := 0; i < len(bits)*64; i++ {
				got := bits[i/64]>>(i%64)&1 == 1
				want := false
				if i < k {
					want = uint64(drawRef(seed, start, i)) >= tt
				}
				if got != want {
					t.Fatalf("k=%d seed=%#x start=%#x p=%v: bit %d = %v, want %v", k, seed, start, p, i, got, want)
				}
			}
		}
	}
}

func BenchmarkPhiloxBlock(b *testing.B) {
	var sink [4]uint32
	for i := 0; i < b.N; i++ {
		sink = philoxBlock(42, uint64(i))
	}
	_ = sink
}
