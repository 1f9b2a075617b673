package dropout_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/simdrop/simdrop/dropout"
)

// eachKernel runs f once per usable kernel path, with that path selected.
func eachKernel(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	prev := dropout.Kernel()
	defer dropout.UseKernel(prev)
	for _, name := range dropout.Kernels() {
		if err := dropout.UseKernel(name); err != nil {
			t.Fatalf("UseKernel(%q) of a listed kernel: %v", name, err)
		}
		t.Run(name, f)
	}
}

func TestKernelRegistry(t *testing.T) {
	names := dropout.Kernels()
	if len(names) == 0 || names[len(names)-1] != "generic" {
		t.Fatalf("Kernels() = %v, want a list ending in generic", names)
	}
	if !slices.Contains(names, dropout.Kernel()) {
		t.Fatalf("Kernel() = %q, not in %v", dropout.Kernel(), names)
	}
	prev := dropout.Kernel()
	for _, bad := range []string{"", "nope", "GENERIC", "sse2"} {
		err := dropout.UseKernel(bad)
		if err == nil || !strings.Contains(err.Error(), `"`+bad+`"`) || !errors.Is(err, dropout.ErrKernel) {
			t.Errorf("UseKernel(%q) = %v, want an error naming it and wrapping ErrKernel", bad, err)
		}
		if dropout.Kernel() != prev {
			t.Errorf("UseKernel(%q) changed the kernel to %q", bad, dropout.Kernel())
		}
	}
}

// TestSameResultEveryKernel: a seed gives the same mask and the same bits on
// every path.
func TestSameResultEveryKernel(t *testing.T) {
	shape := []int{3, 17, 9, 11}
	src := make([]float32, 3*17*9*11)
	for i := range src {
		src[i] = float32(i%97) * 0.37
	}
	var want []float32
	eachKernel(t, func(t *testing.T) {
		dst := make([]float32, len(src))
		if _, err := dropout.Dropout2d(dst, src, shape, 0.4, dropout.NewGenerator(77)); err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want = dst
			return
		}
		for i := range dst {
			if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
				t.Fatalf("dst[%d] = %v, want %v (first path)", i, dst[i], want[i])
			}
		}
	})
}

func TestBadInput(t *testing.T) {
	nan := math.NaN()
	big := math.MaxInt/2 + 1
	buf := make([]float32, 64)
	cases := []struct {
		name     string
		dst, src []float32
		shape    []int
		p        float64
		want     error
		mentions string
	}{
		{"p NaN", buf[:8], make([]float32, 8), []int{2, 2, 2}, nan, dropout.ErrProbability, "NaN"},
		{"p negative", buf[:8], make([]float32, 8), []int{2, 2, 2}, -0.1, dropout.ErrProbability, "-0.1"},
		{"p above 1", buf[:8], make([]float32, 8), []int{2, 2, 2}, 1.5, dropout.ErrProbability, "1.5"},
		{"p +Inf", buf[:8], make([]float32, 8), []int{2, 2, 2}, math.Inf(1), dropout.ErrProbability, "+Inf"},
		{"rank 2", buf[:8], make([]float32, 8), []int{2, 4}, 0.5, dropout.ErrShape, "rank 2"},
		{"rank 5", buf[:8], make([]float32, 8), []int{1, 2, 2, 2, 1}, 0.5, dropout.ErrShape, "rank 5"},
		{"nil shape", buf[:0], nil, nil, 0.5, dropout.ErrShape, "rank 0"},
		{"negative dim", buf[:8], make([]float32, 8), []int{2, -2, 2, -1}, 0.5, dropout.ErrShape, "dim 1 is -2"},
		{"overflow", buf[:8], make([]float32, 8), []int{big, 2, 2, 1}, 0.5, dropout.ErrShape, "overflows"},
		{"short src", buf[:8], make([]float32, 7), []int{2, 2, 2}, 0.5, dropout.ErrLength, "len(src) = 7"},
		{"long dst", buf[:9], make([]float32, 8), []int{2, 2, 2}, 0.5, dropout.ErrLength, "len(dst) = 9"},
		{"overlap", buf[4:12], buf[0:8], []int{2, 2, 2}, 0.5, dropout.ErrOverlap, "dst"},
		{"overlap same start", buf[0:8], buf[0:8:8][:8], []int{2, 2, 2}, 0.5, nil, ""}, // in place is fine
		{"overlap, src inside", buf[0:8], buf[1:9], []int{2, 2, 2}, 0.5, dropout.ErrOverlap, "src"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for i := range buf {
				buf[i] = float32(i) + 0.5
			}
			before := slices.Clone(buf)
			srcBefore := slices.Clone(c.src)
			dstBefore := slices.Clone(c.dst)
			g := dropout.NewGenerator(1)
			m, err := dropout.Dropout2d(c.dst, c.src, c.shape, c.p, g)
			if c.want == nil {
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, c.want) || m != nil {
				t.Fatalf("err = %v (mask %v), want %v", err, m, c.want)
			}
			if !strings.Contains(err.Error(), c.mentions) || !strings.HasPrefix(err.Error(), "dropout: Dropout2d: ") {
				t.Errorf("error %q does not name %q", err, c.mentions)
			}
			if g.Offset() != 0 {
				t.Errorf("randomness consumed on error: offset %d", g.Offset())
			}
			if !slices.Equal(buf, before) || !slices.Equal(c.src, srcBefore) || !slices.Equal(c.dst, dstBefore) {
				t.Errorf("memory written on error")
			}
		})
	}
}

