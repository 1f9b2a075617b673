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
// average (3.91–3.93 for p = 0.1 … 0.9, over 4096 groups).

// groupBlocks is the number of Philox blocks a group of 64 features owns.
const groupBlocks = 16

// blocksFor returns the blocks a call deciding f features reserves.
func blocksFor(f int) uint64 { return groupBlocks * uint64((f+63)/64) }

// decideGroup returns the keep word of the group whose blocks start at b,
// for the lanes set in open (the group's features; the others come back
// clear): bit l is set iff lane l's u >= t. Each plane settles the open
// lanes whose bit differs from t's bit there (dropped if t's bit is 1, kept
// if 0); lanes still open after 32 planes have u == t and are kept. Blocks
// are computed two at a time (four planes), side by side, which costs about
// the latency of one: a small group (a tensor of 8 features) is decided in
// one or two steps.
func decideGroup(k0, k1 uint32, b uint64, t uint32, open uint64) uint64 {
	keep := open
	// tt holds t's bits from plane j on at the top: tt>>31 is t's bit for
	// plane j, tt>>30&1 for plane j+1, and so on.
	tt := t
	for j := 0; j < 32 && open != 0; j += 4 {
		c := b + uint64(j/2)
		a0, a1, a2, a3, b0, b1, b2, b3 := philoxPair(c, c+1, k0, k1)
		open, keep = settle(open, keep, uint64(a0)|uint64(a1)<<32, tt>>31)
		open, keep = settle(open, keep, uint64(a2)|uint64(a3)<<32, tt>>30&1)
		open, keep = settle(open, keep, uint64(b0)|uint64(b1)<<32, tt>>29&1)
		open, keep = settle(open, keep, uint64(b2)|uint64(b3)<<32, tt>>28&1)
		tt <<= 4
	}
	return keep
}

// settle applies a plane (value pl) to a group's open lanes and keep word,
// where tbit is t's bit at that plane: the open lanes whose bit differs
// from it are decided — dropped where tbit is 1 — and closed.
func settle(open, keep, pl uint64, tbit uint32) (uint64, uint64) {
	tb := -uint64(tbit) // all ones iff t's bit is 1
	d := open & (pl ^ tb)
	return open &^ d, keep &^ (d & tb)
}

// decidePair is decideGroup for two groups at once, whose blocks start at
// a and b, in lockstep: block k of both at each step, side by side, until
// neither has an open lane. It returns the two keep words.
func decidePair(k0, k1 uint32, a, b uint64, t uint32, openA, openB uint64) (uint64, uint64) {
	keepA, keepB := openA, openB
	tt := t // as in decideGroup
	for j := 0; j < 32 && openA|openB != 0; j += 2 {
		a0, a1, a2, a3, b0, b1, b2, b3 := philoxPair(a+uint64(j/2), b+uint64(j/2), k0, k1)
		openA, keepA = settle(openA, keepA, uint64(a0)|uint64(a1)<<32, tt>>31)
		openA, keepA = settle(openA, keepA, uint64(a2)|uint64(a3)<<32, tt>>30&1)
		openB, keepB = settle(openB, keepB, uint64(b0)|uint64(b1)<<32, tt>>31)
		openB, keepB = settle(openB, keepB, uint64(b2)|uint64(b3)<<32, tt>>30&1)
		tt <<= 2
	}
	return keepA, keepB
}

// philoxPair returns the words of blocks ca and cb for key (k0, k1): the
// two blocks' rounds are written out side by side in locals, so the
// multiplies of one overlap the other's and nothing goes through memory;
// the ten rounds are unrolled, which lets the compiler rename registers
// instead of moving them at the end of each round.
func philoxPair(ca, cb uint64, k0, k1 uint32) (a0, a1, a2, a3, b0, b1, b2, b3 uint32) {
	a0, a1 = uint32(ca), uint32(ca>>32)
	b0, b1 = uint32(cb), uint32(cb>>32)
	a0, a1, a2, a3, b0, b1, b2, b3 = pairRound(a0, a1, a2, a3, b0, b1, b2, b3, k0, k1)
	k0, k1 = k0+philoxW0, k1+philoxW1
	a0, a1, a2, a3, b0, b1, b2, b3 = pairRound(a0, a1, a2, a3, b0, b1, b2, b3, k0, k1)
	k0, k1 = k0+philoxW0, k1+philoxW1
	a0, a1, a2, a3, b0, b1, b2, b3 = pairRound(a0, a1, a2, a3, b0, b1, b2, b3, k0, k1)
	k0, k1 = k0+philoxW0, k1+philoxW1
	a0, a1, a2, a3, b0, b1, b2, b3 = pairRound(a0, a1, a2, a3, b0, b1, b2, b3, k0, k1)
	k0, k1 = k0+philoxW0, k1+philoxW1
	a0, a1, a2, a3, b0, b1, b2, b3 = pairRound(a0, a1, a2, a3, b0, b1, b2, b3, k0, k1)
	k0, k1 = k0+philoxW0, k1+philoxW1
	a0, a1, a2, a3, b0, b1, b2, b3 = pairRound(a0, a1, a2, a3, b0, b1, b2, b3, k0, k1)
	k0, k1 = k0+philoxW0, k1+philoxW1
	a0, a1, a2, a3, b0, b1, b2, b3 = pairRound(a0, a1, a2, a3, b0, b1, b2, b3, k0, k1)
	k0, k1 = k0+philoxW0, k1+philoxW1
	a0, a1, a2, a3, b0, b1, b2, b3 = pairRound(a0, a1, a2, a3, b0, b1, b2, b3, k0, k1)
	k0, k1 = k0+philoxW0, k1+philoxW1
	a0, a1, a2, a3, b0, b1, b2, b3 = pairRound(a0, a1, a2, a3, b0, b1, b2, b3, k0, k1)
	k0, k1 = k0+philoxW0, k1+philoxW1
	return pairRound(a0, a1, a2, a3, b0, b1, b2, b3, k0, k1)
}

