package dropout_test

import (
	"errors"
	"math"
	"testing"

	"github.com/simdrop/simdrop/dropout"
)

// intoOps are functional calls taking options, on a shape of 2×3×8×8.
var intoOps = []struct {
	name string
	call func(dst, src []float32, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error)
}{
	{"Dropout2d", func(d, s []float32, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
		return dropout.Dropout2d(d, s, []int{2, 3, 8, 8}, 0.3, g, o...)
	}},
	{"Dropout", func(d, s []float32, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
		return dropout.Dropout(d, s, []int{2, 3, 8, 8}, 0.3, g, o...)
	}},
	{"DropoutNoMask", func(d, s []float32, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
		return dropout.DropoutNoMask(d, s, []int{2, 3, 8, 8}, 0.3, g, o...)
	}},
	{"Dropout2dNHWC", func(d, s []float32, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
		return dropout.Dropout2dNHWC(d, s, []int{2, 8, 8, 3}, 0.3, g, o...)
	}},
	{"DropoutBroadcast", func(d, s []float32, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
		return dropout.DropoutBroadcast(d, s, []int{2, 3, 8, 8}, []int{2, 1, 8, 1}, 0.3, g, o...)
	}},
	{"StochasticDepth", func(d, s []float32, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
		return dropout.StochasticDepth(d, s, []int{2, 3, 8, 8}, 0.3, dropout.Row, true, g, o...)
	}},
	{"AlphaDropout", func(d, s []float32, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
		return dropout.AlphaDropout(d, s, []int{2, 3, 8, 8}, 0.3, g, o...)
	}},
	{"DropBlock2d", func(d, s []float32, g *dropout.Generator, o ...dropout.Option) (*dropout.Mask, error) {
		return dropout.DropBlock2d(d, s, []int{2, 3, 8, 8}, 0.3, 3, g, o...)
	}},
}

// TestIntoReusesTheMask: a call with Into(m) returns m, gives what a call
// without it gives, allocates nothing once m has seen the shape, leaves m
// as it was on error, and m can move from op to op.
func TestIntoReusesTheMask(t *testing.T) {
	const n = 2 * 3 * 8 * 8
	src := make([]float32, n)
	for i := range src {
		src[i] = float32(i%11) - 5
	}
	var m dropout.Mask
	for _, op := range intoOps {
		g := dropout.NewGenerator(5)
		want := make([]float32, n)
		wm, err := op.call(want, src, dropout.NewGenerator(5))
		if err != nil {
			t.Fatal(err)
		}
		got := make([]float32, n)
		gm, err := op.call(got, src, g, dropout.Into(&m))
		if err != nil || gm != &m {
			t.Fatalf("%s: Into returned %p, %v; want the mask passed, nil", op.name, gm, err)
		}
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s: y[%d] = %v with Into, %v without", op.name, i, got[i], want[i])
			}
		}
		if m.KeptCount() != wm.KeptCount() || m.Features() != wm.Features() {
			t.Fatalf("%s: mask kept %d of %d, want %d of %d", op.name, m.KeptCount(), m.Features(), wm.KeptCount(), wm.Features())
		}
		kept := m.KeptCount()
		if _, err := op.call(got[:5], src, g, dropout.Into(&m)); !errors.Is(err, dropout.ErrLength) || m.KeptCount() != kept {
			t.Errorf("%s: a failed call with Into: %v, mask kept %d (was %d)", op.name, err, m.KeptCount(), kept)
		}
	}
	// Into(nil) is ignored: a new mask.
	y := make([]float32, n)
	if mm, err := dropout.Dropout2d(y, src, []int{2, 3, 8, 8}, 0.3, nil, dropout.Into(nil)); err != nil || mm == nil || mm == &m {
		t.Errorf("Into(nil): %p, %v", mm, err)
	}
}

// TestIntoAllocatesNothing: direct calls with Into and a shape literal, as
// a training loop writes them, allocate nothing in steady state. (Calls
// through a function value would: the compiler cannot see that an unknown
// callee keeps no reference to the option slice.)
func TestIntoAllocatesNothing(t *testing.T) {
	x := make([]float32, 2*3*8*8)
	y := make([]float32, len(x))
	dx := make([]float32, len(x))
	g := dropout.NewGenerator(1)
	var m dropout.Mask
	check := func(name string, f func() error) {
		t.Helper()
		if err := f(); err != nil { // the first call sizes m
			t.Fatalf("%s: %v", name, err)
		}
		if a := testing.AllocsPerRun(50, func() {
			if err := f(); err != nil {
				t.Fatal(err)
			}
			if err := dropout.Backward(dx, y, &m); err != nil {
				t.Fatal(err)
			}
		}); a != 0 {
			t.Errorf("%s with Into, then Backward: %v allocations, want 0", name, a)
		}
	}
	check("Dropout2d", func() error {
		_, err := dropout.Dropout2d(y, x, []int{2, 3, 8, 8}, 0.3, g, dropout.Into(&m))
		return err
	})
	check("Dropout", func() error {
		_, err := dropout.Dropout(y, x, []int{2, 3, 8, 8}, 0.3, g, dropout.Into(&m))
		return err
	})
	check("DropoutNoMask", func() error {
		_, err := dropout.DropoutNoMask(y, x, []int{2, 3, 8, 8}, 0.3, g, dropout.Into(&m))
		return err
	})
	check("Dropout2dNHWC", func() error {
		_, err := dropout.Dropout2dNHWC(y, x, []int{2, 8, 8, 3}, 0.3, g, dropout.Into(&m))
		return err
	})
	check("DropoutBroadcast", func() error {
		_, err := dropout.DropoutBroadcast(y, x, []int{2, 3, 8, 8}, []int{2, 1, 8, 1}, 0.3, g, dropout.Into(&m))
		return err
	})
	check("StochasticDepth", func() error {
		_, err := dropout.StochasticDepth(y, x, []int{2, 3, 8, 8}, 0.3, dropout.Batch, false, g, dropout.Into(&m))
		return err
	})
	check("AlphaDropout", func() error {
		_, err := dropout.AlphaDropout(y, x, []int{2, 3, 8, 8}, 0.3, g, dropout.Into(&m))
		return err
	})
	check("FeatureAlphaDropout", func() error {
		_, err := dropout.FeatureAlphaDropout(y, x, []int{2, 3, 8, 8}, 0.3, g, dropout.Into(&m))
		return err
	})
	check("DropBlock2d", func() error {
		_, err := dropout.DropBlock2d(y, x, []int{2, 3, 8, 8}, 0.3, 3, g, dropout.Into(&m))
		return err
	})
	check("DropConnect", func() error {
		_, err := dropout.DropConnect(y, x, 24, 16, 0.3, g, dropout.Into(&m))
		return err
	})
}
