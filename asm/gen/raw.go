package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The raw-bits kernels (kernelSet.philoxRaw): plain Philox4x32-10 blocks in
// XLA's RNGPhilox layout. A batch is rawSets(isa) sets of blocks, one block
// per 64-bit lane, run through the same philoxRounds as the bit-plane
// kernels, with all four counter words live: block i of the call has the
// 128-bit counter (lo, hi) + i, its low half in the 64-bit lane as it is
// (words 0, 1) and its high half in a second register (words 2, 3).

// rawSets is the number of register sets of a raw-bits batch: two, so that
// the multiplies of one hide the latency of the other's, as in the
// bit-plane kernels. AVX2's sixteen registers hold no more; on AVX-512 four
// sets (32 blocks a batch) measured no faster (64 K words: 0.37-0.50 ns a
// word against 0.40, Intel Xeon VM), the out-of-order core overlapping
// consecutive batches already.
func rawSets(vecISA) int { return 2 }

var (
	rawInterleave Mem // VPERMI2Q indices: quadwords of A and B interleaved, A0 B0 A1 B1 ...
	rawSet        bool
)

func declareRaw() {
	if rawSet {
		return
	}
	rawSet = true
	rawInterleave = GLOBL("rawInterleave", RODATA|NOPTR)
	for i := 0; i < 8; i++ {
		DATA(16*i, U64(i))
		DATA(16*i+8, U64(8+i))
	}
}

// rawBits builds the raw-bits kernels of every vector ISA.
func rawBits() {
	declareElementwise()
	declareRaw()
	for _, isa := range []vecISA{avx512, avx2} {
		philoxRaw(isa)
	}
}

// philoxRaw builds philoxRaw<isa>, the raw-bits primitive of kernelSet.
func philoxRaw(isa vecISA) {
	name := "philoxRaw" + isa.name
	lanes := isa.width / 8
	batch := rawSets(isa) * lanes
	TEXT(name, NOSPLIT, "func(dst []uint32, key, lo, hi uint64)")
	Pragma("noescape")
	store := "VMOVDQU64 with an opmask of the quadwords left"
	if isa.width == 32 {
		store = "VPMASKMOVQ with a mask of the quadwords left"
	}
	Doc(
		fmt.Sprintf("%s is philoxRawGeneric with %d-bit %s vectors; it is", name, 8*isa.width, isa.name),
		"equivalent to",
		"",
		"\tc := Counter{lo, hi}",
		"\tfor i := 0; i+4 <= len(dst); i += 4 {",
		"\t\tw := philoxAt(key, c) // counter (lo32, hi32 of c.Lo, lo32, hi32 of c.Hi)",
		"\t\tcopy(dst[i:i+4], w[:])",
		"\t\tc = c.Add(1) // carries from Lo into Hi, wraps at 2¹²⁸",
		"\t}",
		"",
		fmt.Sprintf("%d blocks a batch, one per 64-bit lane of %d registers: lane q of", batch, rawSets(isa)),
		fmt.Sprintf("set s holds block %d·s+q of the batch, its counter's low half lo+%d·s+q", lanes, lanes),
		"(a 64-bit lane add) and its high half hi plus the carry of that add",
		"(the lane's low half below lo, unsigned). The rounds run on all sets",
		"at once; the four words of each block are then merged into two",
		"quadwords (w0 | w1<<32, w2 | w3<<32) and interleaved into dst's order",
		"by shuffles, and stored whole. The last 1.."+fmt.Sprint(batch-1)+" blocks take one more",
		"batch stored with "+store+", so nothing past",
		"len(dst)/4 blocks is written.",
	)
	keys := AllocLocal(80)
	dp := Load(Param("dst").Base(), GP64())
	n := Load(Param("dst").Len(), GP64())
	SHRQ(U8(2), n)
	key := GP64()
	Load(Param("key"), key)
	philoxKeys(key, keys)
	lo := Load(Param("lo"), GP64())
	hi := Load(Param("hi"), GP64())
	c := rawConstsFor(isa)

	CMPQ(n, U8(batch))
	JB(LabelRef("tail"))
	Label("loop")
	rawBatch(isa, c, keys, dp, lo, hi, nil)
	ADDQ(U32(16*batch), dp)
	ADDQ(U8(batch), lo)
	ADCQ(U8(0), hi)
	SUBQ(U8(batch), n)
	CMPQ(n, U8(batch))
	JAE(LabelRef("loop"))

	Label("tail")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	Comment(fmt.Sprintf("The last 1..%d blocks: one more batch, its stores masked to them.", batch-1))
	rawBatch(isa, c, keys, dp, lo, hi, n)
	Label("done")
	VZEROUPPER()
	RET()
}

// rawConsts are the registers a raw batch reads.
type rawConsts struct {
	m0, m1 Op // the Philox multipliers (AVX2: in memory)
	odd    Op // AVX-512: opmask of the odd dwords
}

func rawConstsFor(isa vecISA) rawConsts {
	if isa.width == 32 {
		return rawConsts{m0: philoxMul[0], m1: philoxMul[1]}
	}
	m0, m1 := ZMM(), ZMM()
	VBROADCASTI64X4(philoxMul[0], m0)
	VBROADCASTI64X4(philoxMul[1], m1)
	k, r := K(), GP32()
	MOVL(U32(0xAAAA), r)
	KMOVW(r, k)
	return rawConsts{m0: m0, m1: m1, odd: k}
}

