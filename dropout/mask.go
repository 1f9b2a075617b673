package dropout

import (
	"math/bits"
	"slices"
)

// A Mask records one forward call: the tensor shape, the features and their
// keep decisions (one bit each), p, and the generator blocks the call used.
// Backward applies it to a gradient; it can also apply the same decisions to
// any other tensor of the same shape.
//
// A Mask is not modified by Backward and may be read concurrently.
type Mask struct {
	op    string
	rank  int
	shape [maxRank]int
	numel int // elements of the tensor
	feats int // features: one keep decision each
	plane int // contiguous elements per feature
	p     float64
	seed  uint64
	start uint64 // first generator block used
	used  uint64 // blocks used
	bits  []uint64
}

// Features returns the number of features, each kept or dropped as a whole:
// N·C for channel dropout, in logical N, C order.
func (m *Mask) Features() int { return m.feats }

// Kept reports whether feature i was kept. An i outside [0, Features()) is
// reported as not kept.
func (m *Mask) Kept(i int) bool {
	if i < 0 || i >= m.feats {
		return false
	}
	return m.bits[i>>6]>>(i&63)&1 == 1
}

// KeptCount returns the number of kept features.
func (m *Mask) KeptCount() int {
	n := 0
	for _, w := range m.bits {
		n += bits.OnesCount64(w)
	}
	return n
}

// Shape returns a copy of the shape of the tensor the mask was made for.
func (m *Mask) Shape() []int { return slices.Clone(m.shape[:m.rank]) }

// Len returns the number of elements of that tensor.
func (m *Mask) Len() int { return m.numel }

// P returns the drop probability the mask was made with.
func (m *Mask) P() float64 { return m.p }

// Blocks returns the generator's seed and the range of Philox blocks
// [start, start+count) the mask was drawn from; count is 0 when p is 0 or 1
// or the tensor is empty, as no randomness is used then.
func (m *Mask) Blocks() (seed, start, count uint64) { return m.seed, m.start, m.used }

// reset prepares m for a tensor of the given shape, reusing its storage.
func (m *Mask) reset(op string, shape []int, numel, feats, plane int, p float64) {
	m.op = op
	m.rank = copy(m.shape[:], shape)
	m.numel, m.feats, m.plane, m.p = numel, feats, plane, p
	m.seed, m.start, m.used = 0, 0, 0
	words := (feats + 63) / 64
	if cap(m.bits) < words {
		m.bits = make([]uint64, words)
	}
	m.bits = m.bits[:words]
}

// draw decides every feature: all kept for p == 0, none for p == 1 (no
// randomness used either way), else from fresh blocks of g.
func (m *Mask) draw(g *Generator) {
	switch {
	case m.feats == 0:
	case m.p == 0:
		for i := range m.bits {
			m.bits[i] = ^uint64(0)
		}
		if r := m.feats & 63; r != 0 {
			m.bits[len(m.bits)-1] = 1<<r - 1
		}
	case m.p == 1:
		clear(m.bits)
	default:
		blocks := uint64(m.feats+3) / 4
		m.seed, m.start = g.reserve(blocks)
		m.used = blocks
		fillKeep(m.bits, m.seed, m.start, m.feats, threshold(m.p))
	}
}

// Clone returns a deep copy of m.
func (m *Mask) Clone() *Mask {
	c := *m
	c.bits = slices.Clone(m.bits)
	return &c
}
