package dropout

import (
	"math"
	"math/bits"
)

// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2,
// 3", SC'11): a counter-based generator, so any block of the stream can be
// computed directly from (key, counter) with no sequential state.
const (
	philoxM0 = 0xD2511F53
	philoxM1 = 0xCD9E8D57
	philoxW0 = 0x9E3779B9 // golden ratio
	philoxW1 = 0xBB67AE85 // sqrt(3) - 1
)

// philox4x32 returns the four 32-bit outputs of Philox4x32 with ten rounds
// for one counter and key.
func philox4x32(ctr [4]uint32, key [2]uint32) [4]uint32 {
	c0, c1, c2, c3 := ctr[0], ctr[1], ctr[2], ctr[3]
	k0, k1 := key[0], key[1]
	for r := 0; r < 10; r++ {
		if r > 0 {
			k0 += philoxW0
			k1 += philoxW1
		}
		hi0, lo0 := bits.Mul32(philoxM0, c0)
		hi1, lo1 := bits.Mul32(philoxM1, c2)
		c0, c1, c2, c3 = hi1^c1^k0, lo1, hi0^c3^k1, lo0
	}
	return [4]uint32{c0, c1, c2, c3}
}

// philoxBlock returns block b of the stream of seed: draws 4b..4b+3.
func philoxBlock(seed, b uint64) [4]uint32 {
	return philox4x32([4]uint32{uint32(b), uint32(b >> 32), 0, 0}, [2]uint32{uint32(seed), uint32(seed >> 32)})
}

// threshold returns t such that a draw d drops its feature iff d < t, for
// 0 < p < 1: t = min(round(p·2³²), 2³²−1). p·2³² is exact in float64.
func threshold(p float64) uint64 {
	return min(uint64(math.Round(p*(1<<32))), 1<<32-1)
}

// fillKeep sets bits[i] for i in [0, k) to the keep decision of feature i,
// drawing from the blocks of seed starting at block start: feature i uses
// draw i of that stream and is kept iff the draw is >= t. Bits at k and
// above in the last word are cleared. len(bits) must be (k+63)/64.
func fillKeep(bits []uint64, seed, start uint64, k int, t uint64) {
	clear(bits)
	key := [2]uint32{uint32(seed), uint32(seed >> 32)}
	for i := 0; i < k; i += 4 {
		b := start + uint64(i/4)
		d := philox4x32([4]uint32{uint32(b), uint32(b >> 32), 0, 0}, key)
		// keep = 1 when draw >= t: the sign bit of draw - t is then clear.
		nib := (^(uint64(d[0])-t)>>63)&1 |
			(^(uint64(d[1])-t)>>63)&1<<1 |
			(^(uint64(d[2])-t)>>63)&1<<2 |
			(^(uint64(d[3])-t)>>63)&1<<3
		bits[i>>6] |= nib << (i & 63) // i is a multiple of 4: never straddles a word
	}
	if r := k & 63; r != 0 {
		bits[len(bits)-1] &= 1<<r - 1
	}
}
