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
	lanes := e.lanes(isa)

	TEXT(name, NOSPLIT, fmt.Sprintf("func(dst, src []%s, bits []uint64, first, plane, n int, a, b, c %s)", e.goType, e.scalar))
	Pragma("noescape")
	fill := "c"
	if e.half != nil {
		fill = e.goType + "From(c)"
	}
	Doc(append([]string{
		fmt.Sprintf("%s is %s with %d-lane %s vectors; it is", name, e.genericName("affinePlanes"), lanes, isa.name),
		"equivalent to",
		"",
		"\tfor i := first; i < first+n; {",
		"\t\tj := runEnd(bits, i, first+n)",
		"\t\tlo, hi := (i-first)*plane, (j-first)*plane",
		"\t\tif bits[i>>6]>>(i&63)&1 == 1 {",
		"\t\t\tfor k := lo; k < hi; k++ {",
		"\t\t\t\tdst[k] = " + e.result("src[k]", func(x string) string { return fmt.Sprintf("%s(%s*a) + b", e.scalar, x) }) + " // never fused",
		"\t\t\t}",
		"\t\t} else {",
		"\t\t\tfor k := lo; k < hi; k++ {",
		"\t\t\t\tdst[k] = " + fill + " // src[k] is not read",
		"\t\t\t}",
		"\t\t}",
		"\t\ti = j",
		"\t}",
		"",
		"Each range is done 4 vectors at a time, then 1 vector at a time, then",
		"a masked tail that touches no memory outside the range, so dst and src",
		"may be the same slice. A kept element is a multiply and then an add, each",
		"one IEEE rounding, as Go computes it: never a fused multiply-add.",
	}, e.roundedDoc()...)...)

	dp := Load(Param("dst").Base(), GP64())
	sp := Load(Param("src").Base(), GP64())
	bits := Load(Param("bits").Base(), GP64())
	i := Load(Param("first"), GP64())
	plane := Load(Param("plane"), GP64())
	end := Load(Param("n"), GP64())
	ADDQ(i, end)

	a, b, c := broadcastParam(isa, e, "a"), broadcastParam(isa, e, "b"), broadcastParam(isa, e, "c")

	fv := e.fillOf(isa, c)

	planeRuns(bits, i, end, plane,
		func(count Register) { keepRange(isa, regular, e, dp, sp, count, a, b, nil) },
		func(count Register) { fillRange(isa, regular, e, dp, sp, count, fv, fill) })
	VZEROUPPER()
	RET()
}
