//go:build gc && !purego

package dropout

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// The NEON bit-plane kernels at the edges the path-independent tests do not
// reach. keepPlanesNEON and dropoutPhiloxNEON decide eight groups (512
// features) in lockstep, so a batch stops only when all eight are decided:
// the cases put stream carries and wraps in every group of a batch, force
// batches through all 16 blocks (a lane with u == t is never decided), and
// end calls at every position of a batch.

// planeThresholds are thresholds with long runs of equal bits, so that lanes
// stay open for many planes whatever their u, the ends of the range, and
// those of p = 1e-9 and 1-1e-9.
var planeThresholds = []uint32{
	0, 1, 1<<32 - 1, 0xFFFF0000, 0x0000FFFF, 0x80000001, 0x7FFFFFFF, 1 << 31,
	uint32(threshold(1e-9)), uint32(threshold(1 - 1e-9)),
}

// planeStarts are stream starts at which the block number carries from
// 2^32-1 to 2^32, or wraps from 2^64-1 to 0, at block k of group q, for q =
// 0..8 (every group of the first batch and the first of the second) and
// k = 0, 1, 15 (the first blocks, and the last one, which only an
// undecided lane reaches).
var planeStarts = func() []uint64 {
	var ss []uint64
	for q := uint64(0); q <= 8; q++ {
		for _, k := range []uint64{0, 1, 15} {
			ss = append(ss, 1<<32-16*q-k, -(16*q + k))
		}
	}
	return ss
}()

// carryGroup returns the first of the first 9 groups of a call from start
// that owns a block whose low word is 0 (the carry into the high word, or
// the wrap to 0, happens there, or the call starts at it), or -1.
func carryGroup(start uint64) int {
	for g := 0; g < 9; g++ {
		for k := uint64(0); k < groupBlocks; k++ {
			if uint32(start+groupBlocks*uint64(g)+k) == 0 {
				return g
			}
		}
	}
	return -1
}

// lastPlaneLane returns a lane of group g of the call from start, and its
// u, such that u is even if any lane's is: at threshold u the lane is never
// decided (u == t, kept after 32 planes), and at u+1 it is decided only by
// plane 31, the last of block 15 (dropped), when u is even.
func lastPlaneLane(r *rand.Rand, seed, start uint64, g int) (lane int, u uint32) {
	l0 := r.IntN(64)
	for l := 0; l < 64; l++ {
		lane = 64*g + (l0+l)%64
		if u = drawRef(seed, start, lane); u%2 == 0 {
			break
		}
	}
	return lane, u
}

// keepRef sets bits[g] to the keep word of group g, all 64 lanes, from the
// plain oracle drawRef.
func keepRef(bits []uint64, seed, start uint64, t uint32) {
	for g := range bits {
		var w uint64
		for l := 0; l < 64; l++ {
			if drawRef(seed, start, 64*g+l) >= t {
				w |= 1 << l
			}
		}
		bits[g] = w
	}
}

// TestKeepPlanesNEONStream: keepPlanesNEON gives drawRef's keep words with
// carries and wraps at each group of a batch, at thresholds with long runs,
// and with a lane in the group that carries whose u equals t (undecided
// after 32 planes, kept) or t-1 with u even (dropped by plane 31 alone),
// which makes its batch run all 16 blocks.
func TestKeepPlanesNEONStream(t *testing.T) {
	r := rand.New(rand.NewPCG(111, 112))
	for i, start := range planeStarts {
		seed := r.Uint64()
		g := carryGroup(start)
		if g < 0 {
			t.Fatalf("start %#x carries in none of the first 9 groups", start)
		}
		lane, undecided := lastPlaneLane(r, seed, start, g)
		for _, tt := range []uint32{undecided, undecided + 1, planeThresholds[i%len(planeThresholds)], r.Uint32()} {
			for _, groups := range []int{9, g + 1} {
				want := make([]uint64, groups)
				keepRef(want, seed, start, tt)
				got := make([]uint64, groups+2)
				for j := range got {
					got[j] = r.Uint64()
				}
				guard0, guard1 := got[0], got[groups+1]
				keepPlanesNEON(got[1:groups+1], seed, start, tt)
				c := fmt.Sprintf("start=%#x (carry in group %d) t=%#x groups=%d", start, g, tt, groups)
				if got[0] != guard0 || got[groups+1] != guard1 {
					t.Fatalf("%s: wrote outside bits", c)
				}
				for j := range want {
					if got[1+j] != want[j] {
						t.Fatalf("%s: word %d = %#x, want %#x", c, j, got[1+j], want[j])
					}
				}
				if kept := want[lane/64]>>(lane%64)&1 == 1; tt == undecided && !kept || tt == undecided+1 && kept {
					t.Fatalf("%s: lane %d with u = %#x kept %v by drawRef: the case is wrong", c, lane, undecided, kept)
				}
			}
		}
	}
}

