package gomlx

import (
	"math/big"
	"testing"
)

// refPhilox is Philox4x32-10 as the paper (Salmon et al., SC'11) defines
// it, written without package dropout: ten rounds, each two 32×32→64
// multiplies, the key bumped by the Weyl constants after every round.
func refPhilox(ctr [4]uint32, key [2]uint32) [4]uint32 {
	const m0, m1 = 0xD2511F53, 0xCD9E8D57
	const w0, w1 = 0x9E3779B9, 0xBB67AE85
	x := ctr
	k := key
	for r := 0; r < 10; r++ {
		p0 := uint64(m0) * uint64(x[0])
		p1 := uint64(m1) * uint64(x[2])
		x = [4]uint32{
			uint32(p1>>32) ^ x[1] ^ k[0],
			uint32(p1),
			uint32(p0>>32) ^ x[3] ^ k[1],
			uint32(p0),
		}
		k[0] += w0
		k[1] += w1
	}
	return x
}

var two128 = new(big.Int).Lsh(big.NewInt(1), 128)

// refCounter returns the 128-bit counter (hi·2⁶⁴ + lo + i) mod 2¹²⁸, computed
// with math/big, as its four 32-bit words, least significant first.
func refCounter(lo, hi uint64, i uint64) [4]uint32 {
	c := new(big.Int).SetUint64(hi)
	c.Lsh(c, 64)
	c.Add(c, new(big.Int).SetUint64(lo))
	c.Add(c, new(big.Int).SetUint64(i))
	c.Mod(c, two128)
	var w [4]uint32
	mask := big.NewInt(0xFFFFFFFF)
	for j := range w {
		w[j] = uint32(new(big.Int).And(new(big.Int).Rsh(c, uint(32*j)), mask).Uint64())
	}
	return w
}

// refWords returns the first n 32-bit words of the stream of a u64[3] state
// (key, counter lo, counter hi) and the number of blocks they take.
func refWords(state [3]uint64, n int) ([]uint32, uint64) {
	key := [2]uint32{uint32(state[0]), uint32(state[0] >> 32)}
	blocks := uint64(n+3) / 4
	out := make([]uint32, 0, 4*blocks)
	for i := uint64(0); i < blocks; i++ {
		w := refPhilox(refCounter(state[1], state[2], i), key)
		out = append(out, w[:]...)
	}
	return out[:n], blocks
}

// refState returns the state after a call that used blocks blocks.
func refState(state [3]uint64, blocks uint64) [3]uint64 {
	w := refCounter(state[1], state[2], blocks)
	return [3]uint64{state[0], uint64(w[0]) | uint64(w[1])<<32, uint64(w[2]) | uint64(w[3])<<32}
}

// refBits returns what XLA's PhiloxBitGenerator gives for n elements of
// bits bits, each as the unsigned integer of that width, and the new state.
func refBits(state [3]uint64, bits, n int) ([]uint64, [3]uint64) {
	out := make([]uint64, n)
	if bits == 64 {
		w, blocks := refWords(state, 2*n)
		for i := range out {
			out[i] = uint64(w[2*i]) | uint64(w[2*i+1])<<32
		}
		return out, refState(state, blocks)
	}
	w, blocks := refWords(state, n)
	mask := uint64(1)<<bits - 1
	for i := range out {
		out[i] = uint64(w[i]) & mask
	}
	return out, refState(state, blocks)
}

// Random123's published known-answer vectors for philox4x32-10.
func TestReferencePhiloxKnownAnswers(t *testing.T) {
	for _, v := range []struct {
		ctr  [4]uint32
		key  [2]uint32
		want [4]uint32
	}{
		{[4]uint32{0, 0, 0, 0}, [2]uint32{0, 0},
			[4]uint32{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
		{[4]uint32{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, [2]uint32{0xffffffff, 0xffffffff},
			[4]uint32{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
		{[4]uint32{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, [2]uint32{0xa4093822, 0x299f31d0},
			[4]uint32{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
	} {
		if got := refPhilox(v.ctr, v.key); got != v.want {
			t.Errorf("philox(%08x, %08x) = %08x, want %08x", v.ctr, v.key, got, v.want)
		}
	}
}

// The math/big counter carries across both 32-bit and 64-bit word borders
// and wraps at 2¹²⁸.
func TestReferenceCounter(t *testing.T) {
	for _, v := range []struct {
		lo, hi, i uint64
		want      [4]uint32
	}{
		{5, 7, 3, [4]uint32{8, 0, 7, 0}},
		{0xFFFFFFFF, 0, 1, [4]uint32{0, 1, 0, 0}},
		{^uint64(0), 0, 1, [4]uint32{0, 0, 1, 0}},
		{^uint64(0), 0xFFFFFFFF, 2, [4]uint32{1, 0, 0, 1}},
		{^uint64(0), ^uint64(0), 1, [4]uint32{0, 0, 0, 0}},
		{^uint64(0) - 1, ^uint64(0), 5, [4]uint32{3, 0, 0, 0}},
	} {
		if got := refCounter(v.lo, v.hi, v.i); got != v.want {
			t.Errorf("counter(%#x, %#x)+%d = %08x, want %08x", v.lo, v.hi, v.i, got, v.want)
		}
	}
}
