// Package gorgoniadrop makes simdrop's dropout family nodes of a gorgonia
// expression graph (gorgonia.org/gorgonia v0.9.18).
//
// Each constructor applies an *Op to a float32 or float64 tensor node and
// returns the output node. The op is a gorgonia.SDOp (its SymDiff adds a
// backward node that runs dropout.Backward with the forward's mask), a
// gorgonia.TrainModeOp (a TapeMachine made with gorgonia.EvalMode() turns
// it into the identity) and a gorgonia.UsePreallocDoer. Its masks come from
// a dropout.Generator, whose State and SetState checkpoint and resume them.
//
//	y, err := gorgoniadrop.Dropout2d(x, 0.2, dropout.NewGenerator(seed))
package gorgoniadrop

import (
	"errors"
	"fmt"
	"hash"
	"hash/fnv"
	"sync/atomic"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/simdrop/simdrop/dropout"
)

// kind is the member of the dropout family an Op runs.
type kind int

const (
	kDropout kind = iota
	kDropout1d
	kDropout2d
	kDropout3d
	kDropout1dNLC
	kDropout2dNHWC
	kDropout3dNDHWC
	kAlphaDropout
	kStochasticDepth
	kDropBlock2d
)

var kindNames = [...]string{
	kDropout:         "Dropout",
	kDropout1d:       "Dropout1d",
	kDropout2d:       "Dropout2d",
	kDropout3d:       "Dropout3d",
	kDropout1dNLC:    "Dropout1dNLC",
	kDropout2dNHWC:   "Dropout2dNHWC",
	kDropout3dNDHWC:  "Dropout3dNDHWC",
	kAlphaDropout:    "AlphaDropout",
	kStochasticDepth: "StochasticDepth",
	kDropBlock2d:     "DropBlock2d",
}

// ErrInput is wrapped by the errors of an Op given a value it cannot run
// on: not a dense, contiguous float32 or float64 tensor.
var ErrInput = errors.New("gorgoniadrop: unsupported input")

// nextID numbers ops, so that no two nodes of a graph share an op's hash:
// gorgonia merges nodes with equal hashes and children.
var nextID atomic.Uint64

// An Op is one dropout node of a graph. It keeps the Mask of its last
// forward call (one Mask per op, reused with dropout.Into) for the backward
// node that SymDiff adds. An Op is not safe for concurrent use: it belongs to
// one node, run by one machine at a time.
type Op struct {
	id          uint64
	kind        kind
	p           float64
	blockSize   int               // DropBlock2d
	mode        dropout.DepthMode // StochasticDepth
	scaleByKeep bool              // StochasticDepth
	g           *dropout.Generator

	training bool
	mask     dropout.Mask
	masked   bool // the last forward ran in training mode: mask holds its draw

	// The last UsePreallocDo in training mode, for a Do that repeats it (see
	// Do): its inputs slice, its output and the generator state it left.
	pendingArgs *G.Value
	pendingOut  G.Value
	pendingSt   dropout.State

	// badBackward makes the backward scale kept gradients by 1/p instead of
	// 1/(1−p): gorgonia's defect, for the tests' negative control only.
	badBackward bool
}

var (
	_ G.SDOp            = (*Op)(nil)
	_ G.TrainModeOp     = (*Op)(nil)
	_ G.UsePreallocDoer = (*Op)(nil)
	_ G.UsePreallocDoer = (*backwardOp)(nil)
)

func newOp(k kind, p float64, g *dropout.Generator) (*Op, error) {
	if !(p >= 0 && p <= 1) {
		return nil, fmt.Errorf("gorgoniadrop: %s: p = %v, want 0 ≤ p ≤ 1: %w", kindNames[k], p, dropout.ErrProbability)
	}
	if g == nil {
		g = dropout.DefaultGenerator()
	}
	return &Op{id: nextID.Add(1), kind: k, p: p, g: g, training: true}, nil
}

func apply(o *Op, err error, x *G.Node) (*G.Node, error) {
	if err != nil {
		return nil, err
	}
	return G.ApplyOp(o, x)
}

