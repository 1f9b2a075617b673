package dropout

import (
	"fmt"
	"slices"
)

// MaskFromBools returns the Mask of a dropout call with the decisions keep,
// one per element of the noise shape noise (row-major; true = kept), over a
// tensor of shape shape, as DropoutBroadcast would have made it with drop
// probability p: kept values scaled by 1/(1−p) (PyTorch's float32 scale for
// float32), dropped ones +0. This is the form of the masks PyTorch's
// native_dropout and ONNX's Dropout return (for PyTorch's dropout2d, noise
// is [N, C, 1, 1]). Backward applies it — to a gradient, or to an input,
// which is the forward: Backward(y, x, m).
//
// shape and noise follow DropoutBroadcast's rules; len(keep) must be the
// noise shape's element count (0 for an empty tensor); p must be in [0, 1),
// or 1 with nothing kept. Errors name the bad value and wrap
// ErrProbability, ErrShape or ErrLength.
func MaskFromBools(shape, noise []int, p float64, keep []bool) (*Mask, error) {
	return maskFrom(shape, noise, p, len(keep), func(i int) bool { return keep[i] })
}

// MaskFromBytes is MaskFromBools with one byte per decision, nonzero for
// kept (PyTorch's uint8 and bool tensors, ONNX's bool mask as bytes).
func MaskFromBytes(shape, noise []int, p float64, keep []byte) (*Mask, error) {
	return maskFrom(shape, noise, p, len(keep), func(i int) bool { return keep[i] != 0 })
}

func maskFrom(shape, noise []int, p float64, n int, kept func(int) bool) (*Mask, error) {
	const name = "MaskFromBools"
	o := &opBroadcast
	if err := checkP(name, p); err != nil {
		return nil, err
	}
	var nz [maxRank]int
	if len(shape) > maxRank {
		return nil, o.shapeErr(shape, "rank %d, want at most %d", len(shape), maxRank)
	}
	if err := o.noiseShape(shape, noise, nz[:len(shape)]); err != nil {
		return nil, err
	}
	numel, err := elements(name, shape)
	if err != nil {
		return nil, err
	}
	feats := 0 // as Mask.reset counts them: none for an empty tensor
	if numel > 0 {
		feats = 1
		for _, d := range nz[:len(shape)] {
			feats *= d
		}
	}
	// Checked before anything is allocated: the decisions given are the
	// proof that the shape is real.
	if n != feats {
		return nil, fmt.Errorf("dropout: %s: %d decisions, want %d for noise shape %v of shape %v: %w",
			name, n, feats, slices.Clone(nz[:len(shape)]), slices.Clone(shape), ErrLength)
	}
	m := new(Mask)
	m.reset(o, shape, nz[:len(shape)], numel, p, false)
	for i := 0; i < n; i++ {
		if kept(i) {
			if p == 1 {
				return nil, fmt.Errorf("dropout: %s: p = 1 keeps nothing, but decision %d is kept: %w", name, i, ErrProbability)
			}
			m.bits[i>>6] |= 1 << (i & 63)
		}
	}
	m.given = true
	return m, nil
}

// Bools writes the mask's decisions to dst, one per feature (true = kept),
// the form MaskFromBools reads; len(dst) must be Features(), otherwise the
// error wraps ErrLength and nothing is written.
func (m *Mask) Bools(dst []bool) error {
	if err := m.checkOut("Bools", len(dst)); err != nil {
		return err
	}
	for i := range dst {
		dst[i] = m.Kept(i)
	}
	return nil
}

// Bytes writes the mask's decisions to dst, 1 for kept and 0 for dropped,
// as Bools does.
func (m *Mask) Bytes(dst []byte) error {
	if err := m.checkOut("Bytes", len(dst)); err != nil {
		return err
	}
	for i := range dst {
		dst[i] = 0
		if m.Kept(i) {
			dst[i] = 1
		}
	}
	return nil
}

func (m *Mask) checkOut(method string, n int) error {
	if n != m.Features() {
		return fmt.Errorf("dropout: Mask.%s: len(dst) = %d, want %d features: %w", method, n, m.Features(), ErrLength)
	}
	return nil
}