// pairRound is one Philox4x32 round of two blocks with round key (k0, k1).
func pairRound(a0, a1, a2, a3, b0, b1, b2, b3, k0, k1 uint32) (uint32, uint32, uint32, uint32, uint32, uint32, uint32, uint32) {
	pa0 := uint64(philoxM0) * uint64(a0)
	pa1 := uint64(philoxM1) * uint64(a2)
	pb0 := uint64(philoxM0) * uint64(b0)
	pb1 := uint64(philoxM1) * uint64(b2)
	return uint32(pa1>>32) ^ a1 ^ k0, uint32(pa1), uint32(pa0>>32) ^ a3 ^ k1, uint32(pa0),
		uint32(pb1>>32) ^ b1 ^ k0, uint32(pb1), uint32(pb0>>32) ^ b3 ^ k1, uint32(pb0)
}

// lanes returns the open-lane word of a group holding n features (n >= 1):
// all 64 lanes, or the low n.
func lanes(n int) uint64 {
	if n >= 64 {
		return ^uint64(0)
	}
	return 1<<n - 1
}

// fillKeep sets bits[i] for i in [0, k) to the keep decision of feature i of
// the bit-plane stream of seed from block start: kept iff u_i >= t. Bits at
// k and above in the last word are cleared; t = 2³² (DropBlock's seeds at
// their largest rate) keeps nothing. len(bits) must be (k+63)/64. Groups go
// two at a time through decidePair; the last group decides only its own
// lanes.
func fillKeep(bits []uint64, seed, start uint64, k int, t uint64) {
	if t > 1<<32-1 {
		clear(bits)
		return
	}
	k0, k1 := uint32(seed), uint32(seed>>32)
	g := 0
	for ; g+1 < len(bits); g += 2 {
		b := start + groupBlocks*uint64(g)
		bits[g], bits[g+1] = decidePair(k0, k1, b, b+groupBlocks, uint32(t), ^uint64(0), lanes(k-64*(g+1)))
	}
	if g < len(bits) {
		bits[g] = decideGroup(k0, k1, start+groupBlocks*uint64(g), uint32(t), lanes(k-64*g))
	}
}

// keepPlanesGeneric is the keep-planes primitive (see kernelSet): fillKeep
// with every lane of every group decided.
func keepPlanesGeneric(bits []uint64, seed, start uint64, t uint32) {
	fillKeep(bits, seed, start, 64*len(bits), uint64(t))
}

// keepSIMDMin is the draw count from which keepBits runs the path's
// keepPlanes kernel rather than fillKeep. fillKeep costs about 46 ns a group
// of 64 draws, two groups side by side; the kernels about 100–120 ns for
// anything up to a lockstep batch, as they run every group of it. ns per
// call, medians of 4, fillKeep → avx512 and avx2 (Intel Xeon, a 2-core VM
// reporting family 6 model 167, AVX-512; p = 0.5):
//
//	n = 64     47 → 122 and 104
//	n = 128    93 → 128 and 111
//	n = 192   139 → 135 and 117
//	n = 256   185 → 139 and 122
//	n = 512   370 → 151 and 133
//	n = 1024  740 → 163 and 262
//
// From three groups on the kernels win. NEON, whose batch is 8 groups and
// which has no measured timings here, uses the same rule.
var keepSIMDMin = 192

// keepScalar reports whether keepBits should leave n draws at
// threshold t to fillKeep: too few to pay for the kernel call, or t = 2³²
// (nothing kept), which the kernels' 32-bit threshold cannot express.
func keepScalar(n int, t uint64) bool { return n < keepSIMDMin || t > 1<<32-1 }

// keepRange is keepBits for features [f0, f0+n) of the stream from block
// start: bit i of bits is feature f0+i's decision. When f0 is not a
// multiple of 64 the groups around the range are decided into *scratch and
// shifted into place.
func (k *kernelSet) keepRange(bits []uint64, seed, start uint64, f0, n int, t uint64, scratch *[]uint64) {
	start += groupBlocks * uint64(f0/64)
	sh := uint(f0 % 64)
	if sh == 0 {
		k.keepBits(bits, seed, start, n, t)
		return
	}
	words := (int(sh) + n + 63) / 64
	*scratch = grow(*scratch, words)
	w := *scratch
	k.keepBits(w, seed, start, int(sh)+n, t)
	for i := range bits {
		v := w[i] >> sh
		if i+1 < words {
			v |= w[i+1] << (64 - sh)
		}
		bits[i] = v
	}
	trimTail(bits, n)
}
