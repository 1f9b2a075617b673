package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// rowsAndAffine builds the scale-rows and affine-planes kernels of both
// vector widths, AVX-512 first as in main.
func rowsAndAffine() {
	for _, isa := range []vecISA{avx512, avx2} {
		for _, st := range []storeKind{regular, nonTemporal} {
			for _, e := range st.elems() {
				scaleRows(isa, st, e)
			}
		}
	}
	for _, isa := range []vecISA{avx512, avx2} {
		for _, e := range allElems {
			affinePlanes(isa, e)
		}
	}
}

// elemOps are the packed instructions of one element type that scale-rows
// and affine-planes use beyond elemType's.
type elemOps struct {
	add  func(ops ...Op)             // packed add, one rounding
	cmp  func(ops ...Op)             // packed compare with an imm8 predicate
	and  func(ops ...Op)             // bitwise AND (VEX only: the EVEX form needs AVX512DQ)
	mulZ func(mxyz, xyz, k, xyz1 Op) // zero-masked packed multiply (AVX-512)
}

var elemOpsBySize = map[int]elemOps{
	4: {add: VADDPS, cmp: VCMPPS, and: VANDPS, mulZ: VMULPS_Z},
	8: {add: VADDPD, cmp: VCMPPD, and: VANDPD, mulZ: VMULPD_Z},
}

func (e elemType) ops() elemOps { return elemOpsBySize[e.laneBytes] }

// scaleType is the element type of the scale arguments of e's kernels: e,
// or float32 for a half type (scale-rows' v).
func (e elemType) scaleType() elemType {
	if e.half != nil {
		return f32
	}
	return e
}

// cmpNEQ is the compare predicate NEQ_UQ: true where v != ±0, and for NaN,
// which the generic kernel's bit test also keeps (the contract excludes NaN
// scales, so either choice would do).
var cmpNEQ = U8(4)

