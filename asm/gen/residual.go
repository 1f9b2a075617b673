package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The fused residual kernels (dropout/residual.go): y = res + op(x + bias),
// a kept element ((x ⊕ b) ⊗ s) ⊕ r, the three operations each rounded
// (VADDP, VMULP, VADDP: never an FMA), a NaN result the default quiet NaN;
// a dropped element r, its bits copied, x not read. Every kernel walks its
// range in steps of 64 elements (one keep word of the elementwise forms),
// the last step masked; the bias, a row of len(bias) elements repeated
// along the range, comes a window of 64 elements a step from a rowStream.
// sumRows, the bias gradient, sums the columns of dx in registers.

// residualKernels builds the fused residual kernels of every vector ISA
// and the float types, AVX-512 first as in main.
func residualKernels() {
	declareElementwise()
	declareResidual()
	for _, isa := range []vecISA{avx512, avx2} {
		for _, e := range []elemType{f32, f64} {
			residualPlanes(isa, e)
			residualRows(isa, e)
			residualBits(isa, e)
			residualPhilox(isa, e)
			sumRows(isa, e)
		}
	}
}

// canonNaN holds, for each element size, 64 bytes of the default quiet NaN
// (float32 0x7FC00000, float64 0x7FF8000000000000): what every NaN result
// becomes, as canonNaN in dropout/residual_generic.go.
var canonNaN = map[int]Mem{}

func declareResidual() {
	if len(canonNaN) > 0 {
		return
	}
	for _, e := range []elemType{f32, f64} {
		g := GLOBL(fmt.Sprintf("canonNaN%d", 8*e.size), RODATA|NOPTR)
		for i := 0; i < 64/e.size; i++ {
			if e.size == 4 {
				DATA(4*i, U32(0x7FC00000))
			} else {
				DATA(8*i, U64(0x7FF8000000000000))
			}
		}
		canonNaN[e.size] = g
	}
}

// cmpUNORD is the compare predicate UNORD_Q: true where an operand is NaN.
var cmpUNORD = U8(3)

// addZ emits the zero-masked packed add dst = a + b under opmask k (lanes
// off are zero, and for a memory a not read).
func addZ(e elemType, a Op, b VecVirtual, k Op, dst VecVirtual) {
	if e.size == 4 {
		VADDPS_Z(a, b, k, dst)
	} else {
		VADDPD_Z(a, b, k, dst)
	}
}

// lowLanesAVX512 returns an opmask of the low count lanes (all 16 for
// count >= 16), by BZHI rather than a shift so that CX is left alone.
func lowLanesAVX512(count Register) Op {
	r := GP64()
	MOVQ(I32(-1), r)
	BZHIQ(count, r, r)
	k := K()
	KMOVW(r.As32(), k)
	return k
}

// copyElems emits the copy of count elements (count >= 0, consumed) from
// src to dst, both advanced past them: 4 vectors at a time, then 1, then a
// masked tail that touches nothing outside the two ranges. Labels start
// with prefix.
func copyElems(isa vecISA, e elemType, dst, src, count Register, prefix string) {
	lanes := isa.width / e.size
	CMPQ(count, U32(4*lanes))
	JB(LabelRef(prefix + "copy1"))
	Label(prefix + "copy4")
	var v [4]VecVirtual
	for q := range v {
		v[q] = isa.vec()
		e.mov(Mem{Base: src, Disp: q * isa.width}, v[q])
	}
	for q := range v {
		e.mov(v[q], Mem{Base: dst, Disp: q * isa.width})
	}
	ADDQ(U32(4*isa.width), src)
	ADDQ(U32(4*isa.width), dst)
	SUBQ(U32(4*lanes), count)
	CMPQ(count, U32(4*lanes))
	JAE(LabelRef(prefix + "copy4"))
	Label(prefix + "copy1")
	CMPQ(count, U32(lanes))
	JB(LabelRef(prefix + "copytail"))
	e.mov(Mem{Base: src}, v[0])
	e.mov(v[0], Mem{Base: dst})
	ADDQ(U32(isa.width), src)
	ADDQ(U32(isa.width), dst)
	SUBQ(U32(lanes), count)
	JMP(LabelRef(prefix + "copy1"))
	Label(prefix + "copytail")
	TESTQ(count, count)
	JZ(LabelRef(prefix + "copied"))
	t := isa.vec()
	if isa.width == 64 {
		k := lowLanesAVX512(count)
		e.movZ(Mem{Base: src}, k, t)
		e.mov(t, k, Mem{Base: dst})
	} else {
		m := rangeMaskAVX2(e, count)
		e.maskMov(Mem{Base: src}, m, t)
		e.maskMov(t, m, Mem{Base: dst})
	}
	LEAQ(Mem{Base: src, Index: count, Scale: uint8(e.size)}, src)
	LEAQ(Mem{Base: dst, Index: count, Scale: uint8(e.size)}, dst)
	Label(prefix + "copied")
}

// copy64 emits the copy of 64 elements from src to dst+disp bytes, whole
// vectors.
func copy64(isa vecISA, e elemType, dst Register, disp int, src Register) {
	for q := 0; q < 64*e.size/isa.width; q++ {
		v := isa.vec()
		e.mov(Mem{Base: src, Disp: q * isa.width}, v)
		e.mov(v, Mem{Base: dst, Disp: disp + q*isa.width})
	}
}

// extRow is the row length under which a rowStream extends its row on the
// stack: a shorter row is repeated to a period P = len·2^k in
// [extRow, 2·extRow), followed by its first 64 elements again, so that the
// 64 elements from any phase < P lie in the copy; a longer row is read in
// place, and only the windows that cross its end are copied. 128: a row of
// 128 or more has at most every other window copied.
const extRow = 128

