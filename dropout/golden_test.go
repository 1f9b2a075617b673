package dropout_test

import (
	"testing"

	"github.com/simdrop/simdrop/dropout"
)

// The golden masks pin the random stream, so that no change can silently
// alter which features a seed drops.
//
// The first cases are derived by hand from Random123's known-answer vector for
// counter 0, key 0: draws 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8 are
// features 0..3 of seed 0 at offset 0. Feature i is kept iff draw i >=
// round(p·2³²): for p = 0.5 the threshold is 0x80000000, for p = 0.7 it is
// 0xb3333333, for p = 0.75 it is 0xc0000000.
//
// The others were computed by testdata/golden.py, an independent Philox in
// Python that shares no code with the package; run it to re-derive them.
var goldenMasks = []struct {
	seed, offset uint64
	shape        []int
	p            float64
	keep         string // "1" = kept, feature by feature
	next         uint64 // offset afterwards
}{
	{0, 0, []int{1, 4, 2, 2}, 0.5, "0111", 1},
	{0, 0, []int{2, 2, 3, 1}, 0.7, "0110", 1},
	{0, 0, []int{4, 5, 5}, 0.75, "0100", 1},
	{0x0123456789abcdef, 0xfffffffe, []int{2, 5, 3, 3}, 0.3, "1111011011", 0x100000001},
	{0xfedcba9876543210, 7, []int{3, 23, 2, 1}, 0.5, "100000011011010100000101010110111100001100001011010111001110101100000", 0x19},
	{42, 0, []int{1, 33, 1, 1}, 0.9, "000010000000000000000000000000000", 9},
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