// Dropout applies elementwise dropout (dropout.Dropout) to x, any shape.
// A nil g is dropout.DefaultGenerator().
func Dropout(x *G.Node, p float64, g *dropout.Generator) (*G.Node, error) {
	o, err := newOp(kDropout, p, g)
	return apply(o, err, x)
}

// Dropout1d applies dropout.Dropout1d to x of shape [N, C, L] or [C, L].
func Dropout1d(x *G.Node, p float64, g *dropout.Generator) (*G.Node, error) {
	o, err := newOp(kDropout1d, p, g)
	return apply(o, err, x)
}

// Dropout2d applies dropout.Dropout2d to x of shape [N, C, H, W] or
// [C, H, W]: each channel plane is zeroed with probability p, the kept ones
// are scaled by 1/(1−p).
func Dropout2d(x *G.Node, p float64, g *dropout.Generator) (*G.Node, error) {
	o, err := newOp(kDropout2d, p, g)
	return apply(o, err, x)
}

// Dropout3d applies dropout.Dropout3d to x of shape [N, C, D, H, W] or
// [C, D, H, W].
func Dropout3d(x *G.Node, p float64, g *dropout.Generator) (*G.Node, error) {
	o, err := newOp(kDropout3d, p, g)
	return apply(o, err, x)
}

// Dropout1dNLC applies dropout.Dropout1dNLC to x of shape [N, L, C] or [L, C].
func Dropout1dNLC(x *G.Node, p float64, g *dropout.Generator) (*G.Node, error) {
	o, err := newOp(kDropout1dNLC, p, g)
	return apply(o, err, x)
}

// Dropout2dNHWC applies dropout.Dropout2dNHWC to x of shape [N, H, W, C] or
// [H, W, C].
func Dropout2dNHWC(x *G.Node, p float64, g *dropout.Generator) (*G.Node, error) {
	o, err := newOp(kDropout2dNHWC, p, g)
	return apply(o, err, x)
}

// Dropout3dNDHWC applies dropout.Dropout3dNDHWC to x of shape
// [N, D, H, W, C] or [D, H, W, C].
func Dropout3dNDHWC(x *G.Node, p float64, g *dropout.Generator) (*G.Node, error) {
	o, err := newOp(kDropout3dNDHWC, p, g)
	return apply(o, err, x)
}

// AlphaDropout applies dropout.AlphaDropout (SELU networks) to x, any shape.
func AlphaDropout(x *G.Node, p float64, g *dropout.Generator) (*G.Node, error) {
	o, err := newOp(kAlphaDropout, p, g)
	return apply(o, err, x)
}

// StochasticDepth applies dropout.StochasticDepth to x of shape [N, ...]:
// mode dropout.Row drops whole samples, dropout.Batch the whole tensor.
func StochasticDepth(x *G.Node, p float64, mode dropout.DepthMode, scaleByKeep bool, g *dropout.Generator) (*G.Node, error) {
	if mode != dropout.Row && mode != dropout.Batch {
		return nil, fmt.Errorf("gorgoniadrop: StochasticDepth: mode %q: %w", string(mode), dropout.ErrMode)
	}
	o, err := newOp(kStochasticDepth, p, g)
	if o != nil {
		o.mode, o.scaleByKeep = mode, scaleByKeep
	}
	return apply(o, err, x)
}

// DropBlock2d applies dropout.DropBlock2d to x of shape [N, C, H, W].
func DropBlock2d(x *G.Node, p float64, blockSize int, g *dropout.Generator) (*G.Node, error) {
	if blockSize < 1 {
		return nil, fmt.Errorf("gorgoniadrop: DropBlock2d: block size %d, want at least 1: %w", blockSize, dropout.ErrShape)
	}
	o, err := newOp(kDropBlock2d, p, g)
	if o != nil {
		o.blockSize = blockSize
	}
	return apply(o, err, x)
}

