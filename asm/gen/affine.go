package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// affinePlanes builds affinePlanes<isa><elem>, the affine-planes primitive of
// kernelSet: scale-planes' walk over runs of equal bits, with kept ranges
// mapped to src*a + b and dropped ones filled with c.
func affinePlanes(isa vecISA, e elemType) {
	name := "affinePlanes" + isa.name + e.suffix
	lanes := isa.width / e.size

	TEXT(name, NOSPLIT, fmt.Sprintf("func(dst, src []%[1]s, bits []uint64, first, plane, n int, a, b, c %[1]s)", e.goType))
	Pragma("noescape")
	Doc(
		fmt.Sprintf("%s is affinePlanesGeneric[%s] with %d-lane %s vectors; it is", name, e.goType, lanes, isa.name),
		"equivalent to",
		"",
		"\tfor i := first; i < first+n; {",
		"\t\tj := runEnd(bits, i, first+n)",
		"\t\tlo, hi := (i-first)*plane, (j-first)*plane",
		"\t\tif bits[i>>6]>>(i&63)&1 == 1 {",
		"\t\t\tfor k := lo; k < hi; k++ {",
		fmt.Sprintf("\t\t\t\tdst[k] = %s(src[k]*a) + b // never fused", e.goType),
		"\t\t\t}",
		"\t\t} else {",
		"\t\t\tfor k := lo; k < hi; k++ {",
		"\t\t\t\tdst[k] = c // src[k] is not read",
		"\t\t\t}",
		"\t\t}",
		"\t\ti = j",
		"\t}",
		"",
		"Each range is done 4 vectors at a time, then 1 vector at a time, then",
		"a masked tail that touches no memory outside the range, so dst and src",
		"may be the same slice. A kept element is a multiply and then an add, each",
		"one IEEE rounding, as Go computes it: never a fused multiply-add.",
	)

	dp := Load(Param("dst").Base(), GP64())
	sp := Load(Param("src").Base(), GP64())
	bits := Load(Param("bits").Base(), GP64())
	i := Load(Param("first"), GP64())
	plane := Load(Param("plane"), GP64())
	end := Load(Param("n"), GP64())
	ADDQ(i, end)

	var abc [3]VecVirtual
	for k, p := range []string{"a", "b", "c"} {
		arg, err := Param(p).Resolve()
		if err != nil {
			panic(err)
		}
		abc[k] = isa.vec()
		e.broadcast(arg.Addr, abc[k])
	}
	a, b, c := abc[0], abc[1], abc[2]

	Label("run")
	flip, j := runBounds(bits, i, end)

	count := runCount(i, j, plane, flip)

	affineRange(isa, e, dp, sp, count, a, b)
	JMP(LabelRef("next"))

	Label("drop")
	fillRange(isa, regular, e, dp, sp, count, c, "c")

	Label("next")
	CMPQ(i, end)
	JL(LabelRef("run"))
	VZEROUPPER()
	RET()
}

// affineRange emits dst[k] = src[k]*a + b (two roundings) for count elements
// at dp and sp, advancing both pointers past them.
func affineRange(isa vecISA, e elemType, dp, sp, count Register, a, b VecVirtual) {
	lanes := isa.width / e.size
	o := e.ops()
	Comment("Kept: dst = src*a + b, a multiply then an add; 4 vectors at a time, then 1, then a masked tail.")
	CMPQ(count, U32(4*lanes))
	JB(LabelRef("keep1"))
	Label("keep4")
	var v [4]VecVirtual
	for k := range v {
		v[k] = isa.vec()
		e.mul(Mem{Base: sp, Disp: k * isa.width}, a, v[k])
	}
	for k := range v {
		o.add(b, v[k], v[k])
	}
	for k := range v {
		e.mov(v[k], Mem{Base: dp, Disp: k * isa.width})
	}
	ADDQ(U32(4*isa.width), sp)
	ADDQ(U32(4*isa.width), dp)
	SUBQ(U32(4*lanes), count)
	CMPQ(count, U32(4*lanes))
	JAE(LabelRef("keep4"))

	Label("keep1")
	CMPQ(count, U32(lanes))
	JB(LabelRef("keeptail"))
	e.mul(Mem{Base: sp}, a, v[0])
	o.add(b, v[0], v[0])
	e.mov(v[0], Mem{Base: dp})
	ADDQ(U32(isa.width), sp)
	ADDQ(U32(isa.width), dp)
	SUBQ(U32(lanes), count)
	JMP(LabelRef("keep1"))

	Label("keeptail")
	TESTQ(count, count)
	JZ(LabelRef("next"))
	x := isa.vec()
	if isa.name == avx512.name {
		Comment("Tail: opmask k = 1<<count - 1.")
		k := rangeMaskAVX512(count)
		e.movZ(Mem{Base: sp}, k, x)
		e.mul(x, a, x)
		o.add(b, x, x)
		e.mov(x, k, Mem{Base: dp})
	} else {
		Comment("Tail: mask lane i = count > i ? all ones : 0.")
		m := rangeMaskAVX2(e, count)
		e.maskMov(Mem{Base: sp}, m, x)
		e.mul(x, a, x)
		o.add(b, x, x)
		e.maskMov(x, m, Mem{Base: dp})
	}
	LEAQ(Mem{Base: sp, Index: count, Scale: uint8(e.size)}, sp)
	LEAQ(Mem{Base: dp, Index: count, Scale: uint8(e.size)}, dp)
}
