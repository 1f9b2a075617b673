package dropout

import "fmt"

// Dropout is elementwise dropout, PyTorch's torch.nn.functional.dropout in
// training mode: each element is dropped (+0, its input not read) with
// probability p and kept ones are scaled by 1/(1−p), with the scale and the
// error contract of Dropout2d. shape has rank 1 to 8.
//
// Element i (in memory order) is feature i of the call's bit-plane stream
// (see the package doc): dropped iff u_i < min(round(p·2³²), 2³²−1); the
// call reserves 16·ceil(numel/64) blocks of g. The decisions are made inside
// the kernel, 64 elements at a time, in the same pass that scales and
// stores, so no buffer of random numbers is ever made; the mask keeps one bit
// per element for Backward (PyTorch keeps a byte).
func Dropout[T Float](dst, src []T, shape []int, p float64, g *Generator, options ...Option) (*Mask, error) {
	return call(&opDropout, dst, src, shape, nil, p, g, options)
}

// DropoutNoMask is Dropout keeping no mask bits: Backward and Mask.Kept
// regenerate the decisions from the generator blocks the call used, trading
// a second pass of random-number generation for the mask's memory.
func DropoutNoMask[T Float](dst, src []T, shape []int, p float64, g *Generator, options ...Option) (*Mask, error) {
	return callWith(&opDropout, dst, src, shape, p, g, opts{regen: true}, options)
}

// DropConnect drops individual weights of a rows×cols weight matrix w for
// one forward pass (Wan et al., 2013): dst = w·m/(1−p) with an elementwise
// Bernoulli mask m, as Dropout on shape [rows, cols]. Use dst as the layer's
// weights for the pass; Backward(dW, dWdst, mask) turns the gradient with
// respect to dst into the gradient with respect to w. See the example for a
// linear layer.
func DropConnect[T Float](dst, w []T, rows, cols int, p float64, g *Generator, options ...Option) (*Mask, error) {
	return call(&opDropConnect, dst, w, []int{rows, cols}, nil, p, g, options)
}

// NewDropout returns an elementwise Dropout layer in training mode, keeping
// one mask bit per element (see SetNoMask).
func NewDropout[T Float](p float64, g *Generator) (*Layer[T], error) {
	return newLayer[T](&opDropout, p, g)
}

// SetNoMask makes an elementwise Dropout layer keep no mask bits and
// regenerate its decisions in Backward (as DropoutNoMask), or go back to
// keeping them. Other layers' masks are one bit per feature already: the
// error wraps ErrMode.
func (l *Layer[T]) SetNoMask(on bool) error {
	if err := l.check("SetNoMask"); err != nil {
		return err
	}
	if !l.o.fused {
		return fmt.Errorf("dropout: %s layer: SetNoMask is for elementwise Dropout: %w", l.o.name, ErrMode)
	}
	l.regen = on
	return nil
}
