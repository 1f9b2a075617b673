package dropout_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/simdrop/simdrop/dropout"
)

// TestSetStateIsAtomic: calls racing with SetState draw from the old state or
// the new one, never the seed of one with the offset of the other, and State
// reads a pair that was set. The two states are far apart: seed 1 lives
// below offset 2⁵⁰, seed 2 above it.
func TestSetStateIsAtomic(t *testing.T) {
	g := dropout.NewGenerator(1)
	a, b := dropout.State{Seed: 1, Offset: 0}, dropout.State{Seed: 2, Offset: 1 << 50}
	consistent := func(seed, offset uint64) bool {
		return seed == 1 && offset < 1<<50 || seed == 2 && offset >= 1<<50
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	var mixed, masks atomic.Int64
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := make([]float32, 4)
			for !stop.Load() {
				m, err := dropout.Dropout(x, x, []int{4}, 0.5, g)
				if err != nil {
					t.Error(err)
					return
				}
				seed, start, _ := m.Blocks()
				masks.Add(1)
				if !consistent(seed, start) {
					mixed.Add(1)
				}
				if s := g.State(); !consistent(s.Seed, s.Offset) {
					mixed.Add(1)
				}
			}
		}()
	}
	for i := 0; i < 20000 || masks.Load() < 5000; i++ {
		if i%2 == 0 {
			g.SetState(a)
		} else {
			g.SetState(b)
		}
	}
	stop.Store(true)
	wg.Wait()
	if mixed.Load() != 0 {
		t.Errorf("%d of %d masks or states mixed the seed of one state with the offset of another", mixed.Load(), masks.Load())
	}
}

// TestNilAndZeroGenerator: a nil *Generator is the DefaultGenerator in its
// methods too, and a zero Generator is seed 0 at offset 0.
func TestNilAndZeroGenerator(t *testing.T) {
	var nilGen *dropout.Generator
	d := dropout.DefaultGenerator()
	saved := d.State()
	defer d.SetState(saved)
	nilGen.SetState(dropout.State{Seed: 5, Offset: 7})
	if d.State() != (dropout.State{Seed: 5, Offset: 7}) || nilGen.State() != d.State() ||
		nilGen.Seed() != 5 || nilGen.Offset() != 7 {
		t.Errorf("nil generator: state %+v, default %+v; want both {5 7}", nilGen.State(), d.State())
	}

	var zero dropout.Generator
	if zero.State() != (dropout.State{}) || zero.Seed() != 0 || zero.Offset() != 0 {
		t.Errorf("zero generator: %+v, want {0 0}", zero.State())
	}
	x := make([]float32, 70)
	m, err := dropout.Dropout(x, x, []int{70}, 0.5, &zero)
	if err != nil {
		t.Fatal(err)
	}
	y := make([]float32, 70)
	want, _ := dropout.Dropout(y, y, []int{70}, 0.5, dropout.NewGenerator(0))
	for i := 0; i < 70; i++ {
		if m.Kept(i) != want.Kept(i) {
			t.Fatalf("zero generator: Kept(%d) = %v, NewGenerator(0) gives %v", i, m.Kept(i), want.Kept(i))
		}
	}
	if zero.Offset() == 0 {
		t.Error("a zero generator's offset did not advance")
	}
}
