package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The half types (DESIGN.md, "Half precision"): the kernels of BFloat16 and
// Float16 are those of float32 with a widening load in place of the float
// load and a rounding narrow store in place of the float store. A vector of
// float32 lanes covers half as many bytes of memory as a float32 vector: 32
// bytes (16 elements) for a ZMM, 16 bytes (8 elements) for a YMM; the
// unrolled loops take a whole register of memory at a time as a pair of
// such vectors (loadPair, packPair, below). The widening is exact; the store
// rounds each lane once, to nearest with ties to even, as half.go in package
// dropout does:
//
//   - bfloat16, as c10::BFloat16 rounds, with integer instructions: NaN
//     lanes are first made 0x7FC00000, then u = (u + 0x7FFF + (u>>16 & 1)) >> 16,
//     which leaves 0x7FC0 for them (the pairs compute the same bits another
//     way: roundBF16High). AVX512_BF16's VCVTNEPS2BF16 would flush
//     subnormals, so it is not used.
//   - binary16, with VCVTPS2PH in its round-to-nearest-even mode (imm8 0),
//     which keeps subnormal results and rounds overflow to ±Inf; NaN lanes
//     are first made sign | 0x7FC00000 ((x | 0x7FC00000) & 0xFFC00000), which
//     it turns into sign | 0x7E00, where it would otherwise keep the top bits
//     of the payload (a pair instead clamps the NaNs VCVTPS2PH leaves).
//
// On AVX-512 the single vectors are AVX512F: VPMOVZXWD and VCVTPH2PS from
// memory, VPMOVDW and VCVTPS2PH to memory, each of them masked by an opmask
// for the tails (a masked-off element is neither read nor written, and
// cannot fault); the pairs also use AVX512BW's word instructions. AVX2 has
// no 16-bit masked load or store: a tail of count elements is VPMASKMOVD of
// its count/2 whole pairs and a 16-bit load or store of its last element
// (halfTailAVX2), and its F16C VCVTPH2PS and VCVTPS2PH put F16C in the AVX2
// path's features.

// halfFormat is what sets a half type apart.
type halfFormat struct {
	bf   bool   // bfloat16; else binary16
	name string // "bfloat16"
	// rounding says how a float32 lane is rounded, for the doc comments.
	rounding []string
}

var (
	bf16Format = halfFormat{bf: true, name: "bfloat16", rounding: []string{
		"Each element is widened to float32 exactly (its bits shifted left",
		"by 16) and every result rounded once to bfloat16 as c10::BFloat16",
		"rounds: NaN lanes made 0x7FC00000, then u = (u + 0x7FFF + (u>>16 & 1)) >> 16",
		"in integer lanes, the low 16 bits of which are stored.",
	}}
	f16Format = halfFormat{name: "binary16", rounding: []string{
		"Each element is widened to float32 exactly (VCVTPH2PS) and every",
		"result rounded once to binary16 by VCVTPS2PH to nearest even,",
		"subnormals kept and overflow to ±Inf, after NaN lanes are made",
		"sign | 0x7FC00000, which it turns into sign | 0x7E00.",
	}}
)

// halfElem is the elemType of a half type: float32's lane instructions, the
// memory of 2-byte elements.
func halfElem(goType, suffix string, h *halfFormat) elemType {
	return elemType{
		goType: goType, suffix: suffix, size: 2, laneBytes: 4, scalar: "float32", half: h,
		broadcast: VBROADCASTSS, mul: VMULPS, mov: VMOVUPS, log2size: 1,
		intBcast: VPBROADCASTD, intCmpGT: VPCMPGTD, blend: VBLENDVPS,
		lane: func(i int) Constant { return U32(i) },
	}
}

// genericName is the name of the generic twin of kernel prim for e.
func (e elemType) genericName(prim string) string {
	if e.half != nil {
		return fmt.Sprintf("%sHalf[%s]", prim, e.goType)
	}
	return fmt.Sprintf("%sGeneric[%s]", prim, e.goType)
}

// result is the Go expression of a kept element in the doc comments: expr,
// a float32 or float64 expression of x, the element; for a half type
// computed on x.Float32() and rounded by BFloat16From or Float16From.
func (e elemType) result(x string, expr func(x string) string) string {
	if e.half == nil {
		return expr(x)
	}
	return fmt.Sprintf("%sFrom(%s)", e.goType, expr(x+".Float32()"))
}

