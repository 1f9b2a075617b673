package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The Philox4x32-10 constants, as in dropout/philox.go.
const (
	philoxM0 = 0xD2511F53
	philoxM1 = 0xCD9E8D57
	philoxW0 = 0x9E3779B9
	philoxW1 = 0xBB67AE85
)

// elementwise builds the elementwise primitives of kernelSet: the
// bit-plane mask kernel, the fused Philox dropout, scale-by-mask-bits and
// affine-by-mask-bits, for each vector ISA and element type.
func elementwise() {
	declareElementwise()
	for _, isa := range []vecISA{avx512, avx2} {
		keepPlanes(isa)
		for _, e := range allElems {
			dropoutPhilox(isa, e)
		}
		for _, e := range allElems {
			scaleBits(isa, e)
		}
		for _, e := range allElems {
			affineBits(isa, e)
		}
	}
}

// Read-only tables of the elementwise kernels.
var (
	philoxMul      [2]Mem // M0, M1 in the low half of a quadword, 4 times
	groupStride    Mem    // quadwords 16·i for i = 0..15: the first blocks of 16 groups
	qwordOne       Mem    // quadwords 1, 4 times: the step from one block of a group to the next
	iotaD, iotaQ   Mem    // 0, 1, 2, ..., 63 as dwords and as quadwords
	bitD, bitQ     Mem    // 1<<k for k = 0..31 as dwords, 0..63 as quadwords
	elementwiseSet bool
)

func declareElementwise() {
	if elementwiseSet {
		return
	}
	elementwiseSet = true
	for w, m := range []uint32{philoxM0, philoxM1} {
		philoxMul[w] = GLOBL(fmt.Sprintf("philoxM%d", w), RODATA|NOPTR)
		for i := 0; i < 4; i++ {
			DATA(8*i, U64(m))
		}
	}
	groupStride = GLOBL("groupStride", RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		DATA(8*i, U64(16*i))
	}
	qwordOne = GLOBL("qwordOne", RODATA|NOPTR)
	for i := 0; i < 4; i++ {
		DATA(8*i, U64(1))
	}
	iotaD = GLOBL("iotaD", RODATA|NOPTR)
	for i := 0; i < 64; i++ {
		DATA(4*i, U32(i))
	}
	iotaQ = GLOBL("iotaQ", RODATA|NOPTR)
	for i := 0; i < 64; i++ {
		DATA(8*i, U64(i))
	}
	bitD = GLOBL("bitD", RODATA|NOPTR)
	for i := 0; i < 32; i++ {
		DATA(4*i, U32(uint32(1)<<i))
	}
	bitQ = GLOBL("bitQ", RODATA|NOPTR)
	for i := 0; i < 64; i++ {
		DATA(8*i, U64(uint64(1)<<i))
	}
}

// philoxState is one set of Philox blocks in a vector register per counter
// word, each block in the low half of a 64-bit lane (the high half holds
// garbage, which VPMULUDQ ignores). nil stands for a word known to be zero:
// the bit-plane kernels' words 2 and 3; the raw-bits kernels have all four
// live, and philoxRounds then runs the full round from the first.
type philoxState [4]VecVirtual

// philoxRounds emits the ten rounds of Philox4x32 on every set in sets. The
// high halves of the products come down to the low halves by VPSHUFD (dwords
// 1, 1, 3, 3), a shuffle, not a shift: on the Intel cores shifts share a
// port with the multiplies, shuffles do not. The
// round keys are on the stack at keys: k0 of round r at 8r, k1 at 8r+4.
// xorKey(h, c, key) returns h ^ c ^ key (h, c nil when zero: then a fresh
// register) in a register that may be h's.
func philoxRounds(isa vecISA, sets []*philoxState, m0, m1 Op, keys Mem, xorKey func(h, c VecVirtual, key Mem, r, w int) VecVirtual) {
	for r := 0; r < 10; r++ {
		Comment(fmt.Sprintf("Round %d.", r+1))
		for _, st := range sets {
			c0, c1, c2, c3 := st[0], st[1], st[2], st[3]
			p0 := isa.vec()
			VPMULUDQ(m0, c0, p0) // M0·c0: lo is the new c3
			var p1 VecVirtual
			if c2 != nil {
				p1 = isa.vec()
				VPMULUDQ(m1, c2, p1) // M1·c2: lo is the new c1
			}
			var h1 VecVirtual
			if p1 != nil {
				h1 = isa.vec()
				VPSHUFD(U8(0xF5), p1, h1) // hi(M1·c2) to the low half
			}
			n0 := xorKey(h1, c1, keys.Offset(8*r), r, 0) // hi(M1·c2) ^ c1 ^ k0
			h0 := isa.vec()
			VPSHUFD(U8(0xF5), p0, h0)
			n2 := xorKey(h0, c3, keys.Offset(8*r+4), r, 1) // hi(M0·c0) ^ c3 ^ k1
			*st = philoxState{n0, p1, n2, p0}
		}
	}
}

// philoxKeys stores the ten round keys of seed (in a register) at keys.
func philoxKeys(seed GPVirtual, keys Mem) {
	Comment("Round keys: (lo32 seed, hi32 seed) + r·(W0, W1) for rounds r = 0..9.")
	k0, k1 := GP32(), GP32()
	MOVL(seed.As32(), k0)
	SHRQ(U8(32), seed)
	MOVL(seed.As32(), k1)
	for r := 0; r < 10; r++ {
		if r > 0 {
			ADDL(U32(philoxW0), k0)
			ADDL(U32(philoxW1), k1)
		}
		MOVL(k0, keys.Offset(8*r))
		MOVL(k1, keys.Offset(8*r+4))
	}
}

// storeBits emits, unless bp is nil (no mask wanted), the store of the mask
// word m at bp and the advance of bp past it; skip is a fresh label.
func storeBits(bp, m Register, skip string) {
	TESTQ(bp, bp)
	JZ(LabelRef(skip))
	MOVQ(m, Mem{Base: bp})
	ADDQ(U8(8), bp)
	Label(skip)
}
