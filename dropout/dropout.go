package dropout

import (
	"fmt"
	"slices"
	"unsafe"
)

// channel describes one channel-dropout operation: its name and the number of
// spatial dims after N, C.
type channel struct {
	op      string
	spatial int
	layout  string // for messages, e.g. "(N,C,H,W)"
}

var (
	dropout1d = channel{"Dropout1d", 1, "(N,C,L) or (C,L)"}
	dropout2d = channel{"Dropout2d", 2, "(N,C,H,W) or (C,H,W)"}
	dropout3d = channel{"Dropout3d", 3, "(N,C,D,H,W) or (C,D,H,W)"}
)

// Dropout1d zeroes whole channels of a batch of sequences, as PyTorch's
// torch.nn.functional.dropout1d: see Dropout2d. shape is [N, C, L], or
// [C, L] for one unbatched sample.
func Dropout1d[T float32 | float64](dst, src []T, shape []int, p float64, g *Generator) (*Mask, error) {
	m := new(Mask)
	if err := forward(dropout1d, m, dst, src, shape, p, g); err != nil {
		return nil, err
	}
	return m, nil
}

// Dropout2d zeroes each channel plane of an N×C×H×W tensor with probability p
// and scales the kept planes by 1/(1−p), as PyTorch's
// torch.nn.functional.dropout2d in training mode, writing the result to dst.
//
// shape is [N, C, H, W], or [C, H, W] for one unbatched sample (C features;
// unlike PyTorch, a 3-D shape is never read as (N, C, L)). Both slices hold
// the tensor contiguously in that order and have its length; dst may be src
// itself (in place) but may not otherwise overlap it. Any dimension may be 0.
//
// Feature i (i = n·C + c) is dropped iff draw i of the call's Philox stream is
// below round(p·2³²); the call reserves ceil(N·C/4) blocks of g (nil: the
// package's DefaultGenerator). Kept values are src·s with s =
// float32(1)/float32(1−p) for float32 — bit-identical to PyTorch — and
// 1/(1−p) for float64; dropped ones are +0 and their inputs are not read, so
// NaN or Inf there does not propagate. p = 0 copies, p = 1 zeroes, and neither
// draws from g.
//
// The returned Mask feeds Backward. On error nothing is written and g is
// untouched; the error wraps ErrProbability, ErrShape, ErrLength or
// ErrOverlap and names the bad value.
func Dropout2d[T float32 | float64](dst, src []T, shape []int, p float64, g *Generator) (*Mask, error) {
	m := new(Mask)
	if err := forward(dropout2d, m, dst, src, shape, p, g); err != nil {
		return nil, err
	}
	return m, nil
}

// Dropout3d zeroes whole channels of a batch of volumes, as PyTorch's
// torch.nn.functional.dropout3d: see Dropout2d. shape is [N, C, D, H, W], or
// [C, D, H, W] for one unbatched sample.
func Dropout3d[T float32 | float64](dst, src []T, shape []int, p float64, g *Generator) (*Mask, error) {
	m := new(Mask)
	if err := forward(dropout3d, m, dst, src, shape, p, g); err != nil {
		return nil, err
	}
	return m, nil
}

// plan checks shape against the operation and returns the element count, the
// number of features (N·C) and the elements per feature.
func (c channel) plan(shape []int) (numel, feats, plane int, err error) {
	r := len(shape)
	if r != c.spatial+2 && r != c.spatial+1 {
		return 0, 0, 0, fmt.Errorf("dropout: %s: shape %v has rank %d, want %d or %d: %s: %w",
			c.op, slices.Clone(shape), r, c.spatial+2, c.spatial+1, c.layout, ErrShape)
	}
	numel, err = elements(c.op, shape)
	if err != nil || numel == 0 {
		return 0, 0, 0, err
	}
	plane = 1
	for _, d := range shape[r-c.spatial:] {
		plane *= d
	}
	return numel, numel / plane, plane, nil
}

// forward validates everything, then draws m and writes dst. Nothing is
// written and no randomness is used unless every check passes.
func forward[T float32 | float64](c channel, m *Mask, dst, src []T, shape []int, p float64, g *Generator) error {
	if err := checkP(c.op, p); err != nil {
		return err
	}
	numel, feats, plane, err := c.plan(shape)
	if err != nil {
		return err
	}
	if err := checkLen(c.op, "src", len(src), numel, shape); err != nil {
		return err
	}
	if err := checkLen(c.op, "dst", len(dst), numel, shape); err != nil {
		return err
	}
	if err := checkAlias(c.op, "dst", "src", dst, src); err != nil {
		return err
	}
	if g == nil {
		g = defaultGenerator
	}
	m.reset(c.op, shape, numel, feats, plane, p)
	m.draw(g)
	apply(m, dst, src)
	return nil
}

// Backward computes the gradient of a dropout call from the gradient of its
// output: dx = dy·s where m kept the feature, +0 where it dropped it, with the
// forward call's scale s for element type T. It is the forward kernel run
// with m's decisions, so it also applies a recorded mask to another tensor of
// the same shape. dx may be dy itself but may not otherwise overlap it.
//
// len(dx) and len(dy) must equal m.Len(); otherwise, or for a nil m, the
// error wraps ErrMask (or ErrOverlap) and nothing is written.
func Backward[T float32 | float64](dx, dy []T, m *Mask) error {
	const op = "Backward"
	if m == nil {
		return fmt.Errorf("dropout: %s: nil mask: %w", op, ErrMask)
	}
	if len(dy) != m.numel || len(dx) != m.numel {
		return fmt.Errorf("dropout: %s: len(dx) = %d, len(dy) = %d, want %d for the mask of %s of shape %v: %w",
			op, len(dx), len(dy), m.numel, m.op, m.Shape(), ErrMask)
	}
	if err := checkAlias(op, "dx", "dy", dx, dy); err != nil {
		return err
	}
	apply(m, dx, dy)
	return nil
}

// apply writes dst from src under m's decisions; all checks are done.
func apply[T float32 | float64](m *Mask, dst, src []T) {
	switch {
	case m.numel == 0:
	case m.p == 0:
		copy(dst, src) // a no-op in place
	case m.p == 1:
		clear(dst)
	default:
		f32, f64 := current().scalePlanesFor(len(dst)*int(unsafe.Sizeof(dst[0])), unsafe.SliceData(dst) == unsafe.SliceData(src))
		if isFloat32[T]() {
			f32(as[float32](dst), as[float32](src), m.bits, 0, m.plane, m.feats, scale32(m.p))
		} else {
			f64(as[float64](dst), as[float64](src), m.bits, 0, m.plane, m.feats, scale64(m.p))
		}
	}
}

// scale32 is PyTorch's float32 scale: 1−p rounded to float32, then a float32
// divide. It differs from float32(1/(1−p)) for about a quarter of all p.
func scale32(p float64) float32 { return float32(1) / float32(1-p) }

// scale64 is the float64 scale.
func scale64(p float64) float64 { return 1 / (1 - p) }

func isFloat32[T float32 | float64]() bool {
	var z T
	return unsafe.Sizeof(z) == 4
}

// as reinterprets a []T as the identical []U (T and U are the same type; the
// caller checked with isFloat32). It avoids an interface conversion, which
// could allocate.
func as[U, T float32 | float64](x []T) []U {
	return unsafe.Slice((*U)(unsafe.Pointer(unsafe.SliceData(x))), len(x))
}
