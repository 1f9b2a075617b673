package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// scaleBits builds scaleBits<isa><elem>, the elementwise scale-by-mask-bits
// primitive of kernelSet: 64 elements a mask word, the word taken from bits
// at bit first+i whatever its alignment (SHRQ of a word pair).
func scaleBits(isa vecISA, e elemType) { bitsKernel(isa, e, false) }

// affineBits builds affineBits<isa><elem>, the elementwise affine primitive
// of kernelSet: scaleBits with src·a + b where kept and c where dropped.
func affineBits(isa vecISA, e elemType) { bitsKernel(isa, e, true) }

// affineVecs are the broadcast b and c of an affineBits kernel, and for a
// half type fill, round(c) in every 16-bit lane (fillOf).
type affineVecs struct{ b, c, fill VecVirtual }

func bitsKernel(isa vecISA, e elemType, affine bool) {
	name := "scaleBits" + isa.name + e.suffix
	sig := fmt.Sprintf("func(dst, src []%s, bits []uint64, first int, s %s)", e.goType, e.scalar)
	if affine {
		name = "affineBits" + isa.name + e.suffix
		sig = fmt.Sprintf("func(dst, src []%s, bits []uint64, first int, a, b, c %s)", e.goType, e.scalar)
	}
	lanes := e.lanes(isa)
	TEXT(name, NOSPLIT, sig)
	Pragma("noescape")
	how := []string{
		"The lane masks come from the mask word by zero-masking: KMOVW of",
		"16 (or 8) bits at a time drives the multiply, so dropped lanes are",
		"neither read nor multiplied.",
	}
	if isa.width == 32 {
		how = []string{
			"The lane masks come from the mask word broadcast to every lane,",
			"ANDed with 1<<lane and compared with it; the product is ANDed with",
			"them, so NaN or Inf in a dropped lane gives +0.",
		}
	}
	body := []string{
		"\t\t\tdst[i] = " + e.result("src[i]", func(x string) string { return x + " * s" }),
		"\t\t} else {",
		"\t\t\tdst[i] = 0 // whatever src[i] holds",
	}
	if affine {
		how = []string{
			"The lane masks come from the mask word by masking: KMOVW of 16 (or 8)",
			"bits at a time drives a zero-masked multiply and an add merged into a",
			"vector of c, so dropped lanes are neither read nor computed.",
		}
		if isa.width == 32 {
			how = []string{
				"The lane masks come from the mask word broadcast to every lane,",
				"ANDed with 1<<lane and compared with it; they blend src·a + b with c,",
				"so NaN or Inf in a dropped lane gives c.",
			}
		}
		fill := "c"
		if e.half != nil {
			fill = e.goType + "From(c)"
		}
		body = []string{
			"\t\t\tdst[i] = " + e.result("src[i]", func(x string) string { return x + "*a + b" }) + " // two roundings, never fused",
			"\t\t} else {",
			"\t\t\tdst[i] = " + fill + " // whatever src[i] holds",
		}
	}
	generic := e.genericName("scaleBits")
	if affine {
		generic = e.genericName("affineBits")
	}
	Doc(append(append(append(append([]string{
		fmt.Sprintf("%s is %s with %d-lane %s vectors; it is", name, generic, lanes, isa.name),
		"equivalent to",
		"",
		"\tfor i := range dst {",
		"\t\tif b := first + i; bits[b/64]>>(b%64)&1 == 1 {",
	}, body...), []string{
		"\t\t}",
		"\t}",
		"",
		"64 elements a mask word; the last 1..64 are masked, touching no memory",
		"outside dst, src and the words of bits the range needs.",
	}...), how...), e.roundedDoc()...)...)

	dp := Load(Param("dst").Base(), GP64())
	sp := Load(Param("src").Base(), GP64())
	bp := Load(Param("bits").Base(), GP64())
	n := Load(Param("dst").Len(), GP64())
	Comment("bp = &bits[first/64]; CX = first%64, the shift of every word pair.")
	Load(Param("first"), RCX)
	w := GP64()
	MOVQ(RCX, w)
	SHRQ(U8(6), w)
	LEAQ(Mem{Base: bp, Index: w, Scale: 8}, bp)
	ANDQ(U8(63), RCX)
	var s VecVirtual
	var aff *affineVecs
	if affine {
		s = broadcastParam(isa, e, "a")
		aff = &affineVecs{b: broadcastParam(isa, e, "b"), c: broadcastParam(isa, e, "c")}
		if e.half != nil {
			aff.fill = e.fillOf(isa, aff.c)
		}
	} else {
		s = broadcastParam(isa, e, "s")
	}

	apply := applyWordAVX512
	if isa.width == 32 {
		apply = applyWordAVX2
	}

	CMPQ(n, U8(64))
	JBE(LabelRef("last"))
	Label("loop")
	Comment("More than 64 elements left, so bits past this word's exist: m = bits[w:w+2] >> CX.")
	m, hi := GP64(), GP64()
	MOVQ(Mem{Base: bp}, m)
	MOVQ(Mem{Base: bp, Disp: 8}, hi)
	SHRQ(CL, hi, m)
	apply(e, dp, sp, s, aff, m, nil)
	ADDQ(U8(8), bp)
	ADDQ(U32(64*e.size), sp)
	ADDQ(U32(64*e.size), dp)
	SUBQ(U8(64), n)
	CMPQ(n, U8(64))
	JA(LabelRef("loop"))

	Label("last")
	Comment("The last 1..64 elements: the next word only if the bits reach it.")
	MOVQ(Mem{Base: bp}, m)
	MOVQ(RCX, hi)
	ADDQ(n, hi)
	CMPQ(hi, U8(64))
	JBE(LabelRef("oneword"))
	MOVQ(Mem{Base: bp, Disp: 8}, hi)
	SHRQ(CL, hi, m)
	JMP(LabelRef("masked"))
	Label("oneword")
	SHRQ(CL, m)
	Label("masked")
	apply(e, dp, sp, s, aff, m, n)
	VZEROUPPER()
	RET()
}

