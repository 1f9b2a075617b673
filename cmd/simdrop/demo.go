package main

import (
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/simdrop/simdrop/dropout"
)

// demo runs the canonical example: Dropout2d on a 2×3×224×224 float32 tensor
// (a batch of two RGB images), checking every claim it prints.
func demo(w io.Writer, seed uint64, p float64) error {
	if seed == 0 {
		seed = rand.Uint64()
	}
	const n, c, h, wd = 2, 3, 224, 224
	shape := []int{n, c, h, wd}
	plane := h * wd

	r := rand.New(rand.NewPCG(seed, 0))
	x := make([]float32, n*c*plane)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	layer, err := dropout.NewDropout2d[float32](p, dropout.NewGenerator(seed))
	if err != nil {
		return err
	}

	fmt.Fprintf(w, "Dropout2d on a %d×%d×%d×%d float32 tensor (N×C×H×W), p = %v, seed %d, kernel %s\n\n",
		n, c, h, wd, p, seed, dropout.Kernel())

	// Training mode: whole channel planes are zeroed, the rest scaled.
	y := make([]float32, len(x))
	if err := layer.Forward(y, x, shape); err != nil {
		return err
	}
	m := layer.Mask()
	s := float32(1) / float32(1-p)
	fmt.Fprintf(w, "training mode: each of the %d channel planes (%d×%d values) is kept or zeroed whole\n", m.Features(), h, wd)
	for f := 0; f < m.Features(); f++ {
		xs, ys := x[f*plane:(f+1)*plane], y[f*plane:(f+1)*plane]
		exact := 0
		for j := range ys {
			if (m.Kept(f) && ys[j] == xs[j]*s) || (!m.Kept(f) && ys[j] == 0) {
				exact++
			}
		}
		what := fmt.Sprintf("zeroed   %6d of %d values are 0", exact, plane)
		if m.Kept(f) {
			what = fmt.Sprintf("kept     %6d of %d values are exactly x × %v (e.g. %.4f → %.4f)", exact, plane, s, xs[0], ys[0])
		}
		fmt.Fprintf(w, "  sample %d, channel %d: %s\n", f/c, f%c, what)
		if exact != plane {
			return fmt.Errorf("channel %d: only %d of %d values as expected", f, exact, plane)
		}
	}
	fmt.Fprintf(w, "  kept %d of %d channels; scale 1/(1−p) = %v; mask: %d bits\n\n", m.KeptCount(), m.Features(), s, m.Features())

	// Backward: the same mask on the gradient.
	dy := make([]float32, len(x))
	for i := range dy {
		dy[i] = 1
	}
	dx := make([]float32, len(x))
	if err := layer.Backward(dx, dy); err != nil {
		return err
	}
	okGrad := true
	for f := 0; f < m.Features(); f++ {
		want := float32(0)
		if m.Kept(f) {
			want = s
		}
		for _, v := range dx[f*plane : (f+1)*plane] {
			okGrad = okGrad && v == want
		}
	}
	fmt.Fprintf(w, "backward: dL/dx = dL/dy × %v on kept channels, 0 on zeroed ones: %s\n", s, yes(okGrad))

	// Evaluation mode: the identity.
	layer.Eval()
	if err := layer.Forward(y, x, shape); err != nil {
		return err
	}
	same := true
	for i := range x {
		same = same && y[i] == x[i]
	}
	fmt.Fprintf(w, "eval mode: output equals input: %s\n\n", yes(same))
	fmt.Fprintf(w, "the same seed gives the same channels on every CPU and kernel: go run ./cmd/simdrop demo -seed %d\n", seed)
	if !okGrad || !same {
		return fmt.Errorf("a check failed")
	}
	return nil
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "NO"
}
