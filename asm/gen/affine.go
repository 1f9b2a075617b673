package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
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

	a, b, c := broadcastParam(isa, e, "a"), broadcastParam(isa, e, "b"), broadcastParam(isa, e, "c")

	planeRuns(bits, i, end, plane,
		func(count Register) { keepRange(isa, regular, e, dp, sp, count, a, b, nil) },
		func(count Register) { fillRange(isa, regular, e, dp, sp, count, c, "c") })
	VZEROUPPER()
	RET()
}
