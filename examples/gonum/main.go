// Command gonum shows simdrop's Dropout2d as an op on gonum matrices: the
// pattern for wrapping simdrop in a Go ML framework whose tensors are
// *mat.Dense or plain []float64 with a shape.
package main

import (
	"fmt"
	"log"

	"gonum.org/v1/gonum/mat"

	"github.com/simdrop/simdrop/dropout"
)

func main() {
	log.SetFlags(0)
	const n, c, h, w = 2, 3, 2, 2 // 2 samples of 3 channels of 2×2

	// Activations: row n·C+c holds channel c of sample n, H·W values.
	x := mat.NewDense(n*c, h*w, nil)
	for i := 0; i < n*c; i++ {
		for j := 0; j < h*w; j++ {
			x.Set(i, j, float64(10*(i+1)+j))
		}
	}

	op, err := NewDropout2dOp(c, 0.5, dropout.NewGenerator(5))
	if err != nil {
		log.Fatal(err)
	}

	// Training step: forward keeps the mask, backward applies it.
	var y mat.Dense
	if err := op.Forward(&y, x); err != nil {
		log.Fatal(err)
	}
	dy := mat.NewDense(n*c, h*w, nil) // gradient of the loss w.r.t. y; all ones here
	for i := 0; i < n*c; i++ {
		for j := 0; j < h*w; j++ {
			dy.Set(i, j, 1)
		}
	}
	var dx mat.Dense
	if err := op.Backward(&dx, dy); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("x (rows: sample·channel, columns: h·w)\n%v\n\n", mat.Formatted(x))
	fmt.Printf("y = Dropout2d(x), p = 0.5: dropped rows are 0, kept rows ×2\n%v\n\n", mat.Formatted(&y))
	fmt.Printf("dx = Backward(dy = 1): the same mask, the same scale\n%v\n\n", mat.Formatted(&dx))
	for s := 0; s < n; s++ {
		for ch := 0; ch < c; ch++ {
			fmt.Printf("sample %d channel %d kept: %v\n", s, ch, op.Mask().Kept(s*c+ch))
		}
	}

	// Evaluation: the identity.
	op.Eval()
	if err := op.Forward(&y, x); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("\nin evaluation mode y equals x: %v\n", mat.Equal(&y, x))
}
