package gomlx_test

import (
	"fmt"
	"unsafe"

	"github.com/gomlx/gomlx/pkg/core/dtypes/bfloat16"
	"github.com/simdrop/simdrop/dropout"
	"github.com/x448/float16"
)

// A gomlx bfloat16 tensor's flat data and an x448/float16 slice go to the
// ops as they are: dropout.BFloat16s and dropout.Float16s view them as the
// package's half types, sharing their memory, so the op reads and writes
// the caller's own slice — one pass, no widening copy.
func Example_halfPrecisionSlices() {
	shape := []int{2, 8, 4, 4} // N, C, H, W
	n := 2 * 8 * 4 * 4

	act := make([]bfloat16.BFloat16, n) // e.g. tensors.CopyFlatData's slice
	for i := range act {
		act[i] = bfloat16.FromFloat32(float32(i%7) - 3)
	}
	in := append([]bfloat16.BFloat16(nil), act...)
	view := dropout.BFloat16s(act)
	m, err := dropout.Dropout2d(view, view, shape, 0.5, dropout.NewGenerator(1))
	if err != nil {
		panic(err)
	}
	fmt.Println("same memory:", unsafe.SliceData(view) == (*dropout.BFloat16)(unsafe.Pointer(unsafe.SliceData(act))))
	fmt.Println("bf16: kept ×2, dropped 0:", scaledOrZero(in, act, m, 16, bfloat16.BFloat16.Float32))

	h := make([]float16.Float16, n)
	for i := range h {
		h[i] = float16.Fromfloat32(float32(i%5) * 0.25)
	}
	hin := append([]float16.Float16(nil), h...)
	hv := dropout.Float16s(h)
	m, err = dropout.Dropout2d(hv, hv, shape, 0.5, dropout.NewGenerator(2))
	if err != nil {
		panic(err)
	}
	fmt.Println("f16: kept ×2, dropped 0:", scaledOrZero(hin, h, m, 16, float16.Float16.Float32))
	// Output:
	// same memory: true
	// bf16: kept ×2, dropped 0: true
	// f16: kept ×2, dropped 0: true
}

// scaledOrZero reports whether every plane of out is its plane of in times
// 2 (p = 0.5: exact in every format) where m kept it and +0 where it did not.
func scaledOrZero[T ~uint16](in, out []T, m *dropout.Mask, plane int, f32 func(T) float32) bool {
	for i := range out {
		if m.Kept(i/plane) && f32(out[i]) != 2*f32(in[i]) || !m.Kept(i/plane) && out[i] != 0 {
			return false
		}
	}
	return true
}