// mulZ emits the zero-masked multiply dst = src·s under opmask k (lanes off
// are zero, and for a memory src not read).
func mulZ(e elemType, src Op, s VecVirtual, k Op, dst VecVirtual) {
	if e.half != nil {
		e.loadZ(src.(Mem), k, dst)
		VMULPS_Z(s, dst, k, dst)
		return
	}
	if e.size == 4 {
		VMULPS_Z(src, s, k, dst)
	} else {
		VMULPD_Z(src, s, k, dst)
	}
}

// applyWordAVX512 emits, for the 64 elements at dp and sp, dst = src·s
// where bit i of m is set and +0 where it is clear, by zero-masked
// multiplies of 16-lane (float32) or 8-lane (float64) pieces. With count
// (1..64), only the first count elements are read or written. m is
// consumed. A whole word of a half type is applyWordPairsAVX512.
//
// With aff, kept elements become src·s + aff.b (a zero-masked multiply, then
// an add merged into a copy of aff.c) and dropped ones aff.c.
func applyWordAVX512(e elemType, dp, sp Register, s VecVirtual, aff *affineVecs, m GPVirtual, count Register) {
	if e.half != nil && count == nil {
		applyWordPairsAVX512(e, dp, sp, s, aff, m)
		return
	}
	piece := 64 / e.laneBytes
	vb := e.vecBytes(avx512)
	var valid GPVirtual
	if count != nil {
		valid = GP64()
		MOVQ(I32(-1), valid)
		BZHIQ(count, valid, valid) // count = 64 leaves all 64 bits
		ANDQ(valid, m)
	}
	what := "dst = src·s where kept, +0 elsewhere"
	if aff != nil {
		what = "dst = src·a + b where kept, c elsewhere"
	}
	Comment(fmt.Sprintf("%s: %d vectors of %d lanes, one mask piece each.", what, 64/piece, piece))
	for q := 0; q < 64/piece; q++ {
		if q > 0 {
			SHRQ(U8(piece), m)
			if valid != nil {
				SHRQ(U8(piece), valid)
			}
		}
		k := K()
		KMOVW(m.As32(), k)
		v := ZMM()
		mulZ(e, Mem{Base: sp, Disp: vb * q}, s, k, v)
		if aff != nil {
			out := ZMM()
			e.mov(aff.c, out)
			e.ops().add(aff.b, v, k, out) // merge-masked: dropped lanes keep c
			v = out
		}
		if valid == nil {
			e.store(avx512, regular, v, Mem{Base: dp, Disp: vb * q})
		} else {
			kv := K()
			KMOVW(valid.As32(), kv)
			e.storeK(v, kv, Mem{Base: dp, Disp: vb * q})
		}
	}
}

