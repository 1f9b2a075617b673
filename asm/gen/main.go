// Command gen generates the amd64 assembly of package dropout with avo.
//
// It is run by the go:generate line in dropout/kernel_amd64.go:
//
//	go run ./gen -out ../dropout/dropout_amd64.s -stubs ../dropout/dropout_amd64.go -pkg dropout
package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

func main() {
	// The scope the signatures are evaluated in: BFloat16 and Float16.
	Package("github.com/simdrop/simdrop/asm/gen/halftypes")
	ConstraintExpr("gc,!purego")
	declareLanes()
	declareHalf()

	// AVX-512 first and AVX2 second, the order of archKernels; each with
	// regular stores, then with non-temporal ones.
	for _, isa := range []vecISA{avx512, avx2} {
		for _, st := range []storeKind{regular, nonTemporal} {
			for _, e := range st.elems() {
				scalePlanes(isa, st, e)
			}
		}
	}
	elementwise()
	rowsAndAffine()
	rawBits()
	residualKernels()

	Generate()
}

// elemType is what the generator needs to know about an element type:
// float32 and float64, computed in lanes of their own type, and the half
// types BFloat16 and Float16, whose elements are widened to float32 lanes as
// they are loaded and rounded back as they are stored (half.go).
type elemType struct {
	goType string // "float32", "BFloat16"
	suffix string // "F32", "BF16", in kernel names
	size   int    // bytes per element in memory
	// laneBytes is the bytes per vector lane the kernels compute in: size
	// for float32 and float64, 4 (float32) for the half types.
	laneBytes int
	// scalar is the Go type of the scale arguments (s, a, b, c): goType,
	// or float32 for the half types.
	scalar string
	// half is the format of a half type, nil for float32 and float64.
	half *halfFormat

	// The packed instructions of the lane type. For a half type, mul and
	// mov are float32's and only ever take registers: its memory goes
	// through load, loadZ, mulMem, store and storeK (half.go), and movZ,
	// movNT and maskMov are nil.
	broadcast func(ops ...Op)     // scalar in memory → every lane
	mul       func(ops ...Op)     // packed multiply, one rounding
	mov       func(ops ...Op)     // unaligned packed move
	movNT     func(v, m Op)       // aligned non-temporal packed store
	log2size  uint8               // log2(size)
	movZ      func(m, k, v Op)    // zero-masked load (AVX-512)
	maskMov   func(a, m, b Op)    // VEX masked load/store (AVX2)
	intBcast  func(ops ...Op)     // integer broadcast of the low lane (AVX2)
	intCmpGT  func(ops ...Op)     // signed integer compare, lane width = size (AVX2)
	blend     func(m, a, b, d Op) // VBLENDVPS/PD: d = a where m's sign bit is set, else b (AVX2)
	lane      func(i int) Constant
}

var (
	f32 = elemType{
		goType: "float32", suffix: "F32", size: 4, laneBytes: 4, scalar: "float32",
		broadcast: VBROADCASTSS, mul: VMULPS, mov: VMOVUPS, movNT: VMOVNTPS, log2size: 2, movZ: VMOVUPS_Z,
		maskMov: VMASKMOVPS, intBcast: VPBROADCASTD, intCmpGT: VPCMPGTD, blend: VBLENDVPS,
		lane: func(i int) Constant { return U32(i) },
	}
	f64 = elemType{
		goType: "float64", suffix: "F64", size: 8, laneBytes: 8, scalar: "float64",
		broadcast: VBROADCASTSD, mul: VMULPD, mov: VMOVUPD, movNT: VMOVNTPD, log2size: 3, movZ: VMOVUPD_Z,
		maskMov: VMASKMOVPD, intBcast: VPBROADCASTQ, intCmpGT: VPCMPGTQ, blend: VBLENDVPD,
		lane: func(i int) Constant { return U64(i) },
	}
	bf16 = halfElem("BFloat16", "BF16", &bf16Format)
	f16  = halfElem("Float16", "F16", &f16Format)
)

// lanes is the number of lanes of a vector of isa for e.
func (e elemType) lanes(isa vecISA) int { return isa.width / e.laneBytes }

// vecBytes is the memory one vector of isa for e covers: isa.width, or half
// of it for a half type.
func (e elemType) vecBytes(isa vecISA) int { return e.lanes(isa) * e.size }

// vecISA is a vector width and the instruction set that provides it.
type vecISA struct {
	name  string // "AVX512", in kernel names
	width int    // bytes per vector register
	vec   func() VecVirtual
	// zero sets v to all zeros.
	zero func(v VecVirtual)
	// tail handles the last 0 < count < lanes elements of a range with a
	// masked load and store, never touching memory outside the range.
	// keep: dst = src*s, or with b not nil src*s + b (a multiply, then an
	// add); otherwise dst = zero (the fill vector, fillOf) without reading
	// src.
	tail func(e elemType, keep bool, dp, sp, count Register, s, b, zero VecVirtual)
	// smallPlanes walks planes [i, end) of plane elements each, no more
	// than smallPlaneVecs vectors, one plane a step: dst = src*s where the
	// plane's bit is set, else +0 without reading src.
	smallPlanes func(e elemType, dp, sp, bits, i, end, plane Register, s VecVirtual)
}

var (
	avx512 = vecISA{
		name: "AVX512", width: 64, vec: ZMM,
		// VPXORQ rather than VXORPS: the 512-bit VXORPS needs AVX512DQ.
		zero: func(v VecVirtual) { VPXORQ(v, v, v) },
	}
	avx2 = vecISA{
		name: "AVX2", width: 32, vec: YMM,
		zero: func(v VecVirtual) { VXORPS(v, v, v) },
	}
)

// The masked code of each ISA is set in init, as it names the ISAs itself
// (a half type's narrowing store is the ISA's).
func init() {
	avx512.tail, avx512.smallPlanes = tailAVX512, smallPlanesAVX512
	avx2.tail, avx2.smallPlanes = tailAVX2, smallPlanesAVX2
}

// storeKind is how the unrolled loops of a kernel write dst.
type storeKind struct {
	name string // "" or "NT", in kernel names
	// nt: the loops store with VMOVNTPS/PD, which bypass the caches and so
	// skip the read-for-ownership a regular store of a missing line costs.
	// They need dst aligned to the vector width, so each range first peels
	// a masked head up to that alignment; and as they are weakly ordered,
	// the kernel ends with SFENCE.
	nt bool
}

var (
	regular     = storeKind{}
	nonTemporal = storeKind{name: "NT", nt: true}
)

// elems are the element types of the kernels with st's stores: every type
// with regular stores; float32 and float64 with non-temporal ones (the half
// types' tables have no non-temporal kernels).
func (st storeKind) elems() []elemType {
	if st.nt {
		return []elemType{f32, f64}
	}
	return allElems
}

// allElems are the element types of package dropout.
var allElems = []elemType{f32, f64, bf16, f16}

// store writes v to m as the unrolled loops do: an unaligned move, or an
// aligned non-temporal one.
func (st storeKind) store(e elemType, v VecVirtual, m Mem) {
	if st.nt {
		e.movNT(v, m)
	} else {
		e.mov(v, m)
	}
}

// paramAddr is the address of the named argument of the function being built.
func paramAddr(name string) Mem {
	arg, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return arg.Addr
}

// broadcastParam returns a new vector of isa holding the named scalar
// argument in every lane.
func broadcastParam(isa vecISA, e elemType, name string) VecVirtual {
	v := isa.vec()
	e.broadcast(paramAddr(name), v)
	return v
}