// rawBatch emits one batch of raw blocks from counter (lo, hi) (not
// changed) to dp: every block of it, or (n not nil) the first n (1 to
// batch-1; n is consumed).
func rawBatch(isa vecISA, c rawConsts, keys Mem, dp, lo, hi, n Register) {
	sets := make([]*philoxState, rawSets(isa))
	Comment("Counters: lane q of set s is (lo, hi) + lanes·s + q, the carry into hi from the 64-bit add.")
	if isa.width == 64 {
		lb, hb := ZMM(), ZMM()
		VPBROADCASTQ(lo, lb)
		VPBROADCASTQ(hi, hb)
		for s := range sets {
			st := &philoxState{ZMM(), ZMM(), ZMM(), ZMM()}
			VPADDQ(iotaQ.Offset(64*s), lb, st[0])
			k := K()
			VPCMPUQ(U8(1), lb, st[0], k) // carried: lo+i < lo, unsigned
			VMOVDQA64(hb, st[2])
			VPADDQ_BCST(qwordOne, st[2], k, st[2])
			VPSHUFD(U8(0xF5), st[0], st[1]) // hi32 of each half to the low dword
			VPSHUFD(U8(0xF5), st[2], st[3])
			sets[s] = st
		}
		philoxRounds(isa, sets, c.m0, c.m1, keys, xorKeyAVX512)
	} else {
		x, y := XMM(), XMM()
		VMOVQ(lo, x)
		VMOVQ(hi, y)
		lb, hb, sign := YMM(), YMM(), YMM()
		VPBROADCASTQ(x, lb)
		VPBROADCASTQ(y, hb)
		VPBROADCASTQ(bitQ.Offset(8*63), sign)
		lbs := YMM()
		VPXOR(sign, lb, lbs) // lo ^ 1<<63: the unsigned order as the signed one
		for s := range sets {
			st := &philoxState{YMM(), YMM(), YMM(), YMM()}
			VPADDQ(iotaQ.Offset(32*s), lb, st[0])
			cy := YMM()
			VPXOR(sign, st[0], cy)
			VPCMPGTQ(cy, lbs, cy) // carried: lo > lo+i, unsigned; all ones
			VPSUBQ(cy, hb, st[2]) // hi - (-1)
			VPSRLQ(U8(32), st[0], st[1])
			VPSRLQ(U8(32), st[2], st[3])
			sets[s] = st
		}
		philoxRounds(isa, sets, c.m0, c.m1, keys, xorKeyAVX2())
	}

	Comment("Blocks to dst's word order: A = w0 | w1<<32, B = w2 | w3<<32, then A0 B0 A1 B1 ....")
	var out []VecVirtual
	for _, st := range sets {
		a, b := st[0], st[2]
		if isa.width == 64 {
			VPSHUFD(U8(0xA0), st[1], c.odd, a) // odd dwords from w1's even ones
			VPSHUFD(U8(0xA0), st[3], c.odd, b)
			for h := range 2 {
				o := ZMM()
				VMOVDQU64(rawInterleave.Offset(64*h), o)
				VPERMI2Q(b, a, o)
				out = append(out, o)
			}
		} else {
			a, b = YMM(), YMM()
			VPSLLQ(U8(32), st[1], a)
			VPBLENDD(U8(0x55), st[0], a, a) // even dwords from w0
			VPSLLQ(U8(32), st[3], b)
			VPBLENDD(U8(0x55), st[2], b, b)
			l, h := YMM(), YMM()
			VPUNPCKLQDQ(b, a, l) // A0 B0 | A2 B2
			VPUNPCKHQDQ(b, a, h) // A1 B1 | A3 B3
			o0, o1 := YMM(), YMM()
			VPERM2I128(U8(0x20), h, l, o0)
			VPERM2I128(U8(0x31), h, l, o1)
			out = append(out, o0, o1)
		}
	}
	if n == nil {
		for j, o := range out {
			if isa.width == 64 {
				VMOVDQU64(o, Mem{Base: dp, Disp: isa.width * j})
			} else {
				VMOVDQU(o, Mem{Base: dp, Disp: isa.width * j})
			}
		}
		return
	}
	Comment("Only the quadwords of the first n blocks: 2n of them.")
	SHLQ(U8(1), n)
	if isa.width == 64 {
		r := GP64()
		MOVQ(I32(-1), r)
		BZHIQ(n, r, r)
		for j, o := range out {
			k := K()
			KMOVW(r.As32(), k) // the store reads the low 8 bits
			VMOVDQU64(o, k, Mem{Base: dp, Disp: isa.width * j})
			if j+1 < len(out) {
				SHRQ(U8(8), r)
			}
		}
		return
	}
	x := XMM()
	VMOVQ(n, x)
	nv := YMM()
	VPBROADCASTQ(x, nv)
	for j, o := range out {
		m := YMM()
		VPCMPGTQ(iotaQ.Offset(32*j), nv, m) // 2n > quadword
		VPMASKMOVQ(o, m, Mem{Base: dp, Disp: isa.width * j})
	}
}
