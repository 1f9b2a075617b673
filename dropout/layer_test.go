package dropout_test

import (
	"errors"
	"math"
	"testing"

	"github.com/simdrop/simdrop/dropout"
)

func TestLayerTrainEval(t *testing.T) {
	eachKernel(t, func(t *testing.T) {
		l, err := dropout.NewDropout2d[float32](0.5, dropout.NewGenerator(4))
		if err != nil {
			t.Fatal(err)
		}
		if !l.Training() || l.Mask() != nil {
			t.Fatal("a new layer must be training, with no mask")
		}
		if err := l.Backward(make([]float32, 4), make([]float32, 4)); !errors.Is(err, dropout.ErrMask) {
			t.Errorf("Backward before Forward: %v, want ErrMask", err)
		}
		shape := []int{2, 8, 3, 3}
		src := make([]float32, 2*8*9)
		for i := range src {
			src[i] = float32(i) + 1
		}
		dst := make([]float32, len(src))
		if err := l.Forward(dst, src, shape); err != nil {
			t.Fatal(err)
		}
		m := l.Mask()
		if m == nil || m.Features() != 16 || m.KeptCount() == 0 || m.KeptCount() == 16 {
			t.Fatalf("mask %v: want a mix of 16 features", m)
		}
		dy := make([]float32, len(src))
		for i := range dy {
			dy[i] = 1
		}
		dx := make([]float32, len(src))
		if err := l.Backward(dx, dy); err != nil {
			t.Fatal(err)
		}
		for f := 0; f < 16; f++ {
			for j := f * 9; j < f*9+9; j++ {
				want, wantDx := float32(0), float32(0)
				if m.Kept(f) {
					want, wantDx = src[j]*2, 2
				}
				if dst[j] != want || dx[j] != wantDx {
					t.Fatalf("feature %d: y %v dx %v, want %v %v", f, dst[j], dx[j], want, wantDx)
				}
			}
		}

		// Eval: the identity, no randomness, Backward the identity.
		l.Eval()
		if err := l.Forward(dst, src, shape); err != nil {
			t.Fatal(err)
		}
		if err := l.Backward(dx, dy); err != nil {
			t.Fatal(err)
		}
		for i := range src {
			if dst[i] != src[i] || dx[i] != dy[i] {
				t.Fatalf("eval: y[%d] = %v, dx = %v; want %v, %v", i, dst[i], dx[i], src[i], dy[i])
			}
		}
		if err := l.SetP(math.NaN()); !errors.Is(err, dropout.ErrProbability) || l.P() != 0.5 {
			t.Errorf("SetP(NaN) = %v, p now %v", err, l.P())
		}
	})
}

func TestLayerEvalDrawsNothing(t *testing.T) {
	g := dropout.NewGenerator(4)
	l, _ := dropout.NewDropout1d[float64](0.3, g)
	l.Eval()
	x := make([]float64, 30)
	if err := l.Forward(x, x, []int{3, 10}); err != nil {
		t.Fatal(err)
	}
	if g.Offset() != 0 {
		t.Errorf("eval forward drew %d blocks", g.Offset())
	}
	l.Train()
	if err := l.Forward(x, x, []int{3, 10}); err != nil || g.Offset() != 16 {
		t.Errorf("train forward: err %v, offset %d, want one group's 16 blocks", err, g.Offset())
	}
}

func TestLayerBadInput(t *testing.T) {
	if _, err := dropout.NewDropout3d[float32](2, nil); !errors.Is(err, dropout.ErrProbability) {
		t.Errorf("NewDropout3d(p=2): %v", err)
	}
	l, _ := dropout.NewDropout3d[float32](0.5, nil)
	x := make([]float32, 16)
	if err := l.Forward(x, x, []int{2, 2, 2, 2}); err != nil {
		t.Fatal(err)
	}
	if err := l.Forward(x, x, []int{2, 2, 2, 2, 2}); !errors.Is(err, dropout.ErrLength) {
		t.Errorf("Forward with a wrong length: %v", err)
	}
	if l.Mask() == nil {
		t.Error("a failed Forward dropped the last successful Forward's mask")
	}
}

// TestTrainingStepAllocatesNothing: forward + backward on the same shapes,
// with the shape written as a literal at the call, as a training loop does.
func TestTrainingStepAllocatesNothing(t *testing.T) {
	eachKernel(t, func(t *testing.T) {
		l, _ := dropout.NewDropout2d[float32](0.5, dropout.NewGenerator(1))
		n, c, h, w := 4, 70, 5, 5
		x := make([]float32, n*c*h*w)
		y := make([]float32, len(x))
		dy := make([]float32, len(x))
		dx := make([]float32, len(x))
		step := func() {
			if err := l.Forward(y, x, []int{n, c, h, w}); err != nil {
				t.Fatal(err)
			}
			if err := l.Backward(dx, dy); err != nil {
				t.Fatal(err)
			}
		}
		step() // the first call sizes the mask
		if a := testing.AllocsPerRun(100, step); a != 0 {
			t.Errorf("training step allocates %v times, want 0", a)
		}
		l.Eval()
		if a := testing.AllocsPerRun(100, step); a != 0 {
			t.Errorf("eval step allocates %v times, want 0", a)
		}
	})
}

func TestElementwiseLayerAllocatesNothing(t *testing.T) {
	eachKernel(t, func(t *testing.T) {
		for _, noMask := range []bool{false, true} {
			l, _ := dropout.NewDropout[float32](0.5, dropout.NewGenerator(1))
			if err := l.SetNoMask(noMask); err != nil {
				t.Fatal(err)
			}
			x := make([]float32, 3*100)
			y, dy, dx := make([]float32, len(x)), make([]float32, len(x)), make([]float32, len(x))
			step := func() {
				if err := l.Forward(y, x, []int{3, 100}); err != nil {
					t.Fatal(err)
				}
				if err := l.Backward(dx, dy); err != nil {
					t.Fatal(err)
				}
			}
			step()
			if a := testing.AllocsPerRun(100, step); a != 0 {
				t.Errorf("no mask %v: training step allocates %v times, want 0", noMask, a)
			}
		}
	})
	l, _ := dropout.NewDropout2d[float32](0.5, nil)
	if err := l.SetNoMask(true); !errors.Is(err, dropout.ErrMode) {
		t.Errorf("SetNoMask on a Dropout2d layer: %v, want ErrMode", err)
	}
}

func TestDropBlockLayerAllocatesNothing(t *testing.T) {
	l, err := dropout.NewDropBlock2d[float32](0.3, 3, dropout.NewGenerator(1))
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 2*4*9*70)
	y, dy, dx := make([]float32, len(x)), make([]float32, len(x)), make([]float32, len(x))
	step := func() {
		if err := l.Forward(y, x, []int{2, 4, 9, 70}); err != nil {
			t.Fatal(err)
		}
		if err := l.Backward(dx, dy); err != nil {
			t.Fatal(err)
		}
	}
	step()
	if a := testing.AllocsPerRun(50, step); a != 0 {
		t.Errorf("DropBlock2d training step allocates %v times, want 0", a)
	}
}
