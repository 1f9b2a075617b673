package dropout_test

import (
	"fmt"

	"github.com/simdrop/simdrop/dropout"
)

func ExampleDropout2d() {
	// One sample with 4 channels of 2×2.
	x := []float32{
		1, 1, 1, 1,
		2, 2, 2, 2,
		3, 3, 3, 3,
		4, 4, 4, 4,
	}
	y := make([]float32, len(x))
	m, err := dropout.Dropout2d(y, x, []int{4, 2, 2}, 0.5, dropout.NewGenerator(0))
	if err != nil {
		panic(err)
	}
	for c := 0; c < m.Features(); c++ {
		fmt.Println(c, m.Kept(c), y[c*4:c*4+4])
	}
	// Output:
	// 0 true [2 2 2 2]
	// 1 false [0 0 0 0]
	// 2 true [6 6 6 6]
	// 3 false [0 0 0 0]
}

func ExampleBackward() {
	x := []float64{1, 2, 3, 4, 5, 6}
	y := make([]float64, len(x))
	m, _ := dropout.Dropout1d(y, x, []int{3, 2}, 0.5, dropout.NewGenerator(0))

	dy := []float64{1, 1, 1, 1, 1, 1} // gradient of the loss w.r.t. y
	dx := make([]float64, len(dy))
	if err := dropout.Backward(dx, dy, m); err != nil {
		panic(err)
	}
	fmt.Println(y)
	fmt.Println(dx)
	// Output:
	// [2 4 0 0 10 12]
	// [2 2 0 0 2 2]
}

func ExampleLayer() {
	layer, err := dropout.NewDropout2d[float32](0.5, dropout.NewGenerator(7))
	if err != nil {
		panic(err)
	}
	shape := []int{8, 16, 5, 5} // N, C, H, W
	x := make([]float32, 8*16*5*5)
	y := make([]float32, len(x))
	dy := make([]float32, len(x))
	dx := make([]float32, len(x))

	// Training step: the layer keeps the mask of Forward for Backward.
	if err := layer.Forward(y, x, shape); err != nil {
		panic(err)
	}
	if err := layer.Backward(dx, dy); err != nil {
		panic(err)
	}
	fmt.Println("features:", layer.Mask().Features())

	// Evaluation: the identity.
	layer.Eval()
	_ = layer.Forward(y, x, shape)
	fmt.Println("training:", layer.Training())
	// Output:
	// features: 128
	// training: false
}

func ExampleGenerator_State() {
	g := dropout.NewGenerator(2024)
	x := make([]float32, 6*3)

	checkpoint := g.State() // save with the model's weights
	a, _ := dropout.Dropout1d(x, x, []int{6, 3}, 0.5, g)

	g.SetState(checkpoint) // resume: the same masks follow
	b, _ := dropout.Dropout1d(x, x, []int{6, 3}, 0.5, g)
	for i := 0; i < a.Features(); i++ {
		if a.Kept(i) != b.Kept(i) {
			panic("streams differ")
		}
	}
	fmt.Printf("%+v\n", g.State())
	// Output:
	// {Seed:2024 Offset:16}
}

// A training loop that calls the functional API can keep one Mask and pass
// it with Into: each call records its decisions there and allocates nothing
// once the shape has been seen.
func ExampleInto() {
	g := dropout.NewGenerator(7)
	x := make([]float32, 2*16*8*8)
	y := make([]float32, len(x))
	var m dropout.Mask
	for step := 0; step < 3; step++ {
		mask, err := dropout.Dropout2d(y, x, []int{2, 16, 8, 8}, 0.25, g, dropout.Into(&m))
		if err != nil {
			panic(err)
		}
		fmt.Println(mask == &m, mask.Features(), g.Offset())
	}
	// Output:
	// true 32 16
	// true 32 32
	// true 32 48
}

// Raw random bits in the layout of XLA's RNGPhilox, for a framework's
// random-number op: the key and a 128-bit counter in, the words out, and
// the counter to continue from.
func ExamplePhiloxBits32() {
	bits := make([]uint32, 6)
	next := dropout.PhiloxBits32(bits, 0, dropout.Counter{})
	fmt.Printf("%08x\n%+v\n", bits[:4], next)
	// Output:
	// [6627e8d5 e169c58d bc57ac4c 9b00dbd8]
	// {Lo:2 Hi:0}
}
