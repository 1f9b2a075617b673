package dropout

import "math"

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
	c0, c1, c2, c3 = philoxRound(c0, c1, c2, c3, k0, k1)
	for r := 1; r < 10; r++ {
		k0 += philoxW0
		k1 += philoxW1
		c0, c1, c2, c3 = philoxRound(c0, c1, c2, c3, k0, k1)
	}
	return [4]uint32{c0, c1, c2, c3}
}

// philoxRound is one Philox4x32 round with round key (k0, k1).
func philoxRound(c0, c1, c2, c3, k0, k1 uint32) (uint32, uint32, uint32, uint32) {
	p0 := uint64(philoxM0) * uint64(c0)
	p1 := uint64(philoxM1) * uint64(c2)
	return uint32(p1>>32) ^ c1 ^ k0, uint32(p1), uint32(p0>>32) ^ c3 ^ k1, uint32(p0)
}

// counter returns the Philox counter of block b: (lo32 b, hi32 b, 0, 0).
func counter(b uint64) [4]uint32 { return [4]uint32{uint32(b), uint32(b >> 32), 0, 0} }

// philoxBlock returns block b of the stream of seed: draws 4b..4b+3.
func philoxBlock(seed, b uint64) [4]uint32 {
	return philox4x32(counter(b), [2]uint32{uint32(seed), uint32(seed >> 32)})
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
	k0, k1 := uint32(seed), uint32(seed>>32)
	if t > 1<<32-1 { // only DropBlock's seeds use t = 2³²: nothing is kept
		return
	}
	for i := 0; i < k; i += 8 { // two blocks, eight features, at a time
		// i%8 == 0, so the eight bits never straddle a word.
		bits[i>>6] |= keepPair(start+uint64(i/4), k0, k1, uint32(t)) << (i & 63)
	}
	trimTail(bits, k)
}

// keepChunk is how many draws the SIMD paths' keepBits makes per call of
// their fused kernel: a multiple of 64 (a mask word) and of 4 (a block), and
// small enough for its scratch buffer to sit on the stack.
const keepChunk = 1024

// keepSIMDMin is the draw count from which the SIMD paths' keepBits runs
// their fused kernel rather than fillKeep. With the kernel a call costs
// about 80 ns for anything up to 64 draws (clearing the 4 KiB scratch
// buffer included), and fillKeep about 3.6 ns a draw; ns per call, medians
// of 4, fillKeep → avx512 and avx2 (AMD EPYC, Zen 4):
//
//	n = 16     63 →  85 and  90
//	n = 32    139 →  82 and  95
//	n = 64    232 →  79 and  94
//	n = 256   976 → 143 and 222
//	n = 1024 3732 → 410 and 751
var keepSIMDMin = 32

// keepScalar reports whether a SIMD path's keepBits should leave n draws at
// threshold t to fillKeep: too few to pay for the kernel call, or t = 2³²
// (nothing kept), which the kernels' 32-bit threshold cannot express.
func keepScalar(n int, t uint64) bool { return n < keepSIMDMin || t > 1<<32-1 }
