package dropout_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/simdrop/simdrop/dropout"
)

// partOp is a call whose first dim can be split into parts.
type partOp struct {
	name  string
	shape []int // the whole call's; parts split shape[0]
	call  func(dst, src []float32, shape []int, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error)
}

var partOps = []partOp{
	{"Dropout2d", []int{37, 5, 3, 2}, func(d, s []float32, sh []int, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
		return dropout.Dropout2d(d, s, sh, 0.4, g, o...)
	}},
	{"Dropout2dNHWC", []int{29, 2, 3, 7}, func(d, s []float32, sh []int, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
		return dropout.Dropout2dNHWC(d, s, sh, 0.4, g, o...)
	}},
	{"Dropout 1-D", []int{3001}, func(d, s []float32, sh []int, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
		return dropout.Dropout(d, s, sh, 0.3, g, o...)
	}},
	{"Dropout", []int{23, 45}, func(d, s []float32, sh []int, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
		return dropout.Dropout(d, s, sh, 0.3, g, o...)
	}},
	{"DropoutNoMask", []int{23, 45}, func(d, s []float32, sh []int, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
		return dropout.DropoutNoMask(d, s, sh, 0.3, g, o...)
	}},
	{"AlphaDropout", []int{31, 17}, func(d, s []float32, sh []int, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
		return dropout.AlphaDropout(d, s, sh, 0.2, g, o...)
	}},
	{"FeatureAlphaDropout", []int{41, 3, 5}, func(d, s []float32, sh []int, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
		return dropout.FeatureAlphaDropout(d, s, sh, 0.2, g, o...)
	}},
	{"DropoutBroadcast", []int{19, 4, 6}, func(d, s []float32, sh []int, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
		return dropout.DropoutBroadcast(d, s, sh, []int{19, 1, 6}, 0.5, g, o...) // the whole call's noise
	}},
	{"DropoutBroadcast shared by the batch", []int{19, 4, 6}, func(d, s []float32, sh []int, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
		return dropout.DropoutBroadcast(d, s, sh, []int{1, 4, 1}, 0.5, g, o...)
	}},
	{"StochasticDepth row", []int{67, 4}, func(d, s []float32, sh []int, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
		return dropout.StochasticDepth(d, s, sh, 0.5, dropout.Row, true, g, o...)
	}},
	{"StochasticDepth batch", []int{13, 4}, func(d, s []float32, sh []int, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
		return dropout.StochasticDepth(d, s, sh, 0.5, dropout.Batch, true, g, o...)
	}},
	{"DropBlock2d", []int{11, 3, 9, 8}, func(d, s []float32, sh []int, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
		return dropout.DropBlock2d(d, s, sh, 0.3, 3, g, o...)
	}},
	{"DropBlock3d", []int{7, 2, 4, 5, 5}, func(d, s []float32, sh []int, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
		return dropout.DropBlock3d(d, s, sh, 0.3, 2, g, o...)
	}},
}