// scaleRows builds scaleRows<isa><store><elem>, the scale-rows primitive of
// kernelSet: dst and src are walked linearly in rows of len(v) elements, the
// last one possibly partial, each row against v from its start.
func scaleRows(isa vecISA, st storeKind, e elemType) {
	name := "scaleRows" + isa.name + st.name + e.suffix
	lanes, vb := e.lanes(isa), e.vecBytes(isa)
	ve := e.scaleType()

	sig := fmt.Sprintf("func(dst, src, v []%s)", e.goType)
	if e.half != nil {
		sig = fmt.Sprintf("func(dst, src []%s, v []%s)", e.goType, e.scalar)
	}
	TEXT(name, NOSPLIT, sig)
	Pragma("noescape")
	keepMask := "a compare of v with zero into an opmask, then a zero-masked multiply"
	if isa.name == avx2.name {
		keepMask = "the product ANDed with a compare of v with zero (all ones where v != ±0)"
	}
	doc := []string{
		fmt.Sprintf("%s is %s with %d-lane %s vectors; it is", name, e.genericName("scaleRows"), lanes, isa.name),
		"equivalent to",
		"",
		"\tfor i := range dst {",
		"\t\tj := i % len(v)",
		"\t\tif v[j] != 0 { // false for -0 as for +0",
		"\t\t\tdst[i] = " + e.result("src[i]", func(x string) string { return x + " * v[j]" }),
		"\t\t} else {",
		"\t\t\tdst[i] = 0 // whatever src[i] holds, NaN and Inf included",
		"\t\t}",
		"\t}",
		"",
		"without a branch per element: " + keepMask + ".",
		"The multiply is one IEEE rounding, as in Go. Each row is done 4 vectors at",
		"a time, then 1, then a masked tail that touches no memory outside dst, src",
		"and v, so dst and src may be the same slice. When len(v) is less than a",
		fmt.Sprintf("vector (%d elements), v's masks are computed once and every row is one", lanes),
		"masked vector.",
	}
	doc = append(doc, e.roundedDoc()...)
	if st.nt {
		doc = append(doc,
			"",
			"The vector loops store with non-temporal hints, bypassing the caches;",
			fmt.Sprintf("each row first peels a masked head until dst is %d-byte aligned", isa.width),
			"(the planner's scale vectors are a multiple of 16 elements, so in a",
			"64-byte aligned tensor every row already is). SFENCE at the end orders",
			"those weakly ordered stores before the return.",
		)
	}
	Doc(doc...)

	dp := Load(Param("dst").Base(), GP64())
	n := Load(Param("dst").Len(), GP64())
	sp := Load(Param("src").Base(), GP64())
	vp := Load(Param("v").Base(), GP64())
	vlen := Load(Param("v").Len(), GP64())
	zero := isa.vec()
	isa.zero(zero)
	cnt, vq := GP64(), GP64()
	CMPQ(vlen, U32(lanes))
	JB(LabelRef("short"))

	Label("row")
	Comment("This row: cnt = min(elements left, len(v)), against v from its start.")
	MOVQ(vlen, cnt)
	CMPQ(n, cnt)
	CMOVQLT(n, cnt)
	SUBQ(cnt, n)
	MOVQ(vp, vq)
	if st.nt {
		Comment(fmt.Sprintf("Head: the elements before dst's first %d-byte boundary, with masked stores.", isa.width))
		CMPQ(cnt, U32(lanes))
		JB(LabelRef("aligned"))
		h := GP64()
		MOVQ(dp, h)
		NEGQ(h)
		ANDQ(U32(isa.width-1), h)
		SHRQ(U8(e.log2size), h)
		JZ(LabelRef("aligned"))
		SUBQ(h, cnt)
		rowsTail(isa, e, dp, sp, vq, h, zero)
		Label("aligned")
	}

	Comment("4 vectors at a time.")
	CMPQ(cnt, U32(4*lanes))
	JB(LabelRef("rows1"))
	Label("rows4")
	var x [4]VecVirtual
	for k := range x {
		x[k] = isa.vec()
		ve.mov(Mem{Base: vq, Disp: k * isa.width}, x[k])
	}
	rowsMul(isa, e, x[:], sp, zero)
	e.storeVecs(isa, st, x[:], Mem{Base: dp})
	ADDQ(U32(4*vb), dp)
	ADDQ(U32(4*vb), sp)
	ADDQ(U32(4*isa.width), vq)
	SUBQ(U32(4*lanes), cnt)
	CMPQ(cnt, U32(4*lanes))
	JAE(LabelRef("rows4"))

	Label("rows1")
	CMPQ(cnt, U32(lanes))
	JB(LabelRef("rowtail"))
	ve.mov(Mem{Base: vq}, x[0])
	rowsMul(isa, e, x[:1], sp, zero)
	e.store(isa, st, x[0], Mem{Base: dp})
	ADDQ(U32(vb), dp)
	ADDQ(U32(vb), sp)
	ADDQ(U32(isa.width), vq)
	SUBQ(U32(lanes), cnt)
	JMP(LabelRef("rows1"))

	Label("rowtail")
	TESTQ(cnt, cnt)
	JZ(LabelRef("rowend"))
	rowsTail(isa, e, dp, sp, vq, cnt, zero)

	Label("rowend")
	TESTQ(n, n)
	JNZ(LabelRef("row"))
	Label("done")
	if st.nt {
		SFENCE()
	}
	VZEROUPPER()
	RET()

	Label("short")
	rowsShort(isa, e, dp, sp, vp, vlen, n, zero)
	Comment("The last, partial row, if any: the row tail with cnt = elements left.")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	MOVQ(n, cnt)
	XORQ(n, n)
	MOVQ(vp, vq)
	JMP(LabelRef("rowtail"))
}

// rowsMul emits x[k] = src[k]*x[k] where x[k] != ±0, else +0, for the
// vectors x[k] of v loaded from the row and the vectors of src at sp.
func rowsMul(isa vecISA, e elemType, x []VecVirtual, sp Register, zero VecVirtual) {
	o := e.ops()
	vb := e.vecBytes(isa)
	if isa.name == avx512.name {
		var k [4]Register
		for i := range x {
			k[i] = K()
			o.cmp(cmpNEQ, zero, x[i], k[i])
		}
		// src is loaded whole before the zero-masked multiply rather than
		// as its memory operand: with every lane of a vector masked off,
		// the memory operand is not read at all, and on a page that has
		// never been touched (a dropped channel's input that nothing
		// wrote) each such access costs a fault-suppression assist of
		// hundreds of cycles (AMD EPYC: NHWC C=3 at 25 MB, 13.2 ms
		// against 2.0 ms for AVX2).
		var y [4]VecVirtual
		for i := range x {
			y[i] = isa.vec()
			e.load(Mem{Base: sp, Disp: i * vb}, y[i])
		}
		for i := range x {
			o.mulZ(y[i], x[i], k[i], x[i])
		}
		return
	}
	var m [4]VecVirtual
	for i := range x {
		m[i] = isa.vec()
		o.cmp(cmpNEQ, zero, x[i], m[i])
	}
	for i := range x {
		e.mulMem(Mem{Base: sp, Disp: i * vb}, x[i], x[i])
		o.and(m[i], x[i], x[i])
	}
}

