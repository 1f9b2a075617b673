//go:build gc && !purego

// NEON kernels for arm64. This file is written by hand; it is not generated.
// The Go declarations are in dropout_arm64.go and the contract of each kernel
// is that of its generic twin in dropout_generic.go (see kernelSet).
//
// Multiplication. Go's arm64 assembler has no vector FMUL (only VFMLA and
// VFMLS), so FMUL (vector) is encoded with WORD and its mnemonic is written
// beside it. FMUL (vector) applies, to each lane, exactly the operation of
// the scalar FMUL that Go compiles x*s to (FMULS/FMULD): one IEEE multiply
// rounded once under the same FPCR, with the same NaN rules (the first
// signalling NaN operand, quietened, else the first quiet NaN operand, its
// payload kept; Inf*0 gives the default NaN). Kept values are therefore
// bit-identical to the generic kernel. Operand order cannot matter: s is
// 1/(1-p), never NaN, so at most one operand is a NaN. We do not use FMLA into a
// -0 accumulator, which is also exact but adds a third operand to every NaN
// rule; the plain multiply needs no argument. FPCR is left as Go found it:
// on Linux user space default-NaN and flush-to-zero are off, and in any case
// the scalar and vector multiplies read the same FPCR bits.
//
// Addition. The assembler has no vector FADD either; it is WORD-encoded the
// same way, and FADD (vector) is per lane the scalar FADD (FADDS/FADDD) that
// Go compiles T(x*a) + b to, with the same rounding and NaN rules. The
// affine kernels keep the operands in the compiler's order (FMUL x, a then
// FADD product, b: the data is the first operand of each), so even a NaN a
// or b would pick the same NaN as the generic kernel. The multiply and the
// add are two instructions, each rounding once, as the Go expression does:
// never FMLA, whose single rounding gives different bits.
//
// Masking. scaleRows zeroes the columns whose scale is ±0 without a branch:
// VSHL $1 drops the sign bit of v (so -0 and +0 both become 0), VCMTST of
// the result with itself gives all ones in lanes where v != ±0 and all zeros
// elsewhere, and VAND of the product with that mask leaves a kept product's
// bits untouched and turns any dropped one (NaN and Inf included) into +0.
// The multiply is still one FMUL per element, rounded once, so kept values
// are bit-identical to the generic kernel, whose keepOrZero is the same AND.
// As with s, the multiply's operand order cannot matter, since v holds no
// NaN by contract; the data is the first operand anyway, as in src[i]*v[j].
// The scalar tails use the same three instructions on lane 0 after a scalar
// FMOVS/FMOVD load, which zeroes the other lanes.
//
// Registers of the plane kernels (scalePlanes and affinePlanes):
//
//	R0  dst pointer, advanced as elements are written
//	R1  src pointer, advanced past every run (kept or dropped)
//	R2  bits
//	R3  i, the first bit of the current run
//	R4  plane
//	R5  end = first+n
//	R6  the current run's bit (1 keep, 0 drop)
//	R7  scratch
//	R9  elements left in the current run
//	R10 j, the end of the current run
//	R11 all ones when the run's bit is 1, else 0
//	V0-V3   data
//	V16-V19 what a dropped element becomes: zero, or c in every lane
//	V30     b in every lane (affinePlanes)
//	V31     s, or a, in every lane
//
// Registers of the scaleRows kernels:
//
//	R0  dst pointer, advanced as elements are written
//	R1  src pointer, advanced as elements are read
//	R2  v
//	R3  len(v)
//	R4  elements of dst left after the current row
//	R5  elements left in the current row
//	R6  v pointer, back to v at each row
//	R7  end of v (short v only)
//	V0-V3   data
//	V4-V7   v
//	V8-V11  keep masks
//
// Registers of the scaleBits kernels:
//
//	R0  dst pointer, advanced as elements are written
//	R1  src pointer, advanced as elements are read
//	R2  bits
//	R3  b, the bit of the next element
//	R4  elements left after the current word
//	R8  the current word, shifted so that bit 0 is the next element's
//	R9  elements of the current word left
//	V0-V3   data
//	V4-V7   keep masks
//	V24-V27 the bit of each lane (scaleBitsF32<>, scaleBitsF64<>)
//	V31     s in every lane

#include "textflag.h"

// func scalePlanesNEONF32(dst, src []float32, bits []uint64, first, plane, n int, s float32)
//
// Equivalent Go:
//
//	for i := first; i < first+n; {
//		j := runEnd(bits, i, first+n) // planes i..j-1 share bit i
//		lo, hi := (i-first)*plane, (j-first)*plane
//		if bits[i>>6]>>(i&63)&1 == 1 {
//			for k := lo; k < hi; k++ {
//				dst[k] = src[k] * s
//			}
//		} else {
//			for k := lo; k < hi; k++ {
//				dst[k] = 0 // src[lo:hi] is not read
//			}
//		}
//		i = j
//	}
TEXT ·scalePlanesNEONF32(SB), NOSPLIT, $0-100
	MOVD	dst_base+0(FP), R0
	MOVD	src_base+24(FP), R1
	MOVD	bits_base+48(FP), R2
	MOVD	first+72(FP), R3
	MOVD	plane+80(FP), R4
	MOVD	n+88(FP), R5
	ADD	R3, R5, R5
	FMOVS	s+96(FP), F31
	VDUP	V31.S[0], V31.S4
	VEOR	V16.B16, V16.B16, V16.B16
	VEOR	V17.B16, V17.B16, V17.B16
	VEOR	V18.B16, V18.B16, V18.B16
	VEOR	V19.B16, V19.B16, V19.B16