// OpOf returns the Op of a node made by this package.
func OpOf(n *G.Node) (*Op, bool) {
	if n == nil {
		return nil, false
	}
	o, ok := n.Op().(*Op)
	return o, ok
}

// Generator returns the generator the op draws its masks from.
func (o *Op) Generator() *dropout.Generator { return o.g }

// Mask returns the mask of the last forward call in training mode (empty
// before the first one). It is reused by the next call.
func (o *Op) Mask() *dropout.Mask { return &o.mask }

// P returns the drop probability.
func (o *Op) P() float64 { return o.p }

// SetTraining switches between training (the default) and evaluation, where
// the op is the identity; gorgonia's machines call it when they are made.
func (o *Op) SetTraining(training bool) error { o.training = training; return nil }

// Training reports whether the op is in training mode.
func (o *Op) Training() bool { return o.training }

// Arity is 1.
func (o *Op) Arity() int { return 1 }

// Type is a → a.
func (o *Op) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a)
}

// InferShape returns the input's shape.
func (o *Op) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 1 {
		return nil, fmt.Errorf("gorgoniadrop: %s: %d inputs, want 1", o, len(ds))
	}
	s, ok := ds[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("gorgoniadrop: %s: input shape %v is not a tensor.Shape", o, ds[0])
	}
	return s.Clone(), nil
}

// ReturnsPtr is false: the output is a new value, never the input.
func (o *Op) ReturnsPtr() bool { return false }

// CallsExtern is false.
func (o *Op) CallsExtern() bool { return false }

// OverwritesInput is -1: the input is not overwritten.
func (o *Op) OverwritesInput() int { return -1 }

// WriteHash writes the op's identity, unique to this op.
func (o *Op) WriteHash(h hash.Hash) { fmt.Fprint(h, o.String()) }

// Hashcode is the FNV-1a hash of WriteHash's output.
func (o *Op) Hashcode() uint32 {
	h := fnv.New32a()
	o.WriteHash(h)
	return h.Sum32()
}

// String names the op, its parameters and its id.
func (o *Op) String() string {
	switch o.kind {
	case kStochasticDepth:
		return fmt.Sprintf("simdrop.%s#%d{p=%v, mode=%s, scaleByKeep=%v}", kindNames[o.kind], o.id, o.p, o.mode, o.scaleByKeep)
	case kDropBlock2d:
		return fmt.Sprintf("simdrop.%s#%d{p=%v, blockSize=%d}", kindNames[o.kind], o.id, o.p, o.blockSize)
	}
	return fmt.Sprintf("simdrop.%s#%d{p=%v}", kindNames[o.kind], o.id, o.p)
}

// DiffWRT is [true]: the op is differentiable with respect to its input.
func (o *Op) DiffWRT(inputs int) []bool { return []bool{true} }

// SymDiff adds the backward node: dx = dropout.Backward(dy, mask). The node
// reads the forward's output too, so that it runs after the forward even
// when the gradient does not depend on it.
func (o *Op) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("gorgoniadrop: %s: %d inputs, want 1", o, len(inputs))
	}
	dx, err := G.ApplyOp(&backwardOp{fwd: o}, output, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}

// Do runs the op into a new tensor of the input's shape. In training mode it
// draws a mask, once per step: when it follows a UsePreallocDo on the same
// inputs slice (gorgonia's ExternalOp.Do calls UsePreallocDo and then Do)
// and the generator has not moved since, it returns that call's output
// without drawing again.
func (o *Op) Do(inputs ...G.Value) (G.Value, error) {
	x, err := o.input(inputs)
	if err != nil {
		return nil, err
	}
	if o.training && o.pendingArgs != nil && o.pendingArgs == &inputs[0] && o.g.State() == o.pendingSt {
		out := o.pendingOut
		o.clearPending()
		return out, nil
	}
	o.clearPending()
	out := tensor.New(tensor.WithShape(x.Shape().Clone()...), tensor.Of(x.Dtype()))
	if err := o.forward(out, x); err != nil {
		return nil, err
	}
	return out, nil
}

