package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// scalePlanes builds scalePlanes<isa><store><elem>, the scale-planes primitive
// of kernelSet: one call walks every plane, handling each run of consecutive
// planes with the same keep bit as one contiguous range of run*plane elements.
func scalePlanes(isa vecISA, st storeKind, e elemType) {
	name := "scalePlanes" + isa.name + st.name + e.suffix
	lanes := e.lanes(isa)

	TEXT(name, NOSPLIT, fmt.Sprintf("func(dst, src []%s, bits []uint64, first, plane, n int, s %s)", e.goType, e.scalar))
	Pragma("noescape")
	doc := []string{
		fmt.Sprintf("%s is %s with %d-lane %s vectors; it is", name, e.genericName("scalePlanes"), lanes, isa.name),
		"equivalent to",
		"",
		"\tfor i := first; i < first+n; {",
		"\t\tj := runEnd(bits, i, first+n)",
		"\t\tlo, hi := (i-first)*plane, (j-first)*plane",
		"\t\tif bits[i>>6]>>(i&63)&1 == 1 {",
		"\t\t\tfor k := lo; k < hi; k++ {",
		"\t\t\t\tdst[k] = " + e.result("src[k]", func(x string) string { return x + " * s" }),
		"\t\t\t}",
		"\t\t} else {",
		"\t\t\tfor k := lo; k < hi; k++ {",
		"\t\t\t\tdst[k] = 0 // src[k] is not read",
		"\t\t\t}",
		"\t\t}",
		"\t\ti = j",
		"\t}",
		"",
		"Each range is done 4 vectors at a time, then 1 vector at a time, then",
		"a masked tail that touches no memory outside the range, so dst and src",
		"may be the same slice. The multiply is one IEEE rounding, as in Go.",
	}
	doc = append(doc, e.roundedDoc()...)
	if st.nt {
		doc = append(doc,
			"",
			"The vector loops store with non-temporal hints, bypassing the caches;",
			fmt.Sprintf("each range first peels a masked head until dst is %d-byte aligned", isa.width),
			"(dst must be aligned to its element size, as Go aligns every float).",
			"SFENCE at the end orders those weakly ordered stores before the return.",
		)
	}
	Doc(doc...)

	dp := Load(Param("dst").Base(), GP64())
	sp := Load(Param("src").Base(), GP64())
	bits := Load(Param("bits").Base(), GP64())
	i := Load(Param("first"), GP64())
	plane := Load(Param("plane"), GP64())
	end := Load(Param("n"), GP64())
	ADDQ(i, end)

	s := broadcastParam(isa, e, "s")
	zero := isa.vec()
	isa.zero(zero)

	if !st.nt {
		small := smallPlaneBytes / e.size
		Comment(fmt.Sprintf("Planes of at most %d elements go one plane a step, with no run search.", small))
		CMPQ(plane, U32(small))
		JA(LabelRef("run"))
		isa.smallPlanes(e, dp, sp, bits, i, end, plane, s)
		JMP(LabelRef("done"))
	}

	planeRuns(bits, i, end, plane,
		func(count Register) { keepRange(isa, st, e, dp, sp, count, s, nil, zero) },
		func(count Register) { dropRange(isa, st, e, dp, sp, count, zero) })
	if !st.nt {
		Label("done")
	}
	if st.nt {
		SFENCE()
	}
	VZEROUPPER()
	RET()
}

// smallPlaneBytes is the plane size, in bytes, up to which the regular
// scale-planes kernels take the plane-by-plane path. ManyChannels-like
// shapes, µs, runs → plane by plane (Intel Xeon VM, AVX-512 and AVX2 alike):
// float32 planes of 16 elements 170 → 147 (2 MiB, past L2) and 5.2 → 3.5
// (128 KiB, in L2); but float64 planes of 16 elements 272 → 308 and 5.9 →
// 6.5, float32 7×7 planes 440 → 465 on 8 AVX2 or 4 AVX-512 vectors a plane,
// and no change at 2 AVX-512 vectors. The non-temporal kernels keep the run
// path: a plane this short has no aligned vector to store non-temporally.
const smallPlaneBytes = 64

// smallPlaneVecs is the most vectors a plane of the plane-by-plane path has,
// for vectors that cover vecBytes of memory.
func smallPlaneVecs(vecBytes int) int { return max(1, smallPlaneBytes/vecBytes) }