// roundedDoc is the doc comment paragraph of e's rounding, if any.
func (e elemType) roundedDoc() []string {
	if e.half == nil {
		return nil
	}
	return append([]string{""}, e.half.rounding...)
}

// Read-only tables of the half kernels.
var (
	bf16One   Mem // dwords 1: the lowest kept bit of a bfloat16 rounding
	bf16Bias  Mem // dwords 0x7FFF: the rounding bias below a tie
	halfQNaN  Mem // dwords 0x7FC00000: a NaN lane before rounding
	f16NaN    Mem // dwords 0xFFC00000: a NaN lane's sign and quiet bits
	halfTails Mem // AVX2 tail masks: see halfTailAVX2

	// The tables of pairs (loadPair, packPair).
	bf16Up      Mem // dwords 0x8000: w = u + 0x8000
	bf16NotTie  Mem // dwords 0xFFFEFFFF: all but w's lowest kept bit
	bf16Fix     Mem // dword 0x11111100: VFIXUPIMMPS's table, NaN to dest, the rest kept
	bf16HighW   Mem // dwords 0xFFFF0000: the odd element of a dword, in place
	bf16PickOdd Mem // words: VPERMT2W's indices of the high words of an even and an odd vector
	f16QuietPos Mem // words 0x7E00: binary16's quiet NaN, the least positive one
	f16QuietNeg Mem // words 0xFE00: the least negative one
	bf16Tie     Mem // dwords 0x10000: w's lowest kept bit (AVX2)
	pairBits    Mem // AVX2: words 1 << j%8, the keep bit of element j of a pair in its byte
	pairSelect  Mem // AVX2: VPSHUFB controls, 32 bytes each, of the byte of pair q's mask bits for each word
)

// declareHalf declares the tables of the half kernels.
func declareHalf() {
	for _, c := range []struct {
		m    *Mem
		name string
		v    uint32
	}{
		{&bf16One, "bf16One", 1}, {&bf16Bias, "bf16Bias", 0x7FFF},
		{&halfQNaN, "halfQNaN", 0x7FC00000}, {&f16NaN, "f16NaN", 0xFFC00000},
		{&bf16Up, "bf16Up", 0x8000}, {&bf16NotTie, "bf16NotTie", 0xFFFEFFFF},
		{&bf16Fix, "bf16Fix", 0x11111100}, {&bf16HighW, "bf16HighW", 0xFFFF0000},
		{&bf16Tie, "bf16Tie", 0x10000},
	} {
		*c.m = GLOBL(c.name, RODATA|NOPTR)
		for i := 0; i < 8; i++ {
			DATA(4*i, U32(c.v))
		}
	}
	// Word j of a pair's 32 elements is the high word of dword j/2 of the
	// even vector (table 1) or of the odd one (table 2, indices 32 and up).
	bf16PickOdd = GLOBL("bf16PickOdd", RODATA|NOPTR)
	for j := 0; j < 32; j++ {
		i := j + 1
		if j%2 == 1 {
			i = 32 + j
		}
		DATA(2*j, U16(i))
	}
	for _, c := range []struct {
		m    *Mem
		name string
		v    uint16
	}{{&f16QuietPos, "f16QuietPos", 0x7E00}, {&f16QuietNeg, "f16QuietNeg", 0xFE00}} {
		*c.m = GLOBL(c.name, RODATA|NOPTR)
		for j := 0; j < 32; j++ {
			DATA(2*j, U16(c.v))
		}
	}
	// The mask word is broadcast to every qword; pair q's 16 bits are its
	// bytes 2q and 2q+1. Word j of the pair gets byte 2q + j/8 in its low
	// byte and 0 in its high one, and is ANDed with 1 << j%8: positive where
	// element j is kept, 0 where it is dropped, for VPSIGNW.
	pairBits = GLOBL("pairBits", RODATA|NOPTR)
	for j := 0; j < 16; j++ {
		DATA(2*j, U16(1<<(j%8)))
	}
	pairSelect = GLOBL("pairSelect", RODATA|NOPTR)
	for q := 0; q < 4; q++ {
		for j := 0; j < 16; j++ {
			DATA(32*q+2*j, U8(2*q+j/8))
			DATA(32*q+2*j+1, U8(0x80))
		}
	}
	// Entry w (16 bytes) of each of the three parts is for a tail of w+1
	// elements: the pairs mask (dword i all ones iff i < (w+1)/2), the
	// last element's mask (word w all ones), and the VPSHUFB control that
	// moves word w to word 0.
	halfTails = GLOBL("halfTails", RODATA|NOPTR)
	for w := 0; w < 8; w++ {
		for i := 0; i < 4; i++ {
			v := uint32(0)
			if i < (w+1)/2 {
				v = 0xFFFFFFFF
			}
			DATA(16*w+4*i, U32(v))
		}
	}
	for w := 0; w < 8; w++ {
		for j := 0; j < 8; j++ {
			v := uint16(0)
			if j == w {
				v = 0xFFFF
			}
			DATA(128+16*w+2*j, U16(v))
		}
	}
	for w := 0; w < 8; w++ {
		for b := 0; b < 16; b++ {
			v := uint8(0x80)
			if b < 2 {
				v = uint8(2*w + b)
			}
			DATA(256+16*w+b, U8(v))
		}
	}
}

