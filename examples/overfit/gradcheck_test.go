package main

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simdrop/simdrop/dropout"
)

// A gradient check of the whole network, both Dropout2d layers in training
// mode: the mask is held fixed by restoring the generator's state before
// every forward, so the loss is a deterministic function of the weights and
// the input, and its central finite differences must match backward.

const (
	gcBatch = 2
	gcSide  = 8 // images of gcSide×gcSide
	gcC1    = 4
	gcC2    = 4
	gcP     = 0.5
	gcSeed  = 3
	gcEps   = 1e-2 // perturbation; the loss is summed in float64
	gcRel   = 1e-2 // allowed relative error
	gcAbs   = 1e-4 // absolute floor, for gradients near zero
)

// checkNet is a tiny network with a fixed input and labels and the
// generator state that fixes its masks.
type checkNet struct {
	nt     *net
	g      *dropout.Generator
	st     dropout.State
	x      []float32
	labels []uint8
}

func newCheckNet(t *testing.T) *checkNet {
	t.Helper()
	g := dropout.NewGenerator(gcSeed)
	nt, err := newNet(gcSide, gcC1, gcC2, gcP, gcP, g, gcSeed, gcBatch)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(gcSeed, 1))
	x := make([]float32, gcBatch*gcSide*gcSide)
	for i := range x {
		x[i] = rng.Float32()
	}
	return &checkNet{nt: nt, g: g, st: g.State(), x: x, labels: []uint8{3, 7}}
}

// loss runs forward under the fixed mask and returns the mean cross-entropy.
func (c *checkNet) loss(t *testing.T) float64 {
	c.g.SetState(c.st)
	if err := c.nt.forward(c.x, gcBatch); err != nil {
		t.Fatal(err)
	}
	l, _ := softmaxLoss(nil, c.nt.logits[:gcBatch*classes], c.labels)
	return l
}

// analytic runs forward and backward under the fixed mask and returns copies
// of the weight gradients and the input gradient. wrongBackward replaces
// both Dropout2d backward passes by the identity, as a broken layer would.
func (c *checkNet) analytic(t *testing.T, wrongBackward bool) (gw [][]float32, gx []float32) {
	c.loss(t)
	for i, l := range []*dropout.Layer[float32]{c.nt.drop1, c.nt.drop2} {
		if k, f := l.Mask().KeptCount(), l.Mask().Features(); k == 0 || k == f {
			t.Fatalf("Dropout2d layer %d keeps %d of %d channels: pick a seed that keeps some and drops some", i+1, k, f)
		}
	}
	softmaxLoss(c.nt.gLogits[:gcBatch*classes], c.nt.logits[:gcBatch*classes], c.labels)
	if wrongBackward {
		d1, d2 := c.nt.drop1, c.nt.drop2
		c.nt.drop1, c.nt.drop2 = nil, nil // dropBackward then copies dy
		defer func() { c.nt.drop1, c.nt.drop2 = d1, d2 }()
	}
	gx = make([]float32, len(c.x))
	if err := c.nt.backward(gx, gcBatch); err != nil {
		t.Fatal(err)
	}
	_, g := c.nt.params()
	for _, v := range g {
		gw = append(gw, append([]float32(nil), v...))
	}
	return gw, gx
}

// pattern records every piecewise-linear decision of the last forward: the
// sign of each ReLU input and the window position each max-pool took. Where
// it does not change, the loss is smooth and the central difference is
// accurate to O(eps²).
func (c *checkNet) pattern() []byte {
	var pat []byte
	n := c.nt
	for _, a := range [][]float32{n.a1[:gcBatch*gcC1*gcSide*gcSide], n.a2[:gcBatch*gcC2*gcSide*gcSide/4]} {
		for _, v := range a {
			pat = append(pat, b2u(v > 0))
		}
	}
	for _, l := range []struct {
		d, p []float32
		h, w int
	}{
		{n.d1, n.p1[:gcBatch*gcC1*gcSide*gcSide/4], gcSide, gcSide},
		{n.d2, n.p2[:gcBatch*gcC2*gcSide*gcSide/16], gcSide / 2, gcSide / 2},
	} {
		planes := len(l.p) / (l.h * l.w / 4)
		for p := 0; p < planes; p++ {
			for oy := 0; oy < l.h/2; oy++ {
				for ox := 0; ox < l.w/2; ox++ {
					i := p*l.h*l.w + 2*oy*l.w + 2*ox
					y := l.p[(p*l.h/2+oy)*l.w/2+ox]
					k := byte(0)
					for _, j := range [4]int{i, i + 1, i + l.w, i + l.w + 1} {
						if l.d[j] == y {
							break
						}
						k++
					}
					pat = append(pat, k)
				}
			}
		}
	}
	return pat
}