// TestKeepPlanesNEONLengths: keepPlanesNEON at every group count to 40 and
// around multiples of the batch of 8 beyond, against decideGroup word for
// word, every lane of every word written, nothing written outside.
func TestKeepPlanesNEONLengths(t *testing.T) {
	r := rand.New(rand.NewPCG(113, 114))
	var lengths []int
	for n := 1; n <= 40; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 63, 64, 65, 127, 128, 129, 1000, 1003)
	for i, groups := range lengths {
		seed, start := r.Uint64(), r.Uint64()
		tt := planeThresholds[i%len(planeThresholds)]
		if i%3 == 2 {
			tt = r.Uint32()
		}
		want := make([]uint64, groups)
		for g := range want {
			want[g] = decideGroup(uint32(seed), uint32(seed>>32), start+groupBlocks*uint64(g), tt, ^uint64(0))
		}
		got := make([]uint64, groups+2)
		for j := range got {
			got[j] = r.Uint64()
		}
		guard0, guard1 := got[0], got[groups+1]
		keepPlanesNEON(got[1:groups+1], seed, start, tt)
		c := fmt.Sprintf("groups=%d start=%#x t=%#x", groups, start, tt)
		if got[0] != guard0 || got[groups+1] != guard1 {
			t.Fatalf("%s: wrote outside bits", c)
		}
		for j := range want {
			if got[1+j] != want[j] {
				t.Fatalf("%s: word %d = %#x, want %#x", c, j, got[1+j], want[j])
			}
		}
	}
}

// TestDropoutPhiloxNEONStream: the neon path's fused kernels give drawRef's
// decisions (philoxRef) with carries and wraps at each group of a batch, at
// thresholds with long runs, and with a lane in the group that carries
// whose u equals t or, even, t-1 (see lastPlaneLane), over 9 groups and a
// partial tenth (a full batch, then a partial one whose last group is
// partial).
func TestDropoutPhiloxNEONStream(t *testing.T) {
	k := neonKernel(t)
	r := rand.New(rand.NewPCG(115, 116))
	const n = 9*64 + 17
	src32, src64 := fill[float32](r, n), fill[float64](r, n)
	want32, want64 := make([]float32, n), make([]float64, n)
	wantBits := make([]uint64, bitWords(0, n))
	for i, start := range planeStarts {
		seed := r.Uint64()
		g := carryGroup(start)
		_, u := lastPlaneLane(r, seed, start, g)
		for _, tt := range []uint32{u, u + 1, planeThresholds[i%len(planeThresholds)]} {
			philoxRef(want32, src32, wantBits, seed, start, tt, 1.25)
			philoxRef(want64, src64, wantBits, seed, start, tt, 1.25)
			c := fmt.Sprintf("start=%#x (carry in group %d) t=%#x", start, g, tt)
			checkPhiloxNEON(t, k, c, src32, want32, wantBits, seed, start, tt, 1.25, i%2 == 0)
			checkPhiloxNEON(t, k, c, src64, want64, wantBits, seed, start, tt, 1.25, i%2 == 1)
		}
	}
}