// load sets v to the vector of e at m: a vector's memory, or for a half type
// also a register holding its elements (AVX2: an XMM register).
func (e elemType) load(m Op, v VecVirtual) {
	switch {
	case e.half == nil:
		e.mov(m, v)
	case e.half.bf:
		VPMOVZXWD(m, v)
		VPSLLD(U8(16), v, v)
	default:
		VCVTPH2PS(m, v)
	}
}

// loadZ is load zero-masked by opmask k (AVX-512): lanes off are +0 and
// their elements not read.
func (e elemType) loadZ(m Mem, k Op, v VecVirtual) {
	switch {
	case e.half == nil:
		e.movZ(m, k, v)
	case e.half.bf:
		VPMOVZXWD_Z(m, k, v)
		VPSLLD(U8(16), v, v)
	default:
		VCVTPH2PS_Z(m, k, v)
	}
}

// mulMem sets v = (the vector at m) · s; s may be v.
func (e elemType) mulMem(m Mem, s, v VecVirtual) {
	if e.half == nil {
		e.mul(m, s, v)
		return
	}
	var x VecVirtual
	if v.Size() == 32 {
		x = YMM()
	} else {
		x = ZMM()
	}
	e.load(m, x)
	VMULPS(s, x, v)
}

// loadAllOrNoneAVX2 is load where km (all ones or all zeros in every lane)
// is set; where it is clear, nothing is read and v is 0.
func (e elemType) loadAllOrNoneAVX2(m Mem, km, v VecVirtual) {
	if e.half == nil {
		e.maskMov(m, km, v)
		return
	}
	x := XMM()
	VPMASKMOVD(m, km.AsX(), x)
	e.load(x, v)
}

// store writes the vector v to m as the unrolled loops do. For a half type
// it rounds v's lanes (clobbering v) and narrows them.
func (e elemType) store(isa vecISA, st storeKind, v VecVirtual, m Mem) {
	switch {
	case e.half == nil:
		st.store(e, v, m)
	case isa.width == 64 && e.half.bf:
		VPMOVDW(roundBF16(isa, v), m)
	case isa.width == 64:
		quietF16(isa, v)
		VCVTPS2PH(U8(0), v, m)
	case e.half.bf:
		VMOVDQU(e.packAVX2(v), m)
	default:
		quietF16(isa, v)
		VCVTPS2PH(U8(0), v, m)
	}
}

// storeVecs stores the vectors vs at m, m + one vector's memory, and so on.
// A bfloat16 AVX2 kernel packs them two at a time (VPACKUSDW, then VPERMQ to
// put the 128-bit lanes in order) into a whole YMM store.
func (e elemType) storeVecs(isa vecISA, st storeKind, vs []VecVirtual, m Mem) {
	vb := e.vecBytes(isa)
	k := 0
	if e.half != nil && e.half.bf && isa.width == 32 {
		for ; k+1 < len(vs); k += 2 {
			lo, hi := roundBF16(isa, vs[k]), roundBF16(isa, vs[k+1])
			p := YMM()
			VPACKUSDW(hi, lo, p)
			VPERMQ(U8(0xD8), p, p) // qwords 0, 2, 1, 3
			VMOVDQU(p, m.Offset(k*vb))
		}
	}
	for ; k < len(vs); k++ {
		e.store(isa, st, vs[k], m.Offset(k*vb))
	}
}