// applyWordPairsAVX512 is applyWordAVX512 of a whole word of a half type:
// two pairs of 32 elements (loadPair, packPair), one 64-byte load and store
// each, every element read and multiplied, and the result zero-masked by 32
// bits of m at once (with aff: blended with the fill, VPBLENDMW).
func applyWordPairsAVX512(e elemType, dp, sp Register, s VecVirtual, aff *affineVecs, m GPVirtual) {
	what := "dst = src·s where kept, +0 elsewhere"
	if aff != nil {
		what = "dst = src·a + b where kept, c elsewhere"
	}
	Comment(what + ": 2 pairs of 32 elements, one 64-byte load and store each.")
	c := e.halfConsts(avx512)
	for q := 0; q < 2; q++ {
		if q > 0 {
			SHRQ(U8(32), m)
		}
		k := K()
		KMOVD(m.As32(), k)
		a, b := ZMM(), ZMM()
		e.loadPair(avx512, Mem{Base: sp, Disp: 64 * q}, a, b)
		for _, v := range []VecVirtual{a, b} {
			VMULPS(s, v, v)
			if aff != nil {
				VADDPS(aff.b, v, v)
			}
		}
		var r VecVirtual
		if aff == nil {
			r = e.packPair(avx512, c, a, b, k)
		} else {
			r = e.packPair(avx512, c, a, b, nil)
			VPBLENDMW(r, aff.fill, k, r) // r where kept, the fill elsewhere
		}
		VMOVDQU64(r, Mem{Base: dp, Disp: 64 * q})
	}
}

// applyWordAVX2 is applyWordAVX512 for AVX2: the mask word is broadcast,
// and lane l of piece q is kept iff word & bit[lanes·q+l] != 0 (the high 32
// bits broadcast separately for dword lanes). With count (1..64), loads and
// stores are VMASKMOVPS/PD masked to lanes < count; a half type has
// lastWordHalfAVX2 instead.
//
// With aff, kept elements become src·s + aff.b and dropped ones aff.c, by
// a blend on the lane masks instead of the AND.
func applyWordAVX2(e elemType, dp, sp Register, s VecVirtual, aff *affineVecs, m GPVirtual, n Register) {
	if e.half != nil && n != nil {
		lastWordHalfAVX2(e, dp, sp, s, aff, m, n)
		return
	}
	if e.half != nil {
		applyWordPairsAVX2(e, dp, sp, s, aff, m)
		return
	}
	lanes, vb := e.lanes(avx2), e.vecBytes(avx2)
	Comment(fmt.Sprintf("Lane masks from the mask word: %d pieces of %d lanes.", 64/lanes, lanes))
	var count VecVirtual
	if n != nil {
		x := XMM()
		VMOVQ(n, x)
		count = YMM()
		e.intBcast(x, count)
	}
	var words [2]VecVirtual
	if e.laneBytes == 4 {
		x := XMM()
		VMOVQ(m, x)
		words[0] = YMM()
		VPBROADCASTD(x, words[0])
		SHRQ(U8(32), m)
		x = XMM()
		VMOVQ(m, x)
		words[1] = YMM()
		VPBROADCASTD(x, words[1])
	} else {
		x := XMM()
		VMOVQ(m, x)
		words[0] = YMM()
		VPBROADCASTQ(x, words[0])
	}
	// The results are stored group pieces at a time (storeVecs): a
	// bfloat16 kernel packs two into one YMM.
	group := 1
	if e.half != nil && e.half.bf {
		group = 2
	}
	var results []VecVirtual
	for q := 0; q < 64/lanes; q++ {
		var word VecVirtual
		var bit Mem
		k := YMM()
		if e.laneBytes == 4 {
			word, bit = words[q/4], bitD.Offset(32*(q%4))
			VPAND(bit, word, k)
			VPCMPEQD(bit, k, k)
		} else {
			word, bit = words[0], bitQ.Offset(32*q)
			VPAND(bit, word, k)
			VPCMPEQQ(bit, k, k)
		}
		at := Mem{Base: sp, Disp: vb * q}
		v := YMM()
		if n == nil {
			e.mulMem(at, s, v)
			finishAVX2(e, aff, k, v)
			results = append(results, v)
			if len(results) == group {
				e.storeVecs(avx2, regular, results, Mem{Base: dp, Disp: vb * (q + 1 - group)})
				results = nil
			}
			continue
		}
		vm := YMM()
		iota := iotaD
		if e.size == 8 {
			iota = iotaQ
		}
		e.intCmpGT(iota.Offset(32*q), count, vm) // count > lane
		e.maskMov(at, vm, v)
		e.mul(v, s, v)
		finishAVX2(e, aff, k, v)
		e.maskMov(v, vm, Mem{Base: dp, Disp: 32 * q})
	}
}

