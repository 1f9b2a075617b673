package dropout_test

import (
	"fmt"

	"github.com/simdrop/simdrop/dropout"
)

func ExampleDropout2dNHWC() {
	// One 1×2 image with 3 channels, channels last: [H, W, C].
	x := []float32{
		1, 2, 3, // pixel (0,0): channels 0, 1, 2
		4, 5, 6, // pixel (0,1)
	}
	y := make([]float32, len(x))
	m, _ := dropout.Dropout2dNHWC(y, x, []int{1, 2, 3}, 0.5, dropout.NewGenerator(0))
	fmt.Println(m.Kept(0), m.Kept(1), m.Kept(2))
	fmt.Println(y)
	// Output:
	// true false true
	// [2 0 6 8 0 12]
}

func ExampleDropoutBroadcast() {
	// Drop whole time steps of a [batch, time, features] sequence: one
	// decision per (batch, time), broadcast over the features.
	x := []float64{1, 1, 2, 2, 3, 3, 4, 4}
	y := make([]float64, len(x))
	m, _ := dropout.DropoutBroadcast(y, x, []int{1, 4, 2}, []int{1, 4, 1}, 0.5, dropout.NewGenerator(0))
	fmt.Println(m.Features(), m.NoiseShape())
	fmt.Println(y)
	// Output:
	// 4 [1 4 1]
	// [2 2 0 0 6 6 0 0]
}

func ExampleStochasticDepth() {
	// A residual branch's output for 4 samples of 2 values each: each
	// sample's branch is kept (scaled by 1/(1−p)) or dropped whole.
	branch := []float32{1, 1, 2, 2, 3, 3, 4, 4}
	out := make([]float32, len(branch))
	m, _ := dropout.StochasticDepth(out, branch, []int{4, 2}, 0.5, dropout.Row, true, dropout.NewGenerator(0))
	fmt.Println(m.Features(), out)
	// Output:
	// 4 [2 2 0 0 6 6 0 0]
}

func ExampleAlphaDropout() {
	x := []float32{0, 0, 0, 0}
	y := make([]float32, len(x))
	m, _ := dropout.AlphaDropout(y, x, []int{4}, 0.5, dropout.NewGenerator(0))
	for i, v := range y {
		fmt.Printf("%v %.4f\n", m.Kept(i), v)
	}
	// Output:
	// true 0.7792
	// false -0.7792
	// true 0.7792
	// false -0.7792
}

func ExampleDropConnect() {
	// A linear layer y = W·x with DropConnect on W (2 outputs, 2 inputs).
	w := []float64{
		1, 2,
		3, 4,
	}
	x := []float64{1, 1}
	wd := make([]float64, len(w)) // the weights for this pass
	mask, _ := dropout.DropConnect(wd, w, 2, 2, 0.5, dropout.NewGenerator(0))

	y := make([]float64, 2)
	for i := range y {
		for j := range x {
			y[i] += wd[i*2+j] * x[j]
		}
	}
	// Backward: dL/dwd[i][j] = dL/dy[i]·x[j]; dL/dw follows through the mask.
	dy := []float64{1, 1}
	dwd := make([]float64, len(w))
	for i := range dy {
		for j := range x {
			dwd[i*2+j] = dy[i] * x[j]
		}
	}
	dw := make([]float64, len(w))
	_ = dropout.Backward(dw, dwd, mask)
	fmt.Println(wd)
	fmt.Println(y)
	fmt.Println(dw)
	// Output:
	// [2 0 6 0]
	// [2 6]
	// [2 0 2 0]
}
