package dropout

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Tests of every path's bit-plane kernels at the edges of their lockstep
// batches (AVX-512 decides 16 groups at once, AVX2 and NEON 8): every
// length up to 4096, counters that carry or wrap inside any group of a
// batch, thresholds whose bits need many planes, lanes left open after all
// 32 planes, and the keepPlanes kernels called directly.

// lockstepMax is the widest lockstep batch of any path, in groups: the
// lengths and carry positions below cover every position of two of them.
const lockstepMax = 16

// keepRef is the keep mask of features 0..n-1 from drawRef: bit i set iff
// u_i >= t, the bits past n clear.
func keepRef(seed, start uint64, n int, t uint32) []uint64 {
	bits := make([]uint64, (n+63)/64)
	for i := 0; i < n; i++ {
		if drawRef(seed, start, i) >= t {
			bits[i/64] |= 1 << (i % 64)
		}
	}
	return bits
}

// planeCase is one call of the kernels and the mask it must give.
type planeCase struct {
	n           int
	seed, start uint64
	t           uint32
	want        []uint64 // ceil(n/64) words
}

func (c planeCase) String() string {
	return fmt.Sprintf("n=%d seed=%#x start=%#x t=%#x", c.n, c.seed, c.start, c.t)
}

// checkPlaneCase runs path k's fused kernels (float32 and float64, with
// and without mask bits, in place every other case), its keepBits with the
// kernel from the first draw, and its keepPlanes kernel on the case, and
// compares each with c.want; stale bits must be overwritten and
// the word after the mask left alone. pool supplies the inputs.
func checkPlaneCase(t *testing.T, k *kernelSet, c planeCase, pool []float64, inPlace bool) {
	t.Helper()
	checkPlaneFused[float32](t, k, c, pool, inPlace)
	checkPlaneFused[float64](t, k, c, pool, inPlace)

	words := len(c.want)
	got := make([]uint64, words+1)
	for j := range got {
		got[j] = 0x5a5a5a5a5a5a5a5a
	}
	k.keepBits(got[:words], c.seed, c.start, c.n, uint64(c.t))
	checkWords(t, "keepBits "+c.String(), got, c.want, 0x5a5a5a5a5a5a5a5a)

	for j := range got {
		got[j] = 0xa5a5a5a5a5a5a5a5
	}
	k.keepPlanes(got[:words], c.seed, c.start, c.t)
	trimTail(got[:words], c.n)
	checkWords(t, "keepPlanes "+c.String(), got, c.want, 0xa5a5a5a5a5a5a5a5)
}

// checkWords compares got[:len(want)] with want and checks that the word
// after them still holds guard.
func checkWords(t *testing.T, what string, got, want []uint64, guard uint64) {
	t.Helper()
	for j := range want {
		if got[j] != want[j] {
			t.Fatalf("%s: word %d = %#x, want %#x", what, j, got[j], want[j])
		}
	}
	if got[len(want)] != guard {
		t.Fatalf("%s: wrote past the mask", what)
	}
}

func checkPlaneFused[T float32 | float64](t *testing.T, k *kernelSet, c planeCase, pool []float64, inPlace bool) {
	t.Helper()
	s := T(1.5)
	src := make([]T, c.n)
	for i := range src {
		src[i] = T(pool[i%len(pool)])
	}
	dst := make([]T, c.n)
	if inPlace {
		copy(dst, src)
	}
	in := src
	if inPlace {
		in = dst
	}
	bits := make([]uint64, len(c.want)+1)
	for j := range bits {
		bits[j] = 0x5a5a5a5a5a5a5a5a
	}
	what := fmt.Sprintf("dropoutPhilox %T %s in place %v", T(0), c, inPlace)
	typed[T](k).dropoutPhilox(dst, in, bits[:len(c.want)], c.seed, c.start, c.t, s)
	checkWords(t, what, bits, c.want, 0x5a5a5a5a5a5a5a5a)
	for i := range dst {
		want := T(0)
		if c.want[i/64]>>(i%64)&1 == 1 {
			want = src[i] * s
		}
		if bitsOf(dst[i]) != bitsOf(want) {
			t.Fatalf("%s: dst[%d] = %#x, want %#x", what, i, bitsOf(dst[i]), bitsOf(want))
		}
	}
	noMask := make([]T, c.n)
	typed[T](k).dropoutPhilox(noMask, src, nil, c.seed, c.start, c.t, s)
	if i := firstDiff(noMask, dst); i >= 0 {
		t.Fatalf("%s: without a mask, dst[%d] differs", what, i)
	}
}

