package dropout

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// dropBlockRef is DropBlock written from its definition, element by element:
// an element is dropped iff a set seed lies in the bs-wide window ending at
// it along every spatial dim. It returns the keep decisions and the kept
// count.
func dropBlockRef(shape []int, p float64, blockSize int, seed, start uint64) ([]bool, int) {
	sp := shape[2:]
	bs := blockSize
	for _, d := range sp {
		bs = min(bs, d)
	}
	area, valid := 1.0, 1.0
	seeds := make([]int, len(sp))
	for i, d := range sp {
		seeds[i] = d - bs + 1
		area *= float64(d)
		valid *= float64(seeds[i])
	}
	gamma := p * area / (math.Pow(float64(bs), float64(len(sp))) * valid)
	t := math.Round(gamma * (1 << 32))
	isSeed := func(plane int, pos []int) bool {
		f := plane
		for i, q := range pos {
			f = f*seeds[i] + q
		}
		return float64(drawRef(seed, start, f)) < t
	}
	n := shape[0] * shape[1]
	per := 1
	for _, d := range sp {
		per *= d
	}
	keep := make([]bool, n*per)
	kept := 0
	pos := make([]int, len(sp))
	q := make([]int, len(sp))
	for pl := 0; pl < n; pl++ {
		for e := 0; e < per; e++ {
			r := e
			for i := len(sp) - 1; i >= 0; i-- {
				pos[i] = r % sp[i]
				r /= sp[i]
			}
			dropped := false
			// Every seed position q with pos-bs < q <= pos, inside the grid.
			var walk func(d int)
			walk = func(d int) {
				if dropped {
					return
				}
				if d == len(sp) {
					dropped = isSeed(pl, q)
					return
				}
				for v := max(0, pos[d]-bs+1); v <= min(pos[d], seeds[d]-1); v++ {
					q[d] = v
					walk(d + 1)
				}
			}
			walk(0)
			keep[pl*per+e] = !dropped
			if !dropped {
				kept++
			}
		}
	}
	return keep, kept
}

func TestDropBlockMatchesReference(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernelSet) {
		r := rand.New(rand.NewPCG(81, 82))
		cases := []struct {
			shape []int
			bs    int
		}{
			{[]int{2, 3, 8, 8}, 3}, {[]int{1, 2, 7, 9}, 4}, {[]int{2, 2, 5, 70}, 2}, {[]int{1, 1, 3, 130}, 5},
			{[]int{1, 2, 6, 6}, 1}, {[]int{2, 1, 4, 4}, 9}, {[]int{3, 2, 10, 65}, 7}, {[]int{1, 1, 1, 1}, 3},
			{[]int{1, 2, 4, 5, 6}, 3}, {[]int{2, 1, 3, 3, 70}, 2}, {[]int{1, 1, 6, 5, 4}, 4},
		}
		for _, c := range cases {
			for _, p := range []float64{0.1, 0.5, 1} {
				name := fmt.Sprintf("shape %v bs %d p %v", c.shape, c.bs, p)
				n := numel(c.shape)
				x := fill[float32](r, n)
				y := make([]float32, n)
				seed := r.Uint64()
				var m *Mask
				var err error
				if len(c.shape) == 4 {
					m, err = DropBlock2d(y, x, c.shape, p, c.bs, NewGenerator(seed))
				} else {
					m, err = DropBlock3d(y, x, c.shape, p, c.bs, NewGenerator(seed))
				}
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				_, start, _ := m.Blocks()
				keep, kept := dropBlockRef(c.shape, p, c.bs, seed, start)
				s := float32(1) / (float32(1e-6) + float32(kept)) * float32(n)
				for i := range keep {
					if m.Kept(i) != keep[i] {
						t.Fatalf("%s: element %d kept %v, want %v", name, i, m.Kept(i), keep[i])
					}
					want := float32(0)
					if keep[i] {
						want = x[i] * s
					}
					if bitsOf(y[i]) != bitsOf(want) {
						t.Fatalf("%s: y[%d] = %v, want %v (scale %v)", name, i, y[i], want, s)
					}
				}
				dx := make([]float32, n)
				if err := Backward(dx, x, m); err != nil || firstDiff(dx, y) >= 0 {
					t.Fatalf("%s: Backward: %v, or dx differs from dy·mask·scale", name, err)
				}
			}
		}
	})
}

func TestDropBlockBadInput(t *testing.T) {
	x := make([]float32, 64)
	for _, c := range []struct {
		shape []int
		bs    int
	}{{[]int{1, 1, 8, 8}, 0}, {[]int{1, 1, 8, 8}, -2}, {[]int{1, 8, 8}, 3}, {[]int{1, 1, 1, 8, 8, 1}, 3}} {
		g := NewGenerator(1)
		if _, err := DropBlock2d(x, x, c.shape, 0.5, c.bs, g); err == nil || g.Offset() != 0 {
			t.Errorf("DropBlock2d(%v, bs %d): %v, offset %d", c.shape, c.bs, err, g.Offset())
		}
	}
	// p = 0: the identity, no randomness.
	g := NewGenerator(1)
	for i := range x {
		x[i] = float32(i)
	}
	y := make([]float32, 64)
	if _, err := DropBlock2d(y, x, []int{1, 1, 8, 8}, 0, 3, g); err != nil || g.Offset() != 0 || firstDiff(x, y) >= 0 {
		t.Errorf("p=0: %v, offset %d", err, g.Offset())
	}
}
