package gorgoniadrop

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/simdrop/simdrop/dropout"
)

// A member of the family: its node constructor and the direct simdrop call
// it must equal bit for bit.
type member struct {
	name  string
	shape []int
	node  func(x *G.Node, p float64, g *dropout.Generator) (*G.Node, error)
	f32   func(dst, src []float32, shape []int, p float64, g *dropout.Generator, m *dropout.Mask) error
	f64   func(dst, src []float64, shape []int, p float64, g *dropout.Generator, m *dropout.Mask) error
}

type directFunc[T float32 | float64] func(dst, src []T, shape []int, p float64, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error)

func direct[T float32 | float64](f directFunc[T]) func(dst, src []T, shape []int, p float64, g *dropout.Generator, m *dropout.Mask) error {
	return func(dst, src []T, shape []int, p float64, g *dropout.Generator, m *dropout.Mask) error {
		_, err := f(dst, src, shape, p, g, dropout.Into(m))
		return err
	}
}

func simple(name string, shape []int, node func(*G.Node, float64, *dropout.Generator) (*G.Node, error),
	f32 directFunc[float32], f64 directFunc[float64]) member {
	return member{name, shape, node, direct(f32), direct(f64)}
}

func depth32(dst, src []float32, shape []int, p float64, g *dropout.Generator, m *dropout.Mask) error {
	_, err := dropout.StochasticDepth(dst, src, shape, p, dropout.Row, true, g, dropout.Into(m))
	return err
}

func depth64(dst, src []float64, shape []int, p float64, g *dropout.Generator, m *dropout.Mask) error {
	_, err := dropout.StochasticDepth(dst, src, shape, p, dropout.Row, true, g, dropout.Into(m))
	return err
}

func block32(dst, src []float32, shape []int, p float64, g *dropout.Generator, m *dropout.Mask) error {
	_, err := dropout.DropBlock2d(dst, src, shape, p, 3, g, dropout.Into(m))
	return err
}

func block64(dst, src []float64, shape []int, p float64, g *dropout.Generator, m *dropout.Mask) error {
	_, err := dropout.DropBlock2d(dst, src, shape, p, 3, g, dropout.Into(m))
	return err
}

var members = []member{
	simple("Dropout", []int{3, 5, 7}, Dropout, dropout.Dropout[float32], dropout.Dropout[float64]),
	simple("Dropout1d", []int{4, 6, 9}, Dropout1d, dropout.Dropout1d[float32], dropout.Dropout1d[float64]),
	simple("Dropout2d", []int{4, 6, 5, 5}, Dropout2d, dropout.Dropout2d[float32], dropout.Dropout2d[float64]),
	simple("Dropout3d", []int{2, 5, 3, 4, 4}, Dropout3d, dropout.Dropout3d[float32], dropout.Dropout3d[float64]),
	simple("Dropout1dNLC", []int{4, 9, 6}, Dropout1dNLC, dropout.Dropout1dNLC[float32], dropout.Dropout1dNLC[float64]),
	simple("Dropout2dNHWC", []int{4, 5, 5, 6}, Dropout2dNHWC, dropout.Dropout2dNHWC[float32], dropout.Dropout2dNHWC[float64]),
	simple("Dropout3dNDHWC", []int{2, 3, 4, 4, 5}, Dropout3dNDHWC, dropout.Dropout3dNDHWC[float32], dropout.Dropout3dNDHWC[float64]),
	simple("AlphaDropout", []int{3, 5, 7}, AlphaDropout, dropout.AlphaDropout[float32], dropout.AlphaDropout[float64]),
	{"StochasticDepth", []int{16, 3, 4}, func(x *G.Node, p float64, g *dropout.Generator) (*G.Node, error) {
		return StochasticDepth(x, p, dropout.Row, true, g)
	}, depth32, depth64},
	{"DropBlock2d", []int{2, 3, 9, 9}, func(x *G.Node, p float64, g *dropout.Generator) (*G.Node, error) {
		return DropBlock2d(x, p, 3, g)
	}, block32, block64},
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func randSlice[T float32 | float64](r *rand.Rand, n int) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = T(r.NormFloat64())
	}
	return s
}

