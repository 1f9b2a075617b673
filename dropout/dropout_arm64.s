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
// FMOVS/FMOVD load, which zeroes the other lanes. The affineBits kernels
// select instead of zeroing: BIF (bitwise insert if false), also missing
// from the assembler and WORD-encoded, copies c into the lanes whose mask is
// zero and leaves src·a + b in the others, bit for bit.
//
// Philox. The bit-plane kernels (keepPlanes, dropoutPhilox) compute
// Philox4x32-10 in vector registers in structure-of-arrays form: register w
// holds word w of the counters of four blocks, one block per 32-bit lane. A
// round needs the 64-bit products M0*c0 and M1*c2, and Go's assembler has
// no widening multiply (vector), so UMULL (lanes 0-1) and UMULL2 (lanes
// 2-3) are WORD-encoded with the mnemonic beside each; each gives two
// 64-bit products, and VUZP1/VUZP2 of the pair collect their low and high
// 32-bit halves, one block per lane again. The products are exact (32x32 ->
// 64 bits), so the rounds are bit-identical to philoxRound. The 64-bit block
// numbers are kept in 64-bit lanes, so the increments carry into the high
// word and wrap at 2^64 as uint64 does; VUZP1/VUZP2 split them into the
// counter's first two words.
//
// Bit planes. A 64-bit plane w[2h] | w[2h+1]<<32 is VZIP1/VZIP2 of the
// registers of words 2h and 2h+1, which put the two words of one block side
// by side in a 64-bit lane, low word first: the plane exactly, with no
// arithmetic. Deciding is then bitwise (EOR, AND, BIT, ORR) on whole planes,
// decideGroup's steps in the same order, so the keep words are its words bit
// for bit; the batch's early stop is explained beside the macros below.
// The keep words are applied with the scaleBits kernels' code (a multiply,
// then VAND with the lane masks), so kept elements are one FMUL each, as in
// the other kernels, and a dropped element is +0 whatever src holds.
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
//
// Registers of the bit-plane kernels (keepPlanes and dropoutPhilox):
//
//	R0  dst pointer, R1 src pointer, advanced as elements are written/read
//	R2  bits pointer, advanced as words are written; 0 when bits is nil
//	R3  groups left (keepPlanes) or elements left (dropoutPhilox)
//	R4  the first block of the batch's first group
//	R5  t
//	R6  groups of the current batch; dropoutPhilox: counted down as applied
//	R8  the keep word of the group being applied, shifted as it is used
//	R9  elements of that group left; scratch while deciding
//	R7, R10 scratch
//	R12 seed: its low 32 bits are k0; R13 k1
//	R14, R15 the round keys k0, k1
//	R19, R20 W0, W1
//	R21 rounds left
//	R22 t shifted so that bit 63 is t's bit of the next plane
//	R23 steps (blocks) of the batch left
//	R24 the bits of s; R25 the batch's keep words on the stack
//	V0-V3   set A: word w of block k of groups 0-3 in V(w), lane q for group q
//	V4-V7   set B: the same for groups 4-7; then data and lane masks
//	V8-V15  products, then the step's planes
//	V16 M0, V17 M1, V18 k0, V19 k1 (every lane); V18, V19 then T
//	V20-V23 open lanes of groups 0-1, 2-3, 4-5, 6-7 (64-bit lanes)
//	V24-V27 dropped lanes, then keep words; then the bit of each lane
//	        (scaleBitsF32<>, scaleBitsF64<>)
//	V28-V31 the step's block numbers: groups 0-1, 2-3 (set A), 4-5, 6-7
//	        (set B); V31 then s in every lane

#include "textflag.h"

// PLANES_RUN finds the run of planes from plane bit R3 (i) of bits (R2)
// on, up to R5 (end), for the plane kernels: R6 = the run's bit (1 keep, 0
// drop), R10 = its end j (runEnd: the first bit from i on that differs
// from bit i, or end), R9 = its (j-i)*plane elements (plane in R4), and R3
// moved on to j. R7 and R11 are clobbered.
#define PLANES_RUN \
	LSR	$6, R3, R7; \
	MOVD	(R2)(R7<<3), R7; \
	LSR	R3, R7, R7; \
	AND	$1, R7, R6; \
	NEG	R6, R11 /* word^R11 has a one where a bit differs from bit i */; \
	MOVD	R3, R10; \
run_scan: \
	LSR	$6, R10, R7; \
	MOVD	(R2)(R7<<3), R7; \
	EOR	R11, R7, R7; \
	LSR	R10, R7, R7 /* shift by j&63: bits below j are gone */; \
	CBNZ	R7, run_found; \
	ORR	$63, R10, R10; \
	ADD	$1, R10, R10 /* j = next word's first bit */; \
	CMP	R5, R10; \
	BLT	run_scan; \
	MOVD	R5, R10; \
	B	run_len; \
run_found: \
	RBIT	R7, R7; \
	CLZ	R7, R7; \
	ADD	R7, R10, R10; \
	CMP	R5, R10; \
	CSEL	LT, R10, R5, R10 /* j = min(j, end) */; \
run_len: \
	SUB	R3, R10, R9; \
	MUL	R4, R9, R9; \
	MOVD	R10, R3

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
	PLANES_RUN // R9 = the run's elements, R6 its bit; R3 moved past it
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
	PLANES_RUN // R9 = the run's elements, R6 its bit; R3 moved past it
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
	PLANES_RUN // R9 = the run's elements, R6 its bit; R3 moved past it
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
	PLANES_RUN // R9 = the run's elements, R6 its bit; R3 moved past it
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

// The scaleBits and affineBits kernels share their walk over the mask words
// and their vector multiply, written once here.
//
// BITS_WORD: R8 = the bits of the word of bits (R2) that holds bit R3, from
// that bit on; R9 = how many elements they cover, min(64 - R3&63, R4); R3
// and R4 are moved past those elements. R7 is clobbered.
#define BITS_WORD \
	LSR	$6, R3, R7; \
	MOVD	(R2)(R7<<3), R8; \
	AND	$63, R3, R7; \
	LSR	R7, R8, R8; \
	MOVD	$64, R9; \
	SUB	R7, R9, R9; \
	CMP	R4, R9; \
	CSEL	LT, R9, R4, R9; \
	ADD	R9, R3, R3; \
	SUB	R9, R4, R4

// BITS_MUL16_F32: the next 16 float32 of src (R1, post-incremented) times
// V31 into V0-V3, and in V5, V6, V7, V4 the lane masks of the low 16 bits
// of R8 (all ones where the bit is set), from the bit vectors V24-V27. FMUL
// (vector) is WORD-encoded: FMUL Vi.4S, Vi.4S, V31.4S for i = 0..3.
#define BITS_MUL16_F32 \
	VDUP	R8, V4.S4; \
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]; \
	VCMTST	V24.S4, V4.S4, V5.S4; \
	VCMTST	V25.S4, V4.S4, V6.S4; \
	VCMTST	V26.S4, V4.S4, V7.S4; \
	VCMTST	V27.S4, V4.S4, V4.S4; \
	WORD	$0x6e3fdc00 /* FMUL V0.4S, V0.4S, V31.4S */; \
	WORD	$0x6e3fdc21 /* FMUL V1.4S, V1.4S, V31.4S */; \
	WORD	$0x6e3fdc42 /* FMUL V2.4S, V2.4S, V31.4S */; \
	WORD	$0x6e3fdc63 /* FMUL V3.4S, V3.4S, V31.4S */

// BITS_MUL8_F64: BITS_MUL16_F32 for 8 float64 and the low 8 bits of R8
// (FMUL Vi.2D, Vi.2D, V31.2D for i = 0..3).
#define BITS_MUL8_F64 \
	VDUP	R8, V4.D2; \
	VLD1.P	64(R1), [V0.D2, V1.D2, V2.D2, V3.D2]; \
	VCMTST	V24.D2, V4.D2, V5.D2; \
	VCMTST	V25.D2, V4.D2, V6.D2; \
	VCMTST	V26.D2, V4.D2, V7.D2; \
	VCMTST	V27.D2, V4.D2, V4.D2; \
	WORD	$0x6e7fdc00 /* FMUL V0.2D, V0.2D, V31.2D */; \
	WORD	$0x6e7fdc21 /* FMUL V1.2D, V1.2D, V31.2D */; \
	WORD	$0x6e7fdc42 /* FMUL V2.2D, V2.2D, V31.2D */; \
	WORD	$0x6e7fdc63 /* FMUL V3.2D, V3.2D, V31.2D */

// BITS_APPLY16_F32: BITS_MUL16_F32, each product ANDed with its lane mask
// (+0 where the bit is clear) and the 16 results stored to dst (R0,
// post-incremented); R8 shifted past their bits and R9 counted down by 16.
#define BITS_APPLY16_F32 \
	BITS_MUL16_F32; \
	VAND	V5.B16, V0.B16, V0.B16; \
	VAND	V6.B16, V1.B16, V1.B16; \
	VAND	V7.B16, V2.B16, V2.B16; \
	VAND	V4.B16, V3.B16, V3.B16; \
	VST1.P	[V0.S4, V1.S4, V2.S4, V3.S4], 64(R0); \
	LSR	$16, R8, R8; \
	SUB	$16, R9, R9

// BITS_APPLY8_F64: BITS_APPLY16_F32 for 8 float64 (BITS_MUL8_F64).
#define BITS_APPLY8_F64 \
	BITS_MUL8_F64; \
	VAND	V5.B16, V0.B16, V0.B16; \
	VAND	V6.B16, V1.B16, V1.B16; \
	VAND	V7.B16, V2.B16, V2.B16; \
	VAND	V4.B16, V3.B16, V3.B16; \
	VST1.P	[V0.D2, V1.D2, V2.D2, V3.D2], 64(R0); \
	LSR	$8, R8, R8; \
	SUB	$8, R9, R9

// BITS_ONE_F32: one float32, src (R1) times s (F31) if bit 0 of R8 is set,
// else +0, stored to dst (R0); both pointers post-incremented, R8 shifted,
// R9 counted down. R7 and R10 are clobbered.
#define BITS_ONE_F32 \
	FMOVS.P	4(R1), F0; \
	FMULS	F31, F0, F0; \
	FMOVS	F0, R7; \
	AND	$1, R8, R10; \
	NEG	R10, R10; \
	ANDW	R10, R7, R7; \
	MOVW.P	R7, 4(R0); \
	LSR	$1, R8, R8; \
	SUB	$1, R9, R9

// BITS_ONE_F64: BITS_ONE_F32 for one float64.
#define BITS_ONE_F64 \
	FMOVD.P	8(R1), F0; \
	FMULD	F31, F0, F0; \
	FMOVD	F0, R7; \
	AND	$1, R8, R10; \
	NEG	R10, R10; \
	AND	R10, R7, R7; \
	MOVD.P	R7, 8(R0); \
	LSR	$1, R8, R8; \
	SUB	$1, R9, R9

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
	BITS_WORD
	CMP	$16, R9
	BLT	sb_one32

sb_16_32:
	BITS_APPLY16_F32
	CMP	$16, R9
	BGE	sb_16_32

sb_one32:
	CBZ	R9, sb_next32

sb_oneloop32:
	BITS_ONE_F32
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
	BITS_WORD
	CMP	$8, R9
	BLT	sb_one64

sb_8_64:
	BITS_APPLY8_F64
	CMP	$8, R9
	BGE	sb_8_64

sb_one64:
	CBZ	R9, sb_next64

sb_oneloop64:
	BITS_ONE_F64
	CBNZ	R9, sb_oneloop64

sb_next64:
	CBNZ	R4, sb_word64
	RET

// func affineBitsNEONF32(dst, src []float32, bits []uint64, first int, a, b, c float32)
//
// Equivalent Go:
//
//	for i := range dst {
//		bit := first + i
//		if bits[bit>>6]>>(bit&63)&1 == 1 {
//			dst[i] = float32(src[i]*a) + b // two roundings, never fused
//		} else {
//			dst[i] = c // whatever src[i] holds
//		}
//	}
//
// walked as scaleBitsNEONF32 is; the lane masks select between src·a + b
// and c with BIF (bitwise insert if false), so a dropped lane is c exactly.
TEXT ·affineBitsNEONF32(SB), NOSPLIT, $0-92
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R4
	MOVD	src_base+24(FP), R1
	MOVD	bits_base+48(FP), R2
	MOVD	first+72(FP), R3
	FMOVS	a+80(FP), F31
	VDUP	V31.S[0], V31.S4
	FMOVS	b+84(FP), F30
	VDUP	V30.S[0], V30.S4
	FMOVS	c+88(FP), F29
	FMOVS	F29, R11 // c's bits, for the one-at-a-time loop
	VDUP	V29.S[0], V29.S4
	MOVD	$scaleBitsF32<>(SB), R7
	VLD1	(R7), [V24.S4, V25.S4, V26.S4, V27.S4]

ab_word32:
	BITS_WORD
	CMP	$16, R9
	BLT	ab_one32

