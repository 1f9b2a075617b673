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

// elementwise builds the elementwise primitives of kernelSet: the fused
// Philox dropout, scale-by-mask-bits and affine-by-mask-bits, for each
// vector ISA and element type.
func elementwise() {
	declareElementwise()
	for _, isa := range []vecISA{avx512, avx2} {
		for _, e := range []elemType{f32, f64} {
			dropoutPhilox(isa, e)
		}
		for _, e := range []elemType{f32, f64} {
			scaleBits(isa, e)
		}
		for _, e := range []elemType{f32, f64} {
			affineBits(isa, e)
		}
	}
}

// Read-only tables of the elementwise kernels.
var (
	philoxMul      [2]Mem // M0, M1 in the low half of a quadword, 4 times
	ctrEven        Mem    // quadwords 0, 2, 4, ..., 14: the even blocks of 16
	ctrOdd         Mem    // quadwords 1, 3, 5, ..., 15
	mergeEvenOdd   Mem    // VPERMT2D index: dword 2j from a's lane j, 2j+1 from b's
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
	ctrEven = GLOBL("philoxCtrEven", RODATA|NOPTR)
	for i := 0; i < 8; i++ {
		DATA(8*i, U64(2*i))
	}
	ctrOdd = GLOBL("philoxCtrOdd", RODATA|NOPTR)
	for i := 0; i < 8; i++ {
		DATA(8*i, U64(2*i+1))
	}
	mergeEvenOdd = GLOBL("philoxMergeEvenOdd", RODATA|NOPTR)
	for j := 0; j < 16; j++ {
		idx := j // dword j of a: the low half of a's lane j/2
		if j%2 == 1 {
			idx = 16 + j - 1 // dword j-1 of b
		}
		DATA(4*j, U32(idx))
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
// garbage, which VPMULUDQ ignores). nil stands for a word known to be zero.
type philoxState [4]VecVirtual

// philoxRounds emits the ten rounds of Philox4x32 on every set in sets. The
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
				VPSRLQ(U8(32), p1, h1)
			}
			n0 := xorKey(h1, c1, keys.Offset(8*r), r, 0) // hi(M1·c2) ^ c1 ^ k0
			h0 := isa.vec()
			VPSRLQ(U8(32), p0, h0)
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

func philoxDoc(name string, e elemType, lanes int, isa vecISA) []string {
	return []string{
		fmt.Sprintf("%s is dropoutPhiloxGeneric[%s] with %d-lane %s vectors; it is", name, e.goType, lanes, isa.name),
		"equivalent to",
		"",
		"\tkey := [2]uint32{uint32(seed), uint32(seed >> 32)}",
		"\tif bits != nil {",
		"\t\tclear(bits[:(len(dst)+63)/64])",
		"\t}",
		"\tfor i := range dst {",
		"\t\tdraw := philox4x32(counter(start+uint64(i/4)), key)[i%4]",
		"\t\tif draw >= t {",
		"\t\t\tdst[i] = src[i] * s",
		"\t\t\tif bits != nil {",
		"\t\t\t\tbits[i/64] |= 1 << (i % 64)",
		"\t\t\t}",
		"\t\t} else {",
		"\t\t\tdst[i] = 0 // whatever src[i] holds",
		"\t\t}",
		"\t}",
		"",
		"where each bits word is written once, whole.",
		"",
		"The draws are generated in vector registers, never stored: the four",
		"words of a block are in four registers, one block per",
		"64-bit lane, so the 32×32→64-bit multiplies are VPMULUDQ; the counter",
		"start+i/4 is a 64-bit lane add, carrying and wrapping as uint64 does.",
		"The multiply is one IEEE rounding, as in Go; dropped lanes are zeroed",
		"by a mask, not multiplied, so NaN or Inf there gives +0.",
	}
}

// dropoutPhilox builds dropoutPhilox<isa><elem>, the fused elementwise
// dropout primitive of kernelSet.
func dropoutPhilox(isa vecISA, e elemType) {
	name := "dropoutPhilox" + isa.name + e.suffix
	lanes := isa.width / e.size
	TEXT(name, NOSPLIT, fmt.Sprintf("func(dst, src []%[1]s, bits []uint64, seed, start uint64, t uint32, s %[1]s)", e.goType))
	Pragma("noescape")
	doc := philoxDoc(name, e, lanes, isa)
	if isa.width == 64 {
		dropoutPhiloxAVX512(name, e, doc)
	} else {
		dropoutPhiloxAVX2(name, e, doc)
	}
}

// dropoutPhiloxAVX512 does 128 elements (two groups of 16 blocks, one mask
// word each) a step. In a group, sets a and b hold the even and odd blocks;
// after the rounds VPERMT2D puts word w of the 16 blocks in order in one
// register, VPCMPUD compares it with t into a 16-bit mask, and PDEP spreads
// the four masks to element order (element 4j+w is bit j of mask w).
// Zero-masked multiplies by 16-lane (or 8-lane) pieces of that word then
// scale the kept elements and zero the rest.
func dropoutPhiloxAVX512(name string, e elemType, doc []string) {
	Doc(append(doc,
		"",
		"128 elements a step, as two interleaved groups of 16 blocks (then one",
		"group of 64 elements, then a masked last group that touches nothing",
		"past the end): a group's 16 blocks are the 8 lanes of two registers",
		"per word, compared with t into four 16-bit masks that PDEP interleaves",
		"into the group's mask word.",
	)...)
	isa := avx512
	keys := AllocLocal(80)
	dp := Load(Param("dst").Base(), GP64())
	sp := Load(Param("src").Base(), GP64())
	bp := Load(Param("bits").Base(), GP64())
	n := Load(Param("dst").Len(), GP64())
	seed := GP64()
	Load(Param("seed"), seed)
	philoxKeys(seed, keys)

	Comment("Counters: set a holds blocks start+0, 2, ..., 14, set b start+1, 3, ..., 15.")
	start := Load(Param("start"), GP64())
	ctrA0, ctrB0, inc := ZMM(), ZMM(), ZMM()
	VPBROADCASTQ(start, ctrB0)
	VPADDQ(ctrEven, ctrB0, ctrA0)
	VPADDQ(ctrOdd, ctrB0, ctrB0)
	sixteen := GP64()
	MOVQ(U32(16), sixteen)
	VPBROADCASTQ(sixteen, inc)
	m0, m1 := ZMM(), ZMM()
	VBROADCASTI64X4(philoxMul[0], m0)
	VBROADCASTI64X4(philoxMul[1], m1)
	idx := ZMM()
	VMOVDQU32(mergeEvenOdd, idx)
	tv := ZMM()
	VBROADCASTSS(paramAddr("t"), tv) // 32 bits to every lane; vet wants a float move for a 4-byte argument
	s := broadcastParam(avx512, e, "s")
	spread := GP64()
	MOVQ(U64(0x1111111111111111), spread)

	// steps emits the draws of the next 16·g blocks and returns their keep
	// words, one per 16 blocks. The g groups' rounds are interleaved, so
	// the latency of one group's multiplies is hidden by the other's.
	steps := func(g int) []GPVirtual {
		var sets []*philoxState
		ctrA, ctrB := ctrA0, ctrB0
		for j := 0; j < g; j++ {
			a := &philoxState{ZMM(), ZMM(), nil, nil}
			b := &philoxState{ZMM(), ZMM(), nil, nil}
			// c0 is read by VPMULUDQ only (its low halves): the counters
			// serve as they are.
			if j == 0 {
				a[0], b[0] = ctrA, ctrB
			} else {
				VPADDQ(inc, ctrA, a[0])
				VPADDQ(inc, ctrB, b[0])
				ctrA, ctrB = a[0], b[0]
			}
			VPSRLQ(U8(32), a[0], a[1])
			VPSRLQ(U8(32), b[0], b[1])
			sets = append(sets, a, b)
		}
		philoxRounds(isa, sets, m0, m1, keys, func(h, c VecVirtual, key Mem, r, w int) VecVirtual {
			switch {
			case h != nil && c != nil:
				VPTERNLOGD_BCST(U8(0x96), key, c, h) // h ^= c ^ key
				return h
			case h != nil:
				VPXORD_BCST(key, h, h)
				return h
			default: // round 1: hi(M1·0) = 0
				VPXORD_BCST(key, c, c)
				return c
			}
		})
		VPADDQ(inc, ctrA, ctrA0)
		VPADDQ(inc, ctrB, ctrB0)
		var words []GPVirtual
		for j := 0; j < g; j++ {
			a, b := sets[2*j], sets[2*j+1]
			Comment("Keep masks: word w of blocks 0..15 in order, >= t; then element 4j+w = bit j of mask w.")
			var d [4]GPVirtual
			for w := 0; w < 4; w++ {
				VPERMT2D(b[w], idx, a[w])
				k := K()
				VPCMPUD(U8(5), tv, a[w], k) // not less than: a[w] >= t
				d[w] = GP64()
				KMOVW(k, d[w].As32())
				PDEPQ(spread, d[w], d[w])
			}
			LEAQ(Mem{Base: d[0], Index: d[1], Scale: 2}, d[0])
			LEAQ(Mem{Base: d[2], Index: d[3], Scale: 2}, d[2])
			LEAQ(Mem{Base: d[0], Index: d[2], Scale: 4}, d[0])
			words = append(words, d[0])
		}
		return words
	}
	apply := func(m GPVirtual, count Register) { applyWordAVX512(e, dp, sp, s, nil, m, count) }

	CMPQ(n, U8(128))
	JB(LabelRef("one"))
	Label("loop")
	Comment("128 elements a step: two groups of 16 blocks.")
	ms := steps(2)
	TESTQ(bp, bp)
	JZ(LabelRef("stored"))
	MOVQ(ms[0], Mem{Base: bp})
	MOVQ(ms[1], Mem{Base: bp, Disp: 8})
	ADDQ(U8(16), bp)
	Label("stored")
	for j, m := range ms {
		applyWordAVX512(e, dp, sp, s, nil, m, nil)
		if j == 0 {
			ADDQ(U32(64*e.size), sp)
			ADDQ(U32(64*e.size), dp)
		}
	}
	ADDQ(U32(64*e.size), sp)
	ADDQ(U32(64*e.size), dp)
	SUBQ(U32(128), n)
	CMPQ(n, U32(128))
	JAE(LabelRef("loop"))

	Label("one")
	CMPQ(n, U8(64))
	JB(LabelRef("tail"))
	m := steps(1)[0]
	storeBits(bp, m, "onestored")
	apply(m, nil)
	ADDQ(U32(64*e.size), sp)
	ADDQ(U32(64*e.size), dp)
	SUBQ(U8(64), n)

	Label("tail")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	Comment("Last 1..63 elements: the mask word cut at n, stores masked to n lanes.")
	m = steps(1)[0]
	BZHIQ(n, m, m)
	storeBits(bp, m, "tailstored")
	apply(m, n)

	Label("done")
	VZEROUPPER()
	RET()
}

// dropoutPhiloxAVX2 does 32 elements (8 blocks) a unit, two units a mask
// word: sets a and b hold the even and odd blocks, four per register; a
// 4×4 dword transpose within 128-bit lanes and a lane exchange put the draws
// in element order, so the compare gives the lane masks of the elements
// directly, and VMOVMSKPS their mask bits.
func dropoutPhiloxAVX2(name string, e elemType, doc []string) {
	Doc(append(doc,
		"",
		"32 elements a unit: 8 blocks in two registers per word, transposed to",
		"element order and compared with t (unsigned, as max(draw, t) == draw);",
		"two units make a mask word. The last units load and store with",
		"VMASKMOVPS/PD, touching nothing past the end.",
	)...)
	isa := avx2
	keys := AllocLocal(80 + 32)
	tMem := keys.Offset(80)
	dp := Load(Param("dst").Base(), GP64())
	sp := Load(Param("src").Base(), GP64())
	bp := Load(Param("bits").Base(), GP64())
	n := Load(Param("dst").Len(), GP64())
	seed := GP64()
	Load(Param("seed"), seed)
	philoxKeys(seed, keys)
	base := Load(Param("start"), GP64())
	{
		tv := YMM()
		VBROADCASTSS(paramAddr("t"), tv) // 32 bits to every lane; vet wants a float move for a 4-byte argument
		VMOVDQU(tv, tMem)
	}
	s := broadcastParam(avx2, e, "s")

	// unit emits the draws of the next 8 blocks (32 elements at dp, sp +
	// off bytes) and returns their keep masks in element order, 8 a register.
	unit := func() [4]VecVirtual {
		Comment("Counters: set a holds blocks base+0, 2, 4, 6, set b base+1, 3, 5, 7.")
		x := XMM()
		VMOVQ(base, x)
		bv := YMM()
		VPBROADCASTQ(x, bv)
		a := philoxState{YMM(), YMM(), nil, nil}
		b := philoxState{YMM(), YMM(), nil, nil}
		VPADDQ(ctrEven, bv, a[0]) // the first 4 quadwords of each table
		VPADDQ(ctrOdd, bv, b[0])
		VPSRLQ(U8(32), a[0], a[1])
		VPSRLQ(U8(32), b[0], b[1])
		ADDQ(U8(8), base)
		var kv [2]VecVirtual
		kr := -1
		philoxRounds(isa, []*philoxState{&a, &b}, philoxMul[0], philoxMul[1], keys, func(h, c VecVirtual, key Mem, r, w int) VecVirtual {
			if kr != r { // the keys of a round, shared by both sets
				kr = r
				kv = [2]VecVirtual{YMM(), YMM()}
				VPBROADCASTD(keys.Offset(8*r), kv[0])
				VPBROADCASTD(keys.Offset(8*r+4), kv[1])
			}
			switch {
			case h != nil && c != nil:
				VPXOR(c, h, h)
				VPXOR(kv[w], h, h)
				return h
			case h != nil:
				VPXOR(kv[w], h, h)
				return h
			default:
				VPXOR(kv[w], c, c)
				return c
			}
		})
		Comment("Transpose: each 128-bit lane of set a holds blocks 4L and 4L+2 (dwords 0, 2);")
		Comment("gather each block's four words into one lane, then pair the lanes in order.")
		gather := func(st philoxState) (lo, hi VecVirtual) {
			l01, l23, h01, h23 := YMM(), YMM(), YMM(), YMM()
			VPUNPCKLDQ(st[1], st[0], l01) // w0, w1 of block 4L
			VPUNPCKLDQ(st[3], st[2], l23)
			VPUNPCKHDQ(st[1], st[0], h01) // w0, w1 of block 4L+2
			VPUNPCKHDQ(st[3], st[2], h23)
			lo, hi = YMM(), YMM()
			VPUNPCKLQDQ(l23, l01, lo) // block 4L  | block 4L+4
			VPUNPCKLQDQ(h23, h01, hi) // block 4L+2 | block 4L+6
			return lo, hi
		}
		x0, x2 := gather(a) // blocks 0|4, 2|6
		x1, x3 := gather(b) // blocks 1|5, 3|7
		var d [4]VecVirtual
		for q := range d {
			d[q] = YMM()
		}
		VINSERTI128(U8(1), x1.AsX(), x0, d[0]) // blocks 0, 1: elements 0..7
		VINSERTI128(U8(1), x3.AsX(), x2, d[1]) // blocks 2, 3
		VPERM2I128(U8(0x31), x1, x0, d[2])     // blocks 4, 5
		VPERM2I128(U8(0x31), x3, x2, d[3])     // blocks 6, 7
		Comment("Keep: draw >= t, unsigned: max(draw, t) == draw.")
		for q := range d {
			mx := YMM()
			VPMAXUD(tMem, d[q], mx)
			VPCMPEQD(mx, d[q], d[q])
		}
		return d
	}
	// apply scales the 32 elements at byte offset off by the keep masks;
	// with valid (lane masks of the elements in range), loads and stores are
	// masked to them.
	apply := func(keep [4]VecVirtual, valid *[4]VecVirtual, off int) {
		Comment("dst = src·s AND keep.")
		for q := 0; q < 4; q++ {
			var ks, vs []VecVirtual
			if e.size == 4 {
				ks = []VecVirtual{keep[q]}
				if valid != nil {
					vs = []VecVirtual{valid[q]}
				}
			} else {
				ks = widen(keep[q])
				if valid != nil {
					vs = widen(valid[q])
				}
			}
			for h := range ks {
				at := off + 32*(len(ks)*q+h)
				v := YMM()
				if valid == nil {
					e.mul(Mem{Base: sp, Disp: at}, s, v)
				} else {
					e.maskMov(Mem{Base: sp, Disp: at}, vs[h], v)
					e.mul(v, s, v)
				}
				andMask(e, ks[h], v)
				if valid == nil {
					e.mov(v, Mem{Base: dp, Disp: at})
				} else {
					e.maskMov(v, vs[h], Mem{Base: dp, Disp: at})
				}
			}
		}
	}
	// maskWord returns the 32 keep bits of keep.
	maskWord := func(keep [4]VecVirtual) GPVirtual {
		m := GP64()
		VMOVMSKPS(keep[0], m.As32())
		for q := 1; q < 4; q++ {
			r := GP64()
			VMOVMSKPS(keep[q], r.As32())
			SHLQ(U8(8*q), r)
			ORQ(r, m)
		}
		return m
	}

	CMPQ(n, U8(64))
	JB(LabelRef("tail"))
	Label("loop")
	var m GPVirtual
	for h := 0; h < 2; h++ {
		keep := unit()
		apply(keep, nil, 32*h*e.size)
		mh := maskWord(keep)
		if h == 0 {
			m = mh
		} else {
			SHLQ(U8(32), mh)
			ORQ(mh, m)
		}
	}
	storeBits(bp, m, "stored")
	ADDQ(U32(64*e.size), sp)
	ADDQ(U32(64*e.size), dp)
	SUBQ(U8(64), n)
	CMPQ(n, U8(64))
	JAE(LabelRef("loop"))

	Label("tail")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	Comment("Last 1..63 elements: units masked to lanes < n, n falling by 32 a unit.")
	acc := GP64()
	XORQ(acc, acc)
	XORQ(RCX, RCX)
	Label("tailunit")
	keep := unit()
	var valid [4]VecVirtual
	{
		x := XMM()
		VMOVQ(n, x)
		nv := YMM()
		VPBROADCASTD(x, nv)
		for q := range valid {
			valid[q] = YMM()
			VPCMPGTD(iotaD.Offset(32*q), nv, valid[q]) // n > lane
			VPAND(valid[q], keep[q], keep[q])
		}
	}
	apply(keep, &valid, 0)
	mh := maskWord(keep)
	SHLQ(CL, mh)
	ORQ(mh, acc)
	ADDQ(U8(32), RCX)
	ADDQ(U32(32*e.size), sp)
	ADDQ(U32(32*e.size), dp)
	SUBQ(U8(32), n)
	JG(LabelRef("tailunit"))
	storeBits(bp, acc, "tailstored")

	Label("done")
	VZEROUPPER()
	RET()
}

// widen returns the dword lane mask m as two quadword lane masks: its low
// four lanes, then its high four.
func widen(m VecVirtual) []VecVirtual {
	lo, hi := YMM(), YMM()
	VPMOVSXDQ(m.AsX(), lo)
	x := XMM()
	VEXTRACTI128(U8(1), m, x)
	VPMOVSXDQ(x, hi)
	return []VecVirtual{lo, hi}
}

// andMask sets v &= mask (lanes of all ones or zeros).
func andMask(e elemType, mask, v VecVirtual) {
	if e.size == 4 {
		VANDPS(mask, v, v)
	} else {
		VANDPD(mask, v, v)
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