func dtypeOf[T float32 | float64]() tensor.Dtype {
	var z T
	if _, ok := any(z).(float32); ok {
		return tensor.Float32
	}
	return tensor.Float64
}

func bitsEqual[T float32 | float64](a, b []T) (int, bool) {
	if len(a) != len(b) {
		return -1, false
	}
	for i := range a {
		if bitsOf(a[i]) != bitsOf(b[i]) {
			return i, false
		}
	}
	return 0, true
}

func bitsOf[T float32 | float64](v T) uint64 {
	switch v := any(v).(type) {
	case float32:
		return uint64(math.Float32bits(v))
	case float64:
		return math.Float64bits(v)
	}
	panic("unreachable")
}

func values[T float32 | float64](v G.Value) []T {
	return v.Data().([]T)
}

// probe is a graph y = op(x), loss = Σ y⊙c, with the gradient dx: dy = c,
// so dx must be Backward(c, mask) bit for bit.
type probe struct {
	g        *G.ExprGraph
	x, y, dx *G.Node
	xv, cv   *tensor.Dense
}

func newProbe[T float32 | float64](t *testing.T, m member, p float64, gen *dropout.Generator, seed uint64) *probe {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	dt := dtypeOf[T]()
	n := numel(m.shape)
	g := G.NewGraph()
	xv := tensor.New(tensor.WithShape(m.shape...), tensor.WithBacking(randSlice[T](r, n)))
	cv := tensor.New(tensor.WithShape(m.shape...), tensor.WithBacking(randSlice[T](r, n)))
	x := G.NewTensor(g, dt, len(m.shape), G.WithShape(m.shape...), G.WithName("x"), G.WithValue(xv))
	c := G.NewTensor(g, dt, len(m.shape), G.WithShape(m.shape...), G.WithName("c"), G.WithValue(cv))
	y, err := m.node(x, p, gen)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := G.Sum(G.Must(G.HadamardProd(y, c)))
	if err != nil {
		t.Fatal(err)
	}
	grads, err := G.Grad(loss, x)
	if err != nil {
		t.Fatal(err)
	}
	return &probe{g: g, x: x, y: y, dx: grads[0], xv: xv, cv: cv}
}