// UsePreallocDo runs the op into prealloc, a dense tensor of the input's
// shape and type, and returns it.
func (o *Op) UsePreallocDo(prealloc G.Value, inputs ...G.Value) (G.Value, error) {
	o.clearPending()
	x, err := o.input(inputs)
	if err != nil {
		return nil, err
	}
	out, err := denseLike(prealloc, x, o, "prealloc")
	if err != nil {
		return nil, err
	}
	if err := o.forward(out, x); err != nil {
		return nil, err
	}
	if o.training {
		o.pendingArgs, o.pendingOut, o.pendingSt = &inputs[0], prealloc, o.g.State()
	}
	return prealloc, nil
}

func (o *Op) clearPending() { o.pendingArgs, o.pendingOut = nil, nil }

func (o *Op) input(inputs []G.Value) (*tensor.Dense, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("gorgoniadrop: %s: %d inputs, want 1: %w", o, len(inputs), ErrInput)
	}
	return dense(inputs[0], o, "input")
}

// forward writes dst from x: the family member in training mode, a copy in
// evaluation mode.
func (o *Op) forward(dst, x *tensor.Dense) error {
	if !o.training {
		o.masked = false
		copyData(dst, x)
		return nil
	}
	var err error
	if x.Dtype() == tensor.Float32 {
		err = run(o, dst.Float32s(), x.Float32s(), x.Shape())
	} else {
		err = run(o, dst.Float64s(), x.Float64s(), x.Shape())
	}
	o.masked = err == nil
	return err
}

func run[T float32 | float64](o *Op, dst, src []T, shape []int) error {
	into := dropout.Into(&o.mask)
	var err error
	switch o.kind {
	case kDropout:
		_, err = dropout.Dropout(dst, src, shape, o.p, o.g, into)
	case kDropout1d:
		_, err = dropout.Dropout1d(dst, src, shape, o.p, o.g, into)
	case kDropout2d:
		_, err = dropout.Dropout2d(dst, src, shape, o.p, o.g, into)
	case kDropout3d:
		_, err = dropout.Dropout3d(dst, src, shape, o.p, o.g, into)
	case kDropout1dNLC:
		_, err = dropout.Dropout1dNLC(dst, src, shape, o.p, o.g, into)
	case kDropout2dNHWC:
		_, err = dropout.Dropout2dNHWC(dst, src, shape, o.p, o.g, into)
	case kDropout3dNDHWC:
		_, err = dropout.Dropout3dNDHWC(dst, src, shape, o.p, o.g, into)
	case kAlphaDropout:
		_, err = dropout.AlphaDropout(dst, src, shape, o.p, o.g, into)
	case kStochasticDepth:
		_, err = dropout.StochasticDepth(dst, src, shape, o.p, o.mode, o.scaleByKeep, o.g, into)
	case kDropBlock2d:
		_, err = dropout.DropBlock2d(dst, src, shape, o.p, o.blockSize, o.g, into)
	default:
		err = fmt.Errorf("gorgoniadrop: unknown op kind %d", o.kind)
	}
	return err
}

// backwardOp is the gradient node of an Op: inputs (y, dy), output dx.
type backwardOp struct {
	fwd *Op
}

func (b *backwardOp) Arity() int { return 2 }

func (b *backwardOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a, a)
}

func (b *backwardOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 2 {
		return nil, fmt.Errorf("gorgoniadrop: %s: %d inputs, want 2", b, len(ds))
	}
	s, ok := ds[1].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("gorgoniadrop: %s: gradient shape %v is not a tensor.Shape", b, ds[1])
	}
	return s.Clone(), nil
}

func (b *backwardOp) ReturnsPtr() bool     { return false }
func (b *backwardOp) CallsExtern() bool    { return false }
func (b *backwardOp) OverwritesInput() int { return -1 }
func (b *backwardOp) WriteHash(h hash.Hash) {
	fmt.Fprint(h, b.String())
}

func (b *backwardOp) Hashcode() uint32 {
	h := fnv.New32a()
	b.WriteHash(h)
	return h.Sum32()
}

