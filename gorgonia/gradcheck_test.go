package gorgoniadrop

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/simdrop/simdrop/dropout"
)

// gradNet is x → conv 3×3 → ReLU → Dropout2d(p) → dense → loss = ½Σout²,
// float64, with the gradients of the loss with respect to the input, the
// filter and the dense weights.
type gradNet struct {
	g           *G.ExprGraph
	vm          G.VM
	gen         *dropout.Generator
	drop        *Op
	loss        *G.Node
	params      []*tensor.Dense // x, filter, dense weights
	grads       G.Nodes
	n, c, h, w  int
	featsKept   int
	featsDroppd int
}

func newGradNet(t *testing.T, p float64, badBackward bool) *gradNet {
	t.Helper()
	const n, c, h, w, out = 2, 4, 5, 5, 3
	r := rand.New(rand.NewPCG(11, 12))
	g := G.NewGraph()
	xv := tensor.New(tensor.WithShape(n, 1, h, w), tensor.WithBacking(randSlice[float64](r, n*h*w)))
	fv := tensor.New(tensor.WithShape(c, 1, 3, 3), tensor.WithBacking(randSlice[float64](r, c*9)))
	dv := tensor.New(tensor.WithShape(c*h*w, out), tensor.WithBacking(randSlice[float64](r, c*h*w*out)))
	x := G.NewTensor(g, tensor.Float64, 4, G.WithShape(n, 1, h, w), G.WithName("x"), G.WithValue(xv))
	f := G.NewTensor(g, tensor.Float64, 4, G.WithShape(c, 1, 3, 3), G.WithName("filter"), G.WithValue(fv))
	d := G.NewMatrix(g, tensor.Float64, G.WithShape(c*h*w, out), G.WithName("dense"), G.WithValue(dv))

	conv := G.Must(G.Conv2d(x, f, tensor.Shape{3, 3}, []int{1, 1}, []int{1, 1}, []int{1, 1}))
	act := G.Must(G.Rectify(conv))
	gen := dropout.NewGenerator(5)
	dropped, err := Dropout2d(act, p, gen)
	if err != nil {
		t.Fatal(err)
	}
	drop, _ := OpOf(dropped)
	drop.badBackward = badBackward
	flat := G.Must(G.Reshape(dropped, tensor.Shape{n, c * h * w}))
	y := G.Must(G.Mul(flat, d))
	loss := G.Must(G.Mul(G.Must(G.Sum(G.Must(G.Square(y)))), G.NewConstant(0.5)))
	grads, err := G.Grad(loss, x, f, d)
	if err != nil {
		t.Fatal(err)
	}
	return &gradNet{g: g, vm: G.NewTapeMachine(g), gen: gen, drop: drop, loss: loss,
		params: []*tensor.Dense{xv, fv, dv}, grads: grads, n: n, c: c, h: h, w: w}
}

// run restores the generator to st, so that every run draws the same
// masks, and returns the loss.
func (net *gradNet) run(t *testing.T, st dropout.State) float64 {
	t.Helper()
	net.gen.SetState(st)
	if err := net.vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	defer net.vm.Reset()
	return net.loss.Value().Data().(float64)
}

// check compares every analytic gradient with a central difference and
// returns the largest relative error.
func (net *gradNet) check(t *testing.T) float64 {
	t.Helper()
	st := net.gen.State()
	net.run(t, st)
	m := net.drop.Mask()
	kept := m.KeptCount()
	if kept == 0 || kept == m.Features() {
		t.Fatalf("mask keeps %d of %d channels: the check needs both kept and dropped ones", kept, m.Features())
	}
	analytic := make([][]float64, len(net.params))
	for i, gn := range net.grads {
		analytic[i] = append([]float64(nil), gn.Value().Data().([]float64)...)
	}
	const eps = 1e-5
	worst := 0.0
	for i, pv := range net.params {
		data := pv.Float64s()
		for j := range data {
			orig := data[j]
			data[j] = orig + eps
			lp := net.run(t, st)
			data[j] = orig - eps
			lm := net.run(t, st)
			data[j] = orig
			num := (lp - lm) / (2 * eps)
			a := analytic[i][j]
			rel := math.Abs(num-a) / math.Max(1, math.Max(math.Abs(num), math.Abs(a)))
			worst = math.Max(worst, rel)
		}
	}
	return worst
}

// TestGradientCheck: through conv → ReLU → Dropout2d → dense, the gradients
// gorgonia computes with this op's backward equal central differences of the
// loss, with the masks frozen by restoring the generator's state before each
// run. p = 0.3, so that 1/p and 1/(1−p) differ.
func TestGradientCheck(t *testing.T) {
	net := newGradNet(t, 0.3, false)
	defer net.vm.Close()
	worst := net.check(t)
	t.Logf("largest relative error %.3g", worst)
	if worst > 1e-6 {
		t.Fatalf("largest relative error %.3g, want ≤ 1e-6", worst)
	}
}

// TestGradientCheckCatchesOneOverP is the negative control: the same check
// with the backward scaling kept gradients by 1/p, as gorgonia's own
// Dropout does, must fail.
func TestGradientCheckCatchesOneOverP(t *testing.T) {
	net := newGradNet(t, 0.3, true)
	defer net.vm.Close()
	worst := net.check(t)
	t.Logf("largest relative error %.3g with a 1/p backward", worst)
	if worst < 1e-2 {
		t.Fatalf("largest relative error %.3g with a 1/p backward: the check cannot tell", worst)
	}
}
