// Package dropout implements the dropout family of neural-network layers as
// fast, exact, reproducible kernels on plain Go slices: channel-wise dropout
// (Dropout1d, Dropout2d and Dropout3d are PyTorch's
// torch.nn.functional.dropout1d/2d/3d in training mode, and their
// channels-last forms Keras' SpatialDropout), elementwise Dropout and
// DropConnect, PositionDropout2d, StochasticDepth, AlphaDropout and
// FeatureAlphaDropout, DropBlock2d and DropBlock3d, and DropoutBroadcast for
// any noise shape.
//
// Other Go libraries have parts of the family (elementwise dropout in
// gorgonia, spago and gomlx; DropPath and DropBlock without rescaling in
// gomlx; channel dropout through a full-size float mask in zerfoo); none has
// SIMD kernels, PyTorch's exact scale, one-bit masks, or a counter-based
// stream that gives the same mask on every path.
//
// # Contract
//
// Each op draws one keep decision per element of a noise shape (for channel
// dropout, one per channel of each sample: a feature) and broadcasts it over
// the other dims. A feature is dropped with probability p:
// its elements become +0 and are not read. Kept elements are multiplied by
// s = float32(1)/float32(1−p) for float32 tensors — exactly PyTorch's scale,
// so kept values are bit-identical to PyTorch's for the same mask — and by
// 1/(1−p) for float64. p = 0 copies and p = 1 zeroes, and neither draws
// randomness. Backward applies a forward call's Mask to a gradient; a Layer
// wraps forward, backward and the train/eval switch for a training loop and
// allocates nothing in steady state.
//
// # Half precision
//
// Every op, Backward, Mask and Layer also takes BFloat16 and Float16
// tensors (uint16 bit patterns; BFloat16s and Float16s view another
// package's uint16 half types, such as gomlx's bfloat16.BFloat16 or
// x448/float16's Float16, without a copy). A kept element is widened to
// float32 exactly, multiplied once by the float32 scale s, and rounded once
// to the half type, to nearest with ties to even: bfloat16 as
// c10::BFloat16 rounds (every NaN becomes 0x7FC0), binary16 as IEEE with
// subnormals kept, overflow to ±Inf and NaN to a quiet NaN of the same
// sign. Nothing is flushed to zero; dropped elements are +0. This is
// PyTorch's CUDA dropout for half types; PyTorch's CPU dropout rounds the
// scale to the half type first, so its kept values differ from simdrop's
// where 1/(1−p) is not exact in that type (p = 0.5 and 0.75 agree). Alpha
// dropout computes (float32(x)·a)+b in float32, two roundings, then one
// to the half type.
//
// Differences from PyTorch: NaN or Inf in a dropped channel gives +0
// (PyTorch gives NaN, since it multiplies by a zero mask), and so does a
// dropped negative value (PyTorch: −0), in forward and backward; a 3-D input
// to Dropout2d is always (C, H, W), never PyTorch's deprecated (N, C, L)
// reading, and 2-D or 5-D input is an error rather than a warning; 0-dim
// tensors and ranks above 8 are errors; the mask costs one bit per feature.
// The README's tables list the rest, DropBlock's included.
//
// # Randomness
//
// A Generator is Philox4x32-10 keyed by a 64-bit seed and read in 128-bit
// blocks. The F features of a call (row-major over the noise shape: N, C
// for channel dropout) are cut into groups of 64; the call reserves 16
// blocks per group, 16·ceil(F/64), with one atomic add. The group's blocks
// hold 32 bit planes of 64 bits (plane 2k is words 0 and 1 of its block k,
// plane 2k+1 words 2 and 3), and feature i's 32-bit number u_i is bit i%64
// of planes 0..31, most significant first; it is dropped iff u_i < t with
// t = min(round(p·2³²), 2³²−1), so P(drop) = t/2³² exactly. The kernels
// decide 64 features at once from the top plane down and stop as soon as
// every one differs from t: about 4 of a group's 16 blocks are computed.
// Block numbers wrap at 2⁶⁴. The same seed and offset give the same mask on
// every kernel path, every CPU, every goroutine count and either byte
// order; State and SetState checkpoint and resume a stream.
//
// # Kernels
//
// Kernels lists the paths usable on this CPU, fastest first, and Kernel
// names the one in use; it is chosen at start-up and can be changed with
// UseKernel or the SIMDROP_KERNEL environment variable. The "generic" path
// is portable Go and is the oracle every other path is tested against, bit
// for bit.
//
// # Errors
//
// Bad input — p outside [0, 1] or NaN, a wrong rank, a negative or
// overflowing dimension, a length that does not match the shape, buffers that
// overlap without being the same slice, a mask that does not fit — returns an
// error that names the value and wraps ErrProbability, ErrShape, ErrLength,
// ErrOverlap, ErrMask or ErrMode; UseKernel's errors wrap ErrKernel, and a
// nil or zero Layer's ErrLayer. On error nothing is written and no
// randomness is drawn. The API does not panic on any input, nil and zero
// receivers included: a nil *Mask reads as empty and a nil *Generator is the
// DefaultGenerator.
package dropout
