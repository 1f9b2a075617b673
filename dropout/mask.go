package dropout

import (
	"math"
	"math/bits"
	"slices"
)

// A Mask records one forward call: the tensor shape, the noise shape and one
// keep bit per noise element (a feature), p, the scales, and the generator
// blocks the call used. Backward applies it to a gradient; it can also apply
// the same decisions to any other tensor of the same shape.
//
// A Mask is not modified by Backward and may be read concurrently. Its
// methods accept a nil *Mask, which reads as an empty mask (no features, no
// elements); Backward rejects it. A zero Mask is the mask of an empty tensor.
type Mask struct {
	op    string
	rank  int
	shape [maxRank]int
	noise [maxRank]int
	numel int // elements of the tensor
	feats int // features: one keep decision each
	p     float64
	alpha bool // kept → a·x + b, dropped → c; else kept → s·x, dropped → +0
	fused bool // elementwise with in-kernel randomness: draws i = element i
	regen bool // fused, keeping no bits: decisions are regenerated from the blocks
	block bool // DropBlock: per-element bits and a batch-wide scale, even for p = 1
	given bool // decisions from MaskFromBools/Bytes, whatever p
	t     uint32
	// Kept scale s (alpha: a), the forward's and Backward's, per element type;
	// for alpha, b and c.
	s32, b32, c32 float32
	s64, b64, c64 float64
	plan          plan
	seed          uint64
	start         uint64 // first generator block used
	used          uint64 // blocks used
	bits          []uint64
	// Scale vectors of a rows plan, one period per varying outer position,
	// built by the forward call for its element type.
	vec32 []float32
	vec64 []float64
	// The op and p the scales and t were computed for.
	scaledFor *op
	scaledP   float64
	scaled    bool
	// DropBlock scratch: the seed bits, one plane of dilated rows, and a
	// Part's whole-batch mask; keepRange's shifted groups (in rows).
	seedBits []uint64
	rows     []uint64
	whole    []uint64
}

// Features returns the number of features, each kept or dropped as a whole:
// the elements of the noise shape (N·C for channel dropout), in row-major
// order of the noise shape whatever the memory layout. It is 0 when the
// tensor has no elements, whatever the noise shape: no decision is made
// then (for shape [2, 3, 0, 4] the noise shape is [2, 3, 1, 1]).
func (m *Mask) Features() int {
	if m == nil {
		return 0
	}
	return m.feats
}

// Kept reports whether feature i was kept. An i outside [0, Features()) is
// reported as not kept.
func (m *Mask) Kept(i int) bool {
	if m == nil || i < 0 || i >= m.feats {
		return false
	}
	if m.regen && m.p > 0 && m.p < 1 {
		bit := uint64(1) << (i & 63) // decide this lane alone
		return decideGroup(uint32(m.seed), uint32(m.seed>>32), m.start+groupBlocks*uint64(i/64), m.t, bit) != 0
	}
	return m.bits[i>>6]>>(i&63)&1 == 1
}

// KeptCount returns the number of kept features.
func (m *Mask) KeptCount() int {
	if m == nil {
		return 0
	}
	if m.regen && m.p > 0 && m.p < 1 {
		n := 0
		for i := 0; i < m.feats; i += 64 {
			w := decideGroup(uint32(m.seed), uint32(m.seed>>32), m.start+groupBlocks*uint64(i/64), m.t, lanes(m.feats-i))
			n += bits.OnesCount64(w)
		}
		return n
	}
	n := 0
	for _, w := range m.bits {
		n += bits.OnesCount64(w)
	}
	return n
}

// Shape returns a copy of the shape of the tensor the mask was made for.
func (m *Mask) Shape() []int {
	if m == nil {
		return nil
	}
	return slices.Clone(m.shape[:m.rank])
}

// NoiseShape returns a copy of the noise shape: the shape's rank, each dim
// either the tensor's or 1 where one decision is broadcast.
func (m *Mask) NoiseShape() []int {
	if m == nil {
		return nil
	}
	return slices.Clone(m.noise[:m.rank])
}

// Len returns the number of elements of that tensor.
func (m *Mask) Len() int {
	if m == nil {
		return 0
	}
	return m.numel
}

// P returns the drop probability the mask was made with.
func (m *Mask) P() float64 {
	if m == nil {
		return 0
	}
	return m.p
}

// Blocks returns the generator's seed and the range of Philox blocks
// [start, start+count) the mask was drawn from (block numbers modulo 2⁶⁴);
// count is 0 when the tensor is empty, when p is 0, and when p is 1 except
// for DropBlock, which draws its seeds at p = 1 too (torchvision's γ). For
// a Part call they are the whole call's.
func (m *Mask) Blocks() (seed, start, count uint64) {
	if m == nil {
		return 0, 0, 0
	}
	return m.seed, m.start, m.used
}

// Clone returns a deep copy of m (nil for a nil m).
func (m *Mask) Clone() *Mask {
	if m == nil {
		return nil
	}
	c := *m
	c.bits = slices.Clone(m.bits)
	c.vec32 = slices.Clone(m.vec32)
	c.vec64 = slices.Clone(m.vec64)
	c.seedBits, c.rows, c.whole = nil, nil, nil // scratch of the next call, not part of the mask
	return &c
}

