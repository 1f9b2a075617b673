package dropout

import (
	"math"
	"math/bits"
)

// DropBlock2d drops contiguous square regions of each channel, as
// torchvision's ops.drop_block2d in training mode (Ghiasi et al., 2018).
// shape is [N, C, H, W]; blockSize (at least 1) is clipped to min(H, W).
//
// With bs the clipped size, every position (n, c, i, j) of the valid region
// i ≤ H−bs, j ≤ W−bs is a block seed with probability
// γ = p·H·W / (bs²·(H−bs+1)·(W−bs+1)): it is set iff its number in the
// bit-plane stream, the seed positions numbered in row-major order of
// (N, C, H−bs+1, W−bs+1), is below min(round(γ·2³²), 2³²) (2³²: every
// position is a seed). Each seed drops
// the bs×bs block with top-left corner (i, j), which is what torchvision's
// padding by bs/2 and max-pooling give for odd bs. For even bs torchvision's
// padded pooling produces a tensor two larger than the input in H and W
// (10×10 for 8×8) and fails; simdrop anchors the block the same way, so even
// sizes work. Dropped
// elements become +0 (their inputs are not read); kept ones are multiplied
// by one batch-wide scale, numel / (kept + 1e−6), evaluated as PyTorch does
// it: (1/(1e−6 + kept))·numel in T. p = 0 copies and draws nothing; p = 1 is
// not "drop everything" but γ's largest value, as in torchvision.
//
// The Mask has one bit per element (Features() is the element count) and
// Backward multiplies by the same scale.
func DropBlock2d[T Float](dst, src []T, shape []int, p float64, blockSize int, g *Generator, options ...Option) (*Mask, error) {
	return callWith(&opDropBlock2d, dst, src, shape, p, g, opts{blockSize: blockSize}, options)
}

// DropBlock3d is DropBlock2d for volumes, as torchvision's
// ops.drop_block3d: shape is [N, C, D, H, W], blocks are bs×bs×bs cubes with
// bs clipped to min(D, H, W), and γ = p·D·H·W / (bs³·(D−bs+1)·(H−bs+1)·(W−bs+1)).
func DropBlock3d[T Float](dst, src []T, shape []int, p float64, blockSize int, g *Generator, options ...Option) (*Mask, error) {
	return callWith(&opDropBlock3d, dst, src, shape, p, g, opts{blockSize: blockSize}, options)
}

// NewDropBlock2d returns a DropBlock2d layer in training mode; blockSize is
// checked at Forward.
func NewDropBlock2d[T Float](p float64, blockSize int, g *Generator) (*Layer[T], error) {
	l, err := newLayer[T](&opDropBlock2d, p, g)
	if l != nil {
		l.blockSize = blockSize
	}
	return l, err
}

// NewDropBlock3d returns a DropBlock3d layer in training mode.
func NewDropBlock3d[T Float](p float64, blockSize int, g *Generator) (*Layer[T], error) {
	l, err := newLayer[T](&opDropBlock3d, p, g)
	if l != nil {
		l.blockSize = blockSize
	}
	return l, err
}

// blockGeometry is a DropBlock call's shape: planes of spatial dims sp (D, H,
// W or 1, H, W), the clipped block size and the seed grid.
type blockGeometry struct {
	planes int    // N·C
	sp     [3]int // D, H, W (D = 1 in 2-D)
	bs     [3]int // block extent per dim (1 along D in 2-D)
	seeds  [3]int // sp − bs + 1
}

func (m *Mask) blockGeometry() blockGeometry {
	var gm blockGeometry
	r := m.rank
	gm.planes = m.shape[0] * m.shape[1]
	gm.sp = [3]int{1, m.shape[r-2], m.shape[r-1]}
	if r == 5 {
		gm.sp[0] = m.shape[2]
	}
	return gm
}

// drawBlocks decides every element of a DropBlock call: seeds from g,
// dilated into blocks, and the batch-wide scale. A part (pt not nil)
// decides the whole batch, for its scale, and keeps its own samples.
func (m *Mask) drawBlocks(g *Generator, blockSize int, pt *part) {
	if m.numel == 0 {
		return
	}
	m.bits = grow(m.bits, (m.numel+63)/64)
	if m.p == 0 {
		m.s32, m.s64 = 1, 1
		keepAll(m.bits, m.numel)
		return
	}
	gm := m.blockGeometry()
	bs := min(blockSize, gm.sp[1], gm.sp[2])
	if m.rank == 5 {
		bs = min(bs, gm.sp[0])
	}
	gm.bs = [3]int{bs, bs, bs}
	area, valid, cube := 1.0, 1.0, 1.0
	for d := 0; d < 3; d++ {
		if d == 0 && m.rank == 4 {
			gm.bs[0] = 1
		}
		gm.seeds[d] = gm.sp[d] - gm.bs[d] + 1
		if d > 0 || m.rank == 5 {
			area *= float64(gm.sp[d])
			valid *= float64(gm.seeds[d])
			cube *= float64(bs)
		}
	}
	gamma := m.p * area / (cube * valid)
	t := uint64(min(math.Round(gamma*(1<<32)), 1<<32)) // seed iff draw < t

	planeSize := gm.sp[0] * gm.sp[1] * gm.sp[2]
	if pt != nil {
		gm.planes = pt.total * m.shape[1]
	}
	nseeds := gm.planes * gm.seeds[0] * gm.seeds[1] * gm.seeds[2]
	blocks := blocksFor(nseeds)
	if pt != nil {
		m.seed, m.start = pt.st.Seed, pt.st.Offset
	} else {
		m.seed, m.start = g.reserve(blocks)
	}
	m.used = blocks
	// keepBits marks draw >= t; a seed is its complement.
	m.seedBits = grow(m.seedBits, (nseeds+63)/64)
	current().keepBits(m.seedBits, m.seed, m.start, nseeds, t)
	for i := range m.seedBits {
		m.seedBits[i] = ^m.seedBits[i]
	}
	trimTail(m.seedBits, nseeds)

	// dropBlocks writes the bits of the elements only: the rest of the
	// last word may hold a larger earlier call's bits.
	keep, numel := m.bits, m.numel
	if pt != nil {
		numel = gm.planes * planeSize
		m.whole = grow(m.whole, (numel+63)/64)
		keep = m.whole
	}
	dropBlocks(keep, m.seedBits, gm, &m.rows)
	trimTail(keep, numel)
	kept := 0
	for _, w := range keep {
		kept += bits.OnesCount64(w)
	}
	if pt != nil {
		clear(m.bits)
		readBits(m.bits, keep, pt.first*m.shape[1]*planeSize, m.numel)
	}
	// PyTorch: noise.numel() / (eps + noise.sum()), which it evaluates as
	// reciprocal(eps + sum) · numel in the tensor's type.
	e32 := float32(1e-6) + float32(kept)
	m.s32 = float32(1) / e32 * float32(numel)
	m.s64 = 1 / (1e-6 + float64(kept)) * float64(numel)
}

