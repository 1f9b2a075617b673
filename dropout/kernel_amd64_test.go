//go:build gc && !purego

package dropout

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/cpuid/v2"
)

// amd64Paths names the assembly functions of each amd64 path; every function
// in dropout_amd64.s must belong to one of them.
var amd64Paths = map[string][]string{
	"avx512": {"scalePlanesAVX512F32", "scalePlanesAVX512F64"},
	"avx2":   {"scalePlanesAVX2F32", "scalePlanesAVX2F64"},
}

// requiresByFunc reads the "// Requires:" comment that avo writes above each
// function in dropout_amd64.s.
func requiresByFunc(t *testing.T) map[string][]string {
	t.Helper()
	src, err := os.ReadFile("dropout_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	reqs := map[string][]string{}
	fn := ""
	sc := bufio.NewScanner(bytes.NewReader(src))
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "// func "); ok {
			fn, _, _ = strings.Cut(rest, "(")
			reqs[fn] = nil
		} else if rest, ok := strings.CutPrefix(line, "// Requires: "); ok && fn != "" {
			reqs[fn] = strings.Split(rest, ", ")
		}
	}
	if len(reqs) == 0 {
		t.Fatal("no functions found in dropout_amd64.s")
	}
	return reqs
}

// TestAMD64PathsRegistered fails if a path this CPU can run is missing from
// the registry or not marked usable, or if a path is usable without every
// feature its generated code requires.
func TestAMD64PathsRegistered(t *testing.T) {
	reqs := requiresByFunc(t)
	claimed := map[string]bool{}
	for _, fns := range amd64Paths {
		for _, fn := range fns {
			claimed[fn] = true
		}
	}
	for fn := range reqs {
		if !claimed[fn] {
			t.Errorf("%s in dropout_amd64.s belongs to no path in amd64Paths", fn)
		}
	}

	for name, fns := range amd64Paths {
		var feats []cpuid.FeatureID
		var names []string
		for _, fn := range fns {
			r, ok := reqs[fn]
			if !ok {
				t.Errorf("path %s: function %s not in dropout_amd64.s", name, fn)
			}
			if len(r) == 0 {
				t.Errorf("path %s: function %s has no Requires comment", name, fn)
			}
			for _, f := range r {
				id := cpuid.ParseFeature(f)
				if id == cpuid.UNKNOWN {
					t.Errorf("path %s: cpuid does not know feature %q required by %s", name, f, fn)
				}
				if !slices.Contains(feats, id) {
					feats = append(feats, id)
					names = append(names, f)
				}
			}
		}
		want := cpuid.CPU.Supports(feats...)
		t.Logf("path %s requires %v; this CPU: %v", name, names, want)

		var k *kernelSet
		for _, r := range registry {
			if r.name == name {
				k = r
			}
		}
		switch {
		case k == nil:
			t.Errorf("path %s is not in the registry", name)
		case k.usable != want:
			t.Errorf("path %s: usable = %v, but the CPU supports %v: %v", name, k.usable, names, want)
		case k.scalePlanes32 == nil || k.scalePlanes64 == nil:
			t.Errorf("path %s has a nil kernel", name)
		}
	}
}

// specials32 and specials64 are the values every comparison must include.
var (
	specials32 = []float32{
		0, float32(math.Copysign(0, -1)),
		float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()),
		math.Float32frombits(0x7fa00001), // signalling NaN with payload
		math.Float32frombits(0xffc12345), // negative quiet NaN with payload
		math.Float32frombits(0x00000001), // smallest subnormal
		math.Float32frombits(0x807fffff), // largest negative subnormal
		math.Float32frombits(0x00400000),
		math.MaxFloat32, -math.MaxFloat32,
		math.SmallestNonzeroFloat32, 1, -1,
	}
	specials64 = []float64{
		0, math.Copysign(0, -1),
		math.Inf(1), math.Inf(-1),
		math.NaN(),
		math.Float64frombits(0x7ff4000000000001), // signalling NaN with payload
		math.Float64frombits(0xfff8123456789abc), // negative quiet NaN with payload
		math.Float64frombits(0x0000000000000001), // smallest subnormal
		math.Float64frombits(0x800fffffffffffff), // largest negative subnormal
		math.Float64frombits(0x0008000000000000),
		math.MaxFloat64, -math.MaxFloat64,
		math.SmallestNonzeroFloat64, 1, -1,
	}
)