// storeK is store masked by opmask k (AVX-512): lanes off are not written.
func (e elemType) storeK(v VecVirtual, k Op, m Mem) {
	switch {
	case e.half == nil:
		e.mov(v, k, m)
	case e.half.bf:
		VPMOVDW(roundBF16(avx512, v), k, m)
	default:
		quietF16(avx512, v)
		VCVTPS2PH(U8(0), v, k, m)
	}
}

// packAVX2 rounds the YMM v (clobbered) to 8 elements of the half type e,
// packed in an XMM register.
func (e elemType) packAVX2(v VecVirtual) VecVirtual {
	x := XMM()
	if e.half.bf {
		t, h := roundBF16(avx2, v), XMM()
		VEXTRACTI128(U8(1), t, h)
		VPACKUSDW(h, t.AsX(), x)
		return x
	}
	quietF16(avx2, v)
	VCVTPS2PH(U8(0), v, x)
	return x
}

// roundBF16 returns the bfloat16 rounding of v's float32 lanes, in the low
// 16 bits of each dword lane (the high 16 are 0); v is clobbered. On AVX-512
// it is roundBF16High shifted down.
func roundBF16(isa vecISA, v VecVirtual) VecVirtual {
	if isa.width == 64 {
		t := roundBF16High(pairConsts{}, v)
		VPSRLD(U8(16), t, t)
		return t
	}
	t := isa.vec()
	m := YMM()
	VCMPPS(U8(3), v, v, m)
	VBLENDVPS(m, halfQNaN, v, v)
	VPSRLD(U8(16), v, t)
	VPAND(bf16One, t, t)
	VPADDD(v, t, t)
	VPADDD(bf16Bias, t, t)
	VPSRLD(U8(16), t, t)
	return t
}

// quietF16 makes v's NaN lanes sign | 0x7FC00000, which VCVTPS2PH turns into
// binary16's sign | 0x7E00.
func quietF16(isa vecISA, v VecVirtual) {
	if isa.width == 64 {
		k := K()
		VCMPPS(U8(3), v, v, k)
		VPORD_BCST(halfQNaN, v, k, v)
		VPANDD_BCST(f16NaN, v, k, v)
		return
	}
	m, t := YMM(), YMM()
	VCMPPS(U8(3), v, v, m)
	VORPS(halfQNaN, v, t)
	VANDPS(f16NaN, t, t)
	VBLENDVPS(m, t, v, v)
}

// fillOf returns the vector the dropped elements of e are stored from, for
// the fill value c (every lane): c itself, or for a half type round(c) in
// every 16-bit lane of a whole register (so a store of a vector's memory is
// its low half, and VPMOVDW of its dwords gives round(c) too). c is kept.
func (e elemType) fillOf(isa vecISA, c VecVirtual) VecVirtual {
	if e.half == nil {
		return c
	}
	Comment(fmt.Sprintf("The fill: round(c) in every 16-bit lane of a %s.", isa.name))
	t := isa.vec()
	VMOVUPS(c, t)
	p := isa.vec()
	switch {
	case e.half.bf && isa.width == 64:
		d, h := roundBF16(isa, t), ZMM()
		VPSLLD(U8(16), d, h)
		VPORD(d, h, p)
	case e.half.bf:
		d := roundBF16(isa, t)
		VPACKUSDW(d, d, p)
	case isa.width == 64:
		quietF16(isa, t)
		y := YMM()
		VCVTPS2PH(U8(0), t, y)
		VPBROADCASTD(y.AsX(), p)
	default:
		quietF16(isa, t)
		x := XMM()
		VCVTPS2PH(U8(0), t, x)
		VPBROADCASTD(x, p)
	}
	return p
}

// storeFill writes bytes (a vector's memory, or for a half type also a
// whole register's) of the fill f (fillOf) to m.
func (e elemType) storeFill(isa vecISA, st storeKind, f VecVirtual, m Mem, bytes int) {
	switch {
	case e.half == nil:
		st.store(e, f, m)
	case bytes == isa.width && isa.width == 64:
		VMOVDQU64(f, m)
	case bytes == isa.width:
		VMOVDQU(f, m)
	case isa.width == 64:
		VEXTRACTI64X4(U8(0), f, m)
	default:
		VMOVDQU(f.AsX(), m)
	}
}

