package dropout

import (
	"math"
	"math/bits"
	"testing"
)

// The bit-plane stream's statistics. A mask word per group is drawn for
// many groups, and each property is checked with a 5σ binomial bound.

// within5σ reports whether k successes of n trials are within 5σ of n·q.
func within5σ(k, n int, q float64) bool {
	mean, sd := float64(n)*q, math.Sqrt(float64(n)*q*(1-q))
	return math.Abs(float64(k)-mean) <= 5*sd
}

// TestDropRatePerLane: every lane position of a group is dropped with
// probability t/2³², for thresholds with few and many planes to look at.
func TestDropRatePerLane(t *testing.T) {
	const groups = 1 << 13
	bits := make([]uint64, groups)
	for _, p := range []float64{0.01, 0.1, 0.5, 0.7, 0.93, 0.999} {
		tt := threshold(p)
		fillKeep(bits, uint64(p*1e6), 12345, 64*groups, tt)
		q := float64(tt) / (1 << 32)
		for l := 0; l < 64; l++ {
			dropped := 0
			for _, w := range bits {
				dropped += int(^w >> l & 1)
			}
			if !within5σ(dropped, groups, q) {
				t.Errorf("p=%v lane %d: dropped %d of %d, want %.1f", p, l, dropped, groups, q*groups)
			}
		}
	}
}

// TestPlanesUniform: each of the 32 planes has its bits set with
// probability 1/2 at every lane position (planes are read from words 0|1
// and 2|3 of a group's blocks, so a mix-up of words would show here as
// well as in the golden masks), and the fraction of lanes first decided at
// plane j is 2^-(j+1): the early stop is the comparison u < t read from the
// top bit down.
func TestPlanesUniform(t *testing.T) {
	const groups = 1 << 12
	seed, start := uint64(99), uint64(1<<32-7)
	var set [32][64]int
	for g := uint64(0); g < groups; g++ {
		for j := 0; j < 32; j++ {
			w := philoxBlock(seed, start+groupBlocks*g+uint64(j/2))
			pl := uint64(w[2*(j%2)]) | uint64(w[2*(j%2)+1])<<32
			for l := 0; l < 64; l++ {
				set[j][l] += int(pl >> l & 1)
			}
		}
	}
	for j := range set {
		for l, k := range set[j] {
			if !within5σ(k, groups, 0.5) {
				t.Errorf("plane %d lane %d: set in %d of %d groups", j, l, k, groups)
			}
		}
	}

	// Decision depth, for t = 0x5A5A5A5A: lane decided at plane j iff its
	// planes 0..j-1 equal t's bits and plane j differs.
	const tt = 0x5A5A5A5A
	var first [33]int
	for g := uint64(0); g < groups; g++ {
		open := ^uint64(0)
		for j := 0; j < 32; j++ {
			w := philoxBlock(seed, start+groupBlocks*g+uint64(j/2))
			pl := uint64(w[2*(j%2)]) | uint64(w[2*(j%2)+1])<<32
			tb := -uint64(tt >> (31 - j) & 1)
			d := open & (pl ^ tb)
			first[j] += bits.OnesCount64(d)
			open &^= d
		}
		first[32] += bits.OnesCount64(open)
	}
	lanes := 64 * groups
	for j := 0; j < 12; j++ { // deeper planes see too few lanes to test
		if !within5σ(first[j], lanes, math.Ldexp(1, -(j+1))) {
			t.Errorf("decided at plane %d: %d of %d lanes, want %.1f", j, first[j], lanes, math.Ldexp(float64(lanes), -(j+1)))
		}
	}
}
