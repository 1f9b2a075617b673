//go:build linux || darwin

// Linux and Darwin are the systems whose syscall package has both Mmap and
// Mprotect; elsewhere these tests are simply not built.

package dropout

import (
	"fmt"
	"math/rand"
	"runtime/debug"
	"syscall"
	"testing"
	"unsafe"
)

// Memory-safety proof: buffers are placed flush against PROT_NONE pages, so a
// kernel that reads or writes even one byte outside its slices faults. With
// debug.SetPanicOnFault the fault becomes a panic that callKernel reports
// with the case; without it the test binary would crash, which proves the
// same thing less politely.

// guardedMem is an anonymous mapping of data pages between two PROT_NONE
// guard pages. Slices of any size up to the data size can be taken flush
// against either guard page.
type guardedMem struct {
	mem  []byte // the whole mapping, guard pages included
	page int
}

// newGuardedMem maps at least size bytes of read-write data between two
// guard pages; t.Cleanup unmaps it.
func newGuardedMem(t testing.TB, size int) *guardedMem {
	t.Helper()
	page := syscall.Getpagesize()
	data := max(1, (size+page-1)/page) * page
	mem, err := syscall.Mmap(-1, 0, data+2*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap %d bytes: %v", data+2*page, err)
	}
	g := &guardedMem{mem: mem, page: page}
	t.Cleanup(func() {
		if err := syscall.Munmap(mem); err != nil {
			t.Errorf("munmap: %v", err)
		}
	})
	g.protect(t, 0, page, syscall.PROT_NONE)
	g.protect(t, len(mem)-page, len(mem), syscall.PROT_NONE)
	return g
}

// dataStart and dataEnd are the offsets in mem of the data pages.
func (g *guardedMem) dataStart() int { return g.page }
func (g *guardedMem) dataEnd() int   { return len(g.mem) - g.page }

// protect sets the protection of mem[lo:hi]; lo and hi must be page-aligned.
func (g *guardedMem) protect(t testing.TB, lo, hi, prot int) {
	t.Helper()
	if lo >= hi {
		return
	}
	if err := syscall.Mprotect(g.mem[lo:hi], prot); err != nil {
		t.Fatalf("mprotect [%d, %d) to %d: %v", lo, hi, prot, err)
	}
}

// offset returns the offset in mem at which size bytes start when placed
// flush against the trailing guard page (atEnd) or the leading one.
func (g *guardedMem) offset(size int, atEnd bool) int {
	if size > g.dataEnd()-g.dataStart() {
		panic(fmt.Sprintf("guardedMem: %d bytes do not fit in %d", size, g.dataEnd()-g.dataStart()))
	}
	if atEnd {
		return g.dataEnd() - size
	}
	return g.dataStart()
}

// guardedSlice returns n elements of g flush against its trailing guard
// page (atEnd) or its leading one; its capacity is its length.
func guardedSlice[E any](g *guardedMem, n int, atEnd bool) []E {
	size := n * int(unsafe.Sizeof(*new(E)))
	off := g.offset(size, atEnd)
	if n == 0 {
		return []E{}
	}
	return unsafe.Slice((*E)(unsafe.Pointer(&g.mem[off])), n)
}

// guarded32 returns n float32s in a fresh mapping, flush against a PROT_NONE
// page after the last element (atEnd) or before the first, and a function
// that unmaps them; the slice must not be used after it is called.
func guarded32(t testing.TB, n int, atEnd bool) ([]float32, func()) {
	return guardedFresh[float32](t, n, atEnd)
}

// guarded64 is guarded32 for float64.
func guarded64(t testing.TB, n int, atEnd bool) ([]float64, func()) {
	return guardedFresh[float64](t, n, atEnd)
}

