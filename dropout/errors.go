package dropout

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"unsafe"
)

// Every error returned by this package wraps one of these, so callers can
// test the class with errors.Is; the message names the bad value.
var (
	ErrProbability = errors.New("probability outside [0, 1]")
	ErrShape       = errors.New("invalid shape")
	ErrLength      = errors.New("length does not match the shape")
	ErrOverlap     = errors.New("buffers overlap but are not the same slice")
	ErrMask        = errors.New("mask does not match")
	ErrMode        = errors.New("unknown mode")
	ErrKernel      = errors.New("kernel path not available")
	ErrLayer       = errors.New("layer not made by a New function")
	ErrOption      = errors.New("option does not fit the call")
)

// maxRank is the largest tensor rank any operation accepts.
const maxRank = 8

func checkP(op string, p float64) error {
	if !(p >= 0 && p <= 1) { // NaN fails both
		return fmt.Errorf("dropout: %s: p = %v: %w", op, p, ErrProbability)
	}
	return nil
}

// elements returns the product of dims, or an error naming a negative dimension
// or an element count that overflows int. shape is cloned before it is
// formatted, so it never escapes (a caller's []int{...} literal stays on the
// stack).
func elements(op string, shape []int) (int, error) {
	n, zero := uint(1), false
	for i, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("dropout: %s: shape %v: dim %d is %d: %w", op, slices.Clone(shape), i, d, ErrShape)
		}
		hi, lo := bits.Mul(n, uint(d))
		if hi != 0 || lo > math.MaxInt {
			// Saturate: only a later zero dim can bring it back.
			lo = math.MaxInt + 1
		}
		n, zero = lo, zero || d == 0
	}
	if zero {
		return 0, nil
	}
	if n > math.MaxInt {
		return 0, fmt.Errorf("dropout: %s: shape %v: element count overflows int: %w", op, slices.Clone(shape), ErrShape)
	}
	return int(n), nil
}

func checkLen(op, name string, got, want int, shape []int) error {
	if got != want {
		return fmt.Errorf("dropout: %s: len(%s) = %d, want %d for shape %v: %w", op, name, got, want, slices.Clone(shape), ErrLength)
	}
	return nil
}

// checkAlias reports an error when a and b (of equal length) share memory
// without being the same slice. Equal first elements with equal lengths is
// the in-place case and is allowed.
func checkAlias[T Float](op, na, nb string, a, b []T) error {
	if len(a) == 0 || len(b) == 0 {
		return nil
	}
	pa, pb, overlap := overlaps(a, b)
	if pa == pb && len(a) == len(b) {
		return nil
	}
	if overlap {
		return fmt.Errorf("dropout: %s: %s [%#x, +%d) and %s [%#x, +%d): %w", op, na, pa, len(a), nb, pb, len(b), ErrOverlap)
	}
	return nil
}

// overlaps returns the addresses of a and b (both non-empty) and whether
// they share memory.
func overlaps[T Float](a, b []T) (pa, pb uintptr, overlap bool) {
	pa = uintptr(unsafe.Pointer(unsafe.SliceData(a)))
	pb = uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	size := unsafe.Sizeof(a[0])
	return pa, pb, pa < pb+uintptr(len(b))*size && pb < pa+uintptr(len(a))*size
}