// want is what direct simdrop calls give for the probe's x and c from the
// generator state st: y, dx, and the generator's offset after the call.
func want[T float32 | float64](t *testing.T, m member, pr *probe, p float64, st dropout.State) (y, dx []T, offset uint64) {
	t.Helper()
	gen := dropout.NewGenerator(0)
	gen.SetState(st)
	x, c := values[T](pr.xv), values[T](pr.cv)
	y, dx = make([]T, len(x)), make([]T, len(x))
	var mask dropout.Mask
	var err error
	switch yy := any(y).(type) {
	case []float32:
		err = m.f32(yy, any(x).([]float32), m.shape, p, gen, &mask)
	case []float64:
		err = m.f64(yy, any(x).([]float64), m.shape, p, gen, &mask)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := dropout.Backward(dx, c, &mask); err != nil {
		t.Fatal(err)
	}
	return y, dx, gen.Offset()
}

// TestBitIdentity runs every member in a TapeMachine for a few steps and
// compares the output and the input gradient with direct simdrop calls from
// the same generator state, bit for bit, and the generator's offset after
// each step with the offset after one direct call.
func TestBitIdentity(t *testing.T) {
	for _, m := range members {
		t.Run(m.name+"/float32", func(t *testing.T) { testBitIdentity[float32](t, m) })
		t.Run(m.name+"/float64", func(t *testing.T) { testBitIdentity[float64](t, m) })
	}
}

func testBitIdentity[T float32 | float64](t *testing.T, m member) {
	const p = 0.3
	gen := dropout.NewGenerator(2024)
	pr := newProbe[T](t, m, p, gen, 5)
	vm := G.NewTapeMachine(pr.g)
	defer vm.Close()
	dropped := false
	for step := 0; step < 4; step++ {
		st := gen.State()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		wy, wdx, off := want[T](t, m, pr, p, st)
		if i, ok := bitsEqual(values[T](pr.y.Value()), wy); !ok {
			t.Fatalf("step %d: y differs from direct simdrop at %d", step, i)
		}
		if i, ok := bitsEqual(values[T](pr.dx.Value()), wdx); !ok {
			t.Fatalf("step %d: dx differs from direct simdrop at %d", step, i)
		}
		if got := gen.Offset(); got != off || off == st.Offset {
			t.Fatalf("step %d: generator offset %d → %d, one direct call: → %d", step, st.Offset, got, off)
		}
		for i, v := range wdx {
			if v == 0 && values[T](pr.cv)[i] != 0 {
				dropped = true
			}
		}
		vm.Reset()
	}
	if !dropped {
		t.Fatal("nothing was dropped in 4 steps: the test proves nothing")
	}
}

// TestOneDrawPerStep checks every way gorgonia runs an op — Do,
// UsePreallocDo, and ExternalOp.Do, which calls UsePreallocDo and then Do —
// draws one mask per call, the same as one direct call.
func TestOneDrawPerStep(t *testing.T) {
	const p = 0.4
	shape := []int{8, 16, 4, 4} // 128 features: 2 groups of 64, 32 blocks
	r := rand.New(rand.NewPCG(1, 2))
	xv := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(randSlice[float32](r, numel(shape))))
	gen := dropout.NewGenerator(99)
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float32, 4, G.WithShape(shape...), G.WithValue(xv))
	y, err := Dropout2d(x, p, gen)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := OpOf(y)

	check := func(name string, run func() (G.Value, error)) {
		t.Helper()
		st := gen.State()
		got, err := run()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ref := dropout.NewGenerator(0)
		ref.SetState(st)
		wy := make([]float32, xv.Size())
		if _, err := dropout.Dropout2d(wy, xv.Float32s(), shape, p, ref); err != nil {
			t.Fatal(err)
		}
		if d := gen.Offset() - st.Offset; d != ref.Offset()-st.Offset || d != 32 {
			t.Errorf("%s: drew %d blocks, one call draws %d (32 expected)", name, d, ref.Offset()-st.Offset)
		}
		if i, ok := bitsEqual(values[float32](got), wy); !ok {
			t.Errorf("%s: output differs from one direct call at %d", name, i)
		}
	}
	for step := 0; step < 3; step++ {
		check("Do", func() (G.Value, error) { return o.Do(xv) })
		pre := tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float32))
		check("UsePreallocDo", func() (G.Value, error) { return o.UsePreallocDo(pre, xv) })
		eo := G.NewExternalOp(o, G.ExecutionContext{}, pre)
		check("ExternalOp.Do", func() (G.Value, error) { return eo.Do(xv) })
		// A Do after a UsePreallocDo on another inputs slice is another step.
		before := gen.Offset()
		if _, err := o.UsePreallocDo(pre, xv); err != nil {
			t.Fatal(err)
		}
		if _, err := o.Do(xv); err != nil {
			t.Fatal(err)
		}
		if d := gen.Offset() - before; d != 64 {
			t.Errorf("UsePreallocDo, then Do on another inputs slice: drew %d blocks, want 2×32", d)
		}
	}
}