func guardedFresh[E any](t testing.TB, n int, atEnd bool) ([]E, func()) {
	t.Helper()
	page := syscall.Getpagesize()
	size := n * int(unsafe.Sizeof(*new(E)))
	data := max(1, (size+page-1)/page) * page
	mem, err := syscall.Mmap(-1, 0, data+2*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap %d bytes: %v", data+2*page, err)
	}
	g := &guardedMem{mem: mem, page: page}
	g.protect(t, 0, page, syscall.PROT_NONE)
	g.protect(t, len(mem)-page, len(mem), syscall.PROT_NONE)
	return guardedSlice[E](g, n, atEnd), func() {
		if err := syscall.Munmap(mem); err != nil {
			t.Errorf("munmap: %v", err)
		}
	}
}

// panicOnFault makes a memory fault in the calling goroutine a recoverable
// panic until the returned function is called.
func panicOnFault() (restore func()) {
	old := debug.SetPanicOnFault(true)
	return func() { debug.SetPanicOnFault(old) }
}

// guardRunner runs one path's kernel on buffers flush against guard pages.
type guardRunner[T float] struct {
	t              *testing.T
	fk             floatKind[T]
	prim           planesPrim[T]
	rng            *rand.Rand
	pool, want     []T
	dstMem, srcMem *guardedMem
	bitsMem        *guardedMem
	failures       int
	protectedPages int // pages of dropped planes made PROT_NONE in total
}

func newGuardRunner[T float](t *testing.T, prim planesPrim[T], maxLen int) *guardRunner[T] {
	rng := rand.New(rand.NewSource(2))
	fk := kind[T]()
	size := maxLen * int(unsafe.Sizeof(T(0)))
	return &guardRunner[T]{
		t:       t,
		fk:      fk,
		prim:    prim,
		rng:     rng,
		pool:    fk.pool(rng, maxLen),
		want:    make([]T, maxLen),
		dstMem:  newGuardedMem(t, size),
		srcMem:  newGuardedMem(t, size),
		bitsMem: newGuardedMem(t, 8*bitWords(127, maxLen)),
	}
}

// guardCase is one call with its buffers placed against guard pages.
type guardCase struct {
	plane, n, first, pat int
	dstAtEnd, srcAtEnd   bool
	inPlace              bool
	scale                int
	// srcUnread makes the source's pages PROT_NONE where the call must not
	// read them: every whole page inside a run of dropped planes.
	srcUnread bool
}

func (c guardCase) String() string {
	side := func(atEnd bool) string {
		if atEnd {
			return "flush at end"
		}
		return "flush at start"
	}
	where := fmt.Sprintf("out of place, dst %s, src %s", side(c.dstAtEnd), side(c.srcAtEnd))
	if c.inPlace {
		where = "in place, " + side(c.dstAtEnd)
	}
	if c.srcUnread {
		where += ", dropped planes of src PROT_NONE"
	}
	return fmt.Sprintf("plane=%d n=%d first=%d bits=%s scale#%d, %s", c.plane, c.n, c.first, patternNames[c.pat], c.scale, where)
}

func (r *guardRunner[T]) run(c guardCase) bool {
	t := r.t
	size := int(unsafe.Sizeof(T(0)))
	length := c.plane * c.n
	bits := guardedSlice[uint64](r.bitsMem, bitWords(c.first, c.n), c.dstAtEnd)
	fillBits(bits, r.rng, c.pat, c.first, c.n)
	s := r.prim.param(c.scale)
	in := r.pool[r.rng.Intn(len(r.pool)-length+1):][:length]
	want := r.want[:length]
	r.prim.oracle(want, in, bits, c.first, c.plane, c.n, c.scale)

	dst := guardedSlice[T](r.dstMem, length, c.dstAtEnd)
	src := dst
	srcOff := r.dstMem.offset(length*size, c.dstAtEnd)
	if !c.inPlace {
		src = guardedSlice[T](r.srcMem, length, c.srcAtEnd)
		srcOff = r.srcMem.offset(length*size, c.srcAtEnd)
		for i := range dst {
			dst[i] = r.fk.guard
		}
	}
	copy(src, in)

	ok := true
	fail := func(format string, args ...any) {
		ok = false
		t.Errorf("%v (%s, %s): "+format, append([]any{c, r.fk.name, s}, args...)...)
	}
	if c.srcUnread {
		r.protectDropped(bits, c, srcOff)
		defer r.srcMem.protect(t, r.srcMem.dataStart(), r.srcMem.dataEnd(), syscall.PROT_READ|syscall.PROT_WRITE)
	}

	restore := panicOnFault()
	called := callKernel(r.prim.kernel, dst, src, bits, c.first, c.plane, c.n, c.scale, fail)
	restore()
	if called {
		if i := firstDiff(dst, want); i >= 0 {
			fail("dst[%d] (plane %d) = %#x, want %#x", i, i/c.plane, bitsOf(dst[i]), bitsOf(want[i]))
		}
		if !c.inPlace && !c.srcUnread {
			if i := firstDiff(src, in); i >= 0 {
				fail("changed src[%d]", i)
			}
		}
	}
	if !ok {
		r.failures++
		if r.failures >= maxFailures {
			t.Errorf("too many failures; stopping")
			return false
		}
	}
	return true
}