// planeSplit emits the split of a plane of 1..small elements into full =
// (plane-1)/lanes whole vectors and a last one of rem = plane - full*lanes
// (1..lanes) elements.
func planeSplit(lanes int, plane Register) (full, rem Register) {
	Comment(fmt.Sprintf("full = (plane-1)/%d whole vectors, then a last one of rem = plane - full*%d elements.", lanes, lanes))
	full, rem = GP64(), GP64()
	MOVQ(plane, full)
	DECQ(full)
	SHRQ(U8(bitsOf(lanes)), full)
	MOVQ(full, rem)
	SHLQ(U8(bitsOf(lanes)), rem)
	NEGQ(rem)
	ADDQ(plane, rem)
	return full, rem
}

// bitsOf is log2 of the power of two n.
func bitsOf(n int) int {
	b := 0
	for 1<<b < n {
		b++
	}
	return b
}

// keepFlag emits m = -(bits[i>>6]>>(i&63) & 1): all ones if plane i is
// kept, else 0.
func keepFlag(bits, i Register) GPVirtual {
	m := GP64()
	MOVQ(i, m)
	SHRQ(U8(6), m)
	MOVQ(Mem{Base: bits, Index: m, Scale: 8}, m)
	BTQ(i, m) // CF = bit i&63 of the word
	SBBQ(m, m)
	return m
}

// smallPlaneLoops emits the plane-by-plane walk of planes [i, end) of
// plane elements each (1..smallPlaneVecs vectors of isa), ending at the label
// "done": one loop for each number of whole vectors a plane has, chosen
// once, whose step is body(m, full) for the plane at dp and sp with m =
// keepFlag (all ones if the plane is kept), full whole vectors and a last
// one of rem elements, after prepare(rem) has built the masks of that last
// vector outside the loops.
func smallPlaneLoops(isa vecISA, e elemType, dp, sp, bits, i, end, plane Register, prepare func(rem Register), body func(m GPVirtual, full int)) {
	lanes := e.lanes(isa)
	vecs := smallPlaneVecs(e.vecBytes(isa))
	full, rem := planeSplit(lanes, plane)
	prepare(rem)
	planeBytes := GP64()
	MOVQ(plane, planeBytes)
	SHLQ(U8(e.log2size), planeBytes)
	if vecs > 1 {
		Comment("One loop for each number of whole vectors a plane has.")
	}
	for f := 0; f < vecs-1; f++ {
		CMPQ(full, U8(f))
		JE(LabelRef(fmt.Sprintf("small%d", f)))
	}
	if vecs > 1 {
		JMP(LabelRef(fmt.Sprintf("small%d", vecs-1)))
	}
	for f := 0; f < vecs; f++ {
		Label(fmt.Sprintf("small%d", f))
		Comment(fmt.Sprintf("Planes of %d whole vectors and a last one: m = all ones if plane i is kept, else 0.", f))
		m := keepFlag(bits, i)
		body(m, f)
		ADDQ(planeBytes, sp)
		ADDQ(planeBytes, dp)
		INCQ(i)
		CMPQ(i, end)
		JL(LabelRef(fmt.Sprintf("small%d", f)))
		JMP(LabelRef("done"))
	}
}

// smallPlanesAVX512 emits the plane-by-plane walk of planes [i, end) of
// plane elements each (1..smallPlaneBytes bytes): the plane's keep bit
// becomes opmask k, and each vector of the plane is a multiply zero-masked
// by k (so a dropped plane's src is not read and its dst is +0), the last
// vector's load and store also masked to the plane's rem elements.
func smallPlanesAVX512(e elemType, dp, sp, bits, i, end, plane Register, s VecVirtual) {
	vb := e.vecBytes(avx512)
	var kt Register
	prepare := func(rem Register) { kt = rangeMaskAVX512(rem) }
	body := func(m GPVirtual, full int) {
		Comment("k = all lanes where m, the last vector's load also masked to rem lanes and its store to rem.")
		k, kl := K(), K()
		KMOVW(m.As32(), k)
		KANDW(k, kt, kl)
		for q := 0; q < full; q++ {
			v := ZMM()
			mulZ(e, Mem{Base: sp, Disp: vb * q}, s, k, v)
			e.store(avx512, regular, v, Mem{Base: dp, Disp: vb * q})
		}
		v := ZMM()
		mulZ(e, Mem{Base: sp, Disp: vb * full}, s, kl, v)
		e.storeK(v, kt, Mem{Base: dp, Disp: vb * full})
	}
	smallPlaneLoops(avx512, e, dp, sp, bits, i, end, plane, prepare, body)
}