func TestBackwardBadInput(t *testing.T) {
	x := make([]float64, 24)
	m, err := dropout.Dropout1d(x, x, []int{2, 3, 4}, 0.5, dropout.NewGenerator(3))
	if err != nil {
		t.Fatal(err)
	}
	dx := make([]float64, 24)
	for _, c := range []struct {
		name     string
		dx, dy   []float64
		m        *dropout.Mask
		want     error
		mentions string
	}{
		{"nil mask", dx, x, nil, dropout.ErrMask, "nil mask"},
		{"short dy", dx, x[:20], m, dropout.ErrMask, "len(dy) = 20"},
		{"long dx", append(dx, 0), x, m, dropout.ErrMask, "len(dx) = 25"},
		{"overlap", x[:24], append(x[1:], 0)[:24], m, dropout.ErrMask, ""},
	} {
		if c.name == "overlap" {
			// dx and dy overlapping but not equal.
			buf := make([]float64, 30)
			c.dx, c.dy, c.want, c.mentions = buf[0:24], buf[6:30], dropout.ErrOverlap, "dx"
		}
		before := slices.Clone(c.dx)
		err := dropout.Backward(c.dx, c.dy, c.m)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.mentions) {
			t.Errorf("%s: err = %v, want %v naming %q", c.name, err, c.want, c.mentions)
		}
		if !slices.Equal(c.dx, before) {
			t.Errorf("%s: dx written on error", c.name)
		}
	}
}

func TestZeroSize(t *testing.T) {
	for _, shape := range [][]int{{0, 3, 4, 4}, {2, 0, 4, 4}, {2, 3, 0, 4}, {3, 4, 0}, {0, 0, 0}} {
		g := dropout.NewGenerator(5)
		m, err := dropout.Dropout2d[float32](nil, nil, shape, 0.5, g)
		if err != nil {
			t.Fatalf("%v: %v", shape, err)
		}
		if m.Len() != 0 || m.Features() != 0 || g.Offset() != 0 {
			t.Errorf("%v: len %d, features %d, offset %d; want 0, 0, 0", shape, m.Len(), m.Features(), g.Offset())
		}
		if err := dropout.Backward[float32](nil, []float32{}, m); err != nil {
			t.Errorf("%v: Backward: %v", shape, err)
		}
	}
}

// TestDropRate: the number of dropped features is binomial(n, p); 5σ bounds.
func TestDropRate(t *testing.T) {
	const n = 1 << 20
	x := make([]float32, n)
	for _, p := range []float64{0.01, 0.1, 0.5, 0.77, 0.99} {
		m, err := dropout.Dropout1d(x, x, []int{1024, 1024, 1}, p, dropout.NewGenerator(uint64(p*1000)))
		if err != nil {
			t.Fatal(err)
		}
		dropped := float64(n - m.KeptCount())
		mean, sd := n*p, math.Sqrt(n*p*(1-p))
		if math.Abs(dropped-mean) > 5*sd {
			t.Errorf("p=%v: dropped %v of %d, want %v ± %v", p, dropped, n, mean, 5*sd)
		}
	}
}

// TestConcurrentCallsGetDisjointStreams: calls sharing a generator reserve
// disjoint block ranges, and the generator ends at the sum of them.
func TestConcurrentCallsGetDisjointStreams(t *testing.T) {
	g := dropout.NewGenerator(11)
	const workers, calls = 8, 50
	starts := make(chan uint64, workers*calls)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := make([]float64, 7*4)
			for i := 0; i < calls; i++ {
				m, err := dropout.Dropout2d(x, x, []int{1, 7, 2, 2}, 0.5, g) // 7 features: one group, 16 blocks
				if err != nil {
					t.Error(err)
					return
				}
				_, start, count := m.Blocks()
				if count != 16 {
					t.Errorf("count = %d, want 16", count)
				}
				starts <- start
			}
		}()
	}
	wg.Wait()
	close(starts)
	seen := map[uint64]bool{}
	for s := range starts {
		if seen[s] || seen[s+1] || s%2 != 0 {
			t.Fatalf("block %d handed out twice or misaligned", s)
		}
		seen[s] = true
	}
	if g.Offset() != 16*workers*calls {
		t.Errorf("offset = %d, want %d", g.Offset(), 16*workers*calls)
	}
}