// storeFillK is storeFill of a vector's memory masked by opmask k
// (AVX-512).
func (e elemType) storeFillK(f VecVirtual, k Op, m Mem) {
	if e.half == nil {
		e.mov(f, k, m)
		return
	}
	VPMOVDW(f, k, m) // each dword holds round(c) twice
}

// tailMaskAVX2 is an AVX2 mask of the first count (1..lanes) elements of a
// vector, for loads and stores that touch no memory past them.
type tailMaskAVX2 interface {
	// load sets v to the count elements at m, 0 in the other lanes.
	load(m Mem, v VecVirtual)
	// store writes v's first count lanes to m; v may be clobbered.
	store(v VecVirtual, m Mem)
	// storeFill writes the first count elements of the fill f (fillOf).
	storeFill(f VecVirtual, m Mem)
	// only returns the mask for loads of the lanes also set in km, all
	// ones or all zeros, which is flag (all ones or 0) in every lane:
	// with flag 0 nothing at m is read. safe is an address any load of
	// 2 bytes may read.
	only(km VecVirtual, flag, safe Register) tailMaskAVX2
}

// newTailAVX2 returns e's AVX2 mask of count (1..lanes) elements.
func newTailAVX2(e elemType, count Register) tailMaskAVX2 {
	if e.half == nil {
		return floatTailAVX2{e, rangeMaskAVX2(e, count)}
	}
	return newHalfTailAVX2(e, count)
}

// tailLikeAVX2 returns e's AVX2 mask of count elements given m, the float
// mask of count lanes (rangeMaskAVX2 for f32 or f64): m itself for a float
// type.
func tailLikeAVX2(e elemType, m VecVirtual, count Register) tailMaskAVX2 {
	if e.half == nil {
		return floatTailAVX2{e, m}
	}
	return newHalfTailAVX2(e, count)
}

// floatTailAVX2 is the mask of a float type: lane i all ones iff count > i,
// for VMASKMOVPS/PD.
type floatTailAVX2 struct {
	e elemType
	m VecVirtual
}

func (t floatTailAVX2) load(m Mem, v VecVirtual)      { t.e.maskMov(m, t.m, v) }
func (t floatTailAVX2) store(v VecVirtual, m Mem)     { t.e.maskMov(v, t.m, m) }
func (t floatTailAVX2) storeFill(f VecVirtual, m Mem) { t.e.maskMov(f, t.m, m) }
func (t floatTailAVX2) only(km VecVirtual, _, _ Register) tailMaskAVX2 {
	kl := YMM()
	VPAND(km, t.m, kl)
	return floatTailAVX2{t.e, kl}
}

// halfTailAVX2 is the mask of count elements of a half type: VPMASKMOVD of
// the count/2 whole pairs (pairs), and the last element, count-1, alone, at
// byte off = 2(count-1): loaded by VPBROADCASTW and blended into its word
// (last), stored by VPEXTRW after VPSHUFB has brought it to word 0 (pick).
// When count is even the last element is also in the last pair; loading it
// or storing it twice does no harm, and saves a branch.
type halfTailAVX2 struct {
	e                 elemType
	pairs, last, pick VecVirtual // XMM, from halfTails
	off               Register
	flag, safe        Register // only's: the last element read at safe where flag is 0
}

func newHalfTailAVX2(e elemType, count Register) *halfTailAVX2 {
	Comment("Half tail of count elements: its whole pairs, then its last element alone.")
	t := &halfTailAVX2{e: e, pairs: XMM(), last: XMM(), pick: XMM()}
	off, i, tab := GP64(), GP64(), GP64()
	LEAQ(Mem{Base: count, Index: count, Scale: 1, Disp: -2}, off)
	MOVQ(off, i)
	SHLQ(U8(3), i) // 16(count-1), entry count-1 of each part
	LEAQ(halfTails, tab)
	VMOVDQU(Mem{Base: tab, Index: i, Scale: 1}, t.pairs)
	VMOVDQU(Mem{Base: tab, Index: i, Scale: 1, Disp: 128}, t.last)
	VMOVDQU(Mem{Base: tab, Index: i, Scale: 1, Disp: 256}, t.pick)
	t.off = off
	return t
}