// dropBlocks writes the keep bit of every element: clear where a block
// covers it. The dilation is separable: along W by OR-ing shifted bit rows,
// then along H and D by OR-ing whole rows, each in log₂(bs) doubling steps,
// so a row of W elements costs ceil(W/64) words per step.
func dropBlocks(keep, seeds []uint64, gm blockGeometry, scratch *[]uint64) {
	D, H, W := gm.sp[0], gm.sp[1], gm.sp[2]
	wpr := (W + 63) / 64 // words per row
	rows := D * H
	*scratch = grow(*scratch, rows*wpr)
	buf := *scratch
	seedsPerPlane := gm.seeds[0] * gm.seeds[1] * gm.seeds[2]
	for pl := 0; pl < gm.planes; pl++ {
		clear(buf)
		// Seed rows, then dilate each along W.
		for z := 0; z < gm.seeds[0]; z++ {
			for y := 0; y < gm.seeds[1]; y++ {
				row := buf[(z*H+y)*wpr : (z*H+y+1)*wpr]
				at := pl*seedsPerPlane + (z*gm.seeds[1]+y)*gm.seeds[2]
				readBits(row, seeds, at, gm.seeds[2])
				dilateRow(row, gm.bs[2], W)
			}
		}
		// Along H within each depth slice, then along D.
		for z := 0; z < D; z++ {
			dilateRows(buf[z*H*wpr:(z+1)*H*wpr], wpr, H, gm.bs[1])
		}
		if gm.bs[0] > 1 {
			dilateRows(buf, H*wpr, D, gm.bs[0])
		}
		// keep = not dropped.
		for r := 0; r < rows; r++ {
			row := buf[r*wpr : (r+1)*wpr]
			for i := range row {
				row[i] = ^row[i]
			}
			writeBits(keep, (pl*rows+r)*W, row, W)
		}
	}
}

// dilateRow ORs row with itself shifted toward higher indices by 1..bs-1:
// bit x ends set iff some bit in [x−bs+1, x] was. Bits at W and above are
// cleared.
func dilateRow(row []uint64, bs, W int) {
	for span := 1; span < bs; {
		step := min(span, bs-span)
		shiftOr(row, step)
		span += step
	}
	trimTail(row, W)
}

// shiftOr sets row |= row << s (a multiword left shift, toward higher bit
// indices).
func shiftOr(row []uint64, s int) {
	q, r := s/64, uint(s%64)
	for k := len(row) - 1; k >= q; k-- {
		v := row[k-q] << r
		if r != 0 && k-q-1 >= 0 {
			v |= row[k-q-1] >> (64 - r)
		}
		row[k] |= v
	}
}

// dilateRows ORs each of n rows of wpr words with the bs−1 rows before it,
// in place, in doubling steps.
func dilateRows(buf []uint64, wpr, n, bs int) {
	for span := 1; span < bs; {
		step := min(span, bs-span)
		for y := n - 1; y >= step; y-- {
			dst, src := buf[y*wpr:(y+1)*wpr], buf[(y-step)*wpr:(y-step+1)*wpr]
			for i := range dst {
				dst[i] |= src[i]
			}
		}
		span += step
	}
}

// readBits copies n bits of src starting at bit at into dst from bit 0; dst
// has room for them and its other bits are left as they are (zero).
func readBits(dst, src []uint64, at, n int) {
	for i := 0; i < n; {
		w, o := (at+i)/64, uint((at+i)%64)
		c := min(64-int(o), n-i, 64-i%64)
		v := src[w] >> o & (1<<c - 1)
		dst[i/64] |= v << uint(i%64)
		i += c
	}
}

// writeBits stores the low n bits of src (from bit 0) into dst at bit at.
func writeBits(dst []uint64, at int, src []uint64, n int) {
	for i := 0; i < n; {
		w, o := (at+i)/64, uint((at+i)%64)
		c := min(64-int(o), n-i, 64-i%64)
		mask := uint64(1)<<c - 1
		v := src[i/64] >> uint(i%64) & mask
		dst[w] = dst[w]&^(mask<<o) | v<<o
		i += c
	}
}