// scales are dropout scales 1/(1-p) and values that overflow, underflow or
// round the products.
var scales = []float64{
	1, 2, 1.0 / 0.9, 1.0 / 0.7, 1.0 / 0.5, 1.0 / 0.3, 1.0 / 0.1, 1.0 / 0.001, 3, 1e30, 1e-30, 0.75,
}

type float interface{ float32 | float64 }

func floatBits[T float](x T) uint64 {
	switch v := any(x).(type) {
	case float32:
		return uint64(math.Float32bits(v))
	case float64:
		return math.Float64bits(v)
	}
	panic("unreachable")
}

// guard is what surrounds every buffer; no kernel writes it.
func guard[T float]() T {
	var g T
	switch p := any(&g).(type) {
	case *float32:
		*p = math.Float32frombits(0x7fc0dead)
	case *float64:
		*p = math.Float64frombits(0x7ff80000deadbeef)
	}
	return g
}

// planeCase is one call of a scale-planes kernel.
type planeCase struct {
	plane, n, first int
	dstOff, srcOff  int // start offsets in elements, 0..15
	inPlace         bool
	bits            []uint64
	scale           float64
	seed1, seed2    uint64 // source of the input values
	desc            string // the bit pattern, for messages
}

const guardLen = 32 // guard elements after each buffer

// fill sets x to random values with special values mixed in.
func fill[T float](x []T, r *rand.Rand, specials []T) {
	for i := range x {
		switch r.IntN(4) {
		case 0:
			x[i] = specials[r.IntN(len(specials))]
		default:
			x[i] = T(r.NormFloat64() * math.Ldexp(1, r.IntN(40)-20))
		}
	}
}

// checkPlanes runs kernel and scalePlanesGeneric on the same input and fails
// unless the outputs, guards and (out of place) the source agree bit for bit.
func checkPlanes[T float](t *testing.T, kernel func(dst, src []T, bits []uint64, first, plane, n int, s T), specials []T, c planeCase) {
	t.Helper()
	r := rand.New(rand.NewPCG(c.seed1, c.seed2))
	size := c.n * c.plane
	g := guard[T]()

	newBuf := func(off int) []T {
		b := make([]T, off+size+guardLen)
		for i := range b {
			b[i] = g
		}
		return b
	}
	dstBuf := newBuf(c.dstOff)
	fill(dstBuf[c.dstOff:c.dstOff+size], r, specials) // stale output, to be overwritten
	var srcBuf []T
	srcOff := c.dstOff
	if c.inPlace {
		srcBuf = dstBuf
	} else {
		srcOff = c.srcOff
		srcBuf = newBuf(srcOff)
	}
	fill(srcBuf[srcOff:srcOff+size], r, specials)

	wantDst := append([]T(nil), dstBuf...)
	wantSrc := wantDst
	if !c.inPlace {
		wantSrc = append([]T(nil), srcBuf...)
	}
	scalePlanesGeneric(wantDst[c.dstOff:c.dstOff+size], wantSrc[srcOff:srcOff+size], c.bits, c.first, c.plane, c.n, T(c.scale))
	origSrc := append([]T(nil), srcBuf...)

	kernel(dstBuf[c.dstOff:c.dstOff+size], srcBuf[srcOff:srcOff+size], c.bits, c.first, c.plane, c.n, T(c.scale))

	for i := range dstBuf {
		if floatBits(dstBuf[i]) != floatBits(wantDst[i]) {
			what := "guard"
			if k := i - c.dstOff; k >= 0 && k < size {
				what = fmt.Sprintf("plane %d element %d (src %v)", k/c.plane, k%c.plane, origSrc[srcOff+k])
			}
			t.Fatalf("%+v: dst[%d] (%s) = %v (%#x), want %v (%#x)", c, i, what, dstBuf[i], floatBits(dstBuf[i]), wantDst[i], floatBits(wantDst[i]))
		}
	}
	if !c.inPlace {
		for i := range srcBuf {
			if floatBits(srcBuf[i]) != floatBits(origSrc[i]) {
				t.Fatalf("%+v: src[%d] changed from %v to %v", c, i, origSrc[i], srcBuf[i])
			}
		}
	}
}

