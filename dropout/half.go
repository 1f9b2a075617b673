package dropout

import (
	"math"
	"unsafe"
)

// BFloat16 holds the bits of a bfloat16 number: the top half of a float32
// (sign, 8 exponent bits, 7 fraction bits). Every op, Backward, Mask and
// Layer accepts it; a kept element is widened to float32 exactly, multiplied
// once by the float32 scale, and rounded once back as c10::BFloat16 rounds
// (to nearest, ties to even; every NaN becomes 0x7FC0).
type BFloat16 uint16

// Float16 holds the bits of an IEEE 754 binary16 number (sign, 5 exponent
// bits, 10 fraction bits). A kept element is widened to float32 exactly,
// multiplied once by the float32 scale, and rounded once back to nearest,
// ties to even, with subnormals kept, overflow to ±Inf and NaN to a quiet
// NaN of the same sign (0x7E00 or 0xFE00).
type Float16 uint16

// Float is the set of element types of every op, Backward and Layer.
type Float interface {
	float32 | float64 | BFloat16 | Float16
}

// Float32 returns the value of h, exactly.
func (h BFloat16) Float32() float32 { return bf16ToF32(uint16(h)) }

// Float32 returns the value of h, exactly.
func (h Float16) Float32() float32 { return f16ToF32(uint16(h)) }

// BFloat16From rounds f to the nearest bfloat16 as the kernels do (ties to
// even, NaN to 0x7FC0).
func BFloat16From(f float32) BFloat16 { return BFloat16(f32ToBF16(f)) }

// Float16From rounds f to the nearest binary16 as the kernels do (ties to
// even, subnormals kept, overflow to ±Inf, NaN to a quiet NaN of f's sign).
func Float16From(f float32) Float16 { return Float16(f32ToF16(f)) }

// BFloat16s views a slice of another package's 16-bit bfloat16 type (gomlx's
// bfloat16.BFloat16, a []uint16 …) as a []BFloat16, sharing its memory: no
// copy, so an op writes the caller's tensor in place.
func BFloat16s[U ~uint16](x []U) []BFloat16 {
	return unsafe.Slice((*BFloat16)(unsafe.Pointer(unsafe.SliceData(x))), len(x))
}

// Float16s views a slice of another package's 16-bit binary16 type
// (x448/float16's Float16, gomlx's float16, a []uint16 …) as a []Float16,
// sharing its memory.
func Float16s[U ~uint16](x []U) []Float16 {
	return unsafe.Slice((*Float16)(unsafe.Pointer(unsafe.SliceData(x))), len(x))
}

// Half-precision rounding (DESIGN.md, "Half precision"): the value of a
// bfloat16 or binary16 element is widened to float32 exactly, and a float32
// result is rounded once to the half type, to nearest with ties to even.
// Nothing is flushed to zero.

// bf16ToF32 widens bfloat16 bits to the float32 of the same value.
func bf16ToF32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// f32ToBF16 rounds f to bfloat16 as c10::BFloat16 does: to nearest, ties
// to even, by adding 0x7FFF plus the lowest kept bit and dropping the low
// 16 bits (a carry into the exponent rounds up to the next binade or to
// ±Inf); every NaN becomes 0x7FC0.
func f32ToBF16(f float32) uint16 {
	u := math.Float32bits(f)
	if u&0x7FFFFFFF > 0x7F800000 {
		return 0x7FC0
	}
	return uint16((u + 0x7FFF + (u >> 16 & 1)) >> 16)
}

// f16ToF32 widens IEEE binary16 bits to the float32 of the same value,
// subnormals, infinities and NaNs (quiet, payload kept in the top bits)
// included.
func f16ToF32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h >> 10 & 0x1F)
	man := uint32(h & 0x3FF)
	switch {
	case exp == 0x1F: // Inf or NaN
		return math.Float32frombits(sign | 0x7F800000 | man<<13)
	case exp != 0: // normal: rebias 15 → 127
		return math.Float32frombits(sign | (exp+112)<<23 | man<<13)
	case man == 0:
		return math.Float32frombits(sign) // ±0
	}
	// Subnormal: man·2⁻²⁴, exact in float32.
	v := float32(man) * 0x1p-24
	return math.Float32frombits(sign | math.Float32bits(v))
}

// f32ToF16 rounds f to IEEE binary16: to nearest, ties to even, with
// subnormal results kept (down to 2⁻²⁴), overflow to ±Inf (from 65520 in
// magnitude), and NaN to a quiet NaN with f's sign.
func f32ToF16(f float32) uint16 {
	u := math.Float32bits(f)
	sign := uint16(u >> 16 & 0x8000)
	exp := int(u >> 23 & 0xFF)
	man := u & 0x7FFFFF
	if exp == 0xFF {
		if man != 0 {
			return sign | 0x7E00
		}
		return sign | 0x7C00
	}
	e := exp - 127 + 15 // binary16 biased exponent
	if e >= 31 {
		return sign | 0x7C00
	}
	m := man | 0x800000 // 24 significant bits; a float32 subnormal is far below 2⁻²⁵
	shift := uint(13)   // normal: 24 → 11 bits
	if e <= 0 {         // subnormal: the exponent is pinned at 2⁻¹⁴
		shift = uint(14 - e)
		if exp == 0 || shift > 24 {
			return sign // below half the least subnormal (or exactly half: even is 0)
		}
		e = 0
	}
	kept, rest, half := m>>shift, m&(1<<shift-1), uint32(1)<<(shift-1)
	if rest > half || rest == half && kept&1 == 1 {
		kept++ // may carry into the exponent, up to 0x7C00 (Inf): right
	}
	if e == 0 {
		return sign | uint16(kept) // kept has no implicit bit
	}
	return sign | (uint16(e)<<10 + uint16(kept-0x400))
}
