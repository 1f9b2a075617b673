package dropout

import "fmt"

// A Layer is a member of the dropout family as a training-loop layer, like
// PyTorch's torch.nn.Dropout2d or AlphaDropout: it keeps the mask of its last
// Forward for Backward, and is the identity in evaluation mode. After the first call on a
// shape, Forward and Backward allocate nothing.
//
// A Layer is not safe for concurrent use; its Generator may be shared.
//
// Make a Layer with one of the New functions. A nil *Layer or a zero Layer
// has no operation: Forward, Backward and the setters return an error
// wrapping ErrLayer, and the getters return zero values (P 0, Training
// false, Mask nil).
type Layer[T Float] struct {
	o         *op
	p         float64
	gen       *Generator
	training  bool
	ready     bool // mask holds the last Forward
	regen     bool // elementwise Dropout: keep no mask bits
	blockSize int  // DropBlock
	mask      Mask
}

// NewDropout1d returns a Dropout1d layer in training mode drawing from g
// (nil: the DefaultGenerator). The error wraps ErrProbability.
func NewDropout1d[T Float](p float64, g *Generator) (*Layer[T], error) {
	return newLayer[T](&opDropout1d, p, g)
}

// NewDropout2d returns a Dropout2d layer in training mode drawing from g
// (nil: the DefaultGenerator). The error wraps ErrProbability.
func NewDropout2d[T Float](p float64, g *Generator) (*Layer[T], error) {
	return newLayer[T](&opDropout2d, p, g)
}

// NewDropout3d returns a Dropout3d layer in training mode drawing from g
// (nil: the DefaultGenerator). The error wraps ErrProbability.
func NewDropout3d[T Float](p float64, g *Generator) (*Layer[T], error) {
	return newLayer[T](&opDropout3d, p, g)
}

// NewAlphaDropout returns an AlphaDropout layer in training mode.
func NewAlphaDropout[T Float](p float64, g *Generator) (*Layer[T], error) {
	return newLayer[T](&opAlphaDropout, p, g)
}

// NewFeatureAlphaDropout returns a FeatureAlphaDropout layer in training mode.
func NewFeatureAlphaDropout[T Float](p float64, g *Generator) (*Layer[T], error) {
	return newLayer[T](&opFeatureAlphaDropout, p, g)
}

// NewStochasticDepth returns a StochasticDepth layer in training mode; the
// error wraps ErrProbability or ErrMode.
func NewStochasticDepth[T Float](p float64, mode DepthMode, scaleByKeep bool, g *Generator) (*Layer[T], error) {
	o, err := depthOp(mode, scaleByKeep)
	if err != nil {
		return nil, err
	}
	return newLayer[T](o, p, g)
}

// SetChannelsLast switches a Dropout1d/2d/3d layer to channels-last tensors
// (NLC, NHWC, NDHWC: Dropout1dNLC, Dropout2dNHWC, Dropout3dNDHWC) or back.
// Other layers have no layout to switch: the error wraps ErrMode.
func (l *Layer[T]) SetChannelsLast(on bool) error {
	if err := l.check("SetChannelsLast"); err != nil {
		return err
	}
	pairs := [][2]*op{
		{&opDropout1d, &opDropout1dNLC},
		{&opDropout2d, &opDropout2dNHWC},
		{&opDropout3d, &opDropout3dNDHWC},
	}
	for _, pr := range pairs {
		if l.o == pr[0] || l.o == pr[1] {
			l.o = pr[0]
			if on {
				l.o = pr[1]
			}
			return nil
		}
	}
	return fmt.Errorf("dropout: %s layer: no channels-last form: %w", l.o.name, ErrMode)
}

func newLayer[T Float](o *op, p float64, g *Generator) (*Layer[T], error) {
	if err := checkP(o.name, p); err != nil {
		return nil, err
	}
	if g == nil {
		g = defaultGenerator
	}
	return &Layer[T]{o: o, p: p, gen: g, training: true}, nil
}