// streamBuf is the size, in elements, of a rowStream's stack buffer: an
// extended row of P+64 < 2·extRow+64 elements, or a window crossing a long
// row's end with its copy's 64 elements of slack on either side.
const streamBuf = 2*extRow + 64

// rowStream is a row of elements repeated along a range and read 64
// elements a step (the bias; the scales v of the rows kernel): element k of
// the range is row[(phase+k) mod len(row)]. Its state is on the stack, so
// that it costs no register between steps: base, the row read (the row
// itself or its extended copy in buf; 0 for a bias that is nil); cur, the
// address of the next step's first element, base + phase, phase in
// [0, P) for the period P (len, or for an extended row len·2^k); wrap =
// base + P and per = P, in bytes; and cross, the last address from which
// 64 elements lie at base: base + P - 64 for a row read in place, the
// address of its last 64 elements, or base + P for an extended row, which
// is followed by its first 64 elements again (cur never passes it).
type rowStream struct {
	isa                         vecISA
	e                           elemType
	base, cur, wrap, per, cross Mem
	buf                         Mem
}

func newRowStream(isa vecISA, e elemType) *rowStream {
	st := AllocLocal(40)
	return &rowStream{isa: isa, e: e, base: st, cur: st.Offset(8), wrap: st.Offset(16), per: st.Offset(24), cross: st.Offset(32), buf: AllocLocal(streamBuf * e.size)}
}

// setup emits the stream's state for the slice argument name starting at
// phase (a register, or nil for 0). With optional, the slice may be empty
// (a nil bias: no add); base is then 0. Labels start with prefix.
func (r *rowStream) setup(name string, optional bool, phase Register, prefix string) {
	isa, e := r.isa, r.e
	size := uint8(e.size)
	n := Load(Param(name).Len(), GP64())
	if optional {
		Comment(fmt.Sprintf("len(%s) == 0: no %s, base = 0.", name, name))
		MOVQ(U32(0), r.base)
		TESTQ(n, n)
		JZ(LabelRef(prefix + "ready"))
	}
	p := Load(Param(name).Base(), GP64())
	CMPQ(n, U32(extRow))
	JAE(LabelRef(prefix + "long"))
	Comment(fmt.Sprintf("len(%s) < %d: the row doubled to P = len·2^k >= %d elements in buf, then its first 64 after them.", name, extRow, extRow))
	d, c := GP64(), GP64()
	LEAQ(r.buf, d)
	MOVQ(n, c)
	copyElems(isa, e, d, p, c, prefix+"row")
	per := n
	Label(prefix + "double")
	CMPQ(per, U32(extRow))
	JAE(LabelRef(prefix + "doubled"))
	s := GP64()
	LEAQ(r.buf, s)
	LEAQ(Mem{Base: s, Index: per, Scale: size}, d)
	MOVQ(per, c)
	copyElems(isa, e, d, s, c, prefix+"dbl")
	SHLQ(U8(1), per)
	JMP(LabelRef(prefix + "double"))
	Label(prefix + "doubled")
	LEAQ(r.buf, s)
	LEAQ(Mem{Base: s, Index: per, Scale: size}, d)
	copy64(isa, e, d, 0, s)
	MOVQ(s, r.base)
	MOVQ(d, r.wrap)
	MOVQ(d, r.cross)
	JMP(LabelRef(prefix + "state"))
	Label(prefix + "long")
	MOVQ(p, r.base)
	LEAQ(Mem{Base: p, Index: n, Scale: size}, d)
	MOVQ(d, r.wrap)
	LEAQ(Mem{Base: p, Index: n, Scale: size, Disp: -64 * e.size}, d)
	MOVQ(d, r.cross)
	Label(prefix + "state")
	Comment("per = P in bytes, cur = base + phase.")
	MOVQ(r.wrap, d)
	SUBQ(r.base, d)
	MOVQ(d, r.per)
	MOVQ(r.base, d)
	if phase != nil {
		LEAQ(Mem{Base: d, Index: phase, Scale: size}, d)
	}
	MOVQ(d, r.cur)
	Label(prefix + "ready")
}

// restart emits the stream's return to phase 0.
func (r *rowStream) restart() {
	b := GP64()
	MOVQ(r.base, b)
	MOVQ(b, r.cur)
}

// window emits the stream's next step: it returns a register pointing at
// the step's 64 row elements, contiguous (cur, or for a window that crosses
// a long row's end, a copy of it in buf), and advances cur by 64 elements,
// less P once at or past wrap (P >= 64). Labels start with prefix.
func (r *rowStream) window(prefix string) GPVirtual {
	isa, e := r.isa, r.e
	w, t := GP64(), GP64()
	MOVQ(r.cur, w)
	LEAQ(Mem{Base: w, Disp: 64 * e.size}, t)
	CMPQ(t, r.wrap)
	JB(LabelRef(prefix + "nowrap"))
	SUBQ(r.per, t)
	Label(prefix + "nowrap")
	MOVQ(t, r.cur)
	CMPQ(w, r.cross)
	JBE(LabelRef(prefix + "inrow"))
	Comment("The window crosses the end of a long row: with a = wrap - cur bytes",
		"before it, row[P-64:P] goes to buf[a:] and row[0:64] after it, so",
		"that buf[64:128] is the window.")
	MOVQ(r.wrap, t)
	SUBQ(w, t)
	LEAQ(r.buf, w)
	ADDQ(w, t)
	MOVQ(r.cross, w)
	copy64(isa, e, t, 0, w)
	MOVQ(r.base, w)
	copy64(isa, e, t, 64*e.size, w)
	LEAQ(r.buf.Offset(64*e.size), w)
	Label(prefix + "inrow")
	return w
}

