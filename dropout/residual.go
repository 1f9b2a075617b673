package dropout

import (
	"fmt"
	"slices"
	"unsafe"
)

// Fused residual dropout: y = residual + dropout(x + bias) in one pass over
// memory (three streams: x, residual, y) instead of a dropout pass and an
// add pass (five). Kept elements are ((x ⊕ b) ⊗ s) ⊕ r, each operation
// rounded once in that order (for the half types in float32, then one
// rounding to the type); dropped elements are r, copied, with x not read.

// Residual makes a call compute dst = residual + op(src + bias): the op's
// kept elements become ((src ⊕ bias) ⊗ s) ⊕ residual, each operation one
// rounding in that order, and its dropped elements become residual, src not
// read. bias is broadcast along the last dim (len(bias) must be the shape's
// last dim) or nil for none (then kept elements are (src ⊗ s) ⊕ residual;
// note that a zero bias is not quite none: −0 + 0 is +0). residual has the
// tensor's length; dst may be residual itself (accumulating in place) or
// src, and bias must not overlap dst. T must be the op's element type.
// Backward of such a call is the op's own (dx = dy·s where kept, the
// gradient of residual is dy itself); BiasGrad adds the bias gradient.
// Every op but the alpha-dropout ones takes it, and Layer.Forward too.
func Residual[T Float](residual, bias []T) Option {
	return Option{res: resid{
		set: true, kind: kindOf[T](),
		r: unsafe.Pointer(unsafe.SliceData(residual)), nr: len(residual),
		b: unsafe.Pointer(unsafe.SliceData(bias)), nb: len(bias), hasBias: bias != nil,
	}}
}

// BiasGrad makes Backward also write db, the gradient of a bias broadcast
// along the last dim: db[j] = Σ over the rows of dx of dx[row][j], summed in
// row order in T's precision (float32 for the half types, then rounded
// once), so every path and every goroutine count gives the same bits.
// len(db) must be the tensor's last dim; db must not overlap dx or dy.
// Backward and Layer.Backward take it.
func BiasGrad[T Float](db []T) Option {
	return Option{grad: biasGrad{set: true, kind: kindOf[T](), p: unsafe.Pointer(unsafe.SliceData(db)), n: len(db)}}
}

// resid is a Residual option's slices, untyped until the call checks T.
type resid struct {
	set, hasBias bool
	kind         elemKind
	r, b         unsafe.Pointer
	nr, nb       int
}

// biasGrad is a BiasGrad option's slice.
type biasGrad struct {
	set  bool
	kind elemKind
	p    unsafe.Pointer
	n    int
}

// residualOf returns the residual and bias slices of x for element type T.
func residualOf[T Float](x *resid) (r, b []T) {
	r = unsafe.Slice((*T)(x.r), x.nr)
	if x.hasBias {
		b = unsafe.Slice((*T)(x.b), x.nb)
	}
	return r, b
}

var kindNames = [...]string{kindF32: "float32", kindF64: "float64", kindBF16: "BFloat16", kindF16: "Float16"}

// checkResidual validates a Residual option for a call of op o on T.
func checkResidual[T Float](o *op, x *resid, dst, src []T, shape []int, numel int) error {
	if o.alpha {
		return fmt.Errorf("dropout: %s: Residual: alpha dropout has no fused residual form: %w", o.name, ErrOption)
	}
	if x.kind != kindOf[T]() {
		return fmt.Errorf("dropout: %s: Residual of %s for a %s call: %w", o.name, kindNames[x.kind], kindNames[kindOf[T]()], ErrOption)
	}
	r, b := residualOf[T](x)
	if err := checkLen(o.name, "residual", len(r), numel, shape); err != nil {
		return err
	}
	if x.hasBias {
		last := 0
		if len(shape) > 0 {
			last = shape[len(shape)-1]
		}
		if len(b) != last || len(shape) == 0 {
			return fmt.Errorf("dropout: %s: len(bias) = %d, want the last dim %d of shape %v: %w", o.name, len(b), last, slices.Clone(shape), ErrLength)
		}
		if err := checkDisjoint(o.name, "bias", "dst", b, dst); err != nil {
			return err
		}
	}
	if err := checkAlias(o.name, "dst", "residual", dst, r); err != nil {
		return err
	}
	return checkAlias(o.name, "src", "residual", src, r)
}

// checkBiasGrad validates a BiasGrad option for Backward under m.
func checkBiasGrad[T Float](x *biasGrad, dx, dy []T, m *Mask) error {
	const op = "Backward"
	if x.kind != kindOf[T]() {
		return fmt.Errorf("dropout: %s: BiasGrad of %s for %s gradients: %w", op, kindNames[x.kind], kindNames[kindOf[T]()], ErrOption)
	}
	db := unsafe.Slice((*T)(x.p), x.n)
	last := 0
	if m.rank > 0 {
		last = m.shape[m.rank-1]
	}
	if m.rank == 0 || len(db) != last {
		return fmt.Errorf("dropout: %s: len(db) = %d, want the last dim %d of the mask's shape %v: %w", op, len(db), last, m.Shape(), ErrLength)
	}
	if err := checkDisjoint(op, "db", "dx", db, dx); err != nil {
		return err
	}
	return checkDisjoint(op, "db", "dy", db, dy)
}

// checkDisjoint reports an error when a and b share any memory.
func checkDisjoint[T Float](op, na, nb string, a, b []T) error {
	if len(a) == 0 || len(b) == 0 {
		return nil
	}
	if pa, pb, overlap := overlaps(a, b); overlap {
		return fmt.Errorf("dropout: %s: %s [%#x, +%d) and %s [%#x, +%d) overlap: %w", op, na, pa, len(a), nb, pb, len(b), ErrOverlap)
	}
	return nil
}
