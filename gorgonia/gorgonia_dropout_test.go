package gorgoniadrop

import (
	"math"
	"testing"
	"time"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// These tests pin the behaviour of gorgonia v0.9.18's own Dropout that the
// README compares this package with. Each fails if gorgonia stops behaving
// that way, so the comparison cannot go stale silently.

// gorgoniaGrad runs y = gorgonia.Dropout(x, p), loss = Σy and returns x's
// values, y and dx.
func gorgoniaGrad(t *testing.T, xs []float64, p float64) (y, dx []float64) {
	t.Helper()
	g := G.NewGraph()
	xv := tensor.New(tensor.WithShape(len(xs)), tensor.WithBacking(xs))
	x := G.NewVector(g, tensor.Float64, G.WithShape(len(xs)), G.WithValue(xv))
	yn, err := G.Dropout(x, p)
	if err != nil {
		t.Fatal(err)
	}
	grads, err := G.Grad(G.Must(G.Sum(yn)), x)
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	return yn.Value().Data().([]float64), grads[0].Value().Data().([]float64)
}

// The backward scales kept gradients by 1/p, not 1/(1−p) (op_dropout.go,
// lines 222 and 234), while the forward scales by 1/(1−p).
func TestGorgoniaDropoutBackwardIsOneOverP(t *testing.T) {
	const p = 0.3
	xs := make([]float64, 1000)
	for i := range xs {
		xs[i] = 1
	}
	y, dx := gorgoniaGrad(t, xs, p)
	kept := 0
	for i := range y {
		if y[i] == 0 {
			continue
		}
		kept++
		if math.Abs(y[i]-1/(1-p)) > 1e-12 {
			t.Fatalf("forward: kept y = %v, want 1/(1−p) = %v", y[i], 1/(1-p))
		}
		if math.Abs(dx[i]-1/p) > 1e-12 {
			t.Fatalf("backward: kept dx = %v, gorgonia's 1/p = %v (1/(1−p) = %v)", dx[i], 1/p, 1/(1-p))
		}
	}
	if kept == 0 {
		t.Fatal("nothing kept")
	}
}

// A kept element whose input is 0 gets no gradient: the backward tests
// output != 0 instead of the mask.
func TestGorgoniaDropoutKeptZeroGetsNoGradient(t *testing.T) {
	xs := make([]float64, 1000) // all zero; p = 0.01 keeps about 990
	_, dx := gorgoniaGrad(t, xs, 0.01)
	for i, d := range dx {
		if d != 0 {
			t.Fatalf("dx[%d] = %v: a zero input got a gradient", i, d)
		}
	}

	// At p = 0 nothing is dropped, yet no element gets a gradient: the
	// backward also tests p != 0.
	ones := make([]float64, 100)
	for i := range ones {
		ones[i] = 1
	}
	_, dx0 := gorgoniaGrad(t, ones, 0)
	for i, d := range dx0 {
		if d != 0 {
			t.Fatalf("p = 0: dx[%d] = %v, gorgonia gives 0", i, d)
		}
	}

	// This package's backward reads the mask: kept zeros get 1/(1−p).
	g := G.NewGraph()
	x := G.NewVector(g, tensor.Float64, G.WithShape(len(xs)), G.WithValue(tensor.New(tensor.WithShape(len(xs)), tensor.WithBacking(xs))))
	p := 0.01
	y, err := Dropout(x, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	grads, err := G.Grad(G.Must(G.Sum(y)), x)
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	o, _ := OpOf(y)
	mine := grads[0].Value().Data().([]float64)
	for i, d := range mine {
		want := 0.0
		if o.Mask().Kept(i) {
			want = 1 / (1 - p) // the float64 scale, rounded as simdrop rounds it
		}
		if d != want {
			t.Fatalf("this package: dx[%d] = %v, want %v", i, d, want)
		}
	}
}

// Its generator is seeded from time.Now (nn.go, line 72) and cannot be
// given: two identical graphs built apart in time draw different masks.
func TestGorgoniaDropoutIsNotReproducible(t *testing.T) {
	xs := func() []float64 {
		s := make([]float64, 1000)
		for i := range s {
			s[i] = 1
		}
		return s
	}
	a, _ := gorgoniaGrad(t, xs(), 0.5)
	time.Sleep(time.Millisecond)
	b, _ := gorgoniaGrad(t, xs(), 0.5)
	same := true
	for i := range a {
		if a[i] != b[i] {
			same = false
		}
	}
	if same {
		t.Fatal("two graphs drew the same 1000 decisions")
	}
}

// Dropout(x, 0.2) and Dropout(x, 0.9) are one node: p is not in the op's
// hash, and gorgonia merges nodes whose ops and children hash alike.
func TestGorgoniaDropoutMergesNodes(t *testing.T) {
	g := G.NewGraph()
	x := G.NewVector(g, tensor.Float64, G.WithShape(8), G.WithInit(G.Ones()))
	a, err := G.Dropout(x, 0.2)
	if err != nil {
		t.Fatal(err)
	}
	b, err := G.Dropout(x, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatal("Dropout(x, 0.2) and Dropout(x, 0.9) are two nodes")
	}
	// This package's nodes stay apart.
	c, _ := Dropout(x, 0.2, nil)
	d, _ := Dropout(x, 0.9, nil)
	if c == d {
		t.Fatal("this package merged Dropout(x, 0.2) and Dropout(x, 0.9)")
	}
}

// Its UsePreallocDo passes the method value Data instead of the data
// (op_dropout.go, line 101) and panics ("unknown dtype"); this package's
// fills the buffer.
func TestGorgoniaDropoutPreallocPanics(t *testing.T) {
	g := G.NewGraph()
	x := G.NewVector(g, tensor.Float64, G.WithShape(8), G.WithInit(G.Ones()))
	y, err := G.Dropout(x, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	pd, ok := y.Op().(G.UsePreallocDoer)
	if !ok {
		t.Fatal("gorgonia's dropout op is not a UsePreallocDoer")
	}
	xv := tensor.New(tensor.WithShape(8), tensor.WithBacking(make([]float64, 8)))
	pre := tensor.New(tensor.WithShape(8), tensor.Of(tensor.Float64))
	func() {
		defer func() {
			if recover() == nil {
				t.Error("gorgonia's UsePreallocDo did not panic")
			}
		}()
		pd.UsePreallocDo(pre, xv)
	}()

	mine, _ := Dropout(x, 0.5, nil)
	o, _ := OpOf(mine)
	if _, err := o.UsePreallocDo(pre, xv); err != nil {
		t.Fatal(err)
	}
}
