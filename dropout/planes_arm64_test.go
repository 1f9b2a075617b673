//go:build gc && !purego

package dropout

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// The NEON bit-plane kernels at the edges the path-independent tests do not
// reach. keepPlanesNEON and dropoutPhiloxNEON decide eight groups (512
// features) in lockstep, so a batch stops only when all eight are decided:
// the cases put stream carries and wraps in every group of a batch, force
// batches through all 16 blocks (a lane with u == t is never decided), and
// end calls at every position of a batch.

// planeThresholds are thresholds with long runs of equal bits, so that lanes
// stay open for many planes whatever their u, the ends of the range, and
// those of p = 1e-9 and 1-1e-9.
var planeThresholds = []uint32{
	0, 1, 1<<32 - 1, 0xFFFF0000, 0x0000FFFF, 0x80000001, 0x7FFFFFFF, 1 << 31,
	uint32(threshold(1e-9)), uint32(threshold(1 - 1e-9)),
}

// planeStarts are stream starts at which the block number carries from
// 2^32-1 to 2^32, or wraps from 2^64-1 to 0, at block k of group q, for q =
// 0..8 (every group of the first batch and the first of the second) and
// k = 0, 1, 15 (the first blocks, and the last one, which only an
// undecided lane reaches).
var planeStarts = func() []uint64 {
	var ss []uint64
	for q := uint64(0); q <= 8; q++ {
		for _, k := range []uint64{0, 1, 15} {
			ss = append(ss, 1<<32-16*q-k, -(16*q + k))
		}
	}
	return ss
}()

// carryGroup returns the first of the first 9 groups of a call from start
// that owns a block whose low word is 0 (the carry into the high word, or
// the wrap to 0, happens there, or the call starts at it), or -1.
func carryGroup(start uint64) int {
	for g := 0; g < 9; g++ {
		for k := uint64(0); k < groupBlocks; k++ {
			if uint32(start+groupBlocks*uint64(g)+k) == 0 {
				return g
			}
		}
	}
	return -1
}

// keepRef sets bits[g] to the keep word of group g, all 64 lanes, from the
// plain oracle drawRef.
func keepRef(bits []uint64, seed, start uint64, t uint32) {
	for g := range bits {
		var w uint64
		for l := 0; l < 64; l++ {
			if drawRef(seed, start, 64*g+l) >= t {
				w |= 1 << l
			}
		}
		bits[g] = w
	}
}

// TestKeepPlanesNEONStream: keepPlanesNEON gives drawRef's keep words with
// carries and wraps at each group of a batch, at thresholds with long runs,
// and with a lane whose u equals t (undecided after 32 planes, kept) in the
// group that carries, which makes its batch run all 16 blocks.
func TestKeepPlanesNEONStream(t *testing.T) {
	r := rand.New(rand.NewPCG(111, 112))
	for i, start := range planeStarts {
		seed := r.Uint64()
		g := carryGroup(start)
		if g < 0 {
			t.Fatalf("start %#x carries in none of the first 9 groups", start)
		}
		lane := 64*g + r.IntN(64)
		undecided := drawRef(seed, start, lane)
		for _, tt := range []uint32{undecided, planeThresholds[i%len(planeThresholds)], r.Uint32()} {
			for _, groups := range []int{9, g + 1} {
				want := make([]uint64, groups)
				keepRef(want, seed, start, tt)
				got := make([]uint64, groups+2)
				for j := range got {
					got[j] = r.Uint64()
				}
				guard0, guard1 := got[0], got[groups+1]
				keepPlanesNEON(got[1:groups+1], seed, start, tt)
				c := fmt.Sprintf("start=%#x (carry in group %d) t=%#x groups=%d", start, g, tt, groups)
				if got[0] != guard0 || got[groups+1] != guard1 {
					t.Fatalf("%s: wrote outside bits", c)
				}
				for j := range want {
					if got[1+j] != want[j] {
						t.Fatalf("%s: word %d = %#x, want %#x", c, j, got[1+j], want[j])
					}
				}
				if tt == undecided && want[lane/64]>>(lane%64)&1 != 1 {
					t.Fatalf("%s: lane %d with u == t is not kept by drawRef: the case is wrong", c, lane)
				}
			}
		}
	}
}

// TestKeepPlanesNEONLengths: keepPlanesNEON at every group count to 40 and
// around multiples of the batch of 8 beyond, against decideGroup word for
// word, every lane of every word written, nothing written outside.
func TestKeepPlanesNEONLengths(t *testing.T) {
	r := rand.New(rand.NewPCG(113, 114))
	var lengths []int
	for n := 1; n <= 40; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 63, 64, 65, 127, 128, 129, 1000, 1003)
	for i, groups := range lengths {
		seed, start := r.Uint64(), r.Uint64()
		tt := planeThresholds[i%len(planeThresholds)]
		if i%3 == 2 {
			tt = r.Uint32()
		}
		want := make([]uint64, groups)
		for g := range want {
			want[g] = decideGroup(uint32(seed), uint32(seed>>32), start+groupBlocks*uint64(g), tt)
		}
		got := make([]uint64, groups+2)
		for j := range got {
			got[j] = r.Uint64()
		}
		guard0, guard1 := got[0], got[groups+1]
		keepPlanesNEON(got[1:groups+1], seed, start, tt)
		c := fmt.Sprintf("groups=%d start=%#x t=%#x", groups, start, tt)
		if got[0] != guard0 || got[groups+1] != guard1 {
			t.Fatalf("%s: wrote outside bits", c)
		}
		for j := range want {
			if got[1+j] != want[j] {
				t.Fatalf("%s: word %d = %#x, want %#x", c, j, got[1+j], want[j])
			}
		}
	}
}