ab_16_32:
	BITS_MUL16_F32
	WORD	$0x4e3ed400 // FADD V0.4S, V0.4S, V30.4S
	WORD	$0x4e3ed421 // FADD V1.4S, V1.4S, V30.4S
	WORD	$0x4e3ed442 // FADD V2.4S, V2.4S, V30.4S
	WORD	$0x4e3ed463 // FADD V3.4S, V3.4S, V30.4S
	WORD	$0x6ee51fa0 // BIF V0.16B, V29.16B, V5.16B: c where bits 0-3 are clear
	WORD	$0x6ee61fa1 // BIF V1.16B, V29.16B, V6.16B
	WORD	$0x6ee71fa2 // BIF V2.16B, V29.16B, V7.16B
	WORD	$0x6ee41fa3 // BIF V3.16B, V29.16B, V4.16B
	VST1.P	[V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	LSR	$16, R8, R8
	SUB	$16, R9, R9
	CMP	$16, R9
	BGE	ab_16_32

ab_one32:
	CBZ	R9, ab_next32

ab_oneloop32:
	FMOVS.P	4(R1), F0
	FMULS	F31, F0, F0
	FADDS	F30, F0, F0
	FMOVS	F0, R7
	AND	$1, R8, R10
	NEG	R10, R10 // all ones if the element is kept
	ANDW	R10, R7, R7
	BICW	R10, R11, R12 // c where dropped
	ORRW	R12, R7, R7
	MOVW.P	R7, 4(R0)
	LSR	$1, R8, R8
	SUB	$1, R9, R9
	CBNZ	R9, ab_oneloop32

ab_next32:
	CBNZ	R4, ab_word32
	RET

// func affineBitsNEONF64(dst, src []float64, bits []uint64, first int, a, b, c float64)
//
// Equivalent Go: the loop of affineBitsNEONF32 with float64 elements, each
// word done 8 elements (4 vectors) at a time while 8 of its bits are left,
// then 1 at a time.
TEXT ·affineBitsNEONF64(SB), NOSPLIT, $0-104
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R4
	MOVD	src_base+24(FP), R1
	MOVD	bits_base+48(FP), R2
	MOVD	first+72(FP), R3
	FMOVD	a+80(FP), F31
	VDUP	V31.D[0], V31.D2
	FMOVD	b+88(FP), F30
	VDUP	V30.D[0], V30.D2
	FMOVD	c+96(FP), F29
	FMOVD	F29, R11
	VDUP	V29.D[0], V29.D2
	MOVD	$scaleBitsF64<>(SB), R7
	VLD1	(R7), [V24.D2, V25.D2, V26.D2, V27.D2]

ab_word64:
	BITS_WORD
	CMP	$8, R9
	BLT	ab_one64

ab_8_64:
	BITS_MUL8_F64
	WORD	$0x4e7ed400 // FADD V0.2D, V0.2D, V30.2D
	WORD	$0x4e7ed421 // FADD V1.2D, V1.2D, V30.2D
	WORD	$0x4e7ed442 // FADD V2.2D, V2.2D, V30.2D
	WORD	$0x4e7ed463 // FADD V3.2D, V3.2D, V30.2D
	WORD	$0x6ee51fa0 // BIF V0.16B, V29.16B, V5.16B: c where bits 0-1 are clear
	WORD	$0x6ee61fa1 // BIF V1.16B, V29.16B, V6.16B
	WORD	$0x6ee71fa2 // BIF V2.16B, V29.16B, V7.16B
	WORD	$0x6ee41fa3 // BIF V3.16B, V29.16B, V4.16B
	VST1.P	[V0.D2, V1.D2, V2.D2, V3.D2], 64(R0)
	LSR	$8, R8, R8
	SUB	$8, R9, R9
	CMP	$8, R9
	BGE	ab_8_64

ab_one64:
	CBZ	R9, ab_next64

ab_oneloop64:
	FMOVD.P	8(R1), F0
	FMULD	F31, F0, F0
	FADDD	F30, F0, F0
	FMOVD	F0, R7
	AND	$1, R8, R10
	NEG	R10, R10
	AND	R10, R7, R7
	BIC	R10, R11, R12
	ORR	R12, R7, R7
	MOVD.P	R7, 8(R0)
	LSR	$1, R8, R8
	SUB	$1, R9, R9
	CBNZ	R9, ab_oneloop64

ab_next64:
	CBNZ	R4, ab_word64
	RET

// The bit-plane kernels (keepPlanes, dropoutPhilox) decide groups of 64
// features (DESIGN.md, "Bit planes") eight at a time, in lockstep: a batch
// is groups g..g+7, whose block k is Philox block start+16(g+q)+k for group
// g+q. A step computes block k of all eight groups with one run of the
// Philox rounds on two register sets: set A (V0-V3) holds word w of the
// blocks of groups g..g+3 in V(w), one group per 32-bit lane, set B
// (V4-V7) the same for groups g+4..g+7. Plane 2k of a group is
// w0 | w1<<32 of its block k and plane 2k+1 is w2 | w3<<32: VZIP1 and
// VZIP2 of V0 with V1 interleave the two words of lanes 0-1 and 2-3, which
// puts w0 in the low half and w1 in the high half of each 64-bit lane, so
// they give the planes of groups g, g+1 and g+2, g+3 as 64-bit lanes (V2
// with V3 the next plane; set B groups g+4..g+7). Each plane is then the
// generic decideGroup's step in four registers of two groups each:
//
//	x := P ^ T     // T: all ones iff t's bit 31-j is 1
//	d := x & open  // lanes whose bit differs from t's here
//	drop = BIT(drop, T, d) // drop |= d & T: bits of T where d is set
//	open ^= d      // d is a subset of open: open &^= d
//
// and a batch stops after the first step that leaves no lane of the batch
// open, or after its 16th. Planes after a lane is decided do not change its
// decision, so stopping later than decideGroup does gives the same words;
// lanes open after 32 planes have u == t and stay kept. In the last batch
// of a call, the groups past the end start with no lane open (planesOpen<>)
// so that they never hold the batch back; their words are not stored. The
// keep word is ^drop (EOR with all ones, which VCMEQ of a register with
// itself gives: the assembler has no NOT). The 64-bit block numbers of a
// step are in 64-bit lanes (V28, V29 for set A, V30, V31 for set B), added
// to with 64-bit VADD and VMOV'd in from a 64-bit add at each batch, so
// they carry into the counter's high word and wrap at 2^64 as uint64 does.

// PLANES_CONST: the Philox multipliers M0, M1 in every lane of V16, V17, and
// the key increments W0, W1 in R19, R20.
#define PLANES_CONST \
	MOVW	$0xD2511F53, R9; \
	VDUP	R9, V16.S4; \
	MOVW	$0xCD9E8D57, R9; \
	VDUP	R9, V17.S4; \
	MOVW	$0x9E3779B9, R19; \
	MOVW	$0xBB67AE85, R20

// PLANES_INIT starts a batch of R6 (1 to 8) groups whose first group's
// blocks start at R4: the block numbers R4+16q of step 0 in V28-V31 (64-bit
// lane q%2 of V28+q/2), every lane of the R6 groups open (V20-V23, two
// groups each) and of the others closed, nothing dropped (V24-V27), t's
// bits in R22 from bit 63 down (plane 0 first), 16 steps left in R23. R9
// and R10 are clobbered.
#define PLANES_INIT \
	VMOV	R4, V28.D[0]; \
	ADD	$16, R4, R9; \
	VMOV	R9, V28.D[1]; \
	ADD	$16, R9, R9; \
	VMOV	R9, V29.D[0]; \
	ADD	$16, R9, R9; \
	VMOV	R9, V29.D[1]; \
	ADD	$16, R9, R9; \
	VMOV	R9, V30.D[0]; \
	ADD	$16, R9, R9; \
	VMOV	R9, V30.D[1]; \
	ADD	$16, R9, R9; \
	VMOV	R9, V31.D[0]; \
	ADD	$16, R9, R9; \
	VMOV	R9, V31.D[1]; \
	MOVD	$planesOpen<>(SB), R9; \
	MOVD	$8, R10; \
	SUB	R6, R10, R10; \
	ADD	R10<<3, R9, R9; \
	VLD1	(R9), [V20.D2, V21.D2, V22.D2, V23.D2]; \
	VEOR	V24.B16, V24.B16, V24.B16; \
	VEOR	V25.B16, V25.B16, V25.B16; \
	VEOR	V26.B16, V26.B16, V26.B16; \
	VEOR	V27.B16, V27.B16, V27.B16; \
	LSL	$32, R5, R22; \
	MOVD	$16, R23

// PHILOX8_FIRST: the counters (lo32 b, hi32 b, 0, 0) of the step's eight
// blocks, split out of V28-V31 by VUZP1 (low words) and VUZP2 (high words),
// and the first Philox round on them. c2 = c3 = 0, so M1*c2 = 0: c0 =
// c1^k0, c1 = 0, c2 = hi(M0*c0)^k1, c3 = lo(M0*c0). The round keys start
// at the seed's (R14, R15; every lane of V18, V19).
#define PHILOX8_FIRST \
	VUZP1	V29.S4, V28.S4, V0.S4; \
	VUZP2	V29.S4, V28.S4, V1.S4; \
	VUZP1	V31.S4, V30.S4, V4.S4; \
	VUZP2	V31.S4, V30.S4, V5.S4; \
	PHILOX8_KEY0; \
	WORD	$0x2eb0c008 /* UMULL  V8.2D, V0.2S, V16.2S */; \
	WORD	$0x6eb0c009 /* UMULL2 V9.2D, V0.4S, V16.4S */; \
	WORD	$0x2eb0c08c /* UMULL  V12.2D, V4.2S, V16.2S */; \
	WORD	$0x6eb0c08d /* UMULL2 V13.2D, V4.4S, V16.4S */; \
	VEOR	V18.B16, V1.B16, V0.B16; \
	VEOR	V18.B16, V5.B16, V4.B16; \
	VEOR	V1.B16, V1.B16, V1.B16; \
	VEOR	V5.B16, V5.B16, V5.B16; \
	VUZP2	V9.S4, V8.S4, V2.S4; \
	VUZP2	V13.S4, V12.S4, V6.S4; \
	VEOR	V19.B16, V2.B16, V2.B16; \
	VEOR	V19.B16, V6.B16, V6.B16; \
	VUZP1	V9.S4, V8.S4, V3.S4; \
	VUZP1	V13.S4, V12.S4, V7.S4

// PHILOX8_ROUND: one of rounds 2 to 10 on both sets: the next round key
// (PHILOX8_BUMP), then the round (PHILOX8_MIX).
#define PHILOX8_ROUND \
	PHILOX8_BUMP; \
	PHILOX8_MIX

// PHILOX8_KEY0: the round keys of round 1, the seed's (R12, R13), in R14,
// R15 and every lane of V18, V19.
#define PHILOX8_KEY0 \
	MOVW	R12, R14; \
	MOVW	R13, R15; \
	VDUP	R14, V18.S4; \
	VDUP	R15, V19.S4

// PHILOX8_BUMP: the round keys of the next round, +(W0, W1), in R14, R15
// and every lane of V18, V19.
#define PHILOX8_BUMP \
	ADDW	R19, R14, R14; \
	ADDW	R20, R15, R15; \
	VDUP	R14, V18.S4; \
	VDUP	R15, V19.S4

// PHILOX8_MIX: one Philox round on both sets under the keys in V18, V19,
// with all four counter words live: (c0, c1, c2, c3) = (hi1^c1^k0, lo1,
// hi0^c3^k1, lo0), where hi0:lo0 = M0*c0 and hi1:lo1 = M1*c2 as UMULL
// (lanes 0-1) and UMULL2 (lanes 2-3) give them, two 64-bit products each,
// and VUZP2/VUZP1 collect their high and low halves, one block per lane
// again. PHILOX8_FIRST is this round for c2 = c3 = 0, shortened.
#define PHILOX8_MIX \
	WORD	$0x2eb0c008 /* UMULL  V8.2D, V0.2S, V16.2S */; \
	WORD	$0x6eb0c009 /* UMULL2 V9.2D, V0.4S, V16.4S */; \
	WORD	$0x2eb1c04a /* UMULL  V10.2D, V2.2S, V17.2S */; \
	WORD	$0x6eb1c04b /* UMULL2 V11.2D, V2.4S, V17.4S */; \
	WORD	$0x2eb0c08c /* UMULL  V12.2D, V4.2S, V16.2S */; \
	WORD	$0x6eb0c08d /* UMULL2 V13.2D, V4.4S, V16.4S */; \
	WORD	$0x2eb1c0ce /* UMULL  V14.2D, V6.2S, V17.2S */; \
	WORD	$0x6eb1c0cf /* UMULL2 V15.2D, V6.4S, V17.4S */; \
	VEOR	V18.B16, V1.B16, V1.B16; \
	VEOR	V19.B16, V3.B16, V3.B16; \
	VEOR	V18.B16, V5.B16, V5.B16; \
	VEOR	V19.B16, V7.B16, V7.B16; \
	VUZP2	V11.S4, V10.S4, V0.S4; \
	VUZP2	V15.S4, V14.S4, V4.S4; \
	VEOR	V1.B16, V0.B16, V0.B16; \
	VEOR	V5.B16, V4.B16, V4.B16; \
	VUZP1	V11.S4, V10.S4, V1.S4; \
	VUZP1	V15.S4, V14.S4, V5.S4; \
	VUZP2	V9.S4, V8.S4, V2.S4; \
	VUZP2	V13.S4, V12.S4, V6.S4; \
	VEOR	V3.B16, V2.B16, V2.B16; \
	VEOR	V7.B16, V6.B16, V6.B16; \
	VUZP1	V9.S4, V8.S4, V3.S4; \
	VUZP1	V13.S4, V12.S4, V7.S4

// PLANES_STEP applies planes 2k and 2k+1 of the step's blocks (in V0-V7
// after the rounds) to open (V20-V23) and drop (V24-V27), moves the block
// numbers on to step k+1, and sets R9 to the OR of every open lane of the
// batch: 0 when the batch is decided. The planes go to V8-V11 (plane 2k,
// groups 0-1, 2-3, 4-5, 6-7) and V12-V15 (plane 2k+1), their T to V18 and
// V19. R10 is clobbered.
#define PLANES_STEP \
	VZIP1	V1.S4, V0.S4, V8.S4; \
	VZIP2	V1.S4, V0.S4, V9.S4; \
	VZIP1	V5.S4, V4.S4, V10.S4; \
	VZIP2	V5.S4, V4.S4, V11.S4; \
	VZIP1	V3.S4, V2.S4, V12.S4; \
	VZIP2	V3.S4, V2.S4, V13.S4; \
	VZIP1	V7.S4, V6.S4, V14.S4; \
	VZIP2	V7.S4, V6.S4, V15.S4; \
	ASR	$63, R22, R9; \
	VDUP	R9, V18.D2; \
	LSL	$1, R22, R22; \
	ASR	$63, R22, R9; \
	VDUP	R9, V19.D2; \
	LSL	$1, R22, R22; \
	VEOR	V18.B16, V8.B16, V8.B16; \
	VEOR	V18.B16, V9.B16, V9.B16; \
	VEOR	V18.B16, V10.B16, V10.B16; \
	VEOR	V18.B16, V11.B16, V11.B16; \
	VAND	V20.B16, V8.B16, V8.B16; \
	VAND	V21.B16, V9.B16, V9.B16; \
	VAND	V22.B16, V10.B16, V10.B16; \
	VAND	V23.B16, V11.B16, V11.B16; \
	VBIT	V8.B16, V18.B16, V24.B16; \
	VBIT	V9.B16, V18.B16, V25.B16; \
	VBIT	V10.B16, V18.B16, V26.B16; \
	VBIT	V11.B16, V18.B16, V27.B16; \
	VEOR	V8.B16, V20.B16, V20.B16; \
	VEOR	V9.B16, V21.B16, V21.B16; \
	VEOR	V10.B16, V22.B16, V22.B16; \
	VEOR	V11.B16, V23.B16, V23.B16; \
	VEOR	V19.B16, V12.B16, V12.B16; \
	VEOR	V19.B16, V13.B16, V13.B16; \
	VEOR	V19.B16, V14.B16, V14.B16; \
	VEOR	V19.B16, V15.B16, V15.B16; \
	VAND	V20.B16, V12.B16, V12.B16; \
	VAND	V21.B16, V13.B16, V13.B16; \
	VAND	V22.B16, V14.B16, V14.B16; \
	VAND	V23.B16, V15.B16, V15.B16; \
	VBIT	V12.B16, V19.B16, V24.B16; \
	VBIT	V13.B16, V19.B16, V25.B16; \
	VBIT	V14.B16, V19.B16, V26.B16; \
	VBIT	V15.B16, V19.B16, V27.B16; \
	VEOR	V12.B16, V20.B16, V20.B16; \
	VEOR	V13.B16, V21.B16, V21.B16; \
	VEOR	V14.B16, V22.B16, V22.B16; \
	VEOR	V15.B16, V23.B16, V23.B16; \
	MOVD	$1, R9; \
	VDUP	R9, V19.D2; \
	VADD	V19.D2, V28.D2, V28.D2; \
	VADD	V19.D2, V29.D2, V29.D2; \
	VADD	V19.D2, V30.D2, V30.D2; \
	VADD	V19.D2, V31.D2, V31.D2; \
	VORR	V21.B16, V20.B16, V8.B16; \
	VORR	V23.B16, V22.B16, V9.B16; \
	VORR	V9.B16, V8.B16, V8.B16; \
	VMOV	V8.D[0], R9; \
	VMOV	V8.D[1], R10; \
	ORR	R10, R9, R9

// PLANES_KEEP ends a batch: the keep words ^drop of its groups in V24-V27
// (groups 0-1, 2-3, 4-5, 6-7, in 64-bit lanes), and R4 moved on to the
// next batch's blocks, 8 groups of 16 blocks on.
#define PLANES_KEEP \
	VCMEQ	V16.S4, V16.S4, V19.S4; \
	VEOR	V19.B16, V24.B16, V24.B16; \
	VEOR	V19.B16, V25.B16, V25.B16; \
	VEOR	V19.B16, V26.B16, V26.B16; \
	VEOR	V19.B16, V27.B16, V27.B16; \
	ADD	$128, R4, R4

// PLANES_WORD takes the next group of a batch for dropoutPhilox: R8 = its
// keep word (from the scratch words at R25, post-incremented), R9 = its
// elements, min(64, R3), taken off R3, and the bits of R8 from R9 on
// cleared (^0 >> (64-R9): a shift by 0 for a whole group); the word is
// stored to bits (R2, post-incremented) unless R2 is 0. R7 and R10 are
// clobbered.
#define PLANES_WORD \
	MOVD.P	8(R25), R8; \
	MOVD	$64, R9; \
	CMP	R9, R3; \
	CSEL	LT, R3, R9, R9; \
	SUB	R9, R3, R3; \
	MOVD	$64, R10; \
	SUB	R9, R10, R10; \
	MOVD	$-1, R7; \
	LSR	R10, R7, R7; \
	AND	R7, R8, R8; \
	CBZ	R2, 2(PC); \
	MOVD.P	R8, 8(R2)

// planesOpen<>: 8 words of all ones, then 8 of zeros. The 8 words from word
// 8-m on open the first m groups of a batch and close the others.
DATA planesOpen<>+0x00(SB)/8, $0xffffffffffffffff
DATA planesOpen<>+0x08(SB)/8, $0xffffffffffffffff
DATA planesOpen<>+0x10(SB)/8, $0xffffffffffffffff
DATA planesOpen<>+0x18(SB)/8, $0xffffffffffffffff
DATA planesOpen<>+0x20(SB)/8, $0xffffffffffffffff
DATA planesOpen<>+0x28(SB)/8, $0xffffffffffffffff
DATA planesOpen<>+0x30(SB)/8, $0xffffffffffffffff
DATA planesOpen<>+0x38(SB)/8, $0xffffffffffffffff
DATA planesOpen<>+0x40(SB)/8, $0
DATA planesOpen<>+0x48(SB)/8, $0
DATA planesOpen<>+0x50(SB)/8, $0
DATA planesOpen<>+0x58(SB)/8, $0
DATA planesOpen<>+0x60(SB)/8, $0
DATA planesOpen<>+0x68(SB)/8, $0
DATA planesOpen<>+0x70(SB)/8, $0
DATA planesOpen<>+0x78(SB)/8, $0
GLOBL planesOpen<>(SB), RODATA|NOPTR, $128

// func keepPlanesNEON(bits []uint64, seed, start uint64, t uint32)
//
// Equivalent Go:
//
//	k0, k1 := uint32(seed), uint32(seed>>32)
//	for g := range bits {
//		bits[g] = decideGroup(k0, k1, start+16*uint64(g), t, ^uint64(0)) // all 64 lanes
//	}
//
// eight groups a batch, decided in lockstep and stored with one VST1; the
// last 1 to 7 groups take a batch of their own, their words stored one at
// a time.
TEXT ·keepPlanesNEON(SB), NOSPLIT, $0-44
	MOVD	bits_base+0(FP), R2
	MOVD	bits_len+8(FP), R3
	MOVD	seed+24(FP), R12 // k0 = lo32 seed (W12)
	LSR	$32, R12, R13    // k1 = hi32 seed
	MOVD	start+32(FP), R4
	MOVWU	t+40(FP), R5
	CBZ	R3, kp_done
	PLANES_CONST

kp_batch:
	MOVD	$8, R9
	CMP	R9, R3
	CSEL	LT, R3, R9, R6 // this batch's groups: min(8, groups left)
	PLANES_INIT

kp_step:
	PHILOX8_FIRST
	MOVD	$9, R21

kp_round:
	PHILOX8_ROUND
	SUB	$1, R21, R21
	CBNZ	R21, kp_round
	PLANES_STEP
	CBZ	R9, kp_decided
	SUB	$1, R23, R23
	CBNZ	R23, kp_step

kp_decided:
	PLANES_KEEP
	CMP	$8, R6
	BNE	kp_part
	VST1.P	[V24.D2, V25.D2, V26.D2, V27.D2], 64(R2)
	SUBS	$8, R3, R3
	BNE	kp_batch
	RET

// KP_WORD stores the keep word in lane l of v to bits and counts it off,
// ending at kp_done after the last one.
#define KP_WORD(v, l) \
	VMOV	v.D[l], R8 \
	MOVD.P	R8, 8(R2) \
	SUBS	$1, R3, R3 \
	BEQ	kp_done

kp_part:
	// 1 to 7 groups: their words one at a time.
	KP_WORD(V24, 0)
	KP_WORD(V24, 1)
	KP_WORD(V25, 0)
	KP_WORD(V25, 1)
	KP_WORD(V26, 0)
	KP_WORD(V26, 1)
	VMOV	V27.D[0], R8
	MOVD.P	R8, 8(R2)

kp_done:
	RET

// PHILOX_BATCH decides the next batch of the dropoutPhilox kernels (label
// pb_batch): up to eight groups, ceil(R3/64) of them if fewer are left, in
// R6, decided in lockstep as keepPlanesNEON's are, and their keep words
// stored to the scratch words on the stack, R25 pointing at them.
#define PHILOX_BATCH \
pb_batch: \
	ADD	$63, R3, R6; \
	LSR	$6, R6, R6; \
	MOVD	$8, R9; \
	CMP	R9, R6; \
	CSEL	GT, R9, R6, R6 /* this batch's groups: min(8, ceil(elements left/64)) */; \
	PLANES_INIT; \
pb_step: \
	PHILOX8_FIRST; \
	MOVD	$9, R21; \
pb_round: \
	PHILOX8_ROUND; \
	SUB	$1, R21, R21; \
	CBNZ	R21, pb_round; \
	PLANES_STEP; \
	CBZ	R9, pb_decided; \
	SUB	$1, R23, R23; \
	CBNZ	R23, pb_step; \
pb_decided: \
	PLANES_KEEP; \
	MOVD	$words-64(SP), R25; \
	VST1	[V24.D2, V25.D2, V26.D2, V27.D2], (R25)

// func dropoutPhiloxNEONF32(dst, src []float32, bits []uint64, seed, start uint64, t uint32, s float32)
//
// Equivalent Go:
//
//	k0, k1 := uint32(seed), uint32(seed>>32)
//	for i := 0; i < len(dst); i += 64 {
//		n := min(64, len(dst)-i)
//		w := decideGroup(k0, k1, start+16*uint64(i/64), t, ^uint64(0)) & (^uint64(0) >> (64 - n))
//		if bits != nil {
//			bits[i/64] = w
//		}
//		for j := 0; j < n; j++ {
//			if w>>j&1 == 1 {
//				dst[i+j] = src[i+j] * s
//			} else {
//				dst[i+j] = 0 // whatever src[i+j] holds
//			}
//		}
//	}
//
// A batch of up to eight groups is decided in lockstep (keepPlanesNEON's
// loop) and its keep words are put in a scratch area on the stack; then
// each group's word is taken from there, cut to the group's elements,
// stored to bits when bits is not nil, and applied with scaleBitsNEONF32's
// code: 16 elements at a time, then 1 at a time, each the bits of src*s
// ANDed with all ones where kept.
TEXT ·dropoutPhiloxNEONF32(SB), NOSPLIT, $64-96
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R3
	MOVD	src_base+24(FP), R1
	MOVD	bits_base+48(FP), R2 // 0 when bits is nil
	MOVD	seed+72(FP), R12     // k0 = lo32 seed (W12)
	LSR	$32, R12, R13        // k1 = hi32 seed
	MOVD	start+80(FP), R4
	MOVWU	t+88(FP), R5
	MOVWU	s+92(FP), R24
	PLANES_CONST

	PHILOX_BATCH
	MOVD	$scaleBitsF32<>(SB), R9
	VLD1	(R9), [V24.S4, V25.S4, V26.S4, V27.S4]
	VDUP	R24, V31.S4

pd_group32:
	PLANES_WORD
	CMP	$16, R9
	BLT	pd_one32

pd_16_32:
	BITS_APPLY16_F32
	CMP	$16, R9
	BGE	pd_16_32

pd_one32:
	CBZ	R9, pd_next32

pd_oneloop32:
	BITS_ONE_F32
	CBNZ	R9, pd_oneloop32

pd_next32:
	CBZ	R3, pd_done32
	SUB	$1, R6, R6
	CBNZ	R6, pd_group32
	B	pb_batch

pd_done32:
	RET

// func dropoutPhiloxNEONF64(dst, src []float64, bits []uint64, seed, start uint64, t uint32, s float64)
//
// Equivalent Go: the loop of dropoutPhiloxNEONF32 with float64 elements,
// each group applied with scaleBitsNEONF64's code: 8 elements at a time,
// then 1 at a time.
TEXT ·dropoutPhiloxNEONF64(SB), NOSPLIT, $64-104
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R3
	MOVD	src_base+24(FP), R1
	MOVD	bits_base+48(FP), R2 // 0 when bits is nil
	MOVD	seed+72(FP), R12     // k0 = lo32 seed (W12)
	LSR	$32, R12, R13        // k1 = hi32 seed
	MOVD	start+80(FP), R4
	MOVWU	t+88(FP), R5
	MOVD	s+96(FP), R24
	PLANES_CONST

	PHILOX_BATCH
	MOVD	$scaleBitsF64<>(SB), R9
	VLD1	(R9), [V24.D2, V25.D2, V26.D2, V27.D2]
	VDUP	R24, V31.D2

pd_group64:
	PLANES_WORD
	CMP	$8, R9
	BLT	pd_one64

pd_8_64:
	BITS_APPLY8_F64
	CMP	$8, R9
	BGE	pd_8_64

pd_one64:
	CBZ	R9, pd_next64

pd_oneloop64:
	BITS_ONE_F64
	CBNZ	R9, pd_oneloop64

pd_next64:
	CBZ	R3, pd_done64
	SUB	$1, R6, R6
	CBNZ	R6, pd_group64
	B	pb_batch

pd_done64:
	RET

// The raw-bits kernel (philoxRaw) runs the Philox rounds of the bit-plane
// kernels on eight consecutive blocks a step, block q of the step in lane
// q%4 of set A (q < 4) or set B, with all four counter words live. The
// 128-bit counters of the step are kept in 64-bit lanes: their low halves
// in V28-V31 (blocks 0-1, 2-3, 4-5, 6-7), their high halves in V20-V23 in
// the same order; VUZP1/VUZP2 split them into the words c0, c1 (of the low
// halves) and c2, c3 (of the high halves) of each set. A step moves every
// low half on by 8 (VADD): it wrapped iff it is now below 8, unsigned,
// which CMHI (missing from the assembler, WORD-encoded) gives as all ones,
// and subtracting that from the high half adds the carry, so the counters
// are 128-bit and wrap at 2^128. After the rounds V(j) holds word j of the
// blocks of set A, one per lane, and ST4 (VST4) of V0-V3 writes lane q's
// four words side by side: dst[4q+j] = word j of block q, dst's order,
// with no shuffle; V4-V7 the same for set B.

// RAW_FIRST splits the step's counters into the words of both sets and runs
// round 1 on them, under the seed's keys.
#define RAW_FIRST \
	VUZP1	V29.S4, V28.S4, V0.S4; \
	VUZP2	V29.S4, V28.S4, V1.S4; \
	VUZP1	V21.S4, V20.S4, V2.S4; \
	VUZP2	V21.S4, V20.S4, V3.S4; \
	VUZP1	V31.S4, V30.S4, V4.S4; \
	VUZP2	V31.S4, V30.S4, V5.S4; \
	VUZP1	V23.S4, V22.S4, V6.S4; \
	VUZP2	V23.S4, V22.S4, V7.S4; \
	PHILOX8_KEY0; \
	PHILOX8_MIX

// RAW_NEXT moves the counters of the step on by 8 blocks (8 in both lanes
// of V24), carrying into the high halves; V25 is clobbered.
#define RAW_NEXT \
	VADD	V24.D2, V28.D2, V28.D2; \
	WORD	$0x6efc3719 /* CMHI V25.2D, V24.2D, V28.2D */; \
	VSUB	V25.D2, V20.D2, V20.D2; \
	VADD	V24.D2, V29.D2, V29.D2; \
	WORD	$0x6efd3719 /* CMHI V25.2D, V24.2D, V29.2D */; \
	VSUB	V25.D2, V21.D2, V21.D2; \
	VADD	V24.D2, V30.D2, V30.D2; \
	WORD	$0x6efe3719 /* CMHI V25.2D, V24.2D, V30.2D */; \
	VSUB	V25.D2, V22.D2, V22.D2; \
	VADD	V24.D2, V31.D2, V31.D2; \
	WORD	$0x6eff3719 /* CMHI V25.2D, V24.2D, V31.2D */; \
	VSUB	V25.D2, V23.D2, V23.D2

// RAW_LANE puts the counter (R9, R10) in lane l of V(lo) and V(hi), and
// moves it on by one block (ADDS, ADC: the 128-bit add).
#define RAW_LANE(lo, hi, l) \
	VMOV	R9, lo.D[l]; \
	VMOV	R10, hi.D[l]; \
	ADDS	$1, R9, R9; \
	ADC	ZR, R10, R10

// func philoxRawNEON(dst []uint32, key, lo, hi uint64)
//
// Equivalent Go:
//
//	c := Counter{lo, hi}
//	for i := 0; i+4 <= len(dst); i += 4 {
//		w := philoxAt(key, c) // counter (lo32, hi32 of c.Lo, lo32, hi32 of c.Hi)
//		copy(dst[i:i+4], w[:])
//		c = c.Add(1) // carries from Lo into Hi, wraps at 2^128
//	}
//
// eight blocks a step, stored with two ST4; the last 1 to 7 blocks take a
// step of their own, stored to the stack and copied to dst a block (LDP,
// STP of 16 bytes) at a time, so nothing past len(dst)/4 blocks is written.
TEXT ·philoxRawNEON(SB), NOSPLIT, $128-48
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R1
	LSR	$2, R1, R1 // blocks
	CBZ	R1, pr_done
	MOVD	key+24(FP), R12 // k0 = lo32 key (W12)
	LSR	$32, R12, R13   // k1 = hi32 key
	PLANES_CONST // clobbers R9
	MOVD	lo+32(FP), R9
	MOVD	hi+40(FP), R10
	RAW_LANE(V28, V20, 0)
	RAW_LANE(V28, V20, 1)
	RAW_LANE(V29, V21, 0)
	RAW_LANE(V29, V21, 1)
	RAW_LANE(V30, V22, 0)
	RAW_LANE(V30, V22, 1)
	RAW_LANE(V31, V23, 0)
	RAW_LANE(V31, V23, 1)
	MOVD	$8, R9
	VDUP	R9, V24.D2

pr_step:
	RAW_FIRST
	MOVD	$9, R21

pr_round:
	PHILOX8_ROUND
	SUB	$1, R21, R21
	CBNZ	R21, pr_round
	RAW_NEXT
	CMP	$8, R1
	BLT	pr_tail
	VST4.P	[V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	VST4.P	[V4.S4, V5.S4, V6.S4, V7.S4], 64(R0)
	SUBS	$8, R1, R1
	BNE	pr_step
	RET

pr_tail:
	// 1 to 7 blocks: the step to the stack, then a block at a time to dst.
	MOVD	$buf-128(SP), R9
	VST4.P	[V0.S4, V1.S4, V2.S4, V3.S4], 64(R9)
	VST4	[V4.S4, V5.S4, V6.S4, V7.S4], (R9)
	MOVD	$buf-128(SP), R9

pr_copy:
	LDP.P	16(R9), (R10, R11)
	STP.P	(R10, R11), 16(R0)
	SUBS	$1, R1, R1
	BNE	pr_copy

pr_done:
	RET

// Half precision (BFloat16, Float16). The half kernels are the float32
// kernels on elements widened to float32: a kept element is widened
// exactly, multiplied once by s with the vector FMUL (affine: FMUL by a,
// then FADD of b, two roundings, never fused), and rounded once to its
// type; nothing is flushed to zero. Each kernel has one body, written once
// as a macro and instantiated for each type with the type's widening and
// rounding (the *_BF16 and *_F16 macros below), and runs the float32
// kernels' walks unchanged (PLANES_RUN, BITS_WORD, PHILOX_BATCH and
// PLANES_WORD, the scaleRows row loop).
//
// bfloat16 widening: VZIP1/VZIP2 of a zero register (V24) with the data,
// as 16-bit lanes, put each element in the high half of a 32-bit lane with
// zeros below: x<<16, bf16ToF32 bit for bit (no arithmetic, NaN payloads
// kept).
//
// binary16 widening: FCVTL/FCVTL2 (missing from the assembler,
// WORD-encoded). Every binary16 value, subnormals included, is exact in
// float32, and FPCR.FZ16 is clear (Go leaves FPCR as the OS set it), so it
// is f16ToF32's value, except that a signalling NaN comes out quietened
// (same sign and payload) where f16ToF32 keeps it signalling; the multiply
// quietens it in the generic kernel too, and both roundings below give
// every NaN its sign | 0x7E00 in any case.
//
// bfloat16 rounding (f32ToBF16) in integer lanes: u + 0x7FFF (VADD), plus
// (u>>16)&1 as u&0x10000 shifted right by 16 and accumulated (VUSRA), the
// same uint32 sum; FCMEQ x, x (WORD-encoded) is all ones except in the NaN
// lanes, where BSL puts 0x7FC00000 instead; and VUZP2 of two such vectors,
// as 16-bit lanes, keeps the high half of every 32-bit lane: the >>16.
//
// binary16 rounding (f32ToF16): FCVTN/FCVTN2 (WORD-encoded) round to
// nearest, ties to even (FPCR.RMode is RNE), keep subnormal results (FZ16
// and FZ clear) and overflow to ±Inf, as f32ToF16 does for every value but
// a NaN. A NaN comes out quiet with the top of its payload: it is the only
// result with bits 9-14 all set (Inf is 0x7C00, a finite value has a
// smaller exponent), so VCMEQ of h&0x7E00 with 0x7E00 finds the NaN lanes
// and VBIT puts h&0xFE00 = sign | 0x7E00 there, f32ToF16's NaN.
//
// Dropped elements: the lane masks come from VCMTST of the mask word (in
// every 16-bit lane) against 1<<j in lane j (scaleBitsHalf<>), and VBSL
// takes the rounded result where the mask is set and the fill (+0, or
// round(c) for the affine kernels, rounded once at the start with the same
// code) elsewhere. scaleRows zeroes in float32 instead, before rounding
// (the float32 kernel's VSHL, VCMTST and VAND; +0 rounds to +0).
//
// Elements go 16 at a time (two vectors of halves, four of float32), then
// 4, then 1. A single element is loaded into lane 0 of V0 and goes through
// the 4-lane code; the other lanes hold stale values whose results are
// never stored. Nothing is read or written past the slices.
//
// Registers of the half kernels (the walks' are those of their float32
// kernels above):
//
//	V0, V1   16 elements as halves (8H): loaded, then the results
//	V2-V5    the elements widened to float32 (4S)
//	V6-V13   scratch of the rounding
//	V16-V19  v (scaleRows)
//	V20, V21 lane masks (bits kernels); V20-V23 v's masks (scaleRows)
//	V22, V23 the bit of each 16-bit lane (scaleBitsHalf<>)
//	V24      zero (bfloat16 widening)
//	V25-V27  rounding constants (HALF_CONST_BF16, HALF_CONST_F16)
//	V28, V29 the fill of a dropped element, +0 or round(c), in every lane
//	V30      b in every lane (affine kernels)
//	V31      s, or a, in every lane
//	R11      the fill as a half (bits kernels); R12 (plane kernels)

// HALF_CONST_BF16: the constants of the bfloat16 conversions: V24 = 0, and
// in every 32-bit lane V25 = 0x7FFF, V26 = 0x10000, V27 = 0x7FC00000. R7 is
// clobbered.
#define HALF_CONST_BF16 \
	VEOR	V24.B16, V24.B16, V24.B16; \
	MOVW	$0x7FFF, R7; \
	VDUP	R7, V25.S4; \
	MOVW	$0x10000, R7; \
	VDUP	R7, V26.S4; \
	MOVW	$0x7FC00000, R7; \
	VDUP	R7, V27.S4

// HALF_CONST_F16: the constants of the binary16 rounding: V25 = 0x7E00 and
// V26 = 0xFE00 in every 16-bit lane. R7 is clobbered.
#define HALF_CONST_F16 \
	MOVW	$0x7E00, R7; \
	VDUP	R7, V25.H8; \
	MOVW	$0xFE00, R7; \
	VDUP	R7, V26.H8

// WIDEN16_*: the 16 halves in V0, V1 widened to float32 in V2-V5, exactly
// (elements 0-3 in V2, ..., 12-15 in V5); WIDEN4_*: the 4 in the low half
// of V0 to V2.
#define WIDEN16_BF16 \
	VZIP1	V0.H8, V24.H8, V2.H8; \
	VZIP2	V0.H8, V24.H8, V3.H8; \
	VZIP1	V1.H8, V24.H8, V4.H8; \
	VZIP2	V1.H8, V24.H8, V5.H8

#define WIDEN4_BF16 \
	VZIP1	V0.H8, V24.H8, V2.H8

#define WIDEN16_F16 \
	WORD	$0x0e217802 /* FCVTL  V2.4S, V0.4H */; \
	WORD	$0x4e217803 /* FCVTL2 V3.4S, V0.8H */; \
	WORD	$0x0e217824 /* FCVTL  V4.4S, V1.4H */; \
	WORD	$0x4e217825 /* FCVTL2 V5.4S, V1.8H */

#define WIDEN4_F16 \
	WORD	$0x0e217802 /* FCVTL  V2.4S, V0.4H */

// ROUND16_*: the float32 in V2-V5 rounded to 16 halves in V0, V1, V2-V13
// clobbered; ROUND4_*: the 4 in V2 to the low half of V0 (its high half
// not used).
#define ROUND16_BF16 \
	WORD	$0x4e22e446 /* FCMEQ V6.4S, V2.4S, V2.4S: 0 in NaN lanes */; \
	WORD	$0x4e23e467 /* FCMEQ V7.4S, V3.4S, V3.4S */; \
	WORD	$0x4e24e488 /* FCMEQ V8.4S, V4.4S, V4.4S */; \
	WORD	$0x4e25e4a9 /* FCMEQ V9.4S, V5.4S, V5.4S */; \
	VADD	V25.S4, V2.S4, V10.S4; \
	VADD	V25.S4, V3.S4, V11.S4; \
	VADD	V25.S4, V4.S4, V12.S4; \
	VADD	V25.S4, V5.S4, V13.S4; \
	VAND	V26.B16, V2.B16, V2.B16; \
	VAND	V26.B16, V3.B16, V3.B16; \
	VAND	V26.B16, V4.B16, V4.B16; \
	VAND	V26.B16, V5.B16, V5.B16; \
	VUSRA	$16, V2.S4, V10.S4; \
	VUSRA	$16, V3.S4, V11.S4; \
	VUSRA	$16, V4.S4, V12.S4; \
	VUSRA	$16, V5.S4, V13.S4; \
	VBSL	V27.B16, V10.B16, V6.B16; \
	VBSL	V27.B16, V11.B16, V7.B16; \
	VBSL	V27.B16, V12.B16, V8.B16; \
	VBSL	V27.B16, V13.B16, V9.B16; \
	VUZP2	V7.H8, V6.H8, V0.H8; \
	VUZP2	V9.H8, V8.H8, V1.H8

#define ROUND4_BF16 \
	WORD	$0x4e22e446 /* FCMEQ V6.4S, V2.4S, V2.4S */; \
	VADD	V25.S4, V2.S4, V10.S4; \
	VAND	V26.B16, V2.B16, V2.B16; \
	VUSRA	$16, V2.S4, V10.S4; \
	VBSL	V27.B16, V10.B16, V6.B16; \
	VUZP2	V6.H8, V6.H8, V0.H8

#define ROUND16_F16 \
	WORD	$0x0e216840 /* FCVTN  V0.4H, V2.4S */; \
	WORD	$0x4e216860 /* FCVTN2 V0.8H, V3.4S */; \
	WORD	$0x0e216881 /* FCVTN  V1.4H, V4.4S */; \
	WORD	$0x4e2168a1 /* FCVTN2 V1.8H, V5.4S */; \
	VAND	V25.B16, V0.B16, V6.B16; \
	VAND	V25.B16, V1.B16, V8.B16; \
	VCMEQ	V25.H8, V6.H8, V6.H8; \
	VCMEQ	V25.H8, V8.H8, V8.H8; \
	VAND	V26.B16, V0.B16, V7.B16; \
	VAND	V26.B16, V1.B16, V9.B16; \
	VBIT	V6.B16, V7.B16, V0.B16; \
	VBIT	V8.B16, V9.B16, V1.B16

#define ROUND4_F16 \
	WORD	$0x0e216840 /* FCVTN  V0.4H, V2.4S */; \
	VAND	V25.B16, V0.B16, V6.B16; \
	VCMEQ	V25.H8, V6.H8, V6.H8; \
	VAND	V26.B16, V0.B16, V7.B16; \
	VBIT	V6.B16, V7.B16, V0.B16

// MUL16_HALF, ADD16_HALF: V2-V5 times V31 (s or a), plus V30 (b), each
// lane rounded once; MUL4_HALF, ADD4_HALF the same for V2.
#define MUL16_HALF \
	WORD	$0x6e3fdc42 /* FMUL V2.4S, V2.4S, V31.4S */; \
	WORD	$0x6e3fdc63 /* FMUL V3.4S, V3.4S, V31.4S */; \
	WORD	$0x6e3fdc84 /* FMUL V4.4S, V4.4S, V31.4S */; \
	WORD	$0x6e3fdca5 /* FMUL V5.4S, V5.4S, V31.4S */

#define MUL4_HALF \
	WORD	$0x6e3fdc42 /* FMUL V2.4S, V2.4S, V31.4S */

#define ADD16_HALF \
	WORD	$0x4e3ed442 /* FADD V2.4S, V2.4S, V30.4S */; \
	WORD	$0x4e3ed463 /* FADD V3.4S, V3.4S, V30.4S */; \
	WORD	$0x4e3ed484 /* FADD V4.4S, V4.4S, V30.4S */; \
	WORD	$0x4e3ed4a5 /* FADD V5.4S, V5.4S, V30.4S */

#define ADD4_HALF \
	WORD	$0x4e3ed442 /* FADD V2.4S, V2.4S, V30.4S */

// The kept elements of each kernel: SCALE16_* and SCALE4_* turn the 16
// halves in V0, V1 (the 4 in the low half of V0) into round(x ⊗ s);
// AFFINE16_* and AFFINE4_* into round((x ⊗ a) ⊕ b).
#define SCALE16_BF16 \
	WIDEN16_BF16; \
	MUL16_HALF; \
	ROUND16_BF16

#define SCALE4_BF16 \
	WIDEN4_BF16; \
	MUL4_HALF; \
	ROUND4_BF16

#define AFFINE16_BF16 \
	WIDEN16_BF16; \
	MUL16_HALF; \
	ADD16_HALF; \
	ROUND16_BF16

#define AFFINE4_BF16 \
	WIDEN4_BF16; \
	MUL4_HALF; \
	ADD4_HALF; \
	ROUND4_BF16

#define SCALE16_F16 \
	WIDEN16_F16; \
	MUL16_HALF; \
	ROUND16_F16

#define SCALE4_F16 \
	WIDEN4_F16; \
	MUL4_HALF; \
	ROUND4_F16

#define AFFINE16_F16 \
	WIDEN16_F16; \
	MUL16_HALF; \
	ADD16_HALF; \
	ROUND16_F16

#define AFFINE4_F16 \
	WIDEN4_F16; \
	MUL4_HALF; \
	ADD4_HALF; \
	ROUND4_F16

// HALF_FILL(ROUND4, r): round(c), c in lane 0 of V2, in every 16-bit lane
// of V28 and V29 and in r (the type's ROUND4).
#define HALF_FILL(ROUND4, r) \
	ROUND4; \
	VDUP	V0.H[0], V28.H8; \
	VDUP	V0.H[0], V29.H8; \
	VMOV	V0.H[0], r

// HALF_ONE(KEEP4) applies KEEP4 to one element: src (R1, post-incremented)
// into lane 0 of V0, the result in R7 (zero-extended).
#define HALF_ONE(KEEP4) \
	MOVHU.P	2(R1), R7; \
	VMOV	R7, V0.H[0]; \
	KEEP4; \
	VMOV	V0.H[0], R7

// Bit positions for the half bits kernels: 16-bit lane j of V22 holds
// 1<<j and of V23 1<<(8+j), so VCMTST of the low 16 bits of the mask word
// (in every lane) against them gives all ones in the lanes of the kept
// elements 0-7 and 8-15.
DATA scaleBitsHalf<>+0x00(SB)/2, $0x0001
DATA scaleBitsHalf<>+0x02(SB)/2, $0x0002
DATA scaleBitsHalf<>+0x04(SB)/2, $0x0004
DATA scaleBitsHalf<>+0x06(SB)/2, $0x0008
DATA scaleBitsHalf<>+0x08(SB)/2, $0x0010
DATA scaleBitsHalf<>+0x0a(SB)/2, $0x0020
DATA scaleBitsHalf<>+0x0c(SB)/2, $0x0040
DATA scaleBitsHalf<>+0x0e(SB)/2, $0x0080
DATA scaleBitsHalf<>+0x10(SB)/2, $0x0100
DATA scaleBitsHalf<>+0x12(SB)/2, $0x0200
DATA scaleBitsHalf<>+0x14(SB)/2, $0x0400
DATA scaleBitsHalf<>+0x16(SB)/2, $0x0800
DATA scaleBitsHalf<>+0x18(SB)/2, $0x1000
DATA scaleBitsHalf<>+0x1a(SB)/2, $0x2000
DATA scaleBitsHalf<>+0x1c(SB)/2, $0x4000
DATA scaleBitsHalf<>+0x1e(SB)/2, $0x8000
GLOBL scaleBitsHalf<>(SB), RODATA|NOPTR, $32

// BITS_HALF(KEEP16, KEEP4) applies a mask word to R9 elements for the half
// bits kernels (scaleBits, affineBits, dropoutPhilox): bit 0 of R8 is the
// next element's; a kept element is KEEP16's or KEEP4's result and a
// dropped one the fill (V29, R11). 16 elements at a time while 16 are
// left, then 4, then 1; R8 is shifted and R9 counted down to 0 as they go.
// R7 and R10 are clobbered.
#define BITS_HALF(KEEP16, KEEP4) \
	CMP	$16, R9; \
	BLT	bh_4; \
bh_16: \
	VLD1.P	32(R1), [V0.H8, V1.H8]; \
	KEEP16; \
	VDUP	R8, V21.H8; \
	VCMTST	V22.H8, V21.H8, V20.H8; \
	VCMTST	V23.H8, V21.H8, V21.H8; \
	VBSL	V29.B16, V0.B16, V20.B16 /* the result where kept, else the fill */; \
	VBSL	V29.B16, V1.B16, V21.B16; \
	VST1.P	[V20.H8, V21.H8], 32(R0); \
	LSR	$16, R8, R8; \
	SUB	$16, R9, R9; \
	CMP	$16, R9; \
	BGE	bh_16; \
bh_4: \
	CMP	$4, R9; \
	BLT	bh_1; \
bh_4loop: \
	VLD1.P	8(R1), [V0.H4]; \
	KEEP4; \
	VDUP	R8, V20.H4; \
	VCMTST	V22.H4, V20.H4, V20.H4; \
	VBSL	V29.B8, V0.B8, V20.B8; \
	VST1.P	[V20.H4], 8(R0); \
	LSR	$4, R8, R8; \
	SUB	$4, R9, R9; \
	CMP	$4, R9; \
	BGE	bh_4loop; \
bh_1: \
	CBZ	R9, bh_done; \
bh_1loop: \
	HALF_ONE(KEEP4); \
	AND	$1, R8, R10; \
	NEG	R10, R10 /* all ones if the element is kept */; \
	AND	R10, R7, R7; \
	BIC	R10, R11, R10 /* the fill where dropped */; \
	ORR	R10, R7, R7; \
	MOVH.P	R7, 2(R0); \
	LSR	$1, R8, R8; \
	SUB	$1, R9, R9; \
	CBNZ	R9, bh_1loop; \
bh_done:

// HALF_BITS_SETUP: the bit positions in V22, V23 for BITS_HALF. R7 is
// clobbered.
#define HALF_BITS_SETUP \
	MOVD	$scaleBitsHalf<>(SB), R7; \
	VLD1	(R7), [V22.H8, V23.H8]

// func scaleBitsNEONBF16(dst, src []BFloat16, bits []uint64, first int, s float32)
//
// Equivalent Go:
//
//	for i := range dst {
//		b := first + i
//		if bits[b>>6]>>(b&63)&1 == 1 {
//			dst[i] = BFloat16(f32ToBF16(bf16ToF32(uint16(src[i])) * s))
//		} else {
//			dst[i] = 0 // whatever src[i] holds
//		}
//	}
//
// walked one mask word at a time as scaleBitsNEONF32 is (BITS_WORD), each
// word applied with BITS_HALF.
TEXT ·scaleBitsNEONBF16(SB), NOSPLIT, $0-84
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R4
	MOVD	src_base+24(FP), R1
	MOVD	bits_base+48(FP), R2
	MOVD	first+72(FP), R3
	FMOVS	s+80(FP), F31
	VDUP	V31.S[0], V31.S4
	HALF_CONST_BF16
	HALF_BITS_SETUP
	VEOR	V29.B16, V29.B16, V29.B16
	MOVD	ZR, R11

sbh_word:
	BITS_WORD
	BITS_HALF(SCALE16_BF16, SCALE4_BF16)
	CBNZ	R4, sbh_word
	RET

// func scaleBitsNEONF16(dst, src []Float16, bits []uint64, first int, s float32)
//
// Equivalent Go: scaleBitsNEONBF16's with f16ToF32 and f32ToF16.
TEXT ·scaleBitsNEONF16(SB), NOSPLIT, $0-84
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R4
	MOVD	src_base+24(FP), R1
	MOVD	bits_base+48(FP), R2
	MOVD	first+72(FP), R3
	FMOVS	s+80(FP), F31
	VDUP	V31.S[0], V31.S4
	HALF_CONST_F16
	HALF_BITS_SETUP
	VEOR	V29.B16, V29.B16, V29.B16
	MOVD	ZR, R11

sbh_word:
	BITS_WORD
	BITS_HALF(SCALE16_F16, SCALE4_F16)
	CBNZ	R4, sbh_word
	RET

// func affineBitsNEONBF16(dst, src []BFloat16, bits []uint64, first int, a, b, c float32)
//
// Equivalent Go:
//
//	fill := f32ToBF16(c)
//	for i := range dst {
//		bit := first + i
//		if bits[bit>>6]>>(bit&63)&1 == 1 {
//			dst[i] = BFloat16(f32ToBF16(float32(bf16ToF32(uint16(src[i]))*a) + b))
//		} else {
//			dst[i] = BFloat16(fill) // whatever src[i] holds
//		}
//	}
//
// walked as scaleBitsNEONBF16 is.
TEXT ·affineBitsNEONBF16(SB), NOSPLIT, $0-92
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R4
	MOVD	src_base+24(FP), R1
	MOVD	bits_base+48(FP), R2
	MOVD	first+72(FP), R3
	FMOVS	a+80(FP), F31
	VDUP	V31.S[0], V31.S4
	FMOVS	b+84(FP), F30
	VDUP	V30.S[0], V30.S4
	HALF_CONST_BF16
	HALF_BITS_SETUP
	FMOVS	c+88(FP), F2
	HALF_FILL(ROUND4_BF16, R11)

abh_word:
	BITS_WORD
	BITS_HALF(AFFINE16_BF16, AFFINE4_BF16)
	CBNZ	R4, abh_word
	RET

// func affineBitsNEONF16(dst, src []Float16, bits []uint64, first int, a, b, c float32)
//
// Equivalent Go: affineBitsNEONBF16's with f16ToF32 and f32ToF16.
TEXT ·affineBitsNEONF16(SB), NOSPLIT, $0-92
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R4
	MOVD	src_base+24(FP), R1
	MOVD	bits_base+48(FP), R2
	MOVD	first+72(FP), R3
	FMOVS	a+80(FP), F31
	VDUP	V31.S[0], V31.S4
	FMOVS	b+84(FP), F30
	VDUP	V30.S[0], V30.S4
	HALF_CONST_F16
	HALF_BITS_SETUP
	FMOVS	c+88(FP), F2
	HALF_FILL(ROUND4_F16, R11)

abh_word:
	BITS_WORD
	BITS_HALF(AFFINE16_F16, AFFINE4_F16)
	CBNZ	R4, abh_word
	RET

// PHILOX_HALF(CONST, KEEP16, KEEP4) is the body of the half dropoutPhilox
// kernels: each batch decided (PHILOX_BATCH), the half registers set up
// again (the decision used them; CONST the type's constants, s in V31,
// fill +0), and each group's keep word taken (PLANES_WORD) and applied
// with BITS_HALF.
#define PHILOX_HALF(CONST, KEEP16, KEEP4) \
	PHILOX_BATCH; \
	CONST; \
	HALF_BITS_SETUP; \
	VEOR	V29.B16, V29.B16, V29.B16; \
	VDUP	R24, V31.S4; \
pd_group: \
	PLANES_WORD; \
	BITS_HALF(KEEP16, KEEP4); \
	CBZ	R3, pd_done; \
	SUB	$1, R6, R6; \
	CBNZ	R6, pd_group; \
	B	pb_batch; \
pd_done: \
	RET

// func dropoutPhiloxNEONBF16(dst, src []BFloat16, bits []uint64, seed, start uint64, t uint32, s float32)
//
// Equivalent Go: the loop of dropoutPhiloxNEONF32 with dst[i+j] =
// BFloat16(f32ToBF16(bf16ToF32(uint16(src[i+j])) * s)) for a kept element
// and 0 for a dropped one (whatever src[i+j] holds).
TEXT ·dropoutPhiloxNEONBF16(SB), NOSPLIT, $64-96
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R3
	MOVD	src_base+24(FP), R1
	MOVD	bits_base+48(FP), R2 // 0 when bits is nil
	MOVD	seed+72(FP), R12     // k0 = lo32 seed (W12)
	LSR	$32, R12, R13        // k1 = hi32 seed
	MOVD	start+80(FP), R4
	MOVWU	t+88(FP), R5
	MOVWU	s+92(FP), R24
	MOVD	ZR, R11 // the fill: +0
	PLANES_CONST
	PHILOX_HALF(HALF_CONST_BF16, SCALE16_BF16, SCALE4_BF16)

// func dropoutPhiloxNEONF16(dst, src []Float16, bits []uint64, seed, start uint64, t uint32, s float32)
//
// Equivalent Go: dropoutPhiloxNEONBF16's with f16ToF32 and f32ToF16.
TEXT ·dropoutPhiloxNEONF16(SB), NOSPLIT, $64-96
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R3
	MOVD	src_base+24(FP), R1
	MOVD	bits_base+48(FP), R2 // 0 when bits is nil
	MOVD	seed+72(FP), R12     // k0 = lo32 seed (W12)
	LSR	$32, R12, R13        // k1 = hi32 seed
	MOVD	start+80(FP), R4
	MOVWU	t+88(FP), R5
	MOVWU	s+92(FP), R24
	MOVD	ZR, R11 // the fill: +0
	PLANES_CONST
	PHILOX_HALF(HALF_CONST_F16, SCALE16_F16, SCALE4_F16)

// PLANES_HALF(KEEP16, KEEP4) is the body of the half plane kernels: the
// run walk of scalePlanesNEONF32 (R0-R5 set as there), each kept run
// KEEP16 16 elements at a time, then KEEP4 4 at a time, then 1 at a time,
// and each dropped run filled with V28, V29 (16, then 4 at a time) and R12
// (1 at a time), its src skipped without being read.
#define PLANES_HALF(KEEP16, KEEP4) \
ph_run: \
	PLANES_RUN; \
	CBZ	R6, ph_fill; \
	CMP	$16, R9; \
	BLT	ph_keep4; \
ph_keep16: \
	VLD1.P	32(R1), [V0.H8, V1.H8]; \
	KEEP16; \
	VST1.P	[V0.H8, V1.H8], 32(R0); \
	SUB	$16, R9, R9; \
	CMP	$16, R9; \
	BGE	ph_keep16; \
ph_keep4: \
	CMP	$4, R9; \
	BLT	ph_keep1; \
ph_keep4loop: \
	VLD1.P	8(R1), [V0.H4]; \
	KEEP4; \
	VST1.P	[V0.H4], 8(R0); \
	SUB	$4, R9, R9; \
	CMP	$4, R9; \
	BGE	ph_keep4loop; \
ph_keep1: \
	CBZ	R9, ph_next; \
ph_keep1loop: \
	HALF_ONE(KEEP4); \
	MOVH.P	R7, 2(R0); \
	SUB	$1, R9, R9; \
	CBNZ	R9, ph_keep1loop; \
	B	ph_next; \
ph_fill: \
	ADD	R9<<1, R1, R1; \
	CMP	$16, R9; \
	BLT	ph_fill4; \
ph_fill16: \
	VST1.P	[V28.H8, V29.H8], 32(R0); \
	SUB	$16, R9, R9; \
	CMP	$16, R9; \
	BGE	ph_fill16; \
ph_fill4: \
	CMP	$4, R9; \
	BLT	ph_fill1; \
ph_fill4loop: \
	VST1.P	[V28.H4], 8(R0); \
	SUB	$4, R9, R9; \
	CMP	$4, R9; \
	BGE	ph_fill4loop; \
ph_fill1: \
	CBZ	R9, ph_next; \
ph_fill1loop: \
	MOVH.P	R12, 2(R0); \
	SUB	$1, R9, R9; \
	CBNZ	R9, ph_fill1loop; \
ph_next: \
	CMP	R5, R3; \
	BLT	ph_run; \
	RET

// func scalePlanesNEONBF16(dst, src []BFloat16, bits []uint64, first, plane, n int, s float32)
//
// Equivalent Go: the loop of scalePlanesNEONF32 with dst[k] =
// f32ToBF16(bf16ToF32(src[k]) * s) for a kept plane, 0 for a dropped one
// (src not read).
TEXT ·scalePlanesNEONBF16(SB), NOSPLIT, $0-100
	MOVD	dst_base+0(FP), R0
	MOVD	src_base+24(FP), R1
	MOVD	bits_base+48(FP), R2
	MOVD	first+72(FP), R3
	MOVD	plane+80(FP), R4
	MOVD	n+88(FP), R5
	ADD	R3, R5, R5
	FMOVS	s+96(FP), F31
	VDUP	V31.S[0], V31.S4
	HALF_CONST_BF16
	VEOR	V28.B16, V28.B16, V28.B16
	VEOR	V29.B16, V29.B16, V29.B16
	MOVD	ZR, R12
	PLANES_HALF(SCALE16_BF16, SCALE4_BF16)

// func scalePlanesNEONF16(dst, src []Float16, bits []uint64, first, plane, n int, s float32)
//
// Equivalent Go: scalePlanesNEONBF16's with f16ToF32 and f32ToF16.
TEXT ·scalePlanesNEONF16(SB), NOSPLIT, $0-100
	MOVD	dst_base+0(FP), R0
	MOVD	src_base+24(FP), R1
	MOVD	bits_base+48(FP), R2
	MOVD	first+72(FP), R3
	MOVD	plane+80(FP), R4
	MOVD	n+88(FP), R5
	ADD	R3, R5, R5
	FMOVS	s+96(FP), F31
	VDUP	V31.S[0], V31.S4
	HALF_CONST_F16
	VEOR	V28.B16, V28.B16, V28.B16
	VEOR	V29.B16, V29.B16, V29.B16
	MOVD	ZR, R12
	PLANES_HALF(SCALE16_F16, SCALE4_F16)

// func affinePlanesNEONBF16(dst, src []BFloat16, bits []uint64, first, plane, n int, a, b, c float32)
//
// Equivalent Go: the loop of affinePlanesNEONF32 with dst[k] =
// f32ToBF16(float32(bf16ToF32(src[k])*a) + b) for a kept plane and
// f32ToBF16(c) for a dropped one (src not read).
TEXT ·affinePlanesNEONBF16(SB), NOSPLIT, $0-108
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
	HALF_CONST_BF16
	FMOVS	c+104(FP), F2
	HALF_FILL(ROUND4_BF16, R12)
	PLANES_HALF(AFFINE16_BF16, AFFINE4_BF16)

// func affinePlanesNEONF16(dst, src []Float16, bits []uint64, first, plane, n int, a, b, c float32)
//
// Equivalent Go: affinePlanesNEONBF16's with f16ToF32 and f32ToF16.
TEXT ·affinePlanesNEONF16(SB), NOSPLIT, $0-108
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
	HALF_CONST_F16
	FMOVS	c+104(FP), F2
	HALF_FILL(ROUND4_F16, R12)
	PLANES_HALF(AFFINE16_F16, AFFINE4_F16)

// ROW_HALF_ONE(WIDEN4, ROUND4): one element of scaleRows: src (R1) times
// v (R6), both post-incremented, +0 where v is ±0, rounded (WIDEN4 and
// ROUND4 are the type's) and stored to dst (R0, post-incremented). R8 is
// clobbered.
#define ROW_HALF_ONE(WIDEN4, ROUND4) \
	FMOVS.P	4(R6), F16; \
	MOVHU.P	2(R1), R8; \
	VMOV	R8, V0.H[0]; \
	WIDEN4; \
	VSHL	$1, V16.S4, V20.S4; \
	WORD	$0x6e30dc42 /* FMUL V2.4S, V2.4S, V16.4S */; \
	VCMTST	V20.S4, V20.S4, V20.S4; \
	VAND	V20.B16, V2.B16, V2.B16; \
	ROUND4; \
	VMOV	V0.H[0], R8; \
	MOVH.P	R8, 2(R0)

// ROWS_HALF(WIDEN16, ROUND16, WIDEN4, ROUND4) is the body of the half
// scaleRows kernels: scaleRowsNEONF32's walk and masking (its registers,
// R0-R7), with v's float32 in V16-V19, the elements widened by WIDEN16 or
// WIDEN4 before the multiply and the masked products rounded by ROUND16 or
// ROUND4.
#define ROWS_HALF(WIDEN16, ROUND16, WIDEN4, ROUND4) \
	CMP	$4, R3; \
	BLT	rh_short; \
rh_row: \
	CMP	R3, R4; \
	CSEL	LT, R4, R3, R5 /* this row: min(elements left, len(v)) */; \
	SUB	R5, R4, R4; \
	MOVD	R2, R6; \
	CMP	$16, R5; \
	BLT	rh_4; \
rh_16: \
	VLD1.P	64(R6), [V16.S4, V17.S4, V18.S4, V19.S4]; \
	VLD1.P	32(R1), [V0.H8, V1.H8]; \
	WIDEN16; \
	VSHL	$1, V16.S4, V20.S4 /* drop v's sign: ±0 → 0 */; \
	VSHL	$1, V17.S4, V21.S4; \
	VSHL	$1, V18.S4, V22.S4; \
	VSHL	$1, V19.S4, V23.S4; \
	WORD	$0x6e30dc42 /* FMUL V2.4S, V2.4S, V16.4S */; \
	WORD	$0x6e31dc63 /* FMUL V3.4S, V3.4S, V17.4S */; \
	WORD	$0x6e32dc84 /* FMUL V4.4S, V4.4S, V18.4S */; \
	WORD	$0x6e33dca5 /* FMUL V5.4S, V5.4S, V19.4S */; \
	VCMTST	V20.S4, V20.S4, V20.S4 /* all ones where v != ±0 */; \
	VCMTST	V21.S4, V21.S4, V21.S4; \
	VCMTST	V22.S4, V22.S4, V22.S4; \
	VCMTST	V23.S4, V23.S4, V23.S4; \
	VAND	V20.B16, V2.B16, V2.B16; \
	VAND	V21.B16, V3.B16, V3.B16; \
	VAND	V22.B16, V4.B16, V4.B16; \
	VAND	V23.B16, V5.B16, V5.B16; \
	ROUND16; \
	VST1.P	[V0.H8, V1.H8], 32(R0); \
	SUB	$16, R5, R5; \
	CMP	$16, R5; \
	BGE	rh_16; \
rh_4: \
	CMP	$4, R5; \
	BLT	rh_1; \
rh_4loop: \
	VLD1.P	16(R6), [V16.S4]; \
	VLD1.P	8(R1), [V0.H4]; \
	WIDEN4; \
	VSHL	$1, V16.S4, V20.S4; \
	WORD	$0x6e30dc42 /* FMUL V2.4S, V2.4S, V16.4S */; \
	VCMTST	V20.S4, V20.S4, V20.S4; \
	VAND	V20.B16, V2.B16, V2.B16; \
	ROUND4; \
	VST1.P	[V0.H4], 8(R0); \
	SUB	$4, R5, R5; \
	CMP	$4, R5; \
	BGE	rh_4loop; \
rh_1: \
	CBZ	R5, rh_rowend; \
rh_1loop: \
	ROW_HALF_ONE(WIDEN4, ROUND4); \
	SUB	$1, R5, R5; \
	CBNZ	R5, rh_1loop; \
rh_rowend: \
	CBNZ	R4, rh_row; \
	RET; \
rh_short: \
	ADD	R3<<2, R2, R7; \
	MOVD	R2, R6; \
rh_shortloop: \
	ROW_HALF_ONE(WIDEN4, ROUND4); \
	CMP	R7, R6; \
	CSEL	EQ, R2, R6, R6 /* past v's end: back to v[0] */; \
	SUB	$1, R4, R4; \
	CBNZ	R4, rh_shortloop; \
	RET

// func scaleRowsNEONBF16(dst, src []BFloat16, v []float32)
//
// Equivalent Go:
//
//	for i := range dst {
//		j := i % len(v)
//		if v[j] != 0 { // false for -0 as for +0
//			dst[i] = BFloat16(f32ToBF16(bf16ToF32(uint16(src[i])) * v[j]))
//		} else {
//			dst[i] = 0 // whatever src[i] holds
//		}
//	}
//
// walked as scaleRowsNEONF32 is, 16, then 4, then 1 element at a time.
TEXT ·scaleRowsNEONBF16(SB), NOSPLIT, $0-72
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R4
	MOVD	src_base+24(FP), R1
	MOVD	v_base+48(FP), R2
	MOVD	v_len+56(FP), R3
	HALF_CONST_BF16
	ROWS_HALF(WIDEN16_BF16, ROUND16_BF16, WIDEN4_BF16, ROUND4_BF16)

// func scaleRowsNEONF16(dst, src []Float16, v []float32)
//
// Equivalent Go: scaleRowsNEONBF16's with f16ToF32 and f32ToF16.
TEXT ·scaleRowsNEONF16(SB), NOSPLIT, $0-72
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R4
	MOVD	src_base+24(FP), R1
	MOVD	v_base+48(FP), R2
	MOVD	v_len+56(FP), R3
	HALF_CONST_F16
	ROWS_HALF(WIDEN16_F16, ROUND16_F16, WIDEN4_F16, ROUND4_F16)

// Fused residual forms (residual.go): dst = res + op(src + bias). A kept
// element is ((x ⊕ b) ⊗ s) ⊕ r: FADD, FMUL, FADD (vector, WORD-encoded as
// described at the top of this file), each rounded once, never fused;
// with no bias (len(bias) == 0) the first FADD is skipped. The data is the
// first operand of each. The half types widen x, b and r exactly (as the
// half kernels do), run the same three float32 operations and round once.
// A dropped element is r, its bits copied (VBSL of the lane masks, or a
// copy of bytes for a dropped run of planes), never widened or rounded.
// The plane kernels do not read src in a dropped run. The bits, Philox
// and rows kernels copy a chunk (16, 4 or 1 elements; 8, 2 or 1 of
// float64) with no element kept from res without reading its src
// (RDROP); a dropped element's src is otherwise read only with the kept
// ones of its chunk (a vector load) and never used.
//
// NaN. Which NaN an operation on NaN operands returns is the CPU's choice
// (ARM: the first signalling operand, quietened, else the first quiet one;
// x86: the first operand), so every NaN result becomes the default quiet
// NaN, as canonNaN does: FCMEQ x, x (WORD-encoded) is all ones except in
// the NaN lanes, and VBSL with it keeps x or takes 0x7FC00000
// (0x7FF8000000000000 for float64; V30) there. For bfloat16, ROUND16_BF16
// and ROUND4_BF16 already do exactly that (FCMEQ, 0x7FC00000 in the NaN
// lanes, then the >>16): 0x7FC0, the rounding of the default NaN. For
// binary16, RROUND16_F16 and RROUND4_F16 find the NaN lanes after FCVTN as
// ROUND16_F16 does (bits 9-14 all set) and put 0x7E00 there, the rounding
// of the default NaN: no NaN's sign or payload reaches the result.
//
// Bias. Element k of a range adds bias[(phase+k) mod len(bias)]: a pointer
// walks the bias row (R16) with a count of its elements left (R17). The
// range is cut into segments that no end of the bias row, of a mask word
// (bits kernels) or of a row of v (rows kernels) falls inside, each done
// NV elements at a time (16; 8 for float64), then NQ (4; 2), then 1
// (RES_CHUNKS); after a segment that used the row up, the pointer goes
// back to bias[0] (RES_WRAP). With no bias R16 is 0, which the chunks test
// to skip the add, and R17 is 2^62, so it never ends a segment. The plane
// kernels find each kept run's phase with a UDIV: the run's first element
// mod len(bias).
//
// Scales. Every chunk multiplies lane j by lane j of V16-V19 (of V16 for 4
// elements or 1): s in every lane for the plane, bits and Philox kernels;
// for the rows kernels the chunk's elements of v, from which their lane
// masks (v != ±0) are made as scaleRows makes them, r taken where v is ±0.
//
// Registers of the residual kernels, beside those of their float32
// kernels' walks (PLANES_RUN; BITS_WORD; PHILOX_BATCH and PLANES_WORD; the
// rows walk with R2 v, R3 len(v), R4 elements left, R5 elements left in
// v's row, R6 v's pointer):
//
//	R0, R1, R26 dst, src and res pointers, advanced past every element
//	R14     the elements of the current segment, counted down
//	R15     scratch of the chunks
//	R16     the bias pointer; 0 when there is no bias
//	R17     elements left in the bias row (2^62 when there is no bias)
//	V16-V19 the scales: s, or the chunk's v
//
//	float32, float64:
//	V0-V3   x, then the result y
//	V4-V7   b, then r
//	V8-V11  y with the default NaN in its NaN lanes
//	V12-V15 lane masks (all ones where the element is kept)
//	V20     the mask word in every lane (bits kernels); V20, V21 scratch
//	        of RANY_V (rows kernels)
//	V24-V27 the bit of each lane (scaleBitsF32<>, scaleBitsF64<>)
//	V30     the default NaN in every lane
//
//	bfloat16, binary16:
//	V0, V1   x as halves, then y rounded
//	V2-V5    x widened to float32, then y
//	V6-V13   scratch of the rounding (and of RANY_V_H); first b, then r,
//	         widened (V10-V13)
//	V14, V15 b, then r, as halves
//	V20-V23  lane masks; V22, V23 the bit of each lane (bits kernels)
//	V24-V27  the rounding constants (HALF_CONST_BF16, HALF_CONST_F16)

// RNOP stands for a step that a kernel's chunks do not have.
#define RNOP

// RES_BIAS(SH, ph, base, nb) starts the bias walk at element ph of its
// row (registers: ph, the bias's base and length nb; elements of 1<<SH
// bytes): R16 = &bias[ph], R17 = nb - ph; with no bias (nb = 0), R16 = 0
// and R17 = 2^62.
#define RES_BIAS(SH, ph, base, nb) \
	MOVD	nb, R17; \
	CBZ	R17, bias_none; \
	ADD	ph<<SH, base, R16; \
	SUB	ph, R17, R17; \
	B	bias_set; \
bias_none: \
	MOVD	ZR, R16; \
	MOVD	$(1<<62), R17; \
bias_set:

// RES_SEG(n) takes the next segment off the n elements left (a register):
// R14 = min(n, R17), as many as the bias row has left, subtracted from n
// and R17.
#define RES_SEG(n) \
	CMP	R17, n; \
	CSEL	LT, n, R17, R14; \
	SUB	R14, n, n; \
	SUB	R14, R17, R17

// RES_WRAP(SH, nb) puts the bias pointer back to bias[0], nb elements
// back, when its row is used up.
#define RES_WRAP(SH, nb) \
	CBNZ	R17, bias_ok; \
	SUB	nb<<SH, R16, R16; \
	MOVD	nb, R17; \
bias_ok:

// RES_CHUNKS(NV, NQ, PRE_V, KEEP_V, OUT_V, PRE_Q, KEEP_Q, OUT_Q, PRE_E,
// KEEP_E, OUT_E) does the R14 elements of a segment, NV at a time, then NQ
// at a time, then 1 at a time: for each chunk its PRE (the rows kernels'
// v; the skip of a chunk with no element kept), KEEP (y and r) and OUT (the
// store of y, or of y or r as the lane masks say), all pointers
// post-incremented; R8, the mask word, is shifted past each chunk's bits.
// A PRE that does the chunk itself goes on at rc_vnext, rc_qnext or
// rc_enext. R14 ends at 0.
#define RES_CHUNKS(NV, NQ, PRE_V, KEEP_V, OUT_V, PRE_Q, KEEP_Q, OUT_Q, PRE_E, KEEP_E, OUT_E) \
	CMP	$NV, R14; \
	BLT	rc_q; \
rc_v: \
	PRE_V; \
	KEEP_V; \
	OUT_V; \
rc_vnext: \
	LSR	$NV, R8, R8; \
	SUB	$NV, R14, R14; \
	CMP	$NV, R14; \
	BGE	rc_v; \
rc_q: \
	CMP	$NQ, R14; \
	BLT	rc_e; \
rc_qloop: \
	PRE_Q; \
	KEEP_Q; \
	OUT_Q; \
rc_qnext: \
	LSR	$NQ, R8, R8; \
	SUB	$NQ, R14, R14; \
	CMP	$NQ, R14; \
	BGE	rc_qloop; \
rc_e: \
	CBZ	R14, rc_done; \
rc_eloop: \
	PRE_E; \
	KEEP_E; \
	OUT_E; \
rc_enext: \
	LSR	$1, R8, R8; \
	SUB	$1, R14, R14; \
	CBNZ	R14, rc_eloop; \
rc_done:

// RDROP(COPY, bytes) does a chunk with no element kept, for the PRE steps
// of the bits, Philox and rows kernels: COPY copies its bytes of res (R26)
// to dst (R0), and src (R1) and the bias pointer (R16, unless it is 0)
// are moved past it, src not read. RCOPY_* are the copies: vectors for 64,
// 32 and 16 bytes, R15 for 8, 4 and 2.
#define RDROP(COPY, bytes) \
	COPY; \
	ADD	$bytes, R1, R1; \
	CBZ	R16, 2(PC); \
	ADD	$bytes, R16, R16

#define RCOPY_64 \
	VLD1.P	64(R26), [V4.B16, V5.B16, V6.B16, V7.B16]; \
	VST1.P	[V4.B16, V5.B16, V6.B16, V7.B16], 64(R0)

#define RCOPY_32 \
	VLD1.P	32(R26), [V14.B16, V15.B16]; \
	VST1.P	[V14.B16, V15.B16], 32(R0)

#define RCOPY_16 \
	VLD1.P	16(R26), [V4.B16]; \
	VST1.P	[V4.B16], 16(R0)

#define RCOPY_8 \
	MOVD.P	8(R26), R15; \
	MOVD.P	R15, 8(R0)

#define RCOPY_4 \
	MOVWU.P	4(R26), R15; \
	MOVW.P	R15, 4(R0)

#define RCOPY_2 \
	MOVHU.P	2(R26), R15; \
	MOVH.P	R15, 2(R0)

// RSKIP(mask, COPY, bytes, next, kept), the PRE step of the bits and
// Philox kernels: when no bit of R8 in mask (the chunk's) is set, the
// chunk is RDROP(COPY, bytes) and the kernel goes on at next, the chunk's
// rc_*next; else at kept, a label of its own. RSKIPV(ANY, COPY, bytes,
// next, kept) is the same for the rows kernels, after ANY has ORed the
// chunk's lane masks into R15.
#define RSKIP(mask, COPY, bytes, next, kept) \
	TST	$mask, R8; \
	BNE	kept; \
	RDROP(COPY, bytes); \
	B	next; \
kept:

#define RSKIPV(ANY, COPY, bytes, next, kept) \
	ANY; \
	CBNZ	R15, kept; \
	RDROP(COPY, bytes); \
	B	next; \
kept:

// RES_COPY(SH) copies the R9 elements (of 1<<SH bytes) of a dropped run
// from res (R26) to dst (R0), both advanced past them: 64 bytes at a time,
// then 16, then 8, 4 and 2 as the bits of what is left say. When dst is
// res nothing is written. R7 and R10 are clobbered.
#define RES_COPY(SH) \
	LSL	$SH, R9, R7; \
	CMP	R0, R26; \
	BNE	cp_64; \
	ADD	R7, R0, R0; \
	ADD	R7, R26, R26; \
	B	cp_done; \
cp_64: \
	CMP	$64, R7; \
	BLT	cp_16; \
	VLD1.P	64(R26), [V0.B16, V1.B16, V2.B16, V3.B16]; \
	VST1.P	[V0.B16, V1.B16, V2.B16, V3.B16], 64(R0); \
	SUB	$64, R7, R7; \
	B	cp_64; \
cp_16: \
	CMP	$16, R7; \
	BLT	cp_8; \
	VLD1.P	16(R26), [V0.B16]; \
	VST1.P	[V0.B16], 16(R0); \
	SUB	$16, R7, R7; \
	B	cp_16; \
cp_8: \
	TBZ	$3, R7, cp_4; \
	MOVD.P	8(R26), R10; \
	MOVD.P	R10, 8(R0); \
cp_4: \
	TBZ	$2, R7, cp_2; \
	MOVWU.P	4(R26), R10; \
	MOVW.P	R10, 4(R0); \
cp_2: \
	TBZ	$1, R7, cp_done; \
	MOVHU.P	2(R26), R10; \
	MOVH.P	R10, 2(R0); \
cp_done:

// RES_PLANES(SH, NV, NQ, KEEP_V, KEEP_Q, KEEP_E, ST_V, ST_Q, ST_E) is the
// body of the residual plane kernels: the run walk of scalePlanesNEONF32
// (PLANES_RUN; R0-R5 set as there, R26 res), each kept run started at its
// bias phase (R21 dst's base, R19 bias's, R20 its length) and done in
// segments with the type's chunks, each dropped run copied from res
// (RES_COPY), its src skipped without being read. The scales (V16-V19)
// and the type's constants are set by the caller.
#define RES_PLANES(SH, NV, NQ, KEEP_V, KEEP_Q, KEEP_E, ST_V, ST_Q, ST_E) \
rp_run: \
	PLANES_RUN; \
	CBZ	R6, rp_drop; \
	SUB	R21, R0, R15; \
	LSR	$SH, R15, R15 /* the run's first element */; \
	UDIV	R20, R15, R14 /* 0 when there is no bias */; \
	MSUB	R20, R15, R14, R15 /* its phase: element mod len(bias) */; \
	RES_BIAS(SH, R15, R19, R20); \
rp_seg: \
	RES_SEG(R9); \
	RES_CHUNKS(NV, NQ, RNOP, KEEP_V, ST_V, RNOP, KEEP_Q, ST_Q, RNOP, KEEP_E, ST_E); \
	RES_WRAP(SH, R20); \
	CBNZ	R9, rp_seg; \
	B	rp_next; \
rp_drop: \
	ADD	R9<<SH, R1, R1; \
	RES_COPY(SH); \
rp_next: \
	CMP	R5, R3; \
	BLT	rp_run; \
	RET

// RES_BITS(SH, NV, NQ, SKIP_V, SKIP_Q, SKIP_E, KEEP_V, KEEP_Q, KEEP_E,
// SEL_V, SEL_Q, SEL_E) is the body of the residual bits kernels:
// scaleBitsNEONF32's walk over the mask words (BITS_WORD; R0-R4 set as
// there, R26 res), the bias from element R15 of its row (R19 bias's base,
// R11 its length), each word's elements done in segments with the type's
// chunks: a chunk with no bit set copied from res (SKIP), its src not
// read; any other y or r as the lane masks from the word say. The scales,
// the bit positions and the type's constants are set by the caller.
#define RES_BITS(SH, NV, NQ, SKIP_V, SKIP_Q, SKIP_E, KEEP_V, KEEP_Q, KEEP_E, SEL_V, SEL_Q, SEL_E) \
	RES_BIAS(SH, R15, R19, R11); \
rb_word: \
	BITS_WORD; \
rb_seg: \
	RES_SEG(R9); \
	RES_CHUNKS(NV, NQ, SKIP_V, KEEP_V, SEL_V, SKIP_Q, KEEP_Q, SEL_Q, SKIP_E, KEEP_E, SEL_E); \
	RES_WRAP(SH, R11); \
	CBNZ	R9, rb_seg; \
	CBNZ	R4, rb_word; \
	RET

// RES_PHILOX(SH, SETUP, NV, NQ, SKIP_V, SKIP_Q, SKIP_E, KEEP_V, KEEP_Q,
// KEEP_E, SEL_V, SEL_Q, SEL_E) is the body of the residual Philox kernels (R0-R5, R12, R13 and
// R24 set as for dropoutPhiloxNEONF32, R26 res; the bias from element R15
// of its row, R7 its base, R11 its length): dropoutPhilox's batches
// (PHILOX_BATCH, each after PLANES_CONST again, since V16 and V17 hold
// scales between batches), then SETUP (the scales from R24 and the type's
// constants, which the batch's rounds overwrote), and each group's keep
// word (PLANES_WORD, stored to bits unless it is nil) applied as RES_BITS
// applies a mask word.
#define RES_PHILOX(SH, SETUP, NV, NQ, SKIP_V, SKIP_Q, SKIP_E, KEEP_V, KEEP_Q, KEEP_E, SEL_V, SEL_Q, SEL_E) \
	RES_BIAS(SH, R15, R7, R11); \
rx_batch: \
	PLANES_CONST; \
	PHILOX_BATCH; \
	SETUP; \
rx_group: \
	PLANES_WORD; \
rx_seg: \
	RES_SEG(R9); \
	RES_CHUNKS(NV, NQ, SKIP_V, KEEP_V, SEL_V, SKIP_Q, KEEP_Q, SEL_Q, SKIP_E, KEEP_E, SEL_E); \
	RES_WRAP(SH, R11); \
	CBNZ	R9, rx_seg; \
	CBZ	R3, rx_done; \
	SUB	$1, R6, R6; \
	CBNZ	R6, rx_group; \
	B	rx_batch; \
rx_done: \
	RET

// RES_ROWS(SH, NV, NQ, PRE_V, KEEP_V, SEL_V, PRE_Q, KEEP_Q, SEL_Q, PRE_E,
// KEEP_E, SEL_E) is the body of the residual rows kernels (R0, R1, R26
// dst, src and res, R4 len(dst), R2 v, R3 len(v), R19 bias's base, R11
// its length): v walked as bias is, a pointer (R6) and its elements left
// (R5), back to v[0] at the end of each row; segments end where either row
// does; each chunk loads its v and lane masks (PRE) before the kept value,
// is copied from res when v is ±0 in all its lanes (src not read), and
// else takes r where v is ±0. The type's constants are set by the caller.
#define RES_ROWS(SH, NV, NQ, PRE_V, KEEP_V, SEL_V, PRE_Q, KEEP_Q, SEL_Q, PRE_E, KEEP_E, SEL_E) \
	MOVD	ZR, R15; \
	RES_BIAS(SH, R15, R19, R11); \
	MOVD	R2, R6; \
	MOVD	R3, R5; \
rr_seg: \
	CMP	R5, R4; \
	CSEL	LT, R4, R5, R7 /* min(elements left, left in v's row) */; \
	RES_SEG(R7); \
	SUB	R14, R4, R4; \
	SUB	R14, R5, R5; \
	RES_CHUNKS(NV, NQ, PRE_V, KEEP_V, SEL_V, PRE_Q, KEEP_Q, SEL_Q, PRE_E, KEEP_E, SEL_E); \
	RES_WRAP(SH, R11); \
	CBNZ	R5, rr_vok; \
	MOVD	R2, R6 /* back to v[0] */; \
	MOVD	R3, R5; \
rr_vok: \
	CBNZ	R4, rr_seg; \
	RET

// The chunks of float32. RKEEP_V_F32: 16 elements of src (R1), bias (R16,
// unless it is 0) and res (R26), post-incremented, to V8-V11 =
// canonNaN(((x ⊕ b) ⊗ v) ⊕ r), v the scales in V16-V19, and V4-V7 = r.
// RKEEP_Q_F32 and RKEEP_E_F32 are the same for 4 elements and 1, in V8 and
// V4 (lane 0 for 1 element: FMOVS loads zero the other lanes).
#define RKEEP_V_F32 \
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]; \
	CBZ	R16, rk_v; \
	VLD1.P	64(R16), [V4.S4, V5.S4, V6.S4, V7.S4]; \
	WORD	$0x4e24d400 /* FADD V0.4S, V0.4S, V4.4S */; \
	WORD	$0x4e25d421 /* FADD V1.4S, V1.4S, V5.4S */; \
	WORD	$0x4e26d442 /* FADD V2.4S, V2.4S, V6.4S */; \
	WORD	$0x4e27d463 /* FADD V3.4S, V3.4S, V7.4S */; \
rk_v: \
	WORD	$0x6e30dc00 /* FMUL V0.4S, V0.4S, V16.4S */; \
	WORD	$0x6e31dc21 /* FMUL V1.4S, V1.4S, V17.4S */; \
	WORD	$0x6e32dc42 /* FMUL V2.4S, V2.4S, V18.4S */; \
	WORD	$0x6e33dc63 /* FMUL V3.4S, V3.4S, V19.4S */; \
	VLD1.P	64(R26), [V4.S4, V5.S4, V6.S4, V7.S4]; \
	WORD	$0x4e24d400 /* FADD V0.4S, V0.4S, V4.4S */; \
	WORD	$0x4e25d421 /* FADD V1.4S, V1.4S, V5.4S */; \
	WORD	$0x4e26d442 /* FADD V2.4S, V2.4S, V6.4S */; \
	WORD	$0x4e27d463 /* FADD V3.4S, V3.4S, V7.4S */; \
	WORD	$0x4e20e408 /* FCMEQ V8.4S, V0.4S, V0.4S: 0 in NaN lanes */; \
	WORD	$0x4e21e429 /* FCMEQ V9.4S, V1.4S, V1.4S */; \
	WORD	$0x4e22e44a /* FCMEQ V10.4S, V2.4S, V2.4S */; \
	WORD	$0x4e23e46b /* FCMEQ V11.4S, V3.4S, V3.4S */; \
	VBSL	V30.B16, V0.B16, V8.B16 /* y, or the default NaN */; \
	VBSL	V30.B16, V1.B16, V9.B16; \
	VBSL	V30.B16, V2.B16, V10.B16; \
	VBSL	V30.B16, V3.B16, V11.B16

// RKEEP4_F32(LDX, LDB, LDR, skip): RKEEP_V_F32 for the one vector that
// LDX, LDB and LDR load (x to V0, b and r to V4); skip is its label.
#define RKEEP4_F32(LDX, LDB, LDR, skip) \
	LDX; \
	CBZ	R16, skip; \
	LDB; \
	WORD	$0x4e24d400 /* FADD V0.4S, V0.4S, V4.4S */; \
skip: \
	WORD	$0x6e30dc00 /* FMUL V0.4S, V0.4S, V16.4S */; \
	LDR; \
	WORD	$0x4e24d400 /* FADD V0.4S, V0.4S, V4.4S */; \
	WORD	$0x4e20e408 /* FCMEQ V8.4S, V0.4S, V0.4S */; \
	VBSL	V30.B16, V0.B16, V8.B16

#define RX_Q_F32 VLD1.P 16(R1), [V0.S4]
#define RB_Q_F32 VLD1.P 16(R16), [V4.S4]
#define RR_Q_F32 VLD1.P 16(R26), [V4.S4]
#define RX_E_F32 FMOVS.P 4(R1), F0
#define RB_E_F32 FMOVS.P 4(R16), F4
#define RR_E_F32 FMOVS.P 4(R26), F4
#define RKEEP_Q_F32 RKEEP4_F32(RX_Q_F32, RB_Q_F32, RR_Q_F32, rk_q)
#define RKEEP_E_F32 RKEEP4_F32(RX_E_F32, RB_E_F32, RR_E_F32, rk_e)

// RST_*_F32 store y (V8-V11, V8, lane 0 of V8) to dst (R0,
// post-incremented).
#define RST_V_F32 VST1.P [V8.S4, V9.S4, V10.S4, V11.S4], 64(R0)
#define RST_Q_F32 VST1.P [V8.S4], 16(R0)
#define RST_E_F32 FMOVS.P F8, 4(R0)

// RSEL_*_F32 store y where the lane mask (V12-V15) is set and r elsewhere.
#define RSEL_V_F32 \
	VBSL	V4.B16, V8.B16, V12.B16 /* y where kept, else r */; \
	VBSL	V5.B16, V9.B16, V13.B16; \
	VBSL	V6.B16, V10.B16, V14.B16; \
	VBSL	V7.B16, V11.B16, V15.B16; \
	VST1.P	[V12.S4, V13.S4, V14.S4, V15.S4], 64(R0)

#define RSEL_Q_F32 \
	VBSL	V4.B16, V8.B16, V12.B16; \
	VST1.P	[V12.S4], 16(R0)

#define RSEL_E_F32 \
	VBSL	V4.B16, V8.B16, V12.B16; \
	FMOVS.P	F12, 4(R0)

// RSELB_*_F32: RSEL_*_F32 with the lane masks of the low bits of R8 (the
// mask word; lane j of V24-V27 holds 1<<j of its chunk).
#define RMASK_Q_F32 \
	VDUP	R8, V20.S4; \
	VCMTST	V24.S4, V20.S4, V12.S4

#define RSELB_V_F32 \
	VDUP	R8, V20.S4; \
	VCMTST	V24.S4, V20.S4, V12.S4; \
	VCMTST	V25.S4, V20.S4, V13.S4; \
	VCMTST	V26.S4, V20.S4, V14.S4; \
	VCMTST	V27.S4, V20.S4, V15.S4; \
	RSEL_V_F32

#define RSELB_Q_F32 \
	RMASK_Q_F32; \
	RSEL_Q_F32

#define RSELB_E_F32 \
	RMASK_Q_F32; \
	RSEL_E_F32

// RLDV_*_F32 load the chunk's v (R6, post-incremented) as its scales
// (V16-V19) and make its lane masks, all ones where v != ±0 (V12-V15).
#define RLDV_V_F32 \
	VLD1.P	64(R6), [V16.S4, V17.S4, V18.S4, V19.S4]; \
	VSHL	$1, V16.S4, V12.S4 /* drop v's sign: ±0 → 0 */; \
	VSHL	$1, V17.S4, V13.S4; \
	VSHL	$1, V18.S4, V14.S4; \
	VSHL	$1, V19.S4, V15.S4; \
	VCMTST	V12.S4, V12.S4, V12.S4; \
	VCMTST	V13.S4, V13.S4, V13.S4; \
	VCMTST	V14.S4, V14.S4, V14.S4; \
	VCMTST	V15.S4, V15.S4, V15.S4

#define RLDV_Q_F32 \
	VLD1.P	16(R6), [V16.S4]; \
	VSHL	$1, V16.S4, V12.S4; \
	VCMTST	V12.S4, V12.S4, V12.S4

#define RLDV_E_F32 \
	FMOVS.P	4(R6), F16; \
	VSHL	$1, V16.S4, V12.S4; \
	VCMTST	V12.S4, V12.S4, V12.S4

// The PRE steps of float32: RSKIP_* for the bits and Philox kernels,
// RPREV_* (v, its lane masks, then the skip) for the rows kernels. RANY_*
// OR the lane masks V12-V15 (V12; lane 0 of V12) into R15, for float32
// and float64 alike but for one element; R7 is clobbered.
#define RSKIP_V_F32 RSKIP(0xFFFF, RCOPY_64, 64, rc_vnext, rs_v)
#define RSKIP_Q_F32 RSKIP(0xF, RCOPY_16, 16, rc_qnext, rs_q)
#define RSKIP_E_F32 RSKIP(1, RCOPY_4, 4, rc_enext, rs_e)

#define RANY_V \
	VORR	V13.B16, V12.B16, V20.B16; \
	VORR	V15.B16, V14.B16, V21.B16; \
	VORR	V21.B16, V20.B16, V20.B16; \
	VMOV	V20.D[0], R15; \
	VMOV	V20.D[1], R7; \
	ORR	R7, R15, R15

#define RANY_Q \
	VMOV	V12.D[0], R15; \
	VMOV	V12.D[1], R7; \
	ORR	R7, R15, R15

#define RANY_E_F32 VMOV V12.S[0], R15

#define RPREV_V_F32 \
	RLDV_V_F32; \
	RSKIPV(RANY_V, RCOPY_64, 64, rc_vnext, rs_v)

#define RPREV_Q_F32 \
	RLDV_Q_F32; \
	RSKIPV(RANY_Q, RCOPY_16, 16, rc_qnext, rs_q)

#define RPREV_E_F32 \
	RLDV_E_F32; \
	RSKIPV(RANY_E_F32, RCOPY_4, 4, rc_enext, rs_e)

// RCONST_F32: the default NaN in every lane of V30; RSCALE_F32: s (lane 0
// of V16) in every lane of V16-V19; RBITS_F32: the bit of each lane in
// V24-V27. R7 is clobbered.
#define RCONST_F32 \
	MOVW	$0x7FC00000, R7; \
	VDUP	R7, V30.S4

#define RSCALE_F32 \
	VDUP	V16.S[0], V17.S4; \
	VDUP	V16.S[0], V18.S4; \
	VDUP	V16.S[0], V19.S4; \
	VDUP	V16.S[0], V16.S4

#define RBITS_F32 \
	MOVD	$scaleBitsF32<>(SB), R7; \
	VLD1	(R7), [V24.S4, V25.S4, V26.S4, V27.S4]

// RSET_PHILOX_*: the registers of a residual Philox kernel's chunks, set
// again after each batch: s (R24) in every lane of V16-V19, the type's
// constants and the bit of each lane. R7 is clobbered.
#define RSET_PHILOX_F32 \
	VDUP	R24, V16.S4; \
	VDUP	R24, V17.S4; \
	VDUP	R24, V18.S4; \
	VDUP	R24, V19.S4; \
	RCONST_F32; \
	RBITS_F32

// The chunks of float64: those of float32 with 8 elements (4 vectors of
// 2), then 2, then 1.
#define RKEEP_V_F64 \
	VLD1.P	64(R1), [V0.D2, V1.D2, V2.D2, V3.D2]; \
	CBZ	R16, rk_v; \
	VLD1.P	64(R16), [V4.D2, V5.D2, V6.D2, V7.D2]; \
	WORD	$0x4e64d400 /* FADD V0.2D, V0.2D, V4.2D */; \
	WORD	$0x4e65d421 /* FADD V1.2D, V1.2D, V5.2D */; \
	WORD	$0x4e66d442 /* FADD V2.2D, V2.2D, V6.2D */; \
	WORD	$0x4e67d463 /* FADD V3.2D, V3.2D, V7.2D */; \
rk_v: \
	WORD	$0x6e70dc00 /* FMUL V0.2D, V0.2D, V16.2D */; \
	WORD	$0x6e71dc21 /* FMUL V1.2D, V1.2D, V17.2D */; \
	WORD	$0x6e72dc42 /* FMUL V2.2D, V2.2D, V18.2D */; \
	WORD	$0x6e73dc63 /* FMUL V3.2D, V3.2D, V19.2D */; \
	VLD1.P	64(R26), [V4.D2, V5.D2, V6.D2, V7.D2]; \
	WORD	$0x4e64d400 /* FADD V0.2D, V0.2D, V4.2D */; \
	WORD	$0x4e65d421 /* FADD V1.2D, V1.2D, V5.2D */; \
	WORD	$0x4e66d442 /* FADD V2.2D, V2.2D, V6.2D */; \
	WORD	$0x4e67d463 /* FADD V3.2D, V3.2D, V7.2D */; \
	WORD	$0x4e60e408 /* FCMEQ V8.2D, V0.2D, V0.2D: 0 in NaN lanes */; \
	WORD	$0x4e61e429 /* FCMEQ V9.2D, V1.2D, V1.2D */; \
	WORD	$0x4e62e44a /* FCMEQ V10.2D, V2.2D, V2.2D */; \
	WORD	$0x4e63e46b /* FCMEQ V11.2D, V3.2D, V3.2D */; \
	VBSL	V30.B16, V0.B16, V8.B16 /* y, or the default NaN */; \
	VBSL	V30.B16, V1.B16, V9.B16; \
	VBSL	V30.B16, V2.B16, V10.B16; \
	VBSL	V30.B16, V3.B16, V11.B16

#define RKEEP2_F64(LDX, LDB, LDR, skip) \
	LDX; \
	CBZ	R16, skip; \
	LDB; \
	WORD	$0x4e64d400 /* FADD V0.2D, V0.2D, V4.2D */; \
skip: \
	WORD	$0x6e70dc00 /* FMUL V0.2D, V0.2D, V16.2D */; \
	LDR; \
	WORD	$0x4e64d400 /* FADD V0.2D, V0.2D, V4.2D */; \
	WORD	$0x4e60e408 /* FCMEQ V8.2D, V0.2D, V0.2D */; \
	VBSL	V30.B16, V0.B16, V8.B16

#define RX_Q_F64 VLD1.P 16(R1), [V0.D2]
#define RB_Q_F64 VLD1.P 16(R16), [V4.D2]
#define RR_Q_F64 VLD1.P 16(R26), [V4.D2]
#define RX_E_F64 FMOVD.P 8(R1), F0
#define RB_E_F64 FMOVD.P 8(R16), F4
#define RR_E_F64 FMOVD.P 8(R26), F4
#define RKEEP_Q_F64 RKEEP2_F64(RX_Q_F64, RB_Q_F64, RR_Q_F64, rk_q)
#define RKEEP_E_F64 RKEEP2_F64(RX_E_F64, RB_E_F64, RR_E_F64, rk_e)

#define RST_V_F64 VST1.P [V8.D2, V9.D2, V10.D2, V11.D2], 64(R0)
#define RST_Q_F64 VST1.P [V8.D2], 16(R0)
#define RST_E_F64 FMOVD.P F8, 8(R0)

#define RSEL_V_F64 \
	VBSL	V4.B16, V8.B16, V12.B16 /* y where kept, else r */; \
	VBSL	V5.B16, V9.B16, V13.B16; \
	VBSL	V6.B16, V10.B16, V14.B16; \
	VBSL	V7.B16, V11.B16, V15.B16; \
	VST1.P	[V12.D2, V13.D2, V14.D2, V15.D2], 64(R0)

#define RSEL_Q_F64 \
	VBSL	V4.B16, V8.B16, V12.B16; \
	VST1.P	[V12.D2], 16(R0)

#define RSEL_E_F64 \
	VBSL	V4.B16, V8.B16, V12.B16; \
	FMOVD.P	F12, 8(R0)

#define RMASK_Q_F64 \
	VDUP	R8, V20.D2; \
	VCMTST	V24.D2, V20.D2, V12.D2

#define RSELB_V_F64 \
	VDUP	R8, V20.D2; \
	VCMTST	V24.D2, V20.D2, V12.D2; \
	VCMTST	V25.D2, V20.D2, V13.D2; \
	VCMTST	V26.D2, V20.D2, V14.D2; \
	VCMTST	V27.D2, V20.D2, V15.D2; \
	RSEL_V_F64

#define RSELB_Q_F64 \
	RMASK_Q_F64; \
	RSEL_Q_F64

#define RSELB_E_F64 \
	RMASK_Q_F64; \
	RSEL_E_F64

#define RLDV_V_F64 \
	VLD1.P	64(R6), [V16.D2, V17.D2, V18.D2, V19.D2]; \
	VSHL	$1, V16.D2, V12.D2 /* drop v's sign: ±0 → 0 */; \
	VSHL	$1, V17.D2, V13.D2; \
	VSHL	$1, V18.D2, V14.D2; \
	VSHL	$1, V19.D2, V15.D2; \
	VCMTST	V12.D2, V12.D2, V12.D2; \
	VCMTST	V13.D2, V13.D2, V13.D2; \
	VCMTST	V14.D2, V14.D2, V14.D2; \
	VCMTST	V15.D2, V15.D2, V15.D2

#define RLDV_Q_F64 \
	VLD1.P	16(R6), [V16.D2]; \
	VSHL	$1, V16.D2, V12.D2; \
	VCMTST	V12.D2, V12.D2, V12.D2

#define RLDV_E_F64 \
	FMOVD.P	8(R6), F16; \
	VSHL	$1, V16.D2, V12.D2; \
	VCMTST	V12.D2, V12.D2, V12.D2

#define RSKIP_V_F64 RSKIP(0xFF, RCOPY_64, 64, rc_vnext, rs_v)
#define RSKIP_Q_F64 RSKIP(0x3, RCOPY_16, 16, rc_qnext, rs_q)
#define RSKIP_E_F64 RSKIP(1, RCOPY_8, 8, rc_enext, rs_e)

#define RANY_E_F64 VMOV V12.D[0], R15

#define RPREV_V_F64 \
	RLDV_V_F64; \
	RSKIPV(RANY_V, RCOPY_64, 64, rc_vnext, rs_v)

#define RPREV_Q_F64 \
	RLDV_Q_F64; \
	RSKIPV(RANY_Q, RCOPY_16, 16, rc_qnext, rs_q)

#define RPREV_E_F64 \
	RLDV_E_F64; \
	RSKIPV(RANY_E_F64, RCOPY_8, 8, rc_enext, rs_e)

#define RCONST_F64 \
	MOVD	$0x7FF8000000000000, R7; \
	VDUP	R7, V30.D2

#define RSCALE_F64 \
	VDUP	V16.D[0], V17.D2; \
	VDUP	V16.D[0], V18.D2; \
	VDUP	V16.D[0], V19.D2; \
	VDUP	V16.D[0], V16.D2

#define RBITS_F64 \
	MOVD	$scaleBitsF64<>(SB), R7; \
	VLD1	(R7), [V24.D2, V25.D2, V26.D2, V27.D2]

#define RSET_PHILOX_F64 \
	VDUP	R24, V16.D2; \
	VDUP	R24, V17.D2; \
	VDUP	R24, V18.D2; \
	VDUP	R24, V19.D2; \
	RCONST_F64; \
	RBITS_F64

// func residualPlanesNEONF32(dst, src, res, bias []float32, bits []uint64, first, plane, n int, s float32)
//
// Equivalent Go:
//
//	for i := first; i < first+n; {
//		j := runEnd(bits, i, first+n) // planes i..j-1 share bit i
//		lo, hi := (i-first)*plane, (j-first)*plane
//		if bits[i>>6]>>(i&63)&1 == 1 {
//			for k := lo; k < hi; k++ {
//				x := src[k]
//				if len(bias) > 0 {
//					x += bias[k%len(bias)]
//				}
//				dst[k] = canonNaN(float32(x*s) + res[k]) // FADD, FMUL, FADD: never fused
//			}
//		} else {
//			copy(dst[lo:hi], res[lo:hi]) // src[lo:hi] is not read
//		}
//		i = j
//	}
//
// with the run walk of scalePlanesNEONF32, each kept run in segments
// between the ends of the bias row, 16, then 4, then 1 element at a time.
TEXT ·residualPlanesNEONF32(SB), NOSPLIT, $0-148
	MOVD	dst_base+0(FP), R0
	MOVD	src_base+24(FP), R1
	MOVD	res_base+48(FP), R26
	MOVD	bias_base+72(FP), R19
	MOVD	bias_len+80(FP), R20
	MOVD	bits_base+96(FP), R2
	MOVD	first+120(FP), R3
	MOVD	plane+128(FP), R4
	MOVD	n+136(FP), R5
	ADD	R3, R5, R5
	MOVD	R0, R21
	FMOVS	s+144(FP), F16
	RSCALE_F32
	RCONST_F32
	RES_PLANES(2, 16, 4, RKEEP_V_F32, RKEEP_Q_F32, RKEEP_E_F32, RST_V_F32, RST_Q_F32, RST_E_F32)

// func residualRowsNEONF32(dst, src, res, bias []float32, v []float32)
//
// Equivalent Go:
//
//	for k := range dst {
//		vk := v[k%len(v)]
//		if vk == 0 { // -0 as +0
//			dst[k] = res[k] // whatever src[k] holds
//			continue
//		}
//		x := src[k]
//		if len(bias) > 0 {
//			x += bias[k%len(bias)]
//		}
//		dst[k] = canonNaN(float32(x*vk) + res[k])
//	}
//
// in segments between the ends of v's rows and of the bias row, 16, then
// 4, then 1 element at a time, res taken where v is ±0 with the lane masks
// of scaleRowsNEONF32.
TEXT ·residualRowsNEONF32(SB), NOSPLIT, $0-120
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R4
	MOVD	src_base+24(FP), R1
	MOVD	res_base+48(FP), R26
	MOVD	bias_base+72(FP), R19
	MOVD	bias_len+80(FP), R11
	MOVD	v_base+96(FP), R2
	MOVD	v_len+104(FP), R3
	RCONST_F32
	RES_ROWS(2, 16, 4, RPREV_V_F32, RKEEP_V_F32, RSEL_V_F32, RPREV_Q_F32, RKEEP_Q_F32, RSEL_Q_F32, RPREV_E_F32, RKEEP_E_F32, RSEL_E_F32)

// func residualBitsNEONF32(dst, src, res, bias []float32, bits []uint64, first, phase int, s float32)
//
// Equivalent Go:
//
//	for k := range dst {
//		b := first + k
//		if bits[b>>6]>>(b&63)&1 == 0 {
//			dst[k] = res[k] // whatever src[k] holds
//			continue
//		}
//		x := src[k]
//		if len(bias) > 0 {
//			x += bias[(phase+k)%len(bias)]
//		}
//		dst[k] = canonNaN(float32(x*s) + res[k])
//	}
//
// walked one mask word at a time as scaleBitsNEONF32 is, each word in
// segments between the ends of the bias row, 16, then 4, then 1 element
// at a time, y or res as the lane masks say.
TEXT ·residualBitsNEONF32(SB), NOSPLIT, $0-140
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R4
	MOVD	src_base+24(FP), R1
	MOVD	res_base+48(FP), R26
	MOVD	bias_base+72(FP), R19
	MOVD	bias_len+80(FP), R11
	MOVD	bits_base+96(FP), R2
	MOVD	first+120(FP), R3
	MOVD	phase+128(FP), R15
	FMOVS	s+136(FP), F16
	RSCALE_F32
	RCONST_F32
	RBITS_F32
	RES_BITS(2, 16, 4, RSKIP_V_F32, RSKIP_Q_F32, RSKIP_E_F32, RKEEP_V_F32, RKEEP_Q_F32, RKEEP_E_F32, RSELB_V_F32, RSELB_Q_F32, RSELB_E_F32)

// func residualPhiloxNEONF32(dst, src, res, bias []float32, bits []uint64, seed, start uint64, t uint32, phase int, s float32)
//
// Equivalent Go:
//
//	k0, k1 := uint32(seed), uint32(seed>>32)
//	for i := 0; i < len(dst); i += 64 {
//		n := min(64, len(dst)-i)
//		w := decideGroup(k0, k1, start+16*uint64(i/64), t, ^uint64(0)) & (^uint64(0) >> (64 - n))
//		if bits != nil {
//			bits[i/64] = w
//		}
//		// the loop of residualBitsNEONF32 on dst, src and res[i:i+n],
//		// with the word w, first 0 and phase phase+i
//	}
//
// with the batches and words of dropoutPhiloxNEONF32 (PHILOX_BATCH,
// PLANES_WORD), each word applied as residualBitsNEONF32 applies one.
TEXT ·residualPhiloxNEONF32(SB), NOSPLIT, $64-156
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R3
	MOVD	src_base+24(FP), R1
	MOVD	res_base+48(FP), R26
	MOVD	bias_base+72(FP), R7
	MOVD	bias_len+80(FP), R11
	MOVD	bits_base+96(FP), R2 // 0 when bits is nil
	MOVD	seed+120(FP), R12    // k0 = lo32 seed (W12)
	LSR	$32, R12, R13        // k1 = hi32 seed
	MOVD	start+128(FP), R4
	MOVWU	t+136(FP), R5
	MOVD	phase+144(FP), R15
	MOVWU	s+152(FP), R24
	RES_PHILOX(2, RSET_PHILOX_F32, 16, 4, RSKIP_V_F32, RSKIP_Q_F32, RSKIP_E_F32, RKEEP_V_F32, RKEEP_Q_F32, RKEEP_E_F32, RSELB_V_F32, RSELB_Q_F32, RSELB_E_F32)

// func residualPlanesNEONF64(dst, src, res, bias []float64, bits []uint64, first, plane, n int, s float64)
//
// Equivalent Go: the loop of residualPlanesNEONF32 with float64 elements in segments of 8 elements (4 vectors), then 2, then 1.
TEXT ·residualPlanesNEONF64(SB), NOSPLIT, $0-152
	MOVD	dst_base+0(FP), R0
	MOVD	src_base+24(FP), R1
	MOVD	res_base+48(FP), R26
	MOVD	bias_base+72(FP), R19
	MOVD	bias_len+80(FP), R20
	MOVD	bits_base+96(FP), R2
	MOVD	first+120(FP), R3
	MOVD	plane+128(FP), R4
	MOVD	n+136(FP), R5
	ADD	R3, R5, R5
	MOVD	R0, R21
	FMOVD	s+144(FP), F16
	RSCALE_F64
	RCONST_F64
	RES_PLANES(3, 8, 2, RKEEP_V_F64, RKEEP_Q_F64, RKEEP_E_F64, RST_V_F64, RST_Q_F64, RST_E_F64)

// func residualRowsNEONF64(dst, src, res, bias []float64, v []float64)
//
// Equivalent Go: the loop of residualRowsNEONF32 with float64 elements, 8, then 2, then 1 element at a time.
TEXT ·residualRowsNEONF64(SB), NOSPLIT, $0-120
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R4
	MOVD	src_base+24(FP), R1
	MOVD	res_base+48(FP), R26
	MOVD	bias_base+72(FP), R19
	MOVD	bias_len+80(FP), R11
	MOVD	v_base+96(FP), R2
	MOVD	v_len+104(FP), R3
	RCONST_F64
	RES_ROWS(3, 8, 2, RPREV_V_F64, RKEEP_V_F64, RSEL_V_F64, RPREV_Q_F64, RKEEP_Q_F64, RSEL_Q_F64, RPREV_E_F64, RKEEP_E_F64, RSEL_E_F64)

// func residualBitsNEONF64(dst, src, res, bias []float64, bits []uint64, first, phase int, s float64)
//
// Equivalent Go: the loop of residualBitsNEONF32 with float64 elements, 8, then 2, then 1 element at a time.
TEXT ·residualBitsNEONF64(SB), NOSPLIT, $0-144
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R4
	MOVD	src_base+24(FP), R1
	MOVD	res_base+48(FP), R26
	MOVD	bias_base+72(FP), R19
	MOVD	bias_len+80(FP), R11
	MOVD	bits_base+96(FP), R2
	MOVD	first+120(FP), R3
	MOVD	phase+128(FP), R15
	FMOVD	s+136(FP), F16
	RSCALE_F64
	RCONST_F64
	RBITS_F64
	RES_BITS(3, 8, 2, RSKIP_V_F64, RSKIP_Q_F64, RSKIP_E_F64, RKEEP_V_F64, RKEEP_Q_F64, RKEEP_E_F64, RSELB_V_F64, RSELB_Q_F64, RSELB_E_F64)

// func residualPhiloxNEONF64(dst, src, res, bias []float64, bits []uint64, seed, start uint64, t uint32, phase int, s float64)
//
// Equivalent Go: the loop of residualPhiloxNEONF32 with float64 elements.
TEXT ·residualPhiloxNEONF64(SB), NOSPLIT, $64-160
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R3
	MOVD	src_base+24(FP), R1
	MOVD	res_base+48(FP), R26
	MOVD	bias_base+72(FP), R7
	MOVD	bias_len+80(FP), R11
	MOVD	bits_base+96(FP), R2 // 0 when bits is nil
	MOVD	seed+120(FP), R12    // k0 = lo32 seed (W12)
	LSR	$32, R12, R13        // k1 = hi32 seed
	MOVD	start+128(FP), R4
	MOVWU	t+136(FP), R5
	MOVD	phase+144(FP), R15
	MOVD	s+152(FP), R24
	RES_PHILOX(3, RSET_PHILOX_F64, 8, 2, RSKIP_V_F64, RSKIP_Q_F64, RSKIP_E_F64, RKEEP_V_F64, RKEEP_Q_F64, RKEEP_E_F64, RSELB_V_F64, RSELB_Q_F64, RSELB_E_F64)

// The chunks of the half types, one set of macros for both, instantiated
// with the type's widening (WIDEN16_* and WIDEN4_* for x; RWIDEN16_* and
// RWIDEN4_* for b and r, from V14, V15 to V10-V13) and rounding
// (ROUND16_BF16 and ROUND4_BF16; RROUND16_F16 and RROUND4_F16).
// RKEEP16_HALF: 16 elements of src, bias (unless R16 is 0) and res to V0,
// V1 = round(canonNaN(((x ⊕ b) ⊗ v) ⊕ r)) and V14, V15 = r's bits.
#define RKEEP16_HALF(WIDEN16, RWIDEN16, ROUND16) \
	VLD1.P	32(R1), [V0.H8, V1.H8]; \
	WIDEN16; \
	CBZ	R16, rk_v; \
	VLD1.P	32(R16), [V14.H8, V15.H8]; \
	RWIDEN16; \
	WORD	$0x4e2ad442 /* FADD V2.4S, V2.4S, V10.4S */; \
	WORD	$0x4e2bd463 /* FADD V3.4S, V3.4S, V11.4S */; \
	WORD	$0x4e2cd484 /* FADD V4.4S, V4.4S, V12.4S */; \
	WORD	$0x4e2dd4a5 /* FADD V5.4S, V5.4S, V13.4S */; \
rk_v: \
	WORD	$0x6e30dc42 /* FMUL V2.4S, V2.4S, V16.4S */; \
	WORD	$0x6e31dc63 /* FMUL V3.4S, V3.4S, V17.4S */; \
	WORD	$0x6e32dc84 /* FMUL V4.4S, V4.4S, V18.4S */; \
	WORD	$0x6e33dca5 /* FMUL V5.4S, V5.4S, V19.4S */; \
	VLD1.P	32(R26), [V14.H8, V15.H8]; \
	RWIDEN16; \
	WORD	$0x4e2ad442 /* FADD V2.4S, V2.4S, V10.4S */; \
	WORD	$0x4e2bd463 /* FADD V3.4S, V3.4S, V11.4S */; \
	WORD	$0x4e2cd484 /* FADD V4.4S, V4.4S, V12.4S */; \
	WORD	$0x4e2dd4a5 /* FADD V5.4S, V5.4S, V13.4S */; \
	ROUND16

// RKEEP4_HALF(LDX, LDB, LDR, WIDEN4, RWIDEN4, ROUND4, skip): RKEEP16_HALF
// for the 4 elements or 1 that LDX (to V0), LDB and LDR (to V14) load,
// the result in the low lanes of V0; skip is its label. One element goes
// to lane 0 and through the 4-lane code: the other lanes hold stale values
// whose results are never stored.
#define RKEEP4_HALF(LDX, LDB, LDR, WIDEN4, RWIDEN4, ROUND4, skip) \
	LDX; \
	WIDEN4; \
	CBZ	R16, skip; \
	LDB; \
	RWIDEN4; \
	WORD	$0x4e2ad442 /* FADD V2.4S, V2.4S, V10.4S */; \
skip: \
	WORD	$0x6e30dc42 /* FMUL V2.4S, V2.4S, V16.4S */; \
	LDR; \
	RWIDEN4; \
	WORD	$0x4e2ad442 /* FADD V2.4S, V2.4S, V10.4S */; \
	ROUND4

#define RX_Q_H VLD1.P 8(R1), [V0.H4]
#define RB_Q_H VLD1.P 8(R16), [V14.H4]
#define RR_Q_H VLD1.P 8(R26), [V14.H4]

#define RX_E_H \
	MOVHU.P	2(R1), R15; \
	VMOV	R15, V0.H[0]

#define RB_E_H \
	MOVHU.P	2(R16), R15; \
	VMOV	R15, V14.H[0]

#define RR_E_H \
	MOVHU.P	2(R26), R15; \
	VMOV	R15, V14.H[0]

#define RWIDEN16_BF16 \
	VZIP1	V14.H8, V24.H8, V10.H8; \
	VZIP2	V14.H8, V24.H8, V11.H8; \
	VZIP1	V15.H8, V24.H8, V12.H8; \
	VZIP2	V15.H8, V24.H8, V13.H8

#define RWIDEN4_BF16 \
	VZIP1	V14.H8, V24.H8, V10.H8

#define RWIDEN16_F16 \
	WORD	$0x0e2179ca /* FCVTL  V10.4S, V14.4H */; \
	WORD	$0x4e2179cb /* FCVTL2 V11.4S, V14.8H */; \
	WORD	$0x0e2179ec /* FCVTL  V12.4S, V15.4H */; \
	WORD	$0x4e2179ed /* FCVTL2 V13.4S, V15.8H */

#define RWIDEN4_F16 \
	WORD	$0x0e2179ca /* FCVTL  V10.4S, V14.4H */

// RROUND16_F16, RROUND4_F16: ROUND16_F16 and ROUND4_F16 with every NaN
// made 0x7E00, the rounding of the default NaN (V25 holds 0x7E00 in every
// lane): the NaN lanes are those with bits 9-14 all set.
#define RROUND16_F16 \
	WORD	$0x0e216840 /* FCVTN  V0.4H, V2.4S */; \
	WORD	$0x4e216860 /* FCVTN2 V0.8H, V3.4S */; \
	WORD	$0x0e216881 /* FCVTN  V1.4H, V4.4S */; \
	WORD	$0x4e2168a1 /* FCVTN2 V1.8H, V5.4S */; \
	VAND	V25.B16, V0.B16, V6.B16; \
	VAND	V25.B16, V1.B16, V8.B16; \
	VCMEQ	V25.H8, V6.H8, V6.H8; \
	VCMEQ	V25.H8, V8.H8, V8.H8; \
	VBIT	V6.B16, V25.B16, V0.B16; \
	VBIT	V8.B16, V25.B16, V1.B16

#define RROUND4_F16 \
	WORD	$0x0e216840 /* FCVTN  V0.4H, V2.4S */; \
	VAND	V25.B16, V0.B16, V6.B16; \
	VCMEQ	V25.H8, V6.H8, V6.H8; \
	VBIT	V6.B16, V25.B16, V0.B16

#define RKEEP_V_BF16 RKEEP16_HALF(WIDEN16_BF16, RWIDEN16_BF16, ROUND16_BF16)
#define RKEEP_Q_BF16 RKEEP4_HALF(RX_Q_H, RB_Q_H, RR_Q_H, WIDEN4_BF16, RWIDEN4_BF16, ROUND4_BF16, rk_q)
#define RKEEP_E_BF16 RKEEP4_HALF(RX_E_H, RB_E_H, RR_E_H, WIDEN4_BF16, RWIDEN4_BF16, ROUND4_BF16, rk_e)
#define RKEEP_V_F16 RKEEP16_HALF(WIDEN16_F16, RWIDEN16_F16, RROUND16_F16)
#define RKEEP_Q_F16 RKEEP4_HALF(RX_Q_H, RB_Q_H, RR_Q_H, WIDEN4_F16, RWIDEN4_F16, RROUND4_F16, rk_q)
#define RKEEP_E_F16 RKEEP4_HALF(RX_E_H, RB_E_H, RR_E_H, WIDEN4_F16, RWIDEN4_F16, RROUND4_F16, rk_e)

// RST_*_H store y (V0, V1; the low lanes of V0) to dst (R0,
// post-incremented).
#define RST_V_H VST1.P [V0.H8, V1.H8], 32(R0)
#define RST_Q_H VST1.P [V0.H4], 8(R0)

#define RST_E_H \
	VMOV	V0.H[0], R15; \
	MOVH.P	R15, 2(R0)

// RSELB_*_H store y where the low bits of R8 (the mask word) are set and
// r (V14, V15) elsewhere; lane j of V22, V23 holds 1<<j, 1<<(8+j).
#define RSELB_V_H \
	VDUP	R8, V21.H8; \
	VCMTST	V22.H8, V21.H8, V20.H8; \
	VCMTST	V23.H8, V21.H8, V21.H8; \
	VBSL	V14.B16, V0.B16, V20.B16 /* y where kept, else r */; \
	VBSL	V15.B16, V1.B16, V21.B16; \
	VST1.P	[V20.H8, V21.H8], 32(R0)

#define RSELB_Q_H \
	VDUP	R8, V20.H4; \
	VCMTST	V22.H4, V20.H4, V20.H4; \
	VBSL	V14.B8, V0.B8, V20.B8; \
	VST1.P	[V20.H4], 8(R0)

#define RSELB_E_H \
	VDUP	R8, V20.H4; \
	VCMTST	V22.H4, V20.H4, V20.H4; \
	VBSL	V14.B8, V0.B8, V20.B8; \
	VMOV	V20.H[0], R15; \
	MOVH.P	R15, 2(R0)

// RLDV_*_H load the chunk's v (R6, post-incremented) as its scales
// (V16-V19) and make its float32 lane masks (V20-V23), all ones where
// v != ±0; RSELV_*_H narrow them to the halves' lanes (VUZP1 keeps the low
// 16 bits of each) and store y where they are set, r elsewhere.
#define RLDV_V_H \
	VLD1.P	64(R6), [V16.S4, V17.S4, V18.S4, V19.S4]; \
	VSHL	$1, V16.S4, V20.S4 /* drop v's sign: ±0 → 0 */; \
	VSHL	$1, V17.S4, V21.S4; \
	VSHL	$1, V18.S4, V22.S4; \
	VSHL	$1, V19.S4, V23.S4; \
	VCMTST	V20.S4, V20.S4, V20.S4; \
	VCMTST	V21.S4, V21.S4, V21.S4; \
	VCMTST	V22.S4, V22.S4, V22.S4; \
	VCMTST	V23.S4, V23.S4, V23.S4

#define RLDV_Q_H \
	VLD1.P	16(R6), [V16.S4]; \
	VSHL	$1, V16.S4, V20.S4; \
	VCMTST	V20.S4, V20.S4, V20.S4

#define RLDV_E_H \
	FMOVS.P	4(R6), F16; \
	VSHL	$1, V16.S4, V20.S4; \
	VCMTST	V20.S4, V20.S4, V20.S4

#define RSELV_V_H \
	VUZP1	V21.H8, V20.H8, V6.H8; \
	VUZP1	V23.H8, V22.H8, V7.H8; \
	VBSL	V14.B16, V0.B16, V6.B16 /* y where v != ±0, else r */; \
	VBSL	V15.B16, V1.B16, V7.B16; \
	VST1.P	[V6.H8, V7.H8], 32(R0)

#define RSELV_Q_H \
	VUZP1	V20.H8, V20.H8, V6.H8; \
	VBSL	V14.B8, V0.B8, V6.B8; \
	VST1.P	[V6.H4], 8(R0)

#define RSELV_E_H \
	VUZP1	V20.H8, V20.H8, V6.H8; \
	VBSL	V14.B8, V0.B8, V6.B8; \
	VMOV	V6.H[0], R15; \
	MOVH.P	R15, 2(R0)

// The PRE steps of the half types, as those of float32: RANY_*_H OR the
// float32 lane masks V20-V23 (V20; lane 0 of V20) into R15, V6 and V7 as
// scratch (free until the rounding), R7 clobbered.
#define RSKIP_V_H RSKIP(0xFFFF, RCOPY_32, 32, rc_vnext, rs_v)
#define RSKIP_Q_H RSKIP(0xF, RCOPY_8, 8, rc_qnext, rs_q)
#define RSKIP_E_H RSKIP(1, RCOPY_2, 2, rc_enext, rs_e)

#define RANY_V_H \
	VORR	V21.B16, V20.B16, V6.B16; \
	VORR	V23.B16, V22.B16, V7.B16; \
	VORR	V7.B16, V6.B16, V6.B16; \
	VMOV	V6.D[0], R15; \
	VMOV	V6.D[1], R7; \
	ORR	R7, R15, R15

#define RANY_Q_H \
	VMOV	V20.D[0], R15; \
	VMOV	V20.D[1], R7; \
	ORR	R7, R15, R15

#define RANY_E_H VMOV V20.S[0], R15

#define RPREV_V_H \
	RLDV_V_H; \
	RSKIPV(RANY_V_H, RCOPY_32, 32, rc_vnext, rs_v)

#define RPREV_Q_H \
	RLDV_Q_H; \
	RSKIPV(RANY_Q_H, RCOPY_8, 8, rc_qnext, rs_q)

#define RPREV_E_H \
	RLDV_E_H; \
	RSKIPV(RANY_E_H, RCOPY_2, 2, rc_enext, rs_e)

// RSET_PHILOX_BF16, RSET_PHILOX_F16: RSET_PHILOX_F32 with the half
// types' constants and bit positions.
#define RSET_PHILOX_BF16 \
	VDUP	R24, V16.S4; \
	VDUP	R24, V17.S4; \
	VDUP	R24, V18.S4; \
	VDUP	R24, V19.S4; \
	HALF_CONST_BF16; \
	HALF_BITS_SETUP

#define RSET_PHILOX_F16 \
	VDUP	R24, V16.S4; \
	VDUP	R24, V17.S4; \
	VDUP	R24, V18.S4; \
	VDUP	R24, V19.S4; \
	HALF_CONST_F16; \
	HALF_BITS_SETUP

// func residualPlanesNEONBF16(dst, src, res, bias []BFloat16, bits []uint64, first, plane, n int, s float32)
//
// Equivalent Go: the loop of residualPlanesNEONF32 on the widened elements
// (bf16ToF32) in float32, each kept element rounded once (f32ToBF16), each
// dropped one res's bits.
TEXT ·residualPlanesNEONBF16(SB), NOSPLIT, $0-148
	MOVD	dst_base+0(FP), R0
	MOVD	src_base+24(FP), R1
	MOVD	res_base+48(FP), R26
	MOVD	bias_base+72(FP), R19
	MOVD	bias_len+80(FP), R20
	MOVD	bits_base+96(FP), R2
	MOVD	first+120(FP), R3
	MOVD	plane+128(FP), R4
	MOVD	n+136(FP), R5
	ADD	R3, R5, R5
	MOVD	R0, R21
	FMOVS	s+144(FP), F16
	RSCALE_F32
	HALF_CONST_BF16
	RES_PLANES(1, 16, 4, RKEEP_V_BF16, RKEEP_Q_BF16, RKEEP_E_BF16, RST_V_H, RST_Q_H, RST_E_H)

// func residualRowsNEONBF16(dst, src, res, bias []BFloat16, v []float32)
//
// Equivalent Go: the loop of residualRowsNEONF32 on the widened elements
// in float32, each kept element rounded once, res's bits where v is ±0.
TEXT ·residualRowsNEONBF16(SB), NOSPLIT, $0-120
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R4
	MOVD	src_base+24(FP), R1
	MOVD	res_base+48(FP), R26
	MOVD	bias_base+72(FP), R19
	MOVD	bias_len+80(FP), R11
	MOVD	v_base+96(FP), R2
	MOVD	v_len+104(FP), R3
	HALF_CONST_BF16
	RES_ROWS(1, 16, 4, RPREV_V_H, RKEEP_V_BF16, RSELV_V_H, RPREV_Q_H, RKEEP_Q_BF16, RSELV_Q_H, RPREV_E_H, RKEEP_E_BF16, RSELV_E_H)

// func residualBitsNEONBF16(dst, src, res, bias []BFloat16, bits []uint64, first, phase int, s float32)
//
// Equivalent Go: the loop of residualBitsNEONF32 on the widened elements
// in float32, each kept element rounded once, each dropped one res's bits.
TEXT ·residualBitsNEONBF16(SB), NOSPLIT, $0-140
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R4
	MOVD	src_base+24(FP), R1
	MOVD	res_base+48(FP), R26
	MOVD	bias_base+72(FP), R19
	MOVD	bias_len+80(FP), R11
	MOVD	bits_base+96(FP), R2
	MOVD	first+120(FP), R3
	MOVD	phase+128(FP), R15
	FMOVS	s+136(FP), F16
	RSCALE_F32
	HALF_CONST_BF16
	HALF_BITS_SETUP
	RES_BITS(1, 16, 4, RSKIP_V_H, RSKIP_Q_H, RSKIP_E_H, RKEEP_V_BF16, RKEEP_Q_BF16, RKEEP_E_BF16, RSELB_V_H, RSELB_Q_H, RSELB_E_H)

// func residualPhiloxNEONBF16(dst, src, res, bias []BFloat16, bits []uint64, seed, start uint64, t uint32, phase int, s float32)
//
// Equivalent Go: the loop of residualPhiloxNEONF32 with the elements of
// residualBitsNEONBF16: the same keep words.
TEXT ·residualPhiloxNEONBF16(SB), NOSPLIT, $64-156
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R3
	MOVD	src_base+24(FP), R1
	MOVD	res_base+48(FP), R26
	MOVD	bias_base+72(FP), R7
	MOVD	bias_len+80(FP), R11
	MOVD	bits_base+96(FP), R2 // 0 when bits is nil
	MOVD	seed+120(FP), R12    // k0 = lo32 seed (W12)
	LSR	$32, R12, R13        // k1 = hi32 seed
	MOVD	start+128(FP), R4
	MOVWU	t+136(FP), R5
	MOVD	phase+144(FP), R15
	MOVWU	s+152(FP), R24
	RES_PHILOX(1, RSET_PHILOX_BF16, 16, 4, RSKIP_V_H, RSKIP_Q_H, RSKIP_E_H, RKEEP_V_BF16, RKEEP_Q_BF16, RKEEP_E_BF16, RSELB_V_H, RSELB_Q_H, RSELB_E_H)

// func residualPlanesNEONF16(dst, src, res, bias []Float16, bits []uint64, first, plane, n int, s float32)
//
// Equivalent Go: residualPlanesNEONBF16's with f16ToF32 and f32ToF16.
TEXT ·residualPlanesNEONF16(SB), NOSPLIT, $0-148
	MOVD	dst_base+0(FP), R0
	MOVD	src_base+24(FP), R1
	MOVD	res_base+48(FP), R26
	MOVD	bias_base+72(FP), R19
	MOVD	bias_len+80(FP), R20
	MOVD	bits_base+96(FP), R2
	MOVD	first+120(FP), R3
	MOVD	plane+128(FP), R4
	MOVD	n+136(FP), R5
	ADD	R3, R5, R5
	MOVD	R0, R21
	FMOVS	s+144(FP), F16
	RSCALE_F32
	HALF_CONST_F16
	RES_PLANES(1, 16, 4, RKEEP_V_F16, RKEEP_Q_F16, RKEEP_E_F16, RST_V_H, RST_Q_H, RST_E_H)

// func residualRowsNEONF16(dst, src, res, bias []Float16, v []float32)
//
// Equivalent Go: residualRowsNEONBF16's with f16ToF32 and f32ToF16.
TEXT ·residualRowsNEONF16(SB), NOSPLIT, $0-120
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R4
	MOVD	src_base+24(FP), R1
	MOVD	res_base+48(FP), R26
	MOVD	bias_base+72(FP), R19
	MOVD	bias_len+80(FP), R11
	MOVD	v_base+96(FP), R2
	MOVD	v_len+104(FP), R3
	HALF_CONST_F16
	RES_ROWS(1, 16, 4, RPREV_V_H, RKEEP_V_F16, RSELV_V_H, RPREV_Q_H, RKEEP_Q_F16, RSELV_Q_H, RPREV_E_H, RKEEP_E_F16, RSELV_E_H)

// func residualBitsNEONF16(dst, src, res, bias []Float16, bits []uint64, first, phase int, s float32)
//
// Equivalent Go: residualBitsNEONBF16's with f16ToF32 and f32ToF16.
TEXT ·residualBitsNEONF16(SB), NOSPLIT, $0-140
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R4
	MOVD	src_base+24(FP), R1
	MOVD	res_base+48(FP), R26
	MOVD	bias_base+72(FP), R19
	MOVD	bias_len+80(FP), R11
	MOVD	bits_base+96(FP), R2
	MOVD	first+120(FP), R3
	MOVD	phase+128(FP), R15
	FMOVS	s+136(FP), F16
	RSCALE_F32
	HALF_CONST_F16
	HALF_BITS_SETUP
	RES_BITS(1, 16, 4, RSKIP_V_H, RSKIP_Q_H, RSKIP_E_H, RKEEP_V_F16, RKEEP_Q_F16, RKEEP_E_F16, RSELB_V_H, RSELB_Q_H, RSELB_E_H)

// func residualPhiloxNEONF16(dst, src, res, bias []Float16, bits []uint64, seed, start uint64, t uint32, phase int, s float32)
//
// Equivalent Go: residualPhiloxNEONBF16's with f16ToF32 and f32ToF16.
TEXT ·residualPhiloxNEONF16(SB), NOSPLIT, $64-156
	MOVD	dst_base+0(FP), R0
	MOVD	dst_len+8(FP), R3
	MOVD	src_base+24(FP), R1
	MOVD	res_base+48(FP), R26
	MOVD	bias_base+72(FP), R7
	MOVD	bias_len+80(FP), R11
	MOVD	bits_base+96(FP), R2 // 0 when bits is nil
	MOVD	seed+120(FP), R12    // k0 = lo32 seed (W12)
	LSR	$32, R12, R13        // k1 = hi32 seed
	MOVD	start+128(FP), R4
	MOVWU	t+136(FP), R5
	MOVD	phase+144(FP), R15
	MOVWU	s+152(FP), R24
	RES_PHILOX(1, RSET_PHILOX_F16, 16, 4, RSKIP_V_H, RSKIP_Q_H, RSKIP_E_H, RKEEP_V_F16, RKEEP_Q_F16, RKEEP_E_F16, RSELB_V_H, RSELB_Q_H, RSELB_E_H)

// SUM_ROWS(SH, NV, NQ, ZERO_V, ADD_V, FIN_V, ZERO_Q, ADD_Q, FIN_Q, ADD_E,
// FIN_E) is the body of the sumRows kernels (R0 db, R7 len(db), R1 dx, R9
// len(dx)). Columns [0, m) of db, m = len(dx) mod len(db), have
// len(dx)/len(db)+1 rows (the last one partial) and columns [m, len(db))
// one fewer, so the columns are done as these two regions, each with one
// row count. A region's columns go NV at a time, then NQ, then 1, each
// block's sums in registers: cleared (ZERO: +0, as db is cleared), each
// row of the block added in row order (ADD, the sum the first operand; the
// row's pointer R6 stepped by a row, R2 bytes), then finished (FIN: a NaN
// sum made the default NaN, the half types rounded once) and stored to db
// (R0, post-incremented). R1 is the block's first column in row 0, R3 the
// region's columns left, R4 its rows, R5 the rows left, R8 and R9 the
// second region's columns and rows, R10 whether it is still to do.
#define SUM_ROWS(SH, NV, NQ, ZERO_V, ADD_V, FIN_V, ZERO_Q, ADD_Q, FIN_Q, ADD_E, FIN_E) \
	LSL	$SH, R7, R2 /* a row's bytes */; \
	UDIV	R7, R9, R4 /* whole rows */; \
	MSUB	R7, R9, R4, R3 /* the first region's columns */; \
	SUB	R3, R7, R8 /* the second region's */; \
	MOVD	R4, R9; \
	ADD	$1, R4, R4; \
	MOVD	$1, R10; \
sr_region: \
	CMP	$NV, R3; \
	BLT	sr_q; \
sr_v: \
	ZERO_V; \
	MOVD	R1, R6; \
	MOVD	R4, R5; \
	CBZ	R5, sr_vfin; \
sr_vrow: \
	ADD_V; \
	ADD	R2, R6, R6; \
	SUB	$1, R5, R5; \
	CBNZ	R5, sr_vrow; \
sr_vfin: \
	FIN_V; \
	ADD	$(NV<<SH), R1, R1; \
	SUB	$NV, R3, R3; \
	CMP	$NV, R3; \
	BGE	sr_v; \
sr_q: \
	CMP	$NQ, R3; \
	BLT	sr_e; \
sr_qloop: \
	ZERO_Q; \
	MOVD	R1, R6; \
	MOVD	R4, R5; \
	CBZ	R5, sr_qfin; \
sr_qrow: \
	ADD_Q; \
	ADD	R2, R6, R6; \
	SUB	$1, R5, R5; \
	CBNZ	R5, sr_qrow; \
sr_qfin: \
	FIN_Q; \
	ADD	$(NQ<<SH), R1, R1; \
	SUB	$NQ, R3, R3; \
	CMP	$NQ, R3; \
	BGE	sr_qloop; \
sr_e: \
	CBZ	R3, sr_next; \
sr_eloop: \
	ZERO_Q; \
	MOVD	R1, R6; \
	MOVD	R4, R5; \
	CBZ	R5, sr_efin; \
sr_erow: \
	ADD_E; \
	ADD	R2, R6, R6; \
	SUB	$1, R5, R5; \
	CBNZ	R5, sr_erow; \
sr_efin: \
	FIN_E; \
	ADD	$(1<<SH), R1, R1; \
	SUB	$1, R3, R3; \
	CBNZ	R3, sr_eloop; \
sr_next: \
	CBZ	R10, sr_done; \
	MOVD	ZR, R10; \
	MOVD	R8, R3; \
	MOVD	R9, R4; \
	B	sr_region; \
sr_done: \
	RET

// The sums of sumRows, in V16-V19 (V16 for 4 columns or 1: lane 0 for 1).
// SADD_*: the block's columns of the row at R6 added to the sums, the sum
// the first operand; SFIN_*: the sums, NaN made the default NaN (the half
// types: rounded), stored to db (R0, post-incremented).
#define SZERO_V \
	VEOR	V16.B16, V16.B16, V16.B16; \
	VEOR	V17.B16, V17.B16, V17.B16; \
	VEOR	V18.B16, V18.B16, V18.B16; \
	VEOR	V19.B16, V19.B16, V19.B16

#define SZERO_Q VEOR V16.B16, V16.B16, V16.B16

#define SADD_V_F32 \
	VLD1	(R6), [V0.S4, V1.S4, V2.S4, V3.S4]; \
	WORD	$0x4e20d610 /* FADD V16.4S, V16.4S, V0.4S */; \
	WORD	$0x4e21d631 /* FADD V17.4S, V17.4S, V1.4S */; \
	WORD	$0x4e22d652 /* FADD V18.4S, V18.4S, V2.4S */; \
	WORD	$0x4e23d673 /* FADD V19.4S, V19.4S, V3.4S */

#define SADD_Q_F32 \
	VLD1	(R6), [V0.S4]; \
	WORD	$0x4e20d610 /* FADD V16.4S, V16.4S, V0.4S */

#define SADD_E_F32 \
	FMOVS	(R6), F0; \
	WORD	$0x4e20d610 /* FADD V16.4S, V16.4S, V0.4S */

#define SCANON_V_F32 \
	WORD	$0x4e30e608 /* FCMEQ V8.4S, V16.4S, V16.4S */; \
	WORD	$0x4e31e629 /* FCMEQ V9.4S, V17.4S, V17.4S */; \
	WORD	$0x4e32e64a /* FCMEQ V10.4S, V18.4S, V18.4S */; \
	WORD	$0x4e33e66b /* FCMEQ V11.4S, V19.4S, V19.4S */; \
	VBSL	V30.B16, V16.B16, V8.B16; \
	VBSL	V30.B16, V17.B16, V9.B16; \
	VBSL	V30.B16, V18.B16, V10.B16; \
	VBSL	V30.B16, V19.B16, V11.B16

#define SCANON_Q_F32 \
	WORD	$0x4e30e608 /* FCMEQ V8.4S, V16.4S, V16.4S */; \
	VBSL	V30.B16, V16.B16, V8.B16

#define SFIN_V_F32 \
	SCANON_V_F32; \
	RST_V_F32

#define SFIN_Q_F32 \
	SCANON_Q_F32; \
	RST_Q_F32

#define SFIN_E_F32 \
	SCANON_Q_F32; \
	RST_E_F32

#define SADD_V_F64 \
	VLD1	(R6), [V0.D2, V1.D2, V2.D2, V3.D2]; \
	WORD	$0x4e60d610 /* FADD V16.2D, V16.2D, V0.2D */; \
	WORD	$0x4e61d631 /* FADD V17.2D, V17.2D, V1.2D */; \
	WORD	$0x4e62d652 /* FADD V18.2D, V18.2D, V2.2D */; \
	WORD	$0x4e63d673 /* FADD V19.2D, V19.2D, V3.2D */

#define SADD_Q_F64 \
	VLD1	(R6), [V0.D2]; \
	WORD	$0x4e60d610 /* FADD V16.2D, V16.2D, V0.2D */

#define SADD_E_F64 \
	FMOVD	(R6), F0; \
	WORD	$0x4e60d610 /* FADD V16.2D, V16.2D, V0.2D */

#define SCANON_V_F64 \
	WORD	$0x4e70e608 /* FCMEQ V8.2D, V16.2D, V16.2D */; \
	WORD	$0x4e71e629 /* FCMEQ V9.2D, V17.2D, V17.2D */; \
	WORD	$0x4e72e64a /* FCMEQ V10.2D, V18.2D, V18.2D */; \
	WORD	$0x4e73e66b /* FCMEQ V11.2D, V19.2D, V19.2D */; \
	VBSL	V30.B16, V16.B16, V8.B16; \
	VBSL	V30.B16, V17.B16, V9.B16; \
	VBSL	V30.B16, V18.B16, V10.B16; \
	VBSL	V30.B16, V19.B16, V11.B16

#define SCANON_Q_F64 \
	WORD	$0x4e70e608 /* FCMEQ V8.2D, V16.2D, V16.2D */; \
	VBSL	V30.B16, V16.B16, V8.B16

#define SFIN_V_F64 \
	SCANON_V_F64; \
	RST_V_F64

#define SFIN_Q_F64 \
	SCANON_Q_F64; \
	RST_Q_F64

#define SFIN_E_F64 \
	SCANON_Q_F64; \
	RST_E_F64

// SADD16_HALF(WIDEN16), SADD4_HALF(LD, WIDEN4): the halves widened (the
// type's WIDEN16_* or WIDEN4_*) and added; SFIN16_HALF(ROUND16),
// SFIN4_HALF(ROUND4, ST): the sums moved to V2-V5, rounded by the type's
// rounding, which makes a NaN the rounding of the default NaN, and stored.
#define SADD16_HALF(WIDEN16) \
	VLD1	(R6), [V0.H8, V1.H8]; \
	WIDEN16; \
	WORD	$0x4e22d610 /* FADD V16.4S, V16.4S, V2.4S */; \
	WORD	$0x4e23d631 /* FADD V17.4S, V17.4S, V3.4S */; \
	WORD	$0x4e24d652 /* FADD V18.4S, V18.4S, V4.4S */; \
	WORD	$0x4e25d673 /* FADD V19.4S, V19.4S, V5.4S */

#define SADD4_HALF(LD, WIDEN4) \
	LD; \
	WIDEN4; \
	WORD	$0x4e22d610 /* FADD V16.4S, V16.4S, V2.4S */

#define SFIN16_HALF(ROUND16) \
	VORR	V16.B16, V16.B16, V2.B16; \
	VORR	V17.B16, V17.B16, V3.B16; \
	VORR	V18.B16, V18.B16, V4.B16; \
	VORR	V19.B16, V19.B16, V5.B16; \
	ROUND16; \
	RST_V_H

#define SFIN4_HALF(ROUND4, ST) \
	VORR	V16.B16, V16.B16, V2.B16; \
	ROUND4; \
	ST

#define SLD_Q_H VLD1 (R6), [V0.H4]

#define SLD_E_H \
	MOVHU	(R6), R15; \
	VMOV	R15, V0.H[0]

#define SADD_V_BF16 SADD16_HALF(WIDEN16_BF16)
#define SADD_Q_BF16 SADD4_HALF(SLD_Q_H, WIDEN4_BF16)
#define SADD_E_BF16 SADD4_HALF(SLD_E_H, WIDEN4_BF16)
#define SFIN_V_BF16 SFIN16_HALF(ROUND16_BF16)
#define SFIN_Q_BF16 SFIN4_HALF(ROUND4_BF16, RST_Q_H)
#define SFIN_E_BF16 SFIN4_HALF(ROUND4_BF16, RST_E_H)
#define SADD_V_F16 SADD16_HALF(WIDEN16_F16)
#define SADD_Q_F16 SADD4_HALF(SLD_Q_H, WIDEN4_F16)
#define SADD_E_F16 SADD4_HALF(SLD_E_H, WIDEN4_F16)
#define SFIN_V_F16 SFIN16_HALF(RROUND16_F16)
#define SFIN_Q_F16 SFIN4_HALF(RROUND4_F16, RST_Q_H)
#define SFIN_E_F16 SFIN4_HALF(RROUND4_F16, RST_E_H)


// func sumRowsNEONF32(db, dx []float32)
//
// Equivalent Go:
//
//	clear(db)
//	for r := 0; r < len(dx); r += len(db) {
//		for j, x := range dx[r:min(r+len(db), len(dx))] {
//			db[j] += x // in row order
//		}
//	}
//	for j := range db {
//		db[j] = canonNaN(db[j])
//	}
//
// a block of 16 columns (then 4, then 1) at a time, its sums in registers
// down all the rows (SUM_ROWS).
TEXT ·sumRowsNEONF32(SB), NOSPLIT, $0-48
	RCONST_F32
	MOVD	db_base+0(FP), R0
	MOVD	db_len+8(FP), R7
	MOVD	dx_base+24(FP), R1
	MOVD	dx_len+32(FP), R9
	SUM_ROWS(2, 16, 4, SZERO_V, SADD_V_F32, SFIN_V_F32, SZERO_Q, SADD_Q_F32, SFIN_Q_F32, SADD_E_F32, SFIN_E_F32)

// func sumRowsNEONF64(db, dx []float64)
//
// Equivalent Go: the loop of sumRowsNEONF32 with float64 elements, 8 columns, then 2, then 1 at a time, with float64 sums.
TEXT ·sumRowsNEONF64(SB), NOSPLIT, $0-48
	RCONST_F64
	MOVD	db_base+0(FP), R0
	MOVD	db_len+8(FP), R7
	MOVD	dx_base+24(FP), R1
	MOVD	dx_len+32(FP), R9
	SUM_ROWS(3, 8, 2, SZERO_V, SADD_V_F64, SFIN_V_F64, SZERO_Q, SADD_Q_F64, SFIN_Q_F64, SADD_E_F64, SFIN_E_F64)

// func sumRowsNEONBF16(db, dx []BFloat16)
//
// Equivalent Go: the loop of sumRowsNEONF32 with float32 sums of the
// widened elements, each rounded once at the end (f32ToBF16).
TEXT ·sumRowsNEONBF16(SB), NOSPLIT, $0-48
	HALF_CONST_BF16
	MOVD	db_base+0(FP), R0
	MOVD	db_len+8(FP), R7
	MOVD	dx_base+24(FP), R1
	MOVD	dx_len+32(FP), R9
	SUM_ROWS(1, 16, 4, SZERO_V, SADD_V_BF16, SFIN_V_BF16, SZERO_Q, SADD_Q_BF16, SFIN_Q_BF16, SADD_E_BF16, SFIN_E_BF16)

// func sumRowsNEONF16(db, dx []Float16)
//
// Equivalent Go: sumRowsNEONBF16's with f16ToF32 and f32ToF16.
TEXT ·sumRowsNEONF16(SB), NOSPLIT, $0-48
	HALF_CONST_F16
	MOVD	db_base+0(FP), R0
	MOVD	db_len+8(FP), R7
	MOVD	dx_base+24(FP), R1
	MOVD	dx_len+32(FP), R9
	SUM_ROWS(1, 16, 4, SZERO_V, SADD_V_F16, SFIN_V_F16, SZERO_Q, SADD_Q_F16, SFIN_Q_F16, SADD_E_F16, SFIN_E_F16)