// protectDropped makes PROT_NONE every page of the source mapping that holds
// no byte of a kept plane but some byte of a dropped one: the pages wholly
// inside a run of dropped planes, and where a run reaches either end of src
// the pages beyond it too, which hold nothing. src starts at srcOff in the
// mapping. With every plane dropped, all of src becomes unreadable.
func (r *guardRunner[T]) protectDropped(bits []uint64, c guardCase, srcOff int) {
	size := int(unsafe.Sizeof(T(0)))
	page := r.srcMem.page
	end := c.first + c.n
	for i := c.first; i < end; {
		j := i
		for j < end && bits[j/64]>>(j%64)&1 == 0 {
			j++
		}
		if j > i {
			lo := srcOff + (i-c.first)*c.plane*size
			hi := srcOff + (j-c.first)*c.plane*size
			plo, phi := (lo+page-1)/page*page, hi/page*page
			if i == c.first {
				plo = lo / page * page
			}
			if j == end {
				phi = (hi + page - 1) / page * page
			}
			if plo < phi {
				r.srcMem.protect(r.t, plo, phi, syscall.PROT_NONE)
				r.protectedPages += (phi - plo) / page
			}
		}
		i = j + 1
	}
}

func testPlanesGuardPages[T float](t *testing.T, prim planesPrim[T]) {
	const big = 1<<16 + 13
	r := newGuardRunner[T](t, prim, 2*big)
	ctr := 0
	try := func(c guardCase) bool {
		ctr++
		c.first = firsts[ctr%len(firsts)]
		c.scale = ctr % r.prim.nParams
		return r.run(c)
	}
	sizes := [][2]int{{4096, 1}, {4096, 3}, {1000, 9}, {big, 1}, {big, 2}}
	for plane := 1; plane <= 140; plane++ {
		for n := 1; n <= 5; n++ {
			sizes = append(sizes, [2]int{plane, n})
		}
	}
	for _, pn := range sizes {
		for _, pat := range []int{patKeep, patDrop, patRandom} {
			for _, ends := range [][2]bool{{true, true}, {false, false}, {true, false}, {false, true}} {
				c := guardCase{plane: pn[0], n: pn[1], pat: pat, dstAtEnd: ends[0], srcAtEnd: ends[1]}
				if !try(c) {
					return
				}
				if ends[0] == ends[1] {
					c.inPlace = true
					if !try(c) {
						return
					}
				}
			}
		}
	}
}