// lastAt is the address of the last element of the tail at m.
func (t *halfTailAVX2) lastAt(m Mem) Mem {
	return Mem{Base: m.Base, Index: t.off, Scale: 1, Disp: m.Disp}
}

func (t *halfTailAVX2) load(m Mem, v VecVirtual) {
	x, w := XMM(), XMM()
	VPMASKMOVD(m, t.pairs, x)
	at := t.lastAt(m)
	if t.flag != nil {
		a := GP64()
		LEAQ(at, a)
		TESTQ(t.flag, t.flag)
		CMOVQEQ(t.safe, a)
		at = Mem{Base: a}
	}
	VPBROADCASTW(at, w)
	VPBLENDVB(t.last, w, x, x)
	t.e.load(x, v)
}

func (t *halfTailAVX2) store(v VecVirtual, m Mem) {
	x, y := t.e.packAVX2(v), XMM()
	VPMASKMOVD(x, t.pairs, m)
	VPSHUFB(t.pick, x, y)
	VPEXTRW(U8(0), y, t.lastAt(m))
}

func (t *halfTailAVX2) storeFill(f VecVirtual, m Mem) {
	VPMASKMOVD(f.AsX(), t.pairs, m)
	VPEXTRW(U8(0), f.AsX(), t.lastAt(m)) // every word is round(c)
}

func (t *halfTailAVX2) only(km VecVirtual, flag, safe Register) tailMaskAVX2 {
	o := *t
	o.pairs = XMM()
	VPAND(km.AsX(), t.pairs, o.pairs)
	o.flag, o.safe = flag, safe
	return &o
}

// Pairs: the unrolled loops take a half type's memory a whole register at a
// time, 32 elements (64 bytes) for AVX-512, as a pair of float32 vectors a
// and b, loaded by loadPair and rounded back into one register by packPair.
// Which elements go where is the type's:
//
//   - bfloat16: a holds the even elements and b the odd ones, each in the
//     high word of its dword lane: a is the memory's dwords shifted left by
//     16, b the same dwords with their low words cleared. No shuffle, and
//     the rounding (roundBF16High) leaves each result in that high word, so
//     one VPERMT2W of the two high words of every dword merges them back,
//     zero-masked by the keep bits of the 32 elements at once.
//   - binary16: a and b are the first and the second half, in order, each
//     widened by VCVTPH2PS and rounded by VCVTPS2PH; the halves are joined in
//     one register, whose NaNs VPMINSW and VPMINUW against 0x7E00 and 0xFE00
//     make sign | 0x7E00 (a NaN from VCVTPS2PH is quiet: its magnitude is
//     0x7E00 or more, every other value's 0x7C00 or less).
//
// Every instruction is AVX512F but KMOVD, VPERMT2W, VPBLENDMW, VPMINSW and
// VPMINUW on words, which are AVX512BW.

// pairConsts are the registers a bfloat16 packPair reads, loaded once by
// halfConsts so that the unrolled loops do not load them for every pair:
// bf16Up and bf16Bias, then bf16Fix and bf16NotTie (AVX-512) or bf16Tie
// (AVX2).
type pairConsts struct {
	up, bias    VecVirtual
	fix, notTie VecVirtual // AVX-512
	tie         VecVirtual // AVX2
}

// halfConsts loads the constants of e's pairs on isa (none for float32,
// float64 and binary16).
func (e elemType) halfConsts(isa vecISA) pairConsts {
	if e.half == nil || !e.half.bf {
		return pairConsts{}
	}
	if isa.width == 32 {
		c := pairConsts{up: YMM(), bias: YMM(), tie: YMM()}
		VMOVDQU(bf16Up, c.up)
		VMOVDQU(bf16Bias, c.bias)
		VMOVDQU(bf16Tie, c.tie)
		return c
	}
	c := pairConsts{up: ZMM(), bias: ZMM(), fix: ZMM(), notTie: ZMM()}
	VPBROADCASTD(bf16Up, c.up)
	VPBROADCASTD(bf16Bias, c.bias)
	VPBROADCASTD(bf16Fix, c.fix)
	VPBROADCASTD(bf16NotTie, c.notTie)
	return c
}