func (b *backwardOp) String() string { return "∂" + b.fwd.String() }

// Do computes dx into a new tensor.
func (b *backwardOp) Do(inputs ...G.Value) (G.Value, error) {
	dy, err := b.grad(inputs)
	if err != nil {
		return nil, err
	}
	dx := tensor.New(tensor.WithShape(dy.Shape().Clone()...), tensor.Of(dy.Dtype()))
	if err := b.backward(dx, dy); err != nil {
		return nil, err
	}
	return dx, nil
}

// UsePreallocDo computes dx into prealloc. It draws nothing, so running it
// and then Do gives the same result.
func (b *backwardOp) UsePreallocDo(prealloc G.Value, inputs ...G.Value) (G.Value, error) {
	dy, err := b.grad(inputs)
	if err != nil {
		return nil, err
	}
	dx, err := denseLike(prealloc, dy, b, "prealloc")
	if err != nil {
		return nil, err
	}
	if err := b.backward(dx, dy); err != nil {
		return nil, err
	}
	return prealloc, nil
}

func (b *backwardOp) grad(inputs []G.Value) (*tensor.Dense, error) {
	if len(inputs) != 2 {
		return nil, fmt.Errorf("gorgoniadrop: %s: %d inputs, want 2: %w", b, len(inputs), ErrInput)
	}
	return dense(inputs[1], b, "gradient")
}

// backward is dropout.Backward with the forward's mask, or a copy when the
// forward ran in evaluation mode (the identity).
func (b *backwardOp) backward(dx, dy *tensor.Dense) error {
	o := b.fwd
	if !o.masked {
		copyData(dx, dy)
		return nil
	}
	var err error
	if dy.Dtype() == tensor.Float32 {
		d := dx.Float32s()
		if err = dropout.Backward(d, dy.Float32s(), &o.mask); err == nil && o.badBackward {
			for i := range d {
				d[i] *= float32((1 - o.p) / o.p)
			}
		}
	} else {
		d := dx.Float64s()
		if err = dropout.Backward(d, dy.Float64s(), &o.mask); err == nil && o.badBackward {
			for i := range d {
				d[i] *= (1 - o.p) / o.p
			}
		}
	}
	return err
}

// dense returns v as a dense, contiguous float32 or float64 tensor.
func dense(v G.Value, op fmt.Stringer, what string) (*tensor.Dense, error) {
	t, ok := v.(*tensor.Dense)
	if !ok {
		return nil, fmt.Errorf("gorgoniadrop: %s: %s is a %T, want a *tensor.Dense: %w", op, what, v, ErrInput)
	}
	if t.Dtype() != tensor.Float32 && t.Dtype() != tensor.Float64 {
		return nil, fmt.Errorf("gorgoniadrop: %s: %s has type %v, want float32 or float64: %w", op, what, t.Dtype(), ErrInput)
	}
	if t.IsScalar() {
		return nil, fmt.Errorf("gorgoniadrop: %s: %s is a scalar, want a tensor: %w", op, what, ErrInput)
	}
	if t.RequiresIterator() {
		return nil, fmt.Errorf("gorgoniadrop: %s: %s is not contiguous: %w", op, what, ErrInput)
	}
	return t, nil
}

// denseLike returns v as a dense tensor of like's type and shape.
func denseLike(v G.Value, like *tensor.Dense, op fmt.Stringer, what string) (*tensor.Dense, error) {
	t, err := dense(v, op, what)
	if err != nil {
		return nil, err
	}
	if t.Dtype() != like.Dtype() || !t.Shape().Eq(like.Shape()) {
		return nil, fmt.Errorf("gorgoniadrop: %s: %s is %v %v, want %v %v: %w", op, what, t.Dtype(), t.Shape(), like.Dtype(), like.Shape(), ErrInput)
	}
	return t, nil
}

func copyData(dst, src *tensor.Dense) {
	if src.Dtype() == tensor.Float32 {
		copy(dst.Float32s(), src.Float32s())
	} else {
		copy(dst.Float64s(), src.Float64s())
	}
}
