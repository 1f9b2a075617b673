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

// The bit-plane stream (DESIGN.md, "Randomness contract"). The F features of
// a call are cut into groups of 64: feature i is lane i%64 of group i/64, and
// group g owns the 16 blocks start+16g ... start+16g+15 of the call's range.
// Plane j (j = 0..31, 0 the most significant) of a group is the 64-bit word
// w[2h] | w[2h+1]<<32 of its block j/2, with h = j%2; lane l's 32-bit number
// u is bit l of planes 0..31, most significant first, and the lane is
// dropped iff u < t. A group is decided from the top plane down and stops
// once every lane differs from t at some plane: 3.9 of its 16 blocks on
// average.

// groupBlocks is the number of Philox blocks a group of 64 features owns.
const groupBlocks = 16

// blocksFor returns the blocks a call deciding f features reserves.
func blocksFor(f int) uint64 { return groupBlocks * uint64((f+63)/64) }

// decideGroup returns the keep word of the group whose blocks start at b:
// bit l is set iff lane l's u >= t. Each plane settles the lanes whose bit
// differs from t's bit there (dropped if t's bit is 1, kept if 0); lanes
// still open after 32 planes have u == t and are kept.
func decideGroup(k0, k1 uint32, b uint64, t uint32) uint64 {
	open, drop := ^uint64(0), uint64(0)
	for j := 0; j < 32 && open != 0; j += 2 {
		w := philox4x32(counter(b+uint64(j/2)), [2]uint32{k0, k1})
		for h := 0; h < 2; h++ {
			pl := uint64(w[2*h]) | uint64(w[2*h+1])<<32
			tb := -uint64(t >> (31 - j - h) & 1) // all ones iff t's bit is 1
			d := open & (pl ^ tb)
			drop |= d & tb
			open &^= d
		}
	}
	return ^drop
}

// fillKeep sets bits[i] for i in [0, k) to the keep decision of feature i of
// the bit-plane stream of seed from block start: kept iff u_i >= t. Bits at
// k and above in the last word are cleared; t = 2³² (DropBlock's seeds at
// their largest rate) keeps nothing. len(bits) must be (k+63)/64.
func fillKeep(bits []uint64, seed, start uint64, k int, t uint64) {
	if t > 1<<32-1 {
		clear(bits)
		return
	}
	k0, k1 := uint32(seed), uint32(seed>>32)
	for g := range bits {
		bits[g] = decideGroup(k0, k1, start+groupBlocks*uint64(g), uint32(t))
	}
	if r := k & 63; r != 0 {
		bits[len(bits)-1] &= 1<<r - 1
	}
}

// keepChunk is how many draws the SIMD paths' keepBits makes per call of
// their fused kernel: a multiple of 64 (a mask word) and of 4 (a block), and
// small enough for its scratch buffer to sit on the stack.
const keepChunk = 1024

// keepSIMDMin is the draw count from which the SIMD paths' keepBits runs
// their bit-plane mask kernel rather than fillKeep. Both cost by the group
// of 64 draws (a call of 1 to 64 draws decides one group); ns per call,
// minimum of 6 runs, t = 2³¹, fillKeep → avx512 and avx2 (Intel Xeon, a
// 2-core VM reporting family 6 model 167, with AVX-512 and AMX):
//
//	n = 16     133 → 124 and 105
//	n = 64     132 → 124 and 104
//	n = 128    261 → 136 and 114
//	n = 256    522 → 148 and 126
//	n = 1024  2079 → 171 and 266
//
// The kernels are no slower than fillKeep from the first group on, so
// below 32 draws the choice is worth at most 30 ns a call either way.
var keepSIMDMin = 32

// keepScalar reports whether a SIMD path's keepBits should leave n draws at
// threshold t to fillKeep: too few to pay for the kernel call, or t = 2³²
// (nothing kept), which the kernels' 32-bit threshold cannot express.
func keepScalar(n int, t uint64) bool { return n < keepSIMDMin || t > 1<<32-1 }