// TestCheckpointResume: restoring a generator's state reproduces the masks
// that followed it.
func TestCheckpointResume(t *testing.T) {
	g := dropout.NewGenerator(123)
	x := make([]float32, 2*9*4)
	shape := []int{2, 9, 4}
	dropout.Dropout1d(x, x, shape, 0.5, g)
	st := g.State()
	m1, _ := dropout.Dropout1d(x, x, shape, 0.5, g)
	m2, _ := dropout.Dropout1d(x, x, shape, 0.5, g)

	h := dropout.NewGenerator(0)
	h.SetState(st)
	r1, _ := dropout.Dropout1d(x, x, shape, 0.5, h)
	r2, _ := dropout.Dropout1d(x, x, shape, 0.5, h)
	for i := 0; i < m1.Features(); i++ {
		if m1.Kept(i) != r1.Kept(i) || m2.Kept(i) != r2.Kept(i) {
			t.Fatalf("feature %d differs after restoring %+v", i, st)
		}
	}
	if h.State() != g.State() {
		t.Errorf("state %+v, want %+v", h.State(), g.State())
	}
}

func TestNilGeneratorUsesDefault(t *testing.T) {
	d := dropout.DefaultGenerator()
	before := d.Offset()
	x := make([]float32, 8*3)
	if _, err := dropout.Dropout1d(x, x, []int{8, 3}, 0.5, nil); err != nil {
		t.Fatal(err)
	}
	if d.Offset() != before+16 { // 24 features: one group of 16 blocks
		t.Errorf("default generator offset %d → %d, want +16", before, d.Offset())
	}
}

func TestMaskAccessors(t *testing.T) {
	x := make([]float32, 2*3*4*5*6)
	m, err := dropout.Dropout3d(x, x, []int{2, 3, 4, 5, 6}, 0.25, dropout.NewGenerator(8))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.Shape(), []int{2, 3, 4, 5, 6}) || m.Len() != len(x) || m.Features() != 6 || m.P() != 0.25 {
		t.Errorf("shape %v len %d features %d p %v", m.Shape(), m.Len(), m.Features(), m.P())
	}
	if m.Kept(-1) || m.Kept(6) {
		t.Error("Kept out of range reported true")
	}
	c := m.Clone()
	for i := 0; i < 6; i++ {
		if c.Kept(i) != m.Kept(i) {
			t.Fatal("clone differs")
		}
	}
}

// TestScaleIsPyTorchs: the float32 scale equals PyTorch's. The expected bits
// were read from PyTorch 1.13 (torch.ones(4).div_(1-p), the scale its
// dropout applies) by bench/torch_parity.py; each p is one where
// float32(1/(1-p)) would be off by one ulp.
func TestScaleIsPyTorchs(t *testing.T) {
	for _, c := range []struct {
		p    float64
		bits uint32
	}{
		{0.42451918914251396, 0x3fde6c36},
		{0.22323896460701453, 0x3fa4c96e},
		{0.9762551055929201, 0x42287510},
		{0.6389134689261841, 0x40313e2b},
		{0.5477444657095578, 0x400d834e},
		{0.6803999731817859, 0x40484014},
	} {
		eachKernel(t, func(t *testing.T) {
			x := make([]float32, 64*3)
			for i := range x {
				x[i] = 1
			}
			m, err := dropout.Dropout1d(x, x, []int{64, 3}, c.p, dropout.NewGenerator(1))
			if err != nil {
				t.Fatal(err)
			}
			for f := 0; f < 64; f++ {
				if m.Kept(f) && math.Float32bits(x[3*f]) != c.bits {
					t.Fatalf("p=%v: scale %#08x, PyTorch's is %#08x", c.p, math.Float32bits(x[3*f]), c.bits)
				}
			}
		})
	}
}

// TestAlphaIsPyTorchs: AlphaDropout's float32 results equal PyTorch's bit for
// bit. The expected bits were read from PyTorch 1.13's F.alpha_dropout by
// bench/torch_parity.py: for each p, the dropped value and the kept values
// of x = 1, −2.5, 0.001 and 3.
func TestAlphaIsPyTorchs(t *testing.T) {
	xs := []float32{1, -2.5, 1e-3, 3}
	for _, c := range []struct {
		p       float64
		dropped uint32
		kept    [4]uint32
	}{
		{0.1, 0xbfba972f, [4]uint32{0x3f8aa81e, 0xc0090a14, 0x3e26cd3a, 0x403b40b6}},
		{0.5, 0xbf477941, [4]uint32{0x3fd53258, 0xbfb7e9aa, 0x3f47b358, 0x405c0ee2}},
		{0.9, 0xbe925fa0, [4]uint32{0x40865ee2, 0xbfbf0396, 0x4024c63f, 0x40ee710a}},
	} {
		eachKernel(t, func(t *testing.T) {
			x := make([]float32, 4*256)
			for i := range x {
				x[i] = xs[i%4]
			}
			y := make([]float32, len(x))
			m, err := dropout.AlphaDropout(y, x, []int{256, 4}, c.p, dropout.NewGenerator(2))
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range y {
				want := c.kept[i%4]
				if !m.Kept(i) {
					want = c.dropped
				}
				if math.Float32bits(v) != want {
					t.Fatalf("p=%v x=%v kept=%v: %#08x, PyTorch gives %#08x", c.p, x[i], m.Kept(i), math.Float32bits(v), want)
				}
			}
		})
	}
}
