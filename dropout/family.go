package dropout

import "fmt"

// Dropout1dNLC is Dropout1d for channels-last tensors, Keras'
// SpatialDropout1D with data_format "channels_last": shape is [N, L, C], or
// [L, C] for one sample. Feature i is still i = n·C + c, so a seed drops the
// same channels as Dropout1d on the same tensor in (N, C, L) layout.
func Dropout1dNLC[T Float](dst, src []T, shape []int, p float64, g *Generator, options ...Option) (*Mask, error) {
	return call(&opDropout1dNLC, dst, src, shape, nil, p, g, options)
}

// Dropout2dNHWC is Dropout2d for channels-last tensors, Keras'
// SpatialDropout2D with data_format "channels_last": shape is [N, H, W, C],
// or [H, W, C] for one sample. Feature i is still i = n·C + c, so a seed
// drops the same channels as Dropout2d on the same tensor in NCHW layout.
func Dropout2dNHWC[T Float](dst, src []T, shape []int, p float64, g *Generator, options ...Option) (*Mask, error) {
	return call(&opDropout2dNHWC, dst, src, shape, nil, p, g, options)
}

// Dropout3dNDHWC is Dropout3d for channels-last tensors, Keras'
// SpatialDropout3D with data_format "channels_last": shape is
// [N, D, H, W, C], or [D, H, W, C] for one sample; features as Dropout3d's.
func Dropout3dNDHWC[T Float](dst, src []T, shape []int, p float64, g *Generator, options ...Option) (*Mask, error) {
	return call(&opDropout3dNDHWC, dst, src, shape, nil, p, g, options)
}

// PositionDropout2d drops spatial positions instead of channels: one draw per
// (n, h, w) of an [N, C, H, W] tensor ([C, H, W] for one sample), and every
// channel of a dropped position becomes +0. Kept values are scaled as in
// Dropout2d. For channels-last data use DropoutBroadcast with noise shape
// [N, H, W, 1].
func PositionDropout2d[T Float](dst, src []T, shape []int, p float64, g *Generator, options ...Option) (*Mask, error) {
	return call(&opPositionDropout2d, dst, src, shape, nil, p, g, options)
}

// DropoutBroadcast is dropout with an explicit noise shape, as TensorFlow's
// noise_shape or Flax's broadcast_dims: one decision per element of noise,
// broadcast along the dims where noise is 1. noise has shape's rank (1 to 8)
// and each of its dims is 1 or equal to shape's. Decisions are drawn in
// row-major order of the noise shape, 16·ceil(features/64) blocks of g, so a
// seed gives the same mask whatever the memory layout. Kept values are
// scaled by 1/(1−p) as in Dropout2d; dropped ones are +0 and not read.
//
// Dropout2d is DropoutBroadcast with noise [N, C, 1, 1]; Dropout2dNHWC with
// [N, 1, 1, C]; PositionDropout2d with [N, 1, H, W].
func DropoutBroadcast[T Float](dst, src []T, shape, noise []int, p float64, g *Generator, options ...Option) (*Mask, error) {
	return call(&opBroadcast, dst, src, shape, noise, p, g, options)
}

// DepthMode selects how StochasticDepth draws: torchvision's mode argument.
type DepthMode string

const (
	// Row draws once per sample (dim 0): each sample's residual branch is
	// kept or dropped whole.
	Row DepthMode = "row"
	// Batch draws once for the whole tensor.
	Batch DepthMode = "batch"
)

// StochasticDepth drops whole residual branches, as torchvision's
// ops.stochastic_depth in training mode: with mode Row each sample of the
// [N, ...] tensor (rank 1 to 8) is zeroed with probability p, with Batch the
// whole tensor is. Kept samples are scaled by 1/(1−p) when scaleByKeep is
// true (torchvision's behaviour; timm's scale_by_keep), and left as they are
// (multiplied by 1) when it is false. An unknown mode is an error wrapping
// ErrMode.
func StochasticDepth[T Float](dst, src []T, shape []int, p float64, mode DepthMode, scaleByKeep bool, g *Generator, options ...Option) (*Mask, error) {
	o, err := depthOp(mode, scaleByKeep)
	if err != nil {
		return nil, err
	}
	return call(o, dst, src, shape, nil, p, g, options)
}

func depthOp(mode DepthMode, scaleByKeep bool) (*op, error) {
	sk := 0
	if scaleByKeep {
		sk = 1
	}
	switch mode {
	case Row:
		return &opStochasticDepth[0][sk], nil
	case Batch:
		return &opStochasticDepth[1][sk], nil
	}
	return nil, fmt.Errorf("dropout: StochasticDepth: mode %q, want %q or %q: %w", string(mode), Row, Batch, ErrMode)
}

// AlphaDropout is PyTorch's torch.nn.functional.alpha_dropout in training
// mode, for SELU networks: each element is dropped with probability p and
// the result keeps zero mean and unit variance. With α = 1.7580993408473766
// and a = 1/√((α²p + 1)(1 − p)), a kept x becomes x·a + α·a·p and a dropped
// one is set to −α·a + α·a·p (its input is not read), evaluated in T as
// PyTorch evaluates them (a rounded multiply, then a rounded add). p = 0
// copies; p = 1 gives +0 everywhere. shape has rank 1 to 8; one decision per
// element, so Features() is the element count. Backward gives dx = dy·a
// where kept, +0 where dropped.
func AlphaDropout[T Float](dst, src []T, shape []int, p float64, g *Generator, options ...Option) (*Mask, error) {
	return call(&opAlphaDropout, dst, src, shape, nil, p, g, options)
}

// FeatureAlphaDropout is AlphaDropout with one decision per channel, as
// PyTorch's feature_alpha_dropout: shape is [N, C, ...] (rank 2 to 8) and
// each (n, c) is kept or dropped whole.
func FeatureAlphaDropout[T Float](dst, src []T, shape []int, p float64, g *Generator, options ...Option) (*Mask, error) {
	return call(&opFeatureAlphaDropout, dst, src, shape, nil, p, g, options)
}
