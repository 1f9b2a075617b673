package main

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/simdrop/simdrop/dropout"
)

// Dropout2dOp is channel dropout as an op on gonum matrices. A batch of N
// samples with C channels of H×W is a *mat.Dense of N·C rows and H·W
// columns: row n·C+c is channel c of sample n, the row-major N×C×H×W layout
// that simdrop reads. Each row is zeroed with probability p, and the kept
// rows are scaled by 1/(1−p).
//
// The op is a thin wrapper around a dropout.Layer[float64], which keeps the
// mask of the last Forward for Backward and allocates nothing in steady
// state. A matrix whose rows are contiguous is handed to the Layer as its
// backing slice; a view with a larger stride goes through a packed copy.
type Dropout2dOp struct {
	layer    *dropout.Layer[float64]
	channels int
	packed   mat.Dense // scratch for views
}

// NewDropout2dOp returns the op for tensors of the given number of channels,
// dropping with probability p and drawing from g (nil: simdrop's default
// generator). It starts in training mode.
func NewDropout2dOp(channels int, p float64, g *dropout.Generator) (*Dropout2dOp, error) {
	if channels <= 0 {
		return nil, fmt.Errorf("Dropout2dOp: %d channels", channels)
	}
	l, err := dropout.NewDropout2d[float64](p, g)
	if err != nil {
		return nil, err
	}
	return &Dropout2dOp{layer: l, channels: channels}, nil
}

// Train and Eval switch the op between dropping and the identity.
func (op *Dropout2dOp) Train() { op.layer.Train() }
func (op *Dropout2dOp) Eval()  { op.layer.Eval() }

// Mask is the mask of the last Forward: Kept(n·C+c) tells whether channel c
// of sample n was kept.
func (op *Dropout2dOp) Mask() *dropout.Mask { return op.layer.Mask() }

// Forward writes dst = dropout2d(src). dst must have src's dimensions, or be
// empty, and may be src itself.
func (op *Dropout2dOp) Forward(dst, src *mat.Dense) error {
	rows, cols := src.Dims()
	if rows%op.channels != 0 {
		return fmt.Errorf("Dropout2dOp: %d rows is not a whole number of samples of %d channels", rows, op.channels)
	}
	if err := fit(dst, rows, cols); err != nil {
		return err
	}
	shape := []int{rows / op.channels, op.channels, 1, cols} // N, C, H·W as one row
	return op.apply(dst, src, func(d, s []float64) error { return op.layer.Forward(d, s, shape) })
}

// Backward writes dx, the gradient of the last Forward's input, from dy,
// the gradient of its output: dy·1/(1−p) in the kept rows, 0 in the others.
// dx must have dy's dimensions, or be empty, and may be dy itself.
func (op *Dropout2dOp) Backward(dx, dy *mat.Dense) error {
	rows, cols := dy.Dims()
	if err := fit(dx, rows, cols); err != nil {
		return err
	}
	return op.apply(dx, dy, func(d, s []float64) error { return op.layer.Backward(d, s) })
}

// apply runs f on the backing slices of dst and src when both are
// contiguous, and on a packed copy of src otherwise.
func (op *Dropout2dOp) apply(dst, src *mat.Dense, f func(d, s []float64) error) error {
	if s, ok := contiguous(src); ok {
		if d, ok := contiguous(dst); ok {
			return f(d, s)
		}
	}
	op.packed.Reset()
	op.packed.CloneFrom(src)
	p, _ := contiguous(&op.packed)
	if err := f(p, p); err != nil {
		return err
	}
	dst.Copy(&op.packed)
	return nil
}

// contiguous returns the elements of m in row-major order without a copy,
// when its rows follow each other in memory.
func contiguous(m *mat.Dense) ([]float64, bool) {
	raw := m.RawMatrix()
	if raw.Stride != raw.Cols && raw.Rows > 1 {
		return nil, false
	}
	return raw.Data[:raw.Rows*raw.Cols], true
}

// fit sizes an empty m to r×c, or checks that m is r×c.
func fit(m *mat.Dense, r, c int) error {
	if m.IsEmpty() {
		m.ReuseAs(r, c)
		return nil
	}
	if mr, mc := m.Dims(); mr != r || mc != c {
		return fmt.Errorf("Dropout2dOp: destination is %d×%d, want %d×%d", mr, mc, r, c)
	}
	return nil
}