// TestEvalIsIdentity runs every member in a TapeMachine made with EvalMode:
// y = x and dx = dy bit for bit, and nothing is drawn. Switching the op back
// with SetTraining(true) draws again.
func TestEvalIsIdentity(t *testing.T) {
	for _, m := range members {
		t.Run(m.name, func(t *testing.T) {
			gen := dropout.NewGenerator(3)
			pr := newProbe[float32](t, m, 0.5, gen, 8)
			vm := G.NewTapeMachine(pr.g, G.EvalMode())
			defer vm.Close()
			o, _ := OpOf(pr.y)
			if o.Training() {
				t.Fatal("EvalMode did not switch the op to evaluation")
			}
			for step := 0; step < 2; step++ {
				if err := vm.RunAll(); err != nil {
					t.Fatal(err)
				}
				if i, ok := bitsEqual(values[float32](pr.y.Value()), pr.xv.Float32s()); !ok {
					t.Fatalf("y != x at %d", i)
				}
				if i, ok := bitsEqual(values[float32](pr.dx.Value()), pr.cv.Float32s()); !ok {
					t.Fatalf("dx != dy at %d", i)
				}
				vm.Reset()
			}
			if gen.Offset() != 0 {
				t.Fatalf("evaluation drew %d blocks", gen.Offset())
			}
			o.SetTraining(true)
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			if gen.Offset() == 0 {
				t.Fatal("training mode again, but nothing was drawn")
			}
		})
	}
}

// TestNodesAreNotMerged: two nodes with the same input and p stay two nodes
// with two masks (gorgonia merges nodes whose ops hash the same).
func TestNodesAreNotMerged(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 4, G.WithShape(2, 64, 1, 1), G.WithInit(G.RangedFrom(1)))
	gen := dropout.NewGenerator(4)
	a, err := Dropout2d(x, 0.5, gen)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Dropout2d(x, 0.5, gen)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatal("two Dropout2d nodes of the same input were merged into one")
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	if _, same := bitsEqual(values[float64](a.Value()), values[float64](b.Value())); same {
		t.Fatal("the two nodes drew the same mask")
	}
}

func TestBadArguments(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float32, 4, G.WithShape(1, 2, 3, 3))
	for _, p := range []float64{-0.1, 1.5, math.NaN()} {
		if _, err := Dropout2d(x, p, nil); err == nil {
			t.Errorf("p = %v accepted", p)
		}
	}
	if _, err := DropBlock2d(x, 0.1, 0, nil); err == nil {
		t.Error("block size 0 accepted")
	}
	if _, err := StochasticDepth(x, 0.1, "sideways", true, nil); err == nil {
		t.Error("mode sideways accepted")
	}
	y, err := Dropout1d(x, 0.1, nil) // rank 4 is not [N, C, L]
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err == nil {
		t.Errorf("Dropout1d ran on shape %v", y.Shape())
	}
}

// TestNoAllocation: after its first call, a step through UsePreallocDo
// (forward and backward) allocates nothing: the op reuses its Mask.
func TestNoAllocation(t *testing.T) {
	shape := []int{8, 16, 8, 8}
	r := rand.New(rand.NewPCG(3, 4))
	xv := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(randSlice[float32](r, numel(shape))))
	dyv := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(randSlice[float32](r, numel(shape))))
	yv := tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float32))
	dxv := tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float32))
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float32, 4, G.WithShape(shape...))
	dy := G.NewTensor(g, tensor.Float32, 4, G.WithShape(shape...))
	y, err := Dropout2d(x, 0.3, dropout.NewGenerator(1))
	if err != nil {
		t.Fatal(err)
	}
	o, _ := OpOf(y)
	dx, err := o.SymDiff(G.Nodes{x}, y, dy)
	if err != nil {
		t.Fatal(err)
	}
	bwd := dx[0].Op().(G.UsePreallocDoer)
	// The machine builds the inputs slices; so does the test, once.
	fwdIn, bwdIn := []G.Value{xv}, []G.Value{yv, dyv}
	step := func() {
		if _, err := o.UsePreallocDo(yv, fwdIn...); err != nil {
			t.Fatal(err)
		}
		if _, err := bwd.UsePreallocDo(dxv, bwdIn...); err != nil {
			t.Fatal(err)
		}
	}
	step()
	if n := testing.AllocsPerRun(20, step); n != 0 {
		t.Fatalf("%v allocations per step", n)
	}
}
