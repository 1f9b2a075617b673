package dropout_test

import (
	"errors"
	"math"
	"testing"

	"github.com/simdrop/simdrop/dropout"
)

// TestMaskRoundTrip: a call's mask written with Bools or Bytes and read back
// with MaskFromBools or MaskFromBytes applies exactly as the original, for
// channel, channels-last (a rows plan) and elementwise noise shapes, and
// float32 and float64.
func TestMaskRoundTrip(t *testing.T) {
	eachKernel(t, func(t *testing.T) {
		for _, c := range []struct {
			shape, noise []int
			call         func(dst, src []float64, g *dropout.Generator) (*dropout.Mask, error)
		}{
			{[]int{3, 70, 2, 2}, []int{3, 70, 1, 1}, func(d, s []float64, g *dropout.Generator) (*dropout.Mask, error) {
				return dropout.Dropout2d(d, s, []int{3, 70, 2, 2}, 0.3, g)
			}},
			{[]int{2, 3, 3, 17}, []int{2, 1, 1, 17}, func(d, s []float64, g *dropout.Generator) (*dropout.Mask, error) {
				return dropout.Dropout2dNHWC(d, s, []int{2, 3, 3, 17}, 0.3, g)
			}},
			{[]int{5, 41}, []int{5, 41}, func(d, s []float64, g *dropout.Generator) (*dropout.Mask, error) {
				return dropout.Dropout(d, s, []int{5, 41}, 0.3, g)
			}},
		} {
			n := 1
			for _, d := range c.shape {
				n *= d
			}
			x := make([]float64, n)
			for i := range x {
				x[i] = float64(i%9) - 3.5
			}
			y := make([]float64, n)
			m, err := c.call(y, x, dropout.NewGenerator(21))
			if err != nil {
				t.Fatal(err)
			}
			bools, bytes := make([]bool, m.Features()), make([]byte, m.Features())
			if err := m.Bools(bools); err != nil {
				t.Fatal(err)
			}
			if err := m.Bytes(bytes); err != nil {
				t.Fatal(err)
			}
			fromBools, err := dropout.MaskFromBools(c.shape, c.noise, 0.3, bools)
			if err != nil {
				t.Fatal(err)
			}
			fromBytes, err := dropout.MaskFromBytes(c.shape, c.noise, 0.3, bytes)
			if err != nil {
				t.Fatal(err)
			}
			for _, im := range []*dropout.Mask{fromBools, fromBytes} {
				got := make([]float64, n)
				if err := dropout.Backward(got, x, im); err != nil { // the forward, applied
					t.Fatal(err)
				}
				for i := range got {
					if math.Float64bits(got[i]) != math.Float64bits(y[i]) {
						t.Fatalf("shape %v: imported mask gives y[%d] = %v, the call gave %v", c.shape, i, got[i], y[i])
					}
				}
				x32, y32, got32 := make([]float32, n), make([]float32, n), make([]float32, n)
				for i := range x {
					x32[i] = float32(x[i])
				}
				if err := dropout.Backward(y32, x32, m); err != nil {
					t.Fatal(err)
				}
				if err := dropout.Backward(got32, x32, im); err != nil {
					t.Fatal(err)
				}
				for i := range got32 {
					if math.Float32bits(got32[i]) != math.Float32bits(y32[i]) {
						t.Fatalf("shape %v float32: y[%d] = %v, want %v", c.shape, i, got32[i], y32[i])
					}
				}
			}
		}
	})
}

// TestMaskFromBytesAnyP: an imported mask is applied as given whatever p,
// with scale 1/(1−p) — p = 0 with features dropped included — and bad input
// is an error naming it.
func TestMaskFromBytesAnyP(t *testing.T) {
	x := []float32{1, 2, 3, 4, 5, 6}
	m, err := dropout.MaskFromBytes([]int{3, 2}, []int{3, 1}, 0, []byte{1, 0, 7})
	if err != nil {
		t.Fatal(err)
	}
	y := make([]float32, 6)
	if err := dropout.Backward(y, x, m); err != nil {
		t.Fatal(err)
	}
	if want := []float32{1, 2, 0, 0, 5, 6}; !equal32(y, want) {
		t.Errorf("p = 0 with a dropped row: %v, want %v", y, want)
	}
	m, _ = dropout.MaskFromBytes([]int{3, 2}, []int{3, 1}, 0.5, []byte{0, 1, 0})
	dropout.Backward(y, x, m)
	if want := []float32{0, 0, 6, 8, 0, 0}; !equal32(y, want) {
		t.Errorf("p = 0.5: %v, want %v", y, want)
	}
	for _, c := range []struct {
		p    float64
		keep []byte
		want error
	}{
		{0.5, []byte{1, 0}, dropout.ErrLength},
		{1, []byte{0, 1, 0}, dropout.ErrProbability},
		{math.NaN(), []byte{0, 1, 0}, dropout.ErrProbability},
	} {
		if _, err := dropout.MaskFromBytes([]int{3, 2}, []int{3, 1}, c.p, c.keep); !errors.Is(err, c.want) {
			t.Errorf("p=%v keep %v: %v, want %v", c.p, c.keep, err, c.want)
		}
	}
	if _, err := dropout.MaskFromBools([]int{3, 2}, []int{2, 1}, 0.5, make([]bool, 2)); !errors.Is(err, dropout.ErrShape) {
		t.Errorf("a bad noise shape: %v, want ErrShape", err)
	}
	if err := m.Bytes(make([]byte, 2)); !errors.Is(err, dropout.ErrLength) {
		t.Errorf("Bytes into a short slice: %v, want ErrLength", err)
	}
}

func equal32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