run32:
	// R6 = bit i; R11 = -R6, so that word^R11 has a one where a bit differs.
	LSR	$6, R3, R7
	MOVD	(R2)(R7<<3), R7
	LSR	R3, R7, R7
	AND	$1, R7, R6
	NEG	R6, R11
	MOVD	R3, R10

scan32:
	// runEnd: look for the first bit >= j that differs from bit i.
	LSR	$6, R10, R7
	MOVD	(R2)(R7<<3), R7
	EOR	R11, R7, R7
	LSR	R10, R7, R7 // shift by j&63: bits below j are gone
	CBNZ	R7, found32
	ORR	$63, R10, R10
	ADD	$1, R10, R10 // j = next word's first bit
	CMP	R5, R10
	BLT	scan32
	MOVD	R5, R10
	B	runlen32

found32:
	RBIT	R7, R7
	CLZ	R7, R7
	ADD	R7, R10, R10
	CMP	R5, R10
	CSEL	LT, R10, R5, R10 // j = min(j, end)

runlen32:
	SUB	R3, R10, R9
	MUL	R4, R9, R9 // R9 = (j-i)*plane elements
	MOVD	R10, R3
	CBZ	R6, zero32

	// Kept run: dst = src * s, 16, then 4, then 1 element at a time.
	CMP	$16, R9
	BLT	mul4_32