// residKernel is what the step of a fused residual kernel reads besides its
// pointers: the broadcast scale s (nil in the rows kernel, whose scales are
// v) and, for the rows kernel, a vector of +0 to compare v with.
type residKernel struct {
	isa     vecISA
	e       elemType
	s, zero VecVirtual
}

// residStep is one step of 64 elements at dp, sp and rp: bw points at the
// step's 64 bias elements (nil: no bias); vw, in the rows kernel, at its 64
// scales (an element is kept where v != ±0, and scaled by v); otherwise m,
// if not nil, is the keep word (bit i for element i; consumed), and without
// it every element is kept. With n (1..64), only the first n elements are
// read or written. With ahead, the lines of src and res that many bytes
// past the step are prefetched.
type residStep struct {
	dp, sp, rp Register
	bw, vw     Register
	m          GPVirtual
	n          Register
	ahead      int
}

// prefetch emits PREFETCHT0 of the lines of src and res st.ahead bytes past
// the step (none if 0). A prefetch never faults, past the end of a slice
// included.
func (st residStep) prefetch(e elemType) {
	if st.ahead == 0 {
		return
	}
	for off := 0; off < 64*e.size; off += 64 {
		PREFETCHT0(Mem{Base: st.sp, Disp: st.ahead + off})
		PREFETCHT0(Mem{Base: st.rp, Disp: st.ahead + off})
	}
}

func (k residKernel) step(st residStep) {
	st.prefetch(k.e)
	if k.isa.width == 64 {
		k.stepAVX512(st)
	} else {
		k.stepAVX2(st)
	}
}

// stepAVX512: per vector, opmask kk of the kept lanes (from m, from the
// compare of v with zero, or the valid lanes of the last step); x is read
// under kk by a zero-masked add (or multiply), and the sum with r merged
// into r under kk, so dropped lanes keep r's bits; the lanes of that sum
// that are NaN become the default NaN by a merge-masked load.
func (k residKernel) stepAVX512(st residStep) {
	e, o := k.e, k.e.ops()
	piece := 64 / e.size
	m := st.m
	var valid GPVirtual
	if st.n != nil {
		valid = GP64()
		MOVQ(I32(-1), valid)
		BZHIQ(st.n, valid, valid) // n = 64 leaves all 64 bits
		if m != nil {
			ANDQ(valid, m)
		}
	}
	for q := 0; q < 64/piece; q++ {
		at := func(p Register) Mem { return Mem{Base: p, Disp: 64 * q} }
		if q > 0 {
			if m != nil {
				SHRQ(U8(piece), m)
			}
			if valid != nil {
				SHRQ(U8(piece), valid)
			}
		}
		var kv, kk Op
		if valid != nil {
			kv = K()
			KMOVW(valid.As32(), kv)
		}
		var scale Op = k.s
		switch {
		case st.vw != nil:
			v := ZMM()
			e.mov(at(st.vw), v)
			kk = K()
			if kv != nil {
				o.cmp(cmpNEQ, k.zero, v, kv, kk)
			} else {
				o.cmp(cmpNEQ, k.zero, v, kk)
			}
			scale = v
		case m != nil:
			kk = K()
			KMOVW(m.As32(), kk)
		default:
			kk = kv
		}
		r := ZMM()
		if kv != nil {
			e.movZ(at(st.rp), kv, r)
		} else {
			e.mov(at(st.rp), r)
		}
		t := ZMM()
		switch {
		case st.bw != nil:
			b := ZMM()
			e.mov(at(st.bw), b)
			if kk != nil {
				addZ(e, at(st.sp), b, kk, t)
			} else {
				o.add(at(st.sp), b, t)
			}
			e.mul(scale, t, t)
		case kk != nil:
			o.mulZ(at(st.sp), scale, kk, t)
		default:
			e.mul(at(st.sp), scale, t)
		}
		nan := K()
		if kk != nil {
			o.add(t, r, kk, r) // merge: dropped lanes keep r
			o.cmp(cmpUNORD, r, r, kk, nan)
		} else {
			o.add(t, r, r)
			o.cmp(cmpUNORD, r, r, nan)
		}
		e.mov(canonNaN[e.size], nan, r)
		if kv != nil {
			e.mov(r, kv, at(st.dp))
		} else {
			e.mov(r, at(st.dp))
		}
	}
}

