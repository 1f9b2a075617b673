package main

import (
	"fmt"
	"strings"

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
//
// The half types run the float32 kernels' walk and lanes (a vector of 64
// elements is 4 ZMM or 8 YMM of float32 lanes, as for float32): x, bias and
// r widened to float32 exactly as they are loaded (elemType.load), the
// arithmetic float32's, and a kept result rounded once to T (bfloat16's
// NaN lanes become 0x7FC0 in the rounding, binary16's are the default NaN
// first, which VCVTPS2PH makes 0x7E00). A dropped element is r's 16 bits,
// moved, never widened: the rounded lanes are merged with r's bits (as
// dwords under the opmask on AVX-512, as words by VPBLENDVB on AVX2), and
// a dropped run of the planes kernel, the row copies of a rowStream and
// the windows are moved as bytes.

// residualKernels builds the fused residual kernels of every vector ISA
// and the float types, AVX-512 first as in main.
func residualKernels() {
	declareElementwise()
	declareResidual()
	for _, isa := range []vecISA{avx512, avx2} {
		for _, e := range allElems {
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
// with prefix. A half type's elements are copied as bytes, a register's
// worth a vector (e.mov, VMOVUPS, moves any bits unchanged), its tail by
// copyTailHalf.
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
	switch {
	case e.half != nil:
		copyTailHalf(isa, dst, src, count, prefix)
	case isa.width == 64:
		t := isa.vec()
		k := lowLanesAVX512(count)
		e.movZ(Mem{Base: src}, k, t)
		e.mov(t, k, Mem{Base: dst})
	default:
		t := isa.vec()
		m := rangeMaskAVX2(e, count)
		e.maskMov(Mem{Base: src}, m, t)
		e.maskMov(t, m, Mem{Base: dst})
	}
	LEAQ(Mem{Base: src, Index: count, Scale: uint8(e.size)}, src)
	LEAQ(Mem{Base: dst, Index: count, Scale: uint8(e.size)}, dst)
	Label(prefix + "copied")
}

// copyTailHalf emits the copy of the last 1 <= count < a register's worth
// of 16-bit elements from src to dst, their bits unchanged, touching
// nothing past them. AVX-512: VPMOVZXWD and VPMOVDW, which zero-extend
// and truncate, of two 16-element halves under opmasks of the low count
// and count-16 lanes (AVX512F has no 16-bit masked move). AVX2: VPMASKMOVD
// of the count/2 whole pairs, and the last element alone if count is odd.
func copyTailHalf(isa vecISA, dst, src, count Register, prefix string) {
	if isa.width == 64 {
		r := GP64()
		MOVQ(I32(-1), r)
		BZHIQ(count, r, r)
		for h := 0; h < 2; h++ {
			if h > 0 {
				SHRQ(U8(16), r)
			}
			k, t := K(), ZMM()
			KMOVW(r.As32(), k)
			VPMOVZXWD_Z(Mem{Base: src, Disp: 32 * h}, k, t)
			VPMOVDW(t, k, Mem{Base: dst, Disp: 32 * h})
		}
		return
	}
	pairs := GP64()
	MOVQ(count, pairs)
	SHRQ(U8(1), pairs)
	m, t := rangeMaskAVX2(f32, pairs), YMM()
	VPMASKMOVD(Mem{Base: src}, m, t)
	VPMASKMOVD(t, m, Mem{Base: dst})
	TESTQ(U32(1), count)
	JZ(LabelRef(prefix + "copyeven"))
	w := GP32()
	MOVWLZX(Mem{Base: src, Index: count, Scale: 2, Disp: -2}, w)
	MOVW(w.As16(), Mem{Base: dst, Index: count, Scale: 2, Disp: -2})
	Label(prefix + "copyeven")
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
	piece, vb := e.lanes(avx512), e.vecBytes(avx512)
	ve := e.scaleType() // v's elements
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
		at := func(p Register) Mem { return Mem{Base: p, Disp: vb * q} }
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
			ve.mov(Mem{Base: st.vw, Disp: ve.vecBytes(avx512) * q}, v)
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
		if e.half != nil {
			k.halfAVX512(st, at, kv, kk, scale, m != nil || st.vw != nil)
			continue
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
		e.mov(canonNaN[e.laneBytes], nan, r)
		if kv != nil {
			e.mov(r, kv, at(st.dp))
		} else {
			e.mov(r, at(st.dp))
		}
	}
}

// halfAVX512 is a vector of stepAVX512 for a half type: r, x (under kk)
// and the bias widened to float32 as they are loaded, the float32 sum,
// product and sum, and the rounding to dwords of 16 bits; with dropped
// (lanes may be dropped: kk is not just the valid lanes), those are
// merged under kk into r's bits, zero-extended to dwords, and stored by
// VPMOVDW, which keeps each dword's low 16 bits. Loads and stores are
// masked to kv, the valid lanes, if not nil.
func (k residKernel) halfAVX512(st residStep, at func(Register) Mem, kv, kk, scale Op, dropped bool) {
	e := k.e
	load := func(m Mem, km Op, v VecVirtual) {
		if km != nil {
			e.loadZ(m, km, v)
		} else {
			e.load(m, v)
		}
	}
	rw := ZMM() // r widened
	var bits VecVirtual
	switch {
	case !dropped:
		load(at(st.rp), kv, rw)
	case e.half.bf:
		bits = ZMM()
		zeroExtend(at(st.rp), kv, bits)
		VPSLLD(U8(16), bits, rw) // the widening: bfloat16 is float32's top half
	default:
		bits = ZMM()
		zeroExtend(at(st.rp), kv, bits)
		load(at(st.rp), kv, rw)
	}
	x := ZMM()
	load(at(st.sp), kk, x)
	if st.bw != nil {
		b := ZMM()
		e.load(at(st.bw), b)
		VADDPS(b, x, x)
	}
	VMULPS(scale, x, x)
	VADDPS(rw, x, x)
	var d VecVirtual // the rounded lanes, a dword each
	if e.half.bf {
		d = roundBF16(avx512, x) // NaN lanes: 0x7FC00000 first, then 0x7FC0
	} else {
		nan := K()
		VCMPPS(cmpUNORD, x, x, nan)
		VMOVUPS(canonNaN[4], nan, x) // VCVTPS2PH turns it into 0x7E00
		if !dropped {
			if kv != nil {
				VCVTPS2PH(U8(0), x, kv, at(st.dp))
			} else {
				VCVTPS2PH(U8(0), x, at(st.dp))
			}
			return
		}
		y := YMM()
		VCVTPS2PH(U8(0), x, y)
		d = ZMM()
		VPMOVZXWD(y, d)
	}
	if dropped {
		VMOVDQA32(d, kk, bits) // merge: dropped lanes keep r's bits
		d = bits
	}
	if kv != nil {
		VPMOVDW(d, kv, at(st.dp))
	} else {
		VPMOVDW(d, at(st.dp))
	}
}

// zeroExtend sets v to the 16-bit elements at m zero-extended to dwords,
// zero-masked by k if not nil: their bits, to be stored back by VPMOVDW.
func zeroExtend(m Mem, k Op, v VecVirtual) {
	if k != nil {
		VPMOVZXWD_Z(m, k, v)
	} else {
		VPMOVZXWD(m, v)
	}
}

// stepAVX2: per vector, a lane mask of the kept lanes (from m's bits as in
// applyWordAVX2, or the compare of v with zero) ANDed with the valid lanes
// of the last step; x is read under it by VMASKMOVPS/PD (masked-off lanes
// are not read and load +0), the sum's NaN lanes blended with the default
// NaN, and the result blended with r on the kept lanes.
func (k residKernel) stepAVX2(st residStep) {
	e, o := k.e, k.e.ops()
	if e.half != nil {
		k.stepHalfAVX2(st)
		return
	}
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
		e.blend(nan, canonNaN[e.laneBytes], t, t) // the default NaN where t is NaN
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

// stepHalfAVX2 is stepAVX2 for a half type, 8 pieces of 8 elements (16
// bytes; 8 float32 lanes): the lane masks of a whole step as for float32;
// the last step (st.n) walks pieces while 8 elements or more are left, the
// lane masks from the low 8 bits of m, then a half tail (halfTailAVX2) of
// the 1..7 left. halfPieceAVX2 does each piece.
func (k residKernel) stepHalfAVX2(st residStep) {
	e := k.e
	var words [2]VecVirtual
	if m := st.m; m != nil && st.n == nil {
		for h := range words {
			if h > 0 {
				SHRQ(U8(32), m)
			}
			x := XMM()
			VMOVQ(m, x)
			words[h] = YMM()
			VPBROADCASTD(x, words[h])
		}
	}
	// kept returns the lane mask of the kept lanes of a piece and its
	// scale: nil (all kept) and s, or the mask from the bits of word and
	// bit, or from v at vw.
	kept := func(word VecVirtual, bit Mem, vw Mem) (VecVirtual, Op) {
		switch {
		case st.vw != nil:
			v, km := YMM(), YMM()
			VMOVUPS(vw, v)
			VCMPPS(cmpNEQ, k.zero, v, km)
			return km, v
		case st.m != nil:
			km := YMM()
			VPAND(bit, word, km)
			VPCMPEQD(bit, km, km)
			return km, k.s
		}
		return nil, k.s
	}
	if st.n == nil {
		for q := 0; q < 8; q++ {
			km, scale := kept(words[q/4], bitD.Offset(32*(q%4)), Mem{Base: st.vw, Disp: 32 * q})
			k.halfPieceAVX2(st, 16*q, km, scale, nil)
		}
		return
	}

	l := uniqueLabel("halfstep")
	Comment("The last 1..64 elements: pieces of 8 while 8 are left, then a tail.")
	p := st
	for _, r := range []*Register{&p.dp, &p.sp, &p.rp, &p.bw, &p.vw, &p.n} {
		if *r != nil {
			c := GP64()
			MOVQ(*r, c)
			*r = c
		}
	}
	piece := func(tail *halfTailAVX2) {
		var word VecVirtual
		if st.m != nil {
			x := XMM()
			VMOVQ(p.m, x)
			word = YMM()
			VPBROADCASTD(x, word)
		}
		km, scale := kept(word, bitD, Mem{Base: p.vw})
		k.halfPieceAVX2(p, 0, km, scale, tail)
	}
	Label(l + "piece")
	CMPQ(p.n, U8(8))
	JB(LabelRef(l + "tail"))
	piece(nil)
	for _, r := range []Register{p.dp, p.sp, p.rp, p.bw} {
		if r != nil {
			ADDQ(U8(16), r)
		}
	}
	if p.vw != nil {
		ADDQ(U8(32), p.vw)
	}
	if p.m != nil {
		SHRQ(U8(8), p.m)
	}
	SUBQ(U8(8), p.n)
	JMP(LabelRef(l + "piece"))
	Label(l + "tail")
	TESTQ(p.n, p.n)
	JZ(LabelRef(l + "done"))
	piece(newHalfTailAVX2(e, p.n))
	Label(l + "done")
}

// halfPieceAVX2 emits a piece of 8 elements of a half type at off bytes
// from the step's pointers, the kept lanes km (nil: all kept) scaled by
// scale, the first tail.count only if tail is not nil. The lanes are
// float32's; r's and the result's bits are words of an XMM register:
//
//   - r is loaded whole (or by the tail's pairs and last element) and
//     widened from the register; the result is blended with its words
//     where dropped (VPBLENDVB on km packed to words, wm).
//   - x is loaded by VPMASKMOVD of the pairs of elements with a kept one
//     (AVX2 has no 16-bit masked load): a pair with none kept is not read;
//     a dropped element next to a kept one in its pair is read but its
//     value is never used. A tail's last element is read from src if kept,
//     else from res (the same index: readable).
//   - the bias comes from the step's window, 64 elements that are all
//     there.
func (k residKernel) halfPieceAVX2(st residStep, off int, km VecVirtual, scale Op, tail *halfTailAVX2) {
	e := k.e
	at := func(p Register) Mem { return Mem{Base: p, Disp: off} }
	var wm VecVirtual // km as words
	if km != nil {
		h := XMM()
		VEXTRACTI128(U8(1), km, h)
		wm = XMM()
		VPACKSSDW(h, km.AsX(), wm)
	}
	rw := YMM()
	var bits VecVirtual // r's words
	if km != nil || tail != nil {
		bits = XMM()
		if tail != nil {
			tail.loadBits(at(st.rp), bits)
		} else {
			VMOVDQU(at(st.rp), bits)
		}
		e.load(bits, rw)
	} else {
		e.load(at(st.rp), rw)
	}
	x := YMM()
	if km == nil && tail == nil {
		e.load(at(st.sp), x)
	} else {
		var pm VecVirtual // the pairs read: either element kept
		if km != nil {
			pm = XMM()
			VPSLLD(U8(16), wm, pm)
			VPOR(wm, pm, pm) // a dword's sign: its high word's or its low word's
		}
		if tail != nil {
			if pm != nil {
				VPAND(tail.pairs, pm, pm)
			} else {
				pm = tail.pairs
			}
		}
		xb := XMM()
		VPMASKMOVD(at(st.sp), pm, xb)
		if tail != nil {
			a := GP64()
			LEAQ(tail.lastAt(at(st.sp)), a)
			if km != nil {
				g, r := GP32(), GP64()
				VPMOVMSKB(wm, g)
				LEAQ(tail.lastAt(at(st.rp)), r)
				BTL(tail.off.(GPVirtual).As32(), g) // bit 2(count-1): the last element kept
				CMOVQCC(r, a)
			}
			w := XMM()
			VPBROADCASTW(Mem{Base: a}, w)
			VPBLENDVB(tail.last, w, xb, xb)
		}
		e.load(xb, x)
	}
	if st.bw != nil {
		b := YMM()
		e.load(at(st.bw), b)
		VADDPS(b, x, x)
	}
	VMULPS(scale, x, x)
	VADDPS(rw, x, x)
	var out VecVirtual
	if e.half.bf {
		out = e.packAVX2(x) // NaN lanes: 0x7FC00000 first, then 0x7FC0
	} else {
		nan := YMM()
		VCMPPS(cmpUNORD, x, x, nan)
		VBLENDVPS(nan, canonNaN[4], x, x) // VCVTPS2PH turns it into 0x7E00
		out = XMM()
		VCVTPS2PH(U8(0), x, out)
	}
	if km != nil {
		VPBLENDVB(wm, out, bits, out) // the result where kept, r's bits elsewhere
	}
	if tail != nil {
		tail.storeBits(out, at(st.dp))
	} else {
		VMOVDQU(out, at(st.dp))
	}
}

// loadBits sets the XMM x to the tail's elements at m, their bits: its
// load without the widening.
func (t *halfTailAVX2) loadBits(m Mem, x VecVirtual) {
	w := XMM()
	VPMASKMOVD(m, t.pairs, x)
	VPBROADCASTW(t.lastAt(m), w)
	VPBLENDVB(t.last, w, x, x)
}

// storeBits writes the tail's elements of the words of the XMM x to m: its
// store without the rounding.
func (t *halfTailAVX2) storeBits(x VecVirtual, m Mem) {
	y := XMM()
	VPMASKMOVD(x, t.pairs, m)
	VPSHUFB(t.pick, x, y)
	VPEXTRW(U8(0), y, t.lastAt(m))
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

// keptDoc is the Go of a kept element in the fused kernels' doc comments,
// indented by tabs: dst[k] from src[k], bias[bi] and res[k], scaled by s,
// note after the bias add; for a half type in float32, rounded once.
func keptDoc(e elemType, tabs int, k, bi, s, note string) []string {
	in := strings.Repeat("\t", tabs)
	x, b, r, t := "src["+k+"]", "bias["+bi+"]", "res["+k+"]", e.goType
	if e.half != nil {
		x, b, r, t = x+".Float32()", b+".Float32()", r+".Float32()", "float32"
	}
	y := fmt.Sprintf("canonNaN(%s(x*%s) + %s)", t, s, r)
	if e.half != nil {
		y = fmt.Sprintf("%sFrom(%s)", e.goType, y)
	}
	return []string{
		in + "x := " + x,
		in + "if len(bias) > 0 {",
		in + fmt.Sprintf("\tx = %s(x + %s)%s", t, b, note),
		in + "}",
		in + fmt.Sprintf("dst[%s] = %s", k, y),
	}
}

// residualDoc is the part of the fused kernels' doc comments on the
// element: the arithmetic, the bias and the masking.
func residualDoc(isa vecISA, e elemType) []string {
	if e.half != nil {
		return residualHalfDoc(isa, e)
	}
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

// residualHalfDoc is residualDoc for a half type.
func residualHalfDoc(isa vecISA, e elemType) []string {
	round := []string{
		"as c10::BFloat16 rounds: u = (u + 0x7FFF + (u>>16 & 1)) >> 16 in integer",
		"lanes, NaN lanes made 0x7FC00000 first, which gives 0x7FC0.",
	}
	if !e.half.bf {
		round = []string{
			"by VCVTPS2PH to nearest even, subnormals kept and overflow to ±Inf; the",
			"default NaN becomes 0x7E00.",
		}
	}
	unread := "with x not read."
	if isa.width == 32 {
		unread = "with x not read unless its pair holds a kept element (below)."
	}
	how := []string{
		"opmasks: x is read by zero-masked widening loads under the kept lanes;",
		"the rounded lanes, a dword each, are merged under them into r's bits",
		"(VPMOVZXWD, zero-extended) and stored by VPMOVDW, which keeps each",
		"dword's low 16 bits.",
	}
	if isa.width == 32 {
		how = []string{
			"lane masks, 8 elements (16 bytes) a piece: x is read by VPMASKMOVD of",
			"the pairs of elements with a kept one (AVX2 has no 16-bit masked",
			"load: a dropped element whose pair holds a kept one is read, its",
			"value unused; a pair with none kept is not), and the rounded words",
			"are blended with r's by VPBLENDVB. The last step goes a piece at a",
			"time and ends with a tail of whole pairs and a last element alone",
			"(halfTailAVX2).",
		}
	}
	return append(append([]string{
		"x, bias and r are widened to float32 exactly as they are loaded; a kept",
		"element is three float32 IEEE roundings in that order, never fused, a",
		fmt.Sprintf("NaN result the default quiet NaN (canonNaN), then one rounding to %s", e.half.name),
	}, round...), append([]string{""}, wrapDoc(
		"A dropped element is r's 16 bits, moved, never widened (a NaN payload "+
			"there is kept), "+unread+" The range goes in steps of 64 elements, "+
			"the last one masked; the bias (if len(bias) > 0) comes 64 elements a "+
			"step from its row: in place, or a step that crosses the row's end "+
			fmt.Sprintf("copied to the stack, or for a row of fewer than %d elements ", extRow)+
			fmt.Sprintf("from a copy on the stack repeated to at least %d. Nothing ", extRow)+
			"outside dst, src, res, bias (and bits or v) is read or written. The "+
			"kept and dropped lanes come from "+strings.Join(how, " "))...)...)
}

// wrapDoc breaks text into doc comment lines of at most 74 columns.
func wrapDoc(text string) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > 74 {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return append(lines, line)
}

// residualPlanes builds residualPlanes<isa><elem>: scale-planes' walk over
// runs of equal bits, kept runs computed a step of 64 elements at a time
// with the bias from its start (planes are whole rows), dropped runs res
// copied.
func residualPlanes(isa vecISA, e elemType) {
	name := "residualPlanes" + isa.name + e.suffix
	TEXT(name, noSplit, fmt.Sprintf("func(dst, src, res, bias []%s, bits []uint64, first, plane, n int, s %s)", e.goType, e.scalar))
	Pragma("noescape")
	doc := []string{
		fmt.Sprintf("%s is %s with %d-lane %s vectors; it", name, e.genericName("residualPlanes"), e.lanes(isa), isa.name),
		"is equivalent to",
		"",
		"\tfor i := first; i < first+n; {",
		"\t\tj := runEnd(bits, i, first+n)",
		"\t\tlo, hi := (i-first)*plane, (j-first)*plane",
		"\t\tfor k := lo; k < hi; k++ {",
		"\t\t\tif bits[i>>6]>>(i&63)&1 == 1 {",
	}
	doc = append(doc, keptDoc(e, 4, "k", "(k-lo)%len(bias)", "s", " // a plane is whole rows")...)
	doc = append(doc,
		"\t\t\t} else {",
		"\t\t\t\tdst[k] = res[k] // src[k] is not read",
		"\t\t\t}",
		"\t\t}",
		"\t\ti = j",
		"\t}",
		"",
		"Dropped runs are copied 4 vectors at a time, then 1, then a masked tail.",
		"",
	)
	Doc(append(doc, residualDoc(isa, e)...)...)

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
	sig := fmt.Sprintf("func(dst, src, res, bias, v []%s)", e.goType)
	if e.half != nil {
		sig = fmt.Sprintf("func(dst, src, res, bias []%s, v []%s)", e.goType, e.scalar)
	}
	TEXT(name, noSplit, sig)
	Pragma("noescape")
	doc := []string{
		fmt.Sprintf("%s is %s with %d-lane %s vectors; it is", name, e.genericName("residualRows"), e.lanes(isa), isa.name),
		"equivalent to",
		"",
		"\tfor k := range dst {",
		"\t\tif vk := v[k%len(v)]; vk != 0 { // false for -0 as for +0",
	}
	doc = append(doc, keptDoc(e, 3, "k", "k%len(bias)", "vk", "")...)
	doc = append(doc,
		"\t\t} else {",
		"\t\t\tdst[k] = res[k] // src[k] is not read",
		"\t\t}",
		"\t}",
		"",
		"v comes 64 elements a step like the bias; the kept lanes are a compare",
		"of v with zero.",
		"",
	)
	Doc(append(doc, residualDoc(isa, e)...)...)

	k := residKernel{isa: isa, e: e}
	vs, bs := newRowStream(isa, e.scaleType()), newRowStream(isa, e)
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
	TEXT(name, noSplit, fmt.Sprintf("func(dst, src, res, bias []%s, bits []uint64, first, phase int, s %s)", e.goType, e.scalar))
	Pragma("noescape")
	doc := []string{
		fmt.Sprintf("%s is %s with %d-lane %s vectors; it is", name, e.genericName("residualBits"), e.lanes(isa), isa.name),
		"equivalent to",
		"",
		"\tfor k := range dst {",
		"\t\tif b := first + k; bits[b/64]>>(b%64)&1 == 1 {",
	}
	doc = append(doc, keptDoc(e, 3, "k", "(phase+k)%len(bias)", "s", "")...)
	doc = append(doc,
		"\t\t} else {",
		"\t\t\tdst[k] = res[k] // src[k] is not read",
		"\t\t}",
		"\t}",
		"",
		"64 elements a mask word, taken at bit first+k whatever its alignment",
		"(SHRQ of a word pair); the last word reads the next one only if the",
		"bits reach it.",
		"",
	)
	Doc(append(doc, residualDoc(isa, e)...)...)

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
	lanes := e.lanes(isa)
	TEXT(name, noSplit, fmt.Sprintf("func(dst, src, res, bias []%s, bits []uint64, seed, start uint64, t uint32, phase int, s %s)", e.goType, e.scalar))
	Pragma("noescape")
	var doc []string
	for _, l := range philoxDoc(name, e, lanes, isa) {
		switch l {
		case "\t\t\t\tdst[i+j] = " + e.result("src[i+j]", func(x string) string { return x + " * s" }):
			doc = append(doc, keptDoc(e, 4, "i+j", "(phase+i+j)%len(bias)", "s", "")...)
		case "\t\t\t\tdst[i+j] = 0 // whatever src[i+j] holds":
			doc = append(doc, "\t\t\t\tdst[i+j] = res[i+j] // src[i+j] is not read")
		case "end of dst, src or bits is touched.":
			doc = append(doc, "end of dst, src, res or bits is touched.")
		default:
			doc = append(doc, l)
		}
	}
	doc[0] = fmt.Sprintf("%s is %s with %d-lane %s vectors; it is", name, e.genericName("residualPhilox"), lanes, isa.name)
	doc = append(doc, "",
		"Each whole word applied first prefetches the src and res of the word",
		fmt.Sprintf("%d further on (PREFETCHT0): a hook's worth, so that they come in while", prefetchWords(isa)),
		"the next batch is decided.",
		"")
	Doc(append(doc, residualDoc(isa, e)...)...)

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
	lanes, vb := e.lanes(isa), e.vecBytes(isa)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(db, dx []%s)", e.goType))
	Pragma("noescape")
	how := []string{"with merge-masked adds; NaN sums become the default NaN before the store."}
	switch {
	case isa.width == 32 && e.half != nil:
		how = []string{
			"a piece of 8 elements at a time, the last 1..7 by a half tail (whole",
			"pairs, then the last element alone: AVX2 has no 16-bit masked load);",
			"NaN sums become the default NaN before the store.",
		}
	case isa.width == 32:
		how = []string{
			"with VMASKMOVPS/PD loads, whose masked-off lanes are +0 (adding +0",
			"changes no sum: a sum from +0 is never -0); NaN sums become the",
			"default NaN before the store.",
		}
	}
	loop := []string{
		"\tclear(db)",
		"\tfor r := 0; r < len(dx); r += len(db) {",
		"\t\tfor j, v := range dx[r:min(r+len(db), len(dx))] {",
		"\t\t\tdb[j] += v",
		"\t\t}",
		"\t}",
		"\tfor j := range db {",
		"\t\tdb[j] = canonNaN(db[j])",
		"\t}",
	}
	if e.half != nil {
		loop = []string{
			"\tsum := make([]float32, len(db))",
			"\tfor r := 0; r < len(dx); r += len(db) {",
			"\t\tfor j, v := range dx[r:min(r+len(db), len(dx))] {",
			"\t\t\tsum[j] += v.Float32()",
			"\t\t}",
			"\t}",
			"\tfor j := range db {",
			fmt.Sprintf("\t\tdb[j] = %sFrom(canonNaN(sum[j]))", e.goType),
			"\t}",
		}
	}
	doc := append([]string{
		fmt.Sprintf("%s is %s with %d-lane %s vectors; it is", name, e.genericName("sumRows"), lanes, isa.name),
		"equivalent to",
		"",
	}, loop...)
	doc = append(doc,
		"",
		fmt.Sprintf("Columns go %d at a time (%d vectors), each block summed over every row in", sumVecs*lanes, sumVecs),
		"registers, one accumulator a lane, so every column's sum is added in row",
		fmt.Sprintf("order; then the last 1..%d vectors of columns, the last vector masked. The", sumVecs),
		"last, partial row (and a block's columns past the end of dx) are added",
	)
	Doc(append(append(doc, how...), e.roundedDoc()...)...)
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
	ADDQ(U32(sumVecs*vb), xp)
	ADDQ(U32(sumVecs*vb), dbp)
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
	lanes, vb := e.lanes(isa), e.vecBytes(isa)
	// add sets acc += the vector at m (for a half type widened first),
	// merge-masked by the opmask k if not nil.
	add := func(m Mem, k Op, acc VecVirtual) {
		if e.half == nil {
			if k != nil {
				o.add(m, acc, k, acc)
			} else {
				o.add(m, acc, acc)
			}
			return
		}
		t := isa.vec()
		if k != nil {
			e.loadZ(m, k, t)
			VADDPS(t, acc, k, acc)
		} else {
			e.load(m, t)
			VADDPS(t, acc, acc)
		}
	}
	acc := make([]VecVirtual, nv)
	for q := range acc {
		acc[q] = isa.vec()
		isa.zero(acc[q])
	}
	// wk is the last vector's mask of the block's columns (w's).
	var wk Op
	var wv tailMaskAVX2
	if w != nil {
		c := GP64()
		MOVQ(w, c)
		if nv > 1 {
			SUBQ(U32((nv-1)*lanes), c)
		}
		if isa.width == 64 {
			wk = lowLanesAVX512(c)
		} else {
			wv = newTailAVX2(e, c)
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
		at := Mem{Base: p, Disp: q * vb}
		switch {
		case w == nil || q < nv-1:
			add(at, nil, acc[q])
		case isa.width == 64:
			add(at, wk, acc[q])
		default:
			t := isa.vec()
			wv.load(at, t)
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
			add(Mem{Base: p, Disp: q * vb}, k, acc[q])
		}
	} else if e.half != nil {
		partRowHalfAVX2(e, p, rem, acc, prefix)
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
		at := Mem{Base: dbp, Disp: q * vb}
		if isa.width == 64 {
			nan := K()
			o.cmp(cmpUNORD, acc[q], acc[q], nan)
			e.mov(canonNaN[e.laneBytes], nan, acc[q])
		} else {
			nan := YMM()
			o.cmp(cmpUNORD, acc[q], acc[q], nan)
			e.blend(nan, canonNaN[e.laneBytes], acc[q], acc[q])
		}
		switch {
		case w == nil || q < nv-1:
			e.store(isa, regular, acc[q], at)
		case isa.width == 64:
			e.storeK(acc[q], wk, at)
		default:
			wv.store(acc[q], at)
		}
	}
}

// partRowHalfAVX2 adds the last, partial row's 0 < rem < len(acc)·8
// elements of a half type at p to the accumulators: whole vectors while 8
// or more are left, then a half tail of the 1..7 left (AVX2 has no 16-bit
// masked load), ending at the label prefix+"sum".
func partRowHalfAVX2(e elemType, p, rem Register, acc []VecVirtual, prefix string) {
	c := GP64()
	MOVQ(rem, c)
	for q := range acc {
		CMPQ(c, U8(8))
		JB(LabelRef(fmt.Sprintf("%spart%d", prefix, q)))
		t := YMM()
		e.load(Mem{Base: p, Disp: 16 * q}, t)
		VADDPS(t, acc[q], acc[q])
		SUBQ(U8(8), c)
	}
	JMP(LabelRef(prefix + "sum"))
	for q := range acc {
		Label(fmt.Sprintf("%spart%d", prefix, q))
		TESTQ(c, c)
		JZ(LabelRef(prefix + "sum"))
		t := YMM()
		newHalfTailAVX2(e, c).load(Mem{Base: p, Disp: 16 * q}, t)
		VADDPS(t, acc[q], acc[q])
		JMP(LabelRef(prefix + "sum"))
	}
}