mul16_32:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	WORD	$0x6e3fdc00 // FMUL V0.4S, V0.4S, V31.4S
	WORD	$0x6e3fdc21 // FMUL V1.4S, V1.4S, V31.4S
	WORD	$0x6e3fdc42 // FMUL V2.4S, V2.4S, V31.4S
	WORD	$0x6e3fdc63 // FMUL V3.4S, V3.4S, V31.4S
	VST1.P	[V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUB	$16, R9, R9
	CMP	$16, R9
	BGE	mul16_32

mul4_32:
	CMP	$4, R9
	BLT	mul1_32

mul4loop32:
	VLD1.P	16(R1), [V0.S4]
	WORD	$0x6e3fdc00 // FMUL V0.4S, V0.4S, V31.4S
	VST1.P	[V0.S4], 16(R0)
	SUB	$4, R9, R9
	CMP	$4, R9
	BGE	mul4loop32

mul1_32:
	CBZ	R9, next32

mul1loop32:
	FMOVS.P	4(R1), F0
	FMULS	F31, F0, F0
	FMOVS.P	F0, 4(R0)
	SUB	$1, R9, R9
	CBNZ	R9, mul1loop32
	B	next32

	// Dropped run: dst = +0; src is skipped without being read.
zero32:
	ADD	R9<<2, R1, R1
	CMP	$16, R9
	BLT	zero4_32

zero16_32:
	VST1.P	[V16.S4, V17.S4, V18.S4, V19.S4], 64(R0)
	SUB	$16, R9, R9
	CMP	$16, R9
	BGE	zero16_32

zero4_32:
	CMP	$4, R9
	BLT	zero1_32

zero4loop32:
	VST1.P	[V16.S4], 16(R0)
	SUB	$4, R9, R9
	CMP	$4, R9
	BGE	zero4loop32

zero1_32:
	CBZ	R9, next32

zero1loop32:
	MOVW.P	ZR, 4(R0)
	SUB	$1, R9, R9
	CBNZ	R9, zero1loop32

next32:
	CMP	R5, R3
	BLT	run32
	RET

// func scalePlanesNEONF64(dst, src []float64, bits []uint64, first, plane, n int, s float64)
//
// Equivalent Go: the loop of scalePlanesNEONF32 with float64 elements.
// The main loop handles 8 elements (4 vectors), then 2, then 1.
TEXT ·scalePlanesNEONF64(SB), NOSPLIT, $0-104
	MOVD	dst_base+0(FP), R0
	MOVD	src_base+24(FP), R1
	MOVD	bits_base+48(FP), R2
	MOVD	first+72(FP), R3
	MOVD	plane+80(FP), R4
	MOVD	n+88(FP), R5
	ADD	R3, R5, R5
	FMOVD	s+96(FP), F31
	VDUP	V31.D[0], V31.D2
	VEOR	V16.B16, V16.B16, V16.B16
	VEOR	V17.B16, V17.B16, V17.B16
	VEOR	V18.B16, V18.B16, V18.B16
	VEOR	V19.B16, V19.B16, V19.B16

run64:
	LSR	$6, R3, R7
	MOVD	(R2)(R7<<3), R7
	LSR	R3, R7, R7
	AND	$1, R7, R6
	NEG	R6, R11
	MOVD	R3, R10

scan64:
	LSR	$6, R10, R7
	MOVD	(R2)(R7<<3), R7
	EOR	R11, R7, R7
	LSR	R10, R7, R7
	CBNZ	R7, found64
	ORR	$63, R10, R10
	ADD	$1, R10, R10
	CMP	R5, R10
	BLT	scan64
	MOVD	R5, R10
	B	runlen64

found64:
	RBIT	R7, R7
	CLZ	R7, R7
	ADD	R7, R10, R10
	CMP	R5, R10
	CSEL	LT, R10, R5, R10

runlen64:
	SUB	R3, R10, R9
	MUL	R4, R9, R9
	MOVD	R10, R3
	CBZ	R6, zero64

	CMP	$8, R9
	BLT	mul2_64

mul8_64:
	VLD1.P	64(R1), [V0.D2, V1.D2, V2.D2, V3.D2]
	WORD	$0x6e7fdc00 // FMUL V0.2D, V0.2D, V31.2D
	WORD	$0x6e7fdc21 // FMUL V1.2D, V1.2D, V31.2D
	WORD	$0x6e7fdc42 // FMUL V2.2D, V2.2D, V31.2D
	WORD	$0x6e7fdc63 // FMUL V3.2D, V3.2D, V31.2D
	VST1.P	[V0.D2, V1.D2, V2.D2, V3.D2], 64(R0)
	SUB	$8, R9, R9
	CMP	$8, R9
	BGE	mul8_64

mul2_64:
	CMP	$2, R9
	BLT	mul1_64

mul2loop64:
	VLD1.P	16(R1), [V0.D2]
	WORD	$0x6e7fdc00 // FMUL V0.2D, V0.2D, V31.2D
	VST1.P	[V0.D2], 16(R0)
	SUB	$2, R9, R9
	CMP	$2, R9
	BGE	mul2loop64

mul1_64:
	// At most one element is left.
	CBZ	R9, next64
	FMOVD.P	8(R1), F0
	FMULD	F31, F0, F0
	FMOVD.P	F0, 8(R0)
	B	next64

zero64:
	ADD	R9<<3, R1, R1
	CMP	$8, R9
	BLT	zero2_64

zero8_64:
	VST1.P	[V16.D2, V17.D2, V18.D2, V19.D2], 64(R0)
	SUB	$8, R9, R9
	CMP	$8, R9
	BGE	zero8_64

zero2_64:
	CMP	$2, R9
	BLT	zero1_64

zero2loop64:
	VST1.P	[V16.D2], 16(R0)
	SUB	$2, R9, R9
	CMP	$2, R9
	BGE	zero2loop64

zero1_64:
	CBZ	R9, next64
	MOVD.P	ZR, 8(R0)

next64:
	CMP	R5, R3
	BLT	run64
	RET

// func scaleRowsNEONF32(dst, src, v []float32)
//
// Equivalent Go:
//
//	for i := range dst {
//		j := i % len(v)
//		if v[j] != 0 { // false for -0 as for +0
//			dst[i] = src[i] * v[j]
//		} else {
//			dst[i] = 0 // whatever src[i] holds, NaN and Inf included
//		}
//	}
//
// computed without a branch as the bits of src[i]*v[j] ANDed with all ones
// where v[j] != ±0, all zeros elsewhere. dst is walked in rows of len(v)
// elements (the last one may be partial), each row 16, then 4, then 1
// element at a time. When len(v) < 4 no vector fits in a row, and one loop
// of 1 element covers all of dst, v's pointer wrapping at its end.
TEXT ·scaleRowsNEONF32(SB), NOSPLIT, $0-72
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R4
	MOVD	src_base+24(FP), R1
	MOVD	v_base+48(FP), R2
	MOVD	v_len+56(FP), R3
	CMP	$4, R3
	BLT	short32

rowF32:
	CMP	R3, R4
	CSEL	LT, R4, R3, R5 // this row: min(elements left, len(v))
	SUB	R5, R4, R4
	MOVD	R2, R6
	CMP	$16, R5
	BLT	rows4_32

rows16_32:
	VLD1.P	64(R6), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VSHL	$1, V4.S4, V8.S4 // drop v's sign: ±0 → 0
	VSHL	$1, V5.S4, V9.S4
	VSHL	$1, V6.S4, V10.S4
	VSHL	$1, V7.S4, V11.S4
	WORD	$0x6e24dc00 // FMUL V0.4S, V0.4S, V4.4S
	WORD	$0x6e25dc21 // FMUL V1.4S, V1.4S, V5.4S
	WORD	$0x6e26dc42 // FMUL V2.4S, V2.4S, V6.4S
	WORD	$0x6e27dc63 // FMUL V3.4S, V3.4S, V7.4S
	VCMTST	V8.S4, V8.S4, V8.S4 // all ones where v != ±0
	VCMTST	V9.S4, V9.S4, V9.S4
	VCMTST	V10.S4, V10.S4, V10.S4
	VCMTST	V11.S4, V11.S4, V11.S4
	VAND	V8.B16, V0.B16, V0.B16
	VAND	V9.B16, V1.B16, V1.B16
	VAND	V10.B16, V2.B16, V2.B16
	VAND	V11.B16, V3.B16, V3.B16
	VST1.P	[V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUB	$16, R5, R5
	CMP	$16, R5
	BGE	rows16_32

rows4_32:
	CMP	$4, R5
	BLT	rows1_32

rows4loop32:
	VLD1.P	16(R6), [V4.S4]
	VLD1.P	16(R1), [V0.S4]
	VSHL	$1, V4.S4, V8.S4
	WORD	$0x6e24dc00 // FMUL V0.4S, V0.4S, V4.4S
	VCMTST	V8.S4, V8.S4, V8.S4
	VAND	V8.B16, V0.B16, V0.B16
	VST1.P	[V0.S4], 16(R0)
	SUB	$4, R5, R5
	CMP	$4, R5
	BGE	rows4loop32

rows1_32:
	CBZ	R5, rowend32

rows1loop32:
	FMOVS.P	4(R6), F4
	FMOVS.P	4(R1), F0
	VSHL	$1, V4.S4, V8.S4
	FMULS	F4, F0, F0
	VCMTST	V8.S4, V8.S4, V8.S4
	VAND	V8.B16, V0.B16, V0.B16
	FMOVS.P	F0, 4(R0)
	SUB	$1, R5, R5
	CBNZ	R5, rows1loop32

rowend32:
	CBNZ	R4, rowF32
	RET

short32:
	ADD	R3<<2, R2, R7
	MOVD	R2, R6

shortloop32:
	FMOVS.P	4(R6), F4
	FMOVS.P	4(R1), F0
	VSHL	$1, V4.S4, V8.S4
	FMULS	F4, F0, F0
	VCMTST	V8.S4, V8.S4, V8.S4
	VAND	V8.B16, V0.B16, V0.B16
	FMOVS.P	F0, 4(R0)
	CMP	R7, R6
	CSEL	EQ, R2, R6, R6 // past v's end: back to v[0]
	SUB	$1, R4, R4
	CBNZ	R4, shortloop32
	RET

// func scaleRowsNEONF64(dst, src, v []float64)
//
// Equivalent Go: the loop of scaleRowsNEONF32 with float64 elements. Each
// row is done 8 elements (4 vectors), then 2, then 1 at a time; when
// len(v) == 1 one loop of 1 element covers all of dst.
TEXT ·scaleRowsNEONF64(SB), NOSPLIT, $0-72
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R4
	MOVD	src_base+24(FP), R1
	MOVD	v_base+48(FP), R2
	MOVD	v_len+56(FP), R3
	CMP	$2, R3
	BLT	short64

rowF64:
	CMP	R3, R4
	CSEL	LT, R4, R3, R5
	SUB	R5, R4, R4
	MOVD	R2, R6
	CMP	$8, R5
	BLT	rows2_64

rows8_64:
	VLD1.P	64(R6), [V4.D2, V5.D2, V6.D2, V7.D2]
	VLD1.P	64(R1), [V0.D2, V1.D2, V2.D2, V3.D2]
	VSHL	$1, V4.D2, V8.D2
	VSHL	$1, V5.D2, V9.D2
	VSHL	$1, V6.D2, V10.D2
	VSHL	$1, V7.D2, V11.D2
	WORD	$0x6e64dc00 // FMUL V0.2D, V0.2D, V4.2D
	WORD	$0x6e65dc21 // FMUL V1.2D, V1.2D, V5.2D
	WORD	$0x6e66dc42 // FMUL V2.2D, V2.2D, V6.2D
	WORD	$0x6e67dc63 // FMUL V3.2D, V3.2D, V7.2D
	VCMTST	V8.D2, V8.D2, V8.D2
	VCMTST	V9.D2, V9.D2, V9.D2
	VCMTST	V10.D2, V10.D2, V10.D2
	VCMTST	V11.D2, V11.D2, V11.D2
	VAND	V8.B16, V0.B16, V0.B16
	VAND	V9.B16, V1.B16, V1.B16
	VAND	V10.B16, V2.B16, V2.B16
	VAND	V11.B16, V3.B16, V3.B16
	VST1.P	[V0.D2, V1.D2, V2.D2, V3.D2], 64(R0)
	SUB	$8, R5, R5
	CMP	$8, R5
	BGE	rows8_64

rows2_64:
	CMP	$2, R5
	BLT	rows1_64

rows2loop64:
	VLD1.P	16(R6), [V4.D2]
	VLD1.P	16(R1), [V0.D2]
	VSHL	$1, V4.D2, V8.D2
	WORD	$0x6e64dc00 // FMUL V0.2D, V0.2D, V4.2D
	VCMTST	V8.D2, V8.D2, V8.D2
	VAND	V8.B16, V0.B16, V0.B16
	VST1.P	[V0.D2], 16(R0)
	SUB	$2, R5, R5
	CMP	$2, R5
	BGE	rows2loop64

rows1_64:
	// At most one element of the row is left.
	CBZ	R5, rowend64
	FMOVD	(R6), F4
	FMOVD.P	8(R1), F0
	VSHL	$1, V4.D2, V8.D2
	FMULD	F4, F0, F0
	VCMTST	V8.D2, V8.D2, V8.D2
	VAND	V8.B16, V0.B16, V0.B16
	FMOVD.P	F0, 8(R0)

rowend64:
	CBNZ	R4, rowF64
	RET

short64:
	// len(v) == 1: the same scale for every element.
	FMOVD	(R2), F4
	VSHL	$1, V4.D2, V8.D2
	VCMTST	V8.D2, V8.D2, V8.D2

shortloop64:
	FMOVD.P	8(R1), F0
	FMULD	F4, F0, F0
	VAND	V8.B16, V0.B16, V0.B16
	FMOVD.P	F0, 8(R0)
	SUB	$1, R4, R4
	CBNZ	R4, shortloop64
	RET

// func affinePlanesNEONF32(dst, src []float32, bits []uint64, first, plane, n int, a, b, c float32)
//
// Equivalent Go:
//
//	for i := first; i < first+n; {
//		j := runEnd(bits, i, first+n) // planes i..j-1 share bit i
//		lo, hi := (i-first)*plane, (j-first)*plane
//		if bits[i>>6]>>(i&63)&1 == 1 {
//			for k := lo; k < hi; k++ {
//				dst[k] = float32(src[k]*a) + b // FMUL, then FADD: not fused
//			}
//		} else {
//			for k := lo; k < hi; k++ {
//				dst[k] = c // src[lo:hi] is not read
//			}
//		}
//		i = j
//	}
//
// The run walk is scalePlanesNEONF32's; only the two loop bodies differ.
TEXT ·affinePlanesNEONF32(SB), NOSPLIT, $0-108
	MOVD	dst_base+0(FP), R0
	MOVD	src_base+24(FP), R1
	MOVD	bits_base+48(FP), R2
	MOVD	first+72(FP), R3
	MOVD	plane+80(FP), R4
	MOVD	n+88(FP), R5
	ADD	R3, R5, R5
	FMOVS	a+96(FP), F31
	VDUP	V31.S[0], V31.S4
	FMOVS	b+100(FP), F30
	VDUP	V30.S[0], V30.S4
	FMOVS	c+104(FP), F16
	VDUP	V16.S[0], V16.S4
	VDUP	V16.S[0], V17.S4
	VDUP	V16.S[0], V18.S4
	VDUP	V16.S[0], V19.S4

aff_run32:
	// R6 = bit i; R11 = -R6, so that word^R11 has a one where a bit differs.
	LSR	$6, R3, R7
	MOVD	(R2)(R7<<3), R7
	LSR	R3, R7, R7
	AND	$1, R7, R6
	NEG	R6, R11
	MOVD	R3, R10

aff_scan32:
	// runEnd: look for the first bit >= j that differs from bit i.
	LSR	$6, R10, R7
	MOVD	(R2)(R7<<3), R7
	EOR	R11, R7, R7
	LSR	R10, R7, R7 // shift by j&63: bits below j are gone
	CBNZ	R7, aff_found32
	ORR	$63, R10, R10
	ADD	$1, R10, R10 // j = next word's first bit
	CMP	R5, R10
	BLT	aff_scan32
	MOVD	R5, R10
	B	aff_runlen32

aff_found32:
	RBIT	R7, R7
	CLZ	R7, R7
	ADD	R7, R10, R10
	CMP	R5, R10
	CSEL	LT, R10, R5, R10 // j = min(j, end)

aff_runlen32:
	SUB	R3, R10, R9
	MUL	R4, R9, R9 // R9 = (j-i)*plane elements
	MOVD	R10, R3
	CBZ	R6, aff_fill32

	// Kept run: dst = src*a + b, 16, then 4, then 1 element at a time.
	CMP	$16, R9
	BLT	aff_mul4_32

aff_mul16_32:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	WORD	$0x6e3fdc00 // FMUL V0.4S, V0.4S, V31.4S
	WORD	$0x6e3fdc21 // FMUL V1.4S, V1.4S, V31.4S
	WORD	$0x6e3fdc42 // FMUL V2.4S, V2.4S, V31.4S
	WORD	$0x6e3fdc63 // FMUL V3.4S, V3.4S, V31.4S
	WORD	$0x4e3ed400 // FADD V0.4S, V0.4S, V30.4S
	WORD	$0x4e3ed421 // FADD V1.4S, V1.4S, V30.4S
	WORD	$0x4e3ed442 // FADD V2.4S, V2.4S, V30.4S
	WORD	$0x4e3ed463 // FADD V3.4S, V3.4S, V30.4S
	VST1.P	[V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUB	$16, R9, R9
	CMP	$16, R9
	BGE	aff_mul16_32

aff_mul4_32:
	CMP	$4, R9
	BLT	aff_mul1_32

aff_mul4loop32:
	VLD1.P	16(R1), [V0.S4]
	WORD	$0x6e3fdc00 // FMUL V0.4S, V0.4S, V31.4S
	WORD	$0x4e3ed400 // FADD V0.4S, V0.4S, V30.4S
	VST1.P	[V0.S4], 16(R0)
	SUB	$4, R9, R9
	CMP	$4, R9
	BGE	aff_mul4loop32

aff_mul1_32:
	CBZ	R9, aff_next32

aff_mul1loop32:
	FMOVS.P	4(R1), F0
	FMULS	F31, F0, F0
	FADDS	F30, F0, F0
	FMOVS.P	F0, 4(R0)
	SUB	$1, R9, R9
	CBNZ	R9, aff_mul1loop32
	B	aff_next32

	// Dropped run: dst = c; src is skipped without being read.
aff_fill32:
	ADD	R9<<2, R1, R1
	CMP	$16, R9
	BLT	aff_fill4_32

aff_fill16_32:
	VST1.P	[V16.S4, V17.S4, V18.S4, V19.S4], 64(R0)
	SUB	$16, R9, R9
	CMP	$16, R9
	BGE	aff_fill16_32

aff_fill4_32:
	CMP	$4, R9
	BLT	aff_fill1_32

aff_fill4loop32:
	VST1.P	[V16.S4], 16(R0)
	SUB	$4, R9, R9
	CMP	$4, R9
	BGE	aff_fill4loop32

aff_fill1_32:
	CBZ	R9, aff_next32

aff_fill1loop32:
	FMOVS.P	F16, 4(R0)
	SUB	$1, R9, R9
	CBNZ	R9, aff_fill1loop32

aff_next32:
	CMP	R5, R3
	BLT	aff_run32
	RET

// func affinePlanesNEONF64(dst, src []float64, bits []uint64, first, plane, n int, a, b, c float64)
//
// Equivalent Go: the loop of affinePlanesNEONF32 with float64 elements.
// The main loop handles 8 elements (4 vectors), then 2, then 1.
TEXT ·affinePlanesNEONF64(SB), NOSPLIT, $0-120
	MOVD	dst_base+0(FP), R0
	MOVD	src_base+24(FP), R1
	MOVD	bits_base+48(FP), R2
	MOVD	first+72(FP), R3
	MOVD	plane+80(FP), R4
	MOVD	n+88(FP), R5
	ADD	R3, R5, R5
	FMOVD	a+96(FP), F31
	VDUP	V31.D[0], V31.D2
	FMOVD	b+104(FP), F30
	VDUP	V30.D[0], V30.D2
	FMOVD	c+112(FP), F16
	VDUP	V16.D[0], V16.D2
	VDUP	V16.D[0], V17.D2
	VDUP	V16.D[0], V18.D2
	VDUP	V16.D[0], V19.D2

aff_run64:
	LSR	$6, R3, R7
	MOVD	(R2)(R7<<3), R7
	LSR	R3, R7, R7
	AND	$1, R7, R6
	NEG	R6, R11
	MOVD	R3, R10

aff_scan64:
	LSR	$6, R10, R7
	MOVD	(R2)(R7<<3), R7
	EOR	R11, R7, R7
	LSR	R10, R7, R7
	CBNZ	R7, aff_found64
	ORR	$63, R10, R10
	ADD	$1, R10, R10
	CMP	R5, R10
	BLT	aff_scan64
	MOVD	R5, R10
	B	aff_runlen64

aff_found64:
	RBIT	R7, R7
	CLZ	R7, R7
	ADD	R7, R10, R10
	CMP	R5, R10
	CSEL	LT, R10, R5, R10

aff_runlen64:
	SUB	R3, R10, R9
	MUL	R4, R9, R9
	MOVD	R10, R3
	CBZ	R6, aff_fill64

	CMP	$8, R9
	BLT	aff_mul2_64

aff_mul8_64:
	VLD1.P	64(R1), [V0.D2, V1.D2, V2.D2, V3.D2]
	WORD	$0x6e7fdc00 // FMUL V0.2D, V0.2D, V31.2D
	WORD	$0x6e7fdc21 // FMUL V1.2D, V1.2D, V31.2D
	WORD	$0x6e7fdc42 // FMUL V2.2D, V2.2D, V31.2D
	WORD	$0x6e7fdc63 // FMUL V3.2D, V3.2D, V31.2D
	WORD	$0x4e7ed400 // FADD V0.2D, V0.2D, V30.2D
	WORD	$0x4e7ed421 // FADD V1.2D, V1.2D, V30.2D
	WORD	$0x4e7ed442 // FADD V2.2D, V2.2D, V30.2D
	WORD	$0x4e7ed463 // FADD V3.2D, V3.2D, V30.2D
	VST1.P	[V0.D2, V1.D2, V2.D2, V3.D2], 64(R0)
	SUB	$8, R9, R9
	CMP	$8, R9
	BGE	aff_mul8_64

aff_mul2_64:
	CMP	$2, R9
	BLT	aff_mul1_64

aff_mul2loop64:
	VLD1.P	16(R1), [V0.D2]
	WORD	$0x6e7fdc00 // FMUL V0.2D, V0.2D, V31.2D
	WORD	$0x4e7ed400 // FADD V0.2D, V0.2D, V30.2D
	VST1.P	[V0.D2], 16(R0)
	SUB	$2, R9, R9
	CMP	$2, R9
	BGE	aff_mul2loop64

aff_mul1_64:
	// At most one element is left.
	CBZ	R9, aff_next64
	FMOVD.P	8(R1), F0
	FMULD	F31, F0, F0
	FADDD	F30, F0, F0
	FMOVD.P	F0, 8(R0)
	B	aff_next64

aff_fill64:
	ADD	R9<<3, R1, R1
	CMP	$8, R9
	BLT	aff_fill2_64

aff_fill8_64:
	VST1.P	[V16.D2, V17.D2, V18.D2, V19.D2], 64(R0)
	SUB	$8, R9, R9
	CMP	$8, R9
	BGE	aff_fill8_64

aff_fill2_64:
	CMP	$2, R9
	BLT	aff_fill1_64

aff_fill2loop64:
	VST1.P	[V16.D2], 16(R0)
	SUB	$2, R9, R9
	CMP	$2, R9
	BGE	aff_fill2loop64

aff_fill1_64:
	CBZ	R9, aff_next64
	FMOVD.P	F16, 8(R0)

aff_next64:
	CMP	R5, R3
	BLT	aff_run64
	RET

// Bit positions for scaleBitsNEONF32: lane j of vector k holds 1<<(4k+j),
// so CMTST of the mask word (in every lane) against vector k gives all ones
// in lane j exactly when bit 4k+j is set, i.e. when element 4k+j is kept.
DATA scaleBitsF32<>+0x00(SB)/4, $0x0001
DATA scaleBitsF32<>+0x04(SB)/4, $0x0002
DATA scaleBitsF32<>+0x08(SB)/4, $0x0004
DATA scaleBitsF32<>+0x0c(SB)/4, $0x0008
DATA scaleBitsF32<>+0x10(SB)/4, $0x0010
DATA scaleBitsF32<>+0x14(SB)/4, $0x0020
DATA scaleBitsF32<>+0x18(SB)/4, $0x0040
DATA scaleBitsF32<>+0x1c(SB)/4, $0x0080
DATA scaleBitsF32<>+0x20(SB)/4, $0x0100
DATA scaleBitsF32<>+0x24(SB)/4, $0x0200
DATA scaleBitsF32<>+0x28(SB)/4, $0x0400
DATA scaleBitsF32<>+0x2c(SB)/4, $0x0800
DATA scaleBitsF32<>+0x30(SB)/4, $0x1000
DATA scaleBitsF32<>+0x34(SB)/4, $0x2000
DATA scaleBitsF32<>+0x38(SB)/4, $0x4000
DATA scaleBitsF32<>+0x3c(SB)/4, $0x8000
GLOBL scaleBitsF32<>(SB), RODATA|NOPTR, $64

// Bit positions for scaleBitsNEONF64: lane j of vector k holds 1<<(2k+j).
DATA scaleBitsF64<>+0x00(SB)/8, $0x01
DATA scaleBitsF64<>+0x08(SB)/8, $0x02
DATA scaleBitsF64<>+0x10(SB)/8, $0x04
DATA scaleBitsF64<>+0x18(SB)/8, $0x08
DATA scaleBitsF64<>+0x20(SB)/8, $0x10
DATA scaleBitsF64<>+0x28(SB)/8, $0x20
DATA scaleBitsF64<>+0x30(SB)/8, $0x40
DATA scaleBitsF64<>+0x38(SB)/8, $0x80
GLOBL scaleBitsF64<>(SB), RODATA|NOPTR, $64

// func scaleBitsNEONF32(dst, src []float32, bits []uint64, first int, s float32)
//
// Equivalent Go:
//
//	for i := range dst {
//		b := first + i
//		if bits[b>>6]>>(b&63)&1 == 1 {
//			dst[i] = src[i] * s
//		} else {
//			dst[i] = 0 // whatever src[i] holds, NaN and Inf included
//		}
//	}
//
// computed without a branch, as the bits of src[i]*s ANDed with all ones
// where the bit is set. dst is walked one mask word at a time (the first
// one from bit first&63), each word 16 elements at a time while 16 of its
// bits are left, then 1 at a time.
TEXT ·scaleBitsNEONF32(SB), NOSPLIT, $0-84
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R4
	MOVD	src_base+24(FP), R1
	MOVD	bits_base+48(FP), R2
	MOVD	first+72(FP), R3
	FMOVS	s+80(FP), F31
	VDUP	V31.S[0], V31.S4
	MOVD	$scaleBitsF32<>(SB), R7
	VLD1	(R7), [V24.S4, V25.S4, V26.S4, V27.S4]

sb_word32:
	// R8 = bits of this word from bit b on; R9 = elements they cover.
	LSR	$6, R3, R7
	MOVD	(R2)(R7<<3), R8
	AND	$63, R3, R7
	LSR	R7, R8, R8
	MOVD	$64, R9
	SUB	R7, R9, R9
	CMP	R4, R9
	CSEL	LT, R9, R4, R9 // min(64 - b&63, elements left)
	ADD	R9, R3, R3
	SUB	R9, R4, R4
	CMP	$16, R9
	BLT	sb_one32

sb_16_32:
	VDUP	R8, V4.S4 // the low 32 bits of R8 in every lane; 16 are used
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VCMTST	V24.S4, V4.S4, V5.S4 // all ones where bit j (elements 0-3) is set
	VCMTST	V25.S4, V4.S4, V6.S4 // bits 4-7
	VCMTST	V26.S4, V4.S4, V7.S4 // bits 8-11
	VCMTST	V27.S4, V4.S4, V4.S4 // bits 12-15
	WORD	$0x6e3fdc00 // FMUL V0.4S, V0.4S, V31.4S
	WORD	$0x6e3fdc21 // FMUL V1.4S, V1.4S, V31.4S
	WORD	$0x6e3fdc42 // FMUL V2.4S, V2.4S, V31.4S
	WORD	$0x6e3fdc63 // FMUL V3.4S, V3.4S, V31.4S
	VAND	V5.B16, V0.B16, V0.B16
	VAND	V6.B16, V1.B16, V1.B16
	VAND	V7.B16, V2.B16, V2.B16
	VAND	V4.B16, V3.B16, V3.B16
	VST1.P	[V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	LSR	$16, R8, R8
	SUB	$16, R9, R9
	CMP	$16, R9
	BGE	sb_16_32

sb_one32:
	CBZ	R9, sb_next32

sb_oneloop32:
	FMOVS.P	4(R1), F0
	FMULS	F31, F0, F0
	FMOVS	F0, R7
	AND	$1, R8, R10
	NEG	R10, R10 // all ones if the element is kept
	ANDW	R10, R7, R7
	MOVW.P	R7, 4(R0)
	LSR	$1, R8, R8
	SUB	$1, R9, R9
	CBNZ	R9, sb_oneloop32

sb_next32:
	CBNZ	R4, sb_word32
	RET

// func scaleBitsNEONF64(dst, src []float64, bits []uint64, first int, s float64)
//
// Equivalent Go: the loop of scaleBitsNEONF32 with float64 elements, each
// word done 8 elements (4 vectors) at a time while 8 of its bits are left,
// then 1 at a time.
TEXT ·scaleBitsNEONF64(SB), NOSPLIT, $0-88
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R4
	MOVD	src_base+24(FP), R1
	MOVD	bits_base+48(FP), R2
	MOVD	first+72(FP), R3
	FMOVD	s+80(FP), F31
	VDUP	V31.D[0], V31.D2
	MOVD	$scaleBitsF64<>(SB), R7
	VLD1	(R7), [V24.D2, V25.D2, V26.D2, V27.D2]

sb_word64:
	LSR	$6, R3, R7
	MOVD	(R2)(R7<<3), R8
	AND	$63, R3, R7
	LSR	R7, R8, R8
	MOVD	$64, R9
	SUB	R7, R9, R9
	CMP	R4, R9
	CSEL	LT, R9, R4, R9
	ADD	R9, R3, R3
	SUB	R9, R4, R4
	CMP	$8, R9
	BLT	sb_one64

sb_8_64:
	VDUP	R8, V4.D2 // 8 of its bits are used
	VLD1.P	64(R1), [V0.D2, V1.D2, V2.D2, V3.D2]
	VCMTST	V24.D2, V4.D2, V5.D2 // all ones where bit j (elements 0-1) is set
	VCMTST	V25.D2, V4.D2, V6.D2 // bits 2-3
	VCMTST	V26.D2, V4.D2, V7.D2 // bits 4-5
	VCMTST	V27.D2, V4.D2, V4.D2 // bits 6-7
	WORD	$0x6e7fdc00 // FMUL V0.2D, V0.2D, V31.2D
	WORD	$0x6e7fdc21 // FMUL V1.2D, V1.2D, V31.2D
	WORD	$0x6e7fdc42 // FMUL V2.2D, V2.2D, V31.2D
	WORD	$0x6e7fdc63 // FMUL V3.2D, V3.2D, V31.2D
	VAND	V5.B16, V0.B16, V0.B16
	VAND	V6.B16, V1.B16, V1.B16
	VAND	V7.B16, V2.B16, V2.B16
	VAND	V4.B16, V3.B16, V3.B16
	VST1.P	[V0.D2, V1.D2, V2.D2, V3.D2], 64(R0)
	LSR	$8, R8, R8
	SUB	$8, R9, R9
	CMP	$8, R9
	BGE	sb_8_64

sb_one64:
	CBZ	R9, sb_next64

sb_oneloop64:
	FMOVD.P	8(R1), F0
	FMULD	F31, F0, F0
	FMOVD	F0, R7
	AND	$1, R8, R10
	NEG	R10, R10
	AND	R10, R7, R7
	MOVD.P	R7, 8(R0)
	LSR	$1, R8, R8
	SUB	$1, R9, R9
	CBNZ	R9, sb_oneloop64

sb_next64:
	CBNZ	R4, sb_word64
	RET