// planePool is the inputs of the plane tests: normals and specials.
func planePool() []float64 {
	return fill[float64](rand.New(rand.NewPCG(201, 202)), 4099)
}

// TestPlanesLengths: at every length 1..4096 and a few large ones, every
// path matches decideGroup's mask (fillKeep), and every 64th length the mask
// assembled from all 32 planes (drawRef); random seeds, starts (some near
// the 2⁶⁴ wrap) and thresholds.
func TestPlanesLengths(t *testing.T) {
	defer func(v int) { keepSIMDMin = v }(keepSIMDMin)
	keepSIMDMin = 1
	r := rand.New(rand.NewPCG(203, 204))
	var cases []planeCase
	lengths := []int{}
	for n := 1; n <= 4096; n++ {
		lengths = append(lengths, n)
	}
	// Past 4096 the AVX-512 fused kernel decides in chunks of 64 groups
	// with a second pass: lengths around the chunks' ends.
	for _, c := range []int{4096, 8192, 3 * 4096} {
		for _, d := range []int{1, 2, 63, 64, 65, 1000} {
			lengths = append(lengths, c+d)
		}
	}
	lengths = append(lengths, 8192, 3*4096, 1<<16+17, 300001)
	for _, n := range lengths {
		c := planeCase{n: n, seed: r.Uint64(), start: r.Uint64(), t: r.Uint32()}
		if n%4 == 1 {
			c.start = -uint64(r.IntN(16 * (n + 63) / 64))
		}
		if n%64 == 0 {
			c.want = keepRef(c.seed, c.start, n, c.t)
		} else {
			c.want = make([]uint64, (n+63)/64)
			fillKeep(c.want, c.seed, c.start, n, uint64(c.t))
		}
		cases = append(cases, c)
	}
	pool := planePool()
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		for i, c := range cases {
			checkPlaneCase(t, k, c, pool, i%2 == 1)
		}
	})
}

// TestPlanesCounterCarry: a counter that carries into its high word, or
// wraps at 2⁶⁴, at block k of the group at position p of a lockstep batch
// (p over two batches of the widest path, and over two more in the second
// chunk of the AVX-512 fused kernel; k = 0..15), with t equal to the number
// u of a lane of that group, or to u with one of its last two bits flipped,
// so that the lane stays open through 30 or all 32 planes and the last
// blocks of the group decide it: the mask of that group is drawRef's, the
// rest decideGroup's.
func TestPlanesCounterCarry(t *testing.T) {
	defer func(v int) { keepSIMDMin = v }(keepSIMDMin)
	keepSIMDMin = 1
	r := rand.New(rand.NewPCG(205, 206))
	var cases []planeCase
	for _, edge := range []uint64{1 << 32, 0} { // carry into the high word; wrap at 2⁶⁴
		// Groups 70..101 are in the second chunk of the AVX-512 two-pass
		// decision, at every position of its batches.
		for _, p := range append(seq(0, 2*lockstepMax), seq(70, 70+2*lockstepMax)...) {
			for k := 0; k < 16; k++ {
				// Block start+16p+k is edge-1: block k+1 of group p is edge.
				start := edge - uint64(16*p+k) - 1
				seed := r.Uint64()
				n := 64*(p+1) + r.IntN(64*3)
				lane := 64*p + r.IntN(64)
				flip := uint32(k % 4) // u == t, or u and t differing at plane 31, 30 or both
				c := planeCase{n: n, seed: seed, start: start, t: drawRef(seed, start, lane) ^ flip}
				c.want = make([]uint64, (n+63)/64)
				fillKeep(c.want, seed, start, n, uint64(c.t))
				ref := keepRef(seed, start, 64*(p+1), c.t)
				if ref[p] != c.want[p] {
					t.Fatalf("%s: decideGroup's group %d = %#x, drawRef's %#x", c, p, c.want[p], ref[p])
				}
				if got, want := c.want[p]>>(lane%64)&1, b2u(c.t <= c.t^flip); got != want {
					t.Fatalf("%s: lane %d with u = t^%d: kept %d, want %d", c, lane, flip, got, want)
				}
				cases = append(cases, c)
			}
		}
	}
	pool := planePool()
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		for i, c := range cases {
			checkPlaneCase(t, k, c, pool, i%2 == 0)
		}
	})
}

