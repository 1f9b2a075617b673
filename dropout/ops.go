package dropout

import (
	"fmt"
	"slices"
)

// An op is one member of the dropout family: which shapes it takes, which
// noise shape it draws one decision per element of, and what kept and dropped
// elements become. Every op runs through the same forward, planner and
// kernels.
type op struct {
	name     string
	noise    noiseKind
	spatial  int    // channel ops: spatial dims after N, C
	layout   string // for messages
	alpha    bool   // kept → a·x + b, dropped → c (alpha dropout)
	fused    bool   // elementwise, randomness generated inside the kernel
	block    int    // DropBlock: spatial dims (2 or 3)
	unscaled bool   // kept → x·1 (stochastic depth without scale_by_keep)
}

// noiseKind says how an op's noise shape follows from the tensor shape.
type noiseKind int

const (
	noiseChannelsFirst noiseKind = iota // [N, C, spatial...] or [C, spatial...]: (N, C, 1...)
	noiseChannelsLast                   // [N, spatial..., C] or [spatial..., C]: (N, 1..., C)
	noisePosition                       // [N, C, H, W] or [C, H, W]: (N, 1, H, W)
	noiseGiven                          // the caller's noise shape
	noiseElementwise                    // one per element
	noiseRow                            // [N, ...]: (N, 1...)
	noiseBatch                          // one for the whole tensor
	noiseFeature                        // [N, C, ...]: (N, C, 1...)
	noiseBlock                          // DropBlock: [N, C, spatial...], decisions per element
)

func (o *op) shapeErr(shape []int, format string, args ...any) error {
	return fmt.Errorf("dropout: %s: shape %v: %s: %w", o.name, slices.Clone(shape), fmt.Sprintf(format, args...), ErrShape)
}

// noiseShape checks shape for o and writes the noise shape to out (len(out)
// == len(shape) <= maxRank): each dim is 1 or equal to shape's. given is the
// caller's noise shape, for DropoutBroadcast. It is a plain switch, not a
// function value, so shape and out do not escape.
func (o *op) noiseShape(shape, given, out []int) error {
	r := len(shape)
	for i := range out {
		out[i] = 1
	}
	switch o.noise {
	case noiseChannelsFirst, noiseChannelsLast:
		if r != o.spatial+2 && r != o.spatial+1 {
			return o.shapeErr(shape, "rank %d, want %d or %d: %s", r, o.spatial+2, o.spatial+1, o.layout)
		}
		if o.noise == noiseChannelsFirst {
			copy(out, shape[:r-o.spatial]) // N, C or C
		} else {
			if r == o.spatial+2 {
				out[0] = shape[0]
			}
			out[r-1] = shape[r-1]
		}
	case noisePosition:
		if r != 4 && r != 3 {
			return o.shapeErr(shape, "rank %d, want 4 or 3: %s", r, o.layout)
		}
		copy(out, shape)
		out[r-3] = 1 // C
	case noiseGiven:
		if r < 1 {
			return o.shapeErr(shape, "rank 0, want 1 to %d", maxRank)
		}
		if len(given) != r {
			return fmt.Errorf("dropout: %s: noise shape %v has rank %d, shape %v has rank %d: %w",
				o.name, slices.Clone(given), len(given), slices.Clone(shape), r, ErrShape)
		}
		for i, d := range given {
			if d != 1 && d != shape[i] {
				return fmt.Errorf("dropout: %s: noise shape %v: dim %d is %d, want 1 or %d: %w",
					o.name, slices.Clone(given), i, d, shape[i], ErrShape)
			}
		}
		copy(out, given)
	case noiseElementwise:
		if r < 1 {
			return o.shapeErr(shape, "rank 0, want 1 to %d", maxRank)
		}
		copy(out, shape)
	case noiseRow, noiseBatch:
		if r < 1 {
			return o.shapeErr(shape, "rank 0, want 1 to %d: (N,...)", maxRank)
		}
		if o.noise == noiseRow {
			out[0] = shape[0]
		}
	case noiseBlock:
		if r != o.spatial+2 {
			return o.shapeErr(shape, "rank %d, want %d: %s", r, o.spatial+2, o.layout)
		}
		copy(out, shape)
	case noiseFeature:
		if r < 2 {
			return o.shapeErr(shape, "rank %d, want 2 to %d: (N,C,...)", r, maxRank)
		}
		out[0], out[1] = shape[0], shape[1]
	}
	return nil
}

var (
	opDropout1d = op{name: "Dropout1d", spatial: 1, layout: "(N,C,L) or (C,L)"}
	opDropout2d = op{name: "Dropout2d", spatial: 2, layout: "(N,C,H,W) or (C,H,W)"}
	opDropout3d = op{name: "Dropout3d", spatial: 3, layout: "(N,C,D,H,W) or (C,D,H,W)"}

	opDropout1dNLC   = op{name: "Dropout1dNLC", noise: noiseChannelsLast, spatial: 1, layout: "(N,L,C) or (L,C)"}
	opDropout2dNHWC  = op{name: "Dropout2dNHWC", noise: noiseChannelsLast, spatial: 2, layout: "(N,H,W,C) or (H,W,C)"}
	opDropout3dNDHWC = op{name: "Dropout3dNDHWC", noise: noiseChannelsLast, spatial: 3, layout: "(N,D,H,W,C) or (D,H,W,C)"}

	opPositionDropout2d = op{name: "PositionDropout2d", noise: noisePosition, layout: "(N,C,H,W) or (C,H,W)"}
	opBroadcast         = op{name: "DropoutBroadcast", noise: noiseGiven}

	opStochasticDepth = [2][2]op{ // [mode][scaleByKeep]
		{{name: "StochasticDepth", noise: noiseRow, unscaled: true}, {name: "StochasticDepth", noise: noiseRow}},
		{{name: "StochasticDepth", noise: noiseBatch, unscaled: true}, {name: "StochasticDepth", noise: noiseBatch}},
	}

	opDropout             = op{name: "Dropout", noise: noiseElementwise, fused: true}
	opDropConnect         = op{name: "DropConnect", noise: noiseElementwise, fused: true}
	opAlphaDropout        = op{name: "AlphaDropout", noise: noiseElementwise, alpha: true}
	opDropBlock2d         = op{name: "DropBlock2d", noise: noiseBlock, spatial: 2, block: 2, layout: "(N,C,H,W)"}
	opDropBlock3d         = op{name: "DropBlock3d", noise: noiseBlock, spatial: 3, block: 3, layout: "(N,C,D,H,W)"}
	opFeatureAlphaDropout = op{name: "FeatureAlphaDropout", noise: noiseFeature, alpha: true}
)