// rowsTail does the last 0 < cnt < lanes elements of a row, with v's
// elements at vq, by masked loads and stores that touch nothing outside the
// row (masked-off lanes of v load as 0, so they are never kept); it
// advances dp, sp and vq past them.
func rowsTail(isa vecISA, e elemType, dp, sp, vq, cnt Register, zero VecVirtual) {
	o := e.ops()
	ve := e.scaleType()
	x, y := isa.vec(), isa.vec()
	if isa.name == avx512.name {
		Comment("Tail: opmask in = 1<<cnt - 1, keep = in where v != ±0.")
		in, keep := rangeMaskAVX512(cnt), K()
		ve.movZ(Mem{Base: vq}, in, x)
		o.cmp(cmpNEQ, zero, x, keep)
		e.loadZ(Mem{Base: sp}, in, y)
		o.mulZ(y, x, keep, y)
		e.storeK(y, in, Mem{Base: dp})
	} else {
		Comment("Tail: lane i active iff cnt > i; keep = all ones where v != ±0.")
		in, keep := rangeMaskAVX2(ve, cnt), isa.vec()
		ve.maskMov(Mem{Base: vq}, in, x)
		o.cmp(cmpNEQ, zero, x, keep)
		t := tailLikeAVX2(e, in, cnt)
		t.load(Mem{Base: sp}, y)
		e.mul(y, x, y)
		o.and(keep, y, y)
		t.store(y, Mem{Base: dp})
	}
	for _, p := range []Register{dp, sp} {
		LEAQ(Mem{Base: p, Index: cnt, Scale: uint8(e.size)}, p)
	}
	LEAQ(Mem{Base: vq, Index: cnt, Scale: uint8(ve.size)}, vq)
}

// rowsShort handles v shorter than a vector: the masks of v's elements are
// computed once, then each whole row of len(v) elements is one masked vector.
// It leaves n < len(v) elements, the last partial row, to the caller.
func rowsShort(isa vecISA, e elemType, dp, sp, vp, vlen, n Register, zero VecVirtual) {
	o := e.ops()
	ve := e.scaleType()
	x, y := isa.vec(), isa.vec()
	step := GP64()
	MOVQ(vlen, step)
	SHLQ(U8(e.log2size), step)
	if isa.name == avx512.name {
		Comment("len(v) < lanes: opmask in = 1<<len(v) - 1, keep = in where v != ±0, once.")
		in, keep := rangeMaskAVX512(vlen), K()
		ve.movZ(Mem{Base: vp}, in, x)
		o.cmp(cmpNEQ, zero, x, keep)
		Label("shortrow")
		CMPQ(n, vlen)
		JB(LabelRef("shortend"))
		e.loadZ(Mem{Base: sp}, in, y)
		o.mulZ(y, x, keep, y)
		e.storeK(y, in, Mem{Base: dp})
	} else {
		Comment("len(v) < lanes: lane i active iff len(v) > i, keep = all ones where v != ±0, once.")
		in, keep := rangeMaskAVX2(ve, vlen), isa.vec()
		ve.maskMov(Mem{Base: vp}, in, x)
		o.cmp(cmpNEQ, zero, x, keep)
		t := tailLikeAVX2(e, in, vlen)
		Label("shortrow")
		CMPQ(n, vlen)
		JB(LabelRef("shortend"))
		t.load(Mem{Base: sp}, y)
		e.mul(y, x, y)
		o.and(keep, y, y)
		t.store(y, Mem{Base: dp})
	}
	ADDQ(step, dp)
	ADDQ(step, sp)
	SUBQ(vlen, n)
	JMP(LabelRef("shortrow"))
	Label("shortend")
}

// rangeMaskAVX512 returns an opmask of the low count (< 16) lanes. It uses CX.
func rangeMaskAVX512(count Register) Register {
	m := GP32()
	MOVL(U32(1), m)
	MOVQ(count, RCX)
	SHLL(CL, m)
	DECL(m)
	k := K()
	KMOVW(m, k)
	return k
}

// rangeMaskAVX2 returns a vector whose lane i is all ones iff count > i
// (count < lanes), the mask VMASKMOVPS/PD take.
func rangeMaskAVX2(e elemType, count Register) VecVirtual {
	lanes, ok := lanesAVX2[e.size]
	if !ok {
		panic("lane index table not declared")
	}
	c := XMM()
	VMOVQ(count, c)
	m := YMM()
	e.intBcast(c, m)
	e.intCmpGT(lanes, m, m)
	return m
}