// smallPlanesAVX2 is smallPlanesAVX512 for AVX2 (planes of 1..2 vectors,
// 1..4 for a half type): the keep flag broadcast to every lane masks the
// VMASKMOVPS/PD (VPMASKMOVD) load, so a dropped plane's src is not read
// (a half type's last element is then read from bits instead), and is ANDed
// with the product, so its dst is +0 whatever s is; the last vector's load
// and store are also masked to the plane's rem elements. A half type's
// whole vectors go two at a time as a pair, and its last vector with them
// when it is whole (rem = lanes, a branch the same way for every plane).
func smallPlanesAVX2(e elemType, dp, sp, bits, i, end, plane Register, s VecVirtual) {
	vb, lanes := e.vecBytes(avx2), e.lanes(avx2)
	var vt tailMaskAVX2
	var rem Register
	var c pairConsts
	prepare := func(r Register) {
		rem, vt = r, newTailAVX2(e, r)
		c = e.halfConsts(avx2)
	}
	// whole emits the first n whole vectors of the plane, ANDed with km.
	whole := func(km VecVirtual, n int) {
		q := 0
		for ; e.half != nil && q+1 < n; q += 2 {
			a, b := YMM(), YMM()
			e.loadPairAllOrNoneAVX2(Mem{Base: sp, Disp: vb * q}, km, a, b)
			VMULPS(s, a, a)
			VMULPS(s, b, b)
			r := e.packPair(avx2, c, a, b, nil)
			VPAND(km, r, r)
			VMOVDQU(r, Mem{Base: dp, Disp: vb * q})
		}
		for ; q < n; q++ {
			v := YMM()
			e.loadAllOrNoneAVX2(Mem{Base: sp, Disp: vb * q}, km, v)
			e.mul(v, s, v)
			andMask(e, km, v)
			e.store(avx2, regular, v, Mem{Base: dp, Disp: vb * q})
		}
	}
	body := func(m GPVirtual, full int) {
		Comment("km = m in every lane, the last vector's load also masked to rem lanes and its store to rem.")
		x := XMM()
		VMOVQ(m, x)
		km := YMM()
		VPBROADCASTQ(x, km)
		var done string
		if e.half != nil {
			partial := uniqueLabel("partial")
			done = uniqueLabel("planedone")
			CMPQ(rem, U8(lanes))
			JNE(LabelRef(partial))
			whole(km, full+1)
			JMP(LabelRef(done))
			Label(partial)
		}
		kl := vt.only(km, m, bits)
		whole(km, full)
		v := YMM()
		kl.load(Mem{Base: sp, Disp: vb * full}, v)
		e.mul(v, s, v)
		andMask(e, km, v)
		vt.store(v, Mem{Base: dp, Disp: vb * full})
		if e.half != nil {
			Label(done)
		}
	}
	smallPlaneLoops(avx2, e, dp, sp, bits, i, end, plane, prepare, body)
}

// planeRuns emits the walk over planes [i, end) by runs of equal bits that
// scale- and affine-planes share: keep(count) or drop(count) for each run of
// count elements, both ending at the label "next".
func planeRuns(bits, i, end, plane Register, keep, drop func(count Register)) {
	Label("run")
	flip, j := runBounds(bits, i, end)

	count := runCount(i, j, plane, flip)

	keep(count)
	JMP(LabelRef("next"))

	Label("drop")
	drop(count)

	Label("next")
	CMPQ(i, end)
	JL(LabelRef("run"))
}

// runBounds emits the scan for the run of planes that starts at plane i,
// ending at a label "ranged": flip = all ones if plane i is kept, else 0, and
// j = runEnd(bits, i, end). It uses CX.
func runBounds(bits, i, end Register) (flip, j Register) {
	Comment("flip = -(bits[i>>6]>>(i&63) & 1): all ones if plane i is kept, else 0.")
	flip = GP64()
	MOVQ(i, flip)
	SHRQ(U8(6), flip)
	MOVQ(Mem{Base: bits, Index: flip, Scale: 8}, flip)
	MOVQ(i, RCX)
	SHRQ(CL, flip)
	ANDQ(U8(1), flip)
	NEGQ(flip)

	Comment("j = runEnd(bits, i, end): the first bit after i that differs from bit i.")
	j = GP64()
	w := GP64()
	MOVQ(i, j)
	Label("scan")
	MOVQ(j, w)
	SHRQ(U8(6), w)
	MOVQ(Mem{Base: bits, Index: w, Scale: 8}, w)
	XORQ(flip, w)
	MOVQ(j, RCX)
	SHRQ(CL, w) // leaves the flags alone when j&63 == 0, so test explicitly
	TESTQ(w, w)
	JNZ(LabelRef("found"))
	ORQ(U8(63), j)
	INCQ(j)
	CMPQ(j, end)
	JL(LabelRef("scan"))
	MOVQ(end, j)
	JMP(LabelRef("ranged"))
	Label("found")
	BSFQ(w, w)
	ADDQ(w, j)
	CMPQ(j, end)
	JLE(LabelRef("ranged"))
	MOVQ(end, j)

	Label("ranged")
	return flip, j
}