// reset prepares m for a call, reusing its storage.
func (m *Mask) reset(o *op, shape, noise []int, numel int, p float64, regen bool) {
	regen = o.fused && regen
	samePlan := m.sameTensor(shape, noise, numel)
	if samePlan && m.scaled && m.scaledFor == o && m.scaledP == p && m.regen == regen {
		// A Layer calls again and again with the same op, shape and p:
		// everything but the blocks is what the last call set.
		m.seed, m.start, m.used = 0, 0, 0
		return
	}
	m.op = o.name
	m.fused, m.regen, m.block = o.fused, regen, o.block > 0
	m.rank = copy(m.shape[:], shape)
	copy(m.noise[:], noise)
	m.numel, m.p, m.alpha = numel, p, o.alpha
	m.feats = 0
	if numel > 0 {
		m.feats = 1
		for _, d := range noise {
			m.feats *= d
		}
		if !samePlan {
			m.plan = makePlan(shape, noise, numel)
		}
	}
	m.seed, m.start, m.used = 0, 0, 0
	if m.scaledFor != o || m.scaledP != p || !m.scaled {
		m.setScales(o)
		m.t = uint32(threshold(p)) // used only when 0 < p < 1
		m.scaledFor, m.scaledP, m.scaled = o, p, true
	}
	m.bits = grow(m.bits, (m.feats+63)/64)
	if m.regen && p > 0 && p < 1 {
		m.bits = m.bits[:0] // decisions live in the generator's blocks
	}
}

// sameTensor reports whether m was last made for this shape and noise
// shape, so its plan still holds.
func (m *Mask) sameTensor(shape, noise []int, numel int) bool {
	if m.numel != numel || m.rank != len(shape) || !m.scaled {
		return false
	}
	for i := range shape {
		if m.shape[i] != shape[i] || m.noise[i] != noise[i] {
			return false
		}
	}
	return true
}

// setScales computes the constants of the op for p.
func (m *Mask) setScales(o *op) {
	p := m.p
	switch {
	case o.alpha:
		// PyTorch's alpha_dropout, evaluated as PyTorch does in each type:
		// a = 1/sqrt((α²p + 1)(1 − p)) in float64; kept x → x·a + α·a·p;
		// dropped → (0 − 1)·(α·a) + α·a·p.
		// Each product is converted before it is added, which forbids the
		// compiler to fuse the two into an FMA (it would on arm64, ppc64le,
		// s390x and GOAMD64=v3): the same bits on every build.
		const alpha = 1.7580993408473766
		a := 1 / math.Sqrt((float64(alpha*alpha*p)+1)*(1-p))
		m.s64, m.b64 = a, float64(alpha*a*p)
		m.c64 = -float64(alpha*a) + m.b64
		m.s32, m.b32 = float32(a), float32(alpha*a*p)
		m.c32 = -float32(alpha*a) + m.b32
	case o.unscaled:
		m.s32, m.s64 = 1, 1
	default:
		m.s32, m.s64 = scale32(p), scale64(p)
	}
}

// draw decides every feature: all kept for p == 0, none for p == 1 (no
// randomness used either way), else from fresh blocks of g.
func (m *Mask) draw(g *Generator, pt *part) {
	switch {
	case m.feats == 0:
	case m.p == 0:
		keepAll(m.bits, m.feats)
	case m.p == 1:
		clear(m.bits)
	case pt != nil:
		f0, whole := m.partFeatures(pt)
		m.seed, m.start, m.used = pt.st.Seed, pt.st.Offset, blocksFor(whole)
		current().keepRange(m.bits, m.seed, m.start, f0, m.feats, uint64(m.t), &m.rows)
	default:
		blocks := blocksFor(m.feats)
		m.seed, m.start = g.reserve(blocks)
		m.used = blocks
		if !m.fused { // a fused op's kernel draws (and writes the bits) itself
			current().keepBits(m.bits, m.seed, m.start, m.feats, uint64(m.t))
		}
	}
}

// partFeatures returns where a part's features start in the whole call's
// and how many the whole call has: the noise shape varies along the first
// dim (one set of features per sample) or is broadcast along it (every
// sample shares the decisions, so a part has them all).
func (m *Mask) partFeatures(pt *part) (first, whole int) {
	if !pt.varies {
		return 0, m.feats
	}
	per := m.feats / m.shape[0]
	return pt.first * per, pt.total * per
}

// buildVectors fills a rows plan's scale vectors for element type T: entry j
// of the vector of varying outer position o is s if feature o·w + j%w is
// kept, else 0.
func buildVectors[T float32 | float64](m *Mask, s T, v []T) []T {
	p := &m.plan
	n := m.feats / p.w
	v = grow(v, n*p.period)
	for o := 0; o < n; o++ {
		row := v[o*p.period : (o+1)*p.period]
		for j := 0; j < p.w; j++ {
			x := T(0)
			if m.Kept(o*p.w + j) {
				x = s
			}
			for r := j; r < len(row); r += p.w {
				row[r] = x
			}
		}
	}
	return v
}

// keepAll sets bits 0..n-1 of bits and clears the rest; len(bits) is
// ceil(n/64).
func keepAll(bits []uint64, n int) {
	for i := range bits {
		bits[i] = ^uint64(0)
	}
	trimTail(bits, n)
}

// trimTail clears the bits at n and above in the last word of bits (len(bits)
// is ceil(n/64)): a reused mask holds an earlier call's bits there, which
// KeptCount and the kernels must never see.
func trimTail(bits []uint64, n int) {
	if r := n & 63; r != 0 {
		bits[len(bits)-1] &= 1<<r - 1
	}
}

// grow returns s resized to n, reusing its array when it is large enough.
func grow[E any](s []E, n int) []E {
	if cap(s) < n {
		return make([]E, n)
	}
	return s[:n]
}
