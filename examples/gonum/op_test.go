package main

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/simdrop/simdrop/dropout"
)

func randDense(rng *rand.Rand, r, c int) *mat.Dense {
	m := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			m.Set(i, j, rng.NormFloat64())
		}
	}
	return m
}

// The op gives exactly what dropout.Dropout2d and dropout.Backward give on
// the same N×C×H×W slice from the same generator state.
func TestMatchesDropout2d(t *testing.T) {
	const n, c, h, w, p, seed = 4, 3, 2, 5, 0.4, 11
	rng := rand.New(rand.NewPCG(1, 2))
	x, dy := randDense(rng, n*c, h*w), randDense(rng, n*c, h*w)

	op, err := NewDropout2dOp(c, p, dropout.NewGenerator(seed))
	if err != nil {
		t.Fatal(err)
	}
	var y, dx mat.Dense
	if err := op.Forward(&y, x); err != nil {
		t.Fatal(err)
	}
	if err := op.Backward(&dx, dy); err != nil {
		t.Fatal(err)
	}

	wantY := make([]float64, n*c*h*w)
	m, err := dropout.Dropout2d(wantY, x.RawMatrix().Data, []int{n, c, h, w}, p, dropout.NewGenerator(seed))
	if err != nil {
		t.Fatal(err)
	}
	wantDx := make([]float64, len(wantY))
	if err := dropout.Backward(wantDx, dy.RawMatrix().Data, m); err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(&y, mat.NewDense(n*c, h*w, wantY)) {
		t.Errorf("forward:\n%v\nwant\n%v", mat.Formatted(&y), mat.Formatted(mat.NewDense(n*c, h*w, wantY)))
	}
	if !mat.Equal(&dx, mat.NewDense(n*c, h*w, wantDx)) {
		t.Errorf("backward:\n%v\nwant\n%v", mat.Formatted(&dx), mat.Formatted(mat.NewDense(n*c, h*w, wantDx)))
	}
	if k := m.KeptCount(); k == 0 || k == m.Features() {
		t.Errorf("the mask keeps %d of %d channels: pick a seed that tests both", k, m.Features())
	}
	for i := 0; i < n*c; i++ {
		if m.Kept(i) != op.Mask().Kept(i) {
			t.Errorf("row %d: op kept %v, Dropout2d kept %v", i, op.Mask().Kept(i), m.Kept(i))
		}
	}
}

// A view with a stride (a Slice of a wider matrix) gives the same result as
// a contiguous copy of it, and leaves the rest of the wider matrix alone.
func TestView(t *testing.T) {
	const c, p, seed = 2, 0.5, 3
	rng := rand.New(rand.NewPCG(3, 4))
	wide := randDense(rng, 6, 9)
	x := wide.Slice(0, 6, 2, 6).(*mat.Dense) // 6×4, stride 9
	var packed mat.Dense
	packed.CloneFrom(x)

	out := mat.NewDense(6, 9, nil)
	view := out.Slice(0, 6, 2, 6).(*mat.Dense)
	opView, _ := NewDropout2dOp(c, p, dropout.NewGenerator(seed))
	if err := opView.Forward(view, x); err != nil {
		t.Fatal(err)
	}
	var want mat.Dense
	opPacked, _ := NewDropout2dOp(c, p, dropout.NewGenerator(seed))
	if err := opPacked.Forward(&want, &packed); err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(view, &want) {
		t.Errorf("view:\n%v\nwant\n%v", mat.Formatted(view), mat.Formatted(&want))
	}
	for i := 0; i < 6; i++ {
		for j := 0; j < 9; j++ {
			if (j < 2 || j >= 6) && out.At(i, j) != 0 {
				t.Fatalf("wrote outside the view at (%d, %d)", i, j)
			}
		}
	}
}

// In place, and the identity in evaluation mode.
func TestInPlaceAndEval(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := randDense(rng, 8, 3)
	var orig mat.Dense
	orig.CloneFrom(x)

	op, _ := NewDropout2dOp(4, 0.5, dropout.NewGenerator(9))
	op.Eval()
	if err := op.Forward(x, x); err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(x, &orig) {
		t.Fatal("evaluation mode changed the input")
	}
	op.Train()
	if err := op.Forward(x, x); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 8; i++ {
		want := 0.0
		if op.Mask().Kept(i) {
			want = 2
		}
		for j := 0; j < 3; j++ {
			if x.At(i, j) != want*orig.At(i, j) {
				t.Fatalf("row %d (kept %v): %v, want %v·%v", i, op.Mask().Kept(i), x.At(i, j), want, orig.At(i, j))
			}
		}
	}
}

func TestErrors(t *testing.T) {
	if _, err := NewDropout2dOp(3, 1.5, nil); err == nil {
		t.Error("p = 1.5 accepted")
	}
	if _, err := NewDropout2dOp(0, 0.5, nil); err == nil {
		t.Error("0 channels accepted")
	}
	op, _ := NewDropout2dOp(3, 0.5, dropout.NewGenerator(1))
	if err := op.Forward(mat.NewDense(6, 4, nil), mat.NewDense(5, 4, nil)); err == nil {
		t.Error("5 rows of 3 channels accepted")
	}
	if err := op.Forward(mat.NewDense(6, 3, nil), mat.NewDense(6, 4, nil)); err == nil {
		t.Error("a 6×3 destination for a 6×4 source accepted")
	}
	var dx mat.Dense
	if err := op.Backward(&dx, mat.NewDense(6, 4, nil)); err == nil {
		t.Error("Backward before Forward accepted")
	}
}

func ExampleDropout2dOp() {
	// One sample with 4 channels of 1×2: one row per channel.
	x := mat.NewDense(4, 2, []float64{
		1, 1,
		2, 2,
		3, 3,
		4, 4,
	})
	op, err := NewDropout2dOp(4, 0.5, dropout.NewGenerator(0))
	if err != nil {
		panic(err)
	}
	var y, dx mat.Dense
	if err := op.Forward(&y, x); err != nil {
		panic(err)
	}
	if err := op.Backward(&dx, mat.NewDense(4, 2, []float64{1, 1, 1, 1, 1, 1, 1, 1})); err != nil {
		panic(err)
	}
	fmt.Printf("y\n%v\ndx\n%v\n", mat.Formatted(&y), mat.Formatted(&dx))
	// Output:
	// y
	// ⎡2  2⎤
	// ⎢0  0⎥
	// ⎢6  6⎥
	// ⎣0  0⎦
	// dx
	// ⎡2  2⎤
	// ⎢0  0⎥
	// ⎢2  2⎥
	// ⎣0  0⎦
}