// b2u is 1 for true, 0 for false.
func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// seq returns lo, lo+1, ..., hi-1.
func seq(lo, hi int) []int {
	s := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		s = append(s, i)
	}
	return s
}

// TestPlanesThresholdEdges: thresholds at the ends of the range, with long
// runs of ones or of zeros (each plane of a run decides only the lanes that
// leave it), alternating bits, and the thresholds of p = 1e-9 and 1-1e-9,
// at lengths around the batch sizes; masks from drawRef.
func TestPlanesThresholdEdges(t *testing.T) {
	defer func(v int) { keepSIMDMin = v }(keepSIMDMin)
	keepSIMDMin = 1
	thresholds := []uint32{0, 1, 2, 1<<32 - 1, 1<<32 - 2, 0xFFFF0000, 0x0000FFFF, 0x80000001, 0x7FFFFFFF,
		0x80000000, 0xAAAAAAAA, 0x55555555, uint32(threshold(1e-9)), uint32(threshold(1 - 1e-9))}
	if threshold(1e-9) != 4 || threshold(1-1e-9) != 1<<32-4 {
		t.Fatalf("threshold(1e-9) = %d, threshold(1-1e-9) = %d", threshold(1e-9), threshold(1-1e-9))
	}
	lengths := []int{1, 63, 64, 65, 511, 512, 513, 1023, 1024, 1025, 4096 + 33, 3*4096 + 1}
	r := rand.New(rand.NewPCG(207, 208))
	var cases []planeCase
	for _, tt := range thresholds {
		for _, n := range lengths {
			c := planeCase{n: n, seed: r.Uint64(), start: r.Uint64(), t: tt}
			c.want = keepRef(c.seed, c.start, n, tt)
			cases = append(cases, c)
		}
	}
	pool := planePool()
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		for i, c := range cases {
			checkPlaneCase(t, k, c, pool, i%2 == 0)
		}
	})
}

// TestPlanesUndecidedLanes: lanes whose u equals t are open after all 32
// planes and must be kept, and lanes whose u differs from t in the last bit
// or two are decided by the last planes; their groups' other lanes are
// decided as drawRef says, wherever the lane sits in a batch or chunk.
func TestPlanesUndecidedLanes(t *testing.T) {
	defer func(v int) { keepSIMDMin = v }(keepSIMDMin)
	keepSIMDMin = 1
	r := rand.New(rand.NewPCG(209, 210))
	var cases []planeCase
	for iter := 0; iter < 40; iter++ {
		n := 1 + r.IntN(2100)
		if iter%2 == 1 {
			n += 4096 + r.IntN(8192)
		}
		seed, start := r.Uint64(), r.Uint64()
		lane := r.IntN(n)
		flip := uint32(iter % 4)
		c := planeCase{n: n, seed: seed, start: start, t: drawRef(seed, start, lane) ^ flip}
		c.want = keepRef(seed, start, n, c.t)
		if got, want := c.want[lane/64]>>(lane%64)&1, b2u(c.t <= c.t^flip); got != want {
			t.Fatalf("%s: lane %d with u = t^%d: kept %d, want %d", c, lane, flip, got, want)
		}
		cases = append(cases, c)
	}
	pool := planePool()
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		for i, c := range cases {
			checkPlaneCase(t, k, c, pool, i%2 == 1)
		}
	})
}

// TestKeepPlanesLengths: every path's keepPlanes, called directly, writes
// decideGroup's word for each of 1..100 groups (every position of several
// lockstep batches), with the stale words overwritten and the words after
// left alone.
func TestKeepPlanesLengths(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		r := rand.New(rand.NewPCG(211, 212))
		for words := 1; words <= 100; words++ {
			seed, start, tt := r.Uint64(), r.Uint64(), r.Uint32()
			want := make([]uint64, words)
			for g := range want {
				want[g] = decideGroup(uint32(seed), uint32(seed>>32), start+groupBlocks*uint64(g), tt, ^uint64(0))
			}
			got := make([]uint64, words+3)
			for j := range got {
				got[j] = r.Uint64()
			}
			after := append([]uint64(nil), got[words:]...)
			k.keepPlanes(got[:words], seed, start, tt)
			for g := range want {
				if got[g] != want[g] {
					t.Fatalf("words=%d start=%#x t=%#x: word %d = %#x, want %#x", words, start, tt, g, got[g], want[g])
				}
			}
			for j, a := range after {
				if got[words+j] != a {
					t.Fatalf("words=%d: wrote word %d past the end", words, words+j)
				}
			}
		}
	})
}