// randomBits returns words covering bits [0, first+n) in one of several
// patterns: random, all clear, all set, or long runs.
func randomBits(r *rand.Rand, first, n int, pattern int) ([]uint64, string) {
	words := make([]uint64, (first+n+63)/64+r.IntN(2))
	switch pattern {
	case 0:
		for i := range words {
			words[i] = r.Uint64()
		}
		return words, "random"
	case 1:
		return words, "zeros"
	case 2:
		for i := range words {
			words[i] = ^uint64(0)
		}
		return words, "ones"
	default:
		keep := r.IntN(2) == 1
		for b := 0; b < len(words)*64; {
			run := 1 + r.IntN(100)
			for ; run > 0 && b < len(words)*64; run, b = run-1, b+1 {
				if keep {
					words[b>>6] |= 1 << (b & 63)
				}
			}
			keep = !keep
		}
		return words, "runs"
	}
}

// planeCases lists the calls every path is compared on.
func planeCases() []planeCase {
	r := rand.New(rand.NewPCG(1, 2))
	var cases []planeCase
	add := func(plane, n, first, dstOff, srcOff int, inPlace bool, pattern int) {
		bits, desc := randomBits(r, first, n, pattern)
		cases = append(cases, planeCase{
			plane: plane, n: n, first: first, dstOff: dstOff, srcOff: srcOff, inPlace: inPlace,
			bits: bits, desc: desc, scale: scales[r.IntN(len(scales))],
			seed1: r.Uint64(), seed2: r.Uint64(),
		})
	}

	// Every plane length around the vector widths, every n up to 9, every
	// bit pattern, in place and not; offsets and first cycle.
	planes := []int{1100, 4096 + 13}
	for p := 1; p <= 300; p++ {
		planes = append(planes, p)
	}
	k := 0
	for _, plane := range planes {
		for n := 1; n <= 9; n++ {
			for pattern := 0; pattern < 4; pattern++ {
				if plane > 300 && pattern%2 == 1 {
					continue // keep the large planes cheap
				}
				k++
				add(plane, n, k*13%131, k*7%16, k*11%16, k%2 == 0, pattern)
			}
		}
	}

	// Every pair of start offsets (0..63 bytes off alignment).
	for dstOff := 0; dstOff < 16; dstOff++ {
		for srcOff := 0; srcOff < 16; srcOff++ {
			for _, plane := range []int{1, 7, 17, 49, 100} {
				add(plane, 1+r.IntN(9), r.IntN(131), dstOff, srcOff, false, r.IntN(4))
			}
		}
		add(1+r.IntN(200), 1+r.IntN(9), r.IntN(131), dstOff, dstOff, true, 0)
	}

	// Every first offset 0..130, and many small planes so that runs cross
	// word boundaries of bits.
	for first := 0; first <= 130; first++ {
		for pattern := 0; pattern < 4; pattern++ {
			add(1+r.IntN(5), 1+r.IntN(9), first, r.IntN(16), r.IntN(16), r.IntN(2) == 0, pattern)
			add(1+r.IntN(3), 60+r.IntN(200), first, r.IntN(16), r.IntN(16), r.IntN(2) == 0, pattern)
		}
	}
	return cases
}

func TestScalePlanesMatchesGeneric(t *testing.T) {
	cases := planeCases()
	for _, k := range archKernels {
		t.Run(k.name, func(t *testing.T) {
			if !k.usable {
				t.Skipf("this CPU cannot run %s (TestAMD64PathsRegistered checks that this is right)", k.name)
			}
			t.Run("float32", func(t *testing.T) {
				for _, c := range cases {
					checkPlanes(t, k.scalePlanes32, specials32, c)
				}
			})
			t.Run("float64", func(t *testing.T) {
				for _, c := range cases {
					checkPlanes(t, k.scalePlanes64, specials64, c)
				}
			})
		})
	}
}