func testPlanesDroppedUnread[T float](t *testing.T, prim planesPrim[T]) {
	r := newGuardRunner[T](t, prim, 1<<17)
	page := r.srcMem.page / int(unsafe.Sizeof(T(0))) // elements per page
	ctr := 0
	try := func(c guardCase) bool {
		ctr++
		c.first = firsts[ctr%len(firsts)]
		c.scale = ctr % r.prim.nParams
		c.srcUnread = true
		return r.run(c)
	}
	// All planes dropped: every page src touches is PROT_NONE.
	sizes := [][2]int{{page, 1}, {page, 3}, {page - 1, 2}, {page + 1, 2}, {3 * page / 2, 4}, {1000, 9}, {4 * page, 1}}
	for plane := 1; plane <= 64; plane++ {
		for n := 1; n <= 4; n++ {
			sizes = append(sizes, [2]int{plane, n})
		}
	}
	for _, pn := range sizes {
		for _, atEnd := range []bool{true, false} {
			for _, dstAtEnd := range []bool{true, false} {
				if !try(guardCase{plane: pn[0], n: pn[1], pat: patDrop, srcAtEnd: atEnd, dstAtEnd: dstAtEnd}) {
					return
				}
			}
		}
	}
	// Mixed decisions: the pages inside dropped runs are PROT_NONE, the kept
	// planes readable.
	for _, plane := range []int{page / 4, page/2 + 3, page - 1, page, page + 1, 2 * page, 3*page - 5} {
		for _, pat := range []int{patAlternate, patRandom, patRuns} {
			for _, atEnd := range []bool{true, false} {
				n := min(9, (1<<17)/plane)
				if !try(guardCase{plane: plane, n: n, pat: pat, srcAtEnd: atEnd, dstAtEnd: !atEnd}) {
					return
				}
			}
		}
	}
	if r.protectedPages == 0 {
		t.Errorf("no page of src was made PROT_NONE: the test proves nothing")
	}
}

// TestScalePlanesGuardPages runs every usable path with dst, src and the mask
// flush against PROT_NONE pages, at the end and at the start, so any read or
// write outside them faults; results must still match the oracle.
func TestScalePlanesGuardPages(t *testing.T) {
	forEachVariant(t, func(t *testing.T, v variant) {
		t.Run("float32", func(t *testing.T) { testPlanesGuardPages(t, scalePrim[float32](t, v)) })
		t.Run("float64", func(t *testing.T) { testPlanesGuardPages(t, scalePrim[float64](t, v)) })
	})
}

// TestScalePlanesDroppedSrcUnread proves that no path reads the source of a
// dropped plane: with every plane dropped the whole source is PROT_NONE, and
// with mixed decisions every page lying inside a run of dropped planes is.
func TestScalePlanesDroppedSrcUnread(t *testing.T) {
	forEachVariant(t, func(t *testing.T, v variant) {
		t.Run("float32", func(t *testing.T) { testPlanesDroppedUnread(t, scalePrim[float32](t, v)) })
		t.Run("float64", func(t *testing.T) { testPlanesDroppedUnread(t, scalePrim[float64](t, v)) })
	})
}

// TestAffinePlanesGuardPages is TestScalePlanesGuardPages for the
// affine-planes primitive.
func TestAffinePlanesGuardPages(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		t.Run("float32", func(t *testing.T) { testPlanesGuardPages(t, affinePrim[float32](k)) })
		t.Run("float64", func(t *testing.T) { testPlanesGuardPages(t, affinePrim[float64](k)) })
	})
}

// TestAffinePlanesDroppedSrcUnread proves that no path reads the source of
// a plane it fills with c, as TestScalePlanesDroppedSrcUnread does for +0.
func TestAffinePlanesDroppedSrcUnread(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		t.Run("float32", func(t *testing.T) { testPlanesDroppedUnread(t, affinePrim[float32](k)) })
		t.Run("float64", func(t *testing.T) { testPlanesDroppedUnread(t, affinePrim[float64](k)) })
	})
}

// rowsPlacement says which guard page each of dst, src and v is flush
// against, and whether dst and src are the same slice.
type rowsPlacement struct {
	dstAtEnd, srcAtEnd, vAtEnd, inPlace bool
}

