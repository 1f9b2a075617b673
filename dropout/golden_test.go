package dropout_test

import (
	"testing"

	"github.com/simdrop/simdrop/dropout"
)

// The golden masks pin the random stream, so that no change can silently
// alter which features a seed drops.
//
// The first cases are derived by hand from Random123's known-answer vector for
// counter 0, key 0: w = 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8 is block
// 0 of seed 0, so features 0..3 at offset 0 are lanes 0..3 of plane 0 =
// w0|w1<<32 (low bits 0101: lanes 0 and 2 set) and of plane 1 = w2|w3<<32
// (low bits 1100: lanes 2 and 3 set). For p = 0.5, t = 0x80000000: plane 0
// drops lanes 1 and 3 (bit 0 where t has 1); lanes 0 and 2 are ≥ t whatever
// follows, so kept: 1010. For p = 0.75, t = 0xc0000000: plane 0 drops lanes 1
// and 3, plane 1 drops lane 0 (bit 0 where t has 1), lane 2 is kept: 0010.
// Either call reserves one group, 16 blocks.
//
// All of them were computed by testdata/golden.py, an independent Philox
// and bit-plane reading in Python that shares no code with the package and
// assembles every u from all 32 planes: run it to re-derive them.
var goldenMasks = []struct {
	seed, offset uint64
	shape        []int
	p            float64
	keep         string // "1" = kept, feature by feature
	next         uint64 // offset afterwards
}{
	{0, 0, []int{1, 4, 2, 2}, 0.5, "1010", 16},
	{0, 0, []int{2, 2, 3, 1}, 0.7, "0010", 16},
	{0, 0, []int{4, 5, 5}, 0.75, "0010", 16},
	{0x0123456789abcdef, 0xfffffffe, []int{2, 5, 3, 3}, 0.3, "1111110111", 0x10000000e},
	{0xfedcba9876543210, 7, []int{3, 23, 2, 1}, 0.5, "101101111110011001000101011010010101101100100010111010100101111011011", 0x27},
	{42, 0, []int{1, 33, 1, 1}, 0.9, "100000000000000001010001000010001", 16},
	{0x9e3779b97f4a7c15, 1<<64 - 20, []int{2, 65, 1, 1}, 0.4, "0111101001010011101001111000101111111001011101000011101111011111001111001101010100111100000111100100111001110010101010011010011111", 0x1c},
}

func TestGoldenMasks(t *testing.T) {
	for _, c := range goldenMasks {
		g := dropout.NewGenerator(c.seed)
		g.SetState(dropout.State{Seed: c.seed, Offset: c.offset})
		n := 1
		for _, d := range c.shape {
			n *= d
		}
		x := make([]float32, n)
		m, err := dropout.Dropout2d(x, x, c.shape, c.p, g)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]byte, m.Features())
		for i := range got {
			got[i] = '0'
			if m.Kept(i) {
				got[i] = '1'
			}
		}
		if string(got) != c.keep || g.Offset() != c.next {
			t.Errorf("seed %#x offset %#x p=%v: keep %s, offset %#x; want %s, %#x", c.seed, c.offset, c.p, got, g.Offset(), c.keep, c.next)
		}
	}
}