// applyWordPairsAVX2 is applyWordAVX2 of a whole word of a half type: four
// pairs of 16 elements (loadPair, packPair), one 32-byte load and store each,
// every element read and multiplied. The mask word is broadcast once; each
// pair's keep bits are brought to its words by VPSHUFB and an AND (word j
// then positive if element j is kept, else 0), and VPSIGNW zeroes the
// dropped elements of the packed result (with aff: of its difference from
// the fill, added back).
func applyWordPairsAVX2(e elemType, dp, sp Register, s VecVirtual, aff *affineVecs, m GPVirtual) {
	what := "dst = src·s where kept, +0 elsewhere"
	if aff != nil {
		what = "dst = src·a + b where kept, c elsewhere"
	}
	Comment(what + ": 4 pairs of 16 elements, one 32-byte load and store each.")
	x, mb := XMM(), YMM()
	VMOVQ(m, x)
	VPBROADCASTQ(x, mb)
	c := e.halfConsts(avx2)
	for q := 0; q < 4; q++ {
		a, b := YMM(), YMM()
		e.loadPair(avx2, Mem{Base: sp, Disp: 32 * q}, a, b)
		for _, v := range []VecVirtual{a, b} {
			VMULPS(s, v, v)
			if aff != nil {
				VADDPS(aff.b, v, v)
			}
		}
		r := e.packPair(avx2, c, a, b, nil)
		k := YMM()
		VPSHUFB(pairSelect.Offset(32*q), mb, k)
		VPAND(pairBits, k, k) // word j: > 0 if element j is kept, else 0
		if aff == nil {
			VPSIGNW(k, r, r) // r where kept, 0 elsewhere
		} else {
			VPSUBW(aff.fill, r, r)
			VPSIGNW(k, r, r)
			VPADDW(aff.fill, r, r) // r where kept, the fill elsewhere
		}
		VMOVDQU(r, Mem{Base: dp, Disp: 32 * q})
	}
}

// finishAVX2 turns the product v into the result under the lane mask k:
// AND with k, or for aff the add and the blend with c.
func finishAVX2(e elemType, aff *affineVecs, k, v VecVirtual) {
	if aff == nil {
		andMask(e, k, v)
		return
	}
	e.ops().add(aff.b, v, v)
	e.blend(k, v, aff.c, v) // v where kept, c elsewhere
}

// lastWordHalfAVX2 is applyWordAVX2 with count n (1..64) for a half type:
// whole pieces of 8 elements while at least 8 are left, each with the lane
// masks of the low 8 bits of m, then the 1..7 left, if any, with a half tail
// (halfTailAVX2). dp, sp, m and n are consumed.
func lastWordHalfAVX2(e elemType, dp, sp Register, s VecVirtual, aff *affineVecs, m GPVirtual, n Register) {
	l := uniqueLabel("lastword")
	Comment("The last word: pieces of 8 elements, lane masks from the low 8 bits of m, then a tail.")
	laneMask := func() VecVirtual {
		x, w, k := XMM(), YMM(), YMM()
		VMOVQ(m, x)
		VPBROADCASTD(x, w)
		VPAND(bitD, w, k)
		VPCMPEQD(bitD, k, k)
		return k
	}
	Label(l + "piece")
	CMPQ(n, U8(8))
	JB(LabelRef(l + "tail"))
	k, v := laneMask(), YMM()
	e.mulMem(Mem{Base: sp}, s, v)
	finishAVX2(e, aff, k, v)
	e.store(avx2, regular, v, Mem{Base: dp})
	ADDQ(U8(16), sp)
	ADDQ(U8(16), dp)
	SHRQ(U8(8), m)
	SUBQ(U8(8), n)
	JMP(LabelRef(l + "piece"))

	Label(l + "tail")
	TESTQ(n, n)
	JZ(LabelRef(l + "done"))
	k, v = laneMask(), YMM()
	t := newHalfTailAVX2(e, n)
	t.load(Mem{Base: sp}, v)
	e.mul(v, s, v)
	finishAVX2(e, aff, k, v)
	t.store(v, Mem{Base: dp})
	Label(l + "done")
}

// labels counts uniqueLabel's labels.
var labels int

// uniqueLabel returns a label name that starts with prefix and is used
// nowhere else, for code emitted more than once in a function.
func uniqueLabel(prefix string) string {
	labels++
	return fmt.Sprintf("%s%d", prefix, labels)
}