// check returns an error wrapping ErrLayer for a nil or zero Layer, which
// has no operation to run.
func (l *Layer[T]) check(method string) error {
	if l == nil || l.o == nil {
		return fmt.Errorf("dropout: %s of a nil or zero Layer: use NewDropout2d or another New function: %w", method, ErrLayer)
	}
	return nil
}

// P returns the drop probability (0 for a nil Layer).
func (l *Layer[T]) P() float64 {
	if l == nil {
		return 0
	}
	return l.p
}

// SetP changes the drop probability for later Forward calls. The error wraps
// ErrProbability and leaves p unchanged.
func (l *Layer[T]) SetP(p float64) error {
	if err := l.check("SetP"); err != nil {
		return err
	}
	if err := checkP(l.o.name, p); err != nil {
		return err
	}
	l.p = p
	return nil
}

// Train switches the layer to training mode (the default): Forward drops.
// It does nothing to a nil Layer.
func (l *Layer[T]) Train() {
	if l != nil {
		l.training = true
	}
}

// Eval switches the layer to evaluation mode: Forward is the identity (a
// copy, or nothing in place), draws no randomness and records a mask that
// keeps everything, so a Backward after it is the identity too. Eval does
// not touch the mask of an earlier Forward: Backward after a training
// Forward and then Eval still applies that Forward's mask, as a training
// loop that switches modes between the two passes needs.
func (l *Layer[T]) Eval() {
	if l != nil {
		l.training = false
	}
}

// Training reports whether the layer is in training mode.
func (l *Layer[T]) Training() bool { return l != nil && l.training }

// Forward applies the layer to src, writing dst, with the contract of the
// layer's function (Dropout2d for a NewDropout2d layer). The mask is kept for
// Backward; in evaluation mode it keeps every feature. A Forward that fails
// changes nothing: dst, the generator and the mask of the last successful
// Forward (and so Mask and Backward) stay as they were.
//
// The options may hold a Residual (dst = residual + layer(src + bias); in
// evaluation mode dst = residual + (src + bias)); any other Option is an
// error wrapping ErrOption.
func (l *Layer[T]) Forward(dst, src []T, shape []int, options ...Option) error {
	if err := l.check("Forward"); err != nil {
		return err
	}
	p := l.p
	if !l.training {
		p = 0
	}
	x := opts{regen: l.regen, blockSize: l.blockSize}
	for i := range options {
		o := &options[i]
		if o.into != nil || o.isPart || o.grad.set {
			return fmt.Errorf("dropout: %s layer: Forward takes only a Residual option: %w", l.o.name, ErrOption)
		}
		if o.res.set {
			x.res = &o.res
		}
	}
	// forward checks everything before it touches the mask, so an error
	// leaves the last successful Forward's mask in place.
	if err := forward(l.o, &l.mask, dst, src, shape, p, l.gen, x); err != nil {
		return err
	}
	l.ready = true
	return nil
}

// Backward writes dx, the gradient of the last successful Forward's input,
// from dy, the gradient of its output. It is an error before any successful
// Forward, or when the lengths differ from that Forward's tensor.
//
// A BiasGrad option also writes the bias gradient, as for the function
// Backward.
func (l *Layer[T]) Backward(dx, dy []T, options ...Option) error {
	if err := l.check("Backward"); err != nil {
		return err
	}
	if !l.ready {
		return fmt.Errorf("dropout: %s layer: Backward before a successful Forward: %w", l.o.name, ErrMask)
	}
	return Backward(dx, dy, &l.mask, options...)
}

// Mask returns the mask of the last successful Forward, or nil. It is reused
// by the next Forward: clone what you keep with Mask.Clone.
func (l *Layer[T]) Mask() *Mask {
	if l == nil || !l.ready {
		return nil
	}
	return &l.mask
}