// keepRange emits dst[k] = src[k] * s for count elements at dp and sp, or
// with b not nil dst[k] = src[k]*s + b (a multiply, then an add: two
// roundings, never fused), advancing both pointers past them.
func keepRange(isa vecISA, st storeKind, e elemType, dp, sp, count Register, s, b, zero VecVirtual) {
	lanes, vb := e.lanes(isa), e.vecBytes(isa)
	if b == nil {
		Comment("Kept: dst = src * s, 4 vectors at a time, then 1, then a masked tail.")
	} else {
		Comment("Kept: dst = src*a + b, a multiply then an add; 4 vectors at a time, then 1, then a masked tail.")
	}
	if st.nt {
		alignHead(isa, e, true, dp, sp, count, s, b, zero)
	}
	c := e.halfConsts(isa)
	CMPQ(count, U32(4*lanes))
	JB(LabelRef("keep1"))
	Label("keep4")
	var v [4]VecVirtual
	for k := range v {
		v[k] = isa.vec()
	}
	e.mulMemVecs(isa, Mem{Base: sp}, s, v[:])
	if b != nil {
		for k := range v {
			e.ops().add(b, v[k], v[k])
		}
	}
	e.storeMulVecs(isa, st, c, v[:], Mem{Base: dp})
	ADDQ(U32(4*vb), sp)
	ADDQ(U32(4*vb), dp)
	SUBQ(U32(4*lanes), count)
	CMPQ(count, U32(4*lanes))
	JAE(LabelRef("keep4"))

	Label("keep1")
	CMPQ(count, U32(lanes))
	JB(LabelRef("keeptail"))
	e.mulMem(Mem{Base: sp}, s, v[0])
	if b != nil {
		e.ops().add(b, v[0], v[0])
	}
	e.store(isa, st, v[0], Mem{Base: dp})
	ADDQ(U32(vb), sp)
	ADDQ(U32(vb), dp)
	SUBQ(U32(lanes), count)
	JMP(LabelRef("keep1"))

	Label("keeptail")
	TESTQ(count, count)
	JZ(LabelRef("next"))
	isa.tail(e, true, dp, sp, count, s, b, zero)
}

// dropRange emits dst[k] = 0 for count elements at dp, without reading src,
// advancing dp and sp past them.
func dropRange(isa vecISA, st storeKind, e elemType, dp, sp, count Register, zero VecVirtual) {
	fillRange(isa, st, e, dp, sp, count, zero, "0")
}

// fillRange emits dst[k] = fill (fillOf a vector of one value, named what
// in the comment) for count elements at dp, without reading src, advancing
// dp and sp past them.
func fillRange(isa vecISA, st storeKind, e elemType, dp, sp, count Register, fill VecVirtual, what string) {
	zero := fill
	lanes, vb := e.lanes(isa), e.vecBytes(isa)
	Comment("Dropped: dst = " + what + " without reading src; 4 vectors at a time, then 1, then a masked tail.")
	LEAQ(Mem{Base: sp, Index: count, Scale: uint8(e.size)}, sp)
	if st.nt {
		alignHead(isa, e, false, dp, nil, count, nil, nil, zero)
	}
	CMPQ(count, U32(4*lanes))
	JB(LabelRef("drop1"))
	Label("drop4")
	for off := 0; off < 4*vb; off += isa.width {
		e.storeFill(isa, st, zero, Mem{Base: dp, Disp: off}, isa.width)
	}
	ADDQ(U32(4*vb), dp)
	SUBQ(U32(4*lanes), count)
	CMPQ(count, U32(4*lanes))
	JAE(LabelRef("drop4"))

	Label("drop1")
	CMPQ(count, U32(lanes))
	JB(LabelRef("droptail"))
	e.storeFill(isa, st, zero, Mem{Base: dp}, vb)
	ADDQ(U32(vb), dp)
	SUBQ(U32(lanes), count)
	JMP(LabelRef("drop1"))

	Label("droptail")
	TESTQ(count, count)
	JZ(LabelRef("next"))
	// sp was advanced above; the tail only needs dp.
	isa.tail(e, false, dp, nil, count, nil, nil, zero)
}