// mulMemVecs sets vs (an even number of them for a half type) to the
// vectors at m, m + one vector's memory, and so on, times s, as the unrolled
// loops of the plane kernels load them: a half type's two at a time as a
// pair (loadPair), in the order of the pair, which only storeMulVecs undoes.
func (e elemType) mulMemVecs(isa vecISA, m Mem, s VecVirtual, vs []VecVirtual) {
	vb := e.vecBytes(isa)
	if e.half == nil {
		for k, v := range vs {
			e.mulMem(m.Offset(k*vb), s, v)
		}
		return
	}
	for k := 0; k < len(vs); k += 2 {
		e.loadPair(isa, m.Offset(k*vb), vs[k], vs[k+1])
		VMULPS(s, vs[k], vs[k])
		VMULPS(s, vs[k+1], vs[k+1])
	}
}

// storeMulVecs stores the vectors vs of mulMemVecs (after any lane-wise
// operation) at m: storeVecs, or for a half type a whole register a pair
// (packPair; c from halfConsts).
func (e elemType) storeMulVecs(isa vecISA, st storeKind, c pairConsts, vs []VecVirtual, m Mem) {
	if e.half == nil {
		e.storeVecs(isa, st, vs, m)
		return
	}
	for k := 0; k < len(vs); k += 2 {
		p, at := e.packPair(isa, c, vs[k], vs[k+1], nil), m.Offset(k*e.vecBytes(isa))
		if isa.width == 64 {
			VMOVDQU64(p, at)
		} else {
			VMOVDQU(p, at)
		}
	}
}

// loadPair sets a and b to the pair of e at m, the memory of a whole
// register of isa, widened exactly.
func (e elemType) loadPair(isa vecISA, m Mem, a, b VecVirtual) {
	switch {
	case e.half.bf && isa.width == 64:
		x := ZMM()
		VMOVDQU64(m, x)
		VPSLLD(U8(16), x, a)         // the even elements
		VPANDD_BCST(bf16HighW, x, b) // the odd ones
	case e.half.bf:
		x := YMM()
		VMOVDQU(m, x)
		VPSLLD(U8(16), x, a)
		VPAND(bf16HighW, x, b)
	default:
		VCVTPH2PS(m, a)
		VCVTPH2PS(m.Offset(isa.width/2), b)
	}
}

// loadPairAllOrNoneAVX2 is loadPair for AVX2 where km (all ones or all
// zeros in every lane) is set; where it is clear nothing at m is read
// (VPMASKMOVD) and the pair is 0.
func (e elemType) loadPairAllOrNoneAVX2(m Mem, km, a, b VecVirtual) {
	x := YMM()
	VPMASKMOVD(m, km, x)
	if e.half.bf {
		VPSLLD(U8(16), x, a)
		VPAND(bf16HighW, x, b)
		return
	}
	t := XMM()
	VEXTRACTI128(U8(1), x, t)
	VCVTPH2PS(x.AsX(), a)
	VCVTPH2PS(t, b)
}

// packPair rounds the pair a, b of e (clobbered) to e and returns its
// elements in order in one register; with k (an opmask of 32 elements, or
// nil), zero-masked by it.
func (e elemType) packPair(isa vecISA, c pairConsts, a, b VecVirtual, k Op) VecVirtual {
	if isa.width == 32 {
		return e.packPairAVX2(c, a, b)
	}
	if e.half.bf {
		ra, rb := roundBF16High(c, a), roundBF16High(c, b)
		idx := ZMM()
		VMOVDQU64(bf16PickOdd, idx)
		if k == nil {
			VPERMT2W(rb, idx, ra)
		} else {
			VPERMT2W_Z(rb, idx, k, ra)
		}
		return ra
	}
	// z is zeroed first (an idiom the CPU does not execute) so that the
	// register allocator sees all of it written before the VINSERTI64X4.
	z, yb := ZMM(), YMM()
	VPXORQ(z, z, z)
	VCVTPS2PH(U8(0), a, z.AsY())
	VCVTPS2PH(U8(0), b, yb)
	VINSERTI64X4(U8(1), yb, z, z)
	VPMINSW(f16QuietPos, z, z) // positive NaNs 0x7E00
	if k == nil {
		VPMINUW(f16QuietNeg, z, z) // negative NaNs 0xFE00
	} else {
		VPMINUW_Z(f16QuietNeg, z, k, z)
	}
	return z
}