func b2u(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// numeric is the central difference of the loss in v[i], with the largest
// step of gcEps, gcEps/4, ... that crosses no ReLU or max-pool decision; ok
// is false when every step crosses one (v[i] sits on a kink).
func (c *checkNet) numeric(t *testing.T, v []float32, i int) (d float64, ok bool) {
	c.loss(t)
	base := c.pattern()
	orig := v[i]
	defer func() { v[i] = orig }()
	for eps := float32(gcEps); eps >= gcEps/64; eps /= 4 {
		up, down := orig+eps, orig-eps
		v[i] = up
		lu := c.loss(t)
		smooth := bytes.Equal(c.pattern(), base)
		v[i] = down
		ld := c.loss(t)
		if smooth && bytes.Equal(c.pattern(), base) {
			return (lu - ld) / (float64(up) - float64(down)), true // the steps float32 really took
		}
	}
	return 0, false
}

type mismatch struct {
	what                string
	analytic, numerical float64
}

// compare checks a sample of every weight tensor and of the input against
// finite differences; it returns the comparisons that fail the tolerance and
// the largest relative error seen.
func (c *checkNet) compare(t *testing.T, gw [][]float32, gx []float32) (bad []mismatch, worst float64, n, kinks int) {
	names := []string{"conv1.w", "conv1.b", "conv2.w", "conv2.b", "fc.w", "fc.b"}
	w, _ := c.nt.params()
	rng := rand.New(rand.NewPCG(gcSeed, 2))
	check := func(what string, v []float32, g []float32, i int) {
		num, ok := c.numeric(t, v, i)
		if !ok {
			kinks++
			return
		}
		a := float64(g[i])
		diff := math.Abs(a - num)
		scale := max(math.Abs(a), math.Abs(num))
		if scale > gcAbs {
			worst = max(worst, diff/scale)
		}
		n++
		if diff > gcRel*scale+gcAbs {
			bad = append(bad, mismatch{fmt.Sprintf("%s[%d]", what, i), a, num})
		}
	}
	for k := range w {
		for _, i := range rng.Perm(len(w[k]))[:min(24, len(w[k]))] {
			check(names[k], w[k], gw[k], i)
		}
	}
	for _, i := range rng.Perm(len(c.x))[:48] {
		check("input", c.x, gx, i)
	}
	return bad, worst, n, kinks
}

func TestGradientCheck(t *testing.T) {
	c := newCheckNet(t)
	gw, gx := c.analytic(t, false)
	bad, worst, n, kinks := c.compare(t, gw, gx)
	for _, m := range bad {
		t.Errorf("%s: backward %.6g, finite difference %.6g", m.what, m.analytic, m.numerical)
	}
	if kinks > n/4 {
		t.Errorf("%d points skipped on a kink, %d checked: too few", kinks, n)
	}
	t.Logf("%d gradients checked (%d more skipped on a kink), largest relative error %.2g", n, kinks, worst)
}

// The check must fail when Dropout2d's backward is wrong: here it is the
// identity, which leaves gradient in the dropped channels and does not scale
// the kept ones.
func TestGradientCheckCatchesWrongDropoutBackward(t *testing.T) {
	c := newCheckNet(t)
	gw, gx := c.analytic(t, true)
	bad, _, n, _ := c.compare(t, gw, gx)
	if len(bad) == 0 {
		t.Fatal("the gradient check passed with an identity Dropout2d backward")
	}
	t.Logf("%d of %d gradients disagree with an identity Dropout2d backward", len(bad), n)
}

// The check must fail when backward uses a different mask from the one the
// loss was computed with.
func TestGradientCheckCatchesOtherMask(t *testing.T) {
	c := newCheckNet(t)
	c.st = dropout.State{Seed: gcSeed + 100}
	gw, gx := c.analytic(t, false)
	c.st = dropout.State{Seed: gcSeed}
	bad, _, n, _ := c.compare(t, gw, gx)
	if len(bad) == 0 {
		t.Fatal("the gradient check passed with the gradient of another mask")
	}
	t.Logf("%d of %d gradients disagree with the gradient of another mask", len(bad), n)
}