// rowsPlacements lists every placement: the eight out of place, and dst
// at either end in place.
var rowsPlacements = func() []rowsPlacement {
	var ps []rowsPlacement
	for i := range 8 {
		ps = append(ps, rowsPlacement{i&1 != 0, i&2 != 0, i&4 != 0, false})
	}
	for i := range 4 {
		ps = append(ps, rowsPlacement{i&1 != 0, i&1 != 0, i&2 != 0, true})
	}
	return ps
}()

func testScaleRowsGuardPages[T float](t *testing.T, k *kernelSet, nt bool) {
	const big = 1<<16 + 13
	size := int(unsafe.Sizeof(T(0)))
	kernel, oracle := rowsFn[T](k, nt), rowsOracle[T](k, nt)
	fk := kind[T]()
	rng := rand.New(rand.NewSource(4))
	pool, scales := fk.pool(rng, big), rowScales(fk)
	want := make([]T, big)
	dstMem, srcMem := newGuardedMem(t, big*size), newGuardedMem(t, big*size)
	vMem := newGuardedMem(t, 1000*size)
	failures, ctr := 0, 0

	try := func(n, w int, p rowsPlacement) bool {
		ctr++
		vpat := ctr % numVPatterns
		v := guardedSlice[T](vMem, w, p.vAtEnd)
		fillV(v, rng, vpat, scales)
		in := pool[rng.Intn(len(pool)-n+1):][:n]
		oracle(want[:n], in, v)
		dst := guardedSlice[T](dstMem, n, p.dstAtEnd)
		src := dst
		if !p.inPlace {
			src = guardedSlice[T](srcMem, n, p.srcAtEnd)
			for i := range dst {
				dst[i] = fk.guard
			}
		}
		copy(src, in)

		ok := true
		fail := func(format string, args ...any) {
			ok = false
			t.Errorf("len=%d len(v)=%d v=%s %+v (%s): "+format,
				append([]any{n, w, vPatternNames[vpat], p, fk.name}, args...)...)
		}
		restore := panicOnFault()
		called := callSafely(fail, func() { kernel(dst, src, v) }, spanOf("dst", dst), spanOf("src", src), spanOf("v", v))
		restore()
		if called {
			if i := firstDiff(dst, want[:n]); i >= 0 {
				fail("dst[%d] = %#x, want %#x", i, bitsOf(dst[i]), bitsOf(want[i]))
			}
			if !p.inPlace {
				if i := firstDiff(src, in); i >= 0 {
					fail("changed src[%d]", i)
				}
			}
		}
		if !ok {
			failures++
			if failures >= maxFailures {
				t.Errorf("too many failures; stopping")
				return false
			}
		}
		return true
	}

	// Every small length with every row width, the placement rotating; the
	// shortest lengths in every placement; long ones in a few placements
	// (sampled in short mode and under the race detector).
	for n := 1; n <= 140; n++ {
		for _, w := range rowWidths {
			if !try(n, w, rowsPlacements[ctr%len(rowsPlacements)]) {
				return
			}
		}
	}
	for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33} {
		for _, w := range rowWidths {
			for _, p := range rowsPlacements {
				if !try(n, w, p) {
					return
				}
			}
		}
	}
	for i, n := range []int{1001, 4096, 4099, big} {
		for j, w := range rowWidths {
			if (testing.Short() || raceEnabled) && (i+j)%4 != 0 {
				continue
			}
			for k := range 3 {
				if !try(n, w, rowsPlacements[(ctr+5*k)%len(rowsPlacements)]) {
					return
				}
			}
		}
	}
}

// TestScaleRowsGuardPages runs every usable path's scale-rows kernel with
// dst, src and v each flush against a PROT_NONE page, at the end or at the
// start, so any read or write outside them faults.
func TestScaleRowsGuardPages(t *testing.T) {
	forEachRowsVariant(t, func(t *testing.T, k *kernelSet, nt bool) {
		t.Run("float32", func(t *testing.T) { testScaleRowsGuardPages[float32](t, k, nt) })
		t.Run("float64", func(t *testing.T) { testScaleRowsGuardPages[float64](t, k, nt) })
	})
}
