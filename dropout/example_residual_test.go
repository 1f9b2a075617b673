package dropout_test

import (
	"fmt"

	"github.com/simdrop/simdrop/dropout"
)

// A transformer block's residual path: after attention (and again after
// the MLP) the block computes h = x + dropout(sublayer(x) + b), the bias of
// the sublayer's last projection folded into the same pass. With Residual
// that is one pass over memory (read the sublayer's output and x, write h)
// instead of three (add the bias, drop, add the residual). In the backward
// pass the gradient of x through the residual is dh itself, the
// sublayer's output gets dh·mask·s, and BiasGrad sums it into db.
func Example_transformerResidual() {
	const tokens, hidden = 6, 8
	shape := []int{tokens, hidden} // a [batch·seq, hidden] activation
	x := make([]float32, tokens*hidden)
	for i := range x {
		x[i] = float32(i%5) - 2 // the residual stream
	}
	out := make([]float32, len(x)) // the sublayer's output projection, before its bias
	for i := range out {
		out[i] = float32(i%3) * 0.25
	}
	b := []float32{0.5, -0.5, 1, -1, 0.25, -0.25, 2, -2} // that projection's bias

	drop, err := dropout.NewDropout[float32](0.5, dropout.NewGenerator(7))
	if err != nil {
		panic(err)
	}
	h := make([]float32, len(x))
	if err := drop.Forward(h, out, shape, dropout.Residual(x, b)); err != nil {
		panic(err)
	}

	dh := make([]float32, len(h)) // the loss gradient w.r.t. h
	for i := range dh {
		dh[i] = 1
	}
	dout, db := make([]float32, len(out)), make([]float32, hidden)
	if err := drop.Backward(dout, dh, dropout.BiasGrad(db)); err != nil {
		panic(err)
	}

	// Check the pass against its definition (p = 0.5: s = 2, exact).
	fused, grads := true, true
	for i := range h {
		kept := dout[i] != 0
		want := x[i] // dropped: the residual
		if kept {
			want = (out[i]+b[i%hidden])*2 + x[i]
		}
		fused = fused && h[i] == want
		grads = grads && (dout[i] == 0 || dout[i] == 2)
	}
	for j := range db {
		var sum float32
		for t := 0; t < tokens; t++ {
			sum += dout[t*hidden+j]
		}
		grads = grads && db[j] == sum
	}
	fmt.Println("h = x + dropout(out + b):", fused)
	fmt.Println("dout = dh·mask·2, db = Σ rows of dout:", grads)
	// Output:
	// h = x + dropout(out + b): true
	// dout = dh·mask·2, db = Σ rows of dout: true
}