// alignHead peels the first h = (-dp mod width)/size elements of a range of
// count >= lanes elements with the masked tail, so that dp is then aligned to
// the vector width as non-temporal stores need; h < lanes <= count. A range
// shorter than a vector is left to the tail alone. keep, sp and s are as in
// vecISA.tail.
func alignHead(isa vecISA, e elemType, keep bool, dp, sp, count Register, s, b, zero VecVirtual) {
	lanes := e.lanes(isa)
	done := "dropaligned"
	if keep {
		done = "keepaligned"
	}
	Comment(fmt.Sprintf("Head: the elements before dst's first %d-byte boundary, with a masked store.", isa.width))
	CMPQ(count, U32(lanes))
	JB(LabelRef(done))
	h := GP64()
	MOVQ(dp, h)
	NEGQ(h)
	ANDQ(U32(isa.width-1), h)
	SHRQ(U8(e.log2size), h)
	JZ(LabelRef(done))
	SUBQ(h, count)
	isa.tail(e, keep, dp, sp, h, s, b, zero)
	Label(done)
}

// tailAVX512 masks the last count (< lanes) elements with opmask
// k = 1<<count - 1; masked-off lanes are neither loaded nor stored (and
// cannot fault). zero is the fill (fillOf) of a dropped range.
func tailAVX512(e elemType, keep bool, dp, sp, count Register, s, b, zero VecVirtual) {
	Comment("Tail: opmask k = 1<<count - 1.")
	k := rangeMaskAVX512(count)
	if keep {
		v := ZMM()
		e.loadZ(Mem{Base: sp}, k, v)
		e.mul(v, s, v)
		if b != nil {
			e.ops().add(b, v, v)
		}
		e.storeK(v, k, Mem{Base: dp})
		LEAQ(Mem{Base: sp, Index: count, Scale: uint8(e.size)}, sp)
	} else {
		e.storeFillK(zero, k, Mem{Base: dp})
	}
	LEAQ(Mem{Base: dp, Index: count, Scale: uint8(e.size)}, dp)
}

// lanesAVX2 holds the DATA symbol 0, 1, 2, ... for each element size.
var lanesAVX2 = map[int]Mem{}

// tailAVX2 masks the last count (< lanes) elements with lane i active iff
// count > i, using VMASKMOVPS/PD, which neither load nor store (nor fault on)
// masked-off lanes (a half type: halfTailAVX2). zero is the fill (fillOf)
// of a dropped range.
func tailAVX2(e elemType, keep bool, dp, sp, count Register, s, b, zero VecVirtual) {
	Comment("Tail: mask lane i = count > i ? all ones : 0.")
	m := newTailAVX2(e, count)
	if keep {
		v := YMM()
		m.load(Mem{Base: sp}, v)
		e.mul(v, s, v)
		if b != nil {
			e.ops().add(b, v, v)
		}
		m.store(v, Mem{Base: dp})
		LEAQ(Mem{Base: sp, Index: count, Scale: uint8(e.size)}, sp)
	} else {
		m.storeFill(zero, Mem{Base: dp})
	}
	LEAQ(Mem{Base: dp, Index: count, Scale: uint8(e.size)}, dp)
}

// declareLanes declares the lane index tables; they must come before the
// first TEXT block.
func declareLanes() {
	for _, e := range []elemType{f32, f64} {
		name := fmt.Sprintf("lanes%d", 8*e.size)
		g := GLOBL(name, RODATA|NOPTR)
		for i := 0; i < 32/e.size; i++ {
			DATA(i*e.size, e.lane(i))
		}
		lanesAVX2[e.size] = g
	}
}

// runCount emits count = (j-i)*plane, the elements of the run of planes
// [i, j), advances i to j, and jumps to "drop" when the run's planes are
// dropped (flip == 0).
func runCount(i, j, plane, flip Register) Register {
	Comment("count = (j-i)*plane elements, then i = j.")
	count := GP64()
	MOVQ(j, count)
	SUBQ(i, count)
	IMULQ(plane, count)
	MOVQ(j, i)
	TESTQ(flip, flip)
	JZ(LabelRef("drop"))
	return count
}