// TestPartsEqualTheWholeCall: a call split along its first dim into 1 to 16
// parts at arbitrary boundaries, each part run on its own with Part, gives
// exactly the whole call's output, mask and gradient for its samples, and
// reports the whole call's blocks.
func TestPartsEqualTheWholeCall(t *testing.T) {
	r := rand.New(rand.NewPCG(141, 142))
	eachKernel(t, func(t *testing.T) {
		for _, op := range partOps {
			n := op.shape[0]
			per := 1
			for _, d := range op.shape[1:] {
				per *= d
			}
			src := make([]float32, n*per)
			for i := range src {
				src[i] = float32(r.NormFloat64())
			}
			g := dropout.NewGenerator(r.Uint64())
			g.SetState(dropout.State{Seed: g.Seed(), Offset: r.Uint64() >> r.IntN(64)})
			st := g.State()
			want := make([]float32, len(src))
			wm, err := op.call(want, src, op.shape, g)
			if err != nil {
				t.Fatal(err)
			}
			wantDx := make([]float32, len(src))
			if err := dropout.Backward(wantDx, src, wm); err != nil {
				t.Fatal(err)
			}
			wseed, wstart, wcount := wm.Blocks()
			featsPer := wm.Features() / n
			if op.name == "StochasticDepth batch" || op.name == "DropoutBroadcast shared by the batch" {
				featsPer = 0
			}
			for parts := 1; parts <= 16; parts++ {
				cuts := []int{0, n}
				for len(cuts) < parts+1 && len(cuts) < n+1 {
					cuts = append(cuts, 1+r.IntN(n-1))
				}
				slices.Sort(cuts)
				for i := 0; i+1 < len(cuts); i++ {
					lo, hi := cuts[i], cuts[i+1]
					if lo == hi {
						continue
					}
					name := fmt.Sprintf("%s: part [%d, %d) of %d", op.name, lo, hi, n)
					shape := append([]int{hi - lo}, op.shape[1:]...)
					got := make([]float32, (hi-lo)*per)
					gp := dropout.NewGenerator(99) // must not be drawn from
					m, err := op.call(got, src[lo*per:hi*per], shape, gp, dropout.Part(st, lo, n))
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					if gp.Offset() != 0 {
						t.Fatalf("%s: drew from its generator", name)
					}
					for j := range got {
						if math.Float32bits(got[j]) != math.Float32bits(want[lo*per+j]) {
							t.Fatalf("%s: y[%d] = %v, the whole call's %v", name, lo*per+j, got[j], want[lo*per+j])
						}
					}
					for f := 0; f < m.Features(); f++ {
						if m.Kept(f) != wm.Kept(lo*featsPer+f) {
							t.Fatalf("%s: Kept(%d) = %v, the whole call's feature %d: %v", name, f, m.Kept(f), lo*featsPer+f, !m.Kept(f))
						}
					}
					if seed, start, count := m.Blocks(); seed != wseed || start != wstart || count != wcount {
						t.Fatalf("%s: Blocks %d %d %d, the whole call's %d %d %d", name, seed, start, count, wseed, wstart, wcount)
					}
					dx := make([]float32, len(got))
					if err := dropout.Backward(dx, src[lo*per:hi*per], m); err != nil {
						t.Fatal(err)
					}
					for j := range dx {
						if math.Float32bits(dx[j]) != math.Float32bits(wantDx[lo*per+j]) {
							t.Fatalf("%s: dx[%d] = %v, the whole call's %v", name, lo*per+j, dx[j], wantDx[lo*per+j])
						}
					}
				}
			}
		}
	})
}

// TestPartBadInput: a part that does not fit its whole call is an error
// naming it, and nothing is written.
func TestPartBadInput(t *testing.T) {
	x := []float32{1, 2, 3, 4}
	y := []float32{7, 7, 7, 7}
	for _, opt := range []dropout.Option{
		dropout.Part(dropout.State{}, -1, 10),
		dropout.Part(dropout.State{}, 8, 10),
		dropout.Part(dropout.State{}, 0, 1),
	} {
		if _, err := dropout.Dropout(y, x, []int{4}, 0.5, nil, opt); !errors.Is(err, dropout.ErrShape) {
			t.Errorf("a part that does not fit: %v, want ErrShape", err)
		}
	}
	if y[0] != 7 {
		t.Error("a failed part call wrote dst")
	}
}

// TestReserve: Reserve hands out a block range and advances the generator.
func TestReserve(t *testing.T) {
	g := dropout.NewGenerator(3)
	g.SetState(dropout.State{Seed: 3, Offset: 10})
	if st := g.Reserve(48); st != (dropout.State{Seed: 3, Offset: 10}) || g.Offset() != 58 {
		t.Errorf("Reserve(48) = %+v, offset now %d; want {3 10}, 58", st, g.Offset())
	}
}