// TestDropoutPhiloxNEONLengths: the neon path's fused kernels at every
// length to 4096 (every position of the last group, and of the last group
// in a batch of 8) and a few large ones, against dropoutPhiloxGeneric.
func TestDropoutPhiloxNEONLengths(t *testing.T) {
	k := neonKernel(t)
	r := rand.New(rand.NewPCG(117, 118))
	var lengths []int
	for n := 1; n <= 4096; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 1<<16+13, 100003)
	const maxN = 100003
	src32, src64 := fill[float32](r, maxN), fill[float64](r, maxN)
	want32, want64 := make([]float32, maxN), make([]float64, maxN)
	wantBits := make([]uint64, bitWords(0, maxN))
	for i, n := range lengths {
		seed := r.Uint64()
		start := planeStarts[i%len(planeStarts)]
		if i%3 == 2 {
			start = r.Uint64()
		}
		tt := planeThresholds[i%len(planeThresholds)]
		if i%4 == 3 {
			tt = r.Uint32()
		}
		c := fmt.Sprintf("n=%d start=%#x t=%#x", n, start, tt)
		words := bitWords(0, n)
		if i%2 == 0 {
			dropoutPhiloxGeneric(want32[:n], src32[:n], wantBits[:words], seed, start, tt, float32(0.75))
			checkPhiloxNEON(t, k, c, src32[:n], want32[:n], wantBits[:words], seed, start, tt, 0.75, i%4 == 0)
		} else {
			dropoutPhiloxGeneric(want64[:n], src64[:n], wantBits[:words], seed, start, tt, 0.75)
			checkPhiloxNEON(t, k, c, src64[:n], want64[:n], wantBits[:words], seed, start, tt, 0.75, i%4 == 1)
		}
	}
}

// checkPhiloxNEON runs k's dropoutPhilox on src, out of place with the mask
// and then in place without it, and fails unless dst equals want bit for
// bit, the mask equals wantBits, and nothing past dst or the mask changed.
// odd puts dst one element past a 16-byte boundary.
func checkPhiloxNEON[T float](t *testing.T, k *kernelSet, c string, src, want []T, wantBits []uint64, seed, start uint64, tt uint32, s T, odd bool) {
	t.Helper()
	n, off := len(src), 0
	if odd {
		off = 1
	}
	const guard = 0x5a5a5a5a5a5a5a5a
	dstArena := make([]T, off+n+1)
	for i := range dstArena {
		dstArena[i] = T(-7.5)
	}
	dst := dstArena[off : off+n]
	bits := make([]uint64, len(wantBits)+1)
	for i := range bits {
		bits[i] = guard
	}
	philoxT(k, dst, src, bits[:len(wantBits)], seed, start, tt, s)
	if i := firstDiff(dst, want); i >= 0 {
		t.Fatalf("%T %s: dst[%d] = %#x, want %#x", T(0), c, i, bitsOf(dst[i]), bitsOf(want[i]))
	}
	if dstArena[off+n] != -7.5 || off == 1 && dstArena[0] != -7.5 {
		t.Fatalf("%T %s: wrote outside dst", T(0), c)
	}
	for i, w := range wantBits {
		if bits[i] != w {
			t.Fatalf("%T %s: bits[%d] = %#x, want %#x", T(0), c, i, bits[i], w)
		}
	}
	if bits[len(wantBits)] != guard {
		t.Fatalf("%T %s: wrote past the mask", T(0), c)
	}
	copy(dst, src)
	philoxT(k, dst, dst, nil, seed, start, tt, s)
	if i := firstDiff(dst, want); i >= 0 {
		t.Fatalf("%T %s, in place without a mask: dst[%d] = %#x, want %#x", T(0), c, i, bitsOf(dst[i]), bitsOf(want[i]))
	}
	if dstArena[off+n] != -7.5 {
		t.Fatalf("%T %s, in place: wrote past dst", T(0), c)
	}
}