// stepAVX2: per vector, a lane mask of the kept lanes (from m's bits as in
// applyWordAVX2, or the compare of v with zero) ANDed with the valid lanes
// of the last step; x is read under it by VMASKMOVPS/PD (masked-off lanes
// are not read and load +0), the sum's NaN lanes blended with the default
// NaN, and the result blended with r on the kept lanes.
func (k residKernel) stepAVX2(st residStep) {
	e, o := k.e, k.e.ops()
	lanes := 32 / e.size
	var count VecVirtual
	if st.n != nil {
		x := XMM()
		VMOVQ(st.n, x)
		count = YMM()
		e.intBcast(x, count)
	}
	var words [2]VecVirtual
	if m := st.m; m != nil {
		if e.size == 4 {
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
	}
	iota := iotaD
	if e.size == 8 {
		iota = iotaQ
	}
	for q := 0; q < 64/lanes; q++ {
		at := func(p Register) Mem { return Mem{Base: p, Disp: 32 * q} }
		var vm, km VecVirtual
		if count != nil {
			vm = YMM()
			e.intCmpGT(iota.Offset(32*q), count, vm) // count > lane
		}
		var scale Op = k.s
		switch {
		case st.vw != nil:
			v := YMM()
			e.mov(at(st.vw), v)
			km = YMM()
			o.cmp(cmpNEQ, k.zero, v, km)
			scale = v
		case st.m != nil:
			km = YMM()
			if e.size == 4 {
				bit := bitD.Offset(32 * (q % 4))
				VPAND(bit, words[q/4], km)
				VPCMPEQD(bit, km, km)
			} else {
				bit := bitQ.Offset(32 * q)
				VPAND(bit, words[0], km)
				VPCMPEQQ(bit, km, km)
			}
		}
		blend := km != nil
		xm := km // the lanes x is read from
		switch {
		case km != nil && vm != nil:
			VPAND(vm, km, km)
		case vm != nil:
			xm = vm
		}
		r := YMM()
		if vm != nil {
			e.maskMov(at(st.rp), vm, r)
		} else {
			e.mov(at(st.rp), r)
		}
		t := YMM()
		switch {
		case xm != nil:
			e.maskMov(at(st.sp), xm, t)
			if st.bw != nil {
				o.add(at(st.bw), t, t)
			}
			e.mul(scale, t, t)
		case st.bw != nil:
			e.mov(at(st.bw), t)
			o.add(at(st.sp), t, t)
			e.mul(scale, t, t)
		default:
			e.mul(at(st.sp), scale, t)
		}
		o.add(r, t, t)
		nan := YMM()
		o.cmp(cmpUNORD, t, t, nan)
		e.blend(nan, canonNaN[e.size], t, t) // the default NaN where t is NaN
		if blend {
			e.blend(km, t, r, t) // t where kept, r elsewhere
		}
		if vm != nil {
			e.maskMov(t, vm, at(st.dp))
		} else {
			e.mov(t, at(st.dp))
		}
	}
}

// advance emits p += n elements for each pointer, n a register or a
// constant.
func advance(e elemType, n Op, ps ...Register) {
	for _, p := range ps {
		if r, ok := n.(Register); ok {
			LEAQ(Mem{Base: p, Index: r, Scale: uint8(e.size)}, p)
		} else {
			ADDQ(U32(int(n.(U32))*e.size), p)
		}
	}
}

// residualDoc is the part of the fused kernels' doc comments on the
// element: the arithmetic, the bias and the masking.
func residualDoc(isa vecISA) []string {
	how := []string{
		"opmasks: x is read by zero-masked adds (or multiplies) under the kept",
		"lanes, the sum with r merged into r under them, and its NaN lanes",
		"replaced by a merge-masked load.",
	}
	if isa.width == 32 {
		how = []string{
			"lane masks: x is read by VMASKMOVPS/PD under the kept lanes (the others",
			"load +0), the NaN lanes of the sum blended with the default NaN, and",
			"the result blended with r.",
		}
	}
	return append([]string{
		"A kept element is three IEEE roundings in that order, never fused; a NaN",
		"result is the default quiet NaN (canonNaN), a dropped element r's bits,",
		"with x not read. The range goes in steps of 64 elements, the last one",
		"masked; the bias (if len(bias) > 0) comes 64 elements a step from its",
		"row: in place, or a step that crosses the row's end copied to the",
		fmt.Sprintf("stack, or for a row of fewer than %d elements from a copy on the stack", extRow),
		fmt.Sprintf("repeated to at least %d. Nothing outside dst, src, res, bias (and", extRow),
		"bits or v) is read or written. The kept and dropped lanes come from",
	}, how...)
}

// residualPlanes builds residualPlanes<isa><elem>: scale-planes' walk over
// runs of equal bits, kept runs computed a step of 64 elements at a time
// with the bias from its start (planes are whole rows), dropped runs res
// copied.
func residualPlanes(isa vecISA, e elemType) {
	name := "residualPlanes" + isa.name + e.suffix
	TEXT(name, noSplit, fmt.Sprintf("func(dst, src, res, bias []%[1]s, bits []uint64, first, plane, n int, s %[1]s)", e.goType))
	Pragma("noescape")
	Doc(append([]string{
		fmt.Sprintf("%s is residualPlanesGeneric[%s] with %d-lane %s vectors; it", name, e.goType, isa.width/e.size, isa.name),
		"is equivalent to",
		"",
		"\tfor i := first; i < first+n; {",
		"\t\tj := runEnd(bits, i, first+n)",
		"\t\tlo, hi := (i-first)*plane, (j-first)*plane",
		"\t\tfor k := lo; k < hi; k++ {",
		"\t\t\tif bits[i>>6]>>(i&63)&1 == 1 {",
		"\t\t\t\tx := src[k]",
		"\t\t\t\tif len(bias) > 0 {",
		fmt.Sprintf("\t\t\t\t\tx = %s(x + bias[(k-lo)%%len(bias)]) // a plane is whole rows", e.goType),
		"\t\t\t\t}",
		fmt.Sprintf("\t\t\t\tdst[k] = canonNaN(%s(x*s) + res[k])", e.goType),
		"\t\t\t} else {",
		"\t\t\t\tdst[k] = res[k] // src[k] is not read",
		"\t\t\t}",
		"\t\t}",
		"\t\ti = j",
		"\t}",
		"",
		"Dropped runs are copied 4 vectors at a time, then 1, then a masked tail.",
		"",
	}, residualDoc(isa)...)...)

	k := residKernel{isa: isa, e: e}
	bs := newRowStream(isa, e)
	bs.setup("bias", true, nil, "bias")
	dp := Load(Param("dst").Base(), GP64())
	sp := Load(Param("src").Base(), GP64())
	rp := Load(Param("res").Base(), GP64())
	k.s = broadcastParam(isa, e, "s")
	bits := Load(Param("bits").Base(), GP64())
	i := Load(Param("first"), GP64())
	plane := Load(Param("plane"), GP64())
	end := Load(Param("n"), GP64())
	ADDQ(i, end)

	keep := func(count Register) {
		Comment("Kept: dst = ((src ⊕ bias) ⊗ s) ⊕ res, 64 elements a step; the bias from its start.")
		CMPQ(bs.base, U8(0))
		JE(LabelRef("keepnobias"))
		bs.restart()
		keepSteps(k, dp, sp, rp, count, bs, "keepb")
		JMP(LabelRef("next"))
		Label("keepnobias")
		keepSteps(k, dp, sp, rp, count, nil, "keepn")
	}
	drop := func(count Register) {
		Comment("Dropped: dst = res, src not read.")
		LEAQ(Mem{Base: sp, Index: count, Scale: uint8(e.size)}, sp)
		copyElems(isa, e, dp, rp, count, "drop")
	}
	planeRuns(bits, i, end, plane, keep, drop)
	VZEROUPPER()
	RET()
}

// keepSteps emits the kept range of count elements (consumed) at dp, sp
// and rp, all advanced past it, in steps of 64 with the bias from bs (nil:
// none), the last 1..63 elements masked.
func keepSteps(k residKernel, dp, sp, rp, count Register, bs *rowStream, prefix string) {
	window := func(p string) Register {
		if bs == nil {
			return nil
		}
		return bs.window(p)
	}
	Label(prefix + "step")
	CMPQ(count, U8(64))
	JB(LabelRef(prefix + "tail"))
	k.step(residStep{dp: dp, sp: sp, rp: rp, bw: window(prefix + "w")})
	advance(k.e, U32(64), dp, sp, rp)
	SUBQ(U8(64), count)
	JMP(LabelRef(prefix + "step"))
	Label(prefix + "tail")
	TESTQ(count, count)
	JZ(LabelRef(prefix + "kept"))
	k.step(residStep{dp: dp, sp: sp, rp: rp, bw: window(prefix + "tw"), n: count})
	advance(k.e, count, dp, sp, rp)
	Label(prefix + "kept")
}

// residualRows builds residualRows<isa><elem>: the range in steps of 64
// elements, with two rowStreams, v's and the bias's.
func residualRows(isa vecISA, e elemType) {
	name := "residualRows" + isa.name + e.suffix
	TEXT(name, noSplit, fmt.Sprintf("func(dst, src, res, bias, v []%s)", e.goType))
	Pragma("noescape")
	Doc(append([]string{
		fmt.Sprintf("%s is residualRowsGeneric[%s] with %d-lane %s vectors; it is", name, e.goType, isa.width/e.size, isa.name),
		"equivalent to",
		"",
		"\tfor k := range dst {",
		"\t\tif vk := v[k%len(v)]; vk != 0 { // false for -0 as for +0",
		"\t\t\tx := src[k]",
		"\t\t\tif len(bias) > 0 {",
		fmt.Sprintf("\t\t\t\tx = %s(x + bias[k%%len(bias)])", e.goType),
		"\t\t\t}",
		fmt.Sprintf("\t\t\tdst[k] = canonNaN(%s(x*vk) + res[k])", e.goType),
		"\t\t} else {",
		"\t\t\tdst[k] = res[k] // src[k] is not read",
		"\t\t}",
		"\t}",
		"",
		"v comes 64 elements a step like the bias; the kept lanes are a compare",
		"of v with zero.",
		"",
	}, residualDoc(isa)...)...)

	k := residKernel{isa: isa, e: e}
	vs, bs := newRowStream(isa, e), newRowStream(isa, e)
	vs.setup("v", false, nil, "v")
	bs.setup("bias", true, nil, "bias")
	dp := Load(Param("dst").Base(), GP64())
	sp := Load(Param("src").Base(), GP64())
	rp := Load(Param("res").Base(), GP64())
	n := Load(Param("dst").Len(), GP64())
	k.zero = isa.vec()
	isa.zero(k.zero)
	CMPQ(bs.base, U8(0))
	JE(LabelRef("nobias"))
	rowSteps(k, dp, sp, rp, n, vs, bs, "b")
	JMP(LabelRef("done"))
	Label("nobias")
	rowSteps(k, dp, sp, rp, n, vs, nil, "n")
	Label("done")
	VZEROUPPER()
	RET()
}

// rowSteps emits the rows kernel's walk of n >= 1 elements: whole steps
// while more than 64 are left, then the last 1..64 masked.
func rowSteps(k residKernel, dp, sp, rp, n Register, vs, bs *rowStream, prefix string) {
	bias := func(p string) Register {
		if bs == nil {
			return nil
		}
		return bs.window(p)
	}
	CMPQ(n, U8(64))
	JBE(LabelRef(prefix + "last"))
	Label(prefix + "step")
	vw := vs.window(prefix + "v")
	k.step(residStep{dp: dp, sp: sp, rp: rp, bw: bias(prefix + "b"), vw: vw})
	advance(k.e, U32(64), dp, sp, rp)
	SUBQ(U8(64), n)
	CMPQ(n, U8(64))
	JA(LabelRef(prefix + "step"))
	Label(prefix + "last")
	vw = vs.window(prefix + "lv")
	k.step(residStep{dp: dp, sp: sp, rp: rp, bw: bias(prefix + "lb"), vw: vw, n: n})
}

// residualBits builds residualBits<isa><elem>: scaleBits' walk of the mask
// words from bit first, 64 elements a word, with the residual step.
func residualBits(isa vecISA, e elemType) {
	name := "residualBits" + isa.name + e.suffix
	TEXT(name, noSplit, fmt.Sprintf("func(dst, src, res, bias []%[1]s, bits []uint64, first, phase int, s %[1]s)", e.goType))
	Pragma("noescape")
	Doc(append([]string{
		fmt.Sprintf("%s is residualBitsGeneric[%s] with %d-lane %s vectors; it is", name, e.goType, isa.width/e.size, isa.name),
		"equivalent to",
		"",
		"\tfor k := range dst {",
		"\t\tif b := first + k; bits[b/64]>>(b%64)&1 == 1 {",
		"\t\t\tx := src[k]",
		"\t\t\tif len(bias) > 0 {",
		fmt.Sprintf("\t\t\t\tx = %s(x + bias[(phase+k)%%len(bias)])", e.goType),
		"\t\t\t}",
		fmt.Sprintf("\t\t\tdst[k] = canonNaN(%s(x*s) + res[k])", e.goType),
		"\t\t} else {",
		"\t\t\tdst[k] = res[k] // src[k] is not read",
		"\t\t}",
		"\t}",
		"",
		"64 elements a mask word, taken at bit first+k whatever its alignment",
		"(SHRQ of a word pair); the last word reads the next one only if the",
		"bits reach it.",
		"",
	}, residualDoc(isa)...)...)

	k := residKernel{isa: isa, e: e}
	bs := newRowStream(isa, e)
	bs.setup("bias", true, Load(Param("phase"), GP64()), "bias")
	dp := Load(Param("dst").Base(), GP64())
	sp := Load(Param("src").Base(), GP64())
	rp := Load(Param("res").Base(), GP64())
	bp := Load(Param("bits").Base(), GP64())
	n := Load(Param("dst").Len(), GP64())
	k.s = broadcastParam(isa, e, "s")
	Comment("bp = &bits[first/64]; CX = first%64, the shift of every word pair.")
	Load(Param("first"), RCX)
	w := GP64()
	MOVQ(RCX, w)
	SHRQ(U8(6), w)
	LEAQ(Mem{Base: bp, Index: w, Scale: 8}, bp)
	ANDQ(U8(63), RCX)
	CMPQ(bs.base, U8(0))
	JE(LabelRef("nobias"))
	bitSteps(k, dp, sp, rp, bp, n, bs, "b")
	JMP(LabelRef("done"))
	Label("nobias")
	bitSteps(k, dp, sp, rp, bp, n, nil, "n")
	Label("done")
	VZEROUPPER()
	RET()
}

// bitSteps emits residualBits' walk: whole words while more than 64
// elements are left, then the last 1..64 masked.
func bitSteps(k residKernel, dp, sp, rp, bp, n Register, bs *rowStream, prefix string) {
	bias := func(p string) Register {
		if bs == nil {
			return nil
		}
		return bs.window(p)
	}
	CMPQ(n, U8(64))
	JBE(LabelRef(prefix + "last"))
	Label(prefix + "loop")
	Comment("More than 64 elements left, so bits past this word's exist: m = bits[w:w+2] >> CX.")
	m, hi := GP64(), GP64()
	MOVQ(Mem{Base: bp}, m)
	MOVQ(Mem{Base: bp, Disp: 8}, hi)
	SHRQ(CL, hi, m)
	k.step(residStep{dp: dp, sp: sp, rp: rp, bw: bias(prefix + "w"), m: m})
	ADDQ(U8(8), bp)
	advance(k.e, U32(64), dp, sp, rp)
	SUBQ(U8(64), n)
	CMPQ(n, U8(64))
	JA(LabelRef(prefix + "loop"))

	Label(prefix + "last")
	Comment("The last 1..64 elements: the next word only if the bits reach it.")
	m, hi = GP64(), GP64()
	MOVQ(Mem{Base: bp}, m)
	MOVQ(RCX, hi)
	ADDQ(n, hi)
	CMPQ(hi, U8(64))
	JBE(LabelRef(prefix + "oneword"))
	MOVQ(Mem{Base: bp, Disp: 8}, hi)
	SHRQ(CL, hi, m)
	JMP(LabelRef(prefix + "masked"))
	Label(prefix + "oneword")
	SHRQ(CL, m)
	Label(prefix + "masked")
	k.step(residStep{dp: dp, sp: sp, rp: rp, bw: bias(prefix + "lw"), m: m, n: n})
}

// residualPhilox builds residualPhilox<isa><elem>: dropoutPhilox's
// decision, chunk ring and overlapped apply (fusedPhilox) with the
// residual step.
func residualPhilox(isa vecISA, e elemType) {
	name := "residualPhilox" + isa.name + e.suffix
	lanes := isa.width / e.size
	TEXT(name, noSplit, fmt.Sprintf("func(dst, src, res, bias []%[1]s, bits []uint64, seed, start uint64, t uint32, phase int, s %[1]s)", e.goType))
	Pragma("noescape")
	var doc []string
	for _, l := range philoxDoc(name, e, lanes, isa) {
		switch l {
		case "\t\t\t\tdst[i+j] = src[i+j] * s":
			doc = append(doc,
				"\t\t\t\tx := src[i+j]",
				"\t\t\t\tif len(bias) > 0 {",
				fmt.Sprintf("\t\t\t\t\tx = %s(x + bias[(phase+i+j)%%len(bias)])", e.goType),
				"\t\t\t\t}",
				fmt.Sprintf("\t\t\t\tdst[i+j] = canonNaN(%s(x*s) + res[i+j])", e.goType))
		case "\t\t\t\tdst[i+j] = 0 // whatever src[i+j] holds":
			doc = append(doc, "\t\t\t\tdst[i+j] = res[i+j] // src[i+j] is not read")
		case "end of dst, src or bits is touched.":
			doc = append(doc, "end of dst, src, res or bits is touched.")
		default:
			doc = append(doc, l)
		}
	}
	doc[0] = fmt.Sprintf("%s is residualPhiloxGeneric[%s] with %d-lane %s vectors; it is", name, e.goType, lanes, isa.name)
	doc = append(doc, "",
		"Each whole word applied first prefetches the src and res of the word",
		fmt.Sprintf("%d further on (PREFETCHT0): a hook's worth, so that they come in while", prefetchWords(isa)),
		"the next batch is decided.",
		"")
	Doc(append(doc, residualDoc(isa)...)...)

	f := allocPlaneFrame(isa)
	k := residKernel{isa: isa, e: e}
	bs := newRowStream(isa, e)
	bs.setup("bias", true, Load(Param("phase"), GP64()), "bias")
	dp := Load(Param("dst").Base(), GP64())
	sp := Load(Param("src").Base(), GP64())
	rp := Load(Param("res").Base(), GP64())
	bp := Load(Param("bits").Base(), GP64())
	n := Load(Param("dst").Len(), GP64())
	planeSetup(f, "")
	c := planeConstsFor(isa, f)
	base := Load(Param("start"), GP64())
	k.s = broadcastParam(isa, e, "s")
	// The keep word waits on the stack while the bias window is found: in
	// the hook, inside the decision, the registers are all but taken.
	mS := AllocLocal(8)
	fusedPhilox(isa, f, c, fusedApply{
		e:    e,
		ptrs: []Register{dp, sp, rp},
		apply: func(p []Register, m GPVirtual, n Register, prefix string) {
			ahead := 0
			if n == nil {
				ahead = prefetchWords(isa) * 64 * e.size
			}
			CMPQ(bs.base, U8(0))
			JE(LabelRef(prefix + "nobias"))
			MOVQ(m, mS)
			bw := bs.window(prefix + "bias")
			MOVQ(mS, m)
			k.step(residStep{dp: p[0], sp: p[1], rp: p[2], bw: bw, m: m, n: n, ahead: ahead})
			JMP(LabelRef(prefix + "resid"))
			Label(prefix + "nobias")
			k.step(residStep{dp: p[0], sp: p[1], rp: p[2], m: m, n: n, ahead: ahead})
			Label(prefix + "resid")
		},
	}, bp, n, base)
}

// prefetchWords is how many words ahead residualPhilox's whole-word
// applies prefetch src and res (PREFETCHT0): the words the next hook
// applies, so that their lines come in while the decision between two hooks
// runs, when the kernel issues no loads. Without it the fused kernel took
// the sum of its decision and its apply, as if they never overlapped:
// 32×64×56×56 float32, one goroutine, medians of 6, ms (Intel Xeon VM,
// noisy): AVX-512 4.19 without, 3.94, 3.67, 3.73 and 3.59 at 16, 24, 32
// and 8 words; AVX2 4.67 without, 4.26, 4.12, 4.25, 3.99 (dropoutPhilox
// 2.5-2.8 and 2.9-3.2 meanwhile). Any distance from 8 to 32 words did
// about as well.
func prefetchWords(isa vecISA) int { return batchGroups(isa) }

// sumVecs is the number of vectors of columns sumRows sums in registers
// over the rows of dx at once: each block is one pass over dx, whose rows
// are walked with a stride. 8 rather than 4: 32×64×56×56 float32, 56
// columns, ms (Intel Xeon VM): AVX2 1.59 → 0.93 (56 columns in one pass,
// not two), 768 columns 1.57 → 1.22; AVX-512 1.02 → 1.00 and 1.47 → 1.42.
// 16 AVX-512 vectors did no better (1.06, 1.28).
const sumVecs = 8

// sumRows builds sumRows<isa><elem>, the bias gradient: blocks of sumVecs
// vectors of columns summed in registers over every row, then the last
// 1..sumVecs vectors of columns, the last one masked, the same way.
func sumRows(isa vecISA, e elemType) {
	name := "sumRows" + isa.name + e.suffix
	lanes := isa.width / e.size
	TEXT(name, NOSPLIT, fmt.Sprintf("func(db, dx []%s)", e.goType))
	Pragma("noescape")
	how := []string{"with merge-masked adds; NaN sums become the default NaN before the store."}
	if isa.width == 32 {
		how = []string{
			"with VMASKMOVPS/PD loads, whose masked-off lanes are +0 (adding +0",
			"changes no sum: a sum from +0 is never -0); NaN sums become the",
			"default NaN before the store.",
		}
	}
	Doc(append([]string{
		fmt.Sprintf("%s is sumRowsGeneric[%s] with %d-lane %s vectors; it is", name, e.goType, lanes, isa.name),
		"equivalent to",
		"",
		"\tclear(db)",
		"\tfor r := 0; r < len(dx); r += len(db) {",
		"\t\tfor j, v := range dx[r:min(r+len(db), len(dx))] {",
		"\t\t\tdb[j] += v",
		"\t\t}",
		"\t}",
		"\tfor j := range db {",
		"\t\tdb[j] = canonNaN(db[j])",
		"\t}",
		"",
		fmt.Sprintf("Columns go %d at a time (%d vectors), each block summed over every row in", sumVecs*lanes, sumVecs),
		"registers, one accumulator a lane, so every column's sum is added in row",
		fmt.Sprintf("order; then the last 1..%d vectors of columns, the last vector masked. The", sumVecs),
		"last, partial row (and a block's columns past the end of dx) are added",
	}, how...)...)
	dbp := Load(Param("db").Base(), GP64())
	nb := Load(Param("db").Len(), GP64())
	xp := Load(Param("dx").Base(), GP64())
	left := Load(Param("dx").Len(), GP64())
	Comment("left = len(dx) - c, for the block of columns from c; stride = a row in bytes.")
	stride, cols := GP64(), GP64()
	MOVQ(nb, stride)
	SHLQ(U8(e.log2size), stride)
	MOVQ(nb, cols)

	Label("block")
	CMPQ(cols, U32(sumVecs*lanes))
	JB(LabelRef("rest"))
	sumBlock(isa, e, dbp, xp, left, nb, stride, sumVecs, nil, "b")
	ADDQ(U32(sumVecs*isa.width), xp)
	ADDQ(U32(sumVecs*isa.width), dbp)
	SUBQ(U32(sumVecs*lanes), left)
	SUBQ(U32(sumVecs*lanes), cols)
	JMP(LabelRef("block"))

	Label("rest")
	Comment(fmt.Sprintf("The last 1..%d columns: ceil(cols/%d) vectors, the last masked.", sumVecs*lanes-1, lanes))
	TESTQ(cols, cols)
	JZ(LabelRef("done"))
	for nv := 1; nv < sumVecs; nv++ {
		CMPQ(cols, U32(nv*lanes))
		JBE(LabelRef(fmt.Sprintf("rest%d", nv)))
	}
	for nv := sumVecs; nv >= 1; nv-- {
		Label(fmt.Sprintf("rest%d", nv))
		sumBlock(isa, e, dbp, xp, left, nb, stride, nv, cols, fmt.Sprintf("r%d", nv))
		JMP(LabelRef("done"))
	}
	Label("done")
	VZEROUPPER()
	RET()
}

// sumBlock emits the sums of nv (<= sumVecs) vectors of columns from dx at xp over every
// row, stored at dbp: rows walked with stride bytes, rem = left elements
// from the block's start, less nb a row. With w (columns of the block,
// (nv-1)·lanes < w <= nv·lanes), the last vector is masked to w; rows with
// fewer than the block's columns left (rem < w) are the last, partial one.
func sumBlock(isa vecISA, e elemType, dbp, xp, left, nb, stride Register, nv int, w Register, prefix string) {
	o := e.ops()
	lanes := isa.width / e.size
	acc := make([]VecVirtual, nv)
	for q := range acc {
		acc[q] = isa.vec()
		isa.zero(acc[q])
	}
	// wk is the last vector's mask of the block's columns (w's).
	var wk Op
	var wv VecVirtual
	if w != nil {
		c := GP64()
		MOVQ(w, c)
		if nv > 1 {
			SUBQ(U32((nv-1)*lanes), c)
		}
		if isa.width == 64 {
			wk = lowLanesAVX512(c)
		} else {
			wv = rangeMaskAVX2(e, c)
		}
	}
	p, rem := GP64(), GP64()
	MOVQ(xp, p)
	MOVQ(left, rem)
	Label(prefix + "row")
	if w != nil {
		CMPQ(rem, w)
	} else {
		CMPQ(rem, U32(nv*lanes))
	}
	JL(LabelRef(prefix + "part"))
	for q := range acc {
		at := Mem{Base: p, Disp: q * isa.width}
		switch {
		case w == nil || q < nv-1:
			o.add(at, acc[q], acc[q])
		case isa.width == 64:
			o.add(at, acc[q], wk, acc[q])
		default:
			t := isa.vec()
			e.maskMov(at, wv, t)
			o.add(t, acc[q], acc[q])
		}
	}
	ADDQ(stride, p)
	SUBQ(nb, rem)
	JMP(LabelRef(prefix + "row"))

	Label(prefix + "part")
	Comment("The last row has 0 < rem < the block's columns, or none (rem <= 0).")
	TESTQ(rem, rem)
	JLE(LabelRef(prefix + "sum"))
	if isa.width == 64 {
		// valid holds the lanes < rem of 64 lanes at a time: lanes 0..63,
		// then (float32 past 4 vectors) 64..127 from max(rem-64, 0).
		valid := GP64()
		MOVQ(I32(-1), valid)
		BZHIQ(rem, valid, valid)
		for q := range acc {
			switch {
			case q > 0 && q*lanes%64 == 0:
				hi, zero := GP64(), GP64()
				XORQ(zero, zero)
				MOVQ(rem, hi)
				SUBQ(U32(q*lanes), hi)
				CMOVQLT(zero, hi)
				MOVQ(I32(-1), valid)
				BZHIQ(hi, valid, valid)
			case q > 0:
				SHRQ(U8(lanes), valid)
			}
			k := K()
			KMOVW(valid.As32(), k)
			o.add(Mem{Base: p, Disp: q * isa.width}, acc[q], k, acc[q])
		}
	} else {
		x := XMM()
		VMOVQ(rem, x)
		cnt := YMM()
		e.intBcast(x, cnt)
		iota := iotaD
		if e.size == 8 {
			iota = iotaQ
		}
		for q := range acc {
			vm, t := YMM(), YMM()
			e.intCmpGT(iota.Offset(32*q), cnt, vm) // rem > lane
			e.maskMov(Mem{Base: p, Disp: q * isa.width}, vm, t)
			o.add(t, acc[q], acc[q])
		}
	}

	Label(prefix + "sum")
	for q := range acc {
		at := Mem{Base: dbp, Disp: q * isa.width}
		if isa.width == 64 {
			nan := K()
			o.cmp(cmpUNORD, acc[q], acc[q], nan)
			e.mov(canonNaN[e.size], nan, acc[q])
		} else {
			nan := YMM()
			o.cmp(cmpUNORD, acc[q], acc[q], nan)
			e.blend(nan, canonNaN[e.size], acc[q], acc[q])
		}
		switch {
		case w == nil || q < nv-1:
			e.mov(acc[q], at)
		case isa.width == 64:
			e.mov(acc[q], wk, at)
		default:
			e.maskMov(acc[q], wv, at)
		}
	}
}