// roundBF16High returns the bfloat16 rounding of v's float32 lanes (AVX-512)
// in the high word of each dword lane; the low word is not defined, v is
// kept. NaN lanes are first made 0x7FC00000 (VFIXUPIMMPS: a NaN takes the
// destination, every other value passes through unchanged, subnormals
// too). Then w = u + 0x8000 has c10's (u + 0x7FFF + b) >> 16 in its high
// word, b the lowest kept bit, except at a tie (u's low word 0x8000) with
// b = 0, where it is one too many. At a tie, and only there, w−1 =
// u + 0x7FFF differs from w in bit 16, and has it clear exactly when b = 0,
// so w & (w−1 | ^0x10000) removes that one: the rounding in three
// instructions of either vector port. The constants are c's, or with c
// empty (halfConsts of no pair) broadcast from memory.
func roundBF16High(c pairConsts, v VecVirtual) VecVirtual {
	u, w, w1 := ZMM(), ZMM(), ZMM()
	VPBROADCASTD(halfQNaN, u)
	if c.fix == nil {
		VFIXUPIMMPS_BCST(U8(0), bf16Fix, v, u)
		VPADDD_BCST(bf16Up, u, w)
		VPADDD_BCST(bf16Bias, u, w1)
		VPTERNLOGD_BCST(U8(0xE0), bf16NotTie, w1, w)
		return w
	}
	VFIXUPIMMPS(U8(0), c.fix, v, u) // u = v, or 0x7FC00000 where v is NaN
	VPADDD(c.up, u, w)
	VPADDD(c.bias, u, w1)
	VPTERNLOGD(U8(0xE0), c.notTie, w1, w) // w & (w1 | notTie)
	return w
}

// packPairAVX2 is packPair for AVX2 (16 elements, a YMM register), whose
// callers mask the result themselves. A bfloat16 pair is rounded as on
// AVX-512 but for the NaN lanes: AVX2 has no VFIXUPIMMPS, and VCMPPS and
// VBLENDVPS for each vector would cost four instructions of 16 elements'
// twenty, so one VCMPPS of both vectors (unordered: either is NaN) tells
// whether the pair has a NaN at all, and only then are they blended. The
// tie bit is cleared by two VPANDN (w &^ (bit16 &^ w−1)); the even results
// are shifted to the low words and VPBLENDW takes the odd ones' high words.
func (e elemType) packPairAVX2(c pairConsts, a, b VecVirtual) VecVirtual {
	if !e.half.bf {
		y, xb := YMM(), XMM()
		VPXOR(y, y, y) // as in packPair
		VCVTPS2PH(U8(0), a, y.AsX())
		VCVTPS2PH(U8(0), b, xb)
		VINSERTI128(U8(1), xb, y, y)
		VPMINSW(f16QuietPos, y, y) // positive NaNs 0x7E00
		VPMINUW(f16QuietNeg, y, y) // negative NaNs 0xFE00
		return y
	}
	ok := uniqueLabel("pairnum")
	n, r := YMM(), GP32()
	VCMPPS(U8(3), b, a, n) // unordered: a or b is NaN
	VMOVMSKPS(n, r)
	TESTL(r, r)
	JZ(LabelRef(ok))
	for _, v := range []VecVirtual{a, b} {
		m := YMM()
		VCMPPS(U8(3), v, v, m)
		VBLENDVPS(m, halfQNaN, v, v)
	}
	Label(ok)
	var rs [2]VecVirtual
	for i, v := range []VecVirtual{a, b} {
		w, w1, t := YMM(), YMM(), YMM()
		VPADDD(c.up, v, w)
		VPADDD(c.bias, v, w1)
		VPANDN(c.tie, w1, t) // bit 16 where w−1 lacks it: a tie to clear
		VPANDN(w, t, w)
		rs[i] = w
	}
	VPSRLD(U8(16), rs[0], rs[0])
	out := YMM()
	VPBLENDW(U8(0xAA), rs[1], rs[0], out) // the odd words from b
	return out
}
