package dropout_test

import (
	"errors"
	"testing"

	"github.com/simdrop/simdrop/dropout"
)

// TestNilMask: every method of a nil *Mask reads as an empty mask, and
// Backward rejects it, without a panic.
func TestNilMask(t *testing.T) {
	var m *dropout.Mask
	seed, start, count := m.Blocks()
	if m.Features() != 0 || m.Kept(0) || m.KeptCount() != 0 || m.Shape() != nil || m.NoiseShape() != nil ||
		m.Len() != 0 || m.P() != 0 || seed|start|count != 0 || m.Clone() != nil {
		t.Error("a nil mask does not read as empty")
	}
	if err := dropout.Backward([]float32{}, []float32{}, m); !errors.Is(err, dropout.ErrMask) {
		t.Errorf("Backward with a nil mask: %v, want ErrMask", err)
	}
	// A layer before its first Forward returns a nil mask: usable as above.
	l, _ := dropout.NewDropout2d[float32](0.5, nil)
	if l.Mask().Kept(0) || l.Mask().Features() != 0 {
		t.Error("the mask of a fresh layer does not read as empty")
	}
	var zero dropout.Mask
	if zero.Features() != 0 || zero.Kept(0) || zero.KeptCount() != 0 || len(zero.Shape()) != 0 {
		t.Error("a zero mask does not read as empty")
	}
	if err := dropout.Backward([]float32{}, []float32{}, &zero); err != nil {
		t.Errorf("Backward with a zero mask on empty slices: %v", err)
	}
}

// TestNilAndZeroLayer: a nil *Layer and a zero Layer return errors wrapping
// ErrLayer from every method that would run the operation, zero values from
// the getters, and never panic.
func TestNilAndZeroLayer(t *testing.T) {
	var nilLayer *dropout.Layer[float32]
	for name, l := range map[string]*dropout.Layer[float32]{"nil": nilLayer, "zero": {}} {
		x := make([]float32, 4)
		for method, err := range map[string]error{
			"Forward":         l.Forward(x, x, []int{1, 4, 1, 1}),
			"Backward":        l.Backward(x, x),
			"SetP":            l.SetP(0.5),
			"SetChannelsLast": l.SetChannelsLast(true),
			"SetNoMask":       l.SetNoMask(true),
		} {
			if !errors.Is(err, dropout.ErrLayer) {
				t.Errorf("%s layer: %s = %v, want ErrLayer", name, method, err)
			}
		}
		l.Train()
		l.Eval()
		if l.P() != 0 || l.Training() || l.Mask() != nil {
			t.Errorf("%s layer: P %v, Training %v, Mask %v; want 0, false, nil", name, l.P(), l.Training(), l.Mask())
		}
	}
}

// TestFailedForwardKeepsMask: a Forward that fails leaves the last
// successful Forward's mask for Mask and Backward, and writes nothing.
func TestFailedForwardKeepsMask(t *testing.T) {
	g := dropout.NewGenerator(3)
	l, _ := dropout.NewDropout2d[float32](0.5, g)
	shape := []int{2, 40, 1, 1}
	x := make([]float32, 80)
	for i := range x {
		x[i] = float32(i + 1)
	}
	y := make([]float32, 80)
	if err := l.Forward(y, x, shape); err != nil {
		t.Fatal(err)
	}
	before := l.Mask().Clone()
	state := g.State()
	bad := []float32{7, 7, 7}
	if err := l.Forward(bad, bad, shape); !errors.Is(err, dropout.ErrLength) {
		t.Fatalf("Forward with a wrong length: %v, want ErrLength", err)
	}
	if err := l.SetP(2); err == nil {
		t.Fatal("SetP(2) succeeded")
	}
	if g.State() != state || bad[0] != 7 {
		t.Fatal("a failed Forward drew randomness or wrote dst")
	}
	m := l.Mask()
	if m == nil || m.KeptCount() != before.KeptCount() {
		t.Fatalf("after a failed Forward the mask is %v, want the last successful one", m)
	}
	dx, dy := make([]float32, 80), make([]float32, 80)
	for i := range dy {
		dy[i] = 1
	}
	if err := l.Backward(dx, dy); err != nil {
		t.Fatalf("Backward after a failed Forward: %v", err)
	}
	for i := range dx {
		want := float32(0)
		if before.Kept(i) {
			want = 2
		}
		if dx[i] != want {
			t.Fatalf("dx[%d] = %v, want %v from the last successful Forward", i, dx[i], want)
		}
	}
}
